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
    use crate::error::AppError;
    use chrono::{DateTime, Utc};
    use sqlx::{Sqlite, SqliteConnection, SqlitePool};

    /// Runs each statement binding the same six values — $1 time, $2 actor id, $3 actor name,
    /// $4 actor role, $5 the action's value, $6 the customer ids as a JSON array — each using
    /// what it needs. Returns the rows changed by the last statement.
    pub async fn run_six<P>(
        conn: &mut SqliteConnection,
        statements: &[String],
        actor: &CurrentUser,
        value: P,
        ids: &[i64],
        now: DateTime<Utc>,
    ) -> Result<u64, sqlx::Error>
    where
        P: for<'q> sqlx::Encode<'q, Sqlite> + sqlx::Type<Sqlite> + Clone + Send,
    {
        let json = serde_json::to_string(ids).expect("ids serialize");
        let mut last = 0;
        for sql in statements {
            last = sqlx::query(sql)
                .bind(now)
                .bind(actor.id)
                .bind(&actor.name)
                .bind(actor.role.as_str())
                .bind(value.clone())
                .bind(&json)
                .execute(&mut *conn)
                .await?
                .rows_affected();
        }
        Ok(last)
    }

    /// The live customers a target means, now.
    pub async fn resolve(pool: &SqlitePool, target: &BulkTarget) -> Result<Vec<i64>, AppError> {
        match target {
            BulkTarget::Ids { ids } => {
                if ids.len() > MAX_BULK_IDS {
                    return Err(AppError::BadRequest);
                }
                let json = serde_json::to_string(ids).expect("ids serialize");
                Ok(sqlx::query_scalar(
                    "select customer_id from customer
                     where customer_id in (select value from json_each($1)) and deleted_at is null
                     order by customer_id",
                )
                .bind(json)
                .fetch_all(pool)
                .await?)
            }
            BulkTarget::Matching { query, expected } => {
                if !query.is_acceptable() {
                    return Err(AppError::BadRequest);
                }
                let ids = super::super::search::matching_ids(pool, query).await?;
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
        pool: &SqlitePool,
        actor: &CurrentUser,
        target: &BulkTarget,
        action: BulkAction,
    ) -> Result<BulkOutcome, AppError> {
        let ids = resolve(pool, target).await?;
        let now = Utc::now();
        let mut tx = pool.begin_with("begin immediate").await?;
        let mut batch = None;
        let changed = match action {
            BulkAction::AddLabel { label_id } => {
                crate::labels::ssr::add_to(&mut tx, actor, label_id, &ids, now).await?
            }
            BulkAction::RemoveLabel { label_id } => {
                crate::labels::ssr::remove_from(&mut tx, actor, label_id, &ids, now, true).await?
            }
            BulkAction::SetStatus { status } => {
                set_status(&mut tx, actor, status, &ids, now).await? as i64
            }
            BulkAction::Delete => {
                let (token, _) = crate::auth::ssr::new_token();
                let token = token[..32].to_string();
                let n = delete(&mut tx, actor, &token, &ids, now).await? as i64;
                batch = Some(token);
                n
            }
        };
        tx.commit().await?;
        Ok(BulkOutcome {
            matched: ids.len() as i64,
            changed,
            batch,
        })
    }

    const LIVE_IDS: &str =
        "from customer c where c.customer_id in (select value from json_each($6)) and c.deleted_at is null";

    async fn set_status(
        conn: &mut SqliteConnection,
        actor: &CurrentUser,
        status: Status,
        ids: &[i64],
        now: DateTime<Utc>,
    ) -> Result<u64, sqlx::Error> {
        let statements = [
            format!(
                "insert into audit_event (at, actor_id, actor_name, actor_role, action, entity, entity_id, changes)
                 select $1, $2, $3, $4, 'status', 'customer', c.customer_id,
                        json_array(json_object('field', 'status', 'old', c.status, 'new', $5))
                 {LIVE_IDS} and c.status != $5"
            ),
            format!(
                "update customer set status = $5, version = version + 1, updated_at = $1, updated_by = $2
                 where customer_id in (select c.customer_id {LIVE_IDS} and c.status != $5)"
            ),
        ];
        run_six(
            conn,
            &statements,
            actor,
            status.as_str().to_string(),
            ids,
            now,
        )
        .await
    }

    async fn delete(
        conn: &mut SqliteConnection,
        actor: &CurrentUser,
        batch: &str,
        ids: &[i64],
        now: DateTime<Utc>,
    ) -> Result<u64, sqlx::Error> {
        let statements = [
            format!(
                "insert into audit_event (at, actor_id, actor_name, actor_role, action, entity, entity_id, changes)
                 select $1, $2, $3, $4, 'delete', 'customer', c.customer_id, '[]'
                 {LIVE_IDS}"
            ),
            format!(
                "update customer set deleted_at = $1, deleted_by = $2, delete_batch = $5
                 where customer_id in (select c.customer_id {LIVE_IDS})"
            ),
        ];
        run_six(conn, &statements, actor, batch.to_string(), ids, now).await
    }

    /// Undo a bulk delete: every customer of the batch still in the Trash comes back, except
    /// those whose e-mail a live customer uses meanwhile (counted as not restored).
    pub async fn restore_batch(
        pool: &SqlitePool,
        actor: &CurrentUser,
        batch: &str,
    ) -> Result<BulkOutcome, AppError> {
        let now = Utc::now();
        let mut tx = pool.begin_with("begin immediate").await?;
        let ids: Vec<i64> = sqlx::query_scalar(
            "select customer_id from customer where delete_batch = $1 and deleted_at is not null",
        )
        .bind(batch)
        .fetch_all(&mut *tx)
        .await?;
        if ids.is_empty() {
            return Err(AppError::NotFound);
        }
        const FREE: &str =
            "from customer c where c.customer_id in (select value from json_each($6))
              and c.deleted_at is not null and c.delete_batch = $5
              and not exists (select 1 from customer o
                              where lower(o.email) = lower(c.email) and o.deleted_at is null)";
        let statements = [
            format!(
                "insert into audit_event (at, actor_id, actor_name, actor_role, action, entity, entity_id, changes)
                 select $1, $2, $3, $4, 'restore', 'customer', c.customer_id, '[]' {FREE}"
            ),
            format!(
                "update customer set deleted_at = null, deleted_by = null, delete_batch = null
                 where customer_id in (select c.customer_id {FREE})"
            ),
        ];
        let restored = run_six(&mut tx, &statements, actor, batch.to_string(), &ids, now).await?;
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
