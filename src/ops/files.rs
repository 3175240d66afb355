//! Files of a backup: hashed while copied, fsynced, keys kept at mode 0600, and the
//! content-addressed originals moved between receipt stores only when their bytes hash to their
//! name.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::Path;

use sha2::{Digest, Sha256};

use super::error::OpsError;
use crate::receipts::ReceiptStore;

/// Lowercase hex of a SHA-256 digest.
pub fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The SHA-256 (hex) and length of a file, read in 1 MiB pieces.
pub fn sha256_of(path: &Path) -> io::Result<(String, u64)> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut len = 0u64;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        len += n as u64;
    }
    Ok((hex(&hasher.finalize()), len))
}

/// Copies `from` to the new file `to` (mode 0600 when `secret`), fsynced, and returns the
/// SHA-256 of the bytes copied.
pub fn copy_file(from: &Path, to: &Path, secret: bool) -> Result<String, OpsError> {
    let mut source = File::open(from).map_err(OpsError::io(from))?;
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut target = options.open(to).map_err(OpsError::io(to))?;
    let sha = copy_hashing(&mut source, &mut target).map_err(OpsError::io(to))?;
    target.sync_all().map_err(OpsError::io(to))?;
    Ok(sha)
}

fn copy_hashing(source: &mut File, target: &mut File) -> io::Result<String> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = source.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        target.write_all(&buf[..n])?;
    }
    Ok(hex(&hasher.finalize()))
}

/// Where an original copy went wrong.
pub enum OriginalCopy {
    /// The target store had it already; nothing was written.
    Present,
    Copied,
    /// The source file is missing.
    Missing,
    /// The source file's bytes do not hash to its name; nothing was written.
    Altered,
}

/// Copies the original `sha256` from `from` into `to` unless `to` has it: through a temp file
/// of `to`, committed only when the bytes read hash to `sha256`. Either store may be a
/// filesystem or an object store.
pub fn copy_original(from: &ReceiptStore, to: &ReceiptStore, sha256: &str) -> Result<OriginalCopy, OpsError> {
    if to.has_original(sha256).map_err(OpsError::io(to.describe()))? {
        return Ok(OriginalCopy::Present);
    }
    let Some(stored) = from.original(sha256).map_err(OpsError::io(from.describe()))? else {
        return Ok(OriginalCopy::Missing);
    };
    let mut source = match File::open(stored.path()) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(OriginalCopy::Missing),
        Err(e) => return Err(OpsError::io(stored.path())(e)),
    };
    let (mut file, tmp) = to.temp_upload().map_err(OpsError::io(to.root()))?;
    let sha = copy_hashing(&mut source, &mut file).map_err(OpsError::io(tmp.path()))?;
    drop(file);
    if sha != sha256 {
        return Ok(OriginalCopy::Altered);
    }
    to.commit_upload(tmp, sha256).map_err(OpsError::io(to.describe()))?;
    Ok(OriginalCopy::Copied)
}

/// Fsyncs a directory, so the names created in it survive a crash.
pub fn sync_dir(dir: &Path) -> Result<(), OpsError> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(OpsError::io(dir))
}

/// Creates `dir` (and its parents).
pub fn create_dir(dir: &Path) -> Result<(), OpsError> {
    fs::create_dir_all(dir).map_err(OpsError::io(dir))
}

/// Every regular file under `dir`, as paths relative to it with `/` separators, sorted.
pub fn files_under(dir: &Path) -> Result<Vec<String>, OpsError> {
    let mut out = Vec::new();
    walk(dir, "", &mut out)?;
    out.sort();
    Ok(out)
}

fn walk(dir: &Path, prefix: &str, out: &mut Vec<String>) -> Result<(), OpsError> {
    for entry in fs::read_dir(dir).map_err(OpsError::io(dir))? {
        let entry = entry.map_err(OpsError::io(dir))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let rel = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        let kind = entry.file_type().map_err(OpsError::io(entry.path()))?;
        if kind.is_dir() {
            walk(&entry.path(), &rel, out)?;
        } else {
            out.push(rel);
        }
    }
    Ok(())
}
