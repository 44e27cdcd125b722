//! Notes on a profile (#19): every role adds and pins (Support and Accounting too), the
//! author or an Admin edits and deletes, pinned first, each change audited on the customer,
//! bad input refused with nothing changed.

use crate::common::*;
use serde_json::{json, Value};

fn bodies(notes: &Value) -> Vec<(String, bool, bool)> {
    notes
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["body"].as_str().unwrap().to_string(),
                n["pinned"].as_bool().unwrap(),
                n["editable"].as_bool().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn anyone_adds_and_pins_authors_and_admins_edit_and_delete() {
    let app = spawn_app().await;
    let staff = app.staff_cookies().await;
    server::seed::seed_demo(&app.pool, 3).await.unwrap();
    let c = 2i64;

    let (status, notes) = app
        .call(&staff.support, "add_note", json!({ "customer_id": c, "body": "  Called; wants https://example.com/x\r\nback soon  " }))
        .await;
    assert_eq!(status, 200, "{notes}");
    assert_eq!(
        bodies(&notes),
        vec![(
            "Called; wants https://example.com/x\nback soon".into(),
            false,
            true
        )]
    );
    assert_eq!(notes[0]["author_name"], "Test Person");
    let first = notes[0]["id"].as_i64().unwrap();
    let (status, _) = app
        .call(
            &staff.accounting,
            "add_note",
            json!({ "customer_id": c, "body": "Invoice 42 paid" }),
        )
        .await;
    assert_eq!(status, 200);

    // Someone else's note: Sales may pin it, not edit or delete it.
    let (status, notes) = app
        .call(&staff.sales, "list_notes", json!({ "customer_id": c }))
        .await;
    assert_eq!(status, 200);
    assert!(bodies(&notes).iter().all(|n| !n.2), "{notes}");
    for (name, args) in [
        ("edit_note", json!({ "id": first, "body": "rewritten" })),
        ("delete_note", json!({ "id": first })),
    ] {
        let (status, _) = app.call(&staff.sales, name, args).await;
        assert_eq!(status, 403, "{name}");
    }
    let (status, notes) = app
        .call(
            &staff.sales,
            "pin_note",
            json!({ "id": first, "pinned": true }),
        )
        .await;
    assert_eq!(status, 200);
    assert!(bodies(&notes)[0].1, "pinned first: {notes}");
    assert_eq!(bodies(&notes)[1].0, "Invoice 42 paid");

    // An Admin edits anyone's; the author deletes their own.
    let (status, notes) = app
        .call(
            &staff.admin,
            "edit_note",
            json!({ "id": first, "body": "Called twice" }),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(bodies(&notes)[0], ("Called twice".into(), true, true));
    let (status, notes) = app
        .call(&staff.support, "delete_note", json!({ "id": first }))
        .await;
    assert_eq!(status, 200);
    assert_eq!(bodies(&notes).len(), 1);

    // Bad input: a message for the field, nothing stored.
    for body in ["   ", "hidden\u{202E}direction", &"x".repeat(5_001)] {
        let (status, err) = app
            .call(
                &staff.support,
                "add_note",
                json!({ "customer_id": c, "body": body }),
            )
            .await;
        assert_eq!(status, 422, "{err}");
        assert!(err.to_string().contains("note"), "{err}");
    }
    assert_eq!(app.count("select count(*) from customer_note").await, 1);
    let (status, _) = app
        .call(
            &staff.support,
            "add_note",
            json!({ "customer_id": 999_999, "body": "nobody" }),
        )
        .await;
    assert_eq!(status, 404);

    // A deleted customer's notes wait for its restore: nothing changes, 404.
    let left = app
        .count("select customer_note_id from customer_note")
        .await;
    let (status, _) = app
        .call(&staff.sales, "delete_customer", json!({ "id": c }))
        .await;
    assert_eq!(status, 200);
    let (status, _) = app
        .call(
            &staff.accounting,
            "edit_note",
            json!({ "id": left, "body": "changed late" }),
        )
        .await;
    assert_eq!(status, 404);
    assert_eq!(
        app.count("select count(*) from customer_note where body = 'Invoice 42 paid'")
            .await,
        1
    );

    // Every change is on the customer's audit trail, who and what.
    let actions: Vec<String> = app::db::query_scalar(
        "select action from audit_event where entity = 'customer' and entity_id = $1
           and action like 'note%' order by audit_event_id",
    )
    .bind(c)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        actions,
        vec![
            "note_add",
            "note_add",
            "note_pin",
            "note_edit",
            "note_delete"
        ]
    );
    let (status, history) = app
        .call(&staff.support, "customer_history", json!({ "id": c }))
        .await;
    assert_eq!(status, 200);
    assert!(history.to_string().contains("Invoice 42 paid"), "{history}");
}

/// The profile's Activity: field changes, labels, notes, portal events and the e-mails sent
/// to the customer, in one list, newest first, each with its kind.
#[tokio::test]
async fn activity_merges_changes_labels_notes_portal_and_emails() {
    let app = spawn_app().await;
    let staff = app.staff_cookies().await;
    let (status, created) = app
        .call(
            &staff.sales,
            "create_customer",
            json!({ "input": customer_json("activity@example.com"), "invite": true }),
        )
        .await;
    assert_eq!(status, 200, "{created}");
    let c = created["customer_id"].as_i64().unwrap();
    let (status, _) = app
        .call(
            &staff.support,
            "add_note",
            json!({ "customer_id": c, "body": "Met at the fair" }),
        )
        .await;
    assert_eq!(status, 200);
    let (status, body) = app
        .call(
            &staff.sales,
            "set_customer_status",
            json!({ "id": c, "status": "inactive" }),
        )
        .await;
    assert_eq!(status, 200, "{body}");

    let (status, activity) = app
        .call(&staff.accounting, "customer_activity", json!({ "id": c }))
        .await;
    assert_eq!(status, 200, "{activity}");
    let entries = activity.as_array().unwrap();
    let kinds: std::collections::HashSet<&str> = entries
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    for k in ["changes", "notes", "emails", "portal"] {
        assert!(kinds.contains(k), "{k} missing: {activity}");
    }
    let mail = entries.iter().find(|e| e["kind"] == "emails").unwrap();
    assert!(
        mail["title"].as_str().unwrap().starts_with("E-mail: "),
        "{mail}"
    );
    assert!(
        mail["detail"]
            .as_str()
            .unwrap()
            .contains("activity@example.com"),
        "{mail}"
    );
    // Never a mail's body (it may hold a link).
    assert!(!activity.to_string().contains("token"), "{activity}");
    // Newest first.
    let times: Vec<&str> = entries.iter().map(|e| e["at"].as_str().unwrap()).collect();
    let mut sorted = times.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(times, sorted);
    assert_eq!(entries[0]["title"], "Changed status");
}
