//! Labels (CRUD, roles, assignment, delete with usage, filter) and bulk actions (on ids and on
//! "all matching", batch undo), each with its audit rows — against a real SQLite file.

use crate::common::*;
use app::db;
use serde_json::{json, Value};

async fn new_label(app: &TestApp, cookie: &str, name: &str, color: &str) -> i64 {
    let (status, body) = app
        .call(
            cookie,
            "create_label",
            json!({ "input": { "name": name, "color": color } }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body["label_id"].as_i64().unwrap()
}

async fn add_customer(app: &TestApp, cookie: &str, email: &str, labels: &[i64]) -> i64 {
    let mut c = customer_json(email);
    c["labels"] = json!(labels);
    let (status, body) = app
        .call(cookie, "create_customer", json!({ "input": c }))
        .await;
    assert_eq!(status, 200, "{body}");
    body["customer_id"].as_i64().unwrap()
}

async fn labels(app: &TestApp, cookie: &str) -> Vec<Value> {
    let (status, body) = app.call(cookie, "list_labels", json!({})).await;
    assert_eq!(status, 200, "{body}");
    body.as_array().unwrap().clone()
}

async fn customer(app: &TestApp, cookie: &str, id: i64) -> Value {
    let (status, body) = app.call(cookie, "get_customer", json!({ "id": id })).await;
    assert_eq!(status, 200, "{body}");
    body
}

fn label_names(c: &Value) -> Vec<String> {
    c["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["name"].as_str().unwrap().to_string())
        .collect()
}

async fn list_ids(app: &TestApp, cookie: &str, query: Value) -> (Vec<i64>, Value) {
    let (status, body) = app
        .call(cookie, "list_customers", json!({ "query": query }))
        .await;
    assert_eq!(status, 200, "{body}");
    let ids = body["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["customer_id"].as_i64().unwrap())
        .collect();
    (ids, body["total"].clone())
}

async fn audit_count(app: &TestApp, action: &str, entity: &str) -> i64 {
    db::query_scalar("select count(*) from audit_event where action = $1 and entity = $2")
        .bind(action)
        .bind(entity)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn labels_are_validated_unique_without_case_and_managed_only_by_admin_and_sales() {
    let app = spawn_app().await;
    let staff = app.staff_cookies().await;
    let vip = new_label(&app, &staff.admin, "  VIP ", "#1E40AF").await;
    new_label(&app, &staff.sales, "Wholesale", "#fdd835").await;

    let got = labels(&app, &staff.support).await;
    assert_eq!(got.len(), 2);
    assert_eq!(got[0]["name"], "VIP");
    assert_eq!(got[0]["color"], "#1e40af");

    for (input, field) in [
        (json!({ "name": "vip", "color": "#000000" }), "name"),
        (json!({ "name": "  ", "color": "#000000" }), "name"),
        (
            json!({ "name": "x".repeat(41), "color": "#000000" }),
            "name",
        ),
        (json!({ "name": "Fine", "color": "red" }), "color"),
    ] {
        let (status, body) = app
            .call(&staff.admin, "create_label", json!({ "input": input }))
            .await;
        assert_eq!(status, 422, "{input}");
        assert!(body["detail"][field].is_string(), "{body}");
    }
    // Renaming onto another label's name is refused the same way.
    let (status, body) = app
        .call(
            &staff.admin,
            "update_label",
            json!({ "id": vip, "input": { "name": "WHOLESALE", "color": "#000000" } }),
        )
        .await;
    assert_eq!(status, 422, "{body}");

    for cookie in [&staff.support, &staff.accounting] {
        let (status, _) = app
            .call(
                cookie,
                "create_label",
                json!({ "input": { "name": "Nope", "color": "#000000" } }),
            )
            .await;
        assert_eq!(status, 403);
        let (status, _) = app
            .call(
                cookie,
                "update_label",
                json!({ "id": vip, "input": { "name": "Nope", "color": "#000000" } }),
            )
            .await;
        assert_eq!(status, 403);
        let (status, _) = app.call(cookie, "delete_label", json!({ "id": vip })).await;
        assert_eq!(status, 403);
    }
    let (status, _) = app.call("", "list_labels", json!({})).await;
    assert_eq!(status, 401);
    assert_eq!(app.count("select count(*) from label").await, 2);
    assert_eq!(audit_count(&app, "create", "label").await, 2);

    // Rename + recolour in place, audited with old and new values.
    let (status, body) = app
        .call(
            &staff.sales,
            "update_label",
            json!({ "id": vip, "input": { "name": "Gold", "color": "#fb8c00" } }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["name"], "Gold");
    let changes: String = db::query_scalar(
        "select changes from audit_event where entity = 'label' and action = 'update'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(changes.contains("\"old\":\"VIP\"") && changes.contains("\"new\":\"Gold\""));
}

#[tokio::test]
async fn customers_carry_labels_and_their_history_shows_label_changes() {
    let app = spawn_app().await;
    let staff = app.staff_cookies().await;
    let vip = new_label(&app, &staff.admin, "VIP", "#1e40af").await;
    let lead = new_label(&app, &staff.admin, "Lead", "#7cb342").await;
    let id = add_customer(&app, &staff.sales, "ana@example.com", &[vip, lead, vip]).await;
    let c = customer(&app, &staff.support, id).await;
    assert_eq!(label_names(&c), ["Lead", "VIP"]);
    assert_eq!(c["labels"][1]["color"], "#1e40af");

    // Edit: drop VIP.
    let mut input = customer_json("ana@example.com");
    input["labels"] = json!([lead]);
    let (status, body) = app
        .call(
            &staff.sales,
            "update_customer",
            json!({ "id": id, "version": c["version"], "input": input }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(label_names(&body), ["Lead"]);
    assert_eq!(body["version"], c["version"].as_i64().unwrap() + 1);

    // A label that does not exist is a field error and changes nothing.
    let mut input = customer_json("ana@example.com");
    input["labels"] = json!([lead, 9999]);
    let (status, body2) = app
        .call(
            &staff.sales,
            "update_customer",
            json!({ "id": id, "version": body["version"], "input": input }),
        )
        .await;
    assert_eq!(status, 422);
    assert!(body2["detail"]["labels"].is_string());
    assert_eq!(
        label_names(&customer(&app, &staff.admin, id).await),
        ["Lead"]
    );

    let (_, history) = app
        .call(&staff.support, "customer_history", json!({ "id": id }))
        .await;
    let label_changes: Vec<(Value, Value)> = history
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|h| h["changes"].as_array().unwrap().clone())
        .filter(|ch| ch["field"] == "labels")
        .map(|ch| (ch["old"].clone(), ch["new"].clone()))
        .collect();
    assert_eq!(
        label_changes,
        vec![
            (json!("Lead, VIP"), json!("Lead")),
            (Value::Null, json!("Lead, VIP"))
        ]
    );

    // Usage counts follow assignments and deletes of customers.
    let used = |ls: &[Value], name: &str| {
        ls.iter().find(|l| l["name"] == name).unwrap()["used"]
            .as_i64()
            .unwrap()
    };
    let ls = labels(&app, &staff.admin).await;
    assert_eq!((used(&ls, "Lead"), used(&ls, "VIP")), (1, 0));
    let (status, _) = app
        .call(&staff.admin, "delete_customer", json!({ "id": id }))
        .await;
    assert_eq!(status, 200);
    assert_eq!(used(&labels(&app, &staff.admin).await, "Lead"), 0);
    app.call(&staff.admin, "restore_customer", json!({ "id": id }))
        .await;
    assert_eq!(used(&labels(&app, &staff.admin).await, "Lead"), 1);
}

#[tokio::test]
async fn deleting_a_label_removes_it_from_every_customer_and_says_how_many() {
    let app = spawn_app().await;
    let staff = app.staff_cookies().await;
    let vip = new_label(&app, &staff.admin, "VIP", "#1e40af").await;
    let keep = new_label(&app, &staff.admin, "Keep", "#000000").await;
    let a = add_customer(&app, &staff.admin, "a@example.com", &[vip, keep]).await;
    let b = add_customer(&app, &staff.admin, "b@example.com", &[vip]).await;
    add_customer(&app, &staff.admin, "c@example.com", &[keep]).await;

    let (status, body) = app
        .call(&staff.sales, "delete_label", json!({ "id": vip }))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!(2));
    assert_eq!(
        label_names(&customer(&app, &staff.admin, a).await),
        ["Keep"]
    );
    assert!(label_names(&customer(&app, &staff.admin, b).await).is_empty());
    assert_eq!(
        app.count("select count(*) from customer_label where label_id not in (select label_id from label)")
            .await,
        0
    );
    assert_eq!(audit_count(&app, "delete", "label").await, 1);
    // Both customers' History records losing it.
    assert_eq!(
        app.count(
            "select count(*) from audit_event where entity = 'customer' and action = 'labels'"
        )
        .await,
        2
    );
    let (status, _) = app
        .call(&staff.sales, "delete_label", json!({ "id": vip }))
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn the_list_filters_by_any_or_all_labels_with_exact_counts() {
    let app = spawn_app().await;
    let staff = app.staff_cookies().await;
    let x = new_label(&app, &staff.admin, "X", "#e53935").await;
    let y = new_label(&app, &staff.admin, "Y", "#039be5").await;
    let only_x = add_customer(&app, &staff.admin, "x@example.com", &[x]).await;
    let only_y = add_customer(&app, &staff.admin, "y@example.com", &[y]).await;
    let both = add_customer(&app, &staff.admin, "xy@example.com", &[x, y]).await;
    add_customer(&app, &staff.admin, "none@example.com", &[]).await;

    let (ids, total) = list_ids(&app, &staff.support, json!({ "labels": [x] })).await;
    assert_eq!(ids, [both, only_x]);
    assert_eq!(total, json!({ "n": 2, "capped": false }));
    let (ids, total) = list_ids(&app, &staff.support, json!({ "labels": [x, y] })).await;
    assert_eq!(ids, [both, only_y, only_x]);
    assert_eq!(total["n"], 3);
    let (ids, total) = list_ids(
        &app,
        &staff.support,
        json!({ "labels": [x, y], "all_labels": true }),
    )
    .await;
    assert_eq!(ids, [both]);
    assert_eq!(total["n"], 1);
    // Combined with search and status.
    let (ids, _) = list_ids(&app, &staff.support, json!({ "labels": [y], "q": "xy@" })).await;
    assert_eq!(ids, [both]);
    let (ids, total) = list_ids(
        &app,
        &staff.support,
        json!({ "labels": [y], "status": "inactive" }),
    )
    .await;
    assert!(ids.is_empty());
    assert_eq!(total["n"], 0);
    // Sorted by another column and paged, every labelled row exactly once.
    let (p1, _) = list_ids(
        &app,
        &staff.support,
        json!({ "labels": [x, y], "sort": "email", "size": 10 }),
    )
    .await;
    assert_eq!(p1, [only_x, both, only_y]);
    // The exact-email shortcut honours the label filter too.
    let (ids, _) = list_ids(
        &app,
        &staff.support,
        json!({ "labels": [y], "q": "x@example.com" }),
    )
    .await;
    assert!(ids.is_empty(), "{ids:?}");
}

async fn bulk(app: &TestApp, cookie: &str, target: Value, action: Value) -> (u16, Value) {
    app.call(
        cookie,
        "bulk_update_customers",
        json!({ "target": target, "action": action }),
    )
    .await
}

#[tokio::test]
async fn bulk_actions_apply_to_exactly_the_ticked_rows_and_are_audited() {
    let app = spawn_app().await;
    let staff = app.staff_cookies().await;
    let vip = new_label(&app, &staff.admin, "VIP", "#1e40af").await;
    let a = add_customer(&app, &staff.admin, "a@example.com", &[vip]).await;
    let b = add_customer(&app, &staff.admin, "b@example.com", &[]).await;
    let c = add_customer(&app, &staff.admin, "c@example.com", &[]).await;
    let untouched = add_customer(&app, &staff.admin, "d@example.com", &[]).await;
    let before_b = customer(&app, &staff.admin, b).await;

    let target = json!({ "kind": "ids", "ids": [a, b, c] });
    let (status, body) = bulk(
        &app,
        &staff.sales,
        target.clone(),
        json!({ "kind": "add_label", "label_id": vip }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["matched"].clone(), body["changed"].clone()),
        (json!(3), json!(2))
    );
    assert_eq!(label_names(&customer(&app, &staff.admin, c).await), ["VIP"]);
    assert!(label_names(&customer(&app, &staff.admin, untouched).await).is_empty());
    // A changed customer has a new version: an edit form opened before now gets a Conflict.
    assert_eq!(
        customer(&app, &staff.admin, b).await["version"],
        before_b["version"].as_i64().unwrap() + 1
    );
    let (status, _) = app
        .call(
            &staff.admin,
            "update_customer",
            json!({ "id": b, "version": before_b["version"], "input": customer_json("b@example.com") }),
        )
        .await;
    assert_eq!(status, 409);

    let (status, body) = bulk(
        &app,
        &staff.admin,
        json!({ "kind": "ids", "ids": [a, b] }),
        json!({ "kind": "set_status", "status": { "kind": "x" } }),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = bulk(
        &app,
        &staff.admin,
        json!({ "kind": "ids", "ids": [a, b] }),
        json!({ "kind": "set_status", "status": "inactive" }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["changed"], 2);
    assert_eq!(customer(&app, &staff.admin, a).await["status"], "inactive");
    assert_eq!(customer(&app, &staff.admin, c).await["status"], "active");

    let (status, body) = bulk(
        &app,
        &staff.admin,
        json!({ "kind": "ids", "ids": [a, c] }),
        json!({ "kind": "remove_label", "label_id": vip }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["changed"], 2);
    assert_eq!(label_names(&customer(&app, &staff.admin, b).await), ["VIP"]);

    // Audit: 2 label adds + 2 removes, 2 status changes, each on its customer.
    assert_eq!(
        app.count(
            "select count(*) from audit_event where entity = 'customer' and action = 'labels'"
        )
        .await,
        4
    );
    assert_eq!(
        app.count(
            "select count(*) from audit_event where entity = 'customer' and action = 'status'"
        )
        .await,
        2
    );
    let (_, history) = app
        .call(&staff.admin, "customer_history", json!({ "id": a }))
        .await;
    let first = &history[0];
    assert_eq!(first["action"], "labels");
    assert_eq!(first["changes"][0]["old"], "VIP");
    assert_eq!(first["changes"][0]["new"], Value::Null);
    assert_eq!(first["actor_name"], "Test Person");

    // Refused for view-only roles, changing nothing.
    for cookie in [&staff.support, &staff.accounting] {
        let (status, _) = bulk(&app, cookie, target.clone(), json!({ "kind": "delete" })).await;
        assert_eq!(status, 403);
    }
    assert_eq!(
        app.count("select count(*) from customer where deleted_at is null")
            .await,
        4
    );
}

#[tokio::test]
async fn bulk_delete_of_all_matching_is_exact_and_one_undo_restores_the_batch() {
    let app = spawn_app().await;
    let staff = app.staff_cookies().await;
    server::seed::seed_demo(&app.pool, 120).await.unwrap();
    let query = json!({ "q": "gar", "status": "active" });
    let (status, expected) = app
        .call(
            &staff.support,
            "count_matching_customers",
            json!({ "query": query }),
        )
        .await;
    assert_eq!(status, 200);
    let expected = expected.as_i64().unwrap();
    assert!(
        expected > 1,
        "the demo data should have several active Garcias"
    );
    let matching: Vec<i64> = db::query_scalar(
        "select customer_id from customer where deleted_at is null and status = 'active'
           and (first_name || ' ' || last_name || ' ' || email) like '%gar%' order by customer_id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(matching.len() as i64, expected);
    let live_before = app
        .count("select count(*) from customer where deleted_at is null")
        .await;

    // The count changed since confirmation: nothing happens.
    let (status, body) = bulk(
        &app,
        &staff.sales,
        json!({ "kind": "matching", "query": query, "expected": expected + 1 }),
        json!({ "kind": "delete" }),
    )
    .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(
        app.count("select count(*) from customer where deleted_at is null")
            .await,
        live_before
    );

    let (status, body) = bulk(
        &app,
        &staff.sales,
        json!({ "kind": "matching", "query": query, "expected": expected }),
        json!({ "kind": "delete" }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["changed"], expected);
    let batch = body["batch"].as_str().unwrap().to_string();
    let deleted: Vec<i64> = db::query_scalar(
        "select customer_id from customer where deleted_at is not null order by customer_id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(deleted, matching);
    assert_eq!(audit_count(&app, "delete", "customer").await, expected);

    // Meanwhile someone re-used one deleted customer's e-mail: that one stays in the Trash.
    let taken: String = db::query_scalar("select email from customer where customer_id = $1")
        .bind(matching[0])
        .fetch_one(&app.pool)
        .await
        .unwrap();
    add_customer(&app, &staff.admin, &taken, &[]).await;

    for cookie in [&staff.support, &staff.accounting] {
        let (status, _) = app
            .call(cookie, "restore_customer_batch", json!({ "batch": batch }))
            .await;
        assert_eq!(status, 403);
    }
    let (status, body) = app
        .call(
            &staff.sales,
            "restore_customer_batch",
            json!({ "batch": batch }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["matched"], expected);
    assert_eq!(body["changed"], expected - 1);
    assert_eq!(
        app.count("select count(*) from customer where deleted_at is null")
            .await,
        live_before
    );
    assert_eq!(audit_count(&app, "restore", "customer").await, expected - 1);
    // The counters behind "1–20 of N" followed.
    assert_eq!(
        app.count("select cast(sum(live) as bigint) from customer_count")
            .await,
        live_before
    );
    let (status, _) = app
        .call(
            &staff.sales,
            "restore_customer_batch",
            json!({ "batch": "nope" }),
        )
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn bulk_label_on_all_matching_uses_the_same_filters_as_the_list() {
    let app = spawn_app().await;
    let staff = app.staff_cookies().await;
    server::seed::seed_demo(&app.pool, 150).await.unwrap();
    let tag = new_label(&app, &staff.admin, "Campaign", "#5e35b1").await;
    let query = json!({ "status": "inactive" });
    let (_, n) = app
        .call(
            &staff.admin,
            "count_matching_customers",
            json!({ "query": query }),
        )
        .await;
    let n = n.as_i64().unwrap();
    let inactive = app
        .count("select count(*) from customer where deleted_at is null and status = 'inactive'")
        .await;
    assert_eq!(n, inactive);
    let (status, body) = bulk(
        &app,
        &staff.admin,
        json!({ "kind": "matching", "query": query, "expected": n }),
        json!({ "kind": "add_label", "label_id": tag }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        app.count(&format!(
            "select count(*) from customer_label cl join customer c using (customer_id)
              where cl.label_id = {tag} and c.status = 'inactive'"
        ))
        .await,
        n
    );
    assert_eq!(
        app.count(&format!(
            "select count(*) from customer_label where label_id = {tag}"
        ))
        .await,
        n
    );
    let (_, total) = list_ids(&app, &staff.admin, json!({ "labels": [tag] })).await;
    assert_eq!(total["n"], n);
    // Too many ids in one request: refused before anything happens.
    let ids: Vec<i64> = (1..=10_001).collect();
    let (status, _) = bulk(
        &app,
        &staff.admin,
        json!({ "kind": "ids", "ids": ids }),
        json!({ "kind": "delete" }),
    )
    .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn a_bulk_seed_rebuilds_every_index_trigger_and_counter_it_set_aside() {
    let app = spawn_app().await;
    let schema = if app.pool.backend() == db::Backend::Postgres {
        "select string_agg(x, ',' order by x) from (
           select indexdef as x from pg_indexes where schemaname = current_schema()
           union all
           select tgname::text || ':' || tgenabled::text from pg_trigger where not tgisinternal) t"
    } else {
        "select group_concat(name, ',') from (select name from sqlite_master
          where type in ('index', 'trigger') order by name)"
    };
    let before: String = db::query_scalar(schema).fetch_one(&app.pool).await.unwrap();
    server::seed::seed_demo(&app.pool, 10).await.unwrap();
    server::seed::seed_demo(&app.pool, server::seed::BULK_LOAD_ROWS)
        .await
        .unwrap();
    let after: String = db::query_scalar(schema).fetch_one(&app.pool).await.unwrap();
    assert_eq!(before, after);
    let live = app
        .count("select count(*) from customer where deleted_at is null")
        .await;
    assert_eq!(live, 10 + server::seed::BULK_LOAD_ROWS as i64);
    assert_eq!(
        app.count("select cast(sum(live) as bigint) from customer_count")
            .await,
        live
    );
    assert_eq!(
        app.count(
            "select count(*) from label where used != (select count(*) from customer_label cl
             where cl.label_id = label.label_id)"
        )
        .await,
        0
    );
    assert!(app.count("select min(used) from label").await > 0);
    // The unique e-mail index is back and enforced; the triggers fire again.
    let staff = app.staff_cookies().await;
    let taken: String = db::query_scalar("select email from customer where customer_id = 15000")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let (status, _) = app
        .call(
            &staff.admin,
            "create_customer",
            json!({ "input": customer_json(&taken.to_uppercase()) }),
        )
        .await;
    assert_eq!(status, 422);
    let vip: i64 = db::query_scalar("select label_id from label where name = 'VIP'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let used_before: i64 = db::query_scalar("select used from label where label_id = $1")
        .bind(vip)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    add_customer(&app, &staff.admin, "fresh@example.com", &[vip]).await;
    assert_eq!(
        app.count(&format!("select used from label where label_id = {vip}"))
            .await,
        used_before + 1
    );
    // Search finds the seeded rows.
    let (ids, _) = list_ids(&app, &staff.admin, json!({ "q": taken })).await;
    assert_eq!(ids, [15000]);
}

#[tokio::test]
async fn label_filtered_pages_return_every_row_once_in_both_directions() {
    let app = spawn_app().await;
    let staff = app.staff_cookies().await;
    server::seed::seed_demo(&app.pool, 300).await.unwrap();
    let (vip, lead): (i64, i64) = db::query_as(
        "select (select label_id from label where name = 'VIP'),
                (select label_id from label where name = 'Lead')",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    for (labels, all, status) in [
        (vec![lead], false, None),
        (vec![lead], false, Some("inactive")),
        (vec![vip, lead], true, None),
        (vec![vip, lead], false, Some("active")),
    ] {
        let mut reference =
            String::from("select customer_id from customer c where deleted_at is null");
        let cond = |id: i64| {
            format!(" exists (select 1 from customer_label x where x.customer_id = c.customer_id and x.label_id = {id})")
        };
        let parts: Vec<String> = labels.iter().map(|id| cond(*id)).collect();
        reference.push_str(&format!(
            " and ({})",
            parts.join(if all { " and " } else { " or " })
        ));
        if let Some(s) = status {
            reference.push_str(&format!(" and status = '{s}'"));
        }
        for desc in [true, false] {
            let want: Vec<i64> = db::query_scalar(format!(
                "{reference} order by customer_id {}",
                if desc { "desc" } else { "asc" }
            ))
            .fetch_all(&app.pool)
            .await
            .unwrap();
            let mut query = json!({
                "labels": labels, "all_labels": all, "status": status, "size": 10, "desc": desc
            });
            let mut got = Vec::new();
            let mut pages = Vec::new();
            loop {
                let (ids, total) = list_ids(&app, &staff.support, query.clone()).await;
                assert_eq!(total["n"], want.len(), "{labels:?} {all} {status:?}");
                got.extend(ids.iter().copied());
                pages.push(ids);
                let (_, body) = app
                    .call(&staff.support, "list_customers", json!({ "query": query }))
                    .await;
                if body["next"].is_null() {
                    // And back again with the previous-page cursors.
                    let mut back = body["prev"].clone();
                    let mut i = pages.len() - 1;
                    while !back.is_null() {
                        i -= 1;
                        query["cursor"] = back;
                        let (_, body) = app
                            .call(&staff.support, "list_customers", json!({ "query": query }))
                            .await;
                        let ids: Vec<i64> = body["rows"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .map(|r| r["customer_id"].as_i64().unwrap())
                            .collect();
                        assert_eq!(ids, pages[i]);
                        back = body["prev"].clone();
                    }
                    assert_eq!(i, 0);
                    break;
                }
                query["cursor"] = body["next"].clone();
            }
            assert_eq!(got, want, "{labels:?} {all} {status:?} desc={desc}");
        }
    }
}

#[tokio::test]
async fn undo_of_a_bulk_delete_leaves_customers_deleted_later_on_their_own() {
    let app = spawn_app().await;
    let staff = app.staff_cookies().await;
    let a = add_customer(&app, &staff.admin, "a@example.com", &[]).await;
    let b = add_customer(&app, &staff.admin, "b@example.com", &[]).await;
    let (_, body) = bulk(
        &app,
        &staff.admin,
        json!({ "kind": "ids", "ids": [a, b] }),
        json!({ "kind": "delete" }),
    )
    .await;
    let batch = body["batch"].as_str().unwrap().to_string();
    // A comes back from the Trash, then is deleted again on its own.
    app.call(&staff.admin, "restore_customer", json!({ "id": a }))
        .await;
    app.call(&staff.admin, "delete_customer", json!({ "id": a }))
        .await;
    let (status, body) = app
        .call(
            &staff.admin,
            "restore_customer_batch",
            json!({ "batch": batch }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["changed"], 1);
    let deleted: Vec<i64> =
        db::query_scalar("select customer_id from customer where deleted_at is not null")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(deleted, [a]);
    // More labels in one filter than the limit: refused, not half-applied.
    let many: Vec<i64> = (1..=21).collect();
    let (status, _) = app
        .call(
            &staff.admin,
            "list_customers",
            json!({ "query": { "labels": many } }),
        )
        .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn bulk_changes_are_audited_with_the_client_ip_and_bump_versions() {
    // Every bulk path goes through the one customer write path, which records the request's
    // client IP on each event (the set-based inserts used to leave it out).
    let app = spawn_app_with(|s| s.trust_forwarded_for = true).await;
    let staff = app.staff_cookies().await;
    let vip = new_label(&app, &staff.admin, "VIP", "#1e40af").await;
    let a = add_customer(&app, &staff.admin, "ip-a@example.com", &[]).await;
    let b = add_customer(&app, &staff.admin, "ip-b@example.com", &[]).await;
    let before = customer(&app, &staff.admin, a).await["version"]
        .as_i64()
        .unwrap();
    let target = json!({ "kind": "ids", "ids": [a, b] });
    for action in [
        json!({ "kind": "set_status", "status": "inactive" }),
        json!({ "kind": "add_label", "label_id": vip }),
        json!({ "kind": "remove_label", "label_id": vip }),
    ] {
        let res = app
            .client
            .post(app.url("/api/bulk_update_customers"))
            .header("cookie", &staff.sales)
            .header("accept", "application/json")
            .header("x-forwarded-for", "203.0.113.9")
            .json(&json!({ "target": target, "action": action }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{action}");
    }
    let (status, body) = bulk(&app, &staff.sales, target, json!({ "kind": "delete" })).await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = app
        .call(
            &staff.sales,
            "restore_customer_batch",
            json!({ "batch": body["batch"] }),
        )
        .await;
    assert_eq!(status, 200);
    let rows: Vec<(String, Option<String>)> = db::query_as(
        "select action, ip from audit_event where entity = 'customer' and entity_id in ($1, $2)
           and action in ('status', 'labels', 'delete', 'restore') order by audit_event_id",
    )
    .bind(a)
    .bind(b)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let actions: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(
        actions,
        [
            "status", "status", "labels", "labels", "labels", "labels", "delete", "delete",
            "restore", "restore"
        ]
    );
    for (action, ip) in &rows[..6] {
        assert_eq!(ip.as_deref(), Some("203.0.113.9"), "{action}");
    }
    for (action, ip) in &rows[6..] {
        assert_eq!(ip.as_deref(), Some("127.0.0.1"), "{action}");
    }
    // Status, label added, label removed: three versions on.
    let after = customer(&app, &staff.admin, a).await["version"]
        .as_i64()
        .unwrap();
    assert_eq!(after, before + 3);
}
