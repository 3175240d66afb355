//! What an export reads: the villages of its scope, one village-month of entries at a time (so a
//! county's export holds one village-month in memory, never the county), each entry with what it
//! reverses and the SHA-256 of its receipts.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::ExchangeError;
use crate::db::DbConn;
use crate::db::schema::{entries, receipts};
use crate::domain::{Direction, Period};
use crate::ledger::villages::{VillageRow, cash_and_bank_movement};

/// The formats of an export.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    /// UTF-8 with BOM, the import's own headers.
    Csv,
    /// One sheet per month with totals, and a cover sheet.
    Xlsx,
    /// An hledger journal.
    Journal,
}

impl ExportFormat {
    pub fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Csv => "text/csv; charset=utf-8",
            ExportFormat::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ExportFormat::Journal => "text/plain; charset=utf-8",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Xlsx => "xlsx",
            ExportFormat::Journal => "journal",
        }
    }
}

/// An export: the villages (already checked against the caller's scope) and the dates.
#[derive(Clone, Debug)]
pub struct ExportRequest {
    pub villages: Vec<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub format: ExportFormat,
}

/// One entry as exported.
#[derive(Clone, Debug, Queryable)]
pub struct ExportEntry {
    pub id: String,
    pub village_code: String,
    pub fiscal_year: i32,
    pub voucher_no: String,
    pub voucher_line: i32,
    pub occurred_on: NaiveDate,
    pub posted_at: NaiveDateTime,
    pub direction: Direction,
    pub amount_fen: i64,
    pub account_code: String,
    pub settlement_account_code: String,
    pub counterparty: String,
    pub description: String,
    pub project: Option<String>,
    pub fund_source: Option<String>,
    pub tender_ref: Option<String>,
    pub reverses: Option<String>,
    pub reversal_reason: Option<String>,
}

/// What a reversal reverses: the original's fiscal year, voucher and line.
#[derive(Clone, Debug)]
pub struct Reversed {
    pub year: i32,
    pub voucher_no: String,
    pub line: i32,
}

/// One village-month of entries, ordered by date, voucher and line (an order of their content
/// alone, so an import of the export exports in the same order).
pub struct Month {
    pub village: VillageRow,
    pub period: Period,
    pub entries: Vec<ExportEntry>,
    pub reversed: HashMap<String, Reversed>,
    pub receipts: HashMap<String, Vec<String>>,
}

/// Where the formats write: called once per village, once per village-month in order, and at
/// the end.
pub trait ExportWriter {
    fn village(
        &mut self,
        conn: &mut DbConn,
        village: &VillageRow,
        from: Option<NaiveDate>,
    ) -> Result<(), ExchangeError>;
    fn month(&mut self, month: &Month) -> Result<(), ExchangeError>;
    fn finish(&mut self) -> Result<(), ExchangeError>;
}

pub fn load_month(
    conn: &mut DbConn,
    village: &VillageRow,
    period: Period,
    request: &ExportRequest,
) -> Result<Month, ExchangeError> {
    // The month as a range of `occurred_on` (an entry's period is the month of that date): one
    // range of the `(village_code, occurred_on)` index, where `period = ?` read every entry of
    // the village for each of its months.
    let first = request
        .from
        .map_or(period.first_day(), |from| from.max(period.first_day()));
    let end = period.next().first_day();
    let mut query = entries::table
        .filter(entries::village_code.eq(&village.code))
        .filter(entries::occurred_on.ge(first))
        .filter(entries::occurred_on.lt(end))
        .into_boxed();
    if let Some(to) = request.to {
        query = query.filter(entries::occurred_on.le(to));
    }
    let rows: Vec<ExportEntry> = query
        .order((entries::occurred_on, entries::voucher_no, entries::voucher_line))
        .select((
            entries::id,
            entries::village_code,
            entries::fiscal_year,
            entries::voucher_no,
            entries::voucher_line,
            entries::occurred_on,
            entries::posted_at,
            entries::direction,
            entries::amount_fen,
            entries::account_code,
            entries::settlement_account_code,
            entries::counterparty,
            entries::description,
            entries::project,
            entries::fund_source,
            entries::tender_ref,
            entries::reverses,
            entries::reversal_reason,
        ))
        .load(conn)?;
    let originals: Vec<&str> = rows.iter().filter_map(|e| e.reverses.as_deref()).collect();
    let mut reversed = HashMap::new();
    for chunk in originals.chunks(500) {
        let found: Vec<(String, i32, String, i32)> = entries::table
            .filter(entries::id.eq_any(chunk))
            .select((
                entries::id,
                entries::fiscal_year,
                entries::voucher_no,
                entries::voucher_line,
            ))
            .load(conn)?;
        for (id, year, voucher_no, line) in found {
            reversed.insert(id, Reversed { year, voucher_no, line });
        }
    }
    let mut receipts_of: HashMap<String, Vec<String>> = HashMap::new();
    if request.format == ExportFormat::Journal {
        let found: Vec<(String, String)> = receipts::table
            .filter(receipts::village_code.eq(&village.code))
            .filter(
                receipts::entry_id.eq_any(
                    entries::table
                        .filter(entries::village_code.eq(&village.code))
                        .filter(entries::occurred_on.ge(period.first_day()))
                        .filter(entries::occurred_on.lt(end))
                        .select(entries::id),
                ),
            )
            .order((receipts::entry_id, receipts::sha256))
            .select((receipts::entry_id, receipts::sha256))
            .load(conn)?;
        for (entry, sha) in found {
            receipts_of.entry(entry).or_default().push(sha);
        }
    }
    Ok(Month {
        village: village.clone(),
        period,
        entries: rows,
        reversed,
        receipts: receipts_of,
    })
}

/// The village's cash (101) and bank (102) balances at the start of `day` (or at the end).
pub fn cash_and_bank(
    conn: &mut DbConn,
    village: &VillageRow,
    day: Option<NaiveDate>,
) -> Result<(i64, i64), ExchangeError> {
    let (cash, bank) = cash_and_bank_movement(conn, &village.code, day)?;
    Ok((village.opening_cash_fen + cash, village.opening_bank_fen + bank))
}

/// Fen as yuan with two decimals, exactly: `-1234.50`.
pub fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}
