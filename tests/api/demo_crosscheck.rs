//! The demo county through the real app: every planted irregularity is flagged, no clean
//! village carries a village-level flag, and the faked housing relief is found by
//! reconciling an inspection finding.

use std::collections::BTreeSet;

use actix_web::test;
use serde_json::{Value, json};
use village_ledger::api::{build_app, load_state};
use village_ledger::config::Settings;
use village_ledger::demo::{RECEIPTS_REQUIRED_FROM, ensure_demo, planted};

async fn call(state: &village_ledger::api::State, req: test::TestRequest) -> Value {
    let app = test::init_service(build_app(state.clone())).await;
    let res = test::call_service(&app, req.to_request()).await;
    let status = res.status();
    let body: Value = test::read_body_json(res).await;
    assert!(status.is_success(), "{status}: {body}");
    body
}

#[actix_web::test]
async fn every_planted_irregularity_is_flagged_and_clean_villages_are_not() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = Settings::for_data_dir(dir.path());
    settings.flags.receipts_required_from = Some(RECEIPTS_REQUIRED_FROM);
    let state = load_state(settings).unwrap();
    {
        let mut conn = state.pool.get().unwrap();
        ensure_demo(&mut conn, &state.log, &state.receipts).unwrap();
    }
    let token = call(
        &state,
        test::TestRequest::post()
            .uri("/api/v1/auth/token")
            .set_json(json!({"username": "admin", "password": "admin-demo-2026"})),
    )
    .await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let auth = ("authorization", format!("Bearer {token}"));
    let report = call(
        &state,
        test::TestRequest::get()
            .uri("/api/v1/crosscheck/flags?limit=5000")
            .insert_header(auth.clone()),
    )
    .await;
    let flags = report["flags"].as_array().unwrap();
    let of = |rule: &str, village: &str| -> Vec<&Value> {
        flags
            .iter()
            .filter(|f| f["rule"] == rule && f["village_code"] == village)
            .collect()
    };
    let duplicate = of("duplicate_payment", planted::DUPLICATE_VILLAGE);
    assert_eq!(duplicate.len(), 1, "{duplicate:?}");
    assert_eq!(duplicate[0]["figures"]["amount_fen"], 386_000);
    let reused = of("receipt_reused", planted::DUPLICATE_VILLAGE);
    assert!(
        reused.iter().any(|f| f["figures"]["identical_bytes"] == true),
        "{reused:?}"
    );
    assert!(
        reused.iter().any(|f| f["figures"]["identical_bytes"] == false),
        "same paper twice: {reused:?}"
    );
    let invoice = of("invoice_mismatch", planted::DUPLICATE_VILLAGE);
    assert!(
        invoice
            .iter()
            .any(|f| f["figures"]["entry_amount_fen"] == 64_900 && f["figures"]["invoice_amount_fen"] == 6_490),
        "{invoice:?}"
    );
    let split = of("split_payment", planted::SPLIT_VILLAGE);
    assert!(
        split.iter().any(|f| f["entry_ids"].as_array().unwrap().len() == 4),
        "{split:?}"
    );
    assert_eq!(of("tender_threshold", planted::NO_TENDER_VILLAGE).len(), 2);
    let holiday = of("offday_hospitality", planted::HOSPITALITY_VILLAGE);
    assert_eq!(holiday.len(), 1, "{holiday:?}");
    assert_eq!(holiday[0]["figures"]["occurred_on"], "2025-10-03");

    // Village-level flags appear only where something was planted.
    let planted_villages: BTreeSet<&str> = [
        planted::DUPLICATE_VILLAGE,
        planted::SPLIT_VILLAGE,
        planted::HOSPITALITY_VILLAGE,
    ]
    .into_iter()
    .collect();
    let flagged: BTreeSet<&str> = flags.iter().filter_map(|f| f["village_code"].as_str()).collect();
    assert!(
        flagged.is_subset(&planted_villages),
        "flags on clean villages: {flagged:?}"
    );
    assert_eq!(
        report["counts"]["missing_receipt"], 0,
        "legacy books are not expected to carry scans"
    );

    // The faked housing relief: the inspection group found the 10,000 yuan paid to someone else.
    let out = call(
        &state,
        test::TestRequest::post()
            .uri("/api/v1/crosscheck/reconcile")
            .insert_header(auth)
            .set_json(json!({
                "village": planted::FAKE_RELIEF_VILLAGE,
                "findings": [{"ref": "F-07", "date": "2024-08-16", "amount_fen": 1_000_000,
                              "counterparty": "叶建国", "description": "困难户住房救助,实际领取人"}]
            })),
    )
    .await;
    let result = &out["results"][0];
    assert_eq!(result["status"], "counterparty_mismatch", "{result}");
    assert_eq!(result["entries"][0]["counterparty"], planted::FAKE_RELIEF_CLAIMANT);
}
