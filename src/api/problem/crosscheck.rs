//! How errors of the `crosscheck` service become problem documents.

use super::ApiError;
use crate::crosscheck::{CrosscheckError, FindingError, ToleranceError};

fn tolerance_text(e: &ToleranceError) -> String {
    match e {
        ToleranceError::OutOfRange { name, min, max, value } => {
            format!("{name} must be between {min} and {max}, not {value}")
        }
        ToleranceError::PercentOutOfRange { value } => {
            format!("amount_tolerance_percent must be between 0 and 100, not {value}")
        }
        ToleranceError::SimilarityOutOfRange { value } => {
            format!("name_similarity must be between 0 and 1, not {value}")
        }
        ToleranceError::SearchNarrowerThanWindow => {
            "date_search_days must not be smaller than date_window_days".to_owned()
        }
    }
}

/// Why a finding was refused, as a caller reads it (also the `message` of a sheet's row error).
pub fn finding_text(e: &FindingError) -> String {
    match e {
        FindingError::AmountOutOfRange { amount_fen } => {
            format!("amount_fen must be a positive amount in fen up to 10,000,000,000,000, not {amount_fen}")
        }
        FindingError::InvalidValue { reason } => reason.to_string(),
    }
}

impl From<ToleranceError> for ApiError {
    fn from(e: ToleranceError) -> Self {
        ApiError::Invalid(tolerance_text(&e))
    }
}

impl From<CrosscheckError> for ApiError {
    fn from(e: CrosscheckError) -> Self {
        use CrosscheckError::*;
        match e {
            CheckersOnly { .. } => ApiError::Forbidden(
                "the cross-check is for inspection groups, township finance stations and administrators".into(),
            ),
            BothScopes => ApiError::Invalid("name a village or a township, not both".into()),
            NoScope => ApiError::Invalid("name the scope: a village or a township".into()),
            BadScopeCode { reason } => ApiError::NotFound(reason.to_string()),
            TownshipNotInScope { township } => ApiError::NotFound(format!("no township {township} in your scope")),
            WindowReversed { from, to } => ApiError::Invalid(format!("from {from} is after to {to}")),
            UnknownRule { rule, known } => ApiError::Invalid(format!(
                "rules: unknown rule `{rule}`; known rules are {}",
                known.join(", ")
            )),
            Tolerance(e) => e.into(),
            TooManyFindings { count, max } => {
                ApiError::PayloadTooLarge(format!("{count} findings in one request; at most {max}"))
            }
            InvalidFinding {
                index,
                reference,
                source,
            } => ApiError::Invalid(format!(
                "findings[{index}] (ref `{reference}`): {}",
                finding_text(&source)
            )),
            UnknownSheetFormat => {
                ApiError::Invalid("the findings file is neither a UTF-8 CSV nor an XLSX workbook".into())
            }
            Sheet(source) => ApiError::Invalid(format!("the findings sheet cannot be read: {source}")),
            Auth(e) => e.into(),
            Budget(e) => e.into(),
            Database(e) => e.into(),
            Pool(e) => e.into(),
        }
    }
}
