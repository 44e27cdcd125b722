//! Import benchmark (issue #17): `cargo run --release -p server --example import_bench -- 100000`
//!
//! Writes `target/bench/import-N.csv` (once) in the benchmark generator's columns — id,
//! first_name, middle_name, last_name, suffix, email, gender, birthday, phone, street, city,
//! state, zip, country, status, labels, created_at, updated_at — then, on a fresh database
//! (SQLite under target/bench, or `BENCH_POSTGRES_URL`), through the real router: upload,
//! the full check, the import (validation + write + search index) until it is done. While it
//! runs, a client asks for the first list page and a search again and again: their p50/p95
//! are the list's responsiveness during an import. Peak memory is the process's high-water
//! mark over the import (the client is in the same process).

use rand::{Rng, SeedableRng};
use std::io::Write;
use std::time::{Duration, Instant};

const FIRST: [&str; 16] = [
    "Maria", "Jose", "Ana", "Juan", "Luz", "Pedro", "Rosa", "Carlos", "Elena", "Miguel", "Sofia",
    "Diego", "Carmen", "Luis", "Isabel", "Ramon",
];
const LAST: [&str; 16] = [
    "Santos",
    "Reyes",
    "Cruz",
    "Garcia",
    "Mendoza",
    "Ramos",
    "Johnson",
    "Nguyen",
    "Bautista",
    "Villanueva",
    "Fernandez",
    "Torres",
    "Flores",
    "Rivera",
    "Gonzales",
    "Aquino",
];
const CITIES: [&str; 6] = ["Manila", "Cebu", "Davao", "Quezon City", "Makati", "Iloilo"];
const LABELS: [&str; 5] = ["VIP", "Wholesale", "Newsletter", "Prospect", "Partner"];

fn rss_kb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

fn generate(path: &std::path::Path, rows: u64) {
    let mut rng = rand::rngs::StdRng::seed_from_u64(17);
    let file = std::fs::File::create(path).unwrap();
    let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
    writeln!(w, "id,first_name,middle_name,last_name,suffix,email,gender,birthday,phone,street,city,state,zip,country,status,labels,created_at,updated_at").unwrap();
    for i in 1..=rows {
        let first = FIRST[rng.gen_range(0..FIRST.len())];
        let last = LAST[rng.gen_range(0..LAST.len())];
        let middle = if rng.gen_bool(0.5) {
            FIRST[rng.gen_range(0..FIRST.len())]
        } else {
            ""
        };
        let gender = ["female", "male", "", "other"][rng.gen_range(0..4)];
        let birthday = format!(
            "{:04}-{:02}-{:02}",
            rng.gen_range(1950..2005),
            rng.gen_range(1..=12),
            rng.gen_range(1..=28)
        );
        let phone = format!(
            "0917 {:03} {:04}",
            rng.gen_range(100..1000),
            rng.gen_range(0..10000)
        );
        let labels = if rng.gen_bool(0.3) {
            LABELS[rng.gen_range(0..LABELS.len())].to_string()
        } else {
            String::new()
        };
        let status = if rng.gen_bool(0.8) {
            "active"
        } else {
            "inactive"
        };
        writeln!(
            w,
            "{i},{first},{middle},{last},,{}.{}.{i}@example.com,{gender},{birthday},{phone},\"{} Rizal St\",{},Metro Manila,{},PH,{status},{labels},2024-01-01T00:00:00Z,2024-01-01T00:00:00Z",
            first.to_lowercase(),
            last.to_lowercase(),
            rng.gen_range(1..999),
            CITIES[rng.gen_range(0..CITIES.len())],
            rng.gen_range(1000..9999),
        )
        .unwrap();
    }
    w.flush().unwrap();
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("warn,app::import=info"))
        .with_writer(std::io::stderr)
        .init();
    let rows: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let dir = std::path::PathBuf::from("target/bench");
    std::fs::create_dir_all(&dir).unwrap();
    let csv = dir.join(format!("import-{rows}.csv"));
    if !csv.exists() {
        let t = Instant::now();
        generate(&csv, rows);
        eprintln!(
            "generated {} in {:.1} s",
            csv.display(),
            t.elapsed().as_secs_f64()
        );
    }
    let url = match std::env::var("BENCH_POSTGRES_URL") {
        Ok(server) => {
            let mut admin = <sqlx::PgConnection as sqlx::Connection>::connect(&server)
                .await
                .unwrap();
            sqlx::Executor::execute(&mut admin, "drop database if exists import_bench")
                .await
                .unwrap();
            sqlx::Executor::execute(&mut admin, "create database import_bench")
                .await
                .unwrap();
            let base = server.rsplit_once('/').unwrap().0;
            format!("{base}/import_bench")
        }
        Err(_) => {
            let db = dir.join("import-bench.db");
            for ext in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{ext}", db.display()));
            }
            format!("sqlite://{}", db.display())
        }
    };
    let pool = server::connect(&url).await.unwrap();
    let email = "import-bench@example.com";
    app::staff::ssr::create_with_password(
        &pool,
        email,
        "Bench",
        app::auth::Role::Sales,
        "bench-password-1",
    )
    .await
    .unwrap();
    let auth = app::state::AuthSettings {
        idle_timeout: Duration::from_secs(3600),
        absolute_timeout: Duration::from_secs(3600),
        cookie_secure: false,
        trust_forwarded_for: false,
        public_origin: "http://127.0.0.1".into(),
        public_base_url: "http://127.0.0.1".into(),
        sign_in_burst: app::auth::throttle::SIGN_IN_BURST,
        sign_in_period: app::auth::throttle::SIGN_IN_EVERY,
    };
    let mut state = server::app_state(server::default_leptos_options(), pool.clone(), auth);
    state.import = std::sync::Arc::new(app::state::ImportSettings {
        dir: dir.join("uploads"),
        max_bytes: 2 << 30,
    });
    let router = server::build_router(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
        .unwrap();
    });
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = client
        .post(format!("http://{addr}/auth/login"))
        .form(&[("email", email), ("password", "bench-password-1")])
        .send()
        .await
        .unwrap();
    let cookie = res.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let call = |name: &str, body: serde_json::Value| {
        client
            .post(format!("http://{addr}/api/{name}"))
            .header("cookie", &cookie)
            .json(&body)
            .send()
    };

    let bytes = std::fs::read(&csv).unwrap();
    let size_mb = bytes.len() as f64 / 1e6;
    let t = Instant::now();
    let upload: serde_json::Value = client
        .post(format!("http://{addr}{}", app::import::UPLOAD_PATH))
        .header("cookie", &cookie)
        .header("x-file-name", "bench.csv")
        .body(bytes)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let upload_s = t.elapsed().as_secs_f64();
    let batch = upload["batch_id"].as_i64().expect("uploaded");
    let mut mapping = upload["mapping"].clone();
    mapping["default_country"] = "PH".into();

    let t = Instant::now();
    let check: serde_json::Value = call(
        "check_import",
        serde_json::json!({ "batch_id": batch, "mapping": mapping }),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let check_s = t.elapsed().as_secs_f64();
    assert_eq!(check["new"].as_u64(), Some(rows), "{check}");

    let before = rss_kb("VmRSS");
    let anon_before = rss_kb("RssAnon");
    let mut anon_peak = anon_before;
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let t = Instant::now();
    let options =
        serde_json::json!({ "mapping": mapping, "duplicates": "skip", "create_labels": true });
    let started = call(
        "start_import",
        serde_json::json!({ "batch_id": batch, "options": options }),
    )
    .await
    .unwrap();
    assert!(
        started.status().is_success(),
        "{}",
        started.text().await.unwrap()
    );
    // The list while it runs: the first page, and a search.
    let mut lat = Vec::new();
    let mut k = 0u64;
    let status = loop {
        let q = if k.is_multiple_of(2) {
            serde_json::json!({ "query": { "size": 50 } })
        } else {
            serde_json::json!({ "query": { "size": 50, "q": "san" } })
        };
        k += 1;
        anon_peak = anon_peak.max(rss_kb("RssAnon"));
        let s = Instant::now();
        let res = call("list_customers", q).await.unwrap();
        assert!(res.status().is_success());
        let _ = res.bytes().await.unwrap();
        lat.push(s.elapsed());
        if k.is_multiple_of(10) {
            let status: serde_json::Value =
                call("import_status", serde_json::json!({ "batch_id": batch }))
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
            if status["state"] != "running" {
                break status;
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let wall = t.elapsed();
    let peak = rss_kb("VmHWM");
    assert_eq!(status["state"], "done", "{status}");
    assert_eq!(status["created"].as_u64(), Some(rows), "{status}");
    lat.sort();
    println!(
        "| {} ({}) | {size_mb:.1} MB | {upload_s:.2} s | {check_s:.2} s | **{:.2} s** | {:.0} | {:.0} MB ({:.0} MB heap) | {} / {} ms ({} queries) |",
        app::fmt::group_thousands(rows as i64),
        pool.backend().name(),
        wall.as_secs_f64(),
        rows as f64 / wall.as_secs_f64(),
        peak.saturating_sub(before) as f64 / 1024.0,
        anon_peak.saturating_sub(anon_before) as f64 / 1024.0,
        ms(percentile(&lat, 0.5)),
        ms(percentile(&lat, 0.95)),
        lat.len()
    );
}
