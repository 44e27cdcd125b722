//! The one field where a password is set (staff added or reset, one's own, a customer's):
//! Generate (🔄) fills in a strong one and shows it, the eye (👁️) shows or hides it.
//!
//! Widget level: the generator is the caller's (`auth::password::generate_password_now`),
//! so this file imports nothing above it.

use leptos::prelude::*;

#[component]
pub fn PasswordField(
    id: &'static str,
    #[prop(into)] label: String,
    value: RwSignal<String>,
    #[prop(into)] error: Signal<Option<String>>,
    /// Runs on every change, typed or generated (to clear the field's error).
    on_input: Callback<()>,
    /// Makes a strong password.
    generate: fn() -> String,
    #[prop(optional)] name: Option<&'static str>,
    #[prop(optional)] maxlength: Option<usize>,
    /// A line under the field, which describes the input (id `<id>-hint`).
    #[prop(optional, into)]
    hint: Option<String>,
) -> impl IntoView {
    let reveal = RwSignal::new(false);
    let hint_id = format!("{id}-hint");
    let described_by = hint.is_some().then(|| hint_id.clone());
    view! {
        <div class="field" class:has-error=move || error.with(Option::is_some)>
            <label for=id>{label}</label>
            <div class="password-row">
                <input
                    id=id
                    name=name
                    type=move || if reveal.get() { "text" } else { "password" }
                    autocomplete="new-password"
                    maxlength=maxlength.map(|m| m.to_string())
                    prop:value=move || value.get()
                    aria-invalid=move || error.with(Option::is_some).to_string()
                    aria-describedby=described_by
                    on:input=move |ev| {
                        value.set(event_target_value(&ev));
                        on_input.run(());
                    }
                />
                <button type="button" class="btn icon-btn" aria-label="Generate" title="Generate a strong password"
                    on:click=move |_| {
                        value.set(generate());
                        reveal.set(true);
                        on_input.run(());
                    }>{super::icons::Icon::Refresh.view()}</button>
                <button type="button" class="btn icon-btn"
                    title=move || if reveal.get() { "Hide password" } else { "Show password" }
                    aria-label=move || if reveal.get() { "Hide password" } else { "Show password" }
                    aria-pressed=move || reveal.get().to_string()
                    on:click=move |_| reveal.update(|r| *r = !*r)>{move || if reveal.get() { super::icons::Icon::EyeOff.view().into_any() } else { super::icons::Icon::Eye.view().into_any() }}</button>
            </div>
            {hint.map(|h| view! { <p class="field-hint" id=hint_id>{h}</p> })}
            <p class="field-error" role="alert">{move || error.get()}</p>
        </div>
    }
}
