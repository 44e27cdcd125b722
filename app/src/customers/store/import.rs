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
    let b = conn.backend();
    let mut ids = Vec::with_capacity(rows.len());
    let Some(first) = rows.first() else {
        return Ok(ids);
    };
    // The chunk as one JSON array bound as one value: SQLite parses a statement with
    // thousands of placeholders in quadratic time (a 400-row VALUES took ~80 ms to prepare).
    let cols = columns(first);
    let typed: Vec<(&str, &str)> = cols.iter().map(|(n, v, _)| (*n, v.sql_type())).collect();
    let names: Vec<&str> = cols.iter().map(|c| c.0).collect();
    let json: Vec<serde_json::Value> = rows
        .iter()
        .map(|v| {
            serde_json::Value::Object(
                columns(v)
                    .iter()
                    .map(|(n, value, _)| (n.to_string(), value.json()))
                    .collect(),
            )
        })
        .collect();
    let sql = format!(
        "insert into customer ({}, created_at, created_by, updated_at, updated_by, version)
         select {}, $2, $3, $2, $3, 1 from {}
         returning customer_id, email",
        names.join(", "),
        names
            .iter()
            .map(|n| format!("r.{n}"))
            .collect::<Vec<_>>()
            .join(", "),
        b.json_rows("$1", "r", &typed)
    );
    let back: Vec<(i64, String)> = db::query_as(sql)
        .bind(serde_json::Value::Array(json).to_string())
        .bind(now)
        .bind(by)
        .fetch_all(&mut *conn)
        .await?;
    // RETURNING's order is not promised: match the rows by their (distinct) e-mails.
    let by_email: HashMap<&str, i64> = back.iter().map(|(id, e)| (e.as_str(), *id)).collect();
    for v in rows {
        ids.push(*by_email.get(v.email.as_str()).ok_or(AppError::Internal)?);
    }
    let pairs: Vec<serde_json::Value> = rows
        .iter()
        .zip(&ids)
        .flat_map(|(v, id)| {
            v.labels
                .iter()
                .map(move |l| serde_json::json!({ "c": id, "l": l }))
        })
        .collect();
    if !pairs.is_empty() {
        db::query(format!(
            "insert into customer_label (customer_id, label_id) select r.c, r.l from {}",
            b.json_rows("$1", "r", &[("c", "bigint"), ("l", "bigint")])
        ))
        .bind(serde_json::Value::Array(pairs).to_string())
        .execute(&mut *conn)
        .await?;
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
