//! Why a value is not one of the domain's types. Each case names the kind of fault and carries
//! its arguments (the field, the limit, what was sent, clipped); `Display` is the English text
//! clients have always read, so the api and the log can show it as it is.

use chrono::NaiveDate;

use super::limits::{FIRST_YEAR, LAST_YEAR, MAX_ABS_FEN};
use crate::i18n::Msg;
use crate::msg;

/// A value that does not parse into a domain type. Values a caller sent are kept clipped to
/// 40 characters (see [`super::truncate`]).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    #[error("`{value}` is not a division code: expected 12 digits, like 331022001201")]
    NotADivisionCode { value: String },
    #[error("`{value}` is not a period: expected YYYY-MM, like 2024-03, between {FIRST_YEAR} and {LAST_YEAR}")]
    NotAPeriod { value: String },
    #[error("{date} is outside the years the ledger keeps ({FIRST_YEAR}–{LAST_YEAR})")]
    DateOutOfRange { date: NaiveDate },
    #[error("{field} must not be empty")]
    Empty { field: &'static str },
    #[error("{field} is {count} characters long; at most {max} are allowed")]
    TooLong {
        field: &'static str,
        count: usize,
        max: usize,
    },
    #[error("{field} contains control characters: `{}`", value.escape_default())]
    ControlCharacters { field: &'static str, value: String },
    #[error("{field} `{value}` is not an account code: expected digits like 541")]
    NotAnAccountCode { field: &'static str, value: String },
    #[error("amount_fen must be positive (got {fen}); a correction is a reversal, not a negative entry")]
    AmountNotPositive { fen: i64 },
    #[error("amount_fen must be at most {MAX_ABS_FEN} fen (got {fen})")]
    AmountTooLarge { fen: i64 },
    #[error("`{value}` is not a yuan amount like 950.00")]
    NotAYuanAmount { value: String },
}

impl ValueError {
    /// Why the value does not parse, as a caller reads it.
    pub fn msg(&self) -> Msg {
        use ValueError::*;
        match self {
            NotADivisionCode { value } => msg!("value-not-division-code", value = value.as_str()),
            NotAPeriod { value } => msg!(
                "value-not-period",
                value = value.as_str(),
                first = FIRST_YEAR,
                last = LAST_YEAR
            ),
            DateOutOfRange { date } => msg!(
                "value-date-out-of-range",
                date = *date,
                first = FIRST_YEAR,
                last = LAST_YEAR
            ),
            Empty { field } => msg!("value-empty", field = *field),
            TooLong { field, count, max } => msg!("value-too-long", field = *field, count = *count, max = *max),
            ControlCharacters { field, value } => msg!(
                "value-control-characters",
                field = *field,
                value = value.escape_default().to_string()
            ),
            NotAnAccountCode { field, value } => msg!("value-not-account-code", field = *field, value = value.as_str()),
            AmountNotPositive { fen } => msg!("value-amount-not-positive", fen = *fen),
            AmountTooLarge { fen } => msg!("value-amount-too-large", fen = *fen, max = MAX_ABS_FEN),
            NotAYuanAmount { value } => msg!("value-not-yuan", value = value.as_str()),
        }
    }
}
