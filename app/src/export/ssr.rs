//! The export route. Rows are read in keyset chunks with the list's own query code (so the
//! file has exactly the screen's rows, in its order) and handed over a small bounded channel
//! to a blocking thread that writes them into constant-memory worksheets; the finished file
//! is an anonymous temporary file streamed back as the response. Memory stays flat whatever
//! the row count.

use super::{export_columns, file_name, ExportRequest, ExportScope, MAX_SELECTED};
use crate::audit::ssr::record;
use crate::audit::FieldChange;
use crate::audit::{AuditAction, Entity};
use crate::auth::ssr::SessionUser;
use crate::auth::CurrentUser;
use crate::customers::list::{CustomerQuery, COLUMNS};
use crate::customers::model::{Customer, Status};
use crate::customers::search::{self, ListItem};
use crate::error::AppError;
use crate::fmt::country_name;
use crate::labels::LabelRef;
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};
use sqlx::SqlitePool;
use std::io::{Seek, SeekFrom};
use tokio::sync::mpsc;

/// A customer as the export reads it: only the columns a file can hold (sqlx allocates
/// per column and row, so the list's full [`Customer`] would double the database time).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ExportRow {
    pub customer_id: i64,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: String,
    pub birthday: Option<chrono::NaiveDate>,
    pub country: String,
    pub status: Status,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub last_access_at: Option<DateTime<Utc>>,
    /// The customer's label ids, comma-separated (names come from one map per export).
    #[sqlx(default)]
    pub label_ids: Option<String>,
    #[sqlx(skip)]
    pub labels: Vec<LabelRef>,
}

/// The export's narrow row (the exported columns only).
macro_rules! export_row_columns {
    () => {
        "c.customer_id, c.first_name, c.last_name, c.email, c.phone,
        c.birthday, c.country, c.status, c.created_at, c.updated_at,
        (select pa.last_access_at from portal_account pa where pa.customer_id = c.customer_id)
          as last_access_at,
        (select group_concat(cl.label_id) from customer_label cl where cl.customer_id = c.customer_id)
          as label_ids"
    };
}

const EXPORT_SELECT: &str = concat!("select ", export_row_columns!(), " from customer c");

const EXPORT_LIST: search::ListSelect = search::ListSelect {
    columns: export_row_columns!(),
    joins: "",
};

impl From<Customer> for ExportRow {
    fn from(c: Customer) -> Self {
        ExportRow {
            customer_id: c.customer_id,
            first_name: c.first_name,
            last_name: c.last_name,
            email: c.email,
            phone: c.phone,
            birthday: c.birthday,
            country: c.country,
            status: c.status,
            created_at: c.created_at,
            updated_at: c.updated_at,
            last_access_at: c.last_access_at,
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
type LabelMap = std::collections::HashMap<i64, (String, LabelRef)>;

async fn label_map(conn: &mut sqlx::SqliteConnection) -> Result<LabelMap, sqlx::Error> {
    let rows: Vec<(i64, String, String, String)> =
        sqlx::query_as("select label_id, name, color, name_key from label")
            .fetch_all(conn)
            .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name, color, key)| (id, (key, LabelRef { id, name, color })))
        .collect())
}

/// Turn each row's label ids into labels in display order (by name). Rows that came as a
/// whole `Customer` (the exact User ID or e-mail match) already have theirs.
fn add_labels(rows: &mut [ExportRow], labels: &LabelMap) {
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

/// Rows read per query and handed to the writer at a time.
const CHUNK: i64 = 2_000;
/// Excel's last row is 1,048,576; one is the header.
pub const MAX_DATA_ROWS: u32 = 1_048_575;

fn error_response(e: AppError) -> Response {
    let status = StatusCode::from_u16(e.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, axum::Json(e)).into_response()
}

/// Exports one user may start per window.
pub const EXPORTS_PER_WINDOW: i64 = 10;
pub const EXPORT_WINDOW_SECS: i64 = 10 * 60;

/// `POST /export/customers` with an [`ExportRequest`] as JSON: the `.xlsx` as an attachment.
pub async fn export_handler(State(state): State<AppState>, req: Request<Body>) -> Response {
    let user = req
        .extensions()
        .get::<SessionUser>()
        .map(|s| s.user.clone());
    let Some(crate::auth::permissions::Access::Staff(capability)) =
        crate::auth::permissions::route_access("POST", super::EXPORT_PATH)
    else {
        return error_response(AppError::Forbidden);
    };
    let user = match user {
        None => return error_response(AppError::Unauthorized),
        Some(u) if !capability.allows(u.role) => return error_response(AppError::Forbidden),
        Some(u) => u,
    };
    // Exports are heavy: at most EXPORTS_PER_WINDOW per user per window.
    match crate::auth::ssr::rate_limit(
        &state.pool,
        &format!("export|{}", user.id),
        EXPORTS_PER_WINDOW,
        EXPORT_WINDOW_SECS,
        chrono::Utc::now(),
    )
    .await
    {
        Ok(None) => {}
        Ok(Some(secs)) => {
            let mut res = error_response(AppError::TooManyRequests {
                retry_after_secs: secs,
            });
            res.headers_mut()
                .insert(header::RETRY_AFTER, axum::http::HeaderValue::from(secs));
            return res;
        }
        Err(e) => return error_response(AppError::from(e)),
    }
    let Ok(body) = axum::body::to_bytes(req.into_body(), 1 << 20).await else {
        return error_response(AppError::BadRequest);
    };
    let Ok(request) = serde_json::from_slice::<ExportRequest>(&body) else {
        return error_response(AppError::BadRequest);
    };
    match export(&state.pool, &user, &request).await {
        Ok(done) => {
            let file = tokio::fs::File::from_std(done.file);
            let stream = tokio_util::io::ReaderStream::new(file);
            (
                [
                    (
                        header::CONTENT_TYPE,
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                            .to_string(),
                    ),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{}\"", done.name),
                    ),
                    (header::CONTENT_LENGTH, done.bytes.to_string()),
                    (header::CACHE_CONTROL, "no-store".to_string()),
                    (
                        header::HeaderName::from_static("x-export-rows"),
                        done.rows.to_string(),
                    ),
                ],
                Body::from_stream(stream),
            )
                .into_response()
        }
        Err(e) => error_response(e),
    }
}

pub struct Exported {
    pub file: std::fs::File,
    pub name: String,
    pub rows: u64,
    pub bytes: u64,
}

/// What the "Export info" sheet says besides the row count.
struct Info {
    by: String,
    at: DateTime<Utc>,
    lines: Vec<(String, String)>,
}

/// Build the file (and audit the export). Also used directly by the benchmark.
pub async fn export(
    pool: &SqlitePool,
    user: &CurrentUser,
    req: &ExportRequest,
) -> Result<Exported, AppError> {
    if !req.query.is_acceptable()
        || (req.scope == ExportScope::Selected
            && (req.ids.is_empty() || req.ids.len() > MAX_SELECTED))
    {
        return Err(AppError::BadRequest);
    }
    let columns = export_columns(&req.columns);
    if columns.is_empty() {
        return Err(AppError::BadRequest);
    }
    let now = Utc::now();
    let query = match req.scope {
        ExportScope::View => CustomerQuery {
            cursor: None,
            ..req.query.clone()
        },
        _ => CustomerQuery {
            sort: req.query.sort,
            desc: req.query.desc,
            ..Default::default()
        },
    };
    let info = Info {
        by: format!("{} ({}, {})", user.name, user.email, user.role.label()),
        at: now,
        lines: describe(pool, req.scope, &query, req.ids.len()).await?,
    };

    let (tx, mut rx) = mpsc::channel::<Vec<ExportRow>>(2);
    let cols = columns.clone();
    let writer =
        tokio::task::spawn_blocking(move || write_workbook(&mut rx, &cols, info, MAX_DATA_ROWS));

    // One read transaction for every chunk: the file is one consistent picture even while
    // people edit (a row changed mid-export cannot show up twice or go missing).
    let mut snapshot = pool.begin().await?;
    let produced: Result<(), AppError> = async {
        let conn = &mut *snapshot;
        let labels = label_map(&mut *conn).await?;
        match req.scope {
            ExportScope::View | ExportScope::All => {
                let mut q = query.clone();
                loop {
                    let mut page =
                        search::chunk::<ExportRow>(&mut *conn, &q, CHUNK, &EXPORT_LIST).await?;
                    add_labels(&mut page.rows, &labels);
                    if tx.send(page.rows).await.is_err() {
                        break; // the writer stopped; its error is reported below
                    }
                    match page.next {
                        Some(next) => q.cursor = Some(next),
                        None => break,
                    }
                }
            }
            ExportScope::Selected => {
                let mut ids = req.ids.clone();
                ids.sort_unstable_by(|a, b| b.cmp(a));
                ids.dedup();
                for part in ids.chunks(CHUNK as usize) {
                    let mut rows = sqlx::query_as::<_, ExportRow>(&format!(
                        "{EXPORT_SELECT} where c.customer_id in (select value from json_each($1))
                           and c.deleted_at is null order by c.customer_id desc"
                    ))
                    .bind(serde_json::to_string(part).expect("ids serialize"))
                    .fetch_all(&mut *conn)
                    .await?;
                    add_labels(&mut rows, &labels);
                    if tx.send(rows).await.is_err() {
                        break;
                    }
                }
            }
        }
        Ok(())
    }
    .await;
    drop(tx);
    // Read-only: nothing to commit.
    let _ = snapshot.rollback().await;
    let written = writer
        .await
        .map_err(|e| AppError::internal("export writer panicked", e))?;
    produced?;
    let (file, rows) = written.map_err(|e| AppError::internal("export writer failed", e))?;
    let bytes = file
        .metadata()
        .map_err(|e| AppError::internal("export file", e))?
        .len();

    let mut conn = pool.acquire().await?;
    let changes = vec![
        FieldChange {
            field: "scope".into(),
            old: None,
            new: Some(req.scope.label().into()),
        },
        FieldChange {
            field: "rows".into(),
            old: None,
            new: Some(rows.to_string()),
        },
        FieldChange {
            field: "query".into(),
            old: None,
            new: Some(serde_json::to_string(&query).expect("query serializes")),
        },
        FieldChange {
            field: "columns".into(),
            old: None,
            new: Some(
                columns
                    .iter()
                    .map(|(k, _)| *k)
                    .collect::<Vec<_>>()
                    .join(","),
            ),
        },
    ];
    let mut changes = changes;
    if req.scope == ExportScope::Selected {
        changes.push(FieldChange {
            field: "ids".into(),
            old: None,
            new: Some(serde_json::to_string(&req.ids).expect("ids serialize")),
        });
    }
    record(
        &mut conn,
        &user.actor(),
        AuditAction::Export,
        Entity::CustomerExport,
        Some(0),
        &changes,
        now,
    )
    .await?;
    Ok(Exported {
        file,
        name: file_name(req.scope, now),
        rows,
        bytes,
    })
}

/// The search, filters and sort in words, for the "Export info" sheet.
async fn describe(
    pool: &SqlitePool,
    scope: ExportScope,
    q: &CustomerQuery,
    selected: usize,
) -> Result<Vec<(String, String)>, sqlx::Error> {
    let mut lines = vec![("Rows chosen".to_string(), scope.label().to_string())];
    if scope == ExportScope::Selected {
        lines.push(("Ticked customers".into(), selected.to_string()));
    }
    if scope == ExportScope::View {
        let names: Vec<String> = sqlx::query_scalar(
            "select name from label where label_id in (select value from json_each($1))
             order by name_key",
        )
        .bind(serde_json::to_string(&q.labels).expect("ids serialize"))
        .fetch_all(pool)
        .await?;
        let none = || "(none)".to_string();
        lines.push((
            "Search".into(),
            if q.q.trim().is_empty() {
                none()
            } else {
                q.q.trim().to_string()
            },
        ));
        lines.push((
            "Status".into(),
            q.status.map(|s| s.label().to_string()).unwrap_or_else(none),
        ));
        lines.push((
            "Labels".into(),
            if names.is_empty() {
                none()
            } else {
                format!(
                    "{} ({})",
                    names.join(", "),
                    if q.all_labels { "all" } else { "any" }
                )
            },
        ));
    }
    let sort = COLUMNS
        .iter()
        .find(|(_, _, s)| *s == Some(q.sort))
        .map(|(_, h, _)| *h)
        .unwrap_or("User ID");
    lines.push((
        "Sort".into(),
        format!(
            "{sort}, {}",
            if q.is_desc() {
                "descending"
            } else {
                "ascending"
            }
        ),
    ));
    Ok(lines)
}

fn width(key: &str) -> f64 {
    match key {
        "id" | "status" => 10.0,
        "email" => 34.0,
        "labels" | "country" => 24.0,
        "birthday" => 12.0,
        "created" | "updated" | "last_access" => 17.0,
        _ => 18.0,
    }
}

struct Formats {
    bold: Format,
    date: Format,
    stamp: Format,
}

fn start_sheet(
    wb: &mut Workbook,
    n: usize,
    columns: &[(&'static str, &'static str)],
    f: &Formats,
) -> Result<usize, XlsxError> {
    let ws = wb.add_worksheet_with_constant_memory();
    ws.set_name(if n == 0 {
        "Customers".to_string()
    } else {
        format!("Customers ({})", n + 1)
    })?;
    for (i, (key, header)) in columns.iter().enumerate() {
        ws.set_column_width(i as u16, width(key))?;
        ws.write_string_with_format(0, i as u16, *header, &f.bold)?;
    }
    ws.set_freeze_panes(1, 0)?;
    Ok(n)
}

fn finish_sheet(ws: &mut Worksheet, last_row: u32, columns: usize) -> Result<(), XlsxError> {
    ws.autofilter(0, 0, last_row, columns as u16 - 1)?;
    Ok(())
}

/// Every value is written as what it is: text as text (never a formula, whatever it starts
/// with), dates and timestamps as Excel dates, IDs and phone numbers as text.
fn write_cell(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    key: &str,
    c: &ExportRow,
    f: &Formats,
) -> Result<(), XlsxError> {
    let text = |ws: &mut Worksheet, s: &str| -> Result<(), XlsxError> {
        if !s.is_empty() {
            ws.write_string(row, col, s)?;
        }
        Ok(())
    };
    match key {
        "id" => text(ws, &c.customer_id.to_string()),
        "first_name" => text(ws, &c.first_name),
        "last_name" => text(ws, &c.last_name),
        "email" => text(ws, &c.email),
        "contact" => text(ws, &c.phone),
        "birthday" => {
            if let Some(d) = &c.birthday {
                ws.write_datetime_with_format(row, col, d, &f.date)?;
            }
            Ok(())
        }
        "country" => text(ws, &country_name(&c.country)),
        "labels" => text(
            ws,
            &c.labels
                .iter()
                .map(|l| l.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        ),
        "status" => text(ws, c.status.label()),
        "created" => {
            ws.write_datetime_with_format(row, col, c.created_at.naive_utc(), &f.stamp)?;
            Ok(())
        }
        "updated" => {
            ws.write_datetime_with_format(row, col, c.updated_at.naive_utc(), &f.stamp)?;
            Ok(())
        }
        "last_access" => {
            if let Some(t) = &c.last_access_at {
                ws.write_datetime_with_format(row, col, t.naive_utc(), &f.stamp)?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

fn write_workbook(
    rx: &mut mpsc::Receiver<Vec<ExportRow>>,
    columns: &[(&'static str, &'static str)],
    info: Info,
    rows_per_sheet: u32,
) -> Result<(std::fs::File, u64), XlsxError> {
    let f = Formats {
        bold: Format::new().set_bold(),
        date: Format::new().set_num_format("yyyy-mm-dd"),
        stamp: Format::new().set_num_format("yyyy-mm-dd hh:mm"),
    };
    let mut wb = Workbook::new();
    let mut sheet = start_sheet(&mut wb, 0, columns, &f)?;
    let mut row: u32 = 0;
    let mut total: u64 = 0;
    while let Some(rows) = rx.blocking_recv() {
        let mut ws = wb.worksheet_from_index(sheet)?;
        for c in &rows {
            if row == rows_per_sheet {
                finish_sheet(ws, row, columns.len())?;
                sheet = start_sheet(&mut wb, sheet + 1, columns, &f)?;
                ws = wb.worksheet_from_index(sheet)?;
                row = 0;
            }
            row += 1;
            for (i, (key, _)) in columns.iter().enumerate() {
                write_cell(ws, row, i as u16, key, c, &f)?;
            }
            total += 1;
        }
    }
    finish_sheet(wb.worksheet_from_index(sheet)?, row, columns.len())?;

    let ws = wb.add_worksheet();
    ws.set_name("Export info")?;
    ws.set_column_width(0, 22)?;
    ws.set_column_width(1, 60)?;
    let mut lines = vec![
        ("Exported by".to_string(), info.by),
        (
            "Exported at (UTC)".to_string(),
            info.at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        ),
        ("Rows".to_string(), total.to_string()),
    ];
    lines.extend(info.lines);
    for (i, (k, v)) in lines.iter().enumerate() {
        ws.write_string_with_format(i as u32, 0, k, &f.bold)?;
        ws.write_string(i as u32, 1, v)?;
    }

    let mut file = tempfile::tempfile().map_err(XlsxError::IoError)?;
    wb.save_to_writer(&mut file)?;
    file.seek(SeekFrom::Start(0)).map_err(XlsxError::IoError)?;
    Ok((file, total))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::customers::list::SnapshotRow;
    use crate::customers::model::Status;
    use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};
    use std::io::Read;

    fn customer(id: i64) -> ExportRow {
        let t = Utc::now();
        let c: Customer = SnapshotRow(
            id,
            format!("First{id}"),
            "Last".into(),
            format!("c{id}@example.com"),
            "0917 000 0000".into(),
            "+639170000000".into(),
            String::new(),
            None,
            "PH".into(),
            Status::Active,
            t,
            t,
            vec![],
        )
        .into();
        c.into()
    }

    #[tokio::test]
    async fn rows_past_a_sheets_limit_continue_on_the_next_sheet_with_its_own_header() {
        let (tx, mut rx) = mpsc::channel(2);
        let columns = export_columns(&["id".into(), "first_name".into()]);
        let info = Info {
            by: "Tester".into(),
            at: Utc::now(),
            lines: vec![],
        };
        let writer =
            tokio::task::spawn_blocking(move || write_workbook(&mut rx, &columns, info, 3));
        tx.send((1..=5).map(customer).collect()).await.unwrap();
        tx.send(vec![customer(6), customer(7)]).await.unwrap();
        drop(tx);
        let (mut file, total) = writer.await.unwrap().unwrap();
        assert_eq!(total, 7);
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).unwrap();
        let mut wb: Xlsx<_> = open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(
            wb.sheet_names(),
            vec!["Customers", "Customers (2)", "Customers (3)", "Export info"]
        );
        let ids = |wb: &mut Xlsx<_>, name: &str| -> Vec<String> {
            wb.worksheet_range(name)
                .unwrap()
                .rows()
                .map(|r| match &r[0] {
                    Data::String(s) => s.clone(),
                    other => panic!("{other:?}"),
                })
                .collect()
        };
        assert_eq!(ids(&mut wb, "Customers"), ["User ID", "1", "2", "3"]);
        assert_eq!(ids(&mut wb, "Customers (2)"), ["User ID", "4", "5", "6"]);
        assert_eq!(ids(&mut wb, "Customers (3)"), ["User ID", "7"]);
    }
}
