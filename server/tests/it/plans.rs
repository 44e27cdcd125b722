//! The list's SQLite plans do not depend on statistics: with none (a new database) and with
//! those a full `ANALYZE` wrote for the 1 M-customer benchmark database, every sort walks its
//! own index (no sort of the whole table), so a page costs what its rows cost. (On
//! PostgreSQL the planner's choices are benchmarked instead.)

use super::common::*;
use app::customers::list::{CustomerQuery, SortKey};
use app::customers::model::Status;
use app::db;

/// `sqlite_stat1` after `ANALYZE` of the benchmark's 1 M-customer database (BENCHMARKS.md).
const BENCH_STATS: &[(&str, &str, &str)] = &[
    ("customer", "", "1000000"),
    ("customer", "customer_live_updated_idx", "1000000 1 1"),
    ("customer", "customer_live_created_idx", "1000000 1 1"),
    ("customer", "customer_live_status_idx", "1000000 500000 1"),
    ("customer", "customer_live_country_idx", "1000000 166667 1"),
    ("customer", "customer_live_email_idx", "1000000 1 1"),
    ("customer", "customer_live_last_idx", "1000000 21740 1"),
    ("customer", "customer_live_first_idx", "1000000 20000 1"),
    ("customer", "customer_email_live_uq", "1000000 1"),
    (
        "customer_label",
        "customer_label_label_idx",
        "875478 109435 1",
    ),
    ("customer_label", "customer_label", "875478 2 1"),
    ("label", "label_name_key_uq", "8 1"),
    ("customer_fts_docsize", "", "1000000"),
    ("customer_fts_idx", "customer_fts_idx", "4733 365 1"),
    ("customer_fts_data", "", "60856"),
];

/// A pool that reads the statistics as they are now (opened without the app's
/// `pragma optimize`, which would sample new ones).
async fn raw_pool(url: &str) -> db::Pool {
    sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .connect(url)
        .await
        .unwrap()
        .into()
}

fn index_of(sort: SortKey) -> &'static str {
    match sort {
        SortKey::FirstName => "customer_live_first_idx",
        SortKey::LastName => "customer_live_last_idx",
        SortKey::Email => "customer_live_email_idx",
        SortKey::Country => "customer_live_country_idx",
        SortKey::Status => "customer_live_status_idx",
        SortKey::Created => "customer_live_created_idx",
        SortKey::Updated => "customer_live_updated_idx",
        SortKey::Id => "",
    }
}

#[tokio::test]
async fn every_sort_walks_its_index_with_and_without_statistics() {
    if on_postgres() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database_url(&dir).await;
    let pool = server::connect(&url).await.unwrap();
    server::seed::seed_demo(&pool, 300).await.unwrap();
    let vip: i64 = db::query_scalar("select label_id from label where name = 'VIP'")
        .fetch_one(&pool)
        .await
        .unwrap();
    pool.close().await;
    let select = app::customers::ssr::list_select(db::Backend::Sqlite);
    let sorts = [
        SortKey::FirstName,
        SortKey::LastName,
        SortKey::Email,
        SortKey::Country,
        SortKey::Status,
        SortKey::Created,
        SortKey::Updated,
    ];
    let mut plans: Vec<std::collections::BTreeMap<String, String>> = Vec::new();
    let mut wrong = Vec::new();
    for analyzed in [false, true] {
        let mut these = std::collections::BTreeMap::new();
        let raw = raw_pool(&url).await;
        db::query("delete from sqlite_stat1")
            .execute(&raw)
            .await
            .unwrap();
        if analyzed {
            for (tbl, idx, stat) in BENCH_STATS {
                db::query(
                    "insert into sqlite_stat1 (tbl, idx, stat) values ($1, nullif($2, ''), $3)",
                )
                .bind(*tbl)
                .bind(*idx)
                .bind(*stat)
                .execute(&raw)
                .await
                .unwrap();
            }
        }
        raw.close().await;
        let raw = raw_pool(&url).await;
        for sort in sorts {
            for desc in [false, true] {
                for (what, status, q, labels) in [
                    ("all", None, "", vec![]),
                    ("inactive", Some(Status::Inactive), "", vec![]),
                    ("a label", None, "", vec![vip]),
                    ("a search", None, "santos", vec![]),
                    ("a prefix", None, "jo", vec![]),
                ] {
                    let query = CustomerQuery {
                        sort,
                        desc: Some(desc),
                        status,
                        q: q.into(),
                        labels,
                        size: 50,
                        ..Default::default()
                    };
                    let plan = app::customers::search::explain_first_page(&raw, &query, select)
                        .await
                        .unwrap()
                        .join(" / ");
                    let case = format!("{sort:?} desc={desc}, {what}");
                    // A search collects its matches (FTS5) and sorts them; everything else
                    // walks the sort's index and stops at the page.
                    let walks =
                        plan.contains(index_of(sort)) && !plan.contains("TEMP B-TREE FOR ORDER BY");
                    if q.is_empty() && !walks {
                        wrong.push(format!(
                            "{case} ({}): {plan}",
                            if analyzed {
                                "with statistics"
                            } else {
                                "without"
                            }
                        ));
                    }
                    these.insert(case, plan);
                }
            }
        }
        plans.push(these);
        raw.close().await;
    }
    for (case, without) in &plans[0] {
        let with = &plans[1][case];
        if with != without {
            wrong.push(format!("{case}: without statistics {without}; with {with}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
