//! A row's ⚙️ menu: View, and for Admin and Sales Edit, Reset password, (Re)send
//! invitation and Delete (with Undo). Writes wait while the list is offline.

use super::state::ListState;
use crate::auth::PortalState;
use crate::customers::form::FormTarget;
use crate::customers::model::Customer;
use crate::customers::{delete_customer, get_customer, restore_customer};
use crate::portal::staff_ui::send_invitation;
use crate::ui::widgets::{ActionsMenu, Toasts};
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

/// Load the customer afresh (its current version) and open the Edit modal.
pub(super) fn open_edit(list: ListState, id: i64) {
    spawn_local(async move {
        match get_customer(id).await {
            Ok(c) => list.form.set(Some(FormTarget::Edit(Box::new(c)))),
            Err(e) => list.toasts.error(e.to_string()),
        }
    });
}

#[component]
pub fn RowActions(list: ListState, c: Customer) -> impl IntoView {
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
    let offline = list.offline;
    view! {
        <ActionsMenu label=format!("Actions for {name}")>
            <a role="menuitem" href=format!("/customers/{id}")>"View"</a>
            {list.can_edit.then(|| view! {
                <button type="button" role="menuitem" disabled=move || offline.get()
                    on:click=move |_| open_edit(list, id)>"Edit"</button>
                <button type="button" role="menuitem" disabled=move || offline.get()
                    on:click={
                        let name = name.clone();
                        move |_| list.resetting.set(Some((id, name.clone())))
                    }>"Reset password"</button>
                {invite_label.map(|label| {
                    let email = email.clone();
                    view! {
                        <button type="button" role="menuitem" disabled=move || offline.get()
                            on:click=move |_| send_invitation(list.toasts, id, email.clone(), Some(list.refresh))>{label}</button>
                    }
                })}
                <button type="button" role="menuitem" class="danger" disabled=move || offline.get()
                    on:click=move |_| delete_with_undo(list.toasts, id, list.hidden_rows, list.refresh)>"Delete"</button>
            })}
        </ActionsMenu>
    }
}
