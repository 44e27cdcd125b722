//! The export route. Rows are read in keyset chunks with the list's own query code (so the
//! file has exactly the screen's rows, in its order) and handed over a small bounded channel
//! to a blocking thread that writes them into constant-memory worksheets; the finished file
//! is an anonymous temporary file streamed back as the response. Memory stays flat whatever
//! the row count.

use super::rows::{add_labels, export_list, export_select, label_map, ExportRow};
use super::xlsx::{write_workbook, Info};
use super::{export_columns, file_name, ExportRequest, ExportScope, MAX_SELECTED};
use crate::audit::ssr::record;
use crate::audit::FieldChange;
use crate::audit::{AuditAction, Entity};
use crate::auth::CurrentUser;
use crate::customers::list::{CustomerQuery, COLUMNS};
use crate::customers::search;
use crate::db;
use crate::error::AppError;
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use tokio::sync::mpsc;
/// Rows read per query and handed to the writer at a time.
const CHUNK: i64 = 2_000;
/// Excel's last row is 1,048,576; one is the header.
pub const MAX_DATA_ROWS: u32 = 1_048_575;

/// Exports one user may start per window.
pub const EXPORTS_PER_WINDOW: i64 = 10;
pub const EXPORT_WINDOW_SECS: i64 = 10 * 60;

/// `POST /export/customers` with an [`ExportRequest`] as JSON: the `.xlsx` as an attachment.
pub async fn export_handler(State(state): State<AppState>, req: Request<Body>) -> Response {
    let user = match crate::auth::ssr::route_staff(&req, "POST", super::EXPORT_PATH) {
        Ok(u) => u,
        Err(e) => return e.response(),
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
            let mut res = AppError::response(AppError::TooManyRequests {
                retry_after_secs: secs,
            });
            res.headers_mut()
                .insert(header::RETRY_AFTER, axum::http::HeaderValue::from(secs));
            return res;
        }
        Err(e) => return AppError::response(AppError::from(e)),
    }
    let zone = crate::ui::time::zone_of(req.headers());
    let Ok(body) = axum::body::to_bytes(req.into_body(), 1 << 20).await else {
        return AppError::response(AppError::BadRequest);
    };
    let Ok(mut request) = serde_json::from_slice::<ExportRequest>(&body) else {
        return AppError::response(AppError::BadRequest);
    };
    // The date filters' days are the reader's (the list's own zone).
    request.query.zone = zone;
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
        Err(e) => AppError::response(e),
    }
}

pub struct Exported {
    pub file: std::fs::File,
    pub name: String,
    pub rows: u64,
    pub bytes: u64,
}

/// Build the file (and audit the export). Also used directly by the benchmark.
pub async fn export(
    pool: &db::Pool,
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
    let mut snapshot = db::begin_snapshot(pool).await?;
    let b = pool.backend();
    // Who was in it, for each customer's Activity (4 bytes a row while it runs).
    let mut included: Vec<i64> = Vec::new();
    let produced: Result<(), AppError> = async {
        let conn = &mut *snapshot;
        let labels = label_map(&mut *conn).await?;
        match req.scope {
            ExportScope::View | ExportScope::All => {
                let mut q = query.clone();
                loop {
                    let mut page =
                        search::chunk::<ExportRow>(&mut *conn, &q, CHUNK, export_list(b)).await?;
                    add_labels(&mut page.rows, &labels);
                    included.extend(page.rows.iter().map(|r| r.customer_id));
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
                    let mut rows = db::query_as::<ExportRow>(format!(
                        "{} where {} and c.deleted_at is null order by c.customer_id desc",
                        export_select(b),
                        b.in_ids("c.customer_id", "$1")
                    ))
                    .bind(db::ids(part))
                    .fetch_all(&mut *conn)
                    .await?;
                    add_labels(&mut rows, &labels);
                    included.extend(rows.iter().map(|r| r.customer_id));
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
    let ids = tokio::task::spawn_blocking(move || db::id_set::encode(included))
        .await
        .map_err(|e| AppError::internal("export id set", e))?;
    db::query(
        "insert into export_set (at, actor_id, actor_name, scope, row_count, ids)
         values ($1, $2, $3, $4, $5, $6)",
    )
    .bind(now)
    .bind(user.id)
    .bind(user.name.as_str())
    .bind(req.scope.label())
    .bind(rows as i64)
    .bind(ids)
    .execute(&mut conn)
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
    pool: &db::Pool,
    scope: ExportScope,
    q: &CustomerQuery,
    selected: usize,
) -> Result<Vec<(String, String)>, sqlx::Error> {
    let mut lines = vec![("Rows chosen".to_string(), scope.label().to_string())];
    if scope == ExportScope::Selected {
        lines.push(("Ticked customers".into(), selected.to_string()));
    }
    if scope == ExportScope::View {
        let names: Vec<String> = db::query_scalar(format!(
            "select name from label where {} order by name_key",
            pool.backend().in_ids("label_id", "$1")
        ))
        .bind(db::ids(&q.labels))
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
        // The further filters, only when set (an export of the plain list stays as it was).
        if !q.countries.is_empty() {
            let names: Vec<&str> = q
                .countries
                .iter()
                .map(|c| crate::fmt::country_name_str(c))
                .collect();
            lines.push(("Countries".into(), names.join(", ")));
        }
        if let Some(g) = q.gender {
            lines.push(("Gender".into(), g.label().to_string()));
        }
        for (what, range) in [("Date created", &q.created), ("Date updated", &q.updated)] {
            if range.is_set() {
                let day = |d: Option<chrono::NaiveDate>| {
                    d.map(|d| d.to_string()).unwrap_or_else(|| "…".into())
                };
                lines.push((
                    what.into(),
                    format!(
                        "{} to {} ({})",
                        day(range.from),
                        day(range.to),
                        match &q.zone {
                            crate::fmt::Zone::Utc => "UTC",
                            crate::fmt::Zone::Named(name) => name.as_str(),
                        }
                    ),
                ));
            }
        }
        if let Some(a) = q.access {
            lines.push(("Last access".into(), a.label().to_string()));
        }
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
