//! Database access shared by every store: the pool of the current request, the one place
//! that begins a write transaction, id lists as bind values, and the mapping of a unique
//! violation to a message for the user. Base layer: imports no feature.

use crate::error::AppError;

pub type Pool = sqlx::SqlitePool;
pub type Conn = sqlx::SqliteConnection;
pub type Tx = sqlx::Transaction<'static, sqlx::Sqlite>;

/// The pool, inside a server function.
pub fn pool() -> Result<Pool, AppError> {
    Ok(crate::state::AppState::from_context()?.pool)
}

/// A transaction that reads, then writes: it takes the write lock at its start, so a write
/// that came in between cannot make it fail half-way (SQLite's `SQLITE_BUSY_SNAPSHOT`).
pub async fn begin_write(pool: &Pool) -> Result<Tx, sqlx::Error> {
    pool.begin_with("begin immediate").await
}

/// A list of ids as one bind value (read in SQL with `json_each`).
pub fn ids_json(ids: &[i64]) -> String {
    serde_json::to_string(ids).expect("ids serialize")
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
