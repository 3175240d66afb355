//! Why a backup or a restore stopped. Every refusal names the file (relative to the backup
//! directory) or the target it is about; the text comes from the catalogue.

use std::fmt;
use std::path::PathBuf;

use crate::i18n::Msg;
use crate::msg;

#[derive(Debug)]
pub enum OpsError {
    /// The live database has migrations this binary knows and it has not applied.
    SourceNotMigrated,
    /// An original in the data dir no longer has the bytes its name promises.
    SourceOriginalAltered {
        file: String,
    },
    /// No complete snapshot in the backup directory.
    NoSnapshot {
        dir: String,
    },
    /// `--snapshot ID` names no complete snapshot.
    UnknownSnapshot {
        id: String,
    },
    /// A file of the snapshot or of the receipts pool is missing.
    Missing {
        file: String,
    },
    /// A file's SHA-256 is not the one its manifest (or, for an original, its name) records.
    Altered {
        file: String,
    },
    /// A file in the snapshot that its manifest does not list.
    Unlisted {
        file: String,
    },
    /// The manifest cannot be read as one.
    BadManifest {
        file: String,
        reason: String,
    },
    /// The target data dir holds files already.
    DataDirNotEmpty {
        dir: String,
    },
    /// The target SQLite file exists already.
    DatabaseFileExists {
        file: String,
    },
    /// The restored log does not verify: the problems `verify` found.
    LogDoesNotVerify {
        problems: Vec<Msg>,
    },
    /// A signed checkpoint (of the snapshot, or the trusted one) that the restored log fails.
    Checkpoint {
        file: String,
        why: Msg,
    },
    /// A database cannot be opened.
    Connect(String),
    /// Reading or writing a file.
    Io {
        file: PathBuf,
        source: std::io::Error,
    },
    Database(diesel::result::Error),
    Copy(crate::db::copy::CopyError),
    Startup(crate::db::StartupError),
    Tlog(crate::tlog::TlogError),
    Verify(crate::verify::VerifyError),
}

impl OpsError {
    pub fn io(file: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> OpsError {
        let file = file.into();
        move |source| OpsError::Io { file, source }
    }

    /// What a person reads.
    pub fn message(&self) -> Msg {
        match self {
            OpsError::SourceNotMigrated => msg!("ops-source-not-migrated"),
            OpsError::SourceOriginalAltered { file } => msg!("ops-source-original-altered", file = file.as_str()),
            OpsError::NoSnapshot { dir } => msg!("ops-no-snapshot", dir = dir.as_str()),
            OpsError::UnknownSnapshot { id } => msg!("ops-unknown-snapshot", id = id.as_str()),
            OpsError::Missing { file } => msg!("ops-file-missing", file = file.as_str()),
            OpsError::Altered { file } => msg!("ops-file-altered", file = file.as_str()),
            OpsError::Unlisted { file } => msg!("ops-file-unlisted", file = file.as_str()),
            OpsError::BadManifest { file, reason } => {
                msg!("ops-bad-manifest", file = file.as_str(), reason = reason.as_str())
            }
            OpsError::DataDirNotEmpty { dir } => msg!("ops-data-dir-not-empty", dir = dir.as_str()),
            OpsError::DatabaseFileExists { file } => msg!("ops-database-file-exists", file = file.as_str()),
            OpsError::LogDoesNotVerify { problems } => msg!(
                "ops-log-does-not-verify",
                count = problems.len(),
                problems = problems.clone()
            ),
            OpsError::Checkpoint { file, why } => msg!("ops-checkpoint", file = file.as_str(), why = why.clone()),
            OpsError::Io { file, source } => {
                msg!("ops-io", file = file.display().to_string(), reason = source.to_string())
            }
            OpsError::Connect(reason) => msg!("ops-database", reason = reason.as_str()),
            OpsError::Database(e) => msg!("ops-database", reason = e.to_string()),
            OpsError::Copy(e) => msg!("ops-copy", reason = error_chain(e)),
            OpsError::Startup(e) => msg!("ops-database", reason = e.to_string()),
            OpsError::Tlog(e) => msg!("ops-log", reason = e.to_string()),
            OpsError::Verify(e) => msg!("ops-log", reason = error_chain(e)),
        }
    }
}

/// An error and its causes on one line (the log's English texts).
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}

impl fmt::Display for OpsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.message().fmt(f)
    }
}

impl std::error::Error for OpsError {}

impl From<diesel::result::Error> for OpsError {
    fn from(e: diesel::result::Error) -> Self {
        OpsError::Database(e)
    }
}

impl From<crate::db::copy::CopyError> for OpsError {
    fn from(e: crate::db::copy::CopyError) -> Self {
        OpsError::Copy(e)
    }
}

impl From<crate::db::StartupError> for OpsError {
    fn from(e: crate::db::StartupError) -> Self {
        OpsError::Startup(e)
    }
}

impl From<crate::tlog::TlogError> for OpsError {
    fn from(e: crate::tlog::TlogError) -> Self {
        OpsError::Tlog(e)
    }
}

impl From<crate::verify::VerifyError> for OpsError {
    fn from(e: crate::verify::VerifyError) -> Self {
        OpsError::Verify(e)
    }
}
