//! The Trash (Admins): deleted customers, restorable until the purge removes them.

use super::model::Customer;
use super::{list_deleted_customers, restore_customer};
use crate::ui::context::use_toasts;
use crate::ui::data_page::{DataTable, Loaded, PageHeader, ACTIONS};
use crate::ui::reactive::fixed_on_server;
use crate::ui::time::LocalTime;
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn TrashPage() -> impl IntoView {
    let reload = RwSignal::new(0u32);
    let deleted = Resource::new(fixed_on_server(move || reload.get()), |_| {
        list_deleted_customers()
    });
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
        <section class="page">
            <PageHeader title="Trash"/>
            <p class="muted">"Deleted customers stay here until they are purged automatically."</p>
            <Loaded data=deleted is_empty=Vec::is_empty empty="The trash is empty." let:list>
                <DataTable columns=&["User ID", "Name", "Email", "Deleted", "Deleted by", ACTIONS]>
                    {list.into_iter().map(|c: Customer| {
                        let id = c.customer_id;
                        view! {
                            <tr>
                                <td class="num">{id}</td>
                                <td>{c.full_name()}</td>
                                <td>{c.email.clone()}</td>
                                <td class="nowrap">{c.deleted_at.map(|t| view! { <LocalTime t/> })}</td>
                                <td>{c.deleted_by_name.clone()}</td>
                                <td><button type="button" class="btn" on:click=move |_| restore(id)>"Restore"</button></td>
                            </tr>
                        }
                    }).collect_view()}
                </DataTable>
            </Loaded>
        </section>
    }
}
