//! The customer principal's credentials: the portal account row, single-use links
//! (invitation, reset) and the mails that carry them. The only module that writes
//! `portal_account` and `portal_token`. Tokens are 256 random bits; only their SHA-256 is
//! stored, each is tied to one customer and one purpose, expires (invitation 7 days, reset
//! 1 hour) and is deleted by the transaction that uses it; issuing a new link of a purpose
//! deletes the customer's earlier ones.

use super::links;
use super::principal::Principal;
use crate::audit::ssr::{record, Actor};
use crate::audit::{AuditAction, Entity, FieldChange};
use crate::auth::{PortalFeatures, PortalState};
use crate::db;
use crate::db::Conn;
use crate::error::AppError;
use crate::mail::compose::{compose, Mail};
use crate::mail::ssr::enqueue_mail;
use chrono::{DateTime, Duration, Utc};

const ENTITY: Entity = Entity::Customer;
/// How long an invitation link works.
pub const INVITE_TTL_DAYS: i64 = 7;
/// How long a password-reset link works.
pub const RESET_TTL_MINUTES: i64 = 60;
/// A customer gets at most one invitation or reset e-mail per this many seconds.
pub const MAIL_COOLDOWN_SECS: i64 = 60;

// ---------------------------------------------------------------- accounts

/// A customer with their portal account (if any). Holds the password hash: not `Serialize`.
#[derive(sqlx::FromRow)]
pub struct AccountRow {
    pub customer_id: i64,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub deleted: bool,
    /// Set Inactive: no portal sign-in, links or new invitations until Active again.
    pub inactive: bool,
    pub has_account: bool,
    pub password_hash: Option<String>,
    pub invited_at: Option<DateTime<Utc>>,
    pub invite_expires_at: Option<DateTime<Utc>>,
    pub verified_at: Option<DateTime<Utc>>,
    pub password_changed_at: Option<DateTime<Utc>>,
    pub disabled_at: Option<DateTime<Utc>>,
    pub last_login_at: Option<DateTime<Utc>>,
    pub last_access_at: Option<DateTime<Utc>>,
    pub last_link_sent_at: Option<DateTime<Utc>>,
    pub can_edit_details: Option<bool>,
    pub can_change_password: Option<bool>,
}

impl AccountRow {
    pub fn name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
            .trim()
            .to_string()
    }

    pub fn state(&self) -> PortalState {
        if self.disabled_at.is_some() {
            PortalState::Disabled
        } else if self.password_hash.is_some() {
            PortalState::Active
        } else if self.invited_at.is_some() {
            PortalState::Invited
        } else {
            PortalState::None
        }
    }

    pub fn features(&self) -> PortalFeatures {
        PortalFeatures {
            edit_details: self.can_edit_details.unwrap_or(true),
            change_password: self.can_change_password.unwrap_or(true),
        }
    }
}

pub const ACCOUNT_SELECT: &str = "select c.customer_id, c.email, c.first_name, c.last_name,
        c.deleted_at is not null as deleted, c.status <> 'active' as inactive,
        pa.customer_id is not null as has_account,
        pa.password_hash, pa.invited_at, pa.invite_expires_at, pa.verified_at,
        pa.password_changed_at, pa.disabled_at, pa.last_login_at, pa.last_access_at,
        pa.last_link_sent_at,
        pa.can_edit_details, pa.can_change_password
    from customer c left join portal_account pa on pa.customer_id = c.customer_id";

pub async fn account(conn: &mut Conn, id: i64) -> Result<AccountRow, AppError> {
    let row = db::query_as::<AccountRow>(format!("{ACCOUNT_SELECT} where c.customer_id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    match row {
        Some(r) if !r.deleted => Ok(r),
        _ => Err(AppError::NotFound),
    }
}

pub async fn account_by_email(
    conn: &mut Conn,
    email: &str,
) -> Result<Option<AccountRow>, sqlx::Error> {
    db::query_as::<AccountRow>(format!(
        "{ACCOUNT_SELECT} where lower(c.email) = lower($1) and c.deleted_at is null"
    ))
    .bind(email.trim())
    .fetch_optional(conn)
    .await
}

pub async fn ensure_account(
    conn: &mut Conn,
    id: i64,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    db::query(
        "insert into portal_account (customer_id, created_at) values ($1, $2)
         on conflict (customer_id) do nothing",
    )
    .bind(id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Anonymisation: portal access ends for good — sessions, links and password gone, the
/// account disabled (it stays, for the statistics).
pub async fn end_access(conn: &mut Conn, id: i64, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    links::revoke_all(&mut *conn, Principal::Customer, id).await?;
    db::query("delete from portal_session where customer_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    db::query(
        "update portal_account set password_hash = null, disabled_at = coalesce(disabled_at, $2),
                invite_expires_at = null
          where customer_id = $1",
    )
    .bind(id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A merge: `from`'s portal account becomes `to`'s, when `to` has none (if both have one,
/// `to`'s stays, and `from`'s — its customer merged away — keeps nobody signed in). Returns
/// whether it moved. Also the way back, for a merge's Undo.
pub async fn move_account(conn: &mut Conn, from: i64, to: i64) -> Result<bool, sqlx::Error> {
    let moved = db::query(
        "update portal_account set customer_id = $2
          where customer_id = $1
            and not exists (select 1 from portal_account o where o.customer_id = $2)",
    )
    .bind(from)
    .bind(to)
    .execute(&mut *conn)
    .await?;
    // The links it had were sent for the other record: they stop working.
    if moved.rows_affected() == 1 {
        links::revoke_all(&mut *conn, Principal::Customer, to).await?;
    }
    Ok(moved.rows_affected() == 1)
}

/// Every outstanding link of a customer stops working (a password was set, the e-mail
/// changed, access was disabled); an open invitation shows as expired.
pub async fn revoke(conn: &mut Conn, id: i64) -> Result<(), sqlx::Error> {
    links::revoke_all(&mut *conn, Principal::Customer, id).await?;
    db::query(
        "update portal_account set invite_expires_at = $1
         where customer_id = $2 and invite_expires_at > $1",
    )
    .bind(Utc::now())
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

pub fn link(base: &str, path: &str, token: &str) -> String {
    format!("{base}{path}?token={token}")
}

pub fn cooldown_left(last: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Option<u64> {
    let left = MAIL_COOLDOWN_SECS - (now - last?).num_seconds();
    (left > 0).then_some(left as u64)
}

// ---------------------------------------------------------------- e-mails

pub fn invitation_mail(name: &str, url: &str, expires: DateTime<Utc>) -> Mail {
    compose(
        name,
        "Your customer portal invitation",
        &[
            "You have been invited to our customer portal. Open the link below to confirm your e-mail address and choose your password.".into(),
            format!("The link works once and until {}.", expires.format("%Y-%m-%d %H:%M UTC")),
        ],
        Some(("Accept invitation", url)),
        "If you did not expect this e-mail, you can ignore it.",
    )
}

pub fn reset_link_mail(name: &str, url: &str) -> Mail {
    compose(
        name,
        "Reset your portal password",
        &[format!(
            "Open the link below to choose a new password for the customer portal. It works once, for {RESET_TTL_MINUTES} minutes."
        )],
        Some(("Choose a new password", url)),
        "If you did not ask for this, you can ignore this e-mail: your password stays as it is.",
    )
}

pub fn password_changed_mail(name: &str, base: &str, by_staff: bool) -> Mail {
    let who = if by_staff {
        "Our staff have set a new password for your customer portal account."
    } else {
        "The password of your customer portal account was changed."
    };
    let sign_in = format!("{base}/portal/login");
    compose(
        name,
        "Your portal password was changed",
        &[
            who.to_string(),
            "For your security this e-mail does not contain the password. If you did not expect this change, please contact us.".into(),
        ],
        Some(("Sign in to the portal", &sign_in)),
        "You receive this e-mail because your password changed.",
    )
}

/// Invite (or re-invite) inside the caller's transaction: new token, earlier invitation
/// links dead, the mail queued, the event audited.
pub async fn invite_tx(
    conn: &mut Conn,
    base: &str,
    actor: &Actor,
    row: &AccountRow,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let id = row.customer_id;
    ensure_account(conn, id, now).await?;
    let expires = now + Duration::days(INVITE_TTL_DAYS);
    let token = links::issue(conn, Principal::Customer, id, "invite", expires, now).await?;
    db::query(
        "update portal_account set invited_at = $1, invite_expires_at = $2, last_link_sent_at = $1
         where customer_id = $3",
    )
    .bind(now)
    .bind(expires)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    let mail = invitation_mail(&row.name(), &link(base, "/portal/accept", &token), expires);
    enqueue_mail(conn, &row.email, "invitation", Some(id), &mail).await?;
    let action = if row.invited_at.is_some() {
        AuditAction::PortalInviteResent
    } else {
        AuditAction::PortalInvite
    };
    record(
        conn,
        actor,
        action,
        ENTITY,
        Some(id),
        &[FieldChange::new("invitation", None, Some(&row.email))],
        now,
    )
    .await?;
    Ok(())
}

/// The invitation of a customer being created, in the create's transaction.
pub async fn invite_new_customer(
    conn: &mut Conn,
    base: &str,
    actor: &Actor,
    id: i64,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let row = account(conn, id).await?;
    // An Inactive customer cannot use the portal: no invitation until they are Active.
    if row.inactive {
        return Ok(());
    }
    invite_tx(conn, base, actor, &row, now).await
}

pub async fn send_reset_link_tx(
    conn: &mut Conn,
    base: &str,
    row: &AccountRow,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let id = row.customer_id;
    ensure_account(conn, id, now).await?;
    let token = links::issue(
        conn,
        Principal::Customer,
        id,
        "reset",
        now + Duration::minutes(RESET_TTL_MINUTES),
        now,
    )
    .await?;
    db::query("update portal_account set last_link_sent_at = $1 where customer_id = $2")
        .bind(now)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    let mail = reset_link_mail(&row.name(), &link(base, "/portal/reset", &token));
    enqueue_mail(conn, &row.email, "password_reset", Some(id), &mail).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mails_escape_names_and_never_mention_a_password_value() {
        let m = invitation_mail(
            "<b>Ann</b> & Co",
            "http://x/portal/accept?token=abc",
            Utc::now(),
        );
        assert!(m.html.contains("&lt;b&gt;Ann&lt;/b&gt; &amp; Co"));
        assert!(m.text.contains("http://x/portal/accept?token=abc"));
        let m = password_changed_mail("Ann", "http://x", true);
        assert!(m.text.contains("does not contain the password"));
    }

    #[test]
    fn cooldown() {
        let now = Utc::now();
        assert_eq!(cooldown_left(None, now), None);
        assert_eq!(cooldown_left(Some(now - Duration::seconds(61)), now), None);
        assert_eq!(
            cooldown_left(Some(now - Duration::seconds(10)), now),
            Some(50)
        );
    }
}
