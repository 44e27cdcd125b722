//! Throttles: failures per key with a growing block (sign-in, own password change), and
//! fixed-window rate limits (forgot-password, exports). Single statements, no
//! read-then-write transaction: concurrent attempts each count.

use super::hashing::hash_token;
use crate::db;
use chrono::{DateTime, Utc};

/// Failures allowed per (account, IP) inside [`THROTTLE_WINDOW_SECS`] before blocking.
pub const THROTTLE_FREE_FAILURES: i64 = 5;
const THROTTLE_WINDOW_SECS: i64 = 15 * 60;
const THROTTLE_MAX_BLOCK_SECS: i64 = 15 * 60;

/// Seconds the caller must still wait for this key, if blocked.
pub async fn throttle_retry_after(
    pool: &db::Pool,
    key: &str,
    now: DateTime<Utc>,
) -> Result<Option<u64>, sqlx::Error> {
    let blocked: Option<Option<DateTime<Utc>>> =
        db::query_scalar("select blocked_until from login_throttle where throttle_key = $1")
            .bind(key)
            .fetch_optional(pool)
            .await?;
    Ok(blocked
        .flatten()
        .filter(|until| *until > now)
        .map(|until| (until - now).num_seconds().max(1) as u64))
}

/// Block time after `failures` failures: none for the first five, then 1, 2, 4 … minutes up
/// to 15.
pub fn block_secs(failures: i64) -> i64 {
    if failures < THROTTLE_FREE_FAILURES {
        0
    } else {
        let doublings = (failures - THROTTLE_FREE_FAILURES).min(10) as u32;
        (60i64 << doublings).min(THROTTLE_MAX_BLOCK_SECS)
    }
}

/// Count one failure (or attempt) for `key`. Single statements, no read-then-write
/// transaction: concurrent attempts each count, and none fails on a busy snapshot.
pub async fn throttle_record_failure(
    pool: &db::Pool,
    key: &str,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let window_start = now - chrono::Duration::seconds(THROTTLE_WINDOW_SECS);
    let failures: i64 = db::query_scalar(
        "insert into login_throttle (throttle_key, failures, window_started_at, blocked_until)
         values ($1, 1, $2, null)
         on conflict (throttle_key) do update
           set failures = case when login_throttle.window_started_at > $3
                               then login_throttle.failures + 1 else 1 end,
               window_started_at = case when login_throttle.window_started_at > $3
                                        then login_throttle.window_started_at else $2 end
         returning failures",
    )
    .bind(key)
    .bind(now)
    .bind(window_start)
    .fetch_one(pool)
    .await?;
    let block = block_secs(failures);
    if block > 0 {
        db::query("update login_throttle set blocked_until = $1 where throttle_key = $2")
            .bind(now + chrono::Duration::seconds(block))
            .bind(key)
            .execute(pool)
            .await?;
    }
    Ok(())
}

/// A fixed-window rate limit: counts this event for `key` and answers `Some(seconds)` to
/// wait when it is more than `max` in the current `window_secs` (then it is not allowed).
pub async fn rate_limit(
    pool: &db::Pool,
    key: &str,
    max: i64,
    window_secs: i64,
    now: DateTime<Utc>,
) -> Result<Option<u64>, sqlx::Error> {
    let window_start = now - chrono::Duration::seconds(window_secs);
    let (count, started): (i64, DateTime<Utc>) = db::query_as(
        "insert into login_throttle (throttle_key, failures, window_started_at, blocked_until)
         values ($1, 1, $2, null)
         on conflict (throttle_key) do update
           set failures = case when login_throttle.window_started_at > $3
                               then login_throttle.failures + 1 else 1 end,
               window_started_at = case when login_throttle.window_started_at > $3
                                        then login_throttle.window_started_at else $2 end
         returning failures, window_started_at",
    )
    .bind(hash_token(&format!("rate|{key}")))
    .bind(now)
    .bind(window_start)
    .fetch_one(pool)
    .await?;
    if count <= max {
        return Ok(None);
    }
    let reopens = started + chrono::Duration::seconds(window_secs);
    Ok(Some((reopens - now).num_seconds().max(1) as u64))
}

pub async fn throttle_clear(pool: &db::Pool, key: &str) -> Result<(), sqlx::Error> {
    db::query("delete from login_throttle where throttle_key = $1")
        .bind(key)
        .execute(pool)
        .await?;
    Ok(())
}

pub fn throttle_key(email: &str, ip: &str) -> String {
    hash_token(&format!("{}|{ip}", email.trim().to_lowercase()))
}
