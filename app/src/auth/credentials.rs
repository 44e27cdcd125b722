//! The credential transactions, written once for both principals: sign in, change one's own
//! password, staff set someone's password, and accept a link (choose a password from an
//! invitation or reset link). What differs between staff and customers is read from
//! [`Principal`]; the routes and server functions around these are thin.

use super::hashing::{hash_password, hash_token, shared, verify_password, Argon2Gate};
use super::password::{check_password, link_password_problem};
use super::principal::{account, account_by_email, Account, Principal};
use super::throttle::{
    sign_in_limits, throttle_attempt, throttle_key, throttle_passed, Attempt, Limit,
    THROTTLE_FREE_FAILURES,
};
use super::{links, sessions};
use crate::audit::ssr::{record, Actor};
use crate::audit::{AuditAction, Entity, FieldChange};
use crate::db;
use crate::db::{begin_write, Conn, Pool};
use crate::error::AppError;
use crate::mail::compose::compose;
use crate::mail::ssr::enqueue_mail;
use crate::state::AuthSettings;
use chrono::{DateTime, Utc};

/// Longest password any form accepts (longer input costs the same as a wrong password).
const INPUT_MAX: usize = 1024;

/// Where the request came from, for the session row and the audit log.
pub struct Client<'a> {
    pub ip: &'a str,
    pub user_agent: &'a str,
    /// The session token the browser came with (replaced by a new one at sign-in).
    pub old_session: Option<String>,
}

pub enum SignIn {
    /// The new session's token (for the cookie) and the account.
    SignedIn {
        token: String,
        id: i64,
    },
    Invalid,
    Throttled(u64),
    /// The right password of a customer set Inactive.
    Inactive,
}

/// Why a sign-in failed, and the block (seconds) it started, if any.
struct Failure<'a> {
    reason: &'a str,
    blocks: Option<i64>,
}

/// A failed sign-in in the audit log: the reason, and the typed address only when it names
/// nobody (for a known account the address is theirs).
async fn failed_sign_in(
    pool: &Pool,
    p: Principal,
    account: Option<&Account>,
    typed: &str,
    ip: &str,
    Failure { reason, blocks }: Failure<'_>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let mut changes = Vec::new();
    if p == Principal::Customer {
        changes.push(FieldChange::new("ip", None, Some(ip)));
    }
    changes.push(FieldChange::new("reason", None, Some(reason)));
    // This failure started a block: the one event that says so (the attempts refused
    // while it lasts are not recorded one by one).
    if let Some(secs) = blocks {
        let minutes = format!("{} min", (secs + 59) / 60);
        changes.push(FieldChange::new("blocked_for", None, Some(&minutes)));
    }
    let entity = match (p, account) {
        (_, Some(_)) => p.entity(),
        (Principal::Staff, None) => Entity::StaffUser,
        (Principal::Customer, None) => Entity::Portal,
    };
    if account.is_none() {
        let typed: String = typed.chars().take(254).collect();
        changes.push(FieldChange::new("email", None, Some(&typed)));
    }
    let mut conn = pool.acquire().await?;
    let id = account.map(|a| a.id);
    record(
        &mut conn,
        &Actor::anonymous(),
        p.login_failed_action(),
        entity,
        id,
        &changes,
        now,
    )
    .await?;
    tracing::warn!(%ip, reason, principal = ?p, "failed sign-in");
    Ok(())
}

/// Sign in with e-mail and password. Failures are counted per (address, IP) before the slow
/// check, so parallel guesses cannot all slip past the limit; a success clears the count.
/// Unknown addresses are checked against a dummy hash, so every failure costs the same.
pub async fn sign_in(
    pool: &Pool,
    settings: &AuthSettings,
    p: Principal,
    email: &str,
    password: &str,
    client: &Client<'_>,
    gate: &Argon2Gate,
) -> Result<SignIn, AppError> {
    let now = Utc::now();
    let typed = email.trim();
    let limits = sign_in_limits(p.throttle_prefix(), typed, client.ip);
    let found = if typed.len() <= 254 {
        account_by_email(&mut pool.acquire().await?, p, typed).await?
    } else {
        None
    };
    // A place at the argon2 gate before the attempt counts: a request turned away because
    // the server is busy is not held against the account.
    let Ok(permit) = gate.permit().await else {
        return Ok(SignIn::Throttled(1));
    };
    let attempt = throttle_attempt(pool, &limits, now).await?;
    let blocks = match &attempt {
        Attempt::Blocked(secs) => {
            tracing::info!(ip = %client.ip, principal = ?p, "sign-in refused: blocked");
            return Ok(SignIn::Throttled(*secs));
        }
        Attempt::Allowed { blocks, .. } => *blocks,
    };
    let checked = if password.len() > INPUT_MAX {
        String::new()
    } else {
        password.to_string()
    };
    let hash = found.as_ref().and_then(|a| a.password_hash.clone());
    let ok = verify_password(permit, checked, hash).await && !password.is_empty();
    let account = match found {
        Some(a) if ok && a.usable => a,
        other => {
            let reason = match (&other, p) {
                (Some(_), Principal::Staff) if ok => "deactivated",
                (Some(_), Principal::Customer) if ok => "access disabled",
                (Some(_), _) => "wrong password",
                (None, _) => "unknown e-mail",
            };
            let inactive = ok && other.as_ref().is_some_and(|a| a.inactive);
            let reason = if inactive {
                "customer inactive"
            } else {
                reason
            };
            failed_sign_in(
                pool,
                p,
                other.as_ref(),
                typed,
                client.ip,
                Failure { reason, blocks },
                now,
            )
            .await?;
            // Only someone who knows the password learns that the customer is Inactive.
            return Ok(if inactive {
                SignIn::Inactive
            } else {
                SignIn::Invalid
            });
        }
    };
    throttle_passed(pool, &limits, &attempt).await?;
    let mut tx = begin_write(pool).await?;
    // A new id at every sign-in: the session the browser came with ends.
    if let Some(old) = &client.old_session {
        sessions::delete(&mut tx, p, &hash_token(old)).await?;
    }
    let token = sessions::create(
        &mut tx,
        p,
        account.id,
        settings,
        client.ip,
        client.user_agent,
        now,
    )
    .await?;
    p.touch_login(&mut tx, account.id, now).await?;
    let changes = match p {
        Principal::Staff => vec![],
        Principal::Customer => vec![FieldChange::new("ip", None, Some(client.ip))],
    };
    record(
        &mut tx,
        &account.actor(),
        p.login_action(),
        p.entity(),
        Some(account.id),
        &changes,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(SignIn::SignedIn {
        token,
        id: account.id,
    })
}

/// Store a new password hash (and what the principal's account records with it).
async fn store_password(
    conn: &mut Conn,
    p: Principal,
    id: i64,
    hash: &str,
    from_link: bool,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let sql = match (p, from_link) {
        // Invited staff have no password of their own until they choose or are given one.
        (Principal::Staff, _) => {
            "update staff_user set password_hash = $1, password_changed_at = $2, invited_at = null
             where staff_user_id = $3"
        }
        (Principal::Customer, false) => {
            "update portal_account set password_hash = $1, password_changed_at = $2
             where customer_id = $3"
        }
        // A link proves the address: the e-mail counts as verified.
        (Principal::Customer, true) => {
            "update portal_account set password_hash = $1, password_changed_at = $2,
                verified_at = coalesce(verified_at, $2), invite_expires_at = null
             where customer_id = $3"
        }
    };
    if p == Principal::Customer {
        super::customer_account::ensure_account(&mut *conn, id, now).await?;
    }
    db::query(sql)
        .bind(hash)
        .bind(now)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Every way in but the one being kept ends: other sessions, and every link in an inbox
/// (an invitation or reset link must not undo the new password).
pub async fn lock_out(
    conn: &mut Conn,
    p: Principal,
    id: i64,
    keep_session: Option<&str>,
) -> Result<(), sqlx::Error> {
    sessions::end_all(&mut *conn, p, id, keep_session).await?;
    match p {
        Principal::Staff => links::revoke_all(conn, p, id).await,
        Principal::Customer => super::customer_account::revoke(conn, id).await,
    }
}

/// Switch an account's access off (every session and link ends at once) or on again, and
/// record it (staff: deactivate / reactivate; customers: portal access disabled / enabled).
pub async fn switch_access(
    conn: &mut Conn,
    p: Principal,
    by: &Actor,
    id: i64,
    enabled: bool,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    match p {
        Principal::Staff => {
            db::query("update staff_user set active = $1 where staff_user_id = $2")
                .bind(enabled)
                .bind(id)
                .execute(&mut *conn)
                .await?;
        }
        Principal::Customer => {
            super::customer_account::ensure_account(&mut *conn, id, now).await?;
            db::query("update portal_account set disabled_at = $1 where customer_id = $2")
                .bind((!enabled).then_some(now))
                .bind(id)
                .execute(&mut *conn)
                .await?;
        }
    }
    if !enabled {
        lock_out(&mut *conn, p, id, None).await?;
    }
    let (action, field, on, off) = match (p, enabled) {
        (Principal::Staff, true) => (AuditAction::StaffReactivate, "status", "active", "inactive"),
        (Principal::Staff, false) => (AuditAction::StaffDeactivate, "status", "active", "inactive"),
        (Principal::Customer, true) => (
            AuditAction::PortalEnable,
            "portal access",
            "enabled",
            "disabled",
        ),
        (Principal::Customer, false) => (
            AuditAction::PortalDisable,
            "portal access",
            "enabled",
            "disabled",
        ),
    };
    let (old, new) = if enabled { (off, on) } else { (on, off) };
    record(
        conn,
        by,
        action,
        p.entity(),
        Some(id),
        &[FieldChange::new(field, Some(old), Some(new))],
        now,
    )
    .await
}

/// Who changes their own password.
pub struct Me<'a> {
    pub id: i64,
    pub name: &'a str,
    pub email: &'a str,
    pub actor: Actor,
    /// This device's session, which stays signed in.
    pub session_hash: &'a str,
}

/// A signed-in person changes their own password: the current one is checked (throttled,
/// and a failure is audited), the new one must pass the policy; their other sessions end.
/// `base_url` set: the principal is told by e-mail (customers).
pub async fn change_own_password(
    pool: &Pool,
    p: Principal,
    me: &Me<'_>,
    current: &str,
    new: &str,
    base_url: Option<&str>,
) -> Result<(), AppError> {
    // Input no password can be: refused as such, before anything is counted or recorded.
    if current.len() > INPUT_MAX {
        return Err(AppError::field(
            "current",
            "This is not your current password.",
        ));
    }
    let now = Utc::now();
    let limits = [Limit {
        key: throttle_key(&p.password_throttle(me.id), ""),
        free: THROTTLE_FREE_FAILURES,
    }];
    let permit = shared().permit().await?;
    let attempt = throttle_attempt(pool, &limits, now).await?;
    if let Attempt::Blocked(secs) = attempt {
        return Err(AppError::TooManyRequests {
            retry_after_secs: secs,
        });
    }
    let stored = account(&mut pool.acquire().await?, p, me.id)
        .await?
        .and_then(|a| a.password_hash);
    let ok =
        current.len() <= INPUT_MAX && verify_password(permit, current.to_string(), stored).await;
    if !ok {
        record(
            &mut pool.acquire().await?,
            &me.actor,
            p.password_change_failed(),
            p.entity(),
            Some(me.id),
            &[FieldChange::new(
                "reason",
                None,
                Some("wrong current password"),
            )],
            now,
        )
        .await?;
        return Err(AppError::field(
            "current",
            "This is not your current password.",
        ));
    }
    throttle_passed(pool, &limits, &attempt).await?;
    check_password(new, me.name, me.email)
        .await
        .map_err(|m| AppError::field("new", m))?;
    let hash = hash_password(new.to_string()).await?;
    let mut tx = begin_write(pool).await?;
    store_password(&mut tx, p, me.id, &hash, false, now).await?;
    lock_out(&mut tx, p, me.id, Some(me.session_hash)).await?;
    if let (Principal::Customer, Some(base)) = (p, base_url) {
        let mail = super::customer_account::password_changed_mail(me.name, base, false);
        enqueue_mail(&mut tx, me.email, "password_changed", Some(me.id), &mail).await?;
    }
    let (action, what) = p.password_changed();
    record(
        &mut tx,
        &me.actor,
        action,
        p.entity(),
        Some(me.id),
        &[FieldChange::new("password", None, Some(what))],
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Staff set someone's password (an Admin for staff; Admin or Sales for a customer): it must
/// pass the policy; every session and link of the account ends; with `notify` the account
/// holder gets an e-mail that says so — never the password itself. Returns whether a mail
/// was queued.
pub async fn set_password(
    pool: &Pool,
    p: Principal,
    by: &Actor,
    id: i64,
    password: &str,
    notify: bool,
    base_url: &str,
) -> Result<bool, AppError> {
    let target = account(&mut pool.acquire().await?, p, id)
        .await?
        .ok_or(AppError::NotFound)?;
    check_password(password, &target.name, &target.email)
        .await
        .map_err(|m| AppError::field("password", m))?;
    let hash = hash_password(password.to_string()).await?;
    let now = Utc::now();
    let mut tx = begin_write(pool).await?;
    let target = account(&mut tx, p, id).await?.ok_or(AppError::NotFound)?;
    store_password(&mut tx, p, id, &hash, false, now).await?;
    lock_out(&mut tx, p, id, None).await?;
    if notify {
        notify_password_set(&mut tx, p, &target, by, base_url).await?;
    }
    let (action, what) = p.password_set_by_staff();
    record(
        &mut tx,
        by,
        action,
        p.entity(),
        Some(id),
        &[
            FieldChange::new("password", None, Some(what)),
            FieldChange::new(
                "notification",
                None,
                Some(if notify { "e-mailed" } else { "not sent" }),
            ),
        ],
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(notify)
}

/// The e-mail telling someone staff set their password.
async fn notify_password_set(
    conn: &mut Conn,
    p: Principal,
    target: &Account,
    by: &Actor,
    base_url: &str,
) -> Result<(), sqlx::Error> {
    let (mail, template, customer) = match p {
        Principal::Customer => (
            super::customer_account::password_changed_mail(&target.name, base_url, true),
            "password_changed",
            Some(target.id),
        ),
        Principal::Staff => {
            let by = by.name.as_deref().unwrap_or("An Admin");
            let sign_in = format!("{base_url}/login");
            let mail = compose(
                &target.name,
                "Your Customers password was changed",
                &[format!(
                    "{by} has set a new password for your Customers account. For your security this e-mail does not contain it; ask them for it, or contact them if you did not expect this."
                )],
                Some(("Sign in", &sign_in)),
                "You receive this e-mail because your password changed.",
            );
            (mail, "staff_password_changed", None)
        }
    };
    enqueue_mail(conn, &target.email, template, customer, &mail).await?;
    Ok(())
}

pub enum LinkOutcome {
    /// Signed in: the new session's token.
    SignedIn(String),
    /// The link is used, expired, replaced or its account closed.
    Dead,
    /// The customer is Inactive: the link is kept (it works again once they are Active,
    /// until it expires).
    Inactive,
    /// The new password: `mismatch`, `length` or `common` (the page shows the matching
    /// message; no text from the URL).
    Refused(&'static str),
}

/// Choose a password from a link (`purpose`: staff `invite`; customer `invite` or `reset`)
/// and be signed in. Single use: the statement that deletes the link is the one that may
/// use it.
pub async fn accept_link(
    pool: &Pool,
    settings: &AuthSettings,
    p: Principal,
    purpose: &str,
    token: &str,
    (password, confirm): (&str, &str),
    client: &Client<'_>,
) -> Result<LinkOutcome, AppError> {
    let Some(id) = links::owner(pool, p, token, purpose).await? else {
        return Ok(LinkOutcome::Dead);
    };
    let Some(target) = account(&mut pool.acquire().await?, p, id).await? else {
        return Ok(LinkOutcome::Dead);
    };
    if target.inactive {
        return Ok(LinkOutcome::Inactive);
    }
    if let Some(code) = link_password_problem(password, confirm, &target.name, &target.email).await
    {
        return Ok(LinkOutcome::Refused(code));
    }
    let hash = hash_password(password.to_string()).await?;
    let now = Utc::now();
    let mut tx = begin_write(pool).await?;
    if links::consume(&mut tx, p, token, purpose, now).await? != Some(id) {
        return Ok(LinkOutcome::Dead);
    }
    match account(&mut tx, p, id).await? {
        Some(a) if a.usable => {}
        _ => return Ok(LinkOutcome::Dead),
    }
    store_password(&mut tx, p, id, &hash, true, now).await?;
    lock_out(&mut tx, p, id, None).await?;
    let (action, field, what) = match (p, purpose) {
        (Principal::Staff, _) => (
            AuditAction::StaffInviteAccepted,
            "password",
            "chosen from the invitation",
        ),
        (Principal::Customer, "invite") => (
            AuditAction::PortalVerify,
            "portal",
            "e-mail verified, password chosen",
        ),
        (Principal::Customer, _) => (
            AuditAction::PortalPasswordResetByLink,
            "portal",
            "new password chosen",
        ),
    };
    record(
        &mut tx,
        &target.actor(),
        action,
        p.entity(),
        Some(id),
        &[FieldChange::new(field, None, Some(what))],
        now,
    )
    .await?;
    if let Some(old) = &client.old_session {
        sessions::delete(&mut tx, p, &hash_token(old)).await?;
    }
    let session =
        sessions::create(&mut tx, p, id, settings, client.ip, client.user_agent, now).await?;
    p.touch_login(&mut tx, id, now).await?;
    tx.commit().await?;
    Ok(LinkOutcome::SignedIn(session))
}
