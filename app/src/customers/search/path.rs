//! Which index a page of the list walks, and the filters on the rows it meets.

use super::parse::{like_prefix, ParsedSearch};
use crate::customers::list::{CustomerQuery, LastAccess, SortKey, MAX_FILTER_LABELS};
use crate::db::{self, Backend};
use chrono::Utc;

/// The expression the list sorts by (and its keyset cursor compares): names and e-mail
/// without case (the indexes of both backends are built on the same expression).
pub(super) fn sort_expr(b: Backend, k: SortKey) -> String {
    match k {
        SortKey::Id => "c.customer_id".into(),
        SortKey::FirstName => b.nocase("c.first_name"),
        SortKey::LastName => b.nocase("c.last_name"),
        SortKey::Email => b.nocase("c.email"),
        SortKey::Country => "c.country".into(),
        SortKey::Status => "c.status".into(),
        SortKey::Created => "c.created_at".into(),
        SortKey::Updated => "c.updated_at".into(),
    }
}

/// The sort expression as the text a cursor carries.
pub(super) fn sort_key_text(b: Backend, k: SortKey) -> String {
    let expr = sort_expr(b, k);
    format!("cast({} as text)", expr.trim_end_matches(" collate nocase"))
}

/// Appends a cursor's key as a value to compare with the sort expression (PostgreSQL reads
/// a timestamp back from its text; SQLite stores timestamps as text).
pub(super) fn push_key(qb: &mut db::Query<'_>, b: Backend, k: SortKey, key: String) {
    match (b, k) {
        (Backend::Postgres, SortKey::Created | SortKey::Updated) => {
            qb.push("cast(").push_bind(key).push(" as timestamptz)");
        }
        _ => {
            qb.push_bind(key);
        }
    }
}

/// `where` conditions shared by the page query and the count (after `deleted_at is null`).
pub(super) fn push_filters(
    qb: &mut db::Query<'_>,
    b: Backend,
    query: &CustomerQuery,
    search: &ParsedSearch,
) {
    push_status(qb, query);
    push_text(qb, b, search);
    push_non_fts_filters(qb, b, search);
}

/// The text search's condition: every 3+ character term somewhere in the name, e-mail or
/// phone digits. SQLite: the FTS5 trigram index; PostgreSQL: pg_trgm over `c.search`.
pub(super) fn push_text(qb: &mut db::Query<'_>, b: Backend, search: &ParsedSearch) {
    match b {
        Backend::Sqlite => {
            if let Some(fts) = &search.fts {
                qb.push(
                    " and c.customer_id in (select rowid from customer_fts where customer_fts match ",
                )
                .push_bind(fts.clone())
                .push(")");
            }
        }
        Backend::Postgres => {
            // Folded as the column is, by PostgreSQL itself (Rust's lower-casing differs
            // for a final Σ).
            for pattern in &search.patterns {
                qb.push(" and c.search like replace(lower(")
                    .push_bind(pattern.clone())
                    .push("), 'ς', 'σ')")
                    .push(" escape '\\'");
            }
        }
    }
}

/// The status and label filters.
pub(super) fn push_status(qb: &mut db::Query<'_>, query: &CustomerQuery) {
    push_status_walking(qb, query, None);
}

/// The status and label filters when the rows come from `walked`'s entries in
/// `customer_label`: that label is not checked again (a redundant check made PostgreSQL
/// misjudge the rows and sort the whole label instead of walking it in order).
pub(super) fn push_status_walking(
    qb: &mut db::Query<'_>,
    query: &CustomerQuery,
    walked: Option<i64>,
) {
    push_status_as(qb, query, walked, "c.status");
}

/// The status and label filters, the status compared as `status` — `+c.status` where the
/// page walks a sort column's index: SQLite then cannot answer it from the status index.
/// (Offered the status index, SQLite took it and sorted every active customer, 800,000
/// rows: seconds per page at 1 M customers.)
fn push_status_as(
    qb: &mut db::Query<'_>,
    query: &CustomerQuery,
    walked: Option<i64>,
    status_expr: &str,
) {
    if let Some(status) = query.status {
        qb.push(format!(" and {status_expr} = "))
            .push_bind(status.as_str().to_string());
    }
    let mut labels: Vec<i64> = query.labels[..query.labels.len().min(MAX_FILTER_LABELS)].to_vec();
    if let Some(walked) = walked {
        if query.all_labels || labels.iter().all(|id| *id == walked) {
            labels.retain(|id| *id != walked);
        }
    }
    if labels.is_empty() {
        return;
    }
    // Checked per candidate row through customer_label's primary key, so the row order of
    // the page's index is kept and the walk stops at the page.
    const HAS: &str =
        " and exists (select 1 from customer_label cl where cl.customer_id = c.customer_id and cl.label_id";
    if query.all_labels {
        for id in &labels {
            qb.push(HAS).push(" = ").push_bind(*id).push(")");
        }
    } else {
        qb.push(HAS).push(" in (");
        let mut list = qb.separated(", ");
        for id in &labels {
            list.push_bind(*id);
        }
        qb.push("))");
    }
}

/// A filter beyond status and labels whose index can lead a page when it matches few rows
/// (see [`AccessPath::Driven`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Driver {
    Country,
    Gender,
    Created,
    Updated,
    /// Accessed within N days, or over 90 days ago (never is the broad rest).
    Access,
}

impl Driver {
    /// The drivers the query's filters offer.
    pub(super) fn of(query: &CustomerQuery) -> Vec<Driver> {
        let mut v = Vec::new();
        if !query.countries.is_empty() {
            v.push(Driver::Country);
        }
        if query.gender.is_some() {
            v.push(Driver::Gender);
        }
        if query.created.is_set() {
            v.push(Driver::Created);
        }
        if query.updated.is_set() {
            v.push(Driver::Updated);
        }
        if query.access.is_some_and(|a| a != LastAccess::Never) {
            v.push(Driver::Access);
        }
        v
    }

    /// The filter on the column the list is sorted by: walking the sort index already
    /// applies it (a seek), so it is left where SQLite can use it.
    pub(super) fn of_sort(sort: SortKey) -> Option<Driver> {
        match sort {
            SortKey::Country => Some(Driver::Country),
            SortKey::Created => Some(Driver::Created),
            SortKey::Updated => Some(Driver::Updated),
            _ => None,
        }
    }

    /// The table a driven page starts from (SQLite is told the index).
    pub(super) fn from(self, b: Backend) -> &'static str {
        match (self, b) {
            (Driver::Access, Backend::Sqlite) => {
                "portal_account pa0 cross join customer c on c.customer_id = pa0.customer_id"
            }
            (Driver::Access, Backend::Postgres) => {
                "portal_account pa0 join customer c on c.customer_id = pa0.customer_id"
            }
            (Driver::Country, Backend::Sqlite) => "customer c indexed by customer_live_country_idx",
            (Driver::Gender, Backend::Sqlite) => "customer c indexed by customer_live_gender_idx",
            (Driver::Created, Backend::Sqlite) => "customer c indexed by customer_live_created_idx",
            (Driver::Updated, Backend::Sqlite) => "customer c indexed by customer_live_updated_idx",
            (_, Backend::Postgres) => "customer c",
        }
    }
}

/// Which of the further filters' conditions the database may answer from their indexes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Indexed {
    /// None: the page walks another index (`+c.x` keeps SQLite from trading the walk for a
    /// filter's index and a sort of everything that filter matches).
    None,
    /// The one on the sort column (walking the sort index applies it as a seek).
    Sort(SortKey),
    /// The driver's: the page starts from it (`pa0` is its portal account row).
    Driver(Driver),
    /// Any: a count or a set of ids, in no order (the planner chooses).
    Any,
}

impl Indexed {
    fn allows(self, d: Driver) -> bool {
        match self {
            Indexed::None => false,
            Indexed::Sort(sort) => Driver::of_sort(sort) == Some(d),
            Indexed::Driver(driver) => driver == d,
            Indexed::Any => true,
        }
    }
}

/// The filters beyond status and labels (see [`Indexed`]).
pub(super) fn push_more(
    qb: &mut db::Query<'_>,
    b: Backend,
    query: &CustomerQuery,
    indexed: Indexed,
) {
    let col = |d: Driver, name: &str| -> String {
        if b == Backend::Sqlite && !indexed.allows(d) {
            format!("+c.{name}")
        } else {
            format!("c.{name}")
        }
    };
    if !query.countries.is_empty() {
        qb.push(format!(" and {} in (", col(Driver::Country, "country")));
        let mut list = qb.separated(", ");
        for code in query
            .countries
            .iter()
            .take(crate::customers::list::MAX_FILTER_COUNTRIES)
        {
            list.push_bind(code.clone());
        }
        qb.push(")");
    }
    if let Some(g) = query.gender {
        qb.push(format!(" and {} = ", col(Driver::Gender, "gender")))
            .push_bind(g.as_str());
    }
    for (d, name, range) in [
        (Driver::Created, "created_at", &query.created),
        (Driver::Updated, "updated_at", &query.updated),
    ] {
        let (from, to) = range.instants(&query.zone);
        if let Some(from) = from {
            qb.push(format!(" and {} >= ", col(d, name)))
                .push_bind(from);
        }
        if let Some(to) = to {
            qb.push(format!(" and {} < ", col(d, name))).push_bind(to);
        }
    }
    if let Some(access) = query.access {
        let cut = access.cutoff(Utc::now());
        let op = if access == LastAccess::Over90 {
            "<"
        } else {
            ">="
        };
        match cut {
            Some(cut) if indexed == Indexed::Driver(Driver::Access) => {
                // The page starts from portal_account (`pa0`, see Driver::from).
                qb.push(format!(" and pa0.last_access_at {op} "))
                    .push_bind(cut);
            }
            Some(cut) => {
                qb.push(format!(
                    " and exists (select 1 from portal_account pa1 where pa1.customer_id = c.customer_id and pa1.last_access_at {op} "
                ))
                .push_bind(cut)
                .push(")");
            }
            None => {
                qb.push(
                    " and not exists (select 1 from portal_account pa1 where pa1.customer_id = c.customer_id and pa1.last_access_at is not null)",
                );
            }
        }
    }
}

pub(super) fn push_non_fts_filters(qb: &mut db::Query<'_>, b: Backend, search: &ParsedSearch) {
    push_prefixes(qb, b, search);
    if let Some(id) = search.exact_id {
        // Shown first on the first page, so it is left out of the paged rows.
        qb.push(" and c.customer_id != ").push_bind(id);
    }
}

pub(super) fn push_prefixes(qb: &mut db::Query<'_>, b: Backend, search: &ParsedSearch) {
    if let Some(ids) = &search.prefix_ids {
        let param = qb.next_param();
        qb.push(format!(" and {}", b.in_ids("c.customer_id", &param)))
            .add_arg(db::ids(ids));
    }
    // SQLite's LIKE ignores ASCII case; PostgreSQL's lower-cases both sides.
    let (open, close) = match b {
        Backend::Sqlite => ("", ""),
        Backend::Postgres => ("lower(", ")"),
    };
    for term in &search.prefixes {
        let p = like_prefix(term);
        for (i, col) in ["c.first_name", "c.last_name", "c.email"]
            .iter()
            .enumerate()
        {
            qb.push(if i == 0 { " and (" } else { " or " });
            qb.push(format!("{open}{col}{close} like {open}"))
                .push_bind(p.clone())
                .push(format!("{close} escape '\\'"));
        }
        qb.push(")");
    }
}

pub(super) fn has_text_filter(search: &ParsedSearch) -> bool {
    search.fts.is_some() || !search.prefixes.is_empty()
}

/// What a page of the list is read as: the whole [`Customer`] for the screen, or a narrower
/// row (the export's: every column read costs an allocation per row in sqlx).
/// the customer table (`c`). The list puts them after the table it walks (see [`AccessPath`]).
pub struct ListSelect {
    pub columns: &'static str,
    pub joins: &'static str,
}

/// Which index a page walks to meet its rows in order; every other condition filters the
/// rows met. Chosen per query, so a page costs what its first rows cost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum AccessPath {
    /// The customer table, along the sort column's index.
    Table,
    /// Newest/oldest first with labels every row must carry: that label's entries in
    /// `customer_label` (the least used of them), in id order.
    Label(i64),
    /// Newest/oldest first with text search on SQLite: the FTS5 trigram index's matches in
    /// rowid order, stopping at the page instead of collecting every match first.
    Text(String),
    /// A filter that matches few rows (country, gender, dates, last access): its index's
    /// matches, every other condition checked on them, sorted for the page. Walking the sort
    /// index instead would pass over about `page / share` rows to fill a page; this reads
    /// the matches once, so it is chosen when they are fewer than that (see [`drive_cap`]).
    Driven(Driver),
}

impl AccessPath {
    /// The `from` clause: the walked table, then the customer row (SQLite's `cross join`
    /// fixes the loop order; PostgreSQL's planner chooses it).
    pub(super) fn from(&self, b: Backend) -> &'static str {
        match (self, b) {
            (AccessPath::Table, _) => "customer c",
            (AccessPath::Label(_), Backend::Sqlite) => {
                "customer_label dl cross join customer c on c.customer_id = dl.customer_id"
            }
            (AccessPath::Label(_), Backend::Postgres) => {
                "customer_label dl join customer c on c.customer_id = dl.customer_id"
            }
            (AccessPath::Text(_), _) => "customer_fts f join customer c on c.customer_id = f.rowid",
            (AccessPath::Driven(d), _) => d.from(b),
        }
    }

    /// The `where` conditions: the path's own, then the filters it does not already apply.
    pub(super) fn push_where(
        &self,
        qb: &mut db::Query<'_>,
        b: Backend,
        query: &CustomerQuery,
        search: &ParsedSearch,
    ) {
        match self {
            AccessPath::Table if b == Backend::Sqlite && query.sort != SortKey::Id => {
                qb.push(" where c.deleted_at is null");
                push_status_as(qb, query, None, "+c.status");
                push_text(qb, b, search);
                push_non_fts_filters(qb, b, search);
                push_more(qb, b, query, Indexed::Sort(query.sort));
            }
            AccessPath::Table => {
                qb.push(" where c.deleted_at is null");
                push_filters(qb, b, query, search);
                push_more(qb, b, query, Indexed::None);
            }
            AccessPath::Label(label) => {
                qb.push(" where dl.label_id = ").push_bind(*label);
                qb.push(" and c.deleted_at is null");
                push_status_walking(qb, query, Some(*label));
                push_text(qb, b, search);
                push_non_fts_filters(qb, b, search);
                push_more(qb, b, query, Indexed::None);
            }
            AccessPath::Text(fts) => {
                qb.push(" where customer_fts match ").push_bind(fts.clone());
                qb.push(" and c.deleted_at is null");
                push_status(qb, query);
                push_non_fts_filters(qb, b, search);
                push_more(qb, b, query, Indexed::None);
            }
            AccessPath::Driven(driver) => {
                qb.push(" where c.deleted_at is null");
                let status = match b {
                    Backend::Sqlite => "+c.status",
                    Backend::Postgres => "c.status",
                };
                push_status_as(qb, query, None, status);
                push_text(qb, b, search);
                push_non_fts_filters(qb, b, search);
                push_more(qb, b, query, Indexed::Driver(*driver));
            }
        }
    }

    /// The id column the walk goes along when the list is in id order.
    pub(super) fn id_order(&self) -> &'static str {
        match self {
            AccessPath::Table | AccessPath::Driven(_) => "c.customer_id",
            AccessPath::Label(_) => "dl.customer_id",
            AccessPath::Text(_) => "f.rowid",
        }
    }

    /// The id column a keyset cursor compares in id order.
    pub(super) fn id_cursor(&self) -> &'static str {
        match self {
            AccessPath::Label(_) => "dl.customer_id",
            _ => "c.customer_id",
        }
    }
}

/// The access path for a query (see [`AccessPath`]).
pub(super) async fn access_path(
    conn: &mut db::Conn,
    query: &CustomerQuery,
    search: &ParsedSearch,
) -> Result<AccessPath, sqlx::Error> {
    if !has_text_filter(search) && search.exact_id.is_none() {
        if let Some((driver, few)) = smallest_driver(&mut *conn, query).await? {
            if few {
                return Ok(AccessPath::Driven(driver));
            }
        }
    }
    if query.sort != SortKey::Id {
        return Ok(AccessPath::Table);
    }
    let b = conn.backend();
    if let Some(fts) = &search.fts {
        return Ok(match b {
            Backend::Sqlite => AccessPath::Text(fts.clone()),
            // pg_trgm's GIN index yields a bitmap, not rows in id order: the planner decides.
            Backend::Postgres => AccessPath::Table,
        });
    }
    if query.labels.len() == 1 || (query.all_labels && !query.labels.is_empty()) {
        let least_used = db::query_scalar::<i64>(format!(
            "select label_id from label where {} order by used limit 1",
            b.in_ids("label_id", "$1")
        ))
        .bind(db::ids(&query.labels))
        .fetch_optional(&mut *conn)
        .await?;
        if let Some(label) = least_used {
            return Ok(AccessPath::Label(label));
        }
    }
    Ok(AccessPath::Table)
}

/// How many matches a driven page may read: about where walking the sort index costs the
/// same. A filter matching a share `m / live` of the rows fills a page of `page` rows after
/// `page * live / m` rows of the walk; reading its `m` matches costs `m`; equal at
/// `m = sqrt(page * live)` (about 7,000 for a page of 50 at a million customers).
pub(super) fn drive_cap(page: i64, live: i64) -> i64 {
    (((page.max(1) * live.max(0)) as f64).sqrt() as i64).clamp(200, 20_000)
}

/// The filter (country, gender, dates, last access) that matches fewest rows, and whether
/// that is fewer than [`drive_cap`]: each is counted from its own index and the count stops
/// there.
pub(super) async fn smallest_driver(
    conn: &mut db::Conn,
    query: &CustomerQuery,
) -> Result<Option<(Driver, bool)>, sqlx::Error> {
    let drivers = Driver::of(query);
    if drivers.is_empty() {
        return Ok(None);
    }
    let b = conn.backend();
    let live: i64 =
        db::query_scalar("select cast(coalesce(sum(live), 0) as bigint) from customer_count")
            .fetch_one(&mut *conn)
            .await?;
    let cap = drive_cap(i64::from(query.page_size()), live);
    let mut best: Option<(i64, Driver)> = None;
    for driver in drivers {
        let mut qb = if driver == Driver::Access {
            // The accounts alone (no customer row read per entry: that cost more than the
            // page; an account of a deleted customer is a rounding error here).
            db::query("select count(*) from (select 1 from portal_account pa0 where 1 = 1")
        } else {
            db::query(format!(
                "select count(*) from (select 1 from {} where c.deleted_at is null",
                driver.from(b)
            ))
        };
        // This driver's condition alone (the others are not part of its count).
        let only = CustomerQuery {
            countries: if driver == Driver::Country {
                query.countries.clone()
            } else {
                vec![]
            },
            gender: query.gender.filter(|_| driver == Driver::Gender),
            created: if driver == Driver::Created {
                query.created
            } else {
                Default::default()
            },
            updated: if driver == Driver::Updated {
                query.updated
            } else {
                Default::default()
            },
            access: query.access.filter(|_| driver == Driver::Access),
            zone: query.zone.clone(),
            ..Default::default()
        };
        push_more(&mut qb, b, &only, Indexed::Driver(driver));
        qb.push(" limit ").push_bind(cap + 1).push(") t");
        let n: i64 = qb.build_query_scalar().fetch_one(&mut *conn).await?;
        if best.is_none_or(|(m, _)| n < m) {
            best = Some((n, driver));
        }
    }
    Ok(best.map(|(n, d)| (d, n <= cap)))
}
