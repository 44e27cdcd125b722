//! The export's row: the exported columns only, read with the list's query code, and the
//! labels named from one map per export.

use crate::customers::model::{Customer, Status};
use crate::customers::search::{self, ListItem};
use crate::db::{self, Backend};
use crate::labels::LabelRef;
use chrono::{DateTime, Utc};

/// A customer as the export reads it: only the columns a file can hold (sqlx allocates
/// per column and row, so the list's full [`Customer`] would double the database time), and
/// every date already as the number a spreadsheet stores — days since 1899-12-30, the
/// database's own arithmetic — so no date is parsed or converted per cell.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ExportRow {
    pub customer_id: i64,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: String,
    pub birthday: Option<f64>,
    pub country: String,
    pub status: Status,
    pub created: Option<f64>,
    pub updated: Option<f64>,
    pub last_access: Option<f64>,
    /// The customer's label ids, comma-separated (names come from one map per export).
    #[sqlx(default)]
    pub label_ids: Option<String>,
    #[sqlx(skip)]
    pub labels: Vec<LabelRef>,
}

/// A spreadsheet's date number (the 1900 date system: days since 1899-12-30).
pub fn sheet_days(t: DateTime<Utc>) -> f64 {
    t.timestamp_millis() as f64 / 86_400_000.0 + 25_569.0
}

/// A spreadsheet's date number of a day.
pub fn sheet_date(d: chrono::NaiveDate) -> f64 {
    let epoch = chrono::NaiveDate::from_ymd_opt(1899, 12, 30).expect("a valid date");
    (d - epoch).num_days() as f64
}

/// A customer's label ids, comma-separated, in each backend's dialect.
macro_rules! label_ids {
    (sqlite) => {
        "group_concat(cl.label_id)"
    };
    (postgres) => {
        "string_agg(cl.label_id::text, ',')"
    };
}

/// A date or timestamp column as a spreadsheet's date number ([`sheet_days`]), in each
/// backend's dialect.
macro_rules! sheet_days {
    (sqlite, $col:literal) => {
        concat!("(julianday(", $col, ") - 2415018.5)")
    };
    (postgres, $col:literal) => {
        concat!("(extract(epoch from ", $col, ")::float8 / 86400 + 25569)")
    };
}
macro_rules! sheet_date {
    (sqlite, $col:literal) => {
        concat!("(julianday(", $col, ") - 2415018.5)")
    };
    (postgres, $col:literal) => {
        concat!("((", $col, " - date '1899-12-30')::float8)")
    };
}

/// The export's narrow row (the exported columns only).
macro_rules! export_row_columns {
    ($dialect:ident) => {
        concat!(
            "c.customer_id, c.first_name, c.last_name, c.email, c.phone, ",
            sheet_date!($dialect, "c.birthday"),
            " as birthday, c.country, c.status, ",
            sheet_days!($dialect, "c.created_at"),
            " as created, ",
            sheet_days!($dialect, "c.updated_at"),
            " as updated,
        (select ",
            sheet_days!($dialect, "pa.last_access_at"),
            " from portal_account pa where pa.customer_id = c.customer_id) as last_access,
        (select ",
            label_ids!($dialect),
            " from customer_label cl where cl.customer_id = c.customer_id) as label_ids"
        )
    };
}

/// The export's rows by id (`… where`).
pub(super) fn export_select(b: Backend) -> &'static str {
    match b {
        Backend::Sqlite => concat!("select ", export_row_columns!(sqlite), " from customer c"),
        Backend::Postgres => concat!("select ", export_row_columns!(postgres), " from customer c"),
    }
}

/// The export's rows, for the list's query code.
pub(super) fn export_list(b: Backend) -> &'static search::ListSelect {
    const SQLITE: search::ListSelect = search::ListSelect {
        columns: export_row_columns!(sqlite),
        joins: "",
    };
    const POSTGRES: search::ListSelect = search::ListSelect {
        columns: export_row_columns!(postgres),
        joins: "",
    };
    match b {
        Backend::Sqlite => &SQLITE,
        Backend::Postgres => &POSTGRES,
    }
}

impl From<Customer> for ExportRow {
    fn from(c: Customer) -> Self {
        ExportRow {
            customer_id: c.customer_id,
            first_name: c.first_name,
            last_name: c.last_name,
            email: c.email,
            phone: c.phone,
            birthday: c.birthday.map(sheet_date),
            country: c.country,
            status: c.status,
            created: Some(sheet_days(c.created_at)),
            updated: Some(sheet_days(c.updated_at)),
            last_access: c.last_access_at.map(sheet_days),
            label_ids: None,
            labels: c.labels,
        }
    }
}

impl ListItem for ExportRow {
    fn id(&self) -> i64 {
        self.customer_id
    }
}

/// Every label by id with its sort key, read once per export (inside its snapshot).
pub(super) type LabelMap = std::collections::HashMap<i64, (String, LabelRef)>;

pub(super) async fn label_map(conn: &mut db::Conn) -> Result<LabelMap, sqlx::Error> {
    let rows: Vec<(i64, String, String, String)> =
        db::query_as("select label_id, name, color, name_key from label")
            .fetch_all(conn)
            .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name, color, key)| (id, (key, LabelRef { id, name, color })))
        .collect())
}

/// Turn each row's label ids into labels in display order (by name). Rows that came as a
/// whole `Customer` (the exact User ID or e-mail match) already have theirs.
pub(super) fn add_labels(rows: &mut [ExportRow], labels: &LabelMap) {
    for r in rows {
        let Some(ids) = r.label_ids.take() else {
            continue;
        };
        let mut found: Vec<&(String, LabelRef)> = ids
            .split(',')
            .filter_map(|id| id.parse::<i64>().ok())
            .filter_map(|id| labels.get(&id))
            .collect();
        found.sort_by(|a, b| (&a.0, a.1.id).cmp(&(&b.0, b.1.id)));
        r.labels = found.into_iter().map(|(_, l)| l.clone()).collect();
    }
}
