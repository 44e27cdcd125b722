//! The one error type that crosses the wire between server functions and the browser.
//!
//! Every variant carries only text that is safe to show to a user. Internal details
//! (database errors, I/O, panics) are logged on the server where they happen and reach
//! the browser only as [`AppError::Internal`].

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Field name → message, shown next to the offending form field.
pub type FieldErrors = BTreeMap<String, String>;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "kind", content = "detail")]
pub enum AppError {
    #[error("Please sign in again.")]
    Unauthorized,
    #[error("You do not have permission to do that.")]
    Forbidden,
    #[error("Not found.")]
    NotFound,
    #[error("Please correct the highlighted fields.")]
    Validation(FieldErrors),
    #[error("{0}")]
    Conflict(String),
    #[error("Too many attempts. Try again in {retry_after_secs} seconds.")]
    TooManyRequests { retry_after_secs: u64 },
    #[error("The request was not understood.")]
    BadRequest,
    #[error("Cannot reach the server. Check your connection and try again.")]
    Network,
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
    /// The database cannot take writes (its disk is full, or it is read-only): nothing was
    /// changed; reading still works.
    #[error("Changes cannot be saved right now: the server's storage is full or read-only. Nothing was changed; please try again later.")]
    StorageUnavailable,
}

impl AppError {
    /// The HTTP status the server answers with for this error.
    pub fn status_code(&self) -> u16 {
        match self {
            AppError::Unauthorized => 401,
            AppError::Forbidden => 403,
            AppError::NotFound => 404,
            AppError::Validation(_) => 422,
            AppError::Conflict(_) => 409,
            AppError::TooManyRequests { .. } => 429,
            AppError::BadRequest => 400,
            AppError::Network => 503,
            AppError::Internal => 500,
            AppError::StorageUnavailable => 503,
        }
    }

    pub fn field(field: &str, message: impl Into<String>) -> Self {
        let mut errors = FieldErrors::new();
        errors.insert(field.to_string(), message.into());
        AppError::Validation(errors)
    }

    /// The error as a route outside the server functions answers it: its status and the
    /// JSON the browser's code already reads.
    #[cfg(feature = "ssr")]
    pub fn response(self) -> axum::response::Response {
        use axum::response::IntoResponse;
        let status = axum::http::StatusCode::from_u16(self.status_code())
            .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR);
        (status, axum::Json(self)).into_response()
    }

    /// Log an internal error in full and return the generic variant.
    #[cfg(feature = "ssr")]
    pub fn internal(context: &str, err: impl std::fmt::Display) -> Self {
        tracing::error!(%err, "{context}");
        AppError::Internal
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Request(_) => AppError::Network,
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::MissingArg(_) => AppError::BadRequest,
            // On the server this is the request's arguments failing to decode.
            #[cfg(feature = "ssr")]
            ServerFnErrorErr::Deserialization(_) => AppError::BadRequest,
            other => {
                #[cfg(feature = "ssr")]
                tracing::error!(err = %other, "server function framework error");
                #[cfg(not(feature = "ssr"))]
                let _ = other;
                AppError::Internal
            }
        }
    }
}

#[cfg(feature = "ssr")]
impl From<sqlx::Error> for AppError {
    fn from(err: sqlx::Error) -> Self {
        // Text PostgreSQL cannot hold (a NUL byte: SQLSTATE 22021) is the request's fault,
        // not ours: a 400, whatever function it reached.
        if let sqlx::Error::Database(db) = &err {
            let code = db.code().unwrap_or_default();
            if code == "22021" {
                tracing::warn!(err = %db, "refused text the database cannot store");
                return AppError::BadRequest;
            }
            if storage_unavailable(db.as_ref()) {
                tracing::error!(err = %db, "the database cannot take writes");
                return AppError::StorageUnavailable;
            }
        }
        AppError::internal("database error", err)
    }
}

/// A database error code that means "no writes possible now": SQLite's FULL (13) and
/// READONLY (8, with its extended codes), PostgreSQL's disk_full (53100) and
/// read_only_sql_transaction (25006).
#[cfg(feature = "ssr")]
fn storage_unavailable(db: &dyn sqlx::error::DatabaseError) -> bool {
    if let Some(pg) = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
        return matches!(pg.code(), "53100" | "25006");
    }
    matches!(
        db.code().and_then(|c| c.parse::<i64>().ok()),
        Some(n) if n == 13 || n & 0xff == 8
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_error_serializes_without_detail() {
        let json = serde_json::to_string(&AppError::Internal).unwrap();
        assert_eq!(json, r#"{"kind":"Internal"}"#);
    }

    #[test]
    fn validation_round_trips_with_fields() {
        let err = AppError::field("email", "Enter a valid e-mail address.");
        let json = serde_json::to_string(&err).unwrap();
        let back: AppError = serde_json::from_str(&json).unwrap();
        assert_eq!(back, err);
        assert_eq!(back.status_code(), 422);
    }

    #[test]
    fn framework_argument_errors_are_bad_requests() {
        let err = AppError::from_server_fn_error(ServerFnErrorErr::Args("x".into()));
        assert_eq!(err, AppError::BadRequest);
    }
}
