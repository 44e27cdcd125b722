//! Configuration, parsed once at startup from flags, environment variables and an optional
//! `.env` file (flags win over the environment). Anything invalid stops startup with a
//! message that names the setting.

use clap::{Args, Parser, Subcommand};
use secrecy::{ExposeSecret, SecretString};
use std::net::SocketAddr;
use std::time::Duration;

#[derive(Debug, Parser)]
#[command(
    name = "server",
    version,
    about = "Customers: the customer-records web app"
)]
pub struct Cli {
    #[command(flatten)]
    pub config: Config,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web app (the default).
    Serve,
    /// Create an Admin staff user (prompts for the password unless --password is given).
    CreateAdmin {
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "Administrator")]
        name: String,
        /// The password; omit it to be asked without echo.
        #[arg(long, env = "CREATE_ADMIN_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
    /// Add N realistic, deterministic demo customers (1,000,000 in well under a minute).
    SeedDemo {
        #[arg(long, default_value_t = 1000)]
        count: u64,
    },
    /// Write a consistent copy of the database while the app runs (SQLite: a checked
    /// database file; PostgreSQL: a pg_dump custom-format archive).
    Backup {
        /// The new file to write (it must not exist).
        #[arg(long)]
        to: std::path::PathBuf,
    },
    /// Create a staff user with any role (admin, sales, support, accounting).
    CreateStaff {
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "Staff member")]
        name: String,
        #[arg(long, value_parser = parse_role)]
        role: app::auth::Role,
        /// The password; omit it to be asked without echo.
        #[arg(long, env = "CREATE_STAFF_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
}

fn parse_role(s: &str) -> Result<app::auth::Role, String> {
    app::auth::Role::parse(&s.to_lowercase())
        .ok_or_else(|| "expected admin, sales, support or accounting".into())
}

#[derive(Debug, Clone, Args)]
pub struct Config {
    /// Database URL: `sqlite://path` (the default is the embedded SQLite file under data/)
    /// or `postgres://user:password@host:port/database` for PostgreSQL.
    /// A secret: a PostgreSQL URL may carry the password (`Debug` shows it redacted).
    #[arg(
        long,
        env = "DATABASE_URL",
        hide_env_values = true,
        default_value = "sqlite://data/customers.db",
        value_parser = secret
    )]
    pub database_url: SecretString,

    /// Address and port to listen on.
    #[arg(long, env = "BIND_ADDR", default_value = "127.0.0.1:3000")]
    pub bind_addr: SocketAddr,

    /// The URL people use to reach the app (links in e-mails, the CSRF origin check).
    #[arg(long, env = "PUBLIC_BASE_URL", default_value = "http://127.0.0.1:3000", value_parser = parse_base_url)]
    pub public_base_url: url::Url,

    /// Mark the session cookie `Secure` (default: on when PUBLIC_BASE_URL is https).
    #[arg(long, env = "COOKIE_SECURE")]
    pub cookie_secure: Option<bool>,

    /// Sign staff out after this long without a request (e.g. 30m, 2h).
    #[arg(long, env = "SESSION_IDLE_TIMEOUT", default_value = "2h", value_parser = parse_duration)]
    pub session_idle_timeout: Duration,

    /// Sign staff out this long after login, whatever they do (e.g. 12h).
    #[arg(long, env = "SESSION_ABSOLUTE_TIMEOUT", default_value = "12h", value_parser = parse_duration)]
    pub session_absolute_timeout: Duration,

    /// Behind your own reverse proxy: take the client IP from the last X-Forwarded-For hop,
    /// the one the proxy appends (never the first, which the client writes). The proxy must
    /// append or overwrite it (nginx: `proxy_set_header X-Forwarded-For $remote_addr;`).
    #[arg(long, env = "TRUST_FORWARDED_FOR", default_value_t = false)]
    pub trust_forwarded_for: bool,

    /// Before new migrations are applied to a SQLite database that holds data, copy it next
    /// to itself (`<file>.before-<version>-<time>.bak`). PostgreSQL: use the server's backups.
    #[arg(long, env = "BACKUP_BEFORE_MIGRATE", default_value_t = true, action = clap::ArgAction::Set)]
    pub backup_before_migrate: bool,

    /// Where uploaded import files wait while they are mapped and imported (removed when
    /// the import ends). Default: `customers-imports` in the system's temporary folder.
    #[arg(long, env = "IMPORT_DIR")]
    pub import_dir: Option<std::path::PathBuf>,

    /// The largest file an import accepts, in megabytes.
    #[arg(long, env = "IMPORT_MAX_MB", default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    pub import_max_mb: u64,

    /// Portal invitations an import sends per minute (when the user ticks "Send the new
    /// customers the portal invitation"): after the import, a few every 10 s.
    #[arg(long, env = "IMPORT_INVITES_PER_MINUTE", default_value_t = 60, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub import_invites_per_minute: u32,

    /// Days a deleted customer stays in the trash (restorable) before it is purged.
    #[arg(long, env = "TRASH_RETENTION_DAYS", default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..))]
    pub trash_retention_days: u32,

    /// E-mail of the first Admin, created on start when the database has no Admin yet.
    #[arg(long, env = "ADMIN_EMAIL", default_value = "admin@example.com")]
    pub admin_email: String,

    /// Password of the first Admin; when unset one is generated and printed once.
    #[arg(long, env = "ADMIN_PASSWORD", hide_env_values = true, value_parser = secret)]
    pub admin_password: Option<SecretString>,

    /// SMTP server for outgoing mail: smtp://user:pass@host:587?tls=required (STARTTLS),
    /// smtps://user:pass@host:465 (TLS) or smtp://host:25 (plain). Unset: mails are kept as
    /// .eml files under MAIL_DIR and readable on the Mail page.
    #[arg(long, env = "SMTP_URL", hide_env_values = true, value_parser = secret)]
    pub smtp_url: Option<SecretString>,

    /// The From address of outgoing mail.
    #[arg(
        long,
        env = "MAIL_FROM",
        default_value = "Customers <no-reply@localhost>"
    )]
    pub mail_from: String,

    /// Where mails are written as .eml files when SMTP_URL is unset.
    #[arg(long, env = "MAIL_DIR", default_value = "data/mail")]
    pub mail_dir: std::path::PathBuf,
}

/// A secret setting: kept in a `SecretString`, so `Debug` (and any log of the config)
/// shows `[REDACTED]` instead of it.
fn secret(s: &str) -> Result<SecretString, String> {
    Ok(SecretString::from(s))
}

impl Config {
    pub fn cookie_secure(&self) -> bool {
        self.cookie_secure
            .unwrap_or(self.public_base_url.scheme() == "https")
    }

    /// `scheme://host[:port]` of the public base URL.
    pub fn public_origin(&self) -> String {
        self.public_base_url.origin().ascii_serialization()
    }

    pub fn mail_settings(&self) -> app::mail::ssr::MailSettings {
        app::mail::ssr::MailSettings {
            smtp_url: self
                .smtp_url
                .clone()
                .filter(|u| !u.expose_secret().trim().is_empty()),
            from: self.mail_from.clone(),
            ..app::mail::ssr::MailSettings::embedded(self.mail_dir.clone())
        }
    }

    /// Checks that need more than one setting.
    pub fn validate(&self) -> Result<(), String> {
        if self.mail_from.parse::<lettre::message::Mailbox>().is_err() {
            return Err(format!(
                "MAIL_FROM is not an e-mail address (try \"Customers <no-reply@example.com>\"): {:?}",
                self.mail_from
            ));
        }
        app::mail::ssr::transport(&self.mail_settings())?;
        if self.session_idle_timeout > self.session_absolute_timeout {
            return Err(format!(
                "SESSION_IDLE_TIMEOUT ({}) must not exceed SESSION_ABSOLUTE_TIMEOUT ({})",
                humantime::format_duration(self.session_idle_timeout),
                humantime::format_duration(self.session_absolute_timeout)
            ));
        }
        let url = self.database_url.expose_secret();
        if !(url.starts_with("sqlite:") || crate::is_postgres_url(url)) {
            return Err(format!(
                "DATABASE_URL must be a sqlite: or postgres: URL; got {:?}",
                url.split('@').next_back().unwrap_or("")
            ));
        }
        if self
            .admin_password
            .as_ref()
            .is_some_and(|p| p.expose_secret().chars().count() < 8)
        {
            return Err("ADMIN_PASSWORD must have at least 8 characters".into());
        }
        Ok(())
    }
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(s).map_err(|e| format!("{e} (try e.g. 30m, 2h)"))?;
    if d < Duration::from_secs(60) {
        return Err("must be at least 1m".into());
    }
    Ok(d)
}

fn parse_base_url(s: &str) -> Result<url::Url, String> {
    let u =
        url::Url::parse(s).map_err(|e| format!("{e} (expected e.g. https://crm.example.com)"))?;
    if !matches!(u.scheme(), "http" | "https") || u.host().is_none() {
        return Err("must be an http:// or https:// URL with a host".into());
    }
    Ok(u)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        let mut v = vec!["server"];
        v.extend_from_slice(args);
        Cli::try_parse_from(v)
    }

    #[test]
    fn secrets_are_never_printed() {
        let cli = parse(&[
            "--admin-password",
            "hunter2-hunter2",
            "--smtp-url",
            "smtp://user:pw-secret@mail.example.com:587",
            "--database-url",
            "postgres://app:db-secret@db.internal:5432/customers",
        ])
        .unwrap();
        let shown = format!("{:?} {:?}", cli.config, cli.config.mail_settings());
        assert!(
            !shown.contains("hunter2")
                && !shown.contains("pw-secret")
                && !shown.contains("db-secret"),
            "{shown}"
        );
        assert!(cli.config.validate().is_ok());
        assert_eq!(
            cli.config.admin_password.unwrap().expose_secret(),
            "hunter2-hunter2"
        );
    }

    #[test]
    fn defaults_are_sane() {
        let cli = parse(&[]).unwrap();
        let c = cli.config;
        assert_eq!(c.bind_addr.to_string(), "127.0.0.1:3000");
        assert_eq!(c.session_idle_timeout, Duration::from_secs(2 * 3600));
        assert!(!c.cookie_secure());
        assert_eq!(c.public_origin(), "http://127.0.0.1:3000");
        assert!(c.validate().is_ok());
        assert!(cli.command.is_none());
    }

    #[test]
    fn https_base_url_makes_cookie_secure() {
        let c = parse(&["--public-base-url", "https://crm.example.com/app/"])
            .unwrap()
            .config;
        assert!(c.cookie_secure());
        assert_eq!(c.public_origin(), "https://crm.example.com");
        let c = parse(&[
            "--public-base-url",
            "https://x.example",
            "--cookie-secure",
            "false",
        ])
        .unwrap()
        .config;
        assert!(!c.cookie_secure());
    }

    #[test]
    fn bad_values_are_refused_with_the_setting_named() {
        let err = parse(&["--bind-addr", "nonsense"]).unwrap_err().to_string();
        assert!(err.contains("--bind-addr"), "{err}");
        let err = parse(&["--session-idle-timeout", "soon"])
            .unwrap_err()
            .to_string();
        assert!(err.contains("--session-idle-timeout"), "{err}");
        let err = parse(&["--public-base-url", "ftp://x"])
            .unwrap_err()
            .to_string();
        assert!(err.contains("http://"), "{err}");
        let c = parse(&["--session-idle-timeout", "13h"]).unwrap().config;
        assert!(c.validate().unwrap_err().contains("SESSION_IDLE_TIMEOUT"));
        let c = parse(&["--database-url", "mysql://u:secret@h/db"])
            .unwrap()
            .config;
        let e = c.validate().unwrap_err();
        assert!(e.contains("DATABASE_URL") && !e.contains("secret"), "{e}");
        let c = parse(&["--mail-from", "not an address"]).unwrap().config;
        assert!(c.validate().unwrap_err().contains("MAIL_FROM"));
        let c = parse(&["--smtp-url", "gopher://mail.example.com"])
            .unwrap()
            .config;
        assert!(c.validate().unwrap_err().contains("SMTP_URL"));
        let c = parse(&[
            "--smtp-url",
            "smtp://user:pw@mail.example.com:587?tls=required",
        ])
        .unwrap()
        .config;
        assert!(c.validate().is_ok());
        assert!(parse(&[])
            .unwrap()
            .config
            .mail_settings()
            .smtp_url
            .is_none());
    }

    #[test]
    fn create_admin_subcommand() {
        let cli = parse(&[
            "create-admin",
            "--email",
            "a@b.co",
            "--password",
            "longenough",
        ])
        .unwrap();
        match cli.command {
            Some(Command::CreateAdmin {
                email, password, ..
            }) => {
                assert_eq!(email, "a@b.co");
                assert_eq!(password.as_deref(), Some("longenough"));
            }
            other => panic!("{other:?}"),
        }
    }
}
