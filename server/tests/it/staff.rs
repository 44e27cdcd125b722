//! Staff management: adding staff with a password or by invitation, role changes and
//! deactivation taking effect at once, always one active Admin, password resets and each
//! staff member's own password change.

use crate::common::*;
use app::auth::Role;
use app::db;
use serde_json::json;

const NEW_PASSWORD: &str = "Quiet-River-Stone-93";

#[tokio::test]
async fn admins_add_staff_with_a_password_or_an_invitation() {
    let app = spawn_app().await;
    let staff = app.staff_cookies().await;
    let add = |email: &str, password: &str| json!({ "input": { "name": "Nina New", "email": email, "role": "sales", "password": password } });
    let (status, body) = app
        .call(
            &staff.admin,
            "create_staff_user",
            add("nina@example.com", "password1"),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(body["detail"]["password"].is_string());
    let (status, body) = app
        .call(
            &staff.admin,
            "create_staff_user",
            add("not-an-email", NEW_PASSWORD),
        )
        .await;
    assert_eq!(status, 422);
    assert!(body["detail"]["email"].is_string());
    let (status, body) = app
        .call(
            &staff.admin,
            "create_staff_user",
            add("nina@example.com", NEW_PASSWORD),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["invited"], false);
    assert!(body.get("password_hash").is_none());
    assert_eq!(
        app.login_form("nina@example.com", NEW_PASSWORD)
            .await
            .status(),
        303
    );
    let (status, _) = app
        .call(
            &staff.admin,
            "create_staff_user",
            add("NINA@example.com", NEW_PASSWORD),
        )
        .await;
    assert_eq!(status, 422, "duplicate e-mail");

    // By invitation: no usable password until the link is used, once.
    let (status, body) = app
        .call(
            &staff.admin,
            "create_staff_user",
            add("otto@example.com", ""),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["invited"], true);
    let text: String = db::query_scalar(
        "select body_text from email_outbox where template = 'staff_invitation' and recipient = 'otto@example.com'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(
        text.contains("http://app.test/staff/accept?token="),
        "{text}"
    );
    let at = text.find("token=").unwrap() + 6;
    let token: String = text[at..]
        .chars()
        .take_while(|c| c.is_ascii_hexdigit())
        .collect();
    let page = app
        .client
        .get(app.url(&format!("/staff/accept?token={token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200, "the link's page needs no session");
    assert!(page
        .text()
        .await
        .unwrap()
        .contains(&format!("value=\"{token}\"")));
    let accept = |password: &'static str| {
        let app = &app;
        let token = token.clone();
        async move {
            app.client
                .post(app.url("/staff/auth/accept"))
                .form(&[
                    ("token", token.as_str()),
                    ("password", password),
                    ("confirm", password),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    let res = accept(NEW_PASSWORD).await;
    assert_eq!(location(&res), "/customers");
    let cookie = session_cookie(res.headers()).expect("signed in");
    assert_eq!(app.current_user(&cookie).await["email"], "otto@example.com");
    let again = accept("Another-Good-Pass-77").await;
    assert!(location(&again).contains("error=link"));
    assert_eq!(
        app.login_form("otto@example.com", NEW_PASSWORD)
            .await
            .status(),
        303
    );
    let events: i64 = app
        .count("select count(*) from audit_event where action in ('staff_create', 'staff_invite_accepted')")
        .await;
    assert_eq!(events, 3);
}

#[tokio::test]
async fn role_changes_and_deactivation_take_effect_at_once_and_an_admin_always_remains() {
    let app = spawn_app().await;
    let staff = app.staff_cookies().await;
    let id_of = |role: &str| {
        let app = &app;
        let role = role.to_string();
        async move {
            db::query_scalar::<i64>("select staff_user_id from staff_user where role = $1")
                .bind(role)
                .fetch_one(&app.pool)
                .await
                .unwrap()
        }
    };
    let (sales, admin) = (id_of("sales").await, id_of("admin").await);
    let create = || json!({ "input": customer_json(&format!("c{}@example.com", rand_suffix())) });
    assert_eq!(
        app.call(&staff.sales, "create_customer", create()).await.0,
        200
    );
    let (status, body) = app
        .call(
            &staff.admin,
            "set_staff_role",
            json!({ "id": sales, "role": "support" }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        app.call(&staff.sales, "create_customer", create()).await.0,
        403
    );

    // Deactivation ends the sessions; sign-in is refused until reactivated.
    let (status, _) = app
        .call(
            &staff.admin,
            "set_staff_active",
            json!({ "id": sales, "active": false }),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        app.call(&staff.sales, "list_labels", json!({})).await.0,
        401
    );
    assert_eq!(
        location(&app.login_form("sales@example.com", PASSWORD).await),
        "/login?error=invalid&next=%2Fcustomers"
    );
    app.call(
        &staff.admin,
        "set_staff_active",
        json!({ "id": sales, "active": true }),
    )
    .await;
    assert_eq!(
        app.login_form("sales@example.com", PASSWORD).await.status(),
        303
    );

    // The only active Admin can be neither demoted nor deactivated, nor deactivate themselves.
    let (status, body) = app
        .call(
            &staff.admin,
            "set_staff_role",
            json!({ "id": admin, "role": "sales" }),
        )
        .await;
    assert_eq!(status, 409, "{body}");
    let (status, _) = app
        .call(
            &staff.admin,
            "set_staff_active",
            json!({ "id": admin, "active": false }),
        )
        .await;
    assert_eq!(status, 409);
    // With a second Admin the first may step down.
    app.call(
        &staff.admin,
        "set_staff_role",
        json!({ "id": sales, "role": "admin" }),
    )
    .await;
    let (status, _) = app
        .call(
            &staff.admin,
            "set_staff_role",
            json!({ "id": admin, "role": "sales" }),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        app.count("select count(*) from staff_user where role = 'admin' and active")
            .await,
        1
    );
    // …and is no longer an Admin on the very next request.
    assert_eq!(app.call(&staff.admin, "list_staff", json!({})).await.0, 403);
    let roles: i64 = app
        .count("select count(*) from audit_event where action = 'staff_role'")
        .await;
    assert_eq!(roles, 3);
    let _ = Role::Admin;
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::SeqCst)
}

#[tokio::test]
async fn password_resets_end_sessions_and_own_changes_keep_this_one() {
    let app = spawn_app().await;
    let staff = app.staff_cookies().await;
    let support: i64 =
        db::query_scalar("select staff_user_id from staff_user where role = 'support'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let (status, _) = app
        .call(
            &staff.admin,
            "reset_staff_password",
            json!({ "id": support, "password": NEW_PASSWORD, "notify": true }),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        app.call(&staff.support, "list_labels", json!({})).await.0,
        401
    );
    assert_eq!(
        app.login_form("support@example.com", PASSWORD)
            .await
            .status(),
        303
    );
    assert!(location(&app.login_form("support@example.com", PASSWORD).await).contains("error"));
    let text: String = db::query_scalar(
        "select body_text from email_outbox where template = 'staff_password_changed'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(!text.contains(NEW_PASSWORD));
    let support_cookie = app.login_form("support@example.com", NEW_PASSWORD).await;
    let support_cookie = session_cookie(support_cookie.headers()).unwrap();

    // Own change: wrong current refused; right one keeps this session, ends the others.
    let other = app.login("sales@example.com").await;
    let (status, body) = app
        .call(
            &staff.sales,
            "change_own_password",
            json!({ "current": "nope", "new": "Silver-Kite-Harbor-14" }),
        )
        .await;
    assert_eq!(status, 422);
    assert!(body["detail"]["current"].is_string());
    let (status, _) = app
        .call(
            &staff.sales,
            "change_own_password",
            json!({ "current": PASSWORD, "new": "Silver-Kite-Harbor-14" }),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        app.call(&staff.sales, "list_labels", json!({})).await.0,
        200
    );
    assert_eq!(app.call(&other, "list_labels", json!({})).await.0, 401);
    assert_eq!(
        app.call(&support_cookie, "list_labels", json!({})).await.0,
        200
    );
    assert_eq!(
        app.count("select count(*) from audit_event where action = 'password_changed'")
            .await,
        1
    );
}

#[tokio::test]
async fn the_cli_and_the_staff_page_refuse_an_address_with_the_same_message() {
    let app = spawn_app().await;
    let staff = app.staff_cookies().await;
    let (status, body) = app
        .call(
            &staff.admin,
            "create_staff_user",
            json!({ "input": { "name": "Spacey", "email": "a b@x.y", "role": "sales",
                               "password": "Silver-Kite-Harbor-14" } }),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    let page_message = body["detail"]["email"].as_str().unwrap().to_string();

    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_server"))
        .args(["create-staff", "--email", "a b@x.y", "--role", "sales"])
        .args(["--name", "Spacey", "--password", "Silver-Kite-Harbor-14"])
        .env(
            "DATABASE_URL",
            format!("sqlite://{}", dir.path().join("cli.db").display()),
        )
        .env_remove("ADMIN_EMAIL")
        .env_remove("ADMIN_PASSWORD")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&page_message), "{stderr}");
    assert_eq!(page_message, app::email::INVALID_EMAIL);

    // A good address goes through the same audited path as the Staff page.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_server"))
        .args([
            "create-staff",
            "--email",
            "Cli@Example.com",
            "--role",
            "support",
        ])
        .args(["--name", "From Cli", "--password", "Silver-Kite-Harbor-14"])
        .env(
            "DATABASE_URL",
            format!("sqlite://{}", dir.path().join("cli.db").display()),
        )
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pool = server::connect(&format!("sqlite://{}", dir.path().join("cli.db").display()))
        .await
        .unwrap();
    let (email, action): (String, String) = db::query_as(
        "select u.email, a.action from staff_user u
           join audit_event a on a.entity = 'staff_user' and a.entity_id = u.staff_user_id",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        (email.as_str(), action.as_str()),
        ("cli@example.com", "staff_create")
    );
}
