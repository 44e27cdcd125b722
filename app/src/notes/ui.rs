//! The profile's Notes section: add, pin, edit and delete notes; web addresses in a note
//! are links, everything else is text. Loaded once the page is live.

use super::{add_note, delete_note, edit_note, list_notes, pieces, pin_note, Note, Piece};
use crate::auth::Capability;
use crate::error::AppError;
use crate::ui::context::{can, use_toasts};
use crate::ui::time::Ago;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// A note's text: words as text, addresses as links that open apart from the app.
fn body_view(body: &str) -> impl IntoView {
    pieces(body)
        .into_iter()
        .map(|p| match p {
            Piece::Text(t) => t.to_string().into_any(),
            Piece::Link(url) => view! {
                <a href=url.to_string() target="_blank" rel="noopener noreferrer nofollow">{url.to_string()}</a>
            }
            .into_any(),
        })
        .collect_view()
}

#[component]
pub fn NotesSection(customer_id: i64) -> impl IntoView {
    let notes = RwSignal::new(None::<Vec<Note>>);
    let draft = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let toasts = use_toasts();
    let may_write = can(Capability::WriteNotes);
    Effect::new(move |_| {
        spawn_local(async move {
            match list_notes(customer_id).await {
                Ok(n) => notes.set(Some(n)),
                Err(e) => toasts.error(format!("Could not load the notes: {e}")),
            }
        });
    });
    // Runs a change; the answer is the notes as they are now.
    let apply = move |change: std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<Vec<Note>, AppError>>>,
    >,
                      on_error: Option<RwSignal<Option<String>>>| {
        spawn_local(async move {
            match change.await {
                Ok(n) => notes.set(Some(n)),
                Err(AppError::Validation(errs)) if on_error.is_some() => {
                    if let Some(slot) = on_error {
                        slot.set(errs.get("note").cloned());
                    }
                }
                Err(e) => toasts.error(e.to_string()),
            }
        });
    };
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = draft.get_untracked();
        busy.set(true);
        spawn_local(async move {
            match add_note(customer_id, body).await {
                Ok(n) => {
                    notes.set(Some(n));
                    draft.set(String::new());
                    error.set(None);
                }
                Err(AppError::Validation(errs)) => error.set(errs.get("note").cloned()),
                Err(e) => error.set(Some(e.to_string())),
            }
            busy.set(false);
        });
    };
    let item = move |n: Note| {
        let editing = RwSignal::new(false);
        let confirming = RwSignal::new(false);
        let text = RwSignal::new(n.body.clone());
        let edit_error = RwSignal::new(None::<String>);
        let id = n.id;
        let pinned = n.pinned;
        let body = n.body.clone();
        let edited = n.updated_at > n.created_at;
        view! {
            <li class="note" class:pinned=pinned data-testid="note">
                <div class="note-head">
                    {pinned.then(|| view! { <span class="note-pin-badge">"Pinned"</span> })}
                    <strong>{n.author_name.clone().unwrap_or_else(|| "Someone".into())}</strong>
                    <span class="muted small">" · "<Ago t=n.created_at/>{edited.then_some(" · edited")}</span>
                    <span class="spacer"></span>
                    {may_write.then(|| view! {
                        <button type="button" class="btn btn-small"
                            on:click=move |_| apply(Box::pin(pin_note(id, !pinned)), None)>
                            {if pinned { "Unpin" } else { "Pin" }}
                        </button>
                    })}
                    {n.editable.then(|| view! {
                        <button type="button" class="btn btn-small" on:click=move |_| editing.set(true)>"Edit"</button>
                        <button type="button" class="btn btn-small danger" on:click=move |_| confirming.set(true)>"Delete"</button>
                    })}
                </div>
                <Show when=move || confirming.get()>
                    <p class="note-confirm" role="alert">"Delete this note? "
                        <button type="button" class="btn btn-small danger"
                            on:click=move |_| apply(Box::pin(delete_note(id)), None)>"Delete note"</button>
                        <button type="button" class="btn btn-small" on:click=move |_| confirming.set(false)>"Keep it"</button>
                    </p>
                </Show>
                <Show when=move || editing.get() fallback={
                    let body = body.clone();
                    move || view! { <p class="note-body">{body_view(&body)}</p> }
                }>
                    <form class="note-edit" on:submit=move |ev| {
                        ev.prevent_default();
                        apply(Box::pin(edit_note(id, text.get_untracked())), Some(edit_error));
                    }>
                        <textarea rows="3" aria-label="Edit note" prop:value=move || text.get()
                            on:input=move |ev| text.set(event_target_value(&ev))></textarea>
                        <p class="field-error" role="alert">{move || edit_error.get()}</p>
                        <div class="row-actions">
                            <button type="submit" class="btn btn-primary btn-small">"Save note"</button>
                            <button type="button" class="btn btn-small" on:click=move |_| editing.set(false)>"Cancel"</button>
                        </div>
                    </form>
                </Show>
            </li>
        }
    };
    view! {
        <section class="card notes" aria-labelledby="notes-heading">
            <h3 id="notes-heading">"Notes"</h3>
            {may_write.then(|| view! {
                <form class="note-add" on:submit=add>
                    <textarea rows="3" aria-label="New note" placeholder="Add a note for the team…"
                        aria-invalid=move || error.get().is_some().to_string()
                        aria-describedby="note-error"
                        prop:value=move || draft.get()
                        on:input=move |ev| draft.set(event_target_value(&ev))></textarea>
                    <p class="field-error" id="note-error" role="alert">{move || error.get()}</p>
                    <button type="submit" class="btn btn-primary" disabled=move || busy.get()>"Add note"</button>
                </form>
            })}
            {move || match notes.get() {
                None => view! { <p class="muted">"Loading notes…"</p> }.into_any(),
                Some(n) if n.is_empty() => view! { <p class="muted">"No notes yet."</p> }.into_any(),
                Some(n) => view! { <ul class="plain note-list">{n.into_iter().map(item).collect_view()}</ul> }.into_any(),
            }}
        </section>
    }
}
