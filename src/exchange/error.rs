//! What an import or an export can fail with. Problems of a file's rows are not errors: they are
//! the import's report. The words a caller reads are chosen in `api::problem::exchange`.

use crate::ledger::LedgerError;

#[derive(Debug, thiserror::Error)]
pub enum ExchangeError {
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error("database: {0}")]
    Database(#[from] diesel::result::Error),
    #[error("column override `{0}` is not field=header with a documented field")]
    BadOverride(String),
    #[error("`from` {from} is after `to` {to}")]
    FromAfterTo {
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    },
    /// The export's reader went away (a client that hung up) or its file could not be written.
    #[error("writing the export: {0}")]
    Write(#[from] std::io::Error),
    #[error("writing the workbook: {0}")]
    Workbook(String),
}
