//! How errors of the `crosscheck` service become problem documents.

use super::ApiError;
use crate::crosscheck::{CrosscheckError, ToleranceError};
use crate::i18n::Msg;
use crate::msg;

fn tolerance_msg(e: &ToleranceError) -> Msg {
    match e {
        ToleranceError::OutOfRange { name, min, max, value } => msg!(
            "tolerance-out-of-range",
            name = *name,
            min = *min,
            max = *max,
            value = *value
        ),
        ToleranceError::PercentOutOfRange { value } => msg!("tolerance-percent", value = value.to_string()),
        ToleranceError::SimilarityOutOfRange { value } => msg!("tolerance-similarity", value = value.to_string()),
        ToleranceError::SearchNarrowerThanWindow => msg!("tolerance-search-narrower"),
    }
}

impl From<ToleranceError> for ApiError {
    fn from(e: ToleranceError) -> Self {
        ApiError::Invalid(tolerance_msg(&e))
    }
}

impl From<CrosscheckError> for ApiError {
    fn from(e: CrosscheckError) -> Self {
        use CrosscheckError::*;
        match e {
            CheckersOnly { .. } => ApiError::Forbidden(msg!("crosscheck-checkers-only")),
            BothScopes => ApiError::Invalid(msg!("crosscheck-both-scopes")),
            RoundAndPlace => ApiError::Invalid(msg!("crosscheck-round-and-place")),
            NoScope => ApiError::Invalid(msg!("crosscheck-no-scope")),
            BadScopeCode { reason } => ApiError::NotFound(reason.msg()),
            TownshipNotInScope { township } => {
                ApiError::NotFound(msg!("ledger-township-not-found", township = township))
            }
            RoundClosed { id } => ApiError::Conflict(msg!("crosscheck-round-closed", id = id)),
            WindowReversed { from, to } => ApiError::Invalid(msg!("filter-from-after-to", from = from, to = to)),
            UnknownRule { rule, known } => {
                ApiError::Invalid(msg!("crosscheck-unknown-rule", rule = rule, known = known.join(", ")))
            }
            Tolerance(e) => e.into(),
            TooManyFindings { count, max } => {
                ApiError::PayloadTooLarge(msg!("crosscheck-too-many-findings", count = count, max = max))
            }
            InvalidFinding {
                index,
                reference,
                source,
            } => ApiError::Invalid(msg!(
                "crosscheck-invalid-finding",
                index = index,
                reference = reference,
                reason = source.msg()
            )),
            UnknownSheetFormat => ApiError::Invalid(msg!("crosscheck-unknown-sheet-format")),
            Sheet(source) => ApiError::Invalid(msg!("crosscheck-sheet-unreadable", reason = source.msg())),
            Auth(e) => e.into(),
            Budget(e) => e.into(),
            Database(e) => e.into(),
            Pool(e) => e.into(),
        }
    }
}
