//! E-mail: the outbox (`ssr`: queue in the caller's transaction, a worker delivers over SMTP
//! or keeps `.eml` files) and the Admins' Mail page.

pub mod page;
#[cfg(feature = "ssr")]
pub mod ssr;

use crate::error::AppError;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type))]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ssr", sqlx(rename_all = "lowercase"))]
pub enum MailStatus {
    Queued,
    Sending,
    Sent,
    Failed,
    Kept,
}

impl MailStatus {
    pub fn label(self) -> &'static str {
        match self {
            MailStatus::Queued => "Queued",
            MailStatus::Sending => "Sending",
            MailStatus::Sent => "Sent",
            MailStatus::Failed => "Failed",
            MailStatus::Kept => "Kept (no SMTP)",
        }
    }
}

/// One outbox row as the Mail page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct MailRow {
    pub email_id: i64,
    pub created_at: DateTime<Utc>,
    pub recipient: String,
    pub subject: String,
    pub template: String,
    pub status: MailStatus,
    pub attempts: i64,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub sent_at: Option<DateTime<Utc>>,
}

#[cfg(feature = "ssr")]
fn pool() -> Result<sqlx::SqlitePool, AppError> {
    Ok(crate::state::AppState::from_context()?.pool)
}

/// The newest 200 mails (Admins).
#[server(endpoint = "list_mail", input = Json)]
pub async fn list_mail() -> Result<Vec<MailRow>, AppError> {
    use crate::auth::ssr::staff_guard;
    staff_guard("list_mail")?;
    Ok(ssr::list(&pool()?, 200).await?)
}

/// Queue a failed mail again (Admins).
#[server(endpoint = "retry_mail", input = Json)]
pub async fn retry_mail(id: i64) -> Result<(), AppError> {
    use crate::auth::ssr::staff_guard;
    staff_guard("retry_mail")?;
    if ssr::retry(&pool()?, id).await? {
        if let Ok(state) = crate::state::AppState::from_context() {
            state.mail_wake.notify_one();
        }
        Ok(())
    } else {
        Err(AppError::Conflict(
            "Only a failed mail can be retried.".into(),
        ))
    }
}

/// A mail's plain-text body (Admins): in embedded mode this is how links are followed.
#[server(endpoint = "mail_body", input = Json)]
pub async fn mail_body(id: i64) -> Result<String, AppError> {
    use crate::auth::ssr::staff_guard;
    staff_guard("mail_body")?;
    ssr::body(&pool()?, id).await?.ok_or(AppError::NotFound)
}
