//! The columns of an import file: which header names which field of an entry, in Chinese or
//! English, and the overrides a request gives (`amount=发生额`). The export writes the first
//! Chinese name of each field, so an export imports back unchanged.

use std::collections::HashMap;

/// A field of an entry as a column of an import or export file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    Village,
    VoucherNo,
    VoucherLine,
    OccurredOn,
    PostedAt,
    Direction,
    Debit,
    Credit,
    Account,
    Settlement,
    Amount,
    Counterparty,
    Description,
    Project,
    FundSource,
    TenderRef,
    ReversesYear,
    ReversesVoucher,
    ReversesLine,
    ReversalReason,
}

/// Each field with the headers that name it: the first is the export's, then the English name
/// (the API's field name), then other spellings legacy books use.
pub const HEADERS: &[(Field, &[&str])] = &[
    (Field::Village, &["村代码", "village_code", "村编码"]),
    (Field::VoucherNo, &["凭证号", "voucher_no", "凭证编号", "凭证字号"]),
    (Field::VoucherLine, &["行号", "voucher_line", "分录号", "分录行号"]),
    (
        Field::OccurredOn,
        &["日期", "occurred_on", "业务日期", "凭证日期", "date"],
    ),
    (Field::PostedAt, &["记账时间", "posted_at", "记账日期"]),
    (Field::Direction, &["方向", "direction", "收支方向", "收支"]),
    (Field::Debit, &["借方", "debit", "借方金额"]),
    (Field::Credit, &["贷方", "credit", "贷方金额"]),
    (
        Field::Account,
        &["科目", "account_code", "科目代码", "科目编码", "会计科目"],
    ),
    (
        Field::Settlement,
        &["结算科目", "settlement_account_code", "结算科目代码"],
    ),
    (Field::Amount, &["金额", "amount", "金额(元)", "发生额"]),
    (
        Field::Counterparty,
        &["对方单位", "counterparty", "对方", "往来单位", "收款人"],
    ),
    (Field::Description, &["摘要", "description", "说明"]),
    (Field::Project, &["项目", "project", "项目名称"]),
    (Field::FundSource, &["资金来源", "fund_source"]),
    (Field::TenderRef, &["招标编号", "tender_ref"]),
    (Field::ReversesYear, &["冲销年度", "reverses_fiscal_year"]),
    (Field::ReversesVoucher, &["冲销凭证号", "reverses_voucher_no"]),
    (Field::ReversesLine, &["冲销行号", "reverses_voucher_line"]),
    (Field::ReversalReason, &["冲销原因", "reversal_reason"]),
];

/// The columns of the export, in order.
pub const EXPORT_FIELDS: &[Field] = &[
    Field::Village,
    Field::VoucherNo,
    Field::VoucherLine,
    Field::OccurredOn,
    Field::PostedAt,
    Field::Direction,
    Field::Account,
    Field::Settlement,
    Field::Amount,
    Field::Counterparty,
    Field::Description,
    Field::Project,
    Field::FundSource,
    Field::TenderRef,
    Field::ReversesYear,
    Field::ReversesVoucher,
    Field::ReversesLine,
    Field::ReversalReason,
];

impl Field {
    /// The header the export writes.
    pub fn export_header(self) -> &'static str {
        self.names()[0]
    }

    /// The field's English name, as the mapping documents and overrides name it.
    pub fn key(self) -> &'static str {
        self.names()[1]
    }

    fn names(self) -> &'static [&'static str] {
        HEADERS
            .iter()
            .find(|(field, _)| *field == self)
            .map_or(&[""][..], |(_, names)| names)
    }

    pub fn from_key(key: &str) -> Option<Field> {
        HEADERS
            .iter()
            .find(|(_, names)| names[1] == key)
            .map(|(field, _)| *field)
    }
}

/// Width, case, blanks and a unit of yuan in brackets do not matter in a header.
pub fn fold_header(header: &str) -> String {
    let folded: String = header
        .chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
            c => c,
        })
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_lowercase();
    for unit in ["(元)", "(yuan)", "(cny)"] {
        if let Some(base) = folded.strip_suffix(unit) {
            return base.to_owned();
        }
    }
    folded
}

/// The header mapping of one import: the documented names, and a request's overrides (its
/// header names win over the documented ones).
#[derive(Clone, Debug, Default)]
pub struct Mapping {
    overrides: HashMap<String, Field>,
}

/// An override that names no field, or is not `field=header`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadOverride(pub String);

impl Mapping {
    /// Parses overrides as `field=header` pairs separated by commas, e.g.
    /// `amount=发生额,counterparty=收款单位`.
    pub fn parse(spec: &str) -> Result<Mapping, BadOverride> {
        let mut overrides = HashMap::new();
        for pair in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, header) = pair.split_once('=').ok_or_else(|| BadOverride(pair.to_owned()))?;
            let field = Field::from_key(key.trim()).ok_or_else(|| BadOverride(pair.to_owned()))?;
            let header = fold_header(header);
            if header.is_empty() {
                return Err(BadOverride(pair.to_owned()));
            }
            overrides.insert(header, field);
        }
        Ok(Mapping { overrides })
    }

    /// The field a header names, if any.
    pub fn field(&self, header: &str) -> Option<Field> {
        let folded = fold_header(header);
        if let Some(field) = self.overrides.get(&folded) {
            return Some(*field);
        }
        HEADERS
            .iter()
            .find(|(_, names)| names.iter().any(|name| fold_header(name) == folded))
            .map(|(field, _)| *field)
    }
}

/// Every documented header, for the report of an unknown one.
pub fn known_headers() -> String {
    HEADERS
        .iter()
        .map(|(_, names)| format!("{}/{}", names[0], names[1]))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_read_in_chinese_english_full_width_and_with_a_yuan_unit() {
        let mapping = Mapping::default();
        assert_eq!(mapping.field("凭证号"), Some(Field::VoucherNo));
        assert_eq!(mapping.field(" Voucher_No "), Some(Field::VoucherNo));
        assert_eq!(mapping.field("金额（元）"), Some(Field::Amount));
        assert_eq!(mapping.field("借方金额"), Some(Field::Debit));
        assert_eq!(mapping.field("备注栏"), None);
        let mapping = Mapping::parse("amount=发生数, counterparty=收款单位").unwrap();
        assert_eq!(mapping.field("发生数"), Some(Field::Amount));
        assert_eq!(mapping.field("收款单位"), Some(Field::Counterparty));
        assert!(Mapping::parse("nonsense=金额").is_err());
        assert!(Mapping::parse("amount").is_err());
        for field in EXPORT_FIELDS {
            assert_eq!(Mapping::default().field(field.export_header()), Some(*field));
        }
    }
}
