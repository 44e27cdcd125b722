//! Small shared widgets: modal dialog (focus in, Tab kept inside, focus back), toasts with
//! an action, the row actions menu.
//!
//! The bottom layer: nothing here imports a feature (or `auth`); features import this file
//! directly, not through the shell in `ui/mod.rs`.

use leptos::prelude::*;
use std::future::Future;
use std::time::Duration;

/// A view whose code is fetched when it is first wanted: `view` is a call of a `#[lazy]`
/// function (a chunk of its own in the split wasm). Renders nothing until the chunk has
/// arrived (milliseconds; once per visit), then the view. Only for views the server never
/// renders (dialogs opened by a click): the future is wrapped for the browser's one thread
/// and must not be polled from another.
pub fn on_demand(view: impl Future<Output = AnyView> + 'static) -> impl IntoView {
    Suspend::new(send_wrapper::SendWrapper::new(view))
}

/// What Tab may land on inside a dialog.
const FOCUSABLE: &str =
    "a[href], button:not([disabled]), input:not([disabled]):not([type=hidden]), \
    select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex='-1'])";

/// The visible elements Tab may land on inside `root`, in order.
fn focusables(root: &web_sys::Element) -> Vec<web_sys::HtmlElement> {
    use wasm_bindgen::JsCast;
    let Ok(list) = root.query_selector_all(FOCUSABLE) else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|i| list.item(i))
        .filter_map(|n| n.dyn_into::<web_sys::HtmlElement>().ok())
        .filter(|e| e.offset_parent().is_some())
        .collect()
}

/// A dialog over the page. Closes with ✕, Cancel (the caller's) or Escape — never by a stray
/// click on the backdrop, which would throw away what was typed. Focus goes into it when it
/// opens (its first field, else its first control), Tab and Shift+Tab stay inside it, and
/// when it closes focus goes back to what opened it.
#[component]
pub fn Modal(
    #[prop(into)] title: String,
    on_close: Callback<()>,
    children: Children,
) -> impl IntoView {
    let dialog = NodeRef::<leptos::html::Div>::new();
    // Whatever had focus when the dialog was made — the button that opened it — gets it
    // back when the dialog goes. (No dialog is rendered by the server.)
    #[cfg(not(feature = "ssr"))]
    {
        let opener = send_wrapper::SendWrapper::new(
            document()
                .active_element()
                .and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok()),
        );
        on_cleanup(move || {
            if let Some(el) = opener.take() {
                if el.is_connected() {
                    let _ = el.focus();
                }
            }
        });
    }
    Effect::new(move |done: Option<bool>| {
        if done == Some(true) {
            return true;
        }
        let Some(root) = dialog.get() else {
            return false;
        };
        // After the dialog's first paint (its fields may render a moment later).
        request_animation_frame(move || {
            let all = focusables(&root);
            let field = all
                .iter()
                .find(|e| matches!(e.tag_name().as_str(), "INPUT" | "SELECT" | "TEXTAREA"));
            let target = field.or_else(|| all.get(1)).or_else(|| all.first());
            match target {
                Some(el) => {
                    let _ = el.focus();
                }
                None => {
                    let _ = root.focus();
                }
            }
        });
        true
    });
    let trap = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" {
            on_close.run(());
            return;
        }
        if ev.key() != "Tab" {
            return;
        }
        let Some(root) = dialog.get_untracked() else {
            return;
        };
        let all = focusables(&root);
        let (Some(first), Some(last)) = (all.first(), all.last()) else {
            return;
        };
        let active = document().active_element();
        let at = |e: &web_sys::HtmlElement| active.as_ref().is_some_and(|a| a == e.as_ref());
        if ev.shift_key() && at(first) {
            ev.prevent_default();
            let _ = last.focus();
        } else if !ev.shift_key() && at(last) {
            ev.prevent_default();
            let _ = first.focus();
        }
    };
    view! {
        <div class="modal-backdrop">
            <div
                class="modal"
                role="dialog"
                aria-modal="true"
                aria-labelledby="modal-title"
                tabindex="-1"
                node_ref=dialog
                on:keydown=trap
            >
                <header class="modal-header">
                    <h2 id="modal-title">{title}</h2>
                    <button type="button" class="icon-btn" aria-label="Close" on:click=move |_| on_close.run(())>
                        "✕"
                    </button>
                </header>
                {children()}
            </div>
        </div>
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum ToastKind {
    Info,
    Error,
}

#[derive(Clone)]
pub struct Toast {
    id: u64,
    message: String,
    kind: ToastKind,
    action: Option<(String, Callback<()>)>,
}

/// Toasts at the bottom right; provided by the shell, used by any page.
#[derive(Clone, Copy)]
pub struct Toasts {
    list: RwSignal<Vec<Toast>>,
    next_id: StoredValue<u64>,
}

/// How long a toast (and so its Undo) stays.
pub const TOAST_SECS: u64 = 10;

impl Toasts {
    pub fn new() -> Self {
        Toasts {
            list: RwSignal::new(Vec::new()),
            next_id: StoredValue::new(1),
        }
    }

    fn push(&self, message: String, kind: ToastKind, action: Option<(String, Callback<()>)>) {
        let id = self.next_id.get_value();
        self.next_id.set_value(id + 1);
        self.list.update(|l| {
            l.push(Toast {
                id,
                message,
                kind,
                action,
            })
        });
        let this = *self;
        set_timeout(move || this.dismiss(id), Duration::from_secs(TOAST_SECS));
    }

    pub fn info(&self, message: impl Into<String>) {
        self.push(message.into(), ToastKind::Info, None);
    }

    pub fn error(&self, message: impl Into<String>) {
        self.push(message.into(), ToastKind::Error, None);
    }

    /// A toast with a button (e.g. "Undo"), which receives keyboard focus.
    pub fn with_action(
        &self,
        message: impl Into<String>,
        label: impl Into<String>,
        action: Callback<()>,
    ) {
        self.push(
            message.into(),
            ToastKind::Info,
            Some((label.into(), action)),
        );
    }

    pub fn dismiss(&self, id: u64) {
        self.list.update(|l| l.retain(|t| t.id != id));
    }
}

impl Default for Toasts {
    fn default() -> Self {
        Self::new()
    }
}

#[component]
pub fn ToastHost(toasts: Toasts) -> impl IntoView {
    view! {
        <div class="toasts" role="status" aria-live="polite">
            <For each=move || toasts.list.get() key=|t| t.id let:toast>
                <ToastView toast toasts/>
            </For>
        </div>
    }
}

#[component]
fn ToastView(toast: Toast, toasts: Toasts) -> impl IntoView {
    let id = toast.id;
    let button_ref = NodeRef::<leptos::html::Button>::new();
    // Put focus on the action so a keyboard user can undo at once (Enter / Space).
    Effect::new(move |_| {
        if let Some(b) = button_ref.get() {
            let _ = b.focus();
        }
    });
    view! {
        <div class="toast" class:toast-error=toast.kind == ToastKind::Error>
            <span class="toast-message">{toast.message.clone()}</span>
            {toast.action.clone().map(|(label, action)| view! {
                <span class="toast-sep" aria-hidden="true">"·"</span>
                <button
                    type="button"
                    class="toast-action"
                    node_ref=button_ref
                    on:click=move |_| {
                        toasts.dismiss(id);
                        action.run(());
                    }
                >{label}</button>
            })}
            <button type="button" class="icon-btn toast-close" aria-label="Dismiss" on:click=move |_| toasts.dismiss(id)>"✕"</button>
        </div>
    }
}

/// The ⚙️ menu of row actions. Items are `role="menuitem"` buttons or links; choosing one
/// closes the menu, as do Escape and a click outside.
#[component]
pub fn ActionsMenu(#[prop(into)] label: String, children: ChildrenFn) -> impl IntoView {
    let open = RwSignal::new(false);
    view! {
        <div
            class="actions-menu"
            on:keydown=move |ev| {
                if ev.key() == "Escape" {
                    open.set(false);
                }
            }
        >
            <button
                type="button"
                class="icon-btn"
                aria-haspopup="menu"
                aria-expanded=move || open.get().to_string()
                aria-label=label
                title="Actions"
                on:click=move |_| open.update(|o| *o = !*o)
            >{super::icons::Icon::Settings.view()}</button>
            <Show when=move || open.get()>
                <div class="menu-backdrop" on:click=move |_| open.set(false)></div>
                <div class="menu" role="menu" on:click=move |_| open.set(false)>
                    {children()}
                </div>
            </Show>
        </div>
    }
}

/// A toolbar button that opens a panel of filters or choices below it (closed by Escape
/// and a click outside). The button reads `summary` ("All labels", "2 countries"); its
/// accessible name is `label: summary` unless the summary already starts with the label.
/// `open` may be given to close the panel from inside.
#[component]
pub fn FilterMenu(
    #[prop(into)] summary: Signal<String>,
    #[prop(into)] label: String,
    #[prop(into)] class: String,
    #[prop(optional)] open: Option<RwSignal<bool>>,
    children: ChildrenFn,
) -> impl IntoView {
    let open = open.unwrap_or_else(|| RwSignal::new(false));
    let children = StoredValue::new(children);
    let aria = label.clone();
    view! {
        <div class="label-filter" on:keydown=move |ev| if ev.key() == "Escape" { open.set(false) }>
            <button type="button" class="btn filter-btn" aria-haspopup="true"
                aria-expanded=move || open.get().to_string()
                aria-label=move || {
                    let s = summary.get();
                    if s.starts_with(aria.as_str()) { s } else { format!("{aria}: {s}") }
                }
                on:click=move |_| open.update(|o| *o = !*o)>
                {move || summary.get()}" ▾"
            </button>
            <Show when=move || open.get()>
                <div class="menu-backdrop" on:click=move |_| open.set(false)></div>
                <div class=format!("menu {class}") role="group" aria-label=label.clone()>
                    {children.with_value(|c| c())}
                </div>
            </Show>
        </div>
    }
}
