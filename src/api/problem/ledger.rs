//! How errors of the `ledger` service (and the domain values it parses) become problem
//! documents: the texts a client reads, with what to do next.

use super::ApiError;
use crate::domain::{Direction, FIRST_YEAR, LAST_YEAR, ValueError, truncate};
use crate::ledger::{FilterError, LedgerError};

impl From<ValueError> for ApiError {
    /// A value in a request body that does not parse; a path segment that names nothing maps
    /// to `NotFound` at its handler instead.
    fn from(e: ValueError) -> Self {
        ApiError::Invalid(e.to_string())
    }
}

impl From<FilterError> for ApiError {
    fn from(e: FilterError) -> Self {
        use FilterError::*;
        ApiError::Invalid(match e {
            ForeignCursor => "cursor is not one this server issued; start again without a cursor".into(),
            FromAfterTo { from, to } => format!("from ({from}) is after to ({to})"),
            AmountOutOfRange { name, max } => format!("{name} must be within ±{max} fen"),
            MinAboveMax { min, max } => format!("min_fen ({min}) is above max_fen ({max})"),
            NotAnAccountPrefix => "account must be an account code or its leading digits, like 5 or 541".into(),
            QueryNotText { max } => format!("q must be at most {max} characters of text"),
        })
    }
}

impl From<LedgerError> for ApiError {
    fn from(e: LedgerError) -> Self {
        use LedgerError::*;
        match e {
            InvalidValue(e) => e.into(),
            Filter(e) => e.into(),
            VillageNotFound { village } => ApiError::NotFound(format!("no village {village} in your scope")),
            TownshipNotFound { township } => ApiError::NotFound(format!("no township {township} in your scope")),
            EntryNotFound { entry } => ApiError::NotFound(format!("no entry `{}` in your scope", truncate(&entry))),
            ReceiptNotFound { receipt } => {
                ApiError::NotFound(format!("no receipt `{}` in your scope", truncate(&receipt)))
            }
            PeriodClosed { village, period } => ApiError::PeriodClosed(format!(
                "{period} of village {village} is closed; nothing more can be posted into it \
                 (a correction of a closed month is a reversal, dated into the first open month)"
            )),
            YearOutOfRange { .. } => ApiError::Invalid(format!("year must be between {FIRST_YEAR} and {LAST_YEAR}")),
            PeriodNotEnded { period } => ApiError::Invalid(format!(
                "{period} has not ended yet; a month can be closed once it has ended"
            )),
            AccountNotInChart { account, year, chart } => ApiError::Invalid(format!(
                "account_code {account} is not in the chart of accounts for {year} (chart {chart}); see GET /api/v1/accounts?year={year}"
            )),
            AccountRefusesDirection {
                account,
                year,
                direction,
            } => {
                let wanted = match direction {
                    Direction::Income => "an income account",
                    Direction::Expense => "an expense or cost account",
                };
                ApiError::Invalid(format!(
                    "account_code {account} is not {wanted} in the chart for {year}, as an {} entry needs",
                    direction.as_str()
                ))
            }
            NotASettlementAccount { account, year } => ApiError::Invalid(format!(
                "settlement_account_code {account} is not a settlement account in the chart for {year}: use 101 cash, 102 bank, or a receivable/payable account"
            )),
            VoucherTaken {
                voucher,
                year,
                village,
                entry,
            } => ApiError::VoucherConflict(format!(
                "voucher {voucher} of {year} in village {village} is already used by entry {entry} with different content; \
                 use a new voucher number, or reverse that entry"
            )),
            ReversalVoucherTaken { village } => ApiError::VoucherConflict(format!(
                "the reversal's voucher number is already used in village {village}; send another voucher_no"
            )),
            BeforeOpening {
                occurred_on,
                opening_date,
            } => ApiError::Invalid(format!(
                "occurred_on {occurred_on} is before the village's books open on {opening_date}"
            )),
            ReversalOfReversal { entry } => ApiError::AlreadyReversed(format!(
                "entry {entry} is itself a reversal and cannot be reversed; post a new entry instead"
            )),
            AlreadyReversed { entry, reversal } => ApiError::AlreadyReversed(format!(
                "entry {entry} was already reversed by entry {reversal}; an entry is reversed at most once"
            )),
            TownshipExists { township } => ApiError::Conflict(format!("township {township} already exists")),
            VillageExists { village } => ApiError::Conflict(format!("village {village} already exists")),
            NoSuchTownship { township } => ApiError::Invalid(format!("township {township} does not exist")),
            OpeningBalanceOutOfRange { field, max } => {
                ApiError::Invalid(format!("{field} must be between 0 and {max} fen"))
            }
            TenderReferenceBlank => {
                ApiError::Invalid("reference must contain at least one letter or digit, like SMZB-2024-017".into())
            }
            TenderAwardedLater { awarded_on, today } => ApiError::Invalid(format!(
                "awarded_on {awarded_on} is later than today ({today}); record a tender once it is awarded"
            )),
            TenderReferenceTaken {
                village,
                reference,
                recorded,
            } => ApiError::Conflict(format!(
                "tender {} of village {village} is already recorded (as {}) with other content; \
                 a tender is recorded once",
                truncate(&reference),
                truncate(&recorded)
            )),
            TenderPageOutOfRange { name, min, max } => {
                ApiError::Invalid(format!("{name} must be between {min} and {max}"))
            }
            UnknownAccountClass { class } => ApiError::Internal(format!("unknown account class {class}")),
            Tlog(e) => e.into(),
            UniqueViolation { source, .. } | Database(source) => ApiError::from(source),
        }
    }
}
