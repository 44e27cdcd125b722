//! The customer portal over the real router and a real SQLite file: invitations delivered by
//! SMTP with working links, single-use expiring tokens stored as hashes, resend, staff
//! password resets, forgot-password, customer sessions kept apart, and a customer who can
//! only ever touch their own record.

use crate::common::smtp::*;
use crate::common::*;
use app::db;
use app::mail::ssr::{deliver_due, transport, MailSettings};
use reqwest::header::{HeaderMap, SET_COOKIE};
use serde_json::json;

pub(crate) const CUSTOMER_PASSWORD: &str = "Tall-Window-Quiet-42";

/// `psid=...` of the portal session cookie being set.
fn portal_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .find(|kv| kv.starts_with("psid=") && kv.len() > 5)
        .map(str::to_string)
}

/// The token of a link in `text` (`…{path}?token=<hex>`).
fn token_in(text: &str, path: &str) -> String {
    let marker = format!("{path}?token=");
    let at = text
        .find(&marker)
        .unwrap_or_else(|| panic!("no {path} link in {text}"))
        + marker.len();
    text[at..]
        .chars()
        .take_while(|c| c.is_ascii_hexdigit())
        .collect()
}

impl TestApp {
    pub(crate) async fn add_customer(&self, staff: &str, email: &str, invite: bool) -> i64 {
        let (status, body) = self
            .call(
                staff,
                "create_customer",
                json!({ "input": customer_json(email), "invite": invite }),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body["customer_id"].as_i64().unwrap()
    }

    /// The newest mail of a template to a customer: (recipient, subject, text).
    async fn last_mail(&self, customer: i64, template: &str) -> (String, String, String) {
        db::query_as(
            "select recipient, subject, body_text from email_outbox
             where customer_id = $1 and template = $2 order by email_id desc limit 1",
        )
        .bind(customer)
        .bind(template)
        .fetch_one(&self.pool)
        .await
        .unwrap()
    }

    async fn mails(&self, customer: i64, template: &str) -> i64 {
        db::query_scalar(
            "select count(*) from email_outbox where customer_id = $1 and template = $2",
        )
        .bind(customer)
        .bind(template)
        .fetch_one(&self.pool)
        .await
        .unwrap()
    }

    /// Wait (up to 5 s) until `n` mails of a template exist for a customer.
    async fn wait_for_mails(&self, customer: i64, template: &str, n: i64) {
        for _ in 0..100 {
            if self.mails(customer, template).await >= n {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert_eq!(self.mails(customer, template).await, n);
    }

    async fn invite_token(&self, customer: i64) -> String {
        token_in(
            &self.last_mail(customer, "invitation").await.2,
            "/portal/accept",
        )
    }

    /// Post a link form (accept or reset); returns (status, Location, portal cookie).
    async fn use_link(
        &self,
        kind: &str,
        token: &str,
        password: &str,
    ) -> (u16, String, Option<String>) {
        let res = self
            .client
            .post(self.url(&format!("/portal/auth/{kind}")))
            .form(&[
                ("token", token),
                ("password", password),
                ("confirm", password),
            ])
            .send()
            .await
            .unwrap();
        (
            res.status().as_u16(),
            location(&res),
            portal_cookie(res.headers()),
        )
    }

    pub(crate) async fn portal_login(&self, email: &str, password: &str) -> Option<String> {
        let res = self
            .client
            .post(self.url("/portal/auth/login"))
            .form(&[("email", email), ("password", password)])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303);
        portal_cookie(res.headers())
    }

    /// Invite a customer and accept the invitation; returns (id, portal cookie).
    pub(crate) async fn active_customer(&self, staff: &str, email: &str) -> (i64, String) {
        let id = self.add_customer(staff, email, true).await;
        let token = self.invite_token(id).await;
        let (status, to, cookie) = self.use_link("accept", &token, CUSTOMER_PASSWORD).await;
        assert_eq!((status, to.as_str()), (303, "/portal?welcome=1"));
        (id, cookie.expect("signed in after accepting"))
    }

    async fn password_hash(&self, id: i64) -> Option<String> {
        db::query_scalar("select password_hash from portal_account where customer_id = $1")
            .bind(id)
            .fetch_one(&self.pool)
            .await
            .unwrap()
    }
}

#[tokio::test]
async fn an_invitation_is_delivered_over_smtp_and_its_link_lets_the_customer_in() {
    let app = spawn_app().await;
    let staff = app.staff_cookies().await;
    // The request's Host header must not leak into links: they come from the configuration.
    let res = app
        .client
        .post(app.url("/api/create_customer"))
        .header("cookie", &staff.sales)
        .header("host", "evil.example")
        .header("accept", "application/json")
        .json(&json!({ "input": customer_json("maria@example.com"), "invite": true }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let id = res.json::<serde_json::Value>().await.unwrap()["customer_id"]
        .as_i64()
        .unwrap();

    let smtp = FakeSmtp::start_on("127.0.0.1:0").await;
    let dir = tempfile::tempdir().unwrap();
    let settings = MailSettings {
        smtp_url: Some(format!("smtp://{}", smtp.addr).into()),
        from: "Customers <no-reply@example.com>".into(),
        ..MailSettings::embedded(dir.path().to_path_buf())
    };
    let t = transport(&settings).unwrap();
    assert_eq!(
        deliver_due(&app.pool, &settings, t.as_ref()).await.unwrap(),
        1
    );
    let mail = decode_qp(&smtp.received.lock().unwrap()[0]);
    assert!(mail.contains("To: maria@example.com"), "{mail}");
    assert!(
        mail.contains("http://app.test/portal/accept?token="),
        "{mail}"
    );
    assert!(!mail.contains("evil.example"), "{mail}");
    let token = token_in(&mail, "/portal/accept");
    assert_eq!(token.len(), 64, "256-bit token");

    // The link's page opens without any session, and says the link is good.
    let page = app
        .client
        .get(app.url(&format!("/portal/accept?token={token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    // The form works before the wasm loads: the token is in the served HTML.
    let html = page.text().await.unwrap();
    assert!(html.contains(&format!("value=\"{token}\"")), "{html}");
    let (_, ok) = app
        .call(
            "",
            "portal_link_status",
            json!({ "token": token, "purpose": "invite" }),
        )
        .await;
    assert_eq!(ok, json!(true));

    // A too-common password is refused and the link still works after that.
    let (_, to, cookie) = app.use_link("accept", &token, "password123").await;
    assert!(to.contains("error=common"), "{to}");
    assert!(cookie.is_none());
    let (_, to, cookie) = app.use_link("accept", &token, CUSTOMER_PASSWORD).await;
    assert_eq!(to, "/portal?welcome=1");
    let cookie = cookie.unwrap();

    let (status, me) = app.call(&cookie, "portal_me", json!({})).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["email"], "maria@example.com");
    assert_eq!(me["customer_id"], id);
    // Staff see the verified account and its last access.
    let (_, c) = app
        .call(&staff.support, "get_customer", json!({ "id": id }))
        .await;
    assert_eq!(c["portal_state"], "active");
    assert_eq!(c["portal_verified"], true);
    assert!(c["last_access_at"].is_string(), "{c}");
    let (_, info) = app
        .call(&staff.support, "portal_info", json!({ "id": id }))
        .await;
    assert!(info["verified_at"].is_string());
    assert_eq!(info["active_sessions"], 1);
    let actions: Vec<String> = info["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["action"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(actions, ["portal_verify", "portal_invite"]);
    // Signing in with the chosen password works too.
    assert!(app
        .portal_login("MARIA@example.com", CUSTOMER_PASSWORD)
        .await
        .is_some());
}

#[tokio::test]
async fn links_work_once_expire_and_die_when_a_newer_one_is_sent() {
    let app = spawn_app().await;
    let staff = app.staff_cookies().await;
    let id = app
        .add_customer(&staff.admin, "ben@example.com", true)
        .await;
    let first = app.invite_token(id).await;

    // Only the SHA-256 of a token is stored.
    let stored: Vec<String> =
        db::query_scalar("select token_hash from portal_token where customer_id = $1")
            .bind(id)
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(stored, vec![app::auth::ssr::hash_token(&first)]);
    assert_eq!(
        app.count(&format!(
            "select count(*) from portal_token where token_hash like '%{first}%'"
        ))
        .await,
        0
    );

    // A resend right away is rate-limited; a minute later it works and the old link dies.
    let (status, body) = app
        .call(&staff.admin, "send_portal_invitation", json!({ "id": id }))
        .await;
    assert_eq!(status, 429, "{body}");
    db::query("update portal_account set last_link_sent_at = $1")
        .bind(chrono::Utc::now() - chrono::Duration::minutes(2))
        .execute(&app.pool)
        .await
        .unwrap();
    let (status, body) = app
        .call(&staff.sales, "send_portal_invitation", json!({ "id": id }))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(app.mails(id, "invitation").await, 2);
    let second = app.invite_token(id).await;
    assert_ne!(first, second);
    let (_, to, cookie) = app.use_link("accept", &first, CUSTOMER_PASSWORD).await;
    assert!(to.contains("error=link") && cookie.is_none(), "{to}");
    assert_eq!(app.password_hash(id).await, None);

    // The newer link works once.
    let (_, to, _) = app.use_link("accept", &second, CUSTOMER_PASSWORD).await;
    assert_eq!(to, "/portal?welcome=1");
    let hash = app.password_hash(id).await;
    let (_, to, cookie) = app
        .use_link("accept", &second, "Another-Good-Pass-77")
        .await;
    assert!(to.contains("error=link") && cookie.is_none(), "{to}");
    assert_eq!(app.password_hash(id).await, hash, "reuse changed nothing");

    // Once verified there is nothing to resend.
    let (status, _) = app
        .call(&staff.admin, "send_portal_invitation", json!({ "id": id }))
        .await;
    assert_eq!(status, 409);

    // An expired link is refused.
    let other = app
        .add_customer(&staff.admin, "cleo@example.com", true)
        .await;
    let token = app.invite_token(other).await;
    db::query("update portal_token set expires_at = $1")
        .bind(chrono::Utc::now() - chrono::Duration::minutes(1))
        .execute(&app.pool)
        .await
        .unwrap();
    let (_, ok) = app
        .call(
            "",
            "portal_link_status",
            json!({ "token": token, "purpose": "invite" }),
        )
        .await;
    assert_eq!(ok, json!(false));
    let (_, to, cookie) = app.use_link("accept", &token, CUSTOMER_PASSWORD).await;
    assert!(to.contains("error=link") && cookie.is_none(), "{to}");
    // An invitation token is no reset token.
    let (_, to, _) = app.use_link("reset", &second, CUSTOMER_PASSWORD).await;
    assert!(to.contains("error=link"), "{to}");
}

#[tokio::test]
async fn staff_reset_a_password_and_the_notification_never_contains_it() {
    let app = spawn_app().await;
    let staff = app.staff_cookies().await;
    let (id, old_session) = app.active_customer(&staff.admin, "dina@example.com").await;
    let new_password = "Quiet-River-Stone-93";
    let reset = |password: &str, notify: bool| json!({ "id": id, "reset": { "mode": "set", "password": password, "notify": notify } });

    // View-only roles may not; nothing changes.
    let before = app.password_hash(id).await;
    for cookie in [&staff.support, &staff.accounting] {
        let (status, _) = app
            .call(cookie, "reset_customer_password", reset(new_password, true))
            .await;
        assert_eq!(status, 403);
    }
    let (status, _) = app
        .call("", "reset_customer_password", reset(new_password, true))
        .await;
    assert_eq!(status, 401);
    // Policy: too short, too common.
    for weak in ["short", "password1", "dina12345"] {
        let (status, body) = app
            .call(&staff.sales, "reset_customer_password", reset(weak, true))
            .await;
        assert_eq!(status, 422, "{weak}: {body}");
        assert!(body["detail"]["password"].is_string(), "{body}");
    }
    assert_eq!(app.password_hash(id).await, before);
    assert_eq!(app.mails(id, "password_changed").await, 0);

    let (status, body) = app
        .call(
            &staff.sales,
            "reset_customer_password",
            reset(new_password, true),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (to, subject, text) = app.last_mail(id, "password_changed").await;
    assert_eq!(to, "dina@example.com");
    assert!(subject.contains("password was changed"), "{subject}");
    assert!(!text.contains(new_password));
    let html: String =
        db::query_scalar("select body_html from email_outbox where template = 'password_changed'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(!html.contains(new_password));
    // The old session ended; the old password no longer works; the new one does.
    let (status, _) = app.call(&old_session, "portal_me", json!({})).await;
    assert_eq!(status, 401);
    assert!(app
        .portal_login("dina@example.com", CUSTOMER_PASSWORD)
        .await
        .is_none());
    assert!(app
        .portal_login("dina@example.com", new_password)
        .await
        .is_some());
    // A password set by staff kills an open invitation, and there is nothing to resend.
    let invited = app
        .add_customer(&staff.admin, "ivo@example.com", true)
        .await;
    let token = app.invite_token(invited).await;
    let (status, _) = app
        .call(
            &staff.sales,
            "reset_customer_password",
            json!({ "id": invited, "reset": { "mode": "set", "password": "Quiet-River-Stone-94", "notify": false } }),
        )
        .await;
    assert_eq!(status, 200);
    let (_, to, _) = app.use_link("accept", &token, CUSTOMER_PASSWORD).await;
    assert!(to.contains("error=link"), "{to}");
    let (status, _) = app
        .call(
            &staff.admin,
            "send_portal_invitation",
            json!({ "id": invited }),
        )
        .await;
    assert_eq!(status, 409);
    let (_, info) = app
        .call(&staff.admin, "portal_info", json!({ "id": invited }))
        .await;
    assert_eq!(info["state"], "active");
    assert_eq!(info["invite_expired"], false);
    // Without "notify" no mail goes out.
    app.call(
        &staff.sales,
        "reset_customer_password",
        reset("Green-Lamp-Orbit-58", false),
    )
    .await;
    assert_eq!(app.mails(id, "password_changed").await, 1);
    // Audited, without the password.
    let changes: String = db::query_scalar(
        "select changes from audit_event where action = 'portal_password_reset' limit 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(!changes.contains(new_password));
}

#[tokio::test]
async fn reset_links_from_staff_or_forgot_password_work_once_for_an_hour() {
    let app = spawn_app().await;
    let staff = app.staff_cookies().await;
    let (id, _) = app.active_customer(&staff.admin, "emil@example.com").await;
    // The invitation went out just now: one link mail a minute per customer.
    let (status, _) = app
        .call(
            &staff.admin,
            "reset_customer_password",
            json!({ "id": id, "reset": { "mode": "email_link" } }),
        )
        .await;
    assert_eq!(status, 429);
    db::query("update portal_account set last_link_sent_at = null")
        .execute(&app.pool)
        .await
        .unwrap();

    let (status, _) = app
        .call(
            &staff.admin,
            "reset_customer_password",
            json!({ "id": id, "reset": { "mode": "email_link" } }),
        )
        .await;
    assert_eq!(status, 200);
    let token = token_in(
        &app.last_mail(id, "password_reset").await.2,
        "/portal/reset",
    );
    let expires: chrono::DateTime<chrono::Utc> =
        db::query_scalar("select expires_at from portal_token where purpose = 'reset'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let left = expires.signed_duration_since(chrono::Utc::now());
    assert!(left <= chrono::Duration::minutes(60) && left > chrono::Duration::minutes(58));
    let (_, to, cookie) = app.use_link("reset", &token, "Brave-Otter-Mirror-61").await;
    assert_eq!(to, "/portal?welcome=1");
    assert!(cookie.is_some());
    let (_, to, _) = app.use_link("reset", &token, "Brave-Otter-Mirror-62").await;
    assert!(to.contains("error=link"));

    // Forgot password answers the same for known and unknown addresses (and at once: the
    // mail follows in the background).
    let forgot = |email: &'static str| {
        let app = &app;
        async move {
            let res = app
                .client
                .post(app.url("/portal/auth/forgot"))
                .form(&[("email", email)])
                .send()
                .await
                .unwrap();
            (res.status().as_u16(), location(&res))
        }
    };
    db::query("delete from portal_token")
        .execute(&app.pool)
        .await
        .unwrap();
    // The staff link above was under a minute ago: the cooldown counts tokens, now gone.
    db::query("update portal_account set last_link_sent_at = null")
        .execute(&app.pool)
        .await
        .unwrap();
    let known = forgot("Emil@Example.com").await;
    let unknown = forgot("nobody@example.com").await;
    assert_eq!(known, unknown);
    assert_eq!(known, (303, "/portal/forgot?sent=1".to_string()));
    app.wait_for_mails(id, "password_reset", 2).await;
    // Throttled per address and IP: five requests in the window, then nothing is sent.
    for n in 3..=6 {
        db::query("update portal_account set last_link_sent_at = null")
            .execute(&app.pool)
            .await
            .unwrap();
        forgot("emil@example.com").await;
        app.wait_for_mails(id, "password_reset", n).await;
    }
    db::query("update portal_account set last_link_sent_at = null")
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(forgot("emil@example.com").await, known, "the same answer");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(app.mails(id, "password_reset").await, 6);
    // A customer never invited gets no link.
    let quiet = app
        .add_customer(&staff.admin, "never@example.com", false)
        .await;
    app.call(
        &staff.admin,
        "set_portal_features",
        json!({ "id": quiet, "features": { "edit_details": false, "change_password": true } }),
    )
    .await;
    forgot("never@example.com").await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(app.mails(quiet, "password_reset").await, 0);
    assert_eq!(
        app.count("select count(*) from email_outbox where recipient = 'nobody@example.com'")
            .await,
        0
    );
}

#[tokio::test]
async fn a_customer_only_ever_reads_and_changes_their_own_record() {
    let app = spawn_app().await;
    let staff = app.staff_cookies().await;
    let (a, a_cookie) = app.active_customer(&staff.admin, "ana@example.com").await;
    let (b, _) = app.active_customer(&staff.admin, "bob@example.com").await;
    let b_before = app
        .call(&staff.admin, "get_customer", json!({ "id": b }))
        .await
        .1;

    // Whatever id is sent, the session decides.
    let (_, me) = app
        .call(&a_cookie, "portal_me", json!({ "customer_id": b, "id": b }))
        .await;
    assert_eq!(me["customer_id"], a);
    let (status, body) = app
        .call(
            &a_cookie,
            "portal_update_details",
            json!({
                "version": b_before["version"], "customer_id": b, "id": b,
                "input": { "phone": "+63 917 555 0101", "street": "1 New St", "city": "Cebu",
                           "state": "", "zip": "6000", "country": "PH" }
            }),
        )
        .await;
    // A's own version differs from B's only by chance; either way B is untouched.
    assert!(status == 200 || status == 409, "{status} {body}");
    let b_after = app
        .call(&staff.admin, "get_customer", json!({ "id": b }))
        .await
        .1;
    assert_eq!(b_before, b_after);

    // A customer's session opens no staff function, and a staff session no portal one.
    for (name, args) in [
        ("get_customer", json!({ "id": b })),
        ("portal_info", json!({ "id": b })),
        (
            "reset_customer_password",
            json!({ "id": b, "reset": { "mode": "email_link" } }),
        ),
    ] {
        let (status, _) = app.call(&a_cookie, name, args).await;
        assert_eq!(status, 401, "{name}");
    }
    let (status, _) = app.call(&staff.admin, "portal_me", json!({})).await;
    assert_eq!(status, 401);
    // Staff pages send a customer to the staff sign-in.
    let res = app
        .client
        .get(app.url("/customers"))
        .header("cookie", &a_cookie)
        .send()
        .await
        .unwrap();
    assert!(location(&res).starts_with("/login"));
}

#[tokio::test]
async fn customers_edit_their_details_and_password_when_allowed() {
    let app = spawn_app().await;
    let staff = app.staff_cookies().await;
    let (id, cookie) = app.active_customer(&staff.admin, "fay@example.com").await;
    let (_, me) = app.call(&cookie, "portal_me", json!({})).await;
    let details = |phone: &str| {
        json!({ "version": me["version"], "input": {
            "phone": phone, "street": "5 Mango Rd", "city": "Davao", "state": "", "zip": "8000", "country": "PH" } })
    };
    let (status, body) = app
        .call(&cookie, "portal_update_details", details("not a phone"))
        .await;
    assert_eq!(status, 422);
    assert!(body["detail"]["phone"].is_string(), "{body}");
    let (status, body) = app
        .call(&cookie, "portal_update_details", details("+63 82 555 0199"))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["city"], "Davao");
    let (actor_role, changes): (String, String) =
        db::query_as("select actor_role, changes from audit_event where action = 'portal_update'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(actor_role, "customer");
    assert!(changes.contains("Davao"));
    // A stale version is a conflict.
    let (status, _) = app
        .call(&cookie, "portal_update_details", details("+63 82 555 0100"))
        .await;
    assert_eq!(status, 409);

    // Change password: wrong current refused; right one works and ends other sessions.
    let other = app
        .portal_login("fay@example.com", CUSTOMER_PASSWORD)
        .await
        .unwrap();
    let (status, body) = app
        .call(
            &cookie,
            "portal_change_password",
            json!({ "current": "wrong-password", "new": "Silver-Kite-Harbor-14" }),
        )
        .await;
    assert_eq!(status, 422);
    assert!(body["detail"]["current"].is_string());
    let (status, _) = app
        .call(
            &cookie,
            "portal_change_password",
            json!({ "current": CUSTOMER_PASSWORD, "new": "Silver-Kite-Harbor-14" }),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(app.call(&other, "portal_me", json!({})).await.0, 401);
    assert_eq!(app.call(&cookie, "portal_me", json!({})).await.0, 200);
    assert_eq!(app.mails(id, "password_changed").await, 1);

    // Staff switch both features off: both are refused.
    let (status, _) = app
        .call(
            &staff.sales,
            "set_portal_features",
            json!({ "id": id, "features": { "edit_details": false, "change_password": false } }),
        )
        .await;
    assert_eq!(status, 200);
    let (_, me) = app.call(&cookie, "portal_me", json!({})).await;
    let (status, _) = app
        .call(
            &cookie,
            "portal_update_details",
            json!({ "version": me["version"], "input": {} }),
        )
        .await;
    assert_eq!(status, 403);
    let (status, _) = app
        .call(
            &cookie,
            "portal_change_password",
            json!({ "current": "Silver-Kite-Harbor-14", "new": "Another-Kite-Harbor-15" }),
        )
        .await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn disabling_access_ends_sessions_and_deleted_customers_cannot_sign_in() {
    let app = spawn_app().await;
    let staff = app.staff_cookies().await;
    let (id, cookie) = app.active_customer(&staff.admin, "gus@example.com").await;
    let (status, _) = app
        .call(
            &staff.support,
            "set_portal_access",
            json!({ "id": id, "enabled": false }),
        )
        .await;
    assert_eq!(status, 403);
    let (status, info) = app
        .call(
            &staff.sales,
            "set_portal_access",
            json!({ "id": id, "enabled": false }),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(info["state"], "disabled");
    assert_eq!(app.call(&cookie, "portal_me", json!({})).await.0, 401);
    assert!(app
        .portal_login("gus@example.com", CUSTOMER_PASSWORD)
        .await
        .is_none());
    app.call(
        &staff.sales,
        "set_portal_access",
        json!({ "id": id, "enabled": true }),
    )
    .await;
    let cookie = app
        .portal_login("gus@example.com", CUSTOMER_PASSWORD)
        .await
        .expect("enabled again");

    let (status, _) = app
        .call(&staff.sales, "delete_customer", json!({ "id": id }))
        .await;
    assert_eq!(status, 200);
    assert_eq!(app.call(&cookie, "portal_me", json!({})).await.0, 401);
    assert!(app
        .portal_login("gus@example.com", CUSTOMER_PASSWORD)
        .await
        .is_none());
    // A restore does not bring the old session back.
    assert_eq!(
        app.count("select count(*) from portal_session").await,
        0,
        "sessions end with the delete"
    );
    app.call(&staff.sales, "restore_customer", json!({ "id": id }))
        .await;
    assert_eq!(app.call(&cookie, "portal_me", json!({})).await.0, 401);
    // Portal pages need a customer session.
    let res = app.client.get(app.url("/portal")).send().await.unwrap();
    assert_eq!(location(&res), "/portal/login");
}

#[tokio::test]
async fn inactive_keeps_the_portal_closed_until_active_again() {
    let app = spawn_app().await;
    let staff = app.staff_cookies().await;
    let (id, cookie) = app.active_customer(&staff.admin, "ina@example.com").await;
    let (other, other_cookie) = app.active_customer(&staff.admin, "otto@example.com").await;
    let set = |id: i64, status: &'static str| {
        app.call(
            &staff.sales,
            "set_customer_status",
            json!({ "id": id, "status": status }),
        )
    };
    // A reset link sent while Active, used later (the invitation's minute of quiet over).
    db::query("update portal_account set last_link_sent_at = null")
        .execute(&app.pool)
        .await
        .unwrap();
    let (status, _) = app
        .call(
            &staff.sales,
            "reset_customer_password",
            json!({ "id": id, "reset": { "mode": "email_link" } }),
        )
        .await;
    assert_eq!(status, 200);
    let reset = token_in(
        &app.last_mail(id, "password_reset").await.2,
        "/portal/reset",
    );

    // Inactive: the session ends at once, sign-in and links say why, nothing is sent.
    assert_eq!(set(id, "inactive").await.0, 200);
    assert_eq!(
        app.count(&format!(
            "select count(*) from portal_session where customer_id = {id}"
        ))
        .await,
        0
    );
    assert_eq!(app.call(&cookie, "portal_me", json!({})).await.0, 401);
    let (_, info) = app
        .call(&staff.support, "portal_info", json!({ "id": id }))
        .await;
    assert_eq!(info["customer_inactive"], true);
    assert_eq!(info["active_sessions"], 0);
    let res = app
        .client
        .post(app.url("/portal/auth/login"))
        .form(&[
            ("email", "ina@example.com"),
            ("password", CUSTOMER_PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&res), "/portal/login?error=inactive");
    assert!(portal_cookie(res.headers()).is_none());
    // A wrong password learns nothing about the status.
    let res = app
        .client
        .post(app.url("/portal/auth/login"))
        .form(&[
            ("email", "ina@example.com"),
            ("password", "not-the-password"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&res), "/portal/login?error=invalid");
    let (status, to, session) = app.use_link("reset", &reset, "A-New-Password-42").await;
    assert_eq!(status, 303);
    assert!(to.ends_with("&error=inactive"), "{to}");
    assert!(session.is_none());
    let (status, body) = app
        .call(
            &staff.sales,
            "reset_customer_password",
            json!({ "id": id, "reset": { "mode": "email_link" } }),
        )
        .await;
    assert_eq!(status, 409, "{body}");
    assert!(body.to_string().contains("Inactive"), "{body}");
    let page = app
        .client
        .get(app.url("/portal/login?error=inactive"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Your customer account is inactive"), "{page}");

    // The bulk action closes the portal too.
    let (status, _) = app
        .call(
            &staff.sales,
            "bulk_update_customers",
            json!({ "target": { "kind": "ids", "ids": [other] },
                    "action": { "kind": "set_status", "status": "inactive" } }),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(app.call(&other_cookie, "portal_me", json!({})).await.0, 401);

    // Active again: the password and the unused link work as before.
    assert_eq!(set(id, "active").await.0, 200);
    assert!(app
        .portal_login("ina@example.com", CUSTOMER_PASSWORD)
        .await
        .is_some());
    let (status, to, session) = app.use_link("reset", &reset, "A-New-Password-42").await;
    assert_eq!(status, 303);
    assert!(to.starts_with("/portal"), "the link was kept: {to}");
    assert!(session.is_some());
}

#[tokio::test]
async fn invitations_only_when_asked_and_each_portal_action_is_audited() {
    let app = spawn_app().await;
    let staff = app.staff_cookies().await;
    let quiet = app
        .add_customer(&staff.admin, "hal@example.com", false)
        .await;
    assert_eq!(app.mails(quiet, "invitation").await, 0);
    let (_, c) = app
        .call(&staff.admin, "get_customer", json!({ "id": quiet }))
        .await;
    assert_eq!(c["portal_state"], "none");
    // A failed sign-in is recorded against the customer.
    let (id, _) = app.active_customer(&staff.admin, "ivy@example.com").await;
    assert!(app
        .portal_login("ivy@example.com", "nope-nope")
        .await
        .is_none());
    let actions: Vec<String> = db::query_scalar(
        "select action from audit_event where entity_id = $1 and action like 'portal%' order by audit_event_id",
    )
    .bind(id)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        actions,
        ["portal_invite", "portal_verify", "portal_login_failed"]
    );
    // So is one for an address nobody has.
    assert!(app
        .portal_login("ghost@example.com", "whatever-1")
        .await
        .is_none());
    assert_eq!(
        app.count("select count(*) from audit_event where entity = 'portal' and action = 'portal_login_failed' and changes like '%ghost@example.com%'")
            .await,
        1
    );
    // Changing the e-mail kills links sent to the old address.
    let other = app
        .add_customer(&staff.admin, "jay@example.com", true)
        .await;
    let token = app.invite_token(other).await;
    let (_, current) = app
        .call(&staff.admin, "get_customer", json!({ "id": other }))
        .await;
    let (status, _) = app
        .call(
            &staff.admin,
            "update_customer",
            json!({ "id": other, "version": current["version"], "input": customer_json("jay.new@example.com") }),
        )
        .await;
    assert_eq!(status, 200);
    let (_, to, _) = app.use_link("accept", &token, CUSTOMER_PASSWORD).await;
    assert!(to.contains("error=link"), "{to}");
}

#[tokio::test]
async fn customer_sessions_expire_when_idle_and_at_their_absolute_limit() {
    let app = spawn_app().await;
    let staff = app.staff_cookies().await;
    let (_, cookie) = app.active_customer(&staff.admin, "kim@example.com").await;
    assert_eq!(app.call(&cookie, "portal_me", json!({})).await.0, 200);
    // Idle for longer than the idle timeout (1 h in the test app).
    db::query("update portal_session set last_seen_at = $1")
        .bind(chrono::Utc::now() - chrono::Duration::hours(2))
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(
        app.call(&cookie, "portal_me", json!({})).await.0,
        401,
        "idle"
    );
    assert_eq!(app.count("select count(*) from portal_session").await, 0);

    // Past the absolute limit, however active.
    let cookie = app
        .portal_login("kim@example.com", CUSTOMER_PASSWORD)
        .await
        .unwrap();
    db::query("update portal_session set expires_at = $1")
        .bind(chrono::Utc::now() - chrono::Duration::minutes(1))
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(
        app.call(&cookie, "portal_me", json!({})).await.0,
        401,
        "absolute"
    );

    // Sign-out deletes the session server-side and clears the cookie.
    let cookie = app
        .portal_login("kim@example.com", CUSTOMER_PASSWORD)
        .await
        .unwrap();
    let res = app
        .client
        .post(app.url("/portal/auth/logout"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert!(res.headers().get_all(SET_COOKIE).iter().any(|v| {
        let v = v.to_str().unwrap();
        v.starts_with("psid=;") && v.contains("Max-Age=0") && v.contains("HttpOnly")
    }));
    assert_eq!(app.count("select count(*) from portal_session").await, 0);
    assert_eq!(app.call(&cookie, "portal_me", json!({})).await.0, 401);
}

#[tokio::test]
async fn a_customers_own_edit_goes_through_the_customer_store() {
    // Same write path as staff edits: a new version (an edit form opened earlier gets a
    // Conflict), no staff editor, and the event carries the client IP.
    let app = spawn_app().await;
    let staff = app.staff_cookies().await;
    let (id, cookie) = app.active_customer(&staff.admin, "gil@example.com").await;
    let before = app
        .call(&staff.admin, "get_customer", json!({ "id": id }))
        .await
        .1;
    let (_, me) = app.call(&cookie, "portal_me", json!({})).await;
    let (status, body) = app
        .call(
            &cookie,
            "portal_update_details",
            json!({ "version": me["version"], "input": {
                "phone": "+63 82 555 0199", "street": "5 Mango Rd", "city": "Davao",
                "state": "", "zip": "8000", "country": "PH" } }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let after = app
        .call(&staff.admin, "get_customer", json!({ "id": id }))
        .await
        .1;
    assert_eq!(after["version"], before["version"].as_i64().unwrap() + 1);
    assert!(after["updated_by_name"].is_null(), "{after}");
    let ip: Option<String> = db::query_scalar(
        "select ip from audit_event where action = 'portal_update' and entity_id = $1",
    )
    .bind(id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(ip.as_deref(), Some("127.0.0.1"));
    // The staff member's form from before the customer's edit is now stale.
    let mut input = customer_json("gil@example.com");
    input["first_name"] = json!("Gilbert");
    let (status, _) = app
        .call(
            &staff.sales,
            "update_customer",
            json!({ "id": id, "version": before["version"], "input": input }),
        )
        .await;
    assert_eq!(status, 409);
}
