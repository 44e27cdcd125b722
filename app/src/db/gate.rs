//! Fair turns at SQLite's single write lock.
//!
//! SQLite lets one writer in at a time and makes the others wait with a busy handler that
//! polls (1, 2, 5 … then every 100 ms). A writer that commits and begins again at once — an
//! import writing chunk after chunk — can keep a waiting one out until its busy timeout ends
//! (measured: an edit failed with "database is locked" after 5 s during an import). So every
//! write this process makes to a SQLite database first takes that database's gate, a
//! first-come-first-served semaphore of one: a write transaction ([`super::begin_write`])
//! for its whole life, a single write statement outside a transaction for that statement.
//! Whoever is waiting gets in between any two of the import's chunks. PostgreSQL needs none
//! (row locks; `begin_write`'s advisory lock is fair already).

use sqlx::SqlitePool;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// As long as SQLite's own busy timeout: a write waits this long for its turn, then fails as
/// it would have without the gate.
const WAIT: Duration = Duration::from_secs(5);

/// The gate of the database `pool` opens (one per file, shared by every pool on it).
pub(crate) fn of(pool: &SqlitePool) -> Arc<Semaphore> {
    static GATES: OnceLock<Mutex<HashMap<PathBuf, Arc<Semaphore>>>> = OnceLock::new();
    let file = pool.connect_options().get_filename().to_path_buf();
    let mut gates = GATES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    gates
        .entry(file)
        .or_insert_with(|| Arc::new(Semaphore::new(1)))
        .clone()
}

/// Waits for the turn (in arrival order), at most [`WAIT`].
pub(crate) async fn enter(gate: Arc<Semaphore>) -> Result<OwnedSemaphorePermit, sqlx::Error> {
    match tokio::time::timeout(WAIT, gate.acquire_owned()).await {
        Ok(Ok(permit)) => Ok(permit),
        _ => Err(sqlx::Error::PoolTimedOut),
    }
}

/// Whether a statement writes (its first word).
pub(crate) fn is_write(sql: &str) -> bool {
    let first = sql
        .trim_start()
        .split(|c: char| !c.is_ascii_alphabetic())
        .next()
        .unwrap_or("");
    ["insert", "update", "delete", "replace"]
        .iter()
        .any(|w| first.eq_ignore_ascii_case(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_are_told_by_their_first_word() {
        assert!(is_write("insert into x values (1)"));
        assert!(is_write("\n   UPDATE customer set a = 1"));
        assert!(is_write("delete from x"));
        assert!(!is_write("select * from x where a = 'insert'"));
        assert!(!is_write("  select 1"));
        assert!(!is_write(""));
    }

    #[tokio::test]
    async fn turns_are_taken_in_arrival_order() {
        let gate = Arc::new(Semaphore::new(1));
        let first = enter(gate.clone()).await.unwrap();
        let order = Arc::new(Mutex::new(Vec::new()));
        let mut waiting = Vec::new();
        for i in 0..3 {
            let (gate, order) = (gate.clone(), order.clone());
            waiting.push(tokio::spawn(async move {
                let _turn = enter(gate).await.unwrap();
                order.lock().unwrap().push(i);
            }));
            tokio::task::yield_now().await;
        }
        drop(first);
        for w in waiting {
            w.await.unwrap();
        }
        assert_eq!(*order.lock().unwrap(), vec![0, 1, 2]);
    }
}
