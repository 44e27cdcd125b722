//! Pages whose code the browser fetches when they are first visited: each is a separate
//! chunk of the wasm (`cargo leptos build --split`). The Customers list, the signed-in shell
//! and the 404 page are in the first chunk; everything else waits until it is wanted.
//!
//! On the server a lazy page renders as any other and names its chunk in the page's
//! `<head>` (`modulepreload`), so a page loaded directly still hydrates in one round of
//! downloads.

use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};

/// A page without route data of its own (its component creates its resources): the route's
/// data is nothing, its view the component, loaded on demand.
macro_rules! lazy_page {
    ($(#[$doc:meta])* $route:ident => $page:ident) => {
        $(#[$doc])*
        pub struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(_this: Self) -> AnyView {
                view! { <$page/> }.into_any()
            }
        }
    };
}

use crate::audit_log::page::AuditPage;
use crate::auth::LoginPage;
use crate::customers::{CustomerProfilePage, TrashPage};
use crate::duplicates::page::DuplicatesPage;
use crate::import::page::ImportsPage;
use crate::mail::page::MailPage;
use crate::overview::page::OverviewPage;
use crate::portal::pages::{
    PortalAcceptPage, PortalForgotPage, PortalHomePage, PortalLoginPage, PortalResetPage,
    PortalShell, StaffAcceptPage,
};
use crate::staff::page::StaffPage;

lazy_page!(
    /// `/login`.
    Login => LoginPage
);
lazy_page!(
    /// `/overview`: the customer base in numbers and charts.
    Overview => OverviewPage
);
lazy_page!(
    /// `/customers/:id`: Overview, History, Portal.
    Profile => CustomerProfilePage
);
lazy_page!(
    /// `/customers/trash`.
    Trash => TrashPage
);
lazy_page!(
    /// `/customers/duplicates`: find duplicates and merge them.
    Duplicates => DuplicatesPage
);
lazy_page!(
    /// `/customers/imports`.
    Imports => ImportsPage
);
lazy_page!(
    /// `/mail`.
    Mail => MailPage
);
lazy_page!(
    /// `/audit`.
    Audit => AuditPage
);
lazy_page!(
    /// `/staff`.
    Staff => StaffPage
);
lazy_page!(
    /// `/staff/accept`: a new staff member sets a password.
    StaffAccept => StaffAcceptPage
);
lazy_page!(
    /// The frame of `/portal/…`.
    Portal => PortalShell
);
lazy_page!(
    /// `/portal`.
    PortalHome => PortalHomePage
);
lazy_page!(
    /// `/portal/login`.
    PortalLogin => PortalLoginPage
);
lazy_page!(
    /// `/portal/accept`.
    PortalAccept => PortalAcceptPage
);
lazy_page!(
    /// `/portal/reset`.
    PortalReset => PortalResetPage
);
lazy_page!(
    /// `/portal/forgot`.
    PortalForgot => PortalForgotPage
);
