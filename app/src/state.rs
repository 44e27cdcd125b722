//! Server-side shared state, provided to server functions as Leptos context and to the
//! plain axum routes as router state.

use crate::db;
use axum::extract::FromRef;
use leptos::prelude::*;
use std::sync::Arc;
use std::time::Duration;

/// Settings the auth code needs, taken from the server's configuration at startup.
#[derive(Debug, Clone)]
pub struct AuthSettings {
    pub idle_timeout: Duration,
    pub absolute_timeout: Duration,
    pub cookie_secure: bool,
    /// Take the client IP from `X-Forwarded-For` (only behind a trusted reverse proxy).
    pub trust_forwarded_for: bool,
    /// The origin (`scheme://host[:port]`) browsers use to reach us; used by the CSRF check.
    pub public_origin: String,
    /// The public base URL without a trailing slash: links in e-mails are built from it,
    /// never from the request's Host header.
    pub public_base_url: String,
    /// Sign-in requests per IP: a burst of this many, then one per `sign_in_period`.
    pub sign_in_burst: u32,
    pub sign_in_period: Duration,
}

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub pool: db::Pool,
    pub auth: Arc<AuthSettings>,
    /// Wakes the mail worker (a mail was queued or retried).
    pub mail_wake: Arc<tokio::sync::Notify>,
    /// When the mail worker last went round its loop (Unix seconds; 0: not started).
    pub mail_beat: Arc<std::sync::atomic::AtomicI64>,
    /// Sign-in requests per IP (staff and portal sign-in forms).
    pub sign_in_rate: Arc<crate::auth::throttle::RequestRate>,
    /// The argon2 gate the sign-in forms' password checks pass through.
    pub argon2: Arc<crate::auth::hashing::Argon2Gate>,
    /// Where uploads wait and how big they may be.
    pub import: Arc<ImportSettings>,
}

/// Imports' uploads.
#[derive(Debug, Clone)]
pub struct ImportSettings {
    pub dir: std::path::PathBuf,
    pub max_bytes: u64,
}

impl Default for ImportSettings {
    fn default() -> Self {
        ImportSettings {
            dir: std::env::temp_dir().join("customers-imports"),
            max_bytes: 100 * 1024 * 1024,
        }
    }
}

/// The pool, inside a server function.
pub fn pool() -> Result<db::Pool, crate::error::AppError> {
    Ok(AppState::from_context()?.pool)
}

impl AuthSettings {
    /// The sign-in request limiter these settings describe.
    pub fn sign_in_rate(&self) -> crate::auth::throttle::RequestRate {
        crate::auth::throttle::RequestRate::new(self.sign_in_burst, self.sign_in_period)
    }
}

impl AppState {
    /// The state, inside a server function or a component rendered on the server.
    pub fn from_context() -> Result<AppState, crate::error::AppError> {
        use_context::<AppState>().ok_or_else(|| {
            crate::error::AppError::internal("state", "AppState missing from context")
        })
    }
}
