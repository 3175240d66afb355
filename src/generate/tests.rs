//! The generated county obeys the rules the API enforces, is the same for the same seed, and is
//! only written into an empty database.

use chrono::NaiveDate;
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
        plant: None,
        findings: 0,
        receipts: 0,
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
    assert_eq!(
        count(&mut conn, "SELECT COUNT(*) FROM entries WHERE project = '村级小微工程'"),
        0,
        "no split payment without --plant"
    );
    let wages = "SELECT COUNT(*) FROM (SELECT village_code, fiscal_year, counterparty FROM entries \
                 WHERE description = '付保洁员工资' GROUP BY 1, 2, 3 \
                 HAVING COUNT(*) <> 12 OR COUNT(DISTINCT amount_fen) <> 1 OR COUNT(DISTINCT period) <> 12)";
    assert_eq!(count(&mut conn, wages), 0, "a cleaner is paid one wage every month");
    let taxes = "SELECT COUNT(*) FROM (SELECT village_code, fiscal_year FROM entries \
                 WHERE description = '缴纳房产税、城镇土地使用税' GROUP BY 1, 2 \
                 HAVING COUNT(*) <> 2 OR COUNT(DISTINCT amount_fen) <> 1 \
                 OR MIN(substr(period, 6)) <> '05' OR MAX(substr(period, 6)) <> '11')";
    assert_eq!(
        count(&mut conn, taxes),
        0,
        "property tax is paid half-yearly, in equal halves"
    );
    let insurance = "SELECT COUNT(*) FROM (SELECT village_code, fiscal_year FROM entries \
                     WHERE description = '代缴村民城乡居民医疗保险' GROUP BY 1, 2 HAVING COUNT(*) <> 1)";
    assert_eq!(
        count(&mut conn, insurance),
        0,
        "the medical insurance is paid once a year"
    );
    assert_eq!(
        count(
            &mut conn,
            "SELECT COUNT(DISTINCT village_code || fiscal_year) FROM entries WHERE description = '代缴村民城乡居民医疗保险'"
        ),
        3 * 3
    );
    let over_cap = "SELECT COUNT(*) FROM (SELECT village_code, fiscal_year, project FROM entries \
                    WHERE direction = 'expense' AND project IS NOT NULL AND tender_ref IS NULL \
                    GROUP BY 1, 2, 3 HAVING SUM(amount_fen) > 8000000)";
    assert_eq!(
        count(&mut conn, over_cap),
        0,
        "untendered projects stay under the tender threshold"
    );
    let untendered = "SELECT COUNT(*) FROM entries WHERE project IN ('村道硬化工程', '农村文化礼堂建设工程') \
                      AND tender_ref IS NULL";
    assert_eq!(
        count(&mut conn, untendered),
        0,
        "tendered works carry their tender reference"
    );
    let winners = "SELECT COUNT(*) FROM (SELECT tender_ref FROM entries WHERE tender_ref IS NOT NULL \
                   GROUP BY 1 HAVING COUNT(DISTINCT counterparty) > 1 OR COUNT(DISTINCT village_code) > 1)";
    assert_eq!(count(&mut conn, winners), 0, "one winner per tender");
    let hospitality: Vec<NaiveDate> = crate::db::schema::entries::table
        .filter(crate::db::schema::entries::description.like("%接待%"))
        .select(crate::db::schema::entries::occurred_on)
        .load(&mut conn)
        .unwrap();
    assert!(!hospitality.is_empty());
    assert!(
        hospitality.iter().all(|d| !super::draw::is_off_day(*d)),
        "hospitality only on working days"
    );
    let duty = "SELECT COUNT(*) FROM entries WHERE description = '发放节假日值班补贴'";
    assert_eq!(count(&mut conn, duty), 3 * 3 * 4, "four duty allowances a village-year");
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

/// `(village, id, voucher, amount)` of every entry, in insertion order.
fn entry_rows(dir: &std::path::Path) -> Vec<(String, String, String, i64)> {
    use crate::db::schema::entries::dsl as e;
    e::entries
        .order(e::seq)
        .select((e::village_code, e::id, e::voucher_no, e::amount_fen))
        .load(&mut open(dir))
        .unwrap()
}

#[test]
fn the_same_seed_gives_the_same_county_and_another_seed_another() {
    let dump = |seed| {
        let dir = tempfile::tempdir().unwrap();
        run(options(dir.path(), seed)).unwrap();
        entry_rows(dir.path())
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

/// One line of `plants.jsonl`.
#[derive(serde::Deserialize, Debug, PartialEq)]
struct PlantLine {
    rule: String,
    kind: String,
    village_code: String,
    township_code: String,
    fiscal_year: i32,
    entry_ids: Vec<String>,
    missing_voucher: Option<String>,
}

fn planted(dir: &std::path::Path, seed: u64, rate: f64) -> Vec<PlantLine> {
    run(GenerateOptions {
        plant: Some(rate),
        ..options(dir, seed)
    })
    .unwrap();
    let text = std::fs::read_to_string(dir.join("plants.jsonl")).unwrap();
    text.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// The columns a plant is checked against.
#[derive(Debug)]
struct Row {
    village_code: String,
    fiscal_year: i32,
    occurred_on: NaiveDate,
    posted_at: chrono::NaiveDateTime,
    direction: String,
    amount_fen: i64,
    settlement: String,
    counterparty: String,
    description: String,
    project: Option<String>,
    tender_ref: Option<String>,
    reverses: Option<String>,
    reversed: bool,
}

fn rows(conn: &mut DbConn, ids: &[String]) -> Vec<Row> {
    use crate::db::schema::entries::dsl as e;
    let reversed: Vec<Option<String>> = e::entries
        .filter(e::reverses.is_not_null())
        .select(e::reverses)
        .load(conn)
        .unwrap();
    let reversed: std::collections::HashSet<String> = reversed.into_iter().flatten().collect();
    ids.iter()
        .map(|id| {
            let r: (
                String,
                i32,
                NaiveDate,
                chrono::NaiveDateTime,
                String,
                i64,
                String,
                String,
                String,
            ) = e::entries
                .filter(e::id.eq(id.as_str()))
                .select((
                    e::village_code,
                    e::fiscal_year,
                    e::occurred_on,
                    e::posted_at,
                    e::direction,
                    e::amount_fen,
                    e::settlement_account_code,
                    e::counterparty,
                    e::description,
                ))
                .first(conn)
                .unwrap_or_else(|_| panic!("planted entry {id} exists"));
            let (project, tender_ref, reverses): (Option<String>, Option<String>, Option<String>) = e::entries
                .filter(e::id.eq(id.as_str()))
                .select((e::project, e::tender_ref, e::reverses))
                .first(conn)
                .unwrap();
            Row {
                village_code: r.0,
                fiscal_year: r.1,
                occurred_on: r.2,
                posted_at: r.3,
                direction: r.4,
                amount_fen: r.5,
                settlement: r.6,
                counterparty: r.7,
                description: r.8,
                project,
                tender_ref,
                reverses,
                reversed: reversed.contains(id),
            }
        })
        .collect()
}

/// What a plant of `kind` must look like in the rows it names.
fn check_plant(kind: &str, rows: &[Row], p: &PlantLine) {
    let live_payments = rows
        .iter()
        .all(|r| r.direction == "expense" && r.reverses.is_none() && !r.reversed && r.amount_fen > 0);
    let days = |a: &Row, b: &Row| (b.occurred_on - a.occurred_on).num_days().abs();
    let span = rows.iter().map(|r| r.occurred_on).max().unwrap() - rows.iter().map(|r| r.occurred_on).min().unwrap();
    let distinct = |f: fn(&Row) -> String| rows.iter().map(f).collect::<std::collections::HashSet<_>>().len();
    let total: i64 = rows.iter().map(|r| r.amount_fen).sum();
    match kind {
        k if k.starts_with("split_payment") => {
            assert!(rows.len() >= 2 && live_payments, "{p:?}");
            assert!(rows.iter().all(|r| r.amount_fen < 500_000) && total > 500_000, "{p:?}");
            assert!(span.num_days() <= 7, "{p:?}");
            match k {
                "split_payment/two_projects" => assert_eq!(distinct(|r| r.project.clone().unwrap_or_default()), 2),
                "split_payment/second_spelling" => assert_eq!(distinct(|r| r.counterparty.clone()), 2),
                "split_payment/month_boundary" => {
                    assert_eq!(distinct(|r| r.occurred_on.format("%Y-%m").to_string()), 2)
                }
                "split_payment/small_pieces" => {
                    assert!(rows.len() >= 3 && rows.iter().all(|r| r.amount_fen < 400_000), "{p:?}");
                    assert_eq!(distinct(|r| r.counterparty.clone()), 1);
                }
                _ => assert_eq!(distinct(|r| r.counterparty.clone()), 1),
            }
        }
        k if k.starts_with("duplicate_payment") => {
            assert!(rows.len() == 2 && live_payments, "{p:?}");
            assert_eq!(rows[0].amount_fen, rows[1].amount_fen);
            assert!(days(&rows[0], &rows[1]) <= 30, "{p:?}");
            let names = distinct(|r| r.counterparty.clone());
            assert_eq!(names, if k.ends_with("second_spelling") { 2 } else { 1 }, "{p:?}");
            if k.ends_with("small_sum") {
                assert!((50_000..200_000).contains(&rows[0].amount_fen) && rows[0].amount_fen % 10_000 != 0);
                assert!(
                    rows[0].description == rows[1].description && days(&rows[0], &rows[1]) <= 1,
                    "{p:?}"
                );
            }
        }
        "round_amount" => {
            assert!(rows.len() == 1 && live_payments && rows[0].settlement == "101");
            assert!(rows[0].amount_fen >= 100_000 && rows[0].amount_fen % 100_000 == 0);
        }
        "late_posting" => {
            let posted = (rows[0].posted_at + chrono::Duration::hours(8)).date();
            assert!((posted - rows[0].occurred_on).num_days() > 30, "{p:?}");
        }
        "offday_hospitality" => {
            assert!(rows.len() == 1 && live_payments && rows[0].description.contains("接待"));
            assert!(super::draw::is_off_day(rows[0].occurred_on), "{p:?}");
        }
        k if k.starts_with("tender_threshold") => {
            assert!(live_payments && total > 10_000_000 && rows.iter().all(|r| r.tender_ref.is_none()));
            assert_eq!(distinct(|r| r.counterparty.clone()), 1);
            assert_eq!(
                distinct(|r| r.project.clone().unwrap_or_default()),
                if k == "tender_threshold" { 1 } else { 2 }
            );
        }
        "voucher_gap" => assert_eq!(rows.len(), 2),
        "benford" => assert!(live_payments && rows.iter().all(|r| (10_000..100_000).contains(&r.amount_fen))),
        other => panic!("unknown plant kind {other}"),
    }
}

#[test]
fn planted_villages_get_every_kind_once_and_the_ground_truth_matches_the_rows() {
    let dir = tempfile::tempdir().unwrap();
    // 4 villages at 0.5: two are planted.
    let plants = planted(dir.path(), 3, 0.5);
    let mut conn = open(dir.path());
    let villages: std::collections::BTreeSet<&str> = plants.iter().map(|p| p.village_code.as_str()).collect();
    assert_eq!(villages.len(), 2);
    for v in &villages {
        let mut kinds: Vec<&str> = plants
            .iter()
            .filter(|p| p.village_code == *v)
            .map(|p| p.kind.as_str())
            .collect();
        let mut all: Vec<&str> = super::plants::KINDS.iter().map(|k| k.name()).collect();
        kinds.sort_unstable();
        all.sort_unstable();
        assert_eq!(kinds, all, "every kind once in {v}");
    }
    for p in &plants {
        assert_eq!(p.kind.split('/').next(), Some(p.rule.as_str()));
        let found = rows(&mut conn, &p.entry_ids);
        assert!(
            found
                .iter()
                .all(|r| r.village_code == p.village_code && r.fiscal_year == p.fiscal_year)
        );
        let township = "SELECT COUNT(*) FROM villages WHERE code = '{v}' AND township_code = '{t}'";
        let township = township
            .replace("{v}", &p.village_code)
            .replace("{t}", &p.township_code);
        assert_eq!(count(&mut conn, &township), 1);
        check_plant(&p.kind, &found, p);
        if let Some(missing) = &p.missing_voucher {
            let q = format!(
                "SELECT COUNT(*) FROM entries WHERE village_code = '{}' AND voucher_no = '{missing}'",
                p.village_code
            );
            assert_eq!(count(&mut conn, &q), 0, "{missing} is missing");
        }
    }
    // Still exactly K lines per village-year.
    let per_village_year = "SELECT COUNT(*) FROM (SELECT village_code, fiscal_year FROM entries \
                            GROUP BY 1, 2 HAVING COUNT(*) <> 400)";
    assert_eq!(count(&mut conn, per_village_year), 0);
}

#[test]
fn planting_is_deterministic_and_leaves_the_other_villages_as_they_were() {
    let dump = entry_rows;
    let (a, b, plain) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let first = planted(a.path(), 9, 0.25);
    assert_eq!(first, planted(b.path(), 9, 0.25));
    assert_eq!(dump(a.path()), dump(b.path()));
    run(options(plain.path(), 9)).unwrap();
    assert!(!plain.path().join("plants.jsonl").exists());
    let planted_village = &first[0].village_code;
    let others = |rows: Vec<(String, String, String, i64)>| {
        rows.into_iter().filter(|r| &r.0 != planted_village).collect::<Vec<_>>()
    };
    assert_eq!(others(dump(a.path())), others(dump(plain.path())));
    assert_ne!(dump(a.path()), dump(plain.path()));
}

#[test]
fn plant_rate_outside_zero_to_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let err = run(GenerateOptions {
        plant: Some(1.5),
        ..options(dir.path(), 1)
    })
    .unwrap_err();
    assert!(err.to_string().contains("--plant"), "{err}");
}

#[test]
fn findings_and_tickets_are_written_consistently_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    run(GenerateOptions {
        findings: 500,
        ..options(dir.path(), 3)
    })
    .unwrap();
    let mut conn = open(dir.path());
    let c: &mut DbConn = &mut conn;
    assert_eq!(count(c, "SELECT COUNT(*) FROM findings"), 500);
    assert_eq!(count(c, "SELECT COUNT(*) FROM finding_evidence"), 500);
    let tickets = count(c, "SELECT COUNT(*) FROM tickets");
    assert!((400..500).contains(&tickets), "{tickets}");
    // Every ticket is of its finding's round, village and township, due by its colour, and
    // counts its days from its finding's day.
    assert_eq!(
        count(
            c,
            "SELECT COUNT(*) FROM tickets t JOIN findings f ON f.id = t.finding_id
             WHERE t.inspection_id <> f.inspection_id OR t.village_code <> f.village_code
                OR t.township_code <> f.township_code OR t.issued_on < t.finding_on"
        ),
        0
    );
    assert_eq!(
        count(
            c,
            "SELECT COUNT(*) FROM tickets WHERE julianday(due_on) - julianday(issued_on)
             <> CASE colour WHEN 'red' THEN 3 WHEN 'yellow' THEN 7 ELSE 15 END"
        ),
        0
    );
    assert_eq!(
        count(
            c,
            "SELECT COUNT(*) FROM tickets WHERE status = 'concluded'
             AND days_to_conclusion <> julianday(concluded_on) - julianday(finding_on)"
        ),
        0
    );
    // A township's body only ever gets its own township's tickets.
    assert_eq!(
        count(
            c,
            "SELECT COUNT(*) FROM tickets t JOIN addressees a ON a.id = t.addressee_id
             WHERE a.township_code IS NOT NULL AND a.township_code <> t.township_code"
        ),
        0
    );
    assert_eq!(
        count(
            c,
            "SELECT COUNT(*) FROM users WHERE username IN ('inspector', 'discipline')"
        ),
        2
    );
}

#[test]
fn receipt_scans_are_attached_when_asked_all_different_and_the_log_verifies() {
    let dir = tempfile::tempdir().unwrap();
    run(GenerateOptions {
        receipts: 24,
        findings: 20,
        ..options(dir.path(), 4)
    })
    .unwrap();
    let state = crate::api::load_state(crate::config::Settings::for_data_dir(dir.path())).unwrap();
    let mut conn = state.pool.get().unwrap();
    let report = crate::verify::verify(&mut conn, &state.log, &state.receipts).unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!(count(&mut conn, "SELECT COUNT(*) FROM receipts"), 24);
    let on_expenses = "SELECT COUNT(*) FROM receipts r JOIN entries e ON e.id = r.entry_id \
                       WHERE e.direction = 'expense' AND e.village_code = r.village_code";
    assert_eq!(
        count(&mut conn, on_expenses),
        24,
        "on expense entries of their own village"
    );
    assert_eq!(
        count(&mut conn, "SELECT COUNT(DISTINCT village_code) FROM receipts"),
        3,
        "spread over the county"
    );
    assert_eq!(
        count(&mut conn, "SELECT COUNT(*) FROM receipts WHERE qr_search <> 'done'"),
        0
    );
    let rows: Vec<(String, String)> = crate::db::schema::receipts::table
        .select((crate::db::schema::receipts::sha256, crate::db::schema::receipts::phash))
        .load(&mut conn)
        .unwrap();
    for (sha, _) in &rows {
        let thumb = state
            .receipts
            .rendition(sha, crate::receipts::RenditionSize::Thumb)
            .unwrap();
        assert!(thumb.is_some(), "thumbnail of {sha}");
    }
    // No two alike to the reused-receipt rule.
    for (i, (_, a)) in rows.iter().enumerate() {
        for (_, b) in &rows[i + 1..] {
            let d = crate::receipts::phash_distance(a, b).unwrap();
            assert!(
                d > crate::receipts::SAME_PAPER_MAX_DISTANCE,
                "{a} and {b}: distance {d}"
            );
        }
    }
}
