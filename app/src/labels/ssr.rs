//! Label storage: CRUD with audit events, and the label sets of customers (one customer from
//! the modal, many at once from bulk actions and label deletion), each change audited on the
//! customer as a `labels` field change from the old set to the new one.

use super::{name_key, Label};
use crate::audit::ssr::record;
use crate::audit::FieldChange;
use crate::audit::{AuditAction, Entity};
use crate::auth::CurrentUser;
use crate::customers::bulk::ssr::run_six;
use crate::error::AppError;
use chrono::{DateTime, Utc};
use sqlx::{SqliteConnection, SqlitePool};

pub const ENTITY: Entity = Entity::Label;

/// The names of a customer's labels, in display order, joined (SQL; `{id}` is the customer
/// id expression). `NULL` when it has none.
fn names_sql(id: &str, extra: &str) -> String {
    format!(
        "(select group_concat(l.name, ', ' order by l.name_key, l.label_id) from label l
          where (l.label_id in (select x.label_id from customer_label x where x.customer_id = {id})
                 {extra}))"
    )
}

pub async fn list(pool: &SqlitePool) -> Result<Vec<Label>, sqlx::Error> {
    sqlx::query_as::<_, Label>(
        "select label_id, name, color, used from label order by name_key, label_id",
    )
    .fetch_all(pool)
    .await
}

async fn get(conn: &mut SqliteConnection, id: i64) -> Result<Option<Label>, sqlx::Error> {
    sqlx::query_as::<_, Label>("select label_id, name, color, used from label where label_id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await
}

fn name_taken(name: &str) -> AppError {
    AppError::field("name", format!("A label named “{name}” already exists."))
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

pub async fn create(
    pool: &SqlitePool,
    actor: &CurrentUser,
    name: &str,
    color: &str,
) -> Result<Label, AppError> {
    let now = Utc::now();
    let mut tx = pool.begin().await?;
    let id: i64 = match sqlx::query_scalar(
        "insert into label (name, name_key, color, created_at, updated_at)
         values ($1, $2, $3, $4, $4) returning label_id",
    )
    .bind(name)
    .bind(name_key(name))
    .bind(color)
    .bind(now)
    .fetch_one(&mut *tx)
    .await
    {
        Ok(id) => id,
        Err(e) if is_unique_violation(&e) => return Err(name_taken(name)),
        Err(e) => return Err(e.into()),
    };
    let changes = [
        FieldChange::new("name", None, Some(name)),
        FieldChange::new("color", None, Some(color)),
    ];
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
    let label = get(&mut tx, id).await?.ok_or(AppError::Internal)?;
    tx.commit().await?;
    Ok(label)
}

pub async fn update(
    pool: &SqlitePool,
    actor: &CurrentUser,
    id: i64,
    name: &str,
    color: &str,
) -> Result<Label, AppError> {
    let now = Utc::now();
    // Immediate: this transaction reads, then writes; it must hold the write lock from the
    // start (a read transaction that later writes fails if another write came in between).
    let mut tx = pool.begin_with("begin immediate").await?;
    let Some(old) = get(&mut tx, id).await? else {
        return Err(AppError::NotFound);
    };
    match sqlx::query(
        "update label set name = $1, name_key = $2, color = $3, updated_at = $4 where label_id = $5",
    )
    .bind(name)
    .bind(name_key(name))
    .bind(color)
    .bind(now)
    .bind(id)
    .execute(&mut *tx)
    .await
    {
        Ok(_) => {}
        Err(e) if is_unique_violation(&e) => return Err(name_taken(name)),
        Err(e) => return Err(e.into()),
    }
    let (old_name, old_color) = (old.name, old.color);
    let mut changes = Vec::new();
    if old_name != name {
        changes.push(FieldChange::new("name", Some(&old_name), Some(name)));
    }
    if old_color != color {
        changes.push(FieldChange::new("color", Some(&old_color), Some(color)));
    }
    if !changes.is_empty() {
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
    }
    let label = get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(label)
}

/// Delete a label: every customer carrying it loses it (each audited), then the label goes.
/// Returns how many live customers lost it.
pub async fn delete(pool: &SqlitePool, actor: &CurrentUser, id: i64) -> Result<i64, AppError> {
    let now = Utc::now();
    // Immediate: this transaction reads, then writes; it must hold the write lock from the
    // start (a read transaction that later writes fails if another write came in between).
    let mut tx = pool.begin_with("begin immediate").await?;
    let Some(label) = get(&mut tx, id).await? else {
        return Err(AppError::NotFound);
    };
    let holders: Vec<i64> =
        sqlx::query_scalar("select customer_id from customer_label where label_id = $1")
            .bind(id)
            .fetch_all(&mut *tx)
            .await?;
    remove_from(&mut tx, actor, id, &holders, now, false).await?;
    sqlx::query("delete from label where label_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let changes = [
        FieldChange::new("name", Some(&label.name), None),
        FieldChange::new("color", Some(&label.color), None),
    ];
    record(
        &mut tx,
        &actor.actor(),
        AuditAction::Delete,
        ENTITY,
        Some(id),
        &changes,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(label.used)
}

fn ids_json(ids: &[i64]) -> String {
    serde_json::to_string(ids).expect("ids serialize")
}

/// Add label `label_id` to the live customers among `ids` that lack it; each changed customer
/// gets a new version (an open edit form then reports a conflict instead of undoing this)
/// and an audit row. Returns how many changed.
pub async fn add_to(
    conn: &mut SqliteConnection,
    actor: &CurrentUser,
    label_id: i64,
    ids: &[i64],
    now: DateTime<Utc>,
) -> Result<i64, AppError> {
    if get(conn, label_id).await?.is_none() {
        return Err(AppError::NotFound);
    }
    // Every statement binds the same six values ($1 … $6) and uses what it needs.
    let targets = "from customer c where c.customer_id in (select value from json_each($6))
          and c.deleted_at is null
          and not exists (select 1 from customer_label x where x.customer_id = c.customer_id and x.label_id = $5)";
    let statements = [
        format!(
            "insert into audit_event (at, actor_id, actor_name, actor_role, action, entity, entity_id, changes)
             select $1, $2, $3, $4, 'labels', 'customer', c.customer_id,
                    json_array(json_object('field', 'labels', 'old', {}, 'new', {}))
             {targets}",
            names_sql("c.customer_id", ""),
            names_sql("c.customer_id", "or l.label_id = $5"),
        ),
        format!(
            "update customer set version = version + 1, updated_at = $1, updated_by = $2
             where customer_id in (select c.customer_id {targets})"
        ),
        format!("insert into customer_label (customer_id, label_id) select c.customer_id, $5 {targets}"),
    ];
    let changed = run_six(conn, &statements, actor, label_id, ids, now).await?;
    Ok(changed as i64)
}

/// Remove label `label_id` from the customers among `ids` carrying it (live ones only, unless
/// `live_only` is false — a deleted label leaves trashed customers too). Audited per customer.
pub async fn remove_from(
    conn: &mut SqliteConnection,
    actor: &CurrentUser,
    label_id: i64,
    ids: &[i64],
    now: DateTime<Utc>,
    live_only: bool,
) -> Result<i64, AppError> {
    let live = if live_only {
        " and c.deleted_at is null"
    } else {
        ""
    };
    let targets = format!(
        "from customer c join customer_label cl on cl.customer_id = c.customer_id and cl.label_id = $5
         where c.customer_id in (select value from json_each($6)){live}"
    );
    let statements = [
        format!(
            "insert into audit_event (at, actor_id, actor_name, actor_role, action, entity, entity_id, changes)
             select $1, $2, $3, $4, 'labels', 'customer', c.customer_id,
                    json_array(json_object('field', 'labels', 'old', {}, 'new', {}))
             {targets}",
            names_sql("c.customer_id", ""),
            names_sql("c.customer_id", "and l.label_id != $5"),
        ),
        format!(
            "update customer set version = version + 1, updated_at = $1, updated_by = $2
             where customer_id in (select c.customer_id {targets})"
        ),
        format!(
            "delete from customer_label where label_id = $5
               and customer_id in (select c.customer_id {targets})"
        ),
    ];
    let changed = run_six(conn, &statements, actor, label_id, ids, now).await?;
    Ok(changed as i64)
}

/// Replace one customer's labels with `wanted` (inside the caller's transaction). Returns the
/// audit field change, if the set changed. Unknown label ids are refused.
pub async fn set_for_customer(
    conn: &mut SqliteConnection,
    customer_id: i64,
    wanted: &[i64],
) -> Result<Option<FieldChange>, AppError> {
    let json = ids_json(wanted);
    let known: i64 = sqlx::query_scalar(
        "select count(*) from label where label_id in (select value from json_each($1))",
    )
    .bind(&json)
    .fetch_one(&mut *conn)
    .await?;
    if known as usize != wanted.len() {
        return Err(AppError::field(
            "labels",
            "A label you picked was deleted meanwhile. Pick the labels again.",
        ));
    }
    let names = names_sql("$1", "");
    let old: Option<String> = sqlx::query_scalar(&format!("select {names}"))
        .bind(customer_id)
        .fetch_one(&mut *conn)
        .await?;
    sqlx::query(
        "delete from customer_label where customer_id = $1
           and label_id not in (select value from json_each($2))",
    )
    .bind(customer_id)
    .bind(&json)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "insert or ignore into customer_label (customer_id, label_id)
         select $1, value from json_each($2)",
    )
    .bind(customer_id)
    .bind(&json)
    .execute(&mut *conn)
    .await?;
    let new: Option<String> = sqlx::query_scalar(&format!("select {names}"))
        .bind(customer_id)
        .fetch_one(&mut *conn)
        .await?;
    Ok((old != new).then(|| FieldChange {
        field: "labels".into(),
        old,
        new,
    }))
}
