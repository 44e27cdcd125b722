//! Cross-cutting request handling: CSRF origin check, session resolution with page gating,
//! and mapping server-function errors to their HTTP status.

use app::auth::principal::Principal::{Customer, Staff};
use app::auth::sessions;
use app::auth::ssr::{safe_next_from_query, see_other};
use app::error::AppError;
use app::state::AppState;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

const SERVER_FN_ERROR_HEADER: &str = "serverfnerror";

/// Leptos does no CSRF check of its own: refuse state-changing requests that a browser says
/// come from another site. Requests without `Sec-Fetch-Site` and `Origin` are not from a
/// browser (curl, scripts) and cannot ride on a victim's cookies.
pub async fn refuse_cross_origin(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let headers = req.headers();
    let allowed = if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        matches!(site, "same-origin" | "none")
    } else if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        let host = headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        origin == state.auth.public_origin
            || (!host.is_empty()
                && (origin == format!("http://{host}") || origin == format!("https://{host}")))
    } else {
        true
    };
    if allowed {
        return next.run(req).await;
    }
    tracing::warn!(path = %req.uri().path(), "refused cross-origin request");
    error_response(req.uri().path(), AppError::Forbidden)
}

fn is_public_path(path: &str) -> bool {
    path.starts_with("/pkg/")
        || path.starts_with("/assets/")
        || path == "/healthz"
        || path == "/readyz"
        || path == "/favicon.ico"
        || path == "/robots.txt"
}

/// Customer portal paths: their own sign-in, their own session cookie.
fn is_portal_path(path: &str) -> bool {
    path == "/portal" || path.starts_with("/portal/")
}

/// Portal pages anyone may open (the link pages carry their token).
fn is_public_portal_page(path: &str) -> bool {
    matches!(
        path,
        "/portal/login" | "/portal/accept" | "/portal/reset" | "/portal/forgot"
    )
}

/// Resolve the customer's session cookie into a [`PortalUser`] request extension on portal
/// pages and server functions; portal pages other than sign-in and the link pages need it.
pub async fn portal_session(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path().to_string();
    let is_api = path.starts_with("/api/");
    if !(is_api || is_portal_path(&path)) || path.starts_with("/portal/auth/") {
        return next.run(req).await;
    }
    let mut stale_cookie = false;
    let mut user = None;
    if let Some(token) = sessions::token(Customer, req.headers(), &state.auth) {
        match sessions::resolve_customer(&state.pool, &token, &state.auth, chrono::Utc::now()).await
        {
            Ok(Some(u)) => user = Some(u),
            Ok(None) => stale_cookie = true,
            Err(e) => return error_response(&path, AppError::from(e)),
        }
    }
    if !is_api && req.method() == Method::GET {
        if path == "/portal/login" && user.is_some() {
            return see_other("/portal");
        }
        if !is_public_portal_page(&path) && user.is_none() {
            let mut res = see_other(if stale_cookie {
                "/portal/login?error=expired"
            } else {
                "/portal/login"
            });
            if stale_cookie {
                append_cookie(&mut res, &sessions::clear_cookie(Customer, &state.auth));
            }
            return res;
        }
    }
    if let Some(u) = user {
        req.extensions_mut().insert(u);
    }
    let mut res = next.run(req).await;
    if stale_cookie {
        append_cookie(&mut res, &sessions::clear_cookie(Customer, &state.auth));
    }
    res
}

/// Resolve the session cookie into a [`app::auth::ssr::SessionUser`] request extension.
/// Page loads without a valid session go to the login page (and come back after it).
pub async fn session(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    if is_public_path(&path) || is_portal_path(&path) {
        return next.run(req).await;
    }
    let mut stale_cookie = false;
    let mut user = None;
    if let Some(token) = sessions::token(Staff, req.headers(), &state.auth) {
        match sessions::resolve_staff(&state.pool, &token, &state.auth, chrono::Utc::now()).await {
            Ok(Some(u)) => user = Some(u),
            Ok(None) => stale_cookie = true,
            Err(e) => {
                // Fail closed, and never show the database's words to the browser.
                return error_response(&path, AppError::from(e));
            }
        }
    }

    let is_page =
        req.method() == Method::GET && !path.starts_with("/api/") && !path.starts_with("/auth/");
    if is_page {
        let query = req.uri().query().unwrap_or("");
        if path == "/login" {
            if user.is_some() {
                return see_other(&safe_next_from_query(&state.auth.public_base_url, query));
            }
        } else if path == "/staff/accept" {
            // The invitation link's page: anyone holding the link may open it.
        } else if user.is_none() {
            let here = if query.is_empty() {
                path.clone()
            } else {
                format!("{path}?{query}")
            };
            let error = if stale_cookie { "error=expired&" } else { "" };
            let mut res = see_other(&format!(
                "/login?{error}next={}",
                urlencoding::encode(&here)
            ));
            if stale_cookie {
                append_cookie(&mut res, &sessions::clear_cookie(Staff, &state.auth));
            }
            return res;
        } else if path == "/" {
            return see_other("/customers");
        }
    }

    if let Some(u) = user {
        req.extensions_mut().insert(u);
    }
    let mut res = next.run(req).await;
    if stale_cookie {
        append_cookie(&mut res, &sessions::clear_cookie(Staff, &state.auth));
    }
    res
}

/// Server functions answer every error with 500; give each [`AppError`] its real status
/// (401, 403, 422, 409, …) so clients, proxies and logs see what happened.
pub async fn api_error_status(req: Request, next: Next) -> Response {
    let res = next.run(req).await;
    if !res.headers().contains_key(SERVER_FN_ERROR_HEADER) {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let bytes = match axum::body::to_bytes(body, 256 * 1024).await {
        Ok(b) => b,
        Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    if let Ok(err) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status =
            StatusCode::from_u16(err.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// An error as a server function would answer it (JSON `AppError`), or as a short page.
fn error_response(path: &str, err: AppError) -> Response {
    let status =
        StatusCode::from_u16(err.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if path.starts_with("/api/") || path.starts_with("/auth/") {
        let mut res = (status, axum::Json(&err)).into_response();
        res.headers_mut().insert(
            SERVER_FN_ERROR_HEADER,
            HeaderValue::from_str(path).unwrap_or(HeaderValue::from_static("/")),
        );
        res
    } else {
        (status, err.to_string()).into_response()
    }
}

fn append_cookie(res: &mut Response, cookie: &str) {
    if let Ok(v) = HeaderValue::from_str(cookie) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// Security headers on every response. Rendered pages carry their own nonce-based
/// Content-Security-Policy (set in `app::shell`); everything else gets the strict default.
pub async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(app::DEFAULT_CSP),
        );
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // Links carry tokens (invitations, resets): never pass the URL on.
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    // Pages and API answers carry personal data: no browser or proxy keeps a copy (the back
    // button re-asks after sign-out). Static files (scripts, wasm, styles, images) may be
    // cached; a response that chose its own policy keeps it.
    if !h.contains_key(header::CACHE_CONTROL) && !is_static_asset(h) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if state.auth.public_base_url.starts_with("https://") {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    res
}

/// A script, wasm, stylesheet, image or font: the site's own static files.
fn is_static_asset(h: &axum::http::HeaderMap) -> bool {
    let ct = h
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    [
        "text/javascript",
        "application/javascript",
        "application/wasm",
        "text/css",
        "image/",
        "font/",
    ]
    .iter()
    .any(|t| ct.starts_with(t))
}

/// Every request runs with its client IP in a task-local, so audit events record it.
pub async fn request_ip(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let peer = req
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0);
    let ip = app::auth::ssr::client_ip(req.headers(), peer, &state.auth);
    app::audit::ssr::REQUEST_IP.scope(ip, next.run(req)).await
}

/// Refuses a request body bigger than [`crate::MAX_REQUEST_BODY`] (413): at once when its
/// `Content-Length` says so, else when reading it passes the limit. An import's upload is
/// left to its handler, which streams it to disk and enforces `IMPORT_MAX_MB` with a message
/// that says so.
pub async fn body_limit(req: Request, next: Next) -> Response {
    if req.uri().path() == app::import::UPLOAD_PATH {
        return next.run(req).await;
    }
    let limit = crate::MAX_REQUEST_BODY;
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    }
    let req = req.map(|body| Body::new(http_body_util::Limited::new(body, limit)));
    next.run(req).await
}
