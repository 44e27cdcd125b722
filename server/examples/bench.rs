//! The Customers list benchmark: seeds N customers (default 1,000,000) into a SQLite file
//! and reports p50/p95 of the list/search server path, then HTTP throughput of the list
//! page with 64 concurrent connections.
//!
//!   cargo run --release -p server --example bench -- [COUNT]
//!
//! The database is kept in target/bench/ and reused when it already holds COUNT customers.
//! With `BENCH_POSTGRES_URL=postgres://…/postgres` (e.g. `$(scripts/pg.sh start)`) it runs
//! on PostgreSQL instead, in a database `customers_bench_COUNT` it creates there.
//! `BENCH_QUERIES_ONLY=1` stops after the list/search queries (no export, no HTTP);
//! `BENCH_ONLY=ari` runs only the queries whose name contains it, `BENCH_RUNS` times;
//! `BENCH_LOAD_SECS=60` replaces the HTTP table by the mixed-load run (see `load`).
//!
//! The further filters need data the demo seed does not write: [`filter_fixture`] adds a
//! long tail of countries and portal accounts with last access times, once per database.

use app::customers::list::{Cursor, CustomerQuery, DateRange, LastAccess, SortKey};
use app::customers::model::{Gender, Status};
use app::db;
use std::time::{Duration, Instant};

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx]
}

/// A field of /proc/self/status, in kB.
fn rss_kb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

fn group(n: u64) -> String {
    app::fmt::group_thousands(n as i64)
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

/// Where the benchmark's database lives.
enum Target {
    /// A SQLite file.
    Sqlite(String),
    /// A database `name` on the PostgreSQL server `server` (a URL to its `postgres` db).
    Postgres { server: String, name: String },
}

impl Target {
    fn url(&self) -> String {
        match self {
            Target::Sqlite(path) => format!("sqlite://{path}"),
            Target::Postgres { server, name } => {
                let base = server.rsplit_once('/').map(|(b, _)| b).unwrap_or(server);
                format!("{base}/{name}")
            }
        }
    }

    /// An empty database in its place.
    async fn reset(&self) {
        match self {
            Target::Sqlite(path) => {
                for ext in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{path}{ext}"));
                }
            }
            Target::Postgres { server, name } => {
                use sqlx::{Connection, Executor};
                let mut admin = sqlx::PgConnection::connect(server).await.unwrap();
                admin
                    .execute(format!("drop database if exists {name} with (force)").as_str())
                    .await
                    .unwrap();
                admin
                    .execute(
                        format!(
                            "create database {name} template template0 encoding 'UTF8' locale 'C.UTF-8'"
                        )
                        .as_str(),
                    )
                    .await
                    .unwrap();
            }
        }
    }
}

/// The database to measure, holding `count` demo customers (seeded when it does not).
async fn open_seeded(count: u64) -> db::Pool {
    let target = match std::env::var("BENCH_POSTGRES_URL") {
        Ok(server) if !server.is_empty() => Target::Postgres {
            server,
            name: format!("customers_bench_{count}"),
        },
        _ => {
            std::fs::create_dir_all("target/bench").unwrap();
            Target::Sqlite(format!("target/bench/customers-{count}.db"))
        }
    };
    let url = target.url();
    if let Target::Postgres { .. } = target {
        use sqlx::Connection;
        if sqlx::PgConnection::connect(&url).await.is_err() {
            target.reset().await;
        }
    }
    let pool = server::connect(&url).await.unwrap();
    let have: i64 = db::query_scalar("select count(*) from customer")
        .fetch_one(&pool)
        .await
        .unwrap();
    let labelled: i64 = db::query_scalar("select count(*) from customer_label")
        .fetch_one(&pool)
        .await
        .unwrap();
    if have as u64 == count && labelled > 0 {
        return pool;
    }
    pool.close().await;
    target.reset().await;
    let pool = server::connect(&url).await.unwrap();
    let t = Instant::now();
    server::seed::seed_demo(&pool, count).await.unwrap();
    println!(
        "seed-demo ({}): {count} customers in {:.1} s",
        pool.backend().name(),
        t.elapsed().as_secs_f64()
    );
    pool.close().await;
    server::connect(&url).await.unwrap()
}

/// The SQLite bench database's URL (None on PostgreSQL).
fn target_url_sqlite(pool: &db::Pool, count: u64) -> Option<String> {
    (pool.backend() == db::Backend::Sqlite)
        .then(|| format!("sqlite://target/bench/customers-{count}.db"))
}

/// A pool on the SQLite bench database after a full `ANALYZE` (`analyzed`), or with every
/// statistic deleted — opened without the app's `pragma optimize`, which would sample them
/// again.
async fn statistics(url: &str, analyzed: bool) -> db::Pool {
    use sqlx::{ConnectOptions, Connection};
    use std::str::FromStr;
    let opts = sqlx::sqlite::SqliteConnectOptions::from_str(url)
        .unwrap()
        .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
        .pragma("mmap_size", "1073741824")
        .pragma("cache_size", "-65536");
    let mut conn = opts.connect().await.unwrap();
    if analyzed {
        sqlx::query("pragma analysis_limit = 0")
            .execute(&mut conn)
            .await
            .unwrap();
        sqlx::query("analyze").execute(&mut conn).await.unwrap();
    } else {
        sqlx::query("delete from sqlite_stat1")
            .execute(&mut conn)
            .await
            .unwrap();
    }
    conn.close().await.unwrap();
    sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(opts)
        .await
        .unwrap()
        .into()
}

/// Data for the further filters, written once into the bench database: a long tail of
/// countries (Ireland 2 %, New Zealand 0.5 %, Iceland 0.05 %, in place of the seed's six
/// even ones) and a portal account for one customer in seven, two thirds of them with a
/// last access spread over the last 400 days (the rest invited, never signed in).
async fn filter_fixture(pool: &db::Pool) {
    let have: i64 = db::query_scalar("select count(*) from portal_account")
        .fetch_one(pool)
        .await
        .unwrap();
    if have > 0 {
        return;
    }
    let t = Instant::now();
    for (code, modulo, rest) in [("IE", 50, 17), ("NZ", 200, 13), ("IS", 2000, 11)] {
        db::query(format!(
            "update customer set country = '{code}' where customer_id % {modulo} = {rest}"
        ))
        .execute(pool)
        .await
        .unwrap();
    }
    let last_access = match pool.backend() {
        db::Backend::Sqlite => {
            "strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now', '-' || ((customer_id * 7919) % 400) || ' days',
                      '-' || (customer_id % 86400) || ' seconds')"
        }
        db::Backend::Postgres => {
            "now() - make_interval(days => ((customer_id * 7919) % 400)::int,
                                   secs => (customer_id % 86400)::double precision)"
        }
    };
    db::query(format!(
        "insert into portal_account (customer_id, created_at, invited_at, last_access_at)
         select customer_id, created_at, created_at,
                case when customer_id % 3 = 0 then null else {last_access} end
           from customer where customer_id % 7 = 0"
    ))
    .execute(pool)
    .await
    .unwrap();
    if pool.backend() == db::Backend::Postgres {
        db::query("vacuum (analyze) portal_account")
            .execute(pool)
            .await
            .unwrap();
        db::query("analyze customer").execute(pool).await.unwrap();
    }
    println!(
        "filter fixture written in {:.1} s",
        t.elapsed().as_secs_f64()
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let count: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let pool = open_seeded(count).await;
    filter_fixture(&pool).await;
    if std::env::var("BENCH_OVERVIEW").is_ok() {
        let runs = std::env::var("BENCH_RUNS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(100);
        overview(&pool, count, runs).await;
        return;
    }

    // Real values to look for.
    let probe: i64 = (count as i64 * 2) / 3;
    let email: String = db::query_scalar("select email from customer where customer_id = $1")
        .bind(probe)
        .fetch_one(&pool)
        .await
        .unwrap();
    let phone: String = db::query_scalar("select phone from customer where customer_id = $1")
        .bind(probe + 7)
        .fetch_one(&pool)
        .await
        .unwrap();
    let deep_id = (count as i64) / 2;
    // The key a cursor carries for the last-name sort: the name (SQLite compares it NOCASE),
    // its lower() on PostgreSQL.
    let key = match pool.backend() {
        db::Backend::Sqlite => "last_name",
        db::Backend::Postgres => "lower(last_name)",
    };
    let (deep_key, deep_key_id): (String, i64) = db::query_as(format!(
        "select {key}, customer_id from customer where deleted_at is null
         order by {}, customer_id limit 1 offset $1",
        pool.backend().nocase("last_name")
    ))
    .bind(count as i64 / 2)
    .fetch_one(&pool)
    .await
    .unwrap();

    let label = |name: &'static str| {
        let pool = pool.clone();
        async move {
            db::query_scalar::<i64>("select label_id from label where name = $1")
                .bind(name)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    let (vip, overdue, newsletter, partner) = (
        label("VIP").await,
        label("Overdue").await,
        label("Newsletter").await,
        label("Partner").await,
    );

    let base = CustomerQuery {
        size: 50,
        ..Default::default()
    };
    let scenarios: Vec<(&str, CustomerQuery)> = vec![
        ("first page (newest first)", base.clone()),
        (
            "deep page by id (keyset, middle of the table)",
            CustomerQuery {
                cursor: Some(Cursor {
                    after: true,
                    key: String::new(),
                    id: deep_id,
                }),
                ..base.clone()
            },
        ),
        (
            "deep page sorted by last name (keyset)",
            CustomerQuery {
                sort: SortKey::LastName,
                desc: Some(false),
                cursor: Some(Cursor {
                    after: true,
                    key: deep_key,
                    id: deep_key_id,
                }),
                ..base.clone()
            },
        ),
        (
            "sort by last name, first page",
            CustomerQuery {
                sort: SortKey::LastName,
                desc: Some(false),
                ..base.clone()
            },
        ),
        (
            "3-letter substring \"ari\"",
            CustomerQuery {
                q: "ari".into(),
                ..base.clone()
            },
        ),
        (
            "common last name \"Santos\"",
            CustomerQuery {
                q: "Santos".into(),
                ..base.clone()
            },
        ),
        (
            "exact email",
            CustomerQuery {
                q: email.clone(),
                ..base.clone()
            },
        ),
        (
            "User ID",
            CustomerQuery {
                q: probe.to_string(),
                ..base.clone()
            },
        ),
        (
            "phone as typed",
            CustomerQuery {
                q: phone.clone(),
                ..base.clone()
            },
        ),
        (
            "2-letter prefix \"jo\"",
            CustomerQuery {
                q: "jo".into(),
                ..base.clone()
            },
        ),
        (
            "status filter (inactive)",
            CustomerQuery {
                status: Some(Status::Inactive),
                ..base.clone()
            },
        ),
        (
            "label filter (Newsletter, 35 %)",
            CustomerQuery {
                labels: vec![newsletter],
                ..base.clone()
            },
        ),
        (
            "label filter (Overdue, 1 %)",
            CustomerQuery {
                labels: vec![overdue],
                ..base.clone()
            },
        ),
        (
            "status + label (inactive, VIP)",
            CustomerQuery {
                status: Some(Status::Inactive),
                labels: vec![vip],
                ..base.clone()
            },
        ),
        (
            "any of two labels (VIP, Partner)",
            CustomerQuery {
                labels: vec![vip, partner],
                ..base.clone()
            },
        ),
        (
            "all of two labels (VIP, Newsletter)",
            CustomerQuery {
                labels: vec![vip, newsletter],
                all_labels: true,
                ..base.clone()
            },
        ),
        (
            "2-letter prefix, rare (\"zo\")",
            CustomerQuery {
                q: "zo".into(),
                ..base.clone()
            },
        ),
        (
            "status (active) sorted by last name",
            CustomerQuery {
                status: Some(Status::Active),
                sort: SortKey::LastName,
                desc: Some(false),
                ..base.clone()
            },
        ),
        (
            "status (inactive) sorted by created, newest first",
            CustomerQuery {
                status: Some(Status::Inactive),
                sort: SortKey::Created,
                ..base.clone()
            },
        ),
        (
            "status + search (inactive, \"cruz\")",
            CustomerQuery {
                status: Some(Status::Inactive),
                q: "cruz".into(),
                ..base.clone()
            },
        ),
    ];

    // Each sort's first page, and sorts with a search or a label (the planner must keep to
    // the sort's index with and without statistics).
    let mut scenarios = scenarios;
    for (name, sort) in [
        ("sort by first name", SortKey::FirstName),
        ("sort by e-mail", SortKey::Email),
        ("sort by country", SortKey::Country),
        ("sort by status", SortKey::Status),
        ("sort by created", SortKey::Created),
        ("sort by updated, newest first", SortKey::Updated),
    ] {
        scenarios.push((
            name,
            CustomerQuery {
                sort,
                desc: Some(sort == SortKey::Updated),
                ..base.clone()
            },
        ));
    }
    scenarios.push((
        "search \"ari\" sorted by last name",
        CustomerQuery {
            q: "ari".into(),
            sort: SortKey::LastName,
            desc: Some(false),
            ..base.clone()
        },
    ));
    scenarios.push((
        "search \"Santos\" sorted by e-mail",
        CustomerQuery {
            q: "Santos".into(),
            sort: SortKey::Email,
            desc: Some(false),
            ..base.clone()
        },
    ));
    scenarios.push((
        "label (VIP) sorted by e-mail",
        CustomerQuery {
            labels: vec![vip],
            sort: SortKey::Email,
            desc: Some(false),
            ..base.clone()
        },
    ));

    // The further filters (#18): each alone, rare and common, and combined.
    let days = |from: &str, to: &str| DateRange {
        from: from.parse().ok(),
        to: to.parse().ok(),
    };
    let filters: Vec<(&str, CustomerQuery)> = vec![
        (
            "filter: country, rare (IS, 0.05 %)",
            CustomerQuery {
                countries: vec!["IS".into()],
                ..base.clone()
            },
        ),
        (
            "filter: country (IE, 2 %)",
            CustomerQuery {
                countries: vec!["IE".into()],
                ..base.clone()
            },
        ),
        (
            "filter: country (PH, 16 %)",
            CustomerQuery {
                countries: vec!["PH".into()],
                ..base.clone()
            },
        ),
        (
            "filter: three countries (IE, NZ, IS)",
            CustomerQuery {
                countries: vec!["IE".into(), "NZ".into(), "IS".into()],
                ..base.clone()
            },
        ),
        (
            "filter: countries (PH, US) by last name",
            CustomerQuery {
                countries: vec!["PH".into(), "US".into()],
                sort: SortKey::LastName,
                desc: Some(false),
                ..base.clone()
            },
        ),
        (
            "filter: gender (other, 25 %)",
            CustomerQuery {
                gender: Some(Gender::Other),
                ..base.clone()
            },
        ),
        (
            "filter: gender + country + status (female, IE, active)",
            CustomerQuery {
                gender: Some(Gender::Female),
                countries: vec!["IE".into()],
                status: Some(Status::Active),
                ..base.clone()
            },
        ),
        (
            "filter: created in a month (Dec 2025)",
            CustomerQuery {
                created: days("2025-12-01", "2025-12-31"),
                ..base.clone()
            },
        ),
        (
            "filter: created in a year (2024)",
            CustomerQuery {
                created: days("2024-01-01", "2024-12-31"),
                ..base.clone()
            },
        ),
        (
            "filter: created in 2024, by last name",
            CustomerQuery {
                created: days("2024-01-01", "2024-12-31"),
                sort: SortKey::LastName,
                desc: Some(false),
                ..base.clone()
            },
        ),
        (
            "filter: created since 2025-06, by date created",
            CustomerQuery {
                created: days("2025-06-01", ""),
                sort: SortKey::Created,
                ..base.clone()
            },
        ),
        (
            "filter: updated in a week",
            CustomerQuery {
                updated: days("2024-03-01", "2024-03-07"),
                ..base.clone()
            },
        ),
        (
            "filter: last access within 7 days",
            CustomerQuery {
                access: Some(LastAccess::Within7),
                ..base.clone()
            },
        ),
        (
            "filter: last access within 90 days",
            CustomerQuery {
                access: Some(LastAccess::Within90),
                ..base.clone()
            },
        ),
        (
            "filter: last access never",
            CustomerQuery {
                access: Some(LastAccess::Never),
                ..base.clone()
            },
        ),
        (
            "filter: last access over 90 days, by last name",
            CustomerQuery {
                access: Some(LastAccess::Over90),
                sort: SortKey::LastName,
                desc: Some(false),
                ..base.clone()
            },
        ),
        (
            "filter: label + country (VIP, PH)",
            CustomerQuery {
                labels: vec![vip],
                countries: vec!["PH".into()],
                ..base.clone()
            },
        ),
        (
            "filter: search + country (\"ari\", IE)",
            CustomerQuery {
                q: "ari".into(),
                countries: vec!["IE".into()],
                ..base.clone()
            },
        ),
        (
            "filter: 2024 + IE + female (three broad, 0.1 % together)",
            CustomerQuery {
                created: days("2024-01-01", "2024-12-31"),
                countries: vec!["IE".into()],
                gender: Some(Gender::Female),
                ..base.clone()
            },
        ),
    ];
    scenarios.extend(filters);

    let http_only = std::env::var("BENCH_HTTP_ONLY").is_ok();
    let export_only = std::env::var("BENCH_EXPORT_ONLY").is_ok();
    // BENCH_ONLY=text: only the queries whose name contains it; BENCH_RUNS: runs per query.
    let only = std::env::var("BENCH_ONLY").unwrap_or_default();
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200);
    println!("\n{count} customers, page size 50, {runs} runs each after 10 warm-up runs");
    // SQLite: the same table after a full `ANALYZE` and with no statistics at all (the app's
    // own `pragma optimize` keeps sampled ones): the plans must not depend on them.
    let states: Vec<(&str, db::Pool)> = match &target_url_sqlite(&pool, count) {
        Some(url) if !http_only && !export_only => {
            vec![
                ("after a full ANALYZE", statistics(url, true).await),
                ("without statistics", statistics(url, false).await),
            ]
        }
        _ => vec![("", pool.clone())],
    };
    for (state, list_pool) in &states {
        println!(
            "\n| query{} | rows | total | p50 ms | p95 ms | max ms |",
            if state.is_empty() {
                String::new()
            } else {
                format!(" ({state})")
            }
        );
        println!("|---|---|---|---|---|---|");
        for (name, q) in scenarios
            .iter()
            .filter(|(name, _)| !http_only && !export_only && name.contains(only.as_str()))
        {
            for _ in 0..10 {
                app::customers::search::list(list_pool, q).await.unwrap();
            }
            let mut times = Vec::with_capacity(runs);
            let mut last = None;
            for _ in 0..runs {
                let t = Instant::now();
                let page = app::customers::search::list(list_pool, q).await.unwrap();
                times.push(t.elapsed());
                last = Some(page);
            }
            times.sort();
            let page = last.unwrap();
            println!(
                "| {name} | {} | {} | {} | {} | {} |",
                page.rows.len(),
                page.total.display(),
                ms(percentile(&times, 0.5)),
                ms(percentile(&times, 0.95)),
                ms(*times.last().unwrap())
            );
        }
        if !state.is_empty() {
            list_pool.close().await;
        }
    }
    // The app's own sampled statistics again, for what follows.
    server::optimize(&pool).await;

    let (staff_id, email) = bench_user(&pool).await;

    if std::env::var("BENCH_QUERIES_ONLY").is_ok() {
        return;
    }

    // Export: wall time and the peak memory above what the process held before.
    if !http_only {
        let user = app::auth::CurrentUser {
            id: staff_id,
            email: email.clone(),
            name: "Bench".into(),
            role: app::auth::Role::Sales,
        };
        let prospect = label("Prospect").await;
        println!("\n| export | rows | file MB | wall s | peak extra MB |");
        println!("|---|---|---|---|---|");
        for (name, req) in [
            (
                "current view: label Prospect (~12 %)",
                app::export::ExportRequest {
                    scope: app::export::ExportScope::View,
                    query: CustomerQuery {
                        labels: vec![prospect],
                        ..Default::default()
                    },
                    ids: vec![],
                    columns: vec![],
                },
            ),
            (
                "all customers",
                app::export::ExportRequest {
                    scope: app::export::ExportScope::All,
                    query: CustomerQuery::default(),
                    ids: vec![],
                    columns: vec![],
                },
            ),
        ] {
            let before = rss_kb("VmRSS");
            // Reset the high-water mark so VmHWM measures this export only.
            let _ = std::fs::write("/proc/self/clear_refs", "5");
            let t = Instant::now();
            let out = app::export::ssr::export(&pool, &user, &req).await.unwrap();
            let wall = t.elapsed();
            let peak = rss_kb("VmHWM");
            println!(
                "| {name} | {} | {:.1} | {:.2} | {:.1} |",
                group(out.rows),
                out.bytes as f64 / 1e6,
                wall.as_secs_f64(),
                (peak.saturating_sub(before)) as f64 / 1024.0
            );
        }
    }

    if export_only {
        return;
    }
    // HTTP: the real router, a signed-in staff user, 64 connections for 10 seconds.
    let (addr, client, cookie) = serve(&pool, &email).await;

    if let Ok(secs) = std::env::var("BENCH_LOAD_SECS") {
        let secs: u64 = secs.parse().unwrap_or(60);
        load(addr, &client, &cookie, count as i64, secs).await;
        return;
    }

    println!("\n| HTTP, 64 concurrent connections, 10 s | requests/s | p50 ms | p95 ms |");
    println!("|---|---|---|---|");
    for (name, path, body) in [
        (
            "GET /customers (server-rendered page, 50 rows)",
            "/customers?size=50",
            None,
        ),
        (
            "POST /api/list_customers (JSON, 50 rows)",
            "/api/list_customers",
            Some(r#"{"query":{"size":50}}"#),
        ),
        (
            "POST /api/list_customers search \"ari\"",
            "/api/list_customers",
            Some(r#"{"query":{"size":50,"q":"ari"}}"#),
        ),
    ] {
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut tasks = Vec::new();
        for _ in 0..64 {
            let client = client.clone();
            let cookie = cookie.clone();
            let url = format!("http://{addr}{path}");
            tasks.push(tokio::spawn(async move {
                let mut lat = Vec::new();
                while Instant::now() < deadline {
                    let t = Instant::now();
                    let req = match body {
                        Some(b) => client
                            .post(&url)
                            .header("content-type", "application/json")
                            .body(b),
                        None => client.get(&url),
                    };
                    let res = req.header("cookie", &cookie).send().await.unwrap();
                    assert!(res.status().is_success(), "{}", res.status());
                    let _ = res.bytes().await.unwrap();
                    lat.push(t.elapsed());
                }
                lat
            }));
        }
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await.unwrap());
        }
        all.sort();
        println!(
            "| {name} | {:.0} | {} | {} |",
            all.len() as f64 / 10.0,
            ms(percentile(&all, 0.5)),
            ms(percentile(&all, 0.95))
        );
    }
}

/// What one request of the mixed load was.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Kind {
    List,
    Keystroke,
    Profile,
    Page,
    /// A server-rendered page whose client gave up part-way.
    Abandoned,
    Edit,
    SignIn,
}

/// `BENCH_LOAD_SECS=60`: 64 connections of mixed traffic (list pages with filters and sorts,
/// search keystrokes, profiles with their history, server-rendered pages, edits) for that
/// long — then the same again with 64 more connections flooding the sign-in form with wrong
/// passwords from many addresses. Reports p50/p99 per kind, errors (5xx or no answer),
/// conflicts (409: two edits of one customer) and panics; exits non-zero if there was an
/// error or a panic.
async fn load(
    addr: std::net::SocketAddr,
    client: &reqwest::Client,
    cookie: &str,
    count: i64,
    secs: u64,
) {
    use rand::{Rng, SeedableRng};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    static PANICS: AtomicUsize = AtomicUsize::new(0);
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        PANICS.fetch_add(1, Ordering::SeqCst);
        default_hook(info);
    }));
    const NAMES: [&str; 8] = [
        "santos", "reyes", "cruz", "garcia", "mendoza", "ramos", "johnson", "nguyen",
    ];
    // BENCH_LOAD_CONNS: connections of mixed traffic (64 by default; the flood is always 64).
    let conns: u64 = std::env::var("BENCH_LOAD_CONNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(64);
    let mut failed = false;
    for flood in [false, true] {
        let deadline = Instant::now() + Duration::from_secs(secs);
        let errors = Arc::new(AtomicUsize::new(0));
        let conflicts = Arc::new(AtomicUsize::new(0));
        let panics_before = PANICS.load(Ordering::SeqCst);
        let mut tasks = Vec::new();
        for conn in 0..conns {
            let (client, cookie) = (client.clone(), cookie.to_string());
            let (errors, conflicts) = (errors.clone(), conflicts.clone());
            tasks.push(tokio::spawn(async move {
                let mut lat: Vec<(Kind, Duration)> = Vec::new();
                let mut rng = rand::rngs::StdRng::seed_from_u64(conn);
                while Instant::now() < deadline {
                    let roll = rng.gen_range(0..100);
                    let api = |name: &str| format!("http://{addr}/api/{name}");
                    let t = Instant::now();
                    let (kind, status) = if roll < 40 {
                        let sort = ["id", "last_name", "email", "created"][rng.gen_range(0..4)];
                        let status = ["", "active", "inactive"][rng.gen_range(0..3)];
                        let size = [20, 50, 100][rng.gen_range(0..3)];
                        let mut q = serde_json::json!({ "size": size, "sort": sort });
                        if !status.is_empty() { q["status"] = status.into(); }
                        let r = client.post(api("list_customers")).header("cookie", &cookie)
                            .json(&serde_json::json!({ "query": q })).send().await;
                        (Kind::List, r.map(|r| r.status().as_u16()))
                    } else if roll < 65 {
                        let name = NAMES[rng.gen_range(0..NAMES.len())];
                        let typed = &name[..rng.gen_range(1..=name.len())];
                        let r = client.post(api("list_customers")).header("cookie", &cookie)
                            .json(&serde_json::json!({ "query": { "q": typed, "size": 50 } })).send().await;
                        (Kind::Keystroke, r.map(|r| r.status().as_u16()))
                    } else if roll < 80 {
                        let id = rng.gen_range(1..=count);
                        let a = client.post(api("get_customer")).header("cookie", &cookie)
                            .json(&serde_json::json!({ "id": id })).send().await;
                        let b = client.post(api("customer_history")).header("cookie", &cookie)
                            .json(&serde_json::json!({ "id": id })).send().await;
                        let worst = match (a, b) {
                            (Ok(a), Ok(b)) => Ok(a.status().as_u16().max(b.status().as_u16())),
                            (Err(e), _) | (_, Err(e)) => Err(e),
                        };
                        (Kind::Profile, worst)
                    } else if roll < 90 {
                        // Server-rendered pages: the list or a profile's history; one in four
                        // abandoned by its client part-way (a timeout of 1-40 ms).
                        let path = if rng.gen_bool(0.5) {
                            "/customers?size=50".to_string()
                        } else {
                            format!("/customers/{}?tab=history", rng.gen_range(1..=count))
                        };
                        let mut req = client.get(format!("http://{addr}{path}")).header("cookie", &cookie);
                        let abandon = rng.gen_range(0..4) == 0;
                        if abandon {
                            req = req.timeout(Duration::from_millis(rng.gen_range(1..40)));
                        }
                        let r = req.send().await;
                        let r = match r { Ok(r) => { let s = r.status().as_u16(); r.bytes().await.map(|_| s) } Err(e) => Err(e) };
                        match r {
                            Err(e) if abandon && e.is_timeout() => (Kind::Abandoned, Ok(200)),
                            r => (if abandon { Kind::Abandoned } else { Kind::Page }, r),
                        }
                    } else {
                        let id = rng.gen_range(1..=count);
                        let got = client.post(api("get_customer")).header("cookie", &cookie)
                            .json(&serde_json::json!({ "id": id })).send().await;
                        let status = match got {
                            Ok(r) if r.status().is_success() => {
                                let mut c: serde_json::Value = r.json().await.unwrap_or_default();
                                let version = c["version"].clone();
                                c["city"] = format!("Load {}", rng.gen_range(0..1000)).into();
                                let input = serde_json::json!({
                                    "first_name": c["first_name"], "middle_name": c["middle_name"], "last_name": c["last_name"],
                                    "suffix": c["suffix"], "email": c["email"], "gender": c["gender"], "birthday": c["birthday"],
                                    "phone": c["phone"], "street": c["street"], "city": c["city"], "state": c["state"],
                                    "zip": c["zip"], "country": c["country"], "status": c["status"],
                                    "contact_name": c["contact_name"], "contact_email": c["contact_email"],
                                    "contact_phone": c["contact_phone"],
                                });
                                client.post(api("update_customer")).header("cookie", &cookie)
                                    .json(&serde_json::json!({ "id": id, "version": version, "input": input }))
                                    .send().await.map(|r| r.status().as_u16())
                            }
                            Ok(r) => Ok(r.status().as_u16()),
                            Err(e) => Err(e),
                        };
                        (Kind::Edit, status)
                    };
                    match status {
                        Ok(409) => { conflicts.fetch_add(1, Ordering::Relaxed); }
                        Ok(s) if s < 500 => {}
                        _ => { errors.fetch_add(1, Ordering::Relaxed); }
                    }
                    lat.push((kind, t.elapsed()));
                }
                lat
            }));
        }
        let refused = Arc::new(AtomicUsize::new(0));
        if flood {
            for conn in 0..64u32 {
                let client = client.clone();
                let (errors, refused) = (errors.clone(), refused.clone());
                tasks.push(tokio::spawn(async move {
                    let mut lat = Vec::new();
                    let mut i = 0u32;
                    while Instant::now() < deadline {
                        i += 1;
                        let t = Instant::now();
                        let r = client
                            .post(format!("http://{addr}/auth/login"))
                            .header("accept", "application/json")
                            .header(
                                "x-forwarded-for",
                                format!("10.{}.{}.{}", conn, (i >> 8) & 255, i & 255),
                            )
                            .form(&[
                                ("email", format!("flood{i}@example.com")),
                                ("password", "wrong password".into()),
                            ])
                            .send()
                            .await;
                        match r.map(|r| r.status().as_u16()) {
                            Ok(429) => {
                                refused.fetch_add(1, Ordering::Relaxed);
                            }
                            Ok(s) if s < 500 => {}
                            _ => {
                                errors.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                        lat.push((Kind::SignIn, t.elapsed()));
                    }
                    lat
                }));
            }
        }
        let mut all: Vec<(Kind, Duration)> = Vec::new();
        for t in tasks {
            all.extend(t.await.unwrap());
        }
        let panics = PANICS.load(Ordering::SeqCst) - panics_before;
        println!(
            "\n| {} {secs} s, {conns} connections{} | requests | per s | p50 ms | p99 ms |",
            if flood {
                "with a sign-in flood:"
            } else {
                "mixed load:"
            },
            if flood { " + 64 flooding sign-in" } else { "" }
        );
        println!("|---|---|---|---|---|");
        let mut kinds: Vec<Kind> = all.iter().map(|(k, _)| *k).collect();
        kinds.sort();
        kinds.dedup();
        for kind in kinds {
            let mut l: Vec<Duration> = all
                .iter()
                .filter(|(k, _)| *k == kind)
                .map(|(_, d)| *d)
                .collect();
            l.sort();
            println!(
                "| {kind:?} | {} | {:.0} | {} | {} |",
                l.len(),
                l.len() as f64 / secs as f64,
                ms(percentile(&l, 0.5)),
                ms(percentile(&l, 0.99))
            );
        }
        println!(
            "errors (5xx or no answer): {}, edit conflicts (409): {}, sign-ins turned away (429): {}, panics: {panics}",
            errors.load(Ordering::SeqCst),
            conflicts.load(Ordering::SeqCst),
            refused.load(Ordering::SeqCst)
        );
        failed |= errors.load(Ordering::SeqCst) > 0 || panics > 0;
    }
    if failed {
        eprintln!("the load run had errors or panics");
        std::process::exit(1);
    }
}

/// A Sales user for the benchmark: (id, e-mail); password `bench-password-1`.
async fn bench_user(pool: &db::Pool) -> (i64, String) {
    let email = format!("bench-{}@example.com", std::process::id());
    let id = app::staff::ssr::create_with_password(
        pool,
        &email,
        "Bench",
        app::auth::Role::Sales,
        "bench-password-1",
    )
    .await
    .unwrap();
    (id, email)
}

/// The real router on a local port, and a client signed in as `email`: (address, client,
/// session cookie).
async fn serve(pool: &db::Pool, email: &str) -> (std::net::SocketAddr, reqwest::Client, String) {
    let auth = app::state::AuthSettings {
        idle_timeout: Duration::from_secs(3600),
        absolute_timeout: Duration::from_secs(3600),
        cookie_secure: false,
        // The load run's sign-in flood comes from many addresses.
        trust_forwarded_for: true,
        public_origin: "http://127.0.0.1".into(),
        public_base_url: "http://127.0.0.1".into(),
        sign_in_burst: app::auth::throttle::SIGN_IN_BURST,
        sign_in_period: app::auth::throttle::SIGN_IN_EVERY,
    };
    let state = server::app_state(server::default_leptos_options(), pool.clone(), auth);
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
        .pool_max_idle_per_host(64)
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
    (addr, client, cookie)
}

/// `BENCH_OVERVIEW=1`: the Overview's numbers (the server function's work) after a full
/// ANALYZE and without statistics, finding duplicates, then the whole page as the server renders it
/// (`GET /overview`, one request at a time: the first, cold, and the p50/p95 of the rest).
async fn overview(pool: &db::Pool, count: u64, runs: usize) {
    let zone = app::fmt::Zone::Named("Europe/Berlin".into());
    println!("\n{count} customers, {runs} runs each after 10 warm-up runs");
    println!("\n| Overview | p50 ms | p95 ms | max ms |");
    println!("|---|---|---|---|");
    let states: Vec<(&str, db::Pool)> = match &target_url_sqlite(pool, count) {
        Some(url) => vec![
            ("after a full ANALYZE", statistics(url, true).await),
            ("without statistics", statistics(url, false).await),
        ],
        None => vec![("PostgreSQL", pool.clone())],
    };
    for (state, p) in &states {
        let mut times = Vec::with_capacity(runs);
        for i in 0..runs + 10 {
            let t = Instant::now();
            let o = app::overview::ssr::load(p, chrono::Utc::now(), &zone)
                .await
                .unwrap();
            if i >= 10 {
                times.push(t.elapsed());
            }
            assert!(o.total as u64 >= count / 2);
        }
        times.sort();
        println!(
            "| numbers ({state}) | {} | {} | {} |",
            ms(percentile(&times, 0.5)),
            ms(percentile(&times, 0.95)),
            ms(*times.last().unwrap())
        );
    }
    // Find duplicates: three indexed GROUP BYs over every live customer (no target; an
    // on-demand report).
    for (state, p) in &states {
        let mut times = Vec::new();
        let mut pairs = 0;
        for i in 0..6 {
            let t = Instant::now();
            let found = app::duplicates::ssr::find(p).await.unwrap();
            if i > 0 {
                times.push(t.elapsed());
            }
            pairs = found.pairs.len();
        }
        times.sort();
        println!(
            "| find duplicates ({state}; {pairs} pairs shown) | {} | {} | {} |",
            ms(percentile(&times, 0.5)),
            ms(percentile(&times, 0.95)),
            ms(*times.last().unwrap())
        );
    }
    let (_, email) = bench_user(pool).await;
    let (addr, client, cookie) = serve(pool, &email).await;
    let mut times = Vec::with_capacity(runs);
    let mut first = None;
    let mut size = 0;
    for _ in 0..runs + 1 {
        let t = Instant::now();
        let res = client
            .get(format!("http://{addr}/overview"))
            .header("cookie", format!("{cookie}; tz=Europe/Berlin"))
            .send()
            .await
            .unwrap();
        assert!(res.status().is_success(), "{}", res.status());
        size = res.bytes().await.unwrap().len();
        let took = t.elapsed();
        if first.is_none() {
            first = Some(took);
        } else {
            times.push(took);
        }
    }
    times.sort();
    println!(
        "| GET /overview, whole page ({} KB; first request {} ms) | {} | {} | {} |",
        size / 1024,
        ms(first.unwrap()),
        ms(percentile(&times, 0.5)),
        ms(percentile(&times, 0.95)),
        ms(*times.last().unwrap())
    );
}
