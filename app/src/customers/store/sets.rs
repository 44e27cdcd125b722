//! The set-based changes: each statement runs over the customers among the ids bound as
//! `$7`, writes its audit events first (`audit::ssr::insert_each`), then the change.

use super::ENTITY;
use crate::audit::ssr::{bind_actor, insert_each, Actor};
use crate::audit::AuditAction;
use crate::customers::model::Status;
use crate::db::{self, Backend, Conn, Pool};
use chrono::{DateTime, Utc};

/// A version bump, as every change writes it (a customer's own edit has no staff editor).
const TOUCH: &str = "version = version + 1, updated_at = $1,
    updated_by = case when $4 = 'customer' then null else $2 end";

/// Runs `statements` (each binding `$1` … `$7` as the module doc says, using what it needs)
/// and returns the rows changed by the last one.
async fn run_set<V>(
    conn: &mut Conn,
    statements: &[String],
    actor: &Actor,
    value: V,
    ids: &[i64],
    now: DateTime<Utc>,
) -> Result<u64, sqlx::Error>
where
    V: for<'q> Into<db::Arg<'q>> + Clone + Send,
{
    let mut last = 0;
    for sql in statements {
        last = bind_actor(db::query(sql), actor, now)
            .bind(value.clone())
            .bind(db::ids(ids))
            .execute(&mut *conn)
            .await?
            .rows_affected();
    }
    Ok(last)
}

/// The live customers among the ids bound as `$7`.
fn live_ids(b: Backend) -> String {
    format!(
        "from customer c where {} and c.deleted_at is null",
        b.in_ids("c.customer_id", "$7")
    )
}

/// Set the status of the live customers among `ids` that have another one; each gets a new
/// version and a `status` event. Returns how many changed.
pub async fn set_status(
    conn: &mut Conn,
    actor: &Actor,
    status: Status,
    ids: &[i64],
    now: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    let b = conn.backend();
    let targets = format!("{} and c.status != $6", live_ids(b));
    let statements = [
        insert_each(
            AuditAction::Status,
            ENTITY,
            "c.customer_id",
            &b.json_one_object("'field', 'status', 'old', c.status, 'new', $6"),
            &targets,
        ),
        format!(
            "update customer set status = $6, {TOUCH}
             where customer_id in (select c.customer_id {targets})"
        ),
    ];
    let value = status.as_str().to_string();
    run_set(conn, &statements, actor, value, ids, now).await
}

/// Soft-delete the live customers among `ids`, tagged with `batch` (a bulk delete's Undo
/// brings the batch back; a single delete has none). Returns how many were deleted.
pub async fn delete(
    conn: &mut Conn,
    actor: &Actor,
    ids: &[i64],
    batch: Option<&str>,
    now: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    let live = live_ids(conn.backend());
    let statements = [
        insert_each(AuditAction::Delete, ENTITY, "c.customer_id", "'[]'", &live),
        format!(
            "update customer set deleted_at = $1, deleted_by = $2, delete_batch = $6
             where customer_id in (select c.customer_id {live})"
        ),
    ];
    run_set(
        conn,
        &statements,
        actor,
        batch.map(str::to_string),
        ids,
        now,
    )
    .await
}

/// Bring back the deleted customers among `ids` (of `batch`, if given), except those whose
/// e-mail a live customer uses meanwhile. Returns how many came back.
pub async fn restore(
    conn: &mut Conn,
    actor: &Actor,
    ids: &[i64],
    batch: Option<&str>,
    now: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    let free = format!(
        "from customer c where {}
          and c.deleted_at is not null and ($6 is null or c.delete_batch = $6)
          and not exists (select 1 from customer o
                          where lower(o.email) = lower(c.email) and o.deleted_at is null)",
        conn.backend().in_ids("c.customer_id", "$7")
    );
    let statements = [
        insert_each(AuditAction::Restore, ENTITY, "c.customer_id", "'[]'", &free),
        format!(
            // Back from the Trash, a merged customer is a customer of its own again.
            "update customer set deleted_at = null, deleted_by = null, delete_batch = null,
                    merged_into = null
             where customer_id in (select c.customer_id {free})"
        ),
    ];
    run_set(
        conn,
        &statements,
        actor,
        batch.map(str::to_string),
        ids,
        now,
    )
    .await
}

/// The names of a customer's labels, in display order, joined (SQL; `{id}` is the customer
/// id expression). `NULL` when it has none.
pub(super) fn label_names_sql(b: Backend, id: &str, extra: &str) -> String {
    format!(
        "(select {} from label l
          where (l.label_id in (select x.label_id from customer_label x where x.customer_id = {id})
                 {extra}))",
        b.group_concat("l.name", "', '", "l.name_key, l.label_id")
    )
}

/// The statements of a label change on the customers `targets` selects: a `labels` event
/// (old set → the set `new_set` describes), a new version, then `change` itself.
fn label_change(b: Backend, targets: &str, new_set: &str, change: String) -> [String; 3] {
    [
        insert_each(
            AuditAction::Labels,
            ENTITY,
            "c.customer_id",
            &b.json_one_object(&format!(
                "'field', 'labels', 'old', {}, 'new', {}",
                label_names_sql(b, "c.customer_id", ""),
                label_names_sql(b, "c.customer_id", new_set),
            )),
            targets,
        ),
        format!(
            "update customer set {TOUCH} where customer_id in (select c.customer_id {targets})"
        ),
        change,
    ]
}

/// Add label `label_id` to the live customers among `ids` that lack it; each changed customer
/// gets a new version and a `labels` event (old set → new set). Returns how many changed.
pub async fn add_label(
    conn: &mut Conn,
    actor: &Actor,
    label_id: i64,
    ids: &[i64],
    now: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    let b = conn.backend();
    let targets = format!(
        "{} and not exists (select 1 from customer_label x
                                    where x.customer_id = c.customer_id and x.label_id = $6)",
        live_ids(b)
    );
    let add = format!(
        "insert into customer_label (customer_id, label_id) select c.customer_id, $6 {targets}"
    );
    let statements = label_change(b, &targets, "or l.label_id = $6", add);
    run_set(conn, &statements, actor, label_id, ids, now).await
}

/// Remove label `label_id` from the customers among `ids` carrying it (live ones only, unless
/// `live_only` is false — a deleted label leaves trashed customers too). Audited per customer.
pub async fn remove_label(
    conn: &mut Conn,
    actor: &Actor,
    label_id: i64,
    ids: &[i64],
    live_only: bool,
    now: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    let live = if live_only {
        " and c.deleted_at is null"
    } else {
        ""
    };
    let b = conn.backend();
    let targets = format!(
        "from customer c join customer_label cl on cl.customer_id = c.customer_id and cl.label_id = $6
         where {}{live}",
        b.in_ids("c.customer_id", "$7")
    );
    let remove = format!(
        "delete from customer_label where label_id = $6
           and customer_id in (select c.customer_id {targets})"
    );
    let statements = label_change(b, &targets, "and l.label_id != $6", remove);
    run_set(conn, &statements, actor, label_id, ids, now).await
}

/// Remove customers deleted before `cutoff` for good. Their audit trail stays.
pub async fn purge_deleted(pool: &Pool, cutoff: DateTime<Utc>) -> Result<u64, sqlx::Error> {
    let mut tx = db::begin_write(pool).await?;
    let old = format!(
        "from customer c where c.deleted_at < $6 and {}",
        pool.backend().not_in_ids("c.customer_id", "$7")
    );
    let statements = [
        insert_each(AuditAction::Purge, ENTITY, "c.customer_id", "'[]'", &old),
        format!("delete from customer where customer_id in (select c.customer_id {old})"),
    ];
    let purged = run_set(
        &mut tx,
        &statements,
        &Actor::system(),
        cutoff,
        &[],
        Utc::now(),
    )
    .await?;
    tx.commit().await?;
    Ok(purged)
}
