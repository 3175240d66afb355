//! Authorize before parsing: a caller who may not use a write route is refused from the token
//! and the path alone, having sent at most a few KiB of the body, however large, endless or
//! mislabelled that body is.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use crate::support::*;
use actix_web::dev::{Payload, Service};
use actix_web::error::PayloadError;
use actix_web::test::{self, TestRequest};
use actix_web::web::Bytes;
use futures_util::Stream;
use serde_json::json;
use village_ledger::api::build_app;

/// A request body that never ends, counting what the server pulled from it.
struct Endless {
    pulled: Arc<AtomicUsize>,
}

impl Stream for Endless {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        const CHUNK: [u8; 1024] = [b'['; 1024];
        self.pulled.fetch_add(CHUNK.len(), Ordering::Relaxed);
        Poll::Ready(Some(Ok(Bytes::from_static(&CHUNK))))
    }
}

/// The most of a refused body the server may have pulled: what one read of a socket buffer
/// brings, far from "to the end".
const MOST_PULLED: usize = 16 * 1024;

/// Sends an endless body as `user` and returns the answer and how much of the body was read.
async fn send_endless(app: &TestApp, user: &str, uri: &str, content_type: &str) -> (Resp, usize) {
    let pulled = Arc::new(AtomicUsize::new(0));
    let req = TestRequest::post()
        .uri(uri)
        .insert_header(bearer(&app.token(user)))
        .insert_header(("content-type", content_type))
        // A declared length far past every limit: still not a 413 for a caller who may not write.
        .insert_header(("content-length", "10000000000"))
        .to_request();
    let endless = Endless { pulled: pulled.clone() };
    let stream: Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>> = Box::pin(endless);
    let (req, _) = req.replace_payload(Payload::Stream { payload: stream });
    let service = test::init_service(build_app(app.state.clone())).await;
    let answer = tokio::time::timeout(Duration::from_secs(10), service.call(req))
        .await
        .unwrap_or_else(|_| panic!("{user} POST {uri}: no answer within 10 s; the server is reading the endless body"))
        .expect("service call");
    let resp = Resp::read(answer).await;
    (resp, pulled.load(Ordering::Relaxed))
}

/// A round of the seeded inspector over township 1, made by the admin; its id.
async fn create_round(app: &TestApp, name: &str, starts_on: &str, ends_on: &str) -> String {
    let round = app
        .post(
            "admin",
            "/api/v1/inspections",
            json!({
                "name": name,
                "inspectors": ["inspector"],
                "townships": [T1],
                "starts_on": starts_on,
                "ends_on": ends_on
            }),
        )
        .await;
    assert_eq!(round.status.as_u16(), 201, "{}", round.text());
    round.json()["id"].as_str().unwrap().to_owned()
}

async fn write_routes_refuse_endless_bodies_of_callers_without_the_function(app: TestApp) {
    let entry = app.post_entry(V1A, expense("H-1", "2024-03-12", 95_000)).await;
    let entry_id = entry["id"].as_str().unwrap().to_owned();
    let round_id = create_round(&app, "2024年第一轮巡察", "2024-01-01", "2099-12-31").await;
    let entries = format!("/api/v1/villages/{V1A}/entries");
    let reversal = format!("/api/v1/entries/{entry_id}/reversal");
    let close = format!("/api/v1/villages/{V1A}/periods/2024-01/close");
    let checkpoints = format!("/api/v1/inspections/{round_id}/checkpoints");
    let not_admin = ["clerk1", "villager1a", "inspector"];
    let not_clerk = ["admin", "villager1a", "inspector"];
    // (route, refused callers with the status each must get)
    let mut cases: Vec<(&str, Vec<(&str, u16)>)> = vec![
        ("/api/v1/townships", not_admin.iter().map(|u| (*u, 403)).collect()),
        ("/api/v1/villages", not_admin.iter().map(|u| (*u, 403)).collect()),
        ("/api/v1/users", not_admin.iter().map(|u| (*u, 403)).collect()),
        ("/api/v1/inspections", not_admin.iter().map(|u| (*u, 403)).collect()),
        (
            "/api/v1/users/clerk1/disable",
            not_admin.iter().map(|u| (*u, 403)).collect(),
        ),
    ];
    for uri in [&entries, &reversal, &close] {
        let mut refused: Vec<(&str, u16)> = not_clerk.iter().map(|u| (*u, 403)).collect();
        refused.push(("clerk2", 404));
        cases.push((uri.as_str(), refused));
    }
    cases.push((checkpoints.as_str(), vec![("clerk1", 403), ("villager1a", 403)]));
    for (uri, refused) in &cases {
        for (user, status) in refused {
            for content_type in ["application/json", "text/plain"] {
                let (resp, pulled) = send_endless(&app, user, uri, content_type).await;
                assert_eq!(
                    resp.status.as_u16(),
                    *status,
                    "{user} POST {uri} ({content_type}): {}",
                    resp.text()
                );
                resp.assert_problem(*status);
                assert!(
                    pulled <= MOST_PULLED,
                    "{user} POST {uri}: {pulled} bytes of the body were read before the refusal"
                );
            }
        }
    }
    // The refusals were audited, each with the caller and the outcome.
    assert!(app.count("audit_log") >= cases.iter().map(|(_, r)| r.len() * 2).sum::<usize>() as i64);
}

async fn an_inspector_of_a_closed_round_records_no_checkpoint(app: TestApp) {
    app.post_entry(V1A, expense("H-2", "2024-03-12", 95_000)).await;
    let id = create_round(&app, "2023年巡察", "2023-01-01", "2023-12-31").await;
    let size = app.get("admin", "/api/v1/log/checkpoint").await;
    let uri = format!("/api/v1/inspections/{id}/checkpoints");
    let body = json!({"size": 1});
    let refused = app.post("inspector", &uri, body.clone()).await;
    let problem = refused.assert_problem(403);
    assert!(problem["detail"].as_str().unwrap().contains("2023-12-31"), "{problem}");
    // Reading what the round recorded stays possible.
    let list = app.get("inspector", &uri).await;
    assert_eq!(list.status.as_u16(), 200, "{}", list.text());
    // Admins keep the round's record straight even after it closed.
    let by_admin = app.post("admin", &uri, body).await;
    assert!(
        [201, 422].contains(&by_admin.status.as_u16()),
        "{} (checkpoint {})",
        by_admin.text(),
        size.text()
    );
}

async fn problem_details_and_audit_records_are_bounded_whatever_was_sent(app: TestApp) {
    // A 60 KB path segment and a 60 KB JSON string (the most a URI and a JSON body may carry):
    // answered, audited, stored bounded.
    let huge = "9".repeat(60_000);
    let res = app
        .post("clerk1", &format!("/api/v1/villages/{huge}/entries"), json!({}))
        .await;
    let problem = res.assert_problem(404);
    assert!(problem["detail"].as_str().unwrap().chars().count() <= 601, "{problem}");
    let res = app
        .post(
            "admin",
            "/api/v1/townships",
            json!({"code": huge.as_str(), "name": huge.as_str()}),
        )
        .await;
    assert!(res.status.is_client_error(), "{}", res.status);
    let problem = res.json();
    assert!(problem["detail"].as_str().unwrap().chars().count() <= 601, "{problem}");
    let audit = app.get("admin", "/api/v1/audit?limit=100").await;
    assert_eq!(audit.status.as_u16(), 200, "{}", audit.text());
    assert!(
        audit.body.len() < 64 * 1024,
        "{} bytes of audit records",
        audit.body.len()
    );
}

on_both_backends!(
    write_routes_refuse_endless_bodies_of_callers_without_the_function,
    an_inspector_of_a_closed_round_records_no_checkpoint,
    problem_details_and_audit_records_are_bounded_whatever_was_sent,
);
