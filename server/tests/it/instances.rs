//! Two app instances on one database, as behind a load balancer (on PostgreSQL when the
//! suite runs there; SQLite shares one file between processes too): sessions and throttles
//! hold across instances, every mail goes out exactly once with two workers, a mail left by
//! a worker that stopped mid-send goes out once after its lease, and two Admins deactivating
//! each other at the same moment leave one Admin.

use crate::common::smtp::*;
use crate::common::*;
use app::auth::Role;
use app::db;
use app::mail::ssr::{deliver_due, spawn_worker, transport, MailSettings};
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

fn worker_settings(smtp: std::net::SocketAddr, name: &str, lease: Duration) -> MailSettings {
    MailSettings {
        smtp_url: Some(format!("smtp://{smtp}").into()),
        from: "Customers <no-reply@example.com>".into(),
        base_delay: Duration::from_millis(50),
        lease,
        instance: name.into(),
        ..MailSettings::embedded(std::env::temp_dir())
    }
}

/// Waits until `cond` holds (at most `secs` seconds).
async fn eventually(secs: u64, mut cond: impl FnMut() -> bool) -> bool {
    for _ in 0..secs * 20 {
        if cond() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    cond()
}

#[tokio::test]
async fn a_session_and_the_sign_in_throttle_hold_across_instances() {
    let a = spawn_app().await;
    let b = a.second_instance().await;
    let staff = a.staff_cookies().await;
    // A session made on A is valid on B.
    let (status, body) = b.call(&staff.sales, "list_labels", json!({})).await;
    assert_eq!(status, 200, "{body}");
    // Failed sign-ins spread over A and B count together.
    for i in 0..app::auth::ssr::THROTTLE_FREE_FAILURES {
        let app = if i % 2 == 0 { &a } else { &b };
        let res = app.login_form("sales@example.com", "wrong password").await;
        assert_eq!(res.status(), 303);
    }
    // Now even the right password waits, on either instance.
    assert_eq!(
        a.login_form("sales@example.com", PASSWORD).await.status(),
        429
    );
    assert_eq!(
        b.login_form("sales@example.com", PASSWORD).await.status(),
        429
    );
}

#[tokio::test]
async fn two_workers_deliver_every_invitation_exactly_once() {
    let a = spawn_app().await;
    let b = a.second_instance().await;
    let staff = a.staff_cookies().await;
    let smtp = FakeSmtp::start_on("127.0.0.1:0").await;
    let lease = Duration::from_secs(60);
    let (wake_a, wake_b) = (
        Arc::new(tokio::sync::Notify::new()),
        Arc::new(tokio::sync::Notify::new()),
    );
    spawn_worker(
        a.pool.clone(),
        worker_settings(smtp.addr, "instance-a", lease),
        wake_a.clone(),
        Arc::default(),
    );
    spawn_worker(
        b.pool.clone(),
        worker_settings(smtp.addr, "instance-b", lease),
        wake_b.clone(),
        Arc::default(),
    );
    // Customers with an invitation, created through both instances at once.
    let n = 24;
    let mut calls = Vec::new();
    for i in 0..n {
        let app = if i % 2 == 0 { &a } else { &b };
        calls.push(app.detached_call(
            &staff.admin,
            "create_customer",
            json!({ "input": customer_json(&format!("invitee{i}@example.com")), "invite": true }),
        ));
    }
    let calls: Vec<_> = calls.into_iter().map(tokio::spawn).collect();
    for call in calls {
        let (status, body) = call.await.unwrap();
        assert_eq!(status, 200, "{body}");
    }
    for _ in 0..3 {
        wake_a.notify_one();
        wake_b.notify_one();
    }
    assert!(
        eventually(30, || smtp.count() >= n).await,
        "{} of {n} delivered",
        smtp.count()
    );
    // Give a double delivery the time to show up.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let mut per_recipient: BTreeMap<String, usize> = BTreeMap::new();
    for mail in smtp.received.lock().unwrap().iter() {
        let to = mail
            .lines()
            .find_map(|l| l.strip_prefix("To: "))
            .unwrap_or_default()
            .to_string();
        *per_recipient.entry(to).or_default() += 1;
    }
    assert_eq!(per_recipient.len(), n, "{per_recipient:?}");
    assert!(per_recipient.values().all(|c| *c == 1), "{per_recipient:?}");
    let rows: Vec<(String, i64)> =
        db::query_as("select status, attempts from email_outbox where template = 'invitation'")
            .fetch_all(&a.pool)
            .await
            .unwrap();
    assert_eq!(rows.len(), n);
    assert!(
        rows.iter().all(|r| r == &("sent".to_string(), 1)),
        "{rows:?}"
    );
    // Both workers took part (each claims what the other has not locked).
    let workers: i64 = db::query_scalar(
        "select count(distinct claimed_by) from email_outbox where template = 'invitation'",
    )
    .fetch_one(&a.pool)
    .await
    .unwrap();
    assert!(workers >= 1);
}

#[tokio::test]
async fn a_mail_left_by_a_worker_that_stopped_mid_send_goes_out_once_after_its_lease() {
    let a = spawn_app().await;
    let b = a.second_instance().await;
    let staff = a.staff_cookies().await;
    let (status, body) = a
        .call(
            &staff.admin,
            "create_customer",
            json!({ "input": customer_json("stranded@example.com"), "invite": true }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    // Instance A's SMTP server accepts the connection and never answers: A's worker claims
    // the mail and hangs in the greeting, and then A is killed.
    let black_hole = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hole = black_hole.local_addr().unwrap();
    let _held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((s, _)) = black_hole.accept().await {
            open.push(s);
        }
    });
    let lease = Duration::from_secs(3);
    let a_settings = worker_settings(hole, "instance-a", lease);
    let a_pool = a.pool.clone();
    let a_worker = tokio::spawn(async move {
        let t = transport(&a_settings).unwrap();
        deliver_due(&a_pool, &a_settings, t.as_ref()).await
    });
    let claimed = async {
        for _ in 0..100 {
            let s: String =
                db::query_scalar("select status from email_outbox where template = 'invitation'")
                    .fetch_one(&a.pool)
                    .await
                    .unwrap();
            if s == "sending" {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        false
    };
    assert!(claimed.await, "instance A claimed the mail");
    a_worker.abort();
    // Instance B runs its worker: nothing while A's lease lasts, then the mail, once.
    let smtp = FakeSmtp::start_on("127.0.0.1:0").await;
    let b_settings = worker_settings(smtp.addr, "instance-b", lease);
    let t = transport(&b_settings).unwrap();
    assert_eq!(
        deliver_due(&b.pool, &b_settings, t.as_ref()).await.unwrap(),
        0
    );
    assert_eq!(smtp.count(), 0);
    tokio::time::sleep(lease + Duration::from_millis(300)).await;
    assert_eq!(
        deliver_due(&b.pool, &b_settings, t.as_ref()).await.unwrap(),
        1
    );
    assert_eq!(
        deliver_due(&b.pool, &b_settings, t.as_ref()).await.unwrap(),
        0
    );
    assert_eq!(smtp.count(), 1);
    let (status, attempts, by): (String, i64, String) = db::query_as(
        "select status, attempts, claimed_by from email_outbox where template = 'invitation'",
    )
    .fetch_one(&b.pool)
    .await
    .unwrap();
    assert_eq!(
        (status.as_str(), attempts, by.as_str()),
        ("sent", 2, "instance-b")
    );
}

#[tokio::test]
async fn two_admins_deactivating_each_other_at_once_leave_one_admin() {
    let a = spawn_app().await;
    let b = a.second_instance().await;
    for round in 0..6 {
        let first = a
            .add_staff(&format!("first{round}@example.com"), Role::Admin)
            .await;
        let second = a
            .add_staff(&format!("second{round}@example.com"), Role::Admin)
            .await;
        // Only these two Admins are active.
        db::query(
            "update staff_user set active = false
              where role = 'admin' and staff_user_id <> $1 and staff_user_id <> $2",
        )
        .bind(first)
        .bind(second)
        .execute(&a.pool)
        .await
        .unwrap();
        let c1 = a.login(&format!("first{round}@example.com")).await;
        let c2 = b.login(&format!("second{round}@example.com")).await;
        let (r1, r2) = tokio::join!(
            a.detached_call(
                &c1,
                "set_staff_active",
                json!({ "id": second, "active": false })
            ),
            b.detached_call(
                &c2,
                "set_staff_active",
                json!({ "id": first, "active": false })
            ),
        );
        let active = a
            .count("select count(*) from staff_user where role = 'admin' and active")
            .await;
        assert_eq!(active, 1, "round {round}: {r1:?} {r2:?}");
        let ok = [r1.0, r2.0].iter().filter(|s| **s == 200).count();
        assert_eq!(ok, 1, "round {round}: exactly one wins: {r1:?} {r2:?}");
    }
}

/// A PostgreSQL database the search cannot work on is refused at start with a message that
/// says why and what to do (here: a locale whose lower() leaves Ö alone).
#[tokio::test]
async fn two_instances_starting_at_once_on_an_empty_database_create_one_admin() {
    let cli = <server::config::Cli as clap::Parser>::try_parse_from([
        "server",
        "--admin-email",
        "boss@example.com",
    ])
    .unwrap();
    for round in 0..4 {
        // A new empty database each round (connect migrates it; nobody is in it yet).
        let dir = tempfile::tempdir().unwrap();
        let url = fresh_database_url(&dir).await;
        server::connect(&url).await.unwrap().close().await;
        let (a, b) = (
            server::connect(&url).await.unwrap(),
            server::connect(&url).await.unwrap(),
        );
        let (ra, rb) = tokio::join!(
            server::ensure_first_admin(&a, &cli.config),
            server::ensure_first_admin(&b, &cli.config)
        );
        // Both start; exactly one of them made (and printed) a password.
        let (ra, rb) = (ra.unwrap(), rb.unwrap());
        assert!(
            ra.is_some() != rb.is_some(),
            "round {round}: {ra:?} / {rb:?}"
        );
        let admins: i64 = db::query_scalar("select count(*) from staff_user where role = 'admin'")
            .fetch_one(&a)
            .await
            .unwrap();
        assert_eq!(admins, 1, "round {round}");
        a.close().await;
        b.close().await;
    }
}

#[tokio::test]
async fn a_postgres_database_that_lower_cases_only_ascii_is_refused_at_start() {
    let Ok(server) = std::env::var("TEST_POSTGRES_URL") else {
        return; // SQLite run: nothing to check.
    };
    if server.is_empty() {
        return;
    }
    use sqlx::{Connection, Executor};
    let name = format!("c_locale_{}", std::process::id());
    let mut admin = sqlx::PgConnection::connect(&server).await.unwrap();
    admin
        .execute(
            format!("create database {name} template template0 encoding 'UTF8' locale 'C'")
                .as_str(),
        )
        .await
        .unwrap();
    let base = server.rsplit_once('/').unwrap().0;
    let err = server::connect(&format!("{base}/{name}"))
        .await
        .map(|_| ())
        .unwrap_err();
    assert!(err.contains("UTF-8 locale"), "{err}");
    // Nothing was migrated into it.
    let mut conn = sqlx::PgConnection::connect(&format!("{base}/{name}"))
        .await
        .unwrap();
    let tables: i64 = sqlx::query_scalar(
        "select count(*) from information_schema.tables where table_schema = 'public'",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(tables, 0);
}
