//! The one module that writes `customer` and `customer_label`. Every change to a customer —
//! a staff edit, the inline status switch, a bulk action, a label added or removed from the
//! list or by deleting the label, the customer's own edit in the portal — comes through here,
//! so the version bump (an edit form opened earlier gets a Conflict instead of silently
//! undoing the change) and the audit event (with the client IP) are written in one place.
//!
//! Changes are set-based: a single edit is a set of one. Each set statement binds the same
//! values: `$1` … `$5` the actor and time (`audit::ssr::bind_actor`), `$6` the action's
//! value, `$7` the customer ids as a JSON array (`sets`).

pub mod anonymise;
pub mod import;
pub mod merge;
mod sets;

use crate::db;
use sets::label_names_sql;
pub use sets::{add_label, delete, purge_deleted, remove_label, restore, set_status};

use super::model::{Customer, Gender, Status};
use super::ssr::{email_owner, get, get_live};
use super::validate::ValidCustomer;
use crate::audit::ssr::{record, Actor};
use crate::audit::{AuditAction, Entity, FieldChange};
use crate::db::{is_unique_violation, Conn, Pool};
use crate::error::AppError;
use crate::fmt::fmt_datetime;
use chrono::{DateTime, NaiveDate, Utc};

const ENTITY: Entity = Entity::Customer;

/// The staff member behind an actor (`None` for a customer or anonymous).
fn staff_id(actor: &Actor) -> Option<i64> {
    if actor.role.as_deref() == Some("customer") {
        None
    } else {
        actor.id
    }
}

// ---------------------------------------------------------------- the editable columns

/// One editable column's value, bound by name next to its column (never by position).
enum Value<'a> {
    Text(&'a str),
    Date(Option<NaiveDate>),
    Gender(Gender),
    Status(Status),
}

impl Value<'_> {
    fn shown(&self) -> String {
        match self {
            Value::Text(s) => s.to_string(),
            Value::Date(d) => d.map(|d| d.to_string()).unwrap_or_default(),
            Value::Gender(g) => g.as_str().to_string(),
            Value::Status(s) => s.as_str().to_string(),
        }
    }

    /// The value as JSON (for a chunk of rows bound as one JSON array, `db::Backend::json_rows`).
    fn json(&self) -> serde_json::Value {
        match self {
            Value::Text(s) => (*s).into(),
            Value::Date(d) => d.map_or(serde_json::Value::Null, |d| d.to_string().into()),
            Value::Gender(g) => g.as_str().into(),
            Value::Status(s) => s.as_str().into(),
        }
    }

    /// The column's SQL type, as `db::Backend::json_rows` reads it.
    fn sql_type(&self) -> &'static str {
        match self {
            Value::Date(_) => "date",
            _ => "text",
        }
    }

    fn bind<'q>(&self, qb: &mut db::Query<'q>)
    where
        Self: 'q,
    {
        match *self {
            Value::Text(s) => qb.push_bind(s),
            Value::Date(d) => qb.push_bind(d),
            Value::Gender(g) => qb.push_bind(g.as_str()),
            Value::Status(s) => qb.push_bind(s.as_str()),
        };
    }
}

/// Every editable column with its value, in form order; `true` marks the columns an audit
/// diff shows (the normalised phone is derived, not typed).
fn columns(v: &ValidCustomer) -> [(&'static str, Value<'_>, bool); 18] {
    use Value::*;
    [
        ("first_name", Text(&v.first_name), true),
        ("middle_name", Text(&v.middle_name), true),
        ("last_name", Text(&v.last_name), true),
        ("suffix", Text(&v.suffix), true),
        ("email", Text(&v.email), true),
        ("gender", Gender(v.gender), true),
        ("birthday", Date(v.birthday), true),
        ("phone", Text(&v.phone), true),
        ("phone_e164", Text(&v.phone_e164), false),
        ("street", Text(&v.street), true),
        ("city", Text(&v.city), true),
        ("state", Text(&v.state), true),
        ("zip", Text(&v.zip), true),
        ("country", Text(&v.country), true),
        ("status", Status(v.status), true),
        ("contact_name", Text(&v.contact_name), true),
        ("contact_email", Text(&v.contact_email), true),
        ("contact_phone", Text(&v.contact_phone), true),
    ]
}

/// The audited fields as (name, display value): the basis of audit diffs.
fn shown_fields(v: &ValidCustomer) -> Vec<(&'static str, String)> {
    columns(v)
        .iter()
        .filter(|c| c.2)
        .map(|(name, value, _)| (*name, value.shown()))
        .collect()
}

/// A stored customer as the validator would have produced it.
fn as_valid(c: &Customer) -> ValidCustomer {
    ValidCustomer {
        first_name: c.first_name.clone(),
        middle_name: c.middle_name.clone(),
        last_name: c.last_name.clone(),
        suffix: c.suffix.clone(),
        email: c.email.clone(),
        gender: c.gender,
        birthday: c.birthday,
        phone: c.phone.clone(),
        phone_e164: c.phone_e164.clone(),
        street: c.street.clone(),
        city: c.city.clone(),
        state: c.state.clone(),
        zip: c.zip.clone(),
        country: c.country.clone(),
        status: c.status,
        contact_name: c.contact_name.clone(),
        contact_email: c.contact_email.clone(),
        contact_phone: c.contact_phone.clone(),
        labels: c.labels.iter().map(|l| l.id).collect(),
    }
}

fn opt(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

/// Field changes from `old` to `new` (only the fields that differ).
pub fn diff(old: &[(&'static str, String)], new: &[(&'static str, String)]) -> Vec<FieldChange> {
    old.iter()
        .zip(new)
        .filter(|((_, a), (_, b))| a != b)
        .map(|((field, a), (_, b))| FieldChange {
            field: field.to_string(),
            old: opt(a.clone()),
            new: opt(b.clone()),
        })
        .collect()
}

fn email_taken(owner: i64) -> AppError {
    AppError::field(
        "email",
        format!("This email is already used by customer #{owner}."),
    )
}

/// The e-mail message after a unique violation on it (the owner read on the same connection,
/// back at the point before the failed statement: see `db::before_unique_check`).
async fn email_taken_now(conn: &mut Conn, email: &str, except: Option<i64>) -> AppError {
    if let Err(e) = db::after_unique_violation(conn).await {
        return e.into();
    }
    match email_owner(conn, email, except).await {
        Ok(owner) => email_taken(owner.unwrap_or_default()),
        Err(e) => e.into(),
    }
}

// ---------------------------------------------------------------- single edits

/// Add a customer inside the caller's transaction (which may add the portal invitation).
/// Returns the new id.
pub async fn create(
    conn: &mut Conn,
    actor: &Actor,
    v: &ValidCustomer,
    now: DateTime<Utc>,
) -> Result<i64, AppError> {
    let cols = columns(v);
    let mut qb = db::query("insert into customer (");
    for (name, _, _) in &cols {
        qb.push(name).push(", ");
    }
    qb.push("created_at, created_by, updated_at, updated_by, version) values (");
    for (_, value, _) in &cols {
        value.bind(&mut qb);
        qb.push(", ");
    }
    let by = staff_id(actor);
    qb.push_bind(now)
        .push(", ")
        .push_bind(by)
        .push(", ")
        .push_bind(now)
        .push(", ")
        .push_bind(by)
        .push(", 1) returning customer_id");
    db::before_unique_check(conn).await?;
    let id: i64 = match qb.build_query_scalar().fetch_one(&mut *conn).await {
        Ok(id) => id,
        Err(e) if is_unique_violation(&e) => {
            return Err(email_taken_now(conn, &v.email, None).await)
        }
        Err(e) => return Err(e.into()),
    };
    let blank: Vec<_> = shown_fields(v)
        .into_iter()
        .map(|(f, _)| (f, String::new()))
        .collect();
    let mut changes = diff(&blank, &shown_fields(v));
    changes.extend(set_labels(conn, id, &v.labels).await?);
    record(
        conn,
        actor,
        AuditAction::Create,
        ENTITY,
        Some(id),
        &changes,
        now,
    )
    .await?;
    Ok(id)
}

/// Who changed the customer since the version an edit started from, as a message.
fn conflict_message(current: &Customer) -> String {
    format!(
        "{} changed this customer at {} while you were editing. Your changes were not saved; reopen the customer to see theirs.",
        current.updated_by_name.as_deref().unwrap_or("Someone"),
        fmt_datetime(&current.updated_at)
    )
}

/// Save an edit made from `expected_version` (refused with a Conflict naming who saved
/// since). `action` is `Update` for staff, `PortalUpdate` for the customer's own edit.
/// Returns `None` when nothing changed, otherwise the audited changes.
pub async fn update(
    pool: &Pool,
    actor: &Actor,
    action: AuditAction,
    id: i64,
    expected_version: i64,
    v: &ValidCustomer,
) -> Result<Option<Vec<FieldChange>>, AppError> {
    let old = get_live(pool, id).await?;
    if old.version != expected_version {
        return Err(AppError::Conflict(conflict_message(&old)));
    }
    // Nothing to write: no write lock taken.
    if !changes_from(&old, v) {
        return Ok(None);
    }
    let mut tx = db::begin_write(pool).await?;
    match update_in(&mut tx, actor, action, &old, v, Utc::now()).await {
        Ok(changes) => {
            tx.commit().await?;
            Ok(changes)
        }
        Err(AppError::Conflict(_)) => {
            drop(tx);
            Err(match get_live(pool, id).await {
                Ok(current) => AppError::Conflict(conflict_message(&current)),
                Err(e) => e,
            })
        }
        Err(e) => Err(e),
    }
}

/// Whether `v` differs from the stored `old` in a field or the labels.
fn changes_from(old: &Customer, v: &ValidCustomer) -> bool {
    let mut old_labels: Vec<i64> = old.labels.iter().map(|l| l.id).collect();
    let mut new_labels = v.labels.clone();
    old_labels.sort_unstable();
    new_labels.sort_unstable();
    old_labels != new_labels || !diff(&shown_fields(&as_valid(old)), &shown_fields(v)).is_empty()
}

/// Write `v` over the customer `old` (read earlier) inside the caller's write transaction,
/// if it is still at `old`'s version (else a Conflict with no message). Audited as `action`.
/// Returns `None` when nothing changed, otherwise the audited changes.
pub async fn update_in(
    conn: &mut Conn,
    actor: &Actor,
    action: AuditAction,
    old: &Customer,
    v: &ValidCustomer,
    now: DateTime<Utc>,
) -> Result<Option<Vec<FieldChange>>, AppError> {
    if !changes_from(old, v) {
        return Ok(None);
    }
    let id = old.customer_id;
    let mut changes = diff(&shown_fields(&as_valid(old)), &shown_fields(v));
    let mut qb = db::query("update customer set ");
    for (name, value, _) in &columns(v) {
        qb.push(name).push(" = ");
        value.bind(&mut qb);
        qb.push(", ");
    }
    qb.push("version = version + 1, updated_at = ")
        .push_bind(now)
        .push(", updated_by = ")
        .push_bind(staff_id(actor))
        .push(" where customer_id = ")
        .push_bind(id)
        // The version check is in the UPDATE itself: if anyone saved since we read, 0 rows.
        .push(" and version = ")
        .push_bind(old.version)
        .push(" and deleted_at is null");
    db::before_unique_check(conn).await?;
    match qb.execute(&mut *conn).await {
        Ok(r) if r.rows_affected() == 1 => {}
        Ok(_) => return Err(AppError::Conflict(String::new())),
        Err(e) if is_unique_violation(&e) => {
            return Err(email_taken_now(conn, &v.email, Some(id)).await)
        }
        Err(e) => return Err(e.into()),
    }
    changes.extend(set_labels(conn, id, &v.labels).await?);
    if changes.iter().any(|c| c.field == "email") {
        // Invitation and reset links went to the old address: they stop working.
        crate::auth::customer_account::revoke(conn, id).await?;
    }
    record(conn, actor, action, ENTITY, Some(id), &changes, now).await?;
    Ok(Some(changes))
}

/// Replace one customer's labels with `wanted` (inside the caller's transaction). Returns the
/// audit field change, if the set changed. Unknown label ids are refused.
async fn set_labels(
    conn: &mut Conn,
    customer_id: i64,
    wanted: &[i64],
) -> Result<Option<FieldChange>, AppError> {
    let b = conn.backend();
    let known: i64 = db::query_scalar(format!(
        "select count(*) from label where {}",
        b.in_ids("label_id", "$1")
    ))
    .bind(db::ids(wanted))
    .fetch_one(&mut *conn)
    .await?;
    if known as usize != wanted.len() {
        return Err(AppError::field(
            "labels",
            "A label you picked was deleted meanwhile. Pick the labels again.",
        ));
    }
    let names = label_names_sql(b, "$1", "");
    let old: Option<String> = db::query_scalar(format!("select {names}"))
        .bind(customer_id)
        .fetch_one(&mut *conn)
        .await?;
    db::query(format!(
        "delete from customer_label where customer_id = $1 and {}",
        b.not_in_ids("label_id", "$2")
    ))
    .bind(customer_id)
    .bind(db::ids(wanted))
    .execute(&mut *conn)
    .await?;
    db::query(format!(
        // `where true`: SQLite's parser needs a WHERE before an upsert clause after SELECT.
        "insert into customer_label (customer_id, label_id)
         select $1, value from {} where true on conflict do nothing",
        b.ids_table("$2")
    ))
    .bind(customer_id)
    .bind(db::ids(wanted))
    .execute(&mut *conn)
    .await?;
    let new: Option<String> = db::query_scalar(format!("select {names}"))
        .bind(customer_id)
        .fetch_one(&mut *conn)
        .await?;
    Ok((old != new).then(|| FieldChange {
        field: "labels".into(),
        old,
        new,
    }))
}

/// The inline Active/Inactive switch: an explicit intent, so it applies to the current
/// version (and bumps it). A set of one.
pub async fn set_status_of(
    pool: &Pool,
    actor: &Actor,
    id: i64,
    status: Status,
) -> Result<(), AppError> {
    // Reads, then writes: take the write lock first (see `db::begin_write`).
    let mut tx = db::begin_write(pool).await?;
    let live: Option<i64> = db::query_scalar(
        "select customer_id from customer where customer_id = $1 and deleted_at is null",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    if live.is_none() {
        return Err(AppError::NotFound);
    }
    set_status(&mut tx, actor, status, &[id], Utc::now()).await?;
    tx.commit().await?;
    Ok(())
}

/// Soft delete of one customer: the row stays (for Undo, the Trash and the purge).
pub async fn delete_one(pool: &Pool, actor: &Actor, id: i64) -> Result<(), AppError> {
    let mut tx = db::begin_write(pool).await?;
    if delete(&mut tx, actor, &[id], None, Utc::now()).await? == 0 {
        return Err(AppError::NotFound);
    }
    tx.commit().await?;
    Ok(())
}

/// Undo a delete: the same row, id and data come back.
pub async fn restore_one(pool: &Pool, actor: &Actor, id: i64) -> Result<(), AppError> {
    let Some(c) = get(pool, id).await?.filter(|c| c.deleted_at.is_some()) else {
        return Err(AppError::NotFound);
    };
    let mut tx = db::begin_write(pool).await?;
    if restore(&mut tx, actor, &[id], None, Utc::now()).await? == 0 {
        let owner = email_owner(&mut *tx, &c.email, Some(id)).await?;
        return Err(match owner {
            Some(owner) => AppError::Conflict(format!(
                "Cannot restore: its email {} is now used by customer #{owner}.",
                c.email
            )),
            None => AppError::NotFound,
        });
    }
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_lists_only_changed_fields_with_blanks_as_none() {
        let old = vec![
            ("first_name", "Ann".to_string()),
            ("city", String::new()),
            ("zip", "1000".into()),
        ];
        let new = vec![
            ("first_name", "Anne".to_string()),
            ("city", "Cebu".into()),
            ("zip", "1000".into()),
        ];
        let d = diff(&old, &new);
        assert_eq!(d.len(), 2);
        assert_eq!(
            d[0],
            FieldChange {
                field: "first_name".into(),
                old: Some("Ann".into()),
                new: Some("Anne".into())
            }
        );
        assert_eq!(d[1].old, None);
    }

    #[test]
    fn every_editable_field_has_a_column_and_the_diff_skips_derived_ones() {
        let v = ValidCustomer {
            first_name: "Ann".into(),
            middle_name: String::new(),
            last_name: "Lee".into(),
            suffix: String::new(),
            email: "ann@example.com".into(),
            gender: Gender::Female,
            birthday: None,
            phone: "0917 123 4567".into(),
            phone_e164: "+639171234567".into(),
            street: String::new(),
            city: String::new(),
            state: String::new(),
            zip: String::new(),
            country: "PH".into(),
            status: Status::Active,
            contact_name: String::new(),
            contact_email: String::new(),
            contact_phone: String::new(),
            labels: vec![],
        };
        let names: Vec<_> = columns(&v).iter().map(|c| c.0).collect();
        let mut unique = names.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), names.len(), "a column named twice");
        let shown = shown_fields(&v);
        assert_eq!(shown.len(), 17);
        assert!(!shown.iter().any(|(f, _)| *f == "phone_e164"));
        assert!(shown.contains(&("gender", "female".to_string())));
    }
}
