//! A customer's data rights (#19): an Admin downloads everything stored about a customer
//! as a zip (JSON + xlsx; no hash, no token), the customer downloads their own from the
//! portal; an Admin anonymises a customer after typing their name, and afterwards no
//! personal value is left anywhere in the database — every table is read back and searched.

use crate::common::*;
use crate::portal::CUSTOMER_PASSWORD;
use app::db;
use serde_json::{json, Value};
use std::io::Read;

/// The distinctive values a customer is given, to look for afterwards.
const PERSONAL: [&str; 8] = [
    "zebulon.quackenbush@example.com",
    "Zebulon",
    "Quackenbush",
    "9175550199",
    "Tagbilaran",
    "77 Zebra Street",
    "Quincy Zedd",
    "quincy.zedd@example.com",
];

/// An active portal customer with distinctive details, a note, an invitation mail and
/// history (staff edits and their own portal sign-in). Returns (id, portal cookie).
async fn rich_customer(app: &TestApp, staff: &Staff) -> (i64, String) {
    let (id, portal) = app.active_customer(&staff.sales, PERSONAL[0]).await;
    let (_, c) = app
        .call(&staff.sales, "get_customer", json!({ "id": id }))
        .await;
    let mut input = customer_json(PERSONAL[0]);
    input["first_name"] = json!(PERSONAL[1]);
    input["last_name"] = json!(PERSONAL[2]);
    input["phone"] = json!("0917 555 0199");
    input["city"] = json!(PERSONAL[4]);
    input["street"] = json!(PERSONAL[5]);
    input["contact_name"] = json!(PERSONAL[6]);
    input["contact_email"] = json!(PERSONAL[7]);
    let (status, body) = app
        .call(
            &staff.sales,
            "update_customer",
            json!({ "id": id, "version": c["version"], "input": input }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = app
        .call(
            &staff.support,
            "add_note",
            json!({ "customer_id": id, "body": "Zebulon asked about Tagbilaran delivery" }),
        )
        .await;
    assert_eq!(status, 200);
    assert!(app
        .portal_login(PERSONAL[0], CUSTOMER_PASSWORD)
        .await
        .is_some());
    (id, portal)
}

/// The files of a zip, by name.
fn unzip(bytes: &[u8]) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut f = zip.by_index(i).unwrap();
            let mut out = Vec::new();
            f.read_to_end(&mut out).unwrap();
            (f.name().to_string(), out)
        })
        .collect()
}

async fn get(app: &TestApp, cookie: &str, path: &str) -> reqwest::Response {
    app.client
        .get(app.url(path))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn an_admin_and_the_customer_download_everything_stored_but_no_secret() {
    let app = spawn_app().await;
    let staff = app.staff_cookies().await;
    let (id, portal) = rich_customer(&app, &staff).await;
    let hash: String =
        db::query_scalar("select password_hash from portal_account where customer_id = $1")
            .bind(id)
            .fetch_one(&app.pool)
            .await
            .unwrap();

    let path = format!("/customers/data-export?id={id}");
    for cookie in [&staff.sales, &staff.support, &staff.accounting] {
        assert_eq!(get(&app, cookie, &path).await.status(), 403);
    }
    assert_eq!(
        get(&app, &portal, &path).await.status(),
        303,
        "not staff: to sign-in"
    );
    assert_eq!(
        get(&app, &staff.admin, "/customers/data-export?id=999999")
            .await
            .status(),
        404
    );
    assert_eq!(
        get(&app, &staff.admin, "/customers/data-export?id=x")
            .await
            .status(),
        400
    );

    let res = get(&app, &staff.admin, &path).await;
    assert_eq!(res.status(), 200);
    assert_eq!(header(&res, "content-type"), "application/zip");
    assert!(header(&res, "content-disposition").contains(&format!("customer-{id}-data.zip")));
    let files = unzip(&res.bytes().await.unwrap());
    let names: Vec<&String> = files.keys().collect();
    assert_eq!(
        names,
        [
            &format!("customer-{id}.json"),
            &format!("customer-{id}.xlsx")
        ]
    );
    let text = String::from_utf8(files[&format!("customer-{id}.json")].clone()).unwrap();
    let data: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(data["customer"]["email"], PERSONAL[0]);
    assert_eq!(data["customer"]["city"], PERSONAL[4]);
    assert_eq!(
        data["notes"][0]["body"],
        "Zebulon asked about Tagbilaran delivery"
    );
    let actions: Vec<&str> = data["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"update") && actions.contains(&"portal_login"),
        "{actions:?}"
    );
    assert_eq!(data["portal_account"]["password_set"], true);
    assert!(data["emails"][0]["subject"].as_str().is_some());
    assert!(
        !text.contains(&hash) && !text.contains("password_hash"),
        "no hash"
    );
    let invite_token: Vec<String> = db::query_scalar("select token_hash from portal_token")
        .fetch_all(&app.pool)
        .await
        .unwrap_or_default();
    assert!(invite_token.iter().all(|t| !text.contains(t.as_str())));
    assert!(
        !text.contains("token=") || text.contains("token=redacted"),
        "no usable link"
    );
    // The workbook opens, with the record on its first sheet.
    let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(
        files[&format!("customer-{id}.xlsx")].clone(),
    ))
    .unwrap();
    use calamine::Reader;
    let sheets = book.sheet_names();
    assert_eq!(
        sheets,
        ["Customer", "Notes", "History", "Portal", "E-mails"]
    );
    let first = book.worksheet_range("Customer").unwrap();
    assert!(first.rows().any(|r| r[0] == "Email" && r[1] == PERSONAL[0]));
    assert_eq!(
        app.count(&format!(
            "select count(*) from audit_event where action = 'data_export' and entity_id = {id}"
        ))
        .await,
        1
    );

    // The customer's own, from the portal; staff cookies are not a customer's.
    let res = get(&app, &portal, "/portal/my-data").await;
    assert_eq!(res.status(), 200);
    let files = unzip(&res.bytes().await.unwrap());
    let mine: Value = serde_json::from_slice(&files[&format!("customer-{id}.json")]).unwrap();
    assert_eq!(mine["customer"]["customer_id"], id);
    assert_eq!(
        get(&app, &staff.admin, "/portal/my-data").await.status(),
        303
    );
}

/// Every value of every table, as text (blobs also as hex).
async fn dump(app: &TestApp) -> String {
    let mut out = String::new();
    if on_postgres() {
        let tables: Vec<String> = db::query_scalar(
            "select table_name::text from information_schema.tables
              where table_schema = current_schema() and table_type = 'BASE TABLE'",
        )
        .fetch_all(&app.pool)
        .await
        .unwrap();
        for t in tables {
            let rows: Vec<String> =
                db::query_scalar(format!("select row_to_json(x)::text from \"{t}\" x"))
                    .fetch_all(&app.pool)
                    .await
                    .unwrap();
            out.push_str(&rows.join("\n"));
        }
    } else {
        let tables: Vec<String> =
            db::query_scalar("select name from sqlite_master where type = 'table'")
                .fetch_all(&app.pool)
                .await
                .unwrap();
        for t in tables {
            let cols: Vec<String> =
                db::query_scalar(format!("select name from pragma_table_info('{t}')"))
                    .fetch_all(&app.pool)
                    .await
                    .unwrap();
            if cols.is_empty() {
                continue;
            }
            let each: Vec<String> = cols
                .iter()
                .map(|c| format!("coalesce(case when typeof(\"{c}\") = 'blob' then hex(\"{c}\") else cast(\"{c}\" as text) end, '')"))
                .collect();
            let rows: Vec<String> =
                db::query_scalar(format!("select {} from \"{t}\"", each.join(" || '|' || ")))
                    .fetch_all(&app.pool)
                    .await
                    .unwrap();
            out.push_str(&rows.join("\n"));
        }
    }
    out
}

fn hex(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test]
async fn anonymising_leaves_no_personal_value_anywhere_and_keeps_the_statistics() {
    let app = spawn_app().await;
    let staff = app.staff_cookies().await;
    let (id, portal) = rich_customer(&app, &staff).await;
    let vip: i64 = {
        let (_, l) = app
            .call(
                &staff.admin,
                "create_label",
                json!({ "input": { "name": "VIP", "color": "#aa3300" } }),
            )
            .await;
        l["label_id"].as_i64().unwrap()
    };
    let add = json!({ "target": { "kind": "ids", "ids": [id] }, "action": { "kind": "add_label", "label_id": vip } });
    assert_eq!(
        app.call(&staff.sales, "bulk_update_customers", add).await.0,
        200
    );
    let before = dump(&app).await.to_lowercase();
    assert!(
        PERSONAL.iter().all(|p| before.contains(&p.to_lowercase())),
        "the test data is there first"
    );
    let events_before = app
        .count(&format!(
            "select count(*) from audit_event where entity_id = {id}"
        ))
        .await;
    let (_, c) = app
        .call(&staff.admin, "get_customer", json!({ "id": id }))
        .await;
    let name = c["first_name"].as_str().unwrap().to_string()
        + " "
        + c["middle_name"].as_str().unwrap()
        + " "
        + c["last_name"].as_str().unwrap()
        + " "
        + c["suffix"].as_str().unwrap();

    // Refused, nothing changed: not an Admin; the wrong name.
    let (status, _) = app
        .call(
            &staff.sales,
            "anonymise_customer",
            json!({ "id": id, "confirm": name }),
        )
        .await;
    assert_eq!(status, 403);
    let (status, body) = app
        .call(
            &staff.admin,
            "anonymise_customer",
            json!({ "id": id, "confirm": "Zebulon" }),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(body["detail"]["confirm"].as_str().is_some(), "{body}");
    assert_eq!(
        app.call(&staff.admin, "get_customer", json!({ "id": id }))
            .await
            .1["city"],
        PERSONAL[4]
    );

    let (status, body) = app
        .call(
            &staff.admin,
            "anonymise_customer",
            json!({ "id": id, "confirm": format!("  {name} ") }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let after = dump(&app).await;
    let lower = after.to_lowercase();
    for p in PERSONAL {
        let p = p.to_lowercase();
        assert!(!lower.contains(&p), "“{p}” is still in the database");
        assert!(
            !lower.contains(&hex(&p)),
            "“{p}” is still in the database (as bytes)"
        );
    }

    // What stays: the row, its id, labels, status, country, dates; the events (one more).
    let (status, c) = app
        .call(&staff.admin, "get_customer", json!({ "id": id }))
        .await;
    assert_eq!(status, 200);
    assert_eq!(c["first_name"], "Anonymised");
    assert_eq!(c["country"], "PH");
    assert_eq!(c["labels"][0]["id"], vip);
    assert_eq!(
        app.count(&format!(
            "select count(*) from audit_event where entity_id = {id}"
        ))
        .await,
        events_before + 1
    );
    assert_eq!(
        app.count("select count(*) from audit_redaction where open")
            .await,
        0
    );
    // Portal access is over.
    assert_eq!(
        app.count(&format!(
            "select count(*) from portal_session where customer_id = {id}"
        ))
        .await,
        0
    );
    assert_eq!(get(&app, &portal, "/portal/my-data").await.status(), 303);
    assert!(app
        .portal_login(PERSONAL[0], CUSTOMER_PASSWORD)
        .await
        .is_none());
    // Once only.
    let (status, _) = app
        .call(
            &staff.admin,
            "anonymise_customer",
            json!({ "id": id, "confirm": "Anonymised #".to_string() + &id.to_string() }),
        )
        .await;
    assert_eq!(status, 409);

    // The audit log is still append-only to everyone else.
    let tamper = db::query(format!(
        "update audit_event set changes = '[]' where entity_id = {id}"
    ))
    .execute(&app.pool)
    .await;
    assert!(
        tamper.is_err(),
        "an update outside an anonymisation is refused"
    );
    let tamper = db::query("delete from audit_redaction")
        .execute(&app.pool)
        .await;
    assert!(tamper.is_err(), "the redactions themselves stay");
}

#[tokio::test]
async fn merged_duplicates_are_anonymised_with_their_survivor_and_never_come_back() {
    let app = spawn_app().await;
    let staff = app.staff_cookies().await;
    let mut ids = Vec::new();
    for email in [
        "dup.one@example.com",
        "dup.two@example.com",
        "dup.three@example.com",
    ] {
        let mut c = customer_json(email);
        c["first_name"] = json!("Xavier");
        c["last_name"] = json!("Yellowhammer");
        let (status, body) = app
            .call(&staff.sales, "create_customer", json!({ "input": c }))
            .await;
        assert_eq!(status, 200, "{body}");
        ids.push(body["customer_id"].as_i64().unwrap());
    }
    let merge = |s: i64, o: i64| json!({ "input": { "survivor": s, "survivor_version": 1, "other": o, "other_version": 1 } });
    // Two into one (the first two), then the third anonymised while merged into nobody:
    // a merge whose merged-away record was anonymised in the Trash is not undone.
    let (status, first) = app
        .call(&staff.sales, "merge_customers", merge(ids[0], ids[1]))
        .await;
    assert_eq!(status, 200, "{first}");
    let (status, body) = app
        .call(
            &staff.admin,
            "anonymise_customer",
            json!({ "id": ids[1], "confirm": "Maria Xavier Yellowhammer" }),
        )
        .await;
    assert_eq!(
        status, 422,
        "the name as shown includes the middle name and suffix: {body}"
    );
    let (status, body) = app
        .call(
            &staff.admin,
            "anonymise_customer",
            json!({ "id": ids[1], "confirm": "Xavier Clara Yellowhammer Jr." }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = app
        .call(
            &staff.sales,
            "undo_merge",
            json!({ "merge_id": first["merge_id"] }),
        )
        .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(
        app.count(&format!(
            "select count(*) from customer where customer_id = {} and deleted_at is not null",
            ids[1]
        ))
        .await,
        1
    );

    // Anonymising a survivor takes the records merged into it along.
    let (status, body) = app
        .call(&staff.sales, "merge_customers", merge(ids[2], ids[0]))
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = app
        .call(
            &staff.admin,
            "anonymise_customer",
            json!({ "id": ids[2], "confirm": "Xavier Clara Yellowhammer Jr." }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let dump = dump(&app).await.to_lowercase();
    for p in [
        "yellowhammer",
        "dup.one@example.com",
        "dup.two@example.com",
        "dup.three@example.com",
    ] {
        assert!(!dump.contains(p), "“{p}” is still in the database");
    }
}
