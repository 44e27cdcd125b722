//! Crash durability (issue #15): the real server binary, concurrent writes through its HTTP
//! API (creates, edits, label changes, deletes), `kill -9` at a random moment, restart — then
//! every write that was acknowledged with a 2xx is there, nothing is half-applied (every
//! customer row has its audit event, counters equal a recount, the search index holds every
//! customer) and SQLite's `integrity_check` passes. `CRASH_CYCLES` cycles (default 10; the
//! 100-cycle run is in RELIABILITY.md).

use crate::common::*;
use rand::Rng;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const WRITERS: usize = 4;

/// What the writers were told had happened, per customer e-mail (present: its creation
/// was acknowledged).
#[derive(Default, Clone, Debug)]
struct Acked {
    /// The city the last acknowledged edit set ("v0" at creation).
    city: Option<String>,
    /// An edit to this city was in flight when the server died (it may or may not be there).
    city_in_flight: Option<String>,
    labelled: bool,
    deleted: bool,
}

struct Server {
    child: Child,
    base: String,
}

fn start(db: &std::path::Path, mail: &std::path::Path) -> Server {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let base = format!("http://127.0.0.1:{port}");
    let child = Command::new(env!("CARGO_BIN_EXE_server"))
        .arg("serve")
        .env("DATABASE_URL", format!("sqlite://{}", db.display()))
        .env("BIND_ADDR", format!("127.0.0.1:{port}"))
        .env("PUBLIC_BASE_URL", &base)
        .env("ADMIN_EMAIL", "crash-admin@example.com")
        .env("ADMIN_PASSWORD", PASSWORD)
        .env("MAIL_DIR", mail)
        .env("LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the server binary starts");
    Server { child, base }
}

async fn wait_up(client: &reqwest::Client, base: &str) {
    let until = Instant::now() + Duration::from_secs(30);
    while Instant::now() < until {
        if let Ok(r) = client.get(format!("{base}/healthz")).send().await {
            if r.status() == 200 {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the server did not come up");
}

async fn sign_in(client: &reqwest::Client, base: &str) -> String {
    let res = client
        .post(format!("{base}/auth/login"))
        .form(&[
            ("email", "crash-admin@example.com"),
            ("password", PASSWORD),
            ("next", "/customers"),
        ])
        .send()
        .await
        .unwrap();
    session_cookie(res.headers()).expect("signed in")
}

async fn call(
    client: &reqwest::Client,
    base: &str,
    cookie: &str,
    name: &str,
    args: Value,
) -> Option<Value> {
    let res = client
        .post(format!("{base}/api/{name}"))
        .header("cookie", cookie)
        .header("accept", "application/json")
        .json(&args)
        .send()
        .await
        .ok()?;
    if !res.status().is_success() {
        return None;
    }
    res.json().await.ok()
}

/// One writer: create, edit, label, sometimes delete — until a request fails (the server died).
async fn writer(
    client: reqwest::Client,
    base: String,
    cookie: String,
    label: i64,
    prefix: String,
    acked: Arc<Mutex<BTreeMap<String, Acked>>>,
) {
    for i in 0.. {
        let email = format!("{prefix}-{i}@example.com");
        let mut input = customer_json(&email);
        input["city"] = json!("v0");
        let Some(created) = call(
            &client,
            &base,
            &cookie,
            "create_customer",
            json!({ "input": input.clone() }),
        )
        .await
        else {
            return;
        };
        let id = created["customer_id"].as_i64().unwrap();
        let version = created["version"].as_i64().unwrap();
        acked.lock().unwrap().insert(
            email.clone(),
            Acked {
                city: Some("v0".into()),
                ..Default::default()
            },
        );
        input["city"] = json!("v1");
        acked
            .lock()
            .unwrap()
            .get_mut(&email)
            .unwrap()
            .city_in_flight = Some("v1".into());
        if call(
            &client,
            &base,
            &cookie,
            "update_customer",
            json!({ "id": id, "version": version, "input": input }),
        )
        .await
        .is_none()
        {
            return;
        }
        {
            let mut a = acked.lock().unwrap();
            let e = a.get_mut(&email).unwrap();
            e.city = Some("v1".into());
            e.city_in_flight = None;
        }
        let add = json!({ "target": { "kind": "ids", "ids": [id] }, "action": { "kind": "add_label", "label_id": label } });
        if call(&client, &base, &cookie, "bulk_update_customers", add)
            .await
            .is_none()
        {
            return;
        }
        acked.lock().unwrap().get_mut(&email).unwrap().labelled = true;
        if i % 3 == 2 {
            if call(
                &client,
                &base,
                &cookie,
                "delete_customer",
                json!({ "id": id }),
            )
            .await
            .is_none()
            {
                return;
            }
            acked.lock().unwrap().get_mut(&email).unwrap().deleted = true;
        }
    }
}

async fn verify(pool: &app::db::Pool, acked: &BTreeMap<String, Acked>, label: i64, cycle: usize) {
    let q = |sql: &str| app::db::query_scalar::<i64>(sql.to_string());
    let check: String = app::db::query_scalar("pragma integrity_check")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(check, "ok", "cycle {cycle}");
    // Counters and the search index agree with the rows.
    let bad_counts = q("select count(*) from customer_count k where k.live != (select count(*) from customer c where c.deleted_at is null and c.status = k.status)")
        .fetch_one(pool).await.unwrap();
    assert_eq!(bad_counts, 0, "status counters, cycle {cycle}");
    let bad_usage = q("select count(*) from label l where l.used != (select count(*) from customer_label cl join customer c on c.customer_id = cl.customer_id where cl.label_id = l.label_id and c.deleted_at is null)")
        .fetch_one(pool).await.unwrap();
    assert_eq!(bad_usage, 0, "label usage, cycle {cycle}");
    let unindexed =
        q("select (select count(*) from customer) - (select count(*) from customer_fts)")
            .fetch_one(pool)
            .await
            .unwrap();
    assert_eq!(unindexed, 0, "search index, cycle {cycle}");
    // Nothing half-applied: every customer has its creation event, every edit its event.
    let no_event = q("select count(*) from customer c where not exists (select 1 from audit_event e where e.entity = 'customer' and e.entity_id = c.customer_id and e.action = 'create')")
        .fetch_one(pool).await.unwrap();
    assert_eq!(
        no_event, 0,
        "customers without their audit event, cycle {cycle}"
    );
    let unaudited_edits = q("select count(*) from customer c where c.version > 1 and (select count(*) from audit_event e where e.entity = 'customer' and e.entity_id = c.customer_id) < c.version")
        .fetch_one(pool).await.unwrap();
    assert_eq!(
        unaudited_edits, 0,
        "versions without their audit events, cycle {cycle}"
    );
    // Every acknowledged write is there.
    for (email, a) in acked {
        let row: Option<(i64, String, Option<String>)> = app::db::query_as(
            "select customer_id, city, cast(deleted_at as text) from customer where email = $1",
        )
        .bind(email)
        .fetch_optional(pool)
        .await
        .unwrap();
        let (id, city, deleted) =
            row.unwrap_or_else(|| panic!("acknowledged create of {email} lost, cycle {cycle}"));
        let acked_city = a.city.clone().unwrap();
        assert!(
            city == acked_city || Some(&city) == a.city_in_flight.as_ref(),
            "{email}: city {city}, acknowledged {acked_city}, cycle {cycle}"
        );
        if a.labelled {
            let has: i64 =
                q("select count(*) from customer_label where customer_id = $1 and label_id = $2")
                    .bind(id)
                    .bind(label)
                    .fetch_one(pool)
                    .await
                    .unwrap();
            assert_eq!(has, 1, "{email}: acknowledged label lost, cycle {cycle}");
        }
        if a.deleted {
            assert!(
                deleted.is_some(),
                "{email}: acknowledged delete lost, cycle {cycle}"
            );
        }
    }
}

#[tokio::test]
async fn killed_at_random_moments_the_server_loses_no_acknowledged_write() {
    if on_postgres() {
        // The harness kills the process that owns the database file; PostgreSQL's own
        // durability is PostgreSQL's to prove.
        return;
    }
    let cycles: usize = std::env::var("CRASH_CYCLES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("crash.db");
    let mail = dir.path().join("mail");
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let acked: Arc<Mutex<BTreeMap<String, Acked>>> = Arc::default();
    let mut label = 0;
    let mut rng = rand::thread_rng();
    let mut writes = 0;
    for cycle in 0..cycles {
        let mut server = start(&db, &mail);
        wait_up(&client, &server.base).await;
        let cookie = sign_in(&client, &server.base).await;
        if cycle == 0 {
            let made = call(
                &client,
                &server.base,
                &cookie,
                "create_label",
                json!({ "input": { "name": "Crash", "color": "#2457d6" } }),
            )
            .await
            .unwrap();
            label = made["label_id"].as_i64().unwrap();
        }
        let tasks: Vec<_> = (0..WRITERS)
            .map(|w| {
                tokio::spawn(writer(
                    client.clone(),
                    server.base.clone(),
                    cookie.clone(),
                    label,
                    format!("crash-{cycle}-{w}"),
                    acked.clone(),
                ))
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(rng.gen_range(100..700))).await;
        server.child.kill().unwrap(); // SIGKILL: no shutdown, no flush
        server.child.wait().unwrap();
        for t in tasks {
            t.await.unwrap();
        }
        let snapshot = acked.lock().unwrap().clone();
        writes = snapshot.len();
        // Restart on the same file: it must open, and hold every acknowledged write.
        let pool = server::connect(&format!("sqlite://{}", db.display()))
            .await
            .unwrap();
        verify(&pool, &snapshot, label, cycle).await;
        pool.close().await;
    }
    let all = acked.lock().unwrap().clone();
    let (edited, labelled, deleted) = (
        all.values()
            .filter(|a| a.city.as_deref() == Some("v1"))
            .count(),
        all.values().filter(|a| a.labelled).count(),
        all.values().filter(|a| a.deleted).count(),
    );
    println!(
        "{cycles} kill -9 cycles: {writes} acknowledged creates, {edited} edits, {labelled} label changes, {deleted} deletes; 0 lost, 0 half-applied, integrity ok"
    );
    assert!(
        writes > cycles,
        "the writers wrote ({writes} customers in {cycles} cycles)"
    );
}
