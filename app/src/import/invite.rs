//! Portal invitations for the customers an import created, when the user asked for them:
//! sent after the import by a background pacer at `per_minute`, never as a burst of
//! 100,000 mails. Each round takes the next few customers in one write transaction and
//! invites them through the same code as the Add modal's "Send invitation" (token, outbox,
//! audit), in the name of the staff member who ran the import; a customer deleted or set
//! Inactive since is passed over, one already invited by hand is not invited twice. The
//! state is in the database: a restart goes on where it stopped, and of several app
//! instances only one invites each customer (the write lock serialises the rounds).

use super::store;
use crate::audit::ssr::Actor;
use crate::auth::customer_account::{account, invite_tx};
use crate::db::{self, Pool};
use crate::error::AppError;

/// Seconds between two rounds.
pub const ROUND_SECS: u64 = 10;

/// Invitations one round sends at `per_minute`: the minute's share of a round, at least one.
pub fn per_round(per_minute: u32) -> i64 {
    (i64::from(per_minute) * ROUND_SECS as i64 / 60).max(1)
}

/// One round: invite up to `limit` customers. Returns how many were invited.
pub async fn send_due(pool: &Pool, base_url: &str, limit: i64) -> Result<u64, AppError> {
    // Most rounds find nothing: look without taking the write lock first.
    if store::invitations_due(&mut pool.acquire().await?, 1)
        .await?
        .is_empty()
    {
        return Ok(0);
    }
    let mut tx = db::begin_write(pool).await?;
    let due = store::invitations_due(&mut tx, limit).await?;
    let now = chrono::Utc::now();
    let mut invited = 0;
    for d in due {
        let row = match d.eligible {
            true => Some(account(&mut tx, d.customer_id).await?),
            false => None,
        };
        // Not one set up by hand since (invited, or with a password).
        let row = row.filter(|r| !r.deleted && r.invited_at.is_none() && r.password_hash.is_none());
        if let Some(row) = &row {
            let actor = Actor::new(d.staff_id, &d.staff_name, &d.staff_role);
            invite_tx(&mut tx, base_url, &actor, row, now).await?;
            invited += 1;
        }
        store::mark_invited(
            &mut tx,
            d.import_batch_id,
            d.customer_id,
            row.is_some(),
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(invited)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_round_sends_its_share_of_the_minute() {
        assert_eq!(super::per_round(60), 10);
        assert_eq!(super::per_round(1), 1);
        assert_eq!(super::per_round(600), 100);
    }
}
