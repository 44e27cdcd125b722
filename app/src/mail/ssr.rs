//! The outbox worker. A mail row is claimed (`queued` → `sending`, one attempt counted)
//! with a lease — this worker, until a time well past the SMTP timeout — before it is handed
//! to SMTP, and marked `sent` after. Several app instances on one database each run a
//! worker: a claim takes one row no other worker holds (PostgreSQL: `FOR UPDATE SKIP
//! LOCKED`), so no mail is sent twice by two live workers. A worker that stops mid-send
//! (crash, kill) leaves its row `sending`; when the lease runs out another worker (or this
//! one after a restart) takes it over and sends it — at most once more, and only if the
//! first one died before recording the outcome. Nothing at start-up touches another
//! instance's mail in flight. Transient failures (4xx, connection trouble) are retried with
//! exponential backoff and jitter; permanent ones (5xx, a bad address) stop at once.
//!
//! Without an SMTP URL the app runs "embedded": every mail is written as an `.eml` file
//! under the mail directory, marked `kept`, and readable on the Mail page.

use super::model::MailRow;
use crate::db;
use chrono::Utc;
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use rand::Rng;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

#[derive(Debug, Clone)]
pub struct MailSettings {
    /// `smtp://user:pass@host:587?tls=required`, `smtps://host:465`, … (lettre's URL form).
    /// `None`: keep mails as `.eml` files instead.
    pub smtp_url: Option<secrecy::SecretString>,
    /// The From address, e.g. `Customers <no-reply@example.com>`.
    pub from: String,
    /// Where `.eml` files go in embedded mode.
    pub dir: PathBuf,
    /// The first retry waits this long; each further one twice as long (capped at an hour).
    pub base_delay: Duration,
    /// After this many attempts a transiently failing mail is given up.
    pub max_attempts: i64,
    /// How long a claim is this worker's: well past the SMTP timeout (30 s), so a live
    /// worker never loses a mail it is sending.
    pub lease: Duration,
    /// This worker's name in `claimed_by` (unique per process).
    pub instance: String,
}

impl MailSettings {
    pub fn embedded(dir: PathBuf) -> Self {
        MailSettings {
            smtp_url: None,
            from: "Customers <no-reply@localhost>".into(),
            dir,
            base_delay: Duration::from_secs(30),
            max_attempts: 10,
            lease: Duration::from_secs(120),
            instance: instance_name(),
        }
    }
}

/// A name for this process's worker: host, process id and a random part (a restarted
/// process on the same host is another worker).
pub fn instance_name() -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "host".into());
    format!(
        "{host}/{}/{:08x}",
        std::process::id(),
        rand::thread_rng().gen::<u32>()
    )
}

/// A mail to send.
pub struct NewMail<'a> {
    pub recipient: &'a str,
    pub subject: &'a str,
    pub body_text: &'a str,
    pub body_html: &'a str,
    pub template: &'a str,
    pub customer_id: Option<i64>,
}

/// Queue a mail inside the caller's transaction: it exists exactly when the action does.
pub async fn enqueue(conn: &mut db::Conn, mail: &NewMail<'_>) -> Result<i64, sqlx::Error> {
    let now = Utc::now();
    db::query_scalar(
        "insert into email_outbox (created_at, recipient, subject, body_text, body_html, template,
                                   customer_id, next_attempt_at)
         values ($1, $2, $3, $4, $5, $6, $7, $1) returning email_id",
    )
    .bind(now)
    .bind(mail.recipient)
    .bind(mail.subject)
    .bind(mail.body_text)
    .bind(mail.body_html)
    .bind(mail.template)
    .bind(mail.customer_id)
    .fetch_one(conn)
    .await
}

/// Queue a composed mail (inside the caller's transaction); `customer_id` links it to the
/// customer it is about, for the Mail page and the portal's history.
pub async fn enqueue_mail(
    conn: &mut db::Conn,
    to: &str,
    template: &str,
    customer_id: Option<i64>,
    mail: &super::compose::Mail,
) -> Result<i64, sqlx::Error> {
    enqueue(
        conn,
        &NewMail {
            recipient: to,
            subject: &mail.subject,
            body_text: &mail.text,
            body_html: &mail.html,
            template,
            customer_id,
        },
    )
    .await
}

/// How long to wait before attempt `attempts + 1`: doubling from `base`, at most an hour,
/// ±25 % jitter so that many failed mails do not retry in lockstep.
pub fn backoff(base: Duration, attempts: i64) -> Duration {
    let exp = attempts.clamp(1, 20) as u32 - 1;
    let raw = base.saturating_mul(2u32.saturating_pow(exp));
    let capped = raw.min(Duration::from_secs(3600));
    let jitter = rand::thread_rng().gen_range(0.75..1.25);
    capped.mul_f64(jitter)
}

#[derive(sqlx::FromRow)]
struct Claimed {
    email_id: i64,
    recipient: String,
    subject: String,
    body_text: String,
    body_html: String,
    template: String,
    attempts: i64,
}

enum Outcome {
    Sent,
    Kept,
    Retry(String),
    Permanent(String),
}

fn build_message(from: &str, c: &Claimed) -> Result<Message, String> {
    let from: Mailbox = from
        .parse()
        .map_err(|e| format!("MAIL_FROM is not a valid address: {e}"))?;
    // A stable Message-ID per outbox row: if a connection drops after the server took the
    // message and it is sent again, receiving systems can tell it is the same mail.
    let message_id = format!("<outbox-{}@{}>", c.email_id, from.email.domain());
    let to: Mailbox = c
        .recipient
        .parse()
        .map_err(|e| format!("not a valid recipient address: {e}"))?;
    Message::builder()
        .message_id(Some(message_id))
        .from(from)
        .to(to)
        .subject(c.subject.clone())
        .multipart(MultiPart::alternative_plain_html(
            c.body_text.clone(),
            c.body_html.clone(),
        ))
        .map_err(|e| format!("cannot build the message: {e}"))
}

async fn deliver(
    settings: &MailSettings,
    transport: Option<&AsyncSmtpTransport<Tokio1Executor>>,
    c: &Claimed,
) -> Outcome {
    let message = match build_message(&settings.from, c) {
        Ok(m) => m,
        Err(e) => return Outcome::Permanent(e),
    };
    match transport {
        None => {
            let path = settings
                .dir
                .join(format!("{:06}-{}.eml", c.email_id, c.template));
            let written = async {
                tokio::fs::create_dir_all(&settings.dir).await?;
                tokio::fs::write(&path, message.formatted()).await
            }
            .await;
            match written {
                Ok(()) => Outcome::Kept,
                Err(e) => Outcome::Retry(format!("cannot write {}: {e}", path.display())),
            }
        }
        Some(t) => match t.send(message).await {
            Ok(_) => Outcome::Sent,
            Err(e) if e.is_permanent() => Outcome::Permanent(e.to_string()),
            Err(e) => Outcome::Retry(e.to_string()),
        },
    }
}

/// The SMTP transport for the settings (`None` in embedded mode).
pub fn transport(
    settings: &MailSettings,
) -> Result<Option<AsyncSmtpTransport<Tokio1Executor>>, String> {
    match &settings.smtp_url {
        None => Ok(None),
        Some(url) => AsyncSmtpTransport::<Tokio1Executor>::from_url(
            secrecy::ExposeSecret::expose_secret(url),
        )
        .map(|b| Some(b.timeout(Some(Duration::from_secs(30))).build()))
        .map_err(|e| format!("SMTP_URL is not usable: {e}")),
    }
}

/// Deliver every mail that is due now, one at a time. Returns how many were handled.
pub async fn deliver_due(
    pool: &db::Pool,
    settings: &MailSettings,
    transport: Option<&AsyncSmtpTransport<Tokio1Executor>>,
) -> Result<usize, sqlx::Error> {
    let mut handled = 0;
    loop {
        let Some(c) = claim(pool, settings).await? else {
            return Ok(handled);
        };
        handled += 1;
        let outcome = deliver(settings, transport, &c).await;
        let done = Utc::now();
        match outcome {
            Outcome::Sent | Outcome::Kept => {
                let status = if matches!(outcome, Outcome::Sent) {
                    "sent"
                } else {
                    "kept"
                };
                settle(
                    pool,
                    &settings.instance,
                    c.email_id,
                    status,
                    None,
                    None,
                    Some(done),
                )
                .await?;
                redact_stored(pool, &c).await?;
            }
            Outcome::Retry(err) if c.attempts < settings.max_attempts => {
                let next = done
                    + chrono::Duration::from_std(backoff(settings.base_delay, c.attempts))
                        .unwrap_or_else(|_| chrono::Duration::hours(1));
                tracing::warn!(email_id = c.email_id, attempts = c.attempts, err = %err, "mail not delivered, will retry");
                settle(
                    pool,
                    &settings.instance,
                    c.email_id,
                    "queued",
                    Some(next),
                    Some(err),
                    None,
                )
                .await?;
            }
            Outcome::Retry(err) | Outcome::Permanent(err) => {
                let err = if c.attempts >= settings.max_attempts {
                    format!("Gave up after {} attempts: {err}", c.attempts)
                } else {
                    err
                };
                tracing::warn!(email_id = c.email_id, err = %err, "mail failed for good");
                settle(
                    pool,
                    &settings.instance,
                    c.email_id,
                    "failed",
                    None,
                    Some(err),
                    None,
                )
                .await?;
            }
        }
    }
}

/// Claim one mail for this worker: a due queued one, else one whose claim's lease ran out
/// (its worker stopped mid-send), by the database's clock. Atomic: from here on no other worker takes it until the
/// lease ends. The claim's row lock is skipped by other workers on PostgreSQL, so two
/// workers never wait on, or take, the same row.
async fn claim(pool: &db::Pool, settings: &MailSettings) -> Result<Option<Claimed>, sqlx::Error> {
    // The database's clock: an instance whose own clock runs ahead must not take over mail
    // another instance is still sending.
    let now = db::now(pool).await?;
    let lease_until = now + chrono::Duration::from_std(settings.lease).unwrap_or_default();
    let skip_locked = match pool.backend() {
        db::Backend::Sqlite => "",
        db::Backend::Postgres => " for update skip locked",
    };
    let returning =
        "returning email_id, recipient, subject, body_text, body_html, template, attempts";
    let due = db::query_as::<Claimed>(format!(
        "update email_outbox set status = 'sending', attempts = attempts + 1,
                claimed_by = $2, lease_until = $3
         where email_id = (select email_id from email_outbox
                           where status = 'queued' and next_attempt_at <= $1
                           order by next_attempt_at, email_id limit 1{skip_locked})
           and status = 'queued'
         {returning}"
    ))
    .bind(now)
    .bind(settings.instance.as_str())
    .bind(lease_until)
    .fetch_optional(pool)
    .await?;
    if due.is_some() {
        return Ok(due);
    }
    let orphan = db::query_as::<Claimed>(format!(
        "update email_outbox set attempts = attempts + 1, claimed_by = $2, lease_until = $3,
                last_error = 'The worker sending it stopped before it finished; sent again.'
         where email_id = (select email_id from email_outbox
                           where status = 'sending' and lease_until < $1
                           order by lease_until, email_id limit 1{skip_locked})
           and status = 'sending' and lease_until < $1
         {returning}"
    ))
    .bind(now)
    .bind(settings.instance.as_str())
    .bind(lease_until)
    .fetch_optional(pool)
    .await?;
    if let Some(c) = &orphan {
        tracing::warn!(
            email_id = c.email_id,
            "taking over a mail whose sender stopped mid-send"
        );
    }
    Ok(orphan)
}

/// Record what became of a claimed mail. Only a row this worker still holds is touched
/// (after a lease ran out another worker may have it), and a busy database is retried for a
/// while: a row left `sending` waits for its lease to end.
async fn settle(
    pool: &db::Pool,
    instance: &str,
    id: i64,
    status: &str,
    next_attempt_at: Option<chrono::DateTime<Utc>>,
    error: Option<String>,
    sent_at: Option<chrono::DateTime<Utc>>,
) -> Result<(), sqlx::Error> {
    let mut wait = Duration::from_millis(100);
    loop {
        let r = db::query(
            "update email_outbox set status = $1,
                    next_attempt_at = coalesce($2, next_attempt_at),
                    last_error = $3, sent_at = coalesce($4, sent_at)
             where email_id = $5 and status = 'sending' and claimed_by = $6",
        )
        .bind(status)
        .bind(next_attempt_at)
        .bind(&error)
        .bind(sent_at)
        .bind(id)
        .bind(instance)
        .execute(pool)
        .await;
        match r {
            Ok(_) => return Ok(()),
            Err(e) if wait < Duration::from_secs(60) => {
                tracing::warn!(email_id = id, err = %e, "cannot record the mail's outcome yet");
                tokio::time::sleep(wait).await;
                wait *= 2;
            }
            Err(e) => return Err(e),
        }
    }
}

/// The background worker: delivers due mail now, whenever woken, and every few seconds.
/// Each pass of its loop stores the time (Unix seconds) in `beat`, for `/readyz`.
pub fn spawn_worker(
    pool: db::Pool,
    settings: MailSettings,
    wake: Arc<Notify>,
    beat: Arc<std::sync::atomic::AtomicI64>,
) {
    tokio::spawn(async move {
        let transport = match transport(&settings) {
            Ok(t) => t,
            Err(e) => {
                tracing::error!("{e}; mails stay queued");
                return;
            }
        };
        loop {
            beat.store(Utc::now().timestamp(), std::sync::atomic::Ordering::Relaxed);
            if let Err(e) = deliver_due(&pool, &settings, transport.as_ref()).await {
                tracing::error!(err = %e, "mail worker");
            }
            tokio::select! {
                _ = wake.notified() => {}
                _ = tokio::time::sleep(Duration::from_secs(5)) => {}
            }
        }
    });
}

/// The newest mails first, for the Mail page.
pub async fn list(pool: &db::Pool, limit: i64) -> Result<Vec<MailRow>, sqlx::Error> {
    db::query_as::<MailRow>(
        "select email_id, created_at, recipient, subject, template, status, attempts,
                next_attempt_at, last_error, sent_at
         from email_outbox order by email_id desc limit $1",
    )
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// Put a failed mail back in the queue, due now. Only failed mails can be retried.
pub async fn retry(pool: &db::Pool, id: i64) -> Result<bool, sqlx::Error> {
    Ok(db::query(
        "update email_outbox set status = 'queued', next_attempt_at = $1, attempts = 0
         where email_id = $2 and status = 'failed'",
    )
    .bind(Utc::now())
    .bind(id)
    .execute(pool)
    .await?
    .rows_affected()
        == 1)
}

/// A mail's text for the Mail page, its links' tokens redacted (a queued invitation's link
/// would otherwise let whoever reads the page use it).
pub async fn body(pool: &db::Pool, id: i64) -> Result<Option<String>, sqlx::Error> {
    let text: Option<String> =
        db::query_scalar("select body_text from email_outbox where email_id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await?;
    Ok(text.map(|t| redact_tokens(&t)))
}

/// What replaces a link's token in every stored copy of a mail.
pub const REDACTED: &str = "redacted";

/// `text` with the value of every `token=` (a link's single-use token) replaced by
/// [`REDACTED`]: the outbox keeps a sent mail for the Mail page, but not a usable link —
/// only the token's SHA-256 is kept anywhere else.
pub fn redact_tokens(text: &str) -> String {
    const KEY: &str = "token=";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(KEY) {
        let (before, after) = rest.split_at(at + KEY.len());
        out.push_str(before);
        let value_len = after
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(after.len());
        if value_len > 0 {
            out.push_str(REDACTED);
        }
        rest = &after[value_len..];
    }
    out.push_str(rest);
    out
}

/// Once a mail is sent (or kept as an `.eml` file, which is its delivery in embedded mode),
/// the outbox's copy no longer carries its links' tokens.
async fn redact_stored(pool: &db::Pool, c: &Claimed) -> Result<(), sqlx::Error> {
    store_redacted(pool, c.email_id, &c.body_text, &c.body_html).await?;
    Ok(())
}

/// Writes the mail's bodies back with their tokens redacted, if they held any. Whether it
/// changed the row.
async fn store_redacted(
    pool: &db::Pool,
    id: i64,
    text: &str,
    html: &str,
) -> Result<bool, sqlx::Error> {
    let (t, h) = (redact_tokens(text), redact_tokens(html));
    if t == text && h == html {
        return Ok(false);
    }
    // Only a delivered copy: one an anonymisation redacted meanwhile (now `failed`) stays so.
    db::query(
        "update email_outbox set body_text = $1, body_html = $2
          where email_id = $3 and status in ('sent', 'kept')",
    )
    .bind(t)
    .bind(h)
    .bind(id)
    .execute(pool)
    .await?;
    Ok(true)
}

/// Sent and kept mails stored before their tokens were redacted (older versions kept them):
/// redacted now, a batch at a time (housekeeping). Returns how many were changed.
pub async fn redact_sent(pool: &db::Pool) -> Result<u64, sqlx::Error> {
    let rows: Vec<(i64, String, String)> = db::query_as(
        "select email_id, body_text, body_html from email_outbox
          where status in ('sent', 'kept') and body_text like '%token=%'
          order by email_id limit 500",
    )
    .fetch_all(pool)
    .await?;
    let mut changed = 0;
    for (id, text, html) in rows {
        if store_redacted(pool, id, &text, &html).await? {
            changed += 1;
        }
    }
    Ok(changed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_tokens_are_redacted_and_nothing_else() {
        let text = "Open https://crm.example.com/portal/accept?token=0a1b2c3d4e5f&x=1 now.\n\
                    <a href=\"https://crm.example.com/staff/accept?token=ffee99\">Choose</a> token= end";
        let r = redact_tokens(text);
        assert!(!r.contains("0a1b2c3d4e5f") && !r.contains("ffee99"), "{r}");
        assert!(r.contains("/portal/accept?token=redacted&x=1 now."), "{r}");
        assert!(
            r.contains("/staff/accept?token=redacted\">Choose</a>"),
            "{r}"
        );
        assert!(r.ends_with("token= end"), "{r}");
        assert_eq!(redact_tokens("no links here"), "no links here");
        assert_eq!(redact_tokens(&r), r, "idempotent");
    }

    #[test]
    fn backoff_doubles_with_jitter_and_caps_at_an_hour() {
        let base = Duration::from_secs(30);
        for _ in 0..50 {
            let first = backoff(base, 1);
            assert!(
                first >= Duration::from_millis(22_500) && first <= Duration::from_millis(37_500)
            );
            let third = backoff(base, 3);
            assert!(third >= Duration::from_secs(90) && third <= Duration::from_secs(150));
            assert!(backoff(base, 40) <= Duration::from_secs(4500));
        }
    }
}

/// Anonymisation: the customer's mails in the outbox keep their date, kind and state, not
/// their address, subject or text; one still waiting is not sent.
pub async fn redact_customer(
    conn: &mut db::Conn,
    customer: i64,
    email: &str,
    placeholder: &str,
) -> Result<(), sqlx::Error> {
    db::query(
        "update email_outbox
            set recipient = $3, subject = '(redacted)', body_text = '(redacted)',
                body_html = '(redacted)', last_error = null,
                status = case when status in ('queued', 'sending') then 'failed' else status end
          where customer_id = $1 or lower(recipient) = lower($2)",
    )
    .bind(customer)
    .bind(email)
    .bind(placeholder)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
