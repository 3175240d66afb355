//! Import and export of the books (issue 19), through the HTTP app on SQLite and PostgreSQL: a
//! dry run writes nothing, an import posts every row through the ledger (a log leaf each, audited
//! with the file's SHA-256) all or nothing and idempotently, every bad file is refused with its
//! report, GB18030 and XLSX files read exactly, and an export imports back into an empty ledger
//! and exports byte-identical; the journal balances in the real hledger as the summaries say.

use actix_web::http::StatusCode;
use actix_web::test;
use serde_json::{Value, json};

use crate::support::*;

const HEADER: &str = "凭证号,行号,日期,方向,科目,结算科目,金额,对方单位,摘要,项目";

async fn import(app: &TestApp, user: &str, village: &str, query: &str, bytes: &[u8]) -> Resp {
    app.call(
        test::TestRequest::post()
            .uri(&format!("/api/v1/villages/{village}/imports{query}"))
            .insert_header(bearer(&app.token(user)))
            .insert_header(("content-type", format!("multipart/form-data; boundary={BOUNDARY}")))
            .set_payload(multipart("books.csv", bytes)),
    )
    .await
}

async fn export(app: &TestApp, user: &str, uri: &str) -> Resp {
    let res = app.get(user, uri).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    res
}

/// A fresh, empty app on the backend of `app`.
async fn fresh_like(app: &TestApp) -> TestApp {
    if app.state.settings.database_url.is_some() {
        TestApp::postgres().await.expect("the first app was on PostgreSQL")
    } else {
        TestApp::new().await
    }
}

fn books() -> String {
    format!(
        "\u{feff}{HEADER}\n\
         2024-001,1,2024-03-08,支出,513,101,\"1,234.50\",王小平,付村祠堂瓦片人工费,祠堂翻修工程\n\
         2024-001,2,2024/3/8,支出,513,101,¥15.5,王小平,付瓦片搬运费,祠堂翻修工程\n\
         2024-002,,2024年3月9日,收入,503,102,20000,珠岙镇财政所,收村级组织运转经费补助,\n"
    )
}

async fn dry_run_writes_nothing_and_an_import_posts_every_row_once(app: TestApp) {
    let leaves = app.count("log_leaves");
    let dry = import(&app, "clerk1", V1A, "?dry_run=true", books().as_bytes()).await;
    assert_eq!(dry.status, StatusCode::OK, "{}", dry.text());
    let report = dry.json();
    assert_eq!(report["dry_run"], json!(true));
    assert_eq!(
        (report["rows"].clone(), report["created"].clone()),
        (json!(3), json!(3))
    );
    assert_eq!(app.count("entries"), 0, "a dry run writes nothing");

    let res = import(&app, "clerk1", V1A, "", books().as_bytes()).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    let report = res.json();
    assert_eq!(report["created"], json!(3));
    let sha = report["sha256"].as_str().expect("sha").to_owned();
    assert_eq!(sha.len(), 64);
    assert_eq!(app.count("entries"), 3);
    assert_eq!(
        app.count("log_leaves"),
        leaves + 3,
        "every imported entry is a log leaf"
    );

    let listed = app
        .get("clerk1", &format!("/api/v1/villages/{V1A}/entries"))
        .await
        .json();
    let mut amounts: Vec<i64> = listed["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| e["amount_fen"].as_i64().expect("fen"))
        .collect();
    amounts.sort();
    assert_eq!(amounts, vec![1_550, 123_450, 2_000_000]);

    let audit = app.get("admin", "/api/v1/audit?limit=200").await.json();
    let objects: Vec<&str> = audit["items"]
        .as_array()
        .expect("audit items")
        .iter()
        .filter(|r| r["action"] == json!("entries.import"))
        .filter_map(|r| r["object"].as_str())
        .collect();
    assert!(objects.contains(&format!("sha256:{sha}").as_str()), "{audit}");

    let again = import(&app, "clerk1", V1A, "", books().as_bytes()).await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.text());
    assert_eq!(
        (again.json()["created"].clone(), again.json()["existing"].clone()),
        (json!(0), json!(3))
    );
    assert_eq!(app.count("entries"), 3, "the same file twice adds nothing");

    let changed = books().replace("20000,", "20001,");
    let res = import(&app, "clerk1", V1A, "", changed.as_bytes()).await;
    let problem = res.assert_problem(422);
    assert_eq!(
        problem["report"]["problems"][0]["code"],
        json!("voucher-conflict"),
        "{problem}"
    );
    assert_eq!(problem["report"]["problems"][0]["row"], json!(4), "{problem}");
    assert_eq!(app.count("entries"), 3);
}

/// (name, file, code of the first problem, its row, its column).
fn bad_files() -> Vec<(&'static str, Vec<u8>, &'static str, Value, Value)> {
    let row = |line: &str| format!("{HEADER}\n{line}\n").into_bytes();
    vec![
        (
            "wrong encoding",
            b"\xff\xfe\x00\x01\x80\xff,\xff\n".to_vec(),
            "encoding-unknown",
            Value::Null,
            Value::Null,
        ),
        (
            "unknown header",
            format!("{HEADER},备注栏\n2024-001,1,2024-03-08,支出,513,101,1.00,王,付,,x\n").into_bytes(),
            "header-unknown",
            Value::Null,
            json!("备注栏"),
        ),
        (
            "duplicate voucher inside the file",
            format!(
                "{HEADER}\n2024-001,1,2024-03-08,支出,513,101,1.00,王,付,\n2024-001,1,2024-03-09,支出,513,101,2.00,王,付,\n"
            )
            .into_bytes(),
            "voucher-duplicate-in-file",
            json!(3),
            json!("凭证号"),
        ),
        (
            "impossible date",
            row("2024-001,1,2024-02-30,支出,513,101,1.00,王,付,"),
            "date-invalid",
            json!(2),
            json!("日期"),
        ),
        (
            "amount with three decimals",
            row("2024-001,1,2024-03-08,支出,513,101,1.005,王,付,"),
            "amount-too-many-decimals",
            json!(2),
            json!("金额"),
        ),
        (
            "closed month",
            row("2024-001,1,2024-01-15,支出,513,101,1.00,王,付,"),
            "period-closed",
            json!(2),
            json!("日期"),
        ),
        (
            "account not in the year's chart",
            row("2024-001,1,2024-03-08,支出,541,101,1.00,王,付,"),
            "account-not-in-chart",
            json!(2),
            json!("科目"),
        ),
    ]
}

async fn every_bad_file_is_refused_with_its_report(app: TestApp) {
    let closed = app
        .post(
            "clerk1",
            &format!("/api/v1/villages/{V1A}/periods/2024-01/close"),
            json!({}),
        )
        .await;
    assert_eq!(closed.status, StatusCode::CREATED, "{}", closed.text());
    for (name, file, code, row, column) in bad_files() {
        for query in ["?dry_run=true", ""] {
            let res = import(&app, "clerk1", V1A, query, &file).await;
            let problem = res.assert_problem(422);
            let first = &problem["report"]["problems"][0];
            assert_eq!(first["code"], json!(code), "{name}: {problem}");
            assert_eq!(first["row"], row, "{name}: {problem}");
            assert_eq!(first["column"], column, "{name}: {problem}");
            assert!(first["message"].as_str().is_some_and(|m| !m.is_empty()), "{name}");
            assert!(first["expected"].as_str().is_some_and(|m| !m.is_empty()), "{name}");
        }
    }
    // One bad row among good ones refuses the whole file.
    let mixed = format!("{}2024-009,1,2024-03-10,支出,513,101,1.001,王,付,\n", books());
    import(&app, "clerk1", V1A, "", mixed.as_bytes())
        .await
        .assert_problem(422);
    assert_eq!(app.count("entries"), 0, "nothing half-written");
}

async fn gb18030_csv_debit_credit_columns_and_red_ink_rows_import(app: TestApp) {
    let text = "凭证号,日期,借方金额,贷方金额,科目,结算科目,对方单位,摘要,冲销凭证号,冲销原因\r\n\
                G-1,2024-05-06,,\"1,000.00\",513,101,李建国,付保洁工资,,\r\n\
                G-2,2024-05-07,300.25,,503,102,镇财政所,收补助,,\r\n\
                G-3,2024-05-08,,\"(1,000.00)\",513,101,李建国,付保洁工资,G-1,重复入账\r\n";
    let (gb, _, unmappable) = encoding_rs::GB18030.encode(text);
    assert!(!unmappable);
    assert!(std::str::from_utf8(&gb).is_err(), "the file is not UTF-8");
    let res = import(&app, "clerk1", V1A, "", &gb).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    assert_eq!(res.json()["created"], json!(3));
    let listed = app
        .get("clerk1", &format!("/api/v1/villages/{V1A}/entries"))
        .await
        .json();
    let items = listed["items"].as_array().expect("items");
    let by_voucher = |v: &str| {
        items
            .iter()
            .find(|e| e["voucher_no"] == json!(v))
            .expect("entry")
            .clone()
    };
    assert_eq!(by_voucher("G-1")["direction"], json!("expense"));
    assert_eq!(by_voucher("G-2")["amount_fen"], json!(30_025));
    assert_eq!(by_voucher("G-2")["direction"], json!("income"));
    let reversal = by_voucher("G-3");
    assert_eq!(reversal["amount_fen"], json!(-100_000));
    assert_eq!(reversal["reverses"], by_voucher("G-1")["id"]);
    assert_eq!(by_voucher("G-1")["reversed_by"], reversal["id"]);
}

/// Every numeric cell of a workbook becomes the fen its shown text says.
async fn xlsx_numeric_cells_import_to_the_fen_they_show(app: TestApp) {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    let headers = ["凭证号", "日期", "方向", "科目", "结算科目", "金额", "对方单位", "摘要"];
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string(0, c as u16, *h).expect("header");
    }
    let date = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    let mut fens = Vec::new();
    for i in 0..300u32 {
        let fen = i64::from(i) * 1_234_567 % 99_999_999 + 1 + i64::from(i % 7) * 10;
        fens.push(fen);
        let row = i + 1;
        let shown = format!("{}.{:02}", fen / 100, fen % 100);
        sheet.write_string(row, 0, format!("X-{i:03}")).expect("voucher");
        let day = rust_xlsxwriter::ExcelDateTime::from_ymd(2024, 6, (i % 28 + 1) as u8).expect("date");
        sheet.write_datetime_with_format(row, 1, &day, &date).expect("date");
        sheet.write_string(row, 2, "支出").expect("direction");
        sheet.write_string(row, 3, "513").expect("account");
        sheet.write_number(row, 4, 101.0).expect("settlement");
        sheet
            .write_number(row, 5, shown.parse::<f64>().expect("number"))
            .expect("amount");
        sheet.write_string(row, 6, "=HYPERLINK(\"x\")").expect("counterparty");
        sheet.write_string(row, 7, "付款").expect("description");
    }
    let bytes = workbook.save_to_buffer().expect("workbook");
    let res = import(&app, "clerk1", V1B, "", &bytes).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    assert_eq!(res.json()["created"], json!(300));
    let csv = export(&app, "clerk1", &format!("/api/v1/villages/{V1B}/export?format=csv"))
        .await
        .text();
    for (i, fen) in fens.iter().enumerate() {
        let line = csv
            .lines()
            .find(|l| l.contains(&format!(",X-{i:03},")))
            .unwrap_or_else(|| panic!("X-{i:03} exported"));
        assert!(
            line.contains(&format!(",{}.{:02},", fen / 100, fen % 100)),
            "X-{i:03}: {line}"
        );
        assert!(
            line.contains(",\"'=HYPERLINK(\"\"x\"\")\","),
            "formula text guarded: {line}"
        );
    }
}

async fn post_sample_ledger(app: &TestApp) {
    let first = app.post_entry(V1A, expense("2024-010", "2024-02-03", 95_000)).await;
    app.post_entry(V1A, income("2024-011", "2024-02-04", 3_000_000)).await;
    let mut formula = expense("2024-012", "2024-03-01", 7_700);
    formula["description"] = json!("=SUM(A1:A9); 付 | 款");
    formula["counterparty"] = json!("-张三, \"老王\"");
    app.post_entry(V1A, formula).await;
    let reversal = app
        .post(
            "clerk1",
            &format!("/api/v1/entries/{}/reversal", first["id"].as_str().expect("id")),
            json!({"reason": "重复入账"}),
        )
        .await;
    assert_eq!(reversal.status, StatusCode::CREATED, "{}", reversal.text());
    let lines = format!(
        "{HEADER}\n2024-020,1,2024-04-02,支出,513,101,10.00,李四,付一,\n2024-020,2,2024-04-02,支出,514,101,20.00,李四,付二,\n"
    );
    let res = import(app, "clerk1", V1A, "", lines.as_bytes()).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
}

async fn a_csv_export_imports_into_an_empty_ledger_and_exports_byte_identical(app: TestApp) {
    post_sample_ledger(&app).await;
    let uri = format!("/api/v1/villages/{V1A}/export?format=csv");
    let first = export(&app, "clerk1", &uri).await;
    assert!(first.body.starts_with(b"\xEF\xBB\xBF"), "UTF-8 with BOM");
    assert_eq!(first.header("content-type").as_deref(), Some("text/csv; charset=utf-8"));
    assert!(first.text().contains(",'=SUM(A1:A9); 付 | 款,"), "{}", first.text());
    assert!(first.text().contains(",\"'-张三, \"\"老王\"\"\","), "{}", first.text());

    let empty = fresh_like(&app).await;
    let res = import(&empty, "clerk1", V1A, "", &first.body).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    assert_eq!(res.json()["created"], json!(6));
    let second = export(&empty, "clerk1", &uri).await;
    assert_eq!(first.text(), second.text(), "the round trip is byte-identical");
    assert_eq!(first.body, second.body);
}

/// A workbook's part, read back with the zip reader.
fn part(bytes: &[u8], name: &str) -> String {
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("xlsx");
    let mut text = String::new();
    archive
        .by_name(name)
        .expect(name)
        .read_to_string(&mut text)
        .expect("utf-8");
    text
}

async fn the_xlsx_export_has_a_cover_month_sheets_with_totals_and_no_formulas(app: TestApp) {
    post_sample_ledger(&app).await;
    let res = export(&app, "clerk1", &format!("/api/v1/villages/{V1A}/export?format=xlsx")).await;
    let workbook = part(&res.body, "xl/workbook.xml");
    for name in ["封面", "2024-02", "2024-03", "2024-04"] {
        assert!(workbook.contains(&format!("name=\"{name}\"")), "{name}: {workbook}");
    }
    let march = part(&res.body, "xl/worksheets/sheet3.xml");
    assert!(!march.contains("<f>"), "no formulas: {march}");
    // Constant-memory sheets write their texts inline.
    assert!(
        march.contains("<t>=SUM(A1:A9); 付 | 款</t>"),
        "the text is kept as a string: {march}"
    );
    assert!(march.contains("本月支出合计"), "{march}");
    assert!(march.contains("<v>77</v>"), "77.00 yuan as a number: {march}");
}

async fn the_journal_balances_in_hledger_as_the_summaries_say(app: TestApp) {
    post_sample_ledger(&app).await;
    let res = export(&app, "clerk1", &format!("/api/v1/villages/{V1A}/export?format=journal")).await;
    let journal = res.text();
    assert!(
        journal.contains("(2024-012) -张三, \"老王\" | =SUM(A1:A9)； 付 ｜ 款"),
        "{journal}"
    );
    assert!(journal.contains("reverses:"), "{journal}");
    assert!(journal.contains("资产:101 库存现金"), "{journal}");
    if !hledger_present() {
        return;
    }
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("export.journal");
    std::fs::write(&path, &journal).expect("write");
    let balances = hledger_balances(&path);
    let summary = app
        .get("clerk1", &format!("/api/v1/villages/{V1A}/summary?year=2024"))
        .await
        .json();
    assert_eq!(
        balances.get("101").copied(),
        summary["closing_cash_fen"].as_i64(),
        "{balances:?} {summary}"
    );
    assert_eq!(balances.get("102").copied(), summary["closing_bank_fen"].as_i64());
    for account in summary["by_account"].as_array().expect("by_account") {
        let code = account["account_code"].as_str().expect("code");
        let total = account["total_fen"].as_i64().expect("total");
        let signed = if account["direction"] == json!("income") {
            -total
        } else {
            total
        };
        assert_eq!(balances.get(code).copied(), Some(signed), "{code}: {balances:?}");
    }
}

/// Whether Debian's hledger is installed; without it the check is skipped (and fails under
/// `CI=true`, where `.ci/run` installs it).
fn hledger_present() -> bool {
    let found = std::process::Command::new("hledger")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but hledger is not installed"
        );
        eprintln!("SKIPPED: hledger is not installed");
    }
    found
}

/// `hledger balance` of every account, by its chart code, in fen.
fn hledger_balances(path: &std::path::Path) -> std::collections::HashMap<String, i64> {
    let out = std::process::Command::new("hledger")
        .args([
            "-f",
            &path.display().to_string(),
            "balance",
            "--flat",
            "--no-total",
            "-O",
            "csv",
        ])
        .output()
        .expect("hledger");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let mut balances = std::collections::HashMap::new();
    for line in text.lines().skip(1) {
        let fields: Vec<String> = line.split("\",\"").map(|f| f.trim_matches('"').to_owned()).collect();
        let [account, amount] = &fields[..] else { continue };
        let Some(code) = account.split(':').nth(1).and_then(|s| s.split(' ').next()) else {
            continue;
        };
        let yuan = amount.trim_end_matches(" CNY").replace(',', "");
        let (int, frac) = yuan.split_once('.').unwrap_or((&yuan, "00"));
        let negative = int.starts_with('-');
        let fen = int.trim_start_matches('-').parse::<i64>().expect("yuan") * 100 + frac.parse::<i64>().expect("fen");
        *balances.entry(code.to_owned()).or_default() += if negative { -fen } else { fen };
    }
    balances
}

async fn imports_and_exports_follow_the_scope(app: TestApp) {
    import(&app, "villager1a", V1A, "", books().as_bytes())
        .await
        .assert_problem(403);
    import(&app, "clerk2", V1A, "", books().as_bytes())
        .await
        .assert_problem(404);
    app.get("clerk2", &format!("/api/v1/villages/{V1A}/export?format=csv"))
        .await
        .assert_problem(404);
    import(&app, "clerk1", V1A, "", books().as_bytes()).await;
    let mut other = expense("V2-1", "2024-03-05", 500);
    other["counterparty"] = json!("外镇供应商");
    let res = app
        .post("clerk2", &format!("/api/v1/villages/{V2A}/entries"), other)
        .await;
    assert_eq!(res.status, StatusCode::CREATED);
    let township = export(&app, "clerk1", &format!("/api/v1/townships/{T1}/export?format=csv"))
        .await
        .text();
    assert!(township.contains(V1A) && !township.contains(V2A));
    let mine = export(&app, "clerk1", "/api/v1/export?format=csv").await.text();
    assert!(!mine.contains("外镇供应商"), "{mine}");
    let county = export(&app, "admin", "/api/v1/export?format=csv").await.text();
    assert!(county.contains("外镇供应商") && county.contains("王小平"));
    app.get(
        "clerk1",
        &format!("/api/v1/villages/{V1A}/export?format=csv&from=2024-05-01&to=2024-04-01"),
    )
    .await
    .assert_problem(422);
    import(&app, "clerk1", V1A, "?columns=nonsense=x", books().as_bytes())
        .await
        .assert_problem(422);
}

async fn a_request_overrides_the_header_mapping(app: TestApp) {
    let file = "凭证号,日期,方向,科目,结算科目,发生数,收款单位,摘要\n\
                M-1,2024-03-08,支出,513,101,12.00,王小平,付款\n";
    import(&app, "clerk1", V1A, "", file.as_bytes())
        .await
        .assert_problem(422);
    let res = import(
        &app,
        "clerk1",
        V1A,
        "?columns=amount%3D%E5%8F%91%E7%94%9F%E6%95%B0,counterparty%3D%E6%94%B6%E6%AC%BE%E5%8D%95%E4%BD%8D",
        file.as_bytes(),
    )
    .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
}

on_both_backends!(
    dry_run_writes_nothing_and_an_import_posts_every_row_once,
    every_bad_file_is_refused_with_its_report,
    gb18030_csv_debit_credit_columns_and_red_ink_rows_import,
    xlsx_numeric_cells_import_to_the_fen_they_show,
    a_csv_export_imports_into_an_empty_ledger_and_exports_byte_identical,
    the_xlsx_export_has_a_cover_month_sheets_with_totals_and_no_formulas,
    the_journal_balances_in_hledger_as_the_summaries_say,
    imports_and_exports_follow_the_scope,
    a_request_overrides_the_header_mapping,
);
