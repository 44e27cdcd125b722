//! The signed-in shell (sidebar + header) around every staff page, and the 404 page.
//!
//! The shell sits above the features (it renders the staff feature's Change password dialog
//! and links to the Admin pages); features never import this file, only the widget-level
//! files beside it: `widgets` (modal, toasts, menus), `data_page` (header, loading / error /
//! empty states, table), `password_field`, `context` (the user, toasts) and `time` (times in
//! the reader's zone).

pub mod context;
pub mod data_page;
pub mod icons;
pub mod password_field;
pub mod reactive;
pub mod time;
pub mod widgets;

use crate::auth::{get_current_user, Capability};
use leptos::prelude::*;
use leptos_router::components::{Outlet, A};
use leptos_router::hooks::use_location;
use widgets::Toasts;

/// The Admin's pages in the sidebar, shown to whoever the permission table lets administer,
/// named as the pages themselves are.
const ADMIN_PAGES: [(&str, &str); 4] = [
    ("/staff", "Staff"),
    ("/audit", "Audit log"),
    ("/mail", "Mail"),
    ("/customers/trash", "Trash"),
];

/// Sidebar and header around every staff page. Unauthenticated page loads are redirected to
/// the login page by the server before they get here; if the session ends while the page is
/// open, the shell sends the browser there too.
///
/// Pages below the shell find the signed-in [`crate::auth::CurrentUser`] in context (the
/// shell renders them only once it is known) and the [`Toasts`].
#[component]
pub fn AppShell() -> impl IntoView {
    let user = Resource::new(|| (), |_| get_current_user());
    let location = use_location();
    let (nav_open, set_nav_open) = signal(false);
    let toasts = Toasts::new();
    provide_context(toasts);
    let changing_password = RwSignal::new(false);

    // Session gone (expired, logged out elsewhere): go to the login page and come back later.
    Effect::new(move |_| {
        if let Some(Ok(None)) = user.get() {
            let here = format!(
                "{}{}",
                location.pathname.get_untracked(),
                location.search.get_untracked()
            );
            let target = format!("/login?error=expired&next={}", urlencoding::encode(&here));
            let _ = window().location().set_href(&target);
        }
    });

    view! {
        <div
            class="app"
            class:nav-open=nav_open
            on:keydown=move |ev| {
                if ev.key() == "Escape" {
                    set_nav_open.set(false);
                }
            }
        >
            // One boundary awaits the user for the sidebar and the page: a resource read by
            // two parallel boundaries is the shape of Leptos' SSR hangs (leptos-rs/leptos#4851).
            <Transition fallback=move || view! {
                <Sidebar admin=false set_nav_open/>
                <div class="main"><div class="topbar"></div></div>
            }>
                {move || Suspend::new(async move {
                    let user = user.await;
                    let admin = matches!(&user, Ok(Some(u)) if u.can(Capability::Administer));
                    let main = match user {
                        Ok(Some(u)) => {
                            provide_context(u.clone());
                            view! {
                                <header class="topbar">
                                    <button
                                        class="icon-btn nav-toggle"
                                        aria-label="Toggle navigation"
                                        on:click=move |_| set_nav_open.update(|o| *o = !*o)
                                    >"☰"</button>
                                    <div class="spacer"></div>
                                    <span class="user-chip" data-testid="current-user">
                                        <span class="user-name">{u.name.clone()}</span>
                                        <span class="role-badge">{u.role.label()}</span>
                                    </span>
                                    <button type="button" class="btn btn-ghost" on:click=move |_| changing_password.set(true)>
                                        "Change password"
                                    </button>
                                    <form method="post" action="/auth/logout" class="inline-form">
                                        <button type="submit" class="btn btn-ghost">"Log out"</button>
                                    </form>
                                </header>
                                <main class="content">
                                    <Outlet/>
                                </main>
                            }
                            .into_any()
                        }
                        Ok(None) => view! { <p class="content muted">"Redirecting to sign in…"</p> }.into_any(),
                        Err(e) => view! { <p class="content form-error" role="alert">{e.to_string()}</p> }.into_any(),
                    };
                    view! {
                        <Sidebar admin set_nav_open/>
                        <div class="main">{main}</div>
                    }
                })}
            </Transition>
            <widgets::ToastHost toasts/>
            // Its code is fetched when it is first opened.
            {move || changing_password.get().then(|| widgets::on_demand(crate::staff::page::change_own_password_modal(
                Callback::new(move |_| changing_password.set(false)),
            )))}
        </div>
    }
}

/// The navigation: the Sales pages for everyone, the Administration pages (Staff, Audit log,
/// Mail, Trash) for whoever may administer — the only way to them, not buttons on the
/// Customers page.
#[component]
fn Sidebar(admin: bool, set_nav_open: WriteSignal<bool>) -> impl IntoView {
    view! {
        <aside class="sidebar" aria-label="Main navigation">
            <div class="brand">
                "Customers"
                <button
                    class="icon-btn nav-close"
                    aria-label="Close navigation"
                    on:click=move |_| set_nav_open.set(false)
                >"✕"</button>
            </div>
            <nav>
                <p class="nav-group">"Sales"</p>
                <ul on:click=move |_| set_nav_open.set(false)>
                    <li><A href="/overview" attr:class="nav-link">"Overview"</A></li>
                    <li><span class="nav-link disabled" aria-disabled="true" title="Coming soon">"Clients"</span></li>
                    <li><A href="/customers" attr:class="nav-link">"Customers"</A></li>
                </ul>
                {admin.then(|| view! {
                    <p class="nav-group">"Administration"</p>
                    <ul on:click=move |_| set_nav_open.set(false)>
                        {ADMIN_PAGES.iter().map(|(href, label)| view! {
                            <li><A href=*href attr:class="nav-link">{*label}</A></li>
                        }).collect_view()}
                    </ul>
                })}
            </nav>
        </aside>
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
            resp.set_status(http::StatusCode::NOT_FOUND);
        }
    }
    view! {
        <main class="empty-state">
            <h1>"Page not found"</h1>
            <p><data_page::BackToList plain=true/></p>
        </main>
    }
}
