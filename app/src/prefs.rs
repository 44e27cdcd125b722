//! Per-staff preferences kept on the server (so they follow the user to another browser):
//! the Customers list's hidden columns, page size and view.

use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ListPrefs {
    pub hidden_columns: Vec<String>,
    pub page_size: Option<u32>,
    /// Cards instead of the table.
    pub cards: bool,
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::ListPrefs;

    pub const LIST_KEY: &str = "customers.list";

    pub async fn list_prefs(
        pool: &crate::db::Pool,
        staff_user_id: i64,
    ) -> Result<ListPrefs, sqlx::Error> {
        let raw: Option<String> = crate::db::query_scalar(
            "select value from user_pref where staff_user_id = $1 and pref_key = $2",
        )
        .bind(staff_user_id)
        .bind(LIST_KEY)
        .fetch_optional(pool)
        .await?;
        Ok(raw
            .and_then(|r| serde_json::from_str(&r).ok())
            .unwrap_or_default())
    }
}

#[server(endpoint = "get_list_prefs", input = Json)]
pub async fn get_list_prefs() -> Result<ListPrefs, AppError> {
    use crate::auth::ssr::staff_guard;
    let me = staff_guard::<GetListPrefs>()?;
    let pool = crate::state::pool()?;
    Ok(ssr::list_prefs(&pool, me.id).await?)
}

#[server(endpoint = "save_list_prefs", input = Json)]
pub async fn save_list_prefs(prefs: ListPrefs) -> Result<(), AppError> {
    use crate::auth::ssr::staff_guard;
    let me = staff_guard::<SaveListPrefs>()?;
    if prefs.hidden_columns.len() > 50 || prefs.hidden_columns.iter().any(|c| c.len() > 40) {
        return Err(AppError::BadRequest);
    }
    let pool = crate::state::pool()?;
    let value = serde_json::to_string(&prefs).map_err(|e| AppError::internal("prefs json", e))?;
    crate::db::query(
        "insert into user_pref (staff_user_id, pref_key, value) values ($1, $2, $3)
         on conflict (staff_user_id, pref_key) do update set value = excluded.value",
    )
    .bind(me.id)
    .bind(ssr::LIST_KEY)
    .bind(value)
    .execute(&pool)
    .await?;
    Ok(())
}
