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
    block_secs_after(failures, THROTTLE_FREE_FAILURES)
}

/// Count one failure (or attempt) for `key`: the forgot-password form's "a few per address
/// and IP", where nothing slow runs after the count. Single statements, no read-then-write
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

/// One throttle a password check counts against: its key and how many failures it allows
/// in [`THROTTLE_WINDOW_SECS`] before it blocks.
#[derive(Debug, Clone)]
pub struct Limit {
    pub key: String,
    pub free: i64,
}

/// What [`throttle_attempt`] decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// Check the password. `blocks` names the block (seconds) this attempt has already set
    /// on some key — in force now, lifted again by [`throttle_passed`] if the check passes.
    Allowed {
        set: Vec<(String, DateTime<Utc>)>,
        blocks: Option<i64>,
    },
    /// A key is blocked: refused without counting, and without checking the password.
    Blocked(u64),
}

/// Block time after `failures` counted failures of a throttle allowing `free`: none before,
/// then 1, 2, 4 … minutes up to 15.
pub fn block_secs_after(failures: i64, free: i64) -> i64 {
    if failures < free {
        0
    } else {
        let doublings = (failures - free).min(10) as u32;
        (60i64 << doublings).min(THROTTLE_MAX_BLOCK_SECS)
    }
}

/// Count one password attempt against every limit at once, before the slow check runs, and
/// decide on the counts just written: refused while any key is blocked; the attempt that
/// reaches a limit sets that key's block already, so parallel guesses see it. One
/// transaction under the write lock, so twenty parallel guesses make exactly as many checks
/// as the limit allows (a check, then a separate write, let 6–9 of them through).
pub async fn throttle_attempt(
    pool: &db::Pool,
    limits: &[Limit],
    now: DateTime<Utc>,
) -> Result<Attempt, sqlx::Error> {
    let window_start = now - chrono::Duration::seconds(THROTTLE_WINDOW_SECS);
    let mut tx = db::begin_write(pool).await?;
    let mut rows = Vec::with_capacity(limits.len());
    let mut blocked = 0u64;
    for limit in limits {
        let row: Option<(i64, DateTime<Utc>, Option<DateTime<Utc>>)> = db::query_as(
            "select failures, window_started_at, blocked_until from login_throttle
              where throttle_key = $1",
        )
        .bind(&limit.key)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(until) = row.as_ref().and_then(|r| r.2).filter(|u| *u > now) {
            blocked = blocked.max((until - now).num_seconds().max(1) as u64);
        }
        rows.push(row);
    }
    if blocked > 0 {
        tx.rollback().await?;
        return Ok(Attempt::Blocked(blocked));
    }
    let mut set = Vec::new();
    let mut blocks = None;
    for (limit, row) in limits.iter().zip(rows) {
        let (failures, started) = match row {
            Some((f, started, _)) if started > window_start => (f + 1, started),
            _ => (1, now),
        };
        let block = block_secs_after(failures, limit.free);
        let until = (block > 0).then(|| now + chrono::Duration::seconds(block));
        db::query(
            "insert into login_throttle (throttle_key, failures, window_started_at, blocked_until)
             values ($1, $2, $3, $4)
             on conflict (throttle_key) do update
               set failures = $2, window_started_at = $3, blocked_until = $4",
        )
        .bind(&limit.key)
        .bind(failures)
        .bind(started)
        .bind(until)
        .execute(&mut *tx)
        .await?;
        if let Some(until) = until {
            set.push((limit.key.clone(), until));
            blocks = Some(blocks.unwrap_or(0).max(block));
        }
    }
    tx.commit().await?;
    Ok(Attempt::Allowed { set, blocks })
}

/// The check after an allowed attempt passed: it was not a failure. The first limit (the
/// account + IP pair) starts afresh; the others take the attempt back, and a block this
/// attempt set (still the one it set) is lifted.
pub async fn throttle_passed(
    pool: &db::Pool,
    limits: &[Limit],
    attempt: &Attempt,
) -> Result<(), sqlx::Error> {
    let Attempt::Allowed { set, .. } = attempt else {
        return Ok(());
    };
    let mut tx = db::begin_write(pool).await?;
    for (i, limit) in limits.iter().enumerate() {
        if i == 0 {
            db::query("delete from login_throttle where throttle_key = $1")
                .bind(&limit.key)
                .execute(&mut *tx)
                .await?;
            continue;
        }
        db::query(
            "update login_throttle set failures = case when failures > 0 then failures - 1 else 0 end
              where throttle_key = $1",
        )
        .bind(&limit.key)
        .execute(&mut *tx)
        .await?;
        if let Some((_, until)) = set.iter().find(|(k, _)| *k == limit.key) {
            db::query(
                "update login_throttle set blocked_until = null
                  where throttle_key = $1 and blocked_until = $2",
            )
            .bind(&limit.key)
            .bind(*until)
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await
}

/// Rows of throttles and rate limits whose window ended and whose block is over: what
/// housekeeping deletes (they would otherwise never go away). No limit's window is longer
/// than a day.
pub async fn purge_throttles(pool: &db::Pool, now: DateTime<Utc>) -> Result<u64, sqlx::Error> {
    let done = db::query(
        "delete from login_throttle
          where window_started_at < $1 and (blocked_until is null or blocked_until < $2)",
    )
    .bind(now - chrono::Duration::days(1))
    .bind(now)
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
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

pub fn throttle_key(email: &str, ip: &str) -> String {
    hash_token(&format!("{}|{ip}", email.trim().to_lowercase()))
}

/// Failed sign-ins one IP may make across all accounts in the window (password spraying).
pub const IP_FREE_FAILURES: i64 = 30;
/// Failed sign-ins one account may take from all IPs together in the window.
pub const ACCOUNT_FREE_FAILURES: i64 = 20;

/// Where an address is throttled as one client: an IPv4 address, or an IPv6 address's /64
/// (one subscriber gets a whole /64 and can pick any address in it).
pub fn ip_bucket(ip: &str) -> String {
    match ip.parse::<std::net::IpAddr>().map(|a| a.to_canonical()) {
        Ok(std::net::IpAddr::V6(v6)) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        Ok(v4) => v4.to_string(),
        Err(_) => ip.to_string(),
    }
}

/// The three throttles a sign-in counts against: this address from this IP (5), this IP
/// across all addresses (30), this address from all IPs (20). The pair comes first.
pub fn sign_in_limits(prefix: &str, email: &str, ip: &str) -> Vec<Limit> {
    let email = email.trim().to_lowercase();
    let bucket = ip_bucket(ip);
    vec![
        Limit {
            key: throttle_key(&format!("{prefix}{email}"), &bucket),
            free: THROTTLE_FREE_FAILURES,
        },
        Limit {
            key: hash_token(&format!("{prefix}ip|{bucket}")),
            free: IP_FREE_FAILURES,
        },
        Limit {
            key: hash_token(&format!("{prefix}account|{email}")),
            free: ACCOUNT_FREE_FAILURES,
        },
    ]
}

/// Sign-in requests per IP (/64 for IPv6), in memory on each instance: a burst of
/// [`SIGN_IN_BURST`], then one every [`SIGN_IN_EVERY`]. It holds a flood back before it
/// reaches the database or argon2; the failure throttles above still count per account.
pub struct RequestRate {
    limiter: governor::DefaultKeyedRateLimiter<String>,
}

pub const SIGN_IN_BURST: u32 = 30;
pub const SIGN_IN_EVERY: std::time::Duration = std::time::Duration::from_secs(1);
/// Forget the IPs that are back to a full burst once this many are remembered.
const REMEMBERED_IPS: usize = 10_000;

impl RequestRate {
    pub fn new(burst: u32, every: std::time::Duration) -> Self {
        let quota = governor::Quota::with_period(every)
            .expect("a non-zero period")
            .allow_burst(std::num::NonZeroU32::new(burst.max(1)).expect("non-zero"));
        RequestRate {
            limiter: governor::RateLimiter::keyed(quota),
        }
    }

    /// One request from `ip`: `Err(seconds)` to wait when it is over the rate.
    pub fn check(&self, ip: &str) -> Result<(), u64> {
        use governor::clock::Clock;
        if self.limiter.len() > REMEMBERED_IPS {
            self.limiter.retain_recent();
        }
        self.limiter.check_key(&ip_bucket(ip)).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.limiter.clock().now());
            wait.as_secs().max(1)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_in_requests_are_limited_per_ip_and_64() {
        let rate = RequestRate::new(3, std::time::Duration::from_secs(60));
        for _ in 0..3 {
            assert!(rate.check("192.0.2.1").is_ok());
        }
        assert!(rate.check("192.0.2.1").is_err());
        // Another IPv4 address has its own burst; an IPv6 /64 is one client.
        assert!(rate.check("192.0.2.2").is_ok());
        for i in 0..3 {
            assert!(rate.check(&format!("2001:db8::{i}")).is_ok());
        }
        let wait = rate.check("2001:db8::ffff").unwrap_err();
        assert!((1..=60).contains(&wait), "{wait}");
    }

    #[test]
    fn ipv6_is_throttled_by_its_64() {
        assert_eq!(ip_bucket("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(
            ip_bucket("2001:db8:1:2:ffff:ffff:ffff:fffe"),
            ip_bucket("2001:db8:1:2::9")
        );
        assert_ne!(ip_bucket("2001:db8:1:3::1"), ip_bucket("2001:db8:1:2::1"));
        assert_eq!(ip_bucket("192.0.2.7"), "192.0.2.7");
        assert_eq!(ip_bucket("::ffff:192.0.2.7"), "192.0.2.7");
        assert_eq!(ip_bucket("unknown"), "unknown");
    }

    #[test]
    fn each_limit_blocks_after_its_own_allowance() {
        assert_eq!(block_secs_after(4, 5), 0);
        assert_eq!(block_secs_after(5, 5), 60);
        assert_eq!(block_secs_after(29, 30), 0);
        assert_eq!(block_secs_after(30, 30), 60);
        assert_eq!(block_secs_after(31, 30), 120);
        assert_eq!(block_secs_after(99, 20), 15 * 60);
    }
}
