//! Statistical division codes (统计用区划代码) of townships and villages: 12 ASCII digits.

use std::fmt;

use super::error::ValueError;

/// Any 12-digit division code.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DivisionCode(String);

impl DivisionCode {
    pub fn parse(s: &str) -> Result<Self, ValueError> {
        if s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit()) {
            Ok(DivisionCode(s.to_owned()))
        } else {
            Err(ValueError::NotADivisionCode { value: truncate(s) })
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A township's 12-digit code, e.g. `331022001000`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TownshipCode(DivisionCode);

/// A village's 12-digit code, e.g. `331022001201`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VillageCode(DivisionCode);

impl TownshipCode {
    pub fn parse(s: &str) -> Result<Self, ValueError> {
        DivisionCode::parse(s).map(TownshipCode)
    }
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl VillageCode {
    pub fn parse(s: &str) -> Result<Self, ValueError> {
        DivisionCode::parse(s).map(VillageCode)
    }
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl fmt::Display for TownshipCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for VillageCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An account code of a chart of accounts (会计科目代码): 1 to 8 ASCII digits, e.g. `541`.
#[derive(
    Clone,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    serde::Serialize,
    diesel::expression::AsExpression,
    diesel::deserialize::FromSqlRow,
)]
#[serde(transparent)]
#[diesel(sql_type = diesel::sql_types::Text)]
pub struct AccountCode(String);

impl AccountCode {
    /// Parses the account code sent as `field`.
    pub fn parse(field: &'static str, s: &str) -> Result<Self, ValueError> {
        if (1..=8).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()) {
            Ok(AccountCode(s.to_owned()))
        } else {
            Err(ValueError::NotAnAccountCode {
                field,
                value: truncate(s),
            })
        }
    }

    /// An account code read back from the database, which only ever stored parsed ones.
    pub fn from_stored(s: String) -> Self {
        AccountCode(s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for AccountCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Keeps error messages short when a client sends a huge value.
pub fn truncate(s: &str) -> String {
    clip(s, 40).into_owned()
}

/// At most `max_chars` characters of `text`, with `…` marking a cut: what a message, a log
/// line or a record keeps of something a caller sent, however long it was.
pub fn clip(text: &str, max_chars: usize) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(max_chars) {
        None => std::borrow::Cow::Borrowed(text),
        Some((at, _)) => std::borrow::Cow::Owned(format!("{}…", &text[..at])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_twelve_digits_only() {
        assert!(VillageCode::parse("331022001201").is_ok());
        assert!(VillageCode::parse("33102200120").is_err());
        assert!(VillageCode::parse("3310220012011").is_err());
        assert!(VillageCode::parse("33102200120a").is_err());
        assert!(VillageCode::parse("３３１０２２００１２０１").is_err());
    }
}
