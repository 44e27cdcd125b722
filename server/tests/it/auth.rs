//! Staff login, sessions, throttling, CSRF and error hygiene, against a real app and a
//! real SQLite file.

use crate::common::*;
use app::auth::Role;
use app::db;

#[tokio::test]
async fn login_sets_a_hardened_cookie_and_stores_only_its_hash() {
    let app = spawn_app().await;
    app.add_staff("ana@example.com", Role::Sales).await;
    let res = app.login_form("Ana@Example.com ", PASSWORD).await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/customers");
    let raw = res
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        raw.contains("HttpOnly") && raw.contains("SameSite=Lax") && raw.contains("Path=/"),
        "{raw}"
    );
    assert!(
        !raw.contains("Secure"),
        "not secure over plain http by default"
    );
    let cookie = session_cookie(res.headers()).unwrap();
    let token = cookie.trim_start_matches("sid=");
    assert!(token.len() >= 32, "at least 128 bits");

    let stored: Vec<String> = db::query_scalar("select session_hash from staff_session")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert_eq!(stored, vec![app::auth::ssr::hash_token(token)]);
    assert_ne!(stored[0], token);

    let me = app.current_user(&cookie).await;
    assert_eq!(me["email"], "ana@example.com");
    assert_eq!(me["role"], "sales");
    assert!(me.get("password_hash").is_none());
}

#[tokio::test]
async fn secure_flag_when_configured() {
    let app = spawn_app_with(|a| a.cookie_secure = true).await;
    app.add_staff("s@example.com", Role::Admin).await;
    let res = app.login_form("s@example.com", PASSWORD).await;
    let raw = res.headers().get("set-cookie").unwrap().to_str().unwrap();
    assert!(
        raw.starts_with("__Host-sid=") && raw.contains("; Secure"),
        "{raw}"
    );
}

#[tokio::test]
async fn wrong_password_and_unknown_email_look_the_same() {
    let app = spawn_app().await;
    app.add_staff("bo@example.com", Role::Admin).await;
    let wrong = app.login_form("bo@example.com", "nope-nope").await;
    let unknown = app.login_form("nobody@example.com", "nope-nope").await;
    assert_eq!(wrong.status(), 303);
    assert_eq!(location(&wrong), location(&unknown));
    assert!(location(&wrong).starts_with("/login?error=invalid"));
    assert!(session_cookie(wrong.headers()).is_none());

    for email in ["bo@example.com", "nobody@example.com"] {
        let res = app
            .client
            .post(app.url("/auth/login"))
            .header("accept", "application/json")
            .form(&[("email", email), ("password", "nope-nope")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401);
        assert_eq!(
            res.text().await.unwrap(),
            r#"{"error":"Incorrect e-mail or password."}"#
        );
    }
}

#[tokio::test]
async fn unknown_email_still_pays_for_a_hash() {
    // Not a benchmark: only that the unknown-user path runs argon2 too (a miss that returned
    // at once would be ~100x faster than a verify).
    let app = spawn_app().await;
    app.add_staff("t@example.com", Role::Admin).await;
    let time = |email: &'static str| {
        let app = &app;
        async move {
            let start = std::time::Instant::now();
            app.login_form(email, "wrong-password").await;
            start.elapsed()
        }
    };
    time("t@example.com").await; // warm the dummy hash
    let known = time("t@example.com").await;
    let unknown = time("u@example.com").await;
    assert!(
        unknown * 4 > known,
        "unknown {unknown:?} vs known {known:?}"
    );
}

#[tokio::test]
async fn pages_redirect_to_login_and_back() {
    let app = spawn_app().await;
    let res = app.client.get(app.url("/")).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/login?next=%2F");
    let res = app
        .client
        .get(app.url("/customers?q=ab"))
        .send()
        .await
        .unwrap();
    assert_eq!(location(&res), "/login?next=%2Fcustomers%3Fq%3Dab");

    app.add_staff("c@example.com", Role::Support).await;
    let res = app
        .client
        .post(app.url("/auth/login"))
        .form(&[
            ("email", "c@example.com"),
            ("password", PASSWORD),
            ("next", "/customers?q=ab"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&res), "/customers?q=ab");
    let cookie = session_cookie(res.headers()).unwrap();

    let page = app
        .client
        .get(app.url("/customers"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("Customers") && html.contains("Test Person"),
        "{html}"
    );

    // Signed in, the login page and / move on.
    let res = app
        .client
        .get(app.url("/login?next=%2Fcustomers"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(location(&res), "/customers");
    let res = app
        .client
        .get(app.url("/"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(location(&res), "/customers");
}

#[tokio::test]
async fn open_redirects_are_refused() {
    let app = spawn_app().await;
    app.add_staff("d@example.com", Role::Admin).await;
    let res = app
        .client
        .post(app.url("/auth/login"))
        .form(&[
            ("email", "d@example.com"),
            ("password", PASSWORD),
            ("next", "//evil.example/x"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&res), "/customers");
}

#[tokio::test]
async fn idle_and_absolute_expiry_end_the_session() {
    let app = spawn_app().await;
    app.add_staff("e@example.com", Role::Admin).await;

    let cookie = app.login("e@example.com").await;
    assert!(app.current_user(&cookie).await.is_object());
    let three_hours_ago = chrono::Utc::now() - chrono::Duration::hours(3);
    db::query("update staff_session set last_seen_at = $1")
        .bind(three_hours_ago)
        .execute(&app.pool)
        .await
        .unwrap();
    assert!(
        app.current_user(&cookie).await.is_null(),
        "idle timeout (1h) passed"
    );
    let left: i64 = db::query_scalar("select count(*) from staff_session")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(left, 0, "expired session deleted");

    let cookie = app.login("e@example.com").await;
    db::query("update staff_session set expires_at = $1")
        .bind(chrono::Utc::now() - chrono::Duration::seconds(1))
        .execute(&app.pool)
        .await
        .unwrap();
    let res = app
        .client
        .get(app.url("/customers"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert!(location(&res).starts_with("/login?error=expired&next="));
    let cleared = res.headers().get("set-cookie").unwrap().to_str().unwrap();
    assert!(cleared.starts_with("sid=;") && cleared.contains("Max-Age=0"));
}

#[tokio::test]
async fn deactivated_user_loses_the_session() {
    let app = spawn_app().await;
    let id = app.add_staff("f@example.com", Role::Sales).await;
    let cookie = app.login("f@example.com").await;
    db::query("update staff_user set active = false where staff_user_id = $1")
        .bind(id)
        .execute(&app.pool)
        .await
        .unwrap();
    assert!(app.current_user(&cookie).await.is_null());
    let res = app.login_form("f@example.com", PASSWORD).await;
    assert!(location(&res).starts_with("/login?error=invalid"));
}

#[tokio::test]
async fn logout_deletes_the_session_server_side() {
    let app = spawn_app().await;
    app.add_staff("g@example.com", Role::Admin).await;
    let cookie = app.login("g@example.com").await;
    let res = app
        .client
        .post(app.url("/auth/logout"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/login");
    assert!(res
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .contains("Max-Age=0"));
    let left: i64 = db::query_scalar("select count(*) from staff_session")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(left, 0);
    // The old cookie, replayed, is worth nothing.
    assert!(app.current_user(&cookie).await.is_null());
}

#[tokio::test]
async fn login_issues_a_new_session_id() {
    let app = spawn_app().await;
    app.add_staff("h@example.com", Role::Admin).await;
    let first = app.login("h@example.com").await;
    let res = app
        .client
        .post(app.url("/auth/login"))
        .header("cookie", &first)
        .form(&[("email", "h@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    let second = session_cookie(res.headers()).unwrap();
    assert_ne!(first, second);
    assert!(
        app.current_user(&first).await.is_null(),
        "the pre-login session is gone"
    );
    assert!(app.current_user(&second).await.is_object());
}

#[tokio::test]
async fn repeated_failures_are_throttled_per_account_and_ip() {
    let app = spawn_app().await;
    app.add_staff("i@example.com", Role::Admin).await;
    app.add_staff("j@example.com", Role::Admin).await;
    for _ in 0..app::auth::ssr::THROTTLE_FREE_FAILURES {
        let res = app.login_form("i@example.com", "bad-password").await;
        assert_eq!(res.status(), 303);
    }
    // Now even the right password waits.
    let res = app.login_form("i@example.com", PASSWORD).await;
    assert_eq!(res.status(), 429);
    let retry: u64 = res
        .headers()
        .get("retry-after")
        .unwrap()
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    assert!(session_cookie(res.headers()).is_none());
    let res = app
        .client
        .post(app.url("/auth/login"))
        .header("accept", "application/json")
        .form(&[("email", "i@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["kind"], "TooManyRequests");

    // Another account from the same IP is unaffected.
    let res = app.login_form("j@example.com", PASSWORD).await;
    assert_eq!(location(&res), "/customers");

    // When the block has passed, a success clears the account + IP record (the IP's and the
    // account's own counts, which span other IPs and accounts, only take the attempt back).
    db::query("update login_throttle set blocked_until = $1")
        .bind(chrono::Utc::now() - chrono::Duration::seconds(1))
        .execute(&app.pool)
        .await
        .unwrap();
    let res = app.login_form("i@example.com", PASSWORD).await;
    assert_eq!(location(&res), "/customers");
    let pair = &app::auth::throttle::sign_in_limits("", "i@example.com", "127.0.0.1")[0].key;
    let rows: i64 = db::query_scalar("select count(*) from login_throttle where throttle_key = $1")
        .bind(pair)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(rows, 0);
}

#[tokio::test]
async fn cross_origin_state_changes_are_refused() {
    let app = spawn_app().await;
    app.add_staff("k@example.com", Role::Admin).await;
    let cookie = app.login("k@example.com").await;

    let res = app
        .client
        .post(app.url("/auth/login"))
        .header("origin", "http://evil.example")
        .form(&[("email", "k@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert!(session_cookie(res.headers()).is_none());

    let res = app
        .client
        .post(app.url("/auth/logout"))
        .header("cookie", &cookie)
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert!(
        app.current_user(&cookie).await.is_object(),
        "logout CSRF changed nothing"
    );

    let res = app
        .client
        .post(app.url("/api/current_user"))
        .header("cookie", &cookie)
        .header("sec-fetch-site", "same-site")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["kind"], "Forbidden");

    // Same origin (by configured public origin or by Host) passes.
    for origin in ["http://app.test".to_string(), app.base.clone()] {
        let res = app
            .client
            .post(app.url("/api/current_user"))
            .header("cookie", &cookie)
            .header("origin", origin)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
    }
    let res = app
        .client
        .post(app.url("/api/current_user"))
        .header("cookie", &cookie)
        .header("sec-fetch-site", "same-origin")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn database_errors_reach_the_client_only_as_a_generic_message() {
    let app = spawn_app().await;
    app.add_staff("l@example.com", Role::Admin).await;
    let cookie = app.login("l@example.com").await;
    db::query("drop table staff_session")
        .execute(&app.pool)
        .await
        .unwrap();
    db::query("drop table login_throttle")
        .execute(&app.pool)
        .await
        .unwrap();

    let res = app
        .client
        .post(app.url("/api/current_user"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 500);
    let body = res.text().await.unwrap();
    assert_eq!(body, r#"{"kind":"Internal"}"#);

    let res = app
        .client
        .get(app.url("/customers"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 500);
    let body = res.text().await.unwrap();
    assert!(
        !body.to_lowercase().contains("no such table") && !body.contains("sqlite"),
        "{body}"
    );
    assert!(body.contains("Something went wrong"));

    let res = app
        .client
        .post(app.url("/auth/login"))
        .header("accept", "application/json")
        .form(&[("email", "l@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 500);
    assert_eq!(res.text().await.unwrap(), r#"{"kind":"Internal"}"#);
}

#[tokio::test]
async fn healthz_answers() {
    let app = spawn_app().await;
    let res = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.text().await.unwrap(), "ok");
}

#[tokio::test]
async fn first_admin_is_created_once() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("a.db").display());
    let pool = server::connect(&url).await.unwrap();
    let cli = <server::config::Cli as clap::Parser>::try_parse_from([
        "server",
        "--admin-email",
        "boss@example.com",
    ])
    .unwrap();
    let generated = server::ensure_first_admin(&pool, &cli.config)
        .await
        .unwrap()
        .expect("generated");
    // The app's one generator (`auth::password`): Xxxx-Xxxx-Xxxx-Xxxx, ~93 bits.
    assert_eq!(generated.len(), 19);
    assert!(app::auth::password::password_length_error(&generated).is_none());
    assert!(server::ensure_first_admin(&pool, &cli.config)
        .await
        .unwrap()
        .is_none());
    let staff = app::auth::principal::account_by_email(
        &mut pool.acquire().await.unwrap(),
        app::auth::principal::Principal::Staff,
        "boss@example.com",
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(staff.role, "admin");
    assert!(app::auth::ssr::verify_password_blocking(
        &generated,
        staff.password_hash.as_deref().unwrap()
    ));
    let wal: String = db::query_scalar("pragma journal_mode")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(wal, "wal");
}

#[tokio::test]
async fn a_weak_first_admin_password_is_refused_with_the_rule_named() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("a.db").display());
    let pool = server::connect(&url).await.unwrap();
    let cli = <server::config::Cli as clap::Parser>::try_parse_from([
        "server",
        "--admin-email",
        "boss@example.com",
        "--admin-password",
        "password123",
    ])
    .unwrap();
    let err = server::ensure_first_admin(&pool, &cli.config)
        .await
        .unwrap_err();
    assert!(err.contains("password: "), "{err}");
    assert!(err.contains("too common"), "{err}");
}

#[tokio::test]
async fn staff_sign_in_folds_the_typed_address_like_the_stored_one() {
    // Staff addresses are stored lower-cased by Rust, which folds non-ASCII letters too;
    // SQLite's lower() does not, so the typed address must be folded the same way.
    let app = spawn_app().await;
    app.add_staff("élodie@example.com", Role::Sales).await;
    let res = app.login_form("Élodie@Example.com", PASSWORD).await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/customers");
}
