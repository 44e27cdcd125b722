//! Customer records through their server functions, as each role, against a real database.

use crate::common::*;
use app::db;
use serde_json::{json, Value};

async fn create(app: &TestApp, cookie: &str, email: &str) -> Value {
    let (status, body) = app
        .call(
            cookie,
            "create_customer",
            json!({ "input": customer_json(email) }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body
}

#[tokio::test]
async fn create_stores_every_field_normalises_the_phone_and_audits() {
    let app = spawn_app().await;
    let staff = app.staff_cookies().await;
    let c = create(&app, &staff.sales, "maria@example.com").await;
    let id = c["customer_id"].as_i64().unwrap();
    assert_eq!(c["first_name"], "Maria");
    assert_eq!(c["suffix"], "Jr.");
    assert_eq!(c["gender"], "female");
    assert_eq!(c["birthday"], "1990-05-17");
    assert_eq!(c["phone"], "0917 123 4567");
    assert_eq!(c["phone_e164"], "+639171234567");
    assert_eq!(c["country"], "PH");
    assert_eq!(c["contact_phone"], "+63 917 765 4321");
    assert_eq!(c["version"], 1);
    assert_eq!(c["created_by_name"], "Test Person");

    let (status, history) = app
        .call(&staff.support, "customer_history", json!({ "id": id }))
        .await;
    assert_eq!(status, 200);
    let history = history.as_array().unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0]["action"], "create");
    let changes = history[0]["changes"].as_array().unwrap();
    assert!(changes.contains(&json!({ "field": "email", "old": null, "new": "maria@example.com" })));
    assert_eq!(changes.len(), 17, "every filled field: {changes:?}");
}

#[tokio::test]
async fn view_only_roles_are_forbidden_and_change_nothing() {
    let app = spawn_app().await;
    let staff = app.staff_cookies().await;
    let c = create(&app, &staff.admin, "a@example.com").await;
    let id = c["customer_id"].as_i64().unwrap();
    let before_customers = app.count("select count(*) from customer").await;
    let before_audit = app.count("select count(*) from audit_event").await;
    let before_row: String = db::query_scalar("select cast(version as text) || '|' || first_name || '|' || coalesce(cast(deleted_at as text), '-') || '|' || status from customer")
        .fetch_one(&app.pool)
        .await
        .unwrap();

    let mut edited = customer_json("a@example.com");
    edited["first_name"] = json!("Changed");
    let writes = [
        (
            "create_customer",
            json!({ "input": customer_json("new@example.com") }),
        ),
        (
            "update_customer",
            json!({ "id": id, "version": 1, "input": edited }),
        ),
        (
            "set_customer_status",
            json!({ "id": id, "status": "inactive" }),
        ),
        ("delete_customer", json!({ "id": id })),
        ("restore_customer", json!({ "id": id })),
        (
            "email_in_use",
            json!({ "email": "a@example.com", "except": null }),
        ),
        ("list_deleted_customers", json!({})),
    ];
    for cookie in [&staff.support, &staff.accounting] {
        for (name, args) in &writes {
            let (status, body) = app.call(cookie, name, args.clone()).await;
            assert_eq!(status, 403, "{name}: {body}");
            assert_eq!(body["kind"], "Forbidden");
        }
        // Reading is fine.
        let (status, _) = app.call(cookie, "get_customer", json!({ "id": id })).await;
        assert_eq!(status, 200);
        let (status, list) = app
            .call(cookie, "list_customers", json!({ "query": {} }))
            .await;
        assert_eq!(status, 200);
        assert_eq!(list["rows"].as_array().unwrap().len(), 1);
    }
    for (name, args) in &writes {
        let (status, _) = app.call("sid=nope", name, args.clone()).await;
        assert_eq!(status, 401, "{name} anonymous");
    }
    let (status, _) = app.call("", "list_customers", json!({ "query": {} })).await;
    assert_eq!(status, 401);

    assert_eq!(
        app.count("select count(*) from customer").await,
        before_customers
    );
    assert_eq!(
        app.count("select count(*) from audit_event").await,
        before_audit
    );
    let after_row: String = db::query_scalar("select cast(version as text) || '|' || first_name || '|' || coalesce(cast(deleted_at as text), '-') || '|' || status from customer")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(before_row, after_row);
}

#[tokio::test]
async fn bad_input_gets_field_messages_and_a_422_and_saves_nothing() {
    let app = spawn_app().await;
    let staff = app.staff_cookies().await;
    let cases = [
        ("email", json!("not-an-email"), "valid email"),
        ("first_name", json!("   "), "required"),
        ("phone", json!("12345"), "Philippines"),
        ("birthday", json!("2999-01-01"), "future"),
        ("birthday", json!("1850-01-01"), "1900"),
        ("country", json!("XX"), "Choose a country"),
        ("zip", json!("1".repeat(21)), "at most 20"),
        ("contact_email", json!("jose@"), "valid email"),
    ];
    for (field, value, message) in cases {
        let mut input = customer_json("ok@example.com");
        input[field] = value;
        let (status, body) = app
            .call(&staff.admin, "create_customer", json!({ "input": input }))
            .await;
        assert_eq!(status, 422, "{field}: {body}");
        assert_eq!(body["kind"], "Validation");
        let msg = body["detail"][field].as_str().unwrap_or_default();
        assert!(msg.contains(message), "{field}: {body}");
    }
    // A malformed request is a 400, not a 500.
    let (status, _) = app
        .call(
            &staff.admin,
            "create_customer",
            json!({ "input": { "gender": "robot" } }),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(app.count("select count(*) from customer").await, 0);
    assert_eq!(
        app.count("select count(*) from audit_event where entity = 'customer'")
            .await,
        0
    );
}

#[tokio::test]
async fn duplicate_email_names_the_existing_customer() {
    let app = spawn_app().await;
    let staff = app.staff_cookies().await;
    let first = create(&app, &staff.admin, "dup@example.com").await;
    let id = first["customer_id"].as_i64().unwrap();
    let (status, body) = app
        .call(
            &staff.sales,
            "create_customer",
            json!({ "input": customer_json("DUP@Example.com") }),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(
        body["detail"]["email"],
        format!("This email is already used by customer #{id}.")
    );

    let (_, owner) = app
        .call(
            &staff.sales,
            "email_in_use",
            json!({ "email": " Dup@example.com", "except": null }),
        )
        .await;
    assert_eq!(owner, json!(id));
    let (_, owner) = app
        .call(
            &staff.sales,
            "email_in_use",
            json!({ "email": "dup@example.com", "except": id }),
        )
        .await;
    assert_eq!(owner, Value::Null);

    // Deleted customers free their email; restoring then collides and says so.
    let (status, _) = app
        .call(&staff.sales, "delete_customer", json!({ "id": id }))
        .await;
    assert_eq!(status, 200);
    let second = create(&app, &staff.sales, "dup@example.com").await;
    let (status, body) = app
        .call(&staff.sales, "restore_customer", json!({ "id": id }))
        .await;
    assert_eq!(status, 409, "{body}");
    assert!(body["detail"]
        .as_str()
        .unwrap()
        .contains(&format!("customer #{}", second["customer_id"])));
}

#[tokio::test]
async fn a_stale_version_is_a_conflict_naming_who_saved() {
    let app = spawn_app().await;
    let staff = app.staff_cookies().await;
    let c = create(&app, &staff.admin, "c@example.com").await;
    let id = c["customer_id"].as_i64().unwrap();

    let mut by_sales = customer_json("c@example.com");
    by_sales["city"] = json!("Cebu");
    let (status, saved) = app
        .call(
            &staff.sales,
            "update_customer",
            json!({ "id": id, "version": 1, "input": by_sales }),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(saved["version"], 2);

    let mut by_admin = customer_json("c@example.com");
    by_admin["city"] = json!("Davao");
    let (status, body) = app
        .call(
            &staff.admin,
            "update_customer",
            json!({ "id": id, "version": 1, "input": by_admin }),
        )
        .await;
    assert_eq!(status, 409);
    let msg = body["detail"].as_str().unwrap();
    assert!(
        msg.contains("Test Person changed this customer at") && msg.contains("not saved"),
        "{msg}"
    );
    let (_, now) = app
        .call(&staff.admin, "get_customer", json!({ "id": id }))
        .await;
    assert_eq!(now["city"], "Cebu");
    assert_eq!(now["version"], 2);

    // The status switch bumps the version too, so an open form cannot overwrite it.
    let (status, _) = app
        .call(
            &staff.sales,
            "set_customer_status",
            json!({ "id": id, "status": "inactive" }),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = app
        .call(
            &staff.admin,
            "update_customer",
            json!({ "id": id, "version": 2, "input": customer_json("c@example.com") }),
        )
        .await;
    assert_eq!(status, 409);
}

#[tokio::test]
async fn delete_hides_everywhere_and_restore_brings_back_the_identical_record() {
    let app = spawn_app().await;
    let staff = app.staff_cookies().await;
    let c = create(&app, &staff.sales, "d@example.com").await;
    let id = c["customer_id"].as_i64().unwrap();
    let (_, before) = app
        .call(&staff.sales, "get_customer", json!({ "id": id }))
        .await;

    let (status, _) = app
        .call(&staff.sales, "delete_customer", json!({ "id": id }))
        .await;
    assert_eq!(status, 200);
    let (status, _) = app
        .call(&staff.sales, "get_customer", json!({ "id": id }))
        .await;
    assert_eq!(status, 404);
    let (_, list) = app
        .call(&staff.sales, "list_customers", json!({ "query": {} }))
        .await;
    assert_eq!(list["rows"], json!([]));
    assert_eq!(list["total"]["n"], 0);
    let (status, _) = app
        .call(&staff.sales, "delete_customer", json!({ "id": id }))
        .await;
    assert_eq!(status, 404, "deleting twice");
    let (status, edit) = app
        .call(
            &staff.sales,
            "update_customer",
            json!({ "id": id, "version": 1, "input": customer_json("d@example.com") }),
        )
        .await;
    assert_eq!(status, 404, "{edit}");
    let (_, trash) = app
        .call(&staff.admin, "list_deleted_customers", json!({}))
        .await;
    assert_eq!(trash[0]["customer_id"], id);
    assert_eq!(trash[0]["deleted_by_name"], "Test Person");

    let (status, restored) = app
        .call(&staff.sales, "restore_customer", json!({ "id": id }))
        .await;
    assert_eq!(status, 200);
    assert_eq!(restored, before, "same id, same data");

    let (_, history) = app
        .call(&staff.sales, "customer_history", json!({ "id": id }))
        .await;
    let actions: Vec<_> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["restore", "delete", "create"]);
}

#[tokio::test]
async fn updates_and_status_changes_are_audited_field_by_field() {
    let app = spawn_app().await;
    let staff = app.staff_cookies().await;
    let c = create(&app, &staff.admin, "e@example.com").await;
    let id = c["customer_id"].as_i64().unwrap();
    let mut input = customer_json("e@example.com");
    input["city"] = json!("Cebu");
    input["suffix"] = json!("");
    let (status, _) = app
        .call(
            &staff.admin,
            "update_customer",
            json!({ "id": id, "version": 1, "input": input.clone() }),
        )
        .await;
    assert_eq!(status, 200);
    // Saving without changes records nothing and keeps the version.
    let (_, same) = app
        .call(
            &staff.admin,
            "update_customer",
            json!({ "id": id, "version": 2, "input": input }),
        )
        .await;
    assert_eq!(same["version"], 2);
    app.call(
        &staff.admin,
        "set_customer_status",
        json!({ "id": id, "status": "inactive" }),
    )
    .await;

    let (_, history) = app
        .call(&staff.admin, "customer_history", json!({ "id": id }))
        .await;
    let h = history.as_array().unwrap();
    assert_eq!(h.len(), 3);
    assert_eq!(h[0]["action"], "status");
    assert_eq!(
        h[0]["changes"],
        json!([{ "field": "status", "old": "active", "new": "inactive" }])
    );
    assert_eq!(h[1]["action"], "update");
    assert_eq!(h[1]["actor_name"], "Test Person");
    assert_eq!(
        h[1]["changes"],
        json!([
            { "field": "suffix", "old": "Jr.", "new": null },
            { "field": "city", "old": "Manila", "new": "Cebu" }
        ])
    );
    let role: String =
        db::query_scalar("select actor_role from audit_event where action = 'update'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(role, "admin");
}

#[tokio::test]
async fn the_audit_log_is_append_only_in_the_database() {
    let app = spawn_app().await;
    let staff = app.staff_cookies().await;
    create(&app, &staff.admin, "f@example.com").await;
    let upd = db::query("update audit_event set action = 'forged'")
        .execute(&app.pool)
        .await;
    assert!(upd.unwrap_err().to_string().contains("append-only"));
    let del = db::query("delete from audit_event")
        .execute(&app.pool)
        .await;
    assert!(del.unwrap_err().to_string().contains("append-only"));
    assert_eq!(
        app.count("select count(*) from audit_event where entity = 'customer'")
            .await,
        1
    );
}

#[tokio::test]
async fn purge_removes_only_customers_deleted_long_enough_ago() {
    let app = spawn_app().await;
    let staff = app.staff_cookies().await;
    let old = create(&app, &staff.admin, "old@example.com").await["customer_id"]
        .as_i64()
        .unwrap();
    let recent = create(&app, &staff.admin, "recent@example.com").await["customer_id"]
        .as_i64()
        .unwrap();
    let live = create(&app, &staff.admin, "live@example.com").await["customer_id"]
        .as_i64()
        .unwrap();
    app.call(&staff.admin, "delete_customer", json!({ "id": old }))
        .await;
    app.call(&staff.admin, "delete_customer", json!({ "id": recent }))
        .await;
    db::query("update customer set deleted_at = $1 where customer_id = $2")
        .bind(chrono::Utc::now() - chrono::Duration::days(31))
        .bind(old)
        .execute(&app.pool)
        .await
        .unwrap();

    let purged = server::purge_trash(&app.pool, 30).await.unwrap();
    assert_eq!(purged, 1);
    let left: Vec<i64> = db::query_scalar("select customer_id from customer order by customer_id")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert_eq!(left, vec![recent, live]);
    assert_eq!(
        app.count(&format!(
            "select count(*) from audit_event where action = 'purge' and entity_id = {old}"
        ))
        .await,
        1
    );
}

#[tokio::test]
async fn markup_in_names_is_rendered_as_text_by_the_server() {
    let app = spawn_app().await;
    let staff = app.staff_cookies().await;
    let mut input = customer_json("x@example.com");
    input["first_name"] = json!("<img src=x onerror=alert(1)>");
    input["last_name"] = json!("</title><script>alert(2)</script>");
    let (status, c) = app
        .call(&staff.admin, "create_customer", json!({ "input": input }))
        .await;
    assert_eq!(status, 200);
    let id = c["customer_id"].as_i64().unwrap();
    for path in [format!("/customers/{id}"), "/customers".to_string()] {
        let html = app
            .client
            .get(app.url(&path))
            .header("cookie", &staff.admin)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let at = html.find("onerror").unwrap_or(0);
        assert!(
            html.contains("&lt;img src=x onerror=alert(1)"),
            "{path}: {}",
            &html[at.saturating_sub(200)..(at + 200).min(html.len())]
        );
        assert!(!html.contains("<script>alert(2)"), "{path}");
        let raw = html.find("<img src=x").unwrap_or(0);
        assert!(
            !html.contains("<img src=x"),
            "{path}: {}",
            &html[raw.saturating_sub(300)..(raw + 100).min(html.len())]
        );
    }
}

#[tokio::test]
async fn parallel_status_switches_and_bulk_actions_all_succeed() {
    // The inline switch reads, then writes: it must hold the write lock from the start, or a
    // write that lands in between fails it (SQLite's busy snapshot) with a 500.
    let app = spawn_app().await;
    let staff = app.staff_cookies().await;
    let mut ids = Vec::new();
    for i in 0..12 {
        let (status, body) = app
            .call(
                &staff.sales,
                "create_customer",
                json!({ "input": customer_json(&format!("par{i}@example.com")) }),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        ids.push(body["customer_id"].as_i64().unwrap());
    }
    let (_, label) = app
        .call(
            &staff.sales,
            "create_label",
            json!({ "input": { "name": "Busy", "color": "#1e40af" } }),
        )
        .await;
    let label = label["label_id"].as_i64().unwrap();
    // Every call its own request, all in flight at once.
    let mut calls = tokio::task::JoinSet::new();
    let call = |name: &'static str, args: Value| {
        let reply = app.detached_call(&staff.sales, name, args);
        async move { (name, reply.await) }
    };
    for (n, id) in ids.iter().enumerate() {
        let status = if n % 2 == 0 { "inactive" } else { "active" };
        calls.spawn(call(
            "set_customer_status",
            json!({ "id": id, "status": status }),
        ));
        if n % 3 == 0 {
            let kind = if n % 2 == 0 {
                "add_label"
            } else {
                "remove_label"
            };
            calls.spawn(call(
                "bulk_update_customers",
                json!({ "target": { "kind": "ids", "ids": ids },
                        "action": { "kind": kind, "label_id": label } }),
            ));
        }
    }
    while let Some(done) = calls.join_next().await {
        let (name, (status, body)) = done.unwrap();
        assert_eq!(status, 200, "{name}: {body}");
    }
}
