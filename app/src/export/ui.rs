//! The Customers page's Export (Excel) menu: current view, all customers or the ticked
//! rows; visible columns (or all). The download is fetched in the background while the
//! button says "Preparing N rows…", then handed to the browser as a file.

use super::{ExportRequest, ExportScope};
use crate::customers::list::CustomerQuery;
use crate::ui::context::use_toasts;
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn ExportMenu(
    /// The list's state (search, filters, sort).
    #[prop(into)]
    query: Signal<CustomerQuery>,
    /// How many rows the current view has, as shown ("12,345" or "10,000+").
    #[prop(into)]
    view_count: Signal<Option<String>>,
    /// The ticked rows.
    #[prop(into)]
    selected: Signal<Vec<i64>>,
    /// Visible column keys in on-screen order.
    #[prop(into)]
    columns: Signal<Vec<String>>,
    #[prop(into)] disabled: Signal<bool>,
) -> impl IntoView {
    let toasts = use_toasts();
    let open = RwSignal::new(false);
    let all_columns = RwSignal::new(false);
    let preparing = RwSignal::new(None::<String>);
    // "All customers (M rows)": asked when the menu opens (the unfiltered list's total is a
    // counter on the server, O(1)).
    let all_count = RwSignal::new(None::<i64>);
    let toggle = move |_| {
        let now_open = !open.get_untracked();
        open.set(now_open);
        if now_open {
            spawn_local(async move {
                let q = CustomerQuery {
                    size: 10,
                    ..Default::default()
                };
                if let Ok(p) = crate::customers::list_customers(q).await {
                    all_count.set(Some(p.total.n));
                }
            });
        }
    };
    let start = move |scope: ExportScope| {
        open.set(false);
        let what = match scope {
            ExportScope::View => view_count
                .get_untracked()
                .map(|n| format!("{n} rows"))
                .unwrap_or_else(|| "the current view".into()),
            ExportScope::All => all_count
                .get_untracked()
                .map(|n| format!("{} rows", crate::fmt::group_thousands(n)))
                .unwrap_or_else(|| "all customers".into()),
            ExportScope::Selected => format!("{} rows", selected.get_untracked().len()),
        };
        preparing.set(Some(format!("Preparing {what}…")));
        let req = ExportRequest {
            scope,
            query: query.get_untracked(),
            ids: if scope == ExportScope::Selected {
                selected.get_untracked()
            } else {
                vec![]
            },
            columns: if all_columns.get_untracked() {
                vec![]
            } else {
                columns.get_untracked()
            },
        };
        spawn_local(async move {
            let result = download(req).await;
            preparing.set(None);
            match result {
                Ok(rows) => toasts.info(format!("Exported {rows} rows")),
                Err(e) => toasts.error(format!("Export failed: {e}")),
            }
        });
    };
    view! {
        <div class="export-menu" on:keydown=move |ev| if ev.key() == "Escape" { open.set(false) }>
            <button type="button" class="btn" aria-haspopup="menu"
                aria-expanded=move || open.get().to_string()
                disabled=move || disabled.get() || preparing.with(|p| p.is_some())
                on:click=toggle>
                {move || preparing.get().unwrap_or_else(|| "Export (Excel)".into())}
            </button>
            <Show when=move || open.get()>
                <div class="menu-backdrop" on:click=move |_| open.set(false)></div>
                <div class="menu export-popover" role="menu" aria-label="Export">
                    <button type="button" role="menuitem" on:click=move |_| start(ExportScope::View)>
                        "Current view"
                        {move || view_count.get().map(|n| view! { <span class="muted small">{format!(" ({n} rows)")}</span> })}
                    </button>
                    <button type="button" role="menuitem" on:click=move |_| start(ExportScope::All)>
                        "All customers"
                        {move || all_count.get().map(|n| view! {
                            <span class="muted small">{format!(" ({} rows)", crate::fmt::group_thousands(n))}</span>
                        })}
                    </button>
                    {move || {
                        let k = selected.with(|s| s.len());
                        (k > 0).then(|| view! {
                            <button type="button" role="menuitem" on:click=move |_| start(ExportScope::Selected)>
                                {format!("Selected ({k} rows)")}
                            </button>
                        })
                    }}
                    <label class="check">
                        <input type="checkbox" prop:checked=move || all_columns.get()
                            on:change=move |_| all_columns.update(|a| *a = !*a)/>
                        "All columns (not only the visible ones)"
                    </label>
                </div>
            </Show>
        </div>
    }
}

/// POST the request, then save the answer as the file the server named. Returns the row
/// count the server reported. Its code is fetched on the first export (`#[lazy]`).
#[cfg(feature = "hydrate")]
#[lazy]
pub async fn download(req: ExportRequest) -> Result<String, String> {
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;
    fn fail<E>(_: E) -> String {
        "Cannot reach the server. Check your connection and try again.".to_string()
    }
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    let body = serde_json::to_string(&req).map_err(|e| e.to_string())?;
    init.set_body(&wasm_bindgen::JsValue::from_str(&body));
    let headers = web_sys::Headers::new().map_err(fail)?;
    headers
        .set("content-type", "application/json")
        .map_err(fail)?;
    init.set_headers(&headers);
    let request =
        web_sys::Request::new_with_str_and_init(super::EXPORT_PATH, &init).map_err(fail)?;
    let response: web_sys::Response = JsFuture::from(window().fetch_with_request(&request))
        .await
        .map_err(fail)?
        .dyn_into()
        .map_err(fail)?;
    if !response.ok() {
        let text = match response.text() {
            Ok(p) => JsFuture::from(p)
                .await
                .ok()
                .and_then(|t| t.as_string())
                .unwrap_or_default(),
            Err(_) => String::new(),
        };
        return Err(serde_json::from_str::<crate::error::AppError>(&text)
            .map(|e| e.to_string())
            .unwrap_or_else(|_| "Something went wrong on our side. Please try again.".into()));
    }
    let disposition = response
        .headers()
        .get("content-disposition")
        .ok()
        .flatten()
        .unwrap_or_default();
    let name = disposition
        .split("filename=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap_or("customers.xlsx")
        .to_string();
    let rows = response
        .headers()
        .get("x-export-rows")
        .ok()
        .flatten()
        .unwrap_or_default();
    let blob: web_sys::Blob = JsFuture::from(response.blob().map_err(fail)?)
        .await
        .map_err(fail)?
        .dyn_into()
        .map_err(fail)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(fail)?;
    let a: web_sys::HtmlAnchorElement = document()
        .create_element("a")
        .map_err(fail)?
        .dyn_into()
        .map_err(fail)?;
    a.set_href(&url);
    a.set_download(&name);
    let _ = document().body().map(|b| b.append_child(&a));
    a.click();
    a.remove();
    // The browser reads the blob after this returns: let it go a minute later.
    set_timeout(
        move || {
            let _ = web_sys::Url::revoke_object_url(&url);
        },
        std::time::Duration::from_secs(60),
    );
    Ok(crate::fmt::group_thousands(
        rows.parse().unwrap_or_default(),
    ))
}

#[cfg(not(feature = "hydrate"))]
pub async fn download(_req: ExportRequest) -> Result<String, String> {
    Err("Exports start in the browser.".into())
}
