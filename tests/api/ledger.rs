//! The ledger core through the real HTTP app over a real SQLite file: posting, idempotent
//! retry, reversal, month close, pagination, filters, summaries, balances, ETag and
//! compression.

use std::collections::HashSet;

use crate::support::*;
use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use serde_json::{Value, json};

fn entries_uri(village: &str, query: &str) -> String {
    format!("/api/v1/villages/{village}/entries?{query}")
}

async fn posting_returns_201_with_location_and_the_entry_reads_back(app: TestApp) {
    let res = app
        .post(
            "clerk1",
            &format!("/api/v1/villages/{V1A}/entries"),
            expense("2024-001", "2024-03-12", 95_000),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    let entry = res.json();
    let id = entry["id"].as_str().expect("id");
    assert_eq!(
        res.header("location").as_deref(),
        Some(format!("/api/v1/entries/{id}").as_str())
    );
    assert_eq!(entry["amount_fen"], json!(95_000));
    assert_eq!(entry["period"], json!("2024-03"));
    assert_eq!(entry["fiscal_year"], json!(2024));
    assert_eq!(entry["posted_by"], json!("clerk1"));
    assert_eq!(entry["project"], json!("祠堂翻修工程"));
    assert!(entry["posted_at"].as_str().is_some_and(|t| t.ends_with('Z')), "{entry}");

    // A whole number written with a fraction or an exponent is read exactly, without floats.
    let raw = r#"{"voucher_no":"2024-001b","occurred_on":"2024-03-12","direction":"expense","amount_fen":9.5e4,
        "account_code":"513","settlement_account_code":"101","counterparty":"王小平","description":"付村祠堂传送瓦片人工费"}"#;
    let res = app
        .call(
            TestRequest::post()
                .uri(&format!("/api/v1/villages/{V1A}/entries"))
                .insert_header(bearer(&app.token("clerk1")))
                .insert_header(("content-type", "application/json"))
                .set_payload(raw),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    assert_eq!(res.json()["amount_fen"], json!(95_000));

    let read = app.get("villager1a", &format!("/api/v1/entries/{id}")).await;
    assert_eq!(read.status, StatusCode::OK);
    let read = read.json();
    assert_eq!(read["description"], json!("付村祠堂传送瓦片人工费"));
    assert_eq!(read["reversed_by"], Value::Null);
}

async fn retrying_a_voucher_is_idempotent_and_other_content_conflicts(app: TestApp) {
    let first = app.post_entry(V1A, expense("2024-002", "2024-03-12", 95_000)).await;
    let again = app
        .post(
            "clerk1",
            &format!("/api/v1/villages/{V1A}/entries"),
            expense("2024-002", "2024-03-12", 95_000),
        )
        .await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.json()["id"], first["id"]);
    let other = app
        .post(
            "clerk1",
            &format!("/api/v1/villages/{V1A}/entries"),
            expense("2024-002", "2024-03-12", 96_000),
        )
        .await;
    let p = other.assert_problem(409);
    assert!(p["type"].as_str().is_some_and(|t| t.ends_with("voucher-conflict")));
    assert_eq!(app.count("entries"), 1);
    // The same voucher number is free in another fiscal year and another village.
    app.post_entry(
        V1A,
        expense("2024-002", "2023-03-12", 95_000).tap(|b| b["account_code"] = json!("541")),
    )
    .await;
    app.post_entry(V1B, expense("2024-002", "2024-03-12", 95_000)).await;
    assert_eq!(app.count("entries"), 3);
}

trait Tap {
    fn tap(self, f: impl FnOnce(&mut Self)) -> Self;
}
impl Tap for Value {
    fn tap(mut self, f: impl FnOnce(&mut Self)) -> Self {
        f(&mut self);
        self
    }
}

async fn a_reversal_negates_the_entry_and_links_both_ways(app: TestApp) {
    let original = app.post_entry(V1A, expense("2024-003", "2024-04-02", 12_345)).await;
    let id = original["id"].as_str().expect("id");
    let res = app
        .post(
            "clerk1",
            &format!("/api/v1/entries/{id}/reversal"),
            json!({"reason": "重复入账"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    let reversal = res.json();
    assert_eq!(reversal["amount_fen"], json!(-12_345));
    assert_eq!(reversal["reverses"], json!(id));
    assert_eq!(reversal["account_code"], original["account_code"]);
    assert_eq!(reversal["direction"], original["direction"]);
    assert_eq!(reversal["counterparty"], original["counterparty"]);
    assert_eq!(reversal["occurred_on"], json!("2024-04-02"));
    assert_eq!(reversal["reversal_reason"], json!("重复入账"));
    let reread = app.get("clerk1", &format!("/api/v1/entries/{id}")).await.json();
    assert_eq!(reread["reversed_by"], reversal["id"]);
    assert_eq!(reread["amount_fen"], json!(12_345), "the original is never edited");

    // A retry with the same reason is the same reversal; another reversal is refused.
    let retry = app
        .post(
            "clerk1",
            &format!("/api/v1/entries/{id}/reversal"),
            json!({"reason": "重复入账"}),
        )
        .await;
    assert_eq!(retry.status, StatusCode::OK);
    assert_eq!(retry.json()["id"], reversal["id"]);
    let twice = app
        .post(
            "clerk1",
            &format!("/api/v1/entries/{id}/reversal"),
            json!({"reason": "again"}),
        )
        .await;
    assert!(
        twice.assert_problem(409)["detail"]
            .as_str()
            .is_some_and(|d| d.contains("already reversed"))
    );
    let rid = reversal["id"].as_str().expect("id");
    let of_reversal = app
        .post(
            "clerk1",
            &format!("/api/v1/entries/{rid}/reversal"),
            json!({"reason": "x"}),
        )
        .await;
    of_reversal.assert_problem(409);
    assert_eq!(app.count("entries"), 2);
    // Net effect on the cash balance is zero.
    let village = app.get("clerk1", &format!("/api/v1/villages/{V1A}")).await.json();
    assert_eq!(village["cash_balance_fen"], json!(1_000_000));
}

async fn a_closed_month_refuses_postings_and_reversals_land_in_the_first_open_month(app: TestApp) {
    let march = app.post_entry(V1A, expense("2024-010", "2024-03-20", 5_000)).await;
    for period in ["2024-03", "2024-04"] {
        let res = app
            .post(
                "clerk1",
                &format!("/api/v1/villages/{V1A}/periods/{period}/close"),
                json!({}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
        assert_eq!(res.json()["period"], json!(period));
    }
    let again = app
        .post(
            "clerk1",
            &format!("/api/v1/villages/{V1A}/periods/2024-03/close"),
            json!({}),
        )
        .await;
    assert_eq!(again.status, StatusCode::OK, "closing twice answers the existing close");

    let refused = app
        .post(
            "clerk1",
            &format!("/api/v1/villages/{V1A}/entries"),
            expense("2024-011", "2024-03-25", 5_000),
        )
        .await;
    let p = refused.assert_problem(409);
    assert!(p["type"].as_str().is_some_and(|t| t.ends_with("period-closed")));
    assert!(p["detail"].as_str().is_some_and(|d| d.contains("2024-03")), "{p}");
    // Other villages' months are not affected.
    app.post_entry(V1B, expense("2024-011", "2024-03-25", 5_000)).await;

    let id = march["id"].as_str().expect("id");
    let reversal = app
        .post(
            "clerk1",
            &format!("/api/v1/entries/{id}/reversal"),
            json!({"reason": "金额有误"}),
        )
        .await;
    assert_eq!(reversal.status, StatusCode::CREATED, "{}", reversal.text());
    let reversal = reversal.json();
    assert_eq!(reversal["occurred_on"], json!("2024-05-01"));
    assert_eq!(reversal["period"], json!("2024-05"));

    let village = app.get("villager1a", &format!("/api/v1/villages/{V1A}")).await.json();
    assert_eq!(village["latest_closed_period"], json!("2024-04"));

    // A month that has not ended cannot be closed.
    let future = app
        .post(
            "clerk1",
            &format!("/api/v1/villages/{V1A}/periods/2099-12/close"),
            json!({}),
        )
        .await;
    future.assert_problem(422);
    app.post(
        "clerk1",
        &format!("/api/v1/villages/{V1A}/periods/2024-13/close"),
        json!({}),
    )
    .await
    .assert_problem(422);
}

pub(crate) async fn page_through(app: &TestApp, user: &str, village: &str, query: &str, limit: usize) -> Vec<Value> {
    let mut all = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut q = format!("{query}&limit={limit}");
        if let Some(c) = &cursor {
            q.push_str(&format!("&cursor={c}"));
        }
        let res = app.get(user, &entries_uri(village, &q)).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text());
        let page = res.json();
        let items = page["items"].as_array().expect("items").clone();
        assert!(items.len() <= limit);
        all.extend(items);
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    all
}

async fn pages_are_newest_first_without_gaps_or_repeats(app: TestApp) {
    let mut posted = HashSet::new();
    for i in 0..23 {
        // Several entries share a date, so ties are broken by posting order.
        let date = format!("2024-06-{:02}", 1 + i / 3);
        let e = app.post_entry(V1A, expense(&format!("P-{i:03}"), &date, 100 + i)).await;
        posted.insert(e["id"].as_str().expect("id").to_owned());
    }
    let all = page_through(&app, "villager1a", V1A, "", 5).await;
    let ids: Vec<String> = all.iter().map(|e| e["id"].as_str().expect("id").to_owned()).collect();
    assert_eq!(ids.len(), 23);
    assert_eq!(ids.iter().cloned().collect::<HashSet<_>>(), posted);
    let dates: Vec<&str> = all.iter().map(|e| e["occurred_on"].as_str().expect("date")).collect();
    assert!(dates.windows(2).all(|w| w[0] >= w[1]), "newest first: {dates:?}");
    // Within one day, the later posting comes first.
    assert_eq!(all[0]["voucher_no"], json!("P-022"));
    assert_eq!(all[1]["voucher_no"], json!("P-021"));
}

async fn paging_while_entries_are_posted_never_repeats_or_skips(app: TestApp) {
    let mut before = HashSet::new();
    for i in 0..30 {
        let e = app
            .post_entry(
                V1A,
                expense(&format!("B-{i:03}"), &format!("2024-07-{:02}", 1 + i % 28), 1_000 + i),
            )
            .await;
        before.insert(e["id"].as_str().expect("id").to_owned());
    }
    // Page slowly while a second task posts into the same village (dates before and after).
    let writer = {
        let pool = app.state.clone();
        std::thread::spawn(move || {
            let rt = actix_web::rt::System::new();
            rt.block_on(async move {
                let app = actix_web::test::init_service(village_ledger::api::build_app(pool.clone())).await;
                let caller = village_ledger::auth::Caller {
                    username: "clerk1".into(),
                    role: village_ledger::auth::Role::Clerk,
                    village: None,
                    township: Some(T1.into()),
                };
                let token =
                    village_ledger::auth::tokens::issue_access_token(&pool.keys, &pool.tokens, &caller).expect("token");
                for i in 0..30 {
                    let date = format!("2024-07-{:02}", 1 + (i * 7) % 28);
                    let req = TestRequest::post()
                        .uri(&format!("/api/v1/villages/{V1A}/entries"))
                        .insert_header(bearer(&token))
                        .set_json(expense(&format!("C-{i:03}"), &date, 5_000 + i))
                        .to_request();
                    let res = actix_web::test::call_service(&app, req).await;
                    assert_eq!(res.status(), StatusCode::CREATED);
                }
            });
        })
    };
    let seen = page_through(&app, "villager1a", V1A, "", 3).await;
    writer.join().expect("writer");
    let ids: Vec<String> = seen.iter().map(|e| e["id"].as_str().expect("id").to_owned()).collect();
    let unique: HashSet<String> = ids.iter().cloned().collect();
    assert_eq!(unique.len(), ids.len(), "an entry was served twice");
    assert!(
        before.is_subset(&unique),
        "an entry that existed before paging was skipped"
    );
    let keys: Vec<(String, i64)> = seen
        .iter()
        .map(|e| (e["occurred_on"].as_str().expect("d").to_owned(), 0))
        .collect();
    assert!(keys.windows(2).all(|w| w[0].0 >= w[1].0));
    assert_eq!(app.count("entries"), 60);
}

async fn every_filter_narrows_the_listing(app: TestApp) {
    app.post_entry(V1A, expense("F-1", "2024-01-10", 95_000)).await;
    app.post_entry(V1A, income("F-2", "2024-02-10", 3_000_000)).await;
    app.post_entry(
        V1A,
        expense("F-3", "2024-03-10", 2_000).tap(|b| {
            b["description"] = json!("村务接待餐费 100%_test");
            b["counterparty"] = json!("海游老街农家菜馆");
        }),
    )
    .await;
    app.post_entry(
        V1A,
        expense("F-4", "2023-12-10", 50_000).tap(|b| b["account_code"] = json!("541")),
    )
    .await;
    let vouchers = |items: &Value| -> Vec<String> {
        let mut v: Vec<String> = items["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|e| e["voucher_no"].as_str().expect("v").to_owned())
            .collect();
        v.sort();
        v
    };
    let cases = [
        ("from=2024-02-01", vec!["F-2", "F-3"]),
        ("to=2024-01-31", vec!["F-1", "F-4"]),
        ("from=2024-01-01&to=2024-02-28", vec!["F-1", "F-2"]),
        ("direction=income", vec!["F-2"]),
        ("direction=expense", vec!["F-1", "F-3", "F-4"]),
        ("account=5", vec!["F-1", "F-2", "F-3", "F-4"]),
        ("account=51", vec!["F-1", "F-3"]),
        ("account=541", vec!["F-4"]),
        ("q=%E7%A5%A0%E5%A0%82", vec!["F-1", "F-4"]),
        ("q=%E5%86%9C%E5%AE%B6", vec!["F-3"]),
        ("q=100%25_", vec!["F-3"]),
        ("q=%25", vec!["F-3"]),
        ("min_fen=50000", vec!["F-1", "F-2", "F-4"]),
        ("max_fen=50000", vec!["F-3", "F-4"]),
        ("min_fen=2000&max_fen=2000", vec!["F-3"]),
        (
            "direction=expense&from=2024-01-01&account=513&max_fen=10000",
            vec!["F-3"],
        ),
    ];
    for (query, expected) in cases {
        let res = app.get("villager1a", &entries_uri(V1A, query)).await;
        assert_eq!(res.status, StatusCode::OK, "{query}: {}", res.text());
        assert_eq!(vouchers(&res.json()), expected, "{query}");
    }
}

async fn the_summary_totals_equal_the_listed_entries_and_balances_follow(app: TestApp) {
    app.post_entry(V1A, expense("S-1", "2024-01-10", 95_000)).await;
    app.post_entry(V1A, expense("S-2", "2024-01-20", 5_050)).await;
    app.post_entry(V1A, income("S-3", "2024-02-10", 3_000_000)).await;
    let s4 = app.post_entry(V1A, expense("S-4", "2024-02-15", 777)).await;
    app.post(
        "clerk1",
        &format!("/api/v1/entries/{}/reversal", s4["id"].as_str().expect("id")),
        json!({"reason": "错记"}),
    )
    .await;
    app.post_entry(
        V1A,
        expense("S-5", "2023-11-10", 10_000).tap(|b| b["account_code"] = json!("541")),
    )
    .await;

    let s = app
        .get("villager1a", &format!("/api/v1/villages/{V1A}/summary?year=2024"))
        .await;
    assert_eq!(s.status, StatusCode::OK, "{}", s.text());
    let s = s.json();
    assert_eq!(s["chart"], json!("2023"));
    let listed = page_through(&app, "villager1a", V1A, "from=2024-01-01&to=2024-12-31", 50).await;
    let sum = |dir: &str| {
        listed
            .iter()
            .filter(|e| e["direction"] == json!(dir))
            .map(|e| e["amount_fen"].as_i64().expect("fen"))
            .sum::<i64>()
    };
    assert_eq!(s["income_total_fen"], json!(sum("income")));
    assert_eq!(s["expense_total_fen"], json!(sum("expense")));
    assert_eq!(s["expense_total_fen"], json!(95_000 + 5_050));
    assert_eq!(s["expense_count"], json!(4));
    let months = s["by_month"].as_array().expect("months");
    assert_eq!(months.len(), 2);
    assert_eq!(months[0]["period"], json!("2024-01"));
    assert_eq!(months[0]["expense_fen"], json!(100_050));
    let by_account: i64 = s["by_account"]
        .as_array()
        .expect("accounts")
        .iter()
        .filter(|a| a["direction"] == json!("expense"))
        .map(|a| a["total_fen"].as_i64().expect("fen"))
        .sum();
    assert_eq!(by_account, 100_050);
    assert_eq!(
        s["by_account"][0]["account_name"].as_str().map(|n| !n.is_empty()),
        Some(true)
    );
    // Opening 2024 cash = opening 10,000.00 − 100.00 spent in 2023; closing follows cash lines.
    assert_eq!(s["opening_cash_fen"], json!(1_000_000 - 10_000));
    assert_eq!(s["closing_cash_fen"], json!(1_000_000 - 10_000 - 95_000 - 5_050));
    assert_eq!(s["closing_bank_fen"], json!(50_000_000 + 3_000_000));
    let village = app.get("villager1a", &format!("/api/v1/villages/{V1A}")).await.json();
    assert_eq!(village["cash_balance_fen"], s["closing_cash_fen"]);
    assert_eq!(village["bank_balance_fen"], s["closing_bank_fen"]);
}

async fn gets_carry_an_etag_and_answer_304_until_the_ledger_changes(app: TestApp) {
    app.post_entry(V1A, expense("E-1", "2024-01-10", 95_000)).await;
    let token = app.token("villager1a");
    let uri = entries_uri(V1A, "limit=10");
    let first = app
        .call(TestRequest::get().uri(&uri).insert_header(bearer(&token)))
        .await;
    let etag = first.header("etag").expect("etag");
    let cached = app
        .call(
            TestRequest::get()
                .uri(&uri)
                .insert_header(bearer(&token))
                .insert_header(("if-none-match", etag.clone())),
        )
        .await;
    assert_eq!(cached.status, StatusCode::NOT_MODIFIED);
    assert!(cached.body.is_empty());
    assert_eq!(cached.header("etag"), Some(etag.clone()));
    app.post_entry(V1A, expense("E-2", "2024-01-11", 1_000)).await;
    let changed = app
        .call(
            TestRequest::get()
                .uri(&uri)
                .insert_header(bearer(&token))
                .insert_header(("if-none-match", etag.clone())),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK);
    assert_ne!(changed.header("etag"), Some(etag));
    for path in [
        format!("/api/v1/villages/{V1A}"),
        "/api/v1/townships".to_owned(),
        "/api/v1/accounts?year=2024".to_owned(),
    ] {
        let res = app
            .call(TestRequest::get().uri(&path).insert_header(bearer(&token)))
            .await;
        assert_eq!(res.status, StatusCode::OK, "{path}");
        assert!(res.header("etag").is_some(), "{path} has no ETag");
    }
}

async fn bodies_are_compressed_when_the_client_accepts_it(app: TestApp) {
    for i in 0..20 {
        app.post_entry(V1A, expense(&format!("Z-{i}"), "2024-01-10", 100 + i))
            .await;
    }
    let token = app.token("villager1a");
    let uri = entries_uri(V1A, "limit=20");
    let plain = app
        .call(TestRequest::get().uri(&uri).insert_header(bearer(&token)))
        .await;
    assert_eq!(plain.header("content-encoding"), None);
    for encoding in ["gzip", "br"] {
        let res = app
            .call(
                TestRequest::get()
                    .uri(&uri)
                    .insert_header(bearer(&token))
                    .insert_header(("accept-encoding", encoding)),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK);
        assert_eq!(res.header("content-encoding").as_deref(), Some(encoding));
        assert!(
            res.body.len() * 3 < plain.body.len(),
            "{encoding}: {} vs {}",
            res.body.len(),
            plain.body.len()
        );
    }
    let gz = app
        .call(
            TestRequest::get()
                .uri(&uri)
                .insert_header(bearer(&token))
                .insert_header(("accept-encoding", "gzip")),
        )
        .await;
    let mut decoded = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gz.body[..]), &mut decoded).expect("gunzip");
    assert_eq!(decoded, plain.body);
}

async fn the_chart_of_accounts_follows_the_year(app: TestApp) {
    let old = app.get("villager1a", "/api/v1/accounts?year=2023").await.json();
    let new = app.get("villager1a", "/api/v1/accounts?year=2024").await.json();
    assert_eq!(old["chart"], json!("2004"));
    assert_eq!(new["chart"], json!("2023"));
    let find = |chart: &Value, code: &str| {
        chart["accounts"]
            .as_array()
            .expect("accounts")
            .iter()
            .find(|a| a["code"] == json!(code))
            .cloned()
    };
    assert_eq!(old["accounts"].as_array().map(Vec::len), Some(33));
    assert_eq!(find(&old, "101").expect("101")["name_zh"], json!("现金"));
    assert_eq!(find(&new, "101").expect("101")["name_zh"], json!("库存现金"));
    assert_eq!(find(&old, "541").expect("541")["class"], json!("expense"));
    assert_eq!(find(&new, "514").expect("514")["name_zh"], json!("公益支出"));
    assert_eq!(find(&new, "503").expect("503")["class"], json!("income"));
    assert!(find(&new, "541").is_none());
    // An account of the wrong chart for the entry's year is refused.
    let wrong = app
        .post(
            "clerk1",
            &format!("/api/v1/villages/{V1A}/entries"),
            expense("W-1", "2024-01-10", 100).tap(|b| b["account_code"] = json!("541")),
        )
        .await;
    assert!(
        wrong.assert_problem(422)["detail"]
            .as_str()
            .is_some_and(|d| d.contains("541"))
    );
}

async fn admins_add_townships_and_villages_with_opening_balances(app: TestApp) {
    let t = app
        .post(
            "admin",
            "/api/v1/townships",
            json!({"code": "331022108000", "name": "花桥镇"}),
        )
        .await;
    assert_eq!(t.status, StatusCode::CREATED, "{}", t.text());
    let body = json!({"code": "331022108201", "township_code": "331022108000", "name": "花桥村",
        "opening_date": "2024-01-01", "opening_cash_fen": 1_200_000, "opening_bank_fen": 85_000_000});
    let v = app.post("admin", "/api/v1/villages", body.clone()).await;
    assert_eq!(v.status, StatusCode::CREATED, "{}", v.text());
    assert_eq!(v.header("location").as_deref(), Some("/api/v1/villages/331022108201"));
    let read = app.get("admin", "/api/v1/villages/331022108201").await.json();
    assert_eq!(read["cash_balance_fen"], json!(1_200_000));
    assert_eq!(read["township"]["name"], json!("花桥镇"));
    app.post("admin", "/api/v1/villages", body.clone())
        .await
        .assert_problem(409);
    app.post(
        "admin",
        "/api/v1/townships",
        json!({"code": "331022108000", "name": "x"}),
    )
    .await
    .assert_problem(409);
    let mut bad = body.clone();
    bad["code"] = json!("331022108202");
    bad["township_code"] = json!("331022999000");
    app.post("admin", "/api/v1/villages", bad.clone())
        .await
        .assert_problem(422);
    bad["township_code"] = json!("331022108000");
    bad["opening_cash_fen"] = json!(-1);
    app.post("admin", "/api/v1/villages", bad).await.assert_problem(422);
    app.post(
        "clerk1",
        "/api/v1/townships",
        json!({"code": "331022109000", "name": "x"}),
    )
    .await
    .assert_problem(403);
    assert_eq!(app.count("villages"), 4);
}

on_both_backends!(
    posting_returns_201_with_location_and_the_entry_reads_back,
    retrying_a_voucher_is_idempotent_and_other_content_conflicts,
    a_reversal_negates_the_entry_and_links_both_ways,
    a_closed_month_refuses_postings_and_reversals_land_in_the_first_open_month,
    pages_are_newest_first_without_gaps_or_repeats,
    paging_while_entries_are_posted_never_repeats_or_skips,
    every_filter_narrows_the_listing,
    the_summary_totals_equal_the_listed_entries_and_balances_follow,
    gets_carry_an_etag_and_answer_304_until_the_ledger_changes,
    bodies_are_compressed_when_the_client_accepts_it,
    the_chart_of_accounts_follows_the_year,
    admins_add_townships_and_villages_with_opening_balances,
);
