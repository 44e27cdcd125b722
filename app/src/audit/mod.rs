//! The audit log: who did what, when, and which fields changed. Rows are only ever inserted
//! (the database refuses UPDATE and DELETE), in the same transaction as the change itself.

pub mod page;

use crate::customers::model::FieldChange;
use crate::error::AppError;
use chrono::{DateTime, NaiveDate, Utc};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

/// Events per page of the Audit log.
pub const AUDIT_PAGE_SIZE: i64 = 50;

/// The Audit log's filters (all optional), as in the page's URL.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct AuditFilter {
    /// `staff:<id>`, `customer` (anything a customer did in the portal), `anonymous`, or
    /// empty for everyone.
    pub actor: String,
    /// An exact action (`update`, `portal_login`, …), or empty.
    pub action: String,
    /// Events about this customer.
    pub customer: Option<i64>,
    /// From this day (UTC), inclusive.
    pub from: Option<NaiveDate>,
    /// Up to this day (UTC), inclusive.
    pub to: Option<NaiveDate>,
    /// Keyset: events older than this id.
    pub before: Option<i64>,
}

/// One event as the Audit log shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRow {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_name: Option<String>,
    pub actor_role: Option<String>,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<i64>,
    pub ip: Option<String>,
    pub changes: Vec<FieldChange>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub rows: Vec<AuditRow>,
    /// Pass as `before` for the next (older) page; `None` on the last page.
    pub next_before: Option<i64>,
}

/// Choices of the actor filter: (value, label).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditChoices {
    pub actors: Vec<(String, String)>,
    pub actions: Vec<String>,
}

/// Every action the app records, for the action filter.
pub const ACTIONS: &[&str] = &[
    "create",
    "update",
    "status",
    "labels",
    "delete",
    "restore",
    "purge",
    "export",
    "login",
    "login_failed",
    "password_changed",
    "staff_create",
    "staff_invite_accepted",
    "staff_role",
    "staff_deactivate",
    "staff_reactivate",
    "staff_password_reset",
    "portal_invite",
    "portal_invite_resent",
    "portal_verify",
    "portal_login",
    "portal_login_failed",
    "portal_password_reset",
    "portal_reset_link",
    "portal_reset_requested",
    "portal_password_reset_by_link",
    "portal_password_changed",
    "portal_password_change_failed",
    "portal_disable",
    "portal_enable",
    "portal_features",
    "portal_update",
];

/// One page of the audit log, newest first (Admins).
#[server(endpoint = "list_audit", input = Json)]
pub async fn list_audit(filter: AuditFilter) -> Result<AuditPage, AppError> {
    use crate::auth::ssr::staff_guard;
    staff_guard("list_audit")?;
    let pool = crate::state::AppState::from_context()?.pool;
    Ok(ssr::page(&pool, &filter).await?)
}

/// The Audit log's filter choices (Admins).
#[server(endpoint = "audit_choices", input = Json)]
pub async fn load_audit_choices() -> Result<AuditChoices, AppError> {
    use crate::auth::ssr::staff_guard;
    staff_guard("audit_choices")?;
    let pool = crate::state::AppState::from_context()?.pool;
    Ok(ssr::choices(&pool).await?)
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::{AuditChoices, AuditFilter, AuditPage, AuditRow, AUDIT_PAGE_SIZE};
    use crate::auth::CurrentUser;
    use crate::customers::model::{FieldChange, HistoryEntry};
    use chrono::{DateTime, Utc};
    use sqlx::SqliteConnection;

    /// Who did it, as the audit log stores it.
    pub struct Actor<'a> {
        pub id: Option<i64>,
        pub name: Option<&'a str>,
        /// A staff role, or `customer` for the customer themselves in the portal.
        pub role: Option<&'a str>,
    }

    impl<'a> Actor<'a> {
        pub fn staff(user: &'a CurrentUser) -> Self {
            Actor {
                id: Some(user.id),
                name: Some(&user.name),
                role: Some(user.role.as_str()),
            }
        }

        pub fn customer(customer_id: i64, name: &'a str) -> Self {
            Actor {
                id: Some(customer_id),
                name: Some(name),
                role: Some("customer"),
            }
        }

        /// Nobody signed in (e.g. a failed portal sign-in).
        pub fn anonymous() -> Self {
            Actor {
                id: None,
                name: None,
                role: None,
            }
        }
    }

    /// One field's change for an event (a value set where there was none: `old = None`).
    pub fn change(field: &str, old: Option<&str>, new: Option<&str>) -> FieldChange {
        FieldChange {
            field: field.into(),
            old: old.map(str::to_string),
            new: new.map(str::to_string),
        }
    }

    pub async fn record(
        conn: &mut SqliteConnection,
        actor: Option<&CurrentUser>,
        action: &str,
        entity: &str,
        entity_id: i64,
        changes: &[FieldChange],
        at: DateTime<Utc>,
    ) -> Result<(), sqlx::Error> {
        let actor = actor.map(Actor::staff).unwrap_or_else(Actor::anonymous);
        record_by(conn, &actor, action, entity, Some(entity_id), changes, at).await
    }

    pub async fn record_by(
        conn: &mut SqliteConnection,
        actor: &Actor<'_>,
        action: &str,
        entity: &str,
        entity_id: Option<i64>,
        changes: &[FieldChange],
        at: DateTime<Utc>,
    ) -> Result<(), sqlx::Error> {
        let changes = serde_json::to_string(changes).expect("changes serialize");
        let ip = REQUEST_IP.try_with(|ip| ip.clone()).ok();
        sqlx::query(
            "insert into audit_event (at, actor_id, actor_name, actor_role, action, entity, entity_id, changes, ip)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(at)
        .bind(actor.id)
        .bind(actor.name)
        .bind(actor.role)
        .bind(action)
        .bind(entity)
        .bind(entity_id)
        .bind(changes)
        .bind(ip)
        .execute(conn)
        .await?;
        Ok(())
    }

    #[derive(sqlx::FromRow)]
    struct Row {
        at: DateTime<Utc>,
        actor_name: Option<String>,
        action: String,
        changes: String,
    }

    /// Every event of one entity, newest first.
    pub async fn history(
        pool: &sqlx::SqlitePool,
        entity: &str,
        entity_id: i64,
    ) -> Result<Vec<HistoryEntry>, sqlx::Error> {
        history_of_actions(pool, entity, entity_id, "").await
    }

    /// The events of one entity whose action starts with `action_prefix`, newest first.
    pub async fn history_of_actions(
        pool: &sqlx::SqlitePool,
        entity: &str,
        entity_id: i64,
        action_prefix: &str,
    ) -> Result<Vec<HistoryEntry>, sqlx::Error> {
        let rows = sqlx::query_as::<_, Row>(
            "select at, actor_name, action, changes from audit_event
             where entity = $1 and entity_id = $2 and substr(action, 1, length($3)) = $3
             order by at desc, audit_event_id desc",
        )
        .bind(entity)
        .bind(entity_id)
        .bind(action_prefix)
        .fetch_all(pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| HistoryEntry {
                at: r.at,
                actor_name: r.actor_name,
                action: r.action,
                changes: serde_json::from_str(&r.changes).unwrap_or_default(),
            })
            .collect())
    }

    tokio::task_local! {
        /// The client IP of the request being served; set by the server's middleware so
        /// that every audit event records where it came from.
        pub static REQUEST_IP: String;
    }

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

    pub async fn page(pool: &sqlx::SqlitePool, f: &AuditFilter) -> Result<AuditPage, sqlx::Error> {
        let mut qb = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
            "select audit_event_id, at, actor_name, actor_role, action, entity, entity_id, ip, changes
             from audit_event where 1 = 1",
        );
        if let Some(id) = f
            .actor
            .strip_prefix("staff:")
            .and_then(|s| s.parse::<i64>().ok())
        {
            qb.push(
                " and actor_role in ('admin', 'sales', 'support', 'accounting') and actor_id = ",
            )
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
                .map(|r| AuditRow {
                    id: r.audit_event_id,
                    at: r.at,
                    actor_name: r.actor_name,
                    actor_role: r.actor_role,
                    action: r.action,
                    entity: r.entity,
                    entity_id: r.entity_id,
                    ip: r.ip,
                    changes: serde_json::from_str(&r.changes).unwrap_or_default(),
                })
                .collect(),
            next_before,
        })
    }

    pub async fn choices(pool: &sqlx::SqlitePool) -> Result<AuditChoices, sqlx::Error> {
        let staff: Vec<(i64, String, String)> = sqlx::query_as(
            "select staff_user_id, name, email from staff_user order by name, email",
        )
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
            actions: super::ACTIONS.iter().map(|a| a.to_string()).collect(),
        })
    }
}
