//! Server side of authentication: password hashing, tokens, throttling, the guards every
//! server function calls first, and the staff sign-in / sign-out routes. Sessions, links
//! and the credential transactions are the engine's (`sessions`, `links`, `credentials`),
//! written once for staff and customers.

use super::credentials::{self, Client, SignIn};
use super::principal::Principal;
use super::sessions;
use super::{safe_next, Capability, CurrentUser};
use crate::audit::ssr::Actor;
use crate::error::AppError;
use crate::state::{AppState, AuthSettings};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use axum::extract::{ConnectInfo, Form, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use http::request::Parts;
use leptos::prelude::use_context;
use rand::RngCore;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use sqlx::SqlitePool;
use std::net::SocketAddr;
use std::sync::OnceLock;

impl CurrentUser {
    /// The signed-in staff member as the audit log records them.
    pub fn actor(&self) -> Actor {
        Actor::new(self.id, &self.name, self.role.as_str())
    }
}

// ---------------------------------------------------------------- passwords

/// argon2id with the OWASP-recommended minimum: m = 19 MiB, t = 2, p = 1.
fn argon2() -> Argon2<'static> {
    let params = Params::new(19_456, 2, 1, None).expect("valid argon2 params");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hash a password on a blocking thread (argon2 takes ~tens of ms of CPU by design).
pub async fn hash_password(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || hash_password_blocking(&password))
        .await
        .map_err(|e| AppError::internal("hash task", e))?
}

pub fn hash_password_blocking(password: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::internal("argon2 hash", e))
}

/// Verify on a blocking thread. With `hash = None` (unknown user) a dummy hash is checked
/// instead so that both failures take the same time.
pub async fn verify_password(password: String, hash: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || {
        let hash = hash.unwrap_or_else(|| dummy_hash().to_string());
        verify_password_blocking(&password, &hash)
    })
    .await
    .unwrap_or(false)
}

pub fn verify_password_blocking(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => argon2()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        hash_password_blocking("not-a-real-password-but-the-same-cost").expect("hash dummy")
    })
}

// ---------------------------------------------------------------- tokens

/// A fresh random token (256 bits, URL-safe hex) and the SHA-256 that is stored instead.
pub fn new_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    let hash = hash_token(&token);
    (token, hash)
}

pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

// ---------------------------------------------------------------- staff store

/// A staff row with its password hash. Deliberately not `Serialize`.
#[derive(sqlx::FromRow)]
pub struct StaffCredentials {
    pub staff_user_id: i64,
    pub email: String,
    pub name: String,
    pub role: String,
    pub password_hash: String,
    pub active: bool,
}

pub async fn find_staff_by_email(
    pool: &SqlitePool,
    email: &str,
) -> Result<Option<StaffCredentials>, sqlx::Error> {
    sqlx::query_as::<_, StaffCredentials>(
        "select staff_user_id, email, name, role, password_hash, active
         from staff_user where lower(email) = lower($1)",
    )
    .bind(email.trim())
    .fetch_optional(pool)
    .await
}

pub async fn count_admins(pool: &SqlitePool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("select count(*) from staff_user where role = 'admin'")
        .fetch_one(pool)
        .await
}

// ---------------------------------------------------------------- sessions

pub use super::sessions::{cookie_header, cookie_token, named_cookie, PortalUser, SessionUser};

// ---------------------------------------------------------------- the guard

/// The signed-in user of the current request (set by the session middleware).
pub fn current_user() -> Option<CurrentUser> {
    use_context::<Parts>()
        .and_then(|parts| parts.extensions.get::<SessionUser>().cloned())
        .map(|s| s.user)
}

/// First line of every server function: who is calling, and may they?
pub fn require(capability: Capability) -> Result<CurrentUser, AppError> {
    let user = current_user().ok_or(AppError::Unauthorized)?;
    if capability.allows(user.role) {
        Ok(user)
    } else {
        Err(AppError::Forbidden)
    }
}

/// First line of every staff server function: the caller must be signed-in staff whose role
/// the permission table allows for `endpoint`. An endpoint the table does not list as a
/// staff endpoint is refused for everyone.
pub fn staff_guard(endpoint: &str) -> Result<CurrentUser, AppError> {
    match super::permissions::server_fn_access(endpoint) {
        Some(super::permissions::Access::Staff(capability)) => require(capability),
        other => {
            tracing::error!(
                endpoint,
                ?other,
                "not a staff endpoint in the permission table"
            );
            Err(AppError::Forbidden)
        }
    }
}

/// First line of every customer server function: the permission table must list
/// `endpoint` as a customer endpoint, and the caller must be a signed-in customer.
pub fn customer_guard(endpoint: &str) -> Result<PortalUser, AppError> {
    use super::permissions::{server_fn_access, Access};
    if server_fn_access(endpoint) != Some(Access::Customer) {
        tracing::error!(endpoint, "not a customer endpoint in the permission table");
        return Err(AppError::Forbidden);
    }
    use_context::<Parts>()
        .and_then(|parts| parts.extensions.get::<PortalUser>().cloned())
        .ok_or(AppError::Unauthorized)
}

/// First line of a server function anyone may call: checks the table says so.
pub fn public_guard(endpoint: &str) -> Result<(), AppError> {
    match super::permissions::server_fn_access(endpoint) {
        Some(super::permissions::Access::Anyone) => Ok(()),
        other => {
            tracing::error!(
                endpoint,
                ?other,
                "not a public endpoint in the permission table"
            );
            Err(AppError::Forbidden)
        }
    }
}

// ---------------------------------------------------------------- throttling

/// Failures allowed per (account, IP) inside [`THROTTLE_WINDOW_SECS`] before blocking.
pub const THROTTLE_FREE_FAILURES: i64 = 5;
const THROTTLE_WINDOW_SECS: i64 = 15 * 60;
const THROTTLE_MAX_BLOCK_SECS: i64 = 15 * 60;

/// Seconds the caller must still wait for this key, if blocked.
pub async fn throttle_retry_after(
    pool: &SqlitePool,
    key: &str,
    now: DateTime<Utc>,
) -> Result<Option<u64>, sqlx::Error> {
    let blocked: Option<Option<DateTime<Utc>>> =
        sqlx::query_scalar("select blocked_until from login_throttle where throttle_key = $1")
            .bind(key)
            .fetch_optional(pool)
            .await?;
    Ok(blocked
        .flatten()
        .filter(|until| *until > now)
        .map(|until| (until - now).num_seconds().max(1) as u64))
}

/// Block time after `failures` failures: none for the first five, then 1, 2, 4 … minutes up
/// to 15.
pub fn block_secs(failures: i64) -> i64 {
    if failures < THROTTLE_FREE_FAILURES {
        0
    } else {
        let doublings = (failures - THROTTLE_FREE_FAILURES).min(10) as u32;
        (60i64 << doublings).min(THROTTLE_MAX_BLOCK_SECS)
    }
}

/// Count one failure (or attempt) for `key`. Single statements, no read-then-write
/// transaction: concurrent attempts each count, and none fails on a busy snapshot.
pub async fn throttle_record_failure(
    pool: &SqlitePool,
    key: &str,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let window_start = now - chrono::Duration::seconds(THROTTLE_WINDOW_SECS);
    let failures: i64 = sqlx::query_scalar(
        "insert into login_throttle (throttle_key, failures, window_started_at, blocked_until)
         values ($1, 1, $2, null)
         on conflict (throttle_key) do update
           set failures = case when window_started_at > $3 then failures + 1 else 1 end,
               window_started_at = case when window_started_at > $3 then window_started_at else $2 end
         returning failures",
    )
    .bind(key)
    .bind(now)
    .bind(window_start)
    .fetch_one(pool)
    .await?;
    let block = block_secs(failures);
    if block > 0 {
        sqlx::query("update login_throttle set blocked_until = $1 where throttle_key = $2")
            .bind(now + chrono::Duration::seconds(block))
            .bind(key)
            .execute(pool)
            .await?;
    }
    Ok(())
}

/// A fixed-window rate limit: counts this event for `key` and answers `Some(seconds)` to
/// wait when it is more than `max` in the current `window_secs` (then it is not allowed).
pub async fn rate_limit(
    pool: &SqlitePool,
    key: &str,
    max: i64,
    window_secs: i64,
    now: DateTime<Utc>,
) -> Result<Option<u64>, sqlx::Error> {
    let window_start = now - chrono::Duration::seconds(window_secs);
    let (count, started): (i64, DateTime<Utc>) = sqlx::query_as(
        "insert into login_throttle (throttle_key, failures, window_started_at, blocked_until)
         values ($1, 1, $2, null)
         on conflict (throttle_key) do update
           set failures = case when window_started_at > $3 then failures + 1 else 1 end,
               window_started_at = case when window_started_at > $3 then window_started_at else $2 end
         returning failures, window_started_at",
    )
    .bind(hash_token(&format!("rate|{key}")))
    .bind(now)
    .bind(window_start)
    .fetch_one(pool)
    .await?;
    if count <= max {
        return Ok(None);
    }
    let reopens = started + chrono::Duration::seconds(window_secs);
    Ok(Some((reopens - now).num_seconds().max(1) as u64))
}

pub async fn throttle_clear(pool: &SqlitePool, key: &str) -> Result<(), sqlx::Error> {
    sqlx::query("delete from login_throttle where throttle_key = $1")
        .bind(key)
        .execute(pool)
        .await?;
    Ok(())
}

pub fn throttle_key(email: &str, ip: &str) -> String {
    hash_token(&format!("{}|{ip}", email.trim().to_lowercase()))
}

// ---------------------------------------------------------------- routes

/// The client's IP: the socket peer, or the first `X-Forwarded-For` hop when configured.
pub fn client_ip(headers: &HeaderMap, peer: Option<SocketAddr>, settings: &AuthSettings) -> String {
    if settings.trust_forwarded_for {
        if let Some(first) = headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
        {
            return first.trim().to_string();
        }
    }
    peer.map(|p| p.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub password: String,
    pub next: Option<String>,
}

enum LoginOutcome {
    SignedIn { token: String, next: String },
    Invalid,
    Throttled(u64),
}

fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"))
}

/// The `next` parameter of a raw query string, limited to local paths.
pub fn safe_next_from_query(query: &str) -> String {
    let next = query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == "next")
        .and_then(|(_, v)| {
            urlencoding::decode(&v.replace('+', " "))
                .ok()
                .map(|c| c.into_owned())
        });
    safe_next(next.as_deref())
}

fn login_url(error: &str, next: &str) -> String {
    format!("/login?error={error}&next={}", urlencoding::encode(next))
}

/// `POST /auth/login` (form-encoded `email`, `password`, `next`).
///
/// A browser form post gets `303` redirects (to `next`, or back to the login page with an
/// error); a client asking for JSON gets `200` / `401`. Throttled attempts get `429` with
/// `Retry-After` either way.
pub async fn login_handler(
    State(state): State<AppState>,
    parts: Parts,
    Form(form): Form<LoginForm>,
) -> Response {
    let headers = parts.headers;
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    let next = safe_next(form.next.as_deref());
    let ip = client_ip(&headers, peer, &state.auth);
    let json = wants_json(&headers);
    match login(&state, &headers, &form, &ip, next.clone()).await {
        Ok(LoginOutcome::SignedIn { token, next }) => {
            let cookie = sessions::set_cookie(Principal::Staff, &token, &state.auth);
            let mut res = if json {
                axum::Json(serde_json::json!({ "ok": true, "next": next })).into_response()
            } else {
                see_other(&next)
            };
            res.headers_mut().insert(
                header::SET_COOKIE,
                HeaderValue::from_str(&cookie).expect("cookie ascii"),
            );
            res
        }
        Ok(LoginOutcome::Invalid) => {
            if json {
                (
                    StatusCode::UNAUTHORIZED,
                    axum::Json(serde_json::json!({ "error": "Incorrect e-mail or password." })),
                )
                    .into_response()
            } else {
                see_other(&login_url("invalid", &next))
            }
        }
        Ok(LoginOutcome::Throttled(secs)) => throttled_response(secs, json, &next),
        Err(_) => {
            // Already logged by AppError::internal / From<sqlx::Error>.
            if json {
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    axum::Json(AppError::Internal),
                )
                    .into_response()
            } else {
                see_other(&login_url("server", &next))
            }
        }
    }
}

async fn login(
    state: &AppState,
    headers: &HeaderMap,
    form: &LoginForm,
    ip: &str,
    next: String,
) -> Result<LoginOutcome, AppError> {
    let client = Client {
        ip,
        user_agent: user_agent(headers),
        old_session: sessions::token(Principal::Staff, headers, &state.auth),
    };
    let outcome = credentials::sign_in(
        &state.pool,
        &state.auth,
        Principal::Staff,
        &form.email,
        &form.password,
        &client,
    )
    .await?;
    Ok(match outcome {
        SignIn::SignedIn { token, id } => {
            tracing::info!(staff_user_id = id, "staff login");
            LoginOutcome::SignedIn { token, next }
        }
        SignIn::Invalid => LoginOutcome::Invalid,
        SignIn::Throttled(secs) => LoginOutcome::Throttled(secs),
    })
}

/// The request's `User-Agent` (empty when absent).
pub fn user_agent(headers: &HeaderMap) -> &str {
    headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

fn throttled_response(secs: u64, json: bool, next: &str) -> Response {
    let minutes = secs.div_ceil(60);
    let body = if json {
        axum::Json(AppError::TooManyRequests {
            retry_after_secs: secs,
        })
        .into_response()
    } else {
        // A plain page a browser can show after a form post; it returns to the login page.
        let html = format!(
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>Too many attempts · Customers</title><link rel=\"stylesheet\" href=\"/pkg/customers.css\"></head>\
             <body><main class=\"login-page\"><div class=\"login-card\"><h1>Too many attempts</h1>\
             <p class=\"form-error\" role=\"alert\">Too many failed sign-in attempts. \
             Please wait {minutes} minute(s) and try again.</p>\
             <a class=\"btn\" href=\"{}\">Back to sign in</a></div></main></body></html>",
            login_url("throttled", next).replace('&', "&amp;")
        );
        axum::response::Html(html).into_response()
    };
    let mut res = body;
    *res.status_mut() = StatusCode::TOO_MANY_REQUESTS;
    res.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    res
}

/// A `303 See Other` to a local path.
pub fn see_other(location: &str) -> Response {
    let mut res = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(location) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res
}

/// `POST /auth/logout`: deletes the session server-side and clears the cookie.
pub async fn logout_handler(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Err(e) = sign_out(&state, Principal::Staff, &headers).await {
        let _ = AppError::from(e);
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            "Something went wrong on our side. Please try again.",
        )
            .into_response();
    }
    let mut res = if wants_json(&headers) {
        axum::Json(serde_json::json!({ "ok": true })).into_response()
    } else {
        see_other("/login")
    };
    res.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&sessions::clear_cookie(Principal::Staff, &state.auth))
            .expect("cookie ascii"),
    );
    res
}

/// End the session the request carries (staff or customer), if any.
pub async fn sign_out(
    state: &AppState,
    p: Principal,
    headers: &HeaderMap,
) -> Result<(), sqlx::Error> {
    if let Some(token) = sessions::token(p, headers, &state.auth) {
        sessions::delete(&mut *state.pool.acquire().await?, p, &hash_token(&token)).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn settings(secure: bool) -> AuthSettings {
        AuthSettings {
            idle_timeout: Duration::from_secs(3600),
            absolute_timeout: Duration::from_secs(12 * 3600),
            cookie_secure: secure,
            trust_forwarded_for: false,
            public_origin: "http://127.0.0.1:3000".into(),
            public_base_url: "http://127.0.0.1:3000".into(),
        }
    }

    #[test]
    fn password_hash_verifies_and_rejects() {
        let hash = hash_password_blocking("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify_password_blocking("correct horse battery", &hash));
        assert!(!verify_password_blocking("wrong", &hash));
        assert!(!verify_password_blocking("x", "not a hash"));
    }

    #[test]
    fn same_password_hashes_differently() {
        let a = hash_password_blocking("pw123456").unwrap();
        let b = hash_password_blocking("pw123456").unwrap();
        assert_ne!(a, b, "salts must differ");
    }

    #[tokio::test]
    async fn unknown_user_checks_against_dummy_hash() {
        assert!(!verify_password("anything".into(), None).await);
    }

    #[test]
    fn tokens_are_random_and_only_the_hash_is_kept() {
        let (t1, h1) = new_token();
        let (t2, _) = new_token();
        assert_eq!(t1.len(), 64, "256 bits as hex");
        assert_ne!(t1, t2);
        assert_eq!(h1, hash_token(&t1));
        assert_ne!(h1, t1);
    }

    fn session_cookie(token: &str, s: &AuthSettings) -> String {
        sessions::set_cookie(Principal::Staff, token, s)
    }

    fn clear_session_cookie(s: &AuthSettings) -> String {
        sessions::clear_cookie(Principal::Staff, s)
    }

    fn session_token(h: &HeaderMap, s: &AuthSettings) -> Option<String> {
        sessions::token(Principal::Staff, h, s)
    }

    #[test]
    fn cookie_flags() {
        let c = session_cookie("abc", &settings(false));
        assert!(c.starts_with("sid=abc; "));
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Lax") && !c.contains("Secure"));
        let c = session_cookie("abc", &settings(true));
        assert!(c.starts_with("__Host-sid=abc; ") && c.contains("; Secure"));
        assert!(clear_session_cookie(&settings(false)).contains("Max-Age=0"));
        // The portal's cookie has the same flags under its own name.
        let c = cookie_header("psid", Some("xyz"), &settings(true));
        assert!(c.starts_with("__Host-psid=xyz; Path=/; HttpOnly; SameSite=Lax; Max-Age=43200"));
        assert!(c.ends_with("; Secure"));
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_static("sid=a; psid=b"));
        assert_eq!(
            cookie_token(&h, "psid", &settings(false)).as_deref(),
            Some("b")
        );
        assert_eq!(session_token(&h, &settings(false)).as_deref(), Some("a"));
    }

    #[test]
    fn token_is_read_from_cookie_header() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; sid=tok; b=2"),
        );
        assert_eq!(session_token(&h, &settings(false)).as_deref(), Some("tok"));
        assert_eq!(session_token(&h, &settings(true)), None);
    }

    #[test]
    fn next_from_query_is_decoded_and_checked() {
        assert_eq!(
            safe_next_from_query("a=1&next=%2Fcustomers%3Fq%3Dx"),
            "/customers?q=x"
        );
        assert_eq!(
            safe_next_from_query("next=https%3A%2F%2Fevil"),
            "/customers"
        );
        assert_eq!(safe_next_from_query(""), "/customers");
    }

    #[test]
    fn block_grows_then_caps() {
        assert_eq!(block_secs(4), 0);
        assert_eq!(block_secs(5), 60);
        assert_eq!(block_secs(6), 120);
        assert_eq!(block_secs(50), 15 * 60);
    }

    #[test]
    fn forwarded_for_only_when_trusted() {
        let mut h = HeaderMap::new();
        h.insert(
            "x-forwarded-for",
            HeaderValue::from_static("9.9.9.9, 10.0.0.1"),
        );
        let peer: SocketAddr = "127.0.0.1:5000".parse().unwrap();
        assert_eq!(client_ip(&h, Some(peer), &settings(false)), "127.0.0.1");
        let mut s = settings(false);
        s.trust_forwarded_for = true;
        assert_eq!(client_ip(&h, Some(peer), &s), "9.9.9.9");
    }
}
