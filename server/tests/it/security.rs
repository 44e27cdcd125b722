//! Findings of the security review of issue #15, each proven over the real router: sign-in
//! never redirects to another host, personal data is never cached, …

use crate::common::*;
use serde_json::json;

fn header(res: &reqwest::Response, name: &str) -> String {
    res.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

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
