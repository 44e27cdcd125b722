//! Staff management (Admins): the staff list, adding staff by invitation e-mail or with a set
//! password, changing roles, deactivating and reactivating (sessions end at once), resetting
//! a staff member's password — and every staff member changing their own password. There is
//! always at least one active Admin.

pub mod page;
#[cfg(feature = "ssr")]
pub mod ssr;

use crate::auth::password::Password;
use crate::auth::Role;
use crate::error::AppError;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

/// A staff member as the Staff page shows them (no hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffMember {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub last_login_at: Option<DateTime<Utc>>,
    /// Invited and has not chosen a password yet.
    pub invited: bool,
}

/// "+ Add staff": invite by e-mail (they choose a password) or set one now.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct NewStaff {
    pub name: String,
    pub email: String,
    pub role: Option<Role>,
    /// Empty: send an invitation e-mail instead.
    pub password: Password,
}

#[server(endpoint = "list_staff", input = Json)]
pub async fn list_staff() -> Result<Vec<StaffMember>, AppError> {
    crate::auth::ssr::staff_guard::<ListStaff>()?;
    Ok(ssr::list(&crate::state::pool()?).await?)
}

#[server(endpoint = "create_staff_user", input = Json)]
pub async fn create_staff_user(input: NewStaff) -> Result<StaffMember, AppError> {
    let me = crate::auth::ssr::staff_guard::<CreateStaffUser>()?;
    ssr::create(&crate::state::AppState::from_context()?, &me, input).await
}

#[server(endpoint = "set_staff_role", input = Json)]
pub async fn set_staff_role(id: i64, role: Role) -> Result<StaffMember, AppError> {
    let me = crate::auth::ssr::staff_guard::<SetStaffRole>()?;
    ssr::set_role(&crate::state::pool()?, &me, id, role).await
}

/// Deactivate (their sessions end at once) or reactivate a staff member.
#[server(endpoint = "set_staff_active", input = Json)]
pub async fn set_staff_active(id: i64, active: bool) -> Result<StaffMember, AppError> {
    let me = crate::auth::ssr::staff_guard::<SetStaffActive>()?;
    ssr::set_active(&crate::state::pool()?, &me, id, active).await
}

/// Set a staff member's password (their sessions end); optionally tell them by e-mail.
#[server(endpoint = "reset_staff_password", input = Json)]
pub async fn reset_staff_password(
    id: i64,
    password: Password,
    notify: bool,
) -> Result<StaffMember, AppError> {
    let me = crate::auth::ssr::staff_guard::<ResetStaffPassword>()?;
    ssr::reset_password(
        &crate::state::AppState::from_context()?,
        &me,
        id,
        password.as_str(),
        notify,
    )
    .await
}

/// Any staff member changes their own password (their other sessions end).
#[server(endpoint = "change_own_password", input = Json)]
pub async fn change_own_password(current: Password, new: Password) -> Result<(), AppError> {
    let me = crate::auth::ssr::staff_guard::<ChangeOwnPassword>()?;
    ssr::change_own_password(
        &crate::state::AppState::from_context()?,
        &me,
        current.as_str(),
        new.as_str(),
    )
    .await
}
