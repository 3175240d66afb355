//! The XLSX export (rust_xlsxwriter): a cover sheet (the villages, the period, opening and closing
//! cash and bank balances, when it was generated, the transparency log's latest checkpoint), then
//! one sheet per month with the import's columns and the month's totals. Amounts are numbers with
//! two decimals (fen / 100, exact to the fen as shown); texts are written as strings, so one that
//! begins with `=`, `+`, `-` or `@` is never a formula. Month sheets are written in constant-memory
//! mode (rows go to temporary files as they are written).

use std::io::Write;

use chrono::NaiveDate;
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use super::ExchangeError;
use super::columns::{EXPORT_FIELDS, Field};
use super::source::{ExportRequest, ExportWriter, Month, cash_and_bank};
use crate::db::DbConn;
use crate::domain::{Direction, Period};
use crate::ledger::villages::VillageRow;

pub struct XlsxWriter {
    workbook: Workbook,
    money: Format,
    bold: Format,
    cover_row: u32,
    /// The month sheet being written: its index, period, next row and totals.
    sheet: Option<(usize, Period, u32, i64, i64)>,
    sheets: usize,
}

impl From<XlsxError> for ExchangeError {
    fn from(e: XlsxError) -> Self {
        ExchangeError::Workbook(e.to_string())
    }
}

impl XlsxWriter {
    pub fn new(conn: &mut DbConn, request: &ExportRequest) -> Result<Self, ExchangeError> {
        let mut workbook = Workbook::new();
        let bold = Format::new().set_bold();
        let money = Format::new().set_num_format("0.00");
        let cover = workbook.add_worksheet();
        cover.set_name("封面")?;
        let checkpoint = crate::tlog::checkpoint::latest(conn).map_err(crate::ledger::LedgerError::from)?;
        let checkpoint = checkpoint.map_or_else(String::new, |c| {
            let root: String = c.root_hash.iter().map(|b| format!("{b:02x}")).collect();
            format!("{} {root}", c.size)
        });
        let period = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        let facts = [
            ("期间起 from", period(request.from)),
            ("期间止 to", period(request.to)),
            (
                "生成时间 generated at (UTC)",
                crate::domain::clock::now_utc().format("%Y-%m-%d %H:%M:%S").to_string(),
            ),
            ("透明日志检查点 checkpoint (size root)", checkpoint),
        ];
        for (row, (name, value)) in facts.iter().enumerate() {
            cover.write_string_with_format(row as u32, 0, *name, &bold)?;
            cover.write_string(row as u32, 1, value)?;
        }
        let headers = ["村代码", "村名", "期初现金", "期初银行存款", "期末现金", "期末银行存款"];
        for (column, header) in headers.iter().enumerate() {
            cover.write_string_with_format(5, column as u16, *header, &bold)?;
        }
        Ok(XlsxWriter {
            workbook,
            money,
            bold,
            cover_row: 6,
            sheet: None,
            sheets: 1,
        })
    }

    fn close_sheet(&mut self) -> Result<(), ExchangeError> {
        if let Some((index, _, row, income, expense)) = self.sheet.take() {
            let (bold, money) = (self.bold.clone(), self.money.clone());
            let sheet = self.workbook.worksheet_from_index(index)?;
            let amount = amount_column();
            sheet.write_string_with_format(row + 1, 0, "本月收入合计", &bold)?;
            sheet.write_number_with_format(row + 1, amount, fen_number(income), &money)?;
            sheet.write_string_with_format(row + 2, 0, "本月支出合计", &bold)?;
            sheet.write_number_with_format(row + 2, amount, fen_number(expense), &money)?;
        }
        Ok(())
    }

    fn open_sheet(&mut self, period: Period) -> Result<(), ExchangeError> {
        self.close_sheet()?;
        let bold = self.bold.clone();
        let sheet: &mut Worksheet = self.workbook.add_worksheet_with_constant_memory()?;
        sheet.set_name(period.to_string())?;
        for (column, field) in EXPORT_FIELDS.iter().enumerate() {
            sheet.write_string_with_format(0, column as u16, field.export_header(), &bold)?;
        }
        self.sheet = Some((self.sheets, period, 1, 0, 0));
        self.sheets += 1;
        Ok(())
    }

    /// Writes the workbook to `out`.
    pub fn save(mut self, out: &mut (dyn Write + Send)) -> Result<(), ExchangeError> {
        self.close_sheet()?;
        self.workbook.save_to_writer(out)?;
        Ok(())
    }
}

fn amount_column() -> u16 {
    EXPORT_FIELDS.iter().position(|f| *f == Field::Amount).unwrap_or(0) as u16
}

/// Fen as a number of yuan: the double nearest to the decimal, which shows exactly with two
/// decimals (every fen amount the ledger accepts is below 2^53).
pub fn fen_number(fen: i64) -> f64 {
    fen as f64 / 100.0
}

impl ExportWriter for XlsxWriter {
    fn village(
        &mut self,
        conn: &mut DbConn,
        village: &VillageRow,
        from: Option<NaiveDate>,
    ) -> Result<(), ExchangeError> {
        let opening_day = from.map_or(village.opening_date, |f| f.max(village.opening_date));
        let (open_cash, open_bank) = cash_and_bank(conn, village, Some(opening_day))?;
        let (close_cash, close_bank) = cash_and_bank(conn, village, None)?;
        let (row, money) = (self.cover_row, self.money.clone());
        let cover = self.workbook.worksheet_from_index(0)?;
        cover.write_string(row, 0, &village.code)?;
        cover.write_string(row, 1, &village.name)?;
        for (column, fen) in [open_cash, open_bank, close_cash, close_bank].into_iter().enumerate() {
            cover.write_number_with_format(row, column as u16 + 2, fen_number(fen), &money)?;
        }
        self.cover_row += 1;
        Ok(())
    }

    fn month(&mut self, month: &Month) -> Result<(), ExchangeError> {
        if month.entries.is_empty() {
            return Ok(());
        }
        if self.sheet.as_ref().is_none_or(|s| s.1 != month.period) {
            self.open_sheet(month.period)?;
        }
        let Some((index, period, mut row, mut income, mut expense)) = self.sheet.take() else {
            return Ok(());
        };
        let money = self.money.clone();
        let sheet = self.workbook.worksheet_from_index(index)?;
        for entry in &month.entries {
            for (column, field) in EXPORT_FIELDS.iter().enumerate() {
                let column = column as u16;
                if *field == Field::Amount {
                    sheet.write_number_with_format(row, column, fen_number(entry.amount_fen), &money)?;
                } else {
                    let text = super::csv_out::cell(entry, month, *field, false);
                    if !text.is_empty() {
                        sheet.write_string(row, column, &text)?;
                    }
                }
            }
            match entry.direction {
                Direction::Income => income += entry.amount_fen,
                Direction::Expense => expense += entry.amount_fen,
            }
            row += 1;
        }
        self.sheet = Some((index, period, row, income, expense));
        Ok(())
    }

    fn finish(&mut self) -> Result<(), ExchangeError> {
        Ok(())
    }
}
