//! The CSV export: UTF-8 with a BOM (so Excel opens it right), the import's own headers, one
//! row per entry, so an export imports back unchanged. Text cells that begin with `=`, `+`, `-`
//! or `@` are written behind a `'` (the import takes it off), so Excel never runs a formula.

use std::io::Write;

use chrono::NaiveDate;

use super::ExchangeError;
use super::columns::{EXPORT_FIELDS, Field};
use super::rows::guard;
use super::source::{ExportEntry, ExportWriter, Month, yuan};
use crate::db::DbConn;
use crate::ledger::villages::VillageRow;

pub struct CsvWriter<'w> {
    out: std::io::BufWriter<&'w mut dyn Write>,
    line: String,
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
        })
    }
}

/// The cell of `field` for `entry`, as text; `guarded`: texts that a spreadsheet would read as a
/// formula are written behind a `'`.
pub fn cell(entry: &ExportEntry, month: &Month, field: Field, guarded: bool) -> String {
    let reversed = entry.reverses.as_ref().and_then(|id| month.reversed.get(id));
    let text = |t: &str| if guarded { guard(t).into_owned() } else { t.to_owned() };
    match field {
        Field::Village => entry.village_code.clone(),
        Field::VoucherNo => text(&entry.voucher_no),
        Field::VoucherLine => entry.voucher_line.to_string(),
        Field::OccurredOn => entry.occurred_on.to_string(),
        Field::PostedAt => entry.posted_at.format("%Y-%m-%d %H:%M:%S").to_string(),
        Field::Direction => entry.direction.as_str().to_owned(),
        Field::Account => entry.account_code.clone(),
        Field::Settlement => entry.settlement_account_code.clone(),
        Field::Amount => yuan(entry.amount_fen),
        Field::Counterparty => text(&entry.counterparty),
        Field::Description => text(&entry.description),
        Field::Project => entry.project.as_deref().map(text).unwrap_or_default(),
        Field::FundSource => entry.fund_source.as_deref().map(text).unwrap_or_default(),
        Field::TenderRef => entry.tender_ref.as_deref().map(text).unwrap_or_default(),
        Field::ReversesYear => reversed.map(|r| r.year.to_string()).unwrap_or_default(),
        Field::ReversesVoucher => reversed.map(|r| text(&r.voucher_no)).unwrap_or_default(),
        Field::ReversesLine => reversed.map(|r| r.line.to_string()).unwrap_or_default(),
        Field::ReversalReason => entry.reversal_reason.as_deref().map(text).unwrap_or_default(),
        Field::Debit | Field::Credit => String::new(),
    }
}

/// A CSV field: quoted when it holds a separator, a quote or a line break.
fn push_field(line: &mut String, value: &str) {
    if value.contains([',', '"', '\n', '\r']) {
        line.push('"');
        line.push_str(&value.replace('"', "\"\""));
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
        for entry in &month.entries {
            self.line.clear();
            for (i, field) in EXPORT_FIELDS.iter().enumerate() {
                if i > 0 {
                    self.line.push(',');
                }
                push_field(&mut self.line, &cell(entry, month, *field, true));
            }
            self.line.push_str("\r\n");
            self.out.write_all(self.line.as_bytes())?;
        }
        Ok(())
    }

    fn finish(&mut self) -> Result<(), ExchangeError> {
        self.out.flush()?;
        Ok(())
    }
}
