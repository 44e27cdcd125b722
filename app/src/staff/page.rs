//! The Staff page (Admins) and the "Change password" dialog every staff member has.

use super::{
    change_own_password, create_staff_user, list_staff, reset_staff_password, set_staff_active,
    set_staff_role, NewStaff, StaffMember,
};
use crate::auth::password::{generate_password_now, password_length_error};
use crate::auth::Role;
use crate::error::{AppError, FieldErrors};
use crate::ui::context::{use_toasts, use_user};
use crate::ui::data_page::{DataTable, Loaded, PageHeader, ACTIONS};
use crate::ui::password_field::PasswordField;
use crate::ui::reactive::fixed_on_server;
use crate::ui::time::LocalTime;
use crate::ui::widgets::Modal;
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn StaffPage() -> impl IntoView {
    let toasts = use_toasts();
    let my_id = use_user().id;
    let reload = RwSignal::new(0u32);
    let staff = Resource::new(fixed_on_server(move || reload.get()), |_| list_staff());
    let adding = RwSignal::new(false);
    let resetting = RwSignal::new(None::<StaffMember>);
    let refresh = Callback::new(move |_| reload.update(|n| *n += 1));
    let report = move |r: Result<StaffMember, AppError>, ok: String| match r {
        Ok(_) => {
            toasts.info(ok);
            refresh.run(());
        }
        Err(e) => {
            toasts.error(e.to_string());
            refresh.run(());
        }
    };
    view! {
        <section class="page">
            <PageHeader title="Staff">
                <button type="button" class="btn btn-primary" on:click=move |_| adding.set(true)>"+ Add staff"</button>
            </PageHeader>
            <Loaded data=staff let:list>
                <DataTable testid="staff-table"
                    columns=&["Name", "E-mail", "Role", "Status", "Last sign-in", ACTIONS]>
                    {list.into_iter().map(|s| {
                        let id = s.id;
                        let myself = id == my_id;
                        let s2 = s.clone();
                        let status = if !s.active { "Inactive" } else if s.invited { "Invited" } else { "Active" };
                        view! {
                            <tr data-staff-id=id>
                                <td>{s.name.clone()}</td>
                                <td>{s.email.clone()}</td>
                                <td>
                                    <select aria-label=format!("Role of {}", s.name)
                                        on:change=move |ev| {
                                            let Some(role) = Role::parse(&event_target_value(&ev)) else { return };
                                            spawn_local(async move {
                                                report(set_staff_role(id, role).await, format!("Role changed to {}", role.label()));
                                            });
                                        }>
                                        {Role::ALL.into_iter().map(|r| view! {
                                            <option value=r.as_str() selected=r == s.role>{r.label()}</option>
                                        }).collect_view()}
                                    </select>
                                </td>
                                <td>{status}</td>
                                <td class="nowrap">{match s.last_login_at { Some(t) => view! { <LocalTime t/> }.into_any(), None => "—".into_any() }}</td>
                                <td class="nowrap">
                                    <button type="button" class="btn btn-small" on:click=move |_| resetting.set(Some(s2.clone()))>"Reset password"</button>
                                    {(!myself).then(|| if s.active {
                                        view! {
                                            <button type="button" class="btn btn-small btn-danger" on:click=move |_| spawn_local(async move {
                                                report(set_staff_active(id, false).await, "Deactivated; their sessions have ended".into());
                                            })>"Deactivate"</button>
                                        }.into_any()
                                    } else {
                                        view! {
                                            <button type="button" class="btn btn-small" on:click=move |_| spawn_local(async move {
                                                report(set_staff_active(id, true).await, "Reactivated".into());
                                            })>"Reactivate"</button>
                                        }.into_any()
                                    })}
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </DataTable>
            </Loaded>
        </section>
        {move || adding.get().then(|| view! {
            <AddStaffModal on_close=Callback::new(move |_| adding.set(false)) on_saved=refresh/>
        })}
        {move || resetting.get().map(|s| view! {
            <StaffPasswordModal member=s on_close=Callback::new(move |_| resetting.set(None)) on_saved=refresh/>
        })}
    }
}

#[component]
fn AddStaffModal(on_close: Callback<()>, on_saved: Callback<()>) -> impl IntoView {
    let toasts = use_toasts();
    let name = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let role = RwSignal::new(Role::Sales);
    let invite = RwSignal::new(true);
    let password = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::new());
    let banner = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let err = move |k: &'static str| Signal::derive(move || errors.with(|e| e.get(k).cloned()));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let input = NewStaff {
            name: name.get_untracked(),
            email: email.get_untracked(),
            role: Some(role.get_untracked()),
            password: if invite.get_untracked() {
                String::new()
            } else {
                password.get_untracked()
            }
            .into(),
        };
        if !invite.get_untracked() {
            if let Some(m) = password_length_error(input.password.as_str()) {
                errors.set(FieldErrors::from([("password".to_string(), m)]));
                return;
            }
        }
        busy.set(true);
        spawn_local(async move {
            let r = create_staff_user(input).await;
            busy.set(false);
            match r {
                Ok(s) => {
                    toasts.info(if s.invited {
                        format!("Invitation e-mailed to {}", s.email)
                    } else {
                        format!("{} can now sign in", s.email)
                    });
                    on_saved.run(());
                    on_close.run(());
                }
                Err(AppError::Validation(e)) => errors.set(e),
                Err(e) => banner.set(Some(e.to_string())),
            }
        });
    };
    view! {
        <Modal title="Add staff" on_close>
            <form on:submit=submit novalidate>
                {move || banner.get().map(|b| view! { <p class="form-error" role="alert">{b}</p> })}
                <div class="field" class:has-error=move || err("name").with(Option::is_some)>
                    <label for="as-name">"Name"</label>
                    <input id="as-name" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
                    <p class="field-error" role="alert">{move || err("name").get()}</p>
                </div>
                <div class="field" class:has-error=move || err("email").with(Option::is_some)>
                    <label for="as-email">"E-mail"</label>
                    <input id="as-email" type="email" prop:value=move || email.get() on:input=move |ev| email.set(event_target_value(&ev))/>
                    <p class="field-error" role="alert">{move || err("email").get()}</p>
                </div>
                <div class="field">
                    <label for="as-role">"Role"</label>
                    <select id="as-role" on:change=move |ev| if let Some(r) = Role::parse(&event_target_value(&ev)) { role.set(r) }>
                        {Role::ALL.into_iter().map(|r| view! { <option value=r.as_str() selected=r == Role::Sales>{r.label()}</option> }).collect_view()}
                    </select>
                </div>
                <label class="checkbox">
                    <input type="checkbox" prop:checked=move || invite.get() on:change=move |ev| invite.set(event_target_checked(&ev))/>
                    "Send invitation e-mail"
                    <span class="muted">" (they choose their own password; otherwise set one now)"</span>
                </label>
                {move || (!invite.get()).then(|| view! {
                    <PasswordField id="as-password" label="Password" value=password error=err("password") generate=generate_password_now
                        on_input=Callback::new(move |_| errors.update(|e| { e.remove("password"); }))/>
                })}
                <div class="modal-actions">
                    <button type="button" class="btn" on:click=move |_| on_close.run(())>"Cancel"</button>
                    <button type="submit" class="btn btn-primary" disabled=move || busy.get()>"Add staff"</button>
                </div>
            </form>
        </Modal>
    }
}

#[component]
fn StaffPasswordModal(
    member: StaffMember,
    on_close: Callback<()>,
    on_saved: Callback<()>,
) -> impl IntoView {
    let toasts = use_toasts();
    let password = RwSignal::new(String::new());
    let notify = RwSignal::new(true);
    let error = RwSignal::new(None::<String>);
    let banner = RwSignal::new(None::<String>);
    let id = member.id;
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let pw = password.get_untracked();
        if let Some(m) = password_length_error(&pw) {
            error.set(Some(m));
            return;
        }
        let n = notify.get_untracked();
        spawn_local(async move {
            match reset_staff_password(id, pw.into(), n).await {
                Ok(_) => {
                    toasts.info("Password changed; their sessions have ended");
                    on_saved.run(());
                    on_close.run(());
                }
                Err(AppError::Validation(e)) => error.set(e.get("password").cloned()),
                Err(e) => banner.set(Some(e.to_string())),
            }
        });
    };
    view! {
        <Modal title="Reset password" on_close>
            <form on:submit=submit novalidate>
                <p class="muted">"For " {member.name.clone()} " (" {member.email.clone()} ")"</p>
                {move || banner.get().map(|b| view! { <p class="form-error" role="alert">{b}</p> })}
                <PasswordField id="sp-password" label="New Password" value=password error=error generate=generate_password_now
                    on_input=Callback::new(move |_| error.set(None))/>
                <label class="checkbox">
                    <input type="checkbox" prop:checked=move || notify.get() on:change=move |ev| notify.set(event_target_checked(&ev))/>
                    "Send e-mail notification"
                    <span class="muted">" (never contains the password)"</span>
                </label>
                <div class="modal-actions">
                    <button type="button" class="btn" on:click=move |_| on_close.run(())>"Cancel"</button>
                    <button type="submit" class="btn btn-primary">"Save"</button>
                </div>
            </form>
        </Modal>
    }
}

/// [`ChangeOwnPasswordModal`], its code fetched when it is first opened (`ui::widgets::on_demand`).
#[lazy]
pub fn change_own_password_modal(on_close: Callback<()>) -> AnyView {
    view! { <ChangeOwnPasswordModal on_close/> }.into_any()
}

/// "Change password" from the user menu: current, new (with Generate / Eye), repeat.
#[component]
pub fn ChangeOwnPasswordModal(on_close: Callback<()>) -> impl IntoView {
    let toasts = use_toasts();
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::new());
    let banner = RwSignal::new(None::<String>);
    let err = move |k: &'static str| Signal::derive(move || errors.with(|e| e.get(k).cloned()));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (c, n) = (current.get_untracked(), new.get_untracked());
        if let Some(m) = password_length_error(&n) {
            errors.set(FieldErrors::from([("new".to_string(), m)]));
            return;
        }
        spawn_local(async move {
            match change_own_password(c.into(), n.into()).await {
                Ok(()) => {
                    toasts.info("Your password was changed; other devices must sign in again");
                    on_close.run(());
                }
                Err(AppError::Validation(e)) => errors.set(e),
                Err(e) => banner.set(Some(e.to_string())),
            }
        });
    };
    view! {
        <Modal title="Change password" on_close>
            <form on:submit=submit novalidate>
                {move || banner.get().map(|b| view! { <p class="form-error" role="alert">{b}</p> })}
                <div class="field" class:has-error=move || err("current").with(Option::is_some)>
                    <label for="cp-current">"Current password"</label>
                    <input id="cp-current" type="password" autocomplete="current-password"
                        prop:value=move || current.get() on:input=move |ev| current.set(event_target_value(&ev))/>
                    <p class="field-error" role="alert">{move || err("current").get()}</p>
                </div>
                <PasswordField id="cp-new" label="New password" value=new error=err("new") generate=generate_password_now
                    on_input=Callback::new(move |_| errors.update(|e| { e.remove("new"); }))/>
                <div class="modal-actions">
                    <button type="button" class="btn" on:click=move |_| on_close.run(())>"Cancel"</button>
                    <button type="submit" class="btn btn-primary">"Change password"</button>
                </div>
            </form>
        </Modal>
    }
}
