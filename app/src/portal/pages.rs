//! The customer's side: sign in, accept an invitation, reset a forgotten password, and the
//! home page with their own details and password.

use super::{
    load_portal_me, portal_change_password, portal_link_status, portal_update_details,
    PortalDetailsInput, PortalMe,
};
use crate::auth::password::{password_length_error, PASSWORD_SUGGESTED};
use crate::error::{AppError, FieldErrors};
use crate::fmt::{countries, country_name};
use crate::ui::reactive::fixed_on_server;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::components::Outlet;
use leptos_router::hooks::use_query_map;

/// The frame of every portal page (no staff navigation).
#[component]
pub fn PortalShell() -> impl IntoView {
    view! {
        <div class="portal">
            <header class="portal-header">
                <a class="brand" href="/portal">"Customer portal"</a>
            </header>
            <Outlet/>
        </div>
    }
}

fn query(key: &'static str) -> impl Fn() -> Option<String> + Copy {
    let q = use_query_map();
    move || q.read().get(key)
}

/// What a customer set Inactive sees when they sign in or use a link.
pub const INACTIVE: &str = "Your customer account is inactive, so the portal is closed to it for now. Please contact us if you think this is a mistake.";

#[component]
pub fn PortalLoginPage() -> impl IntoView {
    let error = query("error");
    let signed_out = query("signed_out");
    let message = move || {
        error().map(|e| match e.as_str() {
            "throttled" => {
                "Too many failed sign-in attempts. Please wait a few minutes and try again."
            }
            "expired" => "Your session has ended. Please sign in again.",
            "server" => "Something went wrong on our side. Please try again.",
            "inactive" => INACTIVE,
            _ => "Incorrect e-mail or password.",
        })
    };
    view! {
        <Title text="Sign in · Customer portal"/>
        <main class="login-page">
            <form class="login-card" method="post" action="/portal/auth/login">
                <h1>"Sign in"</h1>
                <p class="muted">"Customer portal"</p>
                {move || signed_out().map(|_| view! { <p class="form-ok" role="status">"You have signed out."</p> })}
                {move || message().map(|m| view! { <p class="form-error" role="alert">{m}</p> })}
                <label for="portal-email">"E-mail"</label>
                <input id="portal-email" name="email" type="email" autocomplete="username" required autofocus/>
                <label for="portal-password">"Password"</label>
                <input id="portal-password" name="password" type="password" autocomplete="current-password" required/>
                <button type="submit" class="btn btn-primary">"Sign in"</button>
                <a href="/portal/forgot">"Forgot your password?"</a>
            </form>
        </main>
    }
}

/// The invitation link's page.
#[component]
pub fn PortalAcceptPage() -> impl IntoView {
    view! { <LinkPasswordPage purpose="invite"/> }
}

/// The reset link's page.
#[component]
pub fn PortalResetPage() -> impl IntoView {
    view! { <LinkPasswordPage purpose="reset"/> }
}

/// A new staff member's invitation link (same form, posting to the staff route).
#[component]
pub fn StaffAcceptPage() -> impl IntoView {
    view! { <div class="portal"><LinkPasswordPage purpose="staff_invite"/></div> }
}

#[component]
fn LinkPasswordPage(purpose: &'static str) -> impl IntoView {
    let token = query("token");
    let error = query("error");
    let status = Resource::new(fixed_on_server(token), move |t| async move {
        match t {
            Some(t) if !t.is_empty() => portal_link_status(t, purpose.to_string()).await,
            _ => Ok(false),
        }
    });
    let (title, intro, action, button) = if purpose == "staff_invite" {
        (
            "Welcome to Customers",
            "Choose the password you will sign in with.",
            "/staff/auth/accept",
            "Set password and sign in",
        )
    } else if purpose == "invite" {
        (
            "Welcome",
            "Choose a password for the customer portal. This also confirms your e-mail address.",
            "/portal/auth/accept",
            "Set password and sign in",
        )
    } else {
        (
            "Choose a new password",
            "Choose a new password for the customer portal.",
            "/portal/auth/reset",
            "Save password and sign in",
        )
    };
    let message = move || {
        error().map(|e| match e.as_str() {
            "mismatch" => "The two passwords are not the same.".to_string(),
            "length" => format!(
                "Use between 8 and 128 characters ({PASSWORD_SUGGESTED} or more is better)."
            ),
            "common" => "This password is too common or easy to guess. Try a longer one.".into(),
            "inactive" => INACTIVE.into(),
            _ => "Something went wrong on our side. Please try again.".into(),
        })
    };
    view! {
        <Title text=format!("{title} · Customer portal")/>
        <main class="login-page">
            <Suspense fallback=|| view! { <div class="login-card">"Checking your link…"</div> }>
                {move || Suspend::new(async move {
                    let ok = status.await.unwrap_or(false) && error().as_deref() != Some("link");
                    if !ok {
                        let help = if purpose == "staff_invite" {
                            view! { <p>"Please ask an Admin to add you again."</p> }.into_any()
                        } else if purpose == "invite" {
                            view! { <p>"Please ask us to send you a new invitation."</p> }.into_any()
                        } else {
                            view! { <p><a href="/portal/forgot">"Request a new link"</a></p> }.into_any()
                        };
                        return view! {
                            <div class="login-card" data-testid="link-dead">
                                <h1>"This link no longer works"</h1>
                                <p class="form-error" role="alert">"It has expired, was already used, or a newer one was sent."</p>
                                {help}
                                <a href=if purpose == "staff_invite" { "/login" } else { "/portal/login" }>"Sign in"</a>
                            </div>
                        }.into_any();
                    }
                    view! {
                        <form class="login-card" method="post" action=action>
                            <h1>{title}</h1>
                            <p class="muted">{intro}</p>
                            {move || message().map(|m| view! { <p class="form-error" role="alert">{m}</p> })}
                            <input type="hidden" name="token" value=move || token().unwrap_or_default()/>
                            <label for="link-password">"New password"</label>
                            <input id="link-password" name="password" type="password" autocomplete="new-password"
                                minlength="8" maxlength="128" required aria-describedby="link-hint"/>
                            <p class="field-hint" id="link-hint">
                                {format!("At least 8 characters ({PASSWORD_SUGGESTED} or more is better); not a common password.")}
                            </p>
                            <label for="link-confirm">"Repeat the password"</label>
                            <input id="link-confirm" name="confirm" type="password" autocomplete="new-password" required/>
                            <button type="submit" class="btn btn-primary">{button}</button>
                        </form>
                    }.into_any()
                })}
            </Suspense>
        </main>
    }
}

#[component]
pub fn PortalForgotPage() -> impl IntoView {
    let sent = query("sent");
    view! {
        <Title text="Forgot password · Customer portal"/>
        <main class="login-page">
            <form class="login-card" method="post" action="/portal/auth/forgot">
                <h1>"Forgot your password?"</h1>
                {move || if sent().is_some() {
                    view! {
                        <p class="form-ok" role="status" data-testid="forgot-sent">
                            "If an account exists for that address, we have e-mailed it a link to choose a new password. The link works for 60 minutes."
                        </p>
                    }.into_any()
                } else {
                    view! { <p class="muted">"Enter the e-mail address you sign in with; we will send you a link."</p> }.into_any()
                }}
                <label for="forgot-email">"E-mail"</label>
                <input id="forgot-email" name="email" type="email" autocomplete="username" required/>
                <button type="submit" class="btn btn-primary">"Send link"</button>
                <a href="/portal/login">"Back to sign in"</a>
            </form>
        </main>
    }
}

#[component]
pub fn PortalHomePage() -> impl IntoView {
    let welcome = query("welcome");
    let me = Resource::new(|| (), |_| load_portal_me());
    view! {
        <Title text="My account · Customer portal"/>
        <main class="page portal-home">
            <div class="page-header">
                <h1>"My account"</h1>
                <div class="page-actions">
                    <crate::privacy::ui::DownloadMyData/>
                    <form method="post" action="/portal/auth/logout">
                        <button type="submit" class="btn">"Sign out"</button>
                    </form>
                </div>
            </div>
            {move || welcome().map(|_| view! {
                <p class="form-ok" role="status" data-testid="portal-welcome">"Your password is set. Welcome!"</p>
            })}
            <Transition fallback=|| view! { <div class="card loading">"Loading…"</div> }>
                {move || Suspend::new(async move {
                    match me.await {
                        Err(e) => view! { <div class="card" role="alert">{e.to_string()}</div> }.into_any(),
                        Ok(me) => view! {
                            <div class="card">
                                <h2 data-testid="portal-name">{me.name.clone()}</h2>
                                <p class="muted">"Signed in as " {me.email.clone()}</p>
                            </div>
                            <Details me=me.clone()/>
                            {me.features.change_password.then(|| view! { <ChangePassword/> })}
                        }.into_any(),
                    }
                })}
            </Transition>
        </main>
    }
}

#[component]
fn Details(me: PortalMe) -> impl IntoView {
    let editable = me.features.edit_details;
    let form = RwSignal::new(PortalDetailsInput {
        phone: me.phone.clone(),
        street: me.street.clone(),
        city: me.city.clone(),
        state: me.state.clone(),
        zip: me.zip.clone(),
        country: me.country.clone(),
    });
    let errors = RwSignal::new(FieldErrors::new());
    let banner = RwSignal::new(None::<String>);
    let saved = RwSignal::new(false);
    let busy = RwSignal::new(false);
    // Each save answers with the record's new version: the next save starts from it.
    let version = RwSignal::new(me.version);
    if !editable {
        let row = |label: &'static str, v: String| view! { <div class="kv"><dt>{label}</dt><dd>{if v.is_empty() { "—".into() } else { v }}</dd></div> };
        return view! {
            <div class="card">
                <h3>"Contact details"</h3>
                <dl class="overview">
                    {row("Phone", me.phone.clone())}
                    {row("Street", me.street.clone())}
                    {row("City", me.city.clone())}
                    {row("State", me.state.clone())}
                    {row("Zip", me.zip.clone())}
                    {row("Country", country_name(&me.country))}
                </dl>
                <p class="muted">"To change these, please contact us."</p>
            </div>
        }
        .into_any();
    }
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        banner.set(None);
        saved.set(false);
        let input = form.get_untracked();
        spawn_local(async move {
            let result = portal_update_details(version.get_untracked(), input).await;
            busy.set(false);
            match result {
                Ok(me) => {
                    errors.set(FieldErrors::new());
                    version.set(me.version);
                    saved.set(true);
                }
                Err(AppError::Validation(e)) => errors.set(e),
                Err(e) => banner.set(Some(e.to_string())),
            }
        });
    };
    type Get = fn(&PortalDetailsInput) -> String;
    type Set = fn(&mut PortalDetailsInput, String);
    let field = move |key: &'static str,
                      label: &'static str,
                      kind: &'static str,
                      get: Get,
                      set: Set| {
        let id = format!("pd-{key}");
        view! {
            <div class="field" class:has-error=move || errors.with(|e| e.contains_key(key))>
                <label for=id.clone()>{label}</label>
                <input id=id name=key type=kind prop:value=move || form.with(get)
                    aria-invalid=move || errors.with(|e| e.contains_key(key)).to_string()
                    on:input=move |ev| {
                        let v = event_target_value(&ev);
                        form.update(|f| set(f, v));
                        errors.update(|e| { e.remove(key); });
                    }/>
                <p class="field-error" role="alert">{move || errors.with(|e| e.get(key).cloned())}</p>
            </div>
        }
    };
    view! {
        <form class="card portal-details" on:submit=submit novalidate>
            <h3>"Contact details"</h3>
            {move || banner.get().map(|b| view! { <p class="form-error" role="alert">{b}</p> })}
            {move || saved.get().then(|| view! { <p class="form-ok" role="status" data-testid="details-saved">"Saved."</p> })}
            <div class="grid">
                {field("phone", "Phone", "tel", |f| f.phone.clone(), |f, v| f.phone = v)}
                {field("street", "Street", "text", |f| f.street.clone(), |f, v| f.street = v)}
                {field("city", "City", "text", |f| f.city.clone(), |f, v| f.city = v)}
                {field("state", "State", "text", |f| f.state.clone(), |f, v| f.state = v)}
                {field("zip", "Zip", "text", |f| f.zip.clone(), |f, v| f.zip = v)}
                <div class="field" class:has-error=move || errors.with(|e| e.contains_key("country"))>
                    <label for="pd-country">"Country"</label>
                    <select id="pd-country" name="country"
                        on:change=move |ev| {
                            let v = event_target_value(&ev);
                            form.update(|f| f.country = v);
                        }>
                        <option value="" selected=move || form.with(|f| f.country.is_empty())>"—"</option>
                        {countries().into_iter().map(|(code, name)| view! {
                            <option value=code selected=move || form.with(|f| f.country == code)>{name}</option>
                        }).collect_view()}
                    </select>
                    <p class="field-error" role="alert">{move || errors.with(|e| e.get("country").cloned())}</p>
                </div>
            </div>
            <div class="modal-actions">
                <button type="submit" class="btn btn-primary" disabled=move || busy.get()>
                    {move || if busy.get() { "Saving…" } else { "Save details" }}
                </button>
            </div>
        </form>
    }
    .into_any()
}

#[component]
fn ChangePassword() -> impl IntoView {
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::new());
    let banner = RwSignal::new(None::<String>);
    let done = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        done.set(false);
        banner.set(None);
        let mut errs = FieldErrors::new();
        if let Some(m) = password_length_error(&new.get_untracked()) {
            errs.insert("new".into(), m);
        } else if new.get_untracked() != confirm.get_untracked() {
            errs.insert(
                "confirm".into(),
                "The two passwords are not the same.".into(),
            );
        }
        if !errs.is_empty() {
            errors.set(errs);
            return;
        }
        busy.set(true);
        spawn_local(async move {
            let result =
                portal_change_password(current.get_untracked().into(), new.get_untracked().into())
                    .await;
            busy.set(false);
            match result {
                Ok(()) => {
                    errors.set(FieldErrors::new());
                    current.set(String::new());
                    new.set(String::new());
                    confirm.set(String::new());
                    done.set(true);
                }
                Err(AppError::Validation(e)) => errors.set(e),
                Err(e) => banner.set(Some(e.to_string())),
            }
        });
    };
    let field = move |key: &'static str,
                      label: &'static str,
                      auto: &'static str,
                      value: RwSignal<String>| {
        let id = format!("cp-{key}");
        view! {
            <div class="field" class:has-error=move || errors.with(|e| e.contains_key(key))>
                <label for=id.clone()>{label}</label>
                <input id=id name=key type="password" autocomplete=auto prop:value=move || value.get()
                    on:input=move |ev| {
                        value.set(event_target_value(&ev));
                        errors.update(|e| { e.remove(key); });
                    }/>
                <p class="field-error" role="alert">{move || errors.with(|e| e.get(key).cloned())}</p>
            </div>
        }
    };
    view! {
        <form class="card portal-password" on:submit=submit novalidate>
            <h3>"Change password"</h3>
            {move || banner.get().map(|b| view! { <p class="form-error" role="alert">{b}</p> })}
            {move || done.get().then(|| view! { <p class="form-ok" role="status" data-testid="password-changed">"Your password was changed."</p> })}
            {field("current", "Current password", "current-password", current)}
            {field("new", "New password", "new-password", new)}
            {field("confirm", "Repeat the new password", "new-password", confirm)}
            <div class="modal-actions">
                <button type="submit" class="btn btn-primary" disabled=move || busy.get()>
                    {move || if busy.get() { "Saving…" } else { "Change password" }}
                </button>
            </div>
        </form>
    }
}
