//! The scaffold the data pages (Staff, Mail, Audit log, Trash, a customer's profile) share:
//! a header with the way back to the Customers list, the loading / error / empty states of
//! what the page loads, and a table with its head.
//!
//! Widget level: imports no feature; pages import this file directly.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{de::DeserializeOwned, Serialize};

/// The link back to the list, in the manuals' wording.
#[component]
pub fn BackToList(
    /// A plain link rather than a button (the 404 page's sentence).
    #[prop(optional)]
    plain: bool,
) -> impl IntoView {
    view! { <a class=(!plain).then_some("btn") href="/customers">"⬅ Back to Customers List"</a> }
}

/// A page's heading, the way back to the list, then the page's own actions (the children).
/// Also names the browser tab "<title> · Customers" unless the page names it itself.
#[component]
pub fn PageHeader(
    #[prop(into)] title: String,
    /// The page sets the document title itself (e.g. from what it loads).
    #[prop(optional)]
    own_document_title: bool,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    view! {
        {(!own_document_title).then(|| view! { <leptos_meta::Title text=format!("{title} · Customers")/> })}
        <div class="page-header">
            <h1>{title.clone()}</h1>
            <div class="page-actions">
                <BackToList/>
                {children.map(|c| c())}
            </div>
        </div>
    }
}

/// What a page loads, as the page shows it: "Loading…", the error, the `empty` message when
/// `is_empty` says there is nothing, or else the children's view of it (`let:` binds it).
#[component]
pub fn Loaded<T, V, F>(
    data: Resource<Result<T, AppError>>,
    #[prop(optional)] is_empty: Option<fn(&T) -> bool>,
    #[prop(optional)] empty: &'static str,
    children: F,
) -> impl IntoView
where
    T: Clone + Send + Sync + Serialize + DeserializeOwned + 'static,
    F: Fn(T) -> V + Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    view! {
        <Transition fallback=|| view! { <div class="card loading">"Loading…"</div> }>
            {move || {
                let children = children.clone();
                Suspend::new(async move {
                    match data.await {
                        Err(e) => view! { <div class="card empty-state" role="alert">{e.to_string()}</div> }.into_any(),
                        Ok(x) if is_empty.is_some_and(|f| f(&x)) => view! { <div class="card empty-state">{empty}</div> }.into_any(),
                        Ok(x) => children(x).into_any(),
                    }
                })
            }}
        </Transition>
    }
}

/// A column of row buttons: its header says "Actions" to screen readers only.
pub const ACTIONS: &str = "";

/// A card with a table: one header cell per column name ([`ACTIONS`] for the buttons'
/// column), the rows (the children) in the body.
#[component]
pub fn DataTable(
    columns: &'static [&'static str],
    #[prop(optional)] testid: Option<&'static str>,
    children: Children,
) -> impl IntoView {
    view! {
        // Focusable, so a keyboard can scroll a table wider than the screen.
        <div class="card table-wrap" role="region" aria-label="Table" tabindex="0">
            <table class="data-table" data-testid=testid>
                <thead>
                    <tr>
                        {columns.iter().map(|c| if c.is_empty() {
                            view! { <th scope="col"><span class="sr-only">"Actions"</span></th> }.into_any()
                        } else {
                            view! { <th scope="col">{*c}</th> }.into_any()
                        }).collect_view()}
                    </tr>
                </thead>
                <tbody>{children()}</tbody>
            </table>
        </div>
    }
}
