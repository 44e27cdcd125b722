//! The only module that writes `import_batch`, `import_item`, `import_reject` and
//! `import_mapping`.

use super::model::{DateOrder, ImportState, ImportStatus, Mapping, SavedMapping, Target};
use crate::db::{self, Conn, Pool};
use chrono::{DateTime, Utc};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Batch {
    pub import_batch_id: i64,
    pub created_by: i64,
    pub created_by_name: String,
    pub created_at: DateTime<Utc>,
    pub file_name: String,
    pub file_path: String,
    /// JSON array of the header row.
    pub headers: String,
    pub state: String,
    pub options: String,
    pub total_rows: i64,
    pub rows_done: i64,
    pub created_count: i64,
    pub updated_count: i64,
    pub skipped_count: i64,
    pub invalid_count: i64,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub error: Option<String>,
    pub invite: i64,
    pub invited_count: i64,
    pub invite_skipped: i64,
}

impl Batch {
    pub fn state(&self) -> ImportState {
        ImportState::parse(&self.state).unwrap_or(ImportState::Failed)
    }

    pub fn status(&self, now: DateTime<Utc>) -> ImportStatus {
        let state = self.state();
        let (rate, seconds_left) = match (state, self.started_at) {
            (ImportState::Running, Some(start)) => {
                let secs = (now - start).num_milliseconds().max(1) as f64 / 1000.0;
                let rate = self.rows_done as f64 / secs;
                let left = (self.total_rows - self.rows_done).max(0) as f64;
                (rate, (rate > 0.0).then(|| (left / rate).ceil() as u64))
            }
            _ => (0.0, None),
        };
        ImportStatus {
            batch_id: self.import_batch_id,
            file_name: self.file_name.clone(),
            state,
            created_by_name: self.created_by_name.clone(),
            created_at: self.created_at,
            finished_at: self.finished_at,
            total: self.total_rows.max(0) as u64,
            done: self.rows_done.max(0) as u64,
            created: self.created_count.max(0) as u64,
            updated: self.updated_count.max(0) as u64,
            skipped: self.skipped_count.max(0) as u64,
            invalid: self.invalid_count.max(0) as u64,
            rate,
            seconds_left,
            error: self.error.clone(),
            invite: self.invite != 0,
            invited: self.invited_count.max(0) as u64,
            invites_skipped: self.invite_skipped.max(0) as u64,
        }
    }
}

const SELECT: &str =
    "select b.import_batch_id, b.created_by, s.name as created_by_name, b.created_at,
    b.file_name, b.file_path, b.headers, b.state, b.options, b.total_rows, b.rows_done, b.created_count,
    b.updated_count, b.skipped_count, b.invalid_count, b.started_at, b.finished_at, b.error,
    b.invite, b.invited_count, b.invite_skipped
    from import_batch b join staff_user s on s.staff_user_id = b.created_by";

pub async fn create(
    pool: &Pool,
    staff_id: i64,
    file_name: &str,
    file_path: &str,
    bytes: u64,
    headers: &[String],
    now: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    db::query_scalar(
        "insert into import_batch (created_by, created_at, file_name, file_path, file_bytes, headers)
         values ($1, $2, $3, $4, $5, $6) returning import_batch_id",
    )
    .bind(staff_id)
    .bind(now)
    .bind(file_name)
    .bind(file_path)
    .bind(bytes as i64)
    .bind(serde_json::to_string(headers).expect("strings serialize"))
    .fetch_one(pool)
    .await
}

pub async fn get(pool: &Pool, id: i64) -> Result<Option<Batch>, sqlx::Error> {
    db::query_as::<Batch>(format!("{SELECT} where b.import_batch_id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await
}

/// The same, inside a transaction (it must exist).
pub async fn get_in(conn: &mut Conn, id: i64) -> Result<Batch, sqlx::Error> {
    db::query_as::<Batch>(format!("{SELECT} where b.import_batch_id = $1"))
        .bind(id)
        .fetch_one(&mut *conn)
        .await
}

/// The latest imports, newest first.
pub async fn list(pool: &Pool, limit: i64) -> Result<Vec<Batch>, sqlx::Error> {
    db::query_as::<Batch>(format!(
        "{SELECT} where b.state != 'uploaded' order by b.import_batch_id desc limit $1"
    ))
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// Uploaded → running, with the options it runs with and the header row of the sheet it
/// reads. False if it was not waiting.
#[allow(clippy::too_many_arguments)]
pub async fn start(
    pool: &Pool,
    id: i64,
    options: &str,
    headers: &[String],
    total: u64,
    invite: bool,
    instance: &str,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let done = db::query(
        "update import_batch set state = 'running', options = $2, total_rows = $3,
           started_at = $4, claimed_by = $5, lease_until = $6, headers = $7, invite = $8
         where import_batch_id = $1 and state = 'uploaded'",
    )
    .bind(id)
    .bind(options)
    .bind(total as i64)
    .bind(now)
    .bind(instance)
    .bind(now + LEASE)
    .bind(serde_json::to_string(headers).expect("strings serialize"))
    .bind(invite as i64)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// How long a running import counts as alive without writing a chunk.
pub const LEASE: chrono::Duration = chrono::Duration::seconds(120);

/// What one chunk did.
#[derive(Debug, Default, Clone, Copy)]
pub struct Counts {
    pub rows: u64,
    pub created: u64,
    pub updated: u64,
    pub skipped: u64,
    pub invalid: u64,
}

/// A customer the import wrote: `old_values` (JSON) for one it changed.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Item {
    pub customer_id: i64,
    pub kind: String,
    pub version_after: i64,
    pub old_values: Option<String>,
}

/// Records one chunk inside its write transaction: the customers it wrote, the rows it
/// refused (line, cells as JSON, reason), the counts, a renewed lease.
pub async fn chunk_done(
    conn: &mut Conn,
    id: i64,
    counts: Counts,
    items: &[Item],
    rejects: &[(u64, String, String)],
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    // Each list as one JSON array bound as one value (see `db::Backend::json_rows`).
    let b = conn.backend();
    if !items.is_empty() {
        let rows: Vec<serde_json::Value> = items
            .iter()
            .map(|i| {
                serde_json::json!({ "c": i.customer_id, "k": i.kind, "v": i.version_after, "o": i.old_values })
            })
            .collect();
        db::query(format!(
            "insert into import_item (import_batch_id, customer_id, kind, version_after, old_values)
             select $1, r.c, r.k, r.v, r.o from {}",
            b.json_rows("$2", "r", &[("c", "bigint"), ("k", "text"), ("v", "bigint"), ("o", "text")])
        ))
        .bind(id)
        .bind(serde_json::Value::Array(rows).to_string())
        .execute(&mut *conn)
        .await?;
    }
    if !rejects.is_empty() {
        let rows: Vec<serde_json::Value> = rejects
            .iter()
            .map(|(line, cells, reason)| serde_json::json!({ "n": line, "cells": cells, "reason": reason }))
            .collect();
        db::query(format!(
            "insert into import_reject (import_batch_id, row_number, cells, reason)
             select $1, r.n, r.cells, r.reason from {}",
            b.json_rows(
                "$2",
                "r",
                &[("n", "bigint"), ("cells", "text"), ("reason", "text")]
            )
        ))
        .bind(id)
        .bind(serde_json::Value::Array(rows).to_string())
        .execute(&mut *conn)
        .await?;
    }
    db::query(
        "update import_batch set rows_done = rows_done + $2, created_count = created_count + $3,
           updated_count = updated_count + $4, skipped_count = skipped_count + $5,
           invalid_count = invalid_count + $6, lease_until = $7
         where import_batch_id = $1",
    )
    .bind(id)
    .bind(counts.rows as i64)
    .bind(counts.created as i64)
    .bind(counts.updated as i64)
    .bind(counts.skipped as i64)
    .bind(counts.invalid as i64)
    .bind(now + LEASE)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Running imports whose instance stopped renewing their lease (it stopped or crashed), each
/// claimed for this caller: at most one caller gets each.
pub async fn claim_abandoned(
    pool: &Pool,
    instance: &str,
    now: DateTime<Utc>,
) -> Result<Vec<i64>, sqlx::Error> {
    let ids: Vec<i64> = db::query_scalar(
        "select import_batch_id from import_batch where state = 'running' and lease_until < $1",
    )
    .bind(now)
    .fetch_all(pool)
    .await?;
    let mut mine = Vec::new();
    for id in ids {
        let claimed = db::query(
            "update import_batch set claimed_by = $2, lease_until = $3
             where import_batch_id = $1 and state = 'running' and lease_until < $4",
        )
        .bind(id)
        .bind(instance)
        .bind(now + LEASE)
        .bind(now)
        .execute(pool)
        .await?;
        if claimed.rows_affected() == 1 {
            mine.push(id);
        }
    }
    Ok(mine)
}

/// Uploads never started (a wizard closed before Start) since before `cutoff`: their rows
/// removed, their file paths returned for deletion.
pub async fn forget_unstarted(
    pool: &Pool,
    cutoff: DateTime<Utc>,
) -> Result<Vec<String>, sqlx::Error> {
    let mut tx = db::begin_write(pool).await?;
    let paths: Vec<String> = db::query_scalar(
        "select file_path from import_batch where state = 'uploaded' and created_at < $1",
    )
    .bind(cutoff)
    .fetch_all(&mut tx)
    .await?;
    db::query("delete from import_batch where state = 'uploaded' and created_at < $1")
        .bind(cutoff)
        .execute(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(paths)
}

/// Whether Cancel was pressed (read inside the chunk's transaction).
pub async fn cancel_requested(conn: &mut Conn, id: i64) -> Result<bool, sqlx::Error> {
    let flag: i32 =
        db::query_scalar("select cancel_requested from import_batch where import_batch_id = $1")
            .bind(id)
            .fetch_one(&mut *conn)
            .await?;
    Ok(flag != 0)
}

/// Ask a running import to stop. False if it is not running.
pub async fn request_cancel(pool: &Pool, id: i64) -> Result<bool, sqlx::Error> {
    let done = db::query(
        "update import_batch set cancel_requested = 1
         where import_batch_id = $1 and state = 'running'",
    )
    .bind(id)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Running → `state` (done, cancelled, failed: `error` says why).
pub async fn finish(
    conn: &mut Conn,
    id: i64,
    state: ImportState,
    error: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    db::query(
        "update import_batch set state = $2, finished_at = $3, error = $4, lease_until = null
         where import_batch_id = $1",
    )
    .bind(id)
    .bind(state.as_str())
    .bind(now)
    .bind(error)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The customers the import wrote, `limit` at a time in id order after `after`.
pub async fn items_page(
    conn: &mut Conn,
    id: i64,
    after: i64,
    limit: i64,
) -> Result<Vec<Item>, sqlx::Error> {
    db::query_as::<Item>(
        "select customer_id, kind, version_after, old_values from import_item
         where import_batch_id = $1 and customer_id > $2 order by customer_id limit $3",
    )
    .bind(id)
    .bind(after)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await
}

/// Done → undone. False if it was not done (undone already, or never finished).
pub async fn mark_undone(
    conn: &mut Conn,
    id: i64,
    by: i64,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let done = db::query(
        "update import_batch set state = 'undone', undone_at = $2, undone_by = $3
         where import_batch_id = $1 and state = 'done'",
    )
    .bind(id)
    .bind(now)
    .bind(by)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The refused rows: (line, cells as JSON, reason), in file order.
/// The refused rows after row `after`, in row order, `limit` at a time.
pub async fn rejects_after(
    pool: &Pool,
    id: i64,
    after: i64,
    limit: i64,
) -> Result<Vec<(i64, String, String)>, sqlx::Error> {
    db::query_as::<(i64, String, String)>(
        "select row_number, cells, reason from import_reject
         where import_batch_id = $1 and row_number > $2 order by row_number limit $3",
    )
    .bind(id)
    .bind(after)
    .bind(limit)
    .fetch_all(pool)
    .await
}

#[derive(sqlx::FromRow)]
struct MappingRow {
    import_mapping_id: i64,
    name: String,
    columns: String,
    default_country: String,
    date_order: String,
    updated_by_name: String,
}

impl MappingRow {
    fn saved(self) -> SavedMapping {
        SavedMapping {
            id: self.import_mapping_id,
            name: self.name,
            columns: serde_json::from_str(&self.columns).unwrap_or_default(),
            default_country: self.default_country,
            date_order: serde_json::from_value(serde_json::Value::String(self.date_order))
                .unwrap_or_default(),
            updated_by: self.updated_by_name,
        }
    }
}

/// The team's saved mappings, the latest first (the 100 latest: an upload lists them).
pub async fn mappings(pool: &Pool) -> Result<Vec<SavedMapping>, sqlx::Error> {
    let rows = db::query_as::<MappingRow>(
        "select m.import_mapping_id, m.name, m.columns, m.default_country, m.date_order,
                s.name as updated_by_name
         from import_mapping m join staff_user s on s.staff_user_id = m.updated_by
         order by m.updated_at desc, m.import_mapping_id desc
         limit 100",
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(MappingRow::saved).collect())
}

/// Save `mapping` of a file with `headers` under `name`, replacing one of the same name
/// (whatever its case). Returns its id.
pub async fn save_mapping(
    pool: &Pool,
    name: &str,
    headers: &[String],
    mapping: &Mapping,
    staff_id: i64,
    now: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    let columns: Vec<(&String, Target)> = headers
        .iter()
        .zip(mapping.targets.iter().copied())
        .collect();
    let order = match mapping.date_order {
        DateOrder::DayFirst => "day_first",
        DateOrder::MonthFirst => "month_first",
    };
    db::query_scalar(
        "insert into import_mapping (name, name_key, columns, default_country, date_order, updated_by, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7)
         on conflict (name_key) do update set name = excluded.name, columns = excluded.columns,
            default_country = excluded.default_country, date_order = excluded.date_order,
            updated_by = excluded.updated_by, updated_at = excluded.updated_at
         returning import_mapping_id",
    )
    .bind(name)
    .bind(name.to_lowercase())
    .bind(serde_json::to_string(&columns).expect("columns serialize"))
    .bind(&mapping.default_country)
    .bind(order)
    .bind(staff_id)
    .bind(now)
    .fetch_one(pool)
    .await
}

/// Remove a saved mapping; false if there was none.
pub async fn delete_mapping(pool: &Pool, id: i64) -> Result<bool, sqlx::Error> {
    Ok(
        db::query("delete from import_mapping where import_mapping_id = $1")
            .bind(id)
            .execute(pool)
            .await?
            .rows_affected()
            > 0,
    )
}

/// A customer a finished import created and asked to invite, not yet handled.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct InviteDue {
    pub import_batch_id: i64,
    pub customer_id: i64,
    /// Still there and Active (a deleted or Inactive customer is not invited).
    pub eligible: bool,
    pub staff_id: i64,
    pub staff_name: String,
    pub staff_role: String,
}

/// The next `limit` customers to invite, oldest import first.
pub async fn invitations_due(conn: &mut Conn, limit: i64) -> Result<Vec<InviteDue>, sqlx::Error> {
    db::query_as::<InviteDue>(
        "select i.import_batch_id, i.customer_id,
                (c.deleted_at is null and c.status = 'active') as eligible,
                s.staff_user_id as staff_id, s.name as staff_name, s.role as staff_role
         from import_item i
         join import_batch b on b.import_batch_id = i.import_batch_id
         join customer c on c.customer_id = i.customer_id
         join staff_user s on s.staff_user_id = b.created_by
         where b.invite = 1 and b.state = 'done' and i.kind = 'created' and i.invited_at is null
         order by i.import_batch_id, i.customer_id
         limit $1",
    )
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// Mark a customer of an import handled: counted as invited, or as passed over.
pub async fn mark_invited(
    conn: &mut Conn,
    batch: i64,
    customer: i64,
    invited: bool,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    db::query(
        "update import_item set invited_at = $3 where import_batch_id = $1 and customer_id = $2",
    )
    .bind(batch)
    .bind(customer)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    db::query(if invited {
        "update import_batch set invited_count = invited_count + 1 where import_batch_id = $1"
    } else {
        "update import_batch set invite_skipped = invite_skipped + 1 where import_batch_id = $1"
    })
    .bind(batch)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Anonymisation: what imports keep of a customer — the values an import overwrote (for its
/// Undo, which leaves a customer changed since alone anyway) and rejected rows that carry
/// their e-mail address.
pub async fn forget_customer(conn: &mut Conn, id: i64, email: &str) -> Result<(), sqlx::Error> {
    db::query("update import_item set old_values = null where customer_id = $1 and old_values is not null")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    let find = match conn.backend() {
        db::Backend::Sqlite => "instr(lower(cells), lower($1)) > 0",
        db::Backend::Postgres => "strpos(lower(cells), lower($1)) > 0",
    };
    db::query(format!(
        "update import_reject set cells = '[]', reason = '(redacted: the customer was anonymised)'
          where {find}"
    ))
    .bind(email)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
