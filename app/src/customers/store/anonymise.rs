//! Anonymising a customer's record (#19): the personal fields become placeholders; the id,
//! labels, status, country and dates stay, so the counts and charts stay right. Audited
//! (with the fields it cleared, not their values). `privacy` runs the whole anonymisation.

use super::{as_valid, shown_fields, staff_id, ENTITY};
use crate::audit::ssr::{record, Actor, REDACTED};
use crate::audit::{AuditAction, FieldChange};
use crate::customers::model::Customer;
use crate::db::{self, Conn};
use crate::error::AppError;
use chrono::{DateTime, Utc};

/// The e-mail address an anonymised customer gets (unique; `.invalid` never delivers).
pub fn placeholder_email(id: i64) -> String {
    format!("anonymised-{id}@example.invalid")
}

/// Fields an anonymisation keeps.
const KEPT: [&str; 2] = ["status", "country"];

pub async fn anonymise(
    conn: &mut Conn,
    actor: &Actor,
    c: &Customer,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let id = c.customer_id;
    let last = format!("#{id}");
    let email = placeholder_email(id);
    db::query(
        "update customer
            set first_name = 'Anonymised', middle_name = '', last_name = $2, suffix = '',
                email = $3, gender = 'unspecified', birthday = null, phone = '', phone_e164 = '',
                street = '', city = '', state = '', zip = '',
                contact_name = '', contact_email = '', contact_phone = '',
                version = version + 1, updated_at = $4, updated_by = $5
          where customer_id = $1",
    )
    .bind(id)
    .bind(last.as_str())
    .bind(email.as_str())
    .bind(now)
    .bind(staff_id(actor))
    .execute(&mut *conn)
    .await?;
    let placeholder = |field: &str| match field {
        "first_name" => Some("Anonymised".to_string()),
        "last_name" => Some(last.clone()),
        "email" => Some(email.clone()),
        "gender" => Some("unspecified".to_string()),
        _ => None,
    };
    let changes: Vec<FieldChange> = shown_fields(&as_valid(c))
        .into_iter()
        .filter(|(field, value)| !KEPT.contains(field) && !value.is_empty())
        .map(|(field, _)| FieldChange {
            field: field.to_string(),
            old: Some(REDACTED.to_string()),
            new: placeholder(field),
        })
        .collect();
    record(
        conn,
        actor,
        AuditAction::Anonymise,
        ENTITY,
        Some(id),
        &changes,
        now,
    )
    .await?;
    Ok(())
}
