//! Keyboard shortcuts of the Customers list: `/` search, `n` + Add customer, `j`/`k` or the
//! arrow keys move a row focus, `Enter` opens the focused customer, `e` edits it, `?` lists
//! the shortcuts (`Esc` closes dialogs, as everywhere). Never while typing in a field or
//! while a dialog is open. Added in the browser only (the server has no keyboard).

use super::row_actions::open_edit;
use super::state::ListState;
use crate::customers::form::FormTarget;
use crate::ui::widgets::Modal;
use leptos::prelude::*;

/// The shortcuts as the `?` dialog lists them.
pub const SHORTCUTS: [(&str, &str); 7] = [
    ("/", "Search"),
    ("n", "+ Add customer"),
    ("j or ↓", "Next row"),
    ("k or ↑", "Previous row"),
    ("Enter", "Open the customer"),
    ("e", "Edit the customer"),
    ("Esc", "Close a dialog"),
];

/// Whether a key press belongs to what the user is typing in, or to a dialog.
fn typing_or_dialog(ev: &web_sys::KeyboardEvent) -> bool {
    use wasm_bindgen::JsCast;
    if ev.ctrl_key() || ev.meta_key() || ev.alt_key() {
        return true;
    }
    if document()
        .query_selector("[role=dialog]")
        .ok()
        .flatten()
        .is_some()
    {
        return true;
    }
    let Some(el) = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok())
    else {
        return false;
    };
    matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT") || el.is_content_editable()
}

/// The list's rows on screen (table rows or cards), in order.
fn rows() -> Vec<web_sys::HtmlElement> {
    use wasm_bindgen::JsCast;
    let Ok(list) = document().query_selector_all("[data-customer-id].kb-row") else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|i| list.item(i))
        .filter_map(|n| n.dyn_into::<web_sys::HtmlElement>().ok())
        .collect()
}

fn row_id(el: &web_sys::HtmlElement) -> Option<i64> {
    el.get_attribute("data-customer-id")?.parse().ok()
}

/// Listens for the shortcuts while the page is open; `help` opens the `?` dialog.
pub fn listen(list: ListState, help: RwSignal<bool>) {
    let navigate = leptos_router::hooks::use_navigate();
    Effect::new(move |_| {
        let navigate = navigate.clone();
        let handle = window_event_listener(leptos::ev::keydown, move |ev| {
            if typing_or_dialog(&ev) {
                return;
            }
            let all = rows();
            let current = all.iter().position(|r| {
                document()
                    .active_element()
                    .is_some_and(|a| &a == AsRef::<web_sys::Element>::as_ref(r))
            });
            let focus = |i: usize| {
                if let Some(r) = all.get(i) {
                    let _ = r.focus();
                }
            };
            match ev.key().as_str() {
                "/" => {
                    if let Ok(Some(search)) = document().query_selector("input.search") {
                        ev.prevent_default();
                        if let Ok(s) =
                            wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(search)
                        {
                            let _ = s.focus();
                        }
                    }
                }
                "n" if list.can_edit && !list.offline.get_untracked() => {
                    ev.prevent_default();
                    list.form.set(Some(FormTarget::Add));
                }
                "j" | "ArrowDown" if !all.is_empty() => {
                    ev.prevent_default();
                    focus(current.map_or(0, |i| (i + 1).min(all.len() - 1)));
                }
                "k" | "ArrowUp" if !all.is_empty() => {
                    ev.prevent_default();
                    focus(current.map_or(0, |i| i.saturating_sub(1)));
                }
                "Enter" => {
                    if let Some(id) = current.and_then(|i| row_id(&all[i])) {
                        ev.prevent_default();
                        navigate(&format!("/customers/{id}"), Default::default());
                    }
                }
                "e" if list.can_edit && !list.offline.get_untracked() => {
                    if let Some(id) = current.and_then(|i| row_id(&all[i])) {
                        ev.prevent_default();
                        open_edit(list, id);
                    }
                }
                "?" => {
                    ev.prevent_default();
                    help.set(true);
                }
                _ => {}
            }
        });
        on_cleanup(move || handle.remove());
    });
}

/// The `?` dialog.
#[component]
pub fn ShortcutsDialog(on_close: Callback<()>) -> impl IntoView {
    view! {
        <Modal title="Keyboard shortcuts" on_close>
            <div class="modal-body">
                <table class="shortcuts">
                    <tbody>
                        {SHORTCUTS.iter().map(|(key, what)| view! {
                            <tr><td><kbd>{*key}</kbd></td><td>{*what}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
                <p class="muted small">"Shortcuts work when you are not typing in a field."</p>
            </div>
            <div class="modal-actions">
                <button type="button" class="btn btn-primary" on:click=move |_| on_close.run(())>"Close"</button>
            </div>
        </Modal>
    }
}
