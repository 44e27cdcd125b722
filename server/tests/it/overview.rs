//! The Overview (#19): its tallies, kept by triggers, equal a recount from the tables after
//! every kind of change (create, edit, status, delete, restore, bulk, purge, portal states
//! and access, an account moving to another customer); the page's numbers are those; every
//! staff role may read them.

use crate::common::*;
use app::db;
use serde_json::{json, Value};
use std::collections::BTreeMap;

type Tally = BTreeMap<(String, String), i64>;

/// The tallies as kept (rows of 0 dropped; the net change is checked by its sum).
async fn kept(app: &TestApp) -> Tally {
    let rows: Vec<(String, String, i64)> = db::query_as(
        "select dim, key, cast(n as bigint) from customer_stat where dim <> 'net' and n <> 0",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    rows.into_iter().map(|(d, k, n)| ((d, k), n)).collect()
}

/// The same, counted from the tables.
async fn recounted(app: &TestApp) -> Tally {
    let (hour, day, creator) = if on_postgres() {
        (
            "stat_hour({})",
            "stat_day({})",
            "coalesce(created_by::text, '')",
        )
    } else {
        (
            "strftime('%Y-%m-%d %H', {})",
            "date({})",
            "coalesce(created_by, '')",
        )
    };
    let hour = |x: &str| hour.replace("{}", x);
    let day = |x: &str| day.replace("{}", x);
    let state = "case when pa.disabled_at is not null then 'disabled' \
                 when pa.password_hash is not null then 'active' \
                 when pa.invited_at is not null then 'invited' end";
    let live_accounts = "from portal_account pa join customer c on c.customer_id = pa.customer_id \
                         where c.deleted_at is null";
    let sql = format!(
        "select 'country', country, count(*) from customer where deleted_at is null group by country
         union all select 'created', {h}, count(*) from customer where deleted_at is null group by {h}
         union all select 'creator', {d} || ' ' || {creator}, count(*) from customer
                    where deleted_at is null group by {d} || ' ' || {creator}
         union all select 'portal', {state}, count(*) {live_accounts} and ({state}) is not null group by {state}
         union all select 'access', {ah}, count(*) {live_accounts} and pa.last_access_at is not null group by {ah}
         union all select 'accessed', 'all', count(*) {live_accounts} and pa.last_access_at is not null
                    having count(*) > 0",
        h = hour("created_at"),
        d = day("created_at"),
        ah = hour("pa.last_access_at"),
    );
    let rows: Vec<(String, String, i64)> = db::query_as(&sql).fetch_all(&app.pool).await.unwrap();
    rows.into_iter().map(|(d, k, n)| ((d, k), n)).collect()
}

async fn assert_tallies_right(app: &TestApp, when: &str) {
    assert_eq!(kept(app).await, recounted(app).await, "after {when}");
    let net = app
        .count("select cast(coalesce(sum(n), 0) as bigint) from customer_stat where dim = 'net'")
        .await;
    let live = app
        .count("select count(*) from customer where deleted_at is null")
        .await;
    assert_eq!(
        net, live,
        "the net changes add up to today's count, after {when}"
    );
}

async fn create(app: &TestApp, cookie: &str, email: &str, country: &str) -> i64 {
    let mut c = customer_json(email);
    c["country"] = json!(country);
    c["phone"] = json!("");
    c["contact_phone"] = json!("");
    let (status, body) = app
        .call(cookie, "create_customer", json!({ "input": c }))
        .await;
    assert_eq!(status, 200, "{body}");
    body["customer_id"].as_i64().unwrap()
}

async fn sql(app: &TestApp, statement: &str) {
    db::query(statement).execute(&app.pool).await.unwrap();
}

#[tokio::test]
async fn tallies_follow_every_change_and_the_page_reads_them() {
    let app = spawn_app().await;
    let staff = app.staff_cookies().await;
    server::seed::seed_demo(&app.pool, 40).await.unwrap();
    assert_tallies_right(&app, "the demo data").await;

    let a = create(&app, &staff.sales, "a@example.com", "PH").await;
    let b = create(&app, &staff.admin, "b@example.com", "JP").await;
    let c = create(&app, &staff.admin, "c@example.com", "JP").await;
    assert_tallies_right(&app, "creating").await;

    // Another country and status, then deleted, restored, deleted for good.
    let (_, got) = app
        .call(&staff.admin, "get_customer", json!({ "id": a }))
        .await;
    let mut edited = customer_json("a@example.com");
    edited["country"] = json!("DE");
    edited["phone"] = json!("");
    edited["contact_phone"] = json!("");
    let (status, body) = app
        .call(
            &staff.sales,
            "update_customer",
            json!({ "id": a, "version": got["version"], "input": edited }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = app
        .call(
            &staff.sales,
            "set_customer_status",
            json!({ "id": b, "status": "inactive" }),
        )
        .await;
    assert_eq!(status, 200);
    assert_tallies_right(&app, "editing").await;

    // Portal accounts in each state, with last accesses (set as the portal would).
    let now = chrono::Utc::now();
    let days_ago = |d: i64| now - chrono::Duration::days(d);
    let account = "insert into portal_account (customer_id, created_at, invited_at, password_hash, last_access_at)
                   values ($1, $2, $2, $3, $4)";
    for (id, password, access) in [
        (a, None, None),
        (b, Some("x"), Some(days_ago(26))),
        (c, None, None),
    ] {
        db::query(account)
            .bind(id)
            .bind(days_ago(300))
            .bind(password)
            .bind(access)
            .execute(&app.pool)
            .await
            .unwrap();
    }
    db::query(
        "update portal_account set password_hash = 'y', last_access_at = $1 where customer_id = $2",
    )
    .bind(days_ago(3))
    .bind(c)
    .execute(&app.pool)
    .await
    .unwrap();
    sql(
        &app,
        &format!("update portal_account set disabled_at = last_access_at where customer_id = {b}"),
    )
    .await;
    assert_tallies_right(&app, "portal changes").await;

    for (name, args) in [
        ("delete_customer", json!({ "id": c })),
        ("restore_customer", json!({ "id": c })),
        ("delete_customer", json!({ "id": b })),
    ] {
        let (status, body) = app.call(&staff.admin, name, args).await;
        assert_eq!(status, 200, "{name}: {body}");
        assert_tallies_right(&app, name).await;
    }
    // An account moving to another customer (what a merge does).
    sql(
        &app,
        &format!("delete from portal_account where customer_id = {a}"),
    )
    .await;
    sql(
        &app,
        &format!("update portal_account set customer_id = {a} where customer_id = {b}"),
    )
    .await;
    assert_tallies_right(&app, "an account moving").await;

    // Bulk: a label on some, then all of them deleted; purged from the Trash.
    let ids: Vec<i64> = db::query_scalar(
        "select customer_id from customer where deleted_at is null order by customer_id limit 10",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let (status, body) = app
        .call(
            &staff.admin,
            "bulk_update_customers",
            json!({ "target": { "kind": "ids", "ids": ids }, "action": { "kind": "delete" } }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_tallies_right(&app, "a bulk delete").await;
    let purged = app::customers::store::purge_deleted(
        &app.pool,
        chrono::Utc::now() + chrono::Duration::days(1),
    )
    .await
    .unwrap();
    assert!(purged >= 10);
    assert_tallies_right(&app, "purging the Trash").await;

    // The page's numbers.
    let (status, o) = app
        .call(&staff.accounting, "overview_stats", json!({}))
        .await;
    assert_eq!(status, 200, "{o}");
    let live = app
        .count("select count(*) from customer where deleted_at is null")
        .await;
    assert_eq!(o["total"], live);
    assert_eq!(
        o["active"].as_i64().unwrap() + o["inactive"].as_i64().unwrap(),
        live
    );
    // Everything today's: the whole live count arrived within 30 days.
    assert_eq!(o["change_30d"], live);
    let months = o["months"].as_array().unwrap();
    assert_eq!(months.len(), 24);
    let first: chrono::NaiveDate = months[0][0].as_str().unwrap().parse().unwrap();
    let recent: i64 = db::query_scalar(
        "select count(*) from customer where deleted_at is null and created_at >= $1",
    )
    .bind(first.and_hms_opt(0, 0, 0).unwrap().and_utc())
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let in_months: i64 = months.iter().map(|m| m[1].as_i64().unwrap()).sum();
    assert_eq!(in_months, recent, "{o}");
    assert!(
        months[23][1].as_i64().unwrap() >= 1,
        "this month's three: {o}"
    );
    let countries = o["countries"].as_array().unwrap();
    let counted: i64 = countries
        .iter()
        .map(|c| c[1].as_i64().unwrap())
        .sum::<i64>()
        + o["other_countries"].as_i64().unwrap();
    assert_eq!(counted, live);
    let jp = countries
        .iter()
        .find(|c| c[0] == "JP")
        .expect("JP has a bar");
    assert_eq!(
        jp[1],
        app.count("select count(*) from customer where deleted_at is null and country = 'JP'")
            .await
    );
    let portal = &o["portal"];
    let sum = |v: &Value, keys: &[&str]| keys.iter().map(|k| v[k].as_i64().unwrap()).sum::<i64>();
    assert_eq!(
        sum(portal, &["not_invited", "invited", "active", "disabled"]),
        live
    );
    assert_eq!(portal["active"], 1, "c's account: {o}");
    // b's account moved to a (disabled, accessed 26 days ago), c accessed 3 days ago.
    assert_eq!(portal["disabled"], 1, "{o}");
    let access = &o["access"];
    assert_eq!(sum(access, &["within_90", "over_90", "never"]), live);
    assert_eq!(access["within_90"], 2, "{o}");
    assert_eq!(access["within_30"], 2, "{o}");
    assert_eq!(access["within_7"], 1, "{o}");
    let creators = o["creators"].as_array().unwrap();
    // a and b were created just now by two people (b since deleted); c by the Admin.
    let names: Vec<(&str, i64)> = creators
        .iter()
        .map(|c| (c[0].as_str().unwrap(), c[1].as_i64().unwrap()))
        .collect();
    assert!(names.iter().all(|(_, n)| *n > 0), "{o}");
    assert!(names.iter().map(|(_, n)| n).sum::<i64>() >= 2, "{o}");
    let labels = o["labels"].as_array().unwrap();
    assert!(labels
        .windows(2)
        .all(|w| w[0]["customers"].as_i64() >= w[1]["customers"].as_i64()));

    let anonymous = app.call("", "overview_stats", json!({})).await;
    assert_eq!(anonymous.0, 401);
}
