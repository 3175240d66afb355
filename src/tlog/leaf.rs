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
//! The log knows nothing of the records' tables: whoever records something builds one of the
//! leaf types below from its own values and appends [`EntryLeaf::encode`] & co.
//!
//! A phone app does not need to re-encode: it hashes the leaf bytes it is given, checks the
//! inclusion proof, then parses the same bytes as JSON to show what they say.

use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;

pub const VERSION: u32 = 1;
pub const KIND_ENTRY: &str = "entry";
pub const KIND_PERIOD_CLOSE: &str = "period_close";
pub const KIND_RECEIPT: &str = "receipt";
pub const KIND_RECEIPT_WITHDRAWAL: &str = "receipt_withdrawal";

fn timestamp(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// What the leaf of a ledger entry (or reversal) records.
#[derive(Debug, Clone, Copy)]
pub struct EntryLeaf<'a> {
    pub id: &'a str,
    pub village_code: &'a str,
    pub voucher_no: &'a str,
    pub fiscal_year: i32,
    pub period: &'a str,
    pub occurred_on: NaiveDate,
    pub posted_at: NaiveDateTime,
    pub direction: &'a str,
    pub amount_fen: i64,
    pub account_code: &'a str,
    pub settlement_account_code: &'a str,
    pub counterparty: &'a str,
    pub description: &'a str,
    pub project: Option<&'a str>,
    pub fund_source: Option<&'a str>,
    pub posted_by: &'a str,
    pub reverses: Option<&'a str>,
    pub reversal_reason: Option<&'a str>,
    pub tender_ref: Option<&'a str>,
}

#[derive(Serialize)]
struct EntryLeafV1<'a> {
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

impl EntryLeaf<'_> {
    /// The canonical leaf bytes.
    pub fn encode(&self) -> Vec<u8> {
        let leaf = EntryLeafV1 {
            v: VERSION,
            kind: KIND_ENTRY,
            id: self.id,
            village_code: self.village_code,
            voucher_no: self.voucher_no,
            fiscal_year: self.fiscal_year,
            period: self.period,
            occurred_on: self.occurred_on.format("%Y-%m-%d").to_string(),
            posted_at: timestamp(self.posted_at),
            direction: self.direction,
            amount_fen: self.amount_fen,
            account_code: self.account_code,
            settlement_account_code: self.settlement_account_code,
            counterparty: self.counterparty,
            description: self.description,
            project: self.project,
            fund_source: self.fund_source,
            posted_by: self.posted_by,
            reverses: self.reverses,
            reversal_reason: self.reversal_reason,
            tender_ref: self.tender_ref,
        };
        serde_json::to_vec(&leaf).unwrap_or_default()
    }
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

/// What the leaf of a receipt attachment records.
#[derive(Debug, Clone, Copy)]
pub struct ReceiptLeaf<'a> {
    pub id: &'a str,
    pub entry_id: &'a str,
    pub village_code: &'a str,
    /// SHA-256 of the untouched original, hex.
    pub sha256: &'a str,
    pub content_type: &'a str,
    pub byte_size: i64,
    pub uploaded_by: &'a str,
    pub uploaded_at: NaiveDateTime,
}

#[derive(Serialize)]
struct ReceiptLeafV1<'a> {
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

impl ReceiptLeaf<'_> {
    /// The canonical leaf bytes.
    pub fn encode(&self) -> Vec<u8> {
        let leaf = ReceiptLeafV1 {
            v: VERSION,
            kind: KIND_RECEIPT,
            id: self.id,
            entry_id: self.entry_id,
            village_code: self.village_code,
            sha256: self.sha256,
            content_type: self.content_type,
            byte_size: self.byte_size,
            uploaded_by: self.uploaded_by,
            uploaded_at: timestamp(self.uploaded_at),
        };
        serde_json::to_vec(&leaf).unwrap_or_default()
    }
}

/// What the leaf of a receipt's withdrawal records.
#[derive(Debug, Clone, Copy)]
pub struct WithdrawalLeaf<'a> {
    pub receipt_id: &'a str,
    pub reason: &'a str,
    pub withdrawn_by: &'a str,
    pub withdrawn_at: NaiveDateTime,
}

#[derive(Serialize)]
struct WithdrawalLeafV1<'a> {
    v: u32,
    kind: &'a str,
    receipt_id: &'a str,
    reason: &'a str,
    withdrawn_by: &'a str,
    withdrawn_at: String,
}

impl WithdrawalLeaf<'_> {
    /// The canonical leaf bytes.
    pub fn encode(&self) -> Vec<u8> {
        let leaf = WithdrawalLeafV1 {
            v: VERSION,
            kind: KIND_RECEIPT_WITHDRAWAL,
            receipt_id: self.receipt_id,
            reason: self.reason,
            withdrawn_by: self.withdrawn_by,
            withdrawn_at: timestamp(self.withdrawn_at),
        };
        serde_json::to_vec(&leaf).unwrap_or_default()
    }
}
