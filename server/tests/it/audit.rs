//! The Audit log page's server side: every event with actor, role, UTC time and source IP;
//! filters by actor, action, customer and date range; newest first, paged; sign-ins and
//! failed sign-ins recorded; and the log cannot be edited.

use crate::common::*;
use app::db;
use serde_json::{json, Value};

async fn audit(app: &TestApp, cookie: &str, filter: Value) -> Value {
    let (status, body) = app
        .call(cookie, "list_audit", json!({ "filter": filter }))
        .await;
    assert_eq!(status, 200, "{body}");
    body
}

fn actions(page: &Value) -> Vec<String> {
    page["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn the_log_filters_by_actor_action_customer_and_date_newest_first() {
    let app = spawn_app().await;
    let staff = app.staff_cookies().await;
    let sales_id: i64 =
        db::query_scalar("select staff_user_id from staff_user where role = 'sales'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let (_, a) = app
        .call(
            &staff.admin,
            "create_customer",
            json!({ "input": customer_json("a@example.com") }),
        )
        .await;
    let (_, b) = app
        .call(
            &staff.sales,
            "create_customer",
            json!({ "input": customer_json("b@example.com") }),
        )
        .await;
    let b_id = b["customer_id"].as_i64().unwrap();
    app.call(
        &staff.sales,
        "set_customer_status",
        json!({ "id": b_id, "status": "inactive" }),
    )
    .await;
    app.call(
        &staff.admin,
        "delete_customer",
        json!({ "id": a["customer_id"] }),
    )
    .await;

    // Everything, newest first, with role, time and source IP.
    let all = audit(&app, &staff.admin, json!({})).await;
    let rows = all["rows"].as_array().unwrap();
    assert_eq!(&actions(&all)[..3], ["delete", "status", "create"]);
    let ids: Vec<i64> = rows.iter().map(|r| r["id"].as_i64().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first");
    assert_eq!(rows[1]["actor_role"], "sales");
    assert_eq!(rows[1]["ip"], "127.0.0.1");
    assert!(rows[1]["at"].is_string());
    // Sign-ins are there too (one per staff member in this test).
    assert_eq!(actions(&all).iter().filter(|a| *a == "login").count(), 4);

    let by_sales = audit(
        &app,
        &staff.admin,
        json!({ "actor": format!("staff:{sales_id}") }),
    )
    .await;
    assert_eq!(actions(&by_sales), ["status", "create", "login"]);
    let deletes = audit(&app, &staff.admin, json!({ "action": "delete" })).await;
    assert_eq!(actions(&deletes), ["delete"]);
    let about_b = audit(&app, &staff.admin, json!({ "customer": b_id })).await;
    assert_eq!(actions(&about_b), ["status", "create"]);
    let today = chrono::Utc::now().date_naive();
    let tomorrow = today.succ_opt().unwrap();
    let none = audit(&app, &staff.admin, json!({ "from": tomorrow })).await;
    assert_eq!(none["rows"].as_array().unwrap().len(), 0);
    let until_today = audit(&app, &staff.admin, json!({ "from": today, "to": today })).await;
    assert_eq!(until_today["rows"], all["rows"]);
    let yesterday = audit(
        &app,
        &staff.admin,
        json!({ "to": today.pred_opt().unwrap() }),
    )
    .await;
    assert_eq!(yesterday["rows"].as_array().unwrap().len(), 0);

    // Failed sign-ins, with the reason; an unknown address keeps what was typed.
    app.login_form("sales@example.com", "wrong password").await;
    app.login_form("nobody@example.com", "whatever").await;
    let failed = audit(&app, &staff.admin, json!({ "action": "login_failed" })).await;
    let reasons: Vec<String> = failed["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["changes"].to_string())
        .collect();
    assert_eq!(reasons.len(), 2);
    assert!(reasons[0].contains("unknown e-mail") && reasons[0].contains("nobody@example.com"));
    assert!(reasons[1].contains("wrong password"));

    // Only Admins read it.
    let (status, _) = app
        .call(&staff.support, "list_audit", json!({ "filter": {} }))
        .await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn the_log_pages_backwards_and_cannot_be_edited() {
    let app = spawn_app().await;
    let staff = app.staff_cookies().await;
    for i in 0..60 {
        let (status, _) = app
            .call(
                &staff.sales,
                "create_customer",
                json!({ "input": customer_json(&format!("p{i}@example.com")) }),
            )
            .await;
        assert_eq!(status, 200);
    }
    let first = audit(&app, &staff.admin, json!({ "action": "create" })).await;
    assert_eq!(first["rows"].as_array().unwrap().len(), 50);
    let before = first["next_before"].as_i64().expect("a next page");
    let second = audit(
        &app,
        &staff.admin,
        json!({ "action": "create", "before": before }),
    )
    .await;
    assert_eq!(second["rows"].as_array().unwrap().len(), 10);
    assert!(second["next_before"].is_null());
    assert!(second["rows"][0]["id"].as_i64().unwrap() < before);

    // Append-only, whatever asks.
    let update = db::query("update audit_event set action = 'nothing'")
        .execute(&app.pool)
        .await;
    assert!(update.is_err());
    let delete = db::query("delete from audit_event")
        .execute(&app.pool)
        .await;
    assert!(delete.is_err());
}
