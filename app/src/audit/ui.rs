//! Audit events as people read them: the History tab and the Portal tab's history.

use super::{field_label, FieldChange, HistoryEntry};
use crate::ui::time::Ago;
use leptos::prelude::*;

/// "Email: a@x → b@x".
pub fn change_line(ch: &FieldChange) -> String {
    let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "(empty)".into());
    format!(
        "{}: {} → {}",
        field_label(&ch.field),
        show(&ch.old),
        show(&ch.new)
    )
}

/// Audit events as a list, newest first (History tab, Portal tab).
#[component]
pub fn HistoryEntries(entries: Vec<HistoryEntry>) -> impl IntoView {
    if entries.is_empty() {
        return view! { <p class="muted">"Nothing recorded yet."</p> }.into_any();
    }
    view! {
        <ol class="history" data-testid="history">
            {entries.into_iter().map(|e| view! {
                <li>
                    <div class="history-head">
                        <strong>{e.action.label()}</strong>
                        " by " {e.actor_name.clone().unwrap_or_else(|| "the system".into())}
                        <span class="muted">" · " <Ago t=e.at/></span>
                    </div>
                    <ul class="changes">
                        {e.changes.iter().map(|ch| view! { <li>{change_line(ch)}</li> }).collect_view()}
                    </ul>
                </li>
            }).collect_view()}
        </ol>
    }
    .into_any()
}
