//! The Audit log page (Admins): every recorded event, newest first, filtered by actor,
//! action, customer and date range. Reads what `audit` records; writes nothing.

pub mod page;
#[cfg(feature = "ssr")]
pub mod ssr;

use crate::audit::{AuditAction, FieldChange};
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
    pub action: AuditAction,
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

/// One page of the audit log, newest first (Admins).
#[server(endpoint = "list_audit", input = Json)]
pub async fn list_audit(filter: AuditFilter) -> Result<AuditPage, AppError> {
    crate::auth::ssr::staff_guard::<ListAudit>()?;
    Ok(ssr::page(&crate::state::pool()?, &filter).await?)
}

/// The Audit log's filter choices (Admins).
#[server(endpoint = "audit_choices", input = Json)]
pub async fn load_audit_choices() -> Result<AuditChoices, AppError> {
    crate::auth::ssr::staff_guard::<LoadAuditChoices>()?;
    Ok(ssr::choices(&crate::state::pool()?).await?)
}
