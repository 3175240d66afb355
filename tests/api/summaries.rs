//! Township and whole-scope summaries, read from the monthly aggregates: their totals equal the
//! sum of their villages' summaries, which equal the entries listed; a random run of postings,
//! reversals and month closes keeps the aggregates equal to a recomputation from the entries
//! (and `verify` agrees), on both backends.

use actix_web::http::StatusCode;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};

use crate::ledger::page_through;
use crate::support::{T1, T2, TestApp, V1A, V1B, V2A, expense, income};

fn clerk_of(village: &str) -> &'static str {
    if village == V2A { "clerk2" } else { "clerk1" }
}

async fn post(app: &TestApp, village: &str, body: Value) -> Value {
    let res = app
        .post(clerk_of(village), &format!("/api/v1/villages/{village}/entries"), body)
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    res.json()
}

async fn summary(app: &TestApp, user: &str, uri: &str) -> Value {
    let res = app.get(user, uri).await;
    assert_eq!(res.status, StatusCode::OK, "{uri}: {}", res.text());
    res.json()
}

/// The fields a village's summary shares with a township's.
const SHARED: [&str; 8] = [
    "income_total_fen",
    "income_count",
    "expense_total_fen",
    "expense_count",
    "opening_cash_fen",
    "opening_bank_fen",
    "closing_cash_fen",
    "closing_bank_fen",
];

/// What the entries listed give for a village's year: totals and counts by direction, and the
/// net cash and bank movement before the year and through it.
async fn recomputed(app: &TestApp, village: &str, year: i32) -> Value {
    let all = page_through(app, "admin", village, "from=1990-01-01", 100).await;
    let (mut income_fen, mut income_count, mut expense_fen, mut expense_count) = (0i64, 0i64, 0i64, 0i64);
    let (mut before, mut through) = ([0i64; 2], [0i64; 2]);
    for e in &all {
        let fen = e["amount_fen"].as_i64().unwrap();
        let on: i32 = e["occurred_on"].as_str().unwrap()[..4].parse().unwrap();
        let income = e["direction"] == "income";
        if on == year {
            if income {
                income_fen += fen;
                income_count += 1;
            } else {
                expense_fen += fen;
                expense_count += 1;
            }
        }
        let slot = match e["settlement_account_code"].as_str() {
            Some("101") => 0,
            Some("102") => 1,
            _ => continue,
        };
        let net = if income { fen } else { -fen };
        if on < year {
            before[slot] += net;
        }
        if on <= year {
            through[slot] += net;
        }
    }
    let v = summary(app, "admin", &format!("/api/v1/villages/{village}")).await;
    let (cash, bank) = (
        v["opening_cash_fen"].as_i64().unwrap(),
        v["opening_bank_fen"].as_i64().unwrap(),
    );
    json!({
        "income_total_fen": income_fen, "income_count": income_count,
        "expense_total_fen": expense_fen, "expense_count": expense_count,
        "opening_cash_fen": cash + before[0], "opening_bank_fen": bank + before[1],
        "closing_cash_fen": cash + through[0], "closing_bank_fen": bank + through[1],
    })
}

async fn township_and_scope_summaries_sum_their_villages(app: TestApp) {
    post(&app, V1A, expense("A-1", "2024-01-10", 95_000)).await;
    post(&app, V1A, income("A-2", "2024-03-02", 2_000_000)).await;
    post(&app, V1B, expense("B-1", "2024-03-15", 12_345)).await;
    post(&app, V1B, expense("B-2", "2023-12-30", 5_000).tap_account("541")).await;
    post(&app, V2A, income("C-1", "2024-07-01", 800_000)).await;

    let t1 = summary(&app, "clerk1", &format!("/api/v1/townships/{T1}/summary?year=2024")).await;
    assert_eq!(t1["township_code"], T1);
    let lines = t1["villages"].as_array().unwrap();
    assert_eq!(
        lines.iter().map(|l| l["code"].clone()).collect::<Vec<_>>(),
        [json!(V1A), json!(V1B)]
    );
    for field in SHARED {
        let mut sum = 0;
        for (village, line) in [V1A, V1B].iter().zip(lines) {
            let own = summary(&app, "clerk1", &format!("/api/v1/villages/{village}/summary?year=2024")).await;
            let line_field = match field {
                "income_total_fen" => "income_fen",
                "expense_total_fen" => "expense_fen",
                f => f,
            };
            assert_eq!(line[line_field], own[field], "{village} {field}");
            sum += own[field].as_i64().unwrap();
        }
        assert_eq!(t1[field], json!(sum), "{field}");
    }
    assert_eq!(t1["expense_total_fen"], json!(95_000 + 12_345));
    assert_eq!(t1["income_total_fen"], json!(2_000_000));
    // The 2023 expense is before the year: it moved the opening cash, not the year's totals.
    assert_eq!(t1["expense_count"], json!(2));
    let months: Vec<&str> = t1["by_month"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["period"].as_str().unwrap())
        .collect();
    assert_eq!(months, ["2024-01", "2024-03"]);
    let march = &t1["by_month"][1];
    assert_eq!(
        (march["income_fen"].clone(), march["expense_fen"].clone()),
        (json!(2_000_000), json!(12_345))
    );
    let by_account: i64 = t1["by_account"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["direction"] == "expense")
        .map(|a| a["total_fen"].as_i64().unwrap())
        .sum();
    assert_eq!(by_account, 95_000 + 12_345);

    // The whole scope: the county for an admin, the township for its clerk, the village for
    // its villager.
    let county = summary(&app, "admin", "/api/v1/summary?year=2024").await;
    let t2 = summary(&app, "admin", &format!("/api/v1/townships/{T2}/summary?year=2024")).await;
    assert_eq!(county["township_code"], Value::Null);
    for field in SHARED {
        assert_eq!(
            county[field].as_i64().unwrap(),
            t1[field].as_i64().unwrap() + t2[field].as_i64().unwrap(),
            "{field}"
        );
    }
    let clerk_scope = summary(&app, "clerk1", "/api/v1/summary?year=2024").await;
    assert_eq!(clerk_scope["villages"], t1["villages"]);
    let villager = summary(&app, "villager1a", "/api/v1/summary?year=2024").await;
    let own = summary(&app, "villager1a", &format!("/api/v1/villages/{V1A}/summary?year=2024")).await;
    assert_eq!(villager["villages"].as_array().unwrap().len(), 1);
    for field in SHARED {
        assert_eq!(villager[field], own[field], "{field}");
    }
    let villager_t1 = summary(&app, "villager1a", &format!("/api/v1/townships/{T1}/summary?year=2024")).await;
    assert_eq!(
        villager_t1["villages"], villager["villages"],
        "a villager's township is their village"
    );

    // A year without entries answers zeros, with the balances carried.
    let empty = summary(&app, "admin", &format!("/api/v1/townships/{T1}/summary?year=2031")).await;
    assert_eq!(
        (empty["income_total_fen"].clone(), empty["expense_count"].clone()),
        (json!(0), json!(0))
    );
    assert_eq!(empty["by_month"], json!([]));
    assert_eq!(empty["opening_cash_fen"], t1["closing_cash_fen"]);

    // Out of scope answers like a township that does not exist; a bad year is refused.
    app.get("clerk1", &format!("/api/v1/townships/{T2}/summary?year=2024"))
        .await
        .assert_problem(404);
    app.get("villager1a", &format!("/api/v1/townships/{T2}/summary?year=2024"))
        .await
        .assert_problem(404);
    app.get("admin", "/api/v1/townships/331022199000/summary?year=2024")
        .await
        .assert_problem(404);
    app.get("admin", "/api/v1/summary?year=1200").await.assert_problem(422);
    app.get("admin", "/api/v1/summary?year=20x4").await.assert_problem(400);
    app.get("admin", "/api/v1/summary").await.assert_problem(400);
}

trait TapAccount {
    fn tap_account(self, code: &str) -> Self;
}

impl TapAccount for Value {
    fn tap_account(mut self, code: &str) -> Self {
        self["account_code"] = json!(code);
        self
    }
}

/// Postings, reversals and closes at random over three villages and two years; after every
/// tenth step each village's summary of each year equals what its listed entries give, the
/// townships' and the county's equal the sums of their villages', and `verify` finds the
/// aggregates equal to a recomputation from the entries.
async fn aggregates_follow_random_postings_reversals_and_closes(app: TestApp) {
    let mut rng = ChaCha8Rng::seed_from_u64(18);
    let villages = [V1A, V1B, V2A];
    let mut live: Vec<(String, &str)> = Vec::new();
    let mut closed: Vec<(&str, u32)> = Vec::new();
    for step in 0..60 {
        let village = villages[rng.gen_range(0..villages.len())];
        match rng.gen_range(0..10) {
            0..=6 => {
                let year = if rng.gen_bool(0.5) { 2024 } else { 2025 };
                let month = rng.gen_range(1..=12u32);
                if closed.iter().any(|&(v, m)| v == village && (year, month) <= (2024, m)) {
                    continue;
                }
                let date = format!("{year}-{month:02}-{:02}", rng.gen_range(1..=28));
                let fen = rng.gen_range(1..5_000_000);
                let mut body = if rng.gen_bool(0.5) {
                    expense(&format!("R-{step}"), &date, fen).tap_account(["511", "513", "514"][rng.gen_range(0..3)])
                } else {
                    income(&format!("R-{step}"), &date, fen).tap_account(["501", "503", "504"][rng.gen_range(0..3)])
                };
                body["settlement_account_code"] = json!(["101", "102"][rng.gen_range(0..2)]);
                let posted = post(&app, village, body).await;
                live.push((posted["id"].as_str().unwrap().to_owned(), village));
            }
            7..=8 if !live.is_empty() => {
                let (id, village) = live.swap_remove(rng.gen_range(0..live.len()));
                let res = app
                    .post(
                        clerk_of(village),
                        &format!("/api/v1/entries/{id}/reversal"),
                        json!({"reason": "错记"}),
                    )
                    .await;
                assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
            }
            _ => {
                // Close the next month of 2024 not yet closed in this village.
                let next = closed
                    .iter()
                    .filter(|(v, _)| *v == village)
                    .map(|&(_, m)| m)
                    .max()
                    .unwrap_or(0)
                    + 1;
                if next <= 6 {
                    let res = app
                        .post(
                            clerk_of(village),
                            &format!("/api/v1/villages/{village}/periods/2024-{next:02}/close"),
                            json!({}),
                        )
                        .await;
                    assert!(res.status.is_success(), "{}", res.text());
                    closed.push((village, next));
                }
            }
        }
        if step % 10 == 9 {
            for year in [2024, 2025] {
                let county = summary(&app, "admin", &format!("/api/v1/summary?year={year}")).await;
                let mut sums = [0i64; 8];
                for village in villages {
                    let own = summary(
                        &app,
                        "admin",
                        &format!("/api/v1/villages/{village}/summary?year={year}"),
                    )
                    .await;
                    let expected = recomputed(&app, village, year).await;
                    for (i, field) in SHARED.iter().enumerate() {
                        assert_eq!(own[field], expected[field], "step {step}: {village} {year} {field}");
                        sums[i] += own[field].as_i64().unwrap();
                    }
                }
                for (i, field) in SHARED.iter().enumerate() {
                    assert_eq!(county[field], json!(sums[i]), "step {step}: county {year} {field}");
                }
            }
        }
    }
    let mut conn = app.state.pool.get().unwrap();
    let report = village_ledger::verify::verify(&mut conn, &app.state.log, &app.state.receipts).unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
}

/// `verify` names aggregates changed behind the API (and the summaries would show them).
async fn verify_names_monthly_totals_changed_behind_the_api(app: TestApp) {
    use diesel::RunQueryDsl;
    post(&app, V1A, expense("T-1", "2024-05-10", 10_000)).await;
    let mut conn = app.state.pool.get().unwrap();
    diesel::sql_query("UPDATE monthly_totals SET total_fen = total_fen - 5000 WHERE period = '2024-05'")
        .execute(&mut conn)
        .unwrap();
    let report = village_ledger::verify::verify(&mut conn, &app.state.log, &app.state.receipts).unwrap();
    let problems: Vec<String> = report.problems.iter().map(ToString::to_string).collect();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].contains("2024-05") && problems[0].contains(V1A),
        "{problems:?}"
    );
}

on_both_backends!(
    township_and_scope_summaries_sum_their_villages,
    aggregates_follow_random_postings_reversals_and_closes,
    verify_names_monthly_totals_changed_behind_the_api,
);
