//! What the shell puts in context for the pages below it: the signed-in user (and so what
//! they may do, from the permission table the server guards use) and the toasts.
//!
//! Widget level: pages import this file directly (`crate::ui::context::…`), never the shell
//! (`ui/mod.rs`), which sits above the features. It reads `auth`'s types and no feature.

use super::widgets::Toasts;
use crate::auth::{Capability, CurrentUser};
use leptos::prelude::*;

/// The signed-in user (pages inside the shell only).
pub fn use_user() -> CurrentUser {
    expect_context::<CurrentUser>()
}

/// May the signed-in user do this? (False outside the shell.)
pub fn can(capability: Capability) -> bool {
    use_context::<CurrentUser>().is_some_and(|u| u.can(capability))
}

/// The shell's toasts.
pub fn use_toasts() -> Toasts {
    expect_context::<Toasts>()
}
