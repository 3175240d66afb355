//! Work ends with its request: the expensive routes are refused at once beyond their
//! concurrency (503 with `Retry-After`), authorize before reading a body, bound their searches
//! per finding, make a missing full-size rendition once however many ask, leave nothing behind
//! when an upload is cut off, and spend no CPU after their answer.

use std::time::{Duration, Instant};

use crate::support::*;
use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use serde_json::{Value, json};

/// Adds `n` expenses to `village` in 2024 straight into the database (faster than posting
/// them): small amounts, to `parties` counterparties, spread over the year.
fn bulk_expenses(app: &TestApp, village: &str, n: usize, parties: usize) {
    use diesel::connection::SimpleConnection;
    let mut conn = app.conn();
    conn.batch_execute(&format!(
        "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < {n})
         INSERT INTO entries (id, village_code, fiscal_year, period, voucher_no, occurred_on, posted_at,
             direction, amount_fen, account_code, settlement_account_code, counterparty, description, posted_by)
         SELECT 'en_bulk' || i, '{village}', 2024, '2024-01', 'BULK-' || i,
             date('2024-01-01', '+' || (i % 366) || ' days'), '2024-12-31 00:00:00', 'expense',
             100 + (i % 50), '513', '101', '工程队' || (i % {parties}), 'bulk', 'clerk1'
         FROM k;"
    ))
    .expect("bulk entries");
}

#[actix_web::test]
async fn a_full_gate_answers_503_with_retry_after_at_once() {
    let app = TestApp::with_settings(|s| s.reconcile_concurrency = 1).await;
    let held = app.state.gates.reconcile.enter().expect("the only place");
    let body = json!({"village": V1A, "findings": []});
    let started = Instant::now();
    let res = app.post("admin", "/api/v1/crosscheck/reconcile", body.clone()).await;
    res.assert_problem(503);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "refused at once, not queued"
    );
    assert_eq!(res.header("retry-after").as_deref(), Some("2"));
    drop(held);
    let res = app.post("admin", "/api/v1/crosscheck/reconcile", body).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    // The flags have a gate of their own.
    let held = (0..app.state.settings.flags_concurrency)
        .map(|_| app.state.gates.flags.enter().unwrap())
        .collect::<Vec<_>>();
    let res = app.get("admin", "/api/v1/crosscheck/flags").await;
    res.assert_problem(503);
    assert!(res.header("retry-after").is_some());
    drop(held);
    assert_eq!(
        app.get("admin", "/api/v1/crosscheck/flags").await.status,
        StatusCode::OK
    );
}

#[actix_web::test]
async fn a_split_search_cut_by_its_bound_says_so() {
    let app = TestApp::new().await;
    // 40 small payments to one counterparty within days of the finding: more than one split
    // search combines, so it is cut, and says so; a finding with a plain match is not cut.
    for i in 0..40 {
        let mut e = expense(&format!("S-{i:03}"), "2024-05-06", 1000 + i);
        e["counterparty"] = json!("湾区建筑");
        app.post_entry(V1A, e).await;
    }
    let body = json!({
        "village": V1A,
        "amount_tolerance_fen": 0,
        "amount_tolerance_percent": 0,
        "findings": [
            {"ref": "F-big", "date": "2024-05-06", "amount_fen": 999_999_999, "counterparty": "湾区建筑"},
            {"ref": "F-one", "date": "2024-05-06", "amount_fen": 1005, "counterparty": "湾区建筑"}
        ]
    });
    let res = app.post("admin", "/api/v1/crosscheck/reconcile", body).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let r = res.json();
    assert_eq!(r["results"][0]["search_truncated"], json!(true), "{}", r["results"][0]);
    assert_eq!(r["results"][1]["status"], json!("matched"));
    assert_eq!(r["results"][1]["search_truncated"], json!(false));
}

#[actix_web::test]
async fn a_huge_scope_option_is_refused_and_never_stored() {
    let app = TestApp::new().await;
    let huge = "1".repeat(15 * 1024 * 1024);
    let res = app
        .post(
            "admin",
            "/api/v1/crosscheck/reconcile",
            json!({"village": huge, "findings": []}),
        )
        .await;
    let p = res.assert_problem(404);
    assert!(p["detail"].as_str().unwrap().len() < 200, "{p}");
    use diesel::prelude::*;
    use diesel::sql_types::BigInt;
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let longest = diesel::sql_query(
        "SELECT COALESCE(MAX(LENGTH(COALESCE(village_code, '')) + LENGTH(COALESCE(object, ''))), 0) AS n \
         FROM audit_log WHERE action = 'crosscheck.reconcile'",
    )
    .get_result::<N>(&mut *app.conn())
    .unwrap()
    .n;
    assert!(longest <= 64, "an audit row holds {longest} characters of the option");
    assert_eq!(app.count("audit_log WHERE action = 'crosscheck.reconcile'"), 1);
}

#[actix_web::test]
async fn the_scope_is_taken_from_the_query_and_must_precede_the_file() {
    let app = TestApp::new().await;
    app.post_entry(V1A, expense("Q-1", "2024-05-06", 95_000)).await;
    let findings = json!({"findings": [{"ref": "F-1", "date": "2024-05-06", "amount_fen": 95_000}]});
    let res = app
        .post(
            "admin",
            &format!("/api/v1/crosscheck/reconcile?village={V1A}"),
            findings.clone(),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(res.json()["results"][0]["status"], json!("matched"));
    // Out of the clerk's township: 404 from the query alone.
    let res = app
        .post(
            "clerk2",
            &format!("/api/v1/crosscheck/reconcile?village={V1A}"),
            findings,
        )
        .await;
    res.assert_problem(404);
    // A sheet whose scope field comes after the file is refused.
    let csv = "ref,date,amount_fen\nF-1,2024-05-06,95000\n";
    let mut body =
        format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f.csv\"\r\n\r\n{csv}\r\n");
    body.push_str(&format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"village\"\r\n\r\n{V1A}\r\n--{BOUNDARY}--\r\n"
    ));
    let res = app
        .call(
            TestRequest::post()
                .uri("/api/v1/crosscheck/reconcile")
                .insert_header(bearer(&app.token("admin")))
                .insert_header(("content-type", format!("multipart/form-data; boundary={BOUNDARY}")))
                .set_payload(body),
        )
        .await;
    let p = res.assert_problem(422);
    assert!(p["detail"].as_str().unwrap().contains("before the part `file`"), "{p}");
}

#[actix_web::test]
async fn many_asking_for_one_missing_full_rendition_make_it_once() {
    let app = TestApp::new().await;
    let entry = app.post_entry(V1A, expense("R-1", "2024-05-06", 95_000)).await;
    let bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/receipts-fixtures/scan-flatbed.png"
    ))
    .unwrap();
    let res = upload_receipt(&app, "clerk1", entry["id"].as_str().unwrap(), "scan.png", &bytes).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    let id = res.json()["id"].as_str().unwrap().to_owned();
    let uri = format!("/api/v1/receipts/{id}/image?size=full");
    let asks = (0..6).map(|_| app.get("villager1a", &uri));
    let answers = futures_util::future::join_all(asks).await;
    for res in &answers {
        assert_eq!(res.status, StatusCode::OK, "{}", res.text());
        assert_eq!(
            res.header("cache-control").as_deref(),
            Some("private, max-age=31536000, immutable")
        );
        assert_eq!(res.body, answers[0].body);
    }
    assert_eq!(app.state.full_renditions.worked(), 1, "one decode for six requests");
}

/// Writes a request head and 4 KiB of a body declared far longer, then reads the answer
/// (the server answers without reading the rest).
fn endless_body(addr: &str, path: &str, token: &str, content_type: &str) -> (u16, String) {
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: {content_type}\r\nContent-Length: 1073741824"
    );
    let mut request = RawRequest::open(addr, &head, Duration::from_secs(10));
    let _ = request.send(&[b'7'; 4096]);
    let answer = request.answer();
    (answer.status, answer.body)
}

#[actix_web::test]
async fn callers_without_the_function_are_refused_before_the_body_is_read() {
    let app = TestApp::new().await;
    let entry = app.post_entry(V1A, expense("E-1", "2024-05-06", 95_000)).await;
    let entry = entry["id"].as_str().unwrap();
    let (mut server, addr) = start_server(app.dir.path(), &[]);
    let multipart = format!("multipart/form-data; boundary={BOUNDARY}");
    let cases = [
        (
            "villager1a",
            "/api/v1/crosscheck/reconcile".to_owned(),
            "application/json",
            403,
        ),
        (
            "villager1a",
            "/api/v1/crosscheck/reconcile".to_owned(),
            multipart.as_str(),
            403,
        ),
        (
            "clerk2",
            format!("/api/v1/crosscheck/reconcile?village={V1A}"),
            "application/json",
            404,
        ),
        (
            "inspector",
            format!("/api/v1/crosscheck/reconcile?township={T1}"),
            multipart.as_str(),
            404,
        ),
        (
            "villager1a",
            format!("/api/v1/entries/{entry}/receipts"),
            multipart.as_str(),
            403,
        ),
        (
            "inspector",
            format!("/api/v1/entries/{entry}/receipts"),
            multipart.as_str(),
            403,
        ),
        (
            "clerk2",
            format!("/api/v1/entries/{entry}/receipts"),
            multipart.as_str(),
            404,
        ),
        (
            "villager1a",
            "/api/v1/receipts/rc_none/withdrawal".to_owned(),
            "application/json",
            403,
        ),
    ];
    for (user, path, kind, want) in cases {
        let started = Instant::now();
        let (status, text) = endless_body(&addr, &path, &app.token(user), kind);
        assert_eq!(status, want, "{user} {path} ({kind}): {text}");
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{user} {path} waited for the body"
        );
    }
    server.kill().unwrap();
    let _ = server.wait();
}

fn files_in(dir: &std::path::Path) -> usize {
    walk(dir)
}

fn walk(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| if e.path().is_dir() { walk(&e.path()) } else { 1 })
                .sum()
        })
        .unwrap_or(0)
}

#[actix_web::test]
async fn an_upload_cut_off_mid_body_leaves_no_file_behind() {
    let app = TestApp::new().await;
    let entry = app.post_entry(V1A, expense("C-1", "2024-05-06", 95_000)).await;
    let (mut server, addr) = start_server(app.dir.path(), &[]);
    let receipts = app.state.receipts.root().to_path_buf();
    let head = format!(
        "POST /api/v1/entries/{}/receipts HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\n\
         Content-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: 10000000",
        entry["id"].as_str().unwrap(),
        app.token("clerk1")
    );
    let mut upload = RawRequest::open(&addr, &head, Duration::from_secs(10));
    let part = format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"cut.png\"\r\n\r\n");
    upload.send(part.as_bytes()).unwrap();
    upload.send(&vec![0x89; 200_000]).unwrap();
    // The upload is being received: its temp file exists.
    let waiting = Instant::now();
    while files_in(&receipts.join("tmp")) == 0 {
        assert!(waiting.elapsed() < Duration::from_secs(10), "no temp file appeared");
        std::thread::sleep(Duration::from_millis(20));
    }
    drop(upload);
    let cut = Instant::now();
    while files_in(&receipts.join("tmp")) > 0 {
        assert!(
            cut.elapsed() < Duration::from_secs(2),
            "the temp file outlived its request"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(files_in(&receipts.join("originals")), 0, "an original without a row");
    server.kill().unwrap();
    let _ = server.wait();
}

/// utime + stime of a process, in clock ticks (1/100 s on Linux).
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = rest.split(' ').collect();
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

/// Posts JSON over a fresh connection.
fn post_json(addr: &str, path: &str, token: &str, body: &Value) -> Answer {
    send(
        addr,
        "POST",
        path,
        Some(token),
        Some(("application/json", body.to_string().into_bytes())),
    )
}

#[actix_web::test]
async fn the_worst_reconciliation_stops_with_its_answer() {
    let app = TestApp::new().await;
    bulk_expenses(&app, V1A, 6000, 40);
    let (mut server, addr) = start_server(app.dir.path(), &["--request-timeout-seconds", "2"]);
    // 20,000 findings no single entry fits, no counterparty (every payment in the window is a
    // split candidate), zero tolerances, the widest windows, the most parts.
    let findings: Vec<Value> = (0..20_000)
        .map(|i| json!({"ref": format!("W-{i}"), "date": "2024-07-01", "amount_fen": 100_000 + i}))
        .collect();
    let body = json!({
        "date_window_days": 366,
        "date_search_days": 366,
        "amount_tolerance_fen": 0,
        "amount_tolerance_percent": 0,
        "name_similarity": 0,
        "max_split_parts": 5,
        "findings": findings,
    });
    let started = Instant::now();
    let answer = post_json(
        &addr,
        &format!("/api/v1/crosscheck/reconcile?village={V1A}"),
        &app.token("admin"),
        &body,
    );
    let answered = started.elapsed();
    let at_answer = cpu_ticks(server.id());
    std::thread::sleep(Duration::from_millis(1500));
    let after = cpu_ticks(server.id()) - at_answer;
    eprintln!(
        "answered in {answered:?}: {}; CPU after the answer: {after} ticks",
        answer.status
    );
    assert!(
        [200, 503].contains(&answer.status),
        "finished or cut: {} {}",
        answer.status,
        answer.body
    );
    if answer.status == 503 {
        assert_eq!(answer.header("retry-after"), Some("2"), "{}", answer.body);
    }
    assert!(answered < Duration::from_secs(10), "answered after {answered:?}");
    assert!(after < 20, "{after} ticks (1/100 s) of CPU spent after the answer");
    server.kill().unwrap();
    let _ = server.wait();
}

#[actix_web::test]
async fn a_slow_flag_run_stops_with_its_answer() {
    let app = TestApp::new().await;
    bulk_expenses(&app, V1A, 6000, 40);
    // 40,000 scans whose perceptual hashes differ but share one block of bits: every pair of
    // them is compared by `receipt_reused` (800 million comparisons).
    {
        use diesel::connection::SimpleConnection;
        app.conn()
            .batch_execute(&format!(
                "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 40000)
                 INSERT INTO receipts (id, entry_id, village_code, sha256, content_type, byte_size, width,
                     height, phash, uploaded_by, uploaded_at)
                 SELECT 'rc_bulk' || i, 'en_bulk' || (1 + i % 6000), '{V1A}', printf('%064x', i), 'image/png',
                     1000, 100, 100, printf('%016x', i * 1024), 'clerk1', '2024-12-31 00:00:00'
                 FROM k;"
            ))
            .expect("bulk receipts");
    }
    let (mut server, addr) = start_server(app.dir.path(), &["--request-timeout-seconds", "2"]);
    let started = Instant::now();
    let answer = send(
        &addr,
        "GET",
        &format!("/api/v1/crosscheck/flags?village={V1A}&rules=receipt_reused"),
        Some(&app.token("admin")),
        None,
    );
    let answered = started.elapsed();
    let at_answer = cpu_ticks(server.id());
    std::thread::sleep(Duration::from_millis(1500));
    let after = cpu_ticks(server.id()) - at_answer;
    let status = answer.status;
    eprintln!("flags answered in {answered:?}: {status}; CPU after the answer: {after} ticks");
    assert!([200, 503].contains(&status), "{status} {}", answer.body);
    assert!(answered < Duration::from_secs(10), "answered after {answered:?}");
    assert!(after < 20, "{after} ticks (1/100 s) of CPU spent after the answer");
    server.kill().unwrap();
    let _ = server.wait();
}
