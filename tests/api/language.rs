//! Every text a person reads comes in the caller's language: Simplified Chinese by default and
//! for `zh*`, English for `en`. Each answer below is asked for twice; the texts are checked for
//! their language and everything else in the body must be identical.

use crate::support::*;
use actix_web::test::TestRequest;
use serde_json::{Value, json};

/// The fields people read; every other field is data and must not change with the language.
const TEXT_FIELDS: &[&str] = &["title", "detail", "explanation", "message"];

async fn ask(app: &TestApp, lang: &str, req: TestRequest) -> Resp {
    app.call(req.insert_header(("accept-language", lang))).await
}

fn has_cjk(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// Three English words in a row: an English sentence, or a piece of one.
fn has_english_sentence(s: &str) -> bool {
    let mut run = 0;
    for token in s.split_whitespace() {
        let word = token.trim_matches(|c: char| c.is_ascii_punctuation());
        let english = word.len() >= 2 && word.chars().all(|c| c.is_ascii_alphabetic() || c == '\'');
        run = if english { run + 1 } else { 0 };
        if run >= 3 {
            return true;
        }
    }
    false
}

fn english_words(s: &str) -> usize {
    s.split(|c: char| !c.is_ascii_alphabetic())
        .filter(|w| w.len() >= 2)
        .count()
}

/// Walks the two bodies side by side: texts are checked for their language and collected,
/// everything else must be equal.
fn compare(zh: &Value, en: &Value, path: &str, texts: &mut Vec<(String, String, String)>) {
    match (zh, en) {
        (Value::Object(a), Value::Object(b)) => {
            assert_eq!(
                a.keys().collect::<Vec<_>>(),
                b.keys().collect::<Vec<_>>(),
                "{path}: the fields differ"
            );
            for (k, v) in a {
                let sub = format!("{path}.{k}");
                if TEXT_FIELDS.contains(&k.as_str()) {
                    collect(v, &b[k], &sub, texts);
                } else {
                    compare(v, &b[k], &sub, texts);
                }
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            assert_eq!(a.len(), b.len(), "{path}: lengths differ");
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                compare(x, y, &format!("{path}[{i}]"), texts);
            }
        }
        (a, b) => assert_eq!(a, b, "{path}: data changed with the language"),
    }
}

fn collect(zh: &Value, en: &Value, path: &str, texts: &mut Vec<(String, String, String)>) {
    match (zh, en) {
        (Value::String(a), Value::String(b)) => {
            assert!(has_cjk(a), "{path}: not Chinese: {a}");
            assert!(!has_english_sentence(a), "{path}: English inside the Chinese text: {a}");
            assert!(english_words(b) >= 2, "{path}: not English: {b}");
            texts.push((path.to_owned(), a.clone(), b.clone()));
        }
        (Value::Array(a), Value::Array(b)) => {
            assert_eq!(a.len(), b.len(), "{path}");
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                collect(x, y, &format!("{path}[{i}]"), texts);
            }
        }
        (a, b) => assert_eq!(a, b, "{path}"),
    }
}

/// Asks for `req()` in Chinese and in English; checks the headers, the texts and the data, and
/// returns the pairs of texts and the Chinese body.
async fn both(app: &TestApp, req: impl Fn() -> TestRequest) -> (Vec<(String, String, String)>, Value) {
    let zh = ask(app, "zh-CN,zh;q=0.9,en;q=0.8", req()).await;
    let en = ask(app, "en-GB, en;q=0.9", req()).await;
    assert_eq!(zh.status, en.status, "{} / {}", zh.text(), en.text());
    assert_eq!(zh.header("content-language").as_deref(), Some("zh-CN"));
    assert_eq!(en.header("content-language").as_deref(), Some("en"));
    for res in [&zh, &en] {
        let vary = res
            .headers
            .get_all("vary")
            .filter_map(|v| v.to_str().ok())
            .collect::<Vec<_>>()
            .join(",");
        assert!(vary.to_ascii_lowercase().contains("accept-language"), "Vary: {vary}");
    }
    let mut texts = Vec::new();
    compare(&zh.json(), &en.json(), "$", &mut texts);
    assert!(!texts.is_empty(), "no text to compare in {}", zh.text());
    (texts, zh.json())
}

fn get(app: &TestApp, user: &str, uri: &str) -> impl Fn() -> TestRequest {
    let token = app.token(user);
    let uri = uri.to_owned();
    move || TestRequest::get().uri(&uri).insert_header(bearer(&token))
}

fn post(app: &TestApp, user: &str, uri: &str, body: Value) -> impl Fn() -> TestRequest {
    let token = app.token(user);
    let uri = uri.to_owned();
    move || {
        TestRequest::post()
            .uri(&uri)
            .insert_header(bearer(&token))
            .set_json(body.clone())
    }
}

#[actix_web::test]
async fn a_404_and_a_422_with_a_field_in_both_languages() {
    let app = TestApp::new().await;
    let (texts, zh) = both(&app, get(&app, "admin", "/api/v1/entries/en_nosuch")).await;
    assert_eq!(zh["type"], "urn:village-ledger:problem:not-found");
    assert!(
        texts.iter().any(|(p, a, _)| p == "$.detail" && a.contains("en_nosuch")),
        "{texts:?}"
    );

    let mut body = expense("2024-001", "2024-03-05", 95_000);
    body["account_code"] = json!("503");
    let (texts, zh) = both(
        &app,
        post(&app, "clerk1", &format!("/api/v1/villages/{V1A}/entries"), body),
    )
    .await;
    assert_eq!(zh["status"], 422);
    let detail = texts.iter().find(|(p, _, _)| p == "$.detail").unwrap();
    assert!(detail.1.contains("503") && detail.1.contains("支出"), "{detail:?}");
    assert!(detail.2.contains("503") && detail.2.contains("expense"), "{detail:?}");

    // Anything but Chinese or English is answered in Chinese.
    let res = ask(&app, "fr-FR", get(&app, "admin", "/api/v1/entries/en_nosuch")()).await;
    assert_eq!(res.header("content-language").as_deref(), Some("zh-CN"));
    assert!(has_cjk(res.json()["title"].as_str().unwrap()));
    let res = app.call_as_is(get(&app, "admin", "/api/v1/entries/en_nosuch")()).await;
    assert_eq!(res.header("content-language").as_deref(), Some("zh-CN"));
    assert!(has_cjk(res.json()["detail"].as_str().unwrap()));
}

#[actix_web::test]
async fn a_flag_list_in_both_languages() {
    let app = TestApp::new().await;
    for (voucher, date, fen) in [
        ("2024-001", "2024-06-03", 480_000),
        ("2024-002", "2024-06-05", 470_000),
        ("2024-003", "2024-06-08", 450_000),
        ("2024-004", "2024-08-01", 386_000),
        ("2024-005", "2024-08-07", 386_000),
    ] {
        let mut body = expense(voucher, date, fen);
        body["counterparty"] = json!("三门县光明电器维修部");
        app.post_entry(V1A, body).await;
    }
    let uri = format!("/api/v1/crosscheck/flags?village={V1A}&rules=split_payment,duplicate_payment");
    let (texts, zh) = both(&app, get(&app, "admin", &uri)).await;
    let rules: Vec<&str> = zh["flags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(
        rules.contains(&"split_payment") && rules.contains(&"duplicate_payment"),
        "{zh}"
    );
    let duplicate = texts
        .iter()
        .find(|(_, a, _)| a.contains("重复支付"))
        .unwrap_or_else(|| panic!("{texts:?}"));
    assert!(
        duplicate.1.contains("3,860.00") && duplicate.1.contains("2024年8月1日"),
        "{duplicate:?}"
    );
    assert!(
        duplicate.2.contains("3,860.00") && duplicate.2.contains("2024-08-01"),
        "{duplicate:?}"
    );
}

#[actix_web::test]
async fn a_reconciliation_with_differences_and_row_errors_in_both_languages() {
    let app = TestApp::new().await;
    let mut body = expense("2024-001", "2024-03-05", 200_000);
    body["counterparty"] = json!("张国敬");
    app.post_entry(V1A, body).await;
    let findings = json!({
        "village": V1A,
        "findings": [{"ref": "XC-1", "date": "2024-03-06", "amount_fen": 195_000, "counterparty": "张国敬"}]
    });
    let (texts, zh) = both(&app, post(&app, "admin", "/api/v1/crosscheck/reconcile", findings)).await;
    assert_eq!(
        zh["results"][0]["status"].as_str().map(|s| s != "not_found"),
        Some(true),
        "{zh}"
    );
    assert!(texts.iter().any(|(p, _, _)| p.contains("differences")), "{texts:?}");

    let sheet = std::fs::read(format!(
        "{}/tests/fixtures/crosscheck/findings-zh.csv",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let token = app.token("admin");
    let upload = move || {
        let mut body =
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"village\"\r\n\r\n{V1A}\r\n").into_bytes();
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f.csv\"\r\n\
                 Content-Type: text/csv\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(&sheet);
        body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
        TestRequest::post()
            .uri("/api/v1/crosscheck/reconcile")
            .insert_header(bearer(&token))
            .insert_header(("content-type", format!("multipart/form-data; boundary={BOUNDARY}")))
            .set_payload(body)
    };
    let (texts, zh) = both(&app, upload).await;
    let codes: Vec<&str> = zh["row_errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes.len(), 2, "{zh}");
    assert!(
        codes.iter().all(|c| c
            .chars()
            .all(|c| c.is_ascii_lowercase() || c == '-' || c.is_ascii_digit())),
        "{codes:?}"
    );
    assert!(
        texts.iter().filter(|(p, _, _)| p.starts_with("$.row_errors")).count() == 2,
        "{texts:?}"
    );
}

#[actix_web::test]
async fn entry_pages_are_kept_per_language() {
    let app = TestApp::new().await;
    app.post_entry(V1A, expense("2024-001", "2024-03-05", 95_000)).await;
    let uri = format!("/api/v1/villages/{V1A}/entries");
    let zh = ask(&app, "zh", get(&app, "villager1a", &uri)()).await;
    let en = ask(&app, "en", get(&app, "villager1a", &uri)()).await;
    assert_eq!(zh.status, 200);
    assert_ne!(zh.header("etag"), en.header("etag"), "one ETag for two languages");
    assert_eq!(zh.header("content-language").as_deref(), Some("zh-CN"));
    assert_eq!(en.header("content-language").as_deref(), Some("en"));
    // The ETag of one language does not validate the other's copy.
    let again = ask(
        &app,
        "en",
        get(&app, "villager1a", &uri)().insert_header(("if-none-match", zh.header("etag").unwrap())),
    )
    .await;
    assert_eq!(again.status, 200);
}

#[test]
fn the_cli_speaks_chinese_under_a_chinese_locale_and_english_under_c() {
    let run = |vars: &[(&str, &str)], args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_village-ledger"))
            .args(args)
            .env_remove("VL_LANG")
            .env_remove("LC_ALL")
            .env_remove("LC_MESSAGES")
            .env_remove("LANG")
            .envs(vars.iter().copied())
            .output()
            .unwrap();
        (
            out.status.code(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    };
    let file = tempfile::NamedTempFile::new().unwrap();
    let not_a_dir = file.path().join("data");
    let not_a_dir = not_a_dir.to_str().unwrap();
    for zh in [&[("LANG", "zh_CN.UTF-8")][..], &[("VL_LANG", "zh"), ("LANG", "C")][..]] {
        let (code, help) = run(zh, &["--help"]);
        assert_eq!(code, Some(0), "{help}");
        assert!(
            help.contains("用法") && help.contains("村级财务公开") && help.contains("使用已有的数据目录提供服务"),
            "{help}"
        );
        let (code, help) = run(zh, &["user", "add", "--help"]);
        assert_eq!(code, Some(0));
        assert!(help.contains("新建用户") && help.contains("显示帮助"), "{help}");
        let (code, err) = run(zh, &["serve", "--no-such-option"]);
        assert_eq!(code, Some(2), "{err}");
        assert!(err.contains("无法识别的参数 --no-such-option"), "{err}");
        let (code, err) = run(zh, &["migrate", "--data-dir", not_a_dir]);
        assert_eq!(code, Some(1), "{err}");
        assert!(
            err.contains("打开数据目录") && err.contains("无法创建数据目录") && !has_english_sentence(&err),
            "{err}"
        );
    }
    let c = &[("LANG", "C")][..];
    let (code, help) = run(c, &["--help"]);
    assert_eq!(code, Some(0));
    assert!(
        help.contains("Usage") && help.contains("Serve an existing data dir") && !has_cjk(&help),
        "{help}"
    );
    let (code, err) = run(c, &["serve", "--no-such-option"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("unexpected argument --no-such-option"), "{err}");
    let (code, err) = run(c, &["migrate", "--data-dir", not_a_dir]);
    assert_eq!(code, Some(1));
    assert!(
        err.contains("opening the data dir") && err.contains("Not a directory"),
        "{err}"
    );
}
