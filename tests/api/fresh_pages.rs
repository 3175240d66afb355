//! Pages served from memory are never stale: every kind of write through the app (posting,
//! reversal, month close, receipt attach, receipt withdrawal) shows in the very next read of a
//! page that was in memory, disabling a user refuses their token at once, and a write by another
//! process on the same database (a second server, the `user` command) shows once
//! `VL_FRESHNESS_MS` has passed.

use crate::support::*;
use actix_web::dev::Service;
use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use serde_json::{Value, json};
use village_ledger::api::{State, build_app, load_state};

fn listing(village: &str) -> String {
    format!("/api/v1/villages/{village}/entries?limit=10")
}

/// Reads `uri` twice (the second answer comes from memory) and returns the page and its ETag.
async fn warm(app: &TestApp, user: &str, uri: &str) -> (Value, String) {
    let first = app.get(user, uri).await;
    assert_eq!(first.status, StatusCode::OK, "{uri}: {}", first.text());
    let second = app.get(user, uri).await;
    assert_eq!(second.body, first.body, "{uri}: the page changed without a write");
    assert_eq!(second.header("etag"), first.header("etag"));
    (second.json(), second.header("etag").expect("etag"))
}

/// Reads `uri` again as a client that holds `etag`: the write must show.
async fn reread(app: &TestApp, user: &str, uri: &str, etag: &str) -> Value {
    let res = app
        .call(
            TestRequest::get()
                .uri(uri)
                .insert_header(bearer(&app.token(user)))
                .insert_header(("if-none-match", etag.to_owned())),
        )
        .await;
    assert_eq!(
        res.status,
        StatusCode::OK,
        "{uri} answered {} after a write",
        res.status
    );
    assert_ne!(
        res.header("etag").as_deref(),
        Some(etag),
        "{uri}: same ETag after a write"
    );
    res.json()
}

async fn a_posting_shows_in_the_next_read(app: TestApp) {
    let old = app.post_entry(V1A, expense("F-1", "2024-03-12", 100)).await;
    let (page, etag) = warm(&app, "villager1a", &listing(V1A)).await;
    assert_eq!(page["items"][0]["id"], old["id"]);
    let new = app.post_entry(V1A, expense("F-2", "2024-03-13", 200)).await;
    let page = reread(&app, "villager1a", &listing(V1A), &etag).await;
    assert_eq!(page["items"][0]["id"], new["id"]);
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    // Another village's pages are not disturbed by it: still answered 304.
    let other = app
        .post(
            "clerk2",
            &format!("/api/v1/villages/{V2A}/entries"),
            expense("F-1", "2024-03-12", 1),
        )
        .await;
    assert_eq!(other.status, StatusCode::CREATED);
    let (_, v2a_etag) = warm(&app, "admin", &listing(V2A)).await;
    app.post_entry(V1A, expense("F-3", "2024-03-14", 300)).await;
    let res = app
        .call(
            TestRequest::get()
                .uri(&listing(V2A))
                .insert_header(bearer(&app.token("admin")))
                .insert_header(("if-none-match", v2a_etag)),
        )
        .await;
    assert_eq!(res.status, StatusCode::NOT_MODIFIED);
}

async fn a_reversal_shows_in_the_next_read(app: TestApp) {
    let original = app.post_entry(V1A, expense("F-1", "2024-03-12", 100)).await;
    let id = original["id"].as_str().unwrap();
    let one = format!("/api/v1/entries/{id}");
    let (page, list_etag) = warm(&app, "villager1a", &listing(V1A)).await;
    assert_eq!(page["items"][0]["reversed_by"], Value::Null);
    let (entry, entry_etag) = warm(&app, "villager1a", &one).await;
    assert_eq!(entry["reversed_by"], Value::Null);
    let res = app
        .post("clerk1", &format!("{one}/reversal"), json!({"reason": "金额有误"}))
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    let reversal = res.json()["id"].clone();
    let entry = reread(&app, "villager1a", &one, &entry_etag).await;
    assert_eq!(entry["reversed_by"], reversal);
    let page = reread(&app, "villager1a", &listing(V1A), &list_etag).await;
    let listed = page["items"].as_array().unwrap();
    assert!(listed.iter().any(|e| e["id"] == reversal), "{page}");
    assert!(
        listed
            .iter()
            .any(|e| e["id"] == original["id"] && e["reversed_by"] == reversal),
        "{page}"
    );
}

async fn a_month_close_shows_in_the_next_read(app: TestApp) {
    let entry = app.post_entry(V1A, expense("F-1", "2024-03-12", 100)).await;
    let one = format!("/api/v1/entries/{}", entry["id"].as_str().unwrap());
    let (_, list_etag) = warm(&app, "villager1a", &listing(V1A)).await;
    let (_, entry_etag) = warm(&app, "villager1a", &one).await;
    let res = app
        .post(
            "clerk1",
            &format!("/api/v1/villages/{V1A}/periods/2024-03/close"),
            json!({}),
        )
        .await;
    assert!(res.status.is_success(), "{}", res.text());
    // The close is a new version of the village's ledger: no client keeps a 304 across it.
    reread(&app, "villager1a", &listing(V1A), &list_etag).await;
    reread(&app, "villager1a", &one, &entry_etag).await;
    // And a reversal now lands in the first open month, seen at once.
    let (_, list_etag) = warm(&app, "villager1a", &listing(V1A)).await;
    let res = app
        .post("clerk1", &format!("{one}/reversal"), json!({"reason": "重复"}))
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    let page = reread(&app, "villager1a", &listing(V1A), &list_etag).await;
    assert!(
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["period"] == json!("2024-04")),
        "{page}"
    );
}

async fn attach(app: &TestApp, entry: &str) -> Value {
    let bytes = std::fs::read(format!(
        "{}/receipts-fixtures/scan-flatbed.png",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let res = upload_receipt(app, "clerk1", entry, "a.png", &bytes).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    res.json()
}

async fn a_receipt_attached_and_withdrawn_shows_in_the_next_read(app: TestApp) {
    let entry = app.post_entry(V1A, expense("F-1", "2024-03-12", 6_490)).await;
    let id = entry["id"].as_str().unwrap();
    let one = format!("/api/v1/entries/{id}");
    let (page, list_etag) = warm(&app, "villager1a", &listing(V1A)).await;
    assert_eq!(page["items"][0]["receipt_count"], json!(0));
    let (shown, entry_etag) = warm(&app, "villager1a", &one).await;
    assert_eq!(shown["receipts"], json!([]));

    let receipt = attach(&app, id).await;
    let page = reread(&app, "villager1a", &listing(V1A), &list_etag).await;
    assert_eq!(page["items"][0]["receipt_count"], json!(1));
    let shown = reread(&app, "villager1a", &one, &entry_etag).await;
    assert_eq!(shown["receipts"][0]["id"], receipt["id"]);
    assert_eq!(shown["receipts"][0]["withdrawn"], Value::Null);

    let (_, entry_etag) = warm(&app, "villager1a", &one).await;
    let res = app
        .post(
            "clerk1",
            &format!("/api/v1/receipts/{}/withdrawal", receipt["id"].as_str().unwrap()),
            json!({"reason": "附错了凭证"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    let shown = reread(&app, "villager1a", &one, &entry_etag).await;
    assert_eq!(shown["receipts"][0]["withdrawn"]["reason"], json!("附错了凭证"));
}

async fn a_disabled_users_token_is_refused_at_once(app: TestApp) {
    app.post_entry(V1A, expense("F-1", "2024-03-12", 100)).await;
    warm(&app, "villager1a", &listing(V1A)).await;
    let res = app.post("admin", "/api/v1/users/villager1a/disable", json!({})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    app.get("villager1a", &listing(V1A)).await.assert_problem(401);
}

async fn a_villager_of_another_village_gets_404_from_memory_too(app: TestApp) {
    app.post(
        "clerk2",
        &format!("/api/v1/villages/{V2A}/entries"),
        expense("F-1", "2024-03-12", 1),
    )
    .await;
    let (page, _) = warm(&app, "admin", &listing(V2A)).await;
    let id = page["items"][0]["id"].as_str().unwrap().to_owned();
    warm(&app, "admin", &format!("/api/v1/entries/{id}")).await;
    app.get("villager1a", &listing(V2A)).await.assert_problem(404);
    app.get("villager1a", &format!("/api/v1/entries/{id}"))
        .await
        .assert_problem(404);
    app.get("clerk1", &listing(V2A)).await.assert_problem(404);
    warm(&app, "clerk2", &listing(V2A)).await;
}

/// A second server on the same database: its own caches, the same rows.
async fn second_server(app: &TestApp) -> State {
    let mut settings = app.state.settings.clone();
    settings.database_url = Some(app.database_url());
    load_state(settings).expect("second server")
}

async fn call_on(state: &State, req: TestRequest) -> Resp {
    let service = test::init_service(build_app(state.clone())).await;
    Resp::read(service.call(req.to_request()).await.expect("service call")).await
}

async fn another_processs_writes_show_within_the_freshness_window(app: TestApp) {
    let window = std::time::Duration::from_millis(app.state.settings.freshness_ms + 100);
    app.post_entry(V1A, expense("F-1", "2024-03-12", 100)).await;
    warm(&app, "villager1a", &listing(V1A)).await;
    // Another server posts.
    let other = second_server(&app).await;
    let res = call_on(
        &other,
        TestRequest::post()
            .uri(&format!("/api/v1/villages/{V1A}/entries"))
            .insert_header(bearer(&app.token("clerk1")))
            .set_json(expense("F-2", "2024-03-13", 200)),
    )
    .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    let posted = res.json();
    // The `user disable` command, or the other server, disables a user this server has seen.
    warm(&app, "inspector", "/api/v1/townships").await;
    {
        let mut conn = app.conn();
        village_ledger::auth::users::disable_user(&mut conn, "inspector").expect("disable");
    }
    std::thread::sleep(window);
    let page = app.get("villager1a", &listing(V1A)).await.json();
    assert_eq!(page["items"][0]["id"], posted["id"], "{page}");
    app.get("inspector", "/api/v1/townships").await.assert_problem(401);
}

on_both_backends!(
    a_posting_shows_in_the_next_read,
    a_reversal_shows_in_the_next_read,
    a_month_close_shows_in_the_next_read,
    a_receipt_attached_and_withdrawn_shows_in_the_next_read,
    a_disabled_users_token_is_refused_at_once,
    a_villager_of_another_village_gets_404_from_memory_too,
    another_processs_writes_show_within_the_freshness_window,
);
