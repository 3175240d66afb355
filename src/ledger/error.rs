//! What the ledger refuses, and why. Each case carries its arguments (the village, the entry,
//! the account, the limit); `Display` is an English line for the server log, and the api
//! decides what a client reads (`api::problem::ledger`).

use chrono::NaiveDate;

use crate::domain::{AccountCode, Direction, EntryId, Period, TownshipCode, ValueError, VillageCode};
use crate::tlog::TlogError;

/// An error of the ledger service.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// A value in the request does not parse (a code, a text field, an amount, a date).
    #[error(transparent)]
    InvalidValue(#[from] ValueError),
    #[error("village {village} not found or out of scope")]
    VillageNotFound { village: VillageCode },
    #[error("township {township} not found or out of scope")]
    TownshipNotFound { township: TownshipCode },
    /// `entry` is what the caller sent, not necessarily an id.
    #[error("entry {entry:?} not found or out of scope")]
    EntryNotFound { entry: String },
    /// `receipt` is what the caller sent, not necessarily an id.
    #[error("receipt {receipt:?} not found or out of scope")]
    ReceiptNotFound { receipt: String },
    #[error("{period} of village {village} is closed")]
    PeriodClosed { village: String, period: Period },
    #[error("year {year} is outside the years the ledger keeps")]
    YearOutOfRange { year: i32 },
    #[error("{period} has not ended yet and cannot be closed")]
    PeriodNotEnded { period: Period },
    #[error("account {account} is not in chart {chart} ({year})")]
    AccountNotInChart {
        account: AccountCode,
        year: i32,
        chart: &'static str,
    },
    #[error("account {account} does not admit {direction:?} entries in {year}")]
    AccountRefusesDirection {
        account: AccountCode,
        year: i32,
        direction: Direction,
    },
    #[error("account {account} is not a settlement account in {year}")]
    NotASettlementAccount { account: AccountCode, year: i32 },
    /// The chart table holds a class this build does not know: a broken database.
    #[error("unknown account class {class} in the chart table")]
    UnknownAccountClass { class: String },
    #[error("voucher {voucher} of {year} in village {village} is used by entry {entry} with other content")]
    VoucherTaken {
        voucher: String,
        year: i32,
        village: VillageCode,
        entry: EntryId,
    },
    #[error("the reversal's voucher number is already used in village {village}")]
    ReversalVoucherTaken { village: String },
    #[error("occurred_on {occurred_on} is before the books of the village open on {opening_date}")]
    BeforeOpening {
        occurred_on: NaiveDate,
        opening_date: NaiveDate,
    },
    #[error("entry {entry} is a reversal and cannot be reversed")]
    ReversalOfReversal { entry: String },
    #[error("entry {entry} was already reversed by entry {reversal}")]
    AlreadyReversed { entry: String, reversal: EntryId },
    #[error("township {township} already exists")]
    TownshipExists { township: TownshipCode },
    #[error("village {village} already exists")]
    VillageExists { village: VillageCode },
    #[error("township {township} of a new village does not exist")]
    NoSuchTownship { township: TownshipCode },
    #[error("{field} is outside 0..={max} fen")]
    OpeningBalanceOutOfRange { field: &'static str, max: i64 },
    #[error("the tender reference has no letter or digit")]
    TenderReferenceBlank,
    #[error("a tender awarded on {awarded_on} is later than today ({today})")]
    TenderAwardedLater { awarded_on: NaiveDate, today: NaiveDate },
    /// `recorded` is the reference as recorded first, perhaps spelled otherwise.
    #[error("tender {reference:?} of village {village} is recorded as {recorded:?} with other content")]
    TenderReferenceTaken {
        village: VillageCode,
        reference: String,
        recorded: String,
    },
    #[error("the tender listing's {name} is outside {min}..={max}")]
    TenderPageOutOfRange { name: &'static str, min: i64, max: i64 },
    /// A listing filter that cannot be served.
    #[error(transparent)]
    Filter(#[from] FilterError),
    /// A unique index refused a write: the retry signal of a write that raced another.
    #[error("unique violation ({})", constraint.as_deref().unwrap_or("unnamed index"))]
    UniqueViolation {
        constraint: Option<String>,
        #[source]
        source: diesel::result::Error,
    },
    #[error(transparent)]
    Tlog(#[from] TlogError),
    #[error("database error in the ledger")]
    Database(#[source] diesel::result::Error),
}

/// Why the filters or cursor of an entry listing cannot be served.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FilterError {
    #[error("the cursor is not one this server issued")]
    ForeignCursor,
    #[error("from ({from}) is after to ({to})")]
    FromAfterTo { from: NaiveDate, to: NaiveDate },
    #[error("{name} is outside ±{max} fen")]
    AmountOutOfRange { name: &'static str, max: i64 },
    #[error("min_fen ({min}) is above max_fen ({max})")]
    MinAboveMax { min: i64, max: i64 },
    #[error("the account filter is not an account code or its leading digits")]
    NotAnAccountPrefix,
    #[error("the text query is longer than {max} characters or holds control characters")]
    QueryNotText { max: usize },
}

impl LedgerError {
    /// Whether a unique index refused the write (here or in the log), so the write raced
    /// another and may be looked at again.
    pub fn is_unique_violation(&self) -> bool {
        matches!(
            self,
            LedgerError::UniqueViolation { .. } | LedgerError::Tlog(TlogError::UniqueViolation { .. })
        )
    }
}

impl From<diesel::result::Error> for LedgerError {
    fn from(e: diesel::result::Error) -> Self {
        match crate::db::unique_violation(&e) {
            Some(constraint) => LedgerError::UniqueViolation { constraint, source: e },
            None => LedgerError::Database(e),
        }
    }
}

pub type Result<T, E = LedgerError> = std::result::Result<T, E>;
