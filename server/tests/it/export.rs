//! Export to Excel, read back with calamine: the same rows in the same order as the list,
//! typed cells, literal text for formula-like names, chosen columns only, selected rows,
//! permissions and the audit row.

use crate::common::*;
use app::db;
use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};
use serde_json::{json, Value};

struct Download {
    status: u16,
    disposition: String,
    bytes: Vec<u8>,
}

async fn export(app: &TestApp, cookie: &str, body: Value) -> Download {
    let res = app
        .client
        .post(app.url("/export/customers"))
        .header("cookie", cookie)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let disposition = res
        .headers()
        .get("content-disposition")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let bytes = res.bytes().await.unwrap().to_vec();
    Download {
        status,
        disposition,
        bytes,
    }
}

fn sheet(bytes: &[u8], name: &str) -> Vec<Vec<Data>> {
    let mut wb: Xlsx<_> = open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let range = wb.worksheet_range(name).unwrap();
    range.rows().map(|r| r.to_vec()).collect()
}

fn text(d: &Data) -> String {
    match d {
        Data::String(s) => s.clone(),
        Data::Empty => String::new(),
        other => panic!("expected a text cell, got {other:?}"),
    }
}

/// Every id the list shows for `query`, page after page.
async fn list_all(app: &TestApp, cookie: &str, query: Value) -> Vec<i64> {
    let mut q = query;
    q["size"] = json!(100);
    let mut out = Vec::new();
    loop {
        let (status, page) = app
            .call(cookie, "list_customers", json!({ "query": q }))
            .await;
        assert_eq!(status, 200, "{page}");
        out.extend(
            page["rows"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["customer_id"].as_i64().unwrap()),
        );
        if page["next"].is_null() {
            return out;
        }
        q["cursor"] = page["next"].clone();
    }
}

async fn add(
    app: &TestApp,
    cookie: &str,
    first: &str,
    last: &str,
    email: &str,
    labels: &[i64],
) -> i64 {
    let mut c = customer_json(email);
    c["first_name"] = json!(first);
    c["last_name"] = json!(last);
    c["labels"] = json!(labels);
    let (status, body) = app
        .call(cookie, "create_customer", json!({ "input": c }))
        .await;
    assert_eq!(status, 200, "{body}");
    body["customer_id"].as_i64().unwrap()
}

#[tokio::test]
async fn the_current_view_exports_exactly_the_listed_rows_in_order_with_typed_cells() {
    let app = spawn_app().await;
    let staff = app.staff_cookies().await;
    // More than one chunk (2,000 rows) so the export walks on with the keyset cursor.
    server::seed::seed_demo(&app.pool, 2_100).await.unwrap();
    let vip: i64 = db::query_scalar("select label_id from label where name = 'VIP'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let newsletter: i64 = db::query_scalar("select label_id from label where name = 'Newsletter'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let tricky = add(
        &app,
        &staff.sales,
        "=HYPERLINK(\"http://evil.example\",\"click\")",
        "@SUM(1)",
        "tricky@example.com",
        &[vip],
    )
    .await;

    // Search + labels + status, sorted by last name: the file has the list's ids, in order.
    let query = json!({
        "q": "a", "status": "active", "labels": [vip, newsletter],
        "sort": "last_name", "desc": false
    });
    let listed = list_all(&app, &staff.accounting, query.clone()).await;
    assert!(listed.len() > 10, "a meaningful view: {}", listed.len());
    let d = export(
        &app,
        &staff.accounting,
        json!({ "scope": "view", "query": query, "columns": [] }),
    )
    .await;
    assert_eq!(d.status, 200);
    assert!(
        d.disposition
            .starts_with("attachment; filename=\"customers_view_")
            && d.disposition.ends_with(".xlsx\""),
        "{}",
        d.disposition
    );
    let rows = sheet(&d.bytes, "Customers");
    let header: Vec<String> = rows[0].iter().map(text).collect();
    assert_eq!(header[0], "User ID");
    assert!(header.contains(&"Labels".to_string()));
    let exported: Vec<i64> = rows[1..]
        .iter()
        .map(|r| text(&r[0]).parse().unwrap())
        .collect();
    assert_eq!(exported, listed);

    // Whole list with every column: typed cells and literal formulas.
    let d = export(&app, &staff.admin, json!({ "scope": "all" })).await;
    assert_eq!(d.status, 200);
    let rows = sheet(&d.bytes, "Customers");
    assert_eq!(rows.len() - 1, 2_101);
    let all: Vec<i64> = rows[1..]
        .iter()
        .map(|r| text(&r[0]).parse().unwrap())
        .collect();
    assert_eq!(all, list_all(&app, &staff.admin, json!({})).await);
    let header: Vec<String> = rows[0].iter().map(text).collect();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let row = rows
        .iter()
        .find(|r| r[0] == Data::String(tricky.to_string()))
        .unwrap();
    assert_eq!(
        row[col("First name")],
        Data::String("=HYPERLINK(\"http://evil.example\",\"click\")".into())
    );
    assert_eq!(row[col("Last name")], Data::String("@SUM(1)".into()));
    assert_eq!(row[col("Contact")], Data::String("0917 123 4567".into()));
    assert_eq!(row[col("Labels")], Data::String("VIP".into()));
    // Every row's labels, in display order (by name), as the profile shows them.
    for r in &rows[1..] {
        let id: i64 = text(&r[0]).parse().unwrap();
        let expected: Option<String> = db::query_scalar(format!(
            "select {} from customer_label cl join label l on l.label_id = cl.label_id
              where cl.customer_id = $1",
            app.pool
                .backend()
                .group_concat("l.name", "', '", "l.name_key, l.label_id")
        ))
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
        assert_eq!(
            text(&r[col("Labels")]),
            expected.unwrap_or_default(),
            "customer {id}"
        );
    }
    assert_eq!(row[col("Status")], Data::String("Active".into()));
    assert_eq!(row[col("Country")], Data::String("Philippines".into()));
    assert!(
        matches!(row[col("Birthday")], Data::DateTime(_)),
        "{:?}",
        row[col("Birthday")]
    );
    assert!(matches!(row[col("Date created")], Data::DateTime(_)));
    if let Data::DateTime(d) = &row[col("Birthday")] {
        // 1990-05-17 as an Excel serial date.
        assert_eq!(d.as_f64(), 33010.0);
    }
    if let Data::DateTime(d) = &row[col("Date created")] {
        // Created a moment ago, in UTC (the database computes the number).
        let now = chrono::Utc::now().timestamp_millis() as f64 / 86_400_000.0 + 25_569.0;
        assert!(
            (d.as_f64() - now).abs() < 5.0 / 1440.0,
            "{} vs {now}",
            d.as_f64()
        );
    }
    // No cell anywhere is a formula.
    let mut wb: Xlsx<_> = open_workbook_from_rs(std::io::Cursor::new(d.bytes.clone())).unwrap();
    let formulas = wb.worksheet_formula("Customers").unwrap();
    assert!(formulas.used_cells().all(|(_, _, f)| f.is_empty()));

    // The info sheet says who, which rows, how many.
    let info = sheet(&d.bytes, "Export info");
    let value = |k: &str| {
        info.iter()
            .find(|r| text(&r[0]) == k)
            .map(|r| text(&r[1]))
            .unwrap()
    };
    assert_eq!(value("Rows"), "2101");
    assert_eq!(value("Rows chosen"), "All customers");
    assert!(value("Exported by").contains("admin@example.com"));
    assert!(value("Exported at (UTC)").ends_with("UTC"));
}

#[tokio::test]
async fn chosen_columns_selected_rows_permissions_and_audit() {
    let app = spawn_app().await;
    let staff = app.staff_cookies().await;
    let a = add(&app, &staff.admin, "Ann", "Alpha", "ann@example.com", &[]).await;
    let b = add(&app, &staff.admin, "Ben", "Beta", "ben@example.com", &[]).await;
    add(&app, &staff.admin, "Cid", "Gamma", "cid@example.com", &[]).await;

    // Only the visible columns, in the screen's order.
    let d = export(
        &app,
        &staff.sales,
        json!({ "scope": "selected", "ids": [a, b], "columns": ["email", "id", "nope"] }),
    )
    .await;
    assert_eq!(d.status, 200);
    assert!(d.disposition.contains("customers_selected_"));
    let rows = sheet(&d.bytes, "Customers");
    assert_eq!(
        rows.iter()
            .map(|r| r.iter().map(text).collect::<Vec<_>>())
            .collect::<Vec<_>>(),
        vec![
            vec!["Email".to_string(), "User ID".to_string()],
            vec!["ben@example.com".to_string(), b.to_string()],
            vec!["ann@example.com".to_string(), a.to_string()],
        ]
    );

    // Support may not export; nobody signed in may not either; bad bodies are 400.
    let audits = || app.count("select count(*) from audit_event where action = 'export'");
    assert_eq!(audits().await, 1);
    let d = export(&app, &staff.support, json!({ "scope": "all" })).await;
    assert_eq!(d.status, 403);
    let d = export(&app, "", json!({ "scope": "all" })).await;
    assert_eq!(d.status, 401);
    for bad in [
        json!({ "scope": "everything" }),
        json!({ "scope": "selected", "ids": [] }),
        json!({ "scope": "all", "columns": ["nope"] }),
    ] {
        let d = export(&app, &staff.admin, bad.clone()).await;
        assert_eq!(d.status, 400, "{bad}");
    }
    assert_eq!(audits().await, 1);

    let changes: String = db::query_scalar(
        "select changes from audit_event where action = 'export' and actor_role = 'sales'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(
        changes.contains("\"new\":\"Selected\"") && changes.contains("\"new\":\"2\""),
        "{changes}"
    );
    // Which customers were in the file.
    assert!(changes.contains(&format!("[{a},{b}]")), "{changes}");
    // Each one's Activity says so; the third's does not.
    let c: i64 = app.count("select max(customer_id) from customer").await;
    for (id, included) in [(a, true), (b, true), (c, false)] {
        let (status, activity) = app
            .call(&staff.support, "customer_activity", json!({ "id": id }))
            .await;
        assert_eq!(status, 200);
        let exports: Vec<&Value> = activity
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "exports")
            .collect();
        assert_eq!(exports.len(), usize::from(included), "#{id}: {activity}");
        if included {
            assert_eq!(exports[0]["title"], "Included in an export to Excel");
            assert_eq!(exports[0]["detail"], "(Selected, 2 rows)");
            assert_eq!(exports[0]["actor_name"], "Test Person");
        }
    }
}
