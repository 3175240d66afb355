//! The canonical leaf encoding, version 1.
//!
//! A leaf is one JSON object in UTF-8, without whitespace, with its members in the order
//! listed below, as `serde_json` writes it (strings escape only `"`, `\` and control
//! characters; integers are plain decimals; absent optional values are `null`). Its first
//! member `v` is the encoding version; `kind` says what it records:
//!
//! - `entry` (also reversals): `v, kind, id, village_code, voucher_no, fiscal_year, period,
//!   occurred_on (YYYY-MM-DD), posted_at (YYYY-MM-DDTHH:MM:SS.ffffffZ), direction, amount_fen,
//!   account_code, settlement_account_code, counterparty, description, project, fund_source,
//!   posted_by, reverses, reversal_reason[, tender_ref]` — `tender_ref` (a project's tender
//!   reference) is present only when the entry has one; leaves without it are unchanged.
//! - `period_close`: `v, kind, village_code, period, closed_at, closed_by`
//! - `receipt`: `v, kind, id, entry_id, village_code, sha256 (of the untouched original, hex),
//!   content_type, byte_size, uploaded_by, uploaded_at`
//! - `receipt_withdrawal`: `v, kind, receipt_id, reason, withdrawn_by, withdrawn_at`
//!
//! A phone app does not need to re-encode: it hashes the leaf bytes it is given, checks the
//! inclusion proof, then parses the same bytes as JSON to show what they say.

use chrono::NaiveDateTime;
use serde::Serialize;

use crate::ledger::entries::EntryRow;
use crate::ledger::receipts::{ReceiptRow, WithdrawalRow};

pub const VERSION: u32 = 1;
pub const KIND_ENTRY: &str = "entry";
pub const KIND_PERIOD_CLOSE: &str = "period_close";
pub const KIND_RECEIPT: &str = "receipt";
pub const KIND_RECEIPT_WITHDRAWAL: &str = "receipt_withdrawal";

fn timestamp(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

#[derive(Serialize)]
struct EntryLeaf<'a> {
    v: u32,
    kind: &'a str,
    id: &'a str,
    village_code: &'a str,
    voucher_no: &'a str,
    fiscal_year: i32,
    period: &'a str,
    occurred_on: String,
    posted_at: String,
    direction: &'a str,
    amount_fen: i64,
    account_code: &'a str,
    settlement_account_code: &'a str,
    counterparty: &'a str,
    description: &'a str,
    project: Option<&'a str>,
    fund_source: Option<&'a str>,
    posted_by: &'a str,
    reverses: Option<&'a str>,
    reversal_reason: Option<&'a str>,
    /// Absent (not `null`) when the entry has none, so leaves written before the field
    /// existed keep their bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    tender_ref: Option<&'a str>,
}

pub fn entry_leaf(row: &EntryRow) -> Vec<u8> {
    let leaf = EntryLeaf {
        v: VERSION,
        kind: KIND_ENTRY,
        id: &row.id,
        village_code: &row.village_code,
        voucher_no: &row.voucher_no,
        fiscal_year: row.fiscal_year,
        period: &row.period,
        occurred_on: row.occurred_on.format("%Y-%m-%d").to_string(),
        posted_at: timestamp(row.posted_at),
        direction: &row.direction,
        amount_fen: row.amount_fen,
        account_code: &row.account_code,
        settlement_account_code: &row.settlement_account_code,
        counterparty: &row.counterparty,
        description: &row.description,
        project: row.project.as_deref(),
        fund_source: row.fund_source.as_deref(),
        posted_by: &row.posted_by,
        reverses: row.reverses.as_deref(),
        reversal_reason: row.reversal_reason.as_deref(),
        tender_ref: row.tender_ref.as_deref(),
    };
    serde_json::to_vec(&leaf).unwrap_or_default()
}

#[derive(Serialize)]
struct CloseLeaf<'a> {
    v: u32,
    kind: &'a str,
    village_code: &'a str,
    period: &'a str,
    closed_at: String,
    closed_by: &'a str,
}

/// The object id of a month close in the log: `VILLAGE/YYYY-MM`.
pub fn close_object_id(village: &str, period: &str) -> String {
    format!("{village}/{period}")
}

pub fn close_leaf(village: &str, period: &str, closed_at: NaiveDateTime, closed_by: &str) -> Vec<u8> {
    let leaf = CloseLeaf {
        v: VERSION,
        kind: KIND_PERIOD_CLOSE,
        village_code: village,
        period,
        closed_at: timestamp(closed_at),
        closed_by,
    };
    serde_json::to_vec(&leaf).unwrap_or_default()
}

#[derive(Serialize)]
struct ReceiptLeaf<'a> {
    v: u32,
    kind: &'a str,
    id: &'a str,
    entry_id: &'a str,
    village_code: &'a str,
    sha256: &'a str,
    content_type: &'a str,
    byte_size: i64,
    uploaded_by: &'a str,
    uploaded_at: String,
}

pub fn receipt_leaf(row: &ReceiptRow) -> Vec<u8> {
    let leaf = ReceiptLeaf {
        v: VERSION,
        kind: KIND_RECEIPT,
        id: &row.id,
        entry_id: &row.entry_id,
        village_code: &row.village_code,
        sha256: &row.sha256,
        content_type: &row.content_type,
        byte_size: row.byte_size,
        uploaded_by: &row.uploaded_by,
        uploaded_at: timestamp(row.uploaded_at),
    };
    serde_json::to_vec(&leaf).unwrap_or_default()
}

#[derive(Serialize)]
struct WithdrawalLeaf<'a> {
    v: u32,
    kind: &'a str,
    receipt_id: &'a str,
    reason: &'a str,
    withdrawn_by: &'a str,
    withdrawn_at: String,
}

pub fn withdrawal_leaf(row: &WithdrawalRow) -> Vec<u8> {
    let leaf = WithdrawalLeaf {
        v: VERSION,
        kind: KIND_RECEIPT_WITHDRAWAL,
        receipt_id: &row.receipt_id,
        reason: &row.reason,
        withdrawn_by: &row.withdrawn_by,
        withdrawn_at: timestamp(row.withdrawn_at),
    };
    serde_json::to_vec(&leaf).unwrap_or_default()
}
