//! The server process: database, router and middleware. `main.rs` adds the CLI; the
//! integration tests build the same router with [`build_router`].
// The app's view types (the Customers page's parts) nest deeper than the default limit when
// the router is built here.
#![recursion_limit = "256"]

pub mod backup;
pub mod config;
mod middleware;
pub mod render;
pub mod seed;

use app::auth::principal::Principal;
use app::auth::sessions;
use app::auth::ssr::{login_handler, logout_handler};
use app::db;
use app::state::{AppState, AuthSettings};
use app::{shell, App};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::routing::{get, post};
use axum::Router;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, handle_server_fns_with_context, LeptosRoutes};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use tower_http::trace::TraceLayer;

pub use config::Config;

/// Migrations embedded in the binary, one set per backend, applied at every start
/// (idempotent). SQLite's files are unchanged since they were written, so existing
/// databases keep their checksums.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");
pub static PG_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");

/// The oldest PostgreSQL the app runs on (generated columns, `pg_trgm` GIN, 13's planner).
pub const PG_MIN_VERSION: i32 = 130000;

/// Open the database `DATABASE_URL` names (`sqlite:` or `postgres:`), check it, and apply
/// the migrations.
pub async fn connect(database_url: &str) -> Result<db::Pool, String> {
    connect_with(database_url, true).await
}

/// [`connect`], choosing whether a SQLite database that holds data is copied before new
/// migrations are applied to it (`BACKUP_BEFORE_MIGRATE`).
pub async fn connect_with(
    database_url: &str,
    backup_before_migrate: bool,
) -> Result<db::Pool, String> {
    if is_postgres_url(database_url) {
        connect_postgres(database_url).await
    } else {
        connect_sqlite(database_url, backup_before_migrate).await
    }
}

pub fn is_postgres_url(url: &str) -> bool {
    url.starts_with("postgres:") || url.starts_with("postgresql:")
}

/// Open (creating if needed) the SQLite database and apply migrations.
///
/// WAL lets readers run while one writer writes. `synchronous = FULL` makes every committed
/// transaction durable across power loss; our writes are small and infrequent, so the extra
/// fsync is cheap and we keep it.
async fn connect_sqlite(
    database_url: &str,
    backup_before_migrate: bool,
) -> Result<db::Pool, String> {
    let opts = SqliteConnectOptions::from_str(database_url)
        .map_err(|e| format!("DATABASE_URL is not a valid SQLite URL: {e}"))?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        // A row that `INSERT OR REPLACE` removes fires its delete triggers: the audit log's
        // append-only trigger then refuses an overwrite, and the counters stay right.
        .pragma("recursive_triggers", "ON")
        .busy_timeout(Duration::from_secs(5))
        // Read pages through a memory map instead of a read() call per page: list pages and
        // exports touch thousands of rows scattered over the file.
        .pragma("mmap_size", "1073741824")
        // A bigger page cache per connection (64 MiB) for the same reason.
        .pragma("cache_size", "-65536")
        // `pragma optimize` (at start and in housekeeping) samples at most this many rows
        // per index, as SQLite recommends: milliseconds even at millions of customers.
        .pragma("analysis_limit", "400")
        // Copy the write-ahead log back into the database every ~40 MB instead of every
        // 4 MB: an import's chunk commits without a checkpoint each time (a page changed by
        // several commits is copied once). Readers are not slowed by a longer log.
        .pragma("wal_autocheckpoint", "10000");
    if let Some(dir) = opts.get_filename().parent() {
        if !dir.as_os_str().is_empty() {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot create database directory {}: {e}", dir.display()))?;
        }
    }
    let file = opts.get_filename().to_path_buf();
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        // A write that failed in a way that makes SQLite roll the transaction back itself
        // (a full disk, an I/O error) leaves sqlx believing the connection is still inside
        // it, and every later transaction on it fails ("begin_with at non-zero transaction
        // depth"). Such a connection is closed when it comes back, never reused.
        .after_release(|conn, _| {
            Box::pin(async move {
                use sqlx::TransactionManager;
                Ok(sqlx::sqlite::SqliteTransactionManager::get_transaction_depth(conn) == 0)
            })
        })
        .connect_with(opts)
        .await
        .map_err(|e| format!("cannot open database {database_url}: {e}"))?;
    let (pending, has_data) = backup::pending(&pool, &MIGRATOR)
        .await
        .map_err(|e| format!("cannot read the applied migrations: {e}"))?;
    if let Some(first) = pending.first().copied().filter(|_| has_data) {
        if backup_before_migrate {
            let copy = backup::before_migrating(&pool, &file, first).await.map_err(|e| {
                format!("{e} (the backup taken before migrating; BACKUP_BEFORE_MIGRATE=false skips it)")
            })?;
            tracing::info!(backup = %copy.display(), "copied the database before migrating it");
        }
        tracing::info!(versions = ?pending, "applying migrations");
    }
    MIGRATOR
        .run(&pool)
        .await
        .map_err(|e| format!("database migration failed: {e}"))?;
    if has_data && !pending.is_empty() {
        tracing::info!(versions = ?pending, "migrations applied");
    }
    let pool = db::Pool::from(pool);
    optimize(&pool).await;
    Ok(pool)
}

/// Connect to PostgreSQL, refuse one the app cannot run on (too old, no `pg_trgm`, a
/// locale whose lower() leaves non-ASCII letters alone), and apply migrations.
async fn connect_postgres(database_url: &str) -> Result<db::Pool, String> {
    let opts = PgConnectOptions::from_str(database_url)
        .map_err(|e| format!("DATABASE_URL is not a valid PostgreSQL URL: {e}"))?
        .application_name("customers");
    let pool = PgPoolOptions::new()
        .max_connections(pg_max_connections())
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(opts)
        .await
        .map_err(|e| {
            format!(
                "cannot connect to PostgreSQL ({}): {e}",
                redact_url(database_url)
            )
        })?;
    let version: i32 = sqlx::query_scalar("select current_setting('server_version_num')::int")
        .fetch_one(&pool)
        .await
        .map_err(|e| format!("cannot read the PostgreSQL version: {e}"))?;
    if version < PG_MIN_VERSION {
        return Err(format!(
            "PostgreSQL {} is too old: the app needs {} or newer",
            pg_version_text(version),
            pg_version_text(PG_MIN_VERSION)
        ));
    }
    let trgm: bool = sqlx::query_scalar(
        "select exists (select 1 from pg_available_extensions where name = 'pg_trgm')",
    )
    .fetch_one(&pool)
    .await
    .map_err(|e| format!("cannot list PostgreSQL's extensions: {e}"))?;
    if !trgm {
        return Err(
            "PostgreSQL lacks the pg_trgm extension that the search needs \
                    (it ships with PostgreSQL's contrib modules, e.g. Debian's postgresql-contrib)"
                .into(),
        );
    }
    let folds: bool = sqlx::query_scalar("select lower('ÖŁÆ') = 'öłæ'")
        .fetch_one(&pool)
        .await
        .map_err(|e| format!("cannot check the database's locale: {e}"))?;
    if !folds {
        return Err(
            "the database's LC_CTYPE does not lower-case non-ASCII letters \
                    (Özlem would not match özlem): create it with a UTF-8 locale, \
                    e.g. createdb --locale=C.UTF-8 --template=template0"
                .into(),
        );
    }
    PG_MIGRATOR
        .run(&pool)
        .await
        .map_err(|e| format!("database migration failed: {e}"))?;
    Ok(pool.into())
}

/// Connections per app instance to PostgreSQL (`DATABASE_MAX_CONNECTIONS`, default 10, at
/// least 3: housekeeping holds one for its lock while it works on another): several
/// instances share the server's `max_connections`.
fn pg_max_connections() -> u32 {
    std::env::var("DATABASE_MAX_CONNECTIONS")
        .ok()
        .and_then(|v| v.parse::<u32>().ok())
        .unwrap_or(10)
        .max(3)
}

fn pg_version_text(num: i32) -> String {
    format!("{}.{}", num / 10000, num % 10000)
}

/// A database URL as messages and logs may show it: scheme, host, port and database only
/// (a password can sit in the user part or in a `?password=` parameter).
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(u) => format!(
            "{}://{}{}{}",
            u.scheme(),
            u.host_str().unwrap_or(""),
            u.port().map(|p| format!(":{p}")).unwrap_or_default(),
            u.path()
        ),
        Err(_) => "(unparseable URL)".into(),
    }
}

pub fn auth_settings(config: &Config) -> AuthSettings {
    AuthSettings {
        idle_timeout: config.session_idle_timeout,
        absolute_timeout: config.session_absolute_timeout,
        cookie_secure: config.cookie_secure(),
        trust_forwarded_for: config.trust_forwarded_for,
        public_origin: config.public_origin(),
        public_base_url: config
            .public_base_url
            .as_str()
            .trim_end_matches('/')
            .to_string(),
        sign_in_burst: app::auth::throttle::SIGN_IN_BURST,
        sign_in_period: app::auth::throttle::SIGN_IN_EVERY,
    }
}

pub fn app_state(leptos_options: LeptosOptions, pool: db::Pool, auth: AuthSettings) -> AppState {
    AppState {
        leptos_options,
        pool,
        sign_in_rate: Arc::new(auth.sign_in_rate()),
        argon2: Arc::new(app::auth::hashing::Argon2Gate::half_the_cores()),
        auth: Arc::new(auth),
        mail_wake: Arc::new(tokio::sync::Notify::new()),
        mail_beat: Arc::default(),
        import: Arc::default(),
    }
}

/// Requests with a bigger body are refused with 413.
pub const MAX_REQUEST_BODY: usize = 2 * 1024 * 1024;

/// Every route of the app with its middleware.
pub fn build_router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let ctx_state = state.clone();
    let context = move || provide_context(ctx_state.clone());
    let shell_options = state.leptos_options.clone();

    // Exports may take longer than a page (a million rows is ~half a minute): their own,
    // longer backstop.
    let export = Router::new()
        .route(
            app::export::EXPORT_PATH,
            post(app::export::ssr::export_handler),
        )
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            Duration::from_secs(10 * 60),
        ));
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/auth/login", post(login_handler))
        .route("/auth/logout", post(logout_handler))
        .route("/staff/auth/accept", post(app::staff::ssr::accept_handler))
        .route("/portal/auth/login", post(app::portal::routes::login_handler))
        .route("/portal/auth/logout", post(app::portal::routes::logout_handler))
        .route("/portal/auth/accept", post(app::portal::routes::accept_handler))
        .route("/portal/auth/reset", post(app::portal::routes::reset_handler))
        .route("/portal/auth/forgot", post(app::portal::routes::forgot_handler))
        .route(app::import::UPLOAD_PATH, post(app::import::routes::upload_handler))
        .route(
            app::import::REJECTS_PATH,
            get(app::import::rejects::rejects_handler),
        )
        .route(
            app::privacy::DATA_EXPORT_PATH,
            get(app::privacy::ssr::staff_handler),
        )
        .route(
            app::privacy::PORTAL_DATA_PATH,
            get(app::privacy::ssr::portal_handler),
        )
        .route("/api/{*fn_name}", get(server_fn_handler).post(server_fn_handler))
        .leptos_routes_with_context(&state, routes, context, move || shell(shell_options.clone()))
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        // A page whose browser went away is still rendered to its end; one whose render
        // stalls is ended and logged (see `render`).
        .layer(axum::middleware::from_fn(render::guard_pages))
        // A backstop: no request may hold a connection (and a render) forever.
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            Duration::from_secs(30),
        ))
        .merge(export)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::session,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::portal_session,
        ))
        .layer(axum::middleware::from_fn(middleware::api_error_status))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::refuse_cross_origin,
        ))
        // Bodies: server-function arguments and forms are small; the largest legitimate one is
        // a bulk or export request naming up to 10,000 ids (~100 KB). An import's upload may
        // be as big as IMPORT_MAX_MB.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::body_limit,
        ))
        // The wasm, JavaScript and CSS: no session lookup on the way (added after those layers).
        .nest_service("/pkg", site_pkg(&state.leptos_options))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::security_headers,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::request_ip,
        ))
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &Request<Body>| {
                tracing::info_span!("request", method = %req.method(), path = %req.uri().path())
            }),
        )
        .with_state(state)
}

async fn server_fn_handler(
    State(state): State<AppState>,
    req: Request<Body>,
) -> impl axum::response::IntoResponse {
    handle_server_fns_with_context(move || provide_context(state.clone()), req).await
}

/// Readiness, for a load balancer deciding whether to send traffic here: the database takes
/// a write (a counter row rewritten with its own value), every migration this binary carries
/// is applied, and the mail worker went round its loop within the last minute. `200` with
/// each check's state, or `503` naming what is not ready (no internal detail).
async fn readyz(State(state): State<AppState>) -> axum::response::Response {
    use axum::response::IntoResponse;
    let database = match writable(&state.pool).await {
        Ok(()) => "ok",
        Err(e) => {
            tracing::error!(err = %e, "readyz: the database does not take a write");
            "not writable"
        }
    };
    let migrations = match migrations_applied(&state.pool).await {
        Ok(true) => "ok",
        Ok(false) => "pending",
        Err(e) => {
            tracing::error!(err = %e, "readyz: cannot read the applied migrations");
            "unknown"
        }
    };
    let beat = state.mail_beat.load(std::sync::atomic::Ordering::Relaxed);
    let mail_worker = if beat == 0 {
        "not started"
    } else if chrono::Utc::now().timestamp() - beat > 60 {
        "stalled"
    } else {
        "ok"
    };
    let ready = [database, migrations, mail_worker]
        .iter()
        .all(|s| *s == "ok");
    let status = if ready {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        axum::Json(serde_json::json!({
            "ready": ready,
            "database": database,
            "migrations": migrations,
            "mail_worker": mail_worker,
        })),
    )
        .into_response()
}

/// A write the database must accept and make durable: one counter row rewritten with its
/// own value and committed (a rolled-back write never reaches the disk, so it would not
/// notice a read-only file or a lost volume).
async fn writable(pool: &db::Pool) -> Result<(), sqlx::Error> {
    let mut tx = db::begin_write(pool).await?;
    db::query("update customer_count set live = live where status = 'active'")
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

/// Is every migration this binary carries applied (and none failed half-way)?
async fn migrations_applied(pool: &db::Pool) -> Result<bool, sqlx::Error> {
    let migrator = match pool.backend() {
        db::Backend::Sqlite => &MIGRATOR,
        db::Backend::Postgres => &PG_MIGRATOR,
    };
    let applied: Vec<i64> = db::query_scalar("select version from _sqlx_migrations where success")
        .fetch_all(pool)
        .await?;
    Ok(backup::unapplied(migrator, &applied).is_empty())
}

/// Liveness and database reachability, for load balancers and the test scripts.
async fn healthz(State(state): State<AppState>) -> (axum::http::StatusCode, &'static str) {
    match db::query_scalar::<i64>("select cast(1 as bigint)")
        .fetch_one(&state.pool)
        .await
    {
        Ok(_) => (axum::http::StatusCode::OK, "ok"),
        Err(e) => {
            tracing::error!(err = %e, "healthz: database unreachable");
            (
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                "database unavailable",
            )
        }
    }
}

/// On first start (no Admin at all) create the Admin from the configuration, or with
/// a generated password that is printed once. Returns the generated password, if any.
pub async fn ensure_first_admin(
    pool: &db::Pool,
    config: &Config,
) -> Result<Option<String>, String> {
    let count = app::auth::ssr::count_admins(pool)
        .await
        .map_err(|e| format!("cannot read staff users: {e}"))?;
    if count > 0 {
        return Ok(None);
    }
    let (password, generated) = match &config.admin_password {
        Some(p) => (secrecy::ExposeSecret::expose_secret(p).to_string(), false),
        None => (app::auth::password::generate_password_now(), true),
    };
    let created = app::staff::ssr::create_first_admin(pool, &config.admin_email, &password)
        .await
        .map_err(|e| {
            format!(
                "cannot create the first admin ({}): {}",
                config.admin_email,
                describe(e)
            )
        })?;
    if created.is_none() {
        // Another instance created it in the meantime.
        return Ok(None);
    }
    tracing::info!(email = %config.admin_email, "created the first admin");
    Ok(generated.then_some(password))
}

/// An error for the console: a refused form names each field and what is wrong with it
/// (`password: This password is too common…`), anything else its generic message.
pub fn describe(e: app::error::AppError) -> String {
    match e {
        app::error::AppError::Validation(fields) => fields
            .into_iter()
            .map(|(f, m)| format!("{f}: {m}"))
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}

/// Remove customers that have been in the trash for more than `retention_days`.
pub async fn purge_trash(pool: &db::Pool, retention_days: u32) -> Result<u64, sqlx::Error> {
    let cutoff = chrono::Utc::now() - chrono::Duration::days(i64::from(retention_days));
    app::customers::store::purge_deleted(pool, cutoff).await
}

/// Hourly housekeeping: expired sessions, and customers past their time in the trash. With
/// several instances on one PostgreSQL database, one of them runs each round.
pub fn spawn_housekeeping(pool: db::Pool, retention_days: u32) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(3600));
        loop {
            tick.tick().await;
            match db::exclusively(
                &pool,
                HOUSEKEEPING_LOCK,
                housekeeping(&pool, retention_days),
            )
            .await
            {
                Ok(Some(())) => {}
                Ok(None) => tracing::debug!("housekeeping: another instance is at it"),
                Err(e) => tracing::warn!(err = %e, "housekeeping could not start"),
            }
        }
    });
}

/// Every minute: imports a stopped server left "running" (their lease not renewed for two
/// minutes) are ended as failed and what they wrote taken back; uploads nobody started
/// within a day are removed.
pub fn spawn_import_recovery(pool: db::Pool) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        let me = format!("pid-{}", std::process::id());
        loop {
            tick.tick().await;
            if let Err(e) = app::import::engine::recover_abandoned(&pool, &me).await {
                tracing::warn!(err = %e, "recovering interrupted imports failed");
            }
            match app::import::engine::forget_unstarted(&pool).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(removed = n, "removed uploads never imported"),
                Err(e) => tracing::warn!(err = %e, "removing old uploads failed"),
            }
        }
    });
}

/// Every 10 s: the next portal invitations of imports that asked for them, at
/// `per_minute` (see `app::import::invite`).
pub fn spawn_import_invitations(pool: db::Pool, base_url: String, per_minute: u32) {
    let limit = app::import::invite::per_round(per_minute);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(app::import::invite::ROUND_SECS));
        loop {
            tick.tick().await;
            match app::import::invite::send_due(&pool, &base_url, limit).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(invited = n, "import invitations queued"),
                Err(e) => tracing::warn!(err = ?e, "import invitations failed this round"),
            }
        }
    });
}

/// The advisory lock key of a housekeeping round on PostgreSQL.
pub const HOUSEKEEPING_LOCK: i64 = 0x686f_7573_656b_6570;

/// One housekeeping round.
pub async fn housekeeping(pool: &db::Pool, retention_days: u32) {
    for p in [Principal::Staff, Principal::Customer] {
        if let Err(e) = sessions::purge_expired(pool, p, chrono::Utc::now()).await {
            tracing::warn!(err = %e, principal = ?p, "session purge failed");
        }
    }
    match app::mail::ssr::redact_sent(pool).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(redacted = n, "redacted the link tokens of sent mails"),
        Err(e) => tracing::warn!(err = %e, "redacting sent mails failed"),
    }
    match app::auth::ssr::purge_throttles(pool, chrono::Utc::now()).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(purged = n, "purged expired sign-in throttles"),
        Err(e) => tracing::warn!(err = %e, "throttle purge failed"),
    }
    optimize(pool).await;
    match purge_trash(pool, retention_days).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(purged = n, "purged customers from the trash"),
        Err(e) => tracing::warn!(err = %e, "trash purge failed"),
    }
}

/// SQLite's `pragma optimize`, as its documentation recommends for long-lived connections:
/// at start and in each housekeeping round, with `0x10002` (every table whose statistics are
/// missing or stale, not only those this pooled connection happened to query). The list's plans do not depend on these statistics (the access paths
/// name their index: `app::customers::search`), so this only helps other queries.
/// PostgreSQL's autovacuum keeps its own statistics.
pub async fn optimize(pool: &db::Pool) {
    if pool.backend() != db::Backend::Sqlite {
        return;
    }
    if let Err(e) = db::query("pragma optimize = 0x10002").execute(pool).await {
        tracing::warn!(err = %e, "pragma optimize failed");
    }
}

/// The site's `pkg` folder (wasm, JavaScript, CSS) as a CDN would serve it: the brotli or gzip
/// copy `cargo leptos build --release --precompress` wrote beside each file when the browser
/// accepts it (`Content-Encoding`, `Vary: Accept-Encoding`), and — when the names carry a
/// content hash (`hash-files`) — `Cache-Control: public, max-age=31536000, immutable`, so a
/// returning browser does not even ask. Without hashed names: `no-cache` (revalidated by
/// `Last-Modified`).
pub fn site_pkg(options: &LeptosOptions) -> axum::routing::MethodRouter {
    let dir = std::path::Path::new(options.site_root.as_ref()).join(options.site_pkg_dir.as_ref());
    let cache = if options.hash_files {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let files = tower_http::services::ServeDir::new(dir)
        .precompressed_br()
        .precompressed_gzip();
    axum::routing::get_service(files).layer(axum::middleware::map_response(
        move |mut res: axum::response::Response| async move {
            let status = res.status();
            if status.is_success() || status == axum::http::StatusCode::NOT_MODIFIED {
                let headers = res.headers_mut();
                headers.insert(
                    axum::http::header::CACHE_CONTROL,
                    axum::http::HeaderValue::from_static(cache),
                );
                // The answer depends on Accept-Encoding: caches on the way must know.
                headers.insert(
                    axum::http::header::VARY,
                    axum::http::HeaderValue::from_static("accept-encoding"),
                );
            }
            res
        },
    ))
}

/// The site settings: cargo-leptos passes them as LEPTOS_* variables (the output name is also
/// compiled in); what is not set takes its default. The file names carry a content hash when
/// cargo-leptos wrote its `hash.txt` beside this binary (`hash-files`), unless
/// `LEPTOS_HASH_FILES` says otherwise.
pub fn leptos_options() -> LeptosOptions {
    let mut options = leptos::prelude::get_configuration(None)
        .map(|c| c.leptos_options)
        .unwrap_or_else(|_| default_leptos_options());
    if std::env::var_os("LEPTOS_HASH_FILES").is_none() {
        options.hash_files = hash_file_beside_binary(&options);
    }
    options
}

fn hash_file_beside_binary(options: &LeptosOptions) -> bool {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join(options.hash_file.as_ref())))
        .is_some_and(|file| file.exists())
}

/// Leptos options for tests and tools that do not run under cargo-leptos.
pub fn default_leptos_options() -> LeptosOptions {
    let mut options = LeptosOptions::builder()
        .output_name("customers")
        .site_root(std::env::var("LEPTOS_SITE_ROOT").unwrap_or_else(|_| "target/site".into()))
        .site_pkg_dir("pkg")
        .build();
    options.hash_files = hash_file_beside_binary(&options);
    options
}
