//! Customer records: the shared types (`model`), the one validator (`validate`), storage
//! (`ssr`), the server functions below, and the pages — list (`page`), Add / Edit modal
//! (`form`), profile with History (`profile`) and the Admin's Trash (`trash`).

pub mod activity;
pub mod bulk;
pub mod form;
pub mod list;
pub mod model;
pub mod page;
pub mod profile;
#[cfg(feature = "ssr")]
pub mod search;
#[cfg(feature = "ssr")]
pub mod ssr;
#[cfg(feature = "ssr")]
pub mod store;
pub mod trash;
pub mod validate;
pub mod views;

use crate::audit::HistoryEntry;
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use model::{Customer, CustomerInput, Status};

pub use page::CustomersPage;
pub use profile::CustomerProfilePage;
pub use trash::TrashPage;

#[cfg(feature = "ssr")]
use crate::state::pool;

#[cfg(feature = "ssr")]
fn validated(input: &CustomerInput) -> Result<validate::ValidCustomer, AppError> {
    validate::validate_customer(input, chrono::Utc::now().date_naive())
        .map_err(AppError::Validation)
}

/// One page of the Customers list: search, filters, sort, keyset page.
#[server(endpoint = "list_customers", input = Json)]
pub async fn list_customers(query: list::CustomerQuery) -> Result<list::CustomerPage, AppError> {
    use crate::auth::ssr::staff_guard;
    let me = staff_guard::<ListCustomers>()?;
    if !query.is_acceptable() {
        return Err(AppError::BadRequest);
    }
    let pool = pool()?;
    let mut query = query;
    query.zone = crate::ui::time::request_zone();
    if !list::PAGE_SIZES.contains(&query.size) {
        query.size = crate::prefs::ssr::list_prefs(&pool, me.id)
            .await?
            .page_size
            .unwrap_or(list::DEFAULT_PAGE_SIZE);
    }
    Ok(search::list(&pool, &query).await?)
}

/// The whole live list in compact form while it has at most `SNAPSHOT_MAX` customers, for
/// searching offline; `None` when it is bigger.
#[server(endpoint = "customer_snapshot", input = Json)]
pub async fn customer_snapshot() -> Result<Option<Vec<list::SnapshotRow>>, AppError> {
    use crate::auth::ssr::staff_guard;
    staff_guard::<CustomerSnapshot>()?;
    Ok(ssr::snapshot(&pool()?, list::SNAPSHOT_MAX).await?)
}

#[server(endpoint = "get_customer", input = Json)]
pub async fn get_customer(id: i64) -> Result<Customer, AppError> {
    use crate::auth::ssr::staff_guard;
    staff_guard::<GetCustomer>()?;
    ssr::get_live(&pool()?, id).await
}

/// The profile's Activity: changes, labels, notes, portal events and e-mails, newest first.
#[server(endpoint = "customer_activity", input = Json)]
pub async fn customer_activity(id: i64) -> Result<Vec<activity::ActivityEntry>, AppError> {
    use crate::auth::ssr::staff_guard;
    staff_guard::<CustomerActivity>()?;
    Ok(activity::ssr::activity(&pool()?, id).await?)
}

#[server(endpoint = "customer_history", input = Json)]
pub async fn customer_history(id: i64) -> Result<Vec<HistoryEntry>, AppError> {
    use crate::auth::ssr::staff_guard;
    staff_guard::<CustomerHistory>()?;
    Ok(crate::audit::ssr::history(&pool()?, ssr::ENTITY, id, false).await?)
}

/// Add a customer; with `invite: Some(true)` they also get the portal invitation e-mail
/// (the modal's "Send invitation e-mail", on by default there; API callers opt in).
#[server(endpoint = "create_customer", input = Json)]
pub async fn create_customer(
    input: CustomerInput,
    invite: Option<bool>,
) -> Result<Customer, AppError> {
    use crate::auth::ssr::staff_guard;
    let me = staff_guard::<CreateCustomer>()?;
    let valid = validated(&input)?;
    let state = crate::state::AppState::from_context()?;
    let invite = invite.unwrap_or(false);
    let actor = me.actor();
    let now = chrono::Utc::now();
    let mut tx = crate::db::begin_write(&state.pool).await?;
    let id = store::create(&mut tx, &actor, &valid, now).await?;
    if invite {
        let base = &state.auth.public_base_url;
        crate::auth::customer_account::invite_new_customer(&mut tx, base, &actor, id, now).await?;
    }
    tx.commit().await?;
    if invite {
        state.mail_wake.notify_one();
    }
    ssr::get_live(&state.pool, id).await
}

/// Save an edit made from `version`; refused with Conflict if anyone saved since.
#[server(endpoint = "update_customer", input = Json)]
pub async fn update_customer(
    id: i64,
    version: i64,
    input: CustomerInput,
) -> Result<Customer, AppError> {
    use crate::auth::ssr::staff_guard;
    let me = staff_guard::<UpdateCustomer>()?;
    let valid = validated(&input)?;
    let pool = pool()?;
    let action = crate::audit::AuditAction::Update;
    store::update(&pool, &me.actor(), action, id, version, &valid).await?;
    ssr::get_live(&pool, id).await
}

#[server(endpoint = "set_customer_status", input = Json)]
pub async fn set_customer_status(id: i64, status: Status) -> Result<Customer, AppError> {
    use crate::auth::ssr::staff_guard;
    let me = staff_guard::<SetCustomerStatus>()?;
    let pool = pool()?;
    store::set_status_of(&pool, &me.actor(), id, status).await?;
    ssr::get_live(&pool, id).await
}

#[server(endpoint = "delete_customer", input = Json)]
pub async fn delete_customer(id: i64) -> Result<(), AppError> {
    use crate::auth::ssr::staff_guard;
    let me = staff_guard::<DeleteCustomer>()?;
    store::delete_one(&pool()?, &me.actor(), id).await
}

#[server(endpoint = "restore_customer", input = Json)]
pub async fn restore_customer(id: i64) -> Result<Customer, AppError> {
    use crate::auth::ssr::staff_guard;
    let me = staff_guard::<RestoreCustomer>()?;
    let pool = pool()?;
    store::restore_one(&pool, &me.actor(), id).await?;
    ssr::get_live(&pool, id).await
}

/// Deleted customers, newest deletion first (Admins' Trash).
#[server(endpoint = "list_deleted_customers", input = Json)]
pub async fn list_deleted_customers() -> Result<Vec<Customer>, AppError> {
    use crate::auth::ssr::staff_guard;
    staff_guard::<ListDeletedCustomers>()?;
    Ok(ssr::list_trash(&pool()?).await?)
}

/// The live customer already using this email, if any (the modal warns while typing).
#[server(endpoint = "email_in_use", input = Json)]
pub async fn email_in_use(email: String, except: Option<i64>) -> Result<Option<i64>, AppError> {
    use crate::auth::ssr::staff_guard;
    staff_guard::<EmailInUse>()?;
    if email.len() > 254 {
        return Ok(None);
    }
    Ok(ssr::email_owner(&pool()?, &email, except).await?)
}

/// Exactly how many customers the list's filters match (for the bulk confirmation).
#[server(endpoint = "count_matching_customers", input = Json)]
pub async fn count_matching_customers(query: list::CustomerQuery) -> Result<i64, AppError> {
    use crate::auth::ssr::staff_guard;
    staff_guard::<CountMatchingCustomers>()?;
    if !query.is_acceptable() {
        return Err(AppError::BadRequest);
    }
    let mut query = query;
    query.zone = crate::ui::time::request_zone();
    Ok(search::matching_ids(&pool()?, &query).await?.len() as i64)
}

/// Apply a bulk action to the ticked customers or to every match; reports how many changed.
#[server(endpoint = "bulk_update_customers", input = Json)]
pub async fn bulk_update_customers(
    target: bulk::BulkTarget,
    action: bulk::BulkAction,
) -> Result<bulk::BulkOutcome, AppError> {
    use crate::auth::ssr::staff_guard;
    let me = staff_guard::<BulkUpdateCustomers>()?;
    let mut target = target;
    if let bulk::BulkTarget::Matching { query, .. } = &mut target {
        query.zone = crate::ui::time::request_zone();
    }
    bulk::ssr::apply(&pool()?, &me, &target, action).await
}

/// Undo a bulk delete: the whole batch comes back.
#[server(endpoint = "restore_customer_batch", input = Json)]
pub async fn restore_customer_batch(batch: String) -> Result<bulk::BulkOutcome, AppError> {
    use crate::auth::ssr::staff_guard;
    let me = staff_guard::<RestoreCustomerBatch>()?;
    if batch.len() > 64 {
        return Err(AppError::BadRequest);
    }
    bulk::ssr::restore_batch(&pool()?, &me, &batch).await
}
