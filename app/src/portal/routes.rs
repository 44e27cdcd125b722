//! The portal's form routes: sign in, sign out, the two link forms (accept an invitation,
//! choose a new password) and forgot-password. Plain form posts, so they work before the
//! wasm has loaded; the credential work is the engine's (`auth::credentials`).

use crate::audit::ssr::{record, Actor};
use crate::audit::{AuditAction, Entity, FieldChange};
use crate::auth::credentials::{self, SignIn};
use crate::auth::customer_account::{account_by_email, cooldown_left, send_reset_link_tx};
use crate::auth::principal::Principal::Customer;
use crate::auth::sessions;
use crate::auth::ssr::{
    client, link_form, request_ip, see_other, sign_out, throttle_key, throttle_record_failure,
    throttle_retry_after, with_cookie, LinkForm, LoginForm,
};
use crate::db;
use crate::error::AppError;
use crate::state::AppState;
use axum::extract::{Form, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::Response;
use chrono::Utc;
use http::request::Parts;
use serde::Deserialize;

fn signed_in(state: &AppState, token: &str, to: &str) -> Response {
    with_cookie(
        see_other(to),
        &sessions::set_cookie(Customer, token, &state.auth),
    )
}

fn server_error<E: std::fmt::Display>(to: &str, err: E) -> Response {
    let _ = AppError::internal("portal route", err);
    see_other(&format!("{to}error=server"))
}

/// `POST /portal/auth/login`.
pub async fn login_handler(
    State(state): State<AppState>,
    parts: Parts,
    Form(form): Form<LoginForm>,
) -> Response {
    let ip = request_ip(&parts, &state.auth);
    let client = client(Customer, &parts, &state.auth, &ip);
    // Too many sign-in requests from this IP: turned away before anything else runs.
    let outcome = match state.sign_in_rate.check(&ip) {
        Err(secs) => Ok(SignIn::Throttled(secs)),
        Ok(()) => {
            credentials::sign_in(
                &state.pool,
                &state.auth,
                Customer,
                &form.email,
                &form.password,
                &client,
                &state.argon2,
            )
            .await
        }
    };
    match outcome {
        Ok(SignIn::SignedIn { token, .. }) => signed_in(&state, &token, "/portal"),
        Ok(SignIn::Invalid) => see_other("/portal/login?error=invalid"),
        Ok(SignIn::Inactive) => see_other("/portal/login?error=inactive"),
        Ok(SignIn::Throttled(secs)) => {
            let mut res = see_other("/portal/login?error=throttled");
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            res
        }
        Err(e) => server_error("/portal/login?", e),
    }
}

/// `POST /portal/auth/logout`.
pub async fn logout_handler(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Err(e) = sign_out(&state, Customer, &headers).await {
        return server_error("/portal/login?", e);
    }
    with_cookie(
        see_other("/portal/login?signed_out=1"),
        &sessions::clear_cookie(Customer, &state.auth),
    )
}

/// `POST /portal/auth/accept`: the invitation link's form (choose a password).
pub async fn accept_handler(
    State(state): State<AppState>,
    parts: Parts,
    Form(form): Form<LinkForm>,
) -> Response {
    let link = (Customer, "invite");
    link_form(
        &state,
        &parts,
        link,
        &form,
        "/portal/accept",
        "/portal?welcome=1",
    )
    .await
}

/// `POST /portal/auth/reset`: the reset link's form (choose a new password).
pub async fn reset_handler(
    State(state): State<AppState>,
    parts: Parts,
    Form(form): Form<LinkForm>,
) -> Response {
    let link = (Customer, "reset");
    link_form(
        &state,
        &parts,
        link,
        &form,
        "/portal/reset",
        "/portal?welcome=1",
    )
    .await
}

#[derive(Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    pub email: String,
}

/// `POST /portal/auth/forgot`: answers the same whether or not the address has an account.
pub async fn forgot_handler(
    State(state): State<AppState>,
    parts: Parts,
    Form(form): Form<ForgotForm>,
) -> Response {
    // The answer goes out at once and is the same for every address; the lookup and the
    // mail happen afterwards, so the response time says nothing about the address either.
    let ip = request_ip(&parts, &state.auth);
    tokio::spawn(async move {
        if let Err(e) = forgot(&state, &form.email, &ip).await {
            let _ = AppError::internal("forgot password", e);
        }
    });
    see_other("/portal/forgot?sent=1")
}

async fn forgot(state: &AppState, email: &str, ip: &str) -> Result<(), AppError> {
    let pool = &state.pool;
    let now = Utc::now();
    let typed = email.trim();
    if typed.is_empty() || typed.len() > 254 {
        return Ok(());
    }
    // Every request counts: a few per address and IP, then quiet for a while.
    let key = throttle_key(&format!("forgot|{}", typed.to_lowercase()), ip);
    if throttle_retry_after(pool, &key, now).await?.is_some() {
        return Ok(());
    }
    throttle_record_failure(pool, &key, now).await?;
    let mut tx = db::begin_write(pool).await?;
    let Some(row) = account_by_email(&mut tx, typed).await? else {
        return Ok(());
    };
    // Only customers who were invited or have a password get a link; none while disabled
    // or Inactive, or within a minute of the last link.
    if row.disabled_at.is_some()
        || row.inactive
        || (row.password_hash.is_none() && row.invited_at.is_none())
        || cooldown_left(row.last_link_sent_at, now).is_some()
    {
        return Ok(());
    }
    send_reset_link_tx(&mut tx, &state.auth.public_base_url, &row, now).await?;
    record(
        &mut tx,
        &Actor::anonymous(),
        AuditAction::PortalResetRequested,
        Entity::Customer,
        Some(row.customer_id),
        &[FieldChange::new("ip", None, Some(ip))],
        now,
    )
    .await?;
    tx.commit().await?;
    state.mail_wake.notify_one();
    Ok(())
}
