//! How errors of the `tlog` service become problem documents.

use super::ApiError;
use crate::tlog::TlogError;

impl From<TlogError> for ApiError {
    fn from(e: TlogError) -> Self {
        match e {
            TlogError::LeafOutsideTree { leaf, size } => {
                ApiError::Invalid(format!("leaf {leaf} is not in a tree of {size} leaves"))
            }
            TlogError::NoConsistencyProof { from, to } => {
                ApiError::Invalid(format!("no consistency proof from {from} to {to} leaves"))
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
