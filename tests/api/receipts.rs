//! Receipt scans through the real app: every fixture's outcome, renditions without metadata
//! and with the orientation applied, idempotent and concurrent uploads, staff-only originals,
//! withdrawal, the log leaf, and the start-up sweep of files a crash left without a row.

use crate::support::*;
use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use serde_json::{Value, json};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/receipts-fixtures/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

async fn an_entry(app: &TestApp, village: &str, voucher: &str) -> String {
    let body = expense(voucher, "2024-03-12", 6_490);
    let res = app
        .call(
            TestRequest::post()
                .uri(&format!("/api/v1/villages/{village}/entries"))
                .insert_header(bearer(&app.token(if village == V2A { "clerk2" } else { "clerk1" })))
                .set_json(body),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    res.json()["id"].as_str().unwrap().to_owned()
}

/// Whether a JPEG carries any APP1 (EXIF/XMP) or APP13 (IPTC) segment before its image data.
fn jpeg_has_metadata(bytes: &[u8]) -> bool {
    assert_eq!(&bytes[..2], &[0xFF, 0xD8], "a JPEG");
    let mut i = 2;
    while i + 4 <= bytes.len() {
        if bytes[i] != 0xFF {
            return false;
        }
        let marker = bytes[i + 1];
        if marker == 0xDA {
            return false;
        }
        if marker == 0xE1 || marker == 0xED {
            return true;
        }
        let len = u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]) as usize;
        i += 2 + len;
    }
    false
}

fn jpeg_size(bytes: &[u8]) -> (u32, u32) {
    let mut i = 2;
    while i + 9 < bytes.len() {
        let marker = bytes[i + 1];
        let len = u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]) as usize;
        if (0xC0..=0xC2).contains(&marker) {
            let h = u16::from_be_bytes([bytes[i + 5], bytes[i + 6]]) as u32;
            let w = u16::from_be_bytes([bytes[i + 7], bytes[i + 8]]) as u32;
            return (w, h);
        }
        i += 2 + len;
    }
    panic!("no frame header")
}

async fn every_fixture_gets_its_documented_answer(app: TestApp) {
    let entry = an_entry(&app, V1A, "R-1").await;
    let cases: [(&str, u16, &str); 13] = [
        ("phone-orient6-gps.jpg", 201, "image/jpeg"),
        ("phone-12mp-orient6-gps.jpg", 201, "image/jpeg"),
        ("scan-flatbed.png", 201, "image/png"),
        ("scan.tiff", 201, "image/tiff"),
        ("invoice-traditional.jpg", 201, "image/jpeg"),
        ("e-invoice.webp", 201, "image/webp"),
        ("same-paper-a.jpg", 201, "image/jpeg"),
        ("same-paper-b.jpg", 201, "image/jpeg"),
        ("truncated.jpg", 422, "cut off"),
        ("text-named.jpg", 422, "not"),
        ("document.pdf", 422, "PDF"),
        ("photo.heic", 422, "JPEG"),
        ("bomb-100000x100000.png", 422, "megapixels"),
    ];
    for (name, status, expect) in cases {
        let res = upload_receipt(&app, "clerk1", &entry, name, &fixture(name)).await;
        if status == 201 {
            assert_eq!(res.status.as_u16(), 201, "{name}: {}", res.text());
            let r = res.json();
            assert_eq!(r["content_type"], json!(expect), "{name}");
            assert_eq!(r["byte_size"], json!(fixture(name).len()), "{name}");
            assert_eq!(r["phash"].as_str().map(str::len), Some(16), "{name}");
        } else {
            let p = res.assert_problem(status);
            assert!(p["detail"].as_str().unwrap().contains(expect), "{name}: {p}");
        }
    }
    // Refusals leave no row and no file behind.
    assert_eq!(app.count("receipts"), 8);
    let tmp = app.state.receipts.root().join("tmp");
    assert_eq!(
        std::fs::read_dir(&tmp).map(|d| d.count()).unwrap_or(0),
        0,
        "temp files left behind"
    );
    let originals = walk(&app.state.receipts.root().join("originals"));
    assert_eq!(originals, 8);

    let listed = app.get("villager1a", &format!("/api/v1/entries/{entry}")).await.json();
    assert_eq!(listed["receipt_count"], json!(8));
    let receipts = listed["receipts"].as_array().unwrap();
    let by_name = |sha: &str| receipts.iter().find(|r| r["sha256"] == json!(sha)).cloned().unwrap();
    let sha = |name: &str| {
        use sha2::Digest;
        sha2::Sha256::digest(fixture(name))
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    let invoice = by_name(&sha("invoice-traditional.jpg"));
    assert_eq!(invoice["invoice"]["invoice_number"], json!("80100798"), "{invoice}");
    assert_eq!(invoice["invoice"]["amount_fen"], json!(6_490));
    assert_eq!(invoice["invoice"]["key"], json!("01100160511180100798"));
    let e = by_name(&sha("e-invoice.webp"));
    assert_eq!(e["invoice"]["invoice_code"], Value::Null, "{e}");
    assert_eq!(e["invoice"]["invoice_number"].as_str().map(str::len), Some(20), "{e}");
    let a = by_name(&sha("same-paper-a.jpg"))["phash"].as_str().unwrap().to_owned();
    let b = by_name(&sha("same-paper-b.jpg"))["phash"].as_str().unwrap().to_owned();
    let distance = village_ledger::receipts::phash_distance(&a, &b).unwrap();
    assert!(
        distance <= village_ledger::receipts::SAME_PAPER_MAX_DISTANCE,
        "same paper, distance {distance}"
    );
    let list = app
        .get("villager1a", &format!("/api/v1/villages/{V1A}/entries"))
        .await
        .json();
    let item = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == json!(entry))
        .unwrap()
        .clone();
    assert_eq!(item["receipt_count"], json!(8));
    assert!(item.get("receipts").is_none(), "listings carry counts, not receipts");
}

fn walk(dir: &std::path::Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    entries
        .map(|e| {
            let p = e.unwrap().path();
            if p.is_dir() { walk(&p) } else { 1 }
        })
        .sum()
}

async fn renditions_are_oriented_stripped_and_cacheable(app: TestApp) {
    let entry = an_entry(&app, V1A, "R-2").await;
    let original = fixture("phone-orient6-gps.jpg");
    assert!(jpeg_has_metadata(&original), "the fixture carries EXIF with GPS");
    let (raw_w, raw_h) = jpeg_size(&original);
    let res = upload_receipt(&app, "clerk1", &entry, "phone.jpg", &original).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    let r = res.json();
    assert_eq!(
        (r["width"].as_u64().unwrap(), r["height"].as_u64().unwrap()),
        (raw_h as u64, raw_w as u64),
        "orientation 6 swaps the sides"
    );
    let id = r["id"].as_str().unwrap();
    for size in ["thumb", "screen", "full"] {
        let res = app
            .get("villager1a", &format!("/api/v1/receipts/{id}/image?size={size}"))
            .await;
        assert_eq!(res.status, StatusCode::OK, "{size}: {}", res.text());
        assert_eq!(res.header("content-type").as_deref(), Some("image/jpeg"));
        assert_eq!(
            res.header("cache-control").as_deref(),
            Some("private, max-age=31536000, immutable")
        );
        let etag = res.header("etag").unwrap();
        assert!(etag.starts_with('"') && !etag.starts_with("W/"), "strong ETag: {etag}");
        assert!(!jpeg_has_metadata(&res.body), "{size} carries metadata");
        let (w, h) = jpeg_size(&res.body);
        assert!(h > w, "{size} is portrait after orientation: {w}x{h}");
        let long = w.max(h);
        match size {
            "thumb" => assert!((300..=340).contains(&long), "thumb {long}"),
            "screen" => assert!(long <= 1600 && long > 320, "screen {long}"),
            _ => assert_eq!((w, h), (raw_h, raw_w)),
        }
        let cached = app
            .call(
                TestRequest::get()
                    .uri(&format!("/api/v1/receipts/{id}/image?size={size}"))
                    .insert_header(bearer(&app.token("villager1a")))
                    .insert_header(("if-none-match", etag.clone())),
            )
            .await;
        assert_eq!(cached.status, StatusCode::NOT_MODIFIED);
        let part = app
            .call(
                TestRequest::get()
                    .uri(&format!("/api/v1/receipts/{id}/image?size={size}"))
                    .insert_header(bearer(&app.token("villager1a")))
                    .insert_header(("range", "bytes=0-99")),
            )
            .await;
        assert_eq!(part.status, StatusCode::PARTIAL_CONTENT);
        assert_eq!(part.body, res.body[..100].to_vec());
    }
    app.get("villager1a", &format!("/api/v1/receipts/{id}/image?size=huge"))
        .await
        .assert_problem(422);
    // Originals: untouched bytes for staff, never for villagers.
    app.get("villager1a", &format!("/api/v1/receipts/{id}/original"))
        .await
        .assert_problem(403);
    for user in ["clerk1", "admin"] {
        let res = app.get(user, &format!("/api/v1/receipts/{id}/original")).await;
        assert_eq!(res.status, StatusCode::OK, "{user}");
        assert_eq!(res.body, original, "{user} gets the untouched bytes");
    }
    app.get("clerk2", &format!("/api/v1/receipts/{id}/original"))
        .await
        .assert_problem(404);
    app.get("clerk2", &format!("/api/v1/receipts/{id}"))
        .await
        .assert_problem(404);
}

async fn uploads_are_idempotent_scoped_and_withdrawable(app: TestApp) {
    let entry = an_entry(&app, V1A, "R-3").await;
    let other = an_entry(&app, V1A, "R-4").await;
    let bytes = fixture("scan-flatbed.png");
    let first = upload_receipt(&app, "clerk1", &entry, "a.png", &bytes).await;
    assert_eq!(first.status, StatusCode::CREATED);
    let again = upload_receipt(&app, "clerk1", &entry, "renamed.png", &bytes).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.json()["id"], first.json()["id"]);
    // The same paper attached to another entry is a new attachment of the same original.
    let elsewhere = upload_receipt(&app, "clerk1", &other, "a.png", &bytes).await;
    assert_eq!(elsewhere.status, StatusCode::CREATED);
    assert_eq!(elsewhere.json()["sha256"], first.json()["sha256"]);
    assert_eq!(
        walk(&app.state.receipts.root().join("originals")),
        1,
        "one original, stored once"
    );
    // Roles and scope.
    upload_receipt(&app, "villager1a", &entry, "a.png", &bytes)
        .await
        .assert_problem(403);
    upload_receipt(&app, "admin", &entry, "a.png", &bytes)
        .await
        .assert_problem(403);
    upload_receipt(&app, "clerk2", &entry, "a.png", &bytes)
        .await
        .assert_problem(404);
    upload_receipt(&app, "clerk1", "en_nope", "a.png", &bytes)
        .await
        .assert_problem(404);
    let not_multipart = app
        .call(
            TestRequest::post()
                .uri(&format!("/api/v1/entries/{entry}/receipts"))
                .insert_header(bearer(&app.token("clerk1")))
                .set_json(json!({"file": "x"})),
        )
        .await;
    assert!(not_multipart.status.is_client_error(), "{}", not_multipart.status);
    let mut extra = multipart("x.tiff", &fixture("scan.tiff"));
    extra.truncate(extra.len() - format!("--{BOUNDARY}--\r\n").len());
    extra.extend_from_slice(
        format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhi\r\n--{BOUNDARY}--\r\n")
            .as_bytes(),
    );
    let res = app
        .call(
            TestRequest::post()
                .uri(&format!("/api/v1/entries/{entry}/receipts"))
                .insert_header(bearer(&app.token("clerk1")))
                .insert_header(("content-type", format!("multipart/form-data; boundary={BOUNDARY}")))
                .set_payload(extra),
        )
        .await;
    assert!(res.assert_problem(422)["detail"].as_str().unwrap().contains("note"));
    let too_big = app.state.settings.receipt_max_bytes as usize + 1;
    upload_receipt(&app, "clerk1", &entry, "big.jpg", &vec![0xFF; too_big])
        .await
        .assert_problem(413);
    // Withdrawal keeps the receipt visible, marked.
    let id = first.json()["id"].as_str().unwrap().to_owned();
    let w = app
        .post(
            "clerk1",
            &format!("/api/v1/receipts/{id}/withdrawal"),
            json!({"reason": "附错了凭证"}),
        )
        .await;
    assert_eq!(w.status, StatusCode::CREATED, "{}", w.text());
    assert_eq!(w.json()["withdrawn"]["reason"], json!("附错了凭证"));
    let again = app
        .post(
            "clerk1",
            &format!("/api/v1/receipts/{id}/withdrawal"),
            json!({"reason": "附错了凭证"}),
        )
        .await;
    assert_eq!(again.status, StatusCode::OK);
    app.post(
        "clerk1",
        &format!("/api/v1/receipts/{id}/withdrawal"),
        json!({"reason": "另一个原因"}),
    )
    .await
    .assert_problem(409);
    app.post(
        "villager1a",
        &format!("/api/v1/receipts/{id}/withdrawal"),
        json!({"reason": "x"}),
    )
    .await
    .assert_problem(403);
    let shown = app.get("villager1a", &format!("/api/v1/entries/{entry}")).await.json();
    assert_eq!(shown["receipts"][0]["withdrawn"]["withdrawn_by"], json!("clerk1"));
    assert_eq!(app.count("receipts"), 2);
    assert_eq!(app.count("receipt_withdrawals"), 1);
}

async fn the_same_file_uploaded_concurrently_makes_one_receipt(app: TestApp) {
    let entry = an_entry(&app, V1A, "R-5").await;
    let bytes = fixture("same-paper-a.jpg");
    let names: Vec<String> = (0..4).map(|i| format!("{i}.jpg")).collect();
    let results =
        futures_util::future::join_all(names.iter().map(|n| upload_receipt(&app, "clerk1", &entry, n, &bytes))).await;
    let ids: std::collections::HashSet<String> = results
        .iter()
        .map(|r| {
            assert!(
                r.status == StatusCode::CREATED || r.status == StatusCode::OK,
                "{}",
                r.text()
            );
            r.json()["id"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(ids.len(), 1);
    assert_eq!(app.count("receipts"), 1);
}

on_both_backends!(
    every_fixture_gets_its_documented_answer,
    renditions_are_oriented_stripped_and_cacheable,
    uploads_are_idempotent_scoped_and_withdrawable,
    the_same_file_uploaded_concurrently_makes_one_receipt,
);

#[actix_web::test]
async fn a_crash_between_file_and_row_leaves_nothing_after_restart() {
    let app = TestApp::new().await;
    // A file stored but never committed (the process died in between), and a stray temp file.
    let (mut file, tmp) = app.state.receipts.temp_upload().unwrap();
    std::io::Write::write_all(&mut file, &fixture("scan.tiff")).unwrap();
    drop(file);
    let orphan_sha = "ab".repeat(32);
    let stray = app.state.receipts.root().join("tmp/upload-00000000000000aa");
    std::fs::write(&stray, b"half an upload").unwrap();
    app.state.receipts.commit_upload(tmp, &orphan_sha).unwrap();
    let kept = an_entry(&app, V1A, "R-6").await;
    assert_eq!(
        upload_receipt(&app, "clerk1", &kept, "k.png", &fixture("scan-flatbed.png"))
            .await
            .status,
        StatusCode::CREATED
    );
    let orphan = app.state.receipts.original_path(&orphan_sha).unwrap();
    assert!(orphan.exists() && stray.exists());
    // Restart on the same data dir.
    let restarted = village_ledger::api::load_state(app.state.settings.clone()).unwrap();
    assert!(!orphan.exists(), "the orphan original was swept");
    assert!(!stray.exists(), "the temp file was swept");
    assert_eq!(
        walk(&restarted.receipts.root().join("originals")),
        1,
        "the committed original stays"
    );
    // And the log still verifies against rows and files.
    let mut conn = restarted.pool.get().unwrap();
    let report = village_ledger::verify::verify(&mut conn, &restarted.log, &restarted.receipts).unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
}

#[actix_web::test]
async fn verify_finds_an_altered_receipt_file() {
    let app = TestApp::new().await;
    let entry = an_entry(&app, V1A, "R-7").await;
    let r = upload_receipt(&app, "clerk1", &entry, "p.png", &fixture("scan-flatbed.png"))
        .await
        .json();
    let path = app.state.receipts.original_path(r["sha256"].as_str().unwrap()).unwrap();
    let mut bytes = std::fs::read(&path).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xFF;
    std::fs::write(&path, bytes).unwrap();
    let mut conn = app.conn();
    let report = village_ledger::verify::verify(&mut conn, &app.state.log, &app.state.receipts).unwrap();
    let id = r["id"].as_str().unwrap();
    assert!(
        report
            .problems
            .iter()
            .map(|p| p.render(village_ledger::i18n::Lang::En))
            .any(|p| p.contains(id) && p.contains("altered")),
        "{:?}",
        report.problems
    );
}
