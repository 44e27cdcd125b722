//! Audit events as people read them: the History tab and the Portal tab's history.

use super::{field_label, FieldChange, HistoryEntry};
use crate::ui::time::Ago;
use chrono::{DateTime, Utc};
use leptos::prelude::*;

/// "Email: a@x → b@x".
fn change_line(ch: &FieldChange) -> String {
    let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "(empty)".into());
    format!(
        "{}: {} → {}",
        field_label(&ch.field),
        show(&ch.old),
        show(&ch.new)
    )
}

/// One line of a history: what, by whom, when, and each field it changed. `tag`: its kind
/// (the profile's Activity); `detail`: words after the actor (an e-mail's recipient).
#[component]
pub fn HistoryItem(
    #[prop(into)] title: String,
    by: Option<String>,
    at: DateTime<Utc>,
    changes: Vec<FieldChange>,
    #[prop(optional)] tag: Option<&'static str>,
    #[prop(optional_no_strip)] detail: Option<String>,
) -> impl IntoView {
    view! {
        <li data-kind=tag.map(str::to_lowercase)>
            <div class="history-head">
                {tag.map(|t| view! { <span class="activity-kind">{t}</span> " " })}
                <strong>{title}</strong>
                {by.map(|n| format!(" by {n}"))}
                {detail.map(|d| view! { <span class="muted">" " {d}</span> })}
                <span class="muted">" · " <Ago t=at/></span>
            </div>
            <ul class="changes">
                {changes.iter().map(|ch| view! { <li>{change_line(ch)}</li> }).collect_view()}
            </ul>
        </li>
    }
}

/// A history's items newest first, or a line saying there is none.
pub fn history_list(items: Vec<AnyView>) -> AnyView {
    if items.is_empty() {
        return view! { <p class="muted">"Nothing recorded yet."</p> }.into_any();
    }
    view! { <ol class="history" data-testid="history">{items}</ol> }.into_any()
}

/// Audit events as a list, newest first (the Portal tab).
#[component]
pub fn HistoryEntries(entries: Vec<HistoryEntry>) -> impl IntoView {
    history_list(
        entries
            .into_iter()
            .map(|e| {
                view! {
                    <HistoryItem title=e.action.label() at=e.at changes=e.changes
                        by=Some(e.actor_name.unwrap_or_else(|| "the system".into()))/>
                }
                .into_any()
            })
            .collect(),
    )
}
