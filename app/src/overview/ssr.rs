//! The Overview's numbers: a few range reads of `customer_stat` (tallies kept by triggers),
//! the status counters, the labels' counts and the staff names — summed here.

use super::{LabelCount, Overview, CREATOR_DAYS, MONTHS, TOP_COUNTRIES};
use crate::db;
use crate::fmt::Zone;
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use std::collections::HashMap;

/// Every tally counted again from the tables, as its migration first counted it: for a bulk
/// load that set the triggers aside (`seed-demo`). Run after `delete from customer_stat`.
/// The net change's history is what the rows tell: each customer arrived the day it was
/// created and left the day it was deleted.
pub const RECOUNT_SQLITE: &str = "insert into customer_stat (dim, key, n)
    select 'country', country, count(*) from customer where deleted_at is null group by country
    union all
    select 'created', strftime('%Y-%m-%d %H', created_at), count(*) from customer where deleted_at is null group by 2
    union all
    select 'creator', date(created_at) || ' ' || coalesce(created_by, ''), count(*)
      from customer where deleted_at is null group by 2
    union all
    select 'net', day, sum(d) from (
        select date(created_at) as day, 1 as d from customer
        union all
        select date(deleted_at), -1 from customer where deleted_at is not null
    ) group by day
    union all
    select 'portal', case when pa.disabled_at is not null then 'disabled' when pa.password_hash is not null then 'active' when pa.invited_at is not null then 'invited' end, count(*)
      from portal_account pa join customer c on c.customer_id = pa.customer_id
     where c.deleted_at is null and case when pa.disabled_at is not null then 'disabled' when pa.password_hash is not null then 'active' when pa.invited_at is not null then 'invited' end is not null group by 2
    union all
    select 'access', strftime('%Y-%m-%d %H', pa.last_access_at), count(*)
      from portal_account pa join customer c on c.customer_id = pa.customer_id
     where c.deleted_at is null and pa.last_access_at is not null group by 2
    union all
    select 'accessed', 'all', count(*)
      from portal_account pa join customer c on c.customer_id = pa.customer_id
     where c.deleted_at is null and pa.last_access_at is not null
    having count(*) > 0";

/// [`RECOUNT_SQLITE`] for PostgreSQL.
pub const RECOUNT_POSTGRES: &str = "insert into customer_stat (dim, key, n)
    select 'country', country, count(*) from customer where deleted_at is null group by country
    union all
    select 'created', stat_hour(created_at), count(*) from customer where deleted_at is null group by 2
    union all
    select 'creator', stat_day(created_at) || ' ' || coalesce(created_by::text, ''), count(*)
      from customer where deleted_at is null group by 2
    union all
    select 'net', day, sum(d) from (
        select stat_day(created_at) as day, 1 as d from customer
        union all
        select stat_day(deleted_at), -1 from customer where deleted_at is not null
    ) h group by day
    union all
    select 'portal', portal_state(pa.disabled_at, pa.password_hash, pa.invited_at), count(*)
      from portal_account pa join customer c on c.customer_id = pa.customer_id
     where c.deleted_at is null
       and portal_state(pa.disabled_at, pa.password_hash, pa.invited_at) is not null
     group by 2
    union all
    select 'access', stat_hour(pa.last_access_at), count(*)
      from portal_account pa join customer c on c.customer_id = pa.customer_id
     where c.deleted_at is null and pa.last_access_at is not null group by 2
    union all
    select 'accessed', 'all', count(*)
      from portal_account pa join customer c on c.customer_id = pa.customer_id
     where c.deleted_at is null and pa.last_access_at is not null
    having count(*) > 0";

/// The key of an hour in the `created` and `access` tallies.
fn hour_key(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H").to_string()
}

fn day_key(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d").to_string()
}

/// The first day of the month `back` months before `d`'s.
fn month_start(d: NaiveDate, back: u32) -> NaiveDate {
    let months = d.year() * 12 + d.month0() as i32 - back as i32;
    NaiveDate::from_ymd_opt(months.div_euclid(12), months.rem_euclid(12) as u32 + 1, 1)
        .expect("the first of a month exists")
}

/// Where the reads of the time-keyed tallies start, for `now`.
struct Since {
    created: String,
    creator: String,
    net: String,
    access: String,
}

impl Since {
    fn of(now: DateTime<Utc>, zone: &Zone) -> Since {
        let first_month = month_start(zone.local(&now).date(), MONTHS as u32 - 1);
        // A day early: the reader's months start up to 14 hours before UTC's.
        let created = first_month
            .and_hms_opt(0, 0, 0)
            .expect("midnight")
            .and_utc()
            - Duration::days(1);
        Since {
            created: hour_key(created),
            creator: day_key(now - Duration::days(CREATOR_DAYS - 1)),
            net: day_key(now - Duration::days(30)),
            access: hour_key(now - Duration::days(90)),
        }
    }
}

/// Everything the page shows, at `now`, with months in `zone`.
pub async fn load(
    pool: &db::Pool,
    now: DateTime<Utc>,
    zone: &Zone,
) -> Result<Overview, sqlx::Error> {
    let since = Since::of(now, zone);
    // Seeks on the primary key (dim, key): every row but the time-keyed ones' older past.
    let rows: Vec<(String, String, i64)> = db::query_as(
        "select dim, key, n from customer_stat where dim in ('country', 'portal', 'accessed') and n <> 0
         union all select dim, key, n from customer_stat where dim = 'created' and key >= $1 and n <> 0
         union all select dim, key, n from customer_stat where dim = 'creator' and key >= $2 and n <> 0
         union all select dim, key, n from customer_stat where dim = 'net' and key > $3
         union all select dim, key, n from customer_stat where dim = 'access' and key >= $4 and n <> 0",
    )
    .bind(since.created.clone())
    .bind(since.creator.clone())
    .bind(since.net.clone())
    .bind(since.access.clone())
    .fetch_all(pool)
    .await?;
    let status: Vec<(String, i64)> =
        db::query_as("select status, cast(live as bigint) from customer_count")
            .fetch_all(pool)
            .await?;
    let labels = crate::labels::ssr::list(pool).await?;
    let staff: HashMap<String, String> = crate::staff::ssr::list(pool)
        .await?
        .into_iter()
        .map(|s| (s.id.to_string(), s.name))
        .collect();
    let mut o = summarize(&rows, now, zone, &since);
    for (s, n) in status {
        match s.as_str() {
            "active" => o.active = n,
            _ => o.inactive += n,
        }
    }
    o.total = o.active + o.inactive;
    o.portal.not_invited = o.total - o.portal.invited - o.portal.active - o.portal.disabled;
    o.access.never = o.total - (o.access.within_90 + o.access.over_90);
    o.labels = labels
        .into_iter()
        .map(|l| LabelCount {
            id: l.label_id,
            name: l.name,
            color: l.color,
            customers: l.used,
        })
        .collect();
    o.labels.sort_by_key(|l| std::cmp::Reverse(l.customers));
    for (who, _) in &mut o.creators {
        *who = match staff.get(who.as_str()) {
            Some(name) => name.clone(),
            None if who.is_empty() => "No staff member".into(),
            None => format!("Staff #{who}"),
        };
    }
    Ok(o)
}

/// The tallies' rows, summed into the page's numbers (not those from other tables:
/// totals, labels, names — `creators` still holds staff ids).
fn summarize(
    rows: &[(String, String, i64)],
    now: DateTime<Utc>,
    zone: &Zone,
    since: &Since,
) -> Overview {
    let mut o = Overview::default();
    let this_month = month_start(zone.local(&now).date(), 0);
    let months: Vec<NaiveDate> = (0..MONTHS as u32)
        .rev()
        .map(|b| month_start(this_month, b))
        .collect();
    // Each month's first hour in the reader's zone, as a key: rows are placed by comparing
    // keys (no zone arithmetic per row). A zone whose offset is not whole hours puts the
    // hour around midnight in the later month.
    let starts: Vec<String> = months
        .iter()
        .map(|m| hour_key(zone.start_of_day(*m)))
        .collect();
    let mut per_month = vec![0i64; MONTHS];
    let mut countries: Vec<(String, i64)> = Vec::new();
    let mut creators: HashMap<String, i64> = HashMap::new();
    let mut accessed = 0;
    let within = |days: i64| hour_key(now - Duration::days(days));
    let (w7, w30) = (within(7), within(30));
    for (dim, key, n) in rows {
        let n = *n;
        match dim.as_str() {
            "country" => countries.push((key.clone(), n)),
            "created" => {
                // The month whose first hour (UTC) is the last at or before this one.
                let i = starts.partition_point(|s| s.as_str() <= key.as_str());
                if i > 0 {
                    per_month[i - 1] += n;
                }
            }
            "creator" if key.as_str() >= since.creator.as_str() => {
                let who = key.split_once(' ').map(|(_, w)| w).unwrap_or_default();
                *creators.entry(who.to_string()).or_default() += n;
            }
            "net" => o.change_30d += n,
            "portal" => match key.as_str() {
                "invited" => o.portal.invited += n,
                "active" => o.portal.active += n,
                "disabled" => o.portal.disabled += n,
                _ => {}
            },
            "access" => {
                o.access.within_90 += n;
                if key.as_str() >= w30.as_str() {
                    o.access.within_30 += n;
                }
                if key.as_str() >= w7.as_str() {
                    o.access.within_7 += n;
                }
            }
            "accessed" => accessed += n,
            _ => {}
        }
    }
    o.access.over_90 = accessed - o.access.within_90;
    o.months = months.into_iter().zip(per_month).collect();
    countries.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    o.other_countries = countries.iter().skip(TOP_COUNTRIES).map(|c| c.1).sum();
    countries.truncate(TOP_COUNTRIES);
    o.countries = countries;
    let mut creators: Vec<(String, i64)> = creators.into_iter().filter(|c| c.1 > 0).collect();
    creators.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    o.creators = creators;
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(dim: &str, key: &str, n: i64) -> (String, String, i64) {
        (dim.into(), key.into(), n)
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn months_are_the_readers_and_end_with_this_one() {
        let now = at("2026-11-27T12:00:00Z");
        let zone = Zone::Named("Asia/Manila".into());
        let since = Since::of(now, &zone);
        let rows = [
            // 31 Oct 20:00 UTC is 1 Nov 04:00 in Manila.
            row("created", "2026-10-31 20", 3),
            row("created", "2026-10-31 10", 2),
            // Before the 24 months.
            row("created", "2024-11-30 10", 5),
            row("created", "2024-12-01 10", 7),
        ];
        let o = summarize(&rows, now, &zone, &since);
        assert_eq!(o.months.len(), MONTHS);
        assert_eq!(
            o.months[0],
            (NaiveDate::from_ymd_opt(2024, 12, 1).unwrap(), 7)
        );
        assert_eq!(
            o.months[22],
            (NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(), 2)
        );
        assert_eq!(
            o.months[23],
            (NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(), 3)
        );
        let utc = summarize(&rows, now, &Zone::Utc, &Since::of(now, &Zone::Utc));
        assert_eq!(utc.months[22].1, 5);
        assert_eq!(utc.months[23].1, 0);
    }

    #[test]
    fn top_countries_then_the_rest() {
        let now = at("2026-11-27T12:00:00Z");
        let since = Since::of(now, &Zone::Utc);
        let mut rows: Vec<_> = (0..12)
            .map(|i| row("country", &format!("C{i:02}"), 100 - i))
            .collect();
        rows.push(row("country", "", 1000));
        let o = summarize(&rows, now, &Zone::Utc, &since);
        assert_eq!(o.countries.len(), TOP_COUNTRIES);
        assert_eq!(o.countries[0], ("".to_string(), 1000));
        assert_eq!(o.countries[1], ("C00".to_string(), 100));
        // C09 (91), C10 (90) and C11 (89) are the rest.
        assert_eq!(o.other_countries, 91 + 90 + 89);
    }

    #[test]
    fn access_windows_are_cumulative_and_creators_count_ninety_days() {
        let now = at("2026-11-27T12:00:00Z");
        let since = Since::of(now, &Zone::Utc);
        let rows = [
            row("access", "2026-11-27 11", 1),
            row("access", "2026-11-20 13", 2),
            row("access", "2026-11-20 11", 4),
            row("access", "2026-09-01 00", 8),
            row("accessed", "all", 31),
            row("creator", "2026-11-01 3", 5),
            row("creator", "2026-11-02 ", 1),
            row("creator", "2026-08-30 3", 9),
            row("creator", "2026-08-29 3", 100),
            row("net", "2026-11-27", 4),
            row("net", "2026-11-01", -1),
            row("portal", "active", 6),
            row("portal", "invited", 2),
        ];
        let o = summarize(&rows, now, &Zone::Utc, &since);
        assert_eq!(o.access.within_7, 3);
        assert_eq!(o.access.within_30, 7);
        assert_eq!(o.access.within_90, 15);
        assert_eq!(o.access.over_90, 16);
        assert_eq!(o.creators, vec![("3".to_string(), 14), ("".to_string(), 1)]);
        assert_eq!(o.change_30d, 3);
        assert_eq!((o.portal.active, o.portal.invited), (6, 2));
    }

    #[test]
    fn month_arithmetic_crosses_years() {
        let d = NaiveDate::from_ymd_opt(2026, 2, 17).unwrap();
        assert_eq!(
            month_start(d, 0),
            NaiveDate::from_ymd_opt(2026, 2, 1).unwrap()
        );
        assert_eq!(
            month_start(d, 2),
            NaiveDate::from_ymd_opt(2025, 12, 1).unwrap()
        );
        assert_eq!(
            month_start(d, 25),
            NaiveDate::from_ymd_opt(2024, 1, 1).unwrap()
        );
    }
}
