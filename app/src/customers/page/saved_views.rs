//! The toolbar's Views menu: the team's saved views and this user's own, one click to apply
//! (their search, filters, sort and columns), and "Save current view…". Loaded after the page
//! is interactive (the list itself never waits for them).

use super::state::ListState;
use crate::auth::Capability;
use crate::customers::views::{
    delete_saved_view, list_saved_views, normalized_query, save_view, SavedView,
};
use crate::error::AppError;
use crate::ui::context::can;
use crate::ui::widgets::FilterMenu;
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn SavedViews(list: ListState) -> impl IntoView {
    let views = RwSignal::new(Vec::<SavedView>::new());
    let open = RwSignal::new(false);
    let saving = RwSignal::new(false);
    let name = RwSignal::new(String::new());
    let shared = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let admin = can(Capability::Administer);
    let toasts = list.toasts;
    Effect::new(move |_| {
        spawn_local(async move {
            if let Ok(v) = list_saved_views().await {
                views.set(v);
            }
        });
    });
    let current = Memo::new(move |_| {
        let here = list.url.with(|u| normalized_query(&u.href()));
        views.with(|vs| vs.iter().find(|v| v.query == here).map(|v| v.name.clone()))
    });
    let summary = Signal::derive(move || current.get().unwrap_or_else(|| "Views".to_string()));
    let apply = move |v: SavedView| {
        open.set(false);
        list.columns.set_hidden(v.hidden_columns.clone());
        let url = super::url::ListUrl::parse(&v.query);
        list.set_url(
            move |u| {
                *u = super::url::ListUrl {
                    view: u.view,
                    size: u.size,
                    ..url
                }
            },
            false,
        );
    };
    let remove = move |id: i64| {
        spawn_local(async move {
            match delete_saved_view(id).await {
                Ok(v) => views.set(v),
                Err(e) => toasts.error(format!("Could not delete the view: {e}")),
            }
        });
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let query = list.url.with_untracked(|u| normalized_query(&u.href()));
        let hidden: Vec<String> = crate::customers::list::COLUMNS
            .iter()
            .map(|(k, _, _)| k.to_string())
            .filter(|k| list.columns.is_hidden(k))
            .collect();
        let (n, s) = (name.get_untracked(), shared.get_untracked());
        spawn_local(async move {
            match save_view(n.clone(), s, query, hidden).await {
                Ok(v) => {
                    views.set(v);
                    saving.set(false);
                    error.set(None);
                    name.set(String::new());
                    toasts.info(format!("View \u{201c}{}\u{201d} saved.", n.trim()));
                }
                Err(AppError::Validation(errs)) => {
                    error.set(errs.get("view_name").cloned());
                }
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    };
    let row = move |v: SavedView| {
        let deletable = !v.shared || admin;
        let id = v.id;
        let label = v.name.clone();
        let href = v.href();
        let applied = v.clone();
        view! {
            <li class="saved-view">
                <a href=href role="menuitem" on:click=move |ev| {
                    if ev.ctrl_key() || ev.meta_key() || ev.shift_key() || ev.button() != 0 {
                        return;
                    }
                    ev.prevent_default();
                    apply(applied.clone());
                }>{v.name.clone()}</a>
                {deletable.then(|| view! {
                    <button type="button" class="icon-btn btn-small" title="Delete view"
                        aria-label=format!("Delete view {label}")
                        on:click=move |_| remove(id)>"×"</button>
                })}
            </li>
        }
    };
    view! {
        <FilterMenu summary label="Saved views" class="saved-views-popover" open>
                    <p class="menu-heading">"Team views"</p>
                    <ul class="plain" role="menu" aria-label="Team views">
                        {move || views.get().into_iter().filter(|v| v.shared).map(row).collect_view()}
                    </ul>
                    {move || views.with(|v| !v.iter().any(|v| v.shared)).then(|| view! { <p class="muted small">"None yet."</p> })}
                    <p class="menu-heading">"My views"</p>
                    <ul class="plain" role="menu" aria-label="My views">
                        {move || views.get().into_iter().filter(|v| !v.shared).map(row).collect_view()}
                    </ul>
                    {move || views.with(|v| !v.iter().any(|v| !v.shared)).then(|| view! { <p class="muted small">"None yet."</p> })}
                    <Show when=move || saving.get() fallback=move || view! {
                        <button type="button" class="btn" on:click=move |_| saving.set(true)>"Save current view…"</button>
                    }>
                        <form class="save-view" on:submit=save>
                            <label class="stacked">"Name"
                                <input type="text" maxlength="60" aria-label="View name" autofocus
                                    aria-invalid=move || error.get().is_some().to_string()
                                    aria-describedby="view-name-error"
                                    prop:value=move || name.get()
                                    on:input=move |ev| name.set(event_target_value(&ev))/>
                            </label>
                            <p class="field-error" id="view-name-error" role="alert">{move || error.get()}</p>
                            {admin.then(|| view! {
                                <label class="check">
                                    <input type="checkbox" prop:checked=move || shared.get()
                                        on:change=move |ev| shared.set(event_target_checked(&ev))/>
                                    "Share with the team"
                                </label>
                            })}
                            <button type="submit" class="btn btn-primary">"Save"</button>
                        </form>
                    </Show>
        </FilterMenu>
    }
}
