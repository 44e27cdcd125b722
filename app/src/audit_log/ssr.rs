//! The Audit log's queries.

use super::{AuditChoices, AuditFilter, AuditPage, AuditRow, AUDIT_PAGE_SIZE};
use crate::audit::ssr::parse_changes;
use crate::audit::AuditAction;
use crate::db;
use crate::db::Pool;
use chrono::{DateTime, Utc};

#[derive(sqlx::FromRow)]
struct PageRow {
    audit_event_id: i64,
    at: DateTime<Utc>,
    actor_name: Option<String>,
    actor_role: Option<String>,
    action: String,
    entity: String,
    entity_id: Option<i64>,
    ip: Option<String>,
    changes: String,
}

pub async fn page(pool: &Pool, f: &AuditFilter) -> Result<AuditPage, sqlx::Error> {
    let mut qb = db::query(
        "select audit_event_id, at, actor_name, actor_role, action, entity, entity_id, ip, changes
         from audit_event where 1 = 1",
    );
    if let Some(id) = f
        .actor
        .strip_prefix("staff:")
        .and_then(|s| s.parse::<i64>().ok())
    {
        qb.push(" and actor_role in ('admin', 'sales', 'support', 'accounting') and actor_id = ")
            .push_bind(id);
    } else if f.actor == "customer" {
        qb.push(" and actor_role = 'customer'");
    } else if f.actor == "anonymous" {
        qb.push(" and actor_role is null");
    }
    if !f.action.is_empty() {
        qb.push(" and action = ").push_bind(f.action.clone());
    }
    if let Some(c) = f.customer {
        qb.push(" and entity = 'customer' and entity_id = ")
            .push_bind(c);
    }
    if let Some(d) = f.from {
        qb.push(" and at >= ")
            .push_bind(d.and_hms_opt(0, 0, 0).expect("midnight").and_utc());
    }
    if let Some(d) = f.to.and_then(|d| d.succ_opt()) {
        qb.push(" and at < ")
            .push_bind(d.and_hms_opt(0, 0, 0).expect("midnight").and_utc());
    }
    if let Some(b) = f.before {
        qb.push(" and audit_event_id < ").push_bind(b);
    }
    qb.push(" order by audit_event_id desc limit ")
        .push_bind(AUDIT_PAGE_SIZE + 1);
    let mut rows: Vec<PageRow> = qb.build_query_as().fetch_all(pool).await?;
    let more = rows.len() as i64 > AUDIT_PAGE_SIZE;
    rows.truncate(AUDIT_PAGE_SIZE as usize);
    let next_before = if more {
        rows.last().map(|r| r.audit_event_id)
    } else {
        None
    };
    Ok(AuditPage {
        rows: rows
            .into_iter()
            .filter_map(|r| {
                Some(AuditRow {
                    id: r.audit_event_id,
                    at: r.at,
                    actor_name: r.actor_name,
                    actor_role: r.actor_role,
                    action: AuditAction::parse(&r.action)?,
                    entity: r.entity,
                    entity_id: r.entity_id,
                    ip: r.ip,
                    changes: parse_changes(&r.changes),
                })
            })
            .collect(),
        next_before,
    })
}

pub async fn choices(pool: &Pool) -> Result<AuditChoices, sqlx::Error> {
    let staff: Vec<(i64, String, String)> =
        db::query_as("select staff_user_id, name, email from staff_user order by name, email")
            .fetch_all(pool)
            .await?;
    let mut actors: Vec<(String, String)> = staff
        .into_iter()
        .map(|(id, name, email)| (format!("staff:{id}"), format!("{name} ({email})")))
        .collect();
    actors.push(("customer".into(), "Customers (portal)".into()));
    actors.push(("anonymous".into(), "Not signed in".into()));
    Ok(AuditChoices {
        actors,
        actions: AuditAction::ALL
            .iter()
            .map(|a| a.as_str().to_string())
            .collect(),
    })
}
