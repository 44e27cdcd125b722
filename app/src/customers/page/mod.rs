//! The Customers page: search, filters, sort, page size and keyset paging (all in the URL,
//! `url`), column visibility (saved per user, `columns`), table or cards (`table`), inline
//! Active/Inactive switch, + Add customer, row actions (`row_actions`), bulk actions
//! (`bulk_bar`), delete with Undo, and an offline mode over cached rows (`offline`). The
//! parts share one [`state::ListState`].

mod bulk_bar;
mod columns;
mod filters;
mod keys;
mod offline;
mod pager;
mod row_actions;
mod saved_views;
mod state;
pub mod status;
mod table;
mod toolbar;
pub(super) mod url;

use super::form::{customer_form_modal, FormTarget};
use super::list_customers;
use super::model::Customer;
use crate::auth::Capability;
use crate::error::AppError;
use crate::import::ui::import_wizard;
use crate::labels::list_labels;
use crate::labels::ui::manage_labels_dialog;
use crate::portal::staff_ui::reset_password_modal;
use crate::ui::context::can;
use crate::ui::reactive::{fixed_on_server, memo_fixed_on_server};
use crate::ui::widgets::on_demand;
use bulk_bar::{Bulk, BulkBar, BulkConfirm};
use leptos::prelude::*;
use offline::{OfflineBanner, OfflineResults};
use pager::Pager;
use state::ListState;
use table::{CustomerCards, CustomerTable};
use toolbar::Toolbar;
use url::ListUrl;

#[component]
pub fn CustomersPage() -> impl IntoView {
    let can_edit = can(Capability::EditCustomers);
    let list = ListState::new(can_edit);
    let toasts = list.toasts;
    let cards = memo_fixed_on_server(move || list.url.with(ListUrl::cards));
    let start = memo_fixed_on_server(move || list.url.with(ListUrl::start));
    offline::watch_connection(list);
    let shortcuts_open = RwSignal::new(false);
    keys::listen(list, shortcuts_open);
    // Cards for those who chose them last time (saved per user): a list address without
    // `view` shows them as soon as the page runs in the browser, and the address says so.
    Effect::new(move |_| {
        if list.url.with(|u| u.view.is_none()) && list.columns.cards() {
            list.set_url(|u| u.view = Some(url::View::Cards), true);
        }
    });
    // The page must not depend on another resource (it would differ between the server's
    // render and hydration); the server fills in the saved page size itself.
    let page = Resource::new(
        fixed_on_server(move || (list.query.get(), list.reloads())),
        |(q, _)| list_customers(q),
    );
    let labels = Resource::new(fixed_on_server(move || list.labels_version.get()), |_| {
        list_labels()
    });
    // The toolbar's label filter has a resource of its own: two Transitions awaiting one
    // resource during the server's render is the shape of Leptos' SSR hangs
    // (leptos-rs/leptos#4851, #4578) — seen here once in ~60 CI runs: /customers stopped
    // after the Status filter, and the render guard ended it after 10 s.
    let filter_labels = Resource::new(fixed_on_server(move || list.labels_version.get()), |_| {
        list_labels()
    });
    let manage_open = RwSignal::new(false);
    let importing = RwSignal::new(false);
    let bulk = Bulk::new(list);
    let pending = RwSignal::new(false);
    let offline = list.offline;

    let rows = move || {
        Suspend::new(async move {
            list.columns.loaded().await;
            let ls = labels.await.unwrap_or_default();
            match page.await {
                Ok(p) => {
                    offline::remember(list, &p.rows);
                    let rows: Vec<Customer> = p.rows.clone();
                    let page_ids: Vec<i64> = rows.iter().map(|c| c.customer_id).collect();
                    let more_pages = p.next.is_some() || p.prev.is_some();
                    let bar = can_edit.then(|| view! {
                        <BulkBar bulk labels=ls total=p.total more_pages page_ids/>
                    });
                    let empty = rows.is_empty();
                    let filtered = list.query.with_untracked(|q| {
                        !q.q.is_empty() || q.status.is_some() || !q.labels.is_empty()
                    });
                    let body = if cards.get() {
                        view! { <CustomerCards list rows/> }.into_any()
                    } else {
                        view! { <CustomerTable list rows live=true/> }.into_any()
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
                        <Pager list page=p start/>
                    }.into_any()
                }
                Err(AppError::Network) => {
                    offline.set(true);
                    let (rows, matched) = offline::cached_matches(list);
                    view! { <OfflineResults list rows matched/> }.into_any()
                }
                Err(e) => view! {
                    <div class="card empty-state" role="alert">
                        <p>{e.to_string()}</p>
                        <button type="button" class="btn" on:click=move |_| list.refresh.run(())>"Retry"</button>
                    </div>
                }.into_any(),
            }
        })
    };
    let loading = || view! { <div class="card table-wrap loading">"Loading customers…"</div> };
    // The Transition reports its pending state (the toolbar's spinner) in the browser only:
    // on the server that report is an effect run on another thread, racing the render's own
    // writes to the Transition's task list — with leptos 0.8.23 a panic ("reactive value
    // already disposed") a few times a minute under load.
    #[cfg(feature = "ssr")]
    let results = {
        let _ = pending;
        view! { <Transition fallback=loading>{rows}</Transition> }
    };
    #[cfg(not(feature = "ssr"))]
    let results = view! { <Transition fallback=loading set_pending=pending>{rows}</Transition> };

    view! {
        <leptos_meta::Title text="Customers"/>
        <section class="page">
            <div class="page-header">
                <h1>"Customers"</h1>
                <div class="page-actions">
                    <button type="button" class="btn" on:click=move |_| manage_open.set(true)>"Manage labels"</button>
                    {can_edit.then(|| view! {
                        <a class="btn" href="/customers/duplicates">"Find duplicates"</a>
                        <a class="btn" href="/customers/imports">"Imports"</a>
                        <button type="button" class="btn" disabled=move || offline.get()
                            title=move || offline.get().then_some("Importing needs a connection")
                            on:click=move |_| importing.set(true)>
                            "Import"
                        </button>
                        <button type="button" class="btn btn-primary" disabled=move || offline.get()
                            title=move || offline.get().then_some("Adding customers needs a connection")
                            on:click=move |_| list.form.set(Some(FormTarget::Add))>
                            "+ Add customer"
                        </button>
                    })}
                </div>
            </div>
            <OfflineBanner list/>
            <Toolbar list page labels=filter_labels cards pending/>
            {results}
        </section>
        // The dialogs' code is fetched when one is first opened.
        {move || manage_open.get().then(|| on_demand(manage_labels_dialog(
            can_edit,
            Callback::new(move |_| manage_open.set(false)),
            Callback::new(move |_| {
                list.labels_version.update(|n| *n += 1);
                list.refresh.run(());
            }),
        )))}
        {move || importing.get().then(|| on_demand(import_wizard(
            Callback::new(move |_| importing.set(false)),
            Callback::new(move |_| {
                list.labels_version.update(|n| *n += 1);
                list.refresh.run(());
            }),
        )))}
        <BulkConfirm bulk/>
        {move || shortcuts_open.get().then(|| view! {
            <keys::ShortcutsDialog on_close=Callback::new(move |_| shortcuts_open.set(false))/>
        })}
        {move || list.resetting.get().map(|(id, name)| on_demand(reset_password_modal(
            id,
            name,
            Callback::new(move |_| list.resetting.set(None)),
            list.refresh,
        )))}
        {move || list.form.get().map(|target| {
            let adding = target == FormTarget::Add;
            on_demand(customer_form_modal(
                target,
                Callback::new(move |c: Customer| {
                    list.form.set(None);
                    list.refresh.run(());
                    toasts.info(if adding {
                        format!("Customer #{} added", c.customer_id)
                    } else {
                        format!("Customer #{} saved", c.customer_id)
                    });
                }),
                Callback::new(move |_| list.form.set(None)),
            ))
        })}
    }
}
