//! Public tenders as data: clerks record a village's tenders, whoever reads the village lists
//! them; a reference is recorded once (a retry answers with the record, another content is a
//! 409, also under a second spelling of the reference); every bad value is a 422 naming it;
//! records are append-only. On both backends.

use crate::support::*;
use serde_json::{Value, json};

fn tender(reference: &str, amount_fen: i64) -> Value {
    json!({
        "reference": reference,
        "project": "村道硬化工程",
        "winner": "三门县路桥建设有限公司",
        "amount_fen": amount_fen,
        "awarded_on": "2024-06-20"
    })
}

fn uri(village: &str) -> String {
    format!("/api/v1/villages/{village}/tenders")
}

async fn tenders_are_recorded_once_and_listed(app: TestApp) {
    let res = app.post("clerk1", &uri(V1A), tender("SMZB-2024-017", 9_800_000)).await;
    assert_eq!(res.status.as_u16(), 201, "{}", res.text());
    let created = res.json();
    assert_eq!(created["reference"], "SMZB-2024-017");
    assert_eq!(created["village_code"], V1A);
    assert_eq!(created["amount_fen"], 9_800_000);
    assert_eq!(created["awarded_on"], "2024-06-20");
    assert_eq!(created["recorded_by"], "clerk1");
    assert!(created["id"].as_str().unwrap().starts_with("td_"), "{created}");

    // A retry with the same content answers with the same record.
    let again = app.post("clerk1", &uri(V1A), tender("SMZB-2024-017", 9_800_000)).await;
    assert_eq!(again.status.as_u16(), 200, "{}", again.text());
    assert_eq!(again.json()["id"], created["id"]);
    // Other content under the reference, or under a second spelling of it, is a conflict.
    let p = app
        .post("clerk1", &uri(V1A), tender("SMZB-2024-017", 9_900_000))
        .await
        .assert_problem(409);
    assert!(p["detail"].as_str().unwrap().contains("SMZB-2024-017"), "{p}");
    let p = app
        .post("clerk1", &uri(V1A), tender("ｓｍｚｂ 2024/017", 9_800_000))
        .await
        .assert_problem(409);
    assert!(
        p["detail"].as_str().unwrap().contains("recorded (as SMZB-2024-017)"),
        "{p}"
    );
    // The same reference in another village of the township is that village's own record.
    let res = app.post("clerk1", &uri(V1B), tender("SMZB-2024-017", 5_000_000)).await;
    assert_eq!(res.status.as_u16(), 201, "{}", res.text());
    let mut earlier = tender("SMZB-2023-004", 12_000_000);
    earlier["awarded_on"] = json!("2023-03-01");
    assert_eq!(app.post("clerk1", &uri(V1A), earlier).await.status.as_u16(), 201);
    assert_eq!(app.count("tenders"), 3);

    // Villagers of the village read them, oldest award first, a page at a time.
    let list = app.get("villager1a", &uri(V1A)).await;
    assert_eq!(list.status.as_u16(), 200, "{}", list.text());
    let list = list.json();
    let refs: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["reference"].as_str().unwrap())
        .collect();
    assert_eq!(refs, ["SMZB-2023-004", "SMZB-2024-017"]);
    assert_eq!(list["next_offset"], Value::Null);
    let page = app.get("villager1a", &format!("{}?limit=1", uri(V1A))).await.json();
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    assert_eq!(page["next_offset"], 1);
    let rest = app
        .get("villager1a", &format!("{}?limit=1&offset=1", uri(V1A)))
        .await
        .json();
    assert_eq!(rest["items"][0]["reference"], "SMZB-2024-017");
    assert_eq!(rest["next_offset"], Value::Null);
    for bad in ["limit=0", "limit=501", "offset=-1"] {
        app.get("villager1a", &format!("{}?{bad}", uri(V1A)))
            .await
            .assert_problem(422);
    }
    app.get("villager1a", &format!("{}?limit=ten", uri(V1A)))
        .await
        .assert_problem(400);
}

async fn tenders_outside_the_callers_scope_or_role_are_refused(app: TestApp) {
    // Refused before the body is read: a villager lacks the function, a clerk of another
    // township does not see the village, and both refusals are audited.
    let audited = app.count("audit_log");
    app.post("villager1a", &uri(V1A), tender("SMZB-2024-020", 1_000_000))
        .await
        .assert_problem(403);
    app.post("clerk2", &uri(V1A), tender("SMZB-2024-020", 1_000_000))
        .await
        .assert_problem(404);
    app.post("admin", &uri(V1A), tender("SMZB-2024-020", 1_000_000))
        .await
        .assert_problem(403);
    assert_eq!(app.count("audit_log"), audited + 3);
    app.get("clerk2", &uri(V1A)).await.assert_problem(404);
    app.get("villager1a", &uri(V1B)).await.assert_problem(404);
    app.post("clerk1", &uri("331022102299"), tender("SMZB-2024-020", 1_000_000))
        .await
        .assert_problem(404);
    assert_eq!(app.count("tenders"), 0);
}

async fn bad_tender_values_are_refused_naming_the_field(app: TestApp) {
    let long = "长".repeat(101);
    let future = (village_ledger::api::today() + chrono::Duration::days(2)).to_string();
    let cases: Vec<(Value, u16, &str)> = vec![
        (json!({"amount_fen": 0}), 422, "amount_fen"),
        (json!({"amount_fen": -500}), 422, "amount_fen"),
        (json!({"amount_fen": 10_000_000_000_001_i64}), 422, "amount_fen"),
        (json!({"amount_fen": 12.5}), 400, "amount_fen"),
        (json!({"amount_fen": "9800000"}), 400, "amount_fen"),
        (json!({"reference": "  "}), 422, "reference"),
        (json!({"reference": "--/--"}), 422, "reference"),
        (json!({"reference": "SMZB\u{7}2024"}), 422, "reference"),
        (json!({"reference": long}), 422, "reference"),
        (json!({"project": ""}), 422, "project"),
        (json!({"project": long}), 422, "project"),
        (json!({"winner": long}), 422, "winner"),
        (json!({"awarded_on": future}), 422, "awarded_on"),
        (json!({"awarded_on": "1980-01-01"}), 422, "1980-01-01"),
        (json!({"awarded_on": "2024-02-30"}), 400, "awarded_on"),
        (json!({"bid_count": 3}), 400, "bid_count"),
    ];
    for (change, status, names) in cases {
        let mut body = tender("SMZB-2024-031", 2_000_000);
        for (k, v) in change.as_object().unwrap() {
            body[k] = v.clone();
        }
        let p = app.post("clerk1", &uri(V1A), body.clone()).await.assert_problem(status);
        let detail = p["detail"].as_str().unwrap();
        assert!(detail.contains(names), "{body} -> {detail}");
    }
    let mut missing = tender("SMZB-2024-031", 2_000_000);
    missing.as_object_mut().unwrap().remove("winner");
    app.post("clerk1", &uri(V1A), missing).await.assert_problem(400);
    assert_eq!(app.count("tenders"), 0, "nothing half-written");
}

async fn tender_records_are_append_only(app: TestApp) {
    use diesel::prelude::*;
    let res = app.post("clerk1", &uri(V1A), tender("SMZB-2024-040", 3_000_000)).await;
    assert_eq!(res.status.as_u16(), 201, "{}", res.text());
    let mut conn = app.conn();
    let update = diesel::sql_query("UPDATE tenders SET amount_fen = 1").execute(&mut *conn);
    assert!(update.is_err(), "a tender record was changed");
    let delete = diesel::sql_query("DELETE FROM tenders").execute(&mut *conn);
    assert!(delete.is_err(), "a tender record was deleted");
    drop(conn);
    assert_eq!(app.count("tenders"), 1);
}

on_both_backends!(
    tenders_are_recorded_once_and_listed,
    tenders_outside_the_callers_scope_or_role_are_refused,
    bad_tender_values_are_refused_naming_the_field,
    tender_records_are_append_only,
);
