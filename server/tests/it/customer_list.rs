//! The Customers list query: search semantics, filters, sorts, keyset paging, counts.

use crate::common::*;
use app::db;
use serde_json::{json, Value};
use std::collections::HashSet;

async fn list(app: &TestApp, cookie: &str, query: Value) -> Value {
    let (status, body) = app
        .call(cookie, "list_customers", json!({ "query": query }))
        .await;
    assert_eq!(status, 200, "{body}");
    body
}

fn ids(page: &Value) -> Vec<i64> {
    page["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["customer_id"].as_i64().unwrap())
        .collect()
}

async fn add(
    app: &TestApp,
    cookie: &str,
    first: &str,
    last: &str,
    email: &str,
    phone: &str,
    country: &str,
) -> i64 {
    let mut c = customer_json(email);
    c["first_name"] = json!(first);
    c["last_name"] = json!(last);
    c["phone"] = json!(phone);
    c["country"] = json!(country);
    c["contact_phone"] = json!("");
    let (status, body) = app
        .call(cookie, "create_customer", json!({ "input": c }))
        .await;
    assert_eq!(status, 200, "{body}");
    body["customer_id"].as_i64().unwrap()
}

#[tokio::test]
async fn search_finds_names_emails_ids_and_phones_in_any_format() {
    let app = spawn_app().await;
    let staff = app.staff_cookies().await;
    server::seed::seed_demo(&app.pool, 200).await.unwrap();
    let maria = add(
        &app,
        &staff.admin,
        "Mariabella",
        "Quisumbing",
        "mq@zzexample.org",
        "0917 555 0199",
        "PH",
    )
    .await;
    let john = add(
        &app,
        &staff.admin,
        "Johnathan",
        "Xylophone",
        "jx.unique@zzexample.org",
        "(415) 555-2671",
        "US",
    )
    .await;
    let deleted = add(
        &app,
        &staff.admin,
        "Deleted",
        "Quisumbing",
        "gone@zzexample.org",
        "",
        "",
    )
    .await;
    app.call(&staff.admin, "delete_customer", json!({ "id": deleted }))
        .await;

    let cases: Vec<(&str, Vec<i64>)> = vec![
        ("quisumbing", vec![maria]),
        ("QUISUMB", vec![maria]),
        ("bella", vec![maria]),
        ("Mariabella Quisumbing", vec![maria]),
        ("mq@zzexample.org", vec![maria]),
        ("jx.unique", vec![john]),
        ("0917 555 0199", vec![maria]),
        ("+63 917 555 0199", vec![maria]),
        ("09175550199", vec![maria]),
        ("415-555-2671", vec![john]),
        ("(415) 555 2671", vec![john]),
        ("xy", vec![john]),
        ("Jo Xylophone", vec![john]),
        ("gone@zzexample.org", vec![]),
        ("\"", vec![]),
        ("*", vec![]),
        ("%", vec![]),
        ("_", vec![]),
        ("' OR 1=1 --", vec![]),
        ("xylophone\" OR \"a", vec![]),
        ("NEAR(a b)", vec![]),
        ("x' ; drop table customer; --", vec![]),
    ];
    for (q, expected) in cases {
        let page = list(&app, &staff.support, json!({ "q": q, "size": 100 })).await;
        let got: HashSet<i64> = ids(&page).into_iter().collect();
        let want: HashSet<i64> = expected.into_iter().collect();
        assert_eq!(got, want, "search {q:?}");
    }
    assert_eq!(
        app.count("select count(*) from customer").await,
        203,
        "nothing dropped"
    );

    // A User ID ranks first, then anything else containing those digits.
    let page = list(
        &app,
        &staff.support,
        json!({ "q": maria.to_string(), "size": 10 }),
    )
    .await;
    assert_eq!(ids(&page)[0], maria);
    let page = list(&app, &staff.support, json!({ "q": "7", "size": 10 })).await;
    assert_eq!(ids(&page), vec![7]);
}

#[tokio::test]
async fn status_filter_combines_with_search() {
    let app = spawn_app().await;
    let staff = app.staff_cookies().await;
    server::seed::seed_demo(&app.pool, 300).await.unwrap();
    let inactive: i64 = app
        .count("select count(*) from customer where status = 'inactive'")
        .await;
    let page = list(
        &app,
        &staff.admin,
        json!({ "status": "inactive", "size": 100 }),
    )
    .await;
    assert_eq!(page["total"], json!({ "n": inactive, "capped": false }));
    assert!(page["rows"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["status"] == "inactive"));

    let santos_inactive: i64 = app
        .count("select count(*) from customer where status = 'inactive' and last_name = 'Santos'")
        .await;
    let page = list(
        &app,
        &staff.admin,
        json!({ "status": "inactive", "q": "santos", "size": 100 }),
    )
    .await;
    assert_eq!(page["total"]["n"], santos_inactive);
    assert!(page["rows"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["status"] == "inactive" && r["last_name"] == "Santos"));
}

#[tokio::test]
async fn every_sort_pages_through_every_row_exactly_once_both_ways() {
    let app = spawn_app().await;
    let staff = app.staff_cookies().await;
    server::seed::seed_demo(&app.pool, 137).await.unwrap();
    let all: i64 = app.count("select count(*) from customer").await;
    for sort in [
        "id",
        "first_name",
        "last_name",
        "email",
        "country",
        "status",
        "created",
        "updated",
    ] {
        for desc in [false, true] {
            let mut seen = Vec::new();
            let mut pages = Vec::new();
            let mut cursor = Value::Null;
            loop {
                let page = list(
                    &app,
                    &staff.admin,
                    json!({ "sort": sort, "desc": desc, "size": 20, "cursor": cursor }),
                )
                .await;
                assert_eq!(page["total"]["n"], all);
                seen.extend(ids(&page));
                pages.push(ids(&page));
                if page["next"].is_null() {
                    break;
                }
                cursor = page["next"].clone();
            }
            assert_eq!(seen.len() as i64, all, "{sort} desc={desc}");
            assert_eq!(
                seen.iter().collect::<HashSet<_>>().len() as i64,
                all,
                "{sort} duplicates"
            );
            // Walk back from the last page with the prev cursors: the same pages in reverse.
            let mut back = vec![pages.last().unwrap().clone()];
            let mut page = list(
                &app,
                &staff.admin,
                json!({ "sort": sort, "desc": desc, "size": 20, "cursor": cursor.clone() }),
            )
            .await;
            while !page["prev"].is_null() {
                page = list(&app, &staff.admin, json!({ "sort": sort, "desc": desc, "size": 20, "cursor": page["prev"].clone() })).await;
                back.push(ids(&page));
            }
            back.reverse();
            assert_eq!(
                back.len(),
                pages.len(),
                "{sort} desc={desc}: page count backwards"
            );
            assert_eq!(
                back[1..],
                pages[1..],
                "{sort} desc={desc}: same pages backwards"
            );
        }
    }
}

#[tokio::test]
async fn sorts_really_sort() {
    let app = spawn_app().await;
    let staff = app.staff_cookies().await;
    server::seed::seed_demo(&app.pool, 120).await.unwrap();
    for (sort, field) in [
        ("last_name", "last_name"),
        ("email", "email"),
        ("country", "country"),
        ("created", "created_at"),
    ] {
        let page = list(
            &app,
            &staff.admin,
            json!({ "sort": sort, "desc": false, "size": 100 }),
        )
        .await;
        let values: Vec<String> = page["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r[field].as_str().unwrap().to_lowercase())
            .collect();
        let mut sorted = values.clone();
        sorted.sort();
        assert_eq!(values, sorted, "{sort}");
        let page = list(
            &app,
            &staff.admin,
            json!({ "sort": sort, "desc": true, "size": 100 }),
        )
        .await;
        let values: Vec<String> = page["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r[field].as_str().unwrap().to_lowercase())
            .collect();
        let mut sorted = values.clone();
        sorted.sort();
        sorted.reverse();
        assert_eq!(values, sorted, "{sort} desc");
    }
    let page = list(&app, &staff.admin, json!({})).await;
    let got = ids(&page);
    assert_eq!(got.len(), 20, "default page size");
    assert!(
        got.windows(2).all(|w| w[0] > w[1]),
        "default: newest id first"
    );
}

#[tokio::test]
async fn counts_are_exact_for_the_whole_list_and_capped_for_big_searches() {
    let app = spawn_app().await;
    let staff = app.staff_cookies().await;
    server::seed::seed_demo(&app.pool, 10_050).await.unwrap();
    let page = list(&app, &staff.admin, json!({ "size": 10 })).await;
    assert_eq!(page["total"], json!({ "n": 10_050, "capped": false }));
    // "example" is in every email: counting stops at the cap.
    let page = list(&app, &staff.admin, json!({ "q": "example", "size": 10 })).await;
    assert_eq!(page["total"], json!({ "n": 10_000, "capped": true }));
    // Deleting and restoring keeps the counters exact.
    let id = ids(&page)[0];
    app.call(&staff.admin, "delete_customer", json!({ "id": id }))
        .await;
    let page = list(&app, &staff.admin, json!({ "size": 10 })).await;
    assert_eq!(page["total"]["n"], 10_049);
    app.call(
        &staff.admin,
        "set_customer_status",
        json!({ "id": ids(&page)[0], "status": "inactive" }),
    )
    .await;
    let inactive = app
        .count("select count(*) from customer where status = 'inactive' and deleted_at is null")
        .await;
    let page = list(
        &app,
        &staff.admin,
        json!({ "status": "inactive", "size": 10 }),
    )
    .await;
    assert_eq!(page["total"]["n"], inactive);
}

#[tokio::test]
async fn edits_are_searchable_at_once() {
    let app = spawn_app().await;
    let staff = app.staff_cookies().await;
    let id = add(&app, &staff.admin, "Before", "Name", "b@zz.org", "", "").await;
    let mut c = customer_json("b@zz.org");
    c["first_name"] = json!("Zebulon");
    c["last_name"] = json!("Name");
    c["phone"] = json!("");
    c["contact_phone"] = json!("");
    app.call(
        &staff.admin,
        "update_customer",
        json!({ "id": id, "version": 1, "input": c }),
    )
    .await;
    assert_eq!(
        ids(&list(&app, &staff.admin, json!({ "q": "zebulon" })).await),
        vec![id]
    );
    assert_eq!(
        ids(&list(&app, &staff.admin, json!({ "q": "before" })).await),
        Vec::<i64>::new()
    );
}

#[tokio::test]
async fn short_prefixes_match_name_or_email_starts_exactly_and_are_counted() {
    let app = spawn_app().await;
    let staff = app.staff_cookies().await;
    server::seed::seed_demo(&app.pool, 400).await.unwrap();
    add(
        &app,
        &staff.admin,
        "Özlem",
        "Yıldız",
        "oy@zzexample.org",
        "",
        "TR",
    )
    .await;
    for (q, status) in [
        ("ma", None),
        ("Jo", Some("active")),
        ("z", None),
        ("ó", None),
        ("Öz", None),
    ] {
        // LIKE as each backend's list means it: SQLite's ignores ASCII case only;
        // PostgreSQL's list lower-cases both sides.
        let mut reference = String::from(if app.pool.backend() == db::Backend::Postgres {
            "select customer_id from customer where deleted_at is null and (
               lower(first_name) like lower($1) || '%' or lower(last_name) like lower($1) || '%'
               or lower(email) like lower($1) || '%')"
        } else {
            "select customer_id from customer where deleted_at is null and (
               first_name like $1 || '%' or last_name like $1 || '%' or email like $1 || '%')"
        });
        if let Some(s) = status {
            reference.push_str(&format!(" and status = '{s}'"));
        }
        reference.push_str(" order by customer_id desc");
        let want: Vec<i64> = db::query_scalar(&reference)
            .bind(q)
            .fetch_all(&app.pool)
            .await
            .unwrap();
        if q == "Öz" {
            assert_eq!(want.len(), 1, "the reference finds Özlem");
        }
        let mut got = Vec::new();
        let mut query = json!({ "q": q, "size": 100, "status": status });
        loop {
            let page = list(&app, &staff.support, query.clone()).await;
            assert_eq!(page["total"]["n"], want.len(), "{q}");
            assert_eq!(page["total"]["capped"], false);
            got.extend(ids(&page));
            if page["next"].is_null() {
                break;
            }
            query["cursor"] = page["next"].clone();
        }
        assert_eq!(got, want, "{q}");
    }
}

/// Case-insensitive matching is the same on both backends, for letters beyond ASCII too
/// (SQLite's FTS5 trigram tokenizer folds Unicode case; PostgreSQL's lower() in a UTF-8
/// locale does, and startup refuses a database whose locale does not). Accents are not
/// folded on either: "ozlem" does not find "Özlem".
#[tokio::test]
async fn unicode_names_match_without_case_alike_on_both_backends() {
    let app = spawn_app().await;
    let staff = app.staff_cookies().await;
    server::seed::seed_demo(&app.pool, 60).await.unwrap();
    let ozlem = add(
        &app,
        &staff.admin,
        "Özlem",
        "Yıldız",
        "oy@zz.example",
        "",
        "TR",
    )
    .await;
    let lukasz = add(
        &app,
        &staff.admin,
        "Łukasz",
        "Wiśniewski",
        "lw@zz.example",
        "",
        "PL",
    )
    .await;
    let aero = add(
        &app,
        &staff.admin,
        "Ærøskøbing",
        "Ærø",
        "ae@zz.example",
        "",
        "DK",
    )
    .await;
    let greek = add(
        &app,
        &staff.admin,
        "ΝΙΚΟΣ",
        "ΠΑΠΑΔΟΠΟΥΛΟΣ",
        "np@zz.example",
        "",
        "GR",
    )
    .await;
    for (q, want) in [
        ("Özlem", vec![ozlem]),
        ("özl", vec![ozlem]),
        ("ÖZLEM", vec![ozlem]),
        ("ŁUKASZ", vec![lukasz]),
        ("łuk", vec![lukasz]),
        ("wiśniewski", vec![lukasz]),
        ("ærø", vec![aero]),
        ("SKØB", vec![aero]),
        ("ÆRØSKØBING", vec![aero]),
        ("ozlem", vec![]),
        // A final sigma: Σ, σ and ς are one letter to search.
        ("παπαδοπουλος", vec![greek]),
        ("ΠΑΠΑΔΟΠΟΥΛΟΣ", vec![greek]),
        ("νικοσ", vec![greek]),
    ] {
        let page = list(&app, &staff.support, json!({ "q": q })).await;
        assert_eq!(ids(&page), want, "{q} on {:?}", app.pool.backend());
        assert_eq!(page["total"]["n"], want.len(), "{q}");
    }
}

/// `seed-demo` writes the same customers and labels on SQLite and PostgreSQL (one generator,
/// labels drawn in the same rhythm): the benchmarks of both backends measure the same data.
/// The fingerprint is a constant, so this test fails on either backend if they drift apart.
#[tokio::test]
async fn demo_data_are_the_same_on_both_backends() {
    let app = spawn_app().await;
    server::seed::seed_demo(&app.pool, 1_234).await.unwrap();
    let rows: Vec<(i64, String, String, String)> =
        db::query_as("select customer_id, email, status, phone from customer order by customer_id")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    let labels: Vec<(i64, String)> = db::query_as(
        "select cl.customer_id, l.name from customer_label cl
           join label l on l.label_id = cl.label_id
          order by cl.customer_id, l.name",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(rows.len(), 1_234);
    // FNV-1a over every row and label pair, in order.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |s: &str| {
        for b in s.bytes().chain([0u8]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    };
    for (id, email, status, phone) in &rows {
        eat(&format!("{id}|{email}|{status}|{phone}"));
    }
    for (id, name) in &labels {
        eat(&format!("{id}:{name}"));
    }
    assert_eq!(
        (labels.len(), format!("{h:016x}")),
        (1111, "c3d90ff4722a49fa".to_string()),
        "demo data fingerprint"
    );
}

/// A forged cursor key for a date sort is a 400 on both backends (PostgreSQL would otherwise
/// fail to read it as a timestamp: a 500), and a real one pages.
#[tokio::test]
async fn a_forged_date_cursor_is_a_bad_request() {
    let app = spawn_app().await;
    let staff = app.staff_cookies().await;
    server::seed::seed_demo(&app.pool, 30).await.unwrap();
    for sort in ["created", "updated"] {
        let (status, _) = app
            .call(
                &staff.admin,
                "list_customers",
                json!({ "query": { "sort": sort, "size": 10,
                    "cursor": { "after": true, "key": "not a date", "id": 5 } } }),
            )
            .await;
        assert_eq!(status, 400, "{sort}");
        let first = list(&app, &staff.admin, json!({ "sort": sort, "size": 10 })).await;
        let next = list(
            &app,
            &staff.admin,
            json!({ "sort": sort, "size": 10, "cursor": first["next"].clone() }),
        )
        .await;
        assert_eq!(ids(&next).len(), 10, "{sort}");
    }
}

/// Every row of a query, page after page (`next` cursors), and the first page's total.
async fn every_page(app: &TestApp, cookie: &str, mut query: Value) -> (Vec<i64>, Value) {
    let mut seen = Vec::new();
    let mut total = Value::Null;
    loop {
        let page = list(app, cookie, query.clone()).await;
        if total.is_null() {
            total = page["total"].clone();
        }
        seen.extend(ids(&page));
        if page["next"].is_null() {
            return (seen, total);
        }
        query["cursor"] = page["next"].clone();
    }
}

/// The further filters (#18): country (several), gender, created and updated days, last
/// portal access. Each alone and combined, on a rare value (the page is led by the filter's
/// own index) and a common one (the page walks the sort and checks each row), in the list's
/// order, every page, with exact counts; "all matching" and the exact-hit shortcuts obey
/// them too; malformed ones are refused.
#[tokio::test]
async fn further_filters_match_exactly_what_they_say_in_order_on_every_page() {
    let app = spawn_app().await;
    let staff = app.staff_cookies().await;
    server::seed::seed_demo(&app.pool, 1000).await.unwrap();
    let now = chrono::Utc::now();
    // A rare country, and portal accounts with last access at known distances.
    db::query("update customer set country = 'IS' where customer_id in (17, 290, 733)")
        .execute(&app.pool)
        .await
        .unwrap();
    for (id, days) in [
        (5i64, Some(2i64)),
        (6, Some(20)),
        (7, Some(60)),
        (8, Some(200)),
        (9, None),
    ] {
        db::query(
            "insert into portal_account (customer_id, created_at, invited_at, last_access_at)
             values ($1, $2, $2, $3)",
        )
        .bind(id)
        .bind(now)
        .bind(days.map(|d| now - chrono::Duration::days(d)))
        .execute(&app.pool)
        .await
        .unwrap();
    }
    let ids_where = |cond: &'static str, order: &'static str| {
        let pool = app.pool.clone();
        async move {
            db::query_scalar::<i64>(format!(
                "select customer_id from customer c where deleted_at is null and ({cond}) order by {order}"
            ))
            .fetch_all(&pool)
            .await
            .unwrap()
        }
    };
    // The seed's days: pick a window that holds some customers.
    let mid: String =
        db::query_scalar("select cast(created_at as text) from customer where customer_id = 500")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let day = &mid[..10];
    let day_after = (chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").unwrap()
        + chrono::Duration::days(20))
    .to_string();
    let created_cond: &'static str = Box::leak(
        format!("substr(cast(created_at as text), 1, 10) between '{day}' and '{day_after}'")
            .into_boxed_str(),
    );
    let updated_cond: &'static str =
        Box::leak(format!("substr(cast(updated_at as text), 1, 10) >= '{day}'").into_boxed_str());
    let cases: Vec<(&str, Value, Vec<i64>)> = vec![
        (
            "a rare country, newest first",
            json!({ "countries": ["IS"] }),
            ids_where("country = 'IS'", "customer_id desc").await,
        ),
        (
            "two countries by last name",
            json!({ "countries": ["IS", "JP"], "sort": "last_name", "desc": false }),
            ids_where("country in ('IS', 'JP')", "lower(last_name), customer_id").await,
        ),
        (
            "a common gender with a status",
            json!({ "gender": "other", "status": "inactive" }),
            ids_where("gender = 'other' and status = 'inactive'", "customer_id desc").await,
        ),
        (
            "created within three weeks, by date created",
            json!({ "created": { "from": day, "to": day_after }, "sort": "created" }),
            ids_where(created_cond, "created_at desc, customer_id desc").await,
        ),
        (
            "updated since a day, by e-mail",
            json!({ "updated": { "from": day }, "sort": "email", "desc": true }),
            ids_where(updated_cond, "lower(email) desc, customer_id desc").await,
        ),
        (
            "countries, gender and a label",
            json!({ "countries": ["PH", "US"], "gender": "female", "labels": [1, 2] }),
            ids_where(
                "country in ('PH', 'US') and gender = 'female' and exists (select 1 from customer_label cl where cl.customer_id = c.customer_id and cl.label_id in (1, 2))",
                "customer_id desc",
            )
            .await,
        ),
        ("accessed within 7 days", json!({ "access": "7d" }), vec![5]),
        ("accessed within 30 days", json!({ "access": "30d" }), vec![6, 5]),
        ("accessed within 90 days", json!({ "access": "90d" }), vec![7, 6, 5]),
        ("accessed over 90 days ago", json!({ "access": "over90" }), vec![8]),
        (
            "never accessed",
            json!({ "access": "never" }),
            ids_where("customer_id not in (5, 6, 7, 8)", "customer_id desc").await,
        ),
        (
            "never accessed, a country, by first name",
            json!({ "access": "never", "countries": ["DE"], "sort": "first_name" }),
            ids_where(
                "customer_id not in (5, 6, 7, 8) and country = 'DE'",
                "lower(first_name), customer_id",
            )
            .await,
        ),
    ];
    for (what, filters, expected) in cases {
        assert!(
            !expected.is_empty(),
            "{what}: the fixture should match some"
        );
        for size in [10, 100] {
            let mut query = filters.clone();
            query["size"] = json!(size);
            let (got, total) = every_page(&app, &staff.support, query.clone()).await;
            assert_eq!(got, expected, "{what} (pages of {size})");
            let n = total["n"].as_i64().unwrap();
            if total["capped"] == json!(true) {
                assert!(n <= expected.len() as i64, "{what}: {total}");
            } else {
                assert_eq!(n, expected.len() as i64, "{what}: {total}");
            }
            let (status, matching) = app
                .call(
                    &staff.support,
                    "count_matching_customers",
                    json!({ "query": query }),
                )
                .await;
            assert_eq!(status, 200, "{matching}");
            assert_eq!(matching, json!(expected.len()), "{what}: all matching");
        }
    }

    // Days are the reader's: 20:00 UTC on 10 March is already 11 March in Manila (the
    // browser names its zone in the `tz` cookie).
    db::query("update customer set created_at = $1 where customer_id = 42")
        .bind(
            "2019-03-10T20:00:00Z"
                .parse::<chrono::DateTime<chrono::Utc>>()
                .unwrap(),
        )
        .execute(&app.pool)
        .await
        .unwrap();
    let on = |day: &str| json!({ "created": { "from": day, "to": day } });
    let manila = format!("{}; tz=Asia/Manila", staff.support);
    assert_eq!(
        ids(&list(&app, &staff.support, on("2019-03-10")).await),
        vec![42]
    );
    assert_eq!(
        ids(&list(&app, &staff.support, on("2019-03-11")).await),
        Vec::<i64>::new()
    );
    assert_eq!(ids(&list(&app, &manila, on("2019-03-11")).await), vec![42]);
    assert_eq!(
        ids(&list(&app, &manila, on("2019-03-10")).await),
        Vec::<i64>::new()
    );
    let (_, n) = app
        .call(
            &manila,
            "count_matching_customers",
            json!({ "query": on("2019-03-11") }),
        )
        .await;
    assert_eq!(n, json!(1));
    // A zone the server does not know reads as UTC.
    let mars = format!("{}; tz=Mars/Olympus", staff.support);
    assert_eq!(ids(&list(&app, &mars, on("2019-03-10")).await), vec![42]);

    // An exact User ID or e-mail is still held to the filters.
    let (email, country): (String, String) =
        db::query_as("select email, country from customer where customer_id = 17")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(country, "IS");
    for q in [email.as_str(), "17"] {
        let page = list(&app, &staff.support, json!({ "q": q, "countries": ["IS"] })).await;
        assert!(ids(&page).contains(&17), "{q}");
        let page = list(&app, &staff.support, json!({ "q": q, "countries": ["JP"] })).await;
        assert!(!ids(&page).contains(&17), "{q}");
    }

    // Malformed filters: 400, whichever way they arrive.
    for bad in [
        json!({ "countries": ["usa"] }),
        json!({ "countries": ["U1"] }),
        json!({ "created": { "from": "2026-02-01", "to": "2026-01-01" } }),
        json!({ "updated": { "from": "2026-02-01", "to": "2026-01-31" } }),
    ] {
        let (status, body) = app
            .call(&staff.support, "list_customers", json!({ "query": bad }))
            .await;
        assert_eq!(status, 400, "{bad}: {body}");
    }
    let (status, _) = app
        .call(
            &staff.support,
            "list_customers",
            json!({ "query": { "gender": "robot" } }),
        )
        .await;
    assert!((400..500).contains(&status), "{status}");
}
