//! The transparency log: RFC 6962 known answers, signed checkpoints, inclusion and consistency
//! proofs checked by an independent verifier written here (not the server's code), and the
//! offline `verify` naming rows changed behind the API.

use crate::support::*;
use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

// ---- an independent RFC 9162 verifier ----

pub(crate) fn sha(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

pub(crate) fn hash_leaf(leaf: &[u8]) -> [u8; 32] {
    sha(&[&[0], leaf])
}

fn hash_children(l: &[u8], r: &[u8]) -> [u8; 32] {
    sha(&[&[1], l, r])
}

/// The root of D[0:n] computed directly from the leaves (RFC 6962 MTH, by recursion).
fn mth(leaves: &[Vec<u8>]) -> [u8; 32] {
    match leaves.len() {
        0 => sha(&[]),
        1 => hash_leaf(&leaves[0]),
        n => {
            let mut k = 1;
            while k * 2 < n {
                k *= 2;
            }
            hash_children(&mth(&leaves[..k]), &mth(&leaves[k..]))
        }
    }
}

/// Recomputes the root from an audit path, walking up with the index's bits.
pub(crate) fn root_from_path(mut index: u64, size: u64, leaf: [u8; 32], path: &[[u8; 32]]) -> Option<[u8; 32]> {
    let mut last = size - 1;
    let mut hash = leaf;
    let mut path = path.iter();
    while last > 0 {
        if index % 2 == 1 {
            hash = hash_children(path.next()?, &hash);
        } else if index < last {
            hash = hash_children(&hash, path.next()?);
        }
        index /= 2;
        last /= 2;
    }
    path.next().is_none().then_some(hash)
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

pub(crate) fn b64_hashes(v: &Value) -> Vec<[u8; 32]> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|h| STANDARD.decode(h.as_str().unwrap()).unwrap().try_into().unwrap())
        .collect()
}

/// Checks a C2SP signed note with the published verifier key; returns (size, root).
pub(crate) fn check_note(note: &str, vkey: &str) -> (u64, [u8; 32]) {
    let parts: Vec<&str> = vkey.trim().splitn(3, '+').collect();
    let key_bytes = STANDARD.decode(parts[2]).unwrap();
    assert_eq!(key_bytes[0], 1, "Ed25519 key type");
    let key = ed25519_dalek::VerifyingKey::from_bytes(&key_bytes[1..].try_into().unwrap()).unwrap();
    let id = sha(&[parts[0].as_bytes(), b"\n", &key_bytes]);
    assert_eq!(parts[1], id[..4].iter().map(|b| format!("{b:02x}")).collect::<String>());
    let (body, sigs) = note.split_once("\n\n").unwrap();
    let body = format!("{body}\n");
    let sig_line = sigs.lines().find(|l| l.starts_with('\u{2014}')).unwrap();
    let sig = STANDARD.decode(sig_line.rsplit(' ').next().unwrap()).unwrap();
    assert_eq!(&sig[..4], &id[..4]);
    let sig = ed25519_dalek::Signature::from_slice(&sig[4..]).unwrap();
    use ed25519_dalek::Verifier;
    key.verify(body.as_bytes(), &sig).expect("checkpoint signature");
    let lines: Vec<&str> = body.lines().collect();
    assert_eq!(lines[0], parts[0], "origin is the key name");
    (
        lines[1].parse().unwrap(),
        STANDARD.decode(lines[2]).unwrap().try_into().unwrap(),
    )
}

// ---- the producer against the CT reference vectors ----

const CT_LEAVES: [&str; 8] = [
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
];
const CT_ROOTS: [&str; 8] = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

async fn the_tree_matches_the_rfc_6962_reference_vectors(app: TestApp) {
    use village_ledger::tlog::{Tree, append};
    let mut conn = app.conn();
    village_ledger::db::write_transaction(&mut conn, |conn| {
        for leaf in CT_LEAVES {
            append(conn, "test", "ct", &unhex(leaf))?;
        }
        Ok::<_, village_ledger::api::problem::ApiError>(())
    })
    .unwrap();
    let mut tree = Tree::new(&mut conn);
    for n in 1..=8u64 {
        assert_eq!(
            tree.root(n).unwrap().to_vec(),
            unhex(CT_ROOTS[n as usize - 1]),
            "root of {n}"
        );
    }
    let hexes = |v: Vec<[u8; 32]>| {
        v.iter()
            .map(|h| h.iter().map(|b| format!("{b:02x}")).collect::<String>())
            .collect::<Vec<_>>()
    };
    let inclusion = [
        (
            0,
            8,
            vec![
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
            ],
        ),
        (
            5,
            8,
            vec![
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ],
        ),
        (
            2,
            3,
            vec!["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"],
        ),
        (
            1,
            5,
            vec![
                "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            ],
        ),
    ];
    for (m, n, want) in inclusion {
        assert_eq!(hexes(tree.inclusion_proof(m, n).unwrap()), want, "inclusion {m} in {n}");
    }
    let consistency = [
        (
            1,
            8,
            vec![
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
            ],
        ),
        (
            6,
            8,
            vec![
                "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ],
        ),
        (
            2,
            5,
            vec![
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            ],
        ),
    ];
    for (m, n, want) in consistency {
        assert_eq!(
            hexes(tree.consistency_proof(m, n).unwrap()),
            want,
            "consistency {m} → {n}"
        );
    }
    // Larger trees agree with the naive definition, and every audit path verifies independently.
    let leaves: Vec<Vec<u8>> = CT_LEAVES.iter().map(|l| unhex(l)).collect();
    for n in 1..=8u64 {
        assert_eq!(mth(&leaves[..n as usize]), tree.root(n).unwrap());
        for m in 0..n {
            let path = tree.inclusion_proof(m, n).unwrap();
            assert_eq!(
                root_from_path(m, n, hash_leaf(&leaves[m as usize]), &path),
                Some(mth(&leaves[..n as usize]))
            );
        }
    }
}

// ---- end to end through the API ----

pub(crate) async fn checkpoint_now(app: &TestApp) {
    let mut conn = app.conn();
    village_ledger::db::write_transaction(&mut conn, |conn| {
        village_ledger::tlog::checkpoint::checkpoint_now(conn, &app.state.log)
    })
    .unwrap();
}

pub(crate) async fn text(app: &TestApp, uri: &str) -> String {
    let res = app.call(TestRequest::get().uri(uri)).await;
    assert_eq!(res.status, StatusCode::OK, "{uri}: {}", res.text());
    res.text()
}

async fn entries_are_proven_against_signed_checkpoints(app: TestApp) {
    let mut ids = Vec::new();
    for i in 0..5 {
        let e = app
            .post_entry(V1A, expense(&format!("L-{i}"), "2024-03-12", 1_000 + i))
            .await;
        ids.push(e["id"].as_str().unwrap().to_owned());
    }
    let other = app.post_entry(V1B, expense("L-X", "2024-03-12", 7)).await;
    checkpoint_now(&app).await;
    let vkey = text(&app, "/api/v1/log/key").await;
    let note = text(&app, "/api/v1/log/checkpoint").await;
    let (size, root) = check_note(&note, &vkey);
    assert_eq!(size, 6);
    for id in &ids {
        let res = app.get("villager1a", &format!("/api/v1/entries/{id}/proof")).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text());
        let p = res.json();
        assert_eq!(p["tree_size"], json!(6));
        assert_eq!(p["checkpoint"].as_str(), Some(note.as_str()));
        let leaf = STANDARD.decode(p["leaf"].as_str().unwrap()).unwrap();
        let fields: Value = serde_json::from_slice(&leaf).unwrap();
        assert_eq!(fields["id"].as_str(), Some(id.as_str()));
        assert_eq!(fields["v"], json!(1));
        let index = p["leaf_index"].as_u64().unwrap();
        assert_eq!(
            root_from_path(index, size, hash_leaf(&leaf), &b64_hashes(&p["proof"])),
            Some(root),
            "proof of {id}"
        );
    }
    // Scopes apply to proofs: another village's entry is not found.
    let res = app
        .get(
            "villager1a",
            &format!("/api/v1/entries/{}/proof", other["id"].as_str().unwrap()),
        )
        .await;
    res.assert_problem(404);

    // After more postings, the new checkpoint provably extends the old one.
    app.post_entry(V1A, expense("L-9", "2024-03-13", 9)).await;
    let close = app
        .post(
            "clerk1",
            &format!("/api/v1/villages/{V1A}/periods/2024-03/close"),
            json!({}),
        )
        .await;
    assert_eq!(close.status, StatusCode::CREATED, "{}", close.text());
    let closing = close.json()["checkpoint"].as_str().unwrap().to_owned();
    let (new_size, new_root) = check_note(&closing, &vkey);
    assert_eq!(new_size, 8, "the close and the entry before it are in its checkpoint");
    let c = app
        .call(TestRequest::get().uri(&format!("/api/v1/log/consistency?from={size}&to={new_size}")))
        .await
        .json();
    let proof = b64_hashes(&c["proof"]);
    assert!(consistent(size, new_size, root, new_root, &proof), "consistency 6 → 8");
    assert!(
        !consistent(size, new_size, new_root, new_root, &proof),
        "a wrong old root is caught"
    );
    // The village's month shows its closing checkpoint.
    let periods = app
        .get("villager1a", &format!("/api/v1/villages/{V1A}/periods"))
        .await
        .json();
    assert_eq!(periods[0]["period"], json!("2024-03"));
    assert_eq!(periods[0]["checkpoint"].as_str(), Some(closing.as_str()));
}

/// RFC 9162 §2.1.4.2, written independently of the server.
fn consistent(m: u64, n: u64, old: [u8; 32], new: [u8; 32], proof: &[[u8; 32]]) -> bool {
    let mut path: Vec<[u8; 32]> = proof.to_vec();
    if m.is_power_of_two() {
        path.insert(0, old);
    }
    let (mut f, mut s) = (m - 1, n - 1);
    while f % 2 == 1 {
        f /= 2;
        s /= 2;
    }
    let Some((first, rest)) = path.split_first() else {
        return false;
    };
    let (mut fr, mut sr) = (*first, *first);
    for c in rest {
        if s == 0 {
            return false;
        }
        if f % 2 == 1 || f == s {
            fr = hash_children(c, &fr);
            sr = hash_children(c, &sr);
            while f % 2 == 0 && f != 0 {
                f /= 2;
                s /= 2;
            }
        } else {
            sr = hash_children(&sr, c);
        }
        f /= 2;
        s /= 2;
    }
    s == 0 && fr == old && sr == new
}

async fn inspectors_record_the_checkpoint_they_compared_against(app: TestApp) {
    app.post_entry(V1A, expense("I-1", "2024-03-12", 100)).await;
    checkpoint_now(&app).await;
    let today = village_ledger::api::today();
    let round = app
        .post("admin", "/api/v1/inspections", json!({"name": "巡察", "inspectors": ["inspector"], "townships": [T1],
            "starts_on": (today - chrono::Duration::days(1)).to_string(), "ends_on": (today + chrono::Duration::days(30)).to_string()}))
        .await;
    assert_eq!(round.status, StatusCode::CREATED, "{}", round.text());
    let id = round.json()["id"].as_str().unwrap().to_owned();
    let res = app
        .post(
            "inspector",
            &format!("/api/v1/inspections/{id}/checkpoints"),
            json!({"size": 1}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    assert!(res.json()["checkpoint"].as_str().unwrap().contains("\n1\n"));
    let again = app
        .post(
            "inspector",
            &format!("/api/v1/inspections/{id}/checkpoints"),
            json!({"size": 1}),
        )
        .await;
    assert_eq!(again.status, StatusCode::OK);
    app.post(
        "inspector",
        &format!("/api/v1/inspections/{id}/checkpoints"),
        json!({"size": 99}),
    )
    .await
    .assert_problem(422);
    app.post(
        "villager1a",
        &format!("/api/v1/inspections/{id}/checkpoints"),
        json!({"size": 1}),
    )
    .await
    .assert_problem(403);
    let list = app
        .get("inspector", &format!("/api/v1/inspections/{id}/checkpoints"))
        .await
        .json();
    assert_eq!(list.as_array().map(Vec::len), Some(1));
}

on_both_backends!(
    the_tree_matches_the_rfc_6962_reference_vectors,
    entries_are_proven_against_signed_checkpoints,
    inspectors_record_the_checkpoint_they_compared_against,
);

// ---- offline verification of a data dir (SQLite) ----

#[actix_web::test]
async fn verify_names_rows_changed_inserted_or_deleted_behind_the_api() {
    use diesel::connection::SimpleConnection;
    let app = TestApp::new().await;
    let a = app.post_entry(V1A, expense("V-1", "2024-03-12", 95_000)).await;
    let b = app.post_entry(V1A, expense("V-2", "2024-03-13", 500)).await;
    app.post(
        "clerk1",
        &format!("/api/v1/villages/{V1A}/periods/2024-03/close"),
        json!({}),
    )
    .await;
    let dir = app.dir.path().to_str().unwrap().to_owned();
    let (ok, out) = run_cli(&["verify", "--data-dir", &dir]);
    assert!(ok, "{out}");
    assert!(out.contains("0 problem(s)"), "{out}");

    // Whoever runs the server drops the guard and edits, deletes and inserts rows.
    let (a, b) = (a["id"].as_str().unwrap(), b["id"].as_str().unwrap());
    app.conn()
        .batch_execute(&format!(
            "DROP TRIGGER entries_append_only_update; DROP TRIGGER entries_append_only_delete;
             UPDATE entries SET amount_fen = 9500 WHERE id = '{a}';
             DELETE FROM entries WHERE id = '{b}';
             INSERT INTO entries (id, village_code, fiscal_year, period, voucher_no, occurred_on, posted_at, direction, amount_fen,
               account_code, settlement_account_code, counterparty, description, posted_by)
             VALUES ('en_forged', '{V1A}', 2024, '2024-03', 'V-3', '2024-03-14', '2024-03-14 00:00:00', 'expense', 1, '513', '101', 'x', 'y', 'clerk1');"
        ))
        .unwrap();
    let (ok, out) = run_cli(&["verify", "--data-dir", &dir]);
    assert!(!ok, "{out}");
    assert!(
        out.contains(&format!("entry {a}")) && out.contains("amount_fen: logged 95000, now 9500"),
        "{out}"
    );
    assert!(out.contains(&format!("entry {b}")) && out.contains("deleted"), "{out}");
    assert!(
        out.contains("entry en_forged") && out.contains("not in the log"),
        "{out}"
    );
}

#[actix_web::test]
async fn verify_proof_checks_one_entry_without_the_server() {
    let app = TestApp::new().await;
    let e = app.post_entry(V1A, expense("P-1", "2024-03-12", 95_000)).await;
    app.post_entry(V1A, expense("P-2", "2024-03-12", 1)).await;
    checkpoint_now(&app).await;
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, body: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, body).unwrap();
        p.to_str().unwrap().to_owned()
    };
    let key = write("key", &text(&app, "/api/v1/log/key").await);
    let cp = write("checkpoint", &text(&app, "/api/v1/log/checkpoint").await);
    let proof = app
        .get(
            "villager1a",
            &format!("/api/v1/entries/{}/proof", e["id"].as_str().unwrap()),
        )
        .await
        .json();
    let good = write("proof", &proof.to_string());
    let (ok, out) = run_cli(&["verify-proof", "--checkpoint", &cp, "--proof", &good, "--key", &key]);
    assert!(ok, "{out}");
    assert!(out.contains("95000"), "{out}");
    let mut forged = proof.clone();
    let leaf = String::from_utf8(STANDARD.decode(proof["leaf"].as_str().unwrap()).unwrap()).unwrap();
    forged["leaf"] = json!(STANDARD.encode(leaf.replace("95000", "9500")));
    let bad = write("forged", &forged.to_string());
    let (ok, out) = run_cli(&["verify-proof", "--checkpoint", &cp, "--proof", &bad, "--key", &key]);
    assert!(!ok, "a forged leaf must not verify: {out}");
    let tampered_cp = write(
        "cp2",
        &text(&app, "/api/v1/log/checkpoint").await.replace("\n2\n", "\n3\n"),
    );
    let (ok, _) = run_cli(&[
        "verify-proof",
        "--checkpoint",
        &tampered_cp,
        "--proof",
        &good,
        "--key",
        &key,
    ]);
    assert!(!ok, "an altered checkpoint must not verify");
}

// ---- the `finding` leaf, encoded here from the README's description ----

/// The canonical bytes of a `finding` leaf, built by hand from a finding as the API shows it
/// (`GET /api/v1/findings/{id}`), in the member order the README gives: not the server's
/// encoder, so a leaf that says something else than the finding is caught.
pub(crate) fn finding_leaf_bytes(f: &Value) -> Vec<u8> {
    let s = |v: &Value| serde_json::to_string(v).unwrap();
    let evidence: Vec<String> = f["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let (reference, detail) = match e["kind"].as_str().unwrap() {
                "flag" => {
                    let ids: Vec<&str> = e["entries"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|x| x.as_str().unwrap())
                        .collect();
                    (e["rule"].clone(), json!(ids.join(",")))
                }
                "reconciliation" => (e["period"].clone(), e["result"].clone()),
                _ => (e["id"].clone(), Value::Null),
            };
            format!(
                r#"{{"kind":{},"ref":{},"detail":{}}}"#,
                s(&e["kind"]),
                s(&reference),
                s(&detail)
            )
        })
        .collect();
    let at = chrono::DateTime::parse_from_rfc3339(f["recorded_at"].as_str().unwrap())
        .unwrap()
        .naive_utc()
        .format("%Y-%m-%dT%H:%M:%S%.6fZ");
    format!(
        r#"{{"v":1,"kind":"finding","id":{},"inspection_id":{},"village_code":{},"township_code":{},"checklist_item":{},"category":{},"description":{},"amount_fen":{},"requires_rectification":{},"rectify_by":{},"evidence":[{}],"recorded_by":{},"recorded_at":"{at}"}}"#,
        s(&f["id"]),
        s(&f["inspection_id"]),
        s(&f["village_code"]),
        s(&f["township_code"]),
        s(&f["checklist_item"]),
        s(&f["category"]),
        s(&f["description"]),
        s(&f["amount_fen"]),
        s(&f["requires_rectification"]),
        s(&f["rectify_by"]),
        evidence.join(","),
        s(&f["recorded_by"]),
    )
    .into_bytes()
}
