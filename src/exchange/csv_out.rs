//! The CSV export: UTF-8 with a BOM (so Excel opens it right), the import's own headers, one
//! row per entry, so an export imports back unchanged. Text cells that begin with `=`, `+`, `-`
//! or `@` are written behind a `'` (the import takes it off), so Excel never runs a formula.

use std::io::Write;

use chrono::{Datelike, NaiveDate, Timelike};

use super::ExchangeError;
use super::columns::{EXPORT_FIELDS, Field};
use super::rows::guard;
use super::source::{ExportEntry, ExportWriter, Month};
use crate::db::DbConn;
use crate::ledger::villages::VillageRow;

pub struct CsvWriter<'w> {
    out: std::io::BufWriter<&'w mut dyn Write>,
    /// The rows of a village-month, and the cell being written.
    line: String,
    cell: String,
}

impl<'w> CsvWriter<'w> {
    pub fn new(out: &'w mut dyn Write) -> Result<Self, ExchangeError> {
        let mut out = std::io::BufWriter::with_capacity(64 * 1024, out);
        out.write_all(b"\xEF\xBB\xBF")?;
        let header: Vec<&str> = EXPORT_FIELDS.iter().map(|f| f.export_header()).collect();
        out.write_all(header.join(",").as_bytes())?;
        out.write_all(b"\r\n")?;
        Ok(CsvWriter {
            out,
            line: String::new(),
            cell: String::new(),
        })
    }
}

/// The cell of `field` for `entry`, as text; `guarded`: texts that a spreadsheet would read as a
/// formula are written behind a `'`.
pub fn cell(entry: &ExportEntry, month: &Month, field: Field, guarded: bool) -> String {
    let mut text = String::new();
    push_cell(&mut text, entry, month, field, guarded);
    text
}

/// Appends the cell of `field` for `entry` to `out`: dates, times and amounts formatted by hand,
/// no allocation (the county's CSV is 2 million rows of 18 cells).
fn push_cell(out: &mut String, entry: &ExportEntry, month: &Month, field: Field, guarded: bool) {
    use std::fmt::Write as _;
    let reversed = || entry.reverses.as_ref().and_then(|id| month.reversed.get(id));
    let text = |out: &mut String, t: &str| {
        if guarded {
            out.push_str(&guard(t));
        } else {
            out.push_str(t);
        }
    };
    match field {
        Field::Village => out.push_str(&entry.village_code),
        Field::VoucherNo => text(out, &entry.voucher_no),
        Field::VoucherLine => {
            let _ = write!(out, "{}", entry.voucher_line);
        }
        Field::OccurredOn => push_date(out, entry.occurred_on),
        Field::PostedAt => {
            push_date(out, entry.posted_at.date());
            let time = entry.posted_at.time();
            out.push(' ');
            push_two(out, time.hour());
            out.push(':');
            push_two(out, time.minute());
            out.push(':');
            push_two(out, time.second());
        }
        Field::Direction => out.push_str(entry.direction.as_str()),
        Field::Account => out.push_str(&entry.account_code),
        Field::Settlement => out.push_str(&entry.settlement_account_code),
        Field::Amount => push_yuan(out, entry.amount_fen),
        Field::Counterparty => text(out, &entry.counterparty),
        Field::Description => text(out, &entry.description),
        Field::Project => text(out, entry.project.as_deref().unwrap_or_default()),
        Field::FundSource => text(out, entry.fund_source.as_deref().unwrap_or_default()),
        Field::TenderRef => text(out, entry.tender_ref.as_deref().unwrap_or_default()),
        Field::ReversesYear => {
            if let Some(r) = reversed() {
                let _ = write!(out, "{}", r.year);
            }
        }
        Field::ReversesVoucher => text(out, reversed().map_or("", |r| r.voucher_no.as_str())),
        Field::ReversesLine => {
            if let Some(r) = reversed() {
                let _ = write!(out, "{}", r.line);
            }
        }
        Field::ReversalReason => text(out, entry.reversal_reason.as_deref().unwrap_or_default()),
        Field::Debit | Field::Credit => {}
    }
}

/// `YYYY-MM-DD`, as `NaiveDate`'s `Display` writes the years of a ledger (1949–2100).
fn push_date(out: &mut String, date: NaiveDate) {
    use std::fmt::Write as _;
    let year = date.year();
    if (0..10_000).contains(&year) {
        push_two(out, (year / 100) as u32);
        push_two(out, (year % 100) as u32);
        out.push('-');
        push_two(out, date.month());
        out.push('-');
        push_two(out, date.day());
    } else {
        let _ = write!(out, "{date}");
    }
}

fn push_two(out: &mut String, n: u32) {
    out.push(char::from(b'0' + (n / 10 % 10) as u8));
    out.push(char::from(b'0' + (n % 10) as u8));
}

/// Fen as yuan with two decimals, exactly: `-1234.50` (as [`super::source::yuan`]).
fn push_yuan(out: &mut String, fen: i64) {
    use std::fmt::Write as _;
    if fen < 0 {
        out.push('-');
    }
    let abs = fen.unsigned_abs();
    let _ = write!(out, "{}.", abs / 100);
    push_two(out, (abs % 100) as u32);
}

/// A CSV field: quoted when it holds a separator, a quote or a line break.
fn push_field(line: &mut String, value: &str) {
    if value.contains([',', '"', '\n', '\r']) {
        line.push('"');
        for (i, part) in value.split('"').enumerate() {
            if i > 0 {
                line.push_str("\"\"");
            }
            line.push_str(part);
        }
        line.push('"');
    } else {
        line.push_str(value);
    }
}

impl ExportWriter for CsvWriter<'_> {
    fn village(&mut self, _: &mut DbConn, _: &VillageRow, _: Option<NaiveDate>) -> Result<(), ExchangeError> {
        Ok(())
    }

    fn month(&mut self, month: &Month) -> Result<(), ExchangeError> {
        // One write per village-month: the month's rows in `line`, each cell through `cell`.
        self.line.clear();
        for entry in &month.entries {
            for (i, field) in EXPORT_FIELDS.iter().enumerate() {
                if i > 0 {
                    self.line.push(',');
                }
                self.cell.clear();
                push_cell(&mut self.cell, entry, month, *field, true);
                push_field(&mut self.line, &self.cell);
            }
            self.line.push_str("\r\n");
        }
        self.out.write_all(self.line.as_bytes())?;
        Ok(())
    }

    fn finish(&mut self) -> Result<(), ExchangeError> {
        self.out.flush()?;
        Ok(())
    }
}
