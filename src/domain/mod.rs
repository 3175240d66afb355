//! Pure domain types, no I/O. Parse, don't validate: a value of one of these types is valid by
//! construction, so code that holds one never checks it again.

pub mod budget;
pub mod clock;
mod codes;
mod error;
pub mod ids;
mod invoice;
mod limits;
mod money;
mod period;
mod text;

pub use codes::{AccountCode, DivisionCode, TownshipCode, VillageCode, clip, truncate};
pub use error::ValueError;
pub use ids::{EntryId, ReceiptId};
pub use invoice::{InvoiceQr, QrSearch};
pub use money::{MAX_ABS_FEN, Money, deserialize_fen, deserialize_whole, format_yuan, parse_whole_number};
pub use period::{Chart, FIRST_YEAR, LAST_YEAR, Period, check_ledger_date};
pub use text::BoundedText;

use serde::{Deserialize, Serialize};

/// Which way money moved.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
    diesel::expression::AsExpression,
    diesel::deserialize::FromSqlRow,
)]
// Stored as its text (`income`, `expense`); the column mapping is in `db::types`.
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Income,
    Expense,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Income => "income",
            Direction::Expense => "expense",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "income" => Some(Direction::Income),
            "expense" => Some(Direction::Expense),
            _ => None,
        }
    }
}

/// The class of an account in a chart of accounts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum AccountClass {
    Asset,
    Liability,
    Equity,
    Cost,
    Income,
    Expense,
}

impl AccountClass {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "asset" => AccountClass::Asset,
            "liability" => AccountClass::Liability,
            "equity" => AccountClass::Equity,
            "cost" => AccountClass::Cost,
            "income" => AccountClass::Income,
            "expense" => AccountClass::Expense,
            _ => return None,
        })
    }

    /// Whether an entry of `direction` may be posted to an account of this class.
    pub fn admits(self, direction: Direction) -> bool {
        match direction {
            Direction::Income => self == AccountClass::Income,
            Direction::Expense => matches!(self, AccountClass::Expense | AccountClass::Cost),
        }
    }
}
