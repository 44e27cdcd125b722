//! Server side of the portal: the staff actions on a customer's portal login (Portal tab,
//! invitation, reset, access, features) and the customer's own actions. Accounts, links,
//! sessions and the credential transactions are the engine's (`auth::…`); the form routes
//! are in `routes`.

use super::{PasswordReset, PortalDetailsInput, PortalFeatures, PortalInfo, PortalMe};
use crate::audit::ssr::{history, record, Actor};
use crate::audit::{AuditAction, Entity, FieldChange};
use crate::auth::credentials::{self, Me};
use crate::auth::customer_account::{
    account, cooldown_left, ensure_account, invite_tx, send_reset_link_tx, AccountRow,
};
use crate::auth::principal::Principal::Customer;
use crate::auth::sessions::PortalUser;
use crate::auth::CurrentUser;
use crate::db;
use crate::error::AppError;
use crate::state::AppState;
use chrono::{DateTime, Utc};

const ENTITY: Entity = Entity::Customer;

// ---------------------------------------------------------------- staff actions

/// The Portal tab's view of a customer.
pub async fn info(pool: &db::Pool, id: i64) -> Result<PortalInfo, AppError> {
    let mut conn = pool.acquire().await?;
    let row = account(&mut conn, id).await?;
    let now = Utc::now();
    let reset_link_expires_at: Option<DateTime<Utc>> = db::query_scalar(
        "select max(expires_at) from portal_token
         where customer_id = $1 and purpose = 'reset' and expires_at > $2",
    )
    .bind(id)
    .bind(now)
    .fetch_one(&mut conn)
    .await?;
    let active_sessions: i64 = db::query_scalar(
        "select count(*) from portal_session where customer_id = $1 and expires_at > $2",
    )
    .bind(id)
    .bind(now)
    .fetch_one(&mut conn)
    .await?;
    drop(conn);
    let history = history(pool, ENTITY, id, true).await?;
    Ok(PortalInfo {
        customer_id: id,
        login_email: row.email.clone(),
        state: row.state(),
        invited_at: row.invited_at,
        invite_expires_at: row.invite_expires_at,
        invite_expired: row.verified_at.is_none()
            && row.password_hash.is_none()
            && row.invite_expires_at.is_some_and(|t| t <= now),
        verified_at: row.verified_at,
        password_set: row.password_hash.is_some(),
        password_changed_at: row.password_changed_at,
        disabled_at: row.disabled_at,
        customer_inactive: row.inactive,
        last_login_at: row.last_login_at,
        last_access_at: row.last_access_at,
        reset_link_expires_at,
        active_sessions,
        features: row.features(),
        history,
    })
}

/// No links for a customer whose portal is closed: access disabled, or set Inactive.
fn refuse_closed(row: &AccountRow) -> Result<(), AppError> {
    if row.disabled_at.is_some() {
        return Err(AppError::Conflict(
            "Portal access is disabled for this customer. Enable it first.".into(),
        ));
    }
    if row.inactive {
        return Err(AppError::Conflict(
            "This customer is Inactive, so the portal is closed to them. Set them Active first."
                .into(),
        ));
    }
    Ok(())
}

/// Staff send (or resend) the invitation.
pub async fn invite(st: &AppState, actor: &CurrentUser, id: i64) -> Result<(), AppError> {
    let now = Utc::now();
    let mut tx = db::begin_write(&st.pool).await?;
    let row = account(&mut tx, id).await?;
    refuse_closed(&row)?;
    if row.verified_at.is_some() {
        return Err(AppError::Conflict(
            "This customer has already verified their e-mail address.".into(),
        ));
    }
    if row.password_hash.is_some() {
        return Err(AppError::Conflict(
            "This customer already has a portal password. Use Reset password instead.".into(),
        ));
    }
    if let Some(secs) = cooldown_left(row.last_link_sent_at, now) {
        return Err(AppError::TooManyRequests {
            retry_after_secs: secs,
        });
    }
    invite_tx(&mut tx, &st.auth.public_base_url, &actor.actor(), &row, now).await?;
    tx.commit().await?;
    st.mail_wake.notify_one();
    Ok(())
}

pub async fn staff_reset(
    st: &AppState,
    actor: &CurrentUser,
    id: i64,
    reset: PasswordReset,
) -> Result<(), AppError> {
    let now = Utc::now();
    match reset {
        PasswordReset::Set { password, notify } => {
            let base = &st.auth.public_base_url;
            let by = actor.actor();
            let password = password.as_str();
            credentials::set_password(&st.pool, Customer, &by, id, password, notify, base).await?;
        }
        PasswordReset::EmailLink => {
            let mut tx = db::begin_write(&st.pool).await?;
            let row = account(&mut tx, id).await?;
            refuse_closed(&row)?;
            if let Some(secs) = cooldown_left(row.last_link_sent_at, now) {
                return Err(AppError::TooManyRequests {
                    retry_after_secs: secs,
                });
            }
            send_reset_link_tx(&mut tx, &st.auth.public_base_url, &row, now).await?;
            record(
                &mut tx,
                &actor.actor(),
                AuditAction::PortalResetLink,
                ENTITY,
                Some(id),
                &[FieldChange::new("reset link", None, Some(&row.email))],
                now,
            )
            .await?;
            tx.commit().await?;
        }
    }
    st.mail_wake.notify_one();
    Ok(())
}

pub async fn set_access(
    pool: &db::Pool,
    actor: &CurrentUser,
    id: i64,
    enabled: bool,
) -> Result<(), AppError> {
    let now = Utc::now();
    let mut tx = db::begin_write(pool).await?;
    let row = account(&mut tx, id).await?;
    if row.disabled_at.is_none() == enabled && row.has_account {
        return Ok(()); // already so
    }
    credentials::switch_access(&mut tx, Customer, &actor.actor(), id, enabled, now).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn set_features(
    pool: &db::Pool,
    actor: &CurrentUser,
    id: i64,
    features: PortalFeatures,
) -> Result<(), AppError> {
    let now = Utc::now();
    let mut tx = db::begin_write(pool).await?;
    let row = account(&mut tx, id).await?;
    let old = row.features();
    if old == features {
        return Ok(());
    }
    ensure_account(&mut tx, id, now).await?;
    db::query(
        "update portal_account set can_edit_details = $1, can_change_password = $2
         where customer_id = $3",
    )
    .bind(features.edit_details)
    .bind(features.change_password)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    let on_off = |b: bool| if b { "on" } else { "off" };
    let mut changes = Vec::new();
    if old.edit_details != features.edit_details {
        changes.push(FieldChange::new(
            "edit own contact details",
            Some(on_off(old.edit_details)),
            Some(on_off(features.edit_details)),
        ));
    }
    if old.change_password != features.change_password {
        changes.push(FieldChange::new(
            "change own password",
            Some(on_off(old.change_password)),
            Some(on_off(features.change_password)),
        ));
    }
    record(
        &mut tx,
        &actor.actor(),
        AuditAction::PortalFeatures,
        ENTITY,
        Some(id),
        &changes,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

// ---------------------------------------------------------------- customer actions

pub async fn me(pool: &db::Pool, id: i64) -> Result<PortalMe, AppError> {
    let c = crate::customers::ssr::get_live(pool, id).await?;
    let row = account(&mut pool.acquire().await?, id).await?;
    Ok(PortalMe {
        customer_id: c.customer_id,
        name: c.full_name(),
        email: c.email,
        phone: c.phone,
        street: c.street,
        city: c.city,
        state: c.state,
        zip: c.zip,
        country: c.country,
        version: c.version,
        features: row.features(),
    })
}

pub async fn update_details(
    pool: &db::Pool,
    who: &PortalUser,
    version: i64,
    input: &PortalDetailsInput,
) -> Result<(), AppError> {
    let id = who.customer_id;
    let row = account(&mut pool.acquire().await?, id).await?;
    if !row.features().edit_details {
        return Err(AppError::Forbidden);
    }
    let current = crate::customers::ssr::get_live(pool, id).await?;
    let mut edited = current.to_input();
    edited.phone = input.phone.clone();
    edited.street = input.street.clone();
    edited.city = input.city.clone();
    edited.state = input.state.clone();
    edited.zip = input.zip.clone();
    edited.country = input.country.clone();
    let valid = crate::customers::validate::validate_customer(&edited, Utc::now().date_naive())
        .map_err(|errors| {
            // Only the fields the customer can see and change.
            let mine = ["phone", "street", "city", "state", "zip", "country"];
            let errors: crate::error::FieldErrors = errors
                .into_iter()
                .filter(|(k, _)| mine.contains(&k.as_str()))
                .collect();
            if errors.is_empty() {
                AppError::Conflict(
                    "Your record cannot be saved from the portal right now. Please contact us."
                        .into(),
                )
            } else {
                AppError::Validation(errors)
            }
        })?;
    // The customer store writes it, as it writes every change to a customer.
    crate::customers::store::update(
        pool,
        &Actor::customer(id, &who.name),
        AuditAction::PortalUpdate,
        id,
        version,
        &valid,
    )
    .await
    .map_err(|e| match e {
        AppError::Conflict(_) => AppError::Conflict(
            "Your details were changed in the meantime. Reload the page to see them, then edit again."
                .into(),
        ),
        other => other,
    })?;
    Ok(())
}

pub async fn change_password(
    st: &AppState,
    who: &PortalUser,
    current: &str,
    new: &str,
) -> Result<(), AppError> {
    let id = who.customer_id;
    let row = account(&mut st.pool.acquire().await?, id).await?;
    if !row.features().change_password {
        return Err(AppError::Forbidden);
    }
    let me = Me {
        id,
        name: &row.name(),
        email: &row.email,
        actor: Actor::customer(id, &who.name),
        session_hash: &who.session_hash,
    };
    let base = Some(st.auth.public_base_url.as_str());
    credentials::change_own_password(&st.pool, Customer, &me, current, new, base).await?;
    st.mail_wake.notify_one();
    Ok(())
}
