//! Hostile input on every server function (issue #15): each of the permission test's sample
//! calls again with one value at a time replaced by something hostile — a 1 MB string, NUL
//! bytes, right-to-left overrides and zero-width spaces, SQL, negative, huge and fractional
//! numbers, numbers as strings, nulls, objects where values belong, 10,000-element lists —
//! and whole bodies that are not JSON, not UTF-8 or the wrong JSON type. Every answer is a
//! 2xx or a clear 4xx (never a 5xx or a dropped connection: no panic), a refused call changes
//! nothing, and no hostile text ends up stored.

use crate::common::*;
use crate::permissions::{fingerprint, fixture};
use app::auth::permissions::Caller;
use serde_json::{json, Value};

/// Server functions whose refusal can be a failed password check (recorded by design).
const CREDENTIAL_CHECKS: [&str; 2] = ["change_own_password", "portal_change_password"];

fn hostile_strings() -> Vec<Value> {
    vec![
        json!("x".repeat(1_000_000)),
        json!("a\u{0}b"),
        json!("\u{202E}fdp.exe"),
        json!("An\u{200B}na"),
        json!("'; drop table customer; --"),
    ]
}

fn hostile_numbers() -> Vec<Value> {
    vec![
        json!(-1),
        json!(i64::MAX),
        json!(1.5e300),
        json!("1"),
        json!(null),
        json!({ "id": 1 }),
    ]
}

/// `args` with the value at `path` replaced.
fn replaced(args: &Value, path: &[String], with: &Value) -> Value {
    let mut out = args.clone();
    let mut at = &mut out;
    for key in path {
        at = match at {
            Value::Object(m) => m.get_mut(key).unwrap(),
            Value::Array(a) => &mut a[key.parse::<usize>().unwrap()],
            _ => unreachable!(),
        };
    }
    *at = with.clone();
    out
}

/// Every leaf of `v` with its path.
fn leaves(v: &Value, path: &mut Vec<String>, out: &mut Vec<(Vec<String>, Value)>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                path.push(k.clone());
                leaves(x, path, out);
                path.pop();
            }
        }
        Value::Array(a) if !a.is_empty() => {
            out.push((path.clone(), v.clone()));
            for (i, x) in a.iter().enumerate() {
                path.push(i.to_string());
                leaves(x, path, out);
                path.pop();
            }
        }
        _ => out.push((path.clone(), v.clone())),
    }
}

/// The hostile variants of one sample call: each leaf replaced by each hostile value of its
/// kind (the 1 MB string only for the first string leaf: it is about size, not place).
fn variants(args: &Value) -> Vec<Value> {
    let mut found = Vec::new();
    leaves(args, &mut Vec::new(), &mut found);
    let mut out = Vec::new();
    let mut big_sent = false;
    for (path, leaf) in found {
        if path.is_empty() {
            continue;
        }
        let values = match leaf {
            Value::String(_) => {
                let mut v = hostile_strings();
                if big_sent {
                    v.remove(0);
                }
                big_sent = true;
                v
            }
            Value::Number(_) => hostile_numbers(),
            Value::Bool(_) => vec![json!("yes"), json!(1)],
            Value::Array(_) => vec![json!((0..10_000).collect::<Vec<i64>>())],
            Value::Null => vec![json!(-1), json!("x")],
            Value::Object(_) => vec![json!([])],
        };
        for v in values {
            out.push(replaced(args, &path, &v));
        }
    }
    out
}

async fn post(app: &TestApp, cookie: &str, name: &str, body: reqwest::Body, json: bool) -> u16 {
    let mut req = app
        .client
        .post(app.url(&format!("/api/{name}")))
        .header("accept", "application/json")
        .header("cookie", cookie)
        .body(body);
    if json {
        req = req.header("content-type", "application/json");
    }
    match req.send().await {
        Ok(res) => res.status().as_u16(),
        Err(e) => panic!("{name}: no answer ({e})"),
    }
}

#[tokio::test]
async fn hostile_input_to_every_server_function_gets_a_clear_answer_and_changes_nothing() {
    let app = spawn_app().await;
    let fx = fixture(&app).await;
    let cookie = |name: &str| -> String {
        let wanted = if name.starts_with("portal_") && name != "portal_info" {
            Caller::Customer
        } else {
            Caller::Staff(app::auth::Role::Admin)
        };
        fx.callers
            .iter()
            .find(|(_, c, _)| *c == wanted)
            .map(|(_, _, k)| k.clone())
            .unwrap()
    };
    let mut calls = 0;
    let mut before = fingerprint(&app).await;
    for (name, args) in &fx.args {
        let who = cookie(name);
        let mut bodies: Vec<(Vec<u8>, String)> = variants(args)
            .into_iter()
            .map(|v| {
                let body = serde_json::to_vec(&v).unwrap();
                let shown: String = String::from_utf8_lossy(&body).chars().take(160).collect();
                (body, shown)
            })
            .collect();
        // Whole bodies: not JSON, not UTF-8, the wrong JSON type.
        for raw in [
            &b"{{{"[..],
            &b"\xff\xfe\xfd"[..],
            b"[]",
            b"\"x\"",
            b"null",
            b"{\"\\u0000\": 1}",
        ] {
            bodies.push((raw.to_vec(), String::from_utf8_lossy(raw).into_owned()));
        }
        for (body, shown) in bodies {
            calls += 1;
            let status = post(&app, &who, name, body.into(), true).await;
            assert!(
                (200..300).contains(&status) || (400..500).contains(&status),
                "{name} answered {status} to {shown}"
            );
            let after = fingerprint(&app).await;
            if !(200..300).contains(&status) {
                // A wrong current password is a failed attempt: it is counted and audited
                // on purpose (and nothing else changes).
                let credential_check = CREDENTIAL_CHECKS.contains(name);
                let kept = |dump: &str| -> String {
                    dump.lines()
                        .filter(|l| {
                            !(credential_check
                                && (l.starts_with("audit_event:")
                                    || l.starts_with("login_throttle:")))
                        })
                        .collect::<Vec<_>>()
                        .join("\n")
                };
                assert!(
                    kept(&after) == kept(&before),
                    "{name} refused ({status}) {shown} but changed the database"
                );
            }
            before = after;
        }
    }
    assert!(calls > 500, "{calls}");
    // Whatever was accepted, nothing hostile was stored.
    let dump = fingerprint(&app).await;
    for bad in ['\u{0}', '\u{202E}', '\u{200B}'] {
        assert!(!dump.contains(bad), "{bad:?} stored");
    }
    assert!(!dump.contains(&"x".repeat(10_000)), "a 1 MB string stored");
}
