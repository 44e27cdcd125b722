#![recursion_limit = "256"]
//! The browser entry point: hydrate the server-rendered page with `app::App`.

/// Hydrates asynchronously (what `leptos::mount::hydrate_lazy` does): a page whose code is a
/// lazily loaded chunk (`app::routes`) hydrates once that chunk has arrived. Then marks the
/// page hydrated and fetches the other chunks in the background.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Err only when the executor is already set up: nothing to do then.
    let _ = any_spawner::Executor::init_wasm_bindgen();
    leptos::task::spawn_local(async {
        let body = leptos::prelude::document()
            .body()
            .expect("a page has a body");
        leptos::mount::hydrate_from_async(body, app::App)
            .await
            .forget();
        app::mark_hydrated();
        app::preload_staff_code().await;
    });
}
