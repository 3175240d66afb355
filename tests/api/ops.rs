//! Health, readiness, metrics and request ids.

use crate::support::*;
use actix_web::http::StatusCode;
use actix_web::test::TestRequest;

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
    let res = app.get("admin", "/metrics").await;
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

async fn metrics_are_for_admins_on_the_public_address(app: TestApp) {
    app.call(TestRequest::get().uri("/metrics")).await.assert_problem(401);
    for user in ["villager1a", "clerk1", "inspector"] {
        app.get(user, "/metrics").await.assert_problem(403);
    }
    assert_eq!(app.get("admin", "/metrics").await.status, StatusCode::OK);
}

async fn readiness_writes_nothing_into_the_data_dir(app: TestApp) {
    let dir = app.state.settings.data_dir.clone();
    let listing = || {
        let mut names: Vec<_> = std::fs::read_dir(&dir)
            .expect("data dir")
            .map(|e| {
                let e = e.expect("entry");
                (
                    e.file_name(),
                    e.metadata().expect("metadata").modified().expect("mtime"),
                )
            })
            .collect();
        names.sort();
        names
    };
    let before = listing();
    let dir_mtime = std::fs::metadata(&dir).expect("dir").modified().expect("mtime");
    for _ in 0..20 {
        let ready = app.call(TestRequest::get().uri("/readyz")).await;
        assert_eq!(ready.status, StatusCode::OK, "{}", ready.text());
    }
    let after: Vec<_> = listing()
        .into_iter()
        .filter(|(n, _)| !n.to_string_lossy().starts_with("ledger.db"))
        .collect();
    let before: Vec<_> = before
        .into_iter()
        .filter(|(n, _)| !n.to_string_lossy().starts_with("ledger.db"))
        .collect();
    assert_eq!(before, after, "readiness probes changed the data dir");
    assert_eq!(
        std::fs::metadata(&dir).expect("dir").modified().expect("mtime"),
        dir_mtime,
        "a file was created or removed in the data dir"
    );
}

/// A GET without a token, answering the status and the body as text.
fn get_text(addr: &str, path: &str) -> (u16, String) {
    let answer = send(addr, "GET", path, None, None);
    (answer.status, answer.body)
}

#[actix_web::test]
async fn operators_scrape_metrics_on_their_own_address_and_the_public_one_has_none() {
    let app = TestApp::new().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let operators = format!("127.0.0.1:{port}");
    let (mut server, public) = start_server(app.dir.path(), &["--metrics-bind", &operators]);
    let mut scraped = None;
    for _ in 0..100 {
        if std::net::TcpStream::connect(&operators).is_ok() {
            scraped = Some(get_text(&operators, "/metrics"));
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let (public_status, _) = http(&public, "GET", "/metrics", None, None);
    let (admin_status, _) = http(&public, "GET", "/metrics", Some(&app.token("admin")), None);
    let (other_path, _) = get_text(&operators, "/api/v1/townships");
    server.kill().ok();
    server.wait().ok();
    let (status, text) = scraped.expect("the operators' address answers");
    assert_eq!(status, 200, "{text}");
    assert!(text.contains("# TYPE vl_http_requests_total"), "{text}");
    assert_eq!(
        public_status, 404,
        "metrics on the public address while VL_METRICS_BIND is set"
    );
    assert_eq!(admin_status, 404);
    assert_eq!(other_path, 404, "the operators' address serves metrics only");
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
    metrics_are_for_admins_on_the_public_address,
    readiness_writes_nothing_into_the_data_dir,
    request_ids_are_echoed_or_generated,
);
