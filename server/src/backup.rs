//! Backups: `server backup --to FILE` (a consistent copy taken while the app serves), and
//! the copy taken automatically before new migrations are applied to a SQLite database that
//! already holds data.

use app::db;
use sqlx::sqlite::SqlitePool;
use std::path::{Path, PathBuf};

/// A consistent online copy of the database in `to` (which must not exist yet).
///
/// SQLite: `VACUUM INTO` — one read transaction, so the copy is the database as of one
/// moment even while writes go on; it is then opened and must pass `integrity_check`.
/// PostgreSQL: `pg_dump --format=custom` (restore with `pg_restore`).
pub async fn backup(pool: &db::Pool, database_url: &str, to: &Path) -> Result<(), String> {
    if to.exists() {
        return Err(format!(
            "{} exists already; choose a new file",
            to.display()
        ));
    }
    match pool {
        db::Pool::Sqlite(p) => {
            vacuum_into(p, to).await?;
            check_copy(to).await
        }
        db::Pool::Postgres(_) => {
            let out = std::process::Command::new("pg_dump")
                .arg("--format=custom")
                .arg("--file")
                .arg(to)
                .arg(database_url)
                .output()
                .map_err(|e| {
                    format!("cannot run pg_dump ({e}); install PostgreSQL's client tools or use your server's own backups")
                })?;
            if out.status.success() {
                Ok(())
            } else {
                Err(format!(
                    "pg_dump failed: {}",
                    String::from_utf8_lossy(&out.stderr).trim()
                ))
            }
        }
    }
}

async fn vacuum_into(pool: &SqlitePool, to: &Path) -> Result<(), String> {
    if let Some(dir) = to.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let target = to
        .to_str()
        .ok_or_else(|| format!("{} is not a UTF-8 path", to.display()))?;
    sqlx::query("vacuum into $1")
        .bind(target)
        .execute(pool)
        .await
        .map_err(|e| format!("cannot write the backup {}: {e}", to.display()))?;
    Ok(())
}

/// Open a SQLite copy read-only and ask it to check itself.
async fn check_copy(path: &Path) -> Result<(), String> {
    use sqlx::ConnectOptions;
    let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .connect()
        .await
        .map_err(|e| format!("cannot open the backup {}: {e}", path.display()))?;
    let check: String = sqlx::query_scalar("pragma integrity_check")
        .fetch_one(&mut conn)
        .await
        .map_err(|e| format!("cannot check the backup: {e}"))?;
    if check == "ok" {
        Ok(())
    } else {
        Err(format!(
            "the backup {} failed its integrity check: {check}",
            path.display()
        ))
    }
}

/// The migrations `migrator` carries that the database has not applied (all of them for a
/// new, empty database), and whether the database had any applied before.
pub async fn pending(
    pool: &SqlitePool,
    migrator: &sqlx::migrate::Migrator,
) -> Result<(Vec<i64>, bool), sqlx::Error> {
    let has_table: i64 = sqlx::query_scalar(
        "select count(*) from sqlite_master where type = 'table' and name = '_sqlx_migrations'",
    )
    .fetch_one(pool)
    .await?;
    let applied: Vec<i64> = if has_table > 0 {
        sqlx::query_scalar("select version from _sqlx_migrations where success")
            .fetch_all(pool)
            .await?
    } else {
        Vec::new()
    };
    Ok((unapplied(migrator, &applied), !applied.is_empty()))
}

/// The versions of `migrator`'s migrations that are not among `applied` (the one comparison
/// behind both the copy before migrating and `/readyz`).
pub fn unapplied(migrator: &sqlx::migrate::Migrator, applied: &[i64]) -> Vec<i64> {
    migrator
        .iter()
        .filter(|m| m.migration_type.is_up_migration() && !applied.contains(&m.version))
        .map(|m| m.version)
        .collect()
}

/// Before new migrations touch a database that already holds data: a copy next to it,
/// `<file>.before-<version>-<UTC time>.bak`, checked like `server backup`'s. Returns it.
pub async fn before_migrating(
    pool: &SqlitePool,
    db_file: &Path,
    first_pending: i64,
) -> Result<PathBuf, String> {
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    let mut name = db_file.as_os_str().to_owned();
    name.push(format!(".before-{first_pending:04}-{stamp}.bak"));
    let to = PathBuf::from(name);
    vacuum_into(pool, &to).await?;
    check_copy(&to).await?;
    Ok(to)
}
