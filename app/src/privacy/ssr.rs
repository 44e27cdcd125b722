//! The customer's data as a zip (JSON + Excel), its two download routes, and anonymisation
//! in one write transaction.

use super::{DATA_EXPORT_PATH, PORTAL_DATA_PATH};
use crate::audit::ssr::{record, Actor};
use crate::audit::{AuditAction, Entity, HistoryEntry};
use crate::customers::model::Customer;
use crate::customers::store::anonymise::placeholder_email;
use crate::db::{self, Pool};
use crate::error::AppError;
use crate::notes::Note;
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{Query, Request, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::io::Write;

/// A customer's portal account as their export shows it: no password hash, no token.
#[derive(Debug, Serialize, sqlx::FromRow)]
pub struct PortalAccount {
    pub created_at: DateTime<Utc>,
    pub password_set: bool,
    pub invited_at: Option<DateTime<Utc>>,
    pub verified_at: Option<DateTime<Utc>>,
    pub password_changed_at: Option<DateTime<Utc>>,
    pub disabled_at: Option<DateTime<Utc>>,
    pub last_login_at: Option<DateTime<Utc>>,
    pub last_access_at: Option<DateTime<Utc>>,
}

/// An e-mail sent (or to be sent) to the customer; links' tokens are never in it.
#[derive(Debug, Serialize, sqlx::FromRow)]
pub struct Email {
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub recipient: String,
    pub subject: String,
    pub status: String,
    pub body_text: String,
}

/// Everything stored about one customer.
#[derive(Debug, Serialize)]
pub struct CustomerData {
    pub exported_at: DateTime<Utc>,
    pub customer: Customer,
    pub notes: Vec<Note>,
    pub history: Vec<HistoryEntry>,
    pub portal_account: Option<PortalAccount>,
    pub emails: Vec<Email>,
}

pub async fn collect(pool: &Pool, id: i64) -> Result<CustomerData, AppError> {
    let customer = crate::customers::ssr::get(pool, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let portal_account = db::query_as::<PortalAccount>(
        "select created_at, password_hash is not null as password_set, invited_at, verified_at,
                password_changed_at, disabled_at, last_login_at, last_access_at
           from portal_account where customer_id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?;
    let mut emails = db::query_as::<Email>(
        "select created_at, sent_at, recipient, subject, status, body_text from email_outbox
          where customer_id = $1 order by created_at, email_id",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;
    for e in &mut emails {
        e.body_text = crate::mail::ssr::redact_tokens(&e.body_text);
    }
    Ok(CustomerData {
        exported_at: Utc::now(),
        notes: crate::notes::ssr::of_customer(pool, id).await?,
        history: crate::audit::ssr::history(pool, Entity::Customer, id, false).await?,
        customer,
        portal_account,
        emails,
    })
}

/// `(name, value)` rows of the customer's own fields, as the workbook's first sheet lists them.
fn field_rows(d: &CustomerData) -> Vec<(&'static str, String)> {
    let c = &d.customer;
    let t = |t: &Option<DateTime<Utc>>| t.map(|t| t.to_rfc3339()).unwrap_or_default();
    vec![
        ("User ID", c.customer_id.to_string()),
        ("First name", c.first_name.clone()),
        ("Middle name", c.middle_name.clone()),
        ("Last name", c.last_name.clone()),
        ("Suffix", c.suffix.clone()),
        ("Email", c.email.clone()),
        ("Gender", c.gender.label().to_string()),
        (
            "Birthday",
            c.birthday.map(|b| b.to_string()).unwrap_or_default(),
        ),
        ("Contact", c.phone.clone()),
        ("Street", c.street.clone()),
        ("City", c.city.clone()),
        ("State", c.state.clone()),
        ("Zip", c.zip.clone()),
        ("Country", c.country.clone()),
        ("Status", c.status.label().to_string()),
        ("Contact person", c.contact_name.clone()),
        ("Contact email", c.contact_email.clone()),
        ("Contact number", c.contact_phone.clone()),
        (
            "Labels",
            c.labels
                .iter()
                .map(|l| l.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        ),
        ("Created", c.created_at.to_rfc3339()),
        ("Updated", c.updated_at.to_rfc3339()),
        ("Deleted", t(&c.deleted_at)),
    ]
}

/// A worksheet: its name, its column headings, its rows.
type Sheet<'a> = (&'a str, Vec<&'a str>, Vec<Vec<String>>);

/// The workbook: one sheet per part. Every cell is a string cell (never a formula).
fn workbook(d: &CustomerData) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::Workbook;
    let t = |t: &Option<DateTime<Utc>>| t.map(|t| t.to_rfc3339()).unwrap_or_default();
    let mut book = Workbook::new();
    let sheets: Vec<Sheet> = vec![
        (
            "Customer",
            vec!["Field", "Value"],
            field_rows(d)
                .into_iter()
                .map(|(k, v)| vec![k.to_string(), v])
                .collect(),
        ),
        (
            "Notes",
            vec!["Written", "By", "Pinned", "Note"],
            d.notes
                .iter()
                .map(|n| {
                    vec![
                        n.created_at.to_rfc3339(),
                        n.author_name.clone().unwrap_or_default(),
                        if n.pinned { "yes" } else { "" }.to_string(),
                        n.body.clone(),
                    ]
                })
                .collect(),
        ),
        (
            "History",
            vec!["When", "Who", "What", "Field", "Before", "After"],
            d.history
                .iter()
                .flat_map(|h| {
                    let head = [
                        h.at.to_rfc3339(),
                        h.actor_name.clone().unwrap_or_default(),
                        h.action.label().to_string(),
                    ];
                    let mut lines: Vec<Vec<String>> = h
                        .changes
                        .iter()
                        .map(|c| {
                            let mut row = head.to_vec();
                            row.extend([
                                crate::audit::field_label(&c.field).to_string(),
                                c.old.clone().unwrap_or_default(),
                                c.new.clone().unwrap_or_default(),
                            ]);
                            row
                        })
                        .collect();
                    if lines.is_empty() {
                        lines.push(head.to_vec());
                    }
                    lines
                })
                .collect(),
        ),
        (
            "Portal",
            vec!["Field", "Value"],
            d.portal_account
                .iter()
                .flat_map(|p| {
                    [
                        ("Account created", p.created_at.to_rfc3339()),
                        (
                            "Password set",
                            if p.password_set { "yes" } else { "no" }.into(),
                        ),
                        ("Invited", t(&p.invited_at)),
                        ("Verified", t(&p.verified_at)),
                        ("Password changed", t(&p.password_changed_at)),
                        ("Disabled", t(&p.disabled_at)),
                        ("Last sign-in", t(&p.last_login_at)),
                        ("Last access", t(&p.last_access_at)),
                    ]
                })
                .map(|(k, v)| vec![k.to_string(), v])
                .collect(),
        ),
        (
            "E-mails",
            vec!["Created", "Sent", "To", "Subject", "State", "Text"],
            d.emails
                .iter()
                .map(|e| {
                    vec![
                        e.created_at.to_rfc3339(),
                        t(&e.sent_at),
                        e.recipient.clone(),
                        e.subject.clone(),
                        e.status.clone(),
                        e.body_text.clone(),
                    ]
                })
                .collect(),
        ),
    ];
    for (name, heads, rows) in sheets {
        let sheet = book.add_worksheet();
        sheet.set_name(name)?;
        for (col, h) in heads.iter().enumerate() {
            sheet.write_string(0, col as u16, *h)?;
        }
        for (r, row) in rows.iter().enumerate() {
            for (col, v) in row.iter().enumerate() {
                sheet.write_string(r as u32 + 1, col as u16, v)?;
            }
        }
        sheet.autofit();
    }
    book.save_to_buffer()
}

/// The zip: `customer-N.json` and `customer-N.xlsx`.
pub fn zip(d: &CustomerData) -> Result<Vec<u8>, AppError> {
    let fail = |e: &dyn std::fmt::Display| AppError::internal("data export", e);
    let id = d.customer.customer_id;
    let json = serde_json::to_vec_pretty(d).map_err(|e| fail(&e))?;
    let xlsx = workbook(d).map_err(|e| fail(&e))?;
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in [
        (format!("customer-{id}.json"), json),
        (format!("customer-{id}.xlsx"), xlsx),
    ] {
        out.start_file(name, options).map_err(|e| fail(&e))?;
        out.write_all(&bytes).map_err(|e| fail(&e))?;
    }
    Ok(out.finish().map_err(|e| fail(&e))?.into_inner())
}

/// Collect, audit who took it, and zip.
async fn export(pool: &Pool, actor: &Actor, id: i64) -> Result<Vec<u8>, AppError> {
    let data = collect(pool, id).await?;
    let mut conn = pool.acquire().await?;
    record(
        &mut conn,
        actor,
        AuditAction::DataExport,
        Entity::Customer,
        Some(id),
        &[],
        Utc::now(),
    )
    .await?;
    drop(conn);
    tokio::task::spawn_blocking(move || zip(&data))
        .await
        .map_err(|e| AppError::internal("data export", e))?
}

fn download(id: i64, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/zip".to_string()),
            (
                header::CONTENT_DISPOSITION,
                crate::import::rejects::disposition(&format!("customer-{id}-data.zip")),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        Body::from(bytes),
    )
        .into_response()
}

#[derive(Deserialize)]
pub struct Which {
    id: i64,
}

/// `GET /customers/data-export?id=N` (Admin).
pub async fn staff_handler(State(state): State<AppState>, req: Request<Body>) -> Response {
    let user = match crate::auth::ssr::route_staff(&req, "GET", DATA_EXPORT_PATH) {
        Ok(u) => u,
        Err(e) => return e.response(),
    };
    let Ok(Query(which)) = Query::<Which>::try_from_uri(req.uri()) else {
        return AppError::BadRequest.response();
    };
    match export(&state.pool, &user.actor(), which.id).await {
        Ok(bytes) => download(which.id, bytes),
        Err(e) => e.response(),
    }
}

/// `GET /portal/my-data`: the signed-in customer's own.
pub async fn portal_handler(State(state): State<AppState>, req: Request<Body>) -> Response {
    let me = match crate::auth::ssr::route_customer(&req, "GET", PORTAL_DATA_PATH) {
        Ok(u) => u,
        Err(e) => return e.response(),
    };
    let actor = Actor::new(me.customer_id, &me.name, "customer");
    match export(&state.pool, &actor, me.customer_id).await {
        Ok(bytes) => download(me.customer_id, bytes),
        Err(e) => e.response(),
    }
}

/// Anonymise customer `id` (live or in the Trash), confirmed by its name as shown.
pub async fn anonymise(pool: &Pool, actor: &Actor, id: i64, confirm: &str) -> Result<(), AppError> {
    let now = Utc::now();
    let mut tx = db::begin_write(pool).await?;
    let c: Customer = db::query_as::<Customer>(format!(
        "{} where c.customer_id = $1",
        crate::customers::ssr::select(tx.backend())
    ))
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound)?;
    if c.email == placeholder_email(id) {
        return Err(AppError::Conflict(
            "This customer is anonymised already.".into(),
        ));
    }
    let squash = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    if squash(confirm) != squash(&c.full_name()) {
        return Err(AppError::field(
            "confirm",
            "Type the customer's name exactly as shown to confirm.",
        ));
    }
    anonymise_in(&mut tx, actor, &c, now).await?;
    // The duplicates merged into them (in the Trash) are the same person.
    let merged: Vec<Customer> = db::query_as::<Customer>(format!(
        "{} where c.merged_into = $1",
        crate::customers::ssr::select(tx.backend())
    ))
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    for other in merged
        .iter()
        .filter(|o| o.email != placeholder_email(o.customer_id))
    {
        anonymise_in(&mut tx, actor, other, now).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Every owner's part of anonymising `c`, inside the caller's write transaction.
async fn anonymise_in(
    conn: &mut db::Conn,
    actor: &Actor,
    c: &Customer,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let id = c.customer_id;
    crate::audit::ssr::redact_customer(conn, actor, id, now).await?;
    crate::customers::store::anonymise::anonymise(conn, actor, c, now).await?;
    crate::notes::ssr::redact_all(conn, id).await?;
    crate::mail::ssr::redact_customer(conn, id, &c.email, &placeholder_email(id)).await?;
    crate::auth::customer_account::end_access(conn, id, now).await?;
    crate::import::store::forget_customer(conn, id, &c.email).await?;
    crate::duplicates::ssr::forget(conn, id).await?;
    Ok(())
}
