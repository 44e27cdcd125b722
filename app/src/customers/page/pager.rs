//! Under the list: rows per page (saved for the user), "21–40 of 1,234", previous / next.

use super::state::ListState;
use crate::customers::list::{CustomerPage, DEFAULT_PAGE_SIZE, PAGE_SIZES};
use leptos::prelude::*;
use std::collections::HashSet;

#[component]
pub fn Pager(list: ListState, page: CustomerPage, start: Memo<i64>) -> impl IntoView {
    let ids = StoredValue::new(page.rows.iter().map(|c| c.customer_id).collect::<Vec<_>>());
    let count = move |hidden: &HashSet<i64>| {
        ids.with_value(|ids| ids.iter().filter(|i| !hidden.contains(i)).count() as i64)
    };
    // Rows deleted a moment ago leave the count at once.
    let shown = move || list.hidden_rows.with(count);
    let first = start.get_untracked();
    let total = page.total.display();
    let summary = move || {
        let shown = shown();
        let range = if shown == 0 {
            "0".to_string()
        } else {
            format!("{}–{}", first, first + shown - 1)
        };
        format!("{range} of {total}")
    };
    let (next, prev, size) = (page.next, page.prev, page.size);
    view! {
        <div class="pager">
            <label class="page-size">
                "Rows per page "
                <select on:change=move |ev| {
                    let size: u32 = event_target_value(&ev).parse().unwrap_or(DEFAULT_PAGE_SIZE);
                    list.columns.save_page_size(size);
                    list.refilter(|u| u.size = Some(size), false);
                }>
                    {PAGE_SIZES.iter().map(|s| view! { <option value=s.to_string() selected=*s == size>{s.to_string()}</option> }).collect_view()}
                </select>
            </label>
            <span class="page-range" data-testid="page-range">{summary}</span>
            <button type="button" class="icon-btn" aria-label="Previous page" disabled=prev.is_none()
                on:click=move |_| if let Some(c) = prev.clone() {
                    let s = (first - i64::from(size)).max(1);
                    list.set_url(|u| {
                        u.cursor = Some(c);
                        u.start = (s > 1).then_some(s);
                    }, false);
                }>"‹"</button>
            <button type="button" class="icon-btn" aria-label="Next page" disabled=next.is_none()
                on:click=move |_| if let Some(c) = next.clone() {
                    list.set_url(|u| {
                        u.cursor = Some(c);
                        u.start = Some(first + list.hidden_rows.with_untracked(count));
                    }, false);
                }>"›"</button>
        </div>
    }
}

/// The pager over cached rows while offline: how many match, no paging.
#[component]
pub fn CachedCount(matched: usize) -> impl IntoView {
    view! {
        <div class="pager">
            <span class="page-range" data-testid="page-range">
                {format!("{} cached match{}", crate::fmt::group_thousands(matched as i64), if matched == 1 { "" } else { "es" })}
            </span>
        </div>
    }
}
