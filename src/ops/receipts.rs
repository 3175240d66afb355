//! `village-ledger copy --from DB --from-receipts URL --to-receipts URL`: every original the
//! database's receipts name is copied from one receipt store into the other (filesystem or
//! S3-compatible object storage, either way), each one checked against its SHA-256 and only
//! when the target lacks it, so a copy that stopped half-way is simply run again. Renditions
//! are not copied: they are made again from the original on first request.

use diesel::prelude::*;

use super::error::OpsError;
use super::files::{OriginalCopy, copy_original};
use crate::db::DbConn;
use crate::db::schema::receipts;
use crate::receipts::ReceiptStore;
use crate::receipts::store::ReceiptsLocation;

/// What a receipts copy did.
#[derive(Debug)]
pub struct ReceiptsCopy {
    /// Originals the database names.
    pub receipts: usize,
    /// How many of them the target did not have yet.
    pub copied: usize,
    /// The target store, as a URL.
    pub to: String,
}

/// Copies the originals `db` names from the store at `from` into the store at `to`.
pub fn copy_receipts(
    db: &mut DbConn,
    from: &ReceiptsLocation,
    to: &ReceiptsLocation,
) -> Result<ReceiptsCopy, OpsError> {
    let originals: Vec<String> = receipts::table
        .select(receipts::sha256)
        .distinct()
        .order(receipts::sha256)
        .load(db)?;
    // Where uploads to an object store and copies fetched from one pass through.
    let scratch = tempfile::tempdir().map_err(OpsError::io(std::env::temp_dir()))?;
    let open = |location: &ReceiptsLocation, local: &str| {
        let local = scratch.path().join(local);
        ReceiptStore::open(Some(location), &local, &[]).map_err(OpsError::io(local))
    };
    let (source, target) = (open(from, "from")?, open(to, "to")?);
    let mut copied = 0;
    for sha in &originals {
        match copy_original(&source, &target, sha)? {
            OriginalCopy::Present => {}
            OriginalCopy::Copied => copied += 1,
            OriginalCopy::Missing => {
                return Err(OpsError::Missing {
                    file: source.original_name(sha),
                });
            }
            OriginalCopy::Altered => {
                return Err(OpsError::SourceOriginalAltered {
                    file: source.original_name(sha),
                });
            }
        }
    }
    Ok(ReceiptsCopy {
        receipts: originals.len(),
        copied,
        to: target.describe(),
    })
}
