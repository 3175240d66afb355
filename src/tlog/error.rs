//! What can go wrong in the transparency log. `Display` is an English line for the server log;
//! the api decides what a client reads (`api::problem::tlog`).

use std::path::PathBuf;

/// An error of the transparency log.
#[derive(Debug, thiserror::Error)]
pub enum TlogError {
    #[error("a stored log hash is not 32 bytes")]
    CorruptHash,
    #[error("log node ({level}, {idx}) is missing")]
    MissingNode { level: u32, idx: u64 },
    #[error("leaf {leaf} is not in a tree of {size} leaves")]
    LeafOutsideTree { leaf: u64, size: u64 },
    #[error("no consistency proof from {from} to {to} leaves")]
    NoConsistencyProof { from: u64, to: u64 },
    /// The stored tree no longer gives the root of a signed checkpoint: nothing more is signed.
    #[error("the log no longer agrees with the checkpoint of size {size}")]
    CheckpointMismatch { size: u64 },
    #[error("cannot read the checkpoint key {}", path.display())]
    KeyUnreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write the checkpoint key {}", path.display())]
    KeyUnwritable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{} is not an Ed25519 key", path.display())]
    NotAnEd25519Key {
        path: PathBuf,
        #[source]
        source: ed25519_dalek::pkcs8::Error,
    },
    /// A unique index refused a write; the source names the index.
    #[error("unique violation ({})", constraint.as_deref().unwrap_or("unnamed index"))]
    UniqueViolation {
        constraint: Option<String>,
        #[source]
        source: diesel::result::Error,
    },
    #[error("database error in the transparency log")]
    Database(#[source] diesel::result::Error),
}

impl From<diesel::result::Error> for TlogError {
    fn from(e: diesel::result::Error) -> Self {
        match crate::db::unique_violation(&e) {
            Some(constraint) => TlogError::UniqueViolation { constraint, source: e },
            None => TlogError::Database(e),
        }
    }
}

pub type Result<T, E = TlogError> = std::result::Result<T, E>;
