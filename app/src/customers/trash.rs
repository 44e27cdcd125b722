//! The Trash (Admins): deleted customers, restorable until the purge removes them.

use super::model::Customer;
use super::{list_deleted_customers, restore_customer};
use crate::fmt::fmt_datetime;
use crate::ui::context::use_toasts;
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn TrashPage() -> impl IntoView {
    let reload = RwSignal::new(0u32);
    let deleted = Resource::new(move || reload.get(), |_| list_deleted_customers());
    let toasts = use_toasts();
    let restore = move |id: i64| {
        spawn_local(async move {
            match restore_customer(id).await {
                Ok(c) => {
                    toasts.info(format!("Customer #{} restored", c.customer_id));
                    reload.update(|n| *n += 1);
                }
                Err(e) => toasts.error(e.to_string()),
            }
        });
    };
    view! {
        <leptos_meta::Title text="Trash · Customers"/>
        <section class="page">
            <div class="page-header">
                <h1>"Trash"</h1>
                <a class="btn" href="/customers">"⬅ Back to Customers List"</a>
            </div>
            <p class="muted">"Deleted customers stay here until they are purged automatically."</p>
            <Transition fallback=|| view! { <div class="card loading">"Loading…"</div> }>
                {move || Suspend::new(async move {
                    match deleted.await {
                        Err(e) => view! { <div class="card empty-state" role="alert">{e.to_string()}</div> }.into_any(),
                        Ok(list) if list.is_empty() => view! { <div class="card empty-state">"The trash is empty."</div> }.into_any(),
                        Ok(list) => view! {
                            <div class="card table-wrap">
                                <table class="data-table">
                                    <thead>
                                        <tr>
                                            <th scope="col">"User ID"</th>
                                            <th scope="col">"Name"</th>
                                            <th scope="col">"Email"</th>
                                            <th scope="col">"Deleted"</th>
                                            <th scope="col">"Deleted by"</th>
                                            <th scope="col"></th>
                                        </tr>
                                    </thead>
                                    <tbody>
                                        {list.into_iter().map(|c: Customer| {
                                            let id = c.customer_id;
                                            view! {
                                                <tr>
                                                    <td class="num">{id}</td>
                                                    <td>{c.full_name()}</td>
                                                    <td>{c.email.clone()}</td>
                                                    <td class="nowrap">{c.deleted_at.as_ref().map(fmt_datetime)}</td>
                                                    <td>{c.deleted_by_name.clone()}</td>
                                                    <td><button type="button" class="btn" on:click=move |_| restore(id)>"Restore"</button></td>
                                                </tr>
                                            }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                        }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
