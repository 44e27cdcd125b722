//! The toolbar's further filters (#18): countries (several), and under "More filters" the
//! gender, the days created and updated, and the last portal access. Each change goes to the
//! URL (so to the server, the export and a copied link) and starts again at the first page.

use super::state::ListState;
use crate::customers::list::{DateRange, LastAccess};
use crate::customers::model::Gender;
use crate::fmt::{countries, country_name_str};
use crate::ui::widgets::FilterMenu;
use leptos::prelude::*;

/// Countries, several at once: a searchable list with the chosen ones first.
#[component]
pub fn CountryFilter(list: ListState) -> impl IntoView {
    let chosen = Memo::new(move |_| list.query.with(|q| q.countries.clone()));
    let summary = Signal::derive(move || {
        chosen.with(|c| match c.len() {
            0 => "All countries".to_string(),
            1 => country_name_str(&c[0]).to_string(),
            n => format!("{n} countries"),
        })
    });
    let find = RwSignal::new(String::new());
    let toggle = move |code: &'static str| {
        let mut c = chosen.get_untracked();
        if let Some(i) = c.iter().position(|x| x == code) {
            c.remove(i);
        } else {
            c.push(code.to_string());
        }
        list.refilter(|u| u.countries = c, false);
    };
    let shown = move || {
        let needle = find.get().trim().to_lowercase();
        let picked = chosen.get();
        let mut all: Vec<(&'static str, &'static str)> = countries()
            .into_iter()
            .filter(|(code, name)| {
                needle.is_empty()
                    || name.to_lowercase().contains(&needle)
                    || code.eq_ignore_ascii_case(&needle)
            })
            .collect();
        all.sort_by_key(|(code, _)| !picked.iter().any(|p| p == code));
        all
    };
    view! {
        <FilterMenu summary label="Country filter" class="country-filter-popover">
            <input type="search" class="menu-search" placeholder="Find a country"
                aria-label="Find a country"
                prop:value=move || find.get()
                on:input=move |ev| find.set(event_target_value(&ev))/>
            <div class="menu-scroll">
                <For each=shown key=|(code, _)| *code let:((code, name))>
                    <label class="check">
                        <input type="checkbox"
                            prop:checked=move || chosen.with(|c| c.iter().any(|x| x == code))
                            on:change=move |_| toggle(code)/>
                        {name}
                        <span class="muted small">{code}</span>
                    </label>
                </For>
            </div>
            <button type="button" class="btn" on:click=move |_| list.refilter(|u| u.countries.clear(), false)>
                "Clear"
            </button>
        </FilterMenu>
    }
}

/// One date range's two fields; a range that ends before it starts is refused next to it.
#[component]
fn DaysField(
    list: ListState,
    #[prop(into)] legend: &'static str,
    range: Signal<DateRange>,
    set: fn(&mut super::url::ListUrl, DateRange),
) -> impl IntoView {
    let error = RwSignal::new(None::<&'static str>);
    // The range changed (a valid edit, Clear, a saved view): no refusal stands.
    Effect::new(move |_| {
        range.track();
        error.set(None);
    });
    let id = legend.to_lowercase().replace(' ', "-");
    let change = move |from: bool, value: String| {
        let mut r = range.get_untracked();
        let day = value.parse().ok();
        if from {
            r.from = day;
        } else {
            r.to = day;
        }
        if !r.is_valid() {
            error.set(Some("The end is before the start."));
            return;
        }
        error.set(None);
        list.refilter(|u| set(u, r), false);
    };
    let day = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    view! {
        <fieldset class="days" aria-describedby=format!("{id}-error")>
            <legend>{legend}</legend>
            <label>"From"
                <input type="date" aria-label=format!("{legend} from")
                    prop:value=move || day(range.get().from)
                    on:change=move |ev| change(true, event_target_value(&ev))/>
            </label>
            <label>"To"
                <input type="date" aria-label=format!("{legend} to")
                    prop:value=move || day(range.get().to)
                    on:change=move |ev| change(false, event_target_value(&ev))/>
            </label>
            <p class="field-error" id=format!("{id}-error") role="alert">{move || error.get()}</p>
        </fieldset>
    }
}

/// Gender, the days created and updated, and the last portal access.
#[component]
pub fn MoreFilters(list: ListState) -> impl IntoView {
    let q = list.query;
    let count = Memo::new(move |_| q.with(|q| q.more_filter_count()));
    let summary = Signal::derive(move || match count.get() {
        0 => "More filters".to_string(),
        n => format!("More filters ({n})"),
    });
    view! {
        <FilterMenu summary label="More filters" class="more-filters-popover">
            <label class="stacked">"Gender"
                <select aria-label="Gender" on:change=move |ev| {
                    let g = Gender::parse(&event_target_value(&ev));
                    list.refilter(|u| u.gender = g, false);
                }>
                    <option value="" selected=move || q.with(|q| q.gender.is_none())>"Any gender"</option>
                    {Gender::ALL.into_iter().map(|g| view! {
                        <option value=g.as_str() selected=move || q.with(|q| q.gender == Some(g))>{g.label()}</option>
                    }).collect_view()}
                </select>
            </label>
            <DaysField list legend="Date created"
                range=Signal::derive(move || q.with(|q| q.created))
                set=|u, r| u.created = r/>
            <DaysField list legend="Date updated"
                range=Signal::derive(move || q.with(|q| q.updated))
                set=|u, r| u.updated = r/>
            <label class="stacked">"Last access"
                <select aria-label="Last access" on:change=move |ev| {
                    let a = LastAccess::parse(&event_target_value(&ev));
                    list.refilter(|u| u.access = a, false);
                }>
                    <option value="" selected=move || q.with(|q| q.access.is_none())>"Any time"</option>
                    {LastAccess::ALL.into_iter().map(|a| view! {
                        <option value=a.as_str() selected=move || q.with(|q| q.access == Some(a))>{a.label()}</option>
                    }).collect_view()}
                </select>
            </label>
            <button type="button" class="btn" on:click=move |_| list.refilter(|u| {
                u.gender = None;
                u.created = DateRange::default();
                u.updated = DateRange::default();
                u.access = None;
            }, false)>"Clear"</button>
        </FilterMenu>
    }
}

/// "Clear filters" while any filter is set (the search box keeps its text).
#[component]
pub fn ClearFilters(list: ListState) -> impl IntoView {
    let n = Memo::new(move |_| list.query.with(|q| q.filter_count()));
    view! {
        <Show when=move || { n.get() > 0 }>
            <button type="button" class="btn btn-link" on:click=move |_| list.refilter(|u| {
                u.status = None;
                u.labels.clear();
                u.label_match = None;
                u.countries.clear();
                u.gender = None;
                u.created = DateRange::default();
                u.updated = DateRange::default();
                u.access = None;
            }, false)>{move || format!("Clear filters ({})", n.get())}</button>
        </Show>
    }
}
