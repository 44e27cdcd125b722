//! E-mail. Below the features: composition (`compose`: escaping, the one mail layout) and
//! the outbox (`ssr`: queue in the caller's transaction, a worker delivers over SMTP or keeps
//! `.eml` files), which import nothing above them. The Admins' Mail page and its server
//! functions (this file, `page`) sit beside the other features.

#[cfg(feature = "ssr")]
pub mod compose;
pub mod model;
pub mod page;
#[cfg(feature = "ssr")]
pub mod ssr;

pub use model::{MailRow, MailStatus};

use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// The newest 200 mails (Admins).
#[server(endpoint = "list_mail", input = Json)]
pub async fn list_mail() -> Result<Vec<MailRow>, AppError> {
    use crate::auth::ssr::staff_guard;
    staff_guard::<ListMail>()?;
    Ok(ssr::list(&crate::state::pool()?, 200).await?)
}

/// Queue a failed mail again (Admins).
#[server(endpoint = "retry_mail", input = Json)]
pub async fn retry_mail(id: i64) -> Result<(), AppError> {
    use crate::auth::ssr::staff_guard;
    staff_guard::<RetryMail>()?;
    if ssr::retry(&crate::state::pool()?, id).await? {
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
    staff_guard::<MailBody>()?;
    ssr::body(&crate::state::pool()?, id)
        .await?
        .ok_or(AppError::NotFound)
}
