//! The customer side of merging two duplicates (`duplicates` runs the whole merge): the
//! survivor takes the chosen values and the other's labels, the other goes to the Trash
//! pointing at it — and the way back for Undo. Each step is audited on its record.

use super::{as_valid, changes_from, update_in, ENTITY};
use crate::audit::ssr::{record, Actor};
use crate::audit::{AuditAction, FieldChange};
use crate::customers::model::Customer;
pub use crate::customers::model::MERGE_FIELDS;
use crate::customers::validate::ValidCustomer;
use crate::db::{self, Conn};
use crate::error::AppError;
use chrono::{DateTime, Utc};

/// The survivor's record after the merge: its own values, except the `from_other` fields,
/// which are the other's; the labels of both.
pub fn merged(survivor: &Customer, other: &Customer, from_other: &[String]) -> ValidCustomer {
    let mut v = as_valid(survivor);
    let o = as_valid(other);
    for field in from_other {
        match field.as_str() {
            "first_name" => v.first_name = o.first_name.clone(),
            "middle_name" => v.middle_name = o.middle_name.clone(),
            "last_name" => v.last_name = o.last_name.clone(),
            "suffix" => v.suffix = o.suffix.clone(),
            "email" => v.email = o.email.clone(),
            "gender" => v.gender = o.gender,
            "birthday" => v.birthday = o.birthday,
            "phone" => {
                v.phone = o.phone.clone();
                v.phone_e164 = o.phone_e164.clone();
            }
            "street" => v.street = o.street.clone(),
            "city" => v.city = o.city.clone(),
            "state" => v.state = o.state.clone(),
            "zip" => v.zip = o.zip.clone(),
            "country" => v.country = o.country.clone(),
            "status" => v.status = o.status,
            "contact_name" => v.contact_name = o.contact_name.clone(),
            "contact_email" => v.contact_email = o.contact_email.clone(),
            "contact_phone" => v.contact_phone = o.contact_phone.clone(),
            _ => {}
        }
    }
    for label in o.labels {
        if !v.labels.contains(&label) {
            v.labels.push(label);
        }
    }
    v
}

/// Write the merged record over the survivor (read in this transaction, at its version),
/// audited as a merge that names the other. Returns the survivor's new version.
pub async fn merge_into(
    conn: &mut Conn,
    actor: &Actor,
    survivor: &Customer,
    other: &Customer,
    v: &ValidCustomer,
    now: DateTime<Utc>,
) -> Result<i64, AppError> {
    let from = FieldChange {
        field: "merged_from".into(),
        old: None,
        // Ids only: a name here would outlive an anonymisation of the other record.
        new: Some(format!("#{}", other.customer_id)),
    };
    write(conn, actor, AuditAction::Merge, survivor, v, from, now).await
}

/// Undo a merge on the survivor: its fields and labels as `before` holds them.
pub async fn unmerge(
    conn: &mut Conn,
    actor: &Actor,
    survivor: &Customer,
    before: &Customer,
    other_id: i64,
    now: DateTime<Utc>,
) -> Result<i64, AppError> {
    let note = FieldChange {
        field: "merged_from".into(),
        old: Some(format!("#{other_id}")),
        new: None,
    };
    write(
        conn,
        actor,
        AuditAction::Unmerge,
        survivor,
        &as_valid(before),
        note,
        now,
    )
    .await
}

/// `update_in` with one more line in the audit event (which is written even when no field
/// changed). Returns the new version.
async fn write(
    conn: &mut Conn,
    actor: &Actor,
    action: AuditAction,
    old: &Customer,
    v: &ValidCustomer,
    note: FieldChange,
    now: DateTime<Utc>,
) -> Result<i64, AppError> {
    if changes_from(old, v) {
        // Audited there as `action` with the field changes; the note follows as its own line.
        update_in(conn, actor, action, old, v, now).await?;
    }
    record(
        conn,
        actor,
        action,
        ENTITY,
        Some(old.customer_id),
        &[note],
        now,
    )
    .await?;
    Ok(
        db::query_scalar("select version from customer where customer_id = $1")
            .bind(old.customer_id)
            .fetch_one(&mut *conn)
            .await?,
    )
}

/// The other customer of a merge goes to the Trash, pointing at the survivor.
pub async fn retire(
    conn: &mut Conn,
    actor: &Actor,
    other: &Customer,
    survivor: &Customer,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let done = db::query(
        "update customer set deleted_at = $1, deleted_by = $2, merged_into = $3,
                version = version + 1
          where customer_id = $4 and version = $5 and deleted_at is null",
    )
    .bind(now)
    .bind(super::staff_id(actor))
    .bind(survivor.customer_id)
    .bind(other.customer_id)
    .bind(other.version)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() != 1 {
        return Err(AppError::Conflict(String::new()));
    }
    let into = FieldChange {
        field: "merged_into".into(),
        old: None,
        new: Some(format!("#{}", survivor.customer_id)),
    };
    record(
        conn,
        actor,
        AuditAction::MergedInto,
        ENTITY,
        Some(other.customer_id),
        &[into],
        now,
    )
    .await?;
    Ok(())
}

/// Undo [`retire`]: the other customer is live again (refused with a Conflict if its e-mail
/// is taken meanwhile, or it is no longer the merged one as it was: restored, purged, or
/// changed in the Trash — anonymised).
pub async fn unretire(
    conn: &mut Conn,
    actor: &Actor,
    other_id: i64,
    survivor_id: i64,
    version: i64,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let done = db::query(
        "update customer set deleted_at = null, deleted_by = null, merged_into = null,
                version = version + 1
          where customer_id = $1 and merged_into = $2 and deleted_at is not null and version = $3
            and not exists (select 1 from customer o
                             where lower(o.email) = lower(customer.email) and o.deleted_at is null)",
    )
    .bind(other_id)
    .bind(survivor_id)
    .bind(version)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() != 1 {
        return Err(AppError::Conflict(
            "The merged customer cannot come back: it was restored, purged or changed since, or its e-mail is used by another customer now."
                .into(),
        ));
    }
    let back = FieldChange {
        field: "merged_into".into(),
        old: Some(format!("#{survivor_id}")),
        new: None,
    };
    record(
        conn,
        actor,
        AuditAction::Unmerge,
        ENTITY,
        Some(other_id),
        &[back],
        now,
    )
    .await?;
    Ok(())
}
