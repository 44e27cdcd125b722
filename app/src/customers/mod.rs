//! Customer records. For now the page frame and its empty state; the list, the modal and the
//! profile arrive with their issues.

use leptos::prelude::*;

#[component]
pub fn CustomersPage() -> impl IntoView {
    view! {
        <leptos_meta::Title text="Customers"/>
        <section class="page">
            <div class="page-header">
                <h1>"Customers"</h1>
            </div>
            <div class="empty-state card">
                <h2>"No customers yet"</h2>
                <p class="muted">"Customers you add will appear here."</p>
            </div>
        </section>
    }
}
