//! The red flags of an inspection round (`GET /api/v1/crosscheck/flags?inspection=<id>`): the
//! villages of its townships and its own villages, for administrators and the round's
//! inspectors while it is open; closed, its inspectors are refused (409) and administrators
//! still read it; a round that is not theirs is missing to inspectors, other roles are
//! refused, and a round named with a village or township is refused.

use std::collections::BTreeSet;

use chrono::{Duration, Utc};
use serde_json::{Value, json};

use crate::support::*;

/// Creates a round of `inspector` over `townships`, from `starts` to `ends` days from today.
async fn round(app: &TestApp, townships: &[&str], starts: i64, ends: i64) -> String {
    let today = Utc::now().date_naive();
    let res = app
        .post(
            "admin",
            "/api/v1/inspections",
            json!({"name": "交叉巡察", "inspectors": ["inspector"], "townships": townships,
                   "starts_on": today + Duration::days(starts), "ends_on": today + Duration::days(ends)}),
        )
        .await;
    assert_eq!(res.status.as_u16(), 201, "{}", res.text());
    res.json()["id"].as_str().unwrap().to_owned()
}

/// A round cash payment posted by `clerk` to `village` (flagged by `round_amount`); its id.
async fn round_payment(app: &TestApp, clerk: &str, village: &str) -> String {
    let body = expense("2024-001", "2024-05-14", 200_000);
    let res = app
        .post(clerk, &format!("/api/v1/villages/{village}/entries"), body)
        .await;
    assert_eq!(res.status.as_u16(), 201, "{}", res.text());
    res.json()["id"].as_str().unwrap().to_owned()
}

fn flagged(report: &Value) -> BTreeSet<String> {
    report["flags"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["entry_ids"].as_array().unwrap().iter())
        .map(|id| id.as_str().unwrap().to_owned())
        .collect()
}

async fn the_flags_of_a_round_cover_its_villages_only(app: TestApp) {
    let in_round = [
        round_payment(&app, "clerk1", V1A).await,
        round_payment(&app, "clerk1", V1B).await,
    ];
    let outside = round_payment(&app, "clerk2", V2A).await;
    // The inspector's home township is T2: the round is over T1.
    let open = round(&app, &[T1], -1, 30).await;
    let closed = round(&app, &[T1], -60, -30).await;

    let uri = |id: &str| format!("/api/v1/crosscheck/flags?inspection={id}&rules=round_amount");
    let res = app.get("inspector", &uri(&open)).await;
    assert_eq!(res.status.as_u16(), 200, "{}", res.text());
    let report = res.json();
    assert_eq!(
        report["scope"],
        json!({"kind": "inspection", "code": open, "villages": 2}),
        "{report}"
    );
    assert_eq!(flagged(&report), in_round.iter().cloned().collect(), "{report}");
    assert!(!flagged(&report).contains(&outside));
    let by_admin = app.get("admin", &uri(&open)).await.json();
    assert_eq!(by_admin["flags"], report["flags"]);

    // Closed, the round's inspector no longer reads its villages; an administrator does.
    let p = app.get("inspector", &uri(&closed)).await.assert_problem(409);
    assert!(p["detail"].as_str().unwrap().contains(&closed), "{p}");
    let res = app.get("admin", &uri(&closed)).await;
    assert_eq!(res.status.as_u16(), 200, "{}", res.text());
    assert_eq!(flagged(&res.json()), in_round.iter().cloned().collect());

    // No such round, a round of other roles, a round with a place, a villager.
    app.get("inspector", &uri("in_000000000000000000000000"))
        .await
        .assert_problem(404);
    app.get("clerk1", &uri(&open)).await.assert_problem(403);
    app.get("villager1a", &uri(&open)).await.assert_problem(403);
    let both = format!("/api/v1/crosscheck/flags?inspection={open}&village={V1A}");
    let p = app.get("admin", &both).await.assert_problem(422);
    assert!(p["detail"].as_str().unwrap().contains("not both"), "{p}");
}

on_both_backends!(the_flags_of_a_round_cover_its_villages_only);
