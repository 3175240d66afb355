//! Villagers' questions and reports (质疑、举报): every status transition and its refusals,
//! routing (a covered village, an uncovered one, a round opened later), the anonymity of
//! reporters by every route (item, listings, inbox, audit log, photo, error messages, counts),
//! the daily allowance with the clock moved to the next day, photo stripping, scope and role
//! refusals, and hostile input. On both backends.

use crate::support::*;
use actix_web::http::Method;
use actix_web::test::TestRequest;
use serde_json::{Value, json};
use village_ledger::auth::tokens::issue_access_token;
use village_ledger::auth::users::{NewUser, add_user};
use village_ledger::auth::{Caller, Role};

/// Users of this module besides the seeded ones: (username, role, village, home township).
const EXTRA_USERS: [(&str, Role, Option<&str>, Option<&str>); 4] = [
    // A village cadre of 坎头村: cadres have villager accounts too.
    ("cadre1a", Role::Villager, Some(V1A), None),
    ("villager1b", Role::Villager, Some(V1B), None),
    // An inspector whose round is opened after a report was filed.
    ("inspector-late", Role::Inspector, None, Some(T2)),
    // An inspector of a round over township 2 only.
    ("inspector-t2", Role::Inspector, None, Some(T1)),
];

fn add_users(app: &TestApp) {
    let mut conn = app.conn();
    for (username, role, village, home) in EXTRA_USERS {
        add_user(
            &mut conn,
            NewUser {
                username: username.into(),
                role,
                township: None,
                village: village.map(Into::into),
                home_township: home.map(Into::into),
                home_village: None,
                addressee: None,
            },
            PASSWORD,
        )
        .expect("user");
    }
}

/// A token for a seeded user or one of [`EXTRA_USERS`].
fn token(app: &TestApp, username: &str) -> String {
    let Some((_, role, village, _)) = EXTRA_USERS.iter().find(|u| u.0 == username) else {
        return app.token(username);
    };
    let caller = Caller {
        username: username.into(),
        role: *role,
        village: village.map(Into::into),
        township: None,
    };
    issue_access_token(&app.state.keys, &app.state.tokens, &caller).expect("token")
}

async fn get(app: &TestApp, user: &str, uri: &str) -> Resp {
    app.call(TestRequest::get().uri(uri).insert_header(bearer(&token(app, user))))
        .await
}

async fn post(app: &TestApp, user: &str, uri: &str, body: Option<Value>) -> Resp {
    let mut req = TestRequest::post().uri(uri).insert_header(bearer(&token(app, user)));
    if let Some(body) = body {
        req = req.set_json(body);
    }
    app.call(req).await
}

/// Files `kind` with `text` on `entry` as `user` (JSON).
async fn file(app: &TestApp, user: &str, entry: &str, kind: &str, text: &str) -> Resp {
    post(
        app,
        user,
        &format!("/api/v1/entries/{entry}/questions"),
        Some(json!({"kind": kind, "text": text})),
    )
    .await
}

/// Files and returns the new item's id; panics unless it was created.
async fn filed(app: &TestApp, user: &str, entry: &str, kind: &str, text: &str) -> String {
    let res = file(app, user, entry, kind, text).await;
    assert_eq!(res.status.as_u16(), 201, "{}", res.text());
    res.json()["id"].as_str().expect("id").to_owned()
}

/// A part of a multipart form.
fn part(name: &'static str, bytes: impl AsRef<[u8]>) -> (&'static str, Vec<u8>) {
    (name, bytes.as_ref().to_vec())
}

/// A multipart body of (name, bytes) parts; a part named `photo` carries a file name.
fn form(parts: Vec<(&'static str, Vec<u8>)>) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, bytes) in &parts {
        let filename = if *name == "photo" {
            "; filename=\"photo.jpg\""
        } else {
            ""
        };
        body.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"{filename}\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

async fn file_form(app: &TestApp, user: &str, entry: &str, body: Vec<u8>) -> Resp {
    app.call(
        TestRequest::post()
            .uri(&format!("/api/v1/entries/{entry}/questions"))
            .insert_header(bearer(&token(app, user)))
            .insert_header(("content-type", format!("multipart/form-data; boundary={BOUNDARY}")))
            .set_payload(body),
    )
    .await
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/receipts-fixtures/{name}", env!("CARGO_MANIFEST_DIR"))).expect("fixture")
}

/// An inspection round over `township` for `inspector`, open from yesterday for a month.
async fn open_round(app: &TestApp, inspector: &str, townships: &[&str], villages: &[&str]) {
    let day = village_ledger::api::today();
    let res = app
        .post(
            "admin",
            "/api/v1/inspections",
            json!({
                "name": "村务巡察",
                "inspectors": [inspector],
                "townships": townships,
                "villages": villages,
                "starts_on": (day - chrono::Duration::days(1)).to_string(),
                "ends_on": (day + chrono::Duration::days(30)).to_string(),
            }),
        )
        .await;
    assert_eq!(res.status.as_u16(), 201, "{}", res.text());
}

/// Two entries of 坎头村 (V1A) and one of 头岙村 (V2A).
async fn entries(app: &TestApp) -> (String, String, String) {
    let a = app.post_entry(V1A, expense("V-001", "2024-03-12", 6490)).await;
    let b = app.post_entry(V1A, expense("V-002", "2024-03-13", 95000)).await;
    let res = app
        .post(
            "clerk2",
            &format!("/api/v1/villages/{V2A}/entries"),
            expense("V-001", "2024-03-12", 12000),
        )
        .await;
    assert_eq!(res.status.as_u16(), 201, "{}", res.text());
    let id = |v: &Value| v["id"].as_str().expect("id").to_owned();
    (id(&a), id(&b), id(&res.json()))
}

fn ids(res: &Resp) -> Vec<String> {
    assert_eq!(res.status.as_u16(), 200, "{}", res.text());
    res.json()["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|q| q["id"].as_str().expect("id").to_owned())
        .collect()
}

fn detail(p: &Value) -> &str {
    p["detail"].as_str().expect("detail")
}

async fn questions_are_answered_accepted_and_escalated(app: TestApp) {
    let (entry, _, _) = entries(&app).await;
    let res = file(
        &app,
        "villager1a",
        &entry,
        "question",
        "  这笔6490元的招待费\r\n招待的是谁？ ",
    )
    .await;
    assert_eq!(res.status.as_u16(), 201, "{}", res.text());
    assert_eq!(
        res.header("location").as_deref(),
        Some(format!("/api/v1/questions/{}", res.json()["id"].as_str().unwrap()).as_str())
    );
    let q = res.json();
    let id = q["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("qu_"), "{q}");
    assert_eq!(q["kind"], "question");
    assert_eq!(q["status"], "open");
    assert_eq!(q["routed_to"], "station");
    assert_eq!(q["text"], "这笔6490元的招待费\n招待的是谁？");
    assert_eq!(q["asked_by"], "villager1a");
    assert_eq!(q["entry_id"], entry.as_str());
    assert_eq!(q["village_code"], V1A);
    assert!(
        q["filed_at"].is_string() && q["answered_at"].is_null() && q["photo"].is_null(),
        "{q}"
    );

    // The station reads it, but not who asked (a question may become a report, whose author a
    // clerk must never learn); another township's clerk does not read it at all.
    let seen = get(&app, "clerk1", &format!("/api/v1/questions/{id}")).await;
    assert_eq!(seen.status.as_u16(), 200, "{}", seen.text());
    assert!(seen.json().get("asked_by").is_none(), "{}", seen.text());
    get(&app, "clerk2", &format!("/api/v1/questions/{id}"))
        .await
        .assert_problem(404);

    // Accepting an open question: 409 naming its status.
    let p = post(&app, "villager1a", &format!("/api/v1/questions/{id}/accept"), None)
        .await
        .assert_problem(409);
    assert!(detail(&p).contains("is open"), "{p}");

    // Only clerks answer (403 for the other roles), of the question's township (404 for T2).
    let answer = json!({"text": "系村民代表会议误餐费,附签到表。"});
    for user in ["villager1a", "inspector", "admin", "discipline1"] {
        post(
            &app,
            user,
            &format!("/api/v1/questions/{id}/answer"),
            Some(answer.clone()),
        )
        .await
        .assert_problem(403);
    }
    post(
        &app,
        "clerk2",
        &format!("/api/v1/questions/{id}/answer"),
        Some(answer.clone()),
    )
    .await
    .assert_problem(404);
    post(
        &app,
        "clerk1",
        &format!("/api/v1/questions/{id}/answer"),
        Some(json!({"text": " "})),
    )
    .await
    .assert_problem(422);
    let res = post(
        &app,
        "clerk1",
        &format!("/api/v1/questions/{id}/answer"),
        Some(answer.clone()),
    )
    .await;
    assert_eq!(res.status.as_u16(), 200, "{}", res.text());
    let q = res.json();
    assert_eq!(q["status"], "answered");
    assert_eq!(q["answer"], "系村民代表会议误餐费,附签到表。");
    assert_eq!(q["answered_by"], "clerk1");
    assert!(q["answered_at"].is_string(), "{q}");
    // Answering twice: 409 naming the status.
    let p = post(
        &app,
        "clerk1",
        &format!("/api/v1/questions/{id}/answer"),
        Some(answer.clone()),
    )
    .await
    .assert_problem(409);
    assert!(detail(&p).contains("is answered"), "{p}");
    // In Chinese too, with the status's wire value.
    let res = app
        .call_as_is(
            TestRequest::post()
                .uri(&format!("/api/v1/questions/{id}/answer"))
                .insert_header(bearer(&app.token("clerk1")))
                .insert_header(("accept-language", "zh-CN"))
                .set_json(answer.clone()),
        )
        .await;
    let p = res.assert_problem(409);
    assert!(detail(&p).contains("当前状态为 answered"), "{p}");
    // No photo was sent: its photo is a 404.
    get(&app, "clerk1", &format!("/api/v1/questions/{id}/photo"))
        .await
        .assert_problem(404);
    // The village's villagers read the answer.
    let seen = get(&app, "villager1a", &format!("/api/v1/questions/{id}")).await;
    assert_eq!(seen.json()["answer"], "系村民代表会议误餐费,附签到表。");

    // Only the asker accepts: readers who did not ask are refused 403.
    for user in ["clerk1", "admin", "discipline1"] {
        post(&app, user, &format!("/api/v1/questions/{id}/accept"), None)
            .await
            .assert_problem(403);
    }
    let res = post(&app, "villager1a", &format!("/api/v1/questions/{id}/accept"), None).await;
    assert_eq!(res.status.as_u16(), 200, "{}", res.text());
    assert_eq!(res.json()["status"], "accepted");
    assert!(res.json()["accepted_at"].is_string());
    let p = post(&app, "villager1a", &format!("/api/v1/questions/{id}/accept"), None)
        .await
        .assert_problem(409);
    assert!(detail(&p).contains("is accepted"), "{p}");
    let p = post(&app, "villager1a", &format!("/api/v1/questions/{id}/escalate"), None)
        .await
        .assert_problem(409);
    assert!(detail(&p).contains("is accepted"), "{p}");

    // An open question escalated: a report now, for the county (no open round covers 坎头村);
    // the station no longer sees it, nor answers it.
    let open = filed(&app, "villager1a", &entry, "question", "为什么没有发票？").await;
    for user in ["clerk1", "admin"] {
        post(&app, user, &format!("/api/v1/questions/{open}/escalate"), None)
            .await
            .assert_problem(403);
    }
    let res = post(&app, "villager1a", &format!("/api/v1/questions/{open}/escalate"), None).await;
    assert_eq!(res.status.as_u16(), 200, "{}", res.text());
    let q = res.json();
    assert_eq!(q["status"], "escalated");
    assert_eq!(q["kind"], "report");
    assert_eq!(q["routed_to"], "county");
    assert!(q["escalated_at"].is_string(), "{q}");
    get(&app, "clerk1", &format!("/api/v1/questions/{open}"))
        .await
        .assert_problem(404);
    post(
        &app,
        "clerk1",
        &format!("/api/v1/questions/{open}/answer"),
        Some(answer.clone()),
    )
    .await
    .assert_problem(404);
    let listed = ids(&get(&app, "clerk1", &format!("/api/v1/villages/{V1A}/questions")).await);
    assert_eq!(listed, vec![id.clone()]);
    let p = post(&app, "villager1a", &format!("/api/v1/questions/{open}/escalate"), None)
        .await
        .assert_problem(409);
    assert!(detail(&p).contains("is escalated"), "{p}");
    let p = post(&app, "villager1a", &format!("/api/v1/questions/{open}/accept"), None)
        .await
        .assert_problem(409);
    assert!(detail(&p).contains("is escalated"), "{p}");

    // An answered question escalated while a round covers the village: to the inspectors.
    open_round(&app, "inspector", &[T1], &[]).await;
    let answered = filed(&app, "villager1a", &entry, "question", "误餐费标准是多少？").await;
    let res = post(
        &app,
        "clerk1",
        &format!("/api/v1/questions/{answered}/answer"),
        Some(answer),
    )
    .await;
    assert_eq!(res.status.as_u16(), 200, "{}", res.text());
    let res = post(
        &app,
        "villager1a",
        &format!("/api/v1/questions/{answered}/escalate"),
        None,
    )
    .await;
    assert_eq!(res.status.as_u16(), 200, "{}", res.text());
    assert_eq!(res.json()["routed_to"], "inspectors");
    assert_eq!(res.json()["answer"], "系村民代表会议误餐费,附签到表。");
    let seen = get(&app, "inspector", &format!("/api/v1/questions/{answered}")).await;
    assert_eq!(seen.status.as_u16(), 200, "{}", seen.text());
    assert_eq!(seen.json()["asked_by"], "villager1a");

    // A report is not escalated: 409 naming it a report, open.
    let report = filed(&app, "villager1a", &entry, "report", "招待费虚报").await;
    let p = post(
        &app,
        "villager1a",
        &format!("/api/v1/questions/{report}/escalate"),
        None,
    )
    .await
    .assert_problem(409);
    assert!(detail(&p).contains("is a report") && detail(&p).contains("open"), "{p}");
    let p = post(&app, "villager1a", &format!("/api/v1/questions/{report}/accept"), None)
        .await
        .assert_problem(409);
    assert!(detail(&p).contains("is open"), "{p}");
}

async fn reports_go_to_the_open_rounds_or_the_county(app: TestApp) {
    add_users(&app);
    let (entry, _, entry_v2a) = entries(&app).await;
    // No open round covers 坎头村: the report goes to the county.
    let county = filed(&app, "villager1a", &entry, "report", "招待费虚报").await;
    let seen = get(&app, "villager1a", &format!("/api/v1/questions/{county}")).await;
    assert_eq!(seen.json()["routed_to"], "county");
    for user in ["admin", "discipline-county"] {
        let res = get(&app, user, &format!("/api/v1/questions/{county}")).await;
        assert_eq!(res.status.as_u16(), 200, "{user}: {}", res.text());
        assert_eq!(res.json()["asked_by"], "villager1a", "{user}");
    }
    for user in ["inspector", "discipline1", "clerk1", "cadre1a"] {
        get(&app, user, &format!("/api/v1/questions/{county}"))
            .await
            .assert_problem(404);
    }
    // County-wide bodies that are not the discipline commission (the police, a department)
    // are no recipients of reports: they neither read them nor learn who filed them.
    let police = police_token(&app);
    let res = app
        .call(
            TestRequest::get()
                .uri(&format!("/api/v1/questions/{county}"))
                .insert_header(bearer(&police)),
        )
        .await;
    res.assert_problem(404);
    let inbox = app
        .call(
            TestRequest::get()
                .uri("/api/v1/questions")
                .insert_header(bearer(&police)),
        )
        .await;
    assert!(ids(&inbox).is_empty(), "{}", inbox.text());
    let listing = app
        .call(
            TestRequest::get()
                .uri(&format!("/api/v1/villages/{V1A}/questions"))
                .insert_header(bearer(&police)),
        )
        .await;
    assert!(!listing.text().contains(&county), "{}", listing.text());
    assert_eq!(
        ids(&get(&app, "discipline-county", "/api/v1/questions").await),
        vec![county.clone()]
    );
    assert!(ids(&get(&app, "inspector", "/api/v1/questions").await).is_empty());

    // A round over township 1 opens: reports filed now go to its inspectors.
    open_round(&app, "inspector", &[T1], &[]).await;
    open_round(&app, "inspector-t2", &[T2], &[]).await;
    let report = filed(&app, "villager1a", &entry, "report", "同一张发票报销两次").await;
    let res = get(&app, "inspector", &format!("/api/v1/questions/{report}")).await;
    assert_eq!(res.status.as_u16(), 200, "{}", res.text());
    assert_eq!(res.json()["routed_to"], "inspectors");
    assert_eq!(res.json()["asked_by"], "villager1a");
    // The county report stays the county's: the round's inspectors read it, not its author.
    let res = get(&app, "inspector", &format!("/api/v1/questions/{county}")).await;
    assert_eq!(res.status.as_u16(), 200, "{}", res.text());
    assert!(res.json().get("asked_by").is_none(), "{}", res.text());
    for user in ["discipline-county", "inspector-t2", "clerk1", "discipline1"] {
        get(&app, user, &format!("/api/v1/questions/{report}"))
            .await
            .assert_problem(404);
    }
    assert_eq!(
        ids(&get(&app, "inspector", "/api/v1/questions").await),
        vec![report.clone()]
    );
    assert_eq!(
        ids(&get(&app, "inspector", "/api/v1/questions?kind=report&status=open").await),
        vec![report.clone()]
    );
    assert!(ids(&get(&app, "inspector", "/api/v1/questions?status=answered").await).is_empty());
    assert_eq!(
        ids(&get(&app, "discipline-county", "/api/v1/questions").await),
        vec![county.clone()]
    );
    assert!(ids(&get(&app, "inspector-t2", "/api/v1/questions").await).is_empty());
    // A report on 头岙村 goes to the round over township 2.
    let t2 = filed(&app, "clerk2", &entry_v2a, "report", "头岙村工程款").await;
    assert_eq!(
        ids(&get(&app, "inspector-t2", "/api/v1/questions").await),
        vec![t2.clone()]
    );
    get(&app, "inspector", &format!("/api/v1/questions/{t2}"))
        .await
        .assert_problem(404);

    // A round opened later over the village: its inspector reads the report and its author.
    get(&app, "inspector-late", &format!("/api/v1/questions/{report}"))
        .await
        .assert_problem(404);
    open_round(&app, "inspector-late", &[], &[V1A]).await;
    let res = get(&app, "inspector-late", &format!("/api/v1/questions/{report}")).await;
    assert_eq!(res.status.as_u16(), 200, "{}", res.text());
    assert_eq!(res.json()["asked_by"], "villager1a");
    assert_eq!(
        ids(&get(&app, "inspector-late", "/api/v1/questions").await),
        vec![report.clone()]
    );

    // Inspectors and admins list everything of the village; the county's discipline users the
    // county's reports and the questions.
    let question = filed(&app, "villager1a", &entry, "question", "误餐费标准是多少？").await;
    let all = vec![question.clone(), report.clone(), county.clone()];
    assert_eq!(
        ids(&get(&app, "inspector", &format!("/api/v1/villages/{V1A}/questions")).await),
        all
    );
    assert_eq!(
        ids(&get(&app, "admin", &format!("/api/v1/villages/{V1A}/questions")).await),
        all
    );
    assert_eq!(
        ids(&get(&app, "discipline-county", &format!("/api/v1/villages/{V1A}/questions")).await),
        vec![question.clone(), county.clone()]
    );
    assert_eq!(
        ids(&get(&app, "clerk1", "/api/v1/questions").await),
        vec![question.clone()]
    );
    // The author follows their own items.
    assert_eq!(
        ids(&get(&app, "villager1a", "/api/v1/questions?mine=true").await),
        vec![question.clone(), report.clone(), county.clone()]
    );
    assert_eq!(
        ids(&get(&app, "villager1a", "/api/v1/questions?kind=question").await),
        vec![question]
    );
    assert_eq!(ids(&get(&app, "clerk2", "/api/v1/questions?mine=true").await), vec![t2]);

    // After the round's window closes its inspector still reads the report filed in it, and
    // who filed it (the findings that cite it outlive the window).
    app.state.clock.set(app.state.clock.now() + chrono::Duration::days(60));
    let res = get(&app, "inspector", &format!("/api/v1/questions/{report}")).await;
    assert_eq!(res.status.as_u16(), 200, "{}", res.text());
    assert_eq!(res.json()["asked_by"], "villager1a");
    assert!(ids(&get(&app, "inspector", "/api/v1/questions").await).contains(&report));
}

/// A user of the county police (a county-wide body, not the discipline commission).
fn police_token(app: &TestApp) -> String {
    let mut conn = app.conn();
    add_user(
        &mut conn,
        NewUser {
            username: "police1".into(),
            role: Role::Discipline,
            township: None,
            village: None,
            home_township: None,
            home_village: None,
            addressee: Some("ad_police".into()),
        },
        PASSWORD,
    )
    .expect("police user");
    let caller = Caller {
        username: "police1".into(),
        role: Role::Discipline,
        village: None,
        township: None,
    };
    issue_access_token(&app.state.keys, &app.state.tokens, &caller).expect("token")
}

/// Every route a reader could try, and what the reporter's identity must not be found in.
async fn reporters_stay_anonymous_by_every_route(app: TestApp) {
    add_users(&app);
    let (entry, _, _) = entries(&app).await;
    open_round(&app, "inspector", &[T1], &[]).await;
    let log_leaves = app.count("log_leaves");
    let question = filed(&app, "villager1a", &entry, "question", "这笔钱给了谁？").await;
    // What the others see before the report is filed, to compare with after.
    let watchers = ["cadre1a", "clerk1", "discipline1", "villager1b", "discipline-county"];
    let mut before = Vec::new();
    for user in watchers {
        before.push((
            get(&app, user, &format!("/api/v1/villages/{V1A}/questions")).await.body,
            get(&app, user, "/api/v1/questions").await.body,
            get(&app, user, "/api/v1/questions?mine=true").await.body,
        ));
    }

    let original = fixture("phone-orient6-gps.jpg");
    let res = file_form(
        &app,
        "villager1a",
        &entry,
        form(vec![
            part("kind", b"report"),
            part("text", "村干部虚报招待费".as_bytes()),
            part("photo", &original),
        ]),
    )
    .await;
    assert_eq!(res.status.as_u16(), 201, "{}", res.text());
    let report = res.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(res.json()["photo"], format!("/api/v1/questions/{report}/photo"));
    // Reports are no leaves of the transparency log.
    assert_eq!(app.count("log_leaves"), log_leaves);

    // The item: clerks, the village's other villagers (cadres too), another village's
    // villager, the township's discipline office and the county commission (no county report)
    // get the 404 of an id that does not exist, the same words but for the id.
    let missing = "qu_000000000000000000000000";
    for user in watchers {
        for (uri, method) in [
            ("/api/v1/questions/{}", Method::GET),
            ("/api/v1/questions/{}/photo", Method::GET),
            ("/api/v1/questions/{}/accept", Method::POST),
            ("/api/v1/questions/{}/escalate", Method::POST),
        ] {
            let call = |id: &str| {
                TestRequest::default()
                    .method(method.clone())
                    .uri(&uri.replace("{}", id))
                    .insert_header(bearer(&token(&app, user)))
            };
            let hidden = app.call(call(&report)).await;
            let absent = app.call(call(missing)).await;
            let p = hidden.assert_problem(404);
            let q = absent.assert_problem(404);
            assert_eq!(detail(&p).replace(&report, missing), detail(&q), "{user} {uri}");
            assert!(!hidden.text().contains("villager1a"), "{user} {uri}: {}", hidden.text());
        }
    }
    // Clerks answering it: 404 too.
    post(
        &app,
        "clerk1",
        &format!("/api/v1/questions/{report}/answer"),
        Some(json!({"text": "答复"})),
    )
    .await
    .assert_problem(404);

    // Every listing and count is what it was before the report.
    for (user, (village, inbox, mine)) in watchers.iter().zip(before) {
        let now = get(&app, user, &format!("/api/v1/villages/{V1A}/questions")).await;
        assert_eq!(now.body, village, "{user}: {}", now.text());
        assert!(!now.text().contains(&report), "{user}");
        // Nobody but the author and admins reads who asked, the station included.
        assert!(!now.text().contains("villager1a"), "{user}: {}", now.text());
        assert_eq!(get(&app, user, "/api/v1/questions").await.body, inbox, "{user}");
        assert_eq!(
            get(&app, user, "/api/v1/questions?mine=true").await.body,
            mine,
            "{user}"
        );
    }
    // The author of a question is shown neither to the station nor to other villagers.
    let seen = get(&app, "cadre1a", &format!("/api/v1/questions/{question}")).await;
    assert_eq!(seen.status.as_u16(), 200, "{}", seen.text());
    assert!(seen.json().get("asked_by").is_none(), "{}", seen.text());
    assert!(!seen.text().contains("villager1a"));
    let seen = get(&app, "discipline1", &format!("/api/v1/questions/{question}")).await;
    assert!(!seen.text().contains("villager1a"), "{}", seen.text());
    let listed = get(&app, "cadre1a", &format!("/api/v1/villages/{V1A}/questions")).await;
    assert_eq!(ids(&listed), vec![question.clone()]);
    assert!(!listed.text().contains("villager1a"), "{}", listed.text());

    // The recipients and admins read the author.
    for user in ["inspector", "admin", "villager1a"] {
        let res = get(&app, user, &format!("/api/v1/questions/{report}")).await;
        assert_eq!(res.status.as_u16(), 200, "{user}: {}", res.text());
        assert_eq!(res.json()["asked_by"], "villager1a", "{user}");
    }

    // The author's acts are in the audit log without the actor or the source address: no
    // audit record names villager1a, for admins or inspectors; the others read no audit log.
    let escalated = filed(&app, "villager1a", &entry, "question", "为什么没有签字？").await;
    let res = post(
        &app,
        "villager1a",
        &format!("/api/v1/questions/{escalated}/escalate"),
        None,
    )
    .await;
    assert_eq!(res.status.as_u16(), 200, "{}", res.text());
    file(&app, "villager1a", &entry, "report", &"长".repeat(2001))
        .await
        .assert_problem(422);
    for user in ["admin", "inspector"] {
        let audit = get(&app, user, "/api/v1/audit?limit=200").await;
        assert_eq!(audit.status.as_u16(), 200, "{}", audit.text());
        let records = audit.json()["items"].as_array().unwrap().clone();
        let filings: Vec<&Value> = records
            .iter()
            .filter(|r| {
                r["action"]
                    .as_str()
                    .is_some_and(|a| ["question.file", "question.accept", "question.escalate"].contains(&a))
            })
            .collect();
        assert!(
            filings.iter().any(|r| r["object"] == report.as_str()),
            "{user}: the filing is audited: {records:?}"
        );
        assert!(
            filings.iter().any(|r| r["action"] == "question.escalate"),
            "{user}: {records:?}"
        );
        assert!(filings.iter().any(|r| r["outcome"] == "422"), "{user}: {records:?}");
        for r in &filings {
            assert!(r["actor"].is_null() && r["source"].is_null(), "{user}: {r}");
        }
        assert!(!audit.text().contains("villager1a"), "{user}: {}", audit.text());
    }
    for user in ["clerk1", "cadre1a", "discipline1"] {
        get(&app, user, "/api/v1/audit").await.assert_problem(403);
    }

    // The photo: only the stripped re-encoding is kept. The original carries EXIF with GPS.
    assert!(original.windows(4).any(|w| w == b"Exif"), "the fixture carries EXIF");
    assert!(
        original.windows(2).any(|w| w == [0xFF, 0xE1]),
        "the fixture carries APP1"
    );
    let photo = get(&app, "inspector", &format!("/api/v1/questions/{report}/photo")).await;
    assert_eq!(photo.status.as_u16(), 200, "{}", photo.text());
    assert_eq!(photo.header("content-type").as_deref(), Some("image/jpeg"));
    let kept = &photo.body;
    assert!(kept.starts_with(&[0xFF, 0xD8]), "a JPEG");
    assert_ne!(kept, &original);
    assert!(!kept.windows(4).any(|w| w == b"Exif"), "EXIF kept");
    assert!(!kept.windows(3).any(|w| w == b"GPS"), "GPS kept");
    assert!(!kept.windows(2).any(|w| w == [0xFF, 0xE1]), "an APP1 segment kept");
    // Nothing of the original is stored anywhere: the table holds only the re-encoding, and
    // the receipt store's originals and temp files are untouched.
    let stored = {
        use diesel::prelude::*;
        use village_ledger::db::schema::question_photos;
        let mut conn = app.conn();
        question_photos::table
            .select(question_photos::jpeg)
            .load::<Vec<u8>>(&mut *conn)
            .expect("photos")
    };
    assert_eq!(stored, vec![kept.clone()]);
    for dir in ["originals", "tmp"] {
        let root = app.state.receipts.root().join(dir);
        let files = walk(&root);
        assert!(files.is_empty(), "{dir}: {files:?}");
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(read) = std::fs::read_dir(dir) {
        for e in read.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

async fn a_villager_files_at_most_the_daily_allowance(app: TestApp) {
    let (entry, _, _) = entries(&app).await;
    // 23:00 in the county (UTC+8) today; staff are not limited.
    let now = chrono::Utc::now().naive_utc();
    let county_day = (now + chrono::Duration::hours(8)).date();
    let late = county_day.and_hms_opt(15, 0, 0).unwrap();
    app.state.clock.set(late);
    for n in 0..5 {
        filed(
            &app,
            "villager1a",
            &entry,
            if n % 2 == 0 { "question" } else { "report" },
            "问",
        )
        .await;
    }
    let p = file(&app, "villager1a", &entry, "question", "第六条")
        .await
        .assert_problem(429);
    assert!(p["type"].as_str().unwrap().ends_with("rate-limited"), "{p}");
    assert!(detail(&p).contains('5'), "{p}");
    // Refused before the body is read: a photo upload is refused the same, and nothing is kept.
    file_form(
        &app,
        "villager1a",
        &entry,
        form(vec![
            part("kind", b"report"),
            part("text", b"x"),
            part("photo", fixture("scan-flatbed.png")),
        ]),
    )
    .await
    .assert_problem(429);
    assert_eq!(app.count("questions"), 5);
    assert_eq!(app.count("question_photos"), 0);
    filed(&app, "clerk1", &entry, "question", "会计也可以提问").await;
    // One hour later it is the next county day: five more.
    app.state.clock.advance(chrono::Duration::hours(1));
    for _ in 0..5 {
        filed(&app, "villager1a", &entry, "question", "第二天").await;
    }
    file(&app, "villager1a", &entry, "question", "第二天第六条")
        .await
        .assert_problem(429);
    assert_eq!(app.count("questions"), 11);
}

async fn filings_at_the_same_moment_share_one_allowance(app: TestApp) {
    let (entry, _, _) = entries(&app).await;
    let calls = (0..12).map(|n| {
        let app = &app;
        let entry = &entry;
        async move {
            file(app, "villager1a", entry, "question", &format!("同时{n}"))
                .await
                .status
                .as_u16()
        }
    });
    let mut statuses = futures_util::future::join_all(calls).await;
    statuses.sort_unstable();
    assert_eq!(
        statuses,
        [[201; 5].as_slice(), [429; 7].as_slice()].concat(),
        "{statuses:?}"
    );
    assert_eq!(app.count("questions"), 5);
}

async fn scope_and_roles_are_checked(app: TestApp) {
    add_users(&app);
    let (entry, _, entry_v2a) = entries(&app).await;
    // Out of scope is a 404 like a missing entry.
    for (user, e) in [
        ("villager1a", entry_v2a.as_str()),
        ("villager1b", entry.as_str()),
        ("clerk2", entry.as_str()),
        ("inspector", entry.as_str()),
        ("discipline1", entry_v2a.as_str()),
        ("villager1a", "en_000000000000000000000000"),
    ] {
        file(&app, user, e, "question", "问").await.assert_problem(404);
    }
    // Anyone who reads the village files.
    for user in ["admin", "clerk1", "discipline1", "discipline-county"] {
        filed(&app, user, &entry, "question", "问").await;
    }
    open_round(&app, "inspector", &[T1], &[]).await;
    filed(&app, "inspector", &entry, "report", "巡察组也可以登记").await;
    // Listings: a village out of scope is a 404; a malformed code too.
    for (user, code) in [
        ("villager1a", V2A),
        ("clerk2", V1A),
        ("villager1b", V1A),
        ("clerk1", "12"),
    ] {
        get(&app, user, &format!("/api/v1/villages/{code}/questions"))
            .await
            .assert_problem(404);
    }
    // Without a valid token: 401.
    let res = app
        .request(Method::GET, None, &format!("/api/v1/villages/{V1A}/questions"), None)
        .await;
    res.assert_problem(401);
    let res = app
        .call(
            TestRequest::post()
                .uri(&format!("/api/v1/entries/{entry}/questions"))
                .set_json(json!({"kind": "question", "text": "问"})),
        )
        .await;
    res.assert_problem(401);
    // A township's discipline office reads the questions of its villages, without askers.
    let listed = get(&app, "discipline1", &format!("/api/v1/villages/{V1A}/questions")).await;
    assert_eq!(ids(&listed).len(), 4);
    for q in listed.json()["items"].as_array().unwrap() {
        assert!(q.get("asked_by").is_none_or(|a| a == "discipline1"), "{q}");
    }
}

async fn hostile_input_is_refused_and_nothing_is_kept(app: TestApp) {
    let (entry, _, _) = entries(&app).await;
    let uri = format!("/api/v1/entries/{entry}/questions");
    for (body, status) in [
        (json!({"kind": "question", "text": "问".repeat(2001)}), 422),
        (json!({"kind": "question", "text": "   "}), 422),
        (json!({"kind": "question", "text": "a\u{0}b"}), 422),
        (json!({"kind": "rumour", "text": "问"}), 400),
        (json!({"kind": "question"}), 400),
        (json!({"kind": "question", "text": "问", "asked_by": "admin"}), 400),
        (json!({"kind": "question", "text": "x".repeat(70_000)}), 413),
    ] {
        post(&app, "villager1a", &uri, Some(body.clone()))
            .await
            .assert_problem(status);
    }
    let p = file(&app, "villager1a", &entry, "question", &"问".repeat(2001))
        .await
        .assert_problem(422);
    assert!(detail(&p).contains("2001") && detail(&p).contains("2000"), "{p}");
    // Neither JSON nor multipart.
    app.call(
        TestRequest::post()
            .uri(&uri)
            .insert_header(bearer(&app.token("villager1a")))
            .insert_header(("content-type", "text/plain"))
            .set_payload("kind=question"),
    )
    .await
    .assert_problem(415);
    // Bad forms.
    let photo = fixture("scan-flatbed.png");
    for (body, status) in [
        (form(vec![part("kind", b"question")]), 422),
        (form(vec![part("text", b"x")]), 422),
        (form(vec![part("kind", b"rumour"), part("text", b"x")]), 422),
        (
            form(vec![
                part("kind", b"question"),
                part("text", b"x"),
                part("who", b"admin"),
            ]),
            422,
        ),
        (
            form(vec![
                part("kind", b"question"),
                part("kind", b"report"),
                part("text", b"x"),
            ]),
            422,
        ),
        (form(vec![part("kind", b"question"), part("text", [0xFF, 0xFE])]), 422),
        (
            form(vec![
                part("kind", b"question"),
                part("text", "问".repeat(6000).as_bytes()),
            ]),
            422,
        ),
        (
            form(vec![
                part("kind", b"question"),
                part("text", b"x"),
                part("photo", &photo),
                part("photo", &photo),
            ]),
            422,
        ),
        (
            form(vec![
                part("kind", b"question"),
                part("text", b"x"),
                part("photo", fixture("document.pdf")),
            ]),
            422,
        ),
        (
            form(vec![
                part("kind", b"question"),
                part("text", b"x"),
                part("photo", fixture("bomb-100000x100000.png")),
            ]),
            422,
        ),
        (
            form(vec![
                part("kind", b"question"),
                part("text", b"x"),
                part("photo", fixture("truncated.jpg")),
            ]),
            422,
        ),
        (b"this is not a multipart body".to_vec(), 400),
    ] {
        let res = file_form(&app, "villager1a", &entry, body).await;
        res.assert_problem(status);
    }
    // A photo larger than the receipt limit: 413, refused while it streams.
    let huge = vec![0u8; usize::try_from(app.state.settings.receipt_max_bytes).unwrap() + 1];
    file_form(
        &app,
        "villager1a",
        &entry,
        form(vec![part("kind", b"report"), part("text", b"x"), part("photo", &huge)]),
    )
    .await
    .assert_problem(413);
    // Listing parameters.
    for query in ["limit=0", "limit=201", "cursor=bm9wZQ", "cursor=%%%", "status=closed"] {
        let res = get(&app, "villager1a", &format!("/api/v1/questions?{query}")).await;
        assert!(matches!(res.status.as_u16(), 400 | 422), "{query}: {}", res.text());
    }
    get(&app, "villager1a", &format!("/api/v1/villages/{V1A}/questions?limit=0"))
        .await
        .assert_problem(422);
    // Nothing was kept, and no temp file is left behind.
    assert_eq!(app.count("questions"), 0);
    assert_eq!(app.count("question_photos"), 0);
    let tmp = walk(&app.state.receipts.root().join("tmp"));
    assert!(tmp.is_empty(), "{tmp:?}");
    // Refusals after the checks count as nothing against the daily allowance.
    for _ in 0..5 {
        filed(&app, "villager1a", &entry, "question", "问").await;
    }
}

async fn listings_are_paginated_without_repeats(app: TestApp) {
    let (entry, other, _) = entries(&app).await;
    let mut filed_ids = Vec::new();
    for n in 0..7 {
        let e = if n % 2 == 0 { &entry } else { &other };
        filed_ids.push(filed(&app, "clerk1", e, "question", &format!("第{n}问")).await);
        app.state.clock.advance(chrono::Duration::seconds(1));
    }
    filed_ids.reverse();
    for uri in [
        format!("/api/v1/villages/{V1A}/questions?limit=2"),
        "/api/v1/questions?limit=2".to_owned(),
        "/api/v1/questions?mine=true&limit=3".to_owned(),
    ] {
        let mut seen = Vec::new();
        let mut next = uri.clone();
        loop {
            let res = get(&app, "clerk1", &next).await;
            seen.extend(ids(&res));
            match res.json()["next_cursor"].as_str() {
                Some(c) => next = format!("{uri}&cursor={c}"),
                None => break,
            }
            assert!(seen.len() <= 7, "{uri}: {seen:?}");
        }
        assert_eq!(seen, filed_ids, "{uri}");
    }
    // Reports of another villager between the questions: a villager pages through the
    // questions only, and the last page has no cursor (a hidden item leaves no trace).
    for n in 0..3 {
        filed(&app, "villager1a", &entry, "report", &format!("举报{n}")).await;
        app.state.clock.advance(chrono::Duration::seconds(1));
    }
    filed(&app, "clerk1", &entry, "question", "最后一问").await;
    add_users(&app);
    let uri = format!("/api/v1/villages/{V1A}/questions?limit=4");
    let first = get(&app, "cadre1a", &uri).await;
    assert_eq!(ids(&first).len(), 4);
    let cursor = first.json()["next_cursor"].as_str().expect("a second page").to_owned();
    let second = get(&app, "cadre1a", &format!("{uri}&cursor={cursor}")).await;
    assert_eq!(ids(&second).len(), 4);
    assert!(second.json()["next_cursor"].is_null(), "{}", second.text());
    let mut seen = ids(&first);
    seen.extend(ids(&second));
    assert_eq!(&seen[1..], filed_ids.as_slice());
    // An answered one is filtered by status.
    let res = post(
        &app,
        "clerk1",
        &format!("/api/v1/questions/{}/answer", filed_ids[3]),
        Some(json!({"text": "已答复"})),
    )
    .await;
    assert_eq!(res.status.as_u16(), 200, "{}", res.text());
    assert_eq!(
        ids(&get(&app, "clerk1", "/api/v1/questions?status=answered").await),
        vec![filed_ids[3].clone()]
    );
    assert_eq!(
        ids(&get(&app, "clerk1", "/api/v1/questions?status=open").await).len(),
        7
    );
    assert!(ids(&get(&app, "clerk1", "/api/v1/questions?kind=report").await).is_empty());
}

async fn report_on_village_tells_reports_of_the_village(app: TestApp) {
    let (entry, _, entry_v2a) = entries(&app).await;
    let report = filed(&app, "villager1a", &entry, "report", "虚报").await;
    let question = filed(&app, "villager1a", &entry, "question", "问").await;
    let escalated = filed(&app, "villager1a", &entry, "question", "再问").await;
    let res = post(
        &app,
        "villager1a",
        &format!("/api/v1/questions/{escalated}/escalate"),
        None,
    )
    .await;
    assert_eq!(res.status.as_u16(), 200, "{}", res.text());
    let t2 = filed(&app, "clerk2", &entry_v2a, "report", "头岙村").await;
    let mut conn = app.conn();
    let check = |conn: &mut village_ledger::db::DbConn, id: &str, village: &str| {
        village_ledger::workflow::questions::report_on_village(conn, id, village).expect("check")
    };
    assert!(check(&mut conn, &report, V1A));
    assert!(check(&mut conn, &escalated, V1A));
    assert!(!check(&mut conn, &report, V1B));
    assert!(!check(&mut conn, &question, V1A));
    assert!(!check(&mut conn, &t2, V1A));
    assert!(check(&mut conn, &t2, V2A));
    assert!(!check(&mut conn, "qu_000000000000000000000000", V1A));
}

/// `village-ledger copy` carries questions, reports and their photos over, row for row.
#[actix_web::test]
async fn questions_and_their_photos_are_copied_between_databases() {
    let Some(target) = TestApp::postgres_empty().await else {
        return;
    };
    let source = TestApp::new().await;
    let (entry, _, _) = entries(&source).await;
    let answered = filed(&source, "villager1a", &entry, "question", "问").await;
    let res = post(
        &source,
        "clerk1",
        &format!("/api/v1/questions/{answered}/answer"),
        Some(json!({"text": "答"})),
    )
    .await;
    assert_eq!(res.status.as_u16(), 200, "{}", res.text());
    let res = file_form(
        &source,
        "villager1a",
        &entry,
        form(vec![
            part("kind", "report"),
            part("text", "举报"),
            part("photo", fixture("scan-flatbed.png")),
        ]),
    )
    .await;
    assert_eq!(res.status.as_u16(), 201, "{}", res.text());
    let report = res.json()["id"].as_str().unwrap().to_owned();
    let report_copy = {
        let mut from = source.conn();
        let mut to = target.conn();
        let tables = village_ledger::db::copy::copy_county(&mut from, &mut to).expect("copy");
        let rows = |name: &str| tables.iter().find(|t| t.table == name).map(|t| t.rows);
        assert_eq!(rows("questions"), Some(2));
        assert_eq!(rows("question_photos"), Some(1));
        village_ledger::workflow::questions::report_on_village(&mut to, &report, V1A).expect("check")
    };
    assert!(report_copy);
    let photo = get(&target, "admin", &format!("/api/v1/questions/{report}/photo")).await;
    let original = get(&source, "admin", &format!("/api/v1/questions/{report}/photo")).await;
    assert_eq!(photo.status.as_u16(), 200, "{}", photo.text());
    assert_eq!(photo.body, original.body);
}

on_both_backends!(
    questions_are_answered_accepted_and_escalated,
    reports_go_to_the_open_rounds_or_the_county,
    reporters_stay_anonymous_by_every_route,
    a_villager_files_at_most_the_daily_allowance,
    filings_at_the_same_moment_share_one_allowance,
    scope_and_roles_are_checked,
    hostile_input_is_refused_and_nothing_is_kept,
    listings_are_paginated_without_repeats,
    report_on_village_tells_reports_of_the_village,
);
