//! Offline verification of a data dir (`village-ledger verify`): every leaf is recomputed from
//! the rows it records and compared with the stored leaf, rows without a leaf and leaves
//! without a row are named, and every signed checkpoint is checked against a tree rebuilt from
//! the leaves and against its signature.
//!
//! It sits above the ledger and the log: it reads the ledger's rows and the log's leaves, and
//! neither of them knows it.

use crate::i18n::{Msg, money};
use crate::msg;
use std::collections::{HashSet, VecDeque};

use diesel::prelude::*;
use serde_json::Value;

use crate::db::DbConn;
use crate::db::schema::{closed_periods, entries, log_checkpoints, log_leaves, receipt_withdrawals, receipts};
use crate::ledger::entries::EntryRow;
use crate::ledger::receipts::{ReceiptRow, WithdrawalRow};
use crate::receipts::ReceiptStore;
use crate::tlog::checkpoint::{LogSigner, StoredCheckpoint};
use crate::tlog::compact::CompactRange;
use crate::tlog::leaf::{
    KIND_ENTRY, KIND_FINDING, KIND_PERIOD_CLOSE, KIND_RECEIPT, KIND_RECEIPT_WITHDRAWAL, close_leaf, close_object_id,
};
use crate::tlog::proof::verify_checkpoint;
use crate::tlog::{TlogError, Tree, leaf_hash};

/// What verification found.
#[derive(Debug, Default)]
pub struct Report {
    pub leaves: u64,
    pub checkpoints: u64,
    pub problems: Vec<Msg>,
}

/// Why verification could not run to the end (what it found is in the [`Report`]).
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("cannot read the database")]
    Database(#[from] diesel::result::Error),
    #[error(transparent)]
    Tlog(#[from] TlogError),
    #[error("reading a finding")]
    Finding(#[source] crate::workflow::WorkflowError),
}

const CHUNK: i64 = 5_000;

/// A stored leaf: index, kind, object id, bytes, leaf hash.
type LeafRow = (i64, String, String, Vec<u8>, Vec<u8>);

/// Verifies the data dir behind `conn` and `store` against the log signed by `signer`.
pub fn verify(conn: &mut DbConn, signer: &LogSigner, store: &ReceiptStore) -> Result<Report, VerifyError> {
    let checkpoints: Vec<StoredCheckpoint> = log_checkpoints::table
        .order(log_checkpoints::size)
        .select(StoredCheckpoint::as_select())
        .load(conn)?;
    let mut run = Run {
        verifier_key: signer.verifier_key(),
        checkpoints: checkpoints.into(),
        range: CompactRange::default(),
        logged: HashSet::new(),
        report: Report::default(),
    };
    run.check_due_checkpoints();
    run.check_leaves(conn, store)?;
    run.check_checkpoints_beyond_the_log();
    run.check_rows_without_leaves(conn)?;
    run.check_stored_tree(conn)?;
    run.check_monthly_totals(conn)?;
    run.check_entry_links(conn)?;
    Ok(run.report)
}

/// What the database gives now for a logged record.
enum Recomputed {
    /// The leaf its row encodes to.
    Leaf(Vec<u8>),
    /// The row is gone.
    RowGone,
    /// The leaf's kind is unknown (a problem already noted).
    UnknownKind,
}

/// The state of one verification: the tree rebuilt so far and what was logged.
struct Run {
    verifier_key: String,
    /// Signed checkpoints not yet reached, smallest first.
    checkpoints: VecDeque<StoredCheckpoint>,
    range: CompactRange,
    /// `kind:object_id` of every leaf seen.
    logged: HashSet<String>,
    report: Report,
}

impl Run {
    fn problem(&mut self, text: Msg) {
        self.report.problems.push(text);
    }

    /// Checks every signed checkpoint of the size the rebuilt tree has now.
    fn check_due_checkpoints(&mut self) {
        while let Some(cp) = self.checkpoints.front() {
            if cp.size as u64 != self.range.size() {
                break;
            }
            let Some(cp) = self.checkpoints.pop_front() else { break };
            self.report.checkpoints += 1;
            let root = self.range.root();
            if root.as_slice() != cp.root_hash.as_slice() {
                self.problem(msg!("verify-checkpoint-root", size = cp.size));
            }
            match verify_checkpoint(&cp.note, &self.verifier_key) {
                Ok(v) if v.size == cp.size as u64 && v.root == root => {}
                Ok(_) => self.problem(msg!("verify-checkpoint-note", size = cp.size)),
                Err(e) => self.problem(msg!(
                    "verify-checkpoint-signature",
                    size = cp.size,
                    reason = e.to_string()
                )),
            }
        }
    }

    /// Reads the leaves in order, chunk by chunk, and checks each one.
    fn check_leaves(&mut self, conn: &mut DbConn, store: &ReceiptStore) -> Result<(), VerifyError> {
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
            let Some(last) = rows.last() else { return Ok(()) };
            after = last.0;
            for row in rows {
                self.check_leaf(conn, store, row)?;
            }
        }
    }

    /// One leaf: its place, its hash, the checkpoints it completes, and the record it logs.
    fn check_leaf(&mut self, conn: &mut DbConn, store: &ReceiptStore, row: LeafRow) -> Result<(), VerifyError> {
        let (idx, kind, object_id, leaf, stored_hash) = row;
        if idx as u64 != self.range.size() {
            self.problem(msg!("verify-leaf-missing", leaf = self.range.size()));
        }
        let hash = leaf_hash(&leaf);
        if hash.as_slice() != stored_hash.as_slice() {
            self.problem(msg!(
                "verify-leaf-hash",
                leaf = idx,
                kind = kind.as_str(),
                object = object_id.as_str()
            ));
        }
        self.range.push(hash);
        self.report.leaves += 1;
        self.check_due_checkpoints();
        match self.recompute(conn, store, idx, &kind, &object_id)? {
            Recomputed::UnknownKind => return Ok(()),
            Recomputed::RowGone => self.problem(msg!(
                "verify-row-deleted",
                kind = kind.as_str(),
                object = object_id.as_str(),
                leaf = idx
            )),
            Recomputed::Leaf(now) if now != leaf => self.problem(msg!(
                "verify-row-changed",
                kind = kind.as_str(),
                object = object_id.as_str(),
                leaf = idx,
                fields = differing_fields(&leaf, &now)
            )),
            Recomputed::Leaf(_) => {}
        }
        self.logged.insert(format!("{kind}:{object_id}"));
        Ok(())
    }

    /// The leaf the database's row of a logged record gives now.
    fn recompute(
        &mut self,
        conn: &mut DbConn,
        store: &ReceiptStore,
        idx: i64,
        kind: &str,
        object_id: &str,
    ) -> Result<Recomputed, VerifyError> {
        let leaf = match kind {
            KIND_ENTRY => entries::table
                .filter(entries::id.eq(object_id))
                .select(EntryRow::as_select())
                .first(conn)
                .optional()?
                .map(|row| row.leaf().encode()),
            KIND_PERIOD_CLOSE => {
                let (village, period) = object_id.split_once('/').unwrap_or((object_id, ""));
                closed_periods::table
                    .find((village, period))
                    .select((closed_periods::closed_at, closed_periods::closed_by))
                    .first::<(chrono::NaiveDateTime, String)>(conn)
                    .optional()?
                    .map(|(at, by)| close_leaf(village, period, at, &by))
            }
            KIND_RECEIPT => {
                let row = receipts::table
                    .find(object_id)
                    .select(ReceiptRow::as_select())
                    .first(conn)
                    .optional()?;
                if let Some(row) = &row
                    && let Err(why) = original_intact(store, &row.sha256)
                {
                    let why = match why {
                        OriginalFault::NoPath(reason) => msg!("verify-original-unreadable", reason = reason),
                        OriginalFault::Missing => msg!("verify-original-missing"),
                        OriginalFault::Unreadable(e) => msg!("verify-original-unreadable", reason = e.to_string()),
                        OriginalFault::Altered { actual } => msg!("verify-original-altered", actual = actual),
                    };
                    self.problem(msg!("verify-receipt", receipt = object_id, leaf = idx, why = why));
                }
                row.map(|row| row.leaf().encode())
            }
            KIND_RECEIPT_WITHDRAWAL => receipt_withdrawals::table
                .find(object_id)
                .select(WithdrawalRow::as_select())
                .first(conn)
                .optional()?
                .map(|row| row.leaf().encode()),
            KIND_FINDING => crate::workflow::findings::finding_leaf(conn, object_id).map_err(VerifyError::Finding)?,
            other => {
                self.problem(msg!("verify-unknown-kind", leaf = idx, kind = other));
                return Ok(Recomputed::UnknownKind);
            }
        };
        Ok(leaf.map_or(Recomputed::RowGone, Recomputed::Leaf))
    }

    /// Checkpoints left over were signed for leaves the log no longer holds.
    fn check_checkpoints_beyond_the_log(&mut self) {
        for cp in std::mem::take(&mut self.checkpoints) {
            self.problem(msg!("verify-checkpoint-beyond", size = cp.size));
        }
    }

    /// Names every record in the database that no leaf logs (inserted behind the API).
    fn check_rows_without_leaves(&mut self, conn: &mut DbConn) -> Result<(), VerifyError> {
        let ids: Vec<String> = entries::table.select(entries::id).load(conn)?;
        for id in ids {
            if !self.logged.contains(&format!("{KIND_ENTRY}:{id}")) {
                self.problem(msg!("verify-entry-unlogged", entry = id.as_str()));
            }
        }
        let closes: Vec<(String, String)> = closed_periods::table
            .select((closed_periods::village_code, closed_periods::period))
            .load(conn)?;
        for (village, period) in closes {
            if !self
                .logged
                .contains(&format!("{KIND_PERIOD_CLOSE}:{}", close_object_id(&village, &period)))
            {
                self.problem(msg!(
                    "verify-close-unlogged",
                    village = village.as_str(),
                    period = period.as_str()
                ));
            }
        }
        let receipt_ids: Vec<String> = receipts::table.select(receipts::id).load(conn)?;
        for id in receipt_ids {
            if !self.logged.contains(&format!("{KIND_RECEIPT}:{id}")) {
                self.problem(msg!("verify-receipt-unlogged", receipt = id.as_str()));
            }
        }
        let withdrawn: Vec<String> = receipt_withdrawals::table
            .select(receipt_withdrawals::receipt_id)
            .load(conn)?;
        for id in withdrawn {
            if !self.logged.contains(&format!("{KIND_RECEIPT_WITHDRAWAL}:{id}")) {
                self.problem(msg!("verify-withdrawal-unlogged", receipt = id.as_str()));
            }
        }
        let finding_ids: Vec<String> = crate::db::schema::findings::table
            .select(crate::db::schema::findings::id)
            .load(conn)?;
        for id in finding_ids {
            if !self.logged.contains(&format!("{KIND_FINDING}:{id}")) {
                self.problem(msg!("findings-verify-unlogged", finding = id.as_str()));
            }
        }
        Ok(())
    }

    /// The stored size and tree nodes agree with the leaves read.
    fn check_stored_tree(&mut self, conn: &mut DbConn) -> Result<(), VerifyError> {
        let stored_size = crate::tlog::size(conn)?;
        let size = self.range.size();
        if stored_size != size {
            self.problem(msg!("verify-size", stored = stored_size, found = size));
        } else if Tree::new(conn).root(size)? != self.range.root() {
            self.problem(msg!("verify-tree"));
        }
        Ok(())
    }
}

impl Run {
    /// The monthly aggregates the summaries read equal a recomputation from the entries.
    fn check_monthly_totals(&mut self, conn: &mut DbConn) -> Result<(), VerifyError> {
        use crate::db::schema::monthly_totals as mt;
        use diesel::dsl::sql;
        use diesel::sql_types::BigInt;
        type Bucket = (String, String, String, String, String);
        let recomputed: Vec<(String, String, String, String, String, i64, i64)> = entries::table
            .group_by((
                entries::village_code,
                entries::period,
                entries::account_code,
                entries::settlement_account_code,
                entries::direction,
            ))
            .select((
                entries::village_code,
                entries::period,
                entries::account_code,
                entries::settlement_account_code,
                sql::<diesel::sql_types::Text>("direction"),
                sql::<BigInt>("CAST(SUM(amount_fen) AS BIGINT)"),
                sql::<BigInt>("CAST(COUNT(*) AS BIGINT)"),
            ))
            .load(conn)?;
        let stored: Vec<(String, String, String, String, String, i64, i64)> = mt::table
            .select((
                mt::village_code,
                mt::period,
                mt::account_code,
                mt::settlement_account_code,
                mt::direction,
                mt::total_fen,
                mt::entry_count,
            ))
            .load(conn)?;
        let mut expected: std::collections::BTreeMap<Bucket, (i64, i64)> = recomputed
            .into_iter()
            .map(|(v, p, a, s, d, total, count)| ((v, p, a, s, d), (total, count)))
            .collect();
        for (v, p, a, s, d, total, count) in stored {
            let found = expected.remove(&(v.clone(), p.clone(), a.clone(), s.clone(), d.clone()));
            if found != Some((total, count)) && !(found.is_none() && total == 0 && count == 0) {
                let (want_total, want_count) = found.unwrap_or_default();
                self.problem(msg!(
                    "verify-monthly-totals",
                    village = v.as_str(),
                    period = p.as_str(),
                    account = format!("{a}/{s} {d}"),
                    stored = money(total),
                    stored_count = count,
                    entries = money(want_total),
                    entries_count = want_count
                ));
            }
        }
        for ((v, p, a, s, d), (total, count)) in expected {
            self.problem(msg!(
                "verify-monthly-totals",
                village = v.as_str(),
                period = p.as_str(),
                account = format!("{a}/{s} {d}"),
                stored = money(0),
                stored_count = 0,
                entries = money(total),
                entries_count = count
            ));
        }
        Ok(())
    }
}

/// An entry whose kept reversal link or receipt count differs from a recomputation.
#[derive(QueryableByName)]
struct LinkMismatch {
    #[diesel(sql_type = diesel::sql_types::Text)]
    id: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    reversed_by: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    reversal: Option<String>,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    receipt_count: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    receipts: i64,
}

/// The entries whose kept `reversed_by` or `receipt_count` differ from the entry that reverses
/// them and the receipts attached to them (the same SQL on both backends).
const LINK_MISMATCHES_SQL: &str = "SELECT e.id, e.reversed_by, r.id AS reversal, \
        CAST(e.receipt_count AS BIGINT) AS receipt_count, CAST(COALESCE(c.n, 0) AS BIGINT) AS receipts \
    FROM entries e \
    LEFT JOIN entries r ON r.reverses = e.id \
    LEFT JOIN (SELECT entry_id, COUNT(*) AS n FROM receipts GROUP BY entry_id) c ON c.entry_id = e.id \
    WHERE COALESCE(e.reversed_by, '') <> COALESCE(r.id, '') OR e.receipt_count <> COALESCE(c.n, 0) \
    ORDER BY e.seq";

impl Run {
    /// The reversal link and receipt count kept on each entry (which listings show) equal a
    /// recomputation from the reversals and the receipts.
    fn check_entry_links(&mut self, conn: &mut DbConn) -> Result<(), VerifyError> {
        let wrong: Vec<LinkMismatch> = diesel::sql_query(LINK_MISMATCHES_SQL).load(conn)?;
        for w in wrong {
            let none = || "-".to_owned();
            self.problem(msg!(
                "verify-entry-links",
                entry = w.id.as_str(),
                stored_reversal = w.reversed_by.unwrap_or_else(none),
                stored_receipts = w.receipt_count,
                reversal = w.reversal.unwrap_or_else(none),
                receipts = w.receipts
            ));
        }
        Ok(())
    }
}

/// Names the fields in which two leaf encodings differ.
fn differing_fields(stored: &[u8], recomputed: &[u8]) -> Vec<Msg> {
    let (Ok(Value::Object(a)), Ok(Value::Object(b))) = (
        serde_json::from_slice::<Value>(stored),
        serde_json::from_slice::<Value>(recomputed),
    ) else {
        return vec![msg!("verify-leaf-not-json")];
    };
    let mut fields: Vec<Msg> = a
        .iter()
        .filter(|(k, v)| b.get(*k) != Some(*v))
        .map(|(k, v)| {
            msg!(
                "verify-field-changed",
                field = k.as_str(),
                logged = v.to_string(),
                now = b.get(k).unwrap_or(&Value::Null).to_string()
            )
        })
        .collect();
    fields.extend(
        b.keys()
            .filter(|k| !a.contains_key(*k))
            .map(|k| msg!("verify-field-unlogged", field = k.as_str())),
    );
    fields
}

/// What is wrong with the stored original of a receipt.
#[derive(Debug, thiserror::Error)]
enum OriginalFault {
    #[error("{0}")]
    NoPath(String),
    #[error("its original file is missing")]
    Missing,
    #[error("{0}")]
    Unreadable(std::io::Error),
    #[error("its original file was altered (now SHA-256 {actual})")]
    Altered { actual: String },
}

/// Whether the stored original of `sha256` still has exactly those bytes.
fn original_intact(store: &ReceiptStore, sha256: &str) -> Result<(), OriginalFault> {
    use sha2::Digest;
    let stored = store.original(sha256).map_err(|e| match e.kind() {
        std::io::ErrorKind::InvalidInput => OriginalFault::NoPath(e.to_string()),
        _ => OriginalFault::Unreadable(e),
    })?;
    let stored = stored.ok_or(OriginalFault::Missing)?;
    let mut file = std::fs::File::open(stored.path()).map_err(|_| OriginalFault::Missing)?;
    let mut hasher = sha2::Sha256::new();
    std::io::copy(&mut file, &mut hasher).map_err(OriginalFault::Unreadable)?;
    let actual: String = hasher.finalize().iter().map(|b| format!("{b:02x}")).collect();
    if actual == sha256 {
        Ok(())
    } else {
        Err(OriginalFault::Altered { actual })
    }
}
