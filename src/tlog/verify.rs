//! Offline verification of a data dir (`village-ledger verify`): every leaf is recomputed from
//! the rows it records and compared with the stored leaf, rows without a leaf and leaves
//! without a row are named, and every signed checkpoint is checked against a tree rebuilt from
//! the leaves and against its signature.

use std::collections::HashSet;

use diesel::prelude::*;
use serde_json::Value;

use crate::api::problem::ApiResult;
use crate::db::DbConn;
use crate::db::schema::{closed_periods, entries, log_checkpoints, log_leaves, receipt_withdrawals, receipts};
use crate::ledger::entries::EntryRow;
use crate::ledger::receipts::{ReceiptRow, WithdrawalRow};
use crate::tlog::checkpoint::{LogSigner, StoredCheckpoint};
use crate::tlog::leaf::{
    KIND_ENTRY, KIND_PERIOD_CLOSE, KIND_RECEIPT, KIND_RECEIPT_WITHDRAWAL, close_leaf, close_object_id, entry_leaf,
    receipt_leaf, withdrawal_leaf,
};
use crate::tlog::proof::verify_checkpoint;
use crate::tlog::{Hash, Tree, leaf_hash, node_hash};

/// What verification found.
#[derive(Debug, Default)]
pub struct Report {
    pub leaves: u64,
    pub checkpoints: u64,
    pub problems: Vec<String>,
}

/// The perfect subtrees of the leaves seen so far, largest first: enough to give the root of
/// the tree at the current size.
#[derive(Default)]
struct CompactRange {
    stack: Vec<(u32, Hash)>,
    size: u64,
}

impl CompactRange {
    fn push(&mut self, leaf: Hash) {
        let mut node = (0u32, leaf);
        while let Some(&(level, left)) = self.stack.last() {
            if level != node.0 {
                break;
            }
            self.stack.pop();
            node = (level + 1, node_hash(&left, &node.1));
        }
        self.stack.push(node);
        self.size += 1;
    }

    fn root(&self) -> Hash {
        let mut iter = self.stack.iter().rev();
        let Some(&(_, mut root)) = iter.next() else {
            return crate::tlog::empty_root();
        };
        for (_, left) in iter {
            root = node_hash(left, &root);
        }
        root
    }
}

/// Names the fields in which two leaf encodings differ.
fn differing_fields(stored: &[u8], recomputed: &[u8]) -> String {
    let (Ok(Value::Object(a)), Ok(Value::Object(b))) = (
        serde_json::from_slice::<Value>(stored),
        serde_json::from_slice::<Value>(recomputed),
    ) else {
        return "the stored leaf is not valid JSON".into();
    };
    let mut fields: Vec<String> = a
        .iter()
        .filter(|(k, v)| b.get(*k) != Some(*v))
        .map(|(k, v)| format!("{k}: logged {v}, now {}", b.get(k).unwrap_or(&Value::Null)))
        .collect();
    fields.extend(
        b.keys()
            .filter(|k| !a.contains_key(*k))
            .map(|k| format!("{k}: not logged")),
    );
    fields.join("; ")
}

const CHUNK: i64 = 5_000;

/// A stored leaf: index, kind, object id, bytes, leaf hash.
type LeafRow = (i64, String, String, Vec<u8>, Vec<u8>);

/// Whether the stored original of `sha256` still has exactly those bytes.
fn original_intact(store: &crate::receipts::ReceiptStore, sha256: &str) -> Result<(), String> {
    use sha2::Digest;
    let path = store.original_path(sha256).map_err(|e| e.to_string())?;
    let mut file = std::fs::File::open(&path).map_err(|_| "its original file is missing".to_owned())?;
    let mut hasher = sha2::Sha256::new();
    std::io::copy(&mut file, &mut hasher).map_err(|e| e.to_string())?;
    let actual: String = hasher.finalize().iter().map(|b| format!("{b:02x}")).collect();
    if actual == sha256 {
        Ok(())
    } else {
        Err(format!("its original file was altered (now SHA-256 {actual})"))
    }
}

pub fn verify(conn: &mut DbConn, signer: &LogSigner, store: &crate::receipts::ReceiptStore) -> ApiResult<Report> {
    let mut report = Report::default();
    let checkpoints: Vec<StoredCheckpoint> = log_checkpoints::table
        .order(log_checkpoints::size)
        .select(StoredCheckpoint::as_select())
        .load(conn)?;
    let vkey = signer.verifier_key();
    let mut next_checkpoint = checkpoints.iter().peekable();
    let mut range = CompactRange::default();
    let mut logged: HashSet<String> = HashSet::new();
    let mut check_checkpoints = |range: &CompactRange, report: &mut Report| {
        while let Some(cp) = next_checkpoint.peek() {
            if cp.size as u64 != range.size {
                break;
            }
            report.checkpoints += 1;
            let root = range.root();
            if root.as_slice() != cp.root_hash.as_slice() {
                report
                    .problems
                    .push(format!("checkpoint {}: its root does not match the leaves", cp.size));
            }
            match verify_checkpoint(&cp.note, &vkey) {
                Ok(v) if v.size == cp.size as u64 && v.root == root => {}
                Ok(_) => report.problems.push(format!(
                    "checkpoint {}: the signed note does not match the leaves",
                    cp.size
                )),
                Err(e) => report.problems.push(format!("checkpoint {}: {e}", cp.size)),
            }
            next_checkpoint.next();
        }
    };
    check_checkpoints(&range, &mut report);
    let mut after = -1i64;
    loop {
        let rows: Vec<LeafRow> = log_leaves::table
            .filter(log_leaves::idx.gt(after))
            .order(log_leaves::idx)
            .limit(CHUNK)
            .select((
                log_leaves::idx,
                log_leaves::kind,
                log_leaves::object_id,
                log_leaves::leaf,
                log_leaves::leaf_hash,
            ))
            .load(conn)?;
        let Some(last) = rows.last() else { break };
        after = last.0;
        for (idx, kind, object_id, leaf, stored_hash) in rows {
            if idx as u64 != range.size {
                report
                    .problems
                    .push(format!("leaf {}: missing from the log", range.size));
            }
            let hash = leaf_hash(&leaf);
            if hash.as_slice() != stored_hash.as_slice() {
                report.problems.push(format!(
                    "leaf {idx} ({kind} {object_id}): its stored hash does not match its bytes"
                ));
            }
            range.push(hash);
            report.leaves += 1;
            check_checkpoints(&range, &mut report);
            let recomputed = match kind.as_str() {
                KIND_ENTRY => entries::table
                    .filter(entries::id.eq(&object_id))
                    .select(EntryRow::as_select())
                    .first(conn)
                    .optional()?
                    .map(|row| entry_leaf(&row)),
                KIND_PERIOD_CLOSE => {
                    let (village, period) = object_id.split_once('/').unwrap_or((&object_id, ""));
                    closed_periods::table
                        .find((village, period))
                        .select((closed_periods::closed_at, closed_periods::closed_by))
                        .first::<(chrono::NaiveDateTime, String)>(conn)
                        .optional()?
                        .map(|(at, by)| close_leaf(village, period, at, &by))
                }
                KIND_RECEIPT => {
                    let row = receipts::table
                        .find(&object_id)
                        .select(ReceiptRow::as_select())
                        .first(conn)
                        .optional()?;
                    if let Some(row) = &row
                        && let Err(why) = original_intact(store, &row.sha256)
                    {
                        report.problems.push(format!("receipt {object_id} (leaf {idx}): {why}"));
                    }
                    row.map(|row| receipt_leaf(&row))
                }
                KIND_RECEIPT_WITHDRAWAL => receipt_withdrawals::table
                    .find(&object_id)
                    .select(WithdrawalRow::as_select())
                    .first(conn)
                    .optional()?
                    .map(|row| withdrawal_leaf(&row)),
                other => {
                    report.problems.push(format!("leaf {idx}: unknown kind {other}"));
                    continue;
                }
            };
            match recomputed {
                None => report
                    .problems
                    .push(format!("{kind} {object_id} (leaf {idx}): deleted from the database")),
                Some(now) if now != leaf => report.problems.push(format!(
                    "{kind} {object_id} (leaf {idx}): changed behind the API — {}",
                    differing_fields(&leaf, &now)
                )),
                Some(_) => {}
            }
            logged.insert(format!("{kind}:{object_id}"));
        }
    }
    for cp in next_checkpoint {
        report.problems.push(format!(
            "checkpoint {}: signed for more leaves than the log holds",
            cp.size
        ));
    }
    let ids: Vec<String> = entries::table.select(entries::id).load(conn)?;
    for id in ids {
        if !logged.contains(&format!("{KIND_ENTRY}:{id}")) {
            report.problems.push(format!(
                "entry {id}: in the database but not in the log (inserted behind the API)"
            ));
        }
    }
    let closes: Vec<(String, String)> = closed_periods::table
        .select((closed_periods::village_code, closed_periods::period))
        .load(conn)?;
    for (village, period) in closes {
        if !logged.contains(&format!("{KIND_PERIOD_CLOSE}:{}", close_object_id(&village, &period))) {
            report.problems.push(format!(
                "month close {village}/{period}: in the database but not in the log"
            ));
        }
    }
    let receipt_ids: Vec<String> = receipts::table.select(receipts::id).load(conn)?;
    for id in receipt_ids {
        if !logged.contains(&format!("{KIND_RECEIPT}:{id}")) {
            report
                .problems
                .push(format!("receipt {id}: in the database but not in the log"));
        }
    }
    let withdrawn: Vec<String> = receipt_withdrawals::table
        .select(receipt_withdrawals::receipt_id)
        .load(conn)?;
    for id in withdrawn {
        if !logged.contains(&format!("{KIND_RECEIPT_WITHDRAWAL}:{id}")) {
            report.problems.push(format!(
                "withdrawal of receipt {id}: in the database but not in the log"
            ));
        }
    }
    let stored_size = crate::tlog::size(conn)?;
    if stored_size != range.size {
        report.problems.push(format!(
            "the log says it has {stored_size} leaves; {} were found",
            range.size
        ));
    } else if Tree::new(conn).root(range.size)? != range.root() {
        report
            .problems
            .push("the stored tree nodes do not match the leaves".into());
    }
    Ok(report)
}
