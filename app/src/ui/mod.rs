//! Shared layout and widgets: the signed-in shell (sidebar + header), empty and error states.

use crate::auth::{get_current_user, CurrentUser};
use leptos::prelude::*;
use leptos_router::components::{Outlet, A};
use leptos_router::hooks::use_location;

/// The signed-in user, available to every page inside the shell.
pub type UserResource = Resource<Result<Option<CurrentUser>, crate::error::AppError>>;

/// Sidebar and header around every staff page. Unauthenticated page loads are redirected to
/// the login page by the server before they get here; if the session ends while the page is
/// open, the next check sends the browser there too.
#[component]
pub fn AppShell() -> impl IntoView {
    let user: UserResource = Resource::new(|| (), |_| get_current_user());
    provide_context(user);
    let location = use_location();
    let (nav_open, set_nav_open) = signal(false);

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
                    <ul>
                        <li><span class="nav-link disabled" aria-disabled="true" title="Coming soon">"Clients"</span></li>
                        <li on:click=move |_| set_nav_open.set(false)>
                            <A href="/customers" attr:class="nav-link">"Customers"</A>
                        </li>
                    </ul>
                </nav>
            </aside>
            <div class="main">
                <header class="topbar">
                    <button
                        class="icon-btn nav-toggle"
                        aria-label="Toggle navigation"
                        on:click=move |_| set_nav_open.update(|o| *o = !*o)
                    >"☰"</button>
                    <div class="spacer"></div>
                    <Transition fallback=|| view! { <span class="user-chip muted">"…"</span> }>
                        {move || user.get().map(|r| match r {
                            Ok(Some(u)) => view! {
                                <span class="user-chip" data-testid="current-user">
                                    <span class="user-name">{u.name.clone()}</span>
                                    <span class="role-badge">{u.role.label()}</span>
                                </span>
                                <form method="post" action="/auth/logout" class="inline-form">
                                    <button type="submit" class="btn btn-ghost">"Log out"</button>
                                </form>
                            }.into_any(),
                            _ => view! { <span class="user-chip muted">"Not signed in"</span> }.into_any(),
                        })}
                    </Transition>
                </header>
                <main class="content" on:click=move |_| set_nav_open.set(false)>
                    <Outlet/>
                </main>
            </div>
        </div>
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
            <p><a href="/customers">"Go to Customers"</a></p>
        </main>
    }
}
