//! Saved views of the Customers list (#18; the ERPat manual's "Best clients" groups): a name
//! for a search + filters + sort (the list's URL query) and the hidden columns, personal or
//! shared with the team. Everyone may keep their own; only an Admin saves, replaces or
//! deletes shared ones. The one module that writes `saved_view`.

use super::page::url::ListUrl;
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

/// The longest name a saved view may have.
pub const VIEW_NAME_MAX: usize = 60;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedView {
    pub id: i64,
    pub name: String,
    /// Shared with the team (else this user's own).
    pub shared: bool,
    /// The list's URL query, without paging (`status=active&labels=3`).
    pub query: String,
    pub hidden_columns: Vec<String>,
}

impl SavedView {
    pub fn href(&self) -> String {
        ListUrl::parse(&self.query).href()
    }
}

/// A list URL's query (with or without `/customers?`) as a view keeps it: read as the list
/// reads it (unknown keys and bad values dropped), without the page it was on, the page
/// size and table or cards (each user's own choices).
pub fn normalized_query(query: &str) -> String {
    let query = query.split_once('?').map_or(query, |(_, q)| q);
    let mut url = ListUrl::parse(query);
    url.first_page();
    url.size = None;
    url.view = None;
    url.href()
        .split_once('?')
        .map(|(_, q)| q.to_string())
        .unwrap_or_default()
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::SavedView;
    use crate::db::{self, Pool};
    use chrono::{DateTime, Utc};

    #[derive(sqlx::FromRow)]
    struct Row {
        saved_view_id: i64,
        name: String,
        owner_id: Option<i64>,
        query: String,
        hidden_columns: String,
    }

    /// The team's shared views (by name), then `staff_id`'s own (by name).
    pub async fn visible(pool: &Pool, staff_id: i64) -> Result<Vec<SavedView>, sqlx::Error> {
        let rows = db::query_as::<Row>(
            "select saved_view_id, name, owner_id, query, hidden_columns from saved_view
              where owner_id is null or owner_id = $1
              order by owner_id is not null, name_key, saved_view_id",
        )
        .bind(staff_id)
        .fetch_all(pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| SavedView {
                id: r.saved_view_id,
                name: r.name,
                shared: r.owner_id.is_none(),
                query: r.query,
                hidden_columns: serde_json::from_str(&r.hidden_columns).unwrap_or_default(),
            })
            .collect())
    }

    /// Save a view under `name` for `owner` (None: shared), replacing one of the same name.
    #[allow(clippy::too_many_arguments)]
    pub async fn save(
        pool: &Pool,
        owner: Option<i64>,
        name: &str,
        query: &str,
        hidden_columns: &[String],
        staff_id: i64,
        now: DateTime<Utc>,
    ) -> Result<(), sqlx::Error> {
        let key = name.trim().to_lowercase();
        let hidden = serde_json::to_string(hidden_columns).expect("columns serialize");
        let mut tx = db::begin_write(pool).await?;
        let replaced = db::query(
            "update saved_view set name = $1, query = $2, hidden_columns = $3, updated_by = $4,
                    updated_at = $5
              where name_key = $6 and ((owner_id is null and $7 = 0) or owner_id = $7)",
        )
        .bind(name)
        .bind(query)
        .bind(hidden.clone())
        .bind(staff_id)
        .bind(now)
        .bind(key.clone())
        .bind(owner.unwrap_or(0))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if replaced == 0 {
            db::query(
                "insert into saved_view (name, name_key, owner_id, query, hidden_columns, updated_by, updated_at)
                 values ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(name)
            .bind(key)
            .bind(owner)
            .bind(query)
            .bind(hidden)
            .bind(staff_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await
    }

    /// The view's owner: Some(None) for a shared one, None if there is no such view.
    pub async fn owner(pool: &Pool, id: i64) -> Result<Option<Option<i64>>, sqlx::Error> {
        db::query_scalar::<Option<i64>>("select owner_id from saved_view where saved_view_id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await
    }

    pub async fn delete(pool: &Pool, id: i64) -> Result<(), sqlx::Error> {
        db::query("delete from saved_view where saved_view_id = $1")
            .bind(id)
            .execute(pool)
            .await
            .map(|_| ())
    }
}

/// The views this user may apply: the team's, then their own.
#[server(endpoint = "list_saved_views", input = Json)]
pub async fn list_saved_views() -> Result<Vec<SavedView>, AppError> {
    use crate::auth::ssr::staff_guard;
    let me = staff_guard::<ListSavedViews>()?;
    Ok(ssr::visible(&crate::state::pool()?, me.id).await?)
}

/// Save the list as it is now under a name (replacing this user's view, or the team's, of
/// that name). Only an Admin may save a shared view. Returns the views.
#[server(endpoint = "save_view", input = Json)]
pub async fn save_view(
    name: String,
    shared: bool,
    query: String,
    hidden_columns: Vec<String>,
) -> Result<Vec<SavedView>, AppError> {
    use crate::auth::ssr::staff_guard;
    use crate::auth::Role;
    let me = staff_guard::<SaveView>()?;
    if shared && me.role != Role::Admin {
        return Err(AppError::Forbidden);
    }
    let name = name.trim().to_string();
    if name.is_empty() {
        return Err(AppError::field("view_name", "Give the view a name."));
    }
    if name.chars().count() > VIEW_NAME_MAX || crate::text::has_forbidden(&name) {
        return Err(AppError::field(
            "view_name",
            format!("Use up to {VIEW_NAME_MAX} letters, digits, spaces and punctuation."),
        ));
    }
    if query.len() > 4000
        || hidden_columns.len() > super::list::COLUMNS.len()
        || hidden_columns
            .iter()
            .any(|c| !super::list::COLUMNS.iter().any(|(k, _, _)| k == c))
    {
        return Err(AppError::BadRequest);
    }
    let query = normalized_query(&query);
    if !ListUrl::parse(&query).query().is_acceptable() {
        return Err(AppError::BadRequest);
    }
    let pool = crate::state::pool()?;
    let owner = (!shared).then_some(me.id);
    ssr::save(
        &pool,
        owner,
        &name,
        &query,
        &hidden_columns,
        me.id,
        chrono::Utc::now(),
    )
    .await?;
    Ok(ssr::visible(&pool, me.id).await?)
}

/// Delete one of this user's views, or (Admin) a shared one. Returns the views left.
#[server(endpoint = "delete_saved_view", input = Json)]
pub async fn delete_saved_view(id: i64) -> Result<Vec<SavedView>, AppError> {
    use crate::auth::ssr::staff_guard;
    use crate::auth::Role;
    let me = staff_guard::<DeleteSavedView>()?;
    let pool = crate::state::pool()?;
    match ssr::owner(&pool, id).await? {
        Some(Some(owner)) if owner == me.id => {}
        Some(None) if me.role == Role::Admin => {}
        Some(None) => return Err(AppError::Forbidden),
        // Someone else's own view is not this user's to see.
        _ => return Err(AppError::NotFound),
    }
    ssr::delete(&pool, id).await?;
    Ok(ssr::visible(&pool, me.id).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_view_keeps_the_filters_and_sort_but_not_the_page() {
        assert_eq!(
            normalized_query(
                "status=active&labels=3&sort=last_name&cursor=a%3A4%3Ax&start=21&junk=1"
            ),
            "status=active&labels=3&sort=last_name"
        );
        assert_eq!(
            normalized_query("/customers?country=GB&size=50&view=cards"),
            "country=GB"
        );
        assert_eq!(normalized_query(""), "");
    }
}
