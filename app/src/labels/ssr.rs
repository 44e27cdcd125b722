//! Label storage: CRUD with audit events. The only module that writes `label`; which
//! customers carry a label is the customer store's (`customers::store`), which a deleted
//! label asks to take it off every holder.

use super::{name_key, Label};
use crate::audit::ssr::record;
use crate::audit::FieldChange;
use crate::audit::{AuditAction, Entity};
use crate::auth::CurrentUser;
use crate::db;
use crate::db::UniqueViolation;
use crate::error::AppError;
use chrono::Utc;

pub const ENTITY: Entity = Entity::Label;

pub async fn list(pool: &db::Pool) -> Result<Vec<Label>, sqlx::Error> {
    db::query_as::<Label>(
        "select label_id, name, color, used from label order by name_key, label_id",
    )
    .fetch_all(pool)
    .await
}

async fn get(conn: &mut db::Conn, id: i64) -> Result<Option<Label>, sqlx::Error> {
    db::query_as::<Label>("select label_id, name, color, used from label where label_id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await
}

fn name_taken(name: &str) -> AppError {
    AppError::field("name", format!("A label named “{name}” already exists."))
}

pub async fn create(
    pool: &db::Pool,
    actor: &CurrentUser,
    name: &str,
    color: &str,
) -> Result<Label, AppError> {
    let now = Utc::now();
    let mut tx = db::begin_write(pool).await?;
    let id = insert(&mut tx, &actor.actor(), name, color, now).await?;
    let label = get(&mut tx, id).await?.ok_or(AppError::Internal)?;
    tx.commit().await?;
    Ok(label)
}

/// Add a label (validated name and colour) inside the caller's write transaction, audited.
async fn insert(
    conn: &mut db::Conn,
    actor: &crate::audit::ssr::Actor,
    name: &str,
    color: &str,
    now: chrono::DateTime<Utc>,
) -> Result<i64, AppError> {
    let id: i64 = db::query_scalar(
        "insert into label (name, name_key, color, created_at, updated_at)
         values ($1, $2, $3, $4, $4) returning label_id",
    )
    .bind(name)
    .bind(name_key(name))
    .bind(color)
    .bind(now)
    .fetch_one(&mut *conn)
    .await
    .on_unique(|| name_taken(name))?;
    let changes = [
        FieldChange::new("name", None, Some(name)),
        FieldChange::new("color", None, Some(color)),
    ];
    record(
        conn,
        actor,
        AuditAction::Create,
        ENTITY,
        Some(id),
        &changes,
        now,
    )
    .await?;
    Ok(id)
}

pub async fn update(
    pool: &db::Pool,
    actor: &CurrentUser,
    id: i64,
    name: &str,
    color: &str,
) -> Result<Label, AppError> {
    let now = Utc::now();
    // Immediate: this transaction reads, then writes; it must hold the write lock from the
    // start (a read transaction that later writes fails if another write came in between).
    let mut tx = db::begin_write(pool).await?;
    let Some(old) = get(&mut tx, id).await? else {
        return Err(AppError::NotFound);
    };
    db::query(
        "update label set name = $1, name_key = $2, color = $3, updated_at = $4 where label_id = $5",
    )
    .bind(name)
    .bind(name_key(name))
    .bind(color)
    .bind(now)
    .bind(id)
    .execute(&mut *tx)
    .await
    .on_unique(|| name_taken(name))?;
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
pub async fn delete(pool: &db::Pool, actor: &CurrentUser, id: i64) -> Result<i64, AppError> {
    let now = Utc::now();
    // Immediate: this transaction reads, then writes; it must hold the write lock from the
    // start (a read transaction that later writes fails if another write came in between).
    let mut tx = db::begin_write(pool).await?;
    let Some(label) = get(&mut tx, id).await? else {
        return Err(AppError::NotFound);
    };
    let holders: Vec<i64> =
        db::query_scalar("select customer_id from customer_label where label_id = $1")
            .bind(id)
            .fetch_all(&mut *tx)
            .await?;
    // The customer store takes it off every holder (versions, audit), then it goes.
    crate::customers::store::remove_label(&mut tx, &actor.actor(), id, &holders, false, now)
        .await?;
    db::query("delete from label where label_id = $1")
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

/// The labels named `names` (ignoring case) as name key → (id, name); with `create`, the
/// missing ones are created (each audited, colours from the palette in turn) inside the
/// caller's write transaction. Names that are not valid label names are left out.
pub async fn find_or_create(
    conn: &mut db::Conn,
    actor: &crate::audit::ssr::Actor,
    names: &[String],
    create: bool,
) -> Result<std::collections::HashMap<String, (i64, String)>, AppError> {
    use std::collections::HashMap;
    let mut found: HashMap<String, (i64, String)> = HashMap::new();
    if names.is_empty() {
        return Ok(found);
    }
    let rows: Vec<(i64, String, String)> =
        db::query_as("select label_id, name, name_key from label")
            .fetch_all(&mut *conn)
            .await?;
    for (id, name, key) in rows {
        found.insert(key, (id, name));
    }
    if !create {
        return Ok(found);
    }
    let now = Utc::now();
    for name in names {
        let key = name_key(name);
        if found.contains_key(&key) {
            continue;
        }
        // The palette in turn (`found` grows with each label made).
        let color = super::PALETTE[found.len() % super::PALETTE.len()];
        let input = super::LabelInput {
            name: name.clone(),
            color: color.into(),
        };
        let Ok((name, color)) = super::validate_label(&input) else {
            continue;
        };
        let id = insert(conn, actor, &name, &color, now).await?;
        found.insert(key, (id, name));
    }
    Ok(found)
}
