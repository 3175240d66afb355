//! The demo villagers' paper: most expense entries of the villages with demo villager accounts
//! carry a drawn receipt scan, the villager opens it through the real app, the invoices among
//! them read back (from their QR codes) with their entries' amounts, and no two drawn scans are
//! near-identical to the `receipt_reused` rule (so the demo's flags stay the planted ones).

use std::collections::HashSet;

use actix_web::test;
use diesel::prelude::*;
use serde_json::{Value, json};
use sha2::Digest;
use village_ledger::api::{State, build_app, load_state};
use village_ledger::config::Settings;
use village_ledger::db::schema::receipts;
use village_ledger::demo::ensure_demo;
use village_ledger::receipts::phash_distance;

const VILLAGERS: [(&str, &str, &str); 3] = [
    ("villager-kantou", "kantou-demo-2026", "331022102201"),
    ("villager-touao", "touao-demo-2026", "331022002201"),
    ("villager-chuanbangli", "chuanbangli-demo-2026", "331022003201"),
];

/// The fixture files `demo::receipts` attaches in 坎头村 (some of them planted look-alikes).
const FIXTURES: [&str; 6] = [
    "phone-orient6-gps.jpg",
    "scan-flatbed.png",
    "invoice-traditional.jpg",
    "e-invoice.webp",
    "same-paper-a.jpg",
    "same-paper-b.jpg",
];

fn planted_shas() -> HashSet<String> {
    FIXTURES
        .iter()
        .map(|name| {
            let bytes = std::fs::read(format!("{}/receipts-fixtures/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap();
            sha2::Sha256::digest(&bytes)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect()
        })
        .collect()
}

async fn get(state: &State, token: &str, uri: &str) -> (u16, Value) {
    let app = test::init_service(build_app(state.clone())).await;
    let req = test::TestRequest::get()
        .uri(uri)
        .insert_header(("authorization", format!("Bearer {token}")));
    let res = test::call_service(&app, req.to_request()).await;
    let status = res.status().as_u16();
    let bytes = test::read_body(res).await;
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

async fn sign_in(state: &State, username: &str, password: &str) -> String {
    let app = test::init_service(build_app(state.clone())).await;
    let req = test::TestRequest::post()
        .uri("/api/v1/auth/token")
        .set_json(json!({"username": username, "password": password}));
    let body: Value = test::call_and_read_body_json(&app, req.to_request()).await;
    body["access_token"].as_str().unwrap().to_owned()
}

/// Every expense entry of the village the villager sees, page by page.
async fn expenses(state: &State, token: &str, village: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut cursor = String::new();
    loop {
        let uri = format!("/api/v1/villages/{village}/entries?direction=expense&limit=200{cursor}");
        let (status, page) = get(state, token, &uri).await;
        assert_eq!(status, 200, "{page}");
        out.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => return out,
        }
    }
}

#[actix_web::test]
async fn demo_villagers_open_drawn_scans_and_invoices_read_back_with_their_amounts() {
    let dir = tempfile::tempdir().unwrap();
    let state = load_state(Settings::for_data_dir(dir.path())).unwrap();
    let started = std::time::Instant::now();
    {
        let mut conn = state.pool.get().unwrap();
        ensure_demo(&mut conn, &state.log, &state.receipts).unwrap();
    }
    println!("demo built in {:?}", started.elapsed());
    let planted = planted_shas();
    let mut invoices_read = 0;
    for (username, password, village) in VILLAGERS {
        let token = sign_in(&state, username, password).await;
        let lines: Vec<Value> = expenses(&state, &token, village)
            .await
            .into_iter()
            .filter(|e| e["reverses"].is_null())
            .collect();
        let scanned: Vec<&Value> = lines.iter().filter(|e| e["receipt_count"].as_i64() > Some(0)).collect();
        assert!(
            scanned.len() * 100 >= lines.len() * 60,
            "{village}: {} of {} expense entries have a scan",
            scanned.len(),
            lines.len()
        );
        // The ancestral hall's labour line has its paper, and the villager sees the picture.
        let hall = lines
            .iter()
            .find(|e| e["description"].as_str().unwrap().contains("祠堂传送瓦片"))
            .unwrap();
        let (_, entry) = get(
            &state,
            &token,
            &format!("/api/v1/entries/{}", hall["id"].as_str().unwrap()),
        )
        .await;
        let receipt = &entry["receipts"][0];
        let app = test::init_service(build_app(state.clone())).await;
        let req = test::TestRequest::get()
            .uri(receipt["urls"]["thumb"].as_str().unwrap())
            .insert_header(("authorization", format!("Bearer {token}")));
        let res = test::call_service(&app, req.to_request()).await;
        assert_eq!(res.status(), 200, "{receipt}");
        assert_eq!(res.headers().get("content-type").unwrap(), "image/jpeg");
        // Every invoice read from a drawn scan carries its entry's amount and date.
        for line in &scanned {
            let (status, entry) = get(
                &state,
                &token,
                &format!("/api/v1/entries/{}", line["id"].as_str().unwrap()),
            )
            .await;
            assert_eq!(status, 200, "{entry}");
            for receipt in entry["receipts"].as_array().unwrap() {
                let invoice = &receipt["invoice"];
                if invoice.is_null() || planted.contains(receipt["sha256"].as_str().unwrap()) {
                    continue;
                }
                assert_eq!(invoice["amount_fen"], entry["amount_fen"], "{entry}");
                assert_eq!(invoice["issued_on"], entry["occurred_on"], "{entry}");
                invoices_read += 1;
            }
        }
    }
    assert!(
        invoices_read >= 20,
        "only {invoices_read} invoices read from the drawn scans"
    );

    // No two scans are near-identical, except the fixture scans planted to be found.
    let mut conn = state.pool.get().unwrap();
    let scans: Vec<(String, String, String)> = receipts::table
        .select((receipts::id, receipts::sha256, receipts::phash))
        .load(&mut conn)
        .unwrap();
    let drawn = scans.iter().filter(|(_, sha, _)| !planted.contains(sha)).count();
    assert!(drawn >= 450, "{drawn} drawn scans");
    let max = state.settings.flags.phash_max_distance;
    let mut closest = u32::MAX;
    for (i, (a_id, a_sha, a_hash)) in scans.iter().enumerate() {
        for (b_id, b_sha, b_hash) in &scans[i + 1..] {
            if planted.contains(a_sha) && planted.contains(b_sha) {
                continue;
            }
            let d = phash_distance(a_hash, b_hash).unwrap();
            closest = closest.min(d);
            assert!(d > max, "{a_id} and {b_id} are {d} bits apart (reuse at {max} or less)");
        }
    }
    println!("{drawn} drawn scans; the closest pair involving one is {closest} bits apart (reuse at {max} or less)");
}
