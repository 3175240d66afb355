//! How errors of the `ledger` service (and the domain values it parses) become problem
//! documents: the texts a client reads, with what to do next, from the catalogue.

use super::ApiError;
use crate::domain::{Direction, FIRST_YEAR, LAST_YEAR, ValueError, truncate};
use crate::ledger::{FilterError, LedgerError};
use crate::msg;

impl From<ValueError> for ApiError {
    /// A value in a request body that does not parse; a path segment that names nothing maps
    /// to `NotFound` at its handler instead.
    fn from(e: ValueError) -> Self {
        ApiError::Invalid(e.msg())
    }
}

impl From<FilterError> for ApiError {
    fn from(e: FilterError) -> Self {
        use FilterError::*;
        ApiError::Invalid(match e {
            ForeignCursor => msg!("filter-foreign-cursor"),
            FromAfterTo { from, to } => msg!("filter-from-after-to", from = from, to = to),
            AmountOutOfRange { name, max } => msg!("filter-amount-out-of-range", name = name, max = max),
            MinAboveMax { min, max } => msg!("filter-min-above-max", min = min, max = max),
            NotAnAccountPrefix => msg!("filter-not-account-prefix"),
            QueryNotText { max } => msg!("filter-query-not-text", max = max),
        })
    }
}

impl From<LedgerError> for ApiError {
    fn from(e: LedgerError) -> Self {
        use LedgerError::*;
        match e {
            InvalidValue(e) => e.into(),
            Filter(e) => e.into(),
            VillageNotFound { village } => {
                ApiError::NotFound(msg!("ledger-village-not-found", village = village.to_string()))
            }
            TownshipNotFound { township } => {
                ApiError::NotFound(msg!("ledger-township-not-found", township = township.to_string()))
            }
            EntryNotFound { entry } => ApiError::NotFound(msg!("ledger-entry-not-found", entry = truncate(&entry))),
            ReceiptNotFound { receipt } => {
                ApiError::NotFound(msg!("ledger-receipt-not-found", receipt = truncate(&receipt)))
            }
            PeriodClosed { village, period } => ApiError::PeriodClosed(msg!(
                "ledger-period-closed",
                period = period,
                village = village.to_string()
            )),
            YearOutOfRange { .. } => {
                ApiError::Invalid(msg!("ledger-year-out-of-range", first = FIRST_YEAR, last = LAST_YEAR))
            }
            PeriodNotEnded { period } => ApiError::Invalid(msg!("ledger-period-not-ended", period = period)),
            AccountNotInChart { account, year, chart } => ApiError::Invalid(msg!(
                "ledger-account-not-in-chart",
                account = account.to_string(),
                year = year,
                chart = chart
            )),
            AccountRefusesDirection {
                account,
                year,
                direction,
            } => ApiError::Invalid(match direction {
                Direction::Income => msg!("ledger-account-not-income", account = account.to_string(), year = year),
                Direction::Expense => msg!("ledger-account-not-expense", account = account.to_string(), year = year),
            }),
            NotASettlementAccount { account, year } => ApiError::Invalid(msg!(
                "ledger-not-settlement-account",
                account = account.to_string(),
                year = year
            )),
            VoucherTaken {
                voucher,
                year,
                village,
                entry,
            } => ApiError::VoucherConflict(msg!(
                "ledger-voucher-taken",
                voucher = voucher,
                year = year,
                village = village.to_string(),
                entry = entry.to_string()
            )),
            ReversalVoucherTaken { village } => {
                ApiError::VoucherConflict(msg!("ledger-reversal-voucher-taken", village = village.to_string()))
            }
            BeforeOpening {
                occurred_on,
                opening_date,
            } => ApiError::Invalid(msg!(
                "ledger-before-opening",
                occurred_on = occurred_on,
                opening_date = opening_date
            )),
            ReversalOfReversal { entry } => {
                ApiError::AlreadyReversed(msg!("ledger-reversal-of-reversal", entry = entry))
            }
            AlreadyReversed { entry, reversal } => ApiError::AlreadyReversed(msg!(
                "ledger-already-reversed",
                entry = entry,
                reversal = reversal.to_string()
            )),
            TownshipExists { township } => {
                ApiError::Conflict(msg!("ledger-township-exists", township = township.to_string()))
            }
            VillageExists { village } => {
                ApiError::Conflict(msg!("ledger-village-exists", village = village.to_string()))
            }
            NoSuchTownship { township } => {
                ApiError::Invalid(msg!("ledger-no-such-township", township = township.to_string()))
            }
            OpeningBalanceOutOfRange { field, max } => {
                ApiError::Invalid(msg!("ledger-opening-balance-out-of-range", field = field, max = max))
            }
            TenderReferenceBlank => ApiError::Invalid(msg!("ledger-tender-reference-blank")),
            TenderAwardedLater { awarded_on, today } => ApiError::Invalid(msg!(
                "ledger-tender-awarded-later",
                awarded_on = awarded_on,
                today = today
            )),
            TenderReferenceTaken {
                village,
                reference,
                recorded,
            } => ApiError::Conflict(msg!(
                "ledger-tender-taken",
                reference = truncate(&reference),
                village = village.to_string(),
                recorded = truncate(&recorded)
            )),
            TenderPageOutOfRange { name, min, max } => {
                ApiError::Invalid(msg!("ledger-tender-page", name = name, min = min, max = max))
            }
            UnknownAccountClass { class } => ApiError::Internal(format!("unknown account class {class}")),
            Tlog(e) => e.into(),
            UniqueViolation { source, .. } | Database(source) => ApiError::from(source),
        }
    }
}
