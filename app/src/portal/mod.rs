//! The customer portal: staff invite customers, resend invitations, reset their passwords
//! and switch portal access and features; customers accept the invitation, sign in, see and
//! edit their own details and change their password.
//!
//! Staff actions are server functions guarded by the staff role table; the customer's side
//! uses its own session (a separate cookie and table) and every customer server function
//! reads the customer id from that session only — never from the request body. Sign-in,
//! sign-out and the two link forms (accept invitation, reset password) are plain form posts
//! to axum routes in [`ssr`], so they work before the wasm has loaded.

pub mod pages;
#[cfg(feature = "ssr")]
pub mod routes;
#[cfg(feature = "ssr")]
pub mod ssr;
pub mod staff_ui;

use crate::audit::HistoryEntry;
pub use crate::auth::{PortalFeatures, PortalState};
use crate::error::AppError;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

/// The profile's Portal tab.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortalInfo {
    pub customer_id: i64,
    pub login_email: String,
    pub state: PortalState,
    pub invited_at: Option<DateTime<Utc>>,
    pub invite_expires_at: Option<DateTime<Utc>>,
    /// The last invitation's link has expired (and the customer has not verified).
    pub invite_expired: bool,
    pub verified_at: Option<DateTime<Utc>>,
    pub password_set: bool,
    pub password_changed_at: Option<DateTime<Utc>>,
    pub disabled_at: Option<DateTime<Utc>>,
    /// The customer is set Inactive: the portal is closed to them (sessions ended, sign-in
    /// and links refused) until they are Active again.
    #[serde(default)]
    pub customer_inactive: bool,
    pub last_login_at: Option<DateTime<Utc>>,
    pub last_access_at: Option<DateTime<Utc>>,
    /// A reset link is outstanding until then.
    pub reset_link_expires_at: Option<DateTime<Utc>>,
    pub active_sessions: i64,
    pub features: PortalFeatures,
    /// Portal events (invitations, verification, sign-ins, resets, access changes), newest first.
    pub history: Vec<HistoryEntry>,
}

impl PortalInfo {
    /// "Resend invitation" is offered only until the customer has verified (or staff set
    /// a password), and not while access is disabled.
    pub fn can_invite(&self) -> bool {
        self.verified_at.is_none()
            && !self.password_set
            && self.disabled_at.is_none()
            && !self.customer_inactive
    }
}

/// What staff ask for in the Reset password modal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum PasswordReset {
    /// Set this password now; optionally tell the customer (never the password itself).
    Set {
        password: crate::auth::password::Password,
        notify: bool,
    },
    /// E-mail the customer a one-hour link to choose a password themselves.
    EmailLink,
}

/// The signed-in customer's own record, as the portal shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortalMe {
    pub customer_id: i64,
    pub name: String,
    pub email: String,
    pub phone: String,
    pub street: String,
    pub city: String,
    pub state: String,
    pub zip: String,
    pub country: String,
    pub version: i64,
    pub features: PortalFeatures,
}

/// The contact details a customer may edit themselves.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct PortalDetailsInput {
    pub phone: String,
    pub street: String,
    pub city: String,
    pub state: String,
    pub zip: String,
    pub country: String,
}

// ---------------------------------------------------------------- staff server functions

#[cfg(feature = "ssr")]
fn state() -> Result<crate::state::AppState, AppError> {
    crate::state::AppState::from_context()
}

/// The profile's Portal tab.
#[server(endpoint = "portal_info", input = Json)]
pub async fn load_portal_info(id: i64) -> Result<PortalInfo, AppError> {
    use crate::auth::ssr::staff_guard;
    staff_guard::<LoadPortalInfo>()?;
    ssr::info(&state()?.pool, id).await
}

/// Send (or send again) the invitation e-mail; every earlier invitation link stops working.
#[server(endpoint = "send_portal_invitation", input = Json)]
pub async fn send_portal_invitation(id: i64) -> Result<PortalInfo, AppError> {
    use crate::auth::ssr::staff_guard;
    let me = staff_guard::<SendPortalInvitation>()?;
    let st = state()?;
    ssr::invite(&st, &me, id).await?;
    ssr::info(&st.pool, id).await
}

/// Reset a customer's password: set one now, or e-mail them a reset link.
#[server(endpoint = "reset_customer_password", input = Json)]
pub async fn reset_customer_password(
    id: i64,
    reset: PasswordReset,
) -> Result<PortalInfo, AppError> {
    use crate::auth::ssr::staff_guard;
    let me = staff_guard::<ResetCustomerPassword>()?;
    let st = state()?;
    ssr::staff_reset(&st, &me, id, reset).await?;
    ssr::info(&st.pool, id).await
}

/// Switch a customer's portal access off (their sessions end at once) or on again.
#[server(endpoint = "set_portal_access", input = Json)]
pub async fn set_portal_access(id: i64, enabled: bool) -> Result<PortalInfo, AppError> {
    use crate::auth::ssr::staff_guard;
    let me = staff_guard::<SetPortalAccess>()?;
    let st = state()?;
    ssr::set_access(&st.pool, &me, id, enabled).await?;
    ssr::info(&st.pool, id).await
}

/// What the customer may do in the portal.
#[server(endpoint = "set_portal_features", input = Json)]
pub async fn set_portal_features(
    id: i64,
    features: PortalFeatures,
) -> Result<PortalInfo, AppError> {
    use crate::auth::ssr::staff_guard;
    let me = staff_guard::<SetPortalFeatures>()?;
    let st = state()?;
    ssr::set_features(&st.pool, &me, id, features).await?;
    ssr::info(&st.pool, id).await
}

// ---------------------------------------------------------------- customer server functions

/// The signed-in customer's own record.
#[server(endpoint = "portal_me", input = Json)]
pub async fn load_portal_me() -> Result<PortalMe, AppError> {
    let who = crate::auth::ssr::customer_guard::<LoadPortalMe>()?;
    ssr::me(&state()?.pool, who.customer_id).await
}

/// The signed-in customer edits their own contact details (when that feature is on).
#[server(endpoint = "portal_update_details", input = Json)]
pub async fn portal_update_details(
    version: i64,
    input: PortalDetailsInput,
) -> Result<PortalMe, AppError> {
    let who = crate::auth::ssr::customer_guard::<PortalUpdateDetails>()?;
    let pool = state()?.pool;
    ssr::update_details(&pool, &who, version, &input).await?;
    ssr::me(&pool, who.customer_id).await
}

/// The signed-in customer changes their password (their other sessions end).
#[server(endpoint = "portal_change_password", input = Json)]
pub async fn portal_change_password(
    current: crate::auth::password::Password,
    new: crate::auth::password::Password,
) -> Result<(), AppError> {
    let who = crate::auth::ssr::customer_guard::<PortalChangePassword>()?;
    ssr::change_password(&state()?, &who, current.as_str(), new.as_str()).await
}

/// Whether a link's token can still be used (the accept / reset pages ask before showing
/// their form). Anyone may ask: a token is 256 random bits.
#[server(endpoint = "portal_link_status", input = Json)]
pub async fn portal_link_status(token: String, purpose: String) -> Result<bool, AppError> {
    crate::auth::ssr::public_guard::<PortalLinkStatus>()?;
    if token.len() > 128 || !matches!(purpose.as_str(), "invite" | "reset" | "staff_invite") {
        return Err(AppError::BadRequest);
    }
    use crate::auth::principal::Principal;
    let (principal, purpose) = match purpose.as_str() {
        "staff_invite" => (Principal::Staff, "invite"),
        other => (Principal::Customer, other),
    };
    let pool = state()?.pool;
    Ok(crate::auth::links::owner(&pool, principal, &token, purpose)
        .await?
        .is_some())
}
