//! `snapshots/<id>/manifest.json`: what a snapshot holds, each file with its SHA-256, and the
//! originals of the shared pool it needs (their names are their SHA-256). Written last, so a
//! snapshot directory without one is incomplete.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::error::OpsError;

pub const MANIFEST: &str = "manifest.json";
pub const DATABASE: &str = "ledger.db";
pub const LOG_KEY: &str = "log-key.pem";
pub const TOKEN_KEYS: &str = "keys";
pub const CHECKPOINT: &str = "checkpoint.txt";
const FORMAT: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    pub id: String,
    /// UTC, RFC 3339.
    pub created_at: String,
    /// `sqlite` or `postgres`: where the snapshot was taken (the dump is a SQLite file either way).
    pub source_backend: String,
    /// The transparency log's origin (`VL_LOG_ORIGIN`) and verifier key.
    pub log_origin: String,
    pub verifier_key: String,
    /// Leaves in the snapshot's log.
    pub log_size: u64,
    pub files: Vec<FileEntry>,
    /// SHA-256 of every original the snapshot's receipts name, in the pool.
    pub receipts: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FileEntry {
    /// Relative to the snapshot directory, `/`-separated.
    pub path: String,
    pub sha256: String,
    pub bytes: u64,
}

pub struct NewManifest {
    pub id: String,
    pub source_backend: &'static str,
    pub log_origin: String,
    pub verifier_key: String,
    pub log_size: u64,
    pub files: Vec<FileEntry>,
    pub receipts: Vec<String>,
}

impl Manifest {
    pub fn new(m: NewManifest) -> Self {
        Manifest {
            format: FORMAT,
            id: m.id,
            created_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            source_backend: m.source_backend.to_owned(),
            log_origin: m.log_origin,
            verifier_key: m.verifier_key,
            log_size: m.log_size,
            files: m.files,
            receipts: m.receipts,
        }
    }

    /// Reads the manifest of the snapshot directory `dir`; `shown` is its name in refusals.
    pub fn read(dir: &Path, shown: &str) -> Result<Self, OpsError> {
        let path = dir.join(MANIFEST);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(OpsError::Missing { file: shown.to_owned() });
            }
            Err(e) => return Err(OpsError::io(&path)(e)),
        };
        let bad = |reason: String| OpsError::BadManifest {
            file: shown.to_owned(),
            reason,
        };
        let manifest: Manifest = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
        if manifest.format != FORMAT {
            return Err(bad(format!("format {}", manifest.format)));
        }
        Ok(manifest)
    }

    pub fn write(&self, dir: &Path) -> Result<(), OpsError> {
        let path = dir.join(MANIFEST);
        let text = serde_json::to_vec_pretty(self).map_err(|e| OpsError::BadManifest {
            file: MANIFEST.to_owned(),
            reason: e.to_string(),
        })?;
        let write = || -> std::io::Result<()> {
            use std::io::Write;
            let mut file = std::fs::File::create_new(&path)?;
            file.write_all(&text)?;
            file.sync_all()
        };
        write().map_err(OpsError::io(&path))
    }
}

/// The pool path of an original, relative to the backup directory.
pub fn pool_path(sha256: &str) -> String {
    let (a, b) = (sha256.get(..2).unwrap_or(""), sha256.get(2..4).unwrap_or(""));
    format!("receipts/originals/{a}/{b}/{sha256}")
}
