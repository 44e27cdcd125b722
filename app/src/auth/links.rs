//! Single-use links (staff invitations, customer invitations and password resets) for both
//! principals. The link carries 256 random bits; the table only their SHA-256, one purpose,
//! an expiry. A new link of a purpose kills the older ones; the transaction that uses a link
//! deletes it, and only the statement that finds it may use it.

use super::hashing::{hash_token, new_token};
use super::principal::Principal;
use crate::db;
use crate::db::{Conn, Pool};
use chrono::{DateTime, Utc};

/// A new link token for `purpose`; the account's earlier ones of that purpose stop working.
pub async fn issue(
    conn: &mut Conn,
    p: Principal,
    id: i64,
    purpose: &str,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<String, sqlx::Error> {
    let (table, id_col) = (p.token_table(), p.id_column());
    db::query(format!(
        "delete from {table} where {id_col} = $1 and purpose = $2"
    ))
    .bind(id)
    .bind(purpose)
    .execute(&mut *conn)
    .await?;
    let (token, hash) = new_token();
    db::query(format!(
        "insert into {table} (token_hash, {id_col}, purpose, created_at, expires_at)
         values ($1, $2, $3, $4, $5)"
    ))
    .bind(hash)
    .bind(id)
    .bind(purpose)
    .bind(now)
    .bind(expires_at)
    .execute(conn)
    .await?;
    Ok(token)
}

/// Every outstanding link of an account stops working.
pub async fn revoke_all(conn: &mut Conn, p: Principal, id: i64) -> Result<(), sqlx::Error> {
    db::query(format!(
        "delete from {} where {} = $1",
        p.token_table(),
        p.id_column()
    ))
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// The account a still-usable link belongs to (staff: active; customer: not deleted, access
/// not disabled).
pub async fn owner(
    pool: &Pool,
    p: Principal,
    token: &str,
    purpose: &str,
) -> Result<Option<i64>, sqlx::Error> {
    let sql = match p {
        Principal::Staff => {
            "select t.staff_user_id from staff_token t
               join staff_user u on u.staff_user_id = t.staff_user_id
              where t.token_hash = $1 and t.purpose = $2 and t.expires_at > $3 and u.active"
        }
        Principal::Customer => {
            "select t.customer_id from portal_token t
               join customer c on c.customer_id = t.customer_id
               join portal_account pa on pa.customer_id = t.customer_id
              where t.token_hash = $1 and t.purpose = $2 and t.expires_at > $3
                and c.deleted_at is null and pa.disabled_at is null"
        }
    };
    db::query_scalar(sql)
        .bind(hash_token(token))
        .bind(purpose)
        .bind(Utc::now())
        .fetch_optional(pool)
        .await
}

/// Use a link: deletes it and returns its account, or `None` when it is gone or expired
/// (someone used it first, or a newer link replaced it).
pub async fn consume(
    conn: &mut Conn,
    p: Principal,
    token: &str,
    purpose: &str,
    now: DateTime<Utc>,
) -> Result<Option<i64>, sqlx::Error> {
    db::query_scalar(format!(
        "delete from {} where token_hash = $1 and purpose = $2 and expires_at > $3
         returning {}",
        p.token_table(),
        p.id_column()
    ))
    .bind(hash_token(token))
    .bind(purpose)
    .bind(now)
    .fetch_optional(conn)
    .await
}
