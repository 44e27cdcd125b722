//! Saved views (#18): the team's shared ones (Admin manages them, "Best clients" comes with
//! the demo data), each user's own, one name per owner, the page left out, bad input refused.

use crate::common::*;
use serde_json::{json, Value};

async fn views(app: &TestApp, cookie: &str) -> Vec<(String, bool, String)> {
    let (status, body) = app.call(cookie, "list_saved_views", json!({})).await;
    assert_eq!(status, 200, "{body}");
    names(&body)
}

fn names(body: &Value) -> Vec<(String, bool, String)> {
    body.as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["name"].as_str().unwrap().to_string(),
                v["shared"].as_bool().unwrap(),
                v["query"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

async fn save(app: &TestApp, cookie: &str, name: &str, shared: bool, query: &str) -> (u16, Value) {
    app.call(
        cookie,
        "save_view",
        json!({ "name": name, "shared": shared, "query": query, "hidden_columns": ["birthday"] }),
    )
    .await
}

#[tokio::test]
async fn shared_views_are_the_admins_own_views_are_their_owners() {
    let app = spawn_app().await;
    let staff = app.staff_cookies().await;
    server::seed::seed_demo(&app.pool, 20).await.unwrap();
    let vip = app
        .count("select label_id from label where name = 'VIP'")
        .await;
    let best = (
        "Best clients".to_string(),
        true,
        format!("status=active&labels={vip}"),
    );
    assert_eq!(views(&app, &staff.support).await, vec![best.clone()]);
    // Seeding again does not add a second one.
    server::seed::seed_demo(&app.pool, 5).await.unwrap();
    assert_eq!(app.count("select count(*) from saved_view").await, 1);

    // Anyone keeps their own; the page, page size and table/cards are not part of a view.
    let (status, body) = save(
        &app,
        &staff.support,
        " Irish ",
        false,
        "country=IE&sort=last_name&cursor=a%3A4%3AX&start=21&size=50&view=cards",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let irish = (
        "Irish".to_string(),
        false,
        "country=IE&sort=last_name".to_string(),
    );
    assert_eq!(names(&body), vec![best.clone(), irish.clone()]);
    assert_eq!(views(&app, &staff.sales).await, vec![best.clone()]);
    let (status, _) = save(&app, &staff.support, "IRISH", false, "country=IE").await;
    assert_eq!(status, 200);
    assert_eq!(
        views(&app, &staff.support).await,
        vec![
            best.clone(),
            ("IRISH".to_string(), false, "country=IE".to_string())
        ],
        "the same name (any case) replaces"
    );

    // Only an Admin shares, replaces or deletes the team's.
    let (status, _) = save(&app, &staff.sales, "Team", true, "status=inactive").await;
    assert_eq!(status, 403);
    let (status, body) = save(&app, &staff.admin, "Best clients", true, "status=active").await;
    assert_eq!(status, 200, "{body}");
    let best_id: i64 = app
        .count("select saved_view_id from saved_view where owner_id is null")
        .await;
    assert_eq!(views(&app, &staff.sales).await[0].2, "status=active");
    let (status, _) = app
        .call(&staff.sales, "delete_saved_view", json!({ "id": best_id }))
        .await;
    assert_eq!(status, 403);
    let mine: i64 = app
        .count("select saved_view_id from saved_view where owner_id is not null")
        .await;
    let (status, _) = app
        .call(&staff.sales, "delete_saved_view", json!({ "id": mine }))
        .await;
    assert_eq!(status, 404, "another user's own view is not found");
    let (status, _) = app
        .call(&staff.support, "delete_saved_view", json!({ "id": mine }))
        .await;
    assert_eq!(status, 200);
    let (status, _) = app
        .call(&staff.admin, "delete_saved_view", json!({ "id": best_id }))
        .await;
    assert_eq!(status, 200);
    assert_eq!(app.count("select count(*) from saved_view").await, 0);

    // Bad input: a message for the name, 400 for what no form sends; nothing saved.
    let (status, body) = save(&app, &staff.sales, "   ", false, "status=active").await;
    assert_eq!(status, 422, "{body}");
    assert!(body.to_string().contains("view_name"), "{body}");
    let (status, _) = save(&app, &staff.sales, &"x".repeat(61), false, "").await;
    assert_eq!(status, 422);
    let (status, _) = app
        .call(
            &staff.sales,
            "save_view",
            json!({ "name": "Odd", "shared": false, "query": "", "hidden_columns": ["password_hash"] }),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(app.count("select count(*) from saved_view").await, 0);
}
