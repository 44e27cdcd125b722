//! The rows: as a table (one header, for the live page and the offline results alike) or as
//! cards, with the tick boxes, the inline Active switch and each row's ⚙️ menu.

use super::row_actions::{open_edit, RowActions};
use super::state::ListState;
use super::status::StatusChip;
use crate::customers::list::{SortKey, COLUMNS};
use crate::customers::model::{Customer, Status};
use crate::customers::set_customer_status;
use crate::fmt::{country_name, fmt_date};
use crate::labels::ui::LabelChips;
use crate::ui::icons::Icon;
use crate::ui::time::LocalTime;
use leptos::prelude::*;
use leptos::task::spawn_local;

fn cell_text(c: &Customer, key: &str) -> String {
    match key {
        "id" => c.customer_id.to_string(),
        "first_name" => c.first_name.clone(),
        "last_name" => c.last_name.clone(),
        "email" => c.email.clone(),
        "contact" => c.phone.clone(),
        "birthday" => fmt_date(&c.birthday),
        "country" => country_name(&c.country),
        "status" => c.status.label().to_string(),
        // The dates are <LocalTime> (see `cell`).
        _ => String::new(),
    }
}

/// Flip Active / Inactive at once; put it back if the server refuses.
fn flip_status(list: ListState, c: &Customer) {
    let id = c.customer_id;
    let now = list
        .status_override
        .with_untracked(|o| o.get(&id).copied())
        .unwrap_or(c.status);
    let next = if now == Status::Active {
        Status::Inactive
    } else {
        Status::Active
    };
    list.status_override.update(|o| {
        o.insert(id, next);
    });
    spawn_local(async move {
        if let Err(e) = set_customer_status(id, next).await {
            list.status_override.update(|o| {
                o.insert(id, now);
            });
            list.toasts.error(format!("Status not changed: {e}"));
        }
    });
}

fn status_cell(list: ListState, c: &Customer) -> AnyView {
    let id = c.customer_id;
    let base = c.status;
    let current = move || {
        list.status_override
            .with(|o| o.get(&id).copied())
            .unwrap_or(base)
    };
    if list.can_edit {
        let c2 = c.clone();
        view! {
            <button
                type="button"
                role="switch"
                class="status-switch"
                disabled=move || list.offline.get()
                class:on=move || current() == Status::Active
                aria-checked=move || (current() == Status::Active).to_string()
                aria-label=format!("Active: {}", c.full_name())
                on:click=move |_| flip_status(list, &c2)
            >
                <span class="knob" aria-hidden="true"></span>
                <span class="switch-label">{move || current().label()}</span>
            </button>
        }
        .into_any()
    } else {
        view! { {move || view! { <StatusChip status=current()/> }} }.into_any()
    }
}

/// A name: a link to the profile. For those who may edit, a plain click opens the Edit
/// modal instead (the tracking-system manual: "Click the Name of the Customer to update");
/// a click with a modifier key, a middle click or no network follows the link.
fn name_link(list: ListState, c: &Customer, text: String, class: &'static str) -> AnyView {
    let id = c.customer_id;
    let title = if list.can_edit {
        format!("Edit {}", c.full_name())
    } else {
        format!("Open {}", c.full_name())
    };
    view! {
        <a class=class href=format!("/customers/{id}") title=title
            on:click=move |ev: leptos::ev::MouseEvent| {
                let plain = ev.button() == 0 && !(ev.ctrl_key() || ev.meta_key() || ev.shift_key() || ev.alt_key());
                if list.can_edit && plain && !list.offline.get_untracked() {
                    ev.prevent_default();
                    open_edit(list, id);
                }
            }>{text}</a>
    }
    .into_any()
}

fn cell(list: ListState, c: &Customer, key: &str) -> AnyView {
    match key {
        "status" => status_cell(list, c),
        "first_name" | "last_name" => name_link(list, c, cell_text(c, key), "name-link"),
        "labels" => view! { <LabelChips labels=c.labels.clone()/> }.into_any(),
        "created" => view! { <LocalTime t=c.created_at/> }.into_any(),
        "updated" => view! { <LocalTime t=c.updated_at/> }.into_any(),
        "last_access" => match c.last_access_at {
            Some(t) => view! { <LocalTime t/> }.into_any(),
            None => ().into_any(),
        },
        "country" if !c.country.is_empty() => {
            view! { <span title=c.country.clone()>{cell_text(c, key)}</span> }.into_any()
        }
        _ => cell_text(c, key).into_any(),
    }
}

fn select_box(list: ListState, id: i64, name: String) -> impl IntoView {
    view! {
        <input type="checkbox" class="row-select" aria-label=format!("Select {name}")
            disabled=move || list.offline.get()
            prop:checked=move || list.is_selected(id)
            on:change=move |_| list.toggle_row(id)/>
    }
}

/// A column's header: on the live page a button that sorts by it (when it can be sorted),
/// with `aria-sort`; over cached rows just its name.
fn header_cell(
    list: ListState,
    key: &'static str,
    label: &'static str,
    sort: Option<SortKey>,
    live: bool,
) -> AnyView {
    let hidden = move || list.columns.is_hidden(key);
    if !live {
        return view! { <th scope="col" data-col=key class:hidden-col=hidden>{label}</th> }
            .into_any();
    }
    let aria = move || {
        let q = list.query.get();
        match sort {
            Some(s) if q.sort == s => {
                if q.is_desc() {
                    "descending"
                } else {
                    "ascending"
                }
            }
            _ => "none",
        }
    };
    view! {
        <th scope="col" data-col=key aria-sort=aria class:hidden-col=hidden>
            {match sort {
                None => view! { <span>{label}</span> }.into_any(),
                Some(s) => view! {
                    <button type="button" class="sort-btn" on:click=move |_| {
                        let q = list.query.get_untracked();
                        let desc = q.sort == s && !q.is_desc();
                        list.refilter(|u| {
                            u.sort = Some(s);
                            u.dir = Some(if desc { super::url::Dir::Desc } else { super::url::Dir::Asc });
                        }, false);
                    }>
                        {label}
                        <span class="sort-arrow" aria-hidden="true">{move || match aria() {
                            "ascending" => "▲",
                            "descending" => "▼",
                            _ => "",
                        }}</span>
                    </button>
                }.into_any(),
            }}
        </th>
    }
    .into_any()
}

/// The box that ticks every row of the page.
fn page_select_header(list: ListState, page_ids: Vec<i64>) -> impl IntoView {
    let page_ids = StoredValue::new(page_ids);
    let all_ticked =
        move || list.all_matching.get() || page_ids.with_value(|ids| list.page_ticked(ids));
    view! {
        <th scope="col" class="select">
            <input type="checkbox" aria-label="Select all on this page"
                disabled=move || list.offline.get()
                prop:checked=all_ticked
                on:change=move |_| {
                    let on = all_ticked();
                    list.all_matching.set(false);
                    list.selected.update(|s| page_ids.with_value(|ids| for id in ids {
                        if on { s.remove(id); } else { s.insert(*id); }
                    }));
                }/>
        </th>
    }
}

fn row_view(list: ListState, c: Customer) -> impl IntoView {
    let id = c.customer_id;
    view! {
        <tr data-customer-id=id class="kb-row" tabindex="-1" class:selected=move || list.is_selected(id)>
            {list.can_edit.then(|| view! { <td class="select">{select_box(list, id, c.full_name())}</td> })}
            {COLUMNS.iter().map(|(key, _, _)| {
                let key: &'static str = key;
                let content = cell(list, &c, key);
                view! { <td data-col=key class:hidden-col=move || list.columns.is_hidden(key)>{content}</td> }
            }).collect_view()}
            <td class="actions"><RowActions list c=c.clone()/></td>
        </tr>
    }
}

/// The rows as a table. `live`: the page from the server (sortable headers, the page's tick
/// box, deleted rows leave at once); otherwise rows from the offline cache.
#[component]
pub fn CustomerTable(list: ListState, rows: Vec<Customer>, live: bool) -> impl IntoView {
    let page_ids: Vec<i64> = rows.iter().map(|c| c.customer_id).collect();
    let body = if live {
        view! {
            <For
                each=move || list.live_rows(&rows)
                key=|c| (c.customer_id, c.version)
                children=move |c| row_view(list, c)
            />
        }
        .into_any()
    } else {
        rows.into_iter()
            .map(|c| row_view(list, c))
            .collect_view()
            .into_any()
    };
    view! {
        <div class="card table-wrap" data-testid=(!live).then_some("offline-results")>
            <table class="data-table">
                <thead>
                    <tr>
                        {list.can_edit.then(|| if live {
                            page_select_header(list, page_ids).into_any()
                        } else {
                            view! { <th scope="col" class="select"></th> }.into_any()
                        })}
                        {COLUMNS.iter().map(|(k, l, s)| header_cell(list, k, l, *s, live)).collect_view()}
                        <th scope="col" class="actions-head" title="Actions"><span class="sr-only">"Actions"</span>{Icon::Settings.view()}</th>
                    </tr>
                </thead>
                <tbody>{body}</tbody>
            </table>
        </div>
    }
}

/// The rows as cards (`view=cards`).
#[component]
pub fn CustomerCards(list: ListState, rows: Vec<Customer>) -> impl IntoView {
    let card_view = move |c: Customer| {
        let id = c.customer_id;
        view! {
            <article class="customer-card card kb-row" tabindex="-1" data-customer-id=id class:selected=move || list.is_selected(id)>
                <header>
                    {list.can_edit.then(|| select_box(list, id, c.full_name()))}
                    {name_link(list, &c, c.full_name(), "card-name")}
                    <RowActions list c=c.clone()/>
                </header>
                <dl>
                    {COLUMNS.iter().filter(|(k, _, _)| !matches!(*k, "first_name" | "last_name")).map(|(key, label, _)| {
                        let key: &'static str = key;
                        let content = cell(list, &c, key);
                        view! { <div class="kv" class:hidden-col=move || list.columns.is_hidden(key)><dt>{*label}</dt><dd>{content}</dd></div> }
                    }).collect_view()}
                </dl>
            </article>
        }
    };
    view! {
        <div class="card-grid">
            <For
                each=move || list.live_rows(&rows)
                key=|c| (c.customer_id, c.version)
                children=card_view
            />
        </div>
    }
}
