//! The header row: which column holds which field of a finding, recognised through the
//! spellings inspectors use (Chinese or English, full-width, with units), and each data row read
//! through it into a [`SheetFinding`] or the [`RowError`]s that say why not.

use chrono::NaiveDate;

use super::cells::{Cell, Epoch, Row, cell_amount, cell_date, cell_text, fold_width};
use super::{RowError, SheetError, SheetFinding};

/// A header as repeated in every row error of its column; longer headers are cut (they only match
/// a field through whitespace, which is not worth repeating 20,000 times).
const MAX_HEADER_CHARS: usize = 40;

#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Field {
    Ref,
    Date,
    Yuan,
    Fen,
    Counterparty,
    Description,
    Voucher,
    Invoice,
}

const REF_HEADERS: &[&str] = &["ref", "reference", "id", "no", "编号", "序号", "问题编号"];
const DATE_HEADERS: &[&str] = &["date", "日期", "发生日期", "支付日期", "发放日期"];
const YUAN_HEADERS: &[&str] = &["amount", "amount_yuan", "金额", "支出金额", "发放金额", "付款金额"];
const AMOUNT_HEADERS: &[&str] = &[
    "amount",
    "amount_yuan",
    "金额",
    "金额(元)",
    "支出金额",
    "发放金额",
    "付款金额",
    "amount_fen",
    "金额(分)",
];
const COUNTERPARTY_HEADERS: &[&str] = &[
    "counterparty",
    "payee",
    "name",
    "对方单位",
    "收款人",
    "收款单位",
    "姓名",
    "户主姓名",
    "领取人",
];
const DESCRIPTION_HEADERS: &[&str] = &["description", "摘要", "事由", "说明", "问题描述", "内容"];
const VOUCHER_HEADERS: &[&str] = &["voucher_no", "voucher", "凭证号", "凭证编号"];
const INVOICE_HEADERS: &[&str] = &["invoice_number", "invoice", "发票号码", "发票号"];

/// Which field a header names. Width, case, spaces and surrounding punctuation do not matter; a
/// trailing unit in brackets is read: yuan or none for amounts in yuan, "分"/"fen" for fen, and any
/// other unit (say 万元) leaves the column unrecognised rather than misread by a factor.
pub(super) fn header_field(header: &str) -> Option<Field> {
    let folded: String = fold_width(header)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_lowercase();
    let (base, unit) = match folded.strip_suffix(')').and_then(|rest| rest.rsplit_once('(')) {
        Some((base, unit)) => (base, Some(unit)),
        None => (folded.as_str(), None),
    };
    let base = base.trim_matches(|c: char| !c.is_alphanumeric() && c != '_');
    let unit_is = |accepted: &[&str]| unit.is_none_or(|unit| accepted.contains(&unit));
    let yuan_units = ["元", "yuan", "rmb", "cny", "人民币", "人民币元", "¥"];
    if YUAN_HEADERS.contains(&base) {
        return if unit_is(&yuan_units) {
            Some(Field::Yuan)
        } else if unit_is(&["分", "fen"]) && base != "amount_yuan" {
            Some(Field::Fen)
        } else {
            None
        };
    }
    if base == "amount_fen" {
        return unit_is(&["分", "fen"]).then_some(Field::Fen);
    }
    [
        (REF_HEADERS, Field::Ref),
        (DATE_HEADERS, Field::Date),
        (COUNTERPARTY_HEADERS, Field::Counterparty),
        (DESCRIPTION_HEADERS, Field::Description),
        (VOUCHER_HEADERS, Field::Voucher),
        (INVOICE_HEADERS, Field::Invoice),
    ]
    .into_iter()
    .find_map(|(headers, field)| headers.contains(&base).then_some(field))
}

/// The recognised columns of a header row: field, column index, header text. The first column
/// naming a field wins.
pub(super) struct Columns(Vec<(Field, usize, String)>);

impl Columns {
    pub fn from_header(row: &Row) -> Result<Self, SheetError> {
        let mut columns: Vec<(Field, usize, String)> = Vec::new();
        for (column, cell) in &row.cells {
            let Cell::Text(text) = cell else { continue };
            let Some(field) = header_field(text) else { continue };
            let is_amount = |f: Field| matches!(f, Field::Yuan | Field::Fen);
            if !columns
                .iter()
                .any(|(known, _, _)| *known == field || (is_amount(*known) && is_amount(field)))
            {
                columns.push((field, *column, text.trim().chars().take(MAX_HEADER_CHARS).collect()));
            }
        }
        let has = |wanted: &[Field]| columns.iter().any(|(field, _, _)| wanted.contains(field));
        if !has(&[Field::Date]) {
            return Err(SheetError::MissingColumn {
                column: "date",
                accepted: DATE_HEADERS,
            });
        }
        if !has(&[Field::Yuan, Field::Fen]) {
            return Err(SheetError::MissingColumn {
                column: "amount",
                accepted: AMOUNT_HEADERS,
            });
        }
        Ok(Self(columns))
    }

    pub fn finding(&self, row: &Row, epoch: Epoch) -> Result<SheetFinding, Vec<RowError>> {
        let mut finding = SheetFinding {
            row: row.number,
            r#ref: format!("row-{}", row.number),
            date: NaiveDate::MIN,
            amount_fen: 0,
            counterparty: None,
            description: None,
            voucher_no: None,
            invoice_number: None,
        };
        let mut errors = Vec::new();
        for (field, column, header) in &self.0 {
            let cell = row.get(*column);
            let problem = |fault: super::CellError| RowError {
                row: row.number,
                column: Some(header.clone()),
                code: fault.code(),
                message: fault.msg(),
            };
            let result = match field {
                Field::Date => cell_date(cell, epoch).map(|date| finding.date = date),
                Field::Yuan => cell_amount(cell, 2).map(|fen| finding.amount_fen = fen),
                Field::Fen => cell_amount(cell, 0).map(|fen| finding.amount_fen = fen),
                Field::Ref => cell_text(cell, epoch).map(|text| finding.r#ref = text.unwrap_or(finding.r#ref.clone())),
                Field::Counterparty => cell_text(cell, epoch).map(|text| finding.counterparty = text),
                Field::Description => cell_text(cell, epoch).map(|text| finding.description = text),
                Field::Voucher => cell_text(cell, epoch).map(|text| finding.voucher_no = text),
                Field::Invoice => cell_text(cell, epoch).map(|text| finding.invoice_number = text),
            };
            if let Err(fault) = result {
                errors.push(problem(fault));
            }
        }
        if errors.is_empty() { Ok(finding) } else { Err(errors) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_recognised_through_width_case_spacing_and_units() {
        assert!(header_field(" Amount (Yuan) ") == Some(Field::Yuan));
        assert!(header_field("金额（元）") == Some(Field::Yuan));
        assert!(header_field("金额(分)") == Some(Field::Fen));
        assert!(header_field("*发放日期：") == Some(Field::Date));
        assert!(header_field("ＩＮＶＯＩＣＥ") == Some(Field::Invoice));
        assert!(header_field("户主 姓名") == Some(Field::Counterparty));
        assert!(header_field("金额(万元)").is_none());
        assert!(header_field("备注").is_none());
    }
}
