//! Receipts on S3-compatible object storage (`VL_RECEIPTS_URL=s3://…`), against a real S3
//! server (`s3s-fs`), on both database backends: originals land under their content address in
//! the bucket and nothing stays on local disk; renditions lost from the bucket are made again;
//! two servers share one bucket; a stopped store answers 503 and records nothing, and readiness
//! names it until it is back; `copy` moves every original from a filesystem store to the bucket
//! and back; a backup of an S3-backed server holds the originals; start-up sweeps objects no
//! row names once they are an hour old; an original removed before any row named it (a
//! demo scan drawn again) leaves the bucket with its renditions.

use std::path::Path;
use std::time::{Duration, Instant};

use actix_web::http::StatusCode;
use actix_web::test::TestRequest;

use village_ledger::receipts::RenditionSize;
use village_ledger::receipts::store::{ReceiptStore, ReceiptsLocation};

use crate::support::*;

/// A small PNG scan whose bytes (and SHA-256) differ for every `n`.
fn scan(n: u8) -> Vec<u8> {
    let img = image::RgbImage::from_fn(64, 40, |x, y| image::Rgb([n, (x * 3) as u8, (y * 5 + x) as u8]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).expect("png");
    out.into_inner()
}

/// A new entry of village 1A with the scan `n` attached; returns (receipt id, SHA-256).
async fn attach_scan(app: &TestApp, n: u8) -> (String, String) {
    let entry = app
        .post_entry(V1A, expense(&format!("S3-{n:03}"), "2024-03-12", 1_000 + i64::from(n)))
        .await;
    let res = upload_receipt(app, "clerk1", entry["id"].as_str().unwrap(), "scan.png", &scan(n)).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    let r = res.json();
    (
        r["id"].as_str().unwrap().to_owned(),
        r["sha256"].as_str().unwrap().to_owned(),
    )
}

/// The app over SQLite or PostgreSQL with its receipts under `prefix` of `s3`'s bucket.
async fn app_on(postgres: bool, s3: &S3Server, prefix: &str) -> Option<TestApp> {
    if postgres {
        TestApp::postgres_with(|s| s3.configure(s, prefix)).await
    } else {
        Some(TestApp::with_settings(|s| s3.configure(s, prefix)).await)
    }
}

/// The regular files under `dir` (none when it does not exist).
/// The files under `dir` once those being removed are gone: a fetched copy is removed when its
/// response has been sent, which may be just after the client read the last byte.
async fn files_left(dir: &Path) -> Vec<std::path::PathBuf> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let found = files_under(dir);
        if found.is_empty() || std::time::Instant::now() >= deadline {
            return found;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(files_under(&path));
        } else {
            found.push(path);
        }
    }
    found
}

async fn readyz(app: &TestApp) -> Resp {
    app.call(TestRequest::get().uri("/readyz")).await
}

/// Asks `/readyz` until it answers `status` (its probe's answer is reused for two seconds).
async fn await_readiness(app: &TestApp, status: StatusCode) -> Resp {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let res = readyz(app).await;
        if res.status == status || Instant::now() > deadline {
            return res;
        }
        actix_web::rt::time::sleep(Duration::from_millis(250)).await;
    }
}

async fn receipts_live_in_the_bucket_under_their_content_address(postgres: bool) {
    let Some(s3) = S3Server::start() else { return };
    let Some(app) = app_on(postgres, &s3, "county-a").await else {
        return;
    };
    let (id, sha) = attach_scan(&app, 1).await;
    let stored = s3.original_file("county-a", &sha);
    assert_eq!(
        sha256_file(&stored),
        sha,
        "the original is in the bucket under its SHA-256"
    );
    assert!(s3.rendition_file("county-a", &sha, "thumb").is_file());
    assert!(s3.rendition_file("county-a", &sha, "screen").is_file());
    let local = app.dir.path().join("receipts");
    assert_eq!(
        files_left(&local).await,
        Vec::<std::path::PathBuf>::new(),
        "nothing stays on local disk"
    );

    let original = app.get("clerk1", &format!("/api/v1/receipts/{id}/original")).await;
    assert_eq!(original.status, StatusCode::OK);
    assert_eq!(original.body, scan(1), "the original bytes come back from the bucket");
    let thumb = app
        .get("villager1a", &format!("/api/v1/receipts/{id}/image?size=thumb"))
        .await;
    assert_eq!(thumb.status, StatusCode::OK);
    assert_eq!(
        thumb.body,
        std::fs::read(s3.rendition_file("county-a", &sha, "thumb")).unwrap()
    );
    // A byte range of an object-store file is served like one on disk.
    let part = app
        .call(
            TestRequest::get()
                .uri(&format!("/api/v1/receipts/{id}/original"))
                .insert_header(bearer(&app.token("clerk1")))
                .insert_header(("range", "bytes=0-7")),
        )
        .await;
    assert_eq!(part.status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(part.body, scan(1)[..8].to_vec());

    // Renditions lost from the bucket are made again from the original, and kept again.
    std::fs::remove_file(s3.rendition_file("county-a", &sha, "thumb")).unwrap();
    let again = app
        .get("villager1a", &format!("/api/v1/receipts/{id}/image?size=thumb"))
        .await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text());
    assert_eq!(again.body, thumb.body, "the same thumb is made again");
    assert!(s3.rendition_file("county-a", &sha, "thumb").is_file());
    let full = app
        .get("villager1a", &format!("/api/v1/receipts/{id}/image?size=full"))
        .await;
    assert_eq!(full.status, StatusCode::OK);
    assert!(s3.rendition_file("county-a", &sha, "full").is_file());
    assert_eq!(
        files_left(&local).await,
        Vec::<std::path::PathBuf>::new(),
        "reads leave nothing behind"
    );
    assert_eq!(readyz(&app).await.status, StatusCode::OK);

    // `verify` reads the originals from the bucket.
    let mut conn = app.conn();
    let report = village_ledger::verify::verify(&mut conn, &app.state.log, &app.state.receipts).unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
}

async fn two_servers_share_one_bucket(postgres: bool) {
    let Some(s3) = S3Server::start() else { return };
    let Some(app) = app_on(postgres, &s3, "shared").await else {
        return;
    };
    let url = app.database_url();
    let mut env = s3.env();
    env.push(("VL_RECEIPTS_URL".into(), s3.url("shared")));
    let extra = ["--database-url", url.as_str()];
    let (a, addr_a) = start_server_env(app.dir.path(), &extra, &env);
    let (b, addr_b) = start_server_env(app.dir.path(), &extra, &env);
    // Stopped when the test ends, passed or failed.
    let _servers = Stopped([a, b]);
    let token = app.token("clerk1");
    let mut receipts = Vec::new();
    for (n, addr) in [(10u8, &addr_a), (11, &addr_b)] {
        let (status, entry) = http(
            addr,
            "POST",
            &format!("/api/v1/villages/{V1A}/entries"),
            Some(&token),
            Some(&expense(&format!("SH-{n}"), "2024-03-12", 500)),
        );
        assert_eq!(status, 201, "{entry}");
        let path = format!("/api/v1/entries/{}/receipts", entry["id"].as_str().unwrap());
        let body = multipart("scan.png", &scan(n));
        let content_type = format!("multipart/form-data; boundary={BOUNDARY}");
        let res = send(addr, "POST", &path, Some(&token), Some((content_type.as_str(), body)));
        assert_eq!(res.status, 201, "{}", res.body);
        receipts.push((n, res.json()["id"].as_str().unwrap().to_owned()));
    }
    // Each server reads what the other stored, from the bucket.
    for ((n, id), addr) in receipts.iter().zip([&addr_b, &addr_a]) {
        let (status, original) = get_bytes(addr, &format!("/api/v1/receipts/{id}/original"), &token);
        assert_eq!((status, original), (200, scan(*n)));
        let sha = sha256_bytes(&scan(*n));
        assert_eq!(sha256_file(&s3.original_file("shared", &sha)), sha);
        let (status, thumb) = get_bytes(addr, &format!("/api/v1/receipts/{id}/image?size=thumb"), &token);
        assert_eq!(status, 200);
        assert_eq!(
            thumb,
            std::fs::read(s3.rendition_file("shared", &sha, "thumb")).unwrap()
        );
    }
    assert_eq!(
        files_left(&app.dir.path().join("receipts")).await,
        Vec::<std::path::PathBuf>::new(),
        "neither server keeps receipts on local disk"
    );
    // The same bytes through both servers at once: one object, two attachments.
    let shared = scan(12);
    let uploads: Vec<_> = [&addr_a, &addr_b]
        .into_iter()
        .enumerate()
        .map(|(i, addr)| {
            let (status, entry) = http(
                addr,
                "POST",
                &format!("/api/v1/villages/{V1A}/entries"),
                Some(&token),
                Some(&expense(&format!("SH-SAME-{i}"), "2024-03-13", 700)),
            );
            assert_eq!(status, 201, "{entry}");
            let path = format!("/api/v1/entries/{}/receipts", entry["id"].as_str().unwrap());
            let (addr, token, body) = (addr.clone(), token.clone(), multipart("same.png", &shared));
            std::thread::spawn(move || {
                let content_type = format!("multipart/form-data; boundary={BOUNDARY}");
                send(&addr, "POST", &path, Some(&token), Some((content_type.as_str(), body))).status
            })
        })
        .collect();
    for upload in uploads {
        assert_eq!(upload.join().unwrap(), 201);
    }
    let sha = sha256_bytes(&shared);
    assert_eq!(sha256_file(&s3.original_file("shared", &sha)), sha);
    assert_eq!(app.count("receipts"), 4);
}

/// Server processes, killed when this is dropped.
struct Stopped<const N: usize>([std::process::Child; N]);

impl<const N: usize> Drop for Stopped<N> {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn sha256_bytes(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

async fn a_stopped_store_answers_503_and_records_nothing(postgres: bool) {
    let Some(mut s3) = S3Server::start() else { return };
    let Some(app) = app_on(postgres, &s3, "outage").await else {
        return;
    };
    let (id, _) = attach_scan(&app, 20).await;
    assert_eq!(readyz(&app).await.status, StatusCode::OK);
    s3.stop();
    let entry = app.post_entry(V1A, expense("OUT-1", "2024-03-12", 900)).await;
    let entry = entry["id"].as_str().unwrap();
    let before = app.count("receipts");
    let started = Instant::now();
    let res = upload_receipt(&app, "clerk1", entry, "scan.png", &scan(21)).await;
    let p = res.assert_problem(503);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "answered in {:?}",
        started.elapsed()
    );
    assert!(p["detail"].as_str().unwrap().contains("receipt store"), "{p}");
    assert_eq!(app.count("receipts"), before, "no row without its original");
    assert_eq!(
        files_left(&app.dir.path().join("receipts")).await,
        Vec::<std::path::PathBuf>::new(),
        "the temp upload is gone"
    );
    let original = app.get("clerk1", &format!("/api/v1/receipts/{id}/original")).await;
    original.assert_problem(503);
    let ready = await_readiness(&app, StatusCode::SERVICE_UNAVAILABLE).await;
    let p = ready.assert_problem(503);
    assert!(p["detail"].as_str().unwrap().contains("s3://receipts/outage"), "{p}");

    s3.resume();
    assert_eq!(await_readiness(&app, StatusCode::OK).await.status, StatusCode::OK);
    let res = upload_receipt(&app, "clerk1", entry, "scan.png", &scan(21)).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    assert_eq!(app.count("receipts"), before + 1);
    let sha = res.json()["sha256"].as_str().unwrap().to_owned();
    assert_eq!(sha256_file(&s3.original_file("outage", &sha)), sha);
}

/// `copy --from DB --from-receipts FROM --to-receipts TO`, by the real binary.
fn copy_receipts(s3: &S3Server, db: &str, from: &str, to: &str) -> (bool, String) {
    run_cli_env(
        &["copy", "--from", db, "--from-receipts", from, "--to-receipts", to],
        &s3.env(),
    )
}

async fn copy_moves_every_receipt_to_the_bucket_and_back(postgres: bool) {
    let Some(s3) = S3Server::start() else { return };
    // A county on the filesystem store.
    let app = if postgres {
        match TestApp::postgres().await {
            Some(app) => app,
            None => return,
        }
    } else {
        TestApp::new().await
    };
    let mut shas = Vec::new();
    for n in 30..33 {
        shas.push(attach_scan(&app, n).await.1);
    }
    let db = app.database_url();
    let files = format!("file://{}", app.dir.path().join("receipts").display());
    let bucket = s3.url("moved");
    let (ok, out) = copy_receipts(&s3, &db, &files, &bucket);
    assert!(ok, "{out}");
    assert!(out.contains("3 receipt originals") && out.contains("3 copied"), "{out}");
    for sha in &shas {
        assert_eq!(&sha256_file(&s3.original_file("moved", sha)), sha);
    }
    // Run again: everything is there, nothing is copied.
    let (ok, out) = copy_receipts(&s3, &db, &files, &bucket);
    assert!(ok && out.contains("0 copied"), "{out}");
    // And back into a new filesystem store.
    let back = tempfile::tempdir().unwrap();
    let back_url = format!("file://{}", back.path().display());
    let (ok, out) = copy_receipts(&s3, &db, &bucket, &back_url);
    assert!(ok && out.contains("3 copied"), "{out}");
    for sha in &shas {
        let file = back.path().join("originals").join(&sha[..2]).join(&sha[2..4]).join(sha);
        assert_eq!(&sha256_file(&file), sha);
    }
    // The county verifies against the bucket: every original there, with its bytes.
    let scratch = tempfile::tempdir().unwrap();
    let location = village_ledger::receipts::store::ReceiptsLocation::Objects(bucket.clone());
    let on_bucket =
        village_ledger::receipts::ReceiptStore::open(Some(&location), scratch.path(), &s3.options()).unwrap();
    let report = village_ledger::verify::verify(&mut app.conn(), &app.state.log, &on_bucket).unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    // An original missing from the source stops the copy, naming it.
    std::fs::remove_file(s3.original_file("moved", &shas[0])).unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let elsewhere_url = format!("file://{}", elsewhere.path().display());
    let (ok, out) = copy_receipts(&s3, &db, &bucket, &elsewhere_url);
    assert!(!ok && out.contains(&shas[0]), "{out}");
}

async fn a_backup_of_an_s3_backed_server_holds_the_originals(postgres: bool) {
    let Some(s3) = S3Server::start() else { return };
    let Some(app) = app_on(postgres, &s3, "backed-up").await else {
        return;
    };
    let mut shas = Vec::new();
    for n in 40..42 {
        shas.push(attach_scan(&app, n).await.1);
    }
    let to = tempfile::tempdir().unwrap();
    let mut env = s3.env();
    env.push(("VL_RECEIPTS_URL".into(), s3.url("backed-up")));
    let dir = app.dir.path().display().to_string();
    let db = app.database_url();
    let target = to.path().display().to_string();
    let (ok, out) = run_cli_env(
        &["backup", "--data-dir", &dir, "--database-url", &db, "--to", &target],
        &env,
    );
    assert!(ok, "{out}");
    for sha in &shas {
        let pooled = to
            .path()
            .join("receipts/originals")
            .join(&sha[..2])
            .join(&sha[2..4])
            .join(sha);
        assert_eq!(&sha256_file(&pooled), sha, "the backup holds the original");
    }
    assert_eq!(
        files_left(&to.path().join("receipts/tmp")).await,
        Vec::<std::path::PathBuf>::new(),
        "the copies fetched from the bucket are gone"
    );
    assert_eq!(
        files_left(&app.dir.path().join("receipts")).await,
        Vec::<std::path::PathBuf>::new(),
        "the backup wrote nothing into the server's data dir"
    );
}

/// Sets the modification time of `path` to `ago` before now (s3s-fs reports it as the
/// object's last-modified time).
fn age(path: &Path, ago: Duration) {
    let when = std::time::SystemTime::now() - ago;
    let file = std::fs::File::options().write(true).open(path).unwrap();
    file.set_times(std::fs::FileTimes::new().set_modified(when)).unwrap();
}

async fn start_up_sweeps_objects_no_row_names_once_they_are_an_hour_old(postgres: bool) {
    let Some(s3) = S3Server::start() else { return };
    let Some(app) = app_on(postgres, &s3, "swept").await else {
        return;
    };
    let (_, known) = attach_scan(&app, 50).await;
    age(&s3.original_file("swept", &known), Duration::from_secs(7200));
    // What a crash left between putting an original and committing its row: one long ago, one
    // just now (another server may be about to commit its row).
    let (old, young) = ("ab".repeat(32), "cd".repeat(32));
    for sha in [&old, &young] {
        let file = s3.original_file("swept", sha);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, b"no row names this").unwrap();
    }
    let old_thumb = s3.rendition_file("swept", &old, "thumb");
    std::fs::create_dir_all(old_thumb.parent().unwrap()).unwrap();
    std::fs::write(&old_thumb, b"jpeg").unwrap();
    age(&s3.original_file("swept", &old), Duration::from_secs(7200));
    age(&old_thumb, Duration::from_secs(7200));
    // A server starting on the bucket.
    let restarted = village_ledger::api::load_state(app.state.settings.clone()).unwrap();
    assert!(!s3.original_file("swept", &old).exists(), "the old orphan was swept");
    assert!(!old_thumb.exists(), "its rendition too");
    assert!(s3.original_file("swept", &young).exists(), "a young one is spared");
    assert!(
        s3.original_file("swept", &known).exists(),
        "a receipt's original is kept"
    );
    drop(restarted);
}

/// Runs each listed `async fn NAME(postgres: bool)` over SQLite and over PostgreSQL.
macro_rules! on_both_backends_s3 {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[actix_web::test]
                async fn $name() {
                    super::$name(false).await
                }
            )*
        }
        mod postgres {
            $(
                #[actix_web::test]
                async fn $name() {
                    super::$name(true).await
                }
            )*
        }
    };
}

on_both_backends_s3!(
    receipts_live_in_the_bucket_under_their_content_address,
    two_servers_share_one_bucket,
    a_stopped_store_answers_503_and_records_nothing,
    copy_moves_every_receipt_to_the_bucket_and_back,
    a_backup_of_an_s3_backed_server_holds_the_originals,
    start_up_sweeps_objects_no_row_names_once_they_are_an_hour_old,
);

/// Stores `bytes` as an original with every rendition; its SHA-256.
fn store_with_renditions(store: &ReceiptStore, bytes: &[u8]) -> String {
    let sha = sha256_bytes(bytes);
    let (mut file, tmp) = store.temp_upload().unwrap();
    std::io::Write::write_all(&mut file, bytes).unwrap();
    store.commit_upload(tmp, &sha).unwrap();
    for size in RenditionSize::ALL {
        store.put_rendition(&sha, size, &scan(size as u8)).unwrap();
    }
    sha
}

#[test]
fn an_unattached_original_leaves_the_bucket_with_its_renditions() {
    let Some(s3) = S3Server::start() else { return };
    let local = tempfile::tempdir().unwrap();
    let location = ReceiptsLocation::Objects(s3.url("drafts"));
    let store = ReceiptStore::open(Some(&location), local.path(), &s3.options()).unwrap();
    let drawn_again = store_with_renditions(&store, &scan(40));
    let kept = store_with_renditions(&store, &scan(41));
    let files = |sha: &str| {
        let mut files = vec![s3.original_file("drafts", sha)];
        files.extend(RenditionSize::ALL.map(|size| s3.rendition_file("drafts", sha, size.as_str())));
        files
    };
    assert!(files(&drawn_again).iter().all(|f| f.is_file()), "stored in the bucket");

    store.remove_unattached(&drawn_again).unwrap();
    for file in files(&drawn_again) {
        assert!(!file.exists(), "{} is gone from the bucket", file.display());
    }
    assert!(!store.has_original(&drawn_again).unwrap());
    assert!(
        files(&kept).iter().all(|f| f.is_file()),
        "another original is left alone"
    );
    // Removing what is not there is no error (a draft whose renditions were never made).
    store.remove_unattached(&drawn_again).unwrap();
    assert!(store.remove_unattached("not-a-sha").is_err());
}
