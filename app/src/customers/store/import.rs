//! The customer writes an import makes: many new customers a chunk at a time (multi-row
//! inserts, one audit event each), and the live customers a chunk's e-mails already belong
//! to (which the import then fills or overwrites through [`super::update_in`]).

use super::{columns, diff, shown_fields, staff_id, ENTITY};
use crate::audit::ssr::{record_many, Actor};
use crate::audit::{AuditAction, FieldChange};
use crate::customers::model::Customer;
use crate::customers::validate::ValidCustomer;
use crate::db::{self, Backend, Conn};
use crate::error::AppError;
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// The live customers whose e-mail is one of `emails` (ignoring case).
pub async fn live_with_emails(
    conn: &mut Conn,
    emails: &[&str],
) -> Result<Vec<Customer>, sqlx::Error> {
    if emails.is_empty() {
        return Ok(Vec::new());
    }
    let b = conn.backend();
    let list = match b {
        Backend::Sqlite => "select lower(value) from json_each($1)",
        Backend::Postgres => "select lower(value) from jsonb_array_elements_text($1::jsonb)",
    };
    db::query_as::<Customer>(format!(
        "{} where c.deleted_at is null and lower(c.email) in ({list})",
        crate::customers::ssr::select(b)
    ))
    .bind(serde_json::to_string(emails).expect("strings serialize"))
    .fetch_all(&mut *conn)
    .await
}

/// Add `rows` (validated, e-mails free and distinct) inside the caller's write transaction,
/// each audited as `Import` with its fields and labels (`label_names`: id → name, for the
/// event). Returns the new ids in `rows`' order.
pub async fn create_many(
    conn: &mut Conn,
    actor: &Actor,
    rows: &[ValidCustomer],
    label_names: &HashMap<i64, String>,
    now: DateTime<Utc>,
) -> Result<Vec<i64>, AppError> {
    let by = staff_id(actor);
    let mut ids = Vec::with_capacity(rows.len());
    // 18 columns + 5 = 23 values a row: 400 rows stay under both backends' limits.
    for chunk in rows.chunks(400) {
        let mut qb = db::query("insert into customer (");
        for (name, _, _) in &columns(&chunk[0]) {
            qb.push(name).push(", ");
        }
        qb.push("created_at, created_by, updated_at, updated_by, version) values ");
        for (i, v) in chunk.iter().enumerate() {
            qb.push(if i == 0 { "(" } else { ", (" });
            for (_, value, _) in &columns(v) {
                value.bind(&mut qb);
                qb.push(", ");
            }
            qb.push_bind(now)
                .push(", ")
                .push_bind(by)
                .push(", ")
                .push_bind(now)
                .push(", ")
                .push_bind(by)
                .push(", 1)");
        }
        qb.push(" returning customer_id, email");
        let back: Vec<(i64, String)> = qb.build_query_as().fetch_all(&mut *conn).await?;
        // RETURNING's order is not promised: match the rows by their (distinct) e-mails.
        let by_email: HashMap<&str, i64> = back.iter().map(|(id, e)| (e.as_str(), *id)).collect();
        for v in chunk {
            ids.push(*by_email.get(v.email.as_str()).ok_or(AppError::Internal)?);
        }
    }
    let pairs: Vec<(i64, i64)> = rows
        .iter()
        .zip(&ids)
        .flat_map(|(v, id)| v.labels.iter().map(move |l| (*id, *l)))
        .collect();
    for chunk in pairs.chunks(1000) {
        let mut qb = db::query("insert into customer_label (customer_id, label_id) values ");
        for (i, (c, l)) in chunk.iter().enumerate() {
            qb.push(if i == 0 { "(" } else { ", (" })
                .push_bind(*c)
                .push(", ")
                .push_bind(*l)
                .push(")");
        }
        qb.execute(&mut *conn).await?;
    }
    let events: Vec<(i64, Vec<FieldChange>)> = rows
        .iter()
        .zip(&ids)
        .map(|(v, id)| (*id, created_changes(v, label_names)))
        .collect();
    record_many(conn, actor, AuditAction::Import, ENTITY, &events, now).await?;
    Ok(ids)
}

/// A new customer's event: every field set, and the labels as the History shows them
/// (names in display order, joined).
fn created_changes(v: &ValidCustomer, label_names: &HashMap<i64, String>) -> Vec<FieldChange> {
    let blank: Vec<_> = shown_fields(v)
        .into_iter()
        .map(|(f, _)| (f, String::new()))
        .collect();
    let mut changes = diff(&blank, &shown_fields(v));
    let mut names: Vec<(String, i64, &str)> = v
        .labels
        .iter()
        .filter_map(|id| {
            label_names
                .get(id)
                .map(|n| (crate::labels::name_key(n), *id, n.as_str()))
        })
        .collect();
    names.sort();
    if !names.is_empty() {
        let joined: Vec<&str> = names.iter().map(|n| n.2).collect();
        changes.push(FieldChange::new("labels", None, Some(&joined.join(", "))));
    }
    changes
}

/// The live customers among `ids`.
pub async fn live_with_ids(conn: &mut Conn, ids: &[i64]) -> Result<Vec<Customer>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let b = conn.backend();
    db::query_as::<Customer>(format!(
        "{} where c.deleted_at is null and {}",
        crate::customers::ssr::select(b),
        b.in_ids("c.customer_id", "$1")
    ))
    .bind(db::ids(ids))
    .fetch_all(&mut *conn)
    .await
}
