//! Upgrades from every earlier schema: for every migration directory of each backend there is a
//! committed fixture, `tests/fixtures/upgrades/<backend>/<migration>.sql`, holding representative
//! rows (entries, a reversal, a receipt, log leaves and checkpoints, users, a round) as they are
//! at that migration. The test migrates a new database up to that migration, loads the fixture,
//! migrates to the latest, and checks the rows are all there and the log verifies (before the
//! transparency log existed, entries have no leaves: `verify` names exactly those).
//!
//! A migration without its fixture fails the test, naming it. Make the fixtures of every
//! migration (a new one included) with
//! `VL_WRITE_UPGRADE_FIXTURES=1 cargo test --test api upgrades::write_fixtures -- --ignored --exact`:
//! it builds the county through the app at the latest schema, then writes, for each migration,
//! the rows of the tables and columns that exist at it (read from a database migrated to it).
//! Commit the new files with the migration; the fixtures of earlier migrations must not change.

use std::path::{Path, PathBuf};

use diesel::connection::SimpleConnection;
use diesel::migration::{Migration, MigrationConnection, MigrationSource};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use diesel_migrations::{FileBasedMigrations, MigrationHarness};
use serde_json::json;

use crate::support::*;

const BACKENDS: [&str; 2] = ["sqlite", "postgres"];
/// The migration that created the transparency log.
const LOG_MIGRATION: &str = "2026-11-27-000004_transparency_log";
/// The receipt scan of the fixtures (its original is put into the store by the test).
const SCAN: &str = "receipts-fixtures/scan-flatbed.png";
const TABLES_COUNTED: [&str; 6] = [
    "entries",
    "users",
    "inspections",
    "receipts",
    "log_leaves",
    "log_checkpoints",
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixtures() -> PathBuf {
    root().join("tests/fixtures/upgrades")
}

/// The migration directories of a backend, oldest first.
fn migration_names(backend: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root().join("migrations").join(backend))
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.path().join("up.sql").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Runs the migrations of `backend` on `conn` in order, up to and including `upto` (all: `None`).
fn migrate<C, DB>(conn: &mut C, backend: &str, from: Option<&str>, upto: Option<&str>)
where
    DB: diesel::backend::Backend,
    C: MigrationHarness<DB> + MigrationConnection,
    FileBasedMigrations: MigrationSource<DB>,
{
    conn.setup().unwrap();
    let source = FileBasedMigrations::from_path(root().join("migrations").join(backend)).unwrap();
    let mut all: Vec<Box<dyn Migration<DB>>> = MigrationSource::<DB>::migrations(&source).unwrap();
    all.sort_by_key(|m| m.name().to_string());
    for m in all {
        let name = m.name().to_string();
        if from.is_some_and(|f| name.as_str() <= f) {
            continue;
        }
        conn.run_migration(&*m)
            .unwrap_or_else(|e| panic!("migration {name}: {e}"));
        if upto == Some(name.as_str()) {
            break;
        }
    }
}

#[derive(QueryableByName)]
struct N {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct Line {
    #[diesel(sql_type = Text)]
    line: String,
}

/// `-- expect table=N …` of a fixture.
fn expected_counts(sql: &str) -> Vec<(String, i64)> {
    sql.lines()
        .find_map(|l| l.strip_prefix("-- expect "))
        .unwrap_or("")
        .split_whitespace()
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.parse().unwrap()))
        .collect()
}

fn count(conn: &mut village_ledger::db::DbConn, table: &str) -> i64 {
    diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
        .get_result::<N>(conn)
        .map(|r| r.n)
        .unwrap_or(0)
}

/// A data dir holding the fixtures' log key and the receipt original.
fn data_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(fixtures().join("log-key.pem"), dir.path().join("log-key.pem")).unwrap();
    let store = village_ledger::receipts::ReceiptStore::new(dir.path().join("receipts")).unwrap();
    let bytes = std::fs::read(root().join(SCAN)).unwrap();
    use sha2::Digest;
    let sha: String = sha2::Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let (mut file, tmp) = store.temp_upload().unwrap();
    std::io::Write::write_all(&mut file, &bytes).unwrap();
    drop(file);
    store.commit_upload(tmp, &sha).unwrap();
    dir
}

/// Loads `fixture` at `migration`, migrates to the latest and checks rows and log.
fn upgrade_and_check(conn: &mut village_ledger::db::DbConn, migration: &str, fixture: &str, dir: &Path) {
    conn.batch_execute(fixture)
        .unwrap_or_else(|e| panic!("fixture {migration}: {e}"));
    match conn {
        village_ledger::db::DbConn::Sqlite(c) => migrate(c, "sqlite", Some(migration), None),
        village_ledger::db::DbConn::Pg(c) => migrate(c, "postgres", Some(migration), None),
    }
    assert!(
        village_ledger::db::migrations_applied(conn),
        "{migration}: not at the latest"
    );
    for (table, n) in expected_counts(fixture) {
        assert_eq!(count(conn, &table), n, "{migration}: rows of {table} after the upgrade");
    }
    let signer =
        village_ledger::tlog::checkpoint::LogSigner::open(&dir.join("log-key.pem"), "village-ledger.local/ledger")
            .unwrap();
    let store = village_ledger::receipts::ReceiptStore::new(dir.join("receipts")).unwrap();
    let report = village_ledger::verify::verify(conn, &signer, &store).unwrap();
    if migration >= LOG_MIGRATION {
        assert!(report.problems.is_empty(), "{migration}: {:?}", report.problems);
    } else {
        // Before the log, entries and month closes were not logged; the upgrade leaves them
        // so, and that is all `verify` may name.
        let other: Vec<_> = report
            .problems
            .iter()
            .filter(|p| !matches!(p.key(), "verify-entry-unlogged" | "verify-close-unlogged"))
            .collect();
        assert!(other.is_empty(), "{migration}: {other:?}");
    }
}

#[actix_web::test]
async fn every_migration_has_fixtures_that_upgrade_to_the_latest_and_verify() {
    let mut missing = Vec::new();
    for backend in BACKENDS {
        for migration in migration_names(backend) {
            let path = fixtures().join(backend).join(format!("{migration}.sql"));
            let Ok(fixture) = std::fs::read_to_string(&path) else {
                missing.push(format!("{backend}/{migration}"));
                continue;
            };
            let dir = data_dir();
            let Some(mut conn) = fresh_database(backend, dir.path()).await else {
                continue;
            };
            match &mut conn.0 {
                village_ledger::db::DbConn::Sqlite(c) => migrate(c, backend, None, Some(&migration)),
                village_ledger::db::DbConn::Pg(c) => migrate(c, backend, None, Some(&migration)),
            }
            upgrade_and_check(&mut conn.0, &migration, &fixture, dir.path());
        }
    }
    assert!(
        missing.is_empty(),
        "migrations without an upgrade fixture (tests/fixtures/upgrades/<backend>/<migration>.sql): {}; make them with \
         VL_WRITE_UPGRADE_FIXTURES=1 cargo test --test api upgrades::write_fixtures -- --ignored --exact",
        missing.join(", ")
    );
}

/// A new empty database of `backend` (PostgreSQL: one of a [`TestApp`] kept alive with it).
async fn fresh_database(backend: &str, dir: &Path) -> Option<(village_ledger::db::DbConn, Option<TestApp>)> {
    if backend == "sqlite" {
        let conn = diesel::SqliteConnection::establish(dir.join("ledger.db").to_str().unwrap()).unwrap();
        return Some((village_ledger::db::DbConn::Sqlite(conn), None));
    }
    let app = fresh_postgres().await?;
    let url = app.database_url();
    let conn = diesel::PgConnection::establish(&url).unwrap();
    Some((village_ledger::db::DbConn::Pg(conn), Some(app)))
}

/// An empty PostgreSQL database without any migration applied.
async fn fresh_postgres() -> Option<TestApp> {
    let app = TestApp::postgres_empty().await?;
    let mut conn = app.conn();
    conn.batch_execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
        .unwrap();
    drop(conn);
    Some(app)
}

// ---------------------------------------------------------------------------------------------
// Writing the fixtures
// ---------------------------------------------------------------------------------------------

/// The county of the fixtures, built through the app: entries, a reversal, a month close, a
/// receipt, an inspection round, and a signed checkpoint. Only roles every schema allows.
async fn fixture_county() -> TestApp {
    let app = TestApp::new().await;
    let mut ids = Vec::new();
    for i in 0..3 {
        let e = app
            .post_entry(V1A, expense(&format!("U-{i}"), "2024-03-12", 95_000 + i))
            .await;
        ids.push(e["id"].as_str().unwrap().to_owned());
    }
    app.post_entry(V1B, income("U-9", "2024-03-15", 1_200_000)).await;
    let res = app
        .post(
            "clerk1",
            &format!("/api/v1/entries/{}/reversal", ids[2]),
            json!({"reason": "记错金额"}),
        )
        .await;
    assert_eq!(res.status.as_u16(), 201, "{}", res.text());
    let res = app
        .post(
            "clerk1",
            &format!("/api/v1/villages/{V1A}/periods/2024-03/close"),
            json!({}),
        )
        .await;
    assert!(res.status.is_success(), "{}", res.text());
    let today = chrono::Utc::now().date_naive();
    let round = json!({"name": "2026年第一轮交叉巡察", "inspectors": ["inspector"], "townships": [T1],
        "villages": [], "starts_on": (today - chrono::Duration::days(1)).to_string(),
        "ends_on": (today + chrono::Duration::days(30)).to_string()});
    let res = app.post("admin", "/api/v1/inspections", round).await;
    assert_eq!(res.status.as_u16(), 201, "{}", res.text());
    sign(&app);
    // The receipt comes last: a schema before receipts holds the log up to its leaf.
    let bytes = std::fs::read(root().join(SCAN)).unwrap();
    let res = upload_receipt(&app, "clerk1", &ids[0], "scan.png", &bytes).await;
    assert_eq!(res.status.as_u16(), 201, "{}", res.text());
    sign(&app);
    app
}

fn sign(app: &TestApp) {
    let mut conn = app.conn();
    village_ledger::db::write_transaction(&mut conn, |c| {
        village_ledger::tlog::checkpoint::checkpoint_now(c, &app.state.log)
    })
    .unwrap();
}

/// Tables and (column, declared type) of a SQLite database migrated to `migration`, in the
/// order they were created.
fn schema_at(migration: &str) -> Vec<(String, Vec<(String, String)>)> {
    #[derive(QueryableByName)]
    struct Name {
        #[diesel(sql_type = Text)]
        name: String,
    }
    #[derive(QueryableByName)]
    struct Column {
        #[diesel(sql_type = Text)]
        name: String,
        #[diesel(sql_type = Text)]
        ty: String,
    }
    let dir = tempfile::tempdir().unwrap();
    let mut conn = diesel::SqliteConnection::establish(dir.path().join("s.db").to_str().unwrap()).unwrap();
    migrate(&mut conn, "sqlite", None, Some(migration));
    let tables: Vec<Name> = diesel::sql_query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
         AND name NOT IN ('__diesel_schema_migrations', 'accounts', 'log_state', 'monthly_totals') ORDER BY rowid",
    )
    .load(&mut conn)
    .unwrap();
    tables
        .into_iter()
        .map(|t| {
            let cols: Vec<Column> =
                diesel::sql_query(format!("SELECT name, type AS ty FROM pragma_table_info('{}')", t.name))
                    .load(&mut conn)
                    .unwrap();
            (
                t.name,
                cols.into_iter().map(|c| (c.name, c.ty.to_uppercase())).collect(),
            )
        })
        .collect()
}

/// One SQL literal of each row of `table`'s `columns`, for `backend`.
fn rows(
    conn: &mut village_ledger::db::DbConn,
    table: &str,
    columns: &[(String, String)],
    backend: &str,
    log_size: i64,
) -> Vec<String> {
    let parts: Vec<String> = columns
        .iter()
        .map(|(name, ty)| match (backend, ty.as_str()) {
            ("postgres", "BOOLEAN") => {
                format!("CASE WHEN {name} IS NULL THEN 'NULL' WHEN {name} THEN 'TRUE' ELSE 'FALSE' END")
            }
            ("postgres", "BLOB") => {
                format!("CASE WHEN {name} IS NULL THEN 'NULL' ELSE 'decode(''' || hex({name}) || ''', ''hex'')' END")
            }
            _ => format!("quote({name})"),
        })
        .collect();
    // Only what the schema can hold: no discipline users before they existed, and the log up to
    // its first leaf of a kind the schema has no table for.
    let filter = match table {
        "users" => " WHERE role <> 'discipline'".to_owned(),
        "log_leaves" => format!(" WHERE idx < {log_size}"),
        "log_nodes" => format!(" WHERE (idx + 1) * (1 << level) <= {log_size}"),
        "log_checkpoints" => format!(" WHERE size <= {log_size}"),
        _ => String::new(),
    };
    let sql = format!(
        "SELECT {} AS line FROM {table}{filter} ORDER BY rowid",
        parts.join(" || ', ' || ")
    );
    diesel::sql_query(sql)
        .load::<Line>(conn)
        .unwrap()
        .into_iter()
        .map(|l| l.line)
        .collect()
}

#[actix_web::test]
#[ignore = "writes tests/fixtures/upgrades/; run with VL_WRITE_UPGRADE_FIXTURES=1"]
async fn write_fixtures() {
    if std::env::var("VL_WRITE_UPGRADE_FIXTURES").as_deref() != Ok("1") {
        return;
    }
    let app = fixture_county().await;
    std::fs::create_dir_all(fixtures()).unwrap();
    std::fs::copy(app.dir.path().join("log-key.pem"), fixtures().join("log-key.pem")).unwrap();
    let mut conn = app.conn();
    let full_log = count(&mut conn, "log_leaves");
    let first_receipt_leaf = diesel::sql_query("SELECT MIN(idx) AS n FROM log_leaves WHERE kind = 'receipt'")
        .get_result::<N>(&mut *conn)
        .unwrap()
        .n;
    for backend in BACKENDS {
        std::fs::create_dir_all(fixtures().join(backend)).unwrap();
        for migration in migration_names(backend) {
            let path = fixtures().join(backend).join(format!("{migration}.sql"));
            let mut sql = format!(
                "-- Representative rows of a county at migration {migration} ({backend}), loaded onto a database\n\
                 -- migrated to it by tests/api/upgrades.rs. Written by\n\
                 -- VL_WRITE_UPGRADE_FIXTURES=1 cargo test --test api upgrades::write_fixtures -- --ignored --exact\n"
            );
            let schema = schema_at(&migration);
            let has = |t: &str| schema.iter().any(|(name, _)| name == t);
            let log_size = if has("receipts") { full_log } else { first_receipt_leaf };
            let counts: Vec<String> = TABLES_COUNTED
                .iter()
                .filter(|t| schema.iter().any(|(name, _)| name == *t))
                .map(|t| {
                    format!(
                        "{t}={}",
                        rows(&mut conn, t, &[("1".into(), "INTEGER".into())], "sqlite", log_size).len()
                    )
                })
                .collect();
            sql.push_str(&format!("-- expect {}\n", counts.join(" ")));
            // Rows go in as they were stored, in any order: no foreign-key or append-only checks.
            sql.push_str(if backend == "postgres" {
                "SET session_replication_role = replica;\n"
            } else {
                "PRAGMA foreign_keys = OFF;\n"
            });
            for (table, columns) in &schema {
                let names: Vec<&str> = columns.iter().map(|(n, _)| n.as_str()).collect();
                for row in rows(&mut conn, table, columns, backend, log_size) {
                    sql.push_str(&format!("INSERT INTO {table} ({}) VALUES ({row});\n", names.join(", ")));
                }
            }
            if schema.iter().any(|(t, _)| t == "log_leaves") {
                sql.push_str(&format!("UPDATE log_state SET size = {log_size} WHERE id = 1;\n"));
            }
            // The monthly aggregates are kept by a trigger on `entries` (not dumped): SQLite's
            // fires as the rows go in; PostgreSQL's is off in replica mode, so they are summed here.
            if backend == "postgres" && migration.as_str() >= "2026-12-01-000008" {
                sql.push_str(
                    "INSERT INTO monthly_totals (village_code, fiscal_year, period, account_code, \
                     settlement_account_code, direction, total_fen, entry_count) SELECT village_code, fiscal_year, \
                     period, account_code, settlement_account_code, direction, SUM(amount_fen), COUNT(*) FROM entries \
                     GROUP BY village_code, fiscal_year, period, account_code, settlement_account_code, direction;\n",
                );
            }
            if backend == "postgres" {
                sql.push_str("SET session_replication_role = origin;\n");
            }
            std::fs::write(path, sql).unwrap();
        }
    }
}
