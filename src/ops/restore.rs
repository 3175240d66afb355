//! `village-ledger restore --from DIR --data-dir NEW [--database-url URL] [--snapshot ID]
//! [--trusted-checkpoint FILE]`.
//!
//! Refuses before writing anything when the snapshot's manifest does not match its files (the
//! file named), an original of the pool is missing, or the target holds data. Then it restores
//! into the new data dir (the database into a SQLite file: the target itself, or a staging file
//! for PostgreSQL), migrates it to this binary's schema, and runs the transparency-log
//! verification on it with the restored originals and log key: every leaf against its row, the
//! stored tree, every signed checkpoint, the snapshot's `checkpoint.txt`, and the trusted
//! checkpoint kept elsewhere (a rewritten manifest cannot forge a checkpoint signed by the
//! deployment's key). Only a restore that verifies is copied into PostgreSQL; one that does not
//! is removed again, and the refusal says why.

use std::fs;
use std::path::{Path, PathBuf};

use super::error::OpsError;
use super::files::{OriginalCopy, copy_file, copy_original, create_dir, files_under, sha256_of};
use super::manifest::{CHECKPOINT, DATABASE, LOG_KEY, MANIFEST, Manifest, TOKEN_KEYS, pool_path};
use crate::db::copy::TableCopy;
use crate::db::{DbConn, DbUrl};
use crate::msg;
use crate::receipts::ReceiptStore;
use crate::tlog::checkpoint::LogSigner;
use crate::tlog::proof::verify_checkpoint;

pub struct RestoreOptions {
    /// The backup directory.
    pub from: PathBuf,
    /// The snapshot's id; `None`: the latest.
    pub snapshot: Option<String>,
    pub data_dir: PathBuf,
    /// `None`: `<data dir>/ledger.db`.
    pub database_url: Option<String>,
    pub trusted_checkpoint: Option<PathBuf>,
}

/// What a restore did and proved.
#[derive(Debug)]
pub struct RestoreReport {
    pub id: String,
    pub log_origin: String,
    pub receipts: usize,
    pub leaves: u64,
    pub checkpoints: u64,
    /// The size of the trusted checkpoint the restored log was proved consistent with.
    pub trusted_size: Option<u64>,
    /// The tables copied into PostgreSQL, compared on both sides (empty for SQLite).
    pub tables: Vec<TableCopy>,
}

pub fn restore(o: &RestoreOptions) -> Result<RestoreReport, OpsError> {
    let (id, dir) = find_snapshot(&o.from, o.snapshot.as_deref())?;
    let shown = format!("snapshots/{id}");
    let manifest = Manifest::read(&dir, &format!("{shown}/{MANIFEST}"))?;
    check_snapshot(&o.from, &dir, &shown, &manifest)?;
    let trusted = match &o.trusted_checkpoint {
        Some(path) => Some((
            path.display().to_string(),
            fs::read_to_string(path).map_err(OpsError::io(path))?,
        )),
        None => None,
    };
    let target = Target::check(o)?;
    match restore_into(o, &dir, &manifest, &target, trusted) {
        Ok(report) => Ok(report),
        Err(e) => {
            target.remove_what_was_written(&o.data_dir);
            Err(e)
        }
    }
}

/// The snapshot `id`, or the latest complete one (ids sort by time; a manifest marks it done).
fn find_snapshot(from: &Path, id: Option<&str>) -> Result<(String, PathBuf), OpsError> {
    let snapshots = from.join("snapshots");
    if let Some(id) = id {
        let dir = snapshots.join(id);
        let plain = !id.is_empty() && !id.starts_with('.') && !id.contains(['/', '\\']);
        if !plain || !dir.join(MANIFEST).is_file() {
            return Err(OpsError::UnknownSnapshot { id: id.to_owned() });
        }
        return Ok((id.to_owned(), dir));
    }
    let no_snapshot = || OpsError::NoSnapshot {
        dir: from.display().to_string(),
    };
    let entries = match fs::read_dir(&snapshots) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(no_snapshot()),
        Err(e) => return Err(OpsError::io(&snapshots)(e)),
    };
    let mut ids = Vec::new();
    for entry in entries {
        let entry = entry.map_err(OpsError::io(&snapshots))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.starts_with('.') && entry.path().join(MANIFEST).is_file() {
            ids.push(name);
        }
    }
    let id = ids.into_iter().max().ok_or_else(no_snapshot)?;
    let dir = snapshots.join(&id);
    Ok((id, dir))
}

/// Every file the manifest lists is there with its SHA-256, no other file is, and every
/// original it needs is in the pool (its bytes are hashed when they are copied).
fn check_snapshot(root: &Path, dir: &Path, shown: &str, manifest: &Manifest) -> Result<(), OpsError> {
    let named = |rel: &str| format!("{shown}/{rel}");
    for required in [DATABASE, LOG_KEY] {
        if !manifest.files.iter().any(|f| f.path == required) {
            return Err(OpsError::Missing { file: named(required) });
        }
    }
    for rel in files_under(dir)? {
        if rel != MANIFEST && !manifest.files.iter().any(|f| f.path == rel) {
            return Err(OpsError::Unlisted { file: named(&rel) });
        }
    }
    for file in &manifest.files {
        let safe = !file.path.is_empty()
            && !file.path.starts_with('/')
            && file
                .path
                .split('/')
                .all(|part| !part.is_empty() && part != "." && part != "..");
        if !safe {
            return Err(OpsError::BadManifest {
                file: named(MANIFEST),
                reason: file.path.clone(),
            });
        }
        let path = dir.join(&file.path);
        if !path.is_file() {
            return Err(OpsError::Missing {
                file: named(&file.path),
            });
        }
        let (sha256, _) = sha256_of(&path).map_err(OpsError::io(&path))?;
        if sha256 != file.sha256 {
            return Err(OpsError::Altered {
                file: named(&file.path),
            });
        }
    }
    for sha in &manifest.receipts {
        let is_sha = sha.len() == 64 && sha.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        if !is_sha {
            return Err(OpsError::BadManifest {
                file: named(MANIFEST),
                reason: sha.clone(),
            });
        }
        if !root.join(pool_path(sha)).is_file() {
            return Err(OpsError::Missing { file: pool_path(sha) });
        }
    }
    Ok(())
}

/// Where the database goes, proved empty before anything is written.
struct Target {
    /// The SQLite file the snapshot's database is copied to (the target, or a staging file).
    staged: PathBuf,
    /// The PostgreSQL database it is copied into at the end.
    postgres: Option<crate::db::DbPool>,
    /// Whether the data dir was created by the restore.
    created_dir: bool,
}

impl Target {
    fn check(o: &RestoreOptions) -> Result<Target, OpsError> {
        let created_dir = match fs::read_dir(&o.data_dir) {
            Ok(mut entries) => {
                if entries.next().is_some() {
                    return Err(OpsError::DataDirNotEmpty {
                        dir: o.data_dir.display().to_string(),
                    });
                }
                false
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => true,
            Err(e) => return Err(OpsError::io(&o.data_dir)(e)),
        };
        let url = o.database_url.as_deref().map(DbUrl::parse);
        match url {
            None => Ok(Target {
                staged: o.data_dir.join(DATABASE),
                postgres: None,
                created_dir,
            }),
            Some(DbUrl::Sqlite(path)) => {
                let staged = PathBuf::from(path);
                if staged.exists() {
                    return Err(OpsError::DatabaseFileExists {
                        file: staged.display().to_string(),
                    });
                }
                Ok(Target {
                    staged,
                    postgres: None,
                    created_dir,
                })
            }
            Some(url @ DbUrl::Postgres(_)) => {
                let pool = crate::db::connect(&url, 2)?;
                let mut conn = pool.get().map_err(|e| OpsError::Connect(e.to_string()))?;
                crate::db::copy::ensure_empty(&mut conn)?;
                drop(conn);
                Ok(Target {
                    staged: o.data_dir.join("restore-staging.db"),
                    postgres: Some(pool),
                    created_dir,
                })
            }
        }
    }

    fn remove_staged(&self) {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let mut name = self.staged.clone().into_os_string();
            name.push(suffix);
            let _ = fs::remove_file(PathBuf::from(name));
        }
    }

    /// Undoes a refused restore: the data dir as it was (absent or empty), no target file.
    fn remove_what_was_written(&self, data_dir: &Path) {
        self.remove_staged();
        if self.created_dir {
            let _ = fs::remove_dir_all(data_dir);
        } else if let Ok(entries) = fs::read_dir(data_dir) {
            for entry in entries.flatten() {
                let path = entry.path();
                let _ = if path.is_dir() {
                    fs::remove_dir_all(&path)
                } else {
                    fs::remove_file(&path)
                };
            }
        }
    }
}

fn restore_into(
    o: &RestoreOptions,
    dir: &Path,
    manifest: &Manifest,
    target: &Target,
    trusted: Option<(String, String)>,
) -> Result<RestoreReport, OpsError> {
    create_dir(&o.data_dir)?;
    copy_file(&dir.join(DATABASE), &target.staged, false)?;
    let log_key = o.data_dir.join(LOG_KEY);
    copy_file(&dir.join(LOG_KEY), &log_key, true)?;
    let token_keys: Vec<&str> = manifest
        .files
        .iter()
        .filter_map(|f| f.path.strip_prefix(&format!("{TOKEN_KEYS}/")))
        .collect();
    if !token_keys.is_empty() {
        create_dir(&o.data_dir.join(TOKEN_KEYS))?;
    }
    for name in token_keys {
        let rel = format!("{TOKEN_KEYS}/{name}");
        copy_file(&dir.join(&rel), &o.data_dir.join(&rel), true)?;
    }
    let store_root = o.data_dir.join("receipts");
    let store = ReceiptStore::new(&store_root).map_err(OpsError::io(&store_root))?;
    let pool = ReceiptStore::existing(o.from.join("receipts"));
    for sha in &manifest.receipts {
        match copy_original(&pool, &store, sha)? {
            OriginalCopy::Present | OriginalCopy::Copied => {}
            OriginalCopy::Missing => return Err(OpsError::Missing { file: pool_path(sha) }),
            OriginalCopy::Altered => return Err(OpsError::Altered { file: pool_path(sha) }),
        }
    }
    let staged = crate::db::connect(&DbUrl::Sqlite(target.staged.to_string_lossy().into_owned()), 1)?;
    let mut conn = staged.get().map_err(|e| OpsError::Connect(e.to_string()))?;
    let signer = LogSigner::open(&log_key, &manifest.log_origin)?;
    let verified = crate::verify::verify(&mut conn, &signer, &store)?;
    if !verified.problems.is_empty() {
        return Err(OpsError::LogDoesNotVerify {
            problems: verified.problems.into_iter().take(20).collect(),
        });
    }
    let key = signer.verifier_key();
    if manifest.files.iter().any(|f| f.path == CHECKPOINT) {
        let path = dir.join(CHECKPOINT);
        let note = fs::read_to_string(&path).map_err(OpsError::io(&path))?;
        check_checkpoint(
            &mut conn,
            &key,
            &note,
            &format!("snapshots/{}/{CHECKPOINT}", manifest.id),
        )?;
    }
    let trusted_size = match trusted {
        Some((shown, note)) => Some(check_checkpoint(&mut conn, &key, &note, &shown)?),
        None => None,
    };
    let mut tables = Vec::new();
    if let Some(pg) = &target.postgres {
        let mut into = pg.get().map_err(|e| OpsError::Connect(e.to_string()))?;
        tables = crate::db::copy::copy_county(&mut conn, &mut into)?;
        drop(conn);
        drop(staged);
        target.remove_staged();
    }
    Ok(RestoreReport {
        id: manifest.id.clone(),
        log_origin: manifest.log_origin.clone(),
        receipts: manifest.receipts.len(),
        leaves: verified.leaves,
        checkpoints: verified.checkpoints,
        trusted_size,
        tables,
    })
}

/// Proves the restored log consistent with the signed checkpoint `note`: signed by the
/// restored log key, no larger than the log, and the root of the log's first `size` leaves
/// (whose tree `verify` checked leaf by leaf) is the one it signs. Returns its size.
fn check_checkpoint(conn: &mut DbConn, key: &str, note: &str, shown: &str) -> Result<u64, OpsError> {
    let refuse = |why| OpsError::Checkpoint {
        file: shown.to_owned(),
        why,
    };
    let checkpoint =
        verify_checkpoint(note, key).map_err(|e| refuse(msg!("ops-checkpoint-signature", reason = e.to_string())))?;
    let size = crate::tlog::size(conn)?;
    if checkpoint.size > size {
        return Err(refuse(msg!(
            "ops-checkpoint-beyond",
            size = checkpoint.size,
            log = size
        )));
    }
    let root = crate::tlog::Tree::new(conn).root(checkpoint.size)?;
    if root != checkpoint.root {
        return Err(refuse(msg!("ops-checkpoint-root", size = checkpoint.size)));
    }
    Ok(checkpoint.size)
}
