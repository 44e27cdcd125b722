//! Database access shared by every store, on either backend: SQLite (the embedded default)
//! or PostgreSQL, chosen at run time by `DATABASE_URL`. One binary carries both drivers.
//!
//! - [`Pool`], [`Conn`] and [`Tx`] hold the backend's own sqlx types; a store never names a
//!   backend. SQL is written once with `$1`-style placeholders (both engines read them).
//! - [`query`], [`query_as`] and [`query_scalar`] mirror sqlx's functions of the same names
//!   but run on whichever backend the pool or connection they are given belongs to (not
//!   `sqlx::Any`, which cannot bind dates or JSON).
//! - Where the dialects differ, [`Backend`] supplies the fragment.
//!
//! Base layer: imports no feature.

mod gate;
pub mod id_set;
mod query;

pub use query::{
    query, query_as, query_scalar, Arg, Done, Query, QueryAs, QueryScalar, Record, Scalar,
    Separated, Target,
};

use crate::error::AppError;
use sqlx::pool::PoolConnection;
use sqlx::{PgConnection, PgPool, Postgres, Sqlite, SqliteConnection, SqlitePool, Transaction};

/// Which engine a pool talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }
}

/// A pool of connections to the one database.
#[derive(Clone, Debug)]
pub enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

impl From<SqlitePool> for Pool {
    fn from(p: SqlitePool) -> Pool {
        Pool::Sqlite(p)
    }
}

impl From<PgPool> for Pool {
    fn from(p: PgPool) -> Pool {
        Pool::Postgres(p)
    }
}

impl Pool {
    pub fn backend(&self) -> Backend {
        match self {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// A connection of its own, outside any transaction.
    pub async fn acquire(&self) -> Result<Conn, sqlx::Error> {
        Ok(match self {
            Pool::Sqlite(p) => Conn(Inner::SqlitePooled(p.acquire().await?), Some(gate::of(p))),
            Pool::Postgres(p) => Conn(Inner::PgPooled(p.acquire().await?), None),
        })
    }

    /// A transaction for reads, or for writes whose every statement stands on its own;
    /// a transaction that reads and then writes what it read begins with [`begin_write`].
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        Ok(Tx(
            match self {
                Pool::Sqlite(p) => Conn(Inner::SqliteTx(p.begin().await?), None),
                Pool::Postgres(p) => Conn(Inner::PgTx(p.begin().await?), None),
            },
            None,
        ))
    }

    /// Closes every connection (waits for those in use to come back).
    pub async fn close(&self) {
        match self {
            Pool::Sqlite(p) => p.close().await,
            Pool::Postgres(p) => p.close().await,
        }
    }

    pub fn is_closed(&self) -> bool {
        match self {
            Pool::Sqlite(p) => p.is_closed(),
            Pool::Postgres(p) => p.is_closed(),
        }
    }
}

/// One connection: pooled, or inside a transaction ([`Tx`] derefs to it). Stores take
/// `&mut Conn` so the caller decides whether their statements share a transaction. A pooled
/// SQLite connection carries its database's write gate (see `gate`).
pub struct Conn(Inner, Option<std::sync::Arc<tokio::sync::Semaphore>>);

enum Inner {
    SqlitePooled(PoolConnection<Sqlite>),
    SqliteTx(Transaction<'static, Sqlite>),
    PgPooled(PoolConnection<Postgres>),
    PgTx(Transaction<'static, Postgres>),
}

/// The backend's own connection, to run one statement on.
pub(crate) enum Exec<'a> {
    Sqlite(&'a mut SqliteConnection),
    Postgres(&'a mut PgConnection),
}

impl Conn {
    pub fn backend(&self) -> Backend {
        match &self.0 {
            Inner::SqlitePooled(_) | Inner::SqliteTx(_) => Backend::Sqlite,
            Inner::PgPooled(_) | Inner::PgTx(_) => Backend::Postgres,
        }
    }

    /// The write gate to take before a write statement on this connection: a pooled SQLite
    /// connection's (inside a write transaction the transaction holds it already).
    pub(crate) fn write_gate(&self) -> Option<std::sync::Arc<tokio::sync::Semaphore>> {
        match self.0 {
            Inner::SqlitePooled(_) => self.1.clone(),
            _ => None,
        }
    }

    pub(crate) fn exec(&mut self) -> Exec<'_> {
        match &mut self.0 {
            Inner::SqlitePooled(c) => Exec::Sqlite(c),
            Inner::SqliteTx(t) => Exec::Sqlite(t),
            Inner::PgPooled(c) => Exec::Postgres(c),
            Inner::PgTx(t) => Exec::Postgres(t),
        }
    }
}

/// A transaction; `&mut tx` is a `&mut Conn` for the stores. Dropped without
/// [`Tx::commit`], it rolls back. A SQLite write transaction holds its database's write
/// gate until it ends.
pub struct Tx(
    Conn,
    // Held for its drop: the turn ends with the transaction.
    #[allow(dead_code)] Option<tokio::sync::OwnedSemaphorePermit>,
);

impl Tx {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        match self.0 .0 {
            Inner::SqliteTx(t) => t.commit().await,
            Inner::PgTx(t) => t.commit().await,
            Inner::SqlitePooled(_) | Inner::PgPooled(_) => unreachable!("a Tx holds a transaction"),
        }
    }

    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        match self.0 .0 {
            Inner::SqliteTx(t) => t.rollback().await,
            Inner::PgTx(t) => t.rollback().await,
            Inner::SqlitePooled(_) | Inner::PgPooled(_) => unreachable!("a Tx holds a transaction"),
        }
    }
}

impl std::ops::Deref for Tx {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        &self.0
    }
}

impl std::ops::DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut Conn {
        &mut self.0
    }
}

/// The database engine's version, for the startup log.
pub async fn server_version(pool: &Pool) -> Result<String, sqlx::Error> {
    let sql = match pool.backend() {
        Backend::Sqlite => "select sqlite_version()",
        Backend::Postgres => "select current_setting('server_version')",
    };
    query_scalar::<String>(sql).fetch_one(pool).await
}

/// The time by the database's clock on PostgreSQL — one clock for every app instance, so
/// a lease one instance writes is read against the same clock by the others — and by this
/// machine's on SQLite (one file, one machine).
pub async fn now(pool: &Pool) -> Result<chrono::DateTime<chrono::Utc>, sqlx::Error> {
    match pool.backend() {
        Backend::Sqlite => Ok(chrono::Utc::now()),
        Backend::Postgres => query_scalar("select now()").fetch_one(pool).await,
    }
}

/// A transaction that reads, then writes what it read: it takes the database's write lock
/// at its start, so what it checked still holds when it writes.
///
/// SQLite: `begin immediate` (one writer at a time; a write that came in between cannot make
/// it fail half-way with `SQLITE_BUSY_SNAPSHOT`). PostgreSQL: one transaction-scoped
/// advisory lock that every such transaction takes — of every app instance on the database —
/// so these transactions run one after another exactly as on SQLite, and every invariant a
/// store checks before writing (one active Admin left, the count an "all matching" action
/// confirmed, a single-use link used once) holds across instances. Reads never wait for it.
pub async fn begin_write(pool: &Pool) -> Result<Tx, sqlx::Error> {
    Ok(match pool {
        Pool::Sqlite(p) => {
            // Our turn first (in arrival order), then SQLite's lock.
            let turn = gate::enter(gate::of(p)).await?;
            Tx(
                Conn(
                    Inner::SqliteTx(p.begin_with("begin immediate").await?),
                    None,
                ),
                Some(turn),
            )
        }
        Pool::Postgres(p) => {
            let mut tx = p.begin().await?;
            // Waiting longer than SQLite's busy timeout allows is an error, not a hang (a
            // write that waited on itself through a second connection would never end).
            sqlx::query("select set_config('lock_timeout', $2, true), pg_advisory_xact_lock($1)")
                .bind(WRITE_LOCK)
                .bind(WRITE_LOCK_TIMEOUT)
                .execute(&mut *tx)
                .await?;
            Tx(Conn(Inner::PgTx(tx), None), None)
        }
    })
}

/// Runs `work` unless another app instance is running the job `key` right now; `None`
/// when it was skipped. PostgreSQL: a transaction-scoped advisory lock, tried (never
/// waited for) on a connection of its own and held while `work` runs; it is released even
/// if this process dies. SQLite: one process owns the file, so `work` always runs.
pub async fn exclusively<T>(
    pool: &Pool,
    key: i64,
    work: impl std::future::Future<Output = T>,
) -> Result<Option<T>, sqlx::Error> {
    match pool {
        Pool::Sqlite(_) => Ok(Some(work.await)),
        Pool::Postgres(p) => {
            let mut tx = p.begin().await?;
            let mine: bool = sqlx::query_scalar("select pg_try_advisory_xact_lock($1)")
                .bind(key)
                .fetch_one(&mut *tx)
                .await?;
            if !mine {
                return Ok(None);
            }
            let out = work.await;
            tx.rollback().await?;
            Ok(Some(out))
        }
    }
}

/// A writer for one long run of large write transactions (an import's chunks): each
/// begins with [`BulkWriter::begin`]; [`BulkWriter::close`] when the run ends.
///
/// SQLite: one connection with `synchronous = NORMAL` — its commits are written to the log
/// but not flushed to disk one by one (a crash of the process loses nothing; a power cut may
/// lose the last of them, which the run settles with its final commit on the main pool, a
/// flushed one that also flushes everything logged before it) — and a 256 MiB page cache
/// for the indexes the run grows (at a million customers their pages outgrow the pool's
/// 64 MiB: 128 MiB imported 1 M rows in 88 s, 512 MiB in 75 s). It shares the main pool's
/// write gate (one per file), so other writers still get their turns. An in-memory
/// database has no second connection to the same data: the main pool serves. PostgreSQL:
/// the main pool.
pub async fn bulk_writer(pool: &Pool) -> Result<BulkWriter, sqlx::Error> {
    Ok(match pool {
        Pool::Sqlite(p) if !in_memory(p) => {
            let opts = (*p.connect_options())
                .clone()
                .synchronous(sqlx::sqlite::SqliteSynchronous::Normal)
                .pragma("cache_size", "-262144");
            BulkWriter {
                pool: Pool::Sqlite(
                    sqlx::sqlite::SqlitePoolOptions::new()
                        .max_connections(1)
                        .min_connections(0)
                        .connect_with(opts)
                        .await?,
                ),
                own: true,
            }
        }
        _ => BulkWriter {
            pool: pool.clone(),
            own: false,
        },
    })
}

/// See [`bulk_writer`].
pub struct BulkWriter {
    pool: Pool,
    /// A pool of its own (closed at the end), not the main pool.
    own: bool,
}

impl BulkWriter {
    /// A [`begin_write`] transaction of the run. PostgreSQL: with `synchronous_commit` off
    /// for it (the same bargain as SQLite's `NORMAL` above).
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        let mut tx = begin_write(&self.pool).await?;
        if self.pool.backend() == Backend::Postgres {
            query("set local synchronous_commit = off")
                .execute(&mut *tx)
                .await?;
        }
        Ok(tx)
    }

    /// The run is over: its own connection is closed.
    pub async fn close(self) {
        if self.own {
            self.pool.close().await;
        }
    }
}

fn in_memory(p: &sqlx::SqlitePool) -> bool {
    let file = p.connect_options().get_filename().as_os_str().to_owned();
    file.is_empty() || file == ":memory:"
}

/// The advisory lock key of [`begin_write`] on PostgreSQL ("customer" in ASCII).
pub const WRITE_LOCK: i64 = 0x6375_7374_6f6d_6572;

/// How long [`begin_write`] waits for the write lock on PostgreSQL before failing.
const WRITE_LOCK_TIMEOUT: &str = "10s";

/// A read-only transaction that sees one consistent snapshot of the database for all its
/// statements (the export): SQLite's read transaction (WAL), PostgreSQL's REPEATABLE READ.
pub async fn begin_snapshot(pool: &Pool) -> Result<Tx, sqlx::Error> {
    Ok(Tx(
        match pool {
            Pool::Sqlite(p) => Conn(Inner::SqliteTx(p.begin().await?), None),
            Pool::Postgres(p) => Conn(
                Inner::PgTx(
                    p.begin_with("begin isolation level repeatable read read only")
                        .await?,
                ),
                None,
            ),
        },
        None,
    ))
}

/// Marks the point a statement that may hit a unique constraint starts from: on
/// PostgreSQL, where any error aborts the whole transaction, [`after_unique_violation`]
/// returns to it so the transaction can go on (e.g. to name who uses the e-mail). No-op on
/// SQLite, where a failed statement leaves the transaction usable.
pub async fn before_unique_check(conn: &mut Conn) -> Result<(), sqlx::Error> {
    if conn.backend() == Backend::Postgres {
        query("savepoint unique_check").execute(conn).await?;
    }
    Ok(())
}

/// Back to the [`before_unique_check`] point after a unique violation.
pub async fn after_unique_violation(conn: &mut Conn) -> Result<(), sqlx::Error> {
    if conn.backend() == Backend::Postgres {
        query("rollback to savepoint unique_check")
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// Whether a statement failed on a unique constraint.
pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

/// Turns a unique violation into the error `on_unique` builds (a field message for the
/// user); every other database error stays internal.
pub trait UniqueViolation<T> {
    fn on_unique(self, on_unique: impl FnOnce() -> AppError) -> Result<T, AppError>;
}

impl<T> UniqueViolation<T> for Result<T, sqlx::Error> {
    fn on_unique(self, on_unique: impl FnOnce() -> AppError) -> Result<T, AppError> {
        match self {
            Ok(v) => Ok(v),
            Err(e) if is_unique_violation(&e) => Err(on_unique()),
            Err(e) => Err(e.into()),
        }
    }
}

/// A list of ids as one bind value: a JSON array on SQLite, a `bigint[]` on PostgreSQL. Read
/// it in SQL with [`Backend::in_ids`], [`Backend::not_in_ids`] or [`Backend::ids_table`].
pub fn ids(ids: &[i64]) -> Arg<'static> {
    Arg::Ids(ids.to_vec())
}

/// The SQL fragments where the two dialects differ. Everything else is written once.
impl Backend {
    /// `col` is one of the ids bound as `param` (see [`ids`]).
    pub fn in_ids(self, col: &str, param: &str) -> String {
        match self {
            Backend::Sqlite => format!("{col} in (select value from json_each({param}))"),
            Backend::Postgres => format!("{col} = any({param})"),
        }
    }

    /// `col` is none of the ids bound as `param`.
    pub fn not_in_ids(self, col: &str, param: &str) -> String {
        match self {
            Backend::Sqlite => format!("{col} not in (select value from json_each({param}))"),
            Backend::Postgres => format!("{col} <> all({param})"),
        }
    }

    /// The ids bound as `param` as a table with one column, `value`.
    pub fn ids_table(self, param: &str) -> String {
        match self {
            Backend::Sqlite => format!("json_each({param})"),
            Backend::Postgres => format!("unnest({param}::bigint[]) as ids(value)"),
        }
    }

    /// A JSON array of objects bound as `param` (one text value) as a table `alias` whose
    /// columns are the objects' keys `cols` with their SQL types (`text`, `bigint`, `date`):
    /// a whole chunk of rows in one statement with one bound value (a multi-row `VALUES`
    /// with thousands of placeholders costs SQLite a quadratic parse).
    pub fn json_rows(self, param: &str, alias: &str, cols: &[(&str, &str)]) -> String {
        match self {
            Backend::Sqlite => format!(
                "(select {} from json_each({param})) as {alias}",
                cols.iter()
                    .map(|(c, _)| format!("json_extract(value, '$.{c}') as {c}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Backend::Postgres => format!(
                "jsonb_to_recordset(cast({param} as jsonb)) as {alias}({})",
                cols.iter()
                    .map(|(c, t)| format!("{c} {t}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }

    /// The values of `expr` over a group joined with `sep` (a SQL string literal) in the
    /// order `order_by`; NULL for no rows.
    pub fn group_concat(self, expr: &str, sep: &str, order_by: &str) -> String {
        match self {
            Backend::Sqlite => format!("group_concat({expr}, {sep} order by {order_by})"),
            Backend::Postgres => format!("string_agg(({expr})::text, {sep} order by {order_by})"),
        }
    }

    /// A JSON array of one object per row of the group, in the order `order_by`; `pairs`
    /// are `'key', expr` pairs. `[]` for no rows. Read it as `sqlx::types::Json` (text on
    /// SQLite, `json` on PostgreSQL).
    pub fn json_objects(self, pairs: &str, order_by: &str) -> String {
        match self {
            Backend::Sqlite => {
                format!(
                    "coalesce(json_group_array(json_object({pairs}) order by {order_by}), '[]')"
                )
            }
            Backend::Postgres => {
                format!("coalesce(json_agg(json_build_object({pairs}) order by {order_by}), '[]'::json)")
            }
        }
    }

    /// A JSON array (as text) holding one object of `'key', expr` pairs.
    pub fn json_one_object(self, pairs: &str) -> String {
        match self {
            Backend::Sqlite => format!("json_array(json_object({pairs}))"),
            Backend::Postgres => format!("json_build_array(json_build_object({pairs}))::text"),
        }
    }

    /// `expr` as the case-insensitive key it sorts and compares by (SQLite's NOCASE
    /// collation; PostgreSQL's lower(), which its indexes use).
    pub fn nocase(self, expr: &str) -> String {
        match self {
            Backend::Sqlite => format!("{expr} collate nocase"),
            Backend::Postgres => format!("lower({expr})"),
        }
    }
}
