//! Signing out (`POST /api/v1/auth/logout`): the refresh token presented is revoked on the
//! server, other sessions of the same user keep theirs, signing out twice is not an error, a
//! malformed body is a 400, and each sign-out is in the audit log under its user.

use crate::support::*;
use actix_web::http::StatusCode;
use actix_web::test;
use serde_json::{Value, json};

async fn send(app: &TestApp, uri: &str, body: Value) -> Resp {
    app.call(test::TestRequest::post().uri(uri).set_json(body)).await
}

async fn refresh_token_of(app: &TestApp, username: &str) -> String {
    let res = send(
        app,
        "/api/v1/auth/token",
        json!({"username": username, "password": PASSWORD}),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    res.json()["refresh_token"].as_str().expect("refresh_token").to_owned()
}

async fn logout(app: &TestApp, token: &str) -> Resp {
    send(app, "/api/v1/auth/logout", json!({"refresh_token": token})).await
}

async fn a_signed_out_refresh_token_no_longer_refreshes(app: TestApp) {
    let phone = refresh_token_of(&app, "villager1a").await;
    let laptop = refresh_token_of(&app, "villager1a").await;

    let res = logout(&app, &phone).await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.text());
    assert_eq!(res.header("cache-control").as_deref(), Some("no-store"));
    assert!(res.text().is_empty());

    let res = send(&app, "/api/v1/auth/refresh", json!({"refresh_token": phone})).await;
    let problem = res.assert_problem(401);
    assert_eq!(problem["type"], "urn:village-ledger:problem:unauthorized");
    // The user's other session is untouched: only the token presented is revoked.
    let res = send(&app, "/api/v1/auth/refresh", json!({"refresh_token": laptop})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
}

async fn signing_out_twice_or_with_an_unknown_token_is_not_an_error(app: TestApp) {
    let token = refresh_token_of(&app, "clerk1").await;
    for case in [token.as_str(), token.as_str(), "rt_never-issued", &"x".repeat(5000)] {
        let res = logout(&app, case).await;
        assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.text());
    }
    // A used token (traded for its successor) stays used: signing out with it revokes nothing
    // else, and the successor still works.
    let first = refresh_token_of(&app, "clerk1").await;
    let res = send(&app, "/api/v1/auth/refresh", json!({"refresh_token": first})).await;
    let second = res.json()["refresh_token"].as_str().expect("successor").to_owned();
    assert_eq!(logout(&app, &first).await.status, StatusCode::NO_CONTENT);
    let res = send(&app, "/api/v1/auth/refresh", json!({"refresh_token": second})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
}

async fn a_malformed_sign_out_is_a_400_and_revokes_nothing(app: TestApp) {
    let token = refresh_token_of(&app, "villager1a").await;
    for body in [
        json!({}),
        json!({"refresh_token": 5}),
        json!({"refresh_token": token, "extra": 1}),
    ] {
        send(&app, "/api/v1/auth/logout", body).await.assert_problem(400);
    }
    let res = app
        .call(
            test::TestRequest::post()
                .uri("/api/v1/auth/logout")
                .insert_header(("content-type", "text/plain"))
                .set_payload(token.clone()),
        )
        .await;
    res.assert_problem(415);
    let res = send(&app, "/api/v1/auth/refresh", json!({"refresh_token": token})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
}

async fn sign_outs_are_audited_under_their_user(app: TestApp) {
    let token = refresh_token_of(&app, "villager1a").await;
    assert_eq!(logout(&app, &token).await.status, StatusCode::NO_CONTENT);
    assert_eq!(logout(&app, "rt_never-issued").await.status, StatusCode::NO_CONTENT);
    let res = app.get("admin", "/api/v1/audit?limit=200").await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert!(!res.text().contains(&token), "the audit log never holds a token");
    let items = res.json()["items"].as_array().expect("items").clone();
    let outs: Vec<&Value> = items.iter().filter(|r| r["action"] == "auth.logout").collect();
    assert_eq!(outs.len(), 2, "{outs:?}");
    assert_eq!(outs[0]["actor"], "villager1a");
    assert_eq!(outs[0]["outcome"], "ok");
    assert!(outs[1]["actor"].is_null(), "an unknown token names nobody: {}", outs[1]);
}

on_both_backends!(
    a_signed_out_refresh_token_no_longer_refreshes,
    signing_out_twice_or_with_an_unknown_token_is_not_an_error,
    a_malformed_sign_out_is_a_400_and_revokes_nothing,
    sign_outs_are_audited_under_their_user,
);
