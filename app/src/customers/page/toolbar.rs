//! Over the list: search (instant, sent after a pause), status and label filters, export,
//! refresh, visible columns, table / cards, and "Loading…" while a page is on its way.

use super::columns::ColumnsMenu;
use super::filters::{ClearFilters, CountryFilter, MoreFilters};
use super::saved_views::SavedViews;
use super::state::ListState;
use super::url::{LabelMatch, View};
use crate::auth::Capability;
use crate::customers::list::CustomerPage;
use crate::customers::model::Status;
use crate::error::AppError;
use crate::export::ui::ExportMenu;
use crate::labels::ui::LabelFilter;
use crate::labels::Label;
use crate::ui::context::can;
use crate::ui::icons::Icon;
use leptos::prelude::*;
use std::time::Duration;

/// How long the search box waits for more typing before it asks the server: long enough to
/// fold a fast typist's burst into one request, short enough that rows follow each pause
/// within ~150 ms (the list answers in a few ms; BENCHMARKS.md "In the browser").
const SEARCH_PAUSE: Duration = Duration::from_millis(80);

#[component]
pub fn Toolbar(
    list: ListState,
    page: Resource<Result<CustomerPage, AppError>>,
    labels: Resource<Result<Vec<Label>, AppError>>,
    cards: Memo<bool>,
    pending: RwSignal<bool>,
) -> impl IntoView {
    let query = list.query;
    // The search box: instant locally, sent to the URL (and so the server) after a pause.
    let search_text = RwSignal::new(list.url.with_untracked(|u| u.q.clone()));
    let search_generation = StoredValue::new(0u64);
    // Typed but not yet sent: the URL's search is older than the box then.
    let typing = StoredValue::new(false);
    // The URL's search changed another way (a saved view, Back / Forward): show it.
    Effect::new(move |_| {
        let q = list.url.with(|u| u.q.clone());
        if !typing.get_value() && search_text.get_untracked().trim() != q.trim() {
            search_text.set(q);
        }
    });
    let on_search = move |ev: leptos::ev::Event| {
        let text = event_target_value(&ev);
        search_text.set(text.clone());
        typing.set_value(true);
        let generation = search_generation.get_value() + 1;
        search_generation.set_value(generation);
        set_timeout(
            move || {
                if search_generation.get_value() == generation {
                    typing.set_value(false);
                    let q = if text.trim().is_empty() {
                        String::new()
                    } else {
                        text
                    };
                    list.refilter(|u| u.q = q, true);
                }
            },
            SEARCH_PAUSE,
        );
    };
    view! {
        <div class="toolbar card">
            <SavedViews list/>
            <input
                type="search"
                class="search"
                placeholder="Search name, User ID, email or phone"
                aria-label="Search customers"
                prop:value=move || search_text.get()
                on:input=on_search
            />
            <label class="filter">
                <span class="sr-only">"Status"</span>
                <select aria-label="Status" on:change=move |ev| {
                    let status = Status::parse(&event_target_value(&ev));
                    list.refilter(|u| u.status = status, false);
                }>
                    <option value="" selected=move || query.get().status.is_none()>"All statuses"</option>
                    <option value="active" selected=move || query.get().status == Some(Status::Active)>"Active"</option>
                    <option value="inactive" selected=move || query.get().status == Some(Status::Inactive)>"Inactive"</option>
                </select>
            </label>
            <Transition fallback=|| view! { <button type="button" class="btn filter-btn" disabled>"All labels ▾"</button> }>
                {move || Suspend::new(async move {
                    let ls = labels.await.unwrap_or_default();
                    view! {
                        <LabelFilter labels=ls
                            selected=Signal::derive(move || query.with(|q| q.labels.clone()))
                            all=Signal::derive(move || query.with(|q| q.all_labels))
                            on_change=Callback::new(move |(ids, all): (Vec<i64>, bool)| {
                                list.refilter(|u| {
                                    u.labels = ids;
                                    u.label_match = all.then_some(LabelMatch::All);
                                }, false);
                            })/>
                    }
                })}
            </Transition>
            <CountryFilter list/>
            <MoreFilters list/>
            <ClearFilters list/>
            <div class="spacer"></div>
            {can(Capability::ExportCustomers).then(|| view! {
                <ExportMenu
                    query=Signal::derive(move || query.get())
                    view_count=Signal::derive(move || page.get().and_then(|r| r.ok()).map(|p| p.total.display()))
                    selected=Signal::derive(move || {
                        let mut ids: Vec<i64> = list.selected.get().into_iter().collect();
                        ids.sort_unstable_by(|a, b| b.cmp(a));
                        ids
                    })
                    columns=Signal::derive(move || list.columns.shown())
                    disabled=Signal::derive(move || list.offline.get())
                />
            }.into_any())}
            <button type="button" class="icon-btn" title="Refresh" aria-label="Refresh" on:click=move |_| list.refresh.run(())>{Icon::Refresh.view()}</button>
            <ColumnsMenu columns=list.columns/>
            <button type="button" class="icon-btn" title="Switch view"
                aria-label=move || if cards.get() { "Show as table" } else { "Show as cards" }
                on:click=move |_| {
                    let to_cards = !cards.get_untracked();
                    list.columns.save_cards(to_cards);
                    list.set_url(|u| u.view = to_cards.then_some(View::Cards), false);
                }>{move || if cards.get() { Icon::Rows.view().into_any() } else { Icon::Grid.view().into_any() }}</button>
            <span class="pending" aria-live="polite">{move || pending.get().then_some("Loading…")}</span>
        </div>
    }
}
