//! A large import and other clerks' postings at the same time, through the real server over TCP
//! on SQLite and PostgreSQL: while a clerk imports a file of many rows, a clerk of another
//! township posts entries one after another; every posting is answered 201 well within the
//! SQLite `busy_timeout` (10 s), the import lands whole, and the transparency log, appended to by
//! both in between, has a leaf for every entry and stored nodes that give the tree's root.

use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use diesel::prelude::*;
use village_ledger::db::schema::log_leaves;
use village_ledger::tlog::{Hash, Tree, node_hash, split};

use crate::support::*;

/// Rows of the large import (the bench measures 100,000 with the release build).
const ROWS: usize = 20_000;

/// The SQLite `busy_timeout` a posting waits out at most for the write lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Books of `rows` expense lines of 2024, each its own voucher.
fn large_books(rows: usize) -> Vec<u8> {
    let mut text = String::from("\u{feff}凭证号,行号,日期,方向,科目,结算科目,金额,对方单位,摘要\n");
    for i in 0..rows {
        let (month, day) = (1 + (i / 28) % 12, 1 + i % 28);
        let _ = writeln!(
            text,
            "IMP-{i:06},1,2024-{month:02}-{day:02},支出,513,101,{}.{:02},王小平,付祠堂翻修人工费 {i}",
            1 + i % 900,
            i % 100
        );
    }
    text.into_bytes()
}

/// The RFC 6962 root of the leaves with these hashes, computed from the hashes alone.
fn root_of(hashes: &[Hash]) -> Hash {
    if hashes.len() == 1 {
        return hashes[0];
    }
    let k = split(hashes.len() as u64) as usize;
    node_hash(&root_of(&hashes[..k]), &root_of(&hashes[k..]))
}

/// One posting of the other clerk: when it was sent and answered (since `t0`), and the status.
struct Posting {
    sent: Duration,
    answered: Duration,
    status: u16,
    answer: String,
}

async fn another_clerks_postings_during_a_large_import_answer_promptly(app: TestApp) {
    let url = app.database_url();
    let (mut server, addr) = start_server(app.dir.path(), &["--database-url", url.as_str()]);
    let books = large_books(ROWS);
    let t0 = Instant::now();
    let importing = Arc::new(AtomicBool::new(true));

    let poster = {
        let (addr, token, importing) = (addr.clone(), app.token("clerk2"), importing.clone());
        thread::spawn(move || {
            let mut postings = Vec::new();
            while importing.load(Ordering::Relaxed) {
                let sent = t0.elapsed();
                let body = expense(&format!("P-{:04}", postings.len()), "2024-05-06", 1_000);
                let (status, answer) = http(
                    &addr,
                    "POST",
                    &format!("/api/v1/villages/{V2A}/entries"),
                    Some(&token),
                    Some(&body),
                );
                postings.push(Posting {
                    sent,
                    answered: t0.elapsed(),
                    status,
                    answer: answer.to_string(),
                });
                if status != 201 {
                    break;
                }
                thread::sleep(Duration::from_millis(20));
            }
            postings
        })
    };
    // The poster is under way before the import is sent.
    thread::sleep(Duration::from_millis(200));
    let import_sent = t0.elapsed();
    let answer = send(
        &addr,
        "POST",
        &format!("/api/v1/villages/{V1A}/imports"),
        Some(&app.token("clerk1")),
        Some((
            &format!("multipart/form-data; boundary={BOUNDARY}"),
            multipart("books.csv", &books),
        )),
    );
    let import_answered = t0.elapsed();
    importing.store(false, Ordering::Relaxed);
    let postings = poster.join().expect("the poster");
    server.kill().ok();
    server.wait().ok();

    assert_eq!(answer.status, 201, "{}", answer.body);
    assert_eq!(answer.json()["created"], serde_json::json!(ROWS));
    let during: Vec<&Posting> = postings
        .iter()
        .filter(|p| p.sent >= import_sent && p.answered <= import_answered)
        .collect();
    assert!(
        !during.is_empty(),
        "postings were made while the import ran ({:?})",
        import_answered - import_sent
    );
    if let Some(refused) = postings.iter().find(|p| p.status != 201) {
        panic!("a posting during the import: {} {}", refused.status, refused.answer);
    }
    let slowest = postings.iter().map(|p| p.answered - p.sent).max().unwrap_or_default();
    assert!(
        slowest < BUSY_TIMEOUT,
        "the slowest posting waited {slowest:?} (import {:?})",
        import_answered - import_sent
    );
    eprintln!(
        "import of {ROWS} rows: {:?}; {} postings during it, the slowest answered in {slowest:?}",
        import_answered - import_sent,
        during.len()
    );

    // Every entry once, each a leaf, and the stored nodes give the root of the leaves.
    let entries = app.count("entries");
    assert_eq!(entries, ROWS as i64 + postings.len() as i64);
    assert_eq!(app.count("log_leaves"), entries);
    let mut conn = app.conn();
    let hashes: Vec<Vec<u8>> = log_leaves::table
        .order(log_leaves::idx)
        .select(log_leaves::leaf_hash)
        .load(&mut *conn)
        .expect("leaf hashes");
    let hashes: Vec<Hash> = hashes.into_iter().map(|h| h.try_into().expect("32 bytes")).collect();
    let stored = Tree::new(&mut conn).root(hashes.len() as u64).expect("root");
    assert_eq!(stored, root_of(&hashes), "the stored tree is the tree of the leaves");
}

on_both_backends!(another_clerks_postings_during_a_large_import_answer_promptly);
