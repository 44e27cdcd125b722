//! The audit log: who did what, when, and which fields changed. Rows are only ever inserted
//! (the database refuses UPDATE and DELETE), in the same transaction as the change itself.

#[cfg(feature = "ssr")]
pub mod ssr {
    use crate::auth::CurrentUser;
    use crate::customers::model::{FieldChange, HistoryEntry};
    use chrono::{DateTime, Utc};
    use sqlx::SqliteConnection;

    pub async fn record(
        conn: &mut SqliteConnection,
        actor: Option<&CurrentUser>,
        action: &str,
        entity: &str,
        entity_id: i64,
        changes: &[FieldChange],
        at: DateTime<Utc>,
    ) -> Result<(), sqlx::Error> {
        let changes = serde_json::to_string(changes).expect("changes serialize");
        sqlx::query(
            "insert into audit_event (at, actor_id, actor_name, actor_role, action, entity, entity_id, changes)
             values ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(at)
        .bind(actor.map(|a| a.id))
        .bind(actor.map(|a| a.name.clone()))
        .bind(actor.map(|a| a.role.as_str()))
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
        let rows = sqlx::query_as::<_, Row>(
            "select at, actor_name, action, changes from audit_event
             where entity = $1 and entity_id = $2 order by at desc, audit_event_id desc",
        )
        .bind(entity)
        .bind(entity_id)
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
