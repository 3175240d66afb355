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
use crate::db::schema::log_state;
use crate::domain::{AccountCode, Direction, EntryId};
use crate::ledger::entries::EntryRow;
use crate::tlog::leaf::{KIND_ENTRY, KIND_PERIOD_CLOSE, close_leaf, close_object_id};

pub use crate::tlog::batch::{Frontier, Leaf, store as append};

fn leaf(kind: &'static str, object_id: String, bytes: Vec<u8>) -> Leaf {
    Leaf::new(kind, object_id, bytes)
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

/// Records the log's size; call in the transaction that signs the checkpoint.
pub fn set_size(conn: &mut DbConn, size: u64) -> QueryResult<usize> {
    diesel::update(log_state::table.find(1))
        .set(log_state::size.eq(size as i64))
        .execute(conn)
}
