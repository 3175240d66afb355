//! The receipt store on the local filesystem (the default), under the data directory:
//!
//! ```text
//! <root>/tmp/upload-…                          uploads being received
//! <root>/originals/ab/cd/abcd…(sha256)         untouched originals, read-only
//! <root>/renditions/ab/cd/abcd…-thumb.jpg      re-encoded renditions (thumb, screen, full)
//! ```
//!
//! Every file reaches its final name by fsync, rename and directory fsync, so a name that exists
//! always holds complete bytes. An original's bytes never change: the same SHA-256 committed
//! again (a retry, another server) leaves the stored file as it is. Files are written before the
//! database row that names them, so a crash in between leaves files without a row; [`sweep`]
//! removes them at start-up.
//!
//! [`sweep`]: FileStore::sweep
//!
//! With an object store behind it, only `tmp/` is used here: uploads are still received into a
//! local temp file, and copies fetched from the object store are read from one.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::super::renditions::RenditionSize;

/// A temp file receiving an upload, removed when dropped unless it was committed: an upload
/// refused, timed out or cut off leaves nothing in `tmp/` the moment its request ends.
#[derive(Debug)]
pub struct TempUpload {
    path: Option<PathBuf>,
}

impl TempUpload {
    pub fn path(&self) -> &Path {
        self.path.as_deref().unwrap_or(Path::new(""))
    }

    /// Keeps the file: it was moved to its final name.
    fn disarm(&mut self) {
        self.path = None;
    }
}

impl Drop for TempUpload {
    fn drop(&mut self) {
        if let Some(path) = self.path.take() {
            let _ = fs::remove_file(path);
        }
    }
}

/// The receipt files of one data directory.
#[derive(Debug, Clone)]
pub struct FileStore {
    root: PathBuf,
}

pub(super) fn check_sha(sha256_hex: &str) -> io::Result<()> {
    if sha256_hex.len() == 64 && sha256_hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        Ok(())
    } else {
        Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("`{}` is not a lowercase hex SHA-256", sha256_hex.escape_debug()),
        ))
    }
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Creates `dir` and its missing parents, fsyncing each parent whose entries changed.
fn create_dir_durably(dir: &Path) -> io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    if let Some(parent) = dir.parent() {
        create_dir_durably(parent)?;
    }
    match fs::create_dir(dir) {
        Ok(()) => dir.parent().map_or(Ok(()), sync_dir),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

impl FileStore {
    /// Opens (creating if needed) the store under `root`.
    pub fn new(root: impl Into<PathBuf>) -> io::Result<Self> {
        let store = FileStore { root: root.into() };
        for dir in ["tmp", "originals", "renditions"] {
            create_dir_durably(&store.root.join(dir))?;
        }
        Ok(store)
    }

    /// The store under `root` as it is, creating nothing: for reading a store another process
    /// writes (a backup's source) or one that must stay untouched (a backup's pool).
    pub fn existing(root: impl Into<PathBuf>) -> Self {
        FileStore { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn fanned_out(&self, area: &str, sha256_hex: &str) -> io::Result<PathBuf> {
        check_sha(sha256_hex)?;
        Ok(self.root.join(area).join(&sha256_hex[..2]).join(&sha256_hex[2..4]))
    }

    /// Where the original with this SHA-256 is (or would be) stored.
    pub fn original_path(&self, sha256_hex: &str) -> io::Result<PathBuf> {
        Ok(self.fanned_out("originals", sha256_hex)?.join(sha256_hex))
    }

    /// Where a rendition of the original with this SHA-256 is (or would be) stored.
    pub fn rendition_path(&self, sha256_hex: &str, size: RenditionSize) -> io::Result<PathBuf> {
        let name = format!("{sha256_hex}-{}.jpg", size.as_str());
        Ok(self.fanned_out("renditions", sha256_hex)?.join(name))
    }

    /// Removes the original with this SHA-256 and its renditions, those that are there;
    /// returns how many files were removed (see [`ReceiptStore::remove_unattached`]).
    ///
    /// [`ReceiptStore::remove_unattached`]: super::ReceiptStore::remove_unattached
    pub fn remove(&self, sha256_hex: &str) -> io::Result<usize> {
        let mut removed = 0;
        remove_if_present(&self.original_path(sha256_hex)?, &mut removed)?;
        for size in RenditionSize::ALL {
            remove_if_present(&self.rendition_path(sha256_hex, size)?, &mut removed)?;
        }
        Ok(removed)
    }

    /// A new empty file in `<root>/tmp/` to receive an upload, and its path.
    pub fn temp_file(&self) -> io::Result<(File, PathBuf)> {
        let dir = self.root.join("tmp");
        loop {
            let path = dir.join(format!("upload-{:016x}", rand::random::<u64>()));
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(file) => return Ok((file, path)),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// A new temp file for an upload, removed when the returned guard is dropped uncommitted.
    pub fn temp_upload(&self) -> io::Result<(File, TempUpload)> {
        let (file, path) = self.temp_file()?;
        Ok((file, TempUpload { path: Some(path) }))
    }

    /// [`commit_original`](Self::commit_original) of a guarded upload; the guard removes the
    /// temp file if the commit fails.
    pub fn commit_upload(&self, mut tmp: TempUpload, sha256_hex: &str) -> io::Result<PathBuf> {
        let committed = self.commit_original(tmp.path(), sha256_hex)?;
        tmp.disarm();
        Ok(committed)
    }

    /// Moves the fully written temp file `tmp` to its content address: fsync, read-only, rename,
    /// directory fsync. When the original is already stored, `tmp` is removed instead and the
    /// stored bytes are left untouched. The caller vouches that `sha256_hex` is the hash of the
    /// bytes in `tmp` (computed while they were received).
    pub fn commit_original(&self, tmp: &Path, sha256_hex: &str) -> io::Result<PathBuf> {
        let target = self.original_path(sha256_hex)?;
        if target.is_file() {
            fs::remove_file(tmp)?;
            return Ok(target);
        }
        let file = File::open(tmp)?;
        file.sync_all()?;
        let mut permissions = file.metadata()?.permissions();
        permissions.set_readonly(true);
        fs::set_permissions(tmp, permissions)?;
        let dir = self.fanned_out("originals", sha256_hex)?;
        create_dir_durably(&dir)?;
        // Two servers racing here both rename identical bytes onto the same name.
        fs::rename(tmp, &target)?;
        sync_dir(&dir)?;
        Ok(target)
    }

    /// Stores a rendition durably (temp file, fsync, rename, directory fsync), replacing any
    /// earlier one of the same size.
    pub fn write_rendition(&self, sha256_hex: &str, size: RenditionSize, bytes: &[u8]) -> io::Result<PathBuf> {
        let target = self.rendition_path(sha256_hex, size)?;
        let dir = self.fanned_out("renditions", sha256_hex)?;
        let (mut file, tmp) = self.temp_file()?;
        let written = file.write_all(bytes).and_then(|()| file.sync_all());
        drop(file);
        let moved = written
            .and_then(|()| create_dir_durably(&dir))
            .and_then(|()| fs::rename(&tmp, &target));
        if let Err(e) = moved {
            // Best effort: a leftover temp file is swept at the next start-up anyway.
            let _ = fs::remove_file(&tmp);
            return Err(e);
        }
        sync_dir(&dir)?;
        Ok(target)
    }

    /// Removes every temp file, and every original and rendition whose SHA-256 `is_known`
    /// rejects (no database row names it). Call at start-up, before uploads are accepted, with
    /// a single process using the data directory. Returns how many files were removed.
    pub fn sweep(&self, is_known: impl Fn(&str) -> bool) -> io::Result<usize> {
        self.sweep_older_than(is_known, Duration::ZERO)
    }

    /// [`sweep`](Self::sweep), sparing files modified less than `min_age` ago: for servers that
    /// share one data directory, where another server may be between writing a file and
    /// committing its row. `min_age` must exceed the longest upload.
    pub fn sweep_older_than(&self, is_known: impl Fn(&str) -> bool, min_age: Duration) -> io::Result<usize> {
        let now = SystemTime::now();
        let old_enough = |path: &Path| -> io::Result<bool> {
            if min_age.is_zero() {
                return Ok(true);
            }
            let modified = fs::symlink_metadata(path)?.modified()?;
            Ok(now.duration_since(modified).unwrap_or(Duration::ZERO) >= min_age)
        };
        let mut removed = 0;
        for entry in read_dir_if_exists(&self.root.join("tmp"))? {
            let path = entry?.path();
            if path.is_file() && old_enough(&path)? {
                remove_if_present(&path, &mut removed)?;
            }
        }
        for area in ["originals", "renditions"] {
            for file in fanned_out_files(&self.root.join(area))? {
                let Some(name) = file.file_name().and_then(|n| n.to_str()) else {
                    continue;
                };
                let sha = name.get(..64).unwrap_or(name);
                let ours =
                    check_sha(sha).is_ok() && (name.len() == 64 || (area == "renditions" && name.ends_with(".jpg")));
                if ours && !is_known(sha) && old_enough(&file)? {
                    remove_if_present(&file, &mut removed)?;
                }
            }
        }
        Ok(removed)
    }
}

fn read_dir_if_exists(dir: &Path) -> io::Result<Vec<io::Result<fs::DirEntry>>> {
    match fs::read_dir(dir) {
        Ok(entries) => Ok(entries.collect()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

/// The files two directory levels below `area` (`ab/cd/<file>`).
fn fanned_out_files(area: &Path) -> io::Result<Vec<PathBuf>> {
    let subdirs = |dir: &Path| -> io::Result<Vec<PathBuf>> {
        let mut dirs = Vec::new();
        for entry in read_dir_if_exists(dir)? {
            let path = entry?.path();
            if path.is_dir() {
                dirs.push(path);
            }
        }
        Ok(dirs)
    };
    let mut files = Vec::new();
    for level1 in subdirs(area)? {
        for level2 in subdirs(&level1)? {
            for entry in read_dir_if_exists(&level2)? {
                let path = entry?.path();
                if path.is_file() {
                    files.push(path);
                }
            }
        }
    }
    Ok(files)
}

fn remove_if_present(path: &Path, removed: &mut usize) -> io::Result<()> {
    match fs::remove_file(path) {
        Ok(()) => {
            *removed += 1;
            Ok(())
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}
