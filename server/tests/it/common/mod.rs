//! Shared test helpers: a real app on a random port over a fresh database: a SQLite file,
//! or, when `TEST_POSTGRES_URL` names a PostgreSQL server (test.sh starts a throwaway
//! cluster), a new database of its own on that server.
#![allow(dead_code)]

pub mod smtp;

use app::auth::Role;
use app::db;
use reqwest::header::{HeaderMap, SET_COOKIE};
use std::time::Duration;

pub const PASSWORD: &str = "correct horse battery";

pub struct TestApp {
    pub base: String,
    pub pool: db::Pool,
    pub client: reqwest::Client,
    /// The database this app instance uses (a second instance can share it).
    pub db_url: String,
    /// The instance's mail-worker heartbeat (no worker runs in tests unless one starts it).
    pub mail_beat: std::sync::Arc<std::sync::atomic::AtomicI64>,
    _dir: std::sync::Arc<tempfile::TempDir>,
}

fn server_runtime() -> &'static tokio::runtime::Runtime {
    static RT: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
    })
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(tweak: impl FnOnce(&mut app::state::AuthSettings)) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database_url(&dir).await;
    start_instance(url, std::sync::Arc::new(dir), tweak).await
}

/// An app on the database at `url` (which must be new or hold this app's schema).
pub async fn spawn_app_at(url: String) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    start_instance(url, std::sync::Arc::new(dir), |_| {}).await
}

/// An app serving the site (wasm, JavaScript, CSS) from `options`' site root.
pub async fn spawn_app_with_site(options: leptos::prelude::LeptosOptions) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database_url(&dir).await;
    start_instance_with(url, std::sync::Arc::new(dir), |_| {}, options, |_| {}).await
}

/// An app instance (router, pool) on the database `url`.
async fn start_instance(
    url: String,
    dir: std::sync::Arc<tempfile::TempDir>,
    tweak: impl FnOnce(&mut app::state::AuthSettings),
) -> TestApp {
    start_instance_with(url, dir, tweak, server::default_leptos_options(), |_| {}).await
}

/// An app whose imports accept files of at most `max_bytes`, kept in a folder of the test's.
pub async fn spawn_app_with_import_limit(max_bytes: u64) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database_url(&dir).await;
    let uploads = dir.path().join("imports");
    start_instance_with(
        url,
        std::sync::Arc::new(dir),
        |_| {},
        server::default_leptos_options(),
        move |state| {
            state.import = std::sync::Arc::new(app::state::ImportSettings {
                dir: uploads,
                max_bytes,
            })
        },
    )
    .await
}

async fn start_instance_with(
    url: String,
    dir: std::sync::Arc<tempfile::TempDir>,
    tweak: impl FnOnce(&mut app::state::AuthSettings),
    options: leptos::prelude::LeptosOptions,
    state_tweak: impl FnOnce(&mut app::state::AppState),
) -> TestApp {
    // The server's warnings and errors (e.g. the cause behind a 500) go to the test's captured
    // output, which is shown when a test fails.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("warn,sqlx=error"))
        .with_test_writer()
        .try_init();
    let pool = server::connect(&url).await.unwrap();
    let mut auth = app::state::AuthSettings {
        idle_timeout: Duration::from_secs(3600),
        absolute_timeout: Duration::from_secs(12 * 3600),
        cookie_secure: false,
        trust_forwarded_for: false,
        public_origin: "http://app.test".into(),
        public_base_url: "http://app.test".into(),
        // Tests sign in far more often than people; security.rs tests the real limit.
        sign_in_burst: 10_000,
        sign_in_period: app::auth::throttle::SIGN_IN_EVERY,
    };
    tweak(&mut auth);
    let mut state = server::app_state(options, pool.clone(), auth);
    state_tweak(&mut state);
    let mail_beat = state.mail_beat.clone();
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
        // A hung response fails the test instead of stalling the run.
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    TestApp {
        base: format!("http://{addr}"),
        pool,
        client,
        db_url: url,
        mail_beat,
        _dir: dir,
    }
}

/// A URL to an empty database for one test: a file in `dir`, or a new PostgreSQL database
/// when `TEST_POSTGRES_URL` is set.
pub async fn fresh_database_url(dir: &tempfile::TempDir) -> String {
    match std::env::var("TEST_POSTGRES_URL") {
        Ok(server) if !server.is_empty() => {
            static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
            let name = format!(
                "t_{}_{}",
                std::process::id(),
                NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            );
            let mut admin = <sqlx::PgConnection as sqlx::Connection>::connect(&server)
                .await
                .expect("TEST_POSTGRES_URL reachable");
            sqlx::Executor::execute(
                &mut admin,
                format!(
                    "create database {name} template template0 encoding 'UTF8' locale 'C.UTF-8'"
                )
                .as_str(),
            )
            .await
            .unwrap();
            let base = server.rsplit_once('/').map(|(b, _)| b).unwrap_or(&server);
            format!("{base}/{name}")
        }
        _ => format!("sqlite://{}", dir.path().join("test.db").display()),
    }
}

/// Whether the tests run on PostgreSQL.
pub fn on_postgres() -> bool {
    std::env::var("TEST_POSTGRES_URL").is_ok_and(|u| !u.is_empty())
}

impl TestApp {
    /// A second app instance on the same database (as behind a load balancer).
    pub async fn second_instance(&self) -> TestApp {
        start_instance(self.db_url.clone(), self._dir.clone(), |_| {}).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A fixture staff member, written straight into the database (not audited: the tests
    /// that count audit events count only what they do themselves). The CLI and the Staff
    /// page's path is `app::staff::ssr`, tested on its own.
    pub async fn add_staff(&self, email: &str, role: Role) -> i64 {
        let hash = app::auth::ssr::hash_password(PASSWORD.into())
            .await
            .unwrap();
        db::query_scalar(
            "insert into staff_user (email, name, role, password_hash, active, created_at)
             values ($1, 'Test Person', $2, $3, true, $4) returning staff_user_id",
        )
        .bind(email.to_lowercase())
        .bind(role.as_str())
        .bind(hash)
        .bind(chrono::Utc::now())
        .fetch_one(&self.pool)
        .await
        .unwrap()
    }

    /// Form-post a login as a browser would (no JSON).
    pub async fn login_form(&self, email: &str, password: &str) -> reqwest::Response {
        self.client
            .post(self.url("/auth/login"))
            .form(&[
                ("email", email),
                ("password", password),
                ("next", "/customers"),
            ])
            .send()
            .await
            .unwrap()
    }

    /// Log in and return the session cookie (`sid=...`).
    pub async fn login(&self, email: &str) -> String {
        let res = self.login_form(email, PASSWORD).await;
        assert_eq!(res.status(), 303);
        session_cookie(res.headers()).expect("session cookie set")
    }

    pub async fn current_user(&self, cookie: &str) -> serde_json::Value {
        let res = self
            .client
            .post(self.url("/api/current_user"))
            .header("cookie", cookie)
            .header("accept", "application/json")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        res.json().await.unwrap()
    }
}

/// `name=value` of the first non-empty session cookie being set.
pub fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .find(|kv| kv.starts_with("sid=") && kv.len() > 4)
        .map(str::to_string)
}

/// A response header's value ('' when absent).
pub fn header(res: &reqwest::Response, name: &str) -> String {
    res.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

pub fn location(res: &reqwest::Response) -> String {
    header(res, "location")
}

impl TestApp {
    /// Call a server function with a JSON body; returns (status, JSON body).
    pub async fn call(
        &self,
        cookie: &str,
        name: &str,
        args: serde_json::Value,
    ) -> (u16, serde_json::Value) {
        self.detached_call(cookie, name, args).await
    }

    /// The same call as a future that owns what it needs (for `tokio::spawn`, to have many
    /// requests in flight at once).
    pub fn detached_call(
        &self,
        cookie: &str,
        name: &str,
        args: serde_json::Value,
    ) -> impl std::future::Future<Output = (u16, serde_json::Value)> + Send + 'static {
        let request = self
            .client
            .post(self.url(&format!("/api/{name}")))
            .header("cookie", cookie)
            .header("accept", "application/json")
            .json(&args);
        async move {
            let res = request.send().await.unwrap();
            let status = res.status().as_u16();
            let text = res.text().await.unwrap();
            let body = serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text));
            (status, body)
        }
    }

    /// Upload a file to import as `name`; returns (status, JSON body).
    pub async fn upload(
        &self,
        cookie: &str,
        name: &str,
        bytes: Vec<u8>,
    ) -> (u16, serde_json::Value) {
        let res = self
            .client
            .post(self.url(app::import::UPLOAD_PATH))
            .header("cookie", cookie)
            .header("x-file-name", urlencoding::encode(name).into_owned())
            .body(bytes)
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        let text = res.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text));
        (status, body)
    }

    /// Signed-in cookies for one user of each role.
    pub async fn staff_cookies(&self) -> Staff {
        let mut out = Vec::new();
        for role in Role::ALL {
            let email = format!("{}@example.com", role.as_str());
            self.add_staff(&email, role).await;
            out.push(self.login(&email).await);
        }
        Staff {
            admin: out[0].clone(),
            sales: out[1].clone(),
            support: out[2].clone(),
            accounting: out[3].clone(),
        }
    }

    pub async fn count(&self, sql: &str) -> i64 {
        db::query_scalar(sql).fetch_one(&self.pool).await.unwrap()
    }
}

pub struct Staff {
    pub admin: String,
    pub sales: String,
    pub support: String,
    pub accounting: String,
}

/// A complete, valid customer as the modal sends it.
pub fn customer_json(email: &str) -> serde_json::Value {
    serde_json::json!({
        "first_name": "Maria",
        "middle_name": "Clara",
        "last_name": "Santos",
        "suffix": "Jr.",
        "email": email,
        "gender": "female",
        "birthday": "1990-05-17",
        "phone": "0917 123 4567",
        "street": "12 Rizal Ave",
        "city": "Manila",
        "state": "Metro Manila",
        "zip": "1000",
        "country": "PH",
        "status": "active",
        "contact_name": "Jose Santos",
        "contact_email": "jose@example.com",
        "contact_phone": "+63 917 765 4321"
    })
}
