//! The import's work: rows read and checked on a blocking thread (`prepare`), then the
//! preview, the full check and the import itself, a chunk of rows per write transaction
//! (each chunk whole or not at all; other writers wait at most one chunk), and Undo.

use super::convert::{convert, detect_date_order, RowInput};
use super::model::{
    Check, DateOrder, DuplicateMode, ImportOptions, ImportState, Mapping, PreviewRow, Problem,
    Target,
};
use super::read::{self, Format, ReadError};
use super::store::{self, Counts, Item};
use super::undo::{merge, old_values, undo_in};
use crate::audit::ssr::{record, Actor};
use crate::audit::{AuditAction, Entity, FieldChange};
use crate::customers::model::Customer;
use crate::customers::store as customers;
use crate::customers::validate::{validate_customer_in, ValidCustomer};
use crate::db::{self, Pool};
use crate::error::{AppError, FieldErrors};
use chrono::{NaiveDate, Utc};
use std::collections::{HashMap, HashSet};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

/// Rows per write transaction: big enough that the pages every chunk touches (index and
/// search-index pages) are written out a few hundred times per million rows rather than
/// thousands (5,000 instead of 2,000: the commits of 100 k rows took 0.46 s instead of
/// 0.80 s), small enough that an edit waiting for the write lock waits ~0.2 s at most.
pub const CHUNK: usize = 5000;

/// A file row after reading and checking.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub line: u64,
    pub cells: Vec<String>,
    pub outcome: Outcome,
}

#[derive(Debug, Clone)]
pub enum Outcome {
    /// Valid as a new customer. `valid.labels` are placeholders (one per label name) until
    /// the names are resolved to labels.
    Valid {
        row: Box<RowInput>,
        valid: Box<ValidCustomer>,
        /// The targets this row has a value for (what an update may change).
        provided: Vec<Target>,
    },
    Invalid(String),
}

/// The validator's messages for a row, in form order, each named by its field unless it
/// names it itself ("Phone: Choose a country, …", "Last name is required.").
fn reason(errors: &FieldErrors) -> String {
    let named = |label: &str, message: &str| {
        if message.to_lowercase().contains(&label.to_lowercase()) {
            message.to_string()
        } else {
            format!("{label}: {message}")
        }
    };
    let mut parts: Vec<String> = Target::ALL
        .iter()
        .filter_map(|t| errors.get(t.field()).map(|m| named(t.label(), m)))
        .collect();
    for (field, message) in errors {
        if !Target::ALL.iter().any(|t| t.field() == field) {
            parts.push(message.clone());
        }
    }
    parts.join(" ")
}

/// Placeholder label ids, one per name (the validator counts them).
fn placeholders(n: usize) -> Vec<i64> {
    (1..=n as i64).map(|i| -i).collect()
}

/// An e-mail (ignoring case) as a 64-bit hash: the rows seen so far are remembered in 16
/// bytes each (a million rows: ~30 MB, not the ~100 MB of the addresses themselves); two
/// different addresses share a hash with a chance of about 1 in 10^7 at a million rows.
fn email_key(email: &str) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    // Fixed keys: the same address always gives the same hash.
    let mut h =
        std::hash::BuildHasherDefault::<std::collections::hash_map::DefaultHasher>::default()
            .build_hasher();
    h.write(email.to_lowercase().as_bytes());
    h.finish()
}

/// Check one row as a new customer.
fn prepare_one(
    line: u64,
    cells: Vec<String>,
    mapping: &Mapping,
    today: NaiveDate,
    seen: &mut HashMap<u64, u64>,
) -> Prepared {
    let outcome = match convert(&cells, mapping) {
        Err(errors) => Outcome::Invalid(reason(&errors)),
        Ok(mut row) => {
            row.input.labels = placeholders(row.labels.len());
            let region =
                (!mapping.default_country.is_empty()).then_some(mapping.default_country.as_str());
            match validate_customer_in(&row.input, today, region) {
                Err(errors) => Outcome::Invalid(reason(&errors)),
                Ok(valid) => {
                    let key = email_key(&valid.email);
                    match seen.get(&key) {
                        Some(first) => Outcome::Invalid(format!(
                            "Email: the same e-mail as row {first} of this file."
                        )),
                        None => {
                            seen.insert(key, line);
                            let provided = mapping
                                .targets
                                .iter()
                                .zip(&cells)
                                .filter(|(t, c)| **t != Target::Ignore && !c.trim().is_empty())
                                .map(|(t, _)| *t)
                                .collect();
                            Outcome::Valid {
                                row: Box::new(row),
                                valid: Box::new(valid),
                                provided,
                            }
                        }
                    }
                }
            }
        }
    };
    Prepared {
        line,
        cells,
        outcome,
    }
}

/// The file's format for `mapping`'s sheet.
pub fn format_of(path: &Path, mapping: &Mapping) -> Result<Format, ReadError> {
    let sheet = (!mapping.sheet.is_empty()).then_some(mapping.sheet.as_str());
    Ok(read::sniff(path, sheet)?.format)
}

/// Reads the file on a blocking thread and hands over chunks of prepared rows (at most a
/// few chunks ahead of the consumer: memory stays flat). `limit` stops after that many rows.
fn stream(
    path: PathBuf,
    mapping: Mapping,
    limit: Option<u64>,
) -> tokio::sync::mpsc::Receiver<Result<Vec<Prepared>, ReadError>> {
    let (tx, rx) = tokio::sync::mpsc::channel(2);
    tokio::task::spawn_blocking(move || {
        let today = Utc::now().date_naive();
        let format = match format_of(&path, &mapping) {
            Ok(f) => f,
            Err(e) => {
                let _ = tx.blocking_send(Err(e));
                return;
            }
        };
        let mut seen = HashMap::new();
        let mut chunk = Vec::with_capacity(CHUNK);
        let mut n = 0u64;
        let result = read::for_each_row(&path, &format, |line, cells| {
            chunk.push(prepare_one(line, cells, &mapping, today, &mut seen));
            n += 1;
            if chunk.len() == CHUNK && tx.blocking_send(Ok(std::mem::take(&mut chunk))).is_err() {
                return ControlFlow::Break(());
            }
            if limit.is_some_and(|l| n >= l) {
                return ControlFlow::Break(());
            }
            ControlFlow::Continue(())
        });
        match result {
            Ok(()) => {
                if !chunk.is_empty() {
                    let _ = tx.blocking_send(Ok(chunk));
                }
            }
            Err(e) => {
                let _ = tx.blocking_send(Err(e));
            }
        }
    });
    rx
}

/// The first rows of the file as they would be stored, with their problems.
pub async fn preview(
    path: &Path,
    mapping: &Mapping,
    rows: u64,
) -> Result<Vec<PreviewRow>, AppError> {
    let mut rx = stream(path.to_path_buf(), mapping.clone(), Some(rows));
    let mut out = Vec::new();
    while let Some(chunk) = rx.recv().await {
        for p in chunk.map_err(read_error)? {
            out.push(preview_row(&p, mapping));
        }
    }
    Ok(out)
}

fn preview_row(p: &Prepared, mapping: &Mapping) -> PreviewRow {
    let mut values = Vec::new();
    let mut errors = Vec::new();
    match &p.outcome {
        Outcome::Valid { row, valid, .. } => {
            for t in mapping.targets.iter().filter(|t| **t != Target::Ignore) {
                let v = match t {
                    Target::Labels => row.labels.join(", "),
                    t => stored_value(valid, *t),
                };
                values.push((t.label().to_string(), v));
            }
        }
        Outcome::Invalid(reason) => {
            for (t, cell) in mapping.targets.iter().zip(&p.cells) {
                if *t != Target::Ignore {
                    values.push((t.label().to_string(), cell.trim().to_string()));
                }
            }
            errors.push((String::new(), reason.clone()));
        }
    }
    PreviewRow {
        line: p.line,
        values,
        errors,
    }
}

/// A validated field as the customer will hold it (the country as its name).
fn stored_value(v: &ValidCustomer, t: Target) -> String {
    match t {
        Target::FirstName => v.first_name.clone(),
        Target::MiddleName => v.middle_name.clone(),
        Target::LastName => v.last_name.clone(),
        Target::Suffix => v.suffix.clone(),
        Target::Email => v.email.clone(),
        Target::Gender => v.gender.label().into(),
        Target::Birthday => v.birthday.map(|d| d.to_string()).unwrap_or_default(),
        Target::Phone if v.phone_e164.is_empty() => v.phone.clone(),
        Target::Phone => format!("{} ({})", v.phone, v.phone_e164),
        Target::Street => v.street.clone(),
        Target::City => v.city.clone(),
        Target::State => v.state.clone(),
        Target::Zip => v.zip.clone(),
        Target::Country => crate::fmt::country_name(&v.country),
        Target::Status => v.status.label().into(),
        Target::ContactName => v.contact_name.clone(),
        Target::ContactEmail => v.contact_email.clone(),
        Target::ContactPhone => v.contact_phone.clone(),
        Target::Labels | Target::Ignore => String::new(),
    }
}

fn read_error(e: ReadError) -> AppError {
    AppError::field("file", e.to_string())
}

/// The date order a file's birthday column shows, if it tells.
pub fn detected_date_order(path: &Path, format: &Format, targets: &[Target]) -> Option<DateOrder> {
    let col = targets.iter().position(|t| *t == Target::Birthday)?;
    let mut cells = Vec::new();
    let _ = read::for_each_row(path, format, |_, row| {
        cells.push(row.get(col).cloned().unwrap_or_default());
        if cells.len() >= 1000 {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    });
    detect_date_order(cells.iter().map(String::as_str))
}

/// How many of the problems the check shows (the report has them all).
const PROBLEMS_SHOWN: usize = 100;

/// The full pass: every row checked, e-mails matched against live customers.
pub async fn check(pool: &Pool, path: &Path, mapping: &Mapping) -> Result<Check, AppError> {
    let mut rx = stream(path.to_path_buf(), mapping.clone(), None);
    let mut out = Check::default();
    let mut label_names: HashMap<String, String> = HashMap::new();
    while let Some(chunk) = rx.recv().await {
        let chunk = chunk.map_err(read_error)?;
        let mut emails = Vec::new();
        for p in &chunk {
            out.total += 1;
            match &p.outcome {
                Outcome::Invalid(reason) => {
                    out.invalid += 1;
                    if reason.contains("of this file") {
                        out.repeated_in_file += 1;
                    }
                    if out.problems.len() < PROBLEMS_SHOWN {
                        out.problems.push(Problem {
                            line: p.line,
                            reason: reason.clone(),
                        });
                    }
                }
                Outcome::Valid { row, valid, .. } => {
                    emails.push(valid.email.as_str());
                    for name in &row.labels {
                        label_names
                            .entry(crate::labels::name_key(name))
                            .or_insert_with(|| name.clone());
                    }
                }
            }
        }
        let mut conn = pool.acquire().await?;
        let matching = customers::import::live_with_emails(&mut conn, &emails).await?;
        out.matching += matching.len() as u64;
        out.new += (emails.len() - matching.len()) as u64;
    }
    if !label_names.is_empty() {
        let existing: HashSet<String> = crate::labels::ssr::list(pool)
            .await?
            .iter()
            .map(|l| crate::labels::name_key(&l.name))
            .collect();
        let mut missing: Vec<String> = label_names
            .into_iter()
            .filter(|(k, _)| !existing.contains(k))
            .map(|(_, n)| n)
            .collect();
        missing.sort_by_key(|n| crate::labels::name_key(n));
        out.labels_to_create = missing;
    }
    Ok(out)
}

/// Counts the file's data rows (for the progress bar).
pub async fn count_rows(path: &Path, mapping: &Mapping) -> Result<u64, AppError> {
    let (path, mapping) = (path.to_path_buf(), mapping.clone());
    tokio::task::spawn_blocking(move || {
        let format = format_of(&path, &mapping)?;
        let mut n = 0u64;
        read::for_each_row(&path, &format, |_, _| {
            n += 1;
            ControlFlow::Continue(())
        })?;
        Ok::<u64, ReadError>(n)
    })
    .await
    .map_err(|e| AppError::internal("import count", e))?
    .map_err(read_error)
}

/// Runs a started import to its end: done, or cancelled / failed with everything it wrote
/// undone. `actor` is who started it.
pub async fn run(pool: Pool, batch_id: i64, path: PathBuf, options: ImportOptions, actor: Actor) {
    let outcome = run_chunks(&pool, batch_id, &path, &options, &actor).await;
    end(&pool, batch_id, outcome, &actor).await;
    let _ = tokio::fs::remove_file(&path).await;
}

/// What a server that stopped mid-import leaves behind: its imports still "running" with a
/// lease nobody renews. Each is ended as failed and what it wrote taken back (by whichever
/// instance claims it first). Returns how many.
pub async fn recover_abandoned(pool: &Pool, instance: &str) -> Result<usize, AppError> {
    let ids = store::claim_abandoned(pool, instance, Utc::now()).await?;
    for &batch_id in &ids {
        let Some(batch) = store::get(pool, batch_id).await? else {
            continue;
        };
        // The app itself takes it back (the Audit log shows no person).
        let actor = Actor::system();
        let stopped = AppError::Conflict(
            "The server stopped during the import. Nothing of it was kept: import the file again."
                .into(),
        );
        end(pool, batch_id, Err(stopped), &actor).await;
        let _ = tokio::fs::remove_file(&batch.file_path).await;
        tracing::warn!(batch_id, "an import interrupted by a stop was taken back");
    }
    Ok(ids.len())
}

/// How long an uploaded file may wait for its import to be started.
pub const UNSTARTED_FOR: chrono::Duration = chrono::Duration::hours(24);

/// Files of wizards closed before Start, older than [`UNSTARTED_FOR`]: removed with their
/// batches (they would fill `IMPORT_DIR`). Returns how many.
pub async fn forget_unstarted(pool: &Pool) -> Result<usize, AppError> {
    let paths = store::forget_unstarted(pool, Utc::now() - UNSTARTED_FOR).await?;
    for path in &paths {
        let _ = tokio::fs::remove_file(path).await;
    }
    Ok(paths.len())
}

/// Records how an import ended; anything but done takes back what it wrote.
async fn end(pool: &Pool, batch_id: i64, outcome: Result<bool, AppError>, actor: &Actor) {
    let now = Utc::now();
    let (state, error) = match outcome {
        Ok(true) => (ImportState::Done, None),
        Ok(false) => (ImportState::Cancelled, None),
        Err(e) => {
            let message = match &e {
                AppError::Validation(errors) => {
                    errors.values().cloned().collect::<Vec<_>>().join(" ")
                }
                other => other.to_string(),
            };
            (ImportState::Failed, Some(message))
        }
    };
    let finished = async {
        let mut tx = db::begin_write(pool).await?;
        if state != ImportState::Done {
            undo_in(&mut tx, batch_id, actor, now).await?;
        }
        store::finish(&mut tx, batch_id, state, error.as_deref(), now).await?;
        let batch = store::get_in(&mut tx, batch_id).await?;
        let changes = [
            FieldChange::new("file", None, Some(&batch.file_name)),
            FieldChange::new("result", None, Some(state.label())),
            FieldChange::new("created", None, Some(&batch.created_count.to_string())),
            FieldChange::new("updated", None, Some(&batch.updated_count.to_string())),
            FieldChange::new("skipped", None, Some(&batch.skipped_count.to_string())),
            FieldChange::new("invalid", None, Some(&batch.invalid_count.to_string())),
        ];
        record(
            &mut tx,
            actor,
            AuditAction::ImportRun,
            Entity::CustomerImport,
            Some(batch_id),
            &changes,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok::<(), AppError>(())
    };
    if let Err(e) = finished.await {
        tracing::error!(batch_id, err = %e, "could not record the end of an import");
    }
}

/// Writes every chunk; `Ok(false)` when Cancel stopped it.
async fn run_chunks(
    pool: &Pool,
    batch_id: i64,
    path: &Path,
    options: &ImportOptions,
    actor: &Actor,
) -> Result<bool, AppError> {
    let mut rx = stream(path.to_path_buf(), options.mapping.clone(), None);
    // Where the time goes, for the log line at the end: waiting for rows (the reader),
    // waiting for the write lock (other writers), writing, committing.
    let mut times = [std::time::Duration::ZERO; 4];
    let mut mark = std::time::Instant::now();
    let mut lap = |slot: usize, times: &mut [std::time::Duration; 4]| {
        times[slot] += mark.elapsed();
        mark = std::time::Instant::now();
    };
    let bulk = db::bulk_writer(pool).await?;
    let written = write_chunks(
        &bulk, &mut rx, batch_id, options, actor, &mut times, &mut lap,
    )
    .await;
    bulk.close().await;
    tracing::info!(
        batch_id,
        reading = ?times[0],
        write_lock = ?times[1],
        writing = ?times[2],
        committing = ?times[3],
        "import written"
    );
    written
}

#[allow(clippy::too_many_arguments)]
async fn write_chunks(
    bulk: &db::BulkWriter,
    rx: &mut tokio::sync::mpsc::Receiver<Result<Vec<Prepared>, ReadError>>,
    batch_id: i64,
    options: &ImportOptions,
    actor: &Actor,
    times: &mut [std::time::Duration; 4],
    lap: &mut impl FnMut(usize, &mut [std::time::Duration; 4]),
) -> Result<bool, AppError> {
    // Label name key → (id, name), as far as known.
    let mut labels: HashMap<String, (i64, String)> = HashMap::new();
    let mut labels_read = false;
    while let Some(chunk) = rx.recv().await {
        lap(0, times);
        let chunk = chunk.map_err(read_error)?;
        let now = Utc::now();
        let mut tx = bulk.begin().await?;
        lap(1, times);
        if store::cancel_requested(&mut tx, batch_id).await? {
            return Ok(false);
        }
        let names: Vec<String> = chunk
            .iter()
            .filter_map(|p| match &p.outcome {
                Outcome::Valid { row, .. } => Some(row.labels.iter()),
                Outcome::Invalid(_) => None,
            })
            .flatten()
            .filter(|n| !labels.contains_key(&crate::labels::name_key(n)))
            .cloned()
            .collect();
        if !names.is_empty() || !labels_read {
            labels =
                crate::labels::ssr::find_or_create(&mut tx, actor, &names, options.create_labels)
                    .await?;
            labels_read = true;
        }
        let label_names: HashMap<i64, String> =
            labels.values().map(|(id, n)| (*id, n.clone())).collect();
        let mut counts = Counts {
            rows: chunk.len() as u64,
            ..Counts::default()
        };
        let mut rejects: Vec<(u64, String, String)> = Vec::new();
        let mut valid_rows = Vec::new();
        for p in &chunk {
            match &p.outcome {
                Outcome::Invalid(reason) => {
                    rejects.push((p.line, cells_json(&p.cells), reason.clone()))
                }
                Outcome::Valid {
                    row,
                    valid,
                    provided,
                } => {
                    let ids: Vec<i64> = row
                        .labels
                        .iter()
                        .filter_map(|n| labels.get(&crate::labels::name_key(n)).map(|l| l.0))
                        .collect();
                    valid_rows.push((p, row, valid, provided, ids));
                }
            }
        }
        let emails: Vec<&str> = valid_rows.iter().map(|r| r.2.email.as_str()).collect();
        let existing: HashMap<String, Customer> =
            customers::import::live_with_emails(&mut tx, &emails)
                .await?
                .into_iter()
                .map(|c| (c.email.to_lowercase(), c))
                .collect();
        let mut new_rows = Vec::new();
        let mut items = Vec::new();
        for (p, row, valid, provided, ids) in valid_rows {
            match existing.get(&valid.email.to_lowercase()) {
                None => {
                    let mut v = (**valid).clone();
                    v.labels = ids;
                    new_rows.push(v);
                }
                Some(_) if options.duplicates == DuplicateMode::Skip => counts.skipped += 1,
                Some(old) => {
                    let input = merge(old, &row.input, provided, &ids, options.duplicates);
                    let region = (!options.mapping.default_country.is_empty())
                        .then_some(options.mapping.default_country.as_str());
                    match validate_customer_in(&input, now.date_naive(), region) {
                        Err(errors) => {
                            counts.invalid += 1;
                            rejects.push((p.line, cells_json(&p.cells), reason(&errors)));
                        }
                        Ok(v) => match customers::update_in(
                            &mut tx,
                            actor,
                            AuditAction::Import,
                            old,
                            &v,
                            now,
                        )
                        .await?
                        {
                            None => counts.skipped += 1,
                            Some(changes) => {
                                counts.updated += 1;
                                items.push(Item {
                                    customer_id: old.customer_id,
                                    kind: "updated".into(),
                                    version_after: old.version + 1,
                                    old_values: Some(old_values(old, &changes)),
                                });
                            }
                        },
                    }
                }
            }
        }
        counts.invalid += chunk
            .iter()
            .filter(|p| matches!(p.outcome, Outcome::Invalid(_)))
            .count() as u64;
        let ids =
            customers::import::create_many(&mut tx, actor, &new_rows, &label_names, now).await?;
        counts.created = ids.len() as u64;
        items.extend(ids.into_iter().map(|id| Item {
            customer_id: id,
            kind: "created".into(),
            version_after: 1,
            old_values: None,
        }));
        store::chunk_done(&mut tx, batch_id, counts, &items, &rejects, now).await?;
        lap(2, times);
        tx.commit().await?;
        lap(3, times);
    }
    Ok(true)
}

fn cells_json(cells: &[String]) -> String {
    serde_json::to_string(cells).expect("strings serialize")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reason_names_each_field_once() {
        let errors = FieldErrors::from([
            (
                "last_name".to_string(),
                "Last name is required.".to_string(),
            ),
            ("phone".to_string(), "Choose a country.".to_string()),
        ]);
        assert_eq!(
            reason(&errors),
            "Last name is required. Phone: Choose a country."
        );
    }
}
