//! The villagers' page as HTTP: served at `/` and at its deep links with its security headers,
//! in the caller's language with every page text of the catalogue inlined, its assets under
//! content-hashed names cached for a year and compressed, its service worker at the root, and
//! none of it in the OpenAPI document or the API's problem handling.

use crate::support::*;
use actix_web::http::StatusCode;
use actix_web::test;
use serde_json::Value;

const CSP: &str = "default-src 'self'; img-src 'self' blob:; script-src 'self'; style-src 'self'; \
                   connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

async fn fetch(app: &TestApp, uri: &str, headers: &[(&str, &str)]) -> Resp {
    let mut req = test::TestRequest::get().uri(uri);
    for (name, value) in headers {
        req = req.insert_header((*name, *value));
    }
    app.call_as_is(req).await
}

/// The inlined boot data of a page.
fn boot_of(html: &str) -> Value {
    let start = html
        .find(r#"<script type="application/json" id="boot">"#)
        .expect("boot data")
        + 42;
    let end = start + html[start..].find("</script>").expect("end of boot data");
    serde_json::from_str(&html[start..end]).expect("boot data is JSON")
}

/// `/assets/…` URLs the page names.
fn asset_urls(html: &str) -> Vec<String> {
    html.match_indices("/assets/")
        .map(|(i, _)| html[i..].split('"').next().unwrap_or_default().to_owned())
        .collect()
}

#[actix_web::test]
async fn the_page_and_its_deep_links_answer_with_a_strict_policy() {
    let app = TestApp::new().await;
    for uri in [
        "/",
        "/v/331022102201",
        "/v/331022102201/2024-03",
        "/e/en_abc",
        "/q",
        "/staff",
        "/staff/flags/331022102000",
        "/staff/rounds/in_0123456789abcdef01234567",
    ] {
        let res = fetch(&app, uri, &[]).await;
        assert_eq!(res.status, StatusCode::OK, "{uri}: {}", res.text());
        assert_eq!(
            res.header("content-type").as_deref(),
            Some("text/html; charset=utf-8"),
            "{uri}"
        );
        assert_eq!(res.header("content-security-policy").as_deref(), Some(CSP), "{uri}");
        assert_eq!(res.header("x-frame-options").as_deref(), Some("DENY"), "{uri}");
        assert_eq!(
            res.header("x-content-type-options").as_deref(),
            Some("nosniff"),
            "{uri}"
        );
        assert_eq!(res.header("cache-control").as_deref(), Some("no-cache"), "{uri}");
        let html = res.text();
        // No inline script or style: the only script element with a body is the JSON data.
        assert!(!html.contains("<style"), "{uri}");
        assert!(!html.contains(" style="), "{uri}");
        assert_eq!(html.matches("<script").count(), 3, "{uri}: {html}");
        assert_eq!(html.matches("<script defer src=\"/assets/").count(), 2, "{uri}");
        assert!(html.contains(r#"<script type="application/json" id="boot">"#));
    }
    // The API keeps its own 404 problem documents; the docs keep their own policy.
    let res = fetch(&app, "/api/v1/nothing-here", &[]).await;
    res.assert_problem(404);
    let res = fetch(&app, "/docs/", &[]).await;
    assert_ne!(res.header("content-security-policy").as_deref(), Some(CSP));
    // Only the page's paths are the page: any other path is still a 404.
    fetch(&app, "/nothing-here", &[]).await.assert_problem(404);
}

#[actix_web::test]
async fn the_page_speaks_the_callers_language_with_every_page_text() {
    let app = TestApp::new().await;
    let zh = fetch(&app, "/", &[]).await;
    assert_eq!(zh.header("content-language").as_deref(), Some("zh-CN"));
    assert!(zh.header("vary").is_some_and(|v| v.contains("Accept-Language")));
    let html = zh.text();
    assert!(html.starts_with("<!doctype html>\n<html lang=\"zh-CN\">"), "{html}");
    let boot = boot_of(&html);
    assert_eq!(boot["lang"], "zh-CN");
    assert_eq!(boot["texts"]["proofVerified"], "本条记录已入链,可验证");
    assert_eq!(
        boot["texts"]["count"], "{count} 笔",
        "placeholders are left to the script"
    );
    // The verifier key of this server's log, as `GET /api/v1/log/key` gives it.
    let key = fetch(&app, "/api/v1/log/key", &[]).await.text();
    assert_eq!(boot["key"].as_str(), Some(key.trim()));

    let en = fetch(&app, "/v/331022102201", &[("accept-language", "en-GB,en;q=0.9")]).await;
    assert_eq!(en.header("content-language").as_deref(), Some("en"));
    let boot_en = boot_of(&en.text());
    assert_eq!(
        boot_en["texts"]["proofVerified"],
        "This record is in the log and verified"
    );
    assert!(en.text().contains("<title>Village accounts</title>"));
    // Both languages name the same texts, none empty.
    let ids = |b: &Value| b["texts"].as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(ids(&boot), ids(&boot_en));
    assert!(ids(&boot).len() > 100);
    for b in [&boot, &boot_en] {
        for (id, text) in b["texts"].as_object().unwrap() {
            assert!(
                text.as_str().is_some_and(|t| !t.is_empty() && !t.starts_with("page-")),
                "{id}: {text}"
            );
        }
    }
    // The JSON cannot close its script element.
    assert!(
        !html[html.find("id=\"boot\">").unwrap()..]
            .trim_end()
            .trim_end_matches("</html>")
            .trim_end()
            .trim_end_matches("</body>")
            .trim_end()
            .trim_end_matches("</script>")
            .contains('<')
    );
}

#[actix_web::test]
async fn assets_have_hashed_names_are_immutable_and_compressed() {
    let app = TestApp::new().await;
    let html = fetch(&app, "/", &[]).await.text();
    let urls = asset_urls(&html);
    assert_eq!(urls.len(), 4, "{urls:?}");
    for url in &urls {
        let name = url.trim_start_matches("/assets/");
        let parts: Vec<&str> = name.split('.').collect();
        assert_eq!(parts.len(), 3, "{name}");
        assert!(
            parts[1].len() == 12 && parts[1].bytes().all(|b| b.is_ascii_hexdigit()),
            "{name}"
        );
        let res = fetch(&app, url, &[]).await;
        assert_eq!(res.status, StatusCode::OK, "{url}");
        assert_eq!(
            res.header("cache-control").as_deref(),
            Some("public, max-age=31536000, immutable"),
            "{url}"
        );
        assert_eq!(res.header("content-security-policy").as_deref(), Some(CSP));
        // The name is the content's: the first 12 hex digits of its SHA-256.
        use sha2::Digest;
        let digest: String = sha2::Sha256::digest(&res.body)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(&digest[..12], parts[1], "{url}");
        if !url.ends_with(".svg") {
            let res = fetch(&app, url, &[("accept-encoding", "br")]).await;
            assert_eq!(res.header("content-encoding").as_deref(), Some("br"), "{url}");
            let res = fetch(&app, url, &[("accept-encoding", "gzip")]).await;
            assert_eq!(res.header("content-encoding").as_deref(), Some("gzip"), "{url}");
        }
    }
    // A stale or made-up name is not served.
    let res = fetch(&app, "/assets/app.000000000000.js", &[]).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert_ne!(
        res.header("cache-control").as_deref(),
        Some("public, max-age=31536000, immutable")
    );
}

#[actix_web::test]
async fn the_service_worker_sits_at_the_root_and_names_this_builds_assets() {
    let app = TestApp::new().await;
    let html = fetch(&app, "/", &[]).await.text();
    let res = fetch(&app, "/sw.js", &[]).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(
        res.header("content-type").as_deref(),
        Some("text/javascript; charset=utf-8")
    );
    assert_eq!(res.header("cache-control").as_deref(), Some("no-cache"));
    let sw = res.text();
    assert!(!sw.contains("__ASSETS__") && !sw.contains("__VERSION__"));
    for url in asset_urls(&html) {
        assert!(sw.contains(&format!("\"{url}\"")), "{url} not kept by the worker");
    }
}

#[actix_web::test]
async fn the_page_is_not_part_of_the_api_document() {
    let doc = serde_json::to_value(village_ledger::api::openapi()).unwrap();
    let paths = doc["paths"].as_object().unwrap();
    assert!(
        paths
            .keys()
            .all(|p| p.starts_with("/api/") || ["/healthz", "/readyz", "/metrics"].contains(&p.as_str())),
        "{:?}",
        paths.keys()
    );
    assert!(paths.contains_key("/api/v1/auth/logout"));
}
