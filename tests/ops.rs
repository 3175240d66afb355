//! Health, readiness, metrics and request ids.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use common::*;

async fn health_and_readiness_answer_without_a_token(app: TestApp) {
    let health = app.call(TestRequest::get().uri("/healthz")).await;
    assert_eq!(health.status, StatusCode::OK);
    assert_eq!(health.json()["status"], "ok");
    let ready = app.call(TestRequest::get().uri("/readyz")).await;
    assert_eq!(ready.status, StatusCode::OK, "{}", ready.text());
}

async fn readiness_fails_when_the_data_dir_is_not_writable(app: TestApp) {
    let dir = app.state.settings.data_dir.clone();
    std::fs::remove_dir_all(&dir).expect("remove data dir");
    let ready = app.call(TestRequest::get().uri("/readyz")).await;
    ready.assert_problem(503);
}

async fn metrics_count_requests_by_route_and_status(app: TestApp) {
    app.post_entry(V1A, expense("M-1", "2024-03-12", 95_000)).await;
    app.get("villager1a", &format!("/api/v1/villages/{V1A}/entries")).await;
    app.get("villager1a", &format!("/api/v1/villages/{V2A}/entries")).await;
    let res = app.call(TestRequest::get().uri("/metrics")).await;
    assert_eq!(res.status, StatusCode::OK);
    let text = res.text();
    assert!(
        text.contains(r#"vl_http_requests_total{method="GET",route="/api/v1/villages/{code}/entries",status="200"} 1"#),
        "{text}"
    );
    assert!(
        text.contains(r#"vl_http_requests_total{method="GET",route="/api/v1/villages/{code}/entries",status="404"} 1"#),
        "{text}"
    );
    assert!(
        text.contains(
            r#"vl_http_requests_total{method="POST",route="/api/v1/villages/{code}/entries",status="201"} 1"#
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "vl_http_request_duration_seconds_bucket{route=\"/api/v1/villages/{code}/entries\",le=\"+Inf\"} 3"
        ),
        "{text}"
    );
    assert!(text.contains("vl_entries_posted_total 1"), "{text}");
    let pool_line = format!("vl_db_pool_max_connections {}", app.state.settings.pool_size);
    assert!(text.contains(&pool_line), "{text}");
}

async fn request_ids_are_echoed_or_generated(app: TestApp) {
    let res = app
        .call(
            TestRequest::get()
                .uri("/healthz")
                .insert_header(("x-request-id", "abc-123")),
        )
        .await;
    assert_eq!(res.header("x-request-id").as_deref(), Some("abc-123"));
    let res = app
        .call(
            TestRequest::get()
                .uri("/healthz")
                .insert_header(("x-request-id", "bad id\twith spaces")),
        )
        .await;
    let generated = res.header("x-request-id").expect("generated id");
    assert!(generated.starts_with("rq_"), "{generated}");
}

on_both_backends!(
    health_and_readiness_answer_without_a_token,
    readiness_fails_when_the_data_dir_is_not_writable,
    metrics_count_requests_by_route_and_status,
    request_ids_are_echoed_or_generated,
);
