//! `seed-demo`: realistic, deterministic demo customers, fast enough for a million.

use sqlx::{SqliteConnection, SqlitePool};

const FIRST: &[&str] = &[
    "Maria",
    "Jose",
    "Juan",
    "Ana",
    "Mark",
    "Angel",
    "John",
    "Michael",
    "Kristine",
    "Paolo",
    "James",
    "Mary",
    "Robert",
    "Patricia",
    "Jennifer",
    "David",
    "Linda",
    "William",
    "Elizabeth",
    "Oliver",
    "Amelia",
    "George",
    "Isla",
    "Harry",
    "Emily",
    "Lukas",
    "Sophie",
    "Leon",
    "Hannah",
    "Felix",
    "Lucía",
    "Hugo",
    "Martina",
    "Pablo",
    "Sofía",
    "Hiroshi",
    "Yuki",
    "Aarav",
    "Priya",
    "Chen",
    "Wei",
    "Fatima",
    "Omar",
    "Zoe",
    "Noah",
    "Liam",
    "Emma",
    "Ava",
    "Mia",
    "Ethan",
];
const LAST: &[&str] = &[
    "Santos",
    "Reyes",
    "Cruz",
    "Bautista",
    "Garcia",
    "Mendoza",
    "Torres",
    "Villanueva",
    "Ramos",
    "Aquino",
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Miller",
    "Davis",
    "Wilson",
    "Taylor",
    "Anderson",
    "Evans",
    "Thomas",
    "Roberts",
    "Walker",
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Fernández",
    "López",
    "Martínez",
    "Sánchez",
    "Pérez",
    "Tanaka",
    "Suzuki",
    "Sharma",
    "Patel",
    "Wang",
    "Li",
    "Khan",
    "O'Brien",
    "Murphy",
    "Nguyen",
    "Kim",
    "Dela Cruz",
];
const MIDDLE: &[&str] = &[
    "", "", "", "Lee", "Marie", "Ann", "James", "Clara", "Jose", "Grace",
];
const SUFFIX: &[&str] = &["", "", "", "", "", "", "", "", "Jr.", "III"];
const STREETS: &[&str] = &[
    "Rizal Ave",
    "Main St",
    "High Street",
    "Hauptstraße",
    "Calle Mayor",
    "Ayala Ave",
    "Oak Lane",
    "Market St",
];
/// (country, cities, national prefix as typed, E.164 prefix, digits after prefix)
const PLACES: &[(&str, &[&str], &str, &str, usize)] = &[
    (
        "PH",
        &["Manila", "Cebu", "Davao", "Quezon City", "Makati"],
        "0917 ",
        "+63917",
        7,
    ),
    (
        "US",
        &["San Francisco", "Austin", "Boston", "Chicago", "Seattle"],
        "(415) ",
        "+1415",
        7,
    ),
    (
        "GB",
        &["London", "Leeds", "Bristol", "Manchester"],
        "020 7946 ",
        "+44207946",
        4,
    ),
    (
        "DE",
        &["Berlin", "Hamburg", "München", "Köln"],
        "030 ",
        "+4930",
        7,
    ),
    (
        "ES",
        &["Madrid", "Barcelona", "Sevilla", "Valencia"],
        "612 ",
        "+34612",
        6,
    ),
    ("JP", &["Tokyo", "Osaka", "Kyoto"], "090-", "+8190", 8),
];

/// Demo labels: (name, colour, share of customers in per mille).
const LABELS: &[(&str, &str, u64)] = &[
    ("VIP", "#1e40af", 40),
    ("Newsletter", "#039be5", 350),
    ("Wholesale", "#fdd835", 80),
    ("Lead", "#7cb342", 200),
    ("Partner", "#5e35b1", 20),
    ("Overdue", "#e53935", 10),
    ("Prospect", "#fb8c00", 120),
    ("Referral", "#00897b", 60),
];

/// The team's shared saved view "Best clients" (the ERPat manual's group): VIP and Active.
const BEST_CLIENTS: &str = "insert into saved_view (name, name_key, owner_id, query, hidden_columns, updated_by, updated_at)
     select 'Best clients', 'best clients', null, $1, '[]', null, $2
      where not exists (select 1 from saved_view where owner_id is null and name_key = 'best clients')";

/// Its list query: the VIP label (the first demo label) and Active.
fn best_clients_query(label_ids: &[(i64, u64)]) -> String {
    format!("status=active&labels={}", label_ids[0].0)
}

/// A small deterministic generator (SplitMix64): the same data on every machine.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn pick<'a>(&mut self, items: &'a [&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn ascii_slug(s: &str) -> String {
    s.chars()
        .filter_map(|c| match c {
            'á' | 'à' => Some('a'),
            'é' => Some('e'),
            'í' => Some('i'),
            'ó' => Some('o'),
            'ú' | 'ü' => Some('u'),
            'ñ' => Some('n'),
            'ß' => Some('s'),
            c if c.is_ascii_alphanumeric() => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

/// One demo customer, as both backends' loaders write it.
struct DemoRow {
    first: &'static str,
    middle: &'static str,
    last: &'static str,
    suffix: &'static str,
    email: String,
    gender: &'static str,
    birthday: Option<chrono::NaiveDate>,
    phone: String,
    phone_e164: String,
    street: String,
    city: &'static str,
    zip: String,
    country: &'static str,
    status: &'static str,
    created: chrono::DateTime<chrono::Utc>,
    updated: chrono::DateTime<chrono::Utc>,
}

/// The demo customer with id `i` (the generator's state decides everything else).
fn demo_row(
    rng: &mut Rng,
    i: u64,
    epoch: chrono::DateTime<chrono::Utc>,
    span_secs: i64,
    genders: [&'static str; 4],
) -> DemoRow {
    let first = rng.pick(FIRST);
    let last = rng.pick(LAST);
    let (country, cities, national, e164, digits) = PLACES[rng.below(PLACES.len() as u64) as usize];
    let number = format!(
        "{:0width$}",
        rng.below(10u64.pow(digits as u32)),
        width = digits
    );
    let created = epoch + chrono::Duration::seconds(span_secs * (i as i64 % 1_000_000) / 1_000_000);
    let updated = created + chrono::Duration::seconds(rng.below(90 * 24 * 3600) as i64);
    let birthday = chrono::NaiveDate::from_ymd_opt(
        1950 + rng.below(55) as i32,
        1 + rng.below(12) as u32,
        1 + rng.below(28) as u32,
    );
    DemoRow {
        first,
        middle: rng.pick(MIDDLE),
        last,
        suffix: rng.pick(SUFFIX),
        email: format!("{}.{}.{i}@example.com", ascii_slug(first), ascii_slug(last)),
        gender: genders[rng.below(4) as usize],
        birthday,
        phone: format!("{national}{number}"),
        phone_e164: format!("{e164}{number}"),
        street: format!("{} {}", 1 + rng.below(400), rng.pick(STREETS)),
        city: rng.pick(cities),
        zip: format!("{:05}", rng.below(99_999)),
        country,
        status: if rng.below(5) == 0 {
            "inactive"
        } else {
            "active"
        },
        created,
        updated,
    }
}

/// The (customer, label) pairs for the `n` customers from id `first_id` on.
fn demo_labels(rng: &mut Rng, first_id: i64, n: u64, label_ids: &[(i64, u64)]) -> Vec<(i64, i64)> {
    let mut pairs = Vec::new();
    for k in 0..n as i64 {
        for (label_id, share) in label_ids {
            if rng.below(1000) < *share {
                pairs.push((first_id + k, *label_id));
            }
        }
    }
    pairs
}

/// Insert `count` demo customers after the existing ones. Returns how many were added.
pub async fn seed_demo(pool: &app::db::Pool, count: u64) -> Result<u64, sqlx::Error> {
    match pool {
        app::db::Pool::Sqlite(pool) => seed_sqlite(pool, count).await,
        app::db::Pool::Postgres(pool) => seed_postgres(pool, count).await,
    }
}

/// The generator's first state and the time span of the demo rows.
fn demo_start(start_id: i64) -> (Rng, chrono::DateTime<chrono::Utc>, i64) {
    let rng = Rng(0x5EED_0000 + start_id as u64);
    let epoch = chrono::DateTime::parse_from_rfc3339("2021-01-01T08:00:00Z")
        .expect("valid date")
        .with_timezone(&chrono::Utc);
    (rng, epoch, 5 * 365 * 24 * 3600)
}

const GENDERS: [&str; 4] = ["female", "male", "other", "unspecified"];

/// PostgreSQL: one transaction; for a bulk load the secondary indexes are dropped and the
/// counter triggers disabled, the rows streamed with COPY, then the indexes built once and
/// the counters recounted; the identity continues after the last id.
async fn seed_postgres(pool: &sqlx::PgPool, count: u64) -> Result<u64, sqlx::Error> {
    use sqlx::Executor;
    let mut tx = pool.begin().await?;
    // The app's write lock (db::begin_write): no app write runs while the load does.
    sqlx::query("select pg_advisory_xact_lock($1)")
        .bind(app::db::WRITE_LOCK)
        .execute(&mut *tx)
        .await?;
    let start_id: i64 = sqlx::query_scalar("select coalesce(max(customer_id), 0) from customer")
        .fetch_one(&mut *tx)
        .await?;
    let (mut rng, epoch, span_secs) = demo_start(start_id);
    let now = chrono::Utc::now();
    let mut label_ids = Vec::new();
    for (name, color, share) in LABELS {
        sqlx::query(
            "insert into label (name, name_key, color, created_at, updated_at)
             values ($1, $2, $3, $4, $4) on conflict (name_key) do nothing",
        )
        .bind(name)
        .bind(name.to_lowercase())
        .bind(color)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let id: i64 = sqlx::query_scalar("select label_id from label where name_key = $1")
            .bind(name.to_lowercase())
            .fetch_one(&mut *tx)
            .await?;
        label_ids.push((id, *share));
    }
    sqlx::query(BEST_CLIENTS)
        .bind(best_clients_query(&label_ids))
        .bind(now)
        .execute(&mut *tx)
        .await?;
    let bulk = count >= BULK_LOAD_ROWS;
    let mut indexes: Vec<String> = Vec::new();
    if bulk {
        let found: Vec<(String, String)> = sqlx::query_as(
            "select indexname::text, indexdef from pg_indexes
              where schemaname = current_schema() and tablename in ('customer', 'customer_label')
                and indexname::text not in (select conname::text from pg_constraint)",
        )
        .fetch_all(&mut *tx)
        .await?;
        for (name, def) in found {
            tx.execute(format!("drop index \"{name}\"").as_str())
                .await?;
            indexes.push(def);
        }
        tx.execute("alter table customer disable trigger user")
            .await?;
        tx.execute("alter table customer_label disable trigger user")
            .await?;
    }
    const BATCH: u64 = 20_000;
    let mut done = 0u64;
    while done < count {
        let n = BATCH.min(count - done);
        let mut csv = String::with_capacity(n as usize * 256);
        let mut pairs = Vec::new();
        for k in 0..n {
            let id = start_id as u64 + done + k + 1;
            let r = demo_row(&mut rng, id, epoch, span_secs, GENDERS);
            let fields: [&str; 22] = [
                &id.to_string(),
                r.first,
                r.middle,
                r.last,
                r.suffix,
                &r.email,
                r.gender,
                &r.birthday.map(|d| d.to_string()).unwrap_or_default(),
                &r.phone,
                &r.phone_e164,
                &r.street,
                r.city,
                "",
                &r.zip,
                r.country,
                r.status,
                "",
                "",
                "",
                &r.created.to_rfc3339(),
                &r.updated.to_rfc3339(),
                "1",
            ];
            push_csv_line(&mut csv, &fields);
            // Labels drawn after every DEMO_DRAW rows, as SQLite's loader does: the same
            // demo data on both backends.
            let drawn = k + 1;
            if drawn % DEMO_DRAW == 0 || drawn == n {
                let first = drawn - (drawn - 1) % DEMO_DRAW - 1;
                pairs.extend(demo_labels(
                    &mut rng,
                    start_id + (done + first) as i64 + 1,
                    drawn - first,
                    &label_ids,
                ));
            }
        }
        let mut copy = tx
            .copy_in_raw(
                "copy customer (customer_id, first_name, middle_name, last_name, suffix, email, gender,
                   birthday, phone, phone_e164, street, city, state, zip, country, status, contact_name,
                   contact_email, contact_phone, created_at, updated_at, version)
                 from stdin with (format csv, null '\\N')",
            )
            .await?;
        copy.send(csv.into_bytes()).await?;
        copy.finish().await?;
        if !pairs.is_empty() {
            let mut csv = String::with_capacity(pairs.len() * 16);
            for (c, l) in pairs {
                csv.push_str(&format!("{c},{l}\n"));
            }
            let mut copy = tx
                .copy_in_raw(
                    "copy customer_label (customer_id, label_id) from stdin with (format csv)",
                )
                .await?;
            copy.send(csv.into_bytes()).await?;
            copy.finish().await?;
        }
        done += n;
    }
    if bulk {
        for def in indexes {
            tx.execute(def.as_str()).await?;
        }
        tx.execute("alter table customer enable trigger user")
            .await?;
        tx.execute("alter table customer_label enable trigger user")
            .await?;
        tx.execute("delete from customer_stat").await?;
        tx.execute(app::overview::ssr::RECOUNT_POSTGRES).await?;
    }
    // The triggers were off (bulk) or counted row by row; either way recount, then let the
    // identity continue after the ids written here.
    tx.execute(
        "update customer_count set live = (select count(*) from customer c
             where c.deleted_at is null and c.status = customer_count.status)",
    )
    .await?;
    tx.execute(
        "update label set used = (select count(*) from customer_label cl
             join customer c on c.customer_id = cl.customer_id
             where cl.label_id = label.label_id and c.deleted_at is null)",
    )
    .await?;
    tx.execute(
        "select setval(pg_get_serial_sequence('customer', 'customer_id'),
                       greatest((select max(customer_id) from customer), 1))",
    )
    .await?;
    tx.commit().await?;
    if bulk {
        // VACUUM as well as ANALYZE, as after any bulk load: the visibility map lets the
        // prefix and label counts read their indexes alone, and the rows' hint bits are set
        // once here instead of by the first queries that read them.
        let _ = pool.execute("vacuum (analyze) customer").await;
        let _ = pool.execute("vacuum (analyze) customer_label").await;
    }
    Ok(done)
}

/// One CSV line: empty birthday fields are NULL (`\N`), every other field is quoted.
fn push_csv_line(out: &mut String, fields: &[&str]) {
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        if i == 7 && f.is_empty() {
            out.push_str("\\N");
            continue;
        }
        out.push('"');
        out.push_str(&f.replace('"', "\"\""));
        out.push('"');
    }
    out.push('\n');
}

async fn seed_sqlite(pool: &SqlitePool, count: u64) -> Result<u64, sqlx::Error> {
    let start_id: i64 = sqlx::query_scalar("select coalesce(max(customer_id), 0) from customer")
        .fetch_one(pool)
        .await?;
    let (mut rng, epoch, span_secs) = demo_start(start_id);
    let genders = GENDERS;

    let mut conn = pool.acquire().await?;
    sqlx::query("begin immediate").execute(&mut *conn).await?;
    // A large page cache for the index builds of a bulk load (back to the default after).
    sqlx::query("pragma cache_size = -262144")
        .execute(&mut *conn)
        .await?;
    let filled = fill(
        &mut conn, count, start_id, &mut rng, epoch, span_secs, genders,
    )
    .await;
    sqlx::query("pragma cache_size = -2000")
        .execute(&mut *conn)
        .await?;
    match filled {
        Ok(done) => {
            sqlx::query("commit").execute(&mut *conn).await?;
            Ok(done)
        }
        Err(e) => {
            let _ = sqlx::query("rollback").execute(&mut *conn).await;
            Err(e)
        }
    }
}

/// Demo labels are drawn for every this many rows, on both backends (one generator, so the
/// same data).
const DEMO_DRAW: u64 = 500;

/// Above this many new rows, indexes and counter triggers are dropped for the load and
/// rebuilt after it (sorting once beats a million random index inserts).
pub const BULK_LOAD_ROWS: u64 = 20_000;

/// The schema objects set aside during a bulk load: every index and trigger on the loaded
/// tables except the full-text ones (whose trigger feeds the FTS index row by row either way).
async fn set_aside(conn: &mut SqliteConnection) -> Result<Vec<String>, sqlx::Error> {
    let objects: Vec<(String, String, String)> = sqlx::query_as(
        "select type, name, sql from sqlite_master
         where tbl_name in ('customer', 'customer_label') and type in ('index', 'trigger')
           and sql is not null and name not like 'customer_fts%'",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut recreate = Vec::new();
    for (kind, name, sql) in objects {
        sqlx::query(&format!("drop {kind} \"{name}\""))
            .execute(&mut *conn)
            .await?;
        recreate.push(sql);
    }
    Ok(recreate)
}

/// Put the set-aside indexes and triggers back and recount what the triggers would have
/// counted.
async fn restore(conn: &mut SqliteConnection, sql: Vec<String>) -> Result<(), sqlx::Error> {
    for statement in sql {
        sqlx::query(&statement).execute(&mut *conn).await?;
    }
    sqlx::query(
        "update customer_count set live = (select count(*) from customer c
             where c.deleted_at is null and c.status = customer_count.status)",
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "update label set used = (select count(*) from customer_label cl
             join customer c on c.customer_id = cl.customer_id
             where cl.label_id = label.label_id and c.deleted_at is null)",
    )
    .execute(&mut *conn)
    .await?;
    // The Overview's tallies, whose triggers were set aside too.
    sqlx::query("delete from customer_stat")
        .execute(&mut *conn)
        .await?;
    sqlx::query(app::overview::ssr::RECOUNT_SQLITE)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

async fn fill(
    conn: &mut SqliteConnection,
    count: u64,
    start_id: i64,
    rng: &mut Rng,
    epoch: chrono::DateTime<chrono::Utc>,
    span_secs: i64,
    genders: [&'static str; 4],
) -> Result<u64, sqlx::Error> {
    const BATCH: u64 = DEMO_DRAW;
    const COLS: &str =
        "(first_name, middle_name, last_name, suffix, email, gender, birthday, phone, \
        phone_e164, street, city, state, zip, country, status, contact_name, contact_email, \
        contact_phone, created_at, updated_at, version)";
    let set_aside_sql = if count >= BULK_LOAD_ROWS {
        Some(set_aside(&mut *conn).await?)
    } else {
        None
    };
    let now = chrono::Utc::now();
    let mut label_ids = Vec::new();
    for (name, color, share) in LABELS {
        sqlx::query(
            "insert or ignore into label (name, name_key, color, created_at, updated_at)
             values ($1, $2, $3, $4, $4)",
        )
        .bind(name)
        .bind(name.to_lowercase())
        .bind(color)
        .bind(now)
        .execute(&mut *conn)
        .await?;
        let id: i64 = sqlx::query_scalar("select label_id from label where name_key = $1")
            .bind(name.to_lowercase())
            .fetch_one(&mut *conn)
            .await?;
        label_ids.push((id, *share));
    }
    sqlx::query(BEST_CLIENTS)
        .bind(best_clients_query(&label_ids))
        .bind(now)
        .execute(&mut *conn)
        .await?;
    let mut done = 0u64;
    while done < count {
        let n = BATCH.min(count - done);
        let rows: Vec<DemoRow> = (0..n)
            .map(|k| {
                demo_row(
                    rng,
                    start_id as u64 + done + k + 1,
                    epoch,
                    span_secs,
                    genders,
                )
            })
            .collect();
        let mut qb =
            sqlx::QueryBuilder::<sqlx::Sqlite>::new(format!("insert into customer {COLS} "));
        qb.push_values(rows, |mut b, r| {
            b.push_bind(r.first)
                .push_bind(r.middle)
                .push_bind(r.last)
                .push_bind(r.suffix)
                .push_bind(r.email)
                .push_bind(r.gender)
                .push_bind(r.birthday)
                .push_bind(r.phone)
                .push_bind(r.phone_e164)
                .push_bind(r.street)
                .push_bind(r.city)
                .push_bind("")
                .push_bind(r.zip)
                .push_bind(r.country)
                .push_bind(r.status)
                .push_bind("")
                .push_bind("")
                .push_bind("")
                .push_bind(r.created)
                .push_bind(r.updated)
                .push_bind(1i64);
        });
        qb.build().execute(&mut *conn).await?;
        // Labels for the batch just inserted (ids follow on from start_id).
        let pairs = demo_labels(rng, start_id + done as i64 + 1, n, &label_ids);
        if !pairs.is_empty() {
            let mut qb = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
                "insert into customer_label (customer_id, label_id) ",
            );
            qb.push_values(pairs, |mut b, (c, l)| {
                b.push_bind(c).push_bind(l);
            });
            qb.build().execute(&mut *conn).await?;
        }
        done += n;
    }
    if let Some(sql) = set_aside_sql {
        restore(&mut *conn, sql).await?;
    }
    Ok(done)
}
