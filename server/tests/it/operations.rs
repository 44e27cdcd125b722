//! What operators rely on (issue #15): readiness for a load balancer, online backups that
//! restore to a consistent database, and a copy of the database before it is migrated.

use crate::common::*;
use std::sync::atomic::Ordering;

async fn readyz(app: &TestApp) -> (u16, serde_json::Value) {
    let res = app.client.get(app.url("/readyz")).send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap())
}

#[tokio::test]
async fn readyz_says_whether_database_migrations_and_mail_worker_are_ready() {
    let app = spawn_app().await;
    // No mail worker yet (tests start none).
    let (status, body) = readyz(&app).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["database"], "ok");
    assert_eq!(body["migrations"], "ok");
    assert_eq!(body["mail_worker"], "not started");
    // A worker that went round its loop just now.
    app.mail_beat
        .store(chrono::Utc::now().timestamp(), Ordering::Relaxed);
    let (status, body) = readyz(&app).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["ready"], true);
    // One that has not for two minutes.
    app.mail_beat
        .store(chrono::Utc::now().timestamp() - 120, Ordering::Relaxed);
    let (status, body) = readyz(&app).await;
    assert_eq!(
        (status, body["mail_worker"].as_str()),
        (503, Some("stalled"))
    );
    // A migration this binary carries is not applied.
    app.mail_beat
        .store(chrono::Utc::now().timestamp(), Ordering::Relaxed);
    app::db::query(
        "delete from _sqlx_migrations where version = (select max(version) from _sqlx_migrations)",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    let (status, body) = readyz(&app).await;
    assert_eq!(
        (status, body["migrations"].as_str()),
        (503, Some("pending"))
    );
    // The checks' write left nothing behind and /healthz is unaffected.
    let res = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(res.status(), 200);
}

/// Counters and indexes agree with the rows: what a restored database must show.
async fn consistent(pool: &app::db::Pool) {
    let check: String = app::db::query_scalar("pragma integrity_check")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(check, "ok");
    let wrong_counts: i64 = app::db::query_scalar(
        "select count(*) from customer_count k
          where k.live != (select count(*) from customer c
                            where c.deleted_at is null and c.status = k.status)",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(wrong_counts, 0, "status counters");
    let wrong_usage: i64 = app::db::query_scalar(
        "select count(*) from label l
          where l.used != (select count(*) from customer_label cl
                            join customer c on c.customer_id = cl.customer_id
                           where cl.label_id = l.label_id and c.deleted_at is null)",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(wrong_usage, 0, "label usage");
    let (rows, indexed): (i64, i64) = app::db::query_as(
        "select (select count(*) from customer), (select count(*) from customer_fts)",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(rows, indexed, "every customer in the search index");
}

#[tokio::test]
async fn a_backup_taken_under_write_load_restores_to_a_consistent_database() {
    if on_postgres() {
        // pg_dump's own consistency is PostgreSQL's to prove; the command is documented.
        return;
    }
    let app = spawn_app().await;
    let staff = app.staff_cookies().await;
    server::seed::seed_demo(&app.pool, 3_000).await.unwrap();
    // Writers keep going while the copy is taken.
    let writers: Vec<_> = (0..40)
        .map(|i| {
            tokio::spawn(app.detached_call(
                &staff.sales,
                "create_customer",
                serde_json::json!({ "input": customer_json(&format!("during-backup-{i}@example.com")) }),
            ))
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("customers-backup.db");
    server::backup::backup(&app.pool, &app.db_url, &copy)
        .await
        .unwrap();
    for w in writers {
        assert_eq!(w.await.unwrap().0, 200);
    }
    // A second backup to the same file is refused (never overwritten).
    assert!(server::backup::backup(&app.pool, &app.db_url, &copy)
        .await
        .is_err());
    // Restored = opened by the app as its database.
    let restored = server::connect(&format!("sqlite://{}", copy.display()))
        .await
        .unwrap();
    consistent(&restored).await;
    let n: i64 = app::db::query_scalar("select count(*) from customer")
        .fetch_one(&restored)
        .await
        .unwrap();
    assert!((3_000..=3_040).contains(&n), "{n}");
}

#[tokio::test]
async fn new_migrations_on_a_database_with_data_are_preceded_by_a_copy_of_it() {
    if on_postgres() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("old.db");
    let url = format!("sqlite://{}?mode=rwc", file.display());
    // The database as the previous release left it: every migration but the newest.
    let all: Vec<_> =
        std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../migrations/sqlite"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
    let mut files = all.clone();
    files.sort();
    let newest = files.pop().unwrap();
    let older = tempfile::tempdir().unwrap();
    for f in &files {
        std::fs::copy(f, older.path().join(f.file_name().unwrap())).unwrap();
    }
    {
        let pool = sqlx::sqlite::SqlitePool::connect(&url).await.unwrap();
        sqlx::migrate::Migrator::new(older.path())
            .await
            .unwrap()
            .run(&pool)
            .await
            .unwrap();
        sqlx::query(
            "insert into customer (first_name, last_name, email, created_at, updated_at, version)
             values ('Old', 'Data', 'old@example.com', '2025-01-01 00:00:00+00:00', '2025-01-01 00:00:00+00:00', 1)",
        )
        .execute(&pool)
        .await
        .unwrap();
        pool.close().await;
    }
    let pool = server::connect(&url).await.unwrap();
    let copies: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with("old.db.before-") && n.ends_with(".bak"))
        .collect();
    assert_eq!(copies.len(), 1, "{copies:?}");
    let version: i64 = newest.file_name().unwrap().to_str().unwrap()[..4]
        .parse()
        .unwrap();
    assert!(
        copies[0].starts_with(&format!("old.db.before-{version:04}-")),
        "{copies:?}"
    );
    // The copy is the database before the migration; the database itself is migrated.
    let copy = sqlx::sqlite::SqlitePool::connect(&format!(
        "sqlite://{}",
        dir.path().join(&copies[0]).display()
    ))
    .await
    .unwrap();
    let (in_copy, customers): (i64, i64) = sqlx::query_as(
        "select (select max(version) from _sqlx_migrations), (select count(*) from customer)",
    )
    .fetch_one(&copy)
    .await
    .unwrap();
    assert_eq!((in_copy, customers), (version - 1, 1));
    let now: i64 = app::db::query_scalar("select max(version) from _sqlx_migrations")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(now, version);
    // Opening it again (nothing pending) makes no further copy; a new database gets none.
    pool.close().await;
    server::connect(&url).await.unwrap().close().await;
    server::connect(&format!("sqlite://{}", dir.path().join("new.db").display()))
        .await
        .unwrap();
    let n = std::fs::read_dir(dir.path())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .contains(".bak")
        })
        .count();
    assert_eq!(n, 1);
}

/// A small filesystem of its own (tmpfs; needs root), unmounted when dropped.
struct SmallDisk(tempfile::TempDir);

impl SmallDisk {
    fn mount(megabytes: u32) -> Option<SmallDisk> {
        let dir = tempfile::tempdir().unwrap();
        let ok = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={megabytes}m"), "tmpfs"])
            .arg(dir.path())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        ok.then_some(SmallDisk(dir))
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(self.0.path())
            .status();
    }
}

#[tokio::test]
async fn a_full_disk_refuses_writes_clearly_keeps_reads_working_and_recovers() {
    if on_postgres() {
        return;
    }
    let Some(disk) = SmallDisk::mount(24) else {
        eprintln!("skipped: cannot mount a small filesystem here (needs root)");
        return;
    };
    let url = format!("sqlite://{}", disk.0.path().join("full.db").display());
    let app = spawn_app_at(url).await;
    let staff = app.staff_cookies().await;
    let create = |i: usize| {
        app.detached_call(
            &staff.sales,
            "create_customer",
            serde_json::json!({ "input": customer_json(&format!("disk-{i}@example.com")) }),
        )
    };
    let (status, body) = create(0).await;
    assert_eq!(status, 200, "{body}");
    let id = body["customer_id"].as_i64().unwrap();
    // Fill the disk.
    let filler = disk.0.path().join("filler");
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&filler).unwrap();
        let chunk = vec![7u8; 64 * 1024];
        while f.write_all(&chunk).is_ok() {}
        let _ = f.sync_all();
    }
    // Writes fail — with the message that says why, and a 503 — once the little room left
    // in the files is used up.
    let mut refused = None;
    for i in 1..400 {
        let (status, body) = create(i).await;
        if status != 200 {
            refused = Some((status, body));
            break;
        }
    }
    let (status, body) = refused.expect("a write was refused on a full disk");
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["kind"], "StorageUnavailable", "{body}");
    // Reads keep working.
    let (status, body) = app
        .call(
            &staff.support,
            "get_customer",
            serde_json::json!({ "id": id }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = app
        .call(
            &staff.support,
            "list_customers",
            serde_json::json!({ "query": {} }),
        )
        .await;
    assert_eq!(status, 200);
    // Readiness answers (whether a one-row write still fits depends on the room SQLite's
    // files keep; the disk is not what /readyz measures).
    let (status, _) = readyz(&app).await;
    assert!(status == 200 || status == 503, "{status}");
    // Space comes back: so do writes, and the database is sound.
    std::fs::remove_file(&filler).unwrap();
    let (status, body) = create(1000).await;
    assert_eq!(status, 200, "{body}");
    consistent(&app.pool).await;
}

#[tokio::test]
async fn a_read_only_database_refuses_writes_clearly_and_keeps_reads_working() {
    // A database file the server can only read (a restored copy owned by another user, a
    // filesystem the kernel remounted read-only after an error): SQLite answers every write
    // with SQLITE_READONLY. As root a file's mode does not stop writes, so the second
    // instance opens the same file read-only (`mode=ro`), which is what SQLite falls back to.
    if on_postgres() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ro.db");
    let writable = spawn_app_at(format!("sqlite://{}", file.display())).await;
    let staff = writable.staff_cookies().await;
    let (status, body) = writable
        .call(
            &staff.sales,
            "create_customer",
            serde_json::json!({ "input": customer_json("before@example.com") }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let id = body["customer_id"].as_i64().unwrap();
    let read_only = spawn_app_at(format!("sqlite://{}?mode=ro", file.display())).await;
    let count = |app: &TestApp| {
        let pool = app.pool.clone();
        async move {
            let app::db::Pool::Sqlite(p) = &pool else {
                unreachable!()
            };
            sqlx::query_scalar::<_, i64>("select count(*) from customer")
                .fetch_one(p)
                .await
                .unwrap()
        }
    };
    let before = count(&writable).await;
    for (name, args) in [
        (
            "create_customer",
            serde_json::json!({ "input": customer_json("after@example.com") }),
        ),
        ("delete_customer", serde_json::json!({ "id": id })),
    ] {
        let (status, body) = read_only.call(&staff.sales, name, args).await;
        assert_eq!(status, 503, "{name}: {body}");
        assert_eq!(body["kind"], "StorageUnavailable", "{name}: {body}");
        // The kind is all that goes out (the page words it); never the database's text.
        assert!(!body.to_string().contains("readonly"), "{body}");
    }
    assert_eq!(count(&writable).await, before, "nothing written");
    let (status, body) = read_only
        .call(
            &staff.support,
            "get_customer",
            serde_json::json!({ "id": id }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = read_only
        .call(
            &staff.support,
            "list_customers",
            serde_json::json!({ "query": {} }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let html = read_only
        .client
        .get(read_only.url(&format!("/customers/{id}")))
        .header("cookie", &staff.support)
        .send()
        .await
        .unwrap();
    assert_eq!(html.status(), 200);
    let (status, _) = readyz(&read_only).await;
    assert_eq!(status, 503, "a read-only instance is not ready");
    // The writable instance and the file are unharmed.
    let (status, body) = writable
        .call(
            &staff.sales,
            "create_customer",
            serde_json::json!({ "input": customer_json("later@example.com") }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    consistent(&writable.pool).await;
}
