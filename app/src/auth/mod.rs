//! Staff authentication: roles and what each may do, the signed-in user, the login page.
//!
//! Login and logout are plain form posts handled by axum routes (`ssr::login_handler`,
//! `ssr::logout_handler`) so they work the same before and after hydration and can answer
//! with redirects, `Set-Cookie` and `429 Retry-After` directly. Everything server-side
//! (passwords, sessions, throttling, the guard) lives in the `ssr` module.

use crate::error::AppError;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
pub mod credentials;
#[cfg(feature = "ssr")]
pub mod customer_account;
#[cfg(feature = "ssr")]
pub mod hashing;
#[cfg(feature = "ssr")]
pub mod links;
pub mod password;
pub mod permissions;
#[cfg(feature = "ssr")]
pub mod principal;
#[cfg(feature = "ssr")]
pub mod sessions;
#[cfg(feature = "ssr")]
pub mod ssr;
#[cfg(feature = "ssr")]
pub mod throttle;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Sales,
    Support,
    Accounting,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Sales, Role::Support, Role::Accounting];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Sales => "sales",
            Role::Support => "support",
            Role::Accounting => "accounting",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "Admin",
            Role::Sales => "Sales",
            Role::Support => "Support",
            Role::Accounting => "Accounting",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// Something a staff member may be allowed to do. The table in [`Capability::allows`] is
/// the single place that says which role may do what; guards and the UI both read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capability {
    /// See customers, their history and labels.
    ViewCustomers,
    /// Add, edit, delete and restore customers; manage labels.
    EditCustomers,
    /// Download Excel exports.
    ExportCustomers,
    /// Add and pin notes on a customer (every role: Support and Accounting talk to
    /// customers); a note's author, or an Admin, edits and deletes it.
    WriteNotes,
    /// Manage staff users, see the audit log and the mail outbox.
    Administer,
}

impl Capability {
    pub fn allows(self, role: Role) -> bool {
        use Role::*;
        match self {
            Capability::ViewCustomers => true,
            Capability::EditCustomers => matches!(role, Admin | Sales),
            Capability::ExportCustomers => matches!(role, Admin | Sales | Accounting),
            Capability::WriteNotes => matches!(role, Admin | Sales | Support | Accounting),
            Capability::Administer => matches!(role, Admin),
        }
    }
}

/// The signed-in staff member as the browser may see it: no hash, no session id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
}

impl CurrentUser {
    pub fn can(&self, capability: Capability) -> bool {
        capability.allows(self.role)
    }
}

/// Where a customer's portal login stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type))]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ssr", sqlx(type_name = "text", rename_all = "lowercase"))]
pub enum PortalState {
    /// Never invited, no password.
    #[default]
    None,
    /// Invited; has not chosen a password yet.
    Invited,
    /// Has a password and may sign in.
    Active,
    /// Staff switched access off.
    Disabled,
}

impl PortalState {
    /// Whether (re)sending the invitation makes sense: not verified, no password yet, not
    /// disabled.
    pub fn can_invite(self, verified: bool) -> bool {
        !verified && matches!(self, PortalState::None | PortalState::Invited)
    }

    pub fn label(self) -> &'static str {
        match self {
            PortalState::None => "Not invited",
            PortalState::Invited => "Invited",
            PortalState::Active => "Active",
            PortalState::Disabled => "Disabled",
        }
    }
}

/// What a customer may do in the portal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortalFeatures {
    /// Edit their own phone and address.
    pub edit_details: bool,
    /// Change their own password.
    pub change_password: bool,
}

impl Default for PortalFeatures {
    fn default() -> Self {
        PortalFeatures {
            edit_details: true,
            change_password: true,
        }
    }
}

/// Who is signed in, or `None`.
#[server(endpoint = "current_user")]
pub async fn get_current_user() -> Result<Option<CurrentUser>, AppError> {
    ssr::public_guard::<GetCurrentUser>()?;
    Ok(ssr::current_user())
}

/// Only local paths are accepted as a post-login destination (no open redirect).
pub fn safe_next(next: Option<&str>) -> String {
    // Only a path on this site: one leading `/` (a second one, or a `\` that browsers read
    // as one, would name another host), and printable ASCII only — browsers drop tabs and
    // newlines from a URL, so `/\t/evil.example` would become `//evil.example`; anything
    // else a real link holds arrives percent-encoded.
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && n.bytes().all(|b| b.is_ascii_graphic() && b != b'\\') =>
        {
            n.to_string()
        }
        _ => "/customers".to_string(),
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let query = use_query_map();
    let next = move || safe_next(query.read().get("next").as_deref());
    let error = move || {
        query.read().get("error").map(|e| match e.as_str() {
            "throttled" => {
                "Too many failed sign-in attempts. Please wait a few minutes and try again."
                    .to_string()
            }
            "expired" => "Your session has ended. Please sign in again.".to_string(),
            "server" => "Something went wrong on our side. Please try again.".to_string(),
            _ => "Incorrect e-mail or password.".to_string(),
        })
    };
    view! {
        <leptos_meta::Title text="Sign in · Customers"/>
        <main class="login-page">
            <form class="login-card" method="post" action="/auth/login">
                <h1>"Sign in"</h1>
                <p class="muted">"Customers · Sales"</p>
                {move || error().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
                <input type="hidden" name="next" value=next/>
                <label for="login-email">"E-mail"</label>
                <input id="login-email" name="email" type="email" autocomplete="username" required autofocus/>
                <label for="login-password">"Password"</label>
                <input id="login-password" name="password" type="password" autocomplete="current-password" required/>
                <button type="submit" class="btn btn-primary">"Sign in"</button>
            </form>
        </main>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_is_limited_to_local_paths() {
        assert_eq!(safe_next(Some("/customers?q=a")), "/customers?q=a");
        assert_eq!(safe_next(Some("//evil.example")), "/customers");
        assert_eq!(safe_next(Some("https://evil.example")), "/customers");
        assert_eq!(safe_next(Some("/\\evil.example")), "/customers");
        assert_eq!(safe_next(None), "/customers");
        // Browsers strip tabs and newlines: `/\t/evil` is `//evil`, another host.
        for evil in [
            "/\t/evil.example/",
            "/\n/evil.example",
            "/\r/evil.example",
            "/ /evil.example",
            "/\u{0}/evil.example",
            "/\u{200b}/evil.example",
            "/\u{3000}/evil.example",
            "/customers\u{7f}",
        ] {
            assert_eq!(safe_next(Some(evil)), "/customers", "{evil:?}");
        }
        assert_eq!(
            safe_next(Some("/customers/7?tab=history")),
            "/customers/7?tab=history"
        );
    }

    #[test]
    fn only_admin_and_sales_edit() {
        let editors: Vec<_> = Role::ALL
            .into_iter()
            .filter(|r| Capability::EditCustomers.allows(*r))
            .collect();
        assert_eq!(editors, vec![Role::Admin, Role::Sales]);
        assert!(Role::ALL
            .into_iter()
            .all(|r| Capability::ViewCustomers.allows(r)));
        assert!(!Capability::ExportCustomers.allows(Role::Support));
    }

    #[test]
    fn roles_round_trip_through_their_names() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
    }
}
