//! Import customers from CSV or Excel (issue #17): the file is uploaded to disk
//! (`routes`), read row by row (`read`), its columns matched to customer fields by their
//! headers (`mapping`), each row read the way people write it (`convert`) and checked by the
//! Add modal's validator; then previewed, checked in full, imported in the background a
//! chunk per transaction, and undone as one batch (`engine`). `store` writes the import's
//! own tables; customers and labels are written by their stores.

pub mod model;
pub mod page;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod convert;
#[cfg(feature = "ssr")]
pub mod engine;
#[cfg(feature = "ssr")]
pub mod invite;
#[cfg(feature = "ssr")]
pub mod mapping;
#[cfg(feature = "ssr")]
pub mod read;
#[cfg(feature = "ssr")]
pub mod rejects;
#[cfg(feature = "ssr")]
pub mod routes;
#[cfg(feature = "ssr")]
pub mod store;
#[cfg(feature = "ssr")]
pub mod undo;

use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use model::{
    Check, ImportOptions, ImportStatus, Mapping, PreviewRow, SavedMapping, Target, UndoReport,
    Upload,
};

/// Where the file goes (`POST`, the file as the body, its name in `X-File-Name`).
pub const UPLOAD_PATH: &str = "/import/upload";

/// The rows an import refused (`GET`, `?batch=N&format=xlsx|csv`).
pub const REJECTS_PATH: &str = "/import/rejects";

/// Where the browser downloads an import's refused rows.
pub fn rejects_href(batch_id: i64, format: &str) -> String {
    format!("{REJECTS_PATH}?batch={batch_id}&format={format}")
}

/// Rows the preview shows.
pub const PREVIEW_ROWS: u64 = 20;

/// Refuses a mapping that cannot work: one without the required fields, a field mapped
/// twice, an unknown default country.
pub fn check_mapping(m: &Mapping, columns: usize) -> Result<(), AppError> {
    if m.targets.len() != columns {
        return Err(AppError::BadRequest);
    }
    let mut seen = std::collections::HashSet::new();
    for t in &m.targets {
        if *t != Target::Ignore && !seen.insert(*t) {
            return Err(AppError::field(
                "mapping",
                format!(
                    "{} is chosen for two columns: choose it for one.",
                    t.label()
                ),
            ));
        }
    }
    let missing: Vec<&str> = [Target::FirstName, Target::LastName, Target::Email]
        .iter()
        .filter(|t| !seen.contains(*t))
        .map(|t| t.label())
        .collect();
    if !missing.is_empty() {
        return Err(AppError::field(
            "mapping",
            format!("Choose the column that holds: {}.", missing.join(", ")),
        ));
    }
    if !m.default_country.is_empty()
        && isocountry::CountryCode::for_alpha2(&m.default_country).is_err()
    {
        return Err(AppError::field(
            "default_country",
            "Choose a country from the list.",
        ));
    }
    Ok(())
}

/// A batch still waiting to be imported, with its file and header count.
#[cfg(feature = "ssr")]
async fn waiting(
    pool: &crate::db::Pool,
    batch_id: i64,
    sheet: &str,
) -> Result<(std::path::PathBuf, Vec<String>), AppError> {
    let batch = store::get(pool, batch_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if batch.state() != model::ImportState::Uploaded {
        return Err(AppError::Conflict(
            "This import has already been started.".into(),
        ));
    }
    let path = std::path::PathBuf::from(&batch.file_path);
    let sheet = (!sheet.is_empty()).then(|| sheet.to_string());
    let p = path.clone();
    let sniffed = tokio::task::spawn_blocking(move || read::sniff(&p, sheet.as_deref()))
        .await
        .map_err(|e| AppError::internal("import sniff", e))?
        .map_err(|e| AppError::field("file", e.to_string()))?;
    Ok((path, sniffed.headers))
}

/// Another sheet of an uploaded workbook: its headers and suggested mapping.
#[server(endpoint = "import_sheet", input = Json)]
pub async fn import_sheet(batch_id: i64, sheet: String) -> Result<Upload, AppError> {
    use crate::auth::ssr::staff_guard;
    staff_guard::<ImportSheet>()?;
    let pool = crate::state::pool()?;
    let batch = store::get(&pool, batch_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (path, _) = waiting(&pool, batch_id, &sheet).await?;
    let s = sheet.clone();
    let (headers, targets, order, sheets) = tokio::task::spawn_blocking(move || {
        let sniffed = read::sniff(&path, Some(&s))?;
        let mut targets = mapping::suggest(&sniffed.headers);
        targets.resize(sniffed.headers.len(), Target::Ignore);
        let order = engine::detected_date_order(&path, &sniffed.format, &targets);
        Ok::<_, read::ReadError>((sniffed.headers, targets, order, sniffed.sheets))
    })
    .await
    .map_err(|e| AppError::internal("import sheet", e))?
    .map_err(|e| AppError::field("file", e.to_string()))?;
    Ok(Upload {
        batch_id,
        file_name: batch.file_name,
        sheets,
        headers,
        mapping: Mapping {
            sheet,
            targets,
            default_country: String::new(),
            date_order: order.unwrap_or_default(),
        },
        saved: vec![],
        applied: None,
    }
    .with_saved(store::mappings(&pool).await?))
}

/// The longest name a saved mapping may have.
pub const MAPPING_NAME_MAX: usize = 80;

/// Save the mapping chosen for an uploaded file under a name (replacing one of the same
/// name), for files with the same headers later. Returns the saved mappings, this one first.
#[server(endpoint = "save_import_mapping", input = Json)]
pub async fn save_import_mapping(
    batch_id: i64,
    name: String,
    mapping: Mapping,
) -> Result<Vec<SavedMapping>, AppError> {
    use crate::auth::ssr::staff_guard;
    let me = staff_guard::<SaveImportMapping>()?;
    let name = name.trim().to_string();
    if name.is_empty() {
        return Err(AppError::field("mapping_name", "Give the mapping a name."));
    }
    if name.chars().count() > MAPPING_NAME_MAX
        || name.chars().any(char::is_control)
        || crate::text::has_forbidden(&name)
    {
        return Err(AppError::field(
            "mapping_name",
            format!("Use up to {MAPPING_NAME_MAX} letters, digits, spaces and punctuation."),
        ));
    }
    let pool = crate::state::pool()?;
    let batch = store::get(&pool, batch_id)
        .await?
        .ok_or(AppError::NotFound)?;
    // The chosen sheet's headers while the file waits; the ones it ran with after.
    let headers: Vec<String> = if batch.state() == model::ImportState::Uploaded {
        waiting(&pool, batch_id, &mapping.sheet).await?.1
    } else {
        serde_json::from_str(&batch.headers).unwrap_or_default()
    };
    check_mapping(&mapping, headers.len())?;
    store::save_mapping(&pool, &name, &headers, &mapping, me.id, chrono::Utc::now()).await?;
    Ok(store::mappings(&pool).await?)
}

/// Remove a saved mapping. Returns the ones left.
#[server(endpoint = "delete_import_mapping", input = Json)]
pub async fn delete_import_mapping(id: i64) -> Result<Vec<SavedMapping>, AppError> {
    use crate::auth::ssr::staff_guard;
    staff_guard::<DeleteImportMapping>()?;
    let pool = crate::state::pool()?;
    if !store::delete_mapping(&pool, id).await? {
        return Err(AppError::NotFound);
    }
    Ok(store::mappings(&pool).await?)
}

/// The first rows as they would be stored, with their problems.
#[server(endpoint = "import_preview", input = Json)]
pub async fn import_preview(batch_id: i64, mapping: Mapping) -> Result<Vec<PreviewRow>, AppError> {
    use crate::auth::ssr::staff_guard;
    staff_guard::<ImportPreview>()?;
    let pool = crate::state::pool()?;
    let (path, headers) = waiting(&pool, batch_id, &mapping.sheet).await?;
    check_mapping(&mapping, headers.len())?;
    engine::preview(&path, &mapping, PREVIEW_ROWS).await
}

/// Every row checked: how many are new, match existing customers, cannot be imported.
#[server(endpoint = "check_import", input = Json)]
pub async fn check_import(batch_id: i64, mapping: Mapping) -> Result<Check, AppError> {
    use crate::auth::ssr::staff_guard;
    staff_guard::<CheckImport>()?;
    let pool = crate::state::pool()?;
    let (path, headers) = waiting(&pool, batch_id, &mapping.sheet).await?;
    check_mapping(&mapping, headers.len())?;
    engine::check(&pool, &path, &mapping).await
}

/// Start the import in the background; its progress is [`get_import_status`].
#[server(endpoint = "start_import", input = Json)]
pub async fn start_import(batch_id: i64, options: ImportOptions) -> Result<ImportStatus, AppError> {
    use crate::auth::ssr::staff_guard;
    let me = staff_guard::<StartImport>()?;
    let pool = crate::state::pool()?;
    let (path, headers) = waiting(&pool, batch_id, &options.mapping.sheet).await?;
    check_mapping(&options.mapping, headers.len())?;
    let total = engine::count_rows(&path, &options.mapping).await?;
    let json =
        serde_json::to_string(&options).map_err(|e| AppError::internal("import options", e))?;
    let now = chrono::Utc::now();
    if !store::start(
        &pool,
        batch_id,
        &json,
        &headers,
        total,
        options.invite,
        &instance_name(),
        now,
    )
    .await?
    {
        return Err(AppError::Conflict(
            "This import has already been started.".into(),
        ));
    }
    let ip = crate::audit::ssr::REQUEST_IP
        .try_with(|ip| ip.clone())
        .unwrap_or_default();
    let run = engine::run(pool.clone(), batch_id, path, options, me.actor());
    tokio::spawn(crate::audit::ssr::REQUEST_IP.scope(ip, run));
    let batch = store::get(&pool, batch_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(batch.status(now))
}

/// This process, as the import's lease names it.
#[cfg(feature = "ssr")]
fn instance_name() -> String {
    format!("pid-{}", std::process::id())
}

/// Where an import is (for its progress bar; any app instance can answer).
#[server(endpoint = "import_status", input = Json)]
pub async fn get_import_status(batch_id: i64) -> Result<ImportStatus, AppError> {
    use crate::auth::ssr::staff_guard;
    staff_guard::<GetImportStatus>()?;
    let pool = crate::state::pool()?;
    let batch = store::get(&pool, batch_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(batch.status(chrono::Utc::now()))
}

/// Stop a running import; what it wrote is taken back.
#[server(endpoint = "cancel_import", input = Json)]
pub async fn cancel_import(batch_id: i64) -> Result<(), AppError> {
    use crate::auth::ssr::staff_guard;
    staff_guard::<CancelImport>()?;
    let pool = crate::state::pool()?;
    if !store::request_cancel(&pool, batch_id).await? {
        return Err(AppError::Conflict("This import is not running.".into()));
    }
    Ok(())
}

/// Take back a finished import: the customers it created go to the Trash, the ones it
/// changed get their earlier values — except those edited since, which are listed.
#[server(endpoint = "undo_import", input = Json)]
pub async fn undo_import(batch_id: i64) -> Result<UndoReport, AppError> {
    use crate::auth::ssr::staff_guard;
    let me = staff_guard::<UndoImport>()?;
    undo::undo(&crate::state::pool()?, batch_id, &me.actor(), me.id).await
}

/// The latest imports, newest first.
#[server(endpoint = "list_imports", input = Json)]
pub async fn list_imports() -> Result<Vec<ImportStatus>, AppError> {
    use crate::auth::ssr::staff_guard;
    staff_guard::<ListImports>()?;
    let now = chrono::Utc::now();
    Ok(store::list(&crate::state::pool()?, 100)
        .await?
        .iter()
        .map(|b| b.status(now))
        .collect())
}
