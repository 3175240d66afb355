//! Reconciling findings with the ledger through the real app: a ledger with known answers for
//! every status, one-to-one assignment, the unmatched-entries listing, CSV and XLSX sheets with
//! Chinese headers and broken rows, scopes and refusals.

use crate::support::*;
use actix_web::test::TestRequest;
use serde_json::{Value, json};

/// Posts an expense into V1A and returns its id.
async fn pay(app: &TestApp, voucher: &str, date: &str, fen: i64, counterparty: &str) -> String {
    let mut body = expense(voucher, date, fen);
    body["counterparty"] = json!(counterparty);
    body["settlement_account_code"] = json!("102");
    app.post_entry(V1A, body).await["id"].as_str().unwrap().to_owned()
}

/// The ledger of known answers; returns the ids by name.
async fn known_ledger(app: &TestApp) -> std::collections::HashMap<&'static str, String> {
    let mut ids = std::collections::HashMap::new();
    ids.insert("exact", pay(app, "2024-001", "2024-03-05", 95_000, "王小平").await);
    ids.insert("amount", pay(app, "2024-002", "2024-03-10", 200_000, "张国敬").await);
    ids.insert("date", pay(app, "2024-003", "2024-04-01", 150_000, "陈海兵").await);
    ids.insert(
        "traditional",
        pay(app, "2024-004", "2024-05-06", 300_000, "張國敬").await,
    );
    ids.insert(
        "split1",
        pay(app, "2024-005", "2024-06-03", 180_000, "三门县湾区建筑工程有限公司").await,
    );
    ids.insert(
        "split2",
        pay(app, "2024-006", "2024-06-05", 170_000, "三门县湾区建筑工程有限公司").await,
    );
    ids.insert(
        "split3",
        pay(app, "2024-007", "2024-06-08", 150_000, "三门县湾区建筑工程有限公司").await,
    );
    ids.insert("reversed", pay(app, "2024-008", "2024-07-01", 88_000, "叶建平").await);
    let res = app
        .post(
            "clerk1",
            &format!("/api/v1/entries/{}/reversal", ids["reversed"]),
            json!({"voucher_no": "2024-009", "reason": "重复录入"}),
        )
        .await;
    assert_eq!(res.status.as_u16(), 201, "{}", res.text());
    ids.insert("twin1", pay(app, "2024-010", "2024-08-10", 66_000, "潘美娟").await);
    ids.insert("twin2", pay(app, "2024-011", "2024-08-10", 66_000, "潘美娟").await);
    ids.insert("relief", pay(app, "2024-012", "2024-08-16", 1_000_000, "叶某某").await);
    ids.insert("voucher", pay(app, "2024-013", "2024-10-10", 45_000, "罗素芬").await);
    ids.insert(
        "uncovered",
        pay(app, "2024-014", "2024-03-20", 12_300, "海游百货文具店").await,
    );
    ids
}

fn finding(reference: &str, date: &str, fen: i64, counterparty: &str) -> Value {
    json!({"ref": reference, "date": date, "amount_fen": fen, "counterparty": counterparty})
}

fn result<'a>(body: &'a Value, reference: &str) -> &'a Value {
    body["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ref"] == reference)
        .unwrap_or_else(|| panic!("no result for {reference}: {body}"))
}

fn ids_of(r: &Value) -> Vec<String> {
    r["entry_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

async fn every_status_on_a_known_ledger(app: TestApp) {
    let ids = known_ledger(&app).await;
    let mut voucher = finding("voucher", "2024-10-10", 54_000, "金德明");
    voucher["voucher_no"] = json!("2024-013");
    let body = json!({
        "village": V1A,
        "from": "2024-03-01",
        "to": "2024-10-31",
        "include_unmatched_entries": true,
        "findings": [
            finding("exact", "2024-03-05", 95_000, "王小平"),
            finding("exact-again", "2024-03-05", 95_000, "王小平"),
            finding("amount", "2024-03-10", 220_000, "张 国敬"),
            finding("date", "2024-04-21", 150_000, "陈海兵"),
            finding("traditional", "2024-05-06", 300_000, "张国敬"),
            finding("split", "2024-06-06", 500_000, "三门县湾区建筑工程有限公司"),
            finding("reversed", "2024-07-01", 88_000, "叶建平"),
            finding("ambiguous", "2024-08-10", 66_000, "潘美娟"),
            finding("relief", "2024-08-16", 1_000_000, "王大海"),
            voucher,
            finding("missing", "2024-09-09", 777_700, "不存在的人")
        ]
    });
    let res = app
        .post("inspector", "/api/v1/crosscheck/reconcile", body.clone())
        .await;
    // The inspector has no open round yet: the village is outside the scope.
    res.assert_problem(404);
    let res = app.post("admin", "/api/v1/crosscheck/reconcile", body).await;
    assert_eq!(res.status.as_u16(), 200, "{}", res.text());
    let out = res.json();

    let exact = result(&out, "exact");
    assert_eq!(exact["status"], "matched", "{exact}");
    assert_eq!(ids_of(exact), vec![ids["exact"].clone()]);
    assert_eq!(exact["score"], 1.0);
    // One entry never satisfies two findings.
    let again = result(&out, "exact-again");
    assert_eq!(again["status"], "not_found", "{again}");
    assert_eq!(again["evidence"]["best_fit_taken_by"], json!(["exact"]));

    let amount = result(&out, "amount");
    assert_eq!(amount["status"], "amount_mismatch", "{amount}");
    assert_eq!(ids_of(amount), vec![ids["amount"].clone()]);
    assert_eq!(
        amount["differences"],
        json!([{"field": "amount_fen", "finding": 220_000, "ledger": 200_000,
            "message": "The amount differs: the finding says 2,200.00 yuan, the ledger 2,000.00 yuan, 200.00 yuan apart."}])
    );

    let date = result(&out, "date");
    assert_eq!(date["status"], "date_mismatch", "{date}");
    assert_eq!(ids_of(date), vec![ids["date"].clone()]);
    assert_eq!(
        date["differences"],
        json!([{"field": "date", "finding": "2024-04-21", "ledger": "2024-04-01",
            "message": "The date differs: the finding says 2024-04-21, the ledger 2024-04-01, 20 days apart."}])
    );
    assert_eq!(date["evidence"]["days_apart"], -20);

    let traditional = result(&out, "traditional");
    assert_eq!(traditional["status"], "matched", "{traditional}");
    assert_eq!(ids_of(traditional), vec![ids["traditional"].clone()]);

    let split = result(&out, "split");
    assert_eq!(split["status"], "split_match", "{split}");
    assert_eq!(
        ids_of(split),
        vec![ids["split1"].clone(), ids["split2"].clone(), ids["split3"].clone()]
    );
    assert_eq!(split["evidence"]["sum_fen"], 500_000);

    let reversed = result(&out, "reversed");
    assert_eq!(reversed["status"], "reversed", "{reversed}");
    assert_eq!(ids_of(reversed)[0], ids["reversed"]);
    assert_eq!(ids_of(reversed).len(), 2, "the original, then its reversal");

    let ambiguous = result(&out, "ambiguous");
    assert_eq!(ambiguous["status"], "ambiguous", "{ambiguous}");
    let mut both = ids_of(ambiguous);
    both.sort();
    let mut twins = vec![ids["twin1"].clone(), ids["twin2"].clone()];
    twins.sort();
    assert_eq!(both, twins);

    let relief = result(&out, "relief");
    assert_eq!(relief["status"], "counterparty_mismatch", "{relief}");
    assert_eq!(
        relief["differences"],
        json!([{"field": "counterparty", "finding": "王大海", "ledger": "叶某某",
            "message": "The payee differs: the finding says \"王大海\", the ledger \"叶某某\"."}])
    );

    // A voucher number ties the entry to the finding although two fields differ.
    let voucher = result(&out, "voucher");
    assert_eq!(voucher["status"], "amount_mismatch", "{voucher}");
    assert_eq!(ids_of(voucher), vec![ids["voucher"].clone()]);
    assert_eq!(voucher["evidence"]["voucher_matches"], true);
    assert_eq!(voucher["differences"].as_array().unwrap().len(), 2);

    assert_eq!(result(&out, "missing")["status"], "not_found");
    assert_eq!(out["summary"]["matched"], 2);
    assert_eq!(out["summary"]["not_found"], 2);

    // Both ways: the ambiguous twins and the uncovered purchase are nobody's finding.
    let unmatched: Vec<&str> = out["unmatched_entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert!(unmatched.contains(&ids["uncovered"].as_str()), "{unmatched:?}");
    assert!(!unmatched.contains(&ids["exact"].as_str()));
    assert!(!unmatched.contains(&ids["split2"].as_str()));
    assert!(
        !unmatched.contains(&ids["reversed"].as_str()),
        "a reversed entry is no payment"
    );

    // Tolerances are per request: with a 15 % tolerance the 10 % difference matches.
    let res = app
        .post(
            "admin",
            "/api/v1/crosscheck/reconcile",
            json!({"village": V1A, "amount_tolerance_percent": 15,
                   "findings": [finding("amount", "2024-03-10", 220_000, "张国敬")]}),
        )
        .await;
    let out = res.json();
    assert_eq!(result(&out, "amount")["status"], "matched", "{out}");
    assert_eq!(out["tolerances"]["amount_tolerance_bp"], 1500);
}

/// An inspector in an open round over the township reconciles; a clerk of another township
/// and villagers cannot; bad options are 422 naming the field.
async fn scopes_and_refusals(app: TestApp) {
    let id = pay(&app, "2024-001", "2024-03-05", 95_000, "王小平").await;
    let today = chrono::Utc::now().date_naive();
    let res = app
        .post(
            "admin",
            "/api/v1/inspections",
            json!({"name": "第一轮", "inspectors": ["inspector"], "townships": [T1],
                   "starts_on": today - chrono::Duration::days(1), "ends_on": today + chrono::Duration::days(30)}),
        )
        .await;
    assert_eq!(res.status.as_u16(), 201, "{}", res.text());
    let body = json!({"township": T1, "findings": [finding("a", "2024-03-06", 95_000, "王小平")]});
    let res = app
        .post("inspector", "/api/v1/crosscheck/reconcile", body.clone())
        .await;
    assert_eq!(res.status.as_u16(), 200, "{}", res.text());
    assert_eq!(ids_of(&res.json()["results"][0]), vec![id]);
    assert_eq!(res.json()["scope"]["kind"], "township");
    app.post("clerk2", "/api/v1/crosscheck/reconcile", body.clone())
        .await
        .assert_problem(404);
    app.post("villager1a", "/api/v1/crosscheck/reconcile", body)
        .await
        .assert_problem(403);
    for (bad, field) in [
        (json!({"village": V1A, "township": T1, "findings": []}), "not both"),
        (json!({"findings": []}), "scope"),
        (
            json!({"village": V1A, "date_window_days": 400, "findings": []}),
            "date_window_days",
        ),
        (
            json!({"village": V1A, "amount_tolerance_percent": 101, "findings": []}),
            "amount_tolerance_percent",
        ),
        (
            json!({"village": V1A, "findings": [{"ref": "x", "date": "2024-01-01", "amount_fen": -5}]}),
            "amount_fen",
        ),
    ] {
        let p = app
            .post("admin", "/api/v1/crosscheck/reconcile", bad)
            .await
            .assert_problem(422);
        assert!(p["detail"].as_str().unwrap().contains(field), "{p}");
    }
    for (bad, field) in [
        (
            json!({"village": V1A, "findings": [{"ref": "x", "date": "2024-02-30", "amount_fen": 5}]}),
            "findings[0].date",
        ),
        (
            json!({"village": V1A, "amount_tolerance_percent": "1", "findings": []}),
            "amount_tolerance_percent",
        ),
        (json!({"village": V1A, "findings": [], "colour": "red"}), "colour"),
    ] {
        let p = app
            .post("admin", "/api/v1/crosscheck/reconcile", bad)
            .await
            .assert_problem(400);
        assert!(p["detail"].as_str().unwrap().contains(field), "{p}");
    }
}

const BOUNDARY: &str = "----crosscheck-boundary";

fn form(file_name: &str, bytes: &[u8], fields: &[(&str, &str)]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

async fn upload(app: &TestApp, user: &str, body: Vec<u8>) -> Resp {
    app.call(
        TestRequest::post()
            .uri("/api/v1/crosscheck/reconcile")
            .insert_header(bearer(&app.token(user)))
            .insert_header(("content-type", format!("multipart/form-data; boundary={BOUNDARY}")))
            .set_payload(body),
    )
    .await
}

/// The same findings as CSV and as XLSX, Chinese headers, two broken rows reported per row.
async fn sheets_with_chinese_headers_and_broken_rows(app: TestApp) {
    let first = pay(&app, "记-12", "2024-05-14", 95_050, "張國敬").await;
    let second = pay(&app, "记-15", "2024-06-03", 123_456, "三门县海润建筑工程有限公司").await;
    for file in ["findings-zh.csv", "findings-zh.xlsx"] {
        let bytes = std::fs::read(format!(
            "{}/tests/fixtures/crosscheck/{file}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        let res = upload(
            &app,
            "admin",
            form(file, &bytes, &[("village", V1A), ("date_window_days", "7")]),
        )
        .await;
        assert_eq!(res.status.as_u16(), 200, "{file}: {}", res.text());
        let out = res.json();
        assert_eq!(out["tolerances"]["date_window_days"], 7);
        let xc1 = result(&out, "XC-001");
        assert_eq!(xc1["status"], "matched", "{file}: {xc1}");
        assert_eq!(xc1["row"], 2);
        assert_eq!(ids_of(xc1), vec![first.clone()]);
        assert_eq!(xc1["evidence"]["voucher_matches"], true);
        assert_eq!(ids_of(result(&out, "XC-002")), vec![second.clone()], "{file}");
        assert_eq!(result(&out, "XC-003")["status"], "not_found");
        assert_eq!(result(&out, "row-7")["status"], "not_found");
        let rows: Vec<u64> = out["row_errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["row"].as_u64().unwrap())
            .collect();
        assert_eq!(rows, vec![5, 6], "{file}: {}", out["row_errors"]);
        assert_eq!(out["results"].as_array().unwrap().len(), 4);
    }
    // Not a sheet, a bad option, an unknown field: 4xx problems, never a 500.
    upload(
        &app,
        "admin",
        form("x.bin", &[0, 1, 2, 3, 255, 254], &[("village", V1A)]),
    )
    .await
    .assert_problem(422);
    upload(&app, "admin", form("x.csv", b"a,b\n1,2\n", &[("village", V1A)]))
        .await
        .assert_problem(422);
    upload(
        &app,
        "admin",
        form(
            "x.csv",
            b"date,amount\n2024-01-01,5\n",
            &[("village", V1A), ("colour", "red")],
        ),
    )
    .await
    .assert_problem(422);
    let res = app
        .call(
            TestRequest::post()
                .uri("/api/v1/crosscheck/reconcile")
                .insert_header(bearer(&app.token("admin")))
                .insert_header(("content-type", "text/plain"))
                .set_payload("hello"),
        )
        .await;
    res.assert_problem(415);
}

on_both_backends!(
    every_status_on_a_known_ledger,
    scopes_and_refusals,
    sheets_with_chinese_headers_and_broken_rows
);
