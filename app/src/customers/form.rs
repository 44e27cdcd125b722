//! The Add customer / Edit customer modal.

use super::model::{Customer, CustomerInput, Gender, Status};
use super::validate::validate_customer;
use super::{create_customer, email_in_use, update_customer};
use crate::email::is_valid_email;
use crate::error::{AppError, FieldErrors};
use crate::fmt::{countries, country_name};
use crate::labels::{list_labels, ui::LabelPicker};
use crate::ui::widgets::Modal;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::time::Duration;

type GetFn = fn(&CustomerInput) -> String;
type SetFn = fn(&mut CustomerInput, String);

/// One labelled text input with its error message underneath.
#[component]
fn TextField(
    form: RwSignal<CustomerInput>,
    errors: RwSignal<FieldErrors>,
    key: &'static str,
    label: &'static str,
    get: GetFn,
    set: SetFn,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] required: bool,
    #[prop(default = "off")] autocomplete: &'static str,
    #[prop(optional, into)] on_input: Option<Callback<String>>,
    #[prop(optional, into)] hint: Option<Signal<Option<String>>>,
) -> impl IntoView {
    let id = format!("cf-{key}");
    let err_id = format!("{id}-error");
    let error = move || errors.with(|e| e.get(key).cloned());
    view! {
        <div class="field" class:has-error=move || error().is_some() data-field=key>
            <label for=id.clone()>
                {label}
                {required.then(|| view! { <span class="req" aria-hidden="true">" *"</span> })}
            </label>
            <input
                id=id.clone()
                name=key
                type=kind
                autocomplete=autocomplete
                prop:value=move || form.with(get)
                aria-invalid=move || error().is_some().to_string()
                aria-describedby=err_id.clone()
                on:input=move |ev| {
                    let v = event_target_value(&ev);
                    form.update(|f| set(f, v.clone()));
                    errors.update(|e| {
                        e.remove(key);
                    });
                    if let Some(cb) = on_input {
                        cb.run(v);
                    }
                }
            />
            <p class="field-error" id=err_id.clone() role="alert">{error}</p>
            {move || hint.and_then(|h| h.get()).map(|h| view! { <p class="field-hint">{h}</p> })}
        </div>
    }
}

/// Who the modal is for: a new customer, or an existing one at a known version.
#[derive(Clone, Debug, PartialEq)]
pub enum FormTarget {
    Add,
    Edit(Box<Customer>),
}

/// [`CustomerFormModal`], its code fetched when it is first opened (`ui::widgets::on_demand`).
#[lazy]
pub fn customer_form_modal(
    target: FormTarget,
    on_saved: Callback<Customer>,
    on_close: Callback<()>,
) -> AnyView {
    view! { <CustomerFormModal target on_saved on_close/> }.into_any()
}

/// Add customer / Edit customer: every field, checked as typed and again by the server.
#[component]
pub fn CustomerFormModal(
    target: FormTarget,
    on_saved: Callback<Customer>,
    on_close: Callback<()>,
) -> impl IntoView {
    let (title, initial, existing) = match &target {
        FormTarget::Add => ("Add customer", CustomerInput::default(), None),
        FormTarget::Edit(c) => (
            "Edit customer",
            c.to_input(),
            Some((c.customer_id, c.version)),
        ),
    };
    let except = existing.map(|(id, _)| id);
    let form = RwSignal::new(initial.clone());
    let errors = RwSignal::new(FieldErrors::new());
    let banner = RwSignal::new(None::<String>);
    let saving = RwSignal::new(false);
    // "Send invitation e-mail": on by default for a new customer (the e-mail is required).
    let invite = RwSignal::new(true);
    // The labels to choose from (the modal only ever renders in the browser).
    let all_labels = RwSignal::new(Vec::new());
    spawn_local(async move {
        if let Ok(ls) = list_labels().await {
            all_labels.set(ls);
        }
    });
    let country_text = RwSignal::new(if initial.country.is_empty() {
        String::new()
    } else {
        country_name(&initial.country)
    });

    // Warn about a duplicate email while it is typed (debounced; stale answers dropped).
    let email_warning = RwSignal::new(None::<String>);
    let email_generation = StoredValue::new(0u64);
    let check_email = Callback::new(move |email: String| {
        let generation = email_generation.get_value() + 1;
        email_generation.set_value(generation);
        email_warning.set(None);
        let email = email.trim().to_string();
        if !is_valid_email(&email) {
            return;
        }
        set_timeout(
            move || {
                if email_generation.get_value() != generation {
                    return;
                }
                spawn_local(async move {
                    let owner = email_in_use(email, except).await;
                    if email_generation.get_value() == generation {
                        email_warning.set(
                            owner
                                .ok()
                                .flatten()
                                .map(|id| format!("Already used by customer #{id}.")),
                        );
                    }
                });
            },
            Duration::from_millis(300),
        );
    });

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if saving.get_untracked() {
            return;
        }
        banner.set(None);
        let input = form.get_untracked();
        if let Err(e) = validate_customer(&input, chrono::Utc::now().date_naive()) {
            errors.set(e);
            return;
        }
        errors.set(FieldErrors::new());
        saving.set(true);
        spawn_local(async move {
            let result = match existing {
                Some((id, version)) => update_customer(id, version, input).await,
                None => create_customer(input, Some(invite.get_untracked())).await,
            };
            saving.set(false);
            match result {
                Ok(c) => on_saved.run(c),
                Err(AppError::Validation(e)) => errors.set(e),
                Err(e) => banner.set(Some(e.to_string())),
            }
        });
    };

    let text = move |key, label, get: GetFn, set: SetFn| {
        view! { <TextField form errors key label get set/> }
    };

    view! {
        <Modal title=title on_close>
            <form class="customer-form" on:submit=submit novalidate>
                {move || banner.get().map(|b| view! { <p class="form-error" role="alert" data-testid="form-banner">{b}</p> })}
                {move || (!errors.with(|e| e.is_empty())).then(|| view! {
                    <p class="form-error" role="alert">"Please correct the highlighted fields."</p>
                })}
                <fieldset>
                    <legend>"Personal info"</legend>
                    <div class="grid">
                        <TextField form errors key="first_name" label="First name" required=true
                            get=|f| f.first_name.clone() set=|f, v| f.first_name = v autocomplete="given-name"/>
                        {text("middle_name", "Middle name", |f| f.middle_name.clone(), |f, v| f.middle_name = v)}
                        <TextField form errors key="last_name" label="Last name" required=true
                            get=|f| f.last_name.clone() set=|f, v| f.last_name = v autocomplete="family-name"/>
                        {text("suffix", "Suffix", |f| f.suffix.clone(), |f, v| f.suffix = v)}
                        <div class="field">
                            <label for="cf-gender">"Gender"</label>
                            <select
                                id="cf-gender"
                                name="gender"
                                on:change=move |ev| {
                                    let g = Gender::parse(&event_target_value(&ev)).unwrap_or_default();
                                    form.update(|f| f.gender = g);
                                }
                            >
                                {Gender::ALL.into_iter().map(|g| view! {
                                    <option value=g.as_str() selected=move || form.with(|f| f.gender == g)>{g.label()}</option>
                                }).collect_view()}
                            </select>
                        </div>
                        <TextField form errors key="birthday" label="Birthday" kind="date"
                            get=|f| f.birthday.clone() set=|f, v| f.birthday = v/>
                    </div>
                </fieldset>
                <fieldset>
                    <legend>"Contact information"</legend>
                    <div class="grid">
                        <TextField form errors key="email" label="Email" kind="email" required=true
                            get=|f| f.email.clone() set=|f, v| f.email = v
                            on_input=check_email hint=Signal::derive(move || email_warning.get())/>
                        <TextField form errors key="phone" label="Contact" kind="tel" autocomplete="tel"
                            get=|f| f.phone.clone() set=|f, v| f.phone = v/>
                    </div>
                </fieldset>
                <fieldset>
                    <legend>"Address"</legend>
                    <div class="grid">
                        {text("street", "Street", |f| f.street.clone(), |f, v| f.street = v)}
                        {text("city", "City", |f| f.city.clone(), |f, v| f.city = v)}
                        {text("state", "State", |f| f.state.clone(), |f, v| f.state = v)}
                        {text("zip", "Zip", |f| f.zip.clone(), |f, v| f.zip = v)}
                        <div class="field" class:has-error=move || errors.with(|e| e.contains_key("country"))>
                            <label for="cf-country">"Country"</label>
                            <input
                                id="cf-country"
                                name="country"
                                list="country-list"
                                placeholder="Type to search"
                                prop:value=move || country_text.get()
                                aria-invalid=move || errors.with(|e| e.contains_key("country")).to_string()
                                on:input=move |ev| {
                                    let typed = event_target_value(&ev);
                                    country_text.set(typed.clone());
                                    let t = typed.trim().to_lowercase();
                                    let code = countries()
                                        .into_iter()
                                        .find(|(code, name)| name.to_lowercase() == t || code.to_lowercase() == t)
                                        .map(|(code, _)| code.to_string())
                                        .unwrap_or(typed);
                                    form.update(|f| f.country = code);
                                    errors.update(|e| {
                                        e.remove("country");
                                    });
                                }
                            />
                            <datalist id="country-list">
                                {countries().into_iter().map(|(_, name)| view! { <option value=name></option> }).collect_view()}
                            </datalist>
                            <p class="field-error" role="alert">{move || errors.with(|e| e.get("country").cloned())}</p>
                        </div>
                    </div>
                </fieldset>
                <fieldset>
                    <legend>"Contact person (optional)"</legend>
                    <div class="grid">
                        {text("contact_name", "Contact name", |f| f.contact_name.clone(), |f, v| f.contact_name = v)}
                        <TextField form errors key="contact_email" label="Contact email" kind="email"
                            get=|f| f.contact_email.clone() set=|f, v| f.contact_email = v/>
                        <TextField form errors key="contact_phone" label="Contact number" kind="tel"
                            get=|f| f.contact_phone.clone() set=|f, v| f.contact_phone = v/>
                    </div>
                </fieldset>
                <fieldset>
                    <legend>"Settings"</legend>
                    <div class="radio-row" role="radiogroup" aria-label="Status">
                        {[Status::Active, Status::Inactive].into_iter().map(|s| view! {
                            <label class="radio">
                                <input
                                    type="radio"
                                    name="status"
                                    value=s.as_str()
                                    prop:checked=move || form.with(|f| f.status == s)
                                    on:change=move |_| form.update(|f| f.status = s)
                                />
                                {s.label()}
                            </label>
                        }).collect_view()}
                    </div>
                    <LabelPicker
                        all=all_labels
                        selected=Signal::derive(move || form.with(|f| f.labels.clone()))
                        on_change=Callback::new(move |ids| {
                            form.update(|f| f.labels = ids);
                            errors.update(|e| {
                                e.remove("labels");
                            });
                        })
                        error=Signal::derive(move || errors.with(|e| e.get("labels").cloned()))
                    />
                    {existing.is_none().then(|| view! {
                        <label class="checkbox">
                            <input type="checkbox" name="send_invitation"
                                prop:checked=move || invite.get()
                                on:change=move |ev| invite.set(event_target_checked(&ev))/>
                            "Send invitation e-mail"
                            <span class="muted">" — a link to verify the address and choose a portal password"</span>
                        </label>
                    })}
                </fieldset>
                <div class="modal-actions">
                    <button type="button" class="btn" on:click=move |_| on_close.run(())>"Cancel"</button>
                    <button type="submit" class="btn btn-primary" disabled=move || saving.get()>
                        {move || if saving.get() { "Saving…" } else { "Save" }}
                    </button>
                </div>
            </form>
        </Modal>
    }
}
