//! A customer's Activity (#19): one timeline, newest first, of what was done to the record
//! (field changes, status, delete / restore, import), its labels, its notes, the portal, and
//! the e-mails sent to the customer (from the outbox: subject and state, never the body,
//! which may hold a link). Filtered by kind in the browser.

use crate::audit::ui::{history_list, HistoryItem};
use crate::audit::{AuditAction, FieldChange};
use crate::mail::model::MailStatus;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ActivityKind {
    Changes,
    Labels,
    Notes,
    Portal,
    Emails,
    Exports,
}

impl ActivityKind {
    pub const ALL: [ActivityKind; 6] = [
        ActivityKind::Changes,
        ActivityKind::Labels,
        ActivityKind::Notes,
        ActivityKind::Portal,
        ActivityKind::Emails,
        ActivityKind::Exports,
    ];

    pub fn label(self) -> &'static str {
        match self {
            ActivityKind::Changes => "Changes",
            ActivityKind::Labels => "Labels",
            ActivityKind::Notes => "Notes",
            ActivityKind::Portal => "Portal",
            ActivityKind::Emails => "E-mails",
            ActivityKind::Exports => "Exports",
        }
    }

    /// The kind of an audited action on a customer.
    pub fn of(action: AuditAction) -> ActivityKind {
        let name = action.as_str();
        if action == AuditAction::Labels {
            ActivityKind::Labels
        } else if name.starts_with("note_") {
            ActivityKind::Notes
        } else if name.starts_with("portal_") {
            ActivityKind::Portal
        } else {
            ActivityKind::Changes
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityEntry {
    pub at: DateTime<Utc>,
    pub kind: ActivityKind,
    /// "Updated", "Added a note", "E-mail: Your portal invitation".
    pub title: String,
    /// Who did it (none for the system or an e-mail).
    pub actor_name: Option<String>,
    pub changes: Vec<FieldChange>,
    /// An e-mail's recipient and state ("to ana@example.com · Sent").
    pub detail: Option<String>,
}

/// Audit events and e-mails as one timeline, newest first (ties: e-mails after the event
/// that caused them, which happened first).
pub fn merge(
    events: Vec<crate::audit::HistoryEntry>,
    mails: Vec<(DateTime<Utc>, String, String, MailStatus)>,
) -> Vec<ActivityEntry> {
    let mut all: Vec<ActivityEntry> = events
        .into_iter()
        .map(|e| ActivityEntry {
            at: e.at,
            kind: ActivityKind::of(e.action),
            title: e.action.label().to_string(),
            actor_name: e.actor_name,
            changes: e.changes,
            detail: None,
        })
        .chain(
            mails
                .into_iter()
                .map(|(at, recipient, subject, status)| ActivityEntry {
                    at,
                    kind: ActivityKind::Emails,
                    title: format!("E-mail: {subject}"),
                    actor_name: None,
                    changes: vec![],
                    detail: Some(format!("to {recipient} · {}", status.label())),
                }),
        )
        .collect();
    all.sort_by_key(|e| std::cmp::Reverse(e.at));
    all
}

/// The timeline as a list (the profile's Activity tab).
#[component]
pub fn ActivityEntries(entries: Vec<ActivityEntry>) -> impl IntoView {
    history_list(
        entries
            .into_iter()
            .map(|e| {
                view! {
                    <HistoryItem title=e.title at=e.at changes=e.changes by=e.actor_name
                        tag=e.kind.label() detail=e.detail/>
                }
                .into_any()
            })
            .collect(),
    )
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::ActivityEntry;
    use crate::audit::Entity;
    use crate::db::{self, Pool};
    use crate::mail::model::MailStatus;
    use chrono::{DateTime, Utc};

    /// The customer's audit events and the e-mails about them, newest first — and those of
    /// the customers merged into it (their history came with them), each saying so.
    pub async fn activity(pool: &Pool, id: i64) -> Result<Vec<ActivityEntry>, sqlx::Error> {
        let mut all = of(pool, id).await?;
        let merged: Vec<i64> = db::query_scalar(
            "select customer_id from customer where merged_into = $1 order by customer_id limit 20",
        )
        .bind(id)
        .fetch_all(pool)
        .await?;
        for other in merged {
            all.extend(of(pool, other).await?.into_iter().map(|mut e| {
                let from = format!("(customer #{other}, merged into this one)");
                e.detail = Some(match e.detail {
                    Some(d) => format!("{d} {from}"),
                    None => from,
                });
                e
            }));
        }
        all.extend(exports_with(pool, id).await?);
        all.sort_by_key(|e| std::cmp::Reverse(e.at));
        Ok(all)
    }

    /// An export as its set is stored: when, by whom, scope, rows, the ids.
    type ExportSet = (DateTime<Utc>, Option<String>, String, i64, Vec<u8>);

    /// Exports checked for the customer, newest first (each one's id set is read whole).
    const EXPORTS_CHECKED: i64 = 200;

    /// The recent exports that included the customer.
    async fn exports_with(pool: &Pool, id: i64) -> Result<Vec<ActivityEntry>, sqlx::Error> {
        let sets: Vec<ExportSet> = db::query_as(
            "select at, actor_name, scope, row_count, ids from export_set
              order by at desc, export_set_id desc limit $1",
        )
        .bind(EXPORTS_CHECKED)
        .fetch_all(pool)
        .await?;
        // Inflating the sets is CPU work: off the async threads.
        let hits = tokio::task::spawn_blocking(move || {
            sets.into_iter()
                .filter(|s| db::id_set::contains(&s.4, id))
                .collect::<Vec<_>>()
        })
        .await
        .map_err(|e| sqlx::Error::Protocol(format!("export sets: {e}")))?;
        Ok(hits
            .into_iter()
            .map(|(at, by, scope, rows, _)| ActivityEntry {
                at,
                kind: super::ActivityKind::Exports,
                title: "Included in an export to Excel".into(),
                actor_name: by,
                changes: vec![],
                detail: Some(format!(
                    "({scope}, {} rows)",
                    crate::fmt::group_thousands(rows)
                )),
            })
            .collect())
    }

    async fn of(pool: &Pool, id: i64) -> Result<Vec<ActivityEntry>, sqlx::Error> {
        let events = crate::audit::ssr::history(pool, Entity::Customer, id, false).await?;
        let mails: Vec<(DateTime<Utc>, String, String, MailStatus)> = db::query_as(
            "select created_at, recipient, subject, status from email_outbox
              where customer_id = $1 order by created_at desc, email_id desc limit 500",
        )
        .bind(id)
        .fetch_all(pool)
        .await?;
        Ok(super::merge(events, mails))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::HistoryEntry;

    #[test]
    fn events_and_mails_merge_newest_first_each_with_its_kind() {
        let t = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        let event = |at: &str, action| HistoryEntry {
            at: t(at),
            actor_name: Some("Ana".into()),
            action,
            changes: vec![],
        };
        let merged = merge(
            vec![
                event("2026-01-03T00:00:00Z", AuditAction::NoteAdd),
                event("2026-01-02T00:00:00Z", AuditAction::Labels),
                event("2026-01-01T00:00:00Z", AuditAction::PortalInvite),
                event("2026-01-01T00:00:00Z", AuditAction::Update),
            ],
            vec![(
                t("2026-01-02T12:00:00Z"),
                "c@example.com".into(),
                "Your invitation".into(),
                MailStatus::Sent,
            )],
        );
        let kinds: Vec<ActivityKind> = merged.iter().map(|e| e.kind).collect();
        assert_eq!(
            kinds,
            vec![
                ActivityKind::Notes,
                ActivityKind::Emails,
                ActivityKind::Labels,
                ActivityKind::Portal,
                ActivityKind::Changes
            ]
        );
        assert_eq!(merged[1].title, "E-mail: Your invitation");
        assert_eq!(merged[1].detail.as_deref(), Some("to c@example.com · Sent"));
    }
}
