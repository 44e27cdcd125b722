//! The Customers page: the list with its row actions, + Add customer, delete with Undo.

use super::form::{CustomerFormModal, FormTarget};
use super::model::{country_name, fmt_date, fmt_datetime, Customer};
use super::{delete_customer, get_customer, list_customers, restore_customer};
use crate::auth::Capability;
use crate::ui::{can, use_toasts, ActionsMenu, StatusChip, Toasts};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::collections::HashSet;

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

#[component]
pub fn CustomersPage() -> impl IntoView {
    let can_edit = can(Capability::EditCustomers);
    let is_admin = can(Capability::Administer);
    let toasts = use_toasts();
    let reload = RwSignal::new(0u32);
    let customers = Resource::new(move || reload.get(), |_| list_customers());
    let hidden = RwSignal::new(HashSet::<i64>::new());
    let modal = RwSignal::new(None::<FormTarget>);
    let refresh = Callback::new(move |_| reload.update(|n| *n += 1));

    let open_edit = move |id: i64| {
        spawn_local(async move {
            match get_customer(id).await {
                Ok(c) => modal.set(Some(FormTarget::Edit(Box::new(c)))),
                Err(e) => toasts.error(e.to_string()),
            }
        });
    };

    let row = move |c: Customer| {
        let id = c.customer_id;
        let name = c.full_name();
        view! {
            <tr data-customer-id=id>
                <td class="num">{id}</td>
                <td>{c.first_name.clone()}</td>
                <td>{c.last_name.clone()}</td>
                <td>{c.email.clone()}</td>
                <td>{c.phone.clone()}</td>
                <td>{fmt_date(&c.birthday)}</td>
                <td>{country_name(&c.country)}</td>
                <td><StatusChip status=c.status/></td>
                <td class="nowrap">{fmt_datetime(&c.created_at)}</td>
                <td class="nowrap">{fmt_datetime(&c.updated_at)}</td>
                <td class="actions">
                    <ActionsMenu label=format!("Actions for {name}")>
                        <a role="menuitem" href=format!("/customers/{id}")>"View"</a>
                        {can_edit.then(|| view! {
                            <button type="button" role="menuitem" on:click=move |_| open_edit(id)>"Edit"</button>
                            <button
                                type="button"
                                role="menuitem"
                                class="danger"
                                on:click=move |_| delete_with_undo(toasts, id, hidden, refresh)
                            >"Delete"</button>
                        })}
                    </ActionsMenu>
                </td>
            </tr>
        }
    };

    view! {
        <leptos_meta::Title text="Customers"/>
        <section class="page">
            <div class="page-header">
                <h1>"Customers"</h1>
                <div class="page-actions">
                    {is_admin.then(|| view! { <a class="btn" href="/customers/trash">"Trash"</a> })}
                    {can_edit.then(|| view! {
                        <button type="button" class="btn btn-primary" on:click=move |_| modal.set(Some(FormTarget::Add))>
                            "+ Add customer"
                        </button>
                    })}
                </div>
            </div>
            <Transition fallback=|| view! { <div class="card table-wrap loading">"Loading customers…"</div> }>
                {move || Suspend::new(async move {
                    match customers.await {
                        Ok(list) => {
                            let list: Vec<Customer> = list;
                            view! {
                                <div class="card table-wrap">
                                    <table class="data-table">
                                        <thead>
                                            <tr>
                                                <th scope="col">"User ID"</th>
                                                <th scope="col">"First name"</th>
                                                <th scope="col">"Last name"</th>
                                                <th scope="col">"Email"</th>
                                                <th scope="col">"Contact"</th>
                                                <th scope="col">"Birthday"</th>
                                                <th scope="col">"Country"</th>
                                                <th scope="col">"Status"</th>
                                                <th scope="col">"Date created"</th>
                                                <th scope="col">"Date updated"</th>
                                                <th scope="col"><span class="sr-only">"Actions"</span>"⚙️"</th>
                                            </tr>
                                        </thead>
                                        <tbody>
                                            <For
                                                each=move || {
                                                    let h = hidden.get();
                                                    list.clone().into_iter().filter(move |c| !h.contains(&c.customer_id)).collect::<Vec<_>>()
                                                }
                                                key=|c| (c.customer_id, c.version)
                                                children=row
                                            />
                                        </tbody>
                                    </table>
                                    <Show when=move || customers.with(|l| matches!(l, Some(Ok(l)) if l.iter().all(|c| hidden.with(|h| h.contains(&c.customer_id)))))>
                                        <div class="empty-state">
                                            <h2>"No customers yet"</h2>
                                            <p class="muted">"Customers you add will appear here."</p>
                                        </div>
                                    </Show>
                                </div>
                            }
                            .into_any()
                        }
                        Err(e) => view! {
                            <div class="card empty-state" role="alert">
                                <p>{e.to_string()}</p>
                                <button type="button" class="btn" on:click=move |_| refresh.run(())>"Retry"</button>
                            </div>
                        }
                        .into_any(),
                    }
                })}
            </Transition>
        </section>
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
