//! The audit log: who did what, when, and which fields changed. Rows are only ever inserted
//! (the database refuses UPDATE and DELETE), in the same transaction as the change itself.

#[cfg(feature = "ssr")]
pub mod ssr {
    use crate::auth::CurrentUser;
    use crate::customers::model::{FieldChange, HistoryEntry};
    use chrono::{DateTime, Utc};
    use sqlx::SqliteConnection;

    /// Who did it, as the audit log stores it.
    pub struct Actor<'a> {
        pub id: Option<i64>,
        pub name: Option<&'a str>,
        /// A staff role, or `customer` for the customer themselves in the portal.
        pub role: Option<&'a str>,
    }

    impl<'a> Actor<'a> {
        pub fn staff(user: &'a CurrentUser) -> Self {
            Actor {
                id: Some(user.id),
                name: Some(&user.name),
                role: Some(user.role.as_str()),
            }
        }

        pub fn customer(customer_id: i64, name: &'a str) -> Self {
            Actor {
                id: Some(customer_id),
                name: Some(name),
                role: Some("customer"),
            }
        }

        /// Nobody signed in (e.g. a failed portal sign-in).
        pub fn anonymous() -> Self {
            Actor {
                id: None,
                name: None,
                role: None,
            }
        }
    }

    pub async fn record(
        conn: &mut SqliteConnection,
        actor: Option<&CurrentUser>,
        action: &str,
        entity: &str,
        entity_id: i64,
        changes: &[FieldChange],
        at: DateTime<Utc>,
    ) -> Result<(), sqlx::Error> {
        let actor = actor.map(Actor::staff).unwrap_or_else(Actor::anonymous);
        record_by(conn, &actor, action, entity, Some(entity_id), changes, at).await
    }

    pub async fn record_by(
        conn: &mut SqliteConnection,
        actor: &Actor<'_>,
        action: &str,
        entity: &str,
        entity_id: Option<i64>,
        changes: &[FieldChange],
        at: DateTime<Utc>,
    ) -> Result<(), sqlx::Error> {
        let changes = serde_json::to_string(changes).expect("changes serialize");
        sqlx::query(
            "insert into audit_event (at, actor_id, actor_name, actor_role, action, entity, entity_id, changes)
             values ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(at)
        .bind(actor.id)
        .bind(actor.name)
        .bind(actor.role)
        .bind(action)
        .bind(entity)
        .bind(entity_id)
        .bind(changes)
        .execute(conn)
        .await?;
        Ok(())
    }

    #[derive(sqlx::FromRow)]
    struct Row {
        at: DateTime<Utc>,
        actor_name: Option<String>,
        action: String,
        changes: String,
    }

    /// Every event of one entity, newest first.
    pub async fn history(
        pool: &sqlx::SqlitePool,
        entity: &str,
        entity_id: i64,
    ) -> Result<Vec<HistoryEntry>, sqlx::Error> {
        history_of_actions(pool, entity, entity_id, "").await
    }

    /// The events of one entity whose action starts with `action_prefix`, newest first.
    pub async fn history_of_actions(
        pool: &sqlx::SqlitePool,
        entity: &str,
        entity_id: i64,
        action_prefix: &str,
    ) -> Result<Vec<HistoryEntry>, sqlx::Error> {
        let rows = sqlx::query_as::<_, Row>(
            "select at, actor_name, action, changes from audit_event
             where entity = $1 and entity_id = $2 and substr(action, 1, length($3)) = $3
             order by at desc, audit_event_id desc",
        )
        .bind(entity)
        .bind(entity_id)
        .bind(action_prefix)
        .fetch_all(pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| HistoryEntry {
                at: r.at,
                actor_name: r.actor_name,
                action: r.action,
                changes: serde_json::from_str(&r.changes).unwrap_or_default(),
            })
            .collect())
    }
}
