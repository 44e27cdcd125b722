//! `server [serve]` runs the app; `server create-admin --email …` adds an Admin.

use clap::Parser;
use secrecy::ExposeSecret;
use server::config::{Cli, Command, Config};
use std::process::ExitCode;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    // An optional .env file; real environment variables win over it.
    let _ = dotenvy::dotenv();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_env("LOG")
                .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info")),
        )
        .init();
    let cli = Cli::parse();
    if let Err(msg) = cli.config.validate() {
        eprintln!("error: invalid configuration: {msg}");
        return ExitCode::from(2);
    }
    let result = match cli.command {
        None | Some(Command::Serve) => serve(cli.config).await,
        Some(Command::CreateAdmin {
            email,
            name,
            password,
        }) => create_staff(cli.config, email, name, app::auth::Role::Admin, password).await,
        Some(Command::SeedDemo { count }) => seed_demo(cli.config, count).await,
        Some(Command::Backup { to }) => backup(cli.config, to).await,
        Some(Command::CreateStaff {
            email,
            name,
            role,
            password,
        }) => create_staff(cli.config, email, name, role, password).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("error: {msg}");
            ExitCode::FAILURE
        }
    }
}

async fn backup(config: Config, to: std::path::PathBuf) -> Result<(), String> {
    let url = config.database_url.expose_secret();
    let pool = server::connect_with(url, config.backup_before_migrate).await?;
    let started = std::time::Instant::now();
    server::backup::backup(&pool, url, &to).await?;
    println!(
        "backup written to {} in {:.1} s",
        to.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

async fn serve(config: Config) -> Result<(), String> {
    let pool = server::connect_with(
        config.database_url.expose_secret(),
        config.backup_before_migrate,
    )
    .await?;
    match app::db::server_version(&pool).await {
        Ok(v) => tracing::info!(backend = pool.backend().name(), version = %v, "database ready"),
        Err(e) => return Err(format!("cannot read the database version: {e}")),
    }
    if let Some(password) = server::ensure_first_admin(&pool, &config).await? {
        println!();
        println!("  First start: created the Admin account");
        println!("    e-mail:   {}", config.admin_email);
        println!("    password: {password}");
        println!("  It is shown only this once; change it after signing in.");
        println!();
    }
    let leptos_options = server::leptos_options();
    let mut state = server::app_state(leptos_options, pool.clone(), server::auth_settings(&config));
    state.import = std::sync::Arc::new(app::state::ImportSettings {
        dir: config
            .import_dir
            .clone()
            .unwrap_or_else(|| app::state::ImportSettings::default().dir),
        max_bytes: config.import_max_mb * 1024 * 1024,
    });
    let app = server::build_router(state.clone());

    server::spawn_housekeeping(pool.clone(), config.trash_retention_days);
    server::spawn_import_recovery(pool.clone());
    server::spawn_import_invitations(
        pool.clone(),
        state.auth.public_base_url.clone(),
        config.import_invites_per_minute,
    );
    let mail = config.mail_settings();
    match &mail.smtp_url {
        Some(_) => tracing::info!("mail: delivered over SMTP (SMTP_URL)"),
        None => {
            tracing::info!(dir = %mail.dir.display(), "mail: no SMTP_URL, mails are kept as .eml files and on the Mail page")
        }
    }
    app::mail::ssr::spawn_worker(
        pool.clone(),
        mail,
        state.mail_wake.clone(),
        state.mail_beat.clone(),
    );

    let listener = tokio::net::TcpListener::bind(config.bind_addr)
        .await
        .map_err(|e| format!("cannot listen on {} (BIND_ADDR): {e}", config.bind_addr))?;
    tracing::info!("listening on http://{}", config.bind_addr);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
    .map_err(|e| format!("server error: {e}"))?;
    // Connections still checked out by a background worker must not hold the exit forever.
    if tokio::time::timeout(std::time::Duration::from_secs(5), pool.close())
        .await
        .is_err()
    {
        tracing::warn!("database pool did not close within 5 s; exiting anyway");
    }
    tracing::info!("shut down cleanly");
    Ok(())
}

async fn create_staff(
    config: Config,
    email: String,
    name: String,
    role: app::auth::Role,
    password: Option<String>,
) -> Result<(), String> {
    let password = match password {
        Some(p) => p,
        None => {
            let p = rpassword::prompt_password("Password for the new user: ")
                .map_err(|e| e.to_string())?;
            let again =
                rpassword::prompt_password("Repeat the password: ").map_err(|e| e.to_string())?;
            if p != again {
                return Err("the passwords do not match".into());
            }
            p
        }
    };
    let pool = server::connect_with(
        config.database_url.expose_secret(),
        config.backup_before_migrate,
    )
    .await?;
    match app::staff::ssr::create_with_password(&pool, &email, &name, role, &password).await {
        Ok(id) => {
            println!(
                "Created {} #{id} <{}>",
                role.label(),
                email.trim().to_lowercase()
            );
            Ok(())
        }
        Err(e) => Err(server::describe(e)),
    }
}

async fn seed_demo(config: Config, count: u64) -> Result<(), String> {
    let pool = server::connect_with(
        config.database_url.expose_secret(),
        config.backup_before_migrate,
    )
    .await?;
    let started = std::time::Instant::now();
    let n = server::seed::seed_demo(&pool, count)
        .await
        .map_err(|e| format!("seeding failed: {e}"))?;
    println!(
        "Added {n} demo customers in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutdown signal received");
    // Graceful shutdown waits for requests in flight; a client that never finishes one must
    // not keep the process alive (a supervisor or a test script waits on it).
    tokio::spawn(async {
        tokio::time::sleep(SHUTDOWN_GRACE).await;
        tracing::error!(
            "requests still open {} s after the shutdown signal; exiting",
            SHUTDOWN_GRACE.as_secs()
        );
        std::process::exit(1);
    });
}

/// How long requests in flight may take to finish once a shutdown signal came.
const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(15);
