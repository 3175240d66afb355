//! Bad input gets a clear 4xx problem document, never a 500, and leaves nothing written.

use crate::support::*;
use actix_web::http::Method;
use actix_web::test::TestRequest;
use serde_json::{Value, json};

fn entries(village: &str) -> String {
    format!("/api/v1/villages/{village}/entries")
}

fn with(mut body: Value, field: &str, value: Value) -> Value {
    body[field] = value;
    body
}

fn without(mut body: Value, field: &str) -> Value {
    body.as_object_mut().expect("object").remove(field);
    body
}

async fn bad_entry_bodies_are_refused_with_problem_documents_and_write_nothing(app: TestApp) {
    let ok = expense("X-1", "2024-03-12", 95_000);
    let long = |n: usize| json!("村".repeat(n));
    let cases: Vec<(&str, Value, u16, &str)> = vec![
        (
            "wrong type: amount as string",
            with(ok.clone(), "amount_fen", json!("95000")),
            400,
            "amount_fen",
        ),
        (
            "wrong type: amount as float",
            with(ok.clone(), "amount_fen", json!(950.5)),
            400,
            "",
        ),
        (
            "amount beyond i64",
            with(ok.clone(), "amount_fen", json!(1e20)),
            400,
            "",
        ),
        (
            "unknown field",
            with(ok.clone(), "approved_by", json!("x")),
            400,
            "approved_by",
        ),
        ("missing field", without(ok.clone(), "occurred_on"), 400, "occurred_on"),
        (
            "impossible date",
            with(ok.clone(), "occurred_on", json!("2024-02-30")),
            400,
            "",
        ),
        (
            "not a date",
            with(ok.clone(), "occurred_on", json!("12/03/2024")),
            400,
            "",
        ),
        (
            "unknown direction",
            with(ok.clone(), "direction", json!("outflow")),
            400,
            "",
        ),
        ("zero amount", with(ok.clone(), "amount_fen", json!(0)), 422, "positive"),
        (
            "negative amount",
            with(ok.clone(), "amount_fen", json!(-5)),
            422,
            "positive",
        ),
        (
            "amount over 10^13",
            with(ok.clone(), "amount_fen", json!(10_000_000_000_001_i64)),
            422,
            "at most",
        ),
        (
            "unknown account",
            with(ok.clone(), "account_code", json!("999")),
            422,
            "999",
        ),
        (
            "income account for an expense",
            with(ok.clone(), "account_code", json!("503")),
            422,
            "expense",
        ),
        (
            "non-settlement settlement account",
            with(ok.clone(), "settlement_account_code", json!("513")),
            422,
            "settlement",
        ),
        (
            "account not digits",
            with(ok.clone(), "account_code", json!("5;1")),
            422,
            "account",
        ),
        (
            "voucher too long",
            with(ok.clone(), "voucher_no", long(33)),
            422,
            "voucher_no",
        ),
        (
            "counterparty too long",
            with(ok.clone(), "counterparty", long(101)),
            422,
            "counterparty",
        ),
        (
            "description too long",
            with(ok.clone(), "description", long(501)),
            422,
            "description",
        ),
        (
            "project too long",
            with(ok.clone(), "project", long(101)),
            422,
            "project",
        ),
        (
            "empty description",
            with(ok.clone(), "description", json!("   ")),
            422,
            "description",
        ),
        (
            "control characters",
            with(ok.clone(), "counterparty", json!("王\u{0007}小平")),
            422,
            "control",
        ),
        (
            // The trim must not hide what the schema forbids (found by schemathesis).
            "a control character at the edge",
            with(ok.clone(), "description", json!("\u{000b}付水电费")),
            422,
            "control",
        ),
        (
            "year out of range",
            with(ok.clone(), "occurred_on", json!("1899-01-01")),
            422,
            "",
        ),
        (
            "before the books open",
            with(ok.clone(), "occurred_on", json!("2021-12-31")),
            422,
            "open",
        ),
    ];
    for (name, body, status, hint) in cases {
        let res = app.post("clerk1", &entries(V1A), body).await;
        let p = res.assert_problem(status);
        assert!(p["detail"].as_str().is_some_and(|d| d.contains(hint)), "{name}: {p}");
    }
    assert_eq!(app.count("entries"), 0);
}

async fn malformed_and_oversized_bodies_are_refused(app: TestApp) {
    let token = app.token("clerk1");
    let raw = |body: &'static [u8], content_type: &'static str| {
        TestRequest::post()
            .uri(&entries(V1A))
            .insert_header(bearer(&token))
            .insert_header(("content-type", content_type))
            .set_payload(body)
    };
    app.call(raw(b"{\"voucher_no\": ", "application/json"))
        .await
        .assert_problem(400);
    app.call(raw(b"not json at all", "application/json"))
        .await
        .assert_problem(400);
    app.call(raw(b"[1,2,3]", "application/json")).await.assert_problem(400);
    app.call(raw(b"\xff\xfe\x00", "application/json"))
        .await
        .assert_problem(400);
    app.call(raw(b"voucher_no=1", "application/x-www-form-urlencoded"))
        .await
        .assert_problem(415);
    let huge = format!("{{\"voucher_no\": \"{}\"}}", "x".repeat(200_000));
    let res = app
        .call(
            TestRequest::post()
                .uri(&entries(V1A))
                .insert_header(bearer(&token))
                .insert_header(("content-type", "application/json"))
                .set_payload(huge),
        )
        .await;
    res.assert_problem(413);
    assert_eq!(app.count("entries"), 0);
}

async fn bad_queries_cursors_and_ids_are_4xx(app: TestApp) {
    let cases = [
        (format!("{}?limit=0", entries(V1A)), 422),
        (format!("{}?limit=201", entries(V1A)), 422),
        (format!("{}?limit=abc", entries(V1A)), 400),
        (format!("{}?cursor=not-a-cursor", entries(V1A)), 422),
        (format!("{}?cursor=djF8MjAyNC0wMS0wMXx4", entries(V1A)), 422),
        (format!("{}?cursor={}", entries(V1A), "A".repeat(500)), 422),
        (format!("{}?from=2024-13-01", entries(V1A)), 400),
        (format!("{}?from=2024-05-01&to=2024-04-01", entries(V1A)), 422),
        (format!("{}?min_fen=10&max_fen=5", entries(V1A)), 422),
        (format!("{}?min_fen=99999999999999999", entries(V1A)), 422),
        (format!("{}?account=5%25", entries(V1A)), 422),
        (format!("{}?direction=sideways", entries(V1A)), 400),
        (format!("{}?bogus=1", entries(V1A)), 400),
        (format!("{}?q={}", entries(V1A), "x".repeat(101)), 422),
        ("/api/v1/villages/331022999999/entries".to_owned(), 404),
        ("/api/v1/villages/not-a-code/entries".to_owned(), 404),
        ("/api/v1/villages/331022102201/summary".to_owned(), 400),
        ("/api/v1/villages/331022102201/summary?year=20x4".to_owned(), 400),
        ("/api/v1/villages/331022102201/summary?year=1200".to_owned(), 422),
        ("/api/v1/accounts?year=3000".to_owned(), 422),
        ("/api/v1/entries/en_doesnotexist".to_owned(), 404),
        ("/api/v1/townships/33102210200/villages".to_owned(), 404),
        ("/api/v1/no/such/route".to_owned(), 404),
    ];
    for (uri, status) in cases {
        let res = app.get("villager1a", &uri).await;
        let p = res.assert_problem(status);
        assert!(!p["detail"].as_str().unwrap_or_default().is_empty(), "{uri}");
    }
}

async fn unknown_villages_and_wrong_methods_are_problem_documents(app: TestApp) {
    app.post("clerk1", &entries("331022102299"), expense("Y-1", "2024-03-12", 1))
        .await
        .assert_problem(404);
    app.post(
        "clerk1",
        "/api/v1/villages/331022102201/periods/2024-3/close",
        json!({}),
    )
    .await
    .assert_problem(422);
    let res = app
        .request(Method::DELETE, Some("clerk1"), "/api/v1/entries/en_x", None)
        .await;
    assert!(res.status.is_client_error(), "{}", res.status);
    assert_eq!(res.header("content-type").as_deref(), Some("application/problem+json"));
    let put = app
        .request(
            Method::PUT,
            Some("clerk1"),
            &entries(V1A),
            Some(expense("Y-2", "2024-03-12", 1)),
        )
        .await;
    assert!(put.status.is_client_error());
    assert_eq!(app.count("entries"), 0);
}

async fn storage_refuses_edits_and_deletes_of_entries(app: TestApp) {
    use diesel::connection::SimpleConnection;
    let e = app.post_entry(V1A, expense("A-1", "2024-03-12", 95_000)).await;
    let mut conn = app.conn();
    let id = e["id"].as_str().expect("id");
    assert!(
        conn.batch_execute(&format!("UPDATE entries SET amount_fen = 1 WHERE id = '{id}'"))
            .is_err()
    );
    assert!(
        conn.batch_execute(&format!("DELETE FROM entries WHERE id = '{id}'"))
            .is_err()
    );
    drop(conn);
    let reread = app.get("clerk1", &format!("/api/v1/entries/{id}")).await.json();
    assert_eq!(reread["amount_fen"], json!(95_000));
}

on_both_backends!(
    bad_entry_bodies_are_refused_with_problem_documents_and_write_nothing,
    malformed_and_oversized_bodies_are_refused,
    bad_queries_cursors_and_ids_are_4xx,
    unknown_villages_and_wrong_methods_are_problem_documents,
    storage_refuses_edits_and_deletes_of_entries,
);
