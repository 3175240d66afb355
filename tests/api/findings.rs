//! Checklists, marks and progress, findings (leaves of the transparency log, proven with the
//! independent verifier of `tlog`), the closed window, rectification and its follow-up round,
//! publication to the village: every transition and refusal, over SQLite and PostgreSQL.

use crate::support::*;
use crate::tlog::{b64_hashes, check_note, checkpoint_now, finding_leaf_bytes, hash_leaf, root_from_path, text};
use actix_web::http::{Method, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use village_ledger::auth::tokens::issue_access_token;
use village_ledger::auth::users::{NewUser, add_user};
use village_ledger::auth::{Caller, Role};

fn day(offset: i64) -> String {
    (village_ledger::api::today() + chrono::Duration::days(offset)).to_string()
}

/// Noon (county time) of the day `offset` days from today, as the clock's UTC time.
fn noon(offset: i64) -> chrono::NaiveDateTime {
    (village_ledger::api::today() + chrono::Duration::days(offset))
        .and_hms_opt(4, 0, 0)
        .unwrap()
}

/// An inspector with no seeded token: added here, called with a token signed by the app.
fn add_inspector(app: &TestApp, username: &str, home: &str) {
    let mut conn = app.conn();
    add_user(
        &mut conn,
        NewUser {
            username: username.into(),
            role: Role::Inspector,
            township: None,
            village: None,
            home_township: Some(home.into()),
            home_village: None,
            addressee: None,
        },
        PASSWORD,
    )
    .unwrap();
}

async fn as_inspector(app: &TestApp, username: &str, method: Method, uri: &str, body: Option<Value>) -> Resp {
    let caller = Caller {
        username: username.into(),
        role: Role::Inspector,
        village: None,
        township: None,
    };
    let token = issue_access_token(&app.state.keys, &app.state.tokens, &caller).unwrap();
    let mut req = actix_web::test::TestRequest::default()
        .method(method)
        .uri(uri)
        .insert_header(bearer(&token));
    if let Some(body) = body {
        req = req.set_json(body);
    }
    app.call(req).await
}

async fn put(app: &TestApp, user: &str, uri: &str, body: Value) -> Resp {
    app.request(Method::PUT, Some(user), uri, Some(body)).await
}

/// The common list: A-01 (relief) and B-01 (projects).
async fn common_list(app: &TestApp) -> String {
    let res = app
        .post(
            "admin",
            "/api/v1/checklists",
            json!({
                "name": "通用清单",
                "kind": "common",
                "items": [
                    {"code": "A-01", "title": "扶贫救助资金是否虚列", "category": "relief"},
                    {"code": "B-01", "title": "工程项目是否按规定招标", "category": "projects"}
                ]
            }),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    res.json()["id"].as_str().unwrap().to_owned()
}

async fn new_round(app: &TestApp, inspector: &str, township: &str, window: (i64, i64), extra: Value) -> Value {
    let mut body = json!({
        "name": format!("巡察{}", extra),
        "inspectors": [inspector],
        "townships": [township],
        "starts_on": day(window.0),
        "ends_on": day(window.1),
    });
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let res = app.post("admin", "/api/v1/inspections", body).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    res.json()
}

fn finding_body(village: &str, item: &str, extra: Value) -> Value {
    let mut body = json!({
        "village": village,
        "checklist_item": item,
        "description": "虚列\"危房改造\"补助支出",
        "amount_fen": 1_000_000,
        "requires_rectification": true,
        "rectify_by": day(30),
    });
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    body
}

async fn record(app: &TestApp, round: &str, body: Value) -> Resp {
    app.post("inspector", &format!("/api/v1/inspections/{round}/findings"), body)
        .await
}

async fn recorded(app: &TestApp, round: &str, body: Value) -> Value {
    let res = record(app, round, body).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    res.json()
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

async fn findings_are_recorded_listed_and_proven(app: TestApp) {
    common_list(&app).await;
    let round = new_round(&app, "inspector", T1, (-1, 30), json!({})).await;
    assert!(round["checklist"].is_string(), "the common list by default: {round}");
    let round = id(&round);
    let e1 = id(&app.post_entry(V1A, expense("V-001", "2024-03-12", 1_000_000)).await);
    let e2 = id(&app.post_entry(V1A, expense("V-002", "2024-03-13", 1_000_000)).await);
    let other = app
        .post(
            "clerk2",
            &format!("/api/v1/villages/{V2A}/entries"),
            expense("V-001", "2024-03-12", 5),
        )
        .await;
    let other = id(&other.json());
    // A villager's report on the village stands as evidence; a question, or a report on
    // another village, does not.
    let filed = app
        .post(
            "villager1a",
            &format!("/api/v1/entries/{e1}/questions"),
            json!({"kind": "report", "text": "这笔支出可能重复了"}),
        )
        .await;
    assert_eq!(filed.status.as_u16(), 201, "{}", filed.text());
    let report = id(&filed.json());
    let asked = app
        .post(
            "villager1a",
            &format!("/api/v1/entries/{e1}/questions"),
            json!({"kind": "question", "text": "这笔支出是做什么的?"}),
        )
        .await;
    let question = id(&asked.json());
    let elsewhere_report = app
        .post(
            "clerk2",
            &format!("/api/v1/entries/{other}/questions"),
            json!({"kind": "report", "text": "另一个村的举报"}),
        )
        .await;
    assert_eq!(elsewhere_report.status.as_u16(), 201, "{}", elsewhere_report.text());
    let elsewhere_report = id(&elsewhere_report.json());
    let f = recorded(
        &app,
        &round,
        finding_body(
            V1A,
            "A-01",
            json!({"evidence": [
                {"kind": "entry", "id": e1},
                {"kind": "flag", "rule": "duplicate_payment", "entries": [e1, e2]},
                {"kind": "reconciliation", "period": "2024-03", "result": "银行对账单无此笔支出"},
                {"kind": "report", "id": report}
            ]}),
        ),
    )
    .await;
    assert_eq!(f["category"], json!("relief"));
    assert_eq!(f["township_code"], json!(T1));
    assert_eq!(f["rectification"], json!("pending"));
    assert_eq!(f["evidence"][1]["entries"], json!([e1, e2]));
    let fid = id(&f);

    // Refusals write nothing: role, scope, then each bad value.
    let before = app.count("findings");
    let leaves = app.count("log_leaves");
    for (user, status) in [
        ("clerk1", 403),
        ("admin", 403),
        ("villager1a", 403),
        ("discipline1", 403),
    ] {
        app.post(
            user,
            &format!("/api/v1/inspections/{round}/findings"),
            finding_body(V1A, "A-01", json!({})),
        )
        .await
        .assert_problem(status);
    }
    let elsewhere = new_round(&app, "inspector", T1, (-1, 30), json!({})).await;
    add_inspector(&app, "inspector-other", T2);
    as_inspector(
        &app,
        "inspector-other",
        Method::POST,
        &format!("/api/v1/inspections/{}/findings", id(&elsewhere)),
        Some(finding_body(V1A, "A-01", json!({}))),
    )
    .await
    .assert_problem(404);
    for (body, status, says) in [
        (finding_body(V2A, "A-01", json!({})), 422, V2A.to_owned()),
        (finding_body(V1A, "Z-99", json!({})), 422, "Z-99".to_owned()),
        (
            finding_body(V1A, "A-01", json!({"evidence": [{"kind": "entry", "id": other}]})),
            422,
            other.clone(),
        ),
        (
            finding_body(
                V1A,
                "A-01",
                json!({"evidence": [{"kind": "flag", "rule": "no_such_rule", "entries": [e1]}]}),
            ),
            422,
            "no_such_rule".to_owned(),
        ),
        (
            finding_body(
                V1A,
                "A-01",
                json!({"evidence": [{"kind": "flag", "rule": "duplicate_payment", "entries": []}]}),
            ),
            422,
            "1".to_owned(),
        ),
        (
            finding_body(
                V1A,
                "A-01",
                json!({"evidence": [{"kind": "report", "id": "en_not_a_report"}]}),
            ),
            422,
            "en_not_a_report".to_owned(),
        ),
        (
            finding_body(V1A, "A-01", json!({"evidence": [{"kind": "report", "id": question}]})),
            422,
            question.clone(),
        ),
        (
            finding_body(
                V1A,
                "A-01",
                json!({"evidence": [{"kind": "report", "id": elsewhere_report}]}),
            ),
            422,
            elsewhere_report.clone(),
        ),
        (
            finding_body(
                V1A,
                "A-01",
                json!({"evidence": [{"kind": "report", "id": "qu_0123456789abcdef01234567"}]}),
            ),
            422,
            "qu_0123456789abcdef01234567".to_owned(),
        ),
        (
            finding_body(
                V1A,
                "A-01",
                json!({"evidence": [{"kind": "reconciliation", "period": "2024-13", "result": "x"}]}),
            ),
            422,
            "2024-13".to_owned(),
        ),
        (
            finding_body(
                V1A,
                "A-01",
                json!({"evidence": vec![json!({"kind": "entry", "id": e1}); 51]}),
            ),
            422,
            "50".to_owned(),
        ),
        (
            finding_body(V1A, "A-01", json!({"description": "长".repeat(2001)})),
            422,
            "2000".to_owned(),
        ),
        (
            finding_body(V1A, "A-01", json!({"amount_fen": -1})),
            422,
            "-1".to_owned(),
        ),
        (
            finding_body(V1A, "A-01", json!({"rectify_by": null})),
            422,
            "rectify_by".to_owned(),
        ),
        (
            finding_body(V1A, "A-01", json!({"requires_rectification": false})),
            422,
            "rectify_by".to_owned(),
        ),
        (
            finding_body(V1A, "A-01", json!({"rectify_by": "2020-01-01"})),
            422,
            "2020-01-01".to_owned(),
        ),
        (
            finding_body(V1A, "A-01", json!({"severity": "high"})),
            400,
            "severity".to_owned(),
        ),
        (
            finding_body(V1A, "A-01", json!({"evidence": [{"kind": "rumour", "id": e1}]})),
            400,
            "rumour".to_owned(),
        ),
    ] {
        let res = record(&app, &round, body.clone()).await;
        let p = res.assert_problem(status);
        assert!(p["detail"].as_str().unwrap().contains(&says), "{body}: {p}");
    }
    assert_eq!(app.count("findings"), before, "refusals write no finding");
    assert_eq!(app.count("log_leaves"), leaves, "refusals write no leaf");

    // Readers: the round's inspector, staff whose scope reads the village, admins; not
    // another township's clerk, nor villagers before publication.
    for (user, status) in [
        ("inspector", 200),
        ("admin", 200),
        ("clerk1", 200),
        ("discipline1", 200),
        ("discipline-county", 200),
        ("clerk2", 404),
        ("villager1a", 404),
    ] {
        let res = app.get(user, &format!("/api/v1/findings/{fid}")).await;
        assert_eq!(res.status.as_u16(), status, "{user}: {}", res.text());
    }
    app.get("inspector", "/api/v1/findings/fi_nothing")
        .await
        .assert_problem(404);

    // The leaf is the finding, byte for byte, and its proof verifies against the signed
    // checkpoint with the independent verifier.
    let res = app.get("inspector", &format!("/api/v1/findings/{fid}/proof")).await;
    res.assert_problem(409);
    checkpoint_now(&app).await;
    let vkey = text(&app, "/api/v1/log/key").await;
    let note = text(&app, "/api/v1/log/checkpoint").await;
    let (size, root) = check_note(&note, &vkey);
    for user in ["inspector", "clerk1"] {
        let res = app.get(user, &format!("/api/v1/findings/{fid}/proof")).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text());
        let p = res.json();
        let leaf = STANDARD.decode(p["leaf"].as_str().unwrap()).unwrap();
        assert_eq!(
            String::from_utf8(leaf.clone()).unwrap(),
            String::from_utf8(finding_leaf_bytes(&f)).unwrap(),
            "the leaf says what the finding says"
        );
        assert!(
            !String::from_utf8_lossy(&leaf).contains("villager"),
            "no reporter in a leaf"
        );
        assert_eq!(p["leaf_index"], f["log_index"]);
        let index = p["leaf_index"].as_u64().unwrap();
        assert_eq!(
            root_from_path(index, size, hash_leaf(&leaf), &b64_hashes(&p["proof"])),
            Some(root)
        );
        // A softened finding would not verify.
        let mut softer: Value = serde_json::from_slice(&leaf).unwrap();
        softer["amount_fen"] = json!(100);
        let softer = serde_json::to_vec(&softer).unwrap();
        assert_ne!(
            root_from_path(index, size, hash_leaf(&softer), &b64_hashes(&p["proof"])),
            Some(root)
        );
    }
    app.get("clerk2", &format!("/api/v1/findings/{fid}/proof"))
        .await
        .assert_problem(404);

    // The round's listing, page by page.
    let second = id(&recorded(&app, &round, finding_body(V1B, "B-01", json!({}))).await);
    let third = id(&recorded(&app, &round, finding_body(V1A, "B-01", json!({}))).await);
    let mut seen = Vec::new();
    let mut uri = format!("/api/v1/inspections/{round}/findings?limit=2");
    loop {
        let page = app.get("inspector", &uri).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text());
        let page = page.json();
        seen.extend(page["items"].as_array().unwrap().iter().map(id));
        match page["next_cursor"].as_str() {
            Some(c) => uri = format!("/api/v1/inspections/{round}/findings?limit=2&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen, vec![fid.clone(), second, third.clone()]);
    let only_v1a = app
        .get("admin", &format!("/api/v1/inspections/{round}/findings?village={V1A}"))
        .await
        .json();
    assert_eq!(
        only_v1a["items"].as_array().unwrap().iter().map(id).collect::<Vec<_>>(),
        vec![fid.clone(), third]
    );
    for bad in ["limit=0", "limit=201", "cursor=bm90LWEtY3Vyc29y"] {
        app.get("inspector", &format!("/api/v1/inspections/{round}/findings?{bad}"))
            .await
            .assert_problem(422);
    }
    app.get("inspector", &format!("/api/v1/inspections/{round}/findings?sort=x"))
        .await
        .assert_problem(400);
    app.get("clerk1", &format!("/api/v1/inspections/{round}/findings"))
        .await
        .assert_problem(403);
    as_inspector(
        &app,
        "inspector-other",
        Method::GET,
        &format!("/api/v1/inspections/{round}/findings"),
        None,
    )
    .await
    .assert_problem(404);
}

async fn the_closed_window_refuses_findings_and_marks_but_not_reading(app: TestApp) {
    common_list(&app).await;
    let round = id(&new_round(&app, "inspector", T1, (-10, 2), json!({})).await);
    app.state.clock.set(noon(0));
    let f = id(&recorded(&app, &round, finding_body(V1A, "A-01", json!({}))).await);
    let mark = format!("/api/v1/inspections/{round}/villages/{V1A}/checklist/B-01");
    let res = put(&app, "inspector", &mark, json!({"mark": "no_problem"})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());

    // Three days on, the window has closed: nothing new is recorded, everything is read.
    app.state.clock.set(noon(3));
    let ends_on = day(2);
    let p = record(&app, &round, finding_body(V1A, "A-01", json!({})))
        .await
        .assert_problem(409);
    assert!(p["detail"].as_str().unwrap().contains(&ends_on), "{p}");
    let p = put(&app, "inspector", &mark, json!({"mark": "not_applicable"}))
        .await
        .assert_problem(409);
    assert!(p["detail"].as_str().unwrap().contains(&ends_on), "{p}");
    assert_eq!(app.count("findings"), 1);
    for uri in [
        format!("/api/v1/findings/{f}"),
        format!("/api/v1/inspections/{round}/findings"),
        format!("/api/v1/inspections/{round}/progress"),
    ] {
        let res = app.get("inspector", &uri).await;
        assert_eq!(res.status, StatusCode::OK, "{uri}: {}", res.text());
    }
    let progress = app
        .get("inspector", &format!("/api/v1/inspections/{round}/progress"))
        .await
        .json();
    assert_eq!(progress["total"]["no_problem"], json!(1), "the mark stands: {progress}");

    // Before the window opens, too.
    let later = id(&new_round(&app, "inspector", T1, (5, 9), json!({})).await);
    let p = record(&app, &later, finding_body(V1A, "A-01", json!({})))
        .await
        .assert_problem(409);
    assert!(p["detail"].as_str().unwrap().contains(&day(5)), "{p}");
}

async fn checklists_marks_and_progress(app: TestApp) {
    // A round created before any list has none: findings and marks are refused with 409.
    let bare = id(&new_round(&app, "inspector", T1, (-1, 30), json!({})).await);
    record(&app, &bare, finding_body(V1A, "A-01", json!({})))
        .await
        .assert_problem(409);

    let common = common_list(&app).await;
    app.get("villager1a", "/api/v1/checklists").await.assert_problem(403);
    for user in ["clerk1", "inspector", "discipline1", "admin"] {
        let res = app.get(user, "/api/v1/checklists").await;
        assert_eq!(res.status, StatusCode::OK, "{user}");
        assert_eq!(res.json()[0]["items"][1]["code"], json!("B-01"));
    }
    let individual = |name: &str, base: Value, code: &str| {
        json!({
            "name": name,
            "kind": "individual",
            "village_kind": "渔业村",
            "base": base,
            "items": [{"code": code, "title": "渔船燃油补贴发放是否真实", "category": "subsidies"}]
        })
    };
    for (user, body, status) in [
        ("clerk1", individual("渔业村清单", json!(common), "F-01"), 403),
        ("inspector", individual("渔业村清单", json!(common), "F-01"), 403),
        ("admin", individual("渔业村清单", json!(null), "F-01"), 422),
        ("admin", individual("渔业村清单", json!("cl_missing"), "F-01"), 422),
        ("admin", individual("渔业村清单", json!(common), "A-01"), 422),
        ("admin", individual("渔业村清单", json!(common), "bad code!"), 422),
        (
            "admin",
            json!({"name": "通用清单", "kind": "common", "items": [{"code": "X", "title": "x", "category": "other"}]}),
            409,
        ),
        ("admin", json!({"name": "空清单", "kind": "common", "items": []}), 422),
        (
            "admin",
            json!({"name": "类别", "kind": "common", "items": [{"code": "X", "title": "x", "category": "gossip"}]}),
            400,
        ),
    ] {
        app.post(user, "/api/v1/checklists", body.clone())
            .await
            .assert_problem(status);
    }
    assert_eq!(app.count("checklists"), 1, "refusals write nothing");
    let fishing = app
        .post(
            "admin",
            "/api/v1/checklists",
            individual("渔业村清单", json!(common), "F-01"),
        )
        .await;
    assert_eq!(fishing.status, StatusCode::CREATED, "{}", fishing.text());
    let fishing = id(&fishing.json());

    // Rounds name their list, or one that exists, and a round to follow up that exists.
    for extra in [
        json!({"checklist": "cl_missing"}),
        json!({"follow_up_of": "in_missing"}),
    ] {
        let mut body = json!({
            "name": "坏轮次", "inspectors": ["inspector"], "townships": [T1],
            "starts_on": day(-1), "ends_on": day(30),
        });
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        app.post("admin", "/api/v1/inspections", body).await.assert_problem(422);
    }
    let round = new_round(&app, "inspector", T1, (-1, 30), json!({"checklist": fishing})).await;
    assert_eq!(round["checklist"], json!(fishing));
    let round = id(&round);

    // Marks: the base's items and the list's own; a problem names its finding.
    let mark = |village: &str, item: &str| format!("/api/v1/inspections/{round}/villages/{village}/checklist/{item}");
    let f = id(&recorded(&app, &round, finding_body(V1A, "F-01", json!({}))).await);
    let other_item = id(&recorded(&app, &round, finding_body(V1A, "A-01", json!({}))).await);
    for (uri, body, status) in [
        (mark(V1A, "F-01"), json!({"mark": "problem"}), 422),
        (
            mark(V1A, "F-01"),
            json!({"mark": "problem", "finding": other_item}),
            422,
        ),
        (mark(V1A, "F-01"), json!({"mark": "no_problem", "finding": f}), 422),
        (mark(V1A, "F-01"), json!({"mark": "fine"}), 400),
        (mark(V1A, "Z-99"), json!({"mark": "no_problem"}), 404),
        (mark(V2A, "F-01"), json!({"mark": "no_problem"}), 404),
        (mark("not-a-code", "F-01"), json!({"mark": "no_problem"}), 404),
    ] {
        put(&app, "inspector", &uri, body).await.assert_problem(status);
    }
    for user in ["admin", "clerk1", "villager1a", "discipline1"] {
        put(&app, user, &mark(V1A, "A-01"), json!({"mark": "no_problem"}))
            .await
            .assert_problem(403);
    }
    for (uri, body) in [
        (mark(V1A, "F-01"), json!({"mark": "problem", "finding": f})),
        (mark(V1A, "A-01"), json!({"mark": "problem", "finding": other_item})),
        (mark(V1A, "B-01"), json!({"mark": "no_problem"})),
        (mark(V1B, "F-01"), json!({"mark": "not_applicable"})),
        (mark(V1B, "A-01"), json!({"mark": "problem", "finding": other_item})),
    ] {
        let res = put(&app, "inspector", &uri, body.clone()).await;
        if uri == mark(V1B, "A-01") {
            res.assert_problem(422);
            continue;
        }
        assert_eq!(res.status, StatusCode::OK, "{uri}: {}", res.text());
        assert_eq!(res.json()["mark"], body["mark"]);
    }
    // A later mark replaces the earlier one.
    let res = put(&app, "inspector", &mark(V1A, "B-01"), json!({"mark": "not_applicable"})).await;
    assert_eq!(res.status, StatusCode::OK);

    let p = app
        .get("inspector", &format!("/api/v1/inspections/{round}/progress"))
        .await
        .json();
    assert_eq!(p["checklist"], json!(fishing));
    let v = |code: &str| {
        p["villages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["village_code"] == code)
            .cloned()
            .unwrap()
    };
    assert_eq!(
        v(V1A),
        json!({"village_code": V1A, "items": 3, "no_problem": 0, "problem": 2, "not_applicable": 1, "unmarked": 0, "findings": 2})
    );
    assert_eq!(
        v(V1B),
        json!({"village_code": V1B, "items": 3, "no_problem": 0, "problem": 0, "not_applicable": 1, "unmarked": 2, "findings": 0})
    );
    assert_eq!(
        p["total"],
        json!({"items": 6, "no_problem": 0, "problem": 2, "not_applicable": 2, "unmarked": 2, "findings": 2})
    );
    assert_eq!(p["villages"].as_array().unwrap().len(), 2, "the villages of T1");
    let admin_view = app.get("admin", &format!("/api/v1/inspections/{round}/progress")).await;
    assert_eq!(admin_view.json(), p);
    for (user, status) in [("clerk1", 403), ("villager1a", 403), ("discipline1", 403)] {
        app.get(user, &format!("/api/v1/inspections/{round}/progress"))
            .await
            .assert_problem(status);
    }
    add_inspector(&app, "inspector-other", T2);
    as_inspector(
        &app,
        "inspector-other",
        Method::GET,
        &format!("/api/v1/inspections/{round}/progress"),
        None,
    )
    .await
    .assert_problem(404);
}

async fn rect_state(app: &TestApp, finding: &str) -> Value {
    app.get("admin", &format!("/api/v1/findings/{finding}")).await.json()["rectification"].clone()
}

async fn rectification_and_the_follow_up_round(app: TestApp) {
    common_list(&app).await;
    let first = id(&new_round(&app, "inspector", T1, (-1, 30), json!({})).await);
    let f = id(&recorded(&app, &first, finding_body(V1A, "A-01", json!({}))).await);
    let no_rect = id(&recorded(
        &app,
        &first,
        finding_body(
            V1A,
            "B-01",
            json!({"requires_rectification": false, "rectify_by": null}),
        ),
    )
    .await);
    let refund = id(&app.post_entry(V1A, income("R-001", "2024-04-01", 1_000_000)).await);
    let v2a_entry = app
        .post(
            "clerk2",
            &format!("/api/v1/villages/{V2A}/entries"),
            expense("V-001", "2024-03-12", 5),
        )
        .await;
    let v2a_entry = id(&v2a_entry.json());
    let rect = |what: &str| format!("/api/v1/findings/{f}/rectification{what}");

    // Nothing submitted: nothing to accept or reopen.
    let p = app
        .post("inspector", &rect("/accept"), json!({}))
        .await
        .assert_problem(409);
    assert!(p["detail"].as_str().unwrap().contains("pending"), "{p}");
    app.post("inspector", &rect("/reopen"), json!({"reason": "未整改"}))
        .await
        .assert_problem(409);

    // Who submits: clerks of the finding's township.
    let report = json!({"text": "已追回资金并入账", "entries": [refund]});
    for (user, status) in [
        ("admin", 403),
        ("inspector", 403),
        ("villager1a", 403),
        ("discipline1", 403),
        ("clerk2", 404),
    ] {
        app.post(user, &rect(""), report.clone()).await.assert_problem(status);
    }
    for (body, status) in [
        (json!({"text": "x", "entries": [v2a_entry]}), 422),
        (json!({"text": "x", "receipts": ["rc_missing"]}), 422),
        (json!({"text": "  "}), 422),
        (json!({"text": "长".repeat(2001)}), 422),
        (json!({"text": "x", "entries": vec![refund.clone(); 51]}), 422),
        (json!({"text": "x", "note": "y"}), 400),
    ] {
        app.post("clerk1", &rect(""), body).await.assert_problem(status);
    }
    app.post(
        "clerk1",
        &format!("/api/v1/findings/{no_rect}/rectification"),
        report.clone(),
    )
    .await
    .assert_problem(409);
    assert_eq!(app.count("rectification_steps"), 0, "refusals write nothing");

    let res = app.post("clerk1", &rect(""), report.clone()).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    let r = res.json();
    assert_eq!(r["state"], json!("submitted"));
    assert_eq!(r["steps"][0]["entries"], json!([refund]));
    assert_eq!(rect_state(&app, &f).await, json!("submitted"));

    // Who judges: the round's inspectors and admins.
    for (user, status) in [("clerk1", 403), ("villager1a", 403), ("discipline1", 403)] {
        app.post(user, &rect("/accept"), json!({})).await.assert_problem(status);
    }
    add_inspector(&app, "inspector-back", T2);
    as_inspector(&app, "inspector-back", Method::POST, &rect("/accept"), Some(json!({})))
        .await
        .assert_problem(404);

    // Reopen needs a reason; then the station submits again; accepting a reopened one is refused.
    app.post("inspector", &rect("/reopen"), json!({}))
        .await
        .assert_problem(422);
    let res = app
        .post("inspector", &rect("/reopen"), json!({"reason": "退款凭证未附"}))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(res.json()["state"], json!("reopened"));
    let p = app.post("admin", &rect("/accept"), json!({})).await.assert_problem(409);
    assert!(p["detail"].as_str().unwrap().contains("reopened"), "{p}");
    let res = app
        .post(
            "clerk1",
            &rect(""),
            json!({"text": "已补附退款凭证", "entries": [refund]}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    let res = app
        .post("inspector", &rect("/accept"), json!({"reason": "整改到位"}))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let r = res.json();
    assert_eq!(r["state"], json!("accepted"));
    assert_eq!(
        r["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["action"].clone())
            .collect::<Vec<_>>(),
        vec![
            json!("submitted"),
            json!("reopened"),
            json!("submitted"),
            json!("accepted")
        ]
    );
    // Accepted: the station submits no more, and it is not accepted twice.
    let p = app.post("clerk1", &rect(""), report.clone()).await.assert_problem(409);
    assert!(p["detail"].as_str().unwrap().contains("accepted"), "{p}");
    app.post("admin", &rect("/accept"), json!({})).await.assert_problem(409);
    app.post(
        "admin",
        &format!("/api/v1/findings/{no_rect}/rectification/accept"),
        json!({}),
    )
    .await
    .assert_problem(409);

    // The follow-up round (回头看) over T1, by another inspector: it lists the findings of
    // earlier rounds in its villages with their rectification, and its inspector may reopen.
    app.get("inspector", &format!("/api/v1/inspections/{first}/follow-up"))
        .await
        .assert_problem(409);
    let back = new_round(&app, "inspector-back", T1, (-1, 30), json!({"follow_up_of": first})).await;
    assert_eq!(back["follow_up_of"], json!(first));
    let back = id(&back);
    // A finding recorded later in the first round is still one of an earlier round: listed;
    // the follow-up round's own findings are not.
    let later = id(&recorded(&app, &first, finding_body(V1B, "A-01", json!({}))).await);
    let res = as_inspector(
        &app,
        "inspector-back",
        Method::POST,
        &format!("/api/v1/inspections/{back}/findings"),
        Some(finding_body(V1A, "A-01", json!({}))),
    )
    .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    let own = id(&res.json());
    let listing = as_inspector(
        &app,
        "inspector-back",
        Method::GET,
        &format!("/api/v1/inspections/{back}/follow-up?limit=2"),
        None,
    )
    .await;
    assert_eq!(listing.status, StatusCode::OK, "{}", listing.text());
    let page1 = listing.json();
    let cursor = page1["next_cursor"].as_str().unwrap().to_owned();
    let page2 = as_inspector(
        &app,
        "inspector-back",
        Method::GET,
        &format!("/api/v1/inspections/{back}/follow-up?limit=2&cursor={cursor}"),
        None,
    )
    .await
    .json();
    let items: Vec<Value> = page1["items"]
        .as_array()
        .unwrap()
        .iter()
        .chain(page2["items"].as_array().unwrap())
        .cloned()
        .collect();
    assert_eq!(
        items
            .iter()
            .map(|i| (id(i), i["rectification"].clone()))
            .collect::<Vec<_>>(),
        vec![
            (f.clone(), json!("accepted")),
            (no_rect.clone(), json!("not_required")),
            (later.clone(), json!("pending")),
        ],
        "not the follow-up round's own finding {own}"
    );
    assert!(page2["next_cursor"].is_null());
    let res = as_inspector(
        &app,
        "inspector-back",
        Method::POST,
        &rect("/reopen"),
        Some(json!({"reason": "回头看发现退款未到账"})),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(rect_state(&app, &f).await, json!("reopened"));
    app.get("clerk1", &format!("/api/v1/inspections/{back}/follow-up"))
        .await
        .assert_problem(403);
    app.get("inspector", &format!("/api/v1/inspections/{back}/follow-up"))
        .await
        .assert_problem(404);
    let admin = app.get("admin", &format!("/api/v1/inspections/{back}/follow-up")).await;
    assert_eq!(admin.json()["items"].as_array().unwrap().len(), 3);
}

async fn publication_reaches_the_village(app: TestApp) {
    common_list(&app).await;
    let round = id(&new_round(&app, "inspector", T1, (-10, 2), json!({})).await);
    app.state.clock.set(noon(0));
    let f = id(&recorded(&app, &round, finding_body(V1A, "A-01", json!({}))).await);
    let hidden = id(&recorded(&app, &round, finding_body(V1A, "B-01", json!({}))).await);
    let in_v1b = id(&recorded(&app, &round, finding_body(V1B, "A-01", json!({}))).await);
    let publish = |finding: &str| format!("/api/v1/findings/{finding}/publication");
    let body = json!({"text": "坎头村虚列危房改造补助问题,已追回资金10,000.00元。", "status": "rectified"});

    // Open round: not yet.
    let p = app.post("admin", &publish(&f), body.clone()).await.assert_problem(409);
    assert!(p["detail"].as_str().unwrap().contains(&day(2)), "{p}");
    let app_ref = &app;
    let listing = move |user: &'static str, village: &'static str| {
        let app = app_ref;
        async move {
            let res = app.get(user, &format!("/api/v1/villages/{village}/findings")).await;
            assert_eq!(res.status, StatusCode::OK, "{}", res.text());
            res.json()["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(id)
                .collect::<Vec<_>>()
        }
    };
    assert!(listing("villager1a", V1A).await.is_empty());
    assert_eq!(listing("clerk1", V1A).await, vec![f.clone(), hidden.clone()]);

    // Closed: admins publish; nobody else.
    app.state.clock.set(noon(3));
    for (user, status) in [
        ("clerk1", 403),
        ("inspector", 403),
        ("villager1a", 403),
        ("discipline1", 403),
    ] {
        app.post(user, &publish(&f), body.clone()).await.assert_problem(status);
    }
    for (bad, status) in [
        (json!({"text": "长".repeat(2001), "status": "rectified"}), 422),
        (json!({"text": "x", "status": "forgiven"}), 400),
        (json!({"text": "x"}), 400),
    ] {
        app.post("admin", &publish(&f), bad).await.assert_problem(status);
    }
    app.post("admin", &publish("fi_missing"), body.clone())
        .await
        .assert_problem(404);
    assert_eq!(app.count("publications"), 0);
    let res = app.post("admin", &publish(&f), body.clone()).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    let res = app.post("admin", &publish(&in_v1b), body.clone()).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());

    // Villagers of the village read what was published, nothing else; staff read everything.
    assert_eq!(listing("villager1a", V1A).await, vec![f.clone()]);
    assert_eq!(listing("clerk1", V1A).await, vec![f.clone(), hidden.clone()]);
    assert_eq!(listing("admin", V1A).await, vec![f.clone(), hidden.clone()]);
    assert_eq!(listing("discipline1", V1A).await, vec![f.clone(), hidden.clone()]);
    let res = app.get("villager1a", &format!("/api/v1/findings/{f}")).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let seen = res.json();
    assert_eq!(seen["publication"]["text"], body["text"]);
    assert_eq!(seen["publication"]["status"], json!("rectified"));
    app.get("villager1a", &format!("/api/v1/findings/{hidden}"))
        .await
        .assert_problem(404);
    app.get("villager1a", &format!("/api/v1/findings/{in_v1b}"))
        .await
        .assert_problem(404);
    for (user, village) in [("villager1a", V1B), ("clerk2", V1A), ("discipline1", V2A)] {
        app.get(user, &format!("/api/v1/villages/{village}/findings"))
            .await
            .assert_problem(404);
    }
    app.get("villager1a", "/api/v1/villages/nonsense/findings")
        .await
        .assert_problem(404);

    // A later publication replaces what the village reads; the first stays recorded.
    let res = app
        .post(
            "admin",
            &publish(&f),
            json!({"text": "相关人员已移送司法机关。", "status": "referred"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED);
    let seen = app.get("villager1a", &format!("/api/v1/findings/{f}")).await.json();
    assert_eq!(seen["publication"]["status"], json!("referred"));
    assert_eq!(app.count("publications"), 3);
}

async fn hostile_requests_are_refused_without_a_trace(app: TestApp) {
    common_list(&app).await;
    let round = id(&new_round(&app, "inspector", T1, (-1, 30), json!({})).await);
    let f = id(&recorded(&app, &round, finding_body(V1A, "A-01", json!({}))).await);
    let findings = app.count("findings");
    let leaves = app.count("log_leaves");
    // A body over the JSON limit: 413 for the round's inspector, but a caller who may not write
    // is refused first, without the body being read.
    let huge = finding_body(V1A, "A-01", json!({"description": "长".repeat(40_000)}));
    record(&app, &round, huge.clone()).await.assert_problem(413);
    app.post("clerk1", &format!("/api/v1/inspections/{round}/findings"), huge.clone())
        .await
        .assert_problem(403);
    app.post(
        "clerk1",
        &format!("/api/v1/findings/{f}/rectification"),
        json!({"text": "长".repeat(40_000)}),
    )
    .await
    .assert_problem(413);
    app.post(
        "clerk2",
        &format!("/api/v1/findings/{f}/rectification"),
        json!({"text": "长".repeat(40_000)}),
    )
    .await
    .assert_problem(404);
    // Not JSON.
    let res = app
        .call(
            actix_web::test::TestRequest::post()
                .uri(&format!("/api/v1/inspections/{round}/findings"))
                .insert_header(bearer(&app.token("inspector")))
                .insert_header(("content-type", "text/plain"))
                .set_payload("village=1"),
        )
        .await;
    res.assert_problem(415);
    // Ids of any length and shape name nothing.
    let long = "fi_".to_owned() + &"9".repeat(5_000);
    for uri in [
        format!("/api/v1/findings/{long}"),
        format!("/api/v1/findings/{long}/proof"),
        "/api/v1/findings/%27%20OR%201%3D1--".to_owned(),
        format!("/api/v1/inspections/{long}/findings"),
        format!("/api/v1/inspections/{long}/progress"),
    ] {
        let p = app.get("admin", &uri).await.assert_problem(404);
        assert!(p["detail"].as_str().unwrap().chars().count() < 300, "{p}");
    }
    let p = put(
        &app,
        "inspector",
        &format!(
            "/api/v1/inspections/{round}/villages/{V1A}/checklist/{}",
            "X".repeat(5_000)
        ),
        json!({"mark": "no_problem"}),
    )
    .await
    .assert_problem(404);
    assert!(p["detail"].as_str().unwrap().chars().count() < 300, "{p}");
    // Control characters and blank texts.
    for body in [
        finding_body(V1A, "A-01", json!({"description": "虚列\u{0007}支出"})),
        finding_body(V1A, "A-01", json!({"description": "   "})),
        finding_body(V1A, "A-01", json!({"amount_fen": 10_000_000_000_001_i64})),
        finding_body(V1A, "A-01", json!({"amount_fen": "1000"})),
        finding_body(V1A, "A-01", json!({"evidence": {"kind": "entry"}})),
    ] {
        let status = record(&app, &round, body.clone()).await.status.as_u16();
        assert!(status == 400 || status == 422, "{body}: {status}");
    }
    assert_eq!(app.count("findings"), findings);
    assert_eq!(app.count("log_leaves"), leaves);
    // Each refusal of a write is in the audit log, with its status.
    let audit = app.get("admin", "/api/v1/audit?limit=200").await;
    assert_eq!(audit.status, StatusCode::OK, "{}", audit.text());
    let outcomes: Vec<Value> = audit.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["action"] == "finding.record")
        .map(|r| r["outcome"].clone())
        .collect();
    for outcome in ["ok", "403", "413", "415", "422"] {
        assert!(outcomes.contains(&json!(outcome)), "{outcome} in {outcomes:?}");
    }
}

on_both_backends!(
    hostile_requests_are_refused_without_a_trace,
    findings_are_recorded_listed_and_proven,
    the_closed_window_refuses_findings_and_marks_but_not_reading,
    checklists_marks_and_progress,
    rectification_and_the_follow_up_round,
    publication_reaches_the_village,
);

// ---- offline verification (SQLite) ----

#[actix_web::test]
async fn verify_names_a_finding_changed_or_inserted_behind_the_api() {
    use diesel::connection::SimpleConnection;
    let app = TestApp::new().await;
    common_list(&app).await;
    let round = id(&new_round(&app, "inspector", T1, (-1, 30), json!({})).await);
    let e = id(&app.post_entry(V1A, expense("V-1", "2024-03-12", 95_000)).await);
    let f = id(&recorded(
        &app,
        &round,
        finding_body(V1A, "A-01", json!({"evidence": [{"kind": "entry", "id": e}]})),
    )
    .await);
    let dir = app.dir.path().to_str().unwrap().to_owned();
    let (ok, out) = run_cli(&["verify", "--data-dir", &dir]);
    assert!(ok, "{out}");
    assert!(out.contains("0 problem(s)"), "{out}");

    // Whoever runs the server drops the guard, softens the finding and forges another.
    app.conn()
        .batch_execute(&format!(
            "DROP TRIGGER findings_append_only_update;
             UPDATE findings SET amount_fen = 100 WHERE id = '{f}';
             INSERT INTO findings (id, inspection_id, village_code, township_code, checklist_item, category, description,
               amount_fen, requires_rectification, rectify_by, recorded_by, recorded_at)
             VALUES ('fi_forged', '{round}', '{V1A}', '{T1}', 'A-01', 'relief', 'x', 1, FALSE, NULL, 'inspector', '2024-03-14 00:00:00');"
        ))
        .unwrap();
    let (ok, out) = run_cli(&["verify", "--data-dir", &dir]);
    assert!(!ok, "{out}");
    assert!(
        out.contains(&format!("finding {f}")) && out.contains("amount_fen: logged 1000000, now 100"),
        "{out}"
    );
    assert!(
        out.contains("finding fi_forged") && out.contains("not in the log"),
        "{out}"
    );
}

// ---- a county with checklists, findings, rectification and publications moves between backends ----

#[actix_web::test]
async fn the_workflow_tables_move_from_sqlite_to_postgresql_and_back() {
    let Some(empty) = TestApp::postgres_empty().await else {
        return;
    };
    let source = TestApp::new().await;
    let common = common_list(&source).await;
    let res = source
        .post(
            "admin",
            "/api/v1/checklists",
            json!({"name": "渔业村清单", "kind": "individual", "village_kind": "渔业村", "base": common,
                   "items": [{"code": "F-01", "title": "燃油补贴", "category": "subsidies"}]}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    let round = id(&new_round(&source, "inspector", T1, (-10, 2), json!({})).await);
    source.state.clock.set(noon(0));
    let e = id(&source.post_entry(V1A, expense("V-1", "2024-03-12", 95_000)).await);
    let f = id(&recorded(
        &source,
        &round,
        finding_body(
            V1A,
            "A-01",
            json!({"evidence": [{"kind": "entry", "id": e}, {"kind": "flag", "rule": "round_amount", "entries": [e]}]}),
        ),
    )
    .await);
    let res = put(
        &source,
        "inspector",
        &format!("/api/v1/inspections/{round}/villages/{V1A}/checklist/A-01"),
        json!({"mark": "problem", "finding": f}),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let res = source
        .post(
            "clerk1",
            &format!("/api/v1/findings/{f}/rectification"),
            json!({"text": "已退回", "entries": [e]}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    new_round(&source, "inspector", T1, (-1, 30), json!({"follow_up_of": round})).await;
    source.state.clock.set(noon(3));
    let res = source
        .post(
            "admin",
            &format!("/api/v1/findings/{f}/publication"),
            json!({"text": "已整改", "status": "rectified"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());

    let (src_db, pg) = (source.database_url(), empty.database_url());
    let (ok, out) = run_cli(&["copy", "--from", &src_db, "--to", &pg]);
    assert!(ok, "{out}");
    for table in [
        "checklists",
        "checklist_items",
        "checklist_marks",
        "rectification_steps",
        "rectification_links",
        "publications",
        "findings",
        "finding_evidence",
    ] {
        assert!(out.contains(table), "{table} copied: {out}");
    }
    let dir = source.dir.path().to_str().unwrap().to_owned();
    let (ok, out) = run_cli(&["verify", "--data-dir", &dir, "--database-url", &pg]);
    assert!(
        ok && out.contains("0 problem(s)"),
        "the copy verifies, its finding too: {out}"
    );
    let back = tempfile::tempdir().unwrap();
    let back_db = back.path().join("ledger.db").display().to_string();
    let (ok, out) = run_cli(&["copy", "--from", &pg, "--to", &back_db]);
    assert!(ok, "{out}");
}
