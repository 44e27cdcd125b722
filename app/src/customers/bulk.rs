//! Bulk actions on ticked rows or on every customer matching the list's filters: add or
//! remove a label, set Active / Inactive, delete (undone as one batch).

use super::list::CustomerQuery;
use super::model::Status;
use serde::{Deserialize, Serialize};

/// Most ids one request may name (a page holds at most 100; selections span pages).
pub const MAX_BULK_IDS: usize = 10_000;
/// Most customers one "all matching" action may change: one transaction holds SQLite's
/// write lock while it runs, and everyone else's saves wait for it.
pub const MAX_BULK_MATCHING: usize = 100_000;

/// Which customers a bulk action is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BulkTarget {
    /// The ticked rows.
    Ids { ids: Vec<i64> },
    /// Every customer the filters match, as many as the confirmation showed: if the number
    /// changed since, nothing is done and the new number is reported.
    Matching { query: CustomerQuery, expected: i64 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BulkAction {
    AddLabel { label_id: i64 },
    RemoveLabel { label_id: i64 },
    SetStatus { status: Status },
    Delete,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkOutcome {
    /// Customers the action was applied to.
    pub matched: i64,
    /// Customers it actually changed (e.g. not those that already had the label).
    pub changed: i64,
    /// For a delete: the batch that `restore_customer_batch` brings back.
    pub batch: Option<String>,
}

impl BulkOutcome {
    /// The toast after the action.
    pub fn message(&self, action: &BulkAction, label_name: Option<&str>) -> String {
        let n = |k: i64| {
            format!(
                "{} customer{}",
                crate::fmt::group_thousands(k),
                if k == 1 { "" } else { "s" }
            )
        };
        let unchanged = self.matched - self.changed;
        let rest = |why: &str| {
            if unchanged > 0 {
                format!(" ({} {why})", crate::fmt::group_thousands(unchanged))
            } else {
                String::new()
            }
        };
        let label = label_name.unwrap_or("label");
        match action {
            BulkAction::AddLabel { .. } => format!(
                "Label “{label}” added to {}{}",
                n(self.changed),
                rest("already had it")
            ),
            BulkAction::RemoveLabel { .. } => format!(
                "Label “{label}” removed from {}{}",
                n(self.changed),
                rest("did not have it")
            ),
            BulkAction::SetStatus { status } => format!(
                "{} set to {}{}",
                n(self.changed),
                status.label(),
                rest("already were")
            ),
            BulkAction::Delete => format!("{} deleted", n(self.changed)),
        }
    }
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::*;
    use crate::auth::CurrentUser;
    use crate::customers::store;
    use crate::db;
    use crate::error::AppError;
    use chrono::Utc;

    /// The live customers a target means, now (read on `conn`: the caller's write
    /// transaction, so the set cannot change before the writes).
    pub async fn resolve(conn: &mut db::Conn, target: &BulkTarget) -> Result<Vec<i64>, AppError> {
        match target {
            BulkTarget::Ids { ids } => {
                if ids.len() > MAX_BULK_IDS {
                    return Err(AppError::BadRequest);
                }
                Ok(db::query_scalar(format!(
                    "select customer_id from customer
                     where {} and deleted_at is null
                     order by customer_id",
                    conn.backend().in_ids("customer_id", "$1")
                ))
                .bind(db::ids(ids))
                .fetch_all(conn)
                .await?)
            }
            BulkTarget::Matching { query, expected } => {
                if !query.is_acceptable() {
                    return Err(AppError::BadRequest);
                }
                let ids = crate::customers::search::matching_ids_on(conn, query).await?;
                if ids.len() > MAX_BULK_MATCHING {
                    return Err(AppError::Conflict(format!(
                        "Bulk actions change at most {} customers at a time; this filter matches {}. Narrow it down and try again.",
                        crate::fmt::group_thousands(MAX_BULK_MATCHING as i64),
                        crate::fmt::group_thousands(ids.len() as i64),
                    )));
                }
                if ids.len() as i64 != *expected {
                    return Err(AppError::Conflict(format!(
                        "The matching customers changed since you confirmed: {} now instead of {}. Nothing was changed; check the list and try again.",
                        crate::fmt::group_thousands(ids.len() as i64),
                        crate::fmt::group_thousands(*expected),
                    )));
                }
                Ok(ids)
            }
        }
    }

    pub async fn apply(
        pool: &db::Pool,
        me: &CurrentUser,
        target: &BulkTarget,
        action: BulkAction,
    ) -> Result<BulkOutcome, AppError> {
        // Under the write lock: the set an "all matching" action confirmed cannot change
        // between the count check and the writes.
        let mut tx = db::begin_write(pool).await?;
        let ids = resolve(&mut tx, target).await?;
        let actor = me.actor();
        let now = Utc::now();
        let mut batch = None;
        let changed = match action {
            BulkAction::AddLabel { label_id } => {
                label_exists(&mut tx, label_id).await?;
                store::add_label(&mut tx, &actor, label_id, &ids, now).await?
            }
            BulkAction::RemoveLabel { label_id } => {
                store::remove_label(&mut tx, &actor, label_id, &ids, true, now).await?
            }
            BulkAction::SetStatus { status } => {
                store::set_status(&mut tx, &actor, status, &ids, now).await?
            }
            BulkAction::Delete => {
                let (token, _) = crate::auth::ssr::new_token();
                let token = token[..32].to_string();
                let n = store::delete(&mut tx, &actor, &ids, Some(&token), now).await?;
                batch = Some(token);
                n
            }
        };
        tx.commit().await?;
        Ok(BulkOutcome {
            matched: ids.len() as i64,
            changed: changed as i64,
            batch,
        })
    }

    async fn label_exists(conn: &mut db::Conn, label_id: i64) -> Result<(), AppError> {
        let found: Option<i64> = db::query_scalar("select label_id from label where label_id = $1")
            .bind(label_id)
            .fetch_optional(conn)
            .await?;
        found.map(|_| ()).ok_or(AppError::NotFound)
    }

    /// Undo a bulk delete: every customer of the batch still in the Trash comes back, except
    /// those whose e-mail a live customer uses meanwhile (counted as not restored).
    pub async fn restore_batch(
        pool: &db::Pool,
        me: &CurrentUser,
        batch: &str,
    ) -> Result<BulkOutcome, AppError> {
        let mut tx = db::begin_write(pool).await?;
        let ids: Vec<i64> = db::query_scalar(
            "select customer_id from customer where delete_batch = $1 and deleted_at is not null",
        )
        .bind(batch)
        .fetch_all(&mut *tx)
        .await?;
        if ids.is_empty() {
            return Err(AppError::NotFound);
        }
        let restored = store::restore(&mut tx, &me.actor(), &ids, Some(batch), Utc::now()).await?;
        tx.commit().await?;
        Ok(BulkOutcome {
            matched: ids.len() as i64,
            changed: restored as i64,
            batch: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcome_messages_say_what_changed() {
        let o = BulkOutcome {
            matched: 5,
            changed: 3,
            batch: None,
        };
        assert_eq!(
            o.message(&BulkAction::AddLabel { label_id: 1 }, Some("VIP")),
            "Label “VIP” added to 3 customers (2 already had it)"
        );
        let o = BulkOutcome {
            matched: 1,
            changed: 1,
            batch: None,
        };
        assert_eq!(
            o.message(
                &BulkAction::SetStatus {
                    status: Status::Inactive
                },
                None
            ),
            "1 customer set to Inactive"
        );
    }
}
