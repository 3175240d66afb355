//! The ledger: entries, reversals, closed months, balances and summaries — the queries and
//! the rules. Entries are append-only; nothing in this module updates or deletes one.

pub mod accounts;
pub mod entries;
pub mod error;
pub mod list;
pub mod periods;
pub mod post;
pub mod receipts;
pub mod reverse;
pub mod summary;
pub mod tenders;
pub mod villages;

pub use error::{FilterError, LedgerError, Result};
