//! The Overview page (#19): the customer base at a glance — how many, how it grows, where
//! they are, which labels, how far the portal is taken up — for every staff role. Reads the
//! tallies the database keeps by triggers (`customer_stat`, migrations `*_overview.sql`),
//! the status counters and the labels' counts; writes nothing.

pub mod chart;
pub mod page;
#[cfg(feature = "ssr")]
pub mod ssr;

use crate::error::AppError;
use chrono::NaiveDate;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Months in the "New customers per month" chart.
pub const MONTHS: usize = 24;
/// Bars in "Customers per country" before the rest are summed as "Other".
pub const TOP_COUNTRIES: usize = 10;
/// Days of "Customers created per staff member".
pub const CREATOR_DAYS: i64 = 90;

/// Everything the Overview shows.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Overview {
    /// Live customers.
    pub total: i64,
    /// The change of `total` over the last 30 days (UTC days).
    pub change_30d: i64,
    pub active: i64,
    pub inactive: i64,
    /// The last [`MONTHS`] months in the reader's zone, oldest first: the month's first
    /// day and the customers created in it (still live).
    pub months: Vec<(NaiveDate, i64)>,
    /// The countries with the most customers, most first (code; '' = not given).
    pub countries: Vec<(String, i64)>,
    /// Customers of every other country.
    pub other_countries: i64,
    /// Every label with its live customers, most used first.
    pub labels: Vec<LabelCount>,
    pub portal: PortalAdoption,
    pub access: AccessRecency,
    /// Customers created in the last [`CREATOR_DAYS`] days per staff member, most first
    /// (name; "No staff member" for those the command line or the system created).
    pub creators: Vec<(String, i64)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LabelCount {
    pub id: i64,
    pub name: String,
    pub color: String,
    pub customers: i64,
}

/// Live customers by the state of their portal account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PortalAdoption {
    pub not_invited: i64,
    pub invited: i64,
    pub active: i64,
    pub disabled: i64,
}

/// Live customers by their last portal access, as the list's "Last access" filter counts
/// them (the windows are cumulative; to the hour).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AccessRecency {
    pub within_7: i64,
    pub within_30: i64,
    pub within_90: i64,
    pub over_90: i64,
    pub never: i64,
}

/// The Overview's numbers (every staff role).
#[server(endpoint = "overview_stats", input = leptos::server_fn::codec::Json)]
pub async fn overview_stats() -> Result<Overview, AppError> {
    crate::auth::ssr::staff_guard::<OverviewStats>()?;
    let zone = crate::ui::time::request_zone();
    let pool = crate::state::pool()?;
    let now = crate::db::now(&pool).await?;
    Ok(ssr::load(&pool, now, &zone).await?)
}
