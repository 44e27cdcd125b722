//! The profile's data-rights actions (Admins): download the customer's data, and anonymise
//! them after typing their name; the portal's "Download my data" link.

use super::{anonymise_customer, DATA_EXPORT_PATH, PORTAL_DATA_PATH};
use crate::ui::context::use_toasts;
use crate::ui::widgets::Modal;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// Quick Actions' part for an Admin: "Download data" and "Anonymise…".
#[component]
pub fn DataRightsActions(
    customer_id: i64,
    #[prop(into)] name: String,
    on_done: Callback<()>,
) -> impl IntoView {
    let asking = RwSignal::new(false);
    let name = StoredValue::new(name);
    view! {
        <a class="btn" href=format!("{DATA_EXPORT_PATH}?id={customer_id}") download="">"Download data"</a>
        <button type="button" class="btn btn-danger" on:click=move |_| asking.set(true)>"Anonymise…"</button>
        {move || asking.get().then(|| view! {
            <AnonymiseDialog customer_id name=name.get_value()
                on_close=Callback::new(move |_| asking.set(false)) on_done/>
        })}
    }
}

#[component]
fn AnonymiseDialog(
    customer_id: i64,
    name: String,
    on_close: Callback<()>,
    on_done: Callback<()>,
) -> impl IntoView {
    let toasts = use_toasts();
    let typed = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        let confirm = typed.get_untracked();
        spawn_local(async move {
            match anonymise_customer(customer_id, confirm).await {
                Ok(()) => {
                    on_close.run(());
                    on_done.run(());
                    toasts.info(format!("Customer #{customer_id} anonymised"));
                }
                Err(e) => {
                    busy.set(false);
                    error.set(Some(match e {
                        crate::error::AppError::Validation(f) => {
                            f.values().next().cloned().unwrap_or_default()
                        }
                        e => e.to_string(),
                    }));
                }
            }
        });
    };
    let shown = name.clone();
    view! {
        <Modal title="Anonymise customer" on_close>
            <form class="customer-form" on:submit=submit>
                <p>
                    "Their name, e-mail, phone, address, birthday and contact person are replaced by placeholders, "
                    "their notes lose their text, their portal access ends, and the history keeps who changed "
                    "what and when but not the values. The User ID, labels, status, country and dates stay, so "
                    "the numbers stay right."
                </p>
                <p><strong>"This cannot be undone."</strong></p>
                <label class="field">
                    <span>"Type " <strong>{shown}</strong> " to confirm"</span>
                    <input type="text" name="confirm" autocomplete="off" prop:value=typed
                        aria-invalid=move || error.get().is_some().then_some("true")
                        aria-describedby="anonymise-error"
                        on:input=move |ev| { typed.set(event_target_value(&ev)); error.set(None); }/>
                    <p class="field-error" id="anonymise-error" role="alert">{move || error.get()}</p>
                </label>
                <div class="modal-actions">
                    <button type="button" class="btn" on:click=move |_| on_close.run(())>"Cancel"</button>
                    <button type="submit" class="btn btn-danger"
                        disabled=move || busy.get() || typed.get().trim().is_empty()>"Anonymise"</button>
                </div>
            </form>
        </Modal>
    }
}

/// The portal's link to the customer's own data.
#[component]
pub fn DownloadMyData() -> impl IntoView {
    view! {
        <a class="btn" href=PORTAL_DATA_PATH download="">"Download my data"</a>
    }
}
