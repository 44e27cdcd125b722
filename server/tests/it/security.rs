//! Findings of the security review of issue #15, each proven over the real router: sign-in
//! never redirects to another host, personal data is never cached, …

use crate::common::*;
use serde_json::json;

#[tokio::test]
async fn sign_in_never_redirects_to_another_host() {
    let app = spawn_app().await;
    let staff = app.staff_cookies().await;
    // Browsers drop tabs and newlines from a URL: `/\t/evil.example/` is `//evil.example/`.
    for next in [
        "/\t/evil.example/",
        "/\n/evil.example/",
        "/\r\n/evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "https://evil.example/",
        "/ /evil.example/",
        "\t/customers",
    ] {
        let res = app
            .client
            .post(app.url("/auth/login"))
            .form(&[
                ("email", "sales@example.com"),
                ("password", PASSWORD),
                ("next", next),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303, "{next:?}");
        assert_eq!(header(&res, "location"), "/customers", "{next:?}");
    }
    // Already signed in, /login sends the browser on to `next`: the same rule.
    let res = app
        .client
        .get(app.url("/login?next=%2F%09%2Fevil.example%2F"))
        .header("cookie", &staff.sales)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(header(&res, "location"), "/customers");
    // A real path on the site is kept, query and all.
    let res = app
        .client
        .get(app.url("/login?next=%2Fcustomers%3Fq%3Dcruz%26status%3Dactive"))
        .header("cookie", &staff.sales)
        .send()
        .await
        .unwrap();
    assert_eq!(header(&res, "location"), "/customers?q=cruz&status=active");
}

#[tokio::test]
async fn pages_and_api_answers_are_never_stored_by_a_cache() {
    let app = spawn_app().await;
    let staff = app.staff_cookies().await;
    let page = app
        .client
        .get(app.url("/customers"))
        .header("cookie", &staff.sales)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(header(&page, "cache-control"), "no-store");
    let login = app.client.get(app.url("/login")).send().await.unwrap();
    assert_eq!(header(&login, "cache-control"), "no-store");
    let api = app
        .client
        .post(app.url("/api/list_customers"))
        .header("cookie", &staff.sales)
        .json(&json!({ "query": {} }))
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 200);
    assert_eq!(header(&api, "cache-control"), "no-store");
    // An error answer too (it may name what was asked for).
    let denied = app
        .client
        .post(app.url("/api/list_customers"))
        .json(&json!({ "query": {} }))
        .send()
        .await
        .unwrap();
    assert_eq!(header(&denied, "cache-control"), "no-store");
}

#[tokio::test]
async fn the_audit_log_cannot_be_overwritten_by_insert_or_replace() {
    if on_postgres() {
        // PostgreSQL has no INSERT OR REPLACE; its append-only trigger covers UPDATE,
        // DELETE and TRUNCATE (tested in audit.rs).
        return;
    }
    let app = spawn_app().await;
    let staff = app.staff_cookies().await;
    let id = {
        let (status, body) = app
            .call(
                &staff.admin,
                "create_customer",
                json!({ "input": customer_json("replace-me@example.com") }),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body["customer_id"].as_i64().unwrap()
    };
    let (event, action): (i64, String) = app::db::query_as(
        "select audit_event_id, action from audit_event where entity_id = $1 order by audit_event_id limit 1",
    )
    .bind(id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let forged = app::db::query(
        "insert or replace into audit_event (audit_event_id, at, actor_role, action, entity, entity_id, changes)
         select audit_event_id, at, actor_role, 'customer.delete', entity, entity_id, '[]'
           from audit_event where audit_event_id = $1",
    )
    .bind(event)
    .execute(&app.pool)
    .await;
    assert!(
        forged.is_err(),
        "the append-only trigger must refuse a replace"
    );
    let still: String =
        app::db::query_scalar("select action from audit_event where audit_event_id = $1")
            .bind(event)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(still, action);
}

/// A wrong password from `ip` (through a trusted proxy's X-Forwarded-For), as a future that
/// owns what it needs (to have many in flight at once).
fn guess_in_flight(
    app: &TestApp,
    email: &str,
    ip: &str,
) -> impl std::future::Future<Output = reqwest::Response> + Send + 'static {
    let request = app
        .client
        .post(app.url("/auth/login"))
        .header("accept", "application/json")
        .header("x-forwarded-for", ip)
        .form(&[
            ("email", email),
            ("password", "not the password"),
            ("next", "/customers"),
        ]);
    async move { request.send().await.unwrap() }
}

async fn guess(app: &TestApp, email: &str, ip: &str) -> reqwest::Response {
    guess_in_flight(app, email, ip).await
}

/// Every future at once; the answers in order.
async fn all_at_once<T: Send + 'static>(
    futures: Vec<impl std::future::Future<Output = T> + Send + 'static>,
) -> Vec<T> {
    let handles: Vec<_> = futures.into_iter().map(tokio::spawn).collect();
    let mut out = Vec::with_capacity(handles.len());
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

async fn failed_sign_ins(app: &TestApp, reason: &str) -> i64 {
    let rows: Vec<String> =
        app::db::query_scalar("select changes from audit_event where action = 'login_failed'")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    rows.iter()
        .filter(|c| c.contains(&format!("\"new\":\"{reason}\"")))
        .count() as i64
}

#[tokio::test]
async fn twenty_parallel_guesses_get_exactly_five_password_checks() {
    let app = spawn_app_with(|a| a.trust_forwarded_for = true).await;
    app.add_staff("target@example.com", app::auth::Role::Sales)
        .await;
    let answers: Vec<_> = all_at_once(
        (0..20)
            .map(|_| guess_in_flight(&app, "target@example.com", "198.51.100.7"))
            .collect(),
    )
    .await
    .iter()
    .map(|r| r.status())
    .collect();
    let refused = answers.iter().filter(|s| s.as_u16() == 429).count();
    let checked = failed_sign_ins(&app, "wrong password").await;
    assert_eq!(checked, 5, "password checks: {answers:?}");
    assert_eq!(refused, 15, "{answers:?}");
    // The refused attempts left no audit row each: only the five checks are recorded, and
    // the one that started the block says so.
    let events: i64 = app
        .count("select count(*) from audit_event where action = 'login_failed'")
        .await;
    assert_eq!(events, 5);
    let blocked: i64 = app
        .count("select count(*) from audit_event where action = 'login_failed' and changes like '%blocked_for%'")
        .await;
    assert_eq!(blocked, 1);
    // The right password waits too.
    let res = app
        .client
        .post(app.url("/auth/login"))
        .header("x-forwarded-for", "198.51.100.7")
        .form(&[
            ("email", "target@example.com"),
            ("password", PASSWORD),
            ("next", "/customers"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429);
}

#[tokio::test]
async fn one_ip_spraying_many_accounts_is_blocked_and_an_ipv6_64_is_one_ip() {
    let app = spawn_app_with(|a| a.trust_forwarded_for = true).await;
    app.add_staff("victim@example.com", app::auth::Role::Sales)
        .await;
    let free = app::auth::throttle::IP_FREE_FAILURES;
    // One guess per account, every address of one IPv6 /64.
    for i in 0..free {
        let res = guess(
            &app,
            &format!("nobody{i}@example.com"),
            &format!("2001:db8:5:6::{i:x}"),
        )
        .await;
        assert_eq!(res.status(), 401, "guess {i}");
    }
    // The /64 is blocked now, for every account.
    let res = guess(&app, "victim@example.com", "2001:db8:5:6:ffff::1").await;
    assert_eq!(res.status(), 429);
    // Another client is not.
    let res = guess(&app, "victim@example.com", "2001:db8:5:7::1").await;
    assert_eq!(res.status(), 401);
    let res = guess(&app, "victim@example.com", "198.51.100.20").await;
    assert_eq!(res.status(), 401);
}

#[tokio::test]
async fn one_account_guessed_from_many_ips_is_blocked() {
    let app = spawn_app_with(|a| a.trust_forwarded_for = true).await;
    app.add_staff("target@example.com", app::auth::Role::Sales)
        .await;
    let free = app::auth::throttle::ACCOUNT_FREE_FAILURES;
    for i in 0..free {
        let res = guess(&app, "target@example.com", &format!("203.0.113.{}", i + 1)).await;
        assert_eq!(res.status(), 401, "guess {i}");
    }
    let res = guess(&app, "target@example.com", "192.0.2.200").await;
    assert_eq!(res.status(), 429);
    // Other accounts from those IPs are unaffected.
    let res = guess(&app, "someone-else@example.com", "203.0.113.1").await;
    assert_eq!(res.status(), 401);
}

#[tokio::test]
async fn successful_sign_ins_do_not_count_against_a_shared_ip() {
    // An office behind one address: its people signing in do not block each other.
    let app = spawn_app_with(|a| a.trust_forwarded_for = true).await;
    for i in 0..app::auth::throttle::IP_FREE_FAILURES + 5 {
        let email = format!("colleague{i}@example.com");
        app.add_staff(&email, app::auth::Role::Sales).await;
        let res = app
            .client
            .post(app.url("/auth/login"))
            .header("x-forwarded-for", "198.51.100.99")
            .form(&[
                ("email", email.as_str()),
                ("password", PASSWORD),
                ("next", "/customers"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303, "colleague {i}");
    }
}

#[tokio::test]
async fn sign_in_requests_per_ip_are_rate_limited() {
    // The real limit (the test default is raised for the other tests).
    let app = spawn_app_with(|a| {
        a.trust_forwarded_for = true;
        a.sign_in_burst = app::auth::throttle::SIGN_IN_BURST;
    })
    .await;
    let burst = app::auth::throttle::SIGN_IN_BURST as usize;
    for i in 0..burst {
        // Unknown addresses, so no account throttle is involved.
        let res = guess(&app, &format!("flood{i}@example.com"), "198.51.100.1").await;
        assert_eq!(res.status(), 401, "request {i}");
    }
    let res = guess(&app, "flood-more@example.com", "198.51.100.1").await;
    assert_eq!(res.status(), 429);
    assert!(!header(&res, "retry-after").is_empty());
    // Turned away before the database: no audit row for it.
    let events: i64 = app
        .count("select count(*) from audit_event where action = 'login_failed'")
        .await;
    assert_eq!(events, burst as i64);
    // The portal's sign-in form shares the per-IP budget.
    let res = app
        .client
        .post(app.url("/portal/auth/login"))
        .header("x-forwarded-for", "198.51.100.1")
        .form(&[("email", "c@example.com"), ("password", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(header(&res, "location"), "/portal/login?error=throttled");
    // Another IP is served.
    let res = guess(&app, "flood-more@example.com", "198.51.100.2").await;
    assert_eq!(res.status(), 401);
}

#[tokio::test]
async fn a_sign_in_flood_is_turned_away_by_the_argon2_gate_not_served_slowly() {
    // Two hundred sign-ins at once from many addresses (past the per-IP limit): at most a
    // core's worth of argon2 at a time plus a short queue; the rest get 429 at once, none
    // fails, and the list keeps answering meanwhile.
    let app = spawn_app_with(|a| a.trust_forwarded_for = true).await;
    let staff = app.staff_cookies().await;
    let flood = all_at_once(
        (0..200)
            .map(|i| guess_in_flight(&app, &format!("x{i}@example.com"), &format!("10.1.0.{i}")))
            .collect(),
    );
    let list = async {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let t = std::time::Instant::now();
        let (status, _) = app
            .call(&staff.sales, "list_customers", json!({ "query": {} }))
            .await;
        (status, t.elapsed())
    };
    let (answers, (list_status, _list_time)) = tokio::join!(flood, list);
    assert_eq!(list_status, 200);
    let busy: Vec<_> = answers.iter().filter(|r| r.status() == 429).collect();
    let checked = answers.iter().filter(|r| r.status() == 401).count();
    assert_eq!(busy.len() + checked, 200, "no other answer");
    assert!(!busy.is_empty(), "the gate turned some away");
    assert!(busy.iter().all(|r| header(r, "retry-after") == "1"));
    // Refused for being busy is not a failed attempt: nothing was counted against anyone.
    let counted: i64 = app
        .count("select count(*) from audit_event where action = 'login_failed'")
        .await;
    assert_eq!(counted as usize, checked);
}

#[tokio::test]
async fn housekeeping_purges_throttle_rows_whose_window_and_block_are_over() {
    let app = spawn_app().await;
    let now = chrono::Utc::now();
    for (key, started, blocked) in [
        ("stale", now - chrono::Duration::days(2), None),
        (
            "stale-block-over",
            now - chrono::Duration::days(2),
            Some(now - chrono::Duration::hours(1)),
        ),
        ("current", now - chrono::Duration::minutes(3), None),
        (
            "still-blocked",
            now - chrono::Duration::days(2),
            Some(now + chrono::Duration::minutes(5)),
        ),
    ] {
        app::db::query(
            "insert into login_throttle (throttle_key, failures, window_started_at, blocked_until)
             values ($1, 7, $2, $3)",
        )
        .bind(key)
        .bind(started)
        .bind(blocked)
        .execute(&app.pool)
        .await
        .unwrap();
    }
    server::housekeeping(&app.pool, 30).await;
    let left: Vec<String> =
        app::db::query_scalar("select throttle_key from login_throttle order by throttle_key")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(
        left,
        vec!["current".to_string(), "still-blocked".to_string()]
    );
}

#[tokio::test]
async fn stored_copies_of_a_sent_mail_hold_no_usable_link() {
    use app::mail::ssr::{deliver_due, enqueue, transport, NewMail};
    let app = spawn_app().await;
    let staff = app.staff_cookies().await;
    let smtp = crate::common::smtp::FakeSmtp::start_on("127.0.0.1:0").await;
    let dir = tempfile::tempdir().unwrap();
    let settings = crate::mail::settings(Some(smtp.addr), dir.path());
    let token = "4f".repeat(32);
    let id = enqueue(
        &mut app.pool.acquire().await.unwrap(),
        &NewMail {
            recipient: "ana@example.com",
            subject: "Welcome to the portal",
            body_text: &format!("Open https://example.com/portal/accept?token={token} to begin."),
            body_html: &format!(
                "<a href=\"https://example.com/portal/accept?token={token}\">Open</a>"
            ),
            template: "invitation",
            customer_id: None,
        },
    )
    .await
    .unwrap();
    // Queued: the Mail page shows it without the token already.
    let (status, body) = app
        .call(&staff.admin, "mail_body", json!({ "id": id }))
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(!body.to_string().contains(&token), "{body}");
    assert!(body.to_string().contains("token=redacted"), "{body}");
    // Sent: the recipient got the real link; the outbox keeps a copy without it.
    let t = transport(&settings).unwrap();
    assert_eq!(
        deliver_due(&app.pool, &settings, t.as_ref()).await.unwrap(),
        1
    );
    // (quoted-printable: long lines are soft-wrapped and '=' is written '=3D')
    let received = smtp.received.lock().unwrap()[0]
        .replace("=\r\n", "")
        .replace("=\n", "")
        .replace("=3D", "=");
    assert!(
        received.contains(&format!("/portal/accept?token={token}")),
        "{received}"
    );
    let (text, html): (String, String) =
        app::db::query_as("select body_text, body_html from email_outbox where email_id = $1")
            .bind(id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(
        !text.contains(&token) && !html.contains(&token),
        "{text} {html}"
    );
    assert!(
        text.contains("/portal/accept?token=redacted to begin."),
        "{text}"
    );
}

#[tokio::test]
async fn housekeeping_redacts_mails_sent_before_redaction_existed() {
    let app = spawn_app().await;
    let token = "a1".repeat(32);
    app::db::query(
        "insert into email_outbox (created_at, recipient, subject, body_text, body_html, template,
                                   status, attempts, next_attempt_at, sent_at)
         values ($1, 'old@example.com', 'Reset', $2, $3, 'reset', 'sent', 1, $1, $1)",
    )
    .bind(chrono::Utc::now())
    .bind(format!("https://x/portal/reset?token={token}"))
    .bind(format!(
        "<a href=\"https://x/portal/reset?token={token}\">Reset</a>"
    ))
    .execute(&app.pool)
    .await
    .unwrap();
    server::housekeeping(&app.pool, 30).await;
    let left: i64 = app
        .count(&format!(
            "select count(*) from email_outbox where body_text like '%{token}%' or body_html like '%{token}%'"
        ))
        .await;
    assert_eq!(left, 0);
}
