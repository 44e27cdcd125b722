//! Notes on a customer's profile (#19): plain text any staff member may add (Support and
//! Accounting too — they talk to customers — though they cannot edit the record), the
//! author edits or deletes their own and an Admin any, anyone who may add notes pins them.
//! Each change is audited on the customer, so History shows it. The one module that writes
//! `customer_note` (`ssr`); the profile's Notes section is `ui`.

pub mod ui;

use crate::error::AppError;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

/// The longest note.
pub const NOTE_MAX: usize = 5_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    pub id: i64,
    pub body: String,
    pub pinned: bool,
    pub author_name: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// May the user asking edit and delete it (their own, or they are an Admin)?
    pub editable: bool,
}

/// What an anonymised customer's notes say instead of their text.
pub const REDACTED_NOTE: &str = "(Removed: the customer was anonymised.)";

/// A note as stored: line breaks as `\n`, trimmed; refused (with a message for the field)
/// when empty, too long, or holding characters that hide or reorder text.
pub fn clean_body(body: &str) -> Result<String, AppError> {
    let body = body.replace("\r\n", "\n").replace('\r', "\n");
    let body = body.trim();
    if body.is_empty() {
        return Err(AppError::field("note", "Write something first."));
    }
    if body.chars().count() > NOTE_MAX {
        return Err(AppError::field(
            "note",
            format!("A note holds up to {NOTE_MAX} characters."),
        ));
    }
    if body
        .chars()
        .any(|c| c != '\n' && c != '\t' && crate::text::is_forbidden(c))
    {
        return Err(AppError::field(
            "note",
            "Remove the invisible control characters.",
        ));
    }
    Ok(body.to_string())
}

/// A piece of a note's text: words, or a web address to link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece<'a> {
    Text(&'a str),
    Link(&'a str),
}

/// The note split into text and `http(s)://` addresses (a trailing `.`, `,`, `)` … stays
/// text). Nothing else becomes markup: the view writes every piece as text or as an
/// `<a href>` whose address is one of these.
pub fn pieces(body: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = body;
    while let Some(start) = ["https://", "http://"]
        .iter()
        .filter_map(|p| rest.find(p))
        .min()
    {
        let tail = &rest[start..];
        let mut end = tail
            .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"'))
            .unwrap_or(tail.len());
        while end > 0 && tail[..end].ends_with(['.', ',', ';', ':', '!', '?', ')', '\'']) {
            end -= 1;
        }
        let scheme = if tail.starts_with("https://") { 8 } else { 7 };
        if end <= scheme {
            // Just the scheme: text.
            out.push(Piece::Text(&rest[..start + scheme]));
            rest = &rest[start + scheme..];
            continue;
        }
        if start > 0 {
            out.push(Piece::Text(&rest[..start]));
        }
        out.push(Piece::Link(&tail[..end]));
        rest = &tail[end..];
    }
    if !rest.is_empty() {
        out.push(Piece::Text(rest));
    }
    out
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::Note;
    use crate::audit::ssr::record;
    use crate::audit::{AuditAction, Entity, FieldChange};
    use crate::auth::{CurrentUser, Role};
    use crate::db::{self, Pool};
    use crate::error::AppError;
    use chrono::{DateTime, Utc};

    #[derive(sqlx::FromRow)]
    struct Row {
        customer_note_id: i64,
        customer_id: i64,
        body: String,
        pinned: bool,
        author_id: Option<i64>,
        author_name: Option<String>,
        created_at: DateTime<Utc>,
        updated_at: DateTime<Utc>,
    }

    const SELECT: &str = "select n.customer_note_id, n.customer_id, n.body, n.pinned, n.author_id,
               s.name as author_name, n.created_at, n.updated_at
          from customer_note n left join staff_user s on s.staff_user_id = n.author_id";

    fn may_edit(me: &CurrentUser, author: Option<i64>) -> bool {
        me.role == Role::Admin || author == Some(me.id)
    }

    fn note(me: &CurrentUser, r: Row) -> Note {
        Note {
            id: r.customer_note_id,
            editable: may_edit(me, r.author_id),
            body: r.body,
            pinned: r.pinned,
            author_name: r.author_name,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }

    /// A live customer's notes, pinned first, newest first.
    pub async fn list(pool: &Pool, me: &CurrentUser, customer: i64) -> Result<Vec<Note>, AppError> {
        live(pool, customer).await?;
        let rows = db::query_as::<Row>(format!(
            "{SELECT} where n.customer_id = $1
              order by n.pinned desc, n.created_at desc, n.customer_note_id desc limit 500"
        ))
        .bind(customer)
        .fetch_all(pool)
        .await?;
        Ok(rows.into_iter().map(|r| note(me, r)).collect())
    }

    async fn live(pool: &Pool, customer: i64) -> Result<(), AppError> {
        let found: Option<i64> = db::query_scalar(
            "select customer_id from customer where customer_id = $1 and deleted_at is null",
        )
        .bind(customer)
        .fetch_optional(pool)
        .await?;
        found.map(|_| ()).ok_or(AppError::NotFound)
    }

    pub async fn add(
        pool: &Pool,
        me: &CurrentUser,
        customer: i64,
        body: &str,
    ) -> Result<(), AppError> {
        live(pool, customer).await?;
        let now = Utc::now();
        let mut tx = db::begin_write(pool).await?;
        db::query(
            "insert into customer_note (customer_id, body, pinned, author_id, created_at, updated_at)
             values ($1, $2, false, $3, $4, $4)",
        )
        .bind(customer)
        .bind(body)
        .bind(me.id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let changes = [FieldChange::new("note", None, Some(body))];
        record(
            &mut tx,
            &me.actor(),
            AuditAction::NoteAdd,
            Entity::Customer,
            Some(customer),
            &changes,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// What a change may touch: the note (404 if there is none), refused (403) when it is
    /// someone else's and `own_only`.
    async fn target(
        conn: &mut db::Conn,
        me: &CurrentUser,
        id: i64,
        own_only: bool,
    ) -> Result<Row, AppError> {
        // Only a live customer's notes change (a deleted one's wait for its restore).
        let row = db::query_as::<Row>(format!(
            "{SELECT} join customer c on c.customer_id = n.customer_id
              where n.customer_note_id = $1 and c.deleted_at is null"
        ))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(AppError::NotFound)?;
        if own_only && !may_edit(me, row.author_id) {
            return Err(AppError::Forbidden);
        }
        Ok(row)
    }

    pub async fn edit(pool: &Pool, me: &CurrentUser, id: i64, body: &str) -> Result<i64, AppError> {
        let now = Utc::now();
        let mut tx = db::begin_write(pool).await?;
        let old = target(&mut tx, me, id, true).await?;
        if old.body != body {
            db::query(
                "update customer_note set body = $1, updated_at = $2 where customer_note_id = $3",
            )
            .bind(body)
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            let changes = [FieldChange::new("note", Some(&old.body), Some(body))];
            record(
                &mut tx,
                &me.actor(),
                AuditAction::NoteEdit,
                Entity::Customer,
                Some(old.customer_id),
                &changes,
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(old.customer_id)
    }

    pub async fn pin(
        pool: &Pool,
        me: &CurrentUser,
        id: i64,
        pinned: bool,
    ) -> Result<i64, AppError> {
        let now = Utc::now();
        let mut tx = db::begin_write(pool).await?;
        let old = target(&mut tx, me, id, false).await?;
        if old.pinned != pinned {
            db::query("update customer_note set pinned = $1 where customer_note_id = $2")
                .bind(pinned)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            let (from, to) = if pinned { ("no", "yes") } else { ("yes", "no") };
            let changes = [
                FieldChange::new("note", Some(&old.body), Some(&old.body)),
                FieldChange::new("pinned", Some(from), Some(to)),
            ];
            record(
                &mut tx,
                &me.actor(),
                AuditAction::NotePin,
                Entity::Customer,
                Some(old.customer_id),
                &changes,
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(old.customer_id)
    }

    /// Every note of a customer, oldest first (their data export; nobody's to edit there).
    pub async fn of_customer(pool: &Pool, customer: i64) -> Result<Vec<Note>, sqlx::Error> {
        let rows = db::query_as::<Row>(format!(
            "{SELECT} where n.customer_id = $1 order by n.created_at, n.customer_note_id"
        ))
        .bind(customer)
        .fetch_all(pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| Note {
                id: r.customer_note_id,
                editable: false,
                body: r.body,
                pinned: r.pinned,
                author_name: r.author_name,
                created_at: r.created_at,
                updated_at: r.updated_at,
            })
            .collect())
    }

    /// Anonymisation: the text of every note of the customer goes (the notes stay, as a
    /// count and with their dates and authors).
    pub async fn redact_all(conn: &mut db::Conn, customer: i64) -> Result<(), sqlx::Error> {
        db::query("update customer_note set body = $2 where customer_id = $1")
            .bind(customer)
            .bind(super::REDACTED_NOTE)
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    /// A merge: every note of `from` becomes `to`'s. Returns the ids that moved (for Undo).
    pub async fn move_all(
        conn: &mut db::Conn,
        from: i64,
        to: i64,
    ) -> Result<Vec<i64>, sqlx::Error> {
        db::query_scalar(
            "update customer_note set customer_id = $2 where customer_id = $1
             returning customer_note_id",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&mut *conn)
        .await
    }

    /// A merge's Undo: these notes (moved by [`move_all`]) go back to `to`.
    pub async fn move_back(conn: &mut db::Conn, ids: &[i64], to: i64) -> Result<(), sqlx::Error> {
        let b = conn.backend();
        db::query(format!(
            "update customer_note set customer_id = $1 where {}",
            b.in_ids("customer_note_id", "$2")
        ))
        .bind(to)
        .bind(db::ids(ids))
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    pub async fn delete(pool: &Pool, me: &CurrentUser, id: i64) -> Result<i64, AppError> {
        let now = Utc::now();
        let mut tx = db::begin_write(pool).await?;
        let old = target(&mut tx, me, id, true).await?;
        db::query("delete from customer_note where customer_note_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let changes = [FieldChange::new("note", Some(&old.body), None)];
        record(
            &mut tx,
            &me.actor(),
            AuditAction::NoteDelete,
            Entity::Customer,
            Some(old.customer_id),
            &changes,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(old.customer_id)
    }
}

/// A customer's notes, pinned first.
#[server(endpoint = "list_notes", input = Json)]
pub async fn list_notes(customer_id: i64) -> Result<Vec<Note>, AppError> {
    use crate::auth::ssr::staff_guard;
    let me = staff_guard::<ListNotes>()?;
    ssr::list(&crate::state::pool()?, &me, customer_id).await
}

/// Add a note; returns the notes.
#[server(endpoint = "add_note", input = Json)]
pub async fn add_note(customer_id: i64, body: String) -> Result<Vec<Note>, AppError> {
    use crate::auth::ssr::staff_guard;
    let me = staff_guard::<AddNote>()?;
    let body = clean_body(&body)?;
    let pool = crate::state::pool()?;
    ssr::add(&pool, &me, customer_id, &body).await?;
    ssr::list(&pool, &me, customer_id).await
}

/// Change a note's text (its author, or an Admin); returns the notes.
#[server(endpoint = "edit_note", input = Json)]
pub async fn edit_note(id: i64, body: String) -> Result<Vec<Note>, AppError> {
    use crate::auth::ssr::staff_guard;
    let me = staff_guard::<EditNote>()?;
    let body = clean_body(&body)?;
    let pool = crate::state::pool()?;
    let customer = ssr::edit(&pool, &me, id, &body).await?;
    ssr::list(&pool, &me, customer).await
}

/// Pin or unpin a note; returns the notes.
#[server(endpoint = "pin_note", input = Json)]
pub async fn pin_note(id: i64, pinned: bool) -> Result<Vec<Note>, AppError> {
    use crate::auth::ssr::staff_guard;
    let me = staff_guard::<PinNote>()?;
    let pool = crate::state::pool()?;
    let customer = ssr::pin(&pool, &me, id, pinned).await?;
    ssr::list(&pool, &me, customer).await
}

/// Delete a note (its author, or an Admin); returns the notes left.
#[server(endpoint = "delete_note", input = Json)]
pub async fn delete_note(id: i64) -> Result<Vec<Note>, AppError> {
    use crate::auth::ssr::staff_guard;
    let me = staff_guard::<DeleteNote>()?;
    let pool = crate::state::pool()?;
    let customer = ssr::delete(&pool, &me, id).await?;
    ssr::list(&pool, &me, customer).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_become_links_and_nothing_else_does() {
        assert_eq!(
            pieces("See https://example.com/a?b=1. Or <b>http://x.org</b>"),
            vec![
                Piece::Text("See "),
                Piece::Link("https://example.com/a?b=1"),
                Piece::Text(". Or <b>"),
                Piece::Link("http://x.org"),
                Piece::Text("</b>"),
            ]
        );
        assert_eq!(pieces("plain"), vec![Piece::Text("plain")]);
        assert_eq!(
            pieces("just https:// here"),
            vec![Piece::Text("just https://"), Piece::Text(" here")]
        );
        assert_eq!(
            pieces("(javascript:alert(1)) https://a.b)"),
            vec![
                Piece::Text("(javascript:alert(1)) "),
                Piece::Link("https://a.b"),
                Piece::Text(")")
            ]
        );
    }

    #[test]
    fn bodies_are_trimmed_and_checked() {
        assert_eq!(clean_body("  two\r\nlines \n").unwrap(), "two\nlines");
        assert!(clean_body("   \n ").is_err());
        assert!(clean_body(&"x".repeat(NOTE_MAX + 1)).is_err());
        assert!(clean_body("hidden\u{202E}text").is_err());
        assert!(clean_body("a\u{0}b").is_err());
        assert!(clean_body("tab\tok").is_ok());
    }
}
