//! Entry rows, their JSON view, and the lookups every other ledger module shares.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::DbConn;
use crate::db::schema::entries;
use crate::db::types::{DateColumn, TimestampColumn};
use crate::domain::{AccountCode, Direction, EntryId};
use crate::ledger::{LedgerError, Result};
use crate::tlog::leaf::EntryLeaf;

/// One row of `entries`.
#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = entries)]
pub struct EntryRow {
    #[diesel(skip_insertion)]
    pub seq: i64,
    pub id: EntryId,
    pub village_code: String,
    pub fiscal_year: i32,
    pub period: String,
    pub voucher_no: String,
    #[diesel(deserialize_as = DateColumn)]
    pub occurred_on: NaiveDate,
    #[diesel(deserialize_as = TimestampColumn)]
    pub posted_at: NaiveDateTime,
    pub direction: Direction,
    pub amount_fen: i64,
    pub account_code: AccountCode,
    pub settlement_account_code: AccountCode,
    pub counterparty: String,
    pub description: String,
    pub project: Option<String>,
    pub fund_source: Option<String>,
    pub posted_by: String,
    pub reverses: Option<EntryId>,
    pub reversal_reason: Option<String>,
    pub tender_ref: Option<String>,
}

/// A line item as clients see it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(example = json!({
    "id": "en_5d1c0e7a9b3f4c2d8e6a1b0c",
    "village_code": "331022002201",
    "voucher_no": "2024-017",
    "fiscal_year": 2024,
    "period": "2024-03",
    "occurred_on": "2024-03-12",
    "posted_at": "2024-03-13T02:15:00Z",
    "direction": "expense",
    "amount_fen": 95000,
    "account_code": "514",
    "settlement_account_code": "101",
    "counterparty": "王小平",
    "description": "付村祠堂传送瓦片人工费",
    "project": "祠堂翻修工程",
    "fund_source": null,
    "tender_ref": null,
    "posted_by": "clerk-zhuao",
    "reverses": null,
    "reversal_reason": null,
    "reversed_by": null,
    "receipt_count": 1
}))]
pub struct Entry {
    /// Opaque id.
    pub id: String,
    pub village_code: String,
    /// Bookkeeping voucher number (凭证号), unique per village and fiscal year.
    pub voucher_no: String,
    pub fiscal_year: i32,
    /// `YYYY-MM`, from `occurred_on`.
    pub period: String,
    pub occurred_on: NaiveDate,
    pub posted_at: DateTime<Utc>,
    /// `income` or `expense`.
    pub direction: String,
    /// Integer fen; negative only on a red-ink reversal.
    pub amount_fen: i64,
    pub account_code: String,
    pub settlement_account_code: String,
    pub counterparty: String,
    pub description: String,
    pub project: Option<String>,
    pub fund_source: Option<String>,
    /// Tender reference (招标编号) of the project's public tender, on the entries that pay for it.
    pub tender_ref: Option<String>,
    /// Username of the clerk who posted it.
    pub posted_by: String,
    /// The entry this one reverses (red-ink reversal), if any.
    pub reverses: Option<String>,
    pub reversal_reason: Option<String>,
    /// The reversal of this entry, if it has been reversed.
    pub reversed_by: Option<String>,
    /// How many receipt scans are attached (withdrawn ones included).
    pub receipt_count: i64,
    /// The receipts, on a single entry (`GET /api/v1/entries/{id}`); absent in listings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipts: Option<Vec<crate::ledger::receipts::Receipt>>,
}

impl EntryRow {
    /// What the entry's leaf in the transparency log records.
    pub fn leaf(&self) -> EntryLeaf<'_> {
        EntryLeaf {
            id: self.id.as_str(),
            village_code: &self.village_code,
            voucher_no: &self.voucher_no,
            fiscal_year: self.fiscal_year,
            period: &self.period,
            occurred_on: self.occurred_on,
            posted_at: self.posted_at,
            direction: self.direction.as_str(),
            amount_fen: self.amount_fen,
            account_code: self.account_code.as_str(),
            settlement_account_code: self.settlement_account_code.as_str(),
            counterparty: &self.counterparty,
            description: &self.description,
            project: self.project.as_deref(),
            fund_source: self.fund_source.as_deref(),
            posted_by: &self.posted_by,
            reverses: self.reverses.as_ref().map(EntryId::as_str),
            reversal_reason: self.reversal_reason.as_deref(),
            tender_ref: self.tender_ref.as_deref(),
        }
    }
}

impl Entry {
    pub fn from_row(row: EntryRow, reversed_by: Option<String>, receipt_count: i64) -> Self {
        Entry {
            id: row.id.into_string(),
            village_code: row.village_code,
            voucher_no: row.voucher_no,
            fiscal_year: row.fiscal_year,
            period: row.period,
            occurred_on: row.occurred_on,
            posted_at: row.posted_at.and_utc(),
            direction: row.direction.as_str().to_owned(),
            amount_fen: row.amount_fen,
            account_code: row.account_code.into_string(),
            settlement_account_code: row.settlement_account_code.into_string(),
            counterparty: row.counterparty,
            description: row.description,
            project: row.project,
            fund_source: row.fund_source,
            tender_ref: row.tender_ref,
            posted_by: row.posted_by,
            reverses: row.reverses.map(EntryId::into_string),
            reversal_reason: row.reversal_reason,
            reversed_by,
            receipt_count,
            receipts: None,
        }
    }
}

/// Loads an entry by id; `NotFound` when there is none.
pub fn find_entry(conn: &mut DbConn, id: &str) -> Result<EntryRow> {
    entries::table
        .filter(entries::id.eq(id))
        .select(EntryRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| entry_not_found(id))
}

pub fn entry_not_found(id: &str) -> LedgerError {
    LedgerError::EntryNotFound { entry: id.to_owned() }
}

/// The id of the reversal of `id`, if it has been reversed.
pub fn reversal_of(conn: &mut DbConn, id: &str) -> Result<Option<String>> {
    Ok(entries::table
        .filter(entries::reverses.eq(id))
        .select(entries::id)
        .first(conn)
        .optional()?)
}

/// Turns rows into client entries with their `reversed_by` links and receipt counts, read in
/// one query from the columns the triggers keep on the rows.
pub fn with_reversal_links(conn: &mut DbConn, rows: Vec<EntryRow>) -> Result<Vec<Entry>> {
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    let kept: Vec<(String, Option<String>, i32)> = if ids.is_empty() {
        Vec::new()
    } else {
        entries::table
            .filter(entries::id.eq_any(&ids))
            .select((entries::id, entries::reversed_by, entries::receipt_count))
            .load(conn)?
    };
    let kept: std::collections::HashMap<String, (Option<String>, i32)> =
        kept.into_iter().map(|(id, link, count)| (id, (link, count))).collect();
    Ok(rows
        .into_iter()
        .map(|row| {
            let (reversed_by, count) = kept.get(row.id.as_str()).cloned().unwrap_or_default();
            Entry::from_row(row, reversed_by, i64::from(count))
        })
        .collect())
}
