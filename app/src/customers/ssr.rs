//! Customer storage: SQL, audit events in the same transaction, optimistic concurrency,
//! soft delete, restore and purge.

use super::model::{Customer, Status};
use super::validate::ValidCustomer;
use crate::audit::ssr::{record, Actor};
use crate::audit::{AuditAction, Entity, FieldChange};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::fmt::fmt_datetime;
use chrono::{DateTime, Utc};
use sqlx::SqlitePool;

pub const ENTITY: Entity = Entity::Customer;

pub const SELECT: &str =
    "select c.customer_id, c.first_name, c.middle_name, c.last_name, c.suffix, c.email,
        c.gender, c.birthday, c.phone, c.phone_e164, c.street, c.city, c.state, c.zip, c.country,
        c.status, c.contact_name, c.contact_email, c.contact_phone,
        c.created_at, cb.name as created_by_name, c.updated_at, ub.name as updated_by_name,
        c.version, c.deleted_at, db.name as deleted_by_name,
        (select json_group_array(json_object('id', l.label_id, 'name', l.name, 'color', l.color))
           from (select l.label_id, l.name, l.color from customer_label cl
                   join label l on l.label_id = cl.label_id
                  where cl.customer_id = c.customer_id order by l.name_key, l.label_id) l) as labels,
        case when pa.disabled_at is not null then 'disabled'
             when pa.password_hash is not null then 'active'
             when pa.invited_at is not null then 'invited'
             else 'none' end as portal_state,
        pa.verified_at is not null as portal_verified, pa.last_access_at
    from customer c
    left join portal_account pa on pa.customer_id = c.customer_id
    left join staff_user cb on cb.staff_user_id = c.created_by
    left join staff_user ub on ub.staff_user_id = c.updated_by
    left join staff_user db on db.staff_user_id = c.deleted_by";

/// The editable fields as (name, display value), in form order: the basis of audit diffs.
fn fields_of_valid(v: &ValidCustomer) -> Vec<(&'static str, String)> {
    vec![
        ("first_name", v.first_name.clone()),
        ("middle_name", v.middle_name.clone()),
        ("last_name", v.last_name.clone()),
        ("suffix", v.suffix.clone()),
        ("email", v.email.clone()),
        ("gender", v.gender.as_str().to_string()),
        (
            "birthday",
            v.birthday.map(|d| d.to_string()).unwrap_or_default(),
        ),
        ("phone", v.phone.clone()),
        ("street", v.street.clone()),
        ("city", v.city.clone()),
        ("state", v.state.clone()),
        ("zip", v.zip.clone()),
        ("country", v.country.clone()),
        ("status", v.status.as_str().to_string()),
        ("contact_name", v.contact_name.clone()),
        ("contact_email", v.contact_email.clone()),
        ("contact_phone", v.contact_phone.clone()),
    ]
}

fn fields_of_customer(c: &Customer) -> Vec<(&'static str, String)> {
    fields_of_valid(&ValidCustomer {
        first_name: c.first_name.clone(),
        middle_name: c.middle_name.clone(),
        last_name: c.last_name.clone(),
        suffix: c.suffix.clone(),
        email: c.email.clone(),
        gender: c.gender,
        birthday: c.birthday,
        phone: c.phone.clone(),
        phone_e164: c.phone_e164.clone(),
        street: c.street.clone(),
        city: c.city.clone(),
        state: c.state.clone(),
        zip: c.zip.clone(),
        country: c.country.clone(),
        status: c.status,
        contact_name: c.contact_name.clone(),
        contact_email: c.contact_email.clone(),
        contact_phone: c.contact_phone.clone(),
        labels: c.labels.iter().map(|l| l.id).collect(),
    })
}

type SqliteQuery<'q> = sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>>;

/// Binds the editable fields as $1 … $18, in the order the INSERT and UPDATE name them.
fn bind_fields<'q>(q: SqliteQuery<'q>, v: &'q ValidCustomer) -> SqliteQuery<'q> {
    q.bind(&v.first_name)
        .bind(&v.middle_name)
        .bind(&v.last_name)
        .bind(&v.suffix)
        .bind(&v.email)
        .bind(v.gender)
        .bind(v.birthday)
        .bind(&v.phone)
        .bind(&v.phone_e164)
        .bind(&v.street)
        .bind(&v.city)
        .bind(&v.state)
        .bind(&v.zip)
        .bind(&v.country)
        .bind(v.status)
        .bind(&v.contact_name)
        .bind(&v.contact_email)
        .bind(&v.contact_phone)
}

fn opt(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

/// Field changes from `old` to `new` (only the fields that differ).
pub fn diff(old: &[(&'static str, String)], new: &[(&'static str, String)]) -> Vec<FieldChange> {
    old.iter()
        .zip(new)
        .filter(|((_, a), (_, b))| a != b)
        .map(|((field, a), (_, b))| FieldChange {
            field: field.to_string(),
            old: opt(a.clone()),
            new: opt(b.clone()),
        })
        .collect()
}

pub async fn get(pool: &SqlitePool, id: i64) -> Result<Option<Customer>, sqlx::Error> {
    sqlx::query_as::<_, Customer>(&format!("{SELECT} where c.customer_id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await
}

/// A live (not deleted) customer, or NotFound.
pub async fn get_live(pool: &SqlitePool, id: i64) -> Result<Customer, AppError> {
    match get(pool, id).await? {
        Some(c) if c.deleted_at.is_none() => Ok(c),
        _ => Err(AppError::NotFound),
    }
}

/// Every live customer as a compact row, or `None` when there are more than `max`.
pub async fn snapshot(
    pool: &SqlitePool,
    max: i64,
) -> Result<Option<Vec<super::list::SnapshotRow>>, sqlx::Error> {
    let live: i64 = sqlx::query_scalar("select coalesce(sum(live), 0) from customer_count")
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
    );
    let rows: Vec<R> = sqlx::query_as(
        "select customer_id, first_name, last_name, email, phone, phone_e164, middle_name, birthday,
                country, status, created_at, updated_at,
                (select json_group_array(json_object('id', l.label_id, 'name', l.name, 'color', l.color))
                   from customer_label cl join label l on l.label_id = cl.label_id
                  where cl.customer_id = c.customer_id)
         from customer c where deleted_at is null order by customer_id desc limit $1",
    )
    .bind(max)
    .fetch_all(pool)
    .await?;
    Ok(Some(
        rows.into_iter()
            .map(|r| {
                super::list::SnapshotRow(
                    r.0, r.1, r.2, r.3, r.4, r.5, r.6, r.7, r.8, r.9, r.10, r.11, r.12 .0,
                )
            })
            .collect(),
    ))
}

pub async fn list_trash(pool: &SqlitePool) -> Result<Vec<Customer>, sqlx::Error> {
    sqlx::query_as::<_, Customer>(&format!(
        "{SELECT} where c.deleted_at is not null order by c.deleted_at desc limit 500"
    ))
    .fetch_all(pool)
    .await
}

/// The live customer already using `email` (case-insensitive), other than `except`.
pub async fn email_owner(
    pool: &SqlitePool,
    email: &str,
    except: Option<i64>,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "select customer_id from customer
         where lower(email) = lower($1) and deleted_at is null and customer_id != $2",
    )
    .bind(email.trim())
    .bind(except.unwrap_or(0))
    .fetch_optional(pool)
    .await
}

fn email_taken(owner: i64) -> AppError {
    AppError::field(
        "email",
        format!("This email is already used by customer #{owner}."),
    )
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

/// Add a customer. With `invite_base` (the public base URL) the customer is also sent the
/// portal invitation, in the same transaction.
pub async fn create(
    pool: &SqlitePool,
    actor: &CurrentUser,
    v: &ValidCustomer,
    invite_base: Option<&str>,
) -> Result<Customer, AppError> {
    if let Some(owner) = email_owner(pool, &v.email, None).await? {
        return Err(email_taken(owner));
    }
    let now = Utc::now();
    let mut tx = pool.begin().await?;
    let inserted = bind_fields(
        sqlx::query(
            "insert into customer (first_name, middle_name, last_name, suffix, email, gender, birthday,
            phone, phone_e164, street, city, state, zip, country, status,
            contact_name, contact_email, contact_phone,
            created_at, created_by, updated_at, updated_by, version)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,
                 $19, $20, $19, $20, 1)
         returning customer_id",
        ),
        v,
    )
    .bind(now)
    .bind(actor.id)
    .fetch_one(&mut *tx)
    .await
    .map(|row| sqlx::Row::get::<i64, _>(&row, 0));
    let id = match inserted {
        Ok(id) => id,
        // Someone took the e-mail between our check and the insert.
        Err(e) if is_unique_violation(&e) => {
            drop(tx);
            let owner = email_owner(pool, &v.email, None).await?.unwrap_or_default();
            return Err(email_taken(owner));
        }
        Err(e) => return Err(e.into()),
    };
    let blank: Vec<_> = fields_of_valid(v)
        .into_iter()
        .map(|(f, _)| (f, String::new()))
        .collect();
    let mut changes = diff(&blank, &fields_of_valid(v));
    changes.extend(crate::labels::ssr::set_for_customer(&mut tx, id, &v.labels).await?);
    record(
        &mut tx,
        &actor.actor(),
        AuditAction::Create,
        ENTITY,
        Some(id),
        &changes,
        now,
    )
    .await?;
    if let Some(base) = invite_base {
        crate::portal::ssr::invite_new_customer(&mut tx, base, actor, id, now).await?;
    }
    tx.commit().await?;
    get_live(pool, id).await
}

/// Who changed the customer since `expected_version`, as a message for the Conflict.
fn conflict_message(current: &Customer) -> String {
    format!(
        "{} changed this customer at {} while you were editing. Your changes were not saved; reopen the customer to see theirs.",
        current.updated_by_name.as_deref().unwrap_or("Someone"),
        fmt_datetime(&current.updated_at)
    )
}

pub async fn update(
    pool: &SqlitePool,
    actor: &CurrentUser,
    id: i64,
    expected_version: i64,
    v: &ValidCustomer,
) -> Result<Customer, AppError> {
    let old = get_live(pool, id).await?;
    if old.version != expected_version {
        return Err(AppError::Conflict(conflict_message(&old)));
    }
    if let Some(owner) = email_owner(pool, &v.email, Some(id)).await? {
        return Err(email_taken(owner));
    }
    let mut changes = diff(&fields_of_customer(&old), &fields_of_valid(v));
    let mut old_labels: Vec<i64> = old.labels.iter().map(|l| l.id).collect();
    let mut new_labels = v.labels.clone();
    old_labels.sort_unstable();
    new_labels.sort_unstable();
    if changes.is_empty() && old_labels == new_labels {
        return Ok(old);
    }
    let now = Utc::now();
    let mut tx = pool.begin().await?;
    // The version check is in the UPDATE itself: if anyone saved since we read, 0 rows.
    let res = bind_fields(
        sqlx::query(
            "update customer set first_name = $1, middle_name = $2, last_name = $3, suffix = $4,
            email = $5, gender = $6, birthday = $7, phone = $8, phone_e164 = $9, street = $10,
            city = $11, state = $12, zip = $13, country = $14, status = $15, contact_name = $16,
            contact_email = $17, contact_phone = $18, updated_at = $19, updated_by = $20,
            version = version + 1
         where customer_id = $21 and version = $22 and deleted_at is null",
        ),
        v,
    )
    .bind(now)
    .bind(actor.id)
    .bind(id)
    .bind(expected_version)
    .execute(&mut *tx)
    .await;
    match res {
        Ok(r) if r.rows_affected() == 1 => {}
        Ok(_) => {
            drop(tx);
            return Err(match get_live(pool, id).await {
                Ok(current) => AppError::Conflict(conflict_message(&current)),
                Err(e) => e,
            });
        }
        Err(e) if is_unique_violation(&e) => {
            drop(tx);
            let owner = email_owner(pool, &v.email, Some(id))
                .await?
                .unwrap_or_default();
            return Err(email_taken(owner));
        }
        Err(e) => return Err(e.into()),
    }
    changes.extend(crate::labels::ssr::set_for_customer(&mut tx, id, &v.labels).await?);
    if changes.iter().any(|c| c.field == "email") {
        // Invitation and reset links went to the old address: they stop working.
        crate::portal::ssr::revoke_tokens(&mut tx, id).await?;
    }
    record(
        &mut tx,
        &actor.actor(),
        AuditAction::Update,
        ENTITY,
        Some(id),
        &changes,
        now,
    )
    .await?;
    tx.commit().await?;
    get_live(pool, id).await
}

/// The inline Active/Inactive switch: an explicit intent, so it applies to the current
/// version (and bumps it, so an open edit form elsewhere will get a Conflict).
pub async fn set_status(
    pool: &SqlitePool,
    actor: &CurrentUser,
    id: i64,
    status: Status,
) -> Result<Customer, AppError> {
    let old = get_live(pool, id).await?;
    if old.status == status {
        return Ok(old);
    }
    let now = Utc::now();
    let mut tx = pool.begin().await?;
    let r = sqlx::query(
        "update customer set status = $1, updated_at = $2, updated_by = $3, version = version + 1
         where customer_id = $4 and deleted_at is null",
    )
    .bind(status)
    .bind(now)
    .bind(actor.id)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    if r.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    let changes = vec![FieldChange {
        field: "status".into(),
        old: Some(old.status.as_str().into()),
        new: Some(status.as_str().into()),
    }];
    record(
        &mut tx,
        &actor.actor(),
        AuditAction::Status,
        ENTITY,
        Some(id),
        &changes,
        now,
    )
    .await?;
    tx.commit().await?;
    get_live(pool, id).await
}

/// Soft delete: the row stays (for Undo, the Trash and the purge) but leaves every list.
pub async fn soft_delete(pool: &SqlitePool, actor: &CurrentUser, id: i64) -> Result<(), AppError> {
    let now = Utc::now();
    let mut tx = pool.begin().await?;
    let r = sqlx::query(
        "update customer set deleted_at = $1, deleted_by = $2, delete_batch = null
         where customer_id = $3 and deleted_at is null",
    )
    .bind(now)
    .bind(actor.id)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    if r.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    record(
        &mut tx,
        &actor.actor(),
        AuditAction::Delete,
        ENTITY,
        Some(id),
        &[],
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Undo a delete: the same row, id and data come back.
pub async fn restore(
    pool: &SqlitePool,
    actor: &CurrentUser,
    id: i64,
) -> Result<Customer, AppError> {
    let Some(c) = get(pool, id).await?.filter(|c| c.deleted_at.is_some()) else {
        return Err(AppError::NotFound);
    };
    if let Some(owner) = email_owner(pool, &c.email, Some(id)).await? {
        return Err(AppError::Conflict(format!(
            "Cannot restore: its email {} is now used by customer #{owner}.",
            c.email
        )));
    }
    let now = Utc::now();
    let mut tx = pool.begin().await?;
    let r = sqlx::query(
        "update customer set deleted_at = null, deleted_by = null, delete_batch = null
         where customer_id = $1 and deleted_at is not null",
    )
    .bind(id)
    .execute(&mut *tx)
    .await;
    match r {
        Ok(r) if r.rows_affected() == 1 => {}
        Ok(_) => return Err(AppError::NotFound),
        Err(e) if is_unique_violation(&e) => {
            return Err(AppError::Conflict(
                "Cannot restore: its email is now used by another customer.".into(),
            ))
        }
        Err(e) => return Err(e.into()),
    }
    record(
        &mut tx,
        &actor.actor(),
        AuditAction::Restore,
        ENTITY,
        Some(id),
        &[],
        now,
    )
    .await?;
    tx.commit().await?;
    get_live(pool, id).await
}

/// Remove customers deleted before `cutoff` for good. Their audit trail stays.
pub async fn purge_deleted(pool: &SqlitePool, cutoff: DateTime<Utc>) -> Result<u64, sqlx::Error> {
    let now = Utc::now();
    let mut tx = pool.begin().await?;
    let ids: Vec<i64> =
        sqlx::query_scalar("select customer_id from customer where deleted_at < $1")
            .bind(cutoff)
            .fetch_all(&mut *tx)
            .await?;
    for id in &ids {
        record(
            &mut tx,
            &Actor::system(),
            AuditAction::Purge,
            ENTITY,
            Some(*id),
            &[],
            now,
        )
        .await?;
    }
    sqlx::query("delete from customer where deleted_at < $1")
        .bind(cutoff)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(ids.len() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_lists_only_changed_fields_with_blanks_as_none() {
        let old = vec![
            ("first_name", "Ann".to_string()),
            ("city", String::new()),
            ("zip", "1000".into()),
        ];
        let new = vec![
            ("first_name", "Anne".to_string()),
            ("city", "Cebu".into()),
            ("zip", "1000".into()),
        ];
        let d = diff(&old, &new);
        assert_eq!(d.len(), 2);
        assert_eq!(
            d[0],
            FieldChange {
                field: "first_name".into(),
                old: Some("Ann".into()),
                new: Some("Anne".into())
            }
        );
        assert_eq!(d[1].old, None);
    }
}
