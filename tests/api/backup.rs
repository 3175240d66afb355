//! `village-ledger backup` and `restore`: a backup taken while entries are posted and receipts
//! uploaded restores into a new data dir (SQLite) or database (PostgreSQL) that verifies and
//! holds every write acknowledged before the backup began, with its receipts; a second backup
//! copies only new originals; a restore refuses an altered, incomplete or rolled-back snapshot,
//! naming the file, and a non-empty target.

use std::path::{Path, PathBuf};

use actix_web::http::StatusCode;
use serde_json::{Value, json};

use crate::support::*;

/// A small PNG receipt scan whose bytes (and SHA-256) differ for every `n`.
fn scan(n: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(48, 32, |x, y| {
        image::Rgb([(n % 251) as u8, (n / 251 % 251) as u8, (x * 5 + y * 3) as u8])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).expect("png");
    out.into_inner()
}

/// An entry of village 1A with one receipt; returns (entry id, receipt id, receipt SHA-256).
async fn entry_with_receipt(app: &TestApp, n: u32) -> (String, String, String) {
    let entry = app
        .post_entry(V1A, expense(&format!("B-{n:04}"), "2024-03-12", 1_000 + i64::from(n)))
        .await;
    let id = entry["id"].as_str().unwrap().to_owned();
    let res = upload_receipt(app, "clerk1", &id, "scan.png", &scan(n)).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    let receipt = res.json();
    (
        id,
        receipt["id"].as_str().unwrap().to_owned(),
        receipt["sha256"].as_str().unwrap().to_owned(),
    )
}

fn sign_checkpoint(app: &TestApp) -> String {
    let mut conn = app.conn();
    village_ledger::db::write_transaction(&mut conn, |c| {
        village_ledger::tlog::checkpoint::checkpoint_now(c, &app.state.log)
    })
    .expect("checkpoint")
    .note
}

fn path_str(p: &Path) -> String {
    p.display().to_string()
}

/// `backup` of the app's data dir (and database) into `to`.
fn backup(app: &TestApp, to: &Path) -> (bool, String) {
    backup_of(&path_str(app.dir.path()), &app.database_url(), to)
}

/// `backup` of the data dir `dir` (database `url`) into `to`, by the real binary.
fn backup_of(dir: &str, url: &str, to: &Path) -> (bool, String) {
    run_cli(&[
        "backup",
        "--data-dir",
        dir,
        "--database-url",
        url,
        "--to",
        &path_str(to),
    ])
}

fn backup_ok(app: &TestApp, to: &Path) -> String {
    let (ok, out) = backup(app, to);
    assert!(ok, "{out}");
    snapshot_ids(to).pop().expect("a snapshot")
}

fn snapshot_ids(backup: &Path) -> Vec<String> {
    let mut ids: Vec<String> = std::fs::read_dir(backup.join("snapshots"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    ids.sort();
    ids
}

fn restore(from: &Path, data_dir: &Path, extra: &[&str]) -> (bool, String) {
    let mut args = vec![
        "restore".to_owned(),
        "--from".into(),
        path_str(from),
        "--data-dir".into(),
        path_str(data_dir),
    ];
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    run_cli(&args)
}

/// Where a restore of `app`'s backup goes: a new data dir, and for PostgreSQL a new empty
/// database (kept alive by the returned app).
async fn restore_target(app: &TestApp) -> (tempfile::TempDir, Vec<String>, Option<TestApp>) {
    let dir = tempfile::tempdir().unwrap();
    if app.state.settings.db_url().is_sqlite() {
        return (dir, Vec::new(), None);
    }
    let empty = TestApp::postgres_empty().await.expect("PostgreSQL");
    // The empty app's own data dir is not the one restored into.
    let url = empty.database_url();
    (dir, vec!["--database-url".into(), url], Some(empty))
}

fn sign_in(addr: &str) -> String {
    let (status, tokens) = http(
        addr,
        "POST",
        "/api/v1/auth/token",
        None,
        Some(&json!({"username": "clerk1", "password": PASSWORD})),
    );
    assert_eq!(status, 200, "{tokens}");
    tokens["access_token"].as_str().unwrap().to_owned()
}

async fn restore_drill_under_concurrent_writes(app: TestApp) {
    let mut acknowledged = Vec::new();
    for n in 0..6 {
        acknowledged.push(entry_with_receipt(&app, n).await);
    }
    app.post(
        "clerk1",
        &format!("/api/v1/villages/{V1A}/periods/2024-01/close"),
        json!({}),
    )
    .await;
    sign_checkpoint(&app);
    let backup_dir = tempfile::tempdir().unwrap();
    let target = backup_dir.path().to_owned();
    let (dir, url) = (path_str(app.dir.path()), app.database_url());
    let running = std::thread::spawn(move || backup_of(&dir, &url, &target));
    // Posting and uploading go on while the backup runs (and at least a few times).
    let mut during = 0;
    while !running.is_finished() || during < 3 {
        entry_with_receipt(&app, 100 + during).await;
        during += 1;
    }
    let (ok, out) = running.join().unwrap();
    assert!(ok, "{out}");
    assert!(out.contains("snapshot") && out.contains("receipt originals:"), "{out}");

    let (restored, extra, _pg) = restore_target(&app).await;
    let new_dir = restored.path().join("county");
    let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
    let (ok, out) = restore(backup_dir.path(), &new_dir, &extra);
    assert!(ok, "{out}");
    assert!(out.contains("restored and verified"), "{out}");
    let mut verify = vec!["verify", "--data-dir", new_dir.to_str().unwrap()];
    verify.extend(&extra);
    let (ok, out) = run_cli(&verify);
    assert!(ok, "verify of the restored data dir: {out}");

    // The restored county serves every acknowledged write with its receipt's original bytes.
    let (mut server, addr) = start_server(&new_dir, &extra);
    let token = sign_in(&addr);
    for (n, (entry, receipt, sha)) in acknowledged.iter().enumerate() {
        let (status, shown) = http(&addr, "GET", &format!("/api/v1/entries/{entry}"), Some(&token), None);
        assert_eq!(status, 200, "entry {entry}: {shown}");
        let receipts: Vec<&Value> = shown["receipts"].as_array().unwrap().iter().collect();
        assert!(
            receipts
                .iter()
                .any(|r| r["id"] == json!(receipt) && r["sha256"] == json!(sha)),
            "{shown}"
        );
        let original = original_bytes(&addr, &token, receipt);
        assert_eq!(original, scan(n as u32), "the original of receipt {receipt}");
    }
    server.kill().unwrap();
    let _ = server.wait();
}

/// The untouched original of a receipt, as the server sends it.
fn original_bytes(addr: &str, token: &str, receipt: &str) -> Vec<u8> {
    let mut res = ureq::get(format!("http://{addr}/api/v1/receipts/{receipt}/original"))
        .header("authorization", format!("Bearer {token}"))
        .call()
        .expect("the original");
    res.body_mut()
        .with_config()
        .limit(64 << 20)
        .read_to_vec()
        .expect("its bytes")
}

async fn a_second_backup_copies_only_new_originals(app: TestApp) {
    for n in 0..3 {
        entry_with_receipt(&app, n).await;
    }
    let to = tempfile::tempdir().unwrap();
    let (ok, out) = backup(&app, to.path());
    assert!(ok, "{out}");
    assert!(out.contains("receipt originals: 3, new to the backup: 3"), "{out}");
    entry_with_receipt(&app, 3).await;
    let (ok, out) = backup(&app, to.path());
    assert!(ok, "{out}");
    assert!(out.contains("receipt originals: 4, new to the backup: 1"), "{out}");
    assert_eq!(snapshot_ids(to.path()).len(), 2);
    let pooled = pool_files(to.path());
    assert_eq!(pooled.len(), 4, "{pooled:?}");
    // Keys are kept private.
    #[cfg(unix)]
    for id in snapshot_ids(to.path()) {
        use std::os::unix::fs::PermissionsExt;
        let key = to.path().join("snapshots").join(id).join("log-key.pem");
        assert_eq!(std::fs::metadata(key).unwrap().permissions().mode() & 0o777, 0o600);
    }
}

fn pool_files(backup: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![backup.join("receipts/originals")];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out
}

/// A copy of a whole backup directory, to damage.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
            let mut p = std::fs::metadata(&target).unwrap().permissions();
            #[expect(clippy::permissions_set_readonly_false, reason = "the test damages its own copy")]
            p.set_readonly(false);
            std::fs::set_permissions(&target, p).unwrap();
        }
    }
}

fn refused(backup: &Path, needle: &str) {
    let target = tempfile::tempdir().unwrap();
    let new_dir = target.path().join("county");
    let (ok, out) = restore(backup, &new_dir, &[]);
    assert!(!ok, "restored a damaged snapshot: {out}");
    assert!(out.contains(needle), "the refusal names {needle}: {out}");
    assert!(!new_dir.exists(), "a refused restore leaves no data dir");
}

async fn restore_refuses_altered_missing_and_unlisted_files_naming_them(app: TestApp) {
    let (_, _, sha) = entry_with_receipt(&app, 7).await;
    sign_checkpoint(&app);
    let good = tempfile::tempdir().unwrap();
    let id = backup_ok(&app, good.path());
    let snap = format!("snapshots/{id}");
    let pool = format!("receipts/originals/{}/{}/{sha}", &sha[..2], &sha[2..4]);
    let damage = |what: &dyn Fn(&Path)| {
        let copy = tempfile::tempdir().unwrap();
        copy_tree(good.path(), copy.path());
        what(copy.path());
        copy
    };
    let flip = |file: PathBuf| {
        let mut bytes = std::fs::read(&file).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        std::fs::write(file, bytes).unwrap();
    };
    let altered_db = damage(&|d| flip(d.join(&snap).join("ledger.db")));
    refused(altered_db.path(), &format!("{snap}/ledger.db was altered"));
    let altered_key = damage(&|d| flip(d.join(&snap).join("log-key.pem")));
    refused(altered_key.path(), &format!("{snap}/log-key.pem was altered"));
    let missing_cp = damage(&|d| std::fs::remove_file(d.join(&snap).join("checkpoint.txt")).unwrap());
    refused(missing_cp.path(), &format!("{snap}/checkpoint.txt is missing"));
    let unlisted = damage(&|d| std::fs::write(d.join(&snap).join("extra.pem"), "x").unwrap());
    refused(unlisted.path(), &format!("{snap}/extra.pem is not listed"));
    let missing_original = damage(&|d| std::fs::remove_file(d.join(&pool)).unwrap());
    refused(missing_original.path(), &format!("{pool} is missing"));
    let altered_original = damage(&|d| flip(d.join(&pool)));
    refused(altered_original.path(), &format!("{pool} was altered"));
    let no_manifest = damage(&|d| std::fs::remove_file(d.join(&snap).join("manifest.json")).unwrap());
    refused(no_manifest.path(), "holds no complete snapshot");
    // The undamaged backup restores.
    let target = tempfile::tempdir().unwrap();
    let (ok, out) = restore(good.path(), &target.path().join("county"), &[]);
    assert!(ok, "{out}");
}

/// A manifest rewritten to match a doctored database still fails the log verification; a
/// snapshot rolled back to an earlier log fails the trusted checkpoint kept elsewhere.
async fn restore_proves_the_log_and_the_trusted_checkpoint(app: TestApp) {
    for n in 0..3 {
        entry_with_receipt(&app, n).await;
    }
    sign_checkpoint(&app);
    let early = tempfile::tempdir().unwrap();
    let early_id = backup_ok(&app, early.path());
    entry_with_receipt(&app, 3).await;
    let trusted_note = sign_checkpoint(&app);
    let trusted_dir = tempfile::tempdir().unwrap();
    let trusted = trusted_dir.path().join("checkpoint.txt");
    std::fs::write(&trusted, &trusted_note).unwrap();
    let trusted = path_str(&trusted);

    // The early snapshot is complete and verifies on its own, but is older than what the
    // inspector holds: refused, naming the trusted file.
    let target = tempfile::tempdir().unwrap();
    let (ok, out) = restore(
        early.path(),
        &target.path().join("a"),
        &["--trusted-checkpoint", &trusted],
    );
    assert!(
        !ok && out.contains(&trusted) && out.contains("restored log has only"),
        "{out}"
    );
    assert!(!target.path().join("a").exists());

    // The latest snapshot is consistent with it.
    let late = tempfile::tempdir().unwrap();
    backup_ok(&app, late.path());
    let (ok, out) = restore(
        late.path(),
        &target.path().join("b"),
        &["--trusted-checkpoint", &trusted],
    );
    assert!(ok, "{out}");
    assert!(out.contains("consistent with the trusted checkpoint"), "{out}");

    // A checkpoint of another deployment's key does not vouch for this log.
    let other = TestApp::new().await;
    other.post_entry(V1A, expense("O-1", "2024-03-12", 100)).await;
    let foreign = trusted_dir.path().join("foreign.txt");
    std::fs::write(&foreign, sign_checkpoint(&other)).unwrap();
    let (ok, out) = restore(
        late.path(),
        &target.path().join("c"),
        &["--trusted-checkpoint", &path_str(&foreign)],
    );
    assert!(!ok && out.contains("signature does not verify"), "{out}");

    // An entry's amount changed in the dump, and the manifest rewritten to match: the manifest
    // check passes, the log does not.
    let snap = early.path().join("snapshots").join(&early_id);
    doctor_dump(&snap.join("ledger.db"));
    rewrite_manifest(&snap, "ledger.db");
    let (ok, out) = restore(early.path(), &target.path().join("d"), &[]);
    assert!(
        !ok && out.contains("does not verify") && out.contains("amount_fen"),
        "{out}"
    );
    assert!(!target.path().join("d").exists());
}

fn doctor_dump(db: &Path) {
    use diesel::connection::SimpleConnection;
    use diesel::{Connection, SqliteConnection};
    let mut conn = SqliteConnection::establish(db.to_str().unwrap()).unwrap();
    // Whoever rewrites the dump drops the append-only trigger first.
    conn.batch_execute(
        "DROP TRIGGER entries_append_only_update;
         UPDATE entries SET amount_fen = amount_fen + 100000 WHERE seq = (SELECT MIN(seq) FROM entries);",
    )
    .unwrap();
}

fn rewrite_manifest(snap: &Path, file: &str) {
    use sha2::{Digest, Sha256};
    let bytes = std::fs::read(snap.join(file)).unwrap();
    let sha: String = Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
    let path = snap.join("manifest.json");
    let mut manifest: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    for f in manifest["files"].as_array_mut().unwrap() {
        if f["path"] == json!(file) {
            f["sha256"] = json!(sha);
            f["bytes"] = json!(bytes.len());
        }
    }
    std::fs::write(path, serde_json::to_vec(&manifest).unwrap()).unwrap();
}

async fn restore_refuses_a_non_empty_target_and_picks_a_snapshot_by_id(app: TestApp) {
    entry_with_receipt(&app, 1).await;
    let to = tempfile::tempdir().unwrap();
    let first = backup_ok(&app, to.path());
    entry_with_receipt(&app, 2).await;
    let second = backup_ok(&app, to.path());
    assert_ne!(first, second);

    let target = tempfile::tempdir().unwrap();
    std::fs::write(target.path().join("notes.txt"), "kept").unwrap();
    let (ok, out) = restore(to.path(), target.path(), &[]);
    assert!(!ok && out.contains("is not empty"), "{out}");
    assert_eq!(
        std::fs::read_to_string(target.path().join("notes.txt")).unwrap(),
        "kept"
    );
    // A database that holds a county is refused too (the app's own).
    let new_dir = target.path().join("county");
    let (ok, out) = restore(to.path(), &new_dir, &["--database-url", &app.database_url()]);
    assert!(
        !ok && (out.contains("not empty") || out.contains("exists already")),
        "{out}"
    );

    let (ok, out) = restore(to.path(), &new_dir, &["--snapshot", &first]);
    assert!(ok, "{out}");
    assert!(
        out.contains(&format!("snapshot {first} restored")) && out.contains("receipt originals: 1,"),
        "{out}"
    );
    let (ok, out) = restore(to.path(), &target.path().join("latest"), &[]);
    assert!(ok, "{out}");
    assert!(
        out.contains(&format!("snapshot {second} restored")) && out.contains("receipt originals: 2,"),
        "{out}"
    );
    let (ok, out) = restore(to.path(), &target.path().join("none"), &["--snapshot", "../x"]);
    assert!(!ok && out.contains("no complete snapshot ../x"), "{out}");
}

on_both_backends!(
    restore_drill_under_concurrent_writes,
    a_second_backup_copies_only_new_originals,
    restore_refuses_altered_missing_and_unlisted_files_naming_them,
    restore_proves_the_log_and_the_trusted_checkpoint,
    restore_refuses_a_non_empty_target_and_picks_a_snapshot_by_id,
);
