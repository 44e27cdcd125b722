//! An import's changes to customers that already exist (the file's values merged in as
//! the duplicate choice says) and "Undo import", which takes back what an import wrote.

use super::model::{DuplicateMode, ImportState, Target, UndoReport};
use super::store;
use crate::audit::ssr::{record, Actor};
use crate::audit::{AuditAction, Entity, FieldChange};
use crate::customers::model::{Customer, CustomerInput, Gender, Status};
use crate::customers::store as customers;
use crate::customers::validate::MAX_LABELS;
use crate::db::{self, Pool};
use crate::error::AppError;
use chrono::Utc;
use std::collections::HashMap;

/// An existing customer with a file row's values: in `FillEmpty` mode only where the
/// customer has nothing (Prefer not to say counts as nothing; a status is always set), in
/// `Overwrite` mode every field the row has a value for. Labels: the file's replace the
/// customer's when overwriting, fill them when it has none.
pub fn merge(
    old: &Customer,
    row: &CustomerInput,
    provided: &[Target],
    label_ids: &[i64],
    mode: DuplicateMode,
) -> CustomerInput {
    let mut input = old.to_input();
    let fill = mode == DuplicateMode::FillEmpty;
    for t in provided {
        let (current, new) = (field_text(&input, *t), field_text(row, *t));
        let empty = match t {
            Target::Gender => input.gender == Gender::Unspecified,
            Target::Status => false,
            Target::Labels => input.labels.is_empty(),
            _ => current.is_empty(),
        };
        if fill && !empty {
            continue;
        }
        match t {
            Target::Labels => {
                input.labels = label_ids.to_vec();
                input.labels.truncate(MAX_LABELS);
            }
            t => set_field(&mut input, t.field(), &new),
        }
    }
    input
}

/// A field of an input as text (the stored forms of gender and status).
fn field_text(i: &CustomerInput, t: Target) -> String {
    match t {
        Target::FirstName => i.first_name.clone(),
        Target::MiddleName => i.middle_name.clone(),
        Target::LastName => i.last_name.clone(),
        Target::Suffix => i.suffix.clone(),
        Target::Email => i.email.clone(),
        Target::Gender => i.gender.as_str().into(),
        Target::Birthday => i.birthday.clone(),
        Target::Phone => i.phone.clone(),
        Target::Street => i.street.clone(),
        Target::City => i.city.clone(),
        Target::State => i.state.clone(),
        Target::Zip => i.zip.clone(),
        Target::Country => i.country.clone(),
        Target::Status => i.status.as_str().into(),
        Target::ContactName => i.contact_name.clone(),
        Target::ContactEmail => i.contact_email.clone(),
        Target::ContactPhone => i.contact_phone.clone(),
        Target::Labels | Target::Ignore => String::new(),
    }
}

/// Set a field by its wire name from its text (as `field_text` and the audit show it).
fn set_field(i: &mut CustomerInput, field: &str, value: &str) {
    let v = value.to_string();
    match field {
        "first_name" => i.first_name = v,
        "middle_name" => i.middle_name = v,
        "last_name" => i.last_name = v,
        "suffix" => i.suffix = v,
        "email" => i.email = v,
        "gender" => i.gender = Gender::parse(value).unwrap_or_default(),
        "birthday" => i.birthday = v,
        "phone" => i.phone = v,
        "street" => i.street = v,
        "city" => i.city = v,
        "state" => i.state = v,
        "zip" => i.zip = v,
        "country" => i.country = v,
        "status" => i.status = Status::parse(value).unwrap_or_default(),
        "contact_name" => i.contact_name = v,
        "contact_email" => i.contact_email = v,
        "contact_phone" => i.contact_phone = v,
        _ => {}
    }
}

/// What Undo needs to put an updated customer back: the changed fields' earlier values and
/// the earlier label ids.
pub(super) fn old_values(old: &Customer, changes: &[FieldChange]) -> String {
    let fields: HashMap<&str, &str> = changes
        .iter()
        .filter(|c| c.field != "labels")
        .map(|c| (c.field.as_str(), c.old.as_deref().unwrap_or("")))
        .collect();
    let labels: Vec<i64> = old.labels.iter().map(|l| l.id).collect();
    serde_json::json!({ "fields": fields, "labels": labels }).to_string()
}

#[derive(serde::Deserialize)]
struct OldValues {
    fields: HashMap<String, String>,
    labels: Vec<i64>,
}

/// Takes back what an import wrote, leaving alone the customers edited since: the ones it
/// created are deleted (to the Trash, as one batch), the ones it changed get their earlier
/// values back. Each change is audited; the caller records the import-level event.
pub(super) async fn undo_in(
    tx: &mut db::Conn,
    batch_id: i64,
    actor: &Actor,
    now: chrono::DateTime<Utc>,
) -> Result<UndoReport, AppError> {
    let mut report = UndoReport::default();
    let tag = format!("import-{batch_id}");
    // A page of the import's customers at a time: memory stays flat for a million.
    let mut after = 0i64;
    loop {
        let items = store::items_page(tx, batch_id, after, UNDO_PAGE).await?;
        let Some(last) = items.last() else { break };
        after = last.customer_id;
        let ids: Vec<i64> = items.iter().map(|i| i.customer_id).collect();
        let current: HashMap<i64, Customer> = customers::import::live_with_ids(tx, &ids)
            .await?
            .into_iter()
            .map(|c| (c.customer_id, c))
            .collect();
        let mut remove = Vec::new();
        for item in &items {
            let Some(c) = current.get(&item.customer_id) else {
                continue; // deleted since: nothing to take back
            };
            if c.version != item.version_after {
                report.left_alone.push((c.customer_id, c.full_name()));
                continue;
            }
            if item.kind == "created" {
                remove.push(c.customer_id);
                continue;
            }
            let Some(old) = item
                .old_values
                .as_deref()
                .and_then(|s| serde_json::from_str::<OldValues>(s).ok())
            else {
                report.left_alone.push((c.customer_id, c.full_name()));
                continue;
            };
            let mut input = c.to_input();
            for (field, value) in &old.fields {
                set_field(&mut input, field, value);
            }
            input.labels = old.labels;
            match crate::customers::validate::validate_customer(&input, now.date_naive()) {
                Ok(v) => {
                    customers::update_in(tx, actor, AuditAction::Update, c, &v, now).await?;
                    report.restored += 1;
                }
                Err(_) => report.left_alone.push((c.customer_id, c.full_name())),
            }
        }
        report.removed += customers::delete(tx, actor, &remove, Some(&tag), now).await?;
    }
    Ok(report)
}

/// Customers Undo handles at a time.
const UNDO_PAGE: i64 = 1000;

/// "Undo import": takes back a finished import (see `undo_in`) and marks it undone.
pub async fn undo(
    pool: &Pool,
    batch_id: i64,
    actor: &Actor,
    staff_id: i64,
) -> Result<UndoReport, AppError> {
    let batch = store::get(pool, batch_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if batch.state() != ImportState::Done {
        return Err(AppError::Conflict(match batch.state() {
            ImportState::Undone => "This import has already been undone.".into(),
            ImportState::Running => "This import is still running: cancel it instead.".into(),
            _ => "Only a finished import can be undone.".into(),
        }));
    }
    let now = Utc::now();
    let mut tx = db::begin_write(pool).await?;
    if !store::mark_undone(&mut tx, batch_id, staff_id, now).await? {
        return Err(AppError::Conflict(
            "This import has already been undone.".into(),
        ));
    }
    let report = undo_in(&mut tx, batch_id, actor, now).await?;
    let changes = [
        FieldChange::new("file", None, Some(&batch.file_name)),
        FieldChange::new("removed", None, Some(&report.removed.to_string())),
        FieldChange::new("restored", None, Some(&report.restored.to_string())),
        FieldChange::new(
            "left alone",
            None,
            Some(&report.left_alone.len().to_string()),
        ),
    ];
    record(
        &mut tx,
        actor,
        AuditAction::ImportUndo,
        Entity::CustomerImport,
        Some(batch_id),
        &changes,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(report)
}
