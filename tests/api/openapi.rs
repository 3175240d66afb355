//! The committed OpenAPI document is what the code generates and what the app serves.
//! `UPDATE_OPENAPI=1 cargo test --test api openapi::` rewrites `openapi/openapi.json`.

use crate::support::TestApp;
use actix_web::http::StatusCode;
use actix_web::test::TestRequest;

const COMMITTED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json");

fn generated() -> String {
    let doc = village_ledger::api::openapi();
    serde_json::to_string_pretty(&doc).expect("serialize") + "\n"
}

#[test]
fn the_committed_openapi_document_matches_the_code() {
    let now = generated();
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(COMMITTED, &now).expect("write openapi/openapi.json");
        return;
    }
    let committed = std::fs::read_to_string(COMMITTED).unwrap_or_default();
    assert!(
        committed == now,
        "openapi/openapi.json differs from the code; run UPDATE_OPENAPI=1 cargo test --test api openapi:: and commit the diff"
    );
}

#[actix_web::test]
async fn the_app_serves_the_document_and_the_offline_docs_page() {
    let app = TestApp::new().await;
    let res = app.call(TestRequest::get().uri("/api-docs/openapi.json")).await;
    assert_eq!(res.status, StatusCode::OK);
    let served: serde_json::Value = res.json();
    let expected: serde_json::Value = serde_json::from_str(&generated()).expect("json");
    assert_eq!(served, expected);
    assert!(served["openapi"].as_str().is_some_and(|v| v.starts_with("3.1")));
    let docs = app.call(TestRequest::get().uri("/docs/")).await;
    assert_eq!(docs.status, StatusCode::OK);
    assert!(docs.text().contains("swagger-ui"), "{}", docs.text());
    let bundle = app.call(TestRequest::get().uri("/docs/swagger-ui-bundle.js")).await;
    assert_eq!(bundle.status, StatusCode::OK);
    assert!(
        bundle.body.len() > 100_000,
        "the viewer's assets ship inside the binary"
    );
}

#[test]
fn every_operation_has_a_problem_response_and_bearer_security_unless_public() {
    let doc = serde_json::to_value(village_ledger::api::openapi()).expect("json");
    let public = [
        "/healthz",
        "/readyz",
        "/metrics",
        "/api/v1/log/checkpoint",
        "/api/v1/log/key",
        "/api/v1/log/consistency",
        "/api/v1/auth/token",
        "/api/v1/auth/refresh",
        "/api/v1/auth/logout",
    ];
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("item") {
            let responses = op["responses"].as_object().expect("responses");
            if path != "/healthz" {
                assert!(
                    responses
                        .values()
                        .any(|r| r["content"].get("application/problem+json").is_some()),
                    "{method} {path} declares no problem document"
                );
            }
            if !public.contains(&path.as_str()) {
                assert!(op["security"].is_array(), "{method} {path} has no security requirement");
                assert!(responses.contains_key("401"), "{method} {path} does not declare 401");
            }
        }
    }
}
