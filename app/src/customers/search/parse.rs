//! What a search box entry means: trigram phrases, short prefixes, a User ID, phone digits.

use crate::db;

#[derive(Debug, Default, PartialEq, Eq)]
pub struct ParsedSearch {
    /// For a search of short terms only: every customer whose first name, last name or
    /// email starts with the first term, when that is a small set (see [`resolve_prefix`]).
    pub prefix_ids: Option<Vec<i64>>,
    /// The whole entry is a number: that User ID ranks first.
    pub exact_id: Option<i64>,
    /// An FTS5 MATCH expression (trigram phrases, ANDed): SQLite's text search.
    pub fts: Option<String>,
    /// The same terms (3+ characters) as lower-cased `LIKE '%…%'` patterns over the search
    /// column: PostgreSQL's text search (pg_trgm).
    pub patterns: Vec<String>,
    /// Terms under three characters (lower-cased): names or emails starting with them.
    pub prefixes: Vec<String>,
}

pub(super) const MAX_QUERY_CHARS: usize = 200;
pub(super) const SHORT_COUNT_CAP: i64 = 1_000;

pub(super) fn phrase(term: &str) -> String {
    format!("\"{}\"", term.replace('"', "\"\""))
}

/// `term` with LIKE's wildcards and escape character escaped (the escape is `\`).
fn like_escaped(term: &str) -> String {
    let mut s = String::with_capacity(term.len() + 2);
    for ch in term.chars() {
        if matches!(ch, '\\' | '%' | '_') {
            s.push('\\');
        }
        s.push(ch);
    }
    s
}

pub(super) fn like_prefix(term: &str) -> String {
    format!("{}%", like_escaped(term))
}

/// A LIKE pattern for `term` anywhere in the search column (lower-cased in SQL, on both sides
/// by the database's own lower()).
pub(super) fn like_substring(term: &str) -> String {
    format!("%{}%", like_escaped(term))
}

pub fn parse_search(q: &str) -> ParsedSearch {
    let q: String = q.trim().chars().take(MAX_QUERY_CHARS).collect();
    if q.is_empty() {
        return ParsedSearch::default();
    }
    let digits: String = q.chars().filter(|c| c.is_ascii_digit()).collect();
    let phone_like = q
        .chars()
        .all(|c| c.is_ascii_digit() || " +-().".contains(c));
    if phone_like && !digits.is_empty() {
        let exact_id = if q.chars().all(|c| c.is_ascii_digit()) {
            q.parse().ok()
        } else {
            None
        };
        // Phone numbers are indexed without "+" and leading zeros, so "0917 123 4567"
        // finds +639171234567 and "(415) 555-2671" finds +14155552671.
        let core = digits.trim_start_matches('0');
        let fts = (core.chars().count() >= 3).then(|| phrase(core));
        let patterns = if fts.is_some() {
            vec![like_substring(core)]
        } else {
            vec![]
        };
        let prefixes = if fts.is_none() && exact_id.is_none() {
            vec![digits.clone()]
        } else {
            vec![]
        };
        return ParsedSearch {
            exact_id,
            fts,
            patterns,
            prefixes,
            prefix_ids: None,
        };
    }
    let mut phrases = Vec::new();
    let mut patterns = Vec::new();
    let mut prefixes = Vec::new();
    for term in q.split_whitespace() {
        if term.chars().count() >= 3 {
            phrases.push(phrase(term));
            patterns.push(like_substring(term));
        } else {
            // ASCII-only folding, like SQLite's LIKE and NOCASE: "Öz" stays "Öz" (and finds
            // "Özlem" but not "özlem" there; PostgreSQL lower-cases both sides fully).
            prefixes.push(term.to_ascii_lowercase());
        }
    }
    ParsedSearch {
        exact_id: None,
        fts: (!phrases.is_empty()).then(|| phrases.join(" AND ")),
        patterns,
        prefixes,
        prefix_ids: None,
    }
}

/// Above this many customers per column, a short prefix is "common".
pub(super) const DENSE_PREFIX: i64 = 5_000;

/// The half-open range `[lo, hi)` of strings starting with `term` (compared without case).
pub(super) fn prefix_range(term: &str) -> Option<(String, String)> {
    let mut chars: Vec<char> = term.chars().collect();
    let last = chars.pop()?;
    let next = char::from_u32(last as u32 + 1)?;
    let hi: String = chars.iter().chain(std::iter::once(&next)).collect();
    Some((term.to_string(), hi))
}

/// One- and two-letter searches cannot use the trigram index. A rare prefix ("zo") is looked
/// up in the three sorted name/email indexes (seeks, a few thousand ids at most) and the
/// list then reads just those rows; a common one ("jo") is left to the page's own index walk,
/// which meets matches quickly because they are common. Sets `prefix_ids` and returns
/// whether the prefix is common.
pub(super) async fn resolve_prefix(
    conn: &mut db::Conn,
    search: &mut ParsedSearch,
) -> Result<bool, sqlx::Error> {
    let Some((lo, hi)) = search
        .fts
        .is_none()
        .then(|| search.prefixes.first())
        .flatten()
        .and_then(|t| prefix_range(t))
    else {
        return Ok(false);
    };
    // `$1` and `$2` bound as the range `[lo, hi)`: SQLite seeks its NOCASE indexes;
    // PostgreSQL its lower() text_pattern_ops indexes, comparing bytes (`~>=~`, `~<~`: the
    // same order whatever the database's collation, and an index range even in a generic
    // plan, which `LIKE $1` is not).
    let backend = conn.backend();
    let (lo, hi) = match backend {
        db::Backend::Sqlite => (lo, hi),
        db::Backend::Postgres => match prefix_range(&lo.to_lowercase()) {
            Some(r) => r,
            None => return Ok(false),
        },
    };
    let starts = |col: &str| match backend {
        db::Backend::Sqlite => {
            format!("({col} >= $1 collate nocase and {col} < $2 collate nocase)")
        }
        db::Backend::Postgres => format!("(lower({col}) ~>=~ $1 and lower({col}) ~<~ $2)"),
    };
    const COLUMNS: [&str; 3] = ["first_name", "last_name", "email"];
    for col in COLUMNS {
        let n: i64 = db::query_scalar(format!(
            "select count(*) from (select 1 from customer
              where {} and deleted_at is null limit $3) t",
            starts(col)
        ))
        .bind(&lo)
        .bind(&hi)
        .bind(DENSE_PREFIX + 1)
        .fetch_one(&mut *conn)
        .await?;
        if n > DENSE_PREFIX {
            return Ok(true);
        }
    }
    let ids: Vec<i64> = db::query_scalar(format!(
        "select customer_id from customer where deleted_at is null and ({} or {} or {})",
        starts("first_name"),
        starts("last_name"),
        starts("email")
    ))
    .bind(&lo)
    .bind(&hi)
    .fetch_all(&mut *conn)
    .await?;
    search.prefix_ids = Some(ids);
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_become_quoted_trigram_phrases_and_short_words_prefixes() {
        let p = parse_search("  maria   de la cruz ");
        assert_eq!(p.fts.as_deref(), Some("\"maria\" AND \"cruz\""));
        assert_eq!(p.prefixes, vec!["de".to_string(), "la".to_string()]);
        assert_eq!(p.exact_id, None);
    }

    #[test]
    fn special_characters_stay_literal() {
        assert_eq!(parse_search("a\"b*c").fts.as_deref(), Some("\"a\"\"b*c\""));
        assert_eq!(
            parse_search("x OR 1=1; drop table customer").fts.as_deref(),
            Some("\"1=1;\" AND \"drop\" AND \"table\" AND \"customer\"")
        );
        assert_eq!(parse_search("%_").prefixes, vec!["%_".to_string()]);
        assert_eq!(like_prefix("%_"), "\\%\\_%");
        assert_eq!(like_prefix("a\\"), "a\\\\%");
        assert_eq!(prefix_range("jo"), Some(("jo".into(), "jp".into())));
        assert_eq!(prefix_range(""), None);
    }

    #[test]
    fn numbers_are_ids_and_phone_digits() {
        let p = parse_search("123");
        assert_eq!(p.exact_id, Some(123));
        assert_eq!(p.fts.as_deref(), Some("\"123\""));
        let p = parse_search("0917 123 4567");
        assert_eq!(p.exact_id, None);
        assert_eq!(p.fts.as_deref(), Some("\"9171234567\""));
        let p = parse_search("+1 (415) 555-2671");
        assert_eq!(p.fts.as_deref(), Some("\"14155552671\""));
        let p = parse_search("42");
        assert_eq!(p.exact_id, Some(42));
        assert_eq!(p.fts, None);
    }
}
