//! Server-side sessions and their cookies, for both principals. The cookie holds 256 random
//! bits; the table only their SHA-256. Expired (idle or absolute) sessions and sessions of
//! accounts that may no longer sign in are deleted when they are next seen; activity is
//! written at most once a minute so that reading pages does not write on every request.

use super::hashing::{hash_token, new_token};
use super::principal::Principal;
use super::{CurrentUser, Role};
use crate::db;
use crate::db::{Conn, Pool};
use crate::state::AuthSettings;
use axum::http::{header, HeaderMap};
use chrono::{DateTime, Duration, Utc};

/// The signed-in staff member (a request extension set by the session middleware).
#[derive(Clone, Debug)]
pub struct SessionUser {
    pub user: CurrentUser,
    pub session_hash: String,
}

/// The signed-in customer (a request extension set by the portal session middleware).
#[derive(Clone, Debug)]
pub struct PortalUser {
    pub customer_id: i64,
    pub name: String,
    pub session_hash: String,
}

// ---------------------------------------------------------------- cookies

/// A session cookie's name: `base` (`sid` for staff, `psid` for portal customers), with the
/// `__Host-` prefix when secure — the browser then insists on Secure, Path=/ and no Domain.
pub fn named_cookie(base: &str, settings: &AuthSettings) -> String {
    if settings.cookie_secure {
        format!("__Host-{base}")
    } else {
        base.to_string()
    }
}

/// `Set-Cookie` for a session token (`Some`) or its removal (`None`).
pub fn cookie_header(base: &str, token: Option<&str>, settings: &AuthSettings) -> String {
    let max_age = if token.is_some() {
        settings.absolute_timeout.as_secs()
    } else {
        0
    };
    let secure = if settings.cookie_secure {
        "; Secure"
    } else {
        ""
    };
    format!(
        "{}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}",
        named_cookie(base, settings),
        token.unwrap_or("")
    )
}

/// A session cookie's token from the request's `Cookie` headers, if any.
pub fn cookie_token(headers: &HeaderMap, base: &str, settings: &AuthSettings) -> Option<String> {
    let name = named_cookie(base, settings);
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, v)| *k == name && !v.is_empty())
        .map(|(_, v)| v.to_string())
}

/// The principal's `Set-Cookie` for a new session.
pub fn set_cookie(p: Principal, token: &str, settings: &AuthSettings) -> String {
    cookie_header(p.cookie(), Some(token), settings)
}

/// The principal's `Set-Cookie` that removes its session cookie.
pub fn clear_cookie(p: Principal, settings: &AuthSettings) -> String {
    cookie_header(p.cookie(), None, settings)
}

/// The principal's session token from the request, if any.
pub fn token(p: Principal, headers: &HeaderMap, settings: &AuthSettings) -> Option<String> {
    cookie_token(headers, p.cookie(), settings)
}

// ---------------------------------------------------------------- the session table

/// Start a new session; returns the token for the cookie.
pub async fn create(
    conn: &mut Conn,
    p: Principal,
    id: i64,
    settings: &AuthSettings,
    ip: &str,
    user_agent: &str,
    now: DateTime<Utc>,
) -> Result<String, sqlx::Error> {
    let (token, hash) = new_token();
    let expires = now + Duration::from_std(settings.absolute_timeout).unwrap_or_default();
    db::query(format!(
        "insert into {} (session_hash, {}, created_at, last_seen_at, expires_at, ip, user_agent)
         values ($1, $2, $3, $3, $4, $5, $6)",
        p.session_table(),
        p.id_column()
    ))
    .bind(&hash)
    .bind(id)
    .bind(now)
    .bind(expires)
    .bind(ip)
    .bind(user_agent.chars().take(300).collect::<String>())
    .execute(conn)
    .await?;
    Ok(token)
}

/// End one session (sign-out; the old session at a new sign-in).
pub async fn delete(conn: &mut Conn, p: Principal, hash: &str) -> Result<(), sqlx::Error> {
    db::query(format!(
        "delete from {} where session_hash = $1",
        p.session_table()
    ))
    .bind(hash)
    .execute(conn)
    .await?;
    Ok(())
}

/// End every session of an account but `except` (deactivation, a password change).
pub async fn end_all(
    conn: &mut Conn,
    p: Principal,
    id: i64,
    except: Option<&str>,
) -> Result<(), sqlx::Error> {
    db::query(format!(
        "delete from {} where {} = $1 and session_hash != $2",
        p.session_table(),
        p.id_column()
    ))
    .bind(id)
    .bind(except.unwrap_or(""))
    .execute(conn)
    .await?;
    Ok(())
}

/// Remove sessions past their absolute expiry (run periodically).
pub async fn purge_expired(
    pool: &Pool,
    p: Principal,
    now: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    Ok(db::query(format!(
        "delete from {} where expires_at < $1",
        p.session_table()
    ))
    .bind(now)
    .execute(pool)
    .await?
    .rows_affected())
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    last_seen_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    usable: bool,
    name: String,
    email: String,
    role: String,
}

fn resolve_sql(p: Principal) -> &'static str {
    match p {
        Principal::Staff => {
            "select s.staff_user_id as id, s.last_seen_at, s.expires_at, u.active as usable,
                    u.name, u.email, u.role
             from staff_session s join staff_user u on u.staff_user_id = s.staff_user_id
             where s.session_hash = $1"
        }
        Principal::Customer => {
            "select s.customer_id as id, s.last_seen_at, s.expires_at,
                    (c.deleted_at is null and pa.disabled_at is null and c.status = 'active'
                     and pa.password_hash is not null) as usable,
                    trim(c.first_name || ' ' || c.last_name) as name, c.email,
                    'customer' as role
             from portal_session s
             join customer c on c.customer_id = s.customer_id
             join portal_account pa on pa.customer_id = s.customer_id
             where s.session_hash = $1"
        }
    }
}

/// A live session's row, refreshed; `None` (and the session deleted) when it has expired
/// or its account may no longer sign in.
async fn resolve(
    pool: &Pool,
    p: Principal,
    token: &str,
    settings: &AuthSettings,
    now: DateTime<Utc>,
    valid: impl Fn(&Row) -> bool,
) -> Result<Option<(Row, String)>, sqlx::Error> {
    let hash = hash_token(token);
    let row: Option<Row> = db::query_as(resolve_sql(p))
        .bind(&hash)
        .fetch_optional(pool)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let idle = Duration::from_std(settings.idle_timeout).unwrap_or_default();
    if now >= row.expires_at || now - row.last_seen_at >= idle || !row.usable || !valid(&row) {
        delete(&mut pool.acquire().await?, p, &hash).await?;
        return Ok(None);
    }
    if now - row.last_seen_at >= Duration::seconds(60) {
        // Best effort: a database that cannot take writes (a full disk) must not stop
        // people from reading.
        if let Err(e) = touch(pool, p, &hash, row.id, now).await {
            tracing::warn!(err = %e, "could not record a session's last activity");
        }
    }
    Ok(Some((row, hash)))
}

/// The session's (and, for a customer, the Portal tab's) last activity.
async fn touch(
    pool: &Pool,
    p: Principal,
    hash: &str,
    id: i64,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let mut tx = db::begin_write(pool).await?;
    db::query(format!(
        "update {} set last_seen_at = $1 where session_hash = $2",
        p.session_table()
    ))
    .bind(now)
    .bind(hash)
    .execute(&mut *tx)
    .await?;
    if p == Principal::Customer {
        // The Portal tab's "last access".
        db::query("update portal_account set last_access_at = $1 where customer_id = $2")
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await
}

/// The staff member a session token belongs to.
pub async fn resolve_staff(
    pool: &Pool,
    token: &str,
    settings: &AuthSettings,
    now: DateTime<Utc>,
) -> Result<Option<SessionUser>, sqlx::Error> {
    let valid = |r: &Row| Role::parse(&r.role).is_some();
    Ok(resolve(pool, Principal::Staff, token, settings, now, valid)
        .await?
        .map(|(row, session_hash)| SessionUser {
            user: CurrentUser {
                id: row.id,
                email: row.email,
                name: row.name,
                role: Role::parse(&row.role).expect("checked in resolve"),
            },
            session_hash,
        }))
}

/// The customer a portal session token belongs to.
pub async fn resolve_customer(
    pool: &Pool,
    token: &str,
    settings: &AuthSettings,
    now: DateTime<Utc>,
) -> Result<Option<PortalUser>, sqlx::Error> {
    Ok(
        resolve(pool, Principal::Customer, token, settings, now, |_| true)
            .await?
            .map(|(row, session_hash)| PortalUser {
                customer_id: row.id,
                name: row.name,
                session_hash,
            }),
    )
}
