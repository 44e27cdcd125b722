//! The e-mail outbox against a real SMTP listener on 127.0.0.1 (a small SMTP server inside
//! the test): delivered exactly once, kept queued while the server is down and delivered
//! once after it comes back, permanent failures stop, embedded mode writes .eml files, and
//! the Mail page's functions are for Admins.

use crate::common::smtp::*;
use crate::common::*;
use app::db;
use app::mail::ssr::{deliver_due, enqueue, transport, MailSettings, NewMail};
use serde_json::json;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// A test worker's settings: SMTP at `smtp` (or `.eml` files in `dir`), quick retries.
pub(crate) fn settings(smtp: Option<SocketAddr>, dir: &std::path::Path) -> MailSettings {
    MailSettings {
        smtp_url: smtp.map(|a| format!("smtp://{a}").into()),
        from: "Customers <no-reply@example.com>".into(),
        dir: dir.to_path_buf(),
        base_delay: Duration::from_millis(20),
        max_attempts: 4,
        lease: Duration::from_secs(60),
        instance: "test-worker".into(),
    }
}

async fn queue(app: &TestApp, to: &str) -> i64 {
    let mut conn = app.pool.acquire().await.unwrap();
    enqueue(
        &mut conn,
        &NewMail {
            recipient: to,
            subject: "Welcome to the portal",
            body_text: "Open https://example.com/portal/accept?token=abc to set your password.",
            body_html: "<p>Open <a href=\"https://example.com/portal/accept?token=abc\">this link</a>.</p>",
            template: "invitation",
            customer_id: None,
        },
    )
    .await
    .unwrap()
}

async fn status(app: &TestApp, id: i64) -> (String, i64) {
    db::query_as("select status, attempts from email_outbox where email_id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_queued_mail_is_delivered_over_smtp_exactly_once() {
    let app = spawn_app().await;
    let smtp = FakeSmtp::start_on("127.0.0.1:0").await;
    let dir = tempfile::tempdir().unwrap();
    let s = settings(Some(smtp.addr), dir.path());
    let t = transport(&s).unwrap();
    let id = queue(&app, "ana@example.com").await;
    assert_eq!(deliver_due(&app.pool, &s, t.as_ref()).await.unwrap(), 1);
    assert_eq!(status(&app, id).await, ("sent".into(), 1));
    assert_eq!(smtp.count(), 1);
    let mail = smtp.received.lock().unwrap()[0].clone();
    assert!(mail.contains("Subject: Welcome to the portal"), "{mail}");
    assert!(mail.contains("To: ana@example.com"), "{mail}");
    assert!(mail.contains("multipart/alternative"), "{mail}");
    assert!(
        mail.contains(&format!("Message-ID: <outbox-{id}@example.com>")),
        "{mail}"
    );
    assert!(mail.contains("/portal/accept?token=abc"), "{mail}");
    // Running the worker again sends nothing more.
    assert_eq!(deliver_due(&app.pool, &s, t.as_ref()).await.unwrap(), 0);
    assert_eq!(smtp.count(), 1);
}

#[tokio::test]
async fn while_the_server_is_down_the_mail_waits_and_goes_out_once_it_is_back() {
    let app = spawn_app().await;
    // A port nobody listens on (yet).
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let dir = tempfile::tempdir().unwrap();
    // A backoff long enough that a loaded machine cannot outrun it between two calls.
    let s = MailSettings {
        base_delay: Duration::from_millis(400),
        ..settings(Some(port), dir.path())
    };
    let t = transport(&s).unwrap();
    let id = queue(&app, "ben@example.com").await;
    deliver_due(&app.pool, &s, t.as_ref()).await.unwrap();
    let (st, attempts) = status(&app, id).await;
    assert_eq!((st.as_str(), attempts), ("queued", 1));
    let error: Option<String> =
        db::query_scalar("select last_error from email_outbox where email_id = $1")
            .bind(id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(error.is_some());
    // Not due again before its backoff has passed.
    assert_eq!(deliver_due(&app.pool, &s, t.as_ref()).await.unwrap(), 0);

    let smtp = FakeSmtp::start_on(&port.to_string()).await;
    tokio::time::sleep(Duration::from_millis(550)).await;
    deliver_due(&app.pool, &s, t.as_ref()).await.unwrap();
    assert_eq!(status(&app, id).await, ("sent".into(), 2));
    assert_eq!(smtp.count(), 1);
    tokio::time::sleep(Duration::from_millis(60)).await;
    deliver_due(&app.pool, &s, t.as_ref()).await.unwrap();
    assert_eq!(smtp.count(), 1, "delivered exactly once");
}

#[tokio::test]
async fn transient_refusals_back_off_then_give_up_and_permanent_ones_stop_at_once() {
    let app = spawn_app().await;
    let smtp = FakeSmtp::start_on("127.0.0.1:0").await;
    let dir = tempfile::tempdir().unwrap();
    let s = settings(Some(smtp.addr), dir.path());
    let t = transport(&s).unwrap();

    smtp.mode.store(PERMANENT, Ordering::SeqCst);
    let gone = queue(&app, "nobody@example.com").await;
    deliver_due(&app.pool, &s, t.as_ref()).await.unwrap();
    assert_eq!(status(&app, gone).await, ("failed".into(), 1));
    tokio::time::sleep(Duration::from_millis(60)).await;
    deliver_due(&app.pool, &s, t.as_ref()).await.unwrap();
    assert_eq!(
        status(&app, gone).await,
        ("failed".into(), 1),
        "no retry after a 5xx"
    );

    smtp.mode.store(TRANSIENT, Ordering::SeqCst);
    let busy = queue(&app, "busy@example.com").await;
    for _ in 0..10 {
        deliver_due(&app.pool, &s, t.as_ref()).await.unwrap();
        tokio::time::sleep(Duration::from_millis(400)).await;
        if status(&app, busy).await.0 == "failed" {
            break;
        }
    }
    assert_eq!(status(&app, busy).await, ("failed".into(), 4));
    let error: String = db::query_scalar("select last_error from email_outbox where email_id = $1")
        .bind(busy)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(error.starts_with("Gave up after 4 attempts"), "{error}");
    assert_eq!(smtp.count(), 0);

    // An Admin's Retry queues it again; this time the server takes it.
    let staff = app.staff_cookies().await;
    for cookie in [&staff.sales, &staff.support, &staff.accounting] {
        let (code, _) = app.call(cookie, "retry_mail", json!({ "id": busy })).await;
        assert_eq!(code, 403);
        let (code, _) = app.call(cookie, "list_mail", json!({})).await;
        assert_eq!(code, 403);
    }
    let (code, list) = app.call(&staff.admin, "list_mail", json!({})).await;
    assert_eq!(code, 200);
    assert_eq!(list[0]["email_id"], busy);
    assert_eq!(list[0]["status"], "failed");
    assert_eq!(list[0]["attempts"], 4);
    let (code, _) = app
        .call(&staff.admin, "retry_mail", json!({ "id": busy }))
        .await;
    assert_eq!(code, 200);
    let (code, _) = app
        .call(&staff.admin, "retry_mail", json!({ "id": busy }))
        .await;
    assert_eq!(code, 409, "only a failed mail can be retried");
    smtp.mode.store(ACCEPT, Ordering::SeqCst);
    deliver_due(&app.pool, &s, t.as_ref()).await.unwrap();
    assert_eq!(status(&app, busy).await.0, "sent");
    assert_eq!(smtp.count(), 1);
}

#[tokio::test]
async fn without_smtp_mails_are_kept_as_eml_files_and_readable_by_admins() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let s = settings(None, dir.path());
    let id = queue(&app, "cara@example.com").await;
    deliver_due(&app.pool, &s, None).await.unwrap();
    assert_eq!(status(&app, id).await, ("kept".into(), 1));
    let files: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(files.len(), 1);
    let eml = std::fs::read_to_string(files[0].as_ref().unwrap().path()).unwrap();
    assert!(eml.contains("To: cara@example.com") && eml.contains("/portal/accept?token=abc"));
    let staff = app.staff_cookies().await;
    let (code, body) = app
        .call(&staff.admin, "mail_body", json!({ "id": id }))
        .await;
    assert_eq!(code, 200);
    // The Mail page shows the mail, but not a usable link (the .eml file is the delivery).
    assert!(body
        .as_str()
        .unwrap()
        .contains("/portal/accept?token=redacted"));
    let (code, _) = app
        .call(&staff.sales, "mail_body", json!({ "id": id }))
        .await;
    assert_eq!(code, 403);
}

#[tokio::test]
async fn a_mail_another_worker_is_sending_is_left_alone_until_its_lease_ends() {
    let app = spawn_app().await;
    let id = queue(&app, "dan@example.com").await;
    // Another instance claimed it and is sending it now.
    db::query(
        "update email_outbox set status = 'sending', attempts = 1, claimed_by = 'other',
                lease_until = $2 where email_id = $1",
    )
    .bind(id)
    .bind(chrono::Utc::now() + chrono::Duration::seconds(60))
    .execute(&app.pool)
    .await
    .unwrap();
    let smtp = FakeSmtp::start_on("127.0.0.1:0").await;
    let dir = tempfile::tempdir().unwrap();
    let s = settings(Some(smtp.addr), dir.path());
    let t = transport(&s).unwrap();
    assert_eq!(deliver_due(&app.pool, &s, t.as_ref()).await.unwrap(), 0);
    assert_eq!(smtp.count(), 0);
    assert_eq!(status(&app, id).await, ("sending".into(), 1));
    // That worker stopped mid-send: once its lease ends, this one sends it, once.
    db::query("update email_outbox set lease_until = $2 where email_id = $1")
        .bind(id)
        .bind(chrono::Utc::now() - chrono::Duration::seconds(1))
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(deliver_due(&app.pool, &s, t.as_ref()).await.unwrap(), 1);
    assert_eq!(deliver_due(&app.pool, &s, t.as_ref()).await.unwrap(), 0);
    assert_eq!(smtp.count(), 1);
    assert_eq!(status(&app, id).await, ("sent".into(), 2));
    // The stopped worker's late outcome changes nothing: the row is no longer its own.
    let claimed_by: String =
        db::query_scalar("select claimed_by from email_outbox where email_id = $1")
            .bind(id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(claimed_by, "test-worker");
}

#[tokio::test]
async fn an_smtp_outage_of_every_kind_loses_no_mail_and_sends_none_twice() {
    // 200 invitations queued while the SMTP server is down (connections refused), then
    // answers 4xx, then drops connections in the middle of DATA, then accepts: every mail is
    // delivered exactly once (a mail is resent only when the server did not accept it), and
    // the Mail page shows the retries.
    let app = spawn_app().await;
    let staff = app.staff_cookies().await;
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let dir = tempfile::tempdir().unwrap();
    let s = MailSettings {
        base_delay: Duration::from_millis(10),
        max_attempts: 40,
        ..settings(Some(port), dir.path())
    };
    let t = transport(&s).unwrap();
    let n = 200;
    for i in 0..n {
        queue(&app, &format!("outage-{i}@example.com")).await;
    }
    // Work the queue for a while in each state of the server.
    async fn work(
        app: &TestApp,
        s: &MailSettings,
        t: Option<&lettre::AsyncSmtpTransport<lettre::Tokio1Executor>>,
        for_ms: u64,
    ) {
        let until = std::time::Instant::now() + Duration::from_millis(for_ms);
        while std::time::Instant::now() < until {
            deliver_due(&app.pool, s, t).await.unwrap();
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    work(&app, &s, t.as_ref(), 300).await; // refused
    let smtp = FakeSmtp::start_on(&port.to_string()).await;
    smtp.mode.store(TRANSIENT, Ordering::SeqCst);
    work(&app, &s, t.as_ref(), 400).await; // 451
    smtp.mode.store(DROP_IN_DATA, Ordering::SeqCst);
    work(&app, &s, t.as_ref(), 400).await; // dropped mid-DATA
    assert_eq!(smtp.count(), 0, "nothing accepted yet");
    smtp.mode.store(ACCEPT, Ordering::SeqCst);
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let left: i64 = app
            .count("select count(*) from email_outbox where status != 'sent'")
            .await;
        if left == 0 || std::time::Instant::now() > deadline {
            assert_eq!(left, 0, "every mail delivered in time");
            break;
        }
        deliver_due(&app.pool, &s, t.as_ref()).await.unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let received = smtp.received.lock().unwrap().clone();
    let ids: std::collections::HashSet<String> = received
        .iter()
        .filter_map(|m| {
            m.lines()
                .find(|l| l.starts_with("Message-ID:"))
                .map(str::to_string)
        })
        .collect();
    assert_eq!(received.len(), n, "each delivered once");
    assert_eq!(ids.len(), n, "no mail twice");
    // The Mail page shows that they were retried.
    let (status, rows) = app.call(&staff.admin, "list_mail", json!({})).await;
    assert_eq!(status, 200, "{rows}");
    let rows = rows.as_array().unwrap();
    assert!(rows.iter().all(|r| r["status"] == "sent"));
    assert!(
        rows.iter().all(|r| r["attempts"].as_i64().unwrap() > 1),
        "every mail needed retries"
    );
}
