//! Import and export of the books (issue 19): a village's entries brought in from the CSV and
//! XLSX files of legacy books (checked with the rules of posting, written through the ledger's
//! insert path) and taken out, for any scope, as CSV, XLSX or an hledger journal, streamed one
//! village-month at a time.
//!
//! Sits on the ledger (it posts through `ledger::post::insert_entries_as` and reads the ledger's
//! tables) and reads files through the bounded readers of `crosscheck::sheet`; nothing below
//! knows it.

pub mod check;
pub mod columns;
pub mod csv_out;
pub mod error;
pub mod export;
pub mod import;
pub mod journal;
pub mod report;
pub mod rows;
pub mod source;
pub mod xlsx_out;

pub use error::ExchangeError;
pub use export::export;
pub use source::{ExportFormat, ExportRequest};
