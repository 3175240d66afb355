//! The reversal link and receipt count kept on each entry row (which listings read instead of a
//! join and a subquery per row): a random run of postings, reversals, receipt attachments
//! (repeats included) and withdrawals keeps them equal to what the test recomputes, in listings,
//! on a single entry and for `verify`; `verify` names a kept value changed behind the API; every
//! other column stays append-only. On both backends.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use diesel::RunQueryDsl;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};

use crate::ledger::page_through;
use crate::support::{TestApp, V1A, V1B, expense, income, upload_receipt};

const SCANS: [&str; 3] = ["scan-flatbed.png", "e-invoice.webp", "same-paper-a.jpg"];

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/receipts-fixtures/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// What the test knows of an entry: its village, its reversal, the scans attached to it, the
/// receipts withdrawn.
#[derive(Default)]
struct Known {
    village: &'static str,
    reversed_by: Option<String>,
    is_reversal: bool,
    scans: Vec<usize>,
    receipts: Vec<String>,
}

async fn post(app: &TestApp, village: &'static str, body: Value) -> String {
    let res = app
        .post("clerk1", &format!("/api/v1/villages/{village}/entries"), body)
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    res.json()["id"].as_str().unwrap().to_owned()
}

/// Every entry listed (and each one read alone) shows the link and count the test recomputes.
async fn assert_kept_values(app: &TestApp, known: &HashMap<String, Known>, step: usize) {
    let mut listed = 0;
    for village in [V1A, V1B] {
        for direction in ["", "&direction=income", "&direction=expense"] {
            let query = format!("from=2024-01-01{direction}");
            for e in page_through(app, "admin", village, &query, 7).await {
                let id = e["id"].as_str().unwrap();
                let k = &known[id];
                assert_eq!(e["reversed_by"], json!(k.reversed_by), "step {step}: {id}");
                assert_eq!(e["receipt_count"], json!(k.receipts.len()), "step {step}: {id}");
                listed += usize::from(direction.is_empty());
            }
        }
    }
    assert_eq!(listed, known.len(), "step {step}: every entry listed once");
    for (id, k) in known.iter().take(3) {
        let one = app.get("clerk1", &format!("/api/v1/entries/{id}")).await.json();
        assert_eq!(one["reversed_by"], json!(k.reversed_by), "step {step}: {id}");
        assert_eq!(one["receipt_count"], json!(k.receipts.len()), "step {step}: {id}");
        assert_eq!(one["receipts"].as_array().unwrap().len(), k.receipts.len());
    }
}

async fn kept_links_and_counts_follow_random_writes(app: TestApp) {
    let mut rng = ChaCha8Rng::seed_from_u64(1818);
    let scans: Vec<Vec<u8>> = SCANS.iter().map(|name| fixture(name)).collect();
    let mut known: HashMap<String, Known> = HashMap::new();
    let mut ids: Vec<String> = Vec::new();
    for step in 0..40 {
        let choice = if ids.is_empty() { 0 } else { rng.gen_range(0..10) };
        match choice {
            0..=3 => {
                let village = if rng.gen_bool(0.5) { V1A } else { V1B };
                let date = format!("2024-{:02}-{:02}", rng.gen_range(1..=12), rng.gen_range(1..=28));
                let fen = rng.gen_range(1..1_000_000);
                let body = if rng.gen_bool(0.5) {
                    expense(&format!("K-{step}"), &date, fen)
                } else {
                    income(&format!("K-{step}"), &date, fen)
                };
                let id = post(&app, village, body).await;
                known.insert(
                    id.clone(),
                    Known {
                        village,
                        ..Known::default()
                    },
                );
                ids.push(id);
            }
            4..=5 => {
                let id = ids[rng.gen_range(0..ids.len())].clone();
                let res = app
                    .post(
                        "clerk1",
                        &format!("/api/v1/entries/{id}/reversal"),
                        json!({"reason": format!("错记 {step}")}),
                    )
                    .await;
                // Another reason each time, so reversing again is a conflict, not a retry.
                let k = &known[&id];
                if k.is_reversal || k.reversed_by.is_some() {
                    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.text());
                    continue;
                }
                assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
                let reversal = res.json()["id"].as_str().unwrap().to_owned();
                let village = k.village;
                known.get_mut(&id).unwrap().reversed_by = Some(reversal.clone());
                known.insert(
                    reversal.clone(),
                    Known {
                        village,
                        is_reversal: true,
                        ..Known::default()
                    },
                );
                ids.push(reversal);
            }
            6..=8 => {
                let id = ids[rng.gen_range(0..ids.len())].clone();
                let scan = rng.gen_range(0..scans.len());
                let res = upload_receipt(&app, "clerk1", &id, SCANS[scan], &scans[scan]).await;
                let k = known.get_mut(&id).unwrap();
                if k.scans.contains(&scan) {
                    assert_eq!(
                        res.status,
                        StatusCode::OK,
                        "a repeat is the same receipt: {}",
                        res.text()
                    );
                } else {
                    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
                    k.scans.push(scan);
                    k.receipts.push(res.json()["id"].as_str().unwrap().to_owned());
                }
            }
            _ => {
                let attached: Vec<String> = known.values().flat_map(|k| k.receipts.clone()).collect();
                if attached.is_empty() {
                    continue;
                }
                let receipt = &attached[rng.gen_range(0..attached.len())];
                let res = app
                    .post(
                        "clerk1",
                        &format!("/api/v1/receipts/{receipt}/withdrawal"),
                        json!({"reason": "附错了凭证"}),
                    )
                    .await;
                // A withdrawn receipt stays attached and counted; a repeat answers 200.
                assert!(res.status.is_success(), "{}", res.text());
            }
        }
        if step % 10 == 9 {
            assert_kept_values(&app, &known, step).await;
        }
    }
    assert!(
        known.values().any(|k| k.reversed_by.is_some()),
        "the run reversed something"
    );
    assert!(
        known.values().any(|k| !k.receipts.is_empty()),
        "the run attached something"
    );
    let mut conn = app.state.pool.get().unwrap();
    let report = village_ledger::verify::verify(&mut conn, &app.state.log, &app.state.receipts).unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
}

/// `verify` names an entry whose kept receipt count or reversal link was changed behind the API,
/// and the other columns of an entry still refuse any change.
async fn verify_names_kept_values_changed_behind_the_api(app: TestApp) {
    let counted = post(&app, V1A, expense("T-1", "2024-05-10", 10_000)).await;
    let reversed = post(&app, V1A, income("T-2", "2024-05-11", 20_000)).await;
    let res = app
        .post(
            "clerk1",
            &format!("/api/v1/entries/{reversed}/reversal"),
            json!({"reason": "错记"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    let mut conn = app.state.pool.get().unwrap();
    diesel::sql_query(format!("UPDATE entries SET receipt_count = 2 WHERE id = '{counted}'"))
        .execute(&mut conn)
        .unwrap();
    diesel::sql_query(format!("UPDATE entries SET reversed_by = NULL WHERE id = '{reversed}'"))
        .execute(&mut conn)
        .unwrap();
    let refused =
        diesel::sql_query(format!("UPDATE entries SET amount_fen = 1 WHERE id = '{counted}'")).execute(&mut conn);
    assert!(refused.is_err(), "amounts stay append-only");
    let report = village_ledger::verify::verify(&mut conn, &app.state.log, &app.state.receipts).unwrap();
    let problems: Vec<String> = report.problems.iter().map(ToString::to_string).collect();
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(
        problems[0].contains(&counted) && problems[0].contains('2'),
        "{problems:?}"
    );
    assert!(problems[1].contains(&reversed), "{problems:?}");
}

on_both_backends!(
    kept_links_and_counts_follow_random_writes,
    verify_names_kept_values_changed_behind_the_api,
);
