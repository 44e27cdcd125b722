//! Export to Excel: the request (which rows, which columns), the download button of the
//! Customers page, and the server route (`ssr`) that streams rows from the database into a
//! constant-memory worksheet on a blocking thread.

#[cfg(feature = "ssr")]
mod rows;
#[cfg(feature = "ssr")]
pub mod ssr;
pub mod ui;
#[cfg(feature = "ssr")]
mod xlsx;

use crate::customers::list::{CustomerQuery, COLUMNS};
use serde::{Deserialize, Serialize};

/// Where the download comes from (`POST`, JSON body: an [`ExportRequest`]).
pub const EXPORT_PATH: &str = "/export/customers";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportScope {
    /// The screen's search, filters and sort, every page.
    View,
    /// Every customer, in the screen's sort.
    All,
    /// The ticked rows.
    Selected,
}

impl ExportScope {
    pub fn as_str(self) -> &'static str {
        match self {
            ExportScope::View => "view",
            ExportScope::All => "all",
            ExportScope::Selected => "selected",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ExportScope::View => "Current view",
            ExportScope::All => "All customers",
            ExportScope::Selected => "Selected",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportRequest {
    pub scope: ExportScope,
    /// The list's state (used by `View`; its sort also orders `All`).
    #[serde(default)]
    pub query: CustomerQuery,
    /// The ticked customers (used by `Selected`).
    #[serde(default)]
    pub ids: Vec<i64>,
    /// Column keys in on-screen order; empty means every column.
    #[serde(default)]
    pub columns: Vec<String>,
}

/// Most ids a "Selected" export may name.
pub const MAX_SELECTED: usize = 10_000;

/// The columns to write: the known keys among `wanted`, in its order (all when empty).
/// Unknown keys are dropped.
pub fn export_columns(wanted: &[String]) -> Vec<(&'static str, &'static str)> {
    let all = COLUMNS.iter().map(|(k, h, _)| (*k, *h));
    if wanted.is_empty() {
        return all.collect();
    }
    let mut out = Vec::new();
    for w in wanted {
        if let Some(col) = COLUMNS.iter().find(|(k, _, _)| k == w) {
            if !out.iter().any(|(k, _)| *k == col.0) {
                out.push((col.0, col.1));
            }
        }
    }
    out
}

/// `customers_<view|all|selected>_<YYYYMMDD-HHMM>.xlsx` (UTC).
pub fn file_name(scope: ExportScope, at: chrono::DateTime<chrono::Utc>) -> String {
    format!(
        "customers_{}_{}.xlsx",
        scope.as_str(),
        at.format("%Y%m%d-%H%M")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_follow_the_pattern() {
        let at = chrono::DateTime::parse_from_rfc3339("2026-11-24T07:05:09Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        assert_eq!(
            file_name(ExportScope::View, at),
            "customers_view_20261124-0705.xlsx"
        );
        assert_eq!(
            file_name(ExportScope::Selected, at),
            "customers_selected_20261124-0705.xlsx"
        );
    }

    #[test]
    fn columns_keep_the_screen_order_and_drop_unknown_keys() {
        let cols = export_columns(&["email".into(), "nope".into(), "id".into(), "email".into()]);
        assert_eq!(cols, vec![("email", "Email"), ("id", "User ID")]);
        assert_eq!(export_columns(&[]).len(), COLUMNS.len());
    }
}
