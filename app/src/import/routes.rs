//! `POST /import/upload`: the file streams to disk (never held in memory), up to
//! `IMPORT_MAX_MB`; the answer is what the mapping step needs.

use super::engine::detected_date_order;
use super::mapping::suggest;
use super::model::{DateOrder, Mapping, Upload};
use super::{read, store, UPLOAD_PATH};
use crate::error::AppError;
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;
use tokio::io::AsyncWriteExt;

fn file_error(message: impl Into<String>) -> Response {
    AppError::response(AppError::field("file", message))
}

/// The file's name as the browser sent it (`X-File-Name`, percent-encoded), cut to 200
/// characters, without path parts or control characters.
fn file_name(req: &Request<Body>) -> String {
    let raw = req
        .headers()
        .get("x-file-name")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("import");
    let decoded = urlencoding::decode(raw)
        .map(|s| s.into_owned())
        .unwrap_or_default();
    let base = decoded.rsplit(['/', '\\']).next().unwrap_or("").trim();
    let clean: String = base
        .chars()
        .filter(|c| !c.is_control() && !crate::text::has_forbidden(&c.to_string()))
        .take(200)
        .collect();
    if clean.is_empty() {
        "import".into()
    } else {
        clean
    }
}

pub async fn upload_handler(State(state): State<AppState>, req: Request<Body>) -> Response {
    let user = match crate::auth::ssr::route_staff(&req, "POST", UPLOAD_PATH) {
        Ok(u) => u,
        Err(e) => return e.response(),
    };
    let max = state.import.max_bytes;
    let too_big = || {
        let mut res = file_error(format!(
            "The file is larger than the {} MB an import accepts. Split it, or save it as CSV (smaller than .xlsx).",
            max / (1024 * 1024)
        ));
        *res.status_mut() = StatusCode::PAYLOAD_TOO_LARGE;
        res
    };
    let declared = req
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max) {
        return too_big();
    }
    let name = file_name(&req);
    if let Err(e) = tokio::fs::create_dir_all(&state.import.dir).await {
        return AppError::response(AppError::internal("import dir", e));
    }
    let path = state.import.dir.join(format!(
        "upload-{}-{}",
        user.id,
        hex::encode(rand::random::<[u8; 12]>())
    ));
    let written = async {
        let mut file = tokio::fs::File::create(&path).await?;
        let mut body = req.into_body();
        let mut bytes = 0u64;
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(std::io::Error::other)?;
            if let Some(data) = frame.data_ref() {
                bytes += data.len() as u64;
                if bytes > max {
                    return Ok(None);
                }
                file.write_all(data).await?;
            }
        }
        file.flush().await?;
        Ok::<_, std::io::Error>(Some(bytes))
    };
    let bytes = match written.await {
        Ok(Some(n)) => n,
        Ok(None) => {
            let _ = tokio::fs::remove_file(&path).await;
            return too_big();
        }
        Err(e) => {
            let _ = tokio::fs::remove_file(&path).await;
            tracing::warn!(err = %e, "import upload not received");
            return file_error("The file did not arrive whole. Try again.");
        }
    };
    let sniffed = {
        let path = path.clone();
        tokio::task::spawn_blocking(move || {
            let mut sniffed = read::sniff(&path, None)?;
            // A workbook: the first sheet that has rows under its header.
            let has_rows = |format: &read::Format| {
                read::for_each_row(&path, format, |_, _| std::ops::ControlFlow::Break(()))
            };
            if let Err(first_error) = has_rows(&sniffed.format) {
                let other = sniffed.sheets.iter().skip(1).find_map(|name| {
                    let s = read::sniff(&path, Some(name)).ok()?;
                    has_rows(&s.format).ok().map(|_| s)
                });
                sniffed = other.ok_or(first_error)?;
            }
            let mut targets = suggest(&sniffed.headers);
            targets.resize(sniffed.headers.len(), super::model::Target::Ignore);
            let order = detected_date_order(&path, &sniffed.format, &targets);
            Ok::<_, read::ReadError>((sniffed, targets, order))
        })
        .await
    };
    let (sniffed, targets, order) = match sniffed {
        Ok(Ok(x)) => x,
        Ok(Err(e)) => {
            let _ = tokio::fs::remove_file(&path).await;
            return file_error(e.to_string());
        }
        Err(e) => {
            let _ = tokio::fs::remove_file(&path).await;
            return AppError::response(AppError::internal("import sniff", e));
        }
    };
    let now = chrono::Utc::now();
    let id = match store::create(
        &state.pool,
        user.id,
        &name,
        &path.to_string_lossy(),
        bytes,
        &sniffed.headers,
        now,
    )
    .await
    {
        Ok(id) => id,
        Err(e) => {
            let _ = tokio::fs::remove_file(&path).await;
            return AppError::response(e.into());
        }
    };
    let saved = match store::mappings(&state.pool).await {
        Ok(saved) => saved,
        Err(e) => return AppError::response(e.into()),
    };
    axum::Json(
        Upload {
            batch_id: id,
            file_name: name,
            sheets: sniffed.sheets,
            headers: sniffed.headers,
            mapping: Mapping {
                sheet: match &sniffed.format {
                    read::Format::Xlsx { sheet } => sheet.clone(),
                    read::Format::Csv { .. } => String::new(),
                },
                targets,
                default_country: String::new(),
                date_order: order.unwrap_or(DateOrder::DayFirst),
            },
            saved: vec![],
            applied: None,
        }
        .with_saved(saved),
    )
    .into_response()
}
