//! The generated county obeys the rules the API enforces, is the same for the same seed, and is
//! only written into an empty database.

use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use super::{GenerateOptions, run};
use crate::db::{DbConn, DbUrl};

fn options(dir: &std::path::Path, seed: u64) -> GenerateOptions {
    GenerateOptions {
        data_dir: dir.to_path_buf(),
        database_url: None,
        villages: 3,
        // 2022–2024: both charts of accounts.
        years: 3,
        entries_per_village_year: 400,
        seed,
        last_year: 2024,
    }
}

fn open(dir: &std::path::Path) -> crate::db::PooledConn {
    let url = DbUrl::Sqlite(dir.join("ledger.db").to_string_lossy().into_owned());
    crate::db::connect(&url, 1).unwrap().get().unwrap()
}

fn count(conn: &mut DbConn, query: &str) -> i64 {
    diesel::select(sql::<BigInt>(&format!("({query})")))
        .get_result(conn)
        .unwrap()
}

/// `chart` of an entry's year, as the API looks its accounts up.
const CHART: &str = "CASE WHEN e.fiscal_year <= 2023 THEN '2004' ELSE '2023' END";

#[test]
fn generated_lines_obey_the_posting_rules() {
    let dir = tempfile::tempdir().unwrap();
    run(options(dir.path(), 7)).unwrap();
    let mut conn = open(dir.path());

    assert_eq!(count(&mut conn, "SELECT COUNT(*) FROM entries"), 3 * 3 * 400);
    let per_village_year = "SELECT COUNT(*) FROM (SELECT village_code, fiscal_year FROM entries \
                            GROUP BY 1, 2 HAVING COUNT(*) <> 400)";
    assert_eq!(
        count(&mut conn, per_village_year),
        0,
        "exactly K lines per village-year"
    );
    let wrong_account = format!(
        "SELECT COUNT(*) FROM entries e LEFT JOIN accounts a ON a.chart = {CHART} AND a.code = e.account_code \
         WHERE a.code IS NULL OR (e.direction = 'income' AND a.class <> 'income') \
         OR (e.direction = 'expense' AND a.class NOT IN ('expense', 'cost'))"
    );
    assert_eq!(
        count(&mut conn, &wrong_account),
        0,
        "accounts of the year's chart and direction"
    );
    let wrong_settlement = format!(
        "SELECT COUNT(*) FROM entries e LEFT JOIN accounts a ON a.chart = {CHART} \
         AND a.code = e.settlement_account_code WHERE a.settlement IS NOT 1"
    );
    assert_eq!(count(&mut conn, &wrong_settlement), 0, "settlement accounts only");
    let voucher_gaps = "SELECT COUNT(*) FROM (SELECT village_code, fiscal_year, COUNT(*) AS n, \
                        MAX(CAST(substr(voucher_no, 6) AS INTEGER)) AS last FROM entries GROUP BY 1, 2) \
                        WHERE n <> last";
    assert_eq!(count(&mut conn, voucher_gaps), 0, "vouchers 1..n per village-year");
    let out_of_order = "SELECT COUNT(*) FROM entries a JOIN entries b ON b.village_code = a.village_code \
                        AND b.fiscal_year = a.fiscal_year \
                        AND CAST(substr(b.voucher_no, 6) AS INTEGER) = CAST(substr(a.voucher_no, 6) AS INTEGER) + 1 \
                        WHERE b.occurred_on < a.occurred_on";
    assert_eq!(count(&mut conn, out_of_order), 0, "vouchers in date order");
    let bad_reversals = "SELECT COUNT(*) FROM entries r JOIN entries o ON o.id = r.reverses \
                         WHERE r.amount_fen <> -o.amount_fen OR r.account_code <> o.account_code \
                         OR r.direction <> o.direction OR r.settlement_account_code <> o.settlement_account_code \
                         OR r.occurred_on < o.occurred_on";
    assert_eq!(count(&mut conn, bad_reversals), 0, "reversals mirror their originals");
    let bad_ids = "SELECT COUNT(*) FROM entries WHERE length(id) <> 27 OR substr(id, 1, 3) <> 'en_'";
    assert_eq!(count(&mut conn, bad_ids), 0, "ids like the app's");
    let splits = "SELECT COUNT(*) FROM entries WHERE project = '村级小微工程' \
                  AND amount_fen BETWEEN 450000 AND 499900";
    let splits = count(&mut conn, splits);
    let split_years = count(
        &mut conn,
        "SELECT COUNT(DISTINCT village_code || fiscal_year) FROM entries WHERE project = '村级小微工程'",
    );
    assert!(
        splits == 0 || splits >= 3 * split_years,
        "split payments come 3–5 at a time"
    );
    let index = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = 'entries_by_village_date'";
    assert_eq!(count(&mut conn, index), 1, "the listing index exists");
    assert_eq!(count(&mut conn, "SELECT COUNT(*) FROM users"), 3);
}

#[test]
fn the_transparency_log_holds_every_entry_and_close_and_verifies() {
    let dir = tempfile::tempdir().unwrap();
    run(options(dir.path(), 5)).unwrap();
    let state = crate::api::load_state(crate::config::Settings::for_data_dir(dir.path())).unwrap();
    let mut conn = state.pool.get().unwrap();
    let report = crate::verify::verify(&mut conn, &state.log, &state.receipts).unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    // 2022-01 through 2024-11 closed: 35 months a village.
    assert_eq!(report.leaves, 3 * 3 * 400 + 3 * 35);
    assert_eq!(report.checkpoints, 1);
}

#[test]
fn the_same_seed_gives_the_same_county_and_another_seed_another() {
    let dump = |seed| {
        let dir = tempfile::tempdir().unwrap();
        run(options(dir.path(), seed)).unwrap();
        let mut conn = open(dir.path());
        let rows: Vec<(String, String, i64)> = crate::db::schema::entries::table
            .order(crate::db::schema::entries::seq)
            .select((
                crate::db::schema::entries::id,
                crate::db::schema::entries::voucher_no,
                crate::db::schema::entries::amount_fen,
            ))
            .load(&mut conn)
            .unwrap();
        rows
    };
    let first = dump(11);
    assert_eq!(first, dump(11));
    assert_ne!(first, dump(12));
}

#[test]
fn refuses_a_database_that_already_has_a_county() {
    let dir = tempfile::tempdir().unwrap();
    run(options(dir.path(), 1)).unwrap();
    let err = run(options(dir.path(), 2)).unwrap_err();
    assert!(err.to_string().contains("already holds"), "{err}");
}
