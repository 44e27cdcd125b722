//! The role × endpoint matrix: every registered server function and every plain route, called
//! as anonymous, a portal customer, Admin, Sales, Support and Accounting, must be allowed or
//! refused exactly as `app::auth::permissions` says — and a refused call must leave the
//! database as it was. A server function missing from the table (or from the sample
//! arguments below) fails the test.

use crate::common::*;
use app::auth::permissions::{route_access, Access, Caller, ROUTES, SERVER_FNS};
use app::auth::Role;
use app::db;
use reqwest::header::SET_COOKIE;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

/// A dump of every table whose rows a refused call must not touch (sessions are left out:
/// their last-seen time may move on any request).
pub(crate) async fn fingerprint(app: &TestApp) -> String {
    const SKIP: &str = "('staff_session', 'portal_session', '_sqlx_migrations')";
    let postgres = app.pool.backend() == db::Backend::Postgres;
    let tables: Vec<String> = db::query_scalar(if postgres {
        format!(
            "select table_name::text from information_schema.tables
              where table_schema = current_schema() and table_type = 'BASE TABLE'
                and table_name not in {SKIP} order by 1"
        )
    } else {
        format!(
            "select name from sqlite_master where type = 'table' and name not like 'sqlite_%'
               and name not like 'customer_fts%' and name not in {SKIP} order by name"
        )
    })
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let mut out = String::new();
    for t in tables {
        let dump: Option<String> = if postgres {
            // A row as text is every column's value.
            db::query_scalar(format!(
                "select string_agg(r.t::text, '|' order by r.t::text) from \"{t}\" r(t)"
            ))
            .fetch_one(&app.pool)
            .await
            .unwrap()
        } else {
            let cols: Vec<String> = db::query_scalar("select name from pragma_table_info($1)")
                .bind(&t)
                .fetch_all(&app.pool)
                .await
                .unwrap();
            let expr = cols
                .iter()
                .map(|c| format!("quote(\"{c}\")"))
                .collect::<Vec<_>>()
                .join(" || ',' || ");
            db::query_scalar(format!(
                "select group_concat(r, '|') from (select {expr} as r from \"{t}\" order by r)"
            ))
            .fetch_one(&app.pool)
            .await
            .unwrap()
        };
        out.push_str(&format!("{t}: {}\n", dump.unwrap_or_default()));
    }
    out
}

pub(crate) struct Fixture {
    pub(crate) callers: Vec<(&'static str, Caller, String)>,
    pub(crate) args: BTreeMap<&'static str, Value>,
}

pub(crate) async fn fixture(app: &TestApp) -> Fixture {
    let staff = app.staff_cookies().await;
    let create =
        |email: &str, invite: bool| json!({ "input": customer_json(email), "invite": invite });
    let c = app
        .call(
            &staff.admin,
            "create_customer",
            create("c@example.com", false),
        )
        .await
        .1["customer_id"]
        .as_i64()
        .unwrap();
    let d = app
        .call(
            &staff.admin,
            "create_customer",
            create("d@example.com", false),
        )
        .await
        .1["customer_id"]
        .as_i64()
        .unwrap();
    let p = app
        .call(
            &staff.admin,
            "create_customer",
            create("p@example.com", true),
        )
        .await
        .1["customer_id"]
        .as_i64()
        .unwrap();
    let (mail_id, text): (i64, String) = db::query_as(
        "select email_id, body_text from email_outbox where customer_id = $1 and template = 'invitation'",
    )
    .bind(p)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let at = text.find("token=").unwrap() + 6;
    let token: String = text[at..].chars().take(64).collect();
    let res = app
        .client
        .post(app.url("/portal/auth/accept"))
        .form(&[
            ("token", token.as_str()),
            ("password", "Tall-Window-Quiet-42"),
            ("confirm", "Tall-Window-Quiet-42"),
        ])
        .send()
        .await
        .unwrap();
    let customer = res
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok()?.split(';').next().map(str::to_string))
        .find(|kv| kv.starts_with("psid=") && kv.len() > 5)
        .expect("portal session");
    let label = |name: &str| json!({ "input": { "name": name, "color": "#2457d6" } });
    let l1 = app
        .call(&staff.admin, "create_label", label("Alpha"))
        .await
        .1["label_id"]
        .as_i64()
        .unwrap();
    let l2 = app
        .call(&staff.admin, "create_label", label("Beta"))
        .await
        .1["label_id"]
        .as_i64()
        .unwrap();
    let (status, upload) = app
        .upload(
            &staff.admin,
            "fixture.csv",
            b"Email,First name,Last name\nimp@example.com,Imp,Orter\n".to_vec(),
        )
        .await;
    assert_eq!(status, 200, "{upload}");
    let batch = upload["batch_id"].as_i64().unwrap();
    let mapping = upload["mapping"].clone();
    let query = json!({ "q": "", "size": 20 });
    let args = BTreeMap::from([
        ("current_user", json!({})),
        ("list_customers", json!({ "query": query })),
        ("customer_snapshot", json!({})),
        ("get_customer", json!({ "id": c })),
        ("customer_history", json!({ "id": c })),
        ("customer_activity", json!({ "id": c })),
        ("count_matching_customers", json!({ "query": query })),
        ("create_customer", create("new@example.com", false)),
        (
            "update_customer",
            json!({ "id": c, "version": 1, "input": customer_json("c@example.com") }),
        ),
        (
            "set_customer_status",
            json!({ "id": c, "status": "inactive" }),
        ),
        ("delete_customer", json!({ "id": d })),
        ("restore_customer", json!({ "id": d })),
        (
            "email_in_use",
            json!({ "email": "c@example.com", "except": null }),
        ),
        (
            "bulk_update_customers",
            json!({
            "target": { "kind": "ids", "ids": [c] },
            "action": { "kind": "add_label", "label_id": l1 } }),
        ),
        (
            "restore_customer_batch",
            json!({ "batch": "0123456789abcdef" }),
        ),
        ("list_deleted_customers", json!({})),
        ("list_labels", json!({})),
        ("overview_stats", json!({})),
        ("find_duplicates", json!({})),
        (
            "merge_customers",
            json!({ "input": { "survivor": 1, "survivor_version": 1, "other": 2, "other_version": 1 } }),
        ),
        ("undo_merge", json!({ "merge_id": 1 })),
        ("dismiss_duplicate", json!({ "a": 1, "b": 2 })),
        (
            "anonymise_customer",
            json!({ "id": c, "confirm": "not the name" }),
        ),
        ("create_label", label("Gamma")),
        (
            "update_label",
            json!({ "id": l1, "input": { "name": "Alpha 2", "color": "#1f7a3a" } }),
        ),
        ("delete_label", json!({ "id": l2 })),
        ("import_sheet", json!({ "batch_id": batch, "sheet": "" })),
        (
            "import_preview",
            json!({ "batch_id": batch, "mapping": mapping }),
        ),
        (
            "check_import",
            json!({ "batch_id": batch, "mapping": mapping }),
        ),
        // An import that does not exist: one that ran would write while refused callers'
        // fingerprints are taken.
        (
            "start_import",
            json!({ "batch_id": 999_999, "options": { "mapping": mapping } }),
        ),
        ("import_status", json!({ "batch_id": batch })),
        ("cancel_import", json!({ "batch_id": 999_999 })),
        ("undo_import", json!({ "batch_id": 999_999 })),
        ("list_imports", json!({})),
        (
            "save_import_mapping",
            json!({ "batch_id": batch, "name": "Saved by a test", "mapping": mapping }),
        ),
        ("delete_import_mapping", json!({ "id": 999_999 })),
        ("get_list_prefs", json!({})),
        (
            "save_list_prefs",
            json!({ "prefs": { "hidden_columns": ["birthday"], "page_size": 50 } }),
        ),
        ("list_notes", json!({ "customer_id": c })),
        (
            "add_note",
            json!({ "customer_id": c, "body": "A note from the matrix" }),
        ),
        ("edit_note", json!({ "id": 999_999, "body": "x" })),
        ("pin_note", json!({ "id": 999_999, "pinned": true })),
        ("delete_note", json!({ "id": 999_999 })),
        ("list_saved_views", json!({})),
        (
            "save_view",
            json!({ "name": "Mine", "shared": false, "query": "status=active", "hidden_columns": [] }),
        ),
        ("delete_saved_view", json!({ "id": 999_999 })),
        ("list_mail", json!({})),
        ("retry_mail", json!({ "id": mail_id })),
        ("mail_body", json!({ "id": mail_id })),
        ("portal_info", json!({ "id": c })),
        ("list_audit", json!({ "filter": { "action": "create" } })),
        ("audit_choices", json!({})),
        ("list_staff", json!({})),
        (
            "create_staff_user",
            json!({ "input": { "name": "New Person", "email": "newstaff@example.com", "role": "support", "password": "" } }),
        ),
        ("set_staff_role", json!({ "id": 9999, "role": "sales" })),
        ("set_staff_active", json!({ "id": 9999, "active": true })),
        (
            "reset_staff_password",
            json!({ "id": 9999, "password": "Quiet-River-Stone-93", "notify": false }),
        ),
        (
            "change_own_password",
            json!({ "current": "wrong-password", "new": "Another-Good-Pass-77" }),
        ),
        ("send_portal_invitation", json!({ "id": c })),
        (
            "reset_customer_password",
            json!({ "id": c, "reset": { "mode": "email_link" } }),
        ),
        ("set_portal_access", json!({ "id": c, "enabled": true })),
        (
            "set_portal_features",
            json!({ "id": c, "features": { "edit_details": false, "change_password": true } }),
        ),
        ("portal_me", json!({})),
        (
            "portal_update_details",
            json!({ "version": 1, "input": { "city": "Cebu" } }),
        ),
        (
            "portal_change_password",
            json!({ "current": "wrong-password", "new": "Another-Good-Pass-77" }),
        ),
        (
            "portal_link_status",
            json!({ "token": "00", "purpose": "invite" }),
        ),
    ]);
    Fixture {
        callers: vec![
            ("anonymous", Caller::Anonymous, String::new()),
            ("customer", Caller::Customer, customer),
            ("admin", Caller::Staff(Role::Admin), staff.admin),
            ("sales", Caller::Staff(Role::Sales), staff.sales),
            ("support", Caller::Staff(Role::Support), staff.support),
            (
                "accounting",
                Caller::Staff(Role::Accounting),
                staff.accounting,
            ),
        ],
        args,
    }
}

#[tokio::test]
async fn every_server_function_is_in_the_table_and_answers_each_caller_as_it_says() {
    let app = spawn_app().await;
    let fx = fixture(&app).await;

    // The table and the registered server functions are the same set.
    let registered: BTreeSet<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.trim_start_matches("/api/").to_string())
        .collect();
    let listed: BTreeSet<String> = SERVER_FNS.iter().map(|(n, _)| n.to_string()).collect();
    assert_eq!(
        registered.difference(&listed).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "server functions missing from app::auth::permissions::SERVER_FNS"
    );
    assert_eq!(
        listed.difference(&registered).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "table entries with no server function"
    );

    let mut failures = Vec::new();
    for (name, access) in SERVER_FNS {
        let args = fx
            .args
            .get(name)
            .unwrap_or_else(|| panic!("no sample arguments for {name}: add them to this test"));
        for (who, caller, cookie) in &fx.callers {
            let allowed = access.allows(*caller);
            let before = if allowed {
                String::new()
            } else {
                fingerprint(&app).await
            };
            let (status, body) = app.call(cookie, name, args.clone()).await;
            let refused = status == 401 || status == 403;
            if allowed == refused {
                failures.push(format!(
                    "{name} as {who}: expected {}, got {status} {body}",
                    if allowed { "allowed" } else { "refused" }
                ));
            }
            if !allowed {
                // Anonymous and the wrong kind of session: 401; staff without the role: 403.
                let expected = match (caller, access) {
                    (Caller::Staff(_), Access::Staff(_)) => 403,
                    _ => 401,
                };
                if status != expected {
                    failures.push(format!(
                        "{name} as {who}: refused with {status}, expected {expected}"
                    ));
                }
                if fingerprint(&app).await != before {
                    failures.push(format!(
                        "{name} as {who}: refused, but the database changed"
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn every_route_answers_each_caller_as_the_table_says() {
    let app = spawn_app().await;
    let fx = fixture(&app).await;
    // Sign-outs last: they end the callers' sessions.
    let mut routes: Vec<_> = ROUTES.to_vec();
    routes.sort_by_key(|(_, path, _)| path.ends_with("/logout"));
    let mut failures = Vec::new();
    for (method, path, access) in routes {
        assert_eq!(route_access(method, path), Some(access));
        for (who, caller, cookie) in &fx.callers {
            let allowed = access.allows(*caller);
            let before = if allowed {
                String::new()
            } else {
                fingerprint(&app).await
            };
            let req = match method {
                "GET" => app.client.get(app.url(path)),
                _ => app.client.post(app.url(path)),
            };
            let req = req.header("cookie", cookie.as_str());
            let req = if path == app::export::EXPORT_PATH {
                req.header("accept", "application/json")
                    .json(&json!({ "scope": "all" }))
            } else if method == "POST" {
                req.form(&[
                    ("email", "nobody@example.com"),
                    ("password", "x"),
                    ("token", "00"),
                    ("confirm", "x"),
                ])
            } else {
                req
            };
            let res = req.send().await.unwrap();
            let status = res.status().as_u16();
            // A signed-out download link is sent to sign in first (and back after).
            let to_sign_in = method == "GET"
                && status == 303
                && (location(&res).starts_with("/login?")
                    || location(&res).starts_with("/portal/login"));
            let refused = status == 401 || status == 403 || to_sign_in;
            if allowed == refused {
                failures.push(format!(
                    "{method} {path} as {who}: expected {}, got {status}",
                    if allowed { "allowed" } else { "refused" }
                ));
            }
            if !allowed && fingerprint(&app).await != before {
                failures.push(format!(
                    "{method} {path} as {who}: refused, but the database changed"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
