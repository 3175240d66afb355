//! How errors of the `exchange` service (import and export) become problem documents. Problems
//! in a file's rows are not errors: they are the import's report (`api::imports`).

use super::ApiError;
use crate::exchange::ExchangeError;
use crate::msg;

impl From<ExchangeError> for ApiError {
    fn from(e: ExchangeError) -> Self {
        match e {
            ExchangeError::Ledger(e) => e.into(),
            ExchangeError::Database(e) => e.into(),
            ExchangeError::BadOverride(pair) => {
                ApiError::Invalid(msg!("import-columns-invalid", pair = crate::domain::truncate(&pair)))
            }
            ExchangeError::FromAfterTo { from, to } => {
                ApiError::Invalid(msg!("export-from-after-to", from = from, to = to))
            }
            e @ (ExchangeError::Write(_) | ExchangeError::Workbook(_)) => ApiError::Internal(e.to_string()),
        }
    }
}
