//! `village-ledger backup --data-dir D --to DIR`, while the server runs and writes go on.
//!
//! The database is read in one snapshot: SQLite's `VACUUM INTO` (a consistent copy made in one
//! read transaction, writers carry on under WAL), or, for PostgreSQL, one `REPEATABLE READ`
//! read-only transaction copied table by table into a SQLite file (`copy`'s code, compared
//! table by table). Either way the dump is a SQLite file that restores into both backends.
//! Then every original the snapshot's receipts name goes into the shared pool (only those the
//! pool lacks), with the log key (and, asked for, the access-token keys), the latest signed
//! checkpoint, and the manifest, last. Originals are written before the rows that name them and
//! never removed, so each one the snapshot names is stored when it is read, on disk or in the
//! object store `VL_RECEIPTS_URL` names.

use std::fs;
use std::path::Path;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use super::error::OpsError;
use super::files::{OriginalCopy, copy_file, copy_original, create_dir, files_under, sha256_of, sync_dir};
use super::manifest::{CHECKPOINT, DATABASE, FileEntry, LOG_KEY, Manifest, NewManifest, TOKEN_KEYS};
use crate::config::Settings;
use crate::db::schema::receipts;
use crate::db::{DbConn, DbUrl};
use crate::receipts::ReceiptStore;
use crate::receipts::store::ReceiptsLocation;
use crate::tlog::checkpoint::LogSigner;

/// What a backup wrote.
#[derive(Debug)]
pub struct BackupReport {
    pub id: String,
    pub source_backend: &'static str,
    /// Originals the snapshot needs, and how many of them the pool did not have yet.
    pub receipts: usize,
    pub receipts_copied: usize,
    pub database_bytes: u64,
    pub log_size: u64,
}

/// Backs up the data dir of `settings` (its database wherever `settings` puts it) into `to`.
pub fn backup(settings: &Settings, to: &Path, with_token_keys: bool) -> Result<BackupReport, OpsError> {
    let snapshots = to.join("snapshots");
    create_dir(&snapshots)?;
    let pool_root = to.join("receipts");
    let pool = ReceiptStore::new(&pool_root).map_err(OpsError::io(&pool_root))?;
    let id = new_snapshot_id(&snapshots);
    let staging = snapshots.join(format!(".{id}.partial"));
    create_dir(&staging)?;
    match fill_snapshot(settings, &staging, &pool, &id, with_token_keys) {
        Ok(report) => {
            let done = snapshots.join(&id);
            fs::rename(&staging, &done).map_err(OpsError::io(&done))?;
            sync_dir(&snapshots)?;
            Ok(report)
        }
        Err(e) => {
            let _ = fs::remove_dir_all(&staging);
            Err(e)
        }
    }
}

/// A sortable UTC time stamp, unique among the snapshots of `snapshots`.
fn new_snapshot_id(snapshots: &Path) -> String {
    loop {
        let id = chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ").to_string();
        if !snapshots.join(&id).exists() && !snapshots.join(format!(".{id}.partial")).exists() {
            return id;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
}

fn fill_snapshot(
    settings: &Settings,
    staging: &Path,
    pool: &ReceiptStore,
    id: &str,
    with_token_keys: bool,
) -> Result<BackupReport, OpsError> {
    let url = settings.db_url();
    let source_backend = if url.is_sqlite() { "sqlite" } else { "postgres" };
    let db_path = staging.join(DATABASE);
    dump_database(&url, &db_path)?;
    let (originals, log_size, checkpoint) = read_dump(&db_path)?;
    let source = source_store(settings, pool)?;
    let mut receipts_copied = 0;
    for sha in &originals {
        let shown = || source.original_name(sha);
        match copy_original(&source, pool, sha)? {
            OriginalCopy::Present => {}
            OriginalCopy::Copied => receipts_copied += 1,
            OriginalCopy::Missing => return Err(OpsError::Missing { file: shown() }),
            OriginalCopy::Altered => return Err(OpsError::SourceOriginalAltered { file: shown() }),
        }
    }
    let log_key = settings.log_key_file();
    if !log_key.is_file() {
        return Err(OpsError::Missing {
            file: log_key.display().to_string(),
        });
    }
    copy_file(&log_key, &staging.join(LOG_KEY), true)?;
    if with_token_keys {
        copy_token_keys(&settings.keys_dir(), &staging.join(TOKEN_KEYS))?;
    }
    if let Some(note) = checkpoint {
        let path = staging.join(CHECKPOINT);
        fs::write(&path, note).map_err(OpsError::io(&path))?;
    }
    let verifier_key = LogSigner::open(&staging.join(LOG_KEY), &settings.log_origin)?.verifier_key();
    let mut files = Vec::new();
    for rel in files_under(staging)? {
        let (sha256, bytes) = sha256_of(&staging.join(&rel)).map_err(OpsError::io(staging.join(&rel)))?;
        files.push(FileEntry {
            path: rel,
            sha256,
            bytes,
        });
    }
    let database_bytes = files.iter().find(|f| f.path == DATABASE).map_or(0, |f| f.bytes);
    let receipts = originals.len();
    Manifest::new(NewManifest {
        id: id.to_owned(),
        source_backend,
        log_origin: settings.log_origin.clone(),
        verifier_key,
        log_size,
        files,
        receipts: originals,
    })
    .write(staging)?;
    sync_dir(staging)?;
    Ok(BackupReport {
        id: id.to_owned(),
        source_backend,
        receipts,
        receipts_copied,
        database_bytes,
        log_size,
    })
}

/// The store the server keeps its receipts in, opened to read only: a filesystem store as it
/// is, creating nothing; an object store with the pool's `tmp/` for the copies it fetches.
fn source_store(settings: &Settings, pool: &ReceiptStore) -> Result<ReceiptStore, OpsError> {
    match &settings.receipts_url {
        None => Ok(ReceiptStore::existing(settings.receipts_dir())),
        Some(ReceiptsLocation::Files(root)) => Ok(ReceiptStore::existing(root)),
        Some(location) => ReceiptStore::open(Some(location), pool.root(), &settings.receipts_options)
            .map_err(OpsError::io(pool.root())),
    }
}

/// Writes a consistent snapshot of the database at `url` into the new SQLite file `to`.
fn dump_database(url: &DbUrl, to: &Path) -> Result<(), OpsError> {
    let mut source = crate::db::open_unmigrated(url).map_err(|e| OpsError::Connect(e.to_string()))?;
    if !crate::db::migrations_applied(&mut source) {
        return Err(OpsError::SourceNotMigrated);
    }
    match &mut source {
        DbConn::Sqlite(_) => {
            let target = to.to_string_lossy().replace('\'', "''");
            source.batch_execute(&format!("VACUUM INTO '{target}'"))?;
        }
        DbConn::Pg(_) => {
            let target = crate::db::connect(&DbUrl::Sqlite(to.to_string_lossy().into_owned()), 1)?;
            let mut target = target.get().map_err(|e| OpsError::Connect(e.to_string()))?;
            source.batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")?;
            let copied = crate::db::copy::copy_county(&mut source, &mut target);
            let ended = source.batch_execute(if copied.is_ok() { "COMMIT" } else { "ROLLBACK" });
            copied?;
            ended?;
            // One self-contained file: the WAL folded in and switched off.
            target.batch_execute("PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode = DELETE;")?;
        }
    }
    fs::File::open(to).and_then(|f| f.sync_all()).map_err(OpsError::io(to))
}

/// The originals a dump's receipts name, its log size and its latest signed checkpoint.
fn read_dump(path: &Path) -> Result<(Vec<String>, u64, Option<String>), OpsError> {
    crate::db::sqlite_multithread();
    let mut conn = DbConn::Sqlite(
        diesel::SqliteConnection::establish(&path.to_string_lossy()).map_err(|e| OpsError::Connect(e.to_string()))?,
    );
    conn.batch_execute("PRAGMA journal_mode = DELETE")?;
    let originals: Vec<String> = receipts::table
        .select(receipts::sha256)
        .distinct()
        .order(receipts::sha256)
        .load(&mut conn)?;
    let size = crate::tlog::size(&mut conn)?;
    let latest = crate::tlog::checkpoint::latest(&mut conn)?.map(|c| c.note);
    Ok((originals, size, latest))
}

/// Copies the access-token keyring (`<kid>.pem`, `keyring.json`) at mode 0600.
fn copy_token_keys(from: &Path, to: &Path) -> Result<(), OpsError> {
    create_dir(to)?;
    for rel in files_under(from)? {
        copy_file(&from.join(&rel), &to.join(&rel), true)?;
    }
    Ok(())
}
