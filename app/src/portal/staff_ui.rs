//! Staff side of the portal: the profile's Portal tab, the Reset password modal, and the
//! invitation action shared by the list's ⚙️ menu and the profile's Quick Actions.

use super::{
    load_portal_info, reset_customer_password, send_portal_invitation, set_portal_access,
    set_portal_features, PasswordReset, PortalFeatures, PortalInfo,
};
use crate::auth::password::{
    generate_password_now, password_length_error, PASSWORD_MAX, PASSWORD_SUGGESTED,
};
use crate::error::AppError;
use crate::ui::context::use_toasts;
use crate::ui::password_field::PasswordField;
use crate::ui::reactive::fixed_on_server;
use crate::ui::time::Ago;
use crate::ui::widgets::{on_demand, Modal, Toasts};
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// "3 hours ago" (the exact time on hover), or "—".
fn when(t: &Option<DateTime<Utc>>) -> AnyView {
    match t {
        Some(t) => view! { <Ago t=*t/> }.into_any(),
        None => "—".into_any(),
    }
}

/// Send (or resend) the invitation and say so in a toast.
pub fn send_invitation(toasts: Toasts, id: i64, email: String, after: Option<Callback<()>>) {
    spawn_local(async move {
        match send_portal_invitation(id).await {
            Ok(_) => {
                toasts.info(format!("Invitation sent to {email}"));
                if let Some(cb) = after {
                    cb.run(());
                }
            }
            Err(e) => toasts.error(e.to_string()),
        }
    });
}

/// [`ResetPasswordModal`], its code fetched when it is first opened (`ui::widgets::on_demand`).
#[lazy]
pub fn reset_password_modal(
    customer_id: i64,
    name: String,
    on_close: Callback<()>,
    on_done: Callback<()>,
) -> AnyView {
    view! { <ResetPasswordModal customer_id name on_close on_done/> }.into_any()
}

/// The Reset password modal: type or Generate (🔄) a password, reveal it (👁️), optionally
/// notify the customer (the e-mail never contains the password) — or e-mail a reset link.
#[component]
pub fn ResetPasswordModal(
    customer_id: i64,
    #[prop(into)] name: String,
    on_close: Callback<()>,
    on_done: Callback<()>,
) -> impl IntoView {
    let toasts = use_toasts();
    let password = RwSignal::new(String::new());
    let notify = RwSignal::new(true);
    let error = RwSignal::new(None::<String>);
    let banner = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let finish = move |msg: String| {
        toasts.info(msg);
        on_done.run(());
        on_close.run(());
    };
    let run = move |reset: PasswordReset| {
        if busy.get_untracked() {
            return;
        }
        banner.set(None);
        let link = reset == PasswordReset::EmailLink;
        let notified = matches!(reset, PasswordReset::Set { notify: true, .. });
        busy.set(true);
        spawn_local(async move {
            let result = reset_customer_password(customer_id, reset).await;
            busy.set(false);
            match result {
                Ok(_) if link => finish("A reset link was e-mailed to the customer".into()),
                Ok(_) if notified => {
                    finish("Password changed; the customer was notified by e-mail".into())
                }
                Ok(_) => finish("Password changed".into()),
                Err(AppError::Validation(fields)) => {
                    error.set(fields.get("password").cloned());
                }
                Err(e) => banner.set(Some(e.to_string())),
            }
        });
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let pw = password.get_untracked();
        if let Some(msg) = password_length_error(&pw) {
            error.set(Some(msg));
            return;
        }
        error.set(None);
        run(PasswordReset::Set {
            password: pw.into(),
            notify: notify.get_untracked(),
        });
    };
    view! {
        <Modal title="Reset password" on_close>
            <form class="reset-password-form" on:submit=save novalidate>
                <p class="muted">"For " {name}</p>
                {move || banner.get().map(|b| view! { <p class="form-error" role="alert" data-testid="reset-banner">{b}</p> })}
                <PasswordField id="rp-password" label="New Password" name="new-password"
                    value=password error=error generate=generate_password_now maxlength=PASSWORD_MAX
                    hint=format!("At least 8 characters ({PASSWORD_SUGGESTED} or more is better); not a common password.")
                    on_input=Callback::new(move |_| error.set(None))/>
                <label class="checkbox">
                    <input type="checkbox" name="notify" prop:checked=move || notify.get()
                        on:change=move |ev| notify.set(event_target_checked(&ev))/>
                    "Send e-mail notification"
                    <span class="muted">" (tells the customer the password changed; never contains it)"</span>
                </label>
                <div class="modal-actions">
                    <button type="button" class="btn link-btn" disabled=move || busy.get()
                        on:click=move |_| run(PasswordReset::EmailLink)>"E-mail a reset link instead"</button>
                    <button type="button" class="btn" on:click=move |_| on_close.run(())>"Cancel"</button>
                    <button type="submit" class="btn btn-primary" disabled=move || busy.get()>
                        {move || if busy.get() { "Saving…" } else { "Save" }}
                    </button>
                </div>
            </form>
        </Modal>
    }
}

/// The Portal tab's data: created by the page, outside the Suspense that shows the
/// customer. (A resource created inside a resolving Suspense did not hydrate: the server
/// rendered the tab's content, the browser expected its fallback.)
pub fn portal_info(
    customer_id: impl Fn() -> i64 + Send + Sync + 'static,
    reload: RwSignal<u32>,
) -> Resource<Result<PortalInfo, AppError>> {
    Resource::new(
        fixed_on_server(move || (customer_id(), reload.get())),
        |(id, _)| load_portal_info(id),
    )
}

/// The profile's Portal tab. `reload` is the page's: bumping it loads `info` again.
#[component]
pub fn PortalTab(
    customer_id: i64,
    #[prop(into)] name: String,
    can_edit: bool,
    info: Resource<Result<PortalInfo, AppError>>,
    reload: RwSignal<u32>,
) -> impl IntoView {
    let toasts = use_toasts();
    let resetting = RwSignal::new(false);
    let refresh = Callback::new(move |_| reload.update(|n| *n += 1));
    let apply = move |fut: std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<PortalInfo, AppError>>>,
    >,
                      msg: &'static str| {
        spawn_local(async move {
            match fut.await {
                Ok(_) => {
                    toasts.info(msg);
                    refresh.run(());
                }
                Err(e) => toasts.error(e.to_string()),
            }
        });
    };
    let name2 = name.clone();
    view! {
        <Transition fallback=|| view! { <p class="muted">"Loading portal…"</p> }>
            {move || Suspend::new(async move {
                match info.await {
                    Err(e) => view! { <p role="alert">{e.to_string()}</p> }.into_any(),
                    Ok(p) => {
                        let state_text = if p.customer_inactive {
                            "Closed: the customer is Inactive".to_string()
                        } else if p.invite_expired {
                            "Invitation expired".to_string()
                        } else {
                            p.state.label().to_string()
                        };
                        let invite_label = if p.invited_at.is_some() { "Resend invitation" } else { "Send invitation" };
                        let can_invite = can_edit && p.can_invite();
                        let email = p.login_email.clone();
                        let enabled = p.disabled_at.is_none();
                        let features = p.features;
                        view! {
                            <div data-testid="portal-tab">
                                <dl class="overview">
                                    <div class="kv"><dt>"Login e-mail"</dt><dd>{p.login_email.clone()}</dd></div>
                                    <div class="kv"><dt>"State"</dt><dd data-testid="portal-state">{state_text}</dd></div>
                                    <div class="kv"><dt>"Invited"</dt><dd>{when(&p.invited_at)}</dd></div>
                                    <div class="kv"><dt>"Invitation link expires"</dt><dd>{
                                        if p.verified_at.is_some() { "—".into_any() } else { when(&p.invite_expires_at) }
                                    }</dd></div>
                                    <div class="kv"><dt>"Verified"</dt><dd data-testid="portal-verified">{when(&p.verified_at)}</dd></div>
                                    <div class="kv"><dt>"Password"</dt><dd>{
                                        if p.password_set { view! { "Set · changed " {when(&p.password_changed_at)} }.into_any() } else { "Not set".into_any() }
                                    }</dd></div>
                                    <div class="kv"><dt>"Reset link outstanding until"</dt><dd>{when(&p.reset_link_expires_at)}</dd></div>
                                    <div class="kv"><dt>"Last sign-in"</dt><dd>{when(&p.last_login_at)}</dd></div>
                                    <div class="kv"><dt>"Last access"</dt><dd data-testid="portal-last-access">{when(&p.last_access_at)}</dd></div>
                                    <div class="kv"><dt>"Signed-in sessions"</dt><dd>{p.active_sessions}</dd></div>
                                </dl>
                                <h3>"Portal features"</h3>
                                <div class="feature-switches">
                                    <label class="checkbox">
                                        <input type="checkbox" name="feature-edit-details" disabled=!can_edit
                                            prop:checked=features.edit_details
                                            on:change=move |ev| apply(Box::pin(set_portal_features(customer_id, PortalFeatures {
                                                edit_details: event_target_checked(&ev),
                                                ..features
                                            })), "Portal features saved")/>
                                        "Edit own contact details"
                                    </label>
                                    <label class="checkbox">
                                        <input type="checkbox" name="feature-change-password" disabled=!can_edit
                                            prop:checked=features.change_password
                                            on:change=move |ev| apply(Box::pin(set_portal_features(customer_id, PortalFeatures {
                                                change_password: event_target_checked(&ev),
                                                ..features
                                            })), "Portal features saved")/>
                                        "Change own password"
                                    </label>
                                </div>
                                {can_edit.then(|| view! {
                                    <div class="page-actions">
                                        {can_invite.then(|| {
                                            let email = email.clone();
                                            view! {
                                                <button type="button" class="btn" on:click=move |_| send_invitation(toasts, customer_id, email.clone(), Some(refresh))>
                                                    {invite_label}
                                                </button>
                                            }
                                        })}
                                        <button type="button" class="btn" on:click=move |_| resetting.set(true)>"Reset password"</button>
                                        {if enabled {
                                            view! {
                                                <button type="button" class="btn btn-danger"
                                                    on:click=move |_| apply(Box::pin(set_portal_access(customer_id, false)), "Portal access disabled")>
                                                    "Disable portal access"
                                                </button>
                                            }.into_any()
                                        } else {
                                            view! {
                                                <button type="button" class="btn"
                                                    on:click=move |_| apply(Box::pin(set_portal_access(customer_id, true)), "Portal access enabled")>
                                                    "Enable portal access"
                                                </button>
                                            }.into_any()
                                        }}
                                    </div>
                                })}
                                <h3>"Invitations, sign-ins and resets"</h3>
                                <crate::audit::ui::HistoryEntries entries=p.history.clone()/>
                            </div>
                        }
                        .into_any()
                    }
                }
            })}
        </Transition>
        {move || resetting.get().then(|| on_demand(reset_password_modal(
            customer_id,
            name2.clone(),
            Callback::new(move |_| resetting.set(false)),
            refresh,
        )))}
    }
}
