//! Security hardening over the real router: response headers (a nonce-based CSP that the
//! page's own scripts carry, nosniff, no referrer, no framing, HSTS only over HTTPS), the
//! request size limit, the export rate limit, and search / filter input that holds SQL or
//! full-text syntax being plain text.

use crate::common::*;
use serde_json::json;

#[tokio::test]
async fn pages_carry_a_nonce_csp_that_their_own_scripts_use() {
    let app = spawn_app().await;
    let res = app.client.get(app.url("/login")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let csp = header(&res, "content-security-policy");
    assert_eq!(header(&res, "x-content-type-options"), "nosniff");
    assert_eq!(header(&res, "referrer-policy"), "no-referrer");
    assert_eq!(header(&res, "x-frame-options"), "DENY");
    assert_eq!(
        header(&res, "strict-transport-security"),
        "",
        "no HSTS over http"
    );
    let html = res.text().await.unwrap();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(csp.contains("object-src 'none'"), "{csp}");
    assert!(!csp.contains("'unsafe-inline'; ") || csp.contains("style-src-attr 'unsafe-inline'"));
    assert!(!csp.contains("script-src 'self' 'unsafe-inline'"), "{csp}");
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|s| s.split('\'').next())
        .unwrap_or_else(|| panic!("no nonce in {csp}"));
    assert!(nonce.len() >= 16, "{nonce}");
    // Every inline script of the page carries it.
    let scripts = html.matches("<script").count();
    assert!(scripts > 0);
    assert_eq!(
        html.matches(&format!("nonce=\"{nonce}\"")).count(),
        scripts,
        "{html}"
    );
    // A second response gets a different nonce.
    let again = app.client.get(app.url("/login")).send().await.unwrap();
    assert_ne!(header(&again, "content-security-policy"), csp);
}

#[tokio::test]
async fn api_answers_get_the_strict_default_and_https_gets_hsts() {
    let app = spawn_app_with(|a| {
        a.public_base_url = "https://crm.example.com".into();
    })
    .await;
    let res = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(
        header(&res, "content-security-policy"),
        app::DEFAULT_CSP,
        "non-page responses"
    );
    assert!(header(&res, "strict-transport-security").starts_with("max-age="));
    let (status, _) = app.call("", "current_user", json!({})).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn oversized_bodies_are_refused_before_they_reach_anything() {
    let app = spawn_app().await;
    let staff = app.staff_cookies().await;
    let big = format!(
        "{{\"query\": {{\"q\": \"{}\"}}}}",
        "x".repeat(server::MAX_REQUEST_BODY + 1)
    );
    let res = app
        .client
        .post(app.url("/api/list_customers"))
        .header("cookie", &staff.admin)
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
}

#[tokio::test]
async fn exports_are_rate_limited_per_user() {
    let app = spawn_app().await;
    let staff = app.staff_cookies().await;
    let export = |cookie: String| {
        let app = &app;
        async move {
            app.client
                .post(app.url(app::export::EXPORT_PATH))
                .header("cookie", cookie)
                .json(&json!({ "scope": "all" }))
                .send()
                .await
                .unwrap()
        }
    };
    for _ in 0..app::export::ssr::EXPORTS_PER_WINDOW {
        assert_eq!(export(staff.accounting.clone()).await.status(), 200);
    }
    let res = export(staff.accounting.clone()).await;
    assert_eq!(res.status(), 429);
    let wait: u64 = header(&res, "retry-after").parse().unwrap();
    assert!(wait > 0 && wait <= app::export::ssr::EXPORT_WINDOW_SECS as u64);
    // Someone else is not affected.
    assert_eq!(export(staff.sales.clone()).await.status(), 200);
}

#[tokio::test]
async fn search_text_holding_sql_or_fts_syntax_is_plain_text() {
    let app = spawn_app().await;
    let staff = app.staff_cookies().await;
    for (i, (first, last)) in [("Maria", "Santos"), ("Jose", "Cruz"), ("Ana", "Reyes")]
        .iter()
        .enumerate()
    {
        let mut c = customer_json(&format!("person{i}@example.com"));
        c["first_name"] = json!(first);
        c["last_name"] = json!(last);
        let (status, body) = app
            .call(&staff.admin, "create_customer", json!({ "input": c }))
            .await;
        assert_eq!(status, 200, "{body}");
    }
    // (search text, how many of the three it may match)
    let cases: &[(&str, i64)] = &[
        ("' OR 1=1 --", 0),
        ("'; drop table customer; --", 0),
        ("\" OR \"\"=\"", 0),
        ("*", 0),
        ("%", 0),
        ("_", 0),
        ("%a%", 0),
        ("ma_ia", 0),
        ("NEAR(maria santos)", 0),
        ("maria OR zzz", 0),
        ("maria AND NOT santos", 0),
        ("first_name:maria", 0),
        ("{name}: maria", 0),
        ("^maria", 0),
        ("maria*", 0),
        ("\"maria\"", 0),
        ("(", 0),
        ("\\", 0),
        ("maria", 1),
        ("santos", 1),
    ];
    let mut failures = Vec::new();
    for (q, expected) in cases {
        for name in ["list_customers", "count_matching_customers"] {
            let (status, body) = app
                .call(&staff.support, name, json!({ "query": { "q": q } }))
                .await;
            let n = if name == "list_customers" {
                body["rows"].as_array().map(|r| r.len() as i64)
            } else {
                body.as_i64()
            };
            if status != 200 || n != Some(*expected) {
                failures.push(format!(
                    "{name} {q:?}: {status}, {n:?} rows, expected {expected}"
                ));
            }
        }
        // The label and status filters take ids and enum values only: junk is a 400.
    }
    assert_eq!(app.count("select count(*) from customer").await, 3);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let (status, _) = app
        .call(
            &staff.support,
            "list_customers",
            json!({ "query": { "status": "active' OR 1=1" } }),
        )
        .await;
    assert_eq!(status, 400);
    let (status, _) = app
        .call(
            &staff.support,
            "list_customers",
            json!({ "query": { "labels": ["1 OR 1=1"] } }),
        )
        .await;
    assert_eq!(status, 400);
}
