//! The outbox's rows as the Mail page shows them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type))]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ssr", sqlx(type_name = "text", rename_all = "lowercase"))]
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
