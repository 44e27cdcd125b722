//! The Customers web app: components, server functions and domain logic, organised by
//! feature (`auth`, `customers`, …) with shared widgets in `ui`. Compiled twice: with `ssr`
//! into the server, with `hydrate` into the browser's wasm.
// The release wasm build nests view types deeper than the default limit allows.
#![recursion_limit = "256"]

pub mod audit;
pub mod audit_log;
pub mod auth;
pub mod customers;
#[cfg(feature = "ssr")]
pub mod db;
pub mod duplicates;
pub mod email;
pub mod error;
pub mod export;
pub mod fmt;
pub mod import;
pub mod labels;
pub mod mail;
pub mod notes;
pub mod overview;
pub mod portal;
pub mod prefs;
pub mod privacy;
pub mod routes;
pub mod staff;
#[cfg(feature = "ssr")]
pub mod state;
pub mod text;
pub mod ui;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::{
    components::{ParentRoute, Route, Router, Routes},
    path, Lazy, SsrMode,
};

/// Content-Security-Policy of everything that is not a rendered page (the server's default).
pub const DEFAULT_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     style-src-attr 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
     object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The policy of a rendered page: scripts only from us or carrying this response's nonce
/// (Leptos puts it on its hydration and streaming scripts), wasm compilation allowed, inline
/// `style` attributes (label colours) allowed, nothing may frame us.
pub fn page_csp(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; style-src-attr 'unsafe-inline'; img-src 'self' data:; \
         connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
         frame-ancestors 'none'"
    )
}

/// The HTML document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let (Some(nonce), Some(res)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) {
        if let Ok(v) = http::HeaderValue::from_str(&page_csp(&nonce)) {
            res.insert_header(http::header::CONTENT_SECURITY_POLICY, v);
        }
    }
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                <link rel="icon" href="/assets/favicon.svg" type="image/svg+xml"/>
                // The stylesheet's name carries its content hash (hash-files): known only here.
                <HashedStylesheet options=options.clone() id="leptos"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// Tells end-to-end tests, the browser benchmark (and anyone curious) that the wasm has taken
/// over the page: `<body data-hydrated="true">` and a `hydrated` performance mark, set once
/// hydration — including a lazily loaded page's chunk — is complete.
pub fn mark_hydrated() {
    if let Some(body) = document().body() {
        let _ = body.set_attribute("data-hydrated", "true");
    }
    // The moment, for the tests: `performance.getEntriesByName("hydrated")`.
    if let Some(performance) = window().performance() {
        let _ = performance.mark("hydrated");
    }
}

/// After hydration, in the background: the code of every staff page and dialog (the split
/// wasm's other chunks). They then open without a wait — and still open after the network
/// has dropped: a chunk that cannot be fetched when it is needed stops the app, and the
/// Customers list is meant to keep working offline. Not for visitors of the sign-in and
/// portal pages, who are not (yet) signed-in staff.
pub async fn preload_staff_code() {
    use leptos_router::LazyRoute;
    let path = window().location().pathname().unwrap_or_default();
    if ["/login", "/portal", "/staff/accept"]
        .iter()
        .any(|p| path.starts_with(p))
    {
        return;
    }
    let _ = lazy_preload!(customers::form::customer_form_modal);
    let _ = lazy_preload!(labels::ui::manage_labels_dialog);
    let _ = lazy_preload!(portal::staff_ui::reset_password_modal);
    let _ = lazy_preload!(staff::page::change_own_password_modal);
    let _ = lazy_preload!(export::ui::download);
    let _ = lazy_preload!(import::ui::import_wizard);
    routes::Profile::preload().await;
    routes::Overview::preload().await;
    routes::Trash::preload().await;
    routes::Duplicates::preload().await;
    routes::Imports::preload().await;
    routes::Staff::preload().await;
    routes::Audit::preload().await;
    routes::Mail::preload().await;
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    ui::time::provide_zone();

    view! {
        <Title text="Customers"/>
        <Router>
            <Routes fallback=|| view! { <ui::NotFound/> }>
                // Every page but the Customers list loads its code when first visited
                // (`routes`); the list, the shell and the 404 page are in the first chunk.
                <Route path=path!("/login") view={Lazy::<routes::Login>::new()}/>
                <Route path=path!("/staff/accept") view={Lazy::<routes::StaffAccept>::new()} ssr=SsrMode::InOrder/>
                <ParentRoute path=path!("/portal") view={Lazy::<routes::Portal>::new()} ssr=SsrMode::InOrder>
                    <Route path=path!("") view={Lazy::<routes::PortalHome>::new()}/>
                    <Route path=path!("/login") view={Lazy::<routes::PortalLogin>::new()}/>
                    <Route path=path!("/accept") view={Lazy::<routes::PortalAccept>::new()}/>
                    <Route path=path!("/reset") view={Lazy::<routes::PortalReset>::new()}/>
                    <Route path=path!("/forgot") view={Lazy::<routes::PortalForgot>::new()}/>
                </ParentRoute>
                // In-order streaming: each page arrives complete, so it reads right even
                // before (or without) the wasm; out-of-order chunks need JavaScript to land.
                <ParentRoute path=path!("") view=ui::AppShell ssr=SsrMode::InOrder>
                    <Route path=path!("/") view=customers::CustomersPage/>
                    <Route path=path!("/customers") view=customers::CustomersPage/>
                    <Route path=path!("/overview") view={Lazy::<routes::Overview>::new()}/>
                    <Route path=path!("/customers/duplicates") view={Lazy::<routes::Duplicates>::new()}/>
                    <Route path=path!("/customers/trash") view={Lazy::<routes::Trash>::new()}/>
                    <Route path=path!("/customers/imports") view={Lazy::<routes::Imports>::new()}/>
                    <Route path=path!("/customers/:id") view={Lazy::<routes::Profile>::new()}/>
                    <Route path=path!("/mail") view={Lazy::<routes::Mail>::new()}/>
                    <Route path=path!("/audit") view={Lazy::<routes::Audit>::new()}/>
                    <Route path=path!("/staff") view={Lazy::<routes::Staff>::new()}/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}
