//! Server side of the portal: the staff actions on a customer's portal login, customer
//! sessions, the customer's own actions, the sign-in / link form routes and the guard of the
//! customer's server functions. Accounts, links and their mails are the credential engine's
//! (`auth::customer_account`).

use super::{PasswordReset, PortalDetailsInput, PortalFeatures, PortalInfo, PortalMe};
use crate::audit::ssr::{history, record, Actor};
use crate::audit::{AuditAction, Entity, FieldChange};
use crate::auth::customer_account::{
    self, account, account_by_email, cooldown_left, end_sessions, ensure_account, invite_tx,
    password_changed_mail, queue, send_reset_link_tx,
};
use crate::auth::password::{check_password, link_password_problem};
use crate::auth::ssr::{
    client_ip, cookie_header, cookie_token, hash_password, hash_token, new_token, see_other,
    throttle_clear, throttle_key, throttle_record_failure, throttle_retry_after, verify_password,
};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::state::{AppState, AuthSettings};
use axum::extract::{ConnectInfo, Form, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::Response;
use chrono::{DateTime, Duration, Utc};
use http::request::Parts;
use leptos::prelude::use_context;
use serde::Deserialize;
use sqlx::{SqliteConnection, SqlitePool};
use std::net::SocketAddr;

const ENTITY: Entity = Entity::Customer;

// ---------------------------------------------------------------- staff actions

/// The Portal tab's view of a customer.
pub async fn info(pool: &SqlitePool, id: i64) -> Result<PortalInfo, AppError> {
    let mut conn = pool.acquire().await?;
    let row = account(&mut conn, id).await?;
    let now = Utc::now();
    let reset_link_expires_at: Option<DateTime<Utc>> = sqlx::query_scalar(
        "select max(expires_at) from portal_token
         where customer_id = $1 and purpose = 'reset' and expires_at > $2",
    )
    .bind(id)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    let active_sessions: i64 = sqlx::query_scalar(
        "select count(*) from portal_session where customer_id = $1 and expires_at > $2",
    )
    .bind(id)
    .bind(now)
    .fetch_one(&mut *conn)
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
        last_login_at: row.last_login_at,
        last_access_at: row.last_access_at,
        reset_link_expires_at,
        active_sessions,
        features: row.features(),
        history,
    })
}

/// Staff send (or resend) the invitation.
pub async fn invite(st: &AppState, actor: &CurrentUser, id: i64) -> Result<(), AppError> {
    let now = Utc::now();
    let mut tx = st.pool.begin_with("begin immediate").await?;
    let row = account(&mut tx, id).await?;
    if row.disabled_at.is_some() {
        return Err(AppError::Conflict(
            "Portal access is disabled for this customer. Enable it first.".into(),
        ));
    }
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
            let row = account(&mut *st.pool.acquire().await?, id).await?;
            check_password(&password, &row.name(), &row.email)
                .await
                .map_err(|m| AppError::field("password", m))?;
            let hash = hash_password(password).await?;
            let mut tx = st.pool.begin_with("begin immediate").await?;
            let row = account(&mut tx, id).await?;
            ensure_account(&mut tx, id, now).await?;
            sqlx::query(
                "update portal_account set password_hash = $1, password_changed_at = $2
                 where customer_id = $3",
            )
            .bind(hash)
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            // No invitation or reset link still in an inbox may undo this.
            customer_account::revoke(&mut tx, id).await?;
            end_sessions(&mut tx, id, None).await?;
            if notify {
                let mail = password_changed_mail(&row.name(), &st.auth.public_base_url, true);
                queue(&mut tx, &row.email, "password_changed", id, &mail).await?;
            }
            record(
                &mut tx,
                &actor.actor(),
                AuditAction::PortalPasswordReset,
                ENTITY,
                Some(id),
                &[
                    FieldChange::new("password", None, Some("set by staff")),
                    FieldChange::new(
                        "notification",
                        None,
                        Some(if notify { "e-mailed" } else { "not sent" }),
                    ),
                ],
                now,
            )
            .await?;
            tx.commit().await?;
        }
        PasswordReset::EmailLink => {
            let mut tx = st.pool.begin_with("begin immediate").await?;
            let row = account(&mut tx, id).await?;
            if row.disabled_at.is_some() {
                return Err(AppError::Conflict(
                    "Portal access is disabled for this customer. Enable it first.".into(),
                ));
            }
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
    pool: &SqlitePool,
    actor: &CurrentUser,
    id: i64,
    enabled: bool,
) -> Result<(), AppError> {
    let now = Utc::now();
    let mut tx = pool.begin_with("begin immediate").await?;
    let row = account(&mut tx, id).await?;
    if row.disabled_at.is_none() == enabled && row.has_account {
        return Ok(()); // already so
    }
    ensure_account(&mut tx, id, now).await?;
    sqlx::query("update portal_account set disabled_at = $1 where customer_id = $2")
        .bind((!enabled).then_some(now))
        .bind(id)
        .execute(&mut *tx)
        .await?;
    if !enabled {
        end_sessions(&mut tx, id, None).await?;
        customer_account::revoke(&mut tx, id).await?;
    }
    let (action, old, new) = if enabled {
        (AuditAction::PortalEnable, "disabled", "enabled")
    } else {
        (AuditAction::PortalDisable, "enabled", "disabled")
    };
    record(
        &mut tx,
        &actor.actor(),
        action,
        ENTITY,
        Some(id),
        &[FieldChange::new("portal access", Some(old), Some(new))],
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn set_features(
    pool: &SqlitePool,
    actor: &CurrentUser,
    id: i64,
    features: PortalFeatures,
) -> Result<(), AppError> {
    let now = Utc::now();
    let mut tx = pool.begin_with("begin immediate").await?;
    let row = account(&mut tx, id).await?;
    let old = row.features();
    if old == features {
        return Ok(());
    }
    ensure_account(&mut tx, id, now).await?;
    sqlx::query(
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

// ---------------------------------------------------------------- customer sessions

/// The signed-in customer (a request extension set by the session middleware).
#[derive(Clone, Debug)]
pub struct PortalUser {
    pub customer_id: i64,
    pub name: String,
    pub session_hash: String,
}

const PORTAL_COOKIE: &str = "psid";

pub fn session_cookie(token: &str, settings: &AuthSettings) -> String {
    cookie_header(PORTAL_COOKIE, Some(token), settings)
}

pub fn clear_session_cookie(settings: &AuthSettings) -> String {
    cookie_header(PORTAL_COOKIE, None, settings)
}

/// The customer's session token from the request's `Cookie` headers, if any.
pub fn session_token(headers: &HeaderMap, settings: &AuthSettings) -> Option<String> {
    cookie_token(headers, PORTAL_COOKIE, settings)
}

async fn create_session(
    conn: &mut SqliteConnection,
    customer_id: i64,
    settings: &AuthSettings,
    ip: &str,
    user_agent: &str,
    now: DateTime<Utc>,
) -> Result<String, sqlx::Error> {
    let (token, hash) = new_token();
    let expires = now + Duration::from_std(settings.absolute_timeout).unwrap_or_default();
    sqlx::query(
        "insert into portal_session
           (session_hash, customer_id, created_at, last_seen_at, expires_at, ip, user_agent)
         values ($1, $2, $3, $3, $4, $5, $6)",
    )
    .bind(&hash)
    .bind(customer_id)
    .bind(now)
    .bind(expires)
    .bind(ip)
    .bind(user_agent.chars().take(300).collect::<String>())
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "update portal_account set last_login_at = $1, last_access_at = $1 where customer_id = $2",
    )
    .bind(now)
    .bind(customer_id)
    .execute(conn)
    .await?;
    Ok(token)
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    customer_id: i64,
    last_seen_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    first_name: String,
    last_name: String,
    usable: bool,
}

/// Look a customer's session up. Expired sessions, and sessions of disabled or deleted
/// customers, are deleted and give `None`. Activity refreshes `last_seen_at` and the
/// account's last access at most once a minute.
pub async fn resolve_session(
    pool: &SqlitePool,
    token: &str,
    settings: &AuthSettings,
    now: DateTime<Utc>,
) -> Result<Option<PortalUser>, sqlx::Error> {
    let hash = hash_token(token);
    let row = sqlx::query_as::<_, SessionRow>(
        "select s.customer_id, s.last_seen_at, s.expires_at, c.first_name, c.last_name,
                (c.deleted_at is null and pa.disabled_at is null and pa.password_hash is not null) as usable
         from portal_session s
         join customer c on c.customer_id = s.customer_id
         join portal_account pa on pa.customer_id = s.customer_id
         where s.session_hash = $1",
    )
    .bind(&hash)
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let idle = Duration::from_std(settings.idle_timeout).unwrap_or_default();
    if now >= row.expires_at || now - row.last_seen_at >= idle || !row.usable {
        sqlx::query("delete from portal_session where session_hash = $1")
            .bind(&hash)
            .execute(pool)
            .await?;
        return Ok(None);
    }
    if now - row.last_seen_at >= Duration::seconds(60) {
        let mut tx = pool.begin().await?;
        sqlx::query("update portal_session set last_seen_at = $1 where session_hash = $2")
            .bind(now)
            .bind(&hash)
            .execute(&mut *tx)
            .await?;
        sqlx::query("update portal_account set last_access_at = $1 where customer_id = $2")
            .bind(now)
            .bind(row.customer_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
    }
    Ok(Some(PortalUser {
        customer_id: row.customer_id,
        name: format!("{} {}", row.first_name, row.last_name)
            .trim()
            .to_string(),
        session_hash: hash,
    }))
}

/// First line of every customer server function: the permission table must list
/// `endpoint` as a customer endpoint, and the caller must be a signed-in customer.
pub fn customer_guard(endpoint: &str) -> Result<PortalUser, AppError> {
    use crate::auth::permissions::{server_fn_access, Access};
    if server_fn_access(endpoint) != Some(Access::Customer) {
        tracing::error!(endpoint, "not a customer endpoint in the permission table");
        return Err(AppError::Forbidden);
    }
    use_context::<Parts>()
        .and_then(|parts| parts.extensions.get::<PortalUser>().cloned())
        .ok_or(AppError::Unauthorized)
}

/// Remove customer sessions past their absolute expiry (run periodically).
pub async fn purge_expired_sessions(
    pool: &SqlitePool,
    now: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query("delete from portal_session where expires_at < $1")
            .bind(now)
            .execute(pool)
            .await?
            .rows_affected(),
    )
}

// ---------------------------------------------------------------- customer actions

pub async fn me(pool: &SqlitePool, id: i64) -> Result<PortalMe, AppError> {
    let c = crate::customers::ssr::get_live(pool, id).await?;
    let row = account(&mut *pool.acquire().await?, id).await?;
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
    pool: &SqlitePool,
    who: &PortalUser,
    version: i64,
    input: &PortalDetailsInput,
) -> Result<(), AppError> {
    let id = who.customer_id;
    let row = account(&mut *pool.acquire().await?, id).await?;
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
    let pool = &st.pool;
    let row = account(&mut *pool.acquire().await?, id).await?;
    if !row.features().change_password {
        return Err(AppError::Forbidden);
    }
    let key = throttle_key(&format!("portal-password|{id}"), "");
    let now = Utc::now();
    if let Some(secs) = throttle_retry_after(pool, &key, now).await? {
        return Err(AppError::TooManyRequests {
            retry_after_secs: secs,
        });
    }
    throttle_record_failure(pool, &key, now).await?;
    let ok = current.len() <= 1024
        && verify_password(current.to_string(), row.password_hash.clone()).await;
    if !ok {
        let mut conn = pool.acquire().await?;
        record(
            &mut conn,
            &Actor::customer(id, &who.name),
            AuditAction::PortalPasswordChangeFailed,
            ENTITY,
            Some(id),
            &[FieldChange::new(
                "reason",
                None,
                Some("wrong current password"),
            )],
            now,
        )
        .await?;
        return Err(AppError::field(
            "current",
            "This is not your current password.",
        ));
    }
    throttle_clear(pool, &key).await?;
    check_password(new, &row.name(), &row.email)
        .await
        .map_err(|m| AppError::field("new", m))?;
    let hash = hash_password(new.to_string()).await?;
    let mut tx = pool.begin_with("begin immediate").await?;
    sqlx::query(
        "update portal_account set password_hash = $1, password_changed_at = $2 where customer_id = $3",
    )
    .bind(hash)
    .bind(now)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    end_sessions(&mut tx, id, Some(&who.session_hash)).await?;
    // No link in any inbox may undo this.
    customer_account::revoke(&mut tx, id).await?;
    let mail = password_changed_mail(&row.name(), &st.auth.public_base_url, false);
    queue(&mut tx, &row.email, "password_changed", id, &mail).await?;
    record(
        &mut tx,
        &Actor::customer(id, &who.name),
        AuditAction::PortalPasswordChanged,
        ENTITY,
        Some(id),
        &[FieldChange::new(
            "password",
            None,
            Some("changed by the customer"),
        )],
        now,
    )
    .await?;
    tx.commit().await?;
    st.mail_wake.notify_one();
    Ok(())
}

/// The customer a still-usable link token belongs to.
pub async fn token_customer(
    pool: &SqlitePool,
    token: &str,
    purpose: &str,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "select t.customer_id from portal_token t
           join customer c on c.customer_id = t.customer_id
           join portal_account pa on pa.customer_id = t.customer_id
          where t.token_hash = $1 and t.purpose = $2 and t.expires_at > $3
            and c.deleted_at is null and pa.disabled_at is null",
    )
    .bind(hash_token(token))
    .bind(purpose)
    .bind(Utc::now())
    .fetch_optional(pool)
    .await
}

// ---------------------------------------------------------------- routes

fn peer_ip(parts: &Parts, settings: &AuthSettings) -> String {
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    client_ip(&parts.headers, peer, settings)
}

fn user_agent(headers: &HeaderMap) -> &str {
    headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

fn with_cookie(mut res: Response, cookie: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(cookie) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

fn signed_in(state: &AppState, token: &str, to: &str) -> Response {
    with_cookie(see_other(to), &session_cookie(token, &state.auth))
}

fn server_error<E: std::fmt::Display>(to: &str, err: E) -> Response {
    let _ = AppError::internal("portal route", err);
    see_other(&format!("{to}error=server"))
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub password: String,
}

/// `POST /portal/auth/login`.
pub async fn login_handler(
    State(state): State<AppState>,
    parts: Parts,
    Form(form): Form<LoginForm>,
) -> Response {
    match login(&state, &parts, &form).await {
        Ok(res) => res,
        Err(e) => server_error("/portal/login?", e),
    }
}

async fn login(state: &AppState, parts: &Parts, form: &LoginForm) -> Result<Response, AppError> {
    let pool = &state.pool;
    let now = Utc::now();
    let ip = peer_ip(parts, &state.auth);
    // SQLite's lower() folds ASCII only: the lookup compares lower() on both sides of what
    // was typed and what is stored; the Unicode-folded form only keys the throttle.
    let typed = form.email.trim();
    let key = throttle_key(&format!("portal|{}", typed.to_lowercase()), &ip);
    let row = if typed.len() <= 254 {
        account_by_email(&mut *pool.acquire().await?, typed).await?
    } else {
        None
    };
    let failed = |reason: &'static str| {
        let row_id = row.as_ref().map(|r| r.customer_id);
        let ip = ip.clone();
        let typed: String = typed.chars().take(254).collect();
        async move {
            let mut conn = pool.acquire().await?;
            let mut changes = vec![
                FieldChange::new("ip", None, Some(&ip)),
                FieldChange::new("reason", None, Some(reason)),
            ];
            // The typed address only when it names nobody (for a customer it is theirs).
            let entity = if row_id.is_some() {
                ENTITY
            } else {
                changes.push(FieldChange::new("email", None, Some(&typed)));
                Entity::Portal
            };
            record(
                &mut conn,
                &Actor::anonymous(),
                AuditAction::PortalLoginFailed,
                entity,
                row_id,
                &changes,
                now,
            )
            .await?;
            tracing::warn!(%ip, reason, "failed portal login");
            Ok::<(), AppError>(())
        }
    };
    if let Some(secs) = throttle_retry_after(pool, &key, now).await? {
        failed("throttled").await?;
        let mut res = see_other("/portal/login?error=throttled");
        res.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        return Ok(res);
    }
    // Counted before the (slow) check, so parallel guesses cannot all slip past the limit;
    // a success clears it.
    throttle_record_failure(pool, &key, now).await?;
    let password = if form.password.len() > 1024 {
        String::new()
    } else {
        form.password.clone()
    };
    let hash = row.as_ref().and_then(|r| r.password_hash.clone());
    let ok = verify_password(password, hash).await && !form.password.is_empty();
    let Some(account) = row.as_ref().filter(|r| ok && r.disabled_at.is_none()) else {
        let disabled = ok && row.as_ref().is_some_and(|r| r.disabled_at.is_some());
        failed(if disabled {
            "access disabled"
        } else if row.is_some() {
            "wrong password"
        } else {
            "unknown e-mail"
        })
        .await?;
        return Ok(see_other("/portal/login?error=invalid"));
    };
    throttle_clear(pool, &key).await?;
    let mut tx = pool.begin_with("begin immediate").await?;
    if let Some(old) = session_token(&parts.headers, &state.auth) {
        sqlx::query("delete from portal_session where session_hash = $1")
            .bind(hash_token(&old))
            .execute(&mut *tx)
            .await?;
    }
    let token = create_session(
        &mut tx,
        account.customer_id,
        &state.auth,
        &ip,
        user_agent(&parts.headers),
        now,
    )
    .await?;
    record(
        &mut tx,
        &Actor::customer(account.customer_id, &account.name()),
        AuditAction::PortalLogin,
        ENTITY,
        Some(account.customer_id),
        &[FieldChange::new("ip", None, Some(&ip))],
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(signed_in(state, &token, "/portal"))
}

/// `POST /portal/auth/logout`.
pub async fn logout_handler(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(token) = session_token(&headers, &state.auth) {
        if let Err(e) = sqlx::query("delete from portal_session where session_hash = $1")
            .bind(hash_token(&token))
            .execute(&state.pool)
            .await
        {
            return server_error("/portal/login?", e);
        }
    }
    with_cookie(
        see_other("/portal/login?signed_out=1"),
        &clear_session_cookie(&state.auth),
    )
}

#[derive(Deserialize)]
pub struct LinkForm {
    #[serde(default)]
    pub token: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub confirm: String,
}

/// `POST /portal/auth/accept`: the invitation link's form (choose a password).
pub async fn accept_handler(
    State(state): State<AppState>,
    parts: Parts,
    Form(form): Form<LinkForm>,
) -> Response {
    use_link(&state, &parts, &form, "invite", "/portal/accept").await
}

/// `POST /portal/auth/reset`: the reset link's form (choose a new password).
pub async fn reset_handler(
    State(state): State<AppState>,
    parts: Parts,
    Form(form): Form<LinkForm>,
) -> Response {
    use_link(&state, &parts, &form, "reset", "/portal/reset").await
}

async fn use_link(
    state: &AppState,
    parts: &Parts,
    form: &LinkForm,
    purpose: &str,
    page: &str,
) -> Response {
    let back = |error: &str| {
        see_other(&format!(
            "{page}?token={}&error={}",
            urlencoding::encode(&form.token),
            urlencoding::encode(error)
        ))
    };
    if form.token.len() > 128 {
        return see_other(&format!("{page}?error=link"));
    }
    match consume_link(state, parts, form, purpose).await {
        Ok(LinkOutcome::SignedIn(token)) => signed_in(state, &token, "/portal?welcome=1"),
        Ok(LinkOutcome::Dead) => see_other(&format!("{page}?error=link")),
        Ok(LinkOutcome::Refused(code)) => back(code),
        Err(e) => server_error(
            &format!("{page}?token={}&", urlencoding::encode(&form.token)),
            e,
        ),
    }
}

enum LinkOutcome {
    SignedIn(String),
    Dead,
    /// The new password: `mismatch`, `length` or `common` (the page shows the matching
    /// message; no text from the URL).
    Refused(&'static str),
}

async fn consume_link(
    state: &AppState,
    parts: &Parts,
    form: &LinkForm,
    purpose: &str,
) -> Result<LinkOutcome, AppError> {
    let pool = &state.pool;
    let Some(id) = token_customer(pool, &form.token, purpose).await? else {
        return Ok(LinkOutcome::Dead);
    };
    let row = account(&mut *pool.acquire().await?, id).await?;
    if let Some(code) =
        link_password_problem(&form.password, &form.confirm, &row.name(), &row.email).await
    {
        return Ok(LinkOutcome::Refused(code));
    }
    let hash = hash_password(form.password.clone()).await?;
    let now = Utc::now();
    let mut tx = pool.begin_with("begin immediate").await?;
    // Single use: the delete that finds the token is the one that may use it.
    let used: Option<i64> = sqlx::query_scalar(
        "delete from portal_token where token_hash = $1 and purpose = $2 and expires_at > $3
         returning customer_id",
    )
    .bind(hash_token(&form.token))
    .bind(purpose)
    .bind(now)
    .fetch_optional(&mut *tx)
    .await?;
    if used != Some(id) {
        return Ok(LinkOutcome::Dead);
    }
    let row = account(&mut tx, id).await?;
    if row.disabled_at.is_some() {
        return Ok(LinkOutcome::Dead);
    }
    sqlx::query(
        "update portal_account set password_hash = $1, password_changed_at = $2,
            verified_at = coalesce(verified_at, $2), invite_expires_at = null
         where customer_id = $3",
    )
    .bind(hash)
    .bind(now)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    customer_account::revoke(&mut tx, id).await?;
    end_sessions(&mut tx, id, None).await?;
    let name = row.name();
    let (action, what) = if purpose == "invite" {
        (
            AuditAction::PortalVerify,
            "e-mail verified, password chosen",
        )
    } else {
        (
            AuditAction::PortalPasswordResetByLink,
            "new password chosen",
        )
    };
    record(
        &mut tx,
        &Actor::customer(id, &name),
        action,
        ENTITY,
        Some(id),
        &[FieldChange::new("portal", None, Some(what))],
        now,
    )
    .await?;
    let ip = peer_ip(parts, &state.auth);
    let token = create_session(
        &mut tx,
        id,
        &state.auth,
        &ip,
        user_agent(&parts.headers),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(LinkOutcome::SignedIn(token))
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
    let ip = peer_ip(&parts, &state.auth);
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
    let mut tx = pool.begin_with("begin immediate").await?;
    let Some(row) = account_by_email(&mut tx, typed).await? else {
        return Ok(());
    };
    // Only customers who were invited or have a password get a link; none while disabled
    // or within a minute of the last link.
    if row.disabled_at.is_some()
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
        ENTITY,
        Some(row.customer_id),
        &[FieldChange::new("ip", None, Some(ip))],
        now,
    )
    .await?;
    tx.commit().await?;
    state.mail_wake.notify_one();
    Ok(())
}
