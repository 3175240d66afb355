//! How errors of the `tlog` service become problem documents.

use super::ApiError;
use crate::msg;
use crate::tlog::TlogError;

impl From<TlogError> for ApiError {
    fn from(e: TlogError) -> Self {
        match e {
            TlogError::LeafOutsideTree { leaf, size } => {
                ApiError::Invalid(msg!("log-leaf-outside-tree", leaf = leaf, size = size))
            }
            TlogError::NoConsistencyProof { from, to } => {
                ApiError::Invalid(msg!("log-no-consistency-proof", from = from, to = to))
            }
            TlogError::CheckpointMismatch { size } => ApiError::Internal(format!(
                "the log no longer agrees with the checkpoint of size {size}; run `village-ledger verify`"
            )),
            TlogError::UniqueViolation { source, .. } | TlogError::Database(source) => ApiError::from(source),
            other @ (TlogError::CorruptHash
            | TlogError::MissingNode { .. }
            | TlogError::KeyUnreadable { .. }
            | TlogError::KeyUnwritable { .. }
            | TlogError::NotAnEd25519Key { .. }) => ApiError::Internal(other.to_string()),
        }
    }
}
