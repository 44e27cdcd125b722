//! Server side of authentication: password hashing, tokens, throttling, the guards every
//! server function calls first, and the staff sign-in / sign-out routes. Sessions, links
//! and the credential transactions are the engine's (`sessions`, `links`, `credentials`),
//! written once for staff and customers.

use super::credentials::{self, Client, LinkOutcome, SignIn};
use super::permissions::{server_fn_access, Access};
use super::principal::Principal;
use super::sessions;
use super::{safe_next, Capability, CurrentUser};
use crate::audit::ssr::Actor;
use crate::db;
use crate::error::AppError;
use crate::state::{AppState, AuthSettings};
use axum::extract::{ConnectInfo, Form, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use http::request::Parts;
use leptos::prelude::use_context;
use leptos::server_fn::ServerFn;
use serde::Deserialize;
use std::net::SocketAddr;

impl CurrentUser {
    /// The signed-in staff member as the audit log records them.
    pub fn actor(&self) -> Actor {
        Actor::new(self.id, &self.name, self.role.as_str())
    }
}

/// The signed-in staff member that `method path` of the permission table lets in; the
/// refusal (401 or 403) otherwise. For the routes that are not server functions.
pub fn route_staff(
    req: &axum::extract::Request,
    method: &str,
    path: &str,
) -> Result<CurrentUser, AppError> {
    let Some(Access::Staff(capability)) = super::permissions::route_access(method, path) else {
        return Err(AppError::Forbidden);
    };
    match req.extensions().get::<SessionUser>() {
        None => Err(AppError::Unauthorized),
        Some(s) if !capability.allows(s.user.role) => Err(AppError::Forbidden),
        Some(s) => Ok(s.user.clone()),
    }
}

/// The signed-in portal customer, where the permission table lets customers call `method
/// path`; the refusal otherwise. For the plain routes of the portal.
pub fn route_customer(
    req: &axum::extract::Request,
    method: &str,
    path: &str,
) -> Result<PortalUser, AppError> {
    if super::permissions::route_access(method, path) != Some(Access::Customer) {
        return Err(AppError::Forbidden);
    }
    req.extensions()
        .get::<PortalUser>()
        .cloned()
        .ok_or(AppError::Unauthorized)
}

pub use super::hashing::{
    hash_password, hash_password_blocking, hash_token, new_token, verify_password,
    verify_password_blocking, Argon2Gate,
};
pub use super::throttle::{
    block_secs, purge_throttles, rate_limit, throttle_key, throttle_record_failure,
    throttle_retry_after, THROTTLE_FREE_FAILURES,
};

// ---------------------------------------------------------------- staff store

pub async fn count_admins(pool: &db::Pool) -> Result<i64, sqlx::Error> {
    db::query_scalar("select count(*) from staff_user where role = 'admin'")
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

/// A server function's endpoint name: its own path constant (`/api/list_customers`) without
/// the prefix — the name the `#[server(endpoint = …)]` attribute gave it, written once.
pub fn endpoint_of<F: ServerFn>() -> &'static str {
    F::PATH.rsplit('/').next().unwrap_or(F::PATH)
}

/// What the permission table says about server function `F`.
fn access_of<F: ServerFn>() -> Option<Access> {
    server_fn_access(endpoint_of::<F>())
}

fn not_in_table<F: ServerFn>(kind: &str, found: Option<Access>) -> AppError {
    tracing::error!(
        endpoint = F::PATH,
        ?found,
        "not a {kind} endpoint in the permission table"
    );
    AppError::Forbidden
}

/// First line of every staff server function (`staff_guard::<ListCustomers>()`): the caller
/// must be signed-in staff whose role the permission table allows for that function. A
/// function the table does not list as a staff endpoint is refused for everyone.
pub fn staff_guard<F: ServerFn>() -> Result<CurrentUser, AppError> {
    match access_of::<F>() {
        Some(Access::Staff(capability)) => require(capability),
        other => Err(not_in_table::<F>("staff", other)),
    }
}

/// First line of every customer server function: the permission table must list it as a
/// customer endpoint, and the caller must be a signed-in customer.
pub fn customer_guard<F: ServerFn>() -> Result<PortalUser, AppError> {
    match access_of::<F>() {
        Some(Access::Customer) => use_context::<Parts>()
            .and_then(|parts| parts.extensions.get::<PortalUser>().cloned())
            .ok_or(AppError::Unauthorized),
        other => Err(not_in_table::<F>("customer", other)),
    }
}

/// First line of a server function anyone may call: checks the table says so.
pub fn public_guard<F: ServerFn>() -> Result<(), AppError> {
    match access_of::<F>() {
        Some(Access::Anyone) => Ok(()),
        other => Err(not_in_table::<F>("public", other)),
    }
}

// ---------------------------------------------------------------- routes

/// The client's IP: the socket peer, or — behind our own proxy (`TRUST_FORWARDED_FOR`) —
/// the last `X-Forwarded-For` hop, the one that proxy appended from the connection it
/// accepted. Earlier hops are whatever the client sent and are never used: the first hop
/// would let anyone pick their own IP (and so their own throttle key). A last hop that is
/// not an IP address falls back to the peer.
pub fn client_ip(headers: &HeaderMap, peer: Option<SocketAddr>, settings: &AuthSettings) -> String {
    if settings.trust_forwarded_for {
        // Several headers are one list, in order; the proxy's entry is the last one.
        let last = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .rfind(|h| !h.is_empty());
        if let Some(ip) = last.and_then(|h| h.parse::<std::net::IpAddr>().ok()) {
            return ip.to_canonical().to_string();
        }
    }
    peer.map(|p| p.ip().to_canonical().to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// The client IP of a request handled by a plain route.
pub fn request_ip(parts: &Parts, settings: &AuthSettings) -> String {
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    client_ip(&parts.headers, peer, settings)
}

/// Where a sign-in or link form comes from, for the credential engine.
pub fn client<'a>(
    p: Principal,
    parts: &'a Parts,
    settings: &AuthSettings,
    ip: &'a str,
) -> Client<'a> {
    Client {
        ip,
        user_agent: user_agent(&parts.headers),
        old_session: sessions::token(p, &parts.headers, settings),
    }
}

/// `res` with one more `Set-Cookie`.
pub fn with_cookie(mut res: Response, cookie: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(cookie) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

/// The form of a link's page (staff invitation, customer invitation, customer reset).
#[derive(Deserialize)]
pub struct LinkForm {
    #[serde(default)]
    pub token: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub confirm: String,
}

/// Answer a link form post: signed in and on to `to`; back to `page` with the token and
/// what was wrong with the password; or to `page?error=link` when the link is dead.
pub async fn link_form(
    state: &AppState,
    parts: &Parts,
    (p, purpose): (Principal, &str),
    form: &LinkForm,
    page: &str,
    to: &str,
) -> Response {
    if form.token.len() > 128 {
        return see_other(&format!("{page}?error=link"));
    }
    let token = urlencoding::encode(&form.token).into_owned();
    let back = |code: &str| see_other(&format!("{page}?token={token}&error={code}"));
    let ip = request_ip(parts, &state.auth);
    let outcome = credentials::accept_link(
        &state.pool,
        &state.auth,
        p,
        purpose,
        &form.token,
        (&form.password, &form.confirm),
        &client(p, parts, &state.auth, &ip),
    )
    .await;
    match outcome {
        Ok(LinkOutcome::SignedIn(session)) => with_cookie(
            see_other(to),
            &sessions::set_cookie(p, &session, &state.auth),
        ),
        Ok(LinkOutcome::Dead) => see_other(&format!("{page}?error=link")),
        Ok(LinkOutcome::Inactive) => back("inactive"),
        Ok(LinkOutcome::Refused(code)) => back(code),
        Err(e) => {
            let _ = AppError::internal("link form", e);
            back("server")
        }
    }
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

/// Where a browser goes after signing in: `next` checked by [`safe_next`], then resolved
/// against the public base URL; only a path and query of that same origin leave the
/// server (anything else: the Customers list).
pub fn redirect_target(base: &str, next: Option<&str>) -> String {
    let local = safe_next(next);
    let Ok(base) = url::Url::parse(base) else {
        return local;
    };
    match base.join(&local) {
        Ok(u) if u.origin() == base.origin() => match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_string(),
        },
        _ => safe_next(None),
    }
}

/// The `next` parameter of a raw query string, limited to local paths of `base`.
pub fn safe_next_from_query(base: &str, query: &str) -> String {
    let next = query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == "next")
        .and_then(|(_, v)| {
            urlencoding::decode(&v.replace('+', " "))
                .ok()
                .map(|c| c.into_owned())
        });
    redirect_target(base, next.as_deref())
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
    let ip = request_ip(&parts, &state.auth);
    let headers = parts.headers;
    let next = redirect_target(&state.auth.public_base_url, form.next.as_deref());
    let json = wants_json(&headers);
    // Too many sign-in requests from this IP: turned away before the database or argon2.
    if let Err(secs) = state.sign_in_rate.check(&ip) {
        return throttled_response(&state, secs, json, &next);
    }
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
        Ok(LoginOutcome::Throttled(secs)) => throttled_response(&state, secs, json, &next),
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
        &state.argon2,
    )
    .await?;
    Ok(match outcome {
        SignIn::SignedIn { token, id } => {
            tracing::info!(staff_user_id = id, "staff login");
            LoginOutcome::SignedIn { token, next }
        }
        // (Staff are never "inactive": a deactivated staff account is a wrong password.)
        SignIn::Invalid | SignIn::Inactive => LoginOutcome::Invalid,
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

fn throttled_response(state: &AppState, secs: u64, json: bool, next: &str) -> Response {
    let wait = if secs < 60 {
        "a moment".to_string()
    } else {
        format!("{} minute(s)", secs.div_ceil(60))
    };
    let body = if json {
        axum::Json(AppError::TooManyRequests {
            retry_after_secs: secs,
        })
        .into_response()
    } else {
        // A plain page a browser can show after a form post; it returns to the login page.
        let stylesheet = leptos::tachys::view::RenderHtml::to_html(leptos_meta::HashedStylesheet(
            leptos_meta::HashedStylesheetProps {
                options: state.leptos_options.clone(),
                id: None,
                root: None,
            },
        ));
        let html = format!(
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>Too many attempts · Customers</title>{stylesheet}</head>\
             <body><main class=\"login-page\"><div class=\"login-card\"><h1>Too many attempts</h1>\
             <p class=\"form-error\" role=\"alert\">Too many failed sign-in attempts. \
             Please wait {wait} and try again.</p>\
             <a class=\"btn\" href=\"{}\">Back to sign in</a></div></main></body></html>",
            login_url("throttled", next).replace('&', "&amp;"),
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
        sessions::delete(&mut state.pool.acquire().await?, p, &hash_token(&token)).await?;
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
            sign_in_burst: crate::auth::throttle::SIGN_IN_BURST,
            sign_in_period: crate::auth::throttle::SIGN_IN_EVERY,
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
        let permit = Argon2Gate::new(1).permit().await.unwrap();
        assert!(!verify_password(permit, "anything".into(), None).await);
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
        let base = "https://crm.example.com";
        assert_eq!(
            safe_next_from_query(base, "a=1&next=%2Fcustomers%3Fq%3Dx"),
            "/customers?q=x"
        );
        assert_eq!(
            safe_next_from_query(base, "next=https%3A%2F%2Fevil"),
            "/customers"
        );
        assert_eq!(safe_next_from_query(base, ""), "/customers");
        // The finding: a tab that browsers drop turned `/\t/evil.example/` into another host.
        assert_eq!(
            safe_next_from_query(base, "next=%2F%09%2Fevil.example%2F"),
            "/customers"
        );
        // Resolved against the site: dot segments are gone, the fragment is not sent.
        assert_eq!(
            redirect_target(base, Some("/a/../customers/7?tab=portal#x")),
            "/customers/7?tab=portal"
        );
        assert_eq!(
            redirect_target("not a url", Some("/customers/7")),
            "/customers/7"
        );
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
        // The hop our proxy appended (the last), not the one the client wrote (the first).
        assert_eq!(client_ip(&h, Some(peer), &s), "10.0.0.1");
        // A second header continues the list.
        h.append("x-forwarded-for", HeaderValue::from_static("2001:db8::7"));
        assert_eq!(client_ip(&h, Some(peer), &s), "2001:db8::7");
        // Not an address: the peer.
        h.append(
            "x-forwarded-for",
            HeaderValue::from_static("evil, <script>"),
        );
        assert_eq!(client_ip(&h, Some(peer), &s), "127.0.0.1");
        // IPv4 in IPv6 clothing is the IPv4 address.
        let mapped: SocketAddr = "[::ffff:192.0.2.4]:5000".parse().unwrap();
        assert_eq!(client_ip(&HeaderMap::new(), Some(mapped), &s), "192.0.2.4");
    }
}
