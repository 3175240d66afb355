//! The demo county's inspection workflow through the real app, as a person trying it would
//! see it: the villager's report on the faked housing relief, its finding, the red ticket to the
//! police concluded within its three days (移送司法机关, 10,000.00 recovered) and published to
//! the village; 头岙村's findings referred to 海润街道纪工委 with yellow tickets while the
//! station rectifies; the villagers' questions answered; the county's figures.

use actix_web::test;
use serde_json::{Value, json};
use village_ledger::api::{State, build_app, load_state};
use village_ledger::config::Settings;
use village_ledger::demo::{ensure_demo, planted};

async fn call(state: &State, req: test::TestRequest) -> Value {
    let app = test::init_service(build_app(state.clone())).await;
    let res = test::call_service(&app, req.insert_header(("accept-language", "en")).to_request()).await;
    let status = res.status();
    let body: Value = test::read_body_json(res).await;
    assert!(status.is_success(), "{status}: {body}");
    body
}

async fn sign_in(state: &State, username: &str, password: &str) -> (&'static str, String) {
    let body = call(
        state,
        test::TestRequest::post()
            .uri("/api/v1/auth/token")
            .set_json(json!({"username": username, "password": password})),
    )
    .await;
    (
        "authorization",
        format!("Bearer {}", body["access_token"].as_str().unwrap()),
    )
}

async fn get(state: &State, auth: &(&'static str, String), uri: &str) -> Value {
    call(state, test::TestRequest::get().uri(uri).insert_header(auth.clone())).await
}

fn days_between(from: &Value, to: &Value) -> i64 {
    let parse = |v: &Value| chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap()).unwrap();
    (parse(to) - parse(from)).num_hours() / 24
}

#[actix_web::test]
async fn the_demo_tells_the_inspection_story_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let state = load_state(Settings::for_data_dir(dir.path())).unwrap();
    {
        let mut conn = state.pool.get().unwrap();
        ensure_demo(&mut conn, &state.log, &state.receipts).unwrap();
    }
    let admin = sign_in(&state, "admin", "admin-demo-2026").await;

    // The red ticket: issued the day of the finding, concluded within its three days by the
    // police, referred to the judiciary with the whole 10,000.00 recovered.
    let tickets = get(&state, &admin, "/api/v1/tickets").await;
    let items = tickets["items"].as_array().unwrap();
    assert_eq!(items.len(), 4, "{tickets}");
    let red: Vec<&Value> = items.iter().filter(|t| t["colour"] == "red").collect();
    assert_eq!(red.len(), 1, "{tickets}");
    let red = red[0];
    assert_eq!(red["village_code"], planted::FAKE_RELIEF_VILLAGE);
    assert_eq!(red["addressee"]["name"], "县公安局");
    assert_eq!(red["status"], "concluded");
    assert_eq!(red["outcome"], "referred_to_judiciary");
    assert_eq!(red["recovered_fen"], 1_000_000);
    assert!(days_between(&red["issued_at"], &red["concluded_at"]) <= 3, "{red}");
    assert_eq!(red["overdue"], false);
    let finding = get(
        &state,
        &admin,
        &format!("/api/v1/findings/{}", red["finding_id"].as_str().unwrap()),
    )
    .await;
    assert_eq!(finding["amount_fen"], 1_000_000);
    let kinds: Vec<&str> = finding["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["entry", "report"], "{finding}");
    assert_eq!(
        finding["recorded_at"].as_str().unwrap()[..10],
        red["issued_at"].as_str().unwrap()[..10]
    );
    // The report it rests on came from a villager of the village; the police, who read the
    // ticket, do not learn who.
    let police = sign_in(&state, "police-sanmen", "sanmen-police-2026").await;
    let theirs = get(&state, &police, "/api/v1/tickets").await;
    assert_eq!(theirs["items"].as_array().unwrap().len(), 1, "{theirs}");
    let inspector = sign_in(&state, "inspector-wang", "wang-inspect-2026").await;
    let report_id = finding["evidence"][1]["id"].as_str().unwrap();
    let report = get(&state, &inspector, &format!("/api/v1/questions/{report_id}")).await;
    assert_eq!(report["kind"], "report");
    assert_eq!(
        report["asked_by"], "villager-chuanbangli",
        "the round's inspector knows the reporter"
    );

    // Published to the village: its villager reads the result.
    let villager = sign_in(&state, "villager-chuanbangli", "chuanbangli-demo-2026").await;
    let published = get(
        &state,
        &villager,
        &format!("/api/v1/villages/{}/findings", planted::FAKE_RELIEF_VILLAGE),
    )
    .await;
    let published = published["items"].as_array().unwrap();
    assert_eq!(published.len(), 1, "{published:?}");
    assert_eq!(published[0]["publication"]["status"], "referred");

    // 头岙村: two yellow tickets to 海润街道纪工委, one concluded with rectification, one
    // received; the station's rectification of the hospitality finding awaits the inspectors.
    let jiwei = sign_in(&state, "jiwei-hairun", "hairun-jiwei-2026").await;
    let yellow = get(&state, &jiwei, "/api/v1/tickets").await;
    let yellow = yellow["items"].as_array().unwrap();
    assert_eq!(yellow.len(), 2, "{yellow:?}");
    assert!(
        yellow
            .iter()
            .all(|t| t["colour"] == "yellow" && t["village_code"] == planted::NO_TENDER_VILLAGE)
    );
    let mut statuses: Vec<&str> = yellow.iter().map(|t| t["status"].as_str().unwrap()).collect();
    statuses.sort();
    assert_eq!(statuses, ["concluded", "received"]);
    let touao = get(
        &state,
        &inspector,
        &format!("/api/v1/villages/{}/findings", planted::NO_TENDER_VILLAGE),
    )
    .await;
    let mut states: Vec<&str> = touao["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rectification"].as_str().unwrap())
        .collect();
    states.sort();
    assert_eq!(states, ["pending", "submitted"], "{touao}");

    // The villagers' questions: answered by the station, one accepted, one still open.
    let kantou = sign_in(&state, "villager-kantou", "kantou-demo-2026").await;
    let asked = get(&state, &kantou, "/api/v1/villages/331022102201/questions").await;
    let mut statuses: Vec<&str> = asked["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["status"].as_str().unwrap())
        .collect();
    statuses.sort();
    assert_eq!(statuses, ["accepted", "answered", "open"], "{asked}");

    // The county's figures, computed from all of it.
    let stats = get(&state, &admin, "/api/v1/stats").await;
    assert_eq!(stats["rounds"], 2, "{stats}");
    assert_eq!(stats["findings"], 4, "{stats}");
    assert_eq!(stats["overdue_tickets"], 1, "the blue ticket nobody received: {stats}");
    assert_eq!(stats["referrals_to_judiciary"], 1);
    assert_eq!(stats["recovered_fen"], 1_000_000);
}
