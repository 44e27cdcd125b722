//! Import from CSV and Excel through the real routes: upload, suggested mapping, preview,
//! full check, the background import with each duplicate choice, the rejected rows, and Undo
//! (which restores the earlier state and leaves customers edited since alone).

use crate::common::*;
use serde_json::{json, Value};
use std::time::Duration;

/// Live customers and their labels, as a dump to compare before and after.
async fn customers_dump(app: &TestApp) -> Vec<String> {
    app::db::query_scalar(
        "select c.customer_id || '|' || c.email || '|' || c.first_name || '|' || c.middle_name
            || '|' || c.last_name || '|' || c.gender || '|' || coalesce(cast(c.birthday as text), '')
            || '|' || c.phone || '|' || c.phone_e164 || '|' || c.city || '|' || c.country
            || '|' || c.status || '|' || coalesce((select count(*) from customer_label l
                                                 where l.customer_id = c.customer_id), 0)
         from customer c where c.deleted_at is null order by c.customer_id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

async fn wait_until_finished(app: &TestApp, cookie: &str, batch: i64) -> Value {
    for _ in 0..400 {
        let (status, body) = app
            .call(cookie, "import_status", json!({ "batch_id": batch }))
            .await;
        assert_eq!(status, 200, "{body}");
        if body["state"] != "running" {
            return body;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the import did not finish");
}

async fn field(app: &TestApp, email: &str, column: &str) -> String {
    app::db::query_scalar(format!(
        "select coalesce(cast({column} as text), '') from customer
          where lower(email) = lower($1) and deleted_at is null"
    ))
    .bind(email)
    .fetch_one(&app.pool)
    .await
    .unwrap_or_else(|e| panic!("{email}: {e}"))
}

const HEADER: &str = "E-mail;Prénom;Surname;Middle name;Suffix;Sex;Birth date;Mobile;Street;City;Province;Postcode;Country;Status;Contact person;Contact e-mail;Contact number;Tags;Notes";

#[tokio::test]
async fn a_csv_with_every_field_is_checked_imported_reported_and_undone() {
    let app = spawn_app().await;
    let staff = app.staff_cookies().await;
    let mut existing = customer_json("dup@example.com");
    existing["city"] = json!("Old City");
    existing["phone"] = json!("");
    let (status, body) = app
        .call(
            &staff.sales,
            "create_customer",
            json!({ "input": existing }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let before = customers_dump(&app).await;

    let csv = format!(
        "\u{feff}{HEADER}\n\
         ana@example.com;Ana;Cruz;Maria;;F;25/12/1990;0917 123 4567;1 Rizal St;Manila;Metro Manila;1000;Philippines;Active;Juan Cruz;juan@example.com;+63 917 765 4321;VIP|Wholesale;note\n\
         not-an-email;Bob;Reyes;;;M;someday;;;;;;;;;;;;\n\
         DUP@example.com;Dora;Dup;;;;;0917 555 0000;;New City;;;PH;;;;;;\n\
         ana@EXAMPLE.com;Ana;Again;;;;;;;;;;;;;;;;\n\
         \"f@example.com\";\"=cmd|' /C calc'!A0\";\"Formula\";;;;\"1990-01-02\";;\"Line one\nLine two\";;;;;inactive;;;;;\n"
    );
    let (status, upload) = app
        .upload(&staff.sales, "clients.csv", csv.into_bytes())
        .await;
    assert_eq!(status, 200, "{upload}");
    let batch = upload["batch_id"].as_i64().unwrap();
    assert_eq!(upload["file_name"], "clients.csv");
    assert_eq!(upload["headers"][1], "Prénom");
    // Every header but the last is recognised; the dates tell their order (25/12).
    assert_eq!(
        upload["mapping"]["targets"],
        json!([
            "email",
            "first_name",
            "last_name",
            "middle_name",
            "suffix",
            "gender",
            "birthday",
            "phone",
            "street",
            "city",
            "state",
            "zip",
            "country",
            "status",
            "contact_name",
            "contact_email",
            "contact_phone",
            "labels",
            "ignore"
        ])
    );
    assert_eq!(upload["mapping"]["date_order"], "day_first");
    let mut mapping = upload["mapping"].clone();
    mapping["default_country"] = json!("PH");

    let (status, preview) = app
        .call(
            &staff.sales,
            "import_preview",
            json!({ "batch_id": batch, "mapping": mapping }),
        )
        .await;
    assert_eq!(status, 200, "{preview}");
    let rows = preview.as_array().unwrap();
    assert_eq!(rows.len(), 5);
    assert_eq!(rows[0]["line"], 2);
    assert!(
        rows[0]["errors"].as_array().unwrap().is_empty(),
        "{}",
        rows[0]
    );
    let values: Vec<(String, String)> = serde_json::from_value(rows[0]["values"].clone()).unwrap();
    assert!(
        values.contains(&("Birthday".into(), "1990-12-25".into())),
        "{values:?}"
    );
    assert!(
        values.contains(&("Phone".into(), "0917 123 4567 (+639171234567)".into())),
        "{values:?}"
    );
    assert!(
        values.contains(&("Country".into(), "Philippines".into())),
        "{values:?}"
    );
    let bad = rows[1]["errors"].to_string();
    assert!(bad.contains("Birthday") && bad.contains("someday"), "{bad}");

    let (status, check) = app
        .call(
            &staff.sales,
            "check_import",
            json!({ "batch_id": batch, "mapping": mapping }),
        )
        .await;
    assert_eq!(status, 200, "{check}");
    assert_eq!(check["total"], 5);
    assert_eq!(check["new"], 2, "{check}");
    assert_eq!(check["matching"], 1, "{check}");
    assert_eq!(check["invalid"], 2, "{check}");
    assert_eq!(check["repeated_in_file"], 1, "{check}");
    assert_eq!(check["labels_to_create"], json!(["VIP", "Wholesale"]));
    assert_eq!(check["problems"][1]["line"], 5);
    assert!(check["problems"][1]["reason"]
        .as_str()
        .unwrap()
        .contains("row 2"));

    let options = json!({ "mapping": mapping, "duplicates": "fill_empty", "create_labels": true });
    let (status, started) = app
        .call(
            &staff.sales,
            "start_import",
            json!({ "batch_id": batch, "options": options }),
        )
        .await;
    assert_eq!(status, 200, "{started}");
    assert_eq!(started["total"], 5);
    let done = wait_until_finished(&app, &staff.sales, batch).await;
    assert_eq!(done["state"], "done", "{done}");
    assert_eq!(
        (
            done["created"].as_i64(),
            done["updated"].as_i64(),
            done["skipped"].as_i64(),
            done["invalid"].as_i64()
        ),
        (Some(2), Some(1), Some(0), Some(2)),
        "{done}"
    );
    // Starting it again is refused.
    let (status, _) = app
        .call(
            &staff.sales,
            "start_import",
            json!({ "batch_id": batch, "options": options }),
        )
        .await;
    assert_eq!(status, 409);

    assert_eq!(
        field(&app, "ana@example.com", "birthday").await,
        "1990-12-25"
    );
    assert_eq!(
        field(&app, "ana@example.com", "phone_e164").await,
        "+639171234567"
    );
    assert_eq!(field(&app, "ana@example.com", "country").await, "PH");
    assert_eq!(field(&app, "ana@example.com", "gender").await, "female");
    assert_eq!(
        field(&app, "ana@example.com", "state").await,
        "Metro Manila"
    );
    assert_eq!(
        field(&app, "ana@example.com", "contact_email").await,
        "juan@example.com"
    );
    assert_eq!(
        field(&app, "f@example.com", "first_name").await,
        "=cmd|' /C calc'!A0"
    );
    assert_eq!(
        field(&app, "f@example.com", "street").await,
        "Line one, Line two"
    );
    assert_eq!(field(&app, "f@example.com", "status").await, "inactive");
    assert_eq!(
        app.count(
            "select count(*) from customer_label cl join label l on l.label_id = cl.label_id
              join customer c on c.customer_id = cl.customer_id
             where c.email = 'ana@example.com' and l.name in ('VIP', 'Wholesale')"
        )
        .await,
        2
    );
    // Fill empty: the city stays, the empty phone is filled.
    assert_eq!(field(&app, "dup@example.com", "city").await, "Old City");
    assert_eq!(
        field(&app, "dup@example.com", "phone_e164").await,
        "+639175550000"
    );
    // Audited: one event per customer written, one for the import.
    assert_eq!(
        app.count("select count(*) from audit_event where action = 'import'")
            .await,
        3
    );
    assert_eq!(
        app.count(&format!(
            "select count(*) from audit_event where action = 'import_run' and entity = 'customer_import' and entity_id = {batch}"
        ))
        .await,
        1
    );
    // The refused rows, with the file's own headers and the reasons.
    let get = |cookie: &str, format: &str| {
        app.client
            .get(app.url(&app::import::rejects_href(batch, format)))
            .header("cookie", cookie)
            .send()
    };
    let res = get(&staff.sales, "csv").await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        header(&res, "content-disposition"),
        "attachment; filename=\"clients - rejected rows.csv\"; filename*=UTF-8''clients%20-%20rejected%20rows.csv"
    );
    let report = res.text().await.unwrap();
    assert!(report.starts_with("E-mail,Prénom,Surname"), "{report}");
    assert!(
        report.contains("not-an-email") && report.contains("Birthday"),
        "{report}"
    );
    assert_eq!(report.lines().count(), 3, "{report}");
    // The same rows as a workbook, every cell text.
    let res = get(&staff.sales, "xlsx").await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(header(&res, "content-disposition").contains("clients - rejected rows.xlsx"));
    let bytes = res.bytes().await.unwrap().to_vec();
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let sheet = calamine::Reader::worksheet_range(&mut book, "Rejected rows").unwrap();
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(rows.len(), 3, "{rows:?}");
    let csv_rows: Vec<Vec<String>> = csv::Reader::from_reader(report.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    assert_eq!(rows[1..], csv_rows[..], "the workbook has the CSV's rows");
    assert_eq!(rows[0].last().unwrap(), "Reason");
    // Audited as exports; refused to view-only staff.
    assert_eq!(
        app.count(&format!(
            "select count(*) from audit_event where action = 'export' and entity = 'customer_import' and entity_id = {batch}"
        ))
        .await,
        2
    );
    for cookie in [&staff.support, &staff.accounting] {
        assert_eq!(get(cookie, "xlsx").await.unwrap().status(), 403);
    }
    // Signed out: to the sign-in page, and back to the download after it.
    let res = get("", "xlsx").await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(
        location(&res),
        format!("/login?next=%2Fimport%2Frejects%3Fbatch%3D{batch}%26format%3Dxlsx")
    );
    let (status, list) = app.call(&staff.admin, "list_imports", json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(list[0]["batch_id"], batch);
    assert_eq!(list[0]["file_name"], "clients.csv");

    // Undo: the created customers go, the changed one gets its phone back.
    let (status, undo) = app
        .call(&staff.admin, "undo_import", json!({ "batch_id": batch }))
        .await;
    assert_eq!(status, 200, "{undo}");
    assert_eq!(undo["removed"], 2);
    assert_eq!(undo["restored"], 1);
    assert_eq!(undo["left_alone"], json!([]));
    let after: Vec<String> = customers_dump(&app).await;
    let strip = |rows: &[String]| rows.iter().map(|r| r.to_string()).collect::<Vec<_>>();
    assert_eq!(
        strip(&after),
        strip(&before),
        "undo restores the earlier customers"
    );
    let (status, _) = app
        .call(&staff.admin, "undo_import", json!({ "batch_id": batch }))
        .await;
    assert_eq!(status, 409, "undone once");
    let (_, status_now) = app
        .call(&staff.admin, "import_status", json!({ "batch_id": batch }))
        .await;
    assert_eq!(status_now["state"], "undone");
}

/// Uploads `rows` under a header of e-mail, first and last name, city and phone, imports them
/// with `duplicates` and waits.
async fn import_rows(app: &TestApp, cookie: &str, rows: &str, duplicates: &str) -> Value {
    let csv = format!("Email,First name,Last name,City,Phone\n{rows}");
    let (status, upload) = app.upload(cookie, "rows.csv", csv.into_bytes()).await;
    assert_eq!(status, 200, "{upload}");
    let batch = upload["batch_id"].as_i64().unwrap();
    let mut mapping = upload["mapping"].clone();
    mapping["default_country"] = json!("PH");
    let options = json!({ "mapping": mapping, "duplicates": duplicates, "create_labels": false });
    let (status, body) = app
        .call(
            cookie,
            "start_import",
            json!({ "batch_id": batch, "options": options }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    wait_until_finished(app, cookie, batch).await
}

#[tokio::test]
async fn duplicates_are_skipped_filled_or_overwritten_as_chosen() {
    let app = spawn_app().await;
    let staff = app.staff_cookies().await;
    let mut c = customer_json("same@example.com");
    c["city"] = json!("Makati");
    c["phone"] = json!("");
    c["first_name"] = json!("Maria");
    let (status, _) = app
        .call(&staff.admin, "create_customer", json!({ "input": c }))
        .await;
    assert_eq!(status, 200);
    let row = "SAME@example.com,Mia,Santos,Quezon City,0917 222 3333\n";

    let done = import_rows(&app, &staff.admin, row, "skip").await;
    assert_eq!(
        (done["created"].as_i64(), done["skipped"].as_i64()),
        (Some(0), Some(1)),
        "{done}"
    );
    assert_eq!(field(&app, "same@example.com", "city").await, "Makati");
    assert_eq!(field(&app, "same@example.com", "phone").await, "");

    let done = import_rows(&app, &staff.admin, row, "fill_empty").await;
    assert_eq!(done["updated"], 1, "{done}");
    assert_eq!(field(&app, "same@example.com", "city").await, "Makati");
    assert_eq!(field(&app, "same@example.com", "first_name").await, "Maria");
    assert_eq!(
        field(&app, "same@example.com", "phone").await,
        "0917 222 3333"
    );

    let done = import_rows(&app, &staff.admin, row, "overwrite").await;
    assert_eq!(done["updated"], 1, "{done}");
    assert_eq!(field(&app, "same@example.com", "city").await, "Quezon City");
    assert_eq!(field(&app, "same@example.com", "first_name").await, "Mia");
    // The e-mail as the customer had it: the match ignores case, the overwrite writes the
    // file's spelling.
    assert_eq!(
        field(&app, "same@example.com", "email").await,
        "SAME@example.com"
    );
    // The audit records old → new.
    let changes: String = app::db::query_scalar(
        "select changes from audit_event where action = 'import' order by audit_event_id desc limit 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(
        changes.contains("Makati") && changes.contains("Quezon City"),
        "{changes}"
    );
    // Overwriting again with the same values changes nothing: skipped.
    let done = import_rows(&app, &staff.admin, row, "overwrite").await;
    assert_eq!(
        (done["updated"].as_i64(), done["skipped"].as_i64()),
        (Some(0), Some(1)),
        "{done}"
    );
}

#[tokio::test]
async fn undo_leaves_customers_edited_since_alone_and_lists_them() {
    let app = spawn_app().await;
    let staff = app.staff_cookies().await;
    let done = import_rows(
        &app,
        &staff.sales,
        "one@example.com,One,First,Cebu,\ntwo@example.com,Two,Second,Davao,\n",
        "skip",
    )
    .await;
    assert_eq!(done["created"], 2, "{done}");
    let batch = done["batch_id"].as_i64().unwrap();
    let id: i64 =
        app::db::query_scalar("select customer_id from customer where email = 'two@example.com'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let mut edit = customer_json("two@example.com");
    edit["first_name"] = json!("Twice");
    let (status, body) = app
        .call(
            &staff.admin,
            "update_customer",
            json!({ "id": id, "version": 1, "input": edit }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, undo) = app
        .call(&staff.sales, "undo_import", json!({ "batch_id": batch }))
        .await;
    assert_eq!(status, 200, "{undo}");
    assert_eq!(undo["removed"], 1);
    assert_eq!(undo["left_alone"][0][0], id);
    assert!(undo["left_alone"][0][1].as_str().unwrap().contains("Twice"));
    assert_eq!(field(&app, "two@example.com", "first_name").await, "Twice");
    assert_eq!(
        app.count(
            "select count(*) from customer where email = 'one@example.com' and deleted_at is null"
        )
        .await,
        0
    );
    // The removed customer is in the Trash, restorable.
    assert_eq!(
        app.count("select count(*) from customer where email = 'one@example.com' and deleted_at is not null").await,
        1
    );
}

#[tokio::test]
async fn an_xlsx_import_reads_the_chosen_sheet_with_real_dates_and_numbers() {
    let app = spawn_app().await;
    let staff = app.staff_cookies().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("book.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    book.add_worksheet()
        .set_name("Notes")
        .unwrap()
        .write_string(0, 0, "nothing here")
        .unwrap();
    let sheet = book.add_worksheet().set_name("Clients").unwrap();
    for (col, h) in [
        "Email",
        "First Name",
        "Last Name",
        "Date of birth",
        "ZIP",
        "Country",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string(0, col as u16, *h).unwrap();
    }
    sheet.write_string(1, 0, "xl@example.com").unwrap();
    sheet.write_string(1, 1, "Excel").unwrap();
    sheet.write_string(1, 2, "Sheet").unwrap();
    let date = rust_xlsxwriter::ExcelDateTime::from_ymd(1985, 7, 9).unwrap();
    let fmt = rust_xlsxwriter::Format::new().set_num_format("mm/dd/yyyy");
    sheet.write_datetime_with_format(1, 3, &date, &fmt).unwrap();
    sheet.write_number(1, 4, 1200.0).unwrap();
    sheet.write_string(1, 5, "United Kingdom").unwrap();
    book.save(&path).unwrap();
    let (status, upload) = app
        .upload(&staff.admin, "book.xlsx", std::fs::read(&path).unwrap())
        .await;
    assert_eq!(status, 200, "{upload}");
    assert_eq!(upload["sheets"], json!(["Notes", "Clients"]));
    let batch = upload["batch_id"].as_i64().unwrap();
    let (status, sheet) = app
        .call(
            &staff.admin,
            "import_sheet",
            json!({ "batch_id": batch, "sheet": "Clients" }),
        )
        .await;
    assert_eq!(status, 200, "{sheet}");
    assert_eq!(sheet["headers"][3], "Date of birth");
    let options = json!({ "mapping": sheet["mapping"], "duplicates": "skip" });
    let (status, body) = app
        .call(
            &staff.admin,
            "start_import",
            json!({ "batch_id": batch, "options": options }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let done = wait_until_finished(&app, &staff.admin, batch).await;
    assert_eq!(done["created"], 1, "{done}");
    assert_eq!(
        field(&app, "xl@example.com", "birthday").await,
        "1985-07-09"
    );
    assert_eq!(field(&app, "xl@example.com", "zip").await, "1200");
    assert_eq!(field(&app, "xl@example.com", "country").await, "GB");
}

#[tokio::test]
async fn files_that_cannot_be_imported_get_a_clear_error_and_nothing_is_kept() {
    let app = spawn_app_with_import_limit(1000).await;
    let staff = app.staff_cookies().await;
    for (name, bytes, words) in [
        ("empty.csv", Vec::new(), "empty"),
        (
            "headers.csv",
            b"Email,First name,Last name\n".to_vec(),
            "no customers",
        ),
        (
            "program.csv",
            b"\x7fELF\x02\x01\x01\x00\x00\x00\x00binary".to_vec(),
            "not a CSV",
        ),
        (
            "old.xls",
            vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1],
            ".xls",
        ),
        ("big.csv", vec![b'a'; 1001], "larger than"),
    ] {
        let (status, body) = app.upload(&staff.admin, name, bytes).await;
        assert!(status == 422 || status == 413, "{name}: {status} {body}");
        let message = body["detail"]["file"].as_str().unwrap_or_default();
        assert!(message.contains(words), "{name}: {body}");
    }
    assert_eq!(app.count("select count(*) from import_batch").await, 0);
    // Support and Accounting may not import.
    for cookie in [&staff.support, &staff.accounting] {
        let (status, _) = app
            .upload(cookie, "a.csv", b"Email\na@example.com\n".to_vec())
            .await;
        assert_eq!(status, 403);
    }
    // A mapping without the required fields is refused with a message.
    let (status, upload) = app
        .upload(
            &staff.admin,
            "a.csv",
            b"Email,Name\na@example.com,Ann\n".to_vec(),
        )
        .await;
    assert_eq!(status, 200, "{upload}");
    let (status, body) = app
        .call(
            &staff.admin,
            "check_import",
            json!({ "batch_id": upload["batch_id"], "mapping": upload["mapping"] }),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(body.to_string().contains("First name, Last name"), "{body}");
}

/// Starts an import of `n` rows (`{prefix}{i}@example.com`); returns its batch.
async fn start_many(app: &TestApp, cookie: &str, prefix: &str, n: usize) -> i64 {
    let mut csv = String::from("Email,First name,Last name\n");
    for i in 0..n {
        csv.push_str(&format!("{prefix}{i}@example.com,First{i},Last{i}\n"));
    }
    let (status, upload) = app.upload(cookie, "many.csv", csv.into_bytes()).await;
    assert_eq!(status, 200, "{upload}");
    let batch = upload["batch_id"].as_i64().unwrap();
    let options = json!({ "mapping": upload["mapping"], "duplicates": "skip" });
    let (status, body) = app
        .call(
            cookie,
            "start_import",
            json!({ "batch_id": batch, "options": options }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    batch
}

#[tokio::test]
async fn a_cancelled_import_leaves_nothing_behind() {
    let app = spawn_app().await;
    let staff = app.staff_cookies().await;
    let batch = start_many(&app, &staff.admin, "c", 60_000).await;
    // Let it write some chunks, then cancel.
    for _ in 0..200 {
        let (_, s) = app
            .call(&staff.admin, "import_status", json!({ "batch_id": batch }))
            .await;
        if s["done"].as_i64().unwrap_or(0) >= 500 || s["state"] != "running" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (status, body) = app
        .call(&staff.admin, "cancel_import", json!({ "batch_id": batch }))
        .await;
    assert_eq!(status, 200, "{body}");
    let done = wait_until_finished(&app, &staff.admin, batch).await;
    assert_eq!(done["state"], "cancelled", "{done}");
    assert_eq!(
        app.count("select count(*) from customer where deleted_at is null")
            .await,
        0,
        "nothing of a cancelled import stays visible"
    );
}

#[tokio::test]
async fn edits_made_while_an_import_runs_get_their_turn() {
    // Without fair turns at SQLite's write lock, the import's chunk after chunk kept other
    // writers out until their 5 s busy timeout: "database is locked", a 500.
    let app = spawn_app().await;
    let staff = app.staff_cookies().await;
    let batch = start_many(&app, &staff.admin, "load", 30_000).await;
    let mut edits = 0;
    for i in 0..40 {
        let (_, s) = app
            .call(&staff.sales, "import_status", json!({ "batch_id": batch }))
            .await;
        if s["state"] != "running" {
            break;
        }
        let started = std::time::Instant::now();
        let (status, body) = app
            .call(
                &staff.sales,
                "create_customer",
                json!({ "input": customer_json(&format!("during{i}@example.com")) }),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
        edits += 1;
    }
    assert!(
        edits > 3,
        "the import ended before the edits could overlap it"
    );
    let done = wait_until_finished(&app, &staff.admin, batch).await;
    assert_eq!(done["created"], 30_000, "{done}");
}

#[tokio::test]
async fn an_import_a_stopped_server_left_running_is_taken_back() {
    let app = spawn_app().await;
    let staff = app.staff_cookies().await;
    let done = import_rows(
        &app,
        &staff.sales,
        "left1@example.com,Left,One,Cebu,\nleft2@example.com,Left,Two,Cebu,\n",
        "skip",
    )
    .await;
    let batch = done["batch_id"].as_i64().unwrap();
    // As a server killed mid-import leaves it: still running, its lease not renewed.
    app::db::query(
        "update import_batch set state = 'running', finished_at = null,
           lease_until = '2000-01-01T00:00:00Z' where import_batch_id = $1",
    )
    .bind(batch)
    .execute(&app.pool)
    .await
    .unwrap();
    // A fresh lease is left alone (the import may be running on another instance).
    assert_eq!(
        app::import::engine::recover_abandoned(&app.pool, "other")
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        app::import::engine::recover_abandoned(&app.pool, "other")
            .await
            .unwrap(),
        0
    );
    let (_, status) = app
        .call(&staff.sales, "import_status", json!({ "batch_id": batch }))
        .await;
    assert_eq!(status["state"], "failed", "{status}");
    assert!(
        status["error"].as_str().unwrap().contains("server stopped"),
        "{status}"
    );
    assert_eq!(
        app.count("select count(*) from customer where email like 'left%' and deleted_at is null")
            .await,
        0
    );
}

#[tokio::test]
async fn uploads_never_started_are_removed_after_a_day() {
    let app = spawn_app_with_import_limit(1 << 20).await;
    let staff = app.staff_cookies().await;
    let (status, old) = app
        .upload(
            &staff.admin,
            "old.csv",
            b"Email,First name,Last name\no@example.com,O,Ld\n".to_vec(),
        )
        .await;
    assert_eq!(status, 200, "{old}");
    let (status, fresh) = app
        .upload(
            &staff.admin,
            "new.csv",
            b"Email,First name,Last name\nn@example.com,N,Ew\n".to_vec(),
        )
        .await;
    assert_eq!(status, 200, "{fresh}");
    let path_of = |id: i64| {
        let pool = app.pool.clone();
        async move {
            app::db::query_scalar::<String>(
                "select file_path from import_batch where import_batch_id = $1",
            )
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap()
        }
    };
    let old_id = old["batch_id"].as_i64().unwrap();
    let old_path = path_of(old_id).await;
    let fresh_path = path_of(fresh["batch_id"].as_i64().unwrap()).await;
    app::db::query("update import_batch set created_at = $1 where import_batch_id = $2")
        .bind(chrono::Utc::now() - chrono::Duration::hours(25))
        .bind(old_id)
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(
        app::import::engine::forget_unstarted(&app.pool)
            .await
            .unwrap(),
        1
    );
    assert!(!std::path::Path::new(&old_path).exists());
    assert!(std::path::Path::new(&fresh_path).exists());
    assert_eq!(app.count("select count(*) from import_batch").await, 1);
}

#[tokio::test]
async fn a_saved_mapping_is_used_again_for_a_file_with_the_same_headers() {
    let app = spawn_app().await;
    let staff = app.staff_cookies().await;
    let first = "Given;Family;Mail;Notes\nAna;Cruz;ana@example.com;x\n";
    let (status, up) = app.upload(&staff.sales, "old-crm.csv", first.into()).await;
    assert_eq!(status, 200, "{up}");
    assert_eq!(up["applied"], Value::Null);
    assert_eq!(up["saved"], json!([]));
    // Unknown headers: mapped by hand, then saved.
    let mapping = json!({
        "sheet": "",
        "targets": ["first_name", "last_name", "email", "ignore"],
        "default_country": "PH",
        "date_order": "month_first",
    });
    let batch = up["batch_id"].clone();
    for (name, field, message) in [
        ("  ", "mapping_name", "Give the mapping a name."),
        (&*"x".repeat(81), "mapping_name", "Use up to 80"),
    ] {
        let (status, body) = app
            .call(
                &staff.sales,
                "save_import_mapping",
                json!({ "batch_id": batch, "name": name, "mapping": mapping }),
            )
            .await;
        assert_eq!(status, 422, "{body}");
        assert!(
            body["detail"][field].as_str().unwrap().starts_with(message),
            "{body}"
        );
    }
    let mut bad = mapping.clone();
    bad["targets"] = json!(["first_name", "first_name", "email", "ignore"]);
    let (status, _) = app
        .call(
            &staff.sales,
            "save_import_mapping",
            json!({ "batch_id": batch, "name": "Broken", "mapping": bad }),
        )
        .await;
    assert_eq!(status, 422, "a mapping that cannot work is not saved");
    let (status, saved) = app
        .call(
            &staff.sales,
            "save_import_mapping",
            json!({ "batch_id": batch, "name": "Old CRM", "mapping": mapping }),
        )
        .await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved[0]["name"], "Old CRM");
    assert_eq!(
        saved[0]["columns"],
        json!([
            ["Given", "first_name"],
            ["Family", "last_name"],
            ["Mail", "email"],
            ["Notes", "ignore"]
        ])
    );
    let id = saved[0]["id"].clone();

    // Next month's file: the same headers in another order and case → the saved mapping.
    let second = "mail;NOTES;given;family\nbo@example.com;y;Bo;Diaz\n";
    let (status, up) = app
        .upload(&staff.admin, "old-crm-2.csv", second.into())
        .await;
    assert_eq!(status, 200, "{up}");
    assert_eq!(up["applied"], id);
    assert_eq!(
        up["mapping"]["targets"],
        json!(["email", "ignore", "first_name", "last_name"])
    );
    assert_eq!(up["mapping"]["default_country"], "PH");
    assert_eq!(up["mapping"]["date_order"], "month_first");
    // A file with other headers gets the suggestion, and the list to choose from.
    let (_, other) = app
        .upload(
            &staff.admin,
            "other.csv",
            "Email,First name,Last name\nc@example.com,C,D\n"
                .to_string()
                .into_bytes(),
        )
        .await;
    assert_eq!(other["applied"], Value::Null);
    assert_eq!(other["saved"][0]["name"], "Old CRM");

    // Saving under the same name (any case) replaces it; deleting removes it.
    let mut changed = mapping.clone();
    changed["targets"] = json!(["first_name", "last_name", "email", "labels"]);
    let (_, saved) = app
        .call(
            &staff.admin,
            "save_import_mapping",
            json!({ "batch_id": batch, "name": "old crm", "mapping": changed }),
        )
        .await;
    assert_eq!(saved.as_array().unwrap().len(), 1, "{saved}");
    assert_eq!(saved[0]["id"], id);
    assert_eq!(saved[0]["columns"][3], json!(["Notes", "labels"]));
    let (status, left) = app
        .call(&staff.sales, "delete_import_mapping", json!({ "id": id }))
        .await;
    assert_eq!(status, 200);
    assert_eq!(left, json!([]));
    let (status, _) = app
        .call(&staff.sales, "delete_import_mapping", json!({ "id": id }))
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn invitations_asked_for_go_out_after_the_import_a_few_per_round() {
    let app = spawn_app().await;
    let staff = app.staff_cookies().await;
    let base = "http://customers.example";
    let rows = "inv1@example.com,Ina,One,Cebu,\ninv2@example.com,Ivo,Two,Cebu,\ninv3@example.com,Ira,Three,Cebu,\ninv4@example.com,Ike,Four,Cebu,\n";
    // An import that does not ask sends nothing.
    let quiet = import_rows(
        &app,
        &staff.sales,
        "quiet@example.com,Q,Uiet,Cebu,\n",
        "skip",
    )
    .await;
    assert_eq!(quiet["invite"], false);

    let csv = format!("Email,First name,Last name,City,Phone\n{rows}");
    let (_, upload) = app
        .upload(&staff.sales, "invite.csv", csv.into_bytes())
        .await;
    let batch = upload["batch_id"].as_i64().unwrap();
    let options = json!({ "mapping": upload["mapping"], "invite": true });
    let (status, body) = app
        .call(
            &staff.sales,
            "start_import",
            json!({ "batch_id": batch, "options": options }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let done = wait_until_finished(&app, &staff.sales, batch).await;
    assert_eq!(done["created"], 4);
    let invitations = "select count(*) from email_outbox where template = 'invitation'";
    assert_eq!(app.count(invitations).await, 0, "none during the import");

    // Since the import: one customer deleted, one set Inactive.
    let id = |email: &'static str| {
        let app = &app;
        async move {
            app.count(&format!(
                "select customer_id from customer where email = '{email}'"
            ))
            .await
        }
    };
    let (status, _) = app
        .call(
            &staff.admin,
            "delete_customer",
            json!({ "id": id("inv2@example.com").await }),
        )
        .await;
    assert_eq!(status, 200);
    let (status, body) = app
        .call(
            &staff.admin,
            "set_customer_status",
            json!({ "id": id("inv3@example.com").await, "status": "inactive" }),
        )
        .await;
    assert_eq!(status, 200, "{body}");

    // Rounds of two: the first invites Ina and passes over the deleted Ivo.
    assert_eq!(
        app::import::invite::send_due(&app.pool, base, 2)
            .await
            .unwrap(),
        1
    );
    assert_eq!(app.count(invitations).await, 1);
    assert_eq!(
        app::import::invite::send_due(&app.pool, base, 2)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        app::import::invite::send_due(&app.pool, base, 2)
            .await
            .unwrap(),
        0
    );
    assert_eq!(app.count(invitations).await, 2);
    let to: Vec<String> = app::db::query_scalar(
        "select recipient from email_outbox where template = 'invitation' order by email_id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(to, ["inv1@example.com", "inv4@example.com"]);
    let link: String = app::db::query_scalar(
        "select body_text from email_outbox where template = 'invitation' limit 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(
        link.contains("http://customers.example/portal/accept?token="),
        "{link}"
    );
    // Audited in the name of who ran the import.
    assert_eq!(
        app.count("select count(*) from audit_event a join staff_user s on s.staff_user_id = a.actor_id where a.action = 'portal_invite' and s.role = 'sales'")
            .await,
        2
    );
    let (_, status_now) = app
        .call(&staff.sales, "import_status", json!({ "batch_id": batch }))
        .await;
    assert_eq!(status_now["invite"], true);
    assert_eq!(status_now["invited"], 2);
    assert_eq!(status_now["invites_skipped"], 2);
}
