//! The recorder: one event (`record`) or one event per row of a set-based change
//! (`insert_each` + `bind_actor`), always with the actor, the time and the client IP of the
//! request. The only code that writes `audit_event`.

use super::{AuditAction, Entity, FieldChange, HistoryEntry};
use crate::db;
use crate::db::{Conn, Pool};
use chrono::{DateTime, Utc};

/// Who did it, as the audit log stores it. Built by `auth` from the signed-in user (staff
/// or customer), or [`Actor::anonymous`] (nobody signed in) and [`Actor::system`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub id: Option<i64>,
    pub name: Option<String>,
    /// A staff role, or `customer` for the customer themselves in the portal.
    pub role: Option<String>,
}

impl Actor {
    pub fn new(id: i64, name: &str, role: &str) -> Actor {
        Actor {
            id: Some(id),
            name: Some(name.to_string()),
            role: Some(role.to_string()),
        }
    }

    /// Nobody signed in (a failed sign-in, a forgotten password).
    pub fn anonymous() -> Actor {
        Actor {
            id: None,
            name: None,
            role: None,
        }
    }

    /// The customer themselves, signed in to the portal.
    pub fn customer(customer_id: i64, name: &str) -> Actor {
        Actor::new(customer_id, name, "customer")
    }

    /// The app itself (the trash purge).
    pub fn system() -> Actor {
        Actor::anonymous()
    }
}

tokio::task_local! {
    /// The client IP of the request being served; set by the server's middleware so that
    /// every audit event records where it came from.
    pub static REQUEST_IP: String;
}

fn request_ip() -> Option<String> {
    REQUEST_IP.try_with(|ip| ip.clone()).ok()
}

/// Record one event.
pub async fn record(
    conn: &mut Conn,
    actor: &Actor,
    action: AuditAction,
    entity: Entity,
    entity_id: Option<i64>,
    changes: &[FieldChange],
    at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let changes = serde_json::to_string(changes).expect("changes serialize");
    db::query(
        "insert into audit_event (at, actor_id, actor_name, actor_role, action, entity, entity_id, changes, ip)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(at)
    .bind(actor.id)
    .bind(actor.name.as_deref())
    .bind(actor.role.as_deref())
    .bind(action.as_str())
    .bind(entity.as_str())
    .bind(entity_id)
    .bind(changes)
    .bind(request_ip())
    .execute(conn)
    .await?;
    Ok(())
}

/// Record one `action` event per `(entity id, changes)` of `events`, in multi-row inserts
/// (an import writes thousands at once).
pub async fn record_many(
    conn: &mut Conn,
    actor: &Actor,
    action: AuditAction,
    entity: Entity,
    events: &[(i64, Vec<FieldChange>)],
    at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    if events.is_empty() {
        return Ok(());
    }
    // One JSON array bound as one value (see `db::Backend::json_rows`).
    let rows: Vec<serde_json::Value> = events
        .iter()
        .map(|(id, changes)| {
            serde_json::json!({
                "id": id,
                "changes": serde_json::to_string(changes).expect("changes serialize"),
            })
        })
        .collect();
    let from = conn
        .backend()
        .json_rows("$8", "r", &[("id", "bigint"), ("changes", "text")]);
    db::query(format!(
        "insert into audit_event (at, actor_id, actor_name, actor_role, action, entity, entity_id, changes, ip)
         select $1, $2, $3, $4, $6, $7, r.id, r.changes, $5 from {from}"
    ))
    .bind(at)
    .bind(actor.id)
    .bind(actor.name.as_deref())
    .bind(actor.role.as_deref())
    .bind(request_ip())
    .bind(action.as_str())
    .bind(entity.as_str())
    .bind(serde_json::Value::Array(rows).to_string())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// SQL that records one `action` event per row of `from` (a `from … where …` clause):
/// `entity_id` and `changes` (a JSON array of `{field, old, new}`) are SQL expressions over
/// those rows. Run it with [`bind_actor`] binding `$1` … `$5`; the clause's own values start
/// at `$6`.
pub fn insert_each(
    action: AuditAction,
    entity: Entity,
    entity_id: &str,
    changes: &str,
    from: &str,
) -> String {
    format!(
        "insert into audit_event (at, actor_id, actor_name, actor_role, action, entity, entity_id, changes, ip)
         select $1, $2, $3, $4, '{}', '{}', {entity_id}, {changes}, $5 {from}",
        action.as_str(),
        entity.as_str()
    )
}

/// Binds `$1` time, `$2` actor id, `$3` actor name, `$4` actor role, `$5` client IP — the
/// first five values of every statement of a set-based change (each uses what it needs).
pub fn bind_actor<'q>(q: db::Query<'q>, actor: &'q Actor, at: DateTime<Utc>) -> db::Query<'q> {
    q.bind(at)
        .bind(actor.id)
        .bind(actor.name.as_deref())
        .bind(actor.role.as_deref())
        .bind(request_ip())
}

#[derive(sqlx::FromRow)]
struct Row {
    at: DateTime<Utc>,
    actor_name: Option<String>,
    action: String,
    changes: String,
}

/// Every event of one entity, newest first; `portal_only` keeps the portal's events.
pub async fn history(
    pool: &Pool,
    entity: Entity,
    entity_id: i64,
    portal_only: bool,
) -> Result<Vec<HistoryEntry>, sqlx::Error> {
    let prefix = if portal_only { "portal_" } else { "" };
    let rows = db::query_as::<Row>(
        "select at, actor_name, action, changes from audit_event
         where entity = $1 and entity_id = $2 and substr(action, 1, length($3)) = $3
         order by at desc, audit_event_id desc",
    )
    .bind(entity.as_str())
    .bind(entity_id)
    .bind(prefix)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some(HistoryEntry {
                at: r.at,
                actor_name: r.actor_name,
                action: AuditAction::parse(&r.action)?,
                changes: parse_changes(&r.changes),
            })
        })
        .collect())
}

/// The stored JSON of an event's changes (empty if unreadable).
pub fn parse_changes(json: &str) -> Vec<FieldChange> {
    serde_json::from_str(json).unwrap_or_default()
}

/// What a redacted value reads.
pub const REDACTED: &str = "(redacted)";

/// Fields whose values say nothing about the person (kept by a redaction).
const IMPERSONAL: [&str; 5] = [
    "status",
    "labels",
    "merged_from",
    "merged_into",
    "not_duplicate_of",
];

/// `changes` with every personal value replaced by [`REDACTED`] (which fields changed, and
/// whether they were empty, stay).
pub fn redacted(changes: &[FieldChange]) -> Vec<FieldChange> {
    changes
        .iter()
        .map(|c| {
            if IMPERSONAL.contains(&c.field.as_str()) {
                c.clone()
            } else {
                FieldChange {
                    field: c.field.clone(),
                    old: c.old.as_ref().map(|_| REDACTED.to_string()),
                    new: c.new.as_ref().map(|_| REDACTED.to_string()),
                }
            }
        })
        .collect()
}

/// Anonymisation (the only path that changes recorded events): the values in every event
/// about customer `id`, and their name and IP address on what they did themselves, are
/// redacted; when, who, what and which fields stay. Recorded first as a redaction, which the
/// database requires for the update and which is closed before the transaction ends.
/// Returns how many events were redacted.
pub async fn redact_customer(
    conn: &mut Conn,
    by: &Actor,
    id: i64,
    now: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    let redaction: i64 = db::query_scalar(
        "insert into audit_redaction (entity, entity_id, at, by_id)
         values ('customer', $1, $2, $3) returning audit_redaction_id",
    )
    .bind(id)
    .bind(now)
    .bind(by.id)
    .fetch_one(&mut *conn)
    .await?;
    let events: Vec<(i64, String, bool)> = db::query_as(
        "select audit_event_id, changes,
                coalesce(actor_role = 'customer' and actor_id = $1, false) as own
           from audit_event
          where (entity = 'customer' and entity_id = $1)
             or (actor_role = 'customer' and actor_id = $1)",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    for (event, changes, own) in &events {
        let changes =
            serde_json::to_string(&redacted(&parse_changes(changes))).expect("changes serialize");
        db::query(
            "update audit_event
                set changes = $2,
                    actor_name = case when $3 then '(anonymised customer)' else actor_name end,
                    ip = case when $3 then null else ip end
              where audit_event_id = $1",
        )
        .bind(*event)
        .bind(changes)
        .bind(*own)
        .execute(&mut *conn)
        .await?;
    }
    db::query("update audit_redaction set open = false where audit_redaction_id = $1")
        .bind(redaction)
        .execute(&mut *conn)
        .await?;
    Ok(events.len() as u64)
}
