//! The Active / Inactive chip (the list's cells without edit rights, the profile's head).

use crate::customers::model::Status;
use leptos::prelude::*;

#[component]
pub fn StatusChip(status: Status) -> impl IntoView {
    let class = match status {
        Status::Active => "status status-active",
        Status::Inactive => "status status-inactive",
    };
    view! { <span class=class>{status.label()}</span> }
}
