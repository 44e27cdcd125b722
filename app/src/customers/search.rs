//! The list query in SQL: trigram full-text search, filters, keyset paging, capped counts.
//!
//! Search terms are never spliced into SQL: FTS terms become quoted phrases (a `"` inside is
//! doubled) bound as one parameter, and prefix terms are bound LIKE patterns with `%`, `_`
//! and `\` escaped. So `*`, `%`, quotes and SQL fragments are plain text to search for.

use super::list::{
    has_labels, Count, Cursor, CustomerPage, CustomerQuery, SortKey, COUNT_CAP, MAX_FILTER_LABELS,
};
use super::model::Customer;
use super::ssr::SELECT;
use sqlx::{QueryBuilder, Sqlite, SqliteConnection, SqlitePool};

/// What a search box entry means.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ParsedSearch {
    /// For a search of short terms only: every customer whose first name, last name or
    /// email starts with the first term, when that is a small set (see [`resolve_prefix`]).
    pub prefix_ids: Option<Vec<i64>>,
    /// The whole entry is a number: that User ID ranks first.
    pub exact_id: Option<i64>,
    /// An FTS5 MATCH expression (trigram phrases, ANDed).
    pub fts: Option<String>,
    /// Terms under three characters (lower-cased): names or emails starting with them.
    pub prefixes: Vec<String>,
}

const MAX_QUERY_CHARS: usize = 200;
const SHORT_COUNT_CAP: i64 = 1_000;

fn phrase(term: &str) -> String {
    format!("\"{}\"", term.replace('"', "\"\""))
}

fn like_prefix(term: &str) -> String {
    let mut s = String::with_capacity(term.len() + 1);
    for ch in term.chars() {
        if matches!(ch, '\\' | '%' | '_') {
            s.push('\\');
        }
        s.push(ch);
    }
    s.push('%');
    s
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
        let prefixes = if fts.is_none() && exact_id.is_none() {
            vec![digits.clone()]
        } else {
            vec![]
        };
        return ParsedSearch {
            exact_id,
            fts,
            prefixes,
            prefix_ids: None,
        };
    }
    let mut phrases = Vec::new();
    let mut prefixes = Vec::new();
    for term in q.split_whitespace() {
        if term.chars().count() >= 3 {
            phrases.push(phrase(term));
        } else {
            // ASCII-only folding, like SQLite's LIKE and NOCASE: "Öz" stays "Öz".
            prefixes.push(term.to_ascii_lowercase());
        }
    }
    ParsedSearch {
        exact_id: None,
        fts: (!phrases.is_empty()).then(|| phrases.join(" AND ")),
        prefixes,
        prefix_ids: None,
    }
}

/// Above this many customers per column, a short prefix is "common".
const DENSE_PREFIX: i64 = 5_000;

/// The half-open range `[lo, hi)` of strings starting with `term` (compared without case).
fn prefix_range(term: &str) -> Option<(String, String)> {
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
async fn resolve_prefix(
    conn: &mut SqliteConnection,
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
    const COLUMNS: [&str; 3] = ["first_name", "last_name", "email"];
    for col in COLUMNS {
        let n: i64 = sqlx::query_scalar(&format!(
            "select count(*) from (select 1 from customer
              where {col} >= $1 collate nocase and {col} < $2 collate nocase
                and deleted_at is null limit $3)"
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
    let ids: Vec<i64> = sqlx::query_scalar(
        "select customer_id from customer where deleted_at is null and (
            (first_name >= $1 collate nocase and first_name < $2 collate nocase)
         or (last_name >= $1 collate nocase and last_name < $2 collate nocase)
         or (email >= $1 collate nocase and email < $2 collate nocase))",
    )
    .bind(&lo)
    .bind(&hi)
    .fetch_all(&mut *conn)
    .await?;
    search.prefix_ids = Some(ids);
    Ok(false)
}

fn sort_expr(k: SortKey) -> &'static str {
    match k {
        SortKey::Id => "c.customer_id",
        SortKey::FirstName => "c.first_name collate nocase",
        SortKey::LastName => "c.last_name collate nocase",
        SortKey::Email => "c.email collate nocase",
        SortKey::Country => "c.country",
        SortKey::Status => "c.status",
        SortKey::Created => "c.created_at",
        SortKey::Updated => "c.updated_at",
    }
}

/// `where` conditions shared by the page query and the count (after `deleted_at is null`).
fn push_filters(qb: &mut QueryBuilder<'_, Sqlite>, query: &CustomerQuery, search: &ParsedSearch) {
    push_status(qb, query);
    if let Some(fts) = &search.fts {
        qb.push(" and c.customer_id in (select rowid from customer_fts where customer_fts match ")
            .push_bind(fts.clone())
            .push(")");
    }
    push_non_fts_filters(qb, search);
}

/// The status and label filters.
fn push_status(qb: &mut QueryBuilder<'_, Sqlite>, query: &CustomerQuery) {
    if let Some(status) = query.status {
        qb.push(" and c.status = ")
            .push_bind(status.as_str().to_string());
    }
    let labels = &query.labels[..query.labels.len().min(MAX_FILTER_LABELS)];
    if labels.is_empty() {
        return;
    }
    // Checked per candidate row through customer_label's primary key, so the row order of
    // the page's index is kept and the walk stops at the page.
    const HAS: &str =
        " and exists (select 1 from customer_label cl where cl.customer_id = c.customer_id and cl.label_id";
    if query.all_labels {
        for id in labels {
            qb.push(HAS).push(" = ").push_bind(*id).push(")");
        }
    } else {
        qb.push(HAS).push(" in (");
        let mut list = qb.separated(", ");
        for id in labels {
            list.push_bind(*id);
        }
        qb.push("))");
    }
}

fn push_non_fts_filters(qb: &mut QueryBuilder<'_, Sqlite>, search: &ParsedSearch) {
    push_prefixes(qb, search);
    if let Some(id) = search.exact_id {
        // Shown first on the first page, so it is left out of the paged rows.
        qb.push(" and c.customer_id != ").push_bind(id);
    }
}

fn push_prefixes(qb: &mut QueryBuilder<'_, Sqlite>, search: &ParsedSearch) {
    if let Some(ids) = &search.prefix_ids {
        qb.push(" and c.customer_id in (select value from json_each(")
            .push_bind(serde_json::to_string(ids).expect("ids serialize"))
            .push("))");
    }
    for term in &search.prefixes {
        let p = like_prefix(term);
        qb.push(" and (c.first_name like ")
            .push_bind(p.clone())
            .push(" escape '\\' or c.last_name like ")
            .push_bind(p.clone())
            .push(" escape '\\' or c.email like ")
            .push_bind(p.clone())
            .push(" escape '\\')");
    }
}

fn has_text_filter(search: &ParsedSearch) -> bool {
    search.fts.is_some() || !search.prefixes.is_empty()
}

/// What a page of the list is read as: the whole [`Customer`] for the screen, or a narrower
/// row (the export's: every column read costs an allocation per row in sqlx).
pub trait ListItem:
    for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> + From<Customer> + Send + Unpin + 'static
{
    fn id(&self) -> i64;
}

impl ListItem for Customer {
    fn id(&self) -> i64 {
        self.customer_id
    }
}

#[derive(sqlx::FromRow)]
struct Row<T> {
    #[sqlx(flatten)]
    item: T,
    sort_key: String,
}

/// One page of rows in the list's order, with the cursors around it.
pub struct Page<T> {
    pub rows: Vec<T>,
    pub total: Count,
    pub next: Option<Cursor>,
    pub prev: Option<Cursor>,
}

/// One page of the list.
pub async fn list(pool: &SqlitePool, query: &CustomerQuery) -> Result<CustomerPage, sqlx::Error> {
    let mut conn = pool.acquire().await?;
    let size = query.page_size();
    let p = page::<Customer>(&mut conn, query, i64::from(size), true, SELECT).await?;
    Ok(CustomerPage {
        rows: p.rows,
        size,
        total: p.total,
        next: p.next,
        prev: p.prev,
    })
}

/// The next `size` rows of the list's order after `query.cursor`, without counting: the
/// export walks the whole view with it, in the order the screen shows. `select_sql` must
/// select what `T` reads, `from customer c`.
pub async fn chunk<T: ListItem>(
    conn: &mut SqliteConnection,
    query: &CustomerQuery,
    size: i64,
    select_sql: &str,
) -> Result<Page<T>, sqlx::Error> {
    page::<T>(conn, query, size, false, select_sql).await
}

async fn page<T: ListItem>(
    conn: &mut SqliteConnection,
    query: &CustomerQuery,
    size: i64,
    with_count: bool,
    select_sql: &str,
) -> Result<Page<T>, sqlx::Error> {
    let mut search = parse_search(&query.q);
    let common_prefix = resolve_prefix(&mut *conn, &mut search).await?;
    let forward = query.cursor.as_ref().is_none_or(|c| c.after);
    // Walking backwards: the opposite order, then reversed.
    let desc = if forward {
        query.is_desc()
    } else {
        !query.is_desc()
    };
    let expr = sort_expr(query.sort);

    // A search that is only a number with too few digits for text search: just the id.
    let id_only = search.exact_id.is_some() && !has_text_filter(&search);

    if query.cursor.is_none() {
        if let Some(c) = whole_email_hit(&mut *conn, query).await? {
            return Ok(Page {
                rows: vec![T::from(c)],
                total: Count {
                    n: 1,
                    capped: false,
                },
                next: None,
                prev: None,
            });
        }
    }

    let mut rows: Vec<Row<T>> = Vec::new();
    if !id_only {
        let select = select_sql.replacen(
            "select ",
            &format!(
                "select cast({} as text) as sort_key, ",
                expr.trim_end_matches(" collate nocase")
            ),
            1,
        );
        let mut qb;
        // Newest/oldest first with a label that every row must carry: walk that label's
        // index (the least used one) in id order instead of the whole table.
        let driving_label = if search.fts.is_none()
            && query.sort == SortKey::Id
            && (query.labels.len() == 1 || (query.all_labels && !query.labels.is_empty()))
        {
            sqlx::query_scalar::<_, i64>(
                "select label_id from label where label_id in (select value from json_each($1))
                 order by used limit 1",
            )
            .bind(serde_json::to_string(&query.labels).expect("ids serialize"))
            .fetch_optional(&mut *conn)
            .await?
        } else {
            None
        };
        match (&search.fts, query.sort) {
            (None, SortKey::Id) if driving_label.is_some() => {
                qb = QueryBuilder::<Sqlite>::new(select.replacen(
                    "from customer c",
                    "from customer_label dl cross join customer c on c.customer_id = dl.customer_id",
                    1,
                ));
                qb.push(" where dl.label_id = ").push_bind(driving_label);
                qb.push(" and c.deleted_at is null");
                push_filters(&mut qb, query, &search);
            }
            // Newest/oldest first with text search: walk the FTS index in rowid order and
            // stop at the page, instead of collecting every match first.
            (Some(fts), SortKey::Id) => {
                qb = QueryBuilder::<Sqlite>::new(select.replacen(
                    "from customer c",
                    "from customer_fts f join customer c on c.customer_id = f.rowid",
                    1,
                ));
                qb.push(" where customer_fts match ").push_bind(fts.clone());
                qb.push(" and c.deleted_at is null");
                push_status(&mut qb, query);
                push_non_fts_filters(&mut qb, &search);
            }
            _ => {
                qb = QueryBuilder::<Sqlite>::new(select);
                qb.push(" where c.deleted_at is null");
                push_filters(&mut qb, query, &search);
            }
        }
        if let Some(cursor) = &query.cursor {
            let op = if desc { "<" } else { ">" };
            if driving_label.is_some() {
                qb.push(format!(" and dl.customer_id {op} "))
                    .push_bind(cursor.id);
            } else if query.sort == SortKey::Id {
                qb.push(format!(" and c.customer_id {op} "))
                    .push_bind(cursor.id);
            } else {
                // Spelled out rather than as a row value `(a, b) > (?, ?)`, which SQLite
                // evaluates by scanning the index from its start; this form seeks.
                qb.push(format!(" and {expr} {op}= "))
                    .push_bind(cursor.key.clone())
                    .push(format!(" and ({expr} {op} "))
                    .push_bind(cursor.key.clone())
                    .push(format!(" or c.customer_id {op} "))
                    .push_bind(cursor.id)
                    .push(")");
            }
        }
        let dir = if desc { "desc" } else { "asc" };
        if driving_label.is_some() {
            qb.push(format!(" order by dl.customer_id {dir}"));
        } else if query.sort == SortKey::Id && search.fts.is_some() {
            qb.push(format!(" order by f.rowid {dir}"));
        } else if query.sort == SortKey::Id {
            qb.push(format!(" order by c.customer_id {dir}"));
        } else {
            qb.push(format!(" order by {expr} {dir}, c.customer_id {dir}"));
        }
        qb.push(" limit ").push_bind(size + 1);
        rows = qb.build_query_as::<Row<T>>().fetch_all(&mut *conn).await?;
    }
    let has_more = rows.len() as i64 > size;
    rows.truncate(size as usize);
    if !forward {
        rows.reverse();
    }
    let cursor_of = |r: &Row<T>, after: bool| Cursor {
        after,
        key: r.sort_key.clone(),
        id: r.item.id(),
    };
    let next = if forward {
        has_more
            .then(|| rows.last().map(|r| cursor_of(r, true)))
            .flatten()
    } else {
        rows.last().map(|r| cursor_of(r, true))
    };
    let prev = if forward {
        query
            .cursor
            .as_ref()
            .and(rows.first().map(|r| cursor_of(r, false)))
    } else {
        has_more
            .then(|| rows.first().map(|r| cursor_of(r, false)))
            .flatten()
    };
    let mut customers: Vec<T> = rows.into_iter().map(|r| r.item).collect();

    let mut exact: Option<Customer> = None;
    if let Some(id) = search.exact_id {
        exact = sqlx::query_as::<_, Customer>(&format!("{SELECT} where c.customer_id = $1"))
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?
            .filter(|c| {
                c.deleted_at.is_none()
                    && query.status.is_none_or(|s| s == c.status)
                    && has_labels(c, query)
            });
        if query.cursor.is_none() {
            if let Some(c) = exact.clone() {
                customers.insert(0, T::from(c));
            }
        }
    }

    let mut total = if !with_count {
        Count {
            n: 0,
            capped: false,
        }
    } else if common_prefix && query.status.is_none() && query.labels.is_empty() {
        // Thousands of names start with it: say so without counting them.
        Count {
            n: DENSE_PREFIX,
            capped: true,
        }
    } else {
        count(&mut *conn, query, &search, id_only).await?
    };
    if exact.is_some() {
        total.n += 1;
    }
    Ok(Page {
        rows: customers,
        total,
        next,
        prev,
    })
}

/// A search that is a whole e-mail address (unique among live customers) is answered from
/// its index: that customer, if it passes the filters. The list and "all matching" share it.
async fn whole_email_hit(
    conn: &mut SqliteConnection,
    query: &CustomerQuery,
) -> Result<Option<Customer>, sqlx::Error> {
    let email = query.q.trim();
    if email.contains(char::is_whitespace) || !email.contains('@') {
        return Ok(None);
    }
    Ok(sqlx::query_as::<_, Customer>(&format!(
        "{SELECT} where lower(c.email) = lower($1) and c.deleted_at is null"
    ))
    .bind(email)
    .fetch_optional(conn)
    .await?
    .filter(|c| query.status.is_none_or(|s| s == c.status) && has_labels(c, query)))
}

/// Every customer the list's filters match (all pages), in id order: what bulk actions and
/// "Select all N matching" apply to. The same rows the list pages through, plus the exact
/// User ID match and the whole-email hit the list puts first.
pub async fn matching_ids(
    pool: &SqlitePool,
    query: &CustomerQuery,
) -> Result<Vec<i64>, sqlx::Error> {
    let mut conn = pool.acquire().await?;
    let conn = &mut *conn;
    let mut search = parse_search(&query.q);
    resolve_prefix(conn, &mut search).await?;
    if let Some(c) = whole_email_hit(&mut *conn, query).await? {
        return Ok(vec![c.customer_id]);
    }
    let mut qb = QueryBuilder::<Sqlite>::new(
        "select c.customer_id from customer c where c.deleted_at is null",
    );
    push_status(&mut qb, query);
    if has_text_filter(&search) || search.exact_id.is_some() {
        qb.push(" and (");
        if has_text_filter(&search) {
            qb.push("(1");
            if let Some(fts) = &search.fts {
                qb.push(" and c.customer_id in (select rowid from customer_fts where customer_fts match ")
                    .push_bind(fts.clone())
                    .push(")");
            }
            push_prefixes(&mut qb, &search);
            qb.push(")");
        } else {
            qb.push("0");
        }
        if let Some(id) = search.exact_id {
            qb.push(" or c.customer_id = ").push_bind(id);
        }
        qb.push(")");
    }
    qb.push(" order by c.customer_id");
    qb.build_query_scalar().fetch_all(&mut *conn).await
}

async fn count(
    conn: &mut SqliteConnection,
    query: &CustomerQuery,
    search: &ParsedSearch,
    id_only: bool,
) -> Result<Count, sqlx::Error> {
    if id_only {
        return Ok(Count {
            n: 0,
            capped: false,
        });
    }
    if !has_text_filter(search)
        && search.exact_id.is_none()
        && query.status.is_none()
        && !query.labels.is_empty()
        && query.labels.iter().all(|id| *id == query.labels[0])
    {
        // One label: its trigger-maintained usage count.
        let n: i64 =
            sqlx::query_scalar("select coalesce(max(used), 0) from label where label_id = $1")
                .bind(query.labels[0])
                .fetch_one(&mut *conn)
                .await?;
        return Ok(Count { n, capped: false });
    }
    if !has_text_filter(search) && search.exact_id.is_none() && !query.labels.is_empty() {
        // Labels (with or without a status): walk customer_label's label index instead of
        // the customer table, and stop at 1,000 (a second label or a status makes the walk
        // long; a single label alone was answered exactly above).
        let mut labels: Vec<i64> = query.labels.clone();
        labels.sort_unstable();
        labels.dedup();
        labels.truncate(MAX_FILTER_LABELS);
        let cap = SHORT_COUNT_CAP;
        let mut qb = QueryBuilder::<Sqlite>::new(
            "select count(*) from (select distinct cl.customer_id from customer_label cl
               cross join customer c on c.customer_id = cl.customer_id
              where c.deleted_at is null",
        );
        if query.all_labels {
            qb.push(" and cl.label_id = ").push_bind(labels[0]);
            push_status(&mut qb, query);
        } else {
            qb.push(" and cl.label_id in (");
            let mut list = qb.separated(", ");
            for id in &labels {
                list.push_bind(*id);
            }
            qb.push(")");
            if let Some(status) = query.status {
                qb.push(" and c.status = ")
                    .push_bind(status.as_str().to_string());
            }
        }
        qb.push(" limit ").push_bind(cap + 1).push(")");
        let n: i64 = qb.build_query_scalar().fetch_one(&mut *conn).await?;
        return Ok(if n > cap {
            Count {
                n: cap,
                capped: true,
            }
        } else {
            Count { n, capped: false }
        });
    }
    if !has_text_filter(search) && search.exact_id.is_none() && query.labels.is_empty() {
        // Exact and O(1): trigger-maintained counters.
        let n: i64 = match query.status {
            None => {
                sqlx::query_scalar("select coalesce(sum(live), 0) from customer_count")
                    .fetch_one(&mut *conn)
                    .await?
            }
            Some(s) => {
                sqlx::query_scalar(
                    "select coalesce(sum(live), 0) from customer_count where status = $1",
                )
                .bind(s.as_str())
                .fetch_one(&mut *conn)
                .await?
            }
        };
        return Ok(Count { n, capped: false });
    }
    let mut cap = COUNT_CAP;
    if let Some(fts) = &search.fts {
        // The FTS index alone says quickly how many rows the text matches (deleted rows are
        // a rounding error against the cap).
        let raw: i64 = sqlx::query_scalar(
            "select count(*) from (select 1 from customer_fts where customer_fts match $1 limit $2)",
        )
        .bind(fts)
        .bind(COUNT_CAP + 1)
        .fetch_one(&mut *conn)
        .await?;
        let narrowed =
            query.status.is_some() || !query.labels.is_empty() || !search.prefixes.is_empty();
        if !narrowed && raw > COUNT_CAP {
            return Ok(Count {
                n: COUNT_CAP,
                capped: true,
            });
        }
        // Many text matches and another filter: checking each against the filter is the
        // slow part, so stop sooner.
        if narrowed && raw > SHORT_COUNT_CAP {
            cap = SHORT_COUNT_CAP;
        }
    }
    // A common one- or two-letter prefix matches a large share of rows and cannot use the
    // trigram index: stop counting earlier. (A rare one comes with its few ids.)
    if search.fts.is_none() && !search.prefixes.is_empty() && search.prefix_ids.is_none() {
        cap = SHORT_COUNT_CAP;
    }
    // With text: stream the FTS matches (cross join fixes the loop order) and stop at the
    // cap, rather than letting the planner walk a status index and probe a full match list.
    let mut qb;
    if let Some(fts) = &search.fts {
        qb = QueryBuilder::<Sqlite>::new(
            "select count(*) from (select 1 from customer_fts f
               cross join customer c on c.customer_id = f.rowid
              where customer_fts match ",
        );
        qb.push_bind(fts.clone()).push(" and c.deleted_at is null");
        push_status(&mut qb, query);
        push_non_fts_filters(&mut qb, search);
    } else {
        qb = QueryBuilder::<Sqlite>::new(
            "select count(*) from (select 1 from customer c where c.deleted_at is null",
        );
        push_filters(&mut qb, query, search);
    }
    qb.push(" limit ").push_bind(cap + 1).push(")");
    let n: i64 = qb.build_query_scalar().fetch_one(&mut *conn).await?;
    Ok(if n > cap {
        Count {
            n: cap,
            capped: true,
        }
    } else {
        Count { n, capped: false }
    })
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
