//! Find duplicates and merge them (#19). Candidates are live customers with the same e-mail
//! once normalised (case, a `+tag`, Gmail's dots), the same phone (E.164), or the same name
//! and birthday, shown as pairs with the reason. A merge keeps one record (field by field,
//! the values picked), unites the labels, moves the notes and — if the survivor has none —
//! the portal account, and sends the other to the Trash pointing at the survivor; one Undo
//! puts both back as they were. Audited on both records.
//!
//! This module writes `customer_merge` and `duplicate_dismissal`; every other table through
//! the module that owns it (`customers::store::merge`, `notes::ssr`, `auth::customer_account`).

pub mod page;
#[cfg(feature = "ssr")]
pub mod ssr;

use crate::error::AppError;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

/// Pairs shown at most (the oldest record of a group paired with each of the others).
pub const MAX_PAIRS: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    Email,
    Phone,
    NameBirthday,
}

impl Reason {
    pub fn label(self) -> &'static str {
        match self {
            Reason::Email => "Same e-mail",
            Reason::Phone => "Same phone",
            Reason::NameBirthday => "Same name and birthday",
        }
    }
}

/// One side of a pair, as the list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Side {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub phone: String,
    pub country: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pair {
    /// The older record (the default survivor).
    pub a: Side,
    pub b: Side,
    pub reasons: Vec<Reason>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Duplicates {
    pub pairs: Vec<Pair>,
    /// More pairs than [`MAX_PAIRS`] were found (merge some and look again).
    pub more: bool,
}

/// A merge as the dialog asks for it: who survives, the versions both were read at (a
/// record changed since is a Conflict), and the fields whose value comes from the other.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct MergeInput {
    pub survivor: i64,
    pub survivor_version: i64,
    pub other: i64,
    pub other_version: i64,
    pub from_other: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Merged {
    /// For the Undo.
    pub merge_id: i64,
    pub survivor: i64,
    pub other: i64,
}

/// Candidate pairs, newest duplicates first (Admin, Sales).
#[server(endpoint = "find_duplicates", input = Json)]
pub async fn find_duplicates() -> Result<Duplicates, AppError> {
    crate::auth::ssr::staff_guard::<FindDuplicates>()?;
    ssr::find(&crate::state::pool()?).await
}

/// Merge `other` into `survivor` (Admin, Sales).
#[server(endpoint = "merge_customers", input = Json)]
pub async fn merge_customers(input: MergeInput) -> Result<Merged, AppError> {
    let me = crate::auth::ssr::staff_guard::<MergeCustomers>()?;
    ssr::merge(&crate::state::pool()?, &me.actor(), &input).await
}

/// Undo a merge: both records as they were before it (Admin, Sales).
#[server(endpoint = "undo_merge", input = Json)]
pub async fn undo_merge(merge_id: i64) -> Result<(), AppError> {
    let me = crate::auth::ssr::staff_guard::<UndoMerge>()?;
    ssr::undo(&crate::state::pool()?, &me.actor(), merge_id).await
}

/// "Not duplicates": the pair is not suggested again (Admin, Sales).
#[server(endpoint = "dismiss_duplicate", input = Json)]
pub async fn dismiss_duplicate(a: i64, b: i64) -> Result<(), AppError> {
    let me = crate::auth::ssr::staff_guard::<DismissDuplicate>()?;
    ssr::dismiss(&crate::state::pool()?, &me.actor(), a, b).await
}
