//! Offline tolerance: every row seen is cached (plus a background snapshot of the whole list
//! while it is small); without a network the list filters and sorts those, says so in a
//! banner, and writes wait for the connection.

use super::pager::CachedCount;
use super::state::ListState;
use super::table::CustomerTable;
use crate::customers::customer_snapshot;
use crate::customers::list::{matches_locally, sort_locally};
use crate::customers::model::Customer;
use crate::fmt::group_thousands;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// Follows the browser's connection (after mount: the server cannot know it) and fills the
/// cache with the snapshot.
pub fn watch_connection(list: ListState) {
    Effect::new(move |_| {
        if !window().navigator().on_line() {
            list.offline.set(true);
        }
        let off = window_event_listener(leptos::ev::offline, move |_| list.offline.set(true));
        let on = window_event_listener(leptos::ev::online, move |_| {
            list.offline.set(false);
            list.refresh.run(());
        });
        on_cleanup(move || {
            off.remove();
            on.remove();
        });
        spawn_local(async move {
            if let Ok(Some(rows)) = customer_snapshot().await {
                list.cache.update(|c| {
                    for r in rows {
                        c.entry(r.0).or_insert_with(|| r.into());
                    }
                });
            }
        });
    });
}

/// Keeps a page's rows for offline use (no re-render needed).
pub fn remember(list: ListState, rows: &[Customer]) {
    if list.offline.get_untracked() {
        list.offline.set(false);
    }
    list.cache.update_untracked(|c| {
        for r in rows {
            c.insert(r.customer_id, r.clone());
        }
    });
}

#[component]
pub fn OfflineBanner(list: ListState) -> impl IntoView {
    move || {
        list.offline.get().then(|| view! {
            <div class="offline-banner" role="status" data-testid="offline-banner">
                <strong>"You are offline."</strong>
                {format!(
                    " Showing the {} customers cached in this browser; search, filters and sorting work on them. Changes are disabled until the connection is back.",
                    group_thousands(list.cache.with(|c| c.len()) as i64)
                )}
            </div>
        })
    }
}

/// The cached rows that match the URL's search and filters, in its order: the first 200,
/// and how many match. Reads the cache tracked, so the results follow it.
pub fn cached_matches(list: ListState) -> (Vec<Customer>, usize) {
    let mut q = list.query.get_untracked();
    q.zone = use_context::<crate::ui::time::TimeZone>()
        .map(|z| z.0.get_untracked())
        .unwrap_or_default();
    let now = chrono::Utc::now();
    let mut rows: Vec<Customer> = list.cache.with(|c| {
        c.values()
            .filter(|c| matches_locally(c, &q, now))
            .cloned()
            .collect()
    });
    sort_locally(&mut rows, &q);
    let matched = rows.len();
    rows.truncate(200);
    (rows, matched)
}

#[component]
pub fn OfflineResults(list: ListState, rows: Vec<Customer>, matched: usize) -> impl IntoView {
    view! {
        <CustomerTable list rows live=false/>
        <CachedCount matched/>
    }
}
