//! `GET /import/rejects?batch=N&format=xlsx|csv`: the rows an import refused, with the
//! file's own columns, then the row number and the reason, to fix and import again. Read a
//! page at a time and written to a temporary file on a blocking thread (an import of a
//! million bad rows makes a big file, never a big heap), then streamed back. Every cell is
//! written as text: a cell that looks like a formula stays data in the workbook. Audited as
//! an export.

use super::{store, REJECTS_PATH};
use crate::audit::ssr::record;
use crate::audit::{AuditAction, Entity, FieldChange};
use crate::error::AppError;
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{Query, Request, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use rust_xlsxwriter::{Format as CellFormat, Workbook};
use serde::Deserialize;
use std::io::{Seek, SeekFrom};

/// Rows read per query.
const PAGE: i64 = 5_000;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    #[default]
    Xlsx,
    Csv,
}

impl Format {
    fn extension(self) -> &'static str {
        match self {
            Format::Xlsx => "xlsx",
            Format::Csv => "csv",
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Format::Csv => "text/csv; charset=utf-8",
        }
    }
}

#[derive(Debug, Clone, Copy, Deserialize)]
pub struct RejectsQuery {
    pub batch: i64,
    #[serde(default)]
    pub format: Format,
}

/// Where the rows go while they are read.
enum Sink {
    Csv(Box<csv::Writer<std::fs::File>>),
    Xlsx { book: Box<Workbook>, row: u32 },
}

impl Sink {
    fn new(format: Format, header: &[String]) -> Result<Sink, String> {
        match format {
            Format::Csv => {
                let file = tempfile::tempfile().map_err(|e| e.to_string())?;
                let mut w = csv::Writer::from_writer(file);
                w.write_record(header).map_err(|e| e.to_string())?;
                Ok(Sink::Csv(Box::new(w)))
            }
            Format::Xlsx => {
                let mut book = Box::new(Workbook::new());
                let bold = CellFormat::new().set_bold();
                let ws = book.add_worksheet_with_constant_memory();
                ws.set_name("Rejected rows").map_err(|e| e.to_string())?;
                for (i, h) in header.iter().enumerate() {
                    let width = if i + 1 == header.len() { 60.0 } else { 18.0 };
                    ws.set_column_width(i as u16, width)
                        .map_err(|e| e.to_string())?;
                    ws.write_string_with_format(0, i as u16, h, &bold)
                        .map_err(|e| e.to_string())?;
                }
                ws.set_freeze_panes(1, 0).map_err(|e| e.to_string())?;
                Ok(Sink::Xlsx { book, row: 0 })
            }
        }
    }

    fn write(&mut self, rows: &[(i64, String, String)]) -> Result<(), String> {
        for (line, cells, reason) in rows {
            let mut record: Vec<String> = serde_json::from_str(cells).unwrap_or_default();
            record.push(line.to_string());
            record.push(reason.clone());
            match self {
                Sink::Csv(w) => w.write_record(&record).map_err(|e| e.to_string())?,
                Sink::Xlsx { book, row } => {
                    *row += 1;
                    let ws = book.worksheet_from_index(0).map_err(|e| e.to_string())?;
                    for (i, cell) in record.iter().enumerate() {
                        if !cell.is_empty() {
                            ws.write_string(*row, i as u16, cell)
                                .map_err(|e| e.to_string())?;
                        }
                    }
                }
            }
        }
        Ok(())
    }

    fn finish(self) -> Result<std::fs::File, String> {
        let mut file = match self {
            Sink::Csv(w) => w.into_inner().map_err(|e| e.to_string())?,
            Sink::Xlsx { mut book, .. } => {
                let mut file = tempfile::tempfile().map_err(|e| e.to_string())?;
                book.save_to_writer(&mut file).map_err(|e| e.to_string())?;
                file
            }
        };
        file.seek(SeekFrom::Start(0)).map_err(|e| e.to_string())?;
        Ok(file)
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, String> + Send + 'static,
) -> Result<T, AppError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| AppError::internal("rejected rows", e))?
        .map_err(|e| AppError::internal("rejected rows", e))
}

/// The file's name: the imported file's, with " - rejected rows" and the format's extension.
pub fn file_name(imported: &str, format: Format) -> String {
    let stem = imported
        .rsplit_once('.')
        .map(|(s, _)| s)
        .filter(|s| !s.is_empty())
        .unwrap_or(imported);
    format!("{stem} - rejected rows.{}", format.extension())
}

/// `Content-Disposition` for any file name: an ASCII fallback and the UTF-8 name.
/// An attachment's `Content-Disposition`: an ASCII name for old clients, the exact one as
/// UTF-8 (`filename*`) for the rest.
pub fn disposition(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        urlencoding::encode(name)
    )
}

pub async fn rejects_handler(State(state): State<AppState>, req: Request<Body>) -> Response {
    let user = match crate::auth::ssr::route_staff(&req, "GET", REJECTS_PATH) {
        Ok(u) => u,
        Err(e) => return e.response(),
    };
    let Ok(Query(q)) = Query::<RejectsQuery>::try_from_uri(req.uri()) else {
        return AppError::BadRequest.response();
    };
    match build(&state.pool, &user.actor(), q).await {
        Ok((file, name, bytes)) => {
            let stream = tokio_util::io::ReaderStream::new(tokio::fs::File::from_std(file));
            (
                [
                    (header::CONTENT_TYPE, q.format.content_type().to_string()),
                    (header::CONTENT_DISPOSITION, disposition(&name)),
                    (header::CONTENT_LENGTH, bytes.to_string()),
                    (header::CACHE_CONTROL, "no-store".to_string()),
                ],
                Body::from_stream(stream),
            )
                .into_response()
        }
        Err(e) => e.response(),
    }
}

async fn build(
    pool: &crate::db::Pool,
    actor: &crate::audit::ssr::Actor,
    q: RejectsQuery,
) -> Result<(std::fs::File, String, u64), AppError> {
    let batch = store::get(pool, q.batch).await?.ok_or(AppError::NotFound)?;
    let mut header: Vec<String> = serde_json::from_str(&batch.headers).unwrap_or_default();
    header.push("Row".into());
    header.push("Reason".into());
    let format = q.format;
    let mut sink = blocking(move || Sink::new(format, &header)).await?;
    let mut after = 0;
    let mut rows = 0u64;
    loop {
        let page = store::rejects_after(pool, q.batch, after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.0;
        rows += page.len() as u64;
        let more = page.len() as i64 == PAGE;
        sink = blocking(move || sink.write(&page).map(|_| sink)).await?;
        if !more {
            break;
        }
    }
    let file = blocking(move || sink.finish()).await?;
    let bytes = file
        .metadata()
        .map_err(|e| AppError::internal("rejected rows", e))?
        .len();
    let mut conn = pool.acquire().await?;
    record(
        &mut conn,
        actor,
        AuditAction::Export,
        Entity::CustomerImport,
        Some(q.batch),
        &[
            FieldChange::new("scope", None, Some("Rejected rows")),
            FieldChange::new("rows", None, Some(&rows.to_string())),
            FieldChange::new("format", None, Some(format.extension())),
        ],
        chrono::Utc::now(),
    )
    .await?;
    Ok((file, file_name(&batch.file_name, format), bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_keep_the_imported_file_and_survive_any_characters() {
        assert_eq!(
            file_name("clients.csv", Format::Xlsx),
            "clients - rejected rows.xlsx"
        );
        assert_eq!(
            file_name("März \"A\".xlsx", Format::Csv),
            "März \"A\" - rejected rows.csv"
        );
        assert_eq!(file_name(".csv", Format::Csv), ".csv - rejected rows.csv");
        let d = disposition("März \"A\".csv");
        assert!(
            d.starts_with(
                "attachment; filename=\"M_rz _A_.csv\"; filename*=UTF-8''M%C3%A4rz%20%22A%22.csv"
            ),
            "{d}"
        );
        assert!(axum::http::HeaderValue::from_str(&d).is_ok());
    }
}
