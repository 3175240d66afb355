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
//! - `finding` (巡察发现的问题): `v, kind, id, inspection_id, village_code, township_code,
//!   checklist_item, category, description, amount_fen, requires_rectification (true|false),
//!   rectify_by (YYYY-MM-DD or null), evidence, recorded_by, recorded_at` — `evidence` is an
//!   array, in the order given, of objects `{kind, ref, detail}`: `kind` one of `entry`,
//!   `receipt`, `flag`, `reconciliation`, `report`; `ref` the entry, receipt or report id, the
//!   flag's rule, or the reconciliation's month; `detail` the flag's entry ids joined by `,`, the
//!   reconciliation's result in words, or null. A report is named by its id only: a leaf never
//!   holds who filed it.
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
pub const KIND_FINDING: &str = "finding";

fn timestamp(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

fn serialize_timestamp<S: serde::Serializer>(t: &NaiveDateTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&timestamp(*t))
}

fn serialize_date<S: serde::Serializer>(d: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&d.format("%Y-%m-%d"))
}

/// A leaf as it is hashed: the version and the kind, then the members of what it records.
#[derive(Serialize)]
struct Versioned<'a, T: Serialize> {
    v: u32,
    kind: &'a str,
    #[serde(flatten)]
    body: &'a T,
}

fn encode<T: Serialize>(kind: &str, body: &T) -> Vec<u8> {
    serde_json::to_vec(&Versioned { v: VERSION, kind, body }).unwrap_or_default()
}

/// What the leaf of a ledger entry (or reversal) records.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct EntryLeaf<'a> {
    pub id: &'a str,
    pub village_code: &'a str,
    pub voucher_no: &'a str,
    pub fiscal_year: i32,
    pub period: &'a str,
    #[serde(serialize_with = "serialize_date")]
    pub occurred_on: NaiveDate,
    #[serde(serialize_with = "serialize_timestamp")]
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
    /// Absent (not `null`) when the entry has none, so leaves written before the field
    /// existed keep their bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tender_ref: Option<&'a str>,
}

impl EntryLeaf<'_> {
    /// The canonical leaf bytes.
    pub fn encode(&self) -> Vec<u8> {
        encode(KIND_ENTRY, self)
    }
}

#[derive(Serialize)]
struct CloseLeaf<'a> {
    village_code: &'a str,
    period: &'a str,
    #[serde(serialize_with = "serialize_timestamp")]
    closed_at: NaiveDateTime,
    closed_by: &'a str,
}

/// The object id of a month close in the log: `VILLAGE/YYYY-MM`.
pub fn close_object_id(village: &str, period: &str) -> String {
    format!("{village}/{period}")
}

pub fn close_leaf(village: &str, period: &str, closed_at: NaiveDateTime, closed_by: &str) -> Vec<u8> {
    let leaf = CloseLeaf {
        village_code: village,
        period,
        closed_at,
        closed_by,
    };
    encode(KIND_PERIOD_CLOSE, &leaf)
}

/// What the leaf of a receipt attachment records.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct ReceiptLeaf<'a> {
    pub id: &'a str,
    pub entry_id: &'a str,
    pub village_code: &'a str,
    /// SHA-256 of the untouched original, hex.
    pub sha256: &'a str,
    pub content_type: &'a str,
    pub byte_size: i64,
    pub uploaded_by: &'a str,
    #[serde(serialize_with = "serialize_timestamp")]
    pub uploaded_at: NaiveDateTime,
}

impl ReceiptLeaf<'_> {
    /// The canonical leaf bytes.
    pub fn encode(&self) -> Vec<u8> {
        encode(KIND_RECEIPT, self)
    }
}

/// What the leaf of a receipt's withdrawal records.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct WithdrawalLeaf<'a> {
    pub receipt_id: &'a str,
    pub reason: &'a str,
    pub withdrawn_by: &'a str,
    #[serde(serialize_with = "serialize_timestamp")]
    pub withdrawn_at: NaiveDateTime,
}

impl WithdrawalLeaf<'_> {
    /// The canonical leaf bytes.
    pub fn encode(&self) -> Vec<u8> {
        encode(KIND_RECEIPT_WITHDRAWAL, self)
    }
}

/// One evidence link of a finding's leaf.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct EvidenceLeaf<'a> {
    pub kind: &'a str,
    #[serde(rename = "ref")]
    pub reference: &'a str,
    pub detail: Option<&'a str>,
}

fn serialize_optional_date<S: serde::Serializer>(d: &Option<NaiveDate>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => serialize_date(d, s),
        None => s.serialize_none(),
    }
}

/// What the leaf of a finding records.
#[derive(Debug, Clone, Serialize)]
pub struct FindingLeaf<'a> {
    pub id: &'a str,
    pub inspection_id: &'a str,
    pub village_code: &'a str,
    pub township_code: &'a str,
    pub checklist_item: &'a str,
    pub category: &'a str,
    pub description: &'a str,
    pub amount_fen: i64,
    pub requires_rectification: bool,
    #[serde(serialize_with = "serialize_optional_date")]
    pub rectify_by: Option<NaiveDate>,
    pub evidence: Vec<EvidenceLeaf<'a>>,
    pub recorded_by: &'a str,
    #[serde(serialize_with = "serialize_timestamp")]
    pub recorded_at: NaiveDateTime,
}

impl FindingLeaf<'_> {
    /// The canonical leaf bytes.
    pub fn encode(&self) -> Vec<u8> {
        encode(KIND_FINDING, self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f").unwrap_or_default()
    }

    fn entry(tender_ref: Option<&str>) -> EntryLeaf<'_> {
        EntryLeaf {
            id: "en_1",
            village_code: "331022102201",
            voucher_no: "记-7",
            fiscal_year: 2024,
            period: "2024-05",
            occurred_on: NaiveDate::from_ymd_opt(2024, 5, 14).unwrap_or_default(),
            posted_at: at("2024-05-15T08:01:02.123456"),
            direction: "expense",
            amount_fen: 386_000,
            account_code: "541",
            settlement_account_code: "102",
            counterparty: "三门县\"光明\"电器",
            description: "修理\\路灯",
            project: None,
            fund_source: Some("上级补助"),
            posted_by: "clerk-li",
            reverses: None,
            reversal_reason: None,
            tender_ref,
        }
    }

    /// The bytes of every kind of leaf, frozen: a leaf already in a county's log must encode
    /// the same way for as long as the log is kept.
    #[test]
    fn leaf_bytes_are_frozen() {
        let text = |bytes: Vec<u8>| String::from_utf8(bytes).unwrap_or_default();
        let entry_v1 = r#"{"v":1,"kind":"entry","id":"en_1","village_code":"331022102201","voucher_no":"记-7","fiscal_year":2024,"period":"2024-05","occurred_on":"2024-05-14","posted_at":"2024-05-15T08:01:02.123456Z","direction":"expense","amount_fen":386000,"account_code":"541","settlement_account_code":"102","counterparty":"三门县\"光明\"电器","description":"修理\\路灯","project":null,"fund_source":"上级补助","posted_by":"clerk-li","reverses":null,"reversal_reason":null"#;
        assert_eq!(text(entry(None).encode()), format!("{entry_v1}}}"));
        assert_eq!(
            text(entry(Some("SMZB-2024-03")).encode()),
            format!(r#"{entry_v1},"tender_ref":"SMZB-2024-03"}}"#)
        );
        assert_eq!(
            text(close_leaf(
                "331022102201",
                "2024-05",
                at("2024-06-01T00:00:00"),
                "clerk-li"
            )),
            r#"{"v":1,"kind":"period_close","village_code":"331022102201","period":"2024-05","closed_at":"2024-06-01T00:00:00.000000Z","closed_by":"clerk-li"}"#
        );
        let receipt = ReceiptLeaf {
            id: "rc_1",
            entry_id: "en_1",
            village_code: "331022102201",
            sha256: "ab",
            content_type: "image/jpeg",
            byte_size: 3_061_897,
            uploaded_by: "clerk-li",
            uploaded_at: at("2024-05-16T09:00:00.5"),
        };
        assert_eq!(
            text(receipt.encode()),
            r#"{"v":1,"kind":"receipt","id":"rc_1","entry_id":"en_1","village_code":"331022102201","sha256":"ab","content_type":"image/jpeg","byte_size":3061897,"uploaded_by":"clerk-li","uploaded_at":"2024-05-16T09:00:00.500000Z"}"#
        );
        let withdrawal = WithdrawalLeaf {
            receipt_id: "rc_1",
            reason: "传错了",
            withdrawn_by: "clerk-li",
            withdrawn_at: at("2024-05-17T10:00:00"),
        };
        assert_eq!(
            text(withdrawal.encode()),
            r#"{"v":1,"kind":"receipt_withdrawal","receipt_id":"rc_1","reason":"传错了","withdrawn_by":"clerk-li","withdrawn_at":"2024-05-17T10:00:00.000000Z"}"#
        );
        let finding = FindingLeaf {
            id: "fi_1",
            inspection_id: "in_1",
            village_code: "331022102201",
            township_code: "331022102000",
            checklist_item: "A-01",
            category: "relief",
            description: "虚构\"危房改造\"补助",
            amount_fen: 1_000_000,
            requires_rectification: true,
            rectify_by: NaiveDate::from_ymd_opt(2026, 5, 30),
            evidence: vec![
                EvidenceLeaf {
                    kind: "entry",
                    reference: "en_1",
                    detail: None,
                },
                EvidenceLeaf {
                    kind: "flag",
                    reference: "duplicate_payment",
                    detail: Some("en_1,en_2"),
                },
            ],
            recorded_by: "inspector-wang",
            recorded_at: at("2026-04-24T02:00:00"),
        };
        assert_eq!(
            text(finding.encode()),
            r#"{"v":1,"kind":"finding","id":"fi_1","inspection_id":"in_1","village_code":"331022102201","township_code":"331022102000","checklist_item":"A-01","category":"relief","description":"虚构\"危房改造\"补助","amount_fen":1000000,"requires_rectification":true,"rectify_by":"2026-05-30","evidence":[{"kind":"entry","ref":"en_1","detail":null},{"kind":"flag","ref":"duplicate_payment","detail":"en_1,en_2"}],"recorded_by":"inspector-wang","recorded_at":"2026-04-24T02:00:00.000000Z"}"#
        );
    }
}
