//! The list query in SQL: trigram full-text search, filters, keyset paging, capped counts.
//! `parse` turns the search box into bound search terms, `path` chooses the index a page
//! walks and writes the filters; this file pages and counts.
//!
//! Search terms are never spliced into SQL: FTS terms become quoted phrases (a `"` inside is
//! doubled) bound as one parameter, and prefix terms are bound LIKE patterns with `%`, `_`
//! and `\` escaped. So `*`, `%`, quotes and SQL fragments are plain text to search for.

mod parse;
pub mod path;

pub use parse::{parse_search, ParsedSearch};
pub use path::ListSelect;

use super::list::{
    passes_filters, Count, Cursor, CustomerPage, CustomerQuery, SortKey, COUNT_CAP,
    MAX_FILTER_LABELS,
};
use super::model::Customer;
use super::ssr::{list_select, select as customer_select};
use crate::db;
use crate::db::Backend;
use chrono::Utc;
use parse::{resolve_prefix, DENSE_PREFIX, SHORT_COUNT_CAP};
use path::{
    access_path, has_text_filter, push_filters, push_key, push_more, push_non_fts_filters,
    push_prefixes, push_status, push_status_walking, push_text, sort_expr, sort_key_text,
    AccessPath, Indexed,
};

pub trait ListItem: db::Record + From<Customer> + 'static {
    fn id(&self) -> i64;
}

impl ListItem for Customer {
    fn id(&self) -> i64 {
        self.customer_id
    }
}

/// What a page of the list is read with: the columns `T` reads and the joins they need after
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
pub async fn list(pool: &db::Pool, query: &CustomerQuery) -> Result<CustomerPage, sqlx::Error> {
    let mut conn = pool.acquire().await?;
    let size = query.page_size();
    let select = list_select(pool.backend());
    let p = page::<Customer>(&mut conn, query, i64::from(size), true, select).await?;
    Ok(CustomerPage {
        rows: p.rows,
        size,
        total: p.total,
        next: p.next,
        prev: p.prev,
    })
}

/// The next `size` rows of the list's order after `query.cursor`, without counting: the
/// export walks the whole view with it, in the order the screen shows, reading `select`.
pub async fn chunk<T: ListItem>(
    conn: &mut db::Conn,
    query: &CustomerQuery,
    size: i64,
    select: &ListSelect,
) -> Result<Page<T>, sqlx::Error> {
    page::<T>(conn, query, size, false, select).await
}

async fn page<T: ListItem>(
    conn: &mut db::Conn,
    query: &CustomerQuery,
    size: i64,
    with_count: bool,
    select: &ListSelect,
) -> Result<Page<T>, sqlx::Error> {
    let b = conn.backend();
    let mut search = parse_search(&query.q);
    let common_prefix = resolve_prefix(&mut *conn, &mut search).await?;
    let forward = query.cursor.as_ref().is_none_or(|c| c.after);
    // Walking backwards: the opposite order, then reversed.
    let desc = if forward {
        query.is_desc()
    } else {
        !query.is_desc()
    };

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
    let mut path = None;
    if !id_only {
        let p = access_path(&mut *conn, query, &search).await?;
        let qb = page_query(b, query, &search, &p, size, desc, select, "");
        rows = qb.build_query_as::<Row<T>>().fetch_all(&mut *conn).await?;
        path = Some(p);
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
    let paged = customers.len() as i64;

    let mut exact: Option<Customer> = None;
    if let Some(id) = search.exact_id {
        exact =
            db::query_as::<Customer>(format!("{} where c.customer_id = $1", customer_select(b)))
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?
                .filter(|c| c.deleted_at.is_none() && passes_filters(c, query, Utc::now()));
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
    } else if query.cursor.is_none() && !has_more && !id_only {
        // The first page holds every match (the page query and the count apply the same
        // conditions): its rows are the count, with no second pass over the matches.
        Count {
            n: paged,
            capped: false,
        }
    } else if common_prefix
        && query.status.is_none()
        && query.labels.is_empty()
        && !query.has_more_filters()
    {
        // Thousands of names start with it: say so without counting them.
        Count {
            n: DENSE_PREFIX,
            capped: true,
        }
    } else {
        count(&mut *conn, query, &search, id_only, path.as_ref()).await?
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
    conn: &mut db::Conn,
    query: &CustomerQuery,
) -> Result<Option<Customer>, sqlx::Error> {
    let email = query.q.trim();
    if email.contains(char::is_whitespace) || !email.contains('@') {
        return Ok(None);
    }
    Ok(db::query_as::<Customer>(format!(
        "{} where lower(c.email) = lower($1) and c.deleted_at is null",
        customer_select(conn.backend())
    ))
    .bind(email)
    .fetch_optional(conn)
    .await?
    .filter(|c| passes_filters(c, query, Utc::now())))
}

/// Every customer the list's filters match (all pages), in id order: what bulk actions and
/// "Select all N matching" apply to. The same rows the list pages through, plus the exact
/// User ID match and the whole-email hit the list puts first.
pub async fn matching_ids(pool: &db::Pool, query: &CustomerQuery) -> Result<Vec<i64>, sqlx::Error> {
    matching_ids_on(&mut pool.acquire().await?, query).await
}

/// [`matching_ids`] on a given connection (a bulk action's write transaction).
pub async fn matching_ids_on(
    conn: &mut db::Conn,
    query: &CustomerQuery,
) -> Result<Vec<i64>, sqlx::Error> {
    let b = conn.backend();
    let mut search = parse_search(&query.q);
    resolve_prefix(conn, &mut search).await?;
    if let Some(c) = whole_email_hit(&mut *conn, query).await? {
        return Ok(vec![c.customer_id]);
    }
    let mut qb = db::query("select c.customer_id from customer c where c.deleted_at is null");
    push_status(&mut qb, query);
    push_more(&mut qb, b, query, Indexed::Any);
    if has_text_filter(&search) || search.exact_id.is_some() {
        qb.push(" and (");
        if has_text_filter(&search) {
            qb.push("(1 = 1");
            push_text(&mut qb, b, &search);
            push_prefixes(&mut qb, b, &search);
            qb.push(")");
        } else {
            qb.push("1 = 0");
        }
        if let Some(id) = search.exact_id {
            qb.push(" or c.customer_id = ").push_bind(id);
        }
        qb.push(")");
    }
    qb.push(" order by c.customer_id");
    qb.build_query_scalar().fetch_all(&mut *conn).await
}

/// The query of one page: `size + 1` rows along `path` (`prefix`: e.g. `explain query plan `).
#[allow(clippy::too_many_arguments)]
fn page_query<'q>(
    b: Backend,
    query: &CustomerQuery,
    search: &ParsedSearch,
    path: &AccessPath,
    size: i64,
    desc: bool,
    select: &ListSelect,
    prefix: &str,
) -> db::Query<'q> {
    let expr = sort_expr(b, query.sort);
    // A driven page sorts every match: it picks the page's ids first, so the columns (the
    // labels, the names of the staff) are read for the page's rows only.
    let driven = matches!(path, AccessPath::Driven(_));
    let mut qb = if driven {
        db::query(format!(
            "{prefix}select k.sort_key, {} from (select c.customer_id as kid, {} as sort_key from {}",
            select.columns,
            sort_key_text(b, query.sort),
            path.from(b),
        ))
    } else {
        db::query(format!(
            "{prefix}select {} as sort_key, {} from {} {}",
            sort_key_text(b, query.sort),
            select.columns,
            path.from(b),
            select.joins
        ))
    };
    path.push_where(&mut qb, b, query, search);
    if let Some(cursor) = &query.cursor {
        let op = if desc { "<" } else { ">" };
        if query.sort == SortKey::Id {
            qb.push(format!(" and {} {op} ", path.id_cursor()))
                .push_bind(cursor.id);
        } else {
            // Spelled out rather than as a row value `(a, b) > (?, ?)`, which SQLite
            // evaluates by scanning the index from its start; this form seeks.
            qb.push(format!(" and {expr} {op}= "));
            push_key(&mut qb, b, query.sort, cursor.key.clone());
            qb.push(format!(" and ({expr} {op} "));
            push_key(&mut qb, b, query.sort, cursor.key.clone());
            qb.push(format!(" or c.customer_id {op} "))
                .push_bind(cursor.id)
                .push(")");
        }
    }
    let dir = if desc { "desc" } else { "asc" };
    if query.sort == SortKey::Id {
        qb.push(format!(" order by {} {dir}", path.id_order()));
    } else {
        qb.push(format!(" order by {expr} {dir}, c.customer_id {dir}"));
    }
    qb.push(" limit ").push_bind(size + 1);
    if driven {
        qb.push(format!(
            ") k {} customer c on c.customer_id = k.kid {} order by {expr} {dir}, c.customer_id {dir}",
            match b {
                Backend::Sqlite => "cross join",
                Backend::Postgres => "join",
            },
            select.joins
        ));
    }
    qb
}

/// SQLite's plan for the first page of `query` (`explain query plan`, one line per step):
/// tests hold the list to the index it is meant to walk, with and without statistics.
pub async fn explain_first_page(
    pool: &db::Pool,
    query: &CustomerQuery,
    select: &ListSelect,
) -> Result<Vec<String>, sqlx::Error> {
    let mut conn = pool.acquire().await?;
    let b = conn.backend();
    let mut search = parse_search(&query.q);
    resolve_prefix(&mut conn, &mut search).await?;
    let path = access_path(&mut conn, query, &search).await?;
    let qb = page_query(
        b,
        query,
        &search,
        &path,
        i64::from(query.size.max(1)),
        query.is_desc(),
        select,
        "explain query plan ",
    );
    let rows: Vec<(i64, i64, i64, String)> = qb.build_query_as().fetch_all(&mut conn).await?;
    Ok(rows.into_iter().map(|r| r.3).collect())
}

async fn count(
    conn: &mut db::Conn,
    query: &CustomerQuery,
    search: &ParsedSearch,
    id_only: bool,
    path: Option<&AccessPath>,
) -> Result<Count, sqlx::Error> {
    if id_only {
        return Ok(Count {
            n: 0,
            capped: false,
        });
    }
    let b = conn.backend();
    if let Some(AccessPath::Driven(driver)) = path {
        // Few matches (that is why the page was driven by them): count them exactly.
        let mut qb = db::query(format!(
            "select count(*) from {} where c.deleted_at is null",
            driver.from(b)
        ));
        push_status(&mut qb, query);
        push_non_fts_filters(&mut qb, b, search);
        push_more(&mut qb, b, query, Indexed::Driver(*driver));
        let n: i64 = qb.build_query_scalar().fetch_one(&mut *conn).await?;
        return Ok(Count { n, capped: false });
    }
    if query.has_more_filters() {
        // Every one of these filters matches many rows (or the page would have been
        // driven by it): stop counting sooner, as with other combined filters. Without a
        // search the count walks the narrowest filter's index (checking the others on each
        // row), so its matches come first; with one, the text index leads.
        let driver = if has_text_filter(search) || search.exact_id.is_some() {
            None
        } else {
            path::smallest_driver(&mut *conn, query)
                .await?
                .map(|(d, _)| d)
        };
        let mut qb = db::query(format!(
            "select count(*) from (select 1 from {} where c.deleted_at is null",
            driver.map_or("customer c", |d| d.from(b))
        ));
        push_filters(&mut qb, b, query, search);
        push_more(
            &mut qb,
            b,
            query,
            driver.map_or(Indexed::Any, Indexed::Driver),
        );
        qb.push(" limit ")
            .push_bind(SHORT_COUNT_CAP + 1)
            .push(") t");
        let n: i64 = qb.build_query_scalar().fetch_one(&mut *conn).await?;
        return Ok(if n > SHORT_COUNT_CAP {
            Count {
                n: SHORT_COUNT_CAP,
                capped: true,
            }
        } else {
            Count { n, capped: false }
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
            db::query_scalar("select coalesce(max(used), 0) from label where label_id = $1")
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
        let mut qb = db::query(format!(
            "select count(*) from (select distinct cl.customer_id from customer_label cl
               {} customer c on c.customer_id = cl.customer_id
              where c.deleted_at is null",
            match b {
                Backend::Sqlite => "cross join",
                Backend::Postgres => "join",
            }
        ));
        if query.all_labels {
            qb.push(" and cl.label_id = ").push_bind(labels[0]);
            push_status_walking(&mut qb, query, Some(labels[0]));
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
        qb.push(" limit ").push_bind(cap + 1).push(") t");
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
                db::query_scalar("select cast(coalesce(sum(live), 0) as bigint) from customer_count")
                    .fetch_one(&mut *conn)
                    .await?
            }
            Some(s) => {
                db::query_scalar(
                    "select cast(coalesce(sum(live), 0) as bigint) from customer_count where status = $1",
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
        let narrowed =
            query.status.is_some() || !query.labels.is_empty() || !search.prefixes.is_empty();
        if narrowed {
            // Many text matches and another filter: checking each against the filter is the
            // slow part, so stop sooner. (With few text matches the count cannot pass this
            // cap anyway.)
            cap = SHORT_COUNT_CAP;
        } else if b == Backend::Sqlite {
            // The FTS index alone says quickly whether the text matches more rows than the
            // cap (deleted rows are a rounding error against it). PostgreSQL has no such
            // shortcut (pg_trgm rechecks every row in the table), so it counts once, below.
            let raw: i64 = db::query_scalar(
                "select count(*) from (select 1 from customer_fts where customer_fts match $1 limit $2) t",
            )
            .bind(fts)
            .bind(COUNT_CAP + 1)
            .fetch_one(&mut *conn)
            .await?;
            if raw > COUNT_CAP {
                return Ok(Count {
                    n: COUNT_CAP,
                    capped: true,
                });
            }
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
    match (&search.fts, b) {
        (Some(fts), Backend::Sqlite) => {
            qb = db::query(
                "select count(*) from (select 1 from customer_fts f
                   cross join customer c on c.customer_id = f.rowid
                  where customer_fts match ",
            );
            qb.push_bind(fts.clone()).push(" and c.deleted_at is null");
            push_status(&mut qb, query);
            push_non_fts_filters(&mut qb, b, search);
        }
        _ => {
            qb = db::query(
                "select count(*) from (select 1 from customer c where c.deleted_at is null",
            );
            push_filters(&mut qb, b, query, search);
        }
    }
    qb.push(" limit ").push_bind(cap + 1).push(") t");
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
