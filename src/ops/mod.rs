//! Operations a county runs on its data: an online backup of a data dir (database snapshot,
//! the receipt originals it names in a shared content-addressed pool, the keys, the latest
//! signed checkpoint, a manifest of SHA-256s) and its verified restore into a new data dir or
//! database. It sits with `verify` above the services: a restore is proved by the offline log
//! verification. `copy --from-receipts --to-receipts` moves the originals a database names
//! between receipt stores (filesystem and object storage).
//!
//! ```text
//! <backup dir>/receipts/originals/ab/cd/<sha256>     the pool, shared by every snapshot
//! <backup dir>/snapshots/<id>/ledger.db               the database (SQLite, either backend)
//!                             log-key.pem             the checkpoint key (0600)
//!                             keys/                   access-token keys, when asked (0600)
//!                             checkpoint.txt          the latest signed checkpoint
//!                             manifest.json           SHA-256 of each file, originals needed
//! ```

pub mod backup;
pub mod error;
mod files;
pub mod manifest;
pub mod receipts;
pub mod restore;

pub use backup::{BackupReport, backup};
pub use error::OpsError;
pub use receipts::{ReceiptsCopy, copy_receipts};
pub use restore::{RestoreOptions, RestoreReport, restore};
