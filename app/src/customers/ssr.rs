//! Customer reads: one customer, the Trash, the offline snapshot, who uses an e-mail. Every
//! write is in `store`.

use super::model::{Customer, Status};
use super::search::path::ListSelect;
use crate::audit::Entity;
use crate::db;
use crate::error::AppError;
use chrono::{DateTime, Utc};

pub const ENTITY: Entity = Entity::Customer;

/// A customer's labels as a JSON array of `{id, name, color}` in display order (the
/// customer table is `c`), in each backend's dialect (`db::Backend::json_objects`).
macro_rules! labels_json {
    (sqlite) => {
        "(select coalesce(json_group_array(json_object('id', l.label_id, 'name', l.name, 'color', l.color)
                  order by l.name_key, l.label_id), '[]')
           from customer_label cl join label l on l.label_id = cl.label_id
          where cl.customer_id = c.customer_id)"
    };
    (postgres) => {
        "(select coalesce(json_agg(json_build_object('id', l.label_id, 'name', l.name, 'color', l.color)
                  order by l.name_key, l.label_id), '[]'::json)
           from customer_label cl join label l on l.label_id = cl.label_id
          where cl.customer_id = c.customer_id)"
    };
}

/// The columns a [`Customer`] is read from (the customer table is `c`).
macro_rules! customer_columns {
    ($dialect:ident) => {
        concat!(
            "c.customer_id, c.first_name, c.middle_name, c.last_name, c.suffix, c.email,
        c.gender, c.birthday, c.phone, c.phone_e164, c.street, c.city, c.state, c.zip, c.country,
        c.status, c.contact_name, c.contact_email, c.contact_phone,
        c.created_at, cb.name as created_by_name, c.updated_at, ub.name as updated_by_name,
        c.version, c.deleted_at, db.name as deleted_by_name, ",
            labels_json!($dialect),
            " as labels,
        case when pa.disabled_at is not null then 'disabled'
             when pa.password_hash is not null then 'active'
             when pa.invited_at is not null then 'invited'
             else 'none' end as portal_state,
        pa.verified_at is not null as portal_verified, pa.last_access_at"
        )
    };
}

/// The joins those columns need after the customer table.
macro_rules! customer_joins {
    () => {
        "left join portal_account pa on pa.customer_id = c.customer_id
    left join staff_user cb on cb.staff_user_id = c.created_by
    left join staff_user ub on ub.staff_user_id = c.updated_by
    left join staff_user db on db.staff_user_id = c.deleted_by"
    };
}

/// A whole customer, as the list, the profile and the Trash read it.
pub fn select(b: db::Backend) -> &'static str {
    macro_rules! select {
        ($dialect:ident) => {
            concat!(
                "select ",
                customer_columns!($dialect),
                " from customer c ",
                customer_joins!()
            )
        };
    }
    match b {
        db::Backend::Sqlite => select!(sqlite),
        db::Backend::Postgres => select!(postgres),
    }
}

/// The same, for the list's query code, which chooses the table it walks.
pub fn list_select(b: db::Backend) -> &'static ListSelect {
    const SQLITE: ListSelect = ListSelect {
        columns: customer_columns!(sqlite),
        joins: customer_joins!(),
    };
    const POSTGRES: ListSelect = ListSelect {
        columns: customer_columns!(postgres),
        joins: customer_joins!(),
    };
    match b {
        db::Backend::Sqlite => &SQLITE,
        db::Backend::Postgres => &POSTGRES,
    }
}

pub async fn get(pool: &db::Pool, id: i64) -> Result<Option<Customer>, sqlx::Error> {
    db::query_as::<Customer>(format!(
        "{} where c.customer_id = $1",
        select(pool.backend())
    ))
    .bind(id)
    .fetch_optional(pool)
    .await
}

/// A live (not deleted) customer, or NotFound.
pub async fn get_live(pool: &db::Pool, id: i64) -> Result<Customer, AppError> {
    match get(pool, id).await? {
        Some(c) if c.deleted_at.is_none() => Ok(c),
        _ => Err(AppError::NotFound),
    }
}

/// Every live customer as a compact row, or `None` when there are more than `max`.
pub async fn snapshot(
    pool: &db::Pool,
    max: i64,
) -> Result<Option<Vec<super::list::SnapshotRow>>, sqlx::Error> {
    let live: i64 =
        db::query_scalar("select cast(coalesce(sum(live), 0) as bigint) from customer_count")
            .fetch_one(pool)
            .await?;
    if live > max {
        return Ok(None);
    }
    type R = (
        i64,
        String,
        String,
        String,
        String,
        String,
        String,
        Option<chrono::NaiveDate>,
        String,
        Status,
        DateTime<Utc>,
        DateTime<Utc>,
        sqlx::types::Json<Vec<crate::labels::LabelRef>>,
        super::model::Gender,
        Option<DateTime<Utc>>,
    );
    let labels = match pool.backend() {
        db::Backend::Sqlite => labels_json!(sqlite),
        db::Backend::Postgres => labels_json!(postgres),
    };
    let rows: Vec<R> = db::query_as(format!(
        "select customer_id, first_name, last_name, email, phone, phone_e164, middle_name, birthday,
                country, status, created_at, updated_at, {labels}, gender,
                (select pa.last_access_at from portal_account pa where pa.customer_id = c.customer_id)
         from customer c where deleted_at is null order by customer_id desc limit $1",
    ))
    .bind(max)
    .fetch_all(pool)
    .await?;
    Ok(Some(
        rows.into_iter()
            .map(|r| {
                super::list::SnapshotRow(
                    r.0, r.1, r.2, r.3, r.4, r.5, r.6, r.7, r.8, r.9, r.10, r.11, r.12 .0, r.13,
                    r.14,
                )
            })
            .collect(),
    ))
}

pub async fn list_trash(pool: &db::Pool) -> Result<Vec<Customer>, sqlx::Error> {
    db::query_as::<Customer>(format!(
        "{} where c.deleted_at is not null order by c.deleted_at desc limit 500",
        select(pool.backend())
    ))
    .fetch_all(pool)
    .await
}

/// The live customer already using `email` (case-insensitive), other than `except`.
pub async fn email_owner<'e>(
    db: impl db::Target<'e>,
    email: &str,
    except: Option<i64>,
) -> Result<Option<i64>, sqlx::Error> {
    db::query_scalar(
        "select customer_id from customer
         where lower(email) = lower($1) and deleted_at is null and customer_id != $2",
    )
    .bind(email.trim())
    .bind(except.unwrap_or(0))
    .fetch_optional(db)
    .await
}
