//! The Customers page: search, filters, sort, page size and keyset paging (all in the URL),
//! column visibility (saved per user), table or cards, inline Active/Inactive switch,
//! + Add customer, row actions, delete with Undo.

pub mod status;

use super::bulk::{BulkAction, BulkOutcome, BulkTarget};
use super::form::{CustomerFormModal, FormTarget};
use super::list::{
    matches_locally, sort_locally, Cursor, CustomerPage, CustomerQuery, SortKey, COLUMNS,
    DEFAULT_PAGE_SIZE, PAGE_SIZES,
};
use super::model::{Customer, Status};
use super::{
    bulk_update_customers, count_matching_customers, customer_snapshot, delete_customer,
    get_customer, list_customers, restore_customer, restore_customer_batch, set_customer_status,
};
use crate::auth::Capability;
use crate::auth::PortalState;
use crate::error::AppError;
use crate::export::ui::ExportMenu;
use crate::fmt::{country_name, fmt_date, fmt_datetime};
use crate::labels::list_labels;
use crate::labels::ui::{LabelChips, LabelFilter, ManageLabelsDialog};
use crate::portal::staff_ui::{send_invitation, ResetPasswordModal};
use crate::prefs::{get_list_prefs, save_list_prefs, ListPrefs};
use crate::ui::context::{can, use_toasts};
use crate::ui::widgets::{ActionsMenu, Modal, Toasts};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::NavigateOptions;
use status::StatusChip;
use std::collections::{HashMap, HashSet};
use std::time::Duration;

/// Delete now, offer Undo in a toast; `after` runs once the list should be reloaded.
pub fn delete_with_undo(
    toasts: Toasts,
    id: i64,
    hidden: RwSignal<HashSet<i64>>,
    after: Callback<()>,
) {
    hidden.update(|h| {
        h.insert(id);
    });
    spawn_local(async move {
        match delete_customer(id).await {
            Ok(()) => {
                after.run(());
                let undo = Callback::new(move |_| {
                    spawn_local(async move {
                        match restore_customer(id).await {
                            Ok(_) => {
                                hidden.update(|h| {
                                    h.remove(&id);
                                });
                                after.run(());
                                toasts.info("Customer restored");
                            }
                            Err(e) => toasts.error(e.to_string()),
                        }
                    });
                });
                toasts.with_action("Customer deleted", "Undo", undo);
            }
            Err(e) => {
                hidden.update(|h| {
                    h.remove(&id);
                });
                toasts.error(e.to_string());
            }
        }
    });
}

/// A bulk action waiting for its confirmation.
#[derive(Clone)]
struct PendingBulk {
    action: BulkAction,
    label_name: Option<String>,
    target: BulkTarget,
    count: i64,
}

impl PendingBulk {
    fn question(&self) -> String {
        let n = format!(
            "{}{} customer{}",
            if matches!(self.target, BulkTarget::Matching { .. }) {
                "all "
            } else {
                ""
            },
            crate::fmt::group_thousands(self.count),
            if self.count == 1 { "" } else { "s" }
        );
        let label = self.label_name.as_deref().unwrap_or("");
        match self.action {
            BulkAction::AddLabel { .. } => format!("Add label “{label}” to {n}?"),
            BulkAction::RemoveLabel { .. } => format!("Remove label “{label}” from {n}?"),
            BulkAction::SetStatus { status } => format!("Set {n} to {}?", status.label()),
            BulkAction::Delete => format!("Delete {n}? You can undo this right after."),
        }
    }
}

fn restored_message(o: &BulkOutcome) -> String {
    let n = crate::fmt::group_thousands(o.changed);
    let s = if o.changed == 1 { "" } else { "s" };
    if o.changed == o.matched {
        format!("{n} customer{s} restored")
    } else {
        format!(
            "{n} customer{s} restored; {} could not be, because another customer now uses their email (see Trash)",
            crate::fmt::group_thousands(o.matched - o.changed)
        )
    }
}

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
        "created" => fmt_datetime(&c.created_at),
        "updated" => fmt_datetime(&c.updated_at),
        "last_access" => c
            .last_access_at
            .as_ref()
            .map(fmt_datetime)
            .unwrap_or_default(),
        _ => String::new(),
    }
}

/// The list state as it appears in the URL.
fn query_from_url(get: &dyn Fn(&str) -> Option<String>) -> CustomerQuery {
    let sort = get("sort")
        .and_then(|s| SortKey::parse(&s))
        .unwrap_or_default();
    CustomerQuery {
        q: get("q").unwrap_or_default(),
        status: get("status").and_then(|s| Status::parse(&s)),
        labels: get("labels")
            .map(|s| s.split(',').filter_map(|id| id.parse().ok()).collect())
            .unwrap_or_default(),
        all_labels: get("match").as_deref() == Some("all"),
        sort,
        desc: match get("dir").as_deref() {
            Some("asc") => Some(false),
            Some("desc") => Some(true),
            _ => None,
        },
        // 0: the server applies this user's saved page size.
        size: get("size").and_then(|s| s.parse().ok()).unwrap_or(0),
        cursor: get("cursor").and_then(|c| Cursor::decode(&c)),
    }
}

#[component]
pub fn CustomersPage() -> impl IntoView {
    let can_edit = can(Capability::EditCustomers);
    let is_admin = can(Capability::Administer);
    let toasts = use_toasts();
    let url = use_query_map();
    let navigate = use_navigate();
    let prefs = Resource::new(|| (), |_| get_list_prefs());

    let reload = RwSignal::new(0u32);
    let refresh = Callback::new(move |_| reload.update(|n| *n += 1));
    let hidden_rows = RwSignal::new(HashSet::<i64>::new());
    let status_override = RwSignal::new(HashMap::<i64, Status>::new());
    let modal = RwSignal::new(None::<FormTarget>);
    // The Reset password modal: (customer id, name).
    let resetting = RwSignal::new(None::<(i64, String)>);
    let hidden_cols = RwSignal::new(None::<HashSet<String>>);
    let columns_open = RwSignal::new(false);
    let pending = RwSignal::new(false);

    // Offline tolerance: every row seen is cached (plus a background snapshot of the whole
    // list while it is small); without a network the list filters and sorts those.
    let offline = RwSignal::new(false);
    let cache = RwSignal::new(HashMap::<i64, Customer>::new());
    Effect::new(move |_| {
        if !window().navigator().on_line() {
            offline.set(true);
        }
        let off = window_event_listener(leptos::ev::offline, move |_| offline.set(true));
        let on = window_event_listener(leptos::ev::online, move |_| {
            offline.set(false);
            reload.update(|n| *n += 1);
        });
        on_cleanup(move || {
            off.remove();
            on.remove();
        });
        spawn_local(async move {
            if let Ok(Some(rows)) = customer_snapshot().await {
                cache.update(|c| {
                    for r in rows {
                        c.entry(r.0).or_insert_with(|| r.into());
                    }
                });
            }
        });
    });

    // Change some URL parameters (None removes one); the list follows the URL.
    let set_params = {
        let navigate = navigate.clone();
        move |changes: Vec<(&'static str, Option<String>)>, replace: bool| {
            let mut params: Vec<(String, String)> = url.with_untracked(|m| {
                [
                    "q", "status", "labels", "match", "sort", "dir", "size", "view", "cursor",
                    "start",
                ]
                .iter()
                .filter_map(|k| m.get(k).map(|v| (k.to_string(), v)))
                .collect()
            });
            for (k, v) in changes {
                params.retain(|(pk, _)| pk != k);
                if let Some(v) = v {
                    params.push((k.to_string(), v));
                }
            }
            let qs: Vec<String> = params
                .iter()
                .map(|(k, v)| format!("{k}={}", urlencoding::encode(v)))
                .collect();
            let href = if qs.is_empty() {
                "/customers".to_string()
            } else {
                format!("/customers?{}", qs.join("&"))
            };
            navigate(
                &href,
                NavigateOptions {
                    replace,
                    scroll: false,
                    ..Default::default()
                },
            );
        }
    };

    // The page must not depend on another resource (it would differ between the server's
    // render and hydration); the server fills in the saved page size itself.
    let query = Memo::new(move |_| url.with(|m| query_from_url(&|k| m.get(k))));
    let view_cards = Memo::new(move |_| url.with(|m| m.get("view").as_deref() == Some("cards")));
    let start = Memo::new(move |_| {
        url.with(|m| {
            m.get("start")
                .and_then(|s| s.parse::<i64>().ok())
                .unwrap_or(1)
                .max(1)
        })
    });
    // Compute the URL-derived values now, while the router's state is certainly alive: on
    // the server a memo first read inside the page's Suspend could outlive it under load.
    let _ = (
        query.get_untracked(),
        view_cards.get_untracked(),
        start.get_untracked(),
    );
    let page = Resource::new(
        move || (query.get(), reload.get()),
        |(q, _)| list_customers(q),
    );
    let labels_version = RwSignal::new(0u32);
    let labels = Resource::new(move || labels_version.get(), |_| list_labels());
    let manage_open = RwSignal::new(false);
    let params = StoredValue::new(set_params.clone());

    // Bulk selection (Admin and Sales): ticked rows, or every customer the filters match.
    let selected = RwSignal::new(HashSet::<i64>::new());
    let all_matching = RwSignal::new(false);
    let confirm = RwSignal::new(None::<PendingBulk>);
    let bulk_busy = RwSignal::new(false);
    // Another search or filter starts a new selection (paging keeps it).
    let filter_key = Memo::new(move |_| {
        let q = query.get();
        (q.q, q.status, q.labels, q.all_labels)
    });
    Effect::new(move |prev: Option<()>| {
        filter_key.track();
        if prev.is_some() {
            selected.set(HashSet::new());
            all_matching.set(false);
        }
    });
    let clear_selection = move || {
        selected.set(HashSet::new());
        all_matching.set(false);
    };
    let start_bulk = move |action: BulkAction, label_name: Option<String>| {
        if all_matching.get_untracked() {
            let mut q = query.get_untracked();
            q.cursor = None;
            spawn_local(async move {
                match count_matching_customers(q.clone()).await {
                    Ok(n) => confirm.set(Some(PendingBulk {
                        action,
                        label_name,
                        target: BulkTarget::Matching {
                            query: q,
                            expected: n,
                        },
                        count: n,
                    })),
                    Err(e) => toasts.error(e.to_string()),
                }
            });
        } else {
            let mut ids: Vec<i64> = selected.get_untracked().into_iter().collect();
            ids.sort_unstable();
            let count = ids.len() as i64;
            confirm.set(Some(PendingBulk {
                action,
                label_name,
                target: BulkTarget::Ids { ids },
                count,
            }));
        }
    };
    let run_bulk = move |p: PendingBulk| {
        bulk_busy.set(true);
        spawn_local(async move {
            let result = bulk_update_customers(p.target.clone(), p.action).await;
            bulk_busy.set(false);
            confirm.set(None);
            match result {
                Ok(outcome) => {
                    clear_selection();
                    refresh.run(());
                    labels_version.update(|n| *n += 1);
                    let message = outcome.message(&p.action, p.label_name.as_deref());
                    match outcome.batch {
                        Some(batch) => {
                            let undo = Callback::new(move |_| {
                                let batch = batch.clone();
                                spawn_local(async move {
                                    match restore_customer_batch(batch).await {
                                        Ok(o) => {
                                            refresh.run(());
                                            labels_version.update(|n| *n += 1);
                                            toasts.info(restored_message(&o));
                                        }
                                        Err(e) => toasts.error(e.to_string()),
                                    }
                                });
                            });
                            toasts.with_action(message, "Undo", undo);
                        }
                        None => toasts.info(message),
                    }
                }
                Err(e) => toasts.error(e.to_string()),
            }
        });
    };

    // The search box: instant locally, sent to the URL (and so the server) after 180 ms of quiet.
    let search_text = RwSignal::new(url.with_untracked(|m| m.get("q").unwrap_or_default()));
    let search_generation = StoredValue::new(0u64);
    let on_search = {
        let set_params = set_params.clone();
        move |ev: leptos::ev::Event| {
            let text = event_target_value(&ev);
            search_text.set(text.clone());
            let generation = search_generation.get_value() + 1;
            search_generation.set_value(generation);
            let set_params = set_params.clone();
            set_timeout(
                move || {
                    if search_generation.get_value() == generation {
                        let q = (!text.trim().is_empty()).then(|| text.clone());
                        set_params(vec![("q", q), ("cursor", None), ("start", None)], true);
                    }
                },
                Duration::from_millis(180),
            );
        }
    };

    let is_hidden = move |key: &str| {
        hidden_cols.with(|h| match h {
            Some(h) => h.contains(key),
            None => prefs.with(|p| {
                p.as_ref()
                    .and_then(|p| p.as_ref().ok())
                    .is_some_and(|p| p.hidden_columns.iter().any(|c| c == key))
            }),
        })
    };
    let save_prefs = move |hidden: HashSet<String>, size: Option<u32>| {
        let mut cols: Vec<String> = hidden.into_iter().collect();
        cols.sort();
        let page_size = size.or_else(|| {
            prefs
                .get_untracked()
                .and_then(|p| p.ok())
                .and_then(|p| p.page_size)
        });
        spawn_local(async move {
            if let Err(e) = save_list_prefs(ListPrefs {
                hidden_columns: cols,
                page_size,
            })
            .await
            {
                toasts.error(format!("Could not save your view: {e}"));
            }
        });
    };
    let current_hidden = move || -> HashSet<String> {
        COLUMNS
            .iter()
            .map(|(k, _, _)| k.to_string())
            .filter(|k| is_hidden(k))
            .collect()
    };
    let toggle_column = move |key: &'static str| {
        let mut h = current_hidden();
        if !h.remove(key) {
            h.insert(key.to_string());
        }
        hidden_cols.set(Some(h.clone()));
        save_prefs(h, None);
    };

    let flip_status = move |c: &Customer| {
        let id = c.customer_id;
        let now = status_override
            .with_untracked(|o| o.get(&id).copied())
            .unwrap_or(c.status);
        let next = if now == Status::Active {
            Status::Inactive
        } else {
            Status::Active
        };
        status_override.update(|o| {
            o.insert(id, next);
        });
        spawn_local(async move {
            if let Err(e) = set_customer_status(id, next).await {
                status_override.update(|o| {
                    o.insert(id, now);
                });
                toasts.error(format!("Status not changed: {e}"));
            }
        });
    };

    let open_edit = move |id: i64| {
        spawn_local(async move {
            match get_customer(id).await {
                Ok(c) => modal.set(Some(FormTarget::Edit(Box::new(c)))),
                Err(e) => toasts.error(e.to_string()),
            }
        });
    };

    let status_cell = move |c: &Customer| {
        let id = c.customer_id;
        let base = c.status;
        let c2 = c.clone();
        let current = move || {
            status_override
                .with(|o| o.get(&id).copied())
                .unwrap_or(base)
        };
        if can_edit {
            view! {
                <button
                    type="button"
                    role="switch"
                    class="status-switch"
                    disabled=move || offline.get()
                    class:on=move || current() == Status::Active
                    aria-checked=move || (current() == Status::Active).to_string()
                    aria-label=format!("Active: {}", c.full_name())
                    on:click=move |_| flip_status(&c2)
                >
                    <span class="knob" aria-hidden="true"></span>
                    <span class="switch-label">{move || current().label()}</span>
                </button>
            }
            .into_any()
        } else {
            view! { {move || view! { <StatusChip status=current()/> }} }.into_any()
        }
    };

    let actions = move |c: &Customer| {
        let id = c.customer_id;
        let name = c.full_name();
        let email = c.email.clone();
        let invite_label = c.portal_state.can_invite(c.portal_verified).then_some(
            if c.portal_state == PortalState::None {
                "Send invitation"
            } else {
                "Resend invitation"
            },
        );
        view! {
            <ActionsMenu label=format!("Actions for {}", c.full_name())>
                <a role="menuitem" href=format!("/customers/{id}")>"View"</a>
                {can_edit.then(|| view! {
                    <button type="button" role="menuitem" disabled=move || offline.get()
                        on:click=move |_| open_edit(id)>"Edit"</button>
                    <button type="button" role="menuitem" disabled=move || offline.get()
                        on:click={
                            let name = name.clone();
                            move |_| resetting.set(Some((id, name.clone())))
                        }>"Reset password"</button>
                    {invite_label.map(|label| {
                        let email = email.clone();
                        view! {
                            <button type="button" role="menuitem" disabled=move || offline.get()
                                on:click=move |_| send_invitation(toasts, id, email.clone(), Some(refresh))>{label}</button>
                        }
                    })}
                    <button type="button" role="menuitem" class="danger" disabled=move || offline.get()
                        on:click=move |_| delete_with_undo(toasts, id, hidden_rows, refresh)>"Delete"</button>
                })}
            </ActionsMenu>
        }
    };

    let sort_header = {
        let set_params = set_params.clone();
        move |key: &'static str, label: &'static str, sort: Option<SortKey>| {
            let set_params = set_params.clone();
            let aria = move || {
                let q = query.get();
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
                <th scope="col" data-col=key aria-sort=aria class:hidden-col=move || is_hidden(key)>
                    {match sort {
                        None => view! { <span>{label}</span> }.into_any(),
                        Some(s) => view! {
                            <button type="button" class="sort-btn" on:click=move |_| {
                                let q = query.get_untracked();
                                let desc = if q.sort == s { !q.is_desc() } else { false };
                                set_params(vec![
                                    ("sort", Some(s.as_str().to_string())),
                                    ("dir", Some(if desc { "desc" } else { "asc" }.to_string())),
                                    ("cursor", None),
                                    ("start", None),
                                ], false);
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
        }
    };

    let cell = move |c: &Customer, key: &str| match key {
        "status" => status_cell(c).into_any(),
        "labels" => view! { <LabelChips labels=c.labels.clone()/> }.into_any(),
        _ => cell_text(c, key).into_any(),
    };
    let is_selected = move |id: i64| all_matching.get() || selected.with(|s| s.contains(&id));
    let toggle_row = move |id: i64| {
        all_matching.set(false);
        selected.update(|s| {
            if !s.remove(&id) {
                s.insert(id);
            }
        });
    };
    let select_box = move |id: i64, name: String| {
        view! {
            <input type="checkbox" class="row-select" aria-label=format!("Select {name}")
                disabled=move || offline.get()
                prop:checked=move || is_selected(id)
                on:change=move |_| toggle_row(id)/>
        }
    };

    let row_view = move |c: Customer| {
        let id = c.customer_id;
        view! {
            <tr data-customer-id=id class:selected=move || is_selected(id)>
                {can_edit.then(|| view! { <td class="select">{select_box(id, c.full_name())}</td> })}
                {COLUMNS.iter().map(|(key, _, _)| {
                    let key: &'static str = key;
                    let content = cell(&c, key);
                    view! { <td data-col=key class:hidden-col=move || is_hidden(key)>{content}</td> }
                }).collect_view()}
                <td class="actions">{actions(&c)}</td>
            </tr>
        }
    };

    let card_view = move |c: Customer| {
        let id = c.customer_id;
        view! {
            <article class="customer-card card" data-customer-id=id class:selected=move || is_selected(id)>
                <header>
                    {can_edit.then(|| select_box(id, c.full_name()))}
                    <a class="card-name" href=format!("/customers/{id}")>{c.full_name()}</a>
                    {actions(&c)}
                </header>
                <dl>
                    {COLUMNS.iter().filter(|(k, _, _)| !matches!(*k, "first_name" | "last_name")).map(|(key, label, _)| {
                        let key: &'static str = key;
                        let content = cell(&c, key);
                        view! { <div class="kv" class:hidden-col=move || is_hidden(key)><dt>{*label}</dt><dd>{content}</dd></div> }
                    }).collect_view()}
                </dl>
            </article>
        }
    };

    let pager = {
        let set_params = set_params.clone();
        move |p: &CustomerPage| {
            let shown = p
                .rows
                .iter()
                .filter(|c| !hidden_rows.with(|h| h.contains(&c.customer_id)))
                .count() as i64;
            let first = start.get();
            let range = if shown == 0 {
                "0".to_string()
            } else {
                format!("{}–{}", first, first + shown - 1)
            };
            let summary = format!("{range} of {}", p.total.display());
            let next = p.next.clone();
            let prev = p.prev.clone();
            let size = p.size;
            let (sp1, sp2, sp3) = (set_params.clone(), set_params.clone(), set_params.clone());
            view! {
                <div class="pager">
                    <label class="page-size">
                        "Rows per page "
                        <select on:change=move |ev| {
                            let size: u32 = event_target_value(&ev).parse().unwrap_or(DEFAULT_PAGE_SIZE);
                            save_prefs(current_hidden(), Some(size));
                            sp1(vec![("size", Some(size.to_string())), ("cursor", None), ("start", None)], false);
                        }>
                            {PAGE_SIZES.iter().map(|s| view! { <option value=s.to_string() selected=*s == size>{s.to_string()}</option> }).collect_view()}
                        </select>
                    </label>
                    <span class="page-range" data-testid="page-range">{summary}</span>
                    <button type="button" class="icon-btn" aria-label="Previous page" disabled=prev.is_none()
                        on:click=move |_| if let Some(c) = prev.clone() {
                            let s = (first - i64::from(size)).max(1);
                            sp2(vec![("cursor", Some(c.encode())), ("start", (s > 1).then(|| s.to_string()))], false);
                        }>"‹"</button>
                    <button type="button" class="icon-btn" aria-label="Next page" disabled=next.is_none()
                        on:click=move |_| if let Some(c) = next.clone() {
                            sp3(vec![("cursor", Some(c.encode())), ("start", Some((first + shown).to_string()))], false);
                        }>"›"</button>
                </div>
            }
        }
    };

    // The bar over the list while rows are ticked.
    let bulk_bar = move |ls: Vec<crate::labels::Label>,
                         total: super::list::Count,
                         more_pages: bool,
                         page_ids: Vec<i64>| {
        let ls = StoredValue::new(ls);
        let page_ids = StoredValue::new(page_ids);
        let page_all_ticked = move || {
            let h = hidden_rows.get();
            page_ids.with_value(|ids| {
                let live: Vec<&i64> = ids.iter().filter(|i| !h.contains(i)).collect();
                !live.is_empty() && live.iter().all(|i| selected.with(|s| s.contains(i)))
            })
        };
        let label_select = move |aria: &'static str, first: &'static str, add: bool| {
            view! {
                <select aria-label=aria disabled=move || offline.get() on:change=move |ev| {
                    let el = event_target::<web_sys::HtmlSelectElement>(&ev);
                    let v = el.value();
                    el.set_value("");
                    let Ok(label_id) = v.parse::<i64>() else { return };
                    let name = ls.with_value(|ls| ls.iter().find(|l| l.label_id == label_id).map(|l| l.name.clone()));
                    let action = if add { BulkAction::AddLabel { label_id } } else { BulkAction::RemoveLabel { label_id } };
                    start_bulk(action, name);
                }>
                    <option value="">{first}</option>
                    {ls.with_value(|ls| ls.iter().map(|l| view! { <option value=l.label_id.to_string()>{l.name.clone()}</option> }).collect_view())}
                </select>
            }
        };
        view! {
            <Show when=move || all_matching.get() || !selected.with(|s| s.is_empty())>
                <div class="bulk-bar card" role="region" aria-label="Bulk actions">
                    <span class="bulk-count" data-testid="bulk-count">{move || if all_matching.get() {
                        format!("All {} matching selected", total.display())
                    } else {
                        format!("{} selected", crate::fmt::group_thousands(selected.with(|s| s.len()) as i64))
                    }}</span>
                    {move || (more_pages && !all_matching.get() && page_all_ticked()).then(|| view! {
                        <button type="button" class="btn btn-link" on:click=move |_| all_matching.set(true)>
                            {format!("Select all {} matching", total.display())}
                        </button>
                    })}
                    {label_select("Add label to selected", "Add label…", true)}
                    {label_select("Remove label from selected", "Remove label…", false)}
                    <button type="button" class="btn" disabled=move || offline.get()
                        on:click=move |_| start_bulk(BulkAction::SetStatus { status: Status::Active }, None)>"Set Active"</button>
                    <button type="button" class="btn" disabled=move || offline.get()
                        on:click=move |_| start_bulk(BulkAction::SetStatus { status: Status::Inactive }, None)>"Set Inactive"</button>
                    <button type="button" class="btn btn-danger" disabled=move || offline.get()
                        on:click=move |_| start_bulk(BulkAction::Delete, None)>"Delete selected"</button>
                    <button type="button" class="btn btn-link" on:click=move |_| clear_selection()>"Clear selection"</button>
                </div>
            </Show>
        }
    };
    let page_select_header = move |page_ids: Vec<i64>| {
        let page_ids = StoredValue::new(page_ids);
        let all_ticked = move || {
            let h = hidden_rows.get();
            all_matching.get()
                || page_ids.with_value(|ids| {
                    let live: Vec<&i64> = ids.iter().filter(|i| !h.contains(i)).collect();
                    !live.is_empty() && live.iter().all(|i| selected.with(|s| s.contains(i)))
                })
        };
        view! {
            <th scope="col" class="select">
                <input type="checkbox" aria-label="Select all on this page"
                    disabled=move || offline.get()
                    prop:checked=all_ticked
                    on:change=move |_| {
                        let on = all_ticked();
                        all_matching.set(false);
                        selected.update(|s| page_ids.with_value(|ids| for id in ids {
                            if on { s.remove(id); } else { s.insert(*id); }
                        }));
                    }/>
            </th>
        }
    };

    let (sp_status, sp_view) = (set_params.clone(), set_params.clone());
    view! {
        <leptos_meta::Title text="Customers"/>
        <section class="page">
            <div class="page-header">
                <h1>"Customers"</h1>
                <div class="page-actions">
                    <button type="button" class="btn" on:click=move |_| manage_open.set(true)>"Manage labels"</button>
                    {is_admin.then(|| view! {
                        <a class="btn" href="/staff">"Staff"</a>
                        <a class="btn" href="/audit">"Audit log"</a>
                        <a class="btn" href="/mail">"Mail"</a>
                        <a class="btn" href="/customers/trash">"Trash"</a>
                    })}
                    {can_edit.then(|| view! {
                        <button type="button" class="btn btn-primary" disabled=move || offline.get()
                            title=move || offline.get().then_some("Adding customers needs a connection")
                            on:click=move |_| modal.set(Some(FormTarget::Add))>
                            "+ Add customer"
                        </button>
                    })}
                </div>
            </div>
            {move || offline.get().then(|| view! {
                <div class="offline-banner" role="status" data-testid="offline-banner">
                    <strong>"You are offline."</strong>
                    {format!(
                        " Showing the {} customers cached in this browser; search, filters and sorting work on them. Changes are disabled until the connection is back.",
                        crate::fmt::group_thousands(cache.with(|c| c.len()) as i64)
                    )}
                </div>
            })}
            <div class="toolbar card">
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
                        let v = event_target_value(&ev);
                        sp_status(vec![("status", (!v.is_empty()).then_some(v)), ("cursor", None), ("start", None)], false);
                    }>
                        <option value="" selected=move || query.get().status.is_none()>"All statuses"</option>
                        <option value="active" selected=move || query.get().status == Some(Status::Active)>"Active"</option>
                        <option value="inactive" selected=move || query.get().status == Some(Status::Inactive)>"Inactive"</option>
                    </select>
                </label>
                <Transition fallback=|| view! { <button type="button" class="btn filter-btn" disabled>"🏷️ All labels ▾"</button> }>
                    {move || Suspend::new(async move {
                        let ls = labels.await.unwrap_or_default();
                        view! {
                            <LabelFilter labels=ls
                                selected=Signal::derive(move || query.with(|q| q.labels.clone()))
                                all=Signal::derive(move || query.with(|q| q.all_labels))
                                on_change=Callback::new(move |(ids, all): (Vec<i64>, bool)| {
                                    let list = (!ids.is_empty()).then(|| ids.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(","));
                                    params.with_value(|f| f(vec![
                                        ("labels", list),
                                        ("match", all.then(|| "all".to_string())),
                                        ("cursor", None),
                                        ("start", None),
                                    ], false));
                                })/>
                        }
                    })}
                </Transition>
                <div class="spacer"></div>
                {can(Capability::ExportCustomers).then(|| view! {
                    <ExportMenu
                        query=Signal::derive(move || query.get())
                        view_count=Signal::derive(move || page.get().and_then(|r| r.ok()).map(|p| p.total.display()))
                        selected=Signal::derive(move || {
                            let mut ids: Vec<i64> = selected.get().into_iter().collect();
                            ids.sort_unstable_by(|a, b| b.cmp(a));
                            ids
                        })
                        columns=Signal::derive(move || COLUMNS.iter().map(|(k, _, _)| k.to_string()).filter(|k| !is_hidden(k)).collect::<Vec<_>>())
                        disabled=Signal::derive(move || offline.get())
                    />
                }.into_any())}
                <button type="button" class="icon-btn" title="Refresh" aria-label="Refresh" on:click=move |_| refresh.run(())>"🔄"</button>
                <div class="columns-menu">
                    <button type="button" class="icon-btn" title="Columns" aria-label="Columns"
                        aria-expanded=move || columns_open.get().to_string()
                        on:click=move |_| columns_open.update(|o| *o = !*o)>"👁️"</button>
                    <Show when=move || columns_open.get()>
                        <div class="menu-backdrop" on:click=move |_| columns_open.set(false)></div>
                        <div class="menu columns-popover" role="group" aria-label="Visible columns">
                            {COLUMNS.iter().map(|(key, label, _)| {
                                let key: &'static str = key;
                                view! {
                                    <label class="check">
                                        <input type="checkbox" prop:checked=move || !is_hidden(key) on:change=move |_| toggle_column(key)/>
                                        {*label}
                                    </label>
                                }
                            }).collect_view()}
                            <button type="button" class="btn" on:click=move |_| {
                                hidden_cols.set(Some(HashSet::new()));
                                save_prefs(HashSet::new(), None);
                            }>"Reset to default"</button>
                        </div>
                    </Show>
                </div>
                <button type="button" class="icon-btn" title="Switch view"
                    aria-label=move || if view_cards.get() { "Show as table" } else { "Show as cards" }
                    on:click=move |_| {
                        let cards = !view_cards.get_untracked();
                        sp_view(vec![("view", cards.then(|| "cards".to_string()))], false);
                    }>{move || if view_cards.get() { "☰" } else { "▦" }}</button>
                <span class="pending" aria-live="polite">{move || pending.get().then_some("Loading…")}</span>
            </div>
            <Transition fallback=|| view! { <div class="card table-wrap loading">"Loading customers…"</div> } set_pending=pending>
                {move || {
                let sort_header = sort_header.clone();
                let pager = pager.clone();
                Suspend::new(async move {
                    let _ = prefs.await;
                    let ls = labels.await.unwrap_or_default();
                    match page.await {
                        Ok(p) => {
                            if offline.get_untracked() {
                                offline.set(false);
                            }
                            // Every row seen is kept for offline use (no re-render needed).
                            cache.update_untracked(|c| {
                                for r in &p.rows {
                                    c.insert(r.customer_id, r.clone());
                                }
                            });
                            let rows: Vec<Customer> = p.rows.clone();
                            let page_ids: Vec<i64> = rows.iter().map(|c| c.customer_id).collect();
                            let bar = can_edit.then(|| bulk_bar(ls.clone(), p.total, p.next.is_some() || p.prev.is_some(), page_ids.clone()));
                            let empty = rows.is_empty();
                            let filtered = {
                                let q = query.get_untracked();
                                !q.q.is_empty() || q.status.is_some() || !q.labels.is_empty()
                            };
                            let body = if view_cards.get() {
                                view! {
                                    <div class="card-grid">
                                        <For
                                            each=move || { let h = hidden_rows.get(); rows.clone().into_iter().filter(move |c| !h.contains(&c.customer_id)).collect::<Vec<_>>() }
                                            key=|c| (c.customer_id, c.version)
                                            children=card_view
                                        />
                                    </div>
                                }.into_any()
                            } else {
                                view! {
                                    <div class="card table-wrap">
                                        <table class="data-table">
                                            <thead>
                                                <tr>
                                                    {can_edit.then(|| page_select_header(page_ids.clone()))}
                                                    {COLUMNS.iter().map(|(k, l, s)| sort_header(k, l, *s)).collect_view()}
                                                    <th scope="col"><span class="sr-only">"Actions"</span>"⚙️"</th>
                                                </tr>
                                            </thead>
                                            <tbody>
                                                <For
                                                    each=move || { let h = hidden_rows.get(); rows.clone().into_iter().filter(move |c| !h.contains(&c.customer_id)).collect::<Vec<_>>() }
                                                    key=|c| (c.customer_id, c.version)
                                                    children=row_view
                                                />
                                            </tbody>
                                        </table>
                                    </div>
                                }.into_any()
                            };
                            view! {
                                {bar}
                                {body}
                                {empty.then(|| view! {
                                    <div class="card empty-state">
                                        {if filtered {
                                            view! { <h2>"No customers match"</h2><p class="muted">"Try another search or clear the filters."</p> }.into_any()
                                        } else {
                                            view! { <h2>"No customers yet"</h2><p class="muted">"Customers you add will appear here."</p> }.into_any()
                                        }}
                                    </div>
                                })}
                                {pager(&p)}
                            }.into_any()
                        }
                        Err(AppError::Network) => {
                            offline.set(true);
                            let q = query.get_untracked();
                            let mut rows: Vec<Customer> = cache.with(|c| {
                                c.values().filter(|c| matches_locally(c, &q)).cloned().collect()
                            });
                            sort_locally(&mut rows, &q);
                            let matched = rows.len();
                            rows.truncate(200);
                            view! {
                                <div class="card table-wrap" data-testid="offline-results">
                                    <table class="data-table">
                                        <thead>
                                            <tr>
                                                {can_edit.then(|| view! { <th scope="col" class="select"></th> })}
                                                {COLUMNS.iter().map(|(k, l, _)| {
                                                    let k: &'static str = k;
                                                    view! { <th scope="col" data-col=k class:hidden-col=move || is_hidden(k)>{*l}</th> }
                                                }).collect_view()}
                                                <th scope="col"><span class="sr-only">"Actions"</span>"⚙️"</th>
                                            </tr>
                                        </thead>
                                        <tbody>{rows.into_iter().map(row_view).collect_view()}</tbody>
                                    </table>
                                </div>
                                <div class="pager">
                                    <span class="page-range" data-testid="page-range">
                                        {format!("{} cached match{}", crate::fmt::group_thousands(matched as i64), if matched == 1 { "" } else { "es" })}
                                    </span>
                                </div>
                            }.into_any()
                        }
                        Err(e) => view! {
                            <div class="card empty-state" role="alert">
                                <p>{e.to_string()}</p>
                                <button type="button" class="btn" on:click=move |_| refresh.run(())>"Retry"</button>
                            </div>
                        }.into_any(),
                    }
                })}}
            </Transition>
        </section>
        {move || manage_open.get().then(|| view! {
            <ManageLabelsDialog
                can_edit
                on_close=Callback::new(move |_| manage_open.set(false))
                on_changed=Callback::new(move |_| {
                    labels_version.update(|n| *n += 1);
                    refresh.run(());
                })
            />
        })}
        {move || confirm.get().map(|p| {
            let question = p.question();
            let danger = p.action == BulkAction::Delete;
            view! {
                <Modal title="Confirm bulk action" on_close=Callback::new(move |_| confirm.set(None))>
                    <p class="confirm-question" data-testid="bulk-question">{question}</p>
                    <div class="modal-actions">
                        <button type="button" class="btn" on:click=move |_| confirm.set(None)>"Cancel"</button>
                        <button type="button" class="btn" class:btn-danger=danger class:btn-primary=!danger
                            disabled=move || bulk_busy.get()
                            on:click=move |_| run_bulk(p.clone())>
                            {move || if bulk_busy.get() { "Working…" } else { "Confirm" }}
                        </button>
                    </div>
                </Modal>
            }
        })}
        {move || resetting.get().map(|(id, name)| view! {
            <ResetPasswordModal customer_id=id name
                on_close=Callback::new(move |_| resetting.set(None))
                on_done=refresh/>
        })}
        {move || modal.get().map(|target| {
            let adding = target == FormTarget::Add;
            view! {
                <CustomerFormModal
                    target
                    on_close=Callback::new(move |_| modal.set(None))
                    on_saved=Callback::new(move |c: Customer| {
                        modal.set(None);
                        refresh.run(());
                        toasts.info(if adding {
                            format!("Customer #{} added", c.customer_id)
                        } else {
                            format!("Customer #{} saved", c.customer_id)
                        });
                    })
                />
            }
        })}
    }
}
