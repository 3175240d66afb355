//! Rows of an import file into import rows or problems, as the bounded sheet readers of the
//! findings upload hand them over (`crosscheck::sheet::read_rows`). The first non-blank row is
//! the header; each data row is parsed at once and only what an entry keeps is retained.

use chrono::{NaiveDate, NaiveDateTime};

use super::columns::{Field, Mapping, known_headers};
use super::report::{ImportProblem, Problems};
use crate::crosscheck::sheet::{Cell, CellError, Epoch, Row, RowSink, SheetError, cell_date, cell_text, parse_amount};
use crate::domain::{AccountCode, Direction};
use crate::msg;

/// One data row, parsed; checked against the ledger later.
#[derive(Clone, Debug)]
pub struct ImportRow {
    pub row: usize,
    pub village: Option<String>,
    pub voucher_no: String,
    pub voucher_line: i32,
    pub occurred_on: NaiveDate,
    pub posted_at: Option<NaiveDateTime>,
    pub direction: Direction,
    /// Signed: negative only on a red-ink reversal.
    pub amount_fen: i64,
    pub account_code: AccountCode,
    pub settlement_account_code: AccountCode,
    pub counterparty: String,
    pub description: String,
    pub project: Option<String>,
    pub fund_source: Option<String>,
    pub tender_ref: Option<String>,
    pub reverses: Option<Reference>,
    pub reversal_reason: Option<String>,
}

/// The voucher line a reversal row reverses.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Reference {
    pub year: i32,
    pub voucher_no: String,
    pub line: i32,
}

/// Rows and problems kept for one import, counted as their size plus their text (under the
/// retained-bytes cap, so a workbook repeating one long shared string cannot grow it further).
pub const MAX_RETAINED_BYTES: usize = 96 * 1024 * 1024;

pub struct ImportSink {
    mapping: Mapping,
    epoch: Epoch,
    max_rows: usize,
    columns: Option<Vec<(usize, Field, String)>>,
    pub data_rows: usize,
    pub rows: Vec<ImportRow>,
    pub problems: Problems,
    retained: usize,
}

impl ImportSink {
    pub fn new(mapping: Mapping, max_rows: usize) -> Self {
        Self {
            mapping,
            epoch: Epoch::Excel1900,
            max_rows,
            columns: None,
            data_rows: 0,
            rows: Vec::new(),
            problems: Problems::default(),
            retained: 0,
        }
    }

    /// Whether a header row was found at all.
    pub fn has_header(&self) -> bool {
        self.columns.is_some()
    }

    fn header(&mut self, row: &Row) {
        let mut columns: Vec<(usize, Field, String)> = Vec::new();
        for (at, cell) in &row.cells {
            let header = strip_guard(&crate::crosscheck::sheet::shown(cell));
            match self.mapping.field(&header) {
                Some(field) if columns.iter().any(|(_, f, _)| *f == field) => self.problems.push(ImportProblem::file(
                    Some(header.clone()),
                    "header-duplicate",
                    msg!("import-header-duplicate", header = header.as_str()),
                    msg!("import-expected-one-column", field = field.key()),
                )),
                Some(field) => columns.push((*at, field, header)),
                None => self.problems.push(ImportProblem::file(
                    Some(header.clone()),
                    "header-unknown",
                    msg!("import-header-unknown", header = header.as_str()),
                    msg!("import-expected-headers", headers = known_headers()),
                )),
            }
        }
        let has = |field| columns.iter().any(|(_, f, _)| *f == field);
        let mut required = vec![
            Field::VoucherNo,
            Field::OccurredOn,
            Field::Account,
            Field::Settlement,
            Field::Counterparty,
            Field::Description,
        ];
        if !(has(Field::Debit) || has(Field::Credit)) {
            required.extend([Field::Direction, Field::Amount]);
        }
        for field in required.into_iter().filter(|f| !has(*f)) {
            self.problems.push(ImportProblem::file(
                None,
                "column-missing",
                msg!(
                    "import-column-missing",
                    field = field.key(),
                    header = field.export_header()
                ),
                msg!(
                    "import-expected-column",
                    field = field.key(),
                    header = field.export_header()
                ),
            ));
        }
        self.columns = Some(columns);
    }

    fn retain(&mut self, bytes: usize) -> Result<(), SheetError> {
        self.retained += bytes;
        if self.retained > MAX_RETAINED_BYTES {
            return Err(SheetError::TooMuchText {
                max_bytes: MAX_RETAINED_BYTES as u64,
            });
        }
        Ok(())
    }
}

impl RowSink for ImportSink {
    fn set_epoch(&mut self, epoch: Epoch) {
        self.epoch = epoch;
    }

    fn push(&mut self, row: Row) -> Result<(), SheetError> {
        let Some(columns) = &self.columns else {
            self.header(&row);
            return Ok(());
        };
        self.data_rows += 1;
        if self.data_rows > self.max_rows {
            return Err(SheetError::TooManyRows {
                max_rows: self.max_rows,
            });
        }
        if !self.problems.file_level() {
            let mut parser = RowParser {
                row: &row,
                columns,
                epoch: self.epoch,
                problems: Vec::new(),
            };
            match parser.parse() {
                Some(parsed) if parser.problems.is_empty() => {
                    let text = parsed.voucher_no.len() + parsed.counterparty.len() + parsed.description.len();
                    let optional = [
                        &parsed.project,
                        &parsed.fund_source,
                        &parsed.tender_ref,
                        &parsed.reversal_reason,
                    ];
                    let text = text
                        + optional
                            .iter()
                            .map(|t| t.as_ref().map_or(0, String::len))
                            .sum::<usize>();
                    self.retain(size_of::<ImportRow>() + text)?;
                    self.rows.push(parsed);
                }
                None if parser.problems.is_empty() => {
                    // Every way `parse` fails records a problem; this keeps a row from vanishing.
                    self.problems.push(ImportProblem::row(
                        row.number,
                        None,
                        "row-unreadable",
                        msg!("import-row-unreadable"),
                        msg!("import-expected-format"),
                    ));
                }
                _ => {
                    let problems = std::mem::take(&mut parser.problems);
                    for problem in problems {
                        self.retain(size_of::<ImportProblem>() + problem.message.arg_bytes())?;
                        self.problems.push(problem);
                    }
                }
            }
        }
        Ok(())
    }
}

/// Text cells that begin with `=`, `+`, `-`, `@` (or `'` before one of these) are written by the
/// export behind a `'`, so a spreadsheet never runs them; the import takes the `'` off again.
pub fn strip_guard(text: &str) -> String {
    let mut chars = text.chars();
    match (chars.next(), chars.next()) {
        (Some('\''), Some('=' | '+' | '-' | '@' | '\'')) => text[1..].to_owned(),
        _ => text.to_owned(),
    }
}

/// The export's side of [`strip_guard`].
pub fn guard(text: &str) -> std::borrow::Cow<'_, str> {
    let mut chars = text.chars();
    match (chars.next(), chars.next()) {
        (Some('=' | '+' | '-' | '@'), _) | (Some('\''), Some('=' | '+' | '-' | '@' | '\'')) => {
            format!("'{text}").into()
        }
        _ => text.into(),
    }
}

struct RowParser<'a> {
    row: &'a Row,
    columns: &'a [(usize, Field, String)],
    epoch: Epoch,
    problems: Vec<ImportProblem>,
}

impl RowParser<'_> {
    fn cell(&self, field: Field) -> Option<(&Cell, &str)> {
        let (at, _, header) = self.columns.iter().find(|(_, f, _)| *f == field)?;
        self.row.get(*at).map(|cell| (cell, header.as_str()))
    }

    fn header(&self, field: Field) -> Option<String> {
        self.columns
            .iter()
            .find(|(_, f, _)| *f == field)
            .map(|(_, _, h)| h.clone())
    }

    fn problem(&mut self, field: Field, code: &'static str, message: crate::i18n::Msg) {
        let column = self.header(field);
        self.problems
            .push(ImportProblem::cell(self.row.number, column, field, code, message));
    }

    fn cell_problem(&mut self, field: Field, error: CellError) {
        self.problem(field, error.code(), error.msg());
    }

    fn text(&mut self, field: Field) -> Option<String> {
        let cell = self.cell(field).map(|(cell, _)| cell.clone());
        match cell_text(cell.as_ref(), self.epoch) {
            Ok(text) => text.map(|t| strip_guard(&t)),
            Err(error) => {
                self.cell_problem(field, error);
                None
            }
        }
    }

    fn required(&mut self, field: Field) -> Option<String> {
        let text = self.text(field);
        if text.is_none() && !self.problems.iter().any(|p| p.field == Some(field)) {
            self.problem(field, "cell-empty", msg!("import-cell-empty"));
        }
        text
    }

    fn date(&mut self, field: Field) -> Option<NaiveDate> {
        let cell = self.cell(field).map(|(cell, _)| cell.clone());
        cell_date(cell.as_ref(), self.epoch)
            .map_err(|error| self.cell_problem(field, error))
            .ok()
    }

    /// A signed amount: `(1,234.50)` and `-1234.5` are negative.
    fn amount(&mut self, field: Field) -> Option<i64> {
        let text = match self.cell(field).map(|(cell, _)| cell.clone()) {
            None => return None,
            Some(Cell::Text(text) | Cell::Number(text)) => text,
            Some(cell) => {
                let shown = crate::crosscheck::sheet::shown(&cell);
                self.problem(
                    field,
                    "not-an-amount",
                    msg!("cell-not-an-amount", shown = shown.as_str()),
                );
                return None;
            }
        };
        let trimmed = text.trim();
        let (negative, body) = if let Some(inner) = trimmed.strip_prefix('(').and_then(|t| t.strip_suffix(')')) {
            (true, inner)
        } else if let Some(rest) = trimmed.strip_prefix(['-', '−']) {
            (true, rest)
        } else {
            (false, trimmed)
        };
        match parse_amount(body, 2) {
            Ok(fen) => Some(if negative { -fen } else { fen }),
            Err(fault) => {
                let error = CellError::Amount {
                    shown: crate::crosscheck::sheet::shown(&Cell::Text(text.clone())),
                    fault,
                };
                self.cell_problem(field, error);
                None
            }
        }
    }

    /// A whole number from 1, or `Some(None)` for an empty cell.
    fn whole(&mut self, field: Field) -> Option<Option<i32>> {
        let before = self.problems.len();
        let Some(text) = self.text(field) else {
            return (self.problems.len() == before).then_some(None);
        };
        match text.parse::<i32>() {
            Ok(n) if n >= 1 => Some(Some(n)),
            _ => {
                self.problem(
                    field,
                    "not-a-number",
                    msg!("import-not-a-number", shown = text.as_str()),
                );
                None
            }
        }
    }

    fn direction_and_amount(&mut self) -> Option<(Direction, i64)> {
        if self.header(Field::Debit).is_some() || self.header(Field::Credit).is_some() {
            let debit = self.amount(Field::Debit).filter(|fen| *fen != 0);
            let credit = self.amount(Field::Credit).filter(|fen| *fen != 0);
            return match (debit, credit) {
                (Some(fen), None) => Some((Direction::Income, fen)),
                (None, Some(fen)) => Some((Direction::Expense, fen)),
                _ if !self.problems.is_empty() => None,
                _ => {
                    self.problem(Field::Debit, "debit-credit", msg!("import-debit-credit"));
                    None
                }
            };
        }
        let direction = match self.required(Field::Direction)?.as_str() {
            "收入" | "收" | "income" | "Income" | "INCOME" => Direction::Income,
            "支出" | "支" | "expense" | "Expense" | "EXPENSE" => Direction::Expense,
            other => {
                let shown = other.to_owned();
                self.problem(
                    Field::Direction,
                    "direction-invalid",
                    msg!("import-direction-invalid", shown = shown),
                );
                return None;
            }
        };
        let amount = self.amount(Field::Amount);
        if amount.is_none() && self.problems.is_empty() {
            self.cell_problem(Field::Amount, CellError::AmountMissing);
        }
        Some((direction, amount?))
    }

    fn account(&mut self, field: Field) -> Option<AccountCode> {
        let text = self.required(field)?;
        AccountCode::parse(field.key(), &text)
            .map_err(|e| self.problem(field, "account-invalid", e.msg()))
            .ok()
    }

    fn posted_at(&mut self) -> Option<Option<NaiveDateTime>> {
        let Some(text) = self.text(Field::PostedAt) else {
            return Some(None);
        };
        let parsed = NaiveDateTime::parse_from_str(&text, "%Y-%m-%d %H:%M:%S")
            .ok()
            .or_else(|| crate::crosscheck::sheet::parse_date(&text).and_then(|d| d.and_hms_opt(0, 0, 0)));
        match parsed {
            Some(at) => Some(Some(at)),
            None => {
                self.problem(
                    Field::PostedAt,
                    "posted-at-invalid",
                    msg!("import-posted-at-invalid", shown = text),
                );
                None
            }
        }
    }

    fn reverses(&mut self) -> Option<Option<Reference>> {
        let Some(voucher_no) = self.text(Field::ReversesVoucher) else {
            return Some(None);
        };
        let line = self.whole(Field::ReversesLine)?.unwrap_or(1);
        let year = self.whole(Field::ReversesYear)?;
        Some(Some(Reference {
            year: year.unwrap_or(0),
            voucher_no,
            line,
        }))
    }

    fn parse(&mut self) -> Option<ImportRow> {
        let village = self.text(Field::Village);
        let voucher_no = self.required(Field::VoucherNo);
        let voucher_line = self.whole(Field::VoucherLine).map(|line| line.unwrap_or(1));
        let occurred_on = self.date(Field::OccurredOn);
        let posted_at = self.posted_at();
        let direction_amount = self.direction_and_amount();
        let account_code = self.account(Field::Account);
        let settlement_account_code = self.account(Field::Settlement);
        let counterparty = self.required(Field::Counterparty);
        let description = self.required(Field::Description);
        let project = self.text(Field::Project);
        let fund_source = self.text(Field::FundSource);
        let tender_ref = self.text(Field::TenderRef);
        let reverses = self.reverses();
        let reversal_reason = self.text(Field::ReversalReason);
        let (direction, amount_fen) = direction_amount?;
        Some(ImportRow {
            row: self.row.number,
            village,
            voucher_no: voucher_no?,
            voucher_line: voucher_line?,
            occurred_on: occurred_on?,
            posted_at: posted_at?,
            direction,
            amount_fen,
            account_code: account_code?,
            settlement_account_code: settlement_account_code?,
            counterparty: counterparty?,
            description: description?,
            project,
            fund_source,
            tender_ref,
            reverses: reverses?,
            reversal_reason,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_formula_guard_round_trips_every_text() {
        for text in ["=SUM(A1)", "+86", "-5", "@x", "'=x", "''", "'abc", "abc", "'", ""] {
            assert_eq!(strip_guard(&guard(text)), text, "{text}");
        }
        assert_eq!(guard("=1+1"), "'=1+1");
        assert_eq!(guard("'abc"), "'abc");
        assert_eq!(strip_guard("'abc"), "'abc");
    }
}
