//! What a cross-check can refuse or fail with. Each variant names the case and carries its
//! values; the words a caller reads are chosen in `api::problem::crosscheck`, `Display` is for
//! the server log.

use chrono::NaiveDate;

use crate::auth::{AuthError, Role};
use crate::crosscheck::sheet::SheetError;
use crate::domain::budget::BudgetExceeded;
use crate::i18n::Msg;
use crate::msg;

#[derive(Debug, thiserror::Error)]
pub enum CrosscheckError {
    // --- who and where ---
    #[error("a {role:?} may not run the cross-check")]
    CheckersOnly { role: Role },
    #[error("both a village and a township were named")]
    BothScopes,
    #[error("an inspection round and a village or township were named")]
    RoundAndPlace,
    #[error("no scope was named")]
    NoScope,
    /// The named scope is not a division code; refused like one outside the caller's scope.
    #[error("bad scope code: {reason}")]
    BadScopeCode { reason: crate::domain::ValueError },
    #[error("township {township} is missing or outside the caller's scope")]
    TownshipNotInScope { township: String },
    #[error("round {id} is closed: its inspectors no longer read its villages")]
    RoundClosed { id: String },
    #[error("window from {from} is after to {to}")]
    WindowReversed { from: NaiveDate, to: NaiveDate },

    // --- options ---
    #[error("unknown rule `{rule}`")]
    UnknownRule { rule: String, known: Vec<&'static str> },
    #[error(transparent)]
    Tolerance(#[from] ToleranceError),

    // --- findings ---
    #[error("{count} findings sent, at most {max} accepted")]
    TooManyFindings { count: usize, max: usize },
    #[error("findings[{index}] (ref `{reference}`) refused")]
    InvalidFinding {
        index: usize,
        reference: String,
        #[source]
        source: FindingError,
    },
    #[error("the findings file is neither CSV nor XLSX")]
    UnknownSheetFormat,
    #[error("the findings sheet cannot be read")]
    Sheet(#[source] SheetError),

    // --- the layers below ---
    #[error(transparent)]
    Auth(#[from] AuthError),
    #[error(transparent)]
    Budget(#[from] BudgetExceeded),
    #[error("database error")]
    Database(#[from] diesel::result::Error),
    #[error("no database connection")]
    Pool(#[from] diesel::r2d2::PoolError),
}

/// A reconciliation tolerance outside its documented range.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ToleranceError {
    #[error("{name} must be between {min} and {max}, not {value}")]
    OutOfRange {
        name: &'static str,
        min: i64,
        max: i64,
        value: i64,
    },
    #[error("amount_tolerance_percent must be between 0 and 100, not {value}")]
    PercentOutOfRange { value: f64 },
    #[error("name_similarity must be between 0 and 1, not {value}")]
    SimilarityOutOfRange { value: f64 },
    #[error("date_search_days must not be smaller than date_window_days")]
    SearchNarrowerThanWindow,
}

/// Why one finding was refused. `Display` is also the `message` of a sheet's row error (data
/// in a successful answer), so it reads as one.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FindingError {
    #[error("amount_fen must be a positive amount in fen up to 10,000,000,000,000, not {amount_fen}")]
    AmountOutOfRange { amount_fen: i64 },
    /// A value the domain's parsers refuse (a date, a bounded text), with their reason.
    #[error("{reason}")]
    InvalidValue { reason: crate::domain::ValueError },
}

impl FindingError {
    /// The machine code of a sheet's row error for this refusal.
    pub fn code(&self) -> &'static str {
        match self {
            FindingError::AmountOutOfRange { .. } => "finding-amount-out-of-range",
            FindingError::InvalidValue { .. } => "finding-invalid-value",
        }
    }

    /// Why the finding was refused, as a caller reads it (also a row error's `message`).
    pub fn msg(&self) -> Msg {
        match self {
            FindingError::AmountOutOfRange { amount_fen } => {
                msg!("finding-amount-out-of-range", amount_fen = *amount_fen)
            }
            FindingError::InvalidValue { reason } => reason.msg(),
        }
    }
}

pub type Result<T, E = CrosscheckError> = std::result::Result<T, E>;
