//! The generated county's transparency log, as the app would have written it: a leaf for every
//! entry and every month close (`crate::tlog::leaf`, encoding version 1), the complete subtree
//! nodes of the RFC 6962 tree, the log size, and one signed checkpoint over the whole county,
//! which every close records as the checkpoint that includes it.
//!
//! Leaves are appended village by village in commit order: each month's entries, then the
//! month's close. The tree is built in memory from its right frontier (one hash per level), so
//! appending two million leaves costs two million leaf hashes and as many node hashes, written
//! in multi-row inserts like the entries.

use std::borrow::Cow;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::store::IMPORTER;
use super::village::GenEntry;
use crate::db::DbConn;
use crate::db::schema::{log_leaves, log_nodes, log_state};
use crate::domain::{AccountCode, Direction, EntryId};
use crate::ledger::entries::EntryRow;
use crate::tlog::leaf::{KIND_ENTRY, KIND_PERIOD_CLOSE, close_leaf, close_object_id};
use crate::tlog::{Hash, leaf_hash, node_hash};

/// Rows per INSERT: leaves carry their ~600-byte encoding.
const ROWS_PER_INSERT: usize = 500;

/// One leaf of the log.
pub struct Leaf {
    pub kind: &'static str,
    pub object_id: String,
    pub bytes: Vec<u8>,
    pub hash: Hash,
}

fn leaf(kind: &'static str, object_id: String, bytes: Vec<u8>) -> Leaf {
    let hash = leaf_hash(&bytes);
    Leaf {
        kind,
        object_id,
        bytes,
        hash,
    }
}

/// The leaf of a generated finding, as the workflow encodes it.
pub fn finding_leaf(object_id: String, bytes: Vec<u8>) -> Leaf {
    leaf(crate::tlog::leaf::KIND_FINDING, object_id, bytes)
}

fn entry_row(village: &str, e: &GenEntry<'_>) -> EntryRow {
    EntryRow {
        seq: 0,
        id: e.id.clone().into(),
        village_code: village.to_owned(),
        fiscal_year: e.fiscal_year,
        period: e.period.clone(),
        voucher_no: e.voucher_no.clone(),
        occurred_on: e.occurred_on,
        posted_at: e.posted_at,
        direction: if e.direction == "income" {
            Direction::Income
        } else {
            Direction::Expense
        },
        amount_fen: e.amount_fen,
        account_code: AccountCode::from_stored(e.account_code.to_owned()),
        settlement_account_code: AccountCode::from_stored(e.settlement_account_code.to_owned()),
        counterparty: e.counterparty.clone().into_owned(),
        description: e.description.to_owned(),
        project: e.project.clone().map(Cow::into_owned),
        fund_source: e.fund_source.map(str::to_owned),
        posted_by: IMPORTER.to_owned(),
        reverses: e.reverses.clone().map(EntryId::from),
        reversal_reason: e.reversal_reason.map(str::to_owned),
        tender_ref: e.tender_ref.clone(),
    }
}

/// The leaves of one village in commit order: a month's entries (in voucher order), then its
/// close, for every month in `closes` (`(YYYY-MM, closed_at)`, in order).
pub fn village_leaves(village: &str, rows: &[GenEntry<'_>], closes: &[(String, NaiveDateTime)]) -> Vec<Leaf> {
    let mut out = Vec::with_capacity(rows.len() + closes.len());
    let mut pending = closes.iter().peekable();
    let close = |(period, at): &(String, NaiveDateTime)| {
        let bytes = close_leaf(village, period, *at, IMPORTER);
        leaf(KIND_PERIOD_CLOSE, close_object_id(village, period), bytes)
    };
    for e in rows {
        while let Some(c) = pending.next_if(|(period, _)| *period < e.period) {
            out.push(close(c));
        }
        out.push(leaf(KIND_ENTRY, e.id.clone(), entry_row(village, e).leaf().encode()));
    }
    out.extend(pending.map(close));
    out
}

/// The right frontier of the tree: for each level, the last complete subtree that still waits
/// for its right sibling.
#[derive(Default)]
pub struct Frontier {
    pub size: u64,
    left: Vec<Hash>,
}

impl Frontier {
    /// Appends a leaf hash; adds to `nodes` every subtree it completes, `(level, idx, hash)`,
    /// exactly the nodes `crate::tlog::append` stores.
    pub fn push(&mut self, hash: Hash, nodes: &mut Vec<(i32, i64, Hash)>) {
        let (mut level, mut idx, mut hash) = (0usize, self.size, hash);
        nodes.push((0, idx as i64, hash));
        while idx % 2 == 1 {
            hash = node_hash(&self.left[level], &hash);
            level += 1;
            idx /= 2;
            nodes.push((level as i32, idx as i64, hash));
        }
        if self.left.len() <= level {
            self.left.resize(level + 1, [0; 32]);
        }
        self.left[level] = hash;
        self.size += 1;
    }
}

/// Stores `leaves` from index `frontier.size` on, and the nodes they complete.
pub fn append(conn: &mut DbConn, frontier: &mut Frontier, leaves: &[Leaf]) -> QueryResult<()> {
    let mut nodes = Vec::with_capacity(leaves.len() * 2);
    for chunk in leaves.chunks(ROWS_PER_INSERT) {
        let first = frontier.size as i64;
        for l in chunk {
            frontier.push(l.hash, &mut nodes);
        }
        let values = || {
            chunk
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    (
                        log_leaves::idx.eq(first + i as i64),
                        log_leaves::kind.eq(l.kind),
                        log_leaves::object_id.eq(l.object_id.as_str()),
                        log_leaves::leaf.eq(l.bytes.as_slice()),
                        log_leaves::leaf_hash.eq(l.hash.as_slice()),
                    )
                })
                .collect::<Vec<_>>()
        };
        match conn {
            DbConn::Sqlite(c) => diesel::insert_into(log_leaves::table).values(values()).execute(c)?,
            DbConn::Pg(c) => diesel::insert_into(log_leaves::table).values(values()).execute(c)?,
        };
    }
    for chunk in nodes.chunks(ROWS_PER_INSERT) {
        let values = || {
            chunk
                .iter()
                .map(|(level, idx, hash)| {
                    (
                        log_nodes::level.eq(*level),
                        log_nodes::idx.eq(*idx),
                        log_nodes::hash.eq(hash.as_slice()),
                    )
                })
                .collect::<Vec<_>>()
        };
        match conn {
            DbConn::Sqlite(c) => diesel::insert_into(log_nodes::table).values(values()).execute(c)?,
            DbConn::Pg(c) => diesel::insert_into(log_nodes::table).values(values()).execute(c)?,
        };
    }
    Ok(())
}

/// Records the log's size; call in the transaction that signs the checkpoint.
pub fn set_size(conn: &mut DbConn, size: u64) -> QueryResult<usize> {
    diesel::update(log_state::table.find(1))
        .set(log_state::size.eq(size as i64))
        .execute(conn)
}
