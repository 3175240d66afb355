//! The receipt store: one interface, [`ReceiptStore`], over the two places receipts are kept,
//! chosen by `VL_RECEIPTS_URL`: the local filesystem under the data directory (the default, or
//! `file:///path`; see [`files`]) or an S3-compatible object store (`s3://bucket/prefix`; see
//! [`objects`]).
//!
//! Either way originals are content-addressed and written once, before the database row that
//! names them; renditions are derived and made again from the original when missing. Uploads
//! are received into a local temp file first (bounded, hashed on the way), whichever store
//! keeps them. What is read is read from a local file: the stored file itself, or a copy
//! fetched from the object store that is removed once the reader has opened it.

mod files;
mod objects;

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

pub use files::{FileStore, TempUpload};
pub use objects::{ObjectArea, Unavailable};

use super::renditions::RenditionSize;

/// The shortest grace an object store's sweep gives objects without a row: a bucket is meant
/// to be shared, and another server may be between putting an original and committing its row.
const OBJECT_SWEEP_MIN_AGE: Duration = Duration::from_secs(3600);

/// Where receipts are kept, as `VL_RECEIPTS_URL` says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReceiptsLocation {
    /// `file:///absolute/path`: a filesystem store rooted there.
    Files(PathBuf),
    /// `s3://bucket/prefix`.
    Objects(String),
}

impl ReceiptsLocation {
    /// Parses `file:///…` or `s3://bucket[/prefix]`.
    pub fn parse(url: &str) -> Result<Self, String> {
        if let Some(path) = url.strip_prefix("file://") {
            if path.starts_with('/') {
                return Ok(ReceiptsLocation::Files(PathBuf::from(path)));
            }
            return Err(format!("`{url}`: a file URL names an absolute path (file:///…)"));
        }
        match url.strip_prefix("s3://") {
            Some(rest) if !rest.is_empty() && !rest.starts_with('/') => {
                Ok(ReceiptsLocation::Objects(url.trim_end_matches('/').to_owned()))
            }
            _ => Err(format!("`{url}` is neither file:///PATH nor s3://BUCKET/PREFIX")),
        }
    }
}

/// Whether `e` is an object store that could not be reached or refused the request (answered
/// 503), rather than a fault of the file or request at hand.
pub fn is_unavailable(e: &io::Error) -> bool {
    e.get_ref().is_some_and(|inner| inner.is::<Unavailable>())
}

/// A stored file to read from the local filesystem: the stored file itself, or a copy fetched
/// from the object store, removed when this is dropped (a file opened before that stays
/// readable through its handle).
#[derive(Debug)]
pub struct LocalCopy {
    path: PathBuf,
    _fetched: Option<TempUpload>,
}

impl LocalCopy {
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn stored(path: PathBuf) -> Self {
        LocalCopy { path, _fetched: None }
    }
}

/// The receipts of one deployment.
#[derive(Debug, Clone)]
pub struct ReceiptStore {
    /// Temp uploads always; originals and renditions unless `objects` keeps them.
    files: FileStore,
    objects: Option<Arc<ObjectArea>>,
}

impl ReceiptStore {
    /// The filesystem store under `root`, created if needed.
    pub fn new(root: impl Into<PathBuf>) -> io::Result<Self> {
        Ok(ReceiptStore {
            files: FileStore::new(root)?,
            objects: None,
        })
    }

    /// The filesystem store under `root` as it is, creating nothing (see [`FileStore::existing`]).
    pub fn existing(root: impl Into<PathBuf>) -> Self {
        ReceiptStore {
            files: FileStore::existing(root),
            objects: None,
        }
    }

    /// The store at `location`; `local_root` receives uploads (and, without a location, keeps
    /// the receipts). `options` are object store settings besides the `AWS_*` environment.
    pub fn open(
        location: Option<&ReceiptsLocation>,
        local_root: &Path,
        options: &[(String, String)],
    ) -> io::Result<Self> {
        match location {
            None => Self::new(local_root),
            Some(ReceiptsLocation::Files(root)) => Self::new(root),
            Some(ReceiptsLocation::Objects(url)) => Ok(ReceiptStore {
                files: FileStore::new(local_root)?,
                objects: Some(Arc::new(ObjectArea::open(url, options)?)),
            }),
        }
    }

    /// The store as a URL, for messages.
    pub fn describe(&self) -> String {
        match &self.objects {
            Some(objects) => objects.url().to_owned(),
            None => format!("file://{}", self.files.root().display()),
        }
    }

    /// The local directory: temp uploads, and the receipts of a filesystem store.
    pub fn root(&self) -> &Path {
        self.files.root()
    }

    /// The filesystem store's path of an original (see [`FileStore::original_path`]).
    pub fn original_path(&self, sha256_hex: &str) -> io::Result<PathBuf> {
        self.files.original_path(sha256_hex)
    }

    /// Where the original `sha256_hex` is (or would be) stored, for messages.
    pub fn original_name(&self, sha256_hex: &str) -> String {
        match &self.objects {
            Some(objects) if files::check_sha(sha256_hex).is_ok() => objects.name_of(&objects.original_key(sha256_hex)),
            _ => self
                .files
                .original_path(sha256_hex)
                .map_or_else(|_| sha256_hex.to_owned(), |p| p.display().to_string()),
        }
    }

    /// A new temp file for an upload, removed when the returned guard is dropped uncommitted.
    pub fn temp_upload(&self) -> io::Result<(std::fs::File, TempUpload)> {
        self.files.temp_upload()
    }

    /// Stores the fully written temp upload as the original `sha256_hex` (the caller vouches
    /// for the hash); the temp file is gone afterwards, whatever happened. An original already
    /// stored is left as it is.
    pub fn commit_upload(&self, tmp: TempUpload, sha256_hex: &str) -> io::Result<()> {
        match &self.objects {
            None => self.files.commit_upload(tmp, sha256_hex).map(drop),
            Some(objects) => {
                files::check_sha(sha256_hex)?;
                objects.put_once(&objects.original_key(sha256_hex), tmp.path())
            }
        }
    }

    /// Whether the original `sha256_hex` is stored.
    pub fn has_original(&self, sha256_hex: &str) -> io::Result<bool> {
        files::check_sha(sha256_hex)?;
        match &self.objects {
            None => Ok(self.files.original_path(sha256_hex)?.is_file()),
            Some(objects) => objects.exists(&objects.original_key(sha256_hex)),
        }
    }

    /// The original `sha256_hex` to read, or `None` when it is not stored.
    pub fn original(&self, sha256_hex: &str) -> io::Result<Option<LocalCopy>> {
        files::check_sha(sha256_hex)?;
        match &self.objects {
            None => {
                let path = self.files.original_path(sha256_hex)?;
                Ok(path.is_file().then(|| LocalCopy::stored(path)))
            }
            Some(objects) => self.fetch(objects, &objects.original_key(sha256_hex)),
        }
    }

    /// The rendition to read, or `None` when it was never made or was lost.
    pub fn rendition(&self, sha256_hex: &str, size: RenditionSize) -> io::Result<Option<LocalCopy>> {
        files::check_sha(sha256_hex)?;
        match &self.objects {
            None => {
                let path = self.files.rendition_path(sha256_hex, size)?;
                Ok(path.is_file().then(|| LocalCopy::stored(path)))
            }
            Some(objects) => self.fetch(objects, &objects.rendition_key(sha256_hex, size.as_str())),
        }
    }

    /// Stores a rendition, replacing any earlier one of the same size.
    pub fn put_rendition(&self, sha256_hex: &str, size: RenditionSize, bytes: &[u8]) -> io::Result<()> {
        match &self.objects {
            None => self.files.write_rendition(sha256_hex, size, bytes).map(drop),
            Some(objects) => {
                files::check_sha(sha256_hex)?;
                objects.put(&objects.rendition_key(sha256_hex, size.as_str()), bytes.to_vec())
            }
        }
    }

    /// [`put_rendition`](Self::put_rendition), returning the rendition to read.
    pub fn write_rendition(&self, sha256_hex: &str, size: RenditionSize, bytes: &[u8]) -> io::Result<LocalCopy> {
        if self.objects.is_none() {
            return self
                .files
                .write_rendition(sha256_hex, size, bytes)
                .map(LocalCopy::stored);
        }
        self.put_rendition(sha256_hex, size, bytes)?;
        let (mut file, tmp) = self.files.temp_upload()?;
        io::Write::write_all(&mut file, bytes)?;
        Ok(LocalCopy {
            path: tmp.path().to_owned(),
            _fetched: Some(tmp),
        })
    }

    fn fetch(&self, objects: &ObjectArea, key: &object_store::path::Path) -> io::Result<Option<LocalCopy>> {
        let (file, tmp) = self.files.temp_upload()?;
        Ok(objects.fetch(key, file)?.then(|| LocalCopy {
            path: tmp.path().to_owned(),
            _fetched: Some(tmp),
        }))
    }

    /// Removes the original `sha256_hex` and its renditions, those that are there, from the
    /// store: for an original that no row names and none will (a scan drawn again before it was
    /// attached). Originals are otherwise written once and kept; the caller vouches that no row
    /// names this one, as the same bytes stored twice are one original.
    pub fn remove_unattached(&self, sha256_hex: &str) -> io::Result<()> {
        files::check_sha(sha256_hex)?;
        let Some(objects) = &self.objects else {
            return self.files.remove(sha256_hex).map(drop);
        };
        objects.delete("originals", sha256_hex)?;
        for size in RenditionSize::ALL {
            objects.delete("renditions", &format!("{sha256_hex}-{}.jpg", size.as_str()))?;
        }
        Ok(())
    }

    /// Removes temp files, and originals and renditions no row names (`is_known` rejects their
    /// SHA-256) that are older than `min_age` (in an object store at least
    /// [`OBJECT_SWEEP_MIN_AGE`]). Returns how many were removed.
    pub fn sweep_older_than(&self, is_known: impl Fn(&str) -> bool, min_age: Duration) -> io::Result<usize> {
        let Some(objects) = &self.objects else {
            return self.files.sweep_older_than(is_known, min_age);
        };
        // Only the temp files here: originals a filesystem store left behind are not ours to judge.
        let mut removed = self.files.sweep_older_than(|_| true, min_age)?;
        let min_age = min_age.max(OBJECT_SWEEP_MIN_AGE);
        let now = SystemTime::now();
        for area in ["originals", "renditions"] {
            for (name, modified) in objects.list(area)? {
                let sha = name.get(..64).unwrap_or(&name);
                let ours = files::check_sha(sha).is_ok()
                    && (name.len() == 64 || (area == "renditions" && name.ends_with(".jpg")));
                let old = now.duration_since(modified).unwrap_or(Duration::ZERO) >= min_age;
                if ours && old && !is_known(sha) {
                    objects.delete(area, &name)?;
                    removed += 1;
                }
            }
        }
        Ok(removed)
    }

    /// Whether the store answers: always for the filesystem (the data dir is checked apart);
    /// for an object store, a lookup answered within two seconds (reused for two seconds).
    pub async fn probe(&self) -> Result<(), String> {
        match &self.objects {
            None => Ok(()),
            Some(objects) => objects.probe().await,
        }
    }
}
