//! Several servers on one PostgreSQL database behave as one: two real server processes share
//! the database and the data dir, clients post through both at once, and afterwards every
//! acknowledged write is there once, voucher numbers stayed unique, pages are stable and the
//! transparency log verifies.

use std::collections::{HashMap, HashSet};
use std::thread;

use crate::support::*;

#[actix_web::test]
async fn two_servers_on_one_database_post_as_one() {
    let Some(app) = TestApp::postgres().await else { return };
    let url = app.database_url();
    let extra = ["--database-url", url.as_str(), "--checkpoint-seconds", "1"];
    let (mut a, addr_a) = start_server(app.dir.path(), &extra);
    let (mut b, addr_b) = start_server(app.dir.path(), &extra);
    let token = app.token("clerk1");

    let workers: Vec<_> = (0..4)
        .map(|w| {
            let (addr, token) = (if w % 2 == 0 { addr_a.clone() } else { addr_b.clone() }, token.clone());
            thread::spawn(move || {
                let mut acknowledged = Vec::new();
                for i in 0..20 {
                    // Unique vouchers of this worker, and a shared voucher every worker posts
                    // with the same content through either server.
                    for voucher in [format!("W{w}-{i:03}"), format!("SHARED-{i:03}")] {
                        let body = expense(&voucher, "2024-05-06", 100 + i);
                        let (status, entry) = http(
                            &addr,
                            "POST",
                            &format!("/api/v1/villages/{V1A}/entries"),
                            Some(&token),
                            Some(&body),
                        );
                        assert!(status == 201 || status == 200, "{voucher} via {addr}: {status} {entry}");
                        acknowledged.push((voucher, entry["id"].as_str().unwrap().to_owned()));
                    }
                }
                acknowledged
            })
        })
        .collect();
    let acknowledged: Vec<(String, String)> = workers.into_iter().flat_map(|w| w.join().unwrap()).collect();

    // One entry per voucher number, whichever server answered.
    let mut by_voucher: HashMap<String, HashSet<String>> = HashMap::new();
    for (voucher, id) in &acknowledged {
        by_voucher.entry(voucher.clone()).or_default().insert(id.clone());
    }
    assert_eq!(by_voucher.len(), 4 * 20 + 20);
    for (voucher, ids) in &by_voucher {
        assert_eq!(ids.len(), 1, "{voucher} became {ids:?}");
    }

    // Paging through either server serves each entry exactly once.
    for addr in [&addr_a, &addr_b] {
        let mut seen = Vec::new();
        let mut cursor = String::new();
        loop {
            let (status, page) = http(
                addr,
                "GET",
                &format!("/api/v1/villages/{V1A}/entries?limit=7&cursor={cursor}"),
                Some(&token),
                None,
            );
            assert_eq!(status, 200, "{page}");
            seen.extend(
                page["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|e| e["id"].as_str().unwrap().to_owned()),
            );
            match page["next_cursor"].as_str() {
                Some(c) => cursor = c.to_owned(),
                None => break,
            }
        }
        let unique: HashSet<&String> = seen.iter().collect();
        assert_eq!(unique.len(), seen.len(), "served twice via {addr}");
        assert_eq!(unique.len(), by_voucher.len(), "lost or extra entries via {addr}");
    }

    // Both servers signed checkpoints of one log; it verifies against the rows.
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let (status, _) = http(&addr_a, "GET", "/api/v1/log/checkpoint", None, None);
    assert_eq!(status, 200);
    a.kill().unwrap();
    b.kill().unwrap();
    let _ = (a.wait(), b.wait());
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_village-ledger"))
        .args(["verify", "--data-dir"])
        .arg(app.dir.path())
        .args(["--database-url", &url])
        .env("VL_LANG", "en")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        text.contains(&format!("verified {} leaves", by_voucher.len())),
        "{text}"
    );
}

/// Posts a multipart upload of one file.
fn upload(addr: &str, path: &str, token: &str, bytes: &[u8]) -> (u16, serde_json::Value) {
    let content_type = format!("multipart/form-data; boundary={BOUNDARY}");
    let answer = send(
        addr,
        "POST",
        path,
        Some(token),
        Some((&content_type, multipart("r.png", bytes))),
    );
    (answer.status, answer.json())
}

#[actix_web::test]
async fn two_servers_receiving_the_same_receipt_at_once_keep_one_intact_file() {
    let Some(app) = TestApp::postgres().await else { return };
    let url = app.database_url();
    let extra = ["--database-url", url.as_str(), "--orphan-grace-seconds", "600"];
    let (mut a, addr_a) = start_server(app.dir.path(), &extra);
    let (mut b, addr_b) = start_server(app.dir.path(), &extra);
    let entry = app.post_entry(V1A, expense("MS-R", "2024-05-06", 100)).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let token = app.token("clerk1");
    let bytes = std::fs::read(format!(
        "{}/receipts-fixtures/scan-flatbed.png",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let path = format!("/api/v1/entries/{entry}/receipts");
    let uploads: Vec<_> = (0..6)
        .map(|i| {
            let (addr, token, path, bytes) = (
                if i % 2 == 0 { addr_a.clone() } else { addr_b.clone() },
                token.clone(),
                path.clone(),
                bytes.clone(),
            );
            thread::spawn(move || upload(&addr, &path, &token, &bytes))
        })
        .collect();
    let ids: HashSet<String> = uploads
        .into_iter()
        .map(|u| {
            let (status, body) = u.join().unwrap();
            assert!(status == 201 || status == 200, "{status} {body}");
            body["id"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(ids.len(), 1, "one receipt, whichever server answered: {ids:?}");
    a.kill().unwrap();
    b.kill().unwrap();
    let _ = (a.wait(), b.wait());
    // One original, byte-identical to the upload, and no temp files left.
    let sha = {
        use sha2::Digest;
        sha2::Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    assert_eq!(
        std::fs::read(app.state.receipts.original_path(&sha).unwrap()).unwrap(),
        bytes
    );
    let tmp = app.state.receipts.root().join("tmp");
    assert_eq!(std::fs::read_dir(tmp).map(|d| d.count()).unwrap_or(0), 0);
}
