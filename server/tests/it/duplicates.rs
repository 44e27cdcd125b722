//! Find duplicates and merge them (#19): candidates by normalised e-mail, phone and name +
//! birthday; "Not duplicates" hides a pair; a merge keeps the picked values, unites labels,
//! moves notes and the portal account, sends the other to the Trash, is audited on both, and
//! one Undo brings both back as they were; stale or bad requests change nothing.

use crate::common::*;
use app::db;
use serde_json::{json, Value};

async fn label(app: &TestApp, cookie: &str, name: &str) -> i64 {
    let (status, body) = app
        .call(
            cookie,
            "create_label",
            json!({ "input": { "name": name, "color": "#336699" } }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body["label_id"].as_i64().unwrap()
}

/// A customer with these fields over `customer_json`'s (no phones unless given).
async fn add(app: &TestApp, cookie: &str, fields: Value) -> i64 {
    let mut c = customer_json("x@example.com");
    c["phone"] = json!("");
    c["contact_phone"] = json!("");
    c["birthday"] = json!("");
    for (k, v) in fields.as_object().unwrap() {
        c[k] = v.clone();
    }
    let (status, body) = app
        .call(cookie, "create_customer", json!({ "input": c }))
        .await;
    assert_eq!(status, 200, "{body}");
    body["customer_id"].as_i64().unwrap()
}

async fn get(app: &TestApp, cookie: &str, id: i64) -> (u16, Value) {
    app.call(cookie, "get_customer", json!({ "id": id })).await
}

fn pairs(found: &Value) -> Vec<(i64, i64, Vec<String>)> {
    found["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["a"]["id"].as_i64().unwrap(),
                p["b"]["id"].as_i64().unwrap(),
                p["reasons"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r.as_str().unwrap().to_string())
                    .collect(),
            )
        })
        .collect()
}

#[tokio::test]
async fn finds_pairs_by_email_phone_and_name_with_birthday_and_forgets_dismissed_ones() {
    let app = spawn_app().await;
    let staff = app.staff_cookies().await;
    let gmail = add(
        &app,
        &staff.sales,
        json!({ "email": "ana.lopez@gmail.com", "first_name": "Ana", "last_name": "Lopez" }),
    )
    .await;
    let tagged = add(&app, &staff.sales, json!({ "email": "AnaLopez+shop@googlemail.com", "first_name": "Ann", "last_name": "Lopes" })).await;
    // Dots count outside Gmail; a +tag does not.
    let work = add(
        &app,
        &staff.sales,
        json!({ "email": "b.cruz@work.example", "first_name": "Ben", "last_name": "Cruz" }),
    )
    .await;
    let _other_dots = add(
        &app,
        &staff.sales,
        json!({ "email": "bcruz@work.example", "first_name": "Bea", "last_name": "Cruz" }),
    )
    .await;
    let work_tag = add(
        &app,
        &staff.sales,
        json!({ "email": "b.cruz+news@work.example", "first_name": "Bo", "last_name": "Cruz" }),
    )
    .await;
    // The same phone typed two ways.
    let p1 = add(&app, &staff.sales, json!({ "email": "p1@example.com", "first_name": "Carl", "last_name": "Ong", "country": "PH", "phone": "0917 123 4567" })).await;
    let p2 = add(&app, &staff.sales, json!({ "email": "p2@example.com", "first_name": "Carlo", "last_name": "Ong", "country": "PH", "phone": "+63 917-123-4567" })).await;
    // The same name (any case) and birthday.
    let n1 = add(&app, &staff.sales, json!({ "email": "n1@example.com", "first_name": "Dana", "last_name": "Reyes", "birthday": "1990-04-01" })).await;
    let n2 = add(&app, &staff.sales, json!({ "email": "n2@example.com", "first_name": "DANA", "last_name": "reyes", "birthday": "1990-04-01" })).await;
    let _n3 = add(&app, &staff.sales, json!({ "email": "n3@example.com", "first_name": "Dana", "last_name": "Reyes", "birthday": "1991-04-01" })).await;

    let (status, found) = app.call(&staff.admin, "find_duplicates", json!({})).await;
    assert_eq!(status, 200, "{found}");
    let mut got = pairs(&found);
    got.sort();
    let mut want = vec![
        (gmail, tagged, vec!["email".to_string()]),
        (work, work_tag, vec!["email".to_string()]),
        (p1, p2, vec!["phone".to_string()]),
        (n1, n2, vec!["name_birthday".to_string()]),
    ];
    want.sort();
    assert_eq!(got, want, "{found}");

    // "Not duplicates": gone from the list, audited on both.
    let (status, _) = app
        .call(
            &staff.sales,
            "dismiss_duplicate",
            json!({ "a": n2, "b": n1 }),
        )
        .await;
    assert_eq!(status, 200);
    let (_, found) = app.call(&staff.admin, "find_duplicates", json!({})).await;
    assert!(!pairs(&found).iter().any(|p| p.0 == n1), "{found}");
    assert_eq!(
        app.count("select count(*) from audit_event where action = 'duplicate_dismissed'")
            .await,
        2
    );
    // Deleted customers are no candidates.
    app.call(&staff.admin, "delete_customer", json!({ "id": p2 }))
        .await;
    let (_, found) = app.call(&staff.admin, "find_duplicates", json!({})).await;
    assert!(!pairs(&found).iter().any(|p| p.0 == p1), "{found}");
    // View-only roles do not merge, so they do not look for merges either.
    let (status, _) = app.call(&staff.support, "find_duplicates", json!({})).await;
    assert_eq!(status, 403);
}

async fn merge(app: &TestApp, cookie: &str, input: Value) -> (u16, Value) {
    app.call(cookie, "merge_customers", json!({ "input": input }))
        .await
}

#[tokio::test]
async fn a_merge_moves_everything_to_the_survivor_and_one_undo_puts_both_back() {
    let app = spawn_app().await;
    let staff = app.staff_cookies().await;
    let vip = label(&app, &staff.admin, "VIP").await;
    let partner = label(&app, &staff.admin, "Partner").await;
    let keep = add(&app, &staff.sales, json!({ "email": "ana@example.com", "first_name": "Ana", "last_name": "Lopez", "city": "", "labels": [vip] })).await;
    let gone = add(&app, &staff.sales, json!({ "email": "ana.lopez@work.example", "first_name": "Ana", "last_name": "López", "city": "Cebu", "labels": [partner] })).await;
    for (id, body) in [(keep, "Kept note"), (gone, "Moved note")] {
        let (status, _) = app
            .call(
                &staff.support,
                "add_note",
                json!({ "customer_id": id, "body": body }),
            )
            .await;
        assert_eq!(status, 200);
    }
    // The other has a portal account with a signed-in session; the survivor has none.
    let now = chrono::Utc::now();
    db::query("insert into portal_account (customer_id, created_at, invited_at, password_hash) values ($1, $2, $2, 'h')")
        .bind(gone)
        .bind(now)
        .execute(&app.pool)
        .await
        .unwrap();
    db::query("insert into portal_session (session_hash, customer_id, created_at, last_seen_at, expires_at, ip, user_agent) values ('s1', $1, $2, $2, $2, '', '')")
        .bind(gone)
        .bind(now)
        .execute(&app.pool)
        .await
        .unwrap();
    let (_, before_keep) = get(&app, &staff.sales, keep).await;
    let (_, before_gone) = get(&app, &staff.sales, gone).await;
    let input = json!({
        "survivor": keep, "survivor_version": before_keep["version"],
        "other": gone, "other_version": before_gone["version"],
        "from_other": ["email", "city"],
    });

    // Refused, nothing changed: the same record twice, an unknown field, a stale version,
    // a missing customer, a view-only role.
    for (bad, want) in [
        (
            json!({ "survivor": keep, "survivor_version": 1, "other": keep, "other_version": 1 }),
            422,
        ),
        (
            json!({ "survivor": keep, "survivor_version": before_keep["version"], "other": gone, "other_version": before_gone["version"], "from_other": ["password_hash"] }),
            422,
        ),
        (
            json!({ "survivor": keep, "survivor_version": 99, "other": gone, "other_version": before_gone["version"] }),
            409,
        ),
        (
            json!({ "survivor": keep, "survivor_version": 1, "other": 999_999, "other_version": 1 }),
            404,
        ),
    ] {
        let (status, body) = merge(&app, &staff.sales, bad.clone()).await;
        assert_eq!(status, want, "{bad}: {body}");
    }
    let (status, _) = merge(&app, &staff.accounting, input.clone()).await;
    assert_eq!(status, 403);
    assert_eq!(get(&app, &staff.sales, gone).await.0, 200);

    let (status, merged) = merge(&app, &staff.sales, input.clone()).await;
    assert_eq!(status, 200, "{merged}");
    let (_, after) = get(&app, &staff.sales, keep).await;
    assert_eq!(after["email"], "ana.lopez@work.example");
    assert_eq!(after["city"], "Cebu");
    assert_eq!(
        after["last_name"], "Lopez",
        "the survivor's own value stays"
    );
    let mut names: Vec<&str> = after["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["name"].as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["Partner", "VIP"]);
    assert_eq!(get(&app, &staff.sales, gone).await.0, 404);
    assert_eq!(
        app.count(&format!("select count(*) from customer where customer_id = {gone} and merged_into = {keep} and deleted_at is not null")).await,
        1
    );
    let (_, notes) = app
        .call(&staff.sales, "list_notes", json!({ "customer_id": keep }))
        .await;
    assert_eq!(notes.as_array().unwrap().len(), 2, "{notes}");
    assert_eq!(
        app.count(&format!(
            "select count(*) from portal_account where customer_id = {keep}"
        ))
        .await,
        1
    );
    assert_eq!(
        app.count("select count(*) from portal_session where session_hash = 's1'")
            .await,
        0
    );
    assert_eq!(
        app.count(&format!(
            "select count(*) from audit_event where action = 'merge' and entity_id = {keep}"
        ))
        .await,
        2,
        "the field changes and the merged-from line"
    );
    assert_eq!(
        app.count(&format!(
            "select count(*) from audit_event where action = 'merged_into' and entity_id = {gone}"
        ))
        .await,
        1
    );
    // The other's history shows on the survivor's Activity, saying where it came from.
    let (status, activity) = app
        .call(&staff.support, "customer_activity", json!({ "id": keep }))
        .await;
    assert_eq!(status, 200);
    let from_other: Vec<&Value> = activity
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| {
            e["detail"]
                .as_str()
                .is_some_and(|d| d.contains(&format!("customer #{gone}, merged into this one")))
        })
        .collect();
    assert!(
        from_other.iter().any(|e| e["title"] == "Created"),
        "{activity}"
    );
    assert!(
        from_other
            .iter()
            .any(|e| e["title"] == "Merged into another customer"),
        "{activity}"
    );
    // The same merge again is stale now.
    assert_eq!(merge(&app, &staff.sales, input.clone()).await.0, 404);

    // Undo: both as they were.
    let id = merged["merge_id"].as_i64().unwrap();
    let (status, body) = app
        .call(&staff.admin, "undo_merge", json!({ "merge_id": id }))
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, k) = get(&app, &staff.sales, keep).await;
    let (status, g) = get(&app, &staff.sales, gone).await;
    assert_eq!(status, 200, "{g}");
    for field in [
        "email",
        "city",
        "last_name",
        "first_name",
        "country",
        "status",
    ] {
        assert_eq!(k[field], before_keep[field], "{field}");
        assert_eq!(g[field], before_gone[field], "{field}");
    }
    assert_eq!(k["labels"].as_array().unwrap().len(), 1);
    assert_eq!(k["labels"][0]["id"], vip);
    assert_eq!(g["labels"][0]["id"], partner);
    let (_, notes) = app
        .call(&staff.sales, "list_notes", json!({ "customer_id": gone }))
        .await;
    assert_eq!(notes[0]["body"], "Moved note");
    assert_eq!(
        app.count(&format!(
            "select count(*) from portal_account where customer_id = {gone}"
        ))
        .await,
        1
    );
    assert_eq!(
        app.count(&format!(
            "select count(*) from portal_account where customer_id = {keep}"
        ))
        .await,
        0
    );
    assert_eq!(
        app.count("select count(*) from customer where merged_into is not null")
            .await,
        0
    );
    assert_eq!(
        app.count("select count(*) from audit_event where action = 'unmerge'")
            .await,
        3
    );
    let (status, _) = app
        .call(&staff.admin, "undo_merge", json!({ "merge_id": id }))
        .await;
    assert_eq!(status, 409, "undone once only");

    // A merge whose survivor is edited afterwards is not undone in one step.
    let (_, k) = get(&app, &staff.sales, keep).await;
    let (_, g) = get(&app, &staff.sales, gone).await;
    let (status, merged) = merge(&app, &staff.sales, json!({
        "survivor": gone, "survivor_version": g["version"], "other": keep, "other_version": k["version"],
    }))
    .await;
    assert_eq!(status, 200, "{merged}");
    let (status, _) = app
        .call(
            &staff.sales,
            "set_customer_status",
            json!({ "id": gone, "status": "inactive" }),
        )
        .await;
    assert_eq!(status, 200);
    let (status, body) = app
        .call(
            &staff.sales,
            "undo_merge",
            json!({ "merge_id": merged["merge_id"] }),
        )
        .await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("after the merge"),
        "{body}"
    );
    assert_eq!(get(&app, &staff.sales, keep).await.0, 404, "still merged");
}

#[tokio::test]
async fn with_two_portal_accounts_the_survivors_stays_and_the_others_sessions_end() {
    let app = spawn_app().await;
    let staff = app.staff_cookies().await;
    let a = add(&app, &staff.sales, json!({ "email": "one@example.com" })).await;
    let b = add(&app, &staff.sales, json!({ "email": "two@example.com" })).await;
    let now = chrono::Utc::now();
    for (id, session) in [(a, "sa"), (b, "sb")] {
        db::query("insert into portal_account (customer_id, created_at, invited_at, password_hash) values ($1, $2, $2, 'h')")
            .bind(id)
            .bind(now)
            .execute(&app.pool)
            .await
            .unwrap();
        db::query("insert into portal_session (session_hash, customer_id, created_at, last_seen_at, expires_at, ip, user_agent) values ($1, $2, $3, $3, $3, '', '')")
            .bind(session)
            .bind(id)
            .bind(now)
            .execute(&app.pool)
            .await
            .unwrap();
    }
    let (status, body) = merge(
        &app,
        &staff.admin,
        json!({ "survivor": a, "survivor_version": 1, "other": b, "other_version": 1 }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        app.count("select count(*) from portal_session where session_hash = 'sa'")
            .await,
        1
    );
    assert_eq!(
        app.count("select count(*) from portal_session where session_hash = 'sb'")
            .await,
        0
    );
    assert_eq!(
        app.count(&format!(
            "select count(*) from portal_account where customer_id = {a}"
        ))
        .await,
        1
    );
    assert_eq!(
        app.count(&format!(
            "select count(*) from portal_account where customer_id = {b}"
        ))
        .await,
        1
    );
}
