//! A customer's data rights (#19). **Export**: a zip with a JSON file and an Excel workbook
//! of everything stored about one customer — every field, labels, notes, the audit events
//! about them, their portal account (never a password hash or a token) and the e-mails sent
//! to them — for an Admin (`GET /customers/data-export?id=N`) and for the customer
//! themselves in the portal ("Download my data", `GET /portal/my-data`). **Anonymise**
//! (Admin, confirmed by typing the customer's name; not undoable): personal fields become
//! placeholders, notes lose their text, portal access ends, the audit events about them keep
//! who / when / what field but not the values; id, labels, status, country and dates stay.
//!
//! Runs across features; every table is written by its owner (`customers::store::anonymise`,
//! `notes::ssr`, `mail::ssr`, `auth::customer_account`, `audit::ssr`, `import::store`,
//! `duplicates::ssr`).

#[cfg(feature = "ssr")]
pub mod ssr;
pub mod ui;

use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// An Admin's download of a customer's data (`?id=`).
pub const DATA_EXPORT_PATH: &str = "/customers/data-export";
/// The signed-in customer's own data, from the portal.
pub const PORTAL_DATA_PATH: &str = "/portal/my-data";

/// Anonymise a customer (Admin). `confirm` must be the customer's name as shown.
#[server(endpoint = "anonymise_customer", input = Json)]
pub async fn anonymise_customer(id: i64, confirm: String) -> Result<(), AppError> {
    let me = crate::auth::ssr::staff_guard::<AnonymiseCustomer>()?;
    ssr::anonymise(&crate::state::pool()?, &me.actor(), id, &confirm).await
}
