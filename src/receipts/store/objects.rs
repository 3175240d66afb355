//! The receipt store on S3-compatible object storage (`VL_RECEIPTS_URL=s3://bucket/prefix`),
//! through the `object_store` crate, with the layout of the filesystem store under the prefix:
//!
//! ```text
//! <prefix>/originals/ab/cd/abcd…(sha256)       untouched originals, written once
//! <prefix>/renditions/ab/cd/abcd…-thumb.jpg    renditions, made again from the original if lost
//! ```
//!
//! Endpoint and credentials are read as `object_store` reads them (`AWS_ENDPOINT_URL`,
//! `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`, `AWS_ALLOW_HTTP`, …). Several
//! servers share one bucket: an original is put only when its name is absent (`If-None-Match`),
//! and two servers putting the same SHA-256 put the same bytes.
//!
//! The service's receipt code is blocking (it runs on the blocking pool); the requests run on a
//! small runtime of their own, so a blocking caller waits for them without holding an async
//! worker's runtime. Any failure other than "not found" is the store being unavailable.

use std::fmt;
use std::future::Future;
use std::io::{self, Write};
use std::path::Path as FsPath;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime};

use futures_util::StreamExt;
use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::path::Path;
use object_store::{ClientConfigKey, ObjectStore, PutMode, PutOptions, PutPayload, RetryConfig};

/// How long the readiness probe waits for the store.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);
/// How long a probe's answer is reused: `/readyz` polled many times a second costs one request.
const PROBE_REUSE: Duration = Duration::from_secs(2);

/// The object store was unreachable or refused a request: the service answers 503.
#[derive(Debug)]
pub struct Unavailable(pub String);

impl fmt::Display for Unavailable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the receipt object store is unavailable: {}", self.0)
    }
}

impl std::error::Error for Unavailable {}

fn unavailable(e: impl fmt::Display) -> io::Error {
    io::Error::other(Unavailable(e.to_string()))
}

/// The runtime the object store's requests run on, made once per process and never dropped.
fn runtime() -> io::Result<&'static tokio::runtime::Runtime> {
    static RUNTIME: OnceLock<Result<tokio::runtime::Runtime, String>> = OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name("receipt-objects")
                .enable_all()
                .build()
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| io::Error::other(e.clone()))
}

/// Runs `work` on the store's runtime and waits for it, from any thread (a blocking task, the
/// command line, or start-up inside the server's runtime).
fn wait_for<T: Send + 'static>(work: impl Future<Output = io::Result<T>> + Send + 'static) -> io::Result<T> {
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    runtime()?.spawn(async move {
        let _ = tx.send(work.await);
    });
    rx.recv().map_err(|_| unavailable("the request was dropped"))?
}

/// One bucket (and prefix) of an S3-compatible store.
pub struct ObjectArea {
    store: Arc<dyn ObjectStore>,
    bucket: String,
    prefix: Path,
    url: String,
    probed: Mutex<Option<(Instant, Result<(), String>)>>,
}

impl fmt::Debug for ObjectArea {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ObjectArea").field("url", &self.url).finish()
    }
}

impl ObjectArea {
    /// The store at `url` (`s3://bucket/prefix`), configured from the `AWS_*` environment, then
    /// from `options` (`object_store`'s configuration keys, e.g. `aws_endpoint`).
    pub fn open(url: &str, options: &[(String, String)]) -> io::Result<Self> {
        let invalid = |e: &dyn fmt::Display| io::Error::new(io::ErrorKind::InvalidInput, format!("{url}: {e}"));
        let rest = url.strip_prefix("s3://").ok_or_else(|| invalid(&"not an s3:// URL"))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(invalid(&"no bucket"));
        }
        // An unreachable store answers within seconds, not after object_store's default minutes
        // of retries; the `AWS_*` environment may still set other values.
        let mut builder = AmazonS3Builder::new()
            .with_config(AmazonS3ConfigKey::Client(ClientConfigKey::ConnectTimeout), "2s")
            .with_config(AmazonS3ConfigKey::Client(ClientConfigKey::Timeout), "60s")
            .with_retry(RetryConfig {
                max_retries: 2,
                retry_timeout: Duration::from_secs(5),
                ..RetryConfig::default()
            });
        let from_env = std::env::vars().filter(|(k, _)| k.starts_with("AWS_"));
        for (key, value) in from_env.chain(options.iter().cloned()) {
            if let Ok(key) = key.to_ascii_lowercase().parse::<AmazonS3ConfigKey>() {
                builder = builder.with_config(key, value);
            }
        }
        let store = builder.with_bucket_name(bucket).build().map_err(|e| invalid(&e))?;
        Ok(ObjectArea {
            store: Arc::new(store),
            bucket: bucket.to_owned(),
            prefix: Path::from(prefix),
            url: url.to_owned(),
            probed: Mutex::new(None),
        })
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// `<prefix>/<area>/ab/cd/<name>` for a name starting with the SHA-256 `abcd…`.
    /// `s3://bucket/key`, for messages.
    pub fn name_of(&self, key: &Path) -> String {
        format!("s3://{}/{key}", self.bucket)
    }

    fn key(&self, area: &str, name: &str) -> Path {
        self.prefix
            .child(area)
            .child(name.get(..2).unwrap_or_default())
            .child(name.get(2..4).unwrap_or_default())
            .child(name)
    }

    /// Where the original with this SHA-256 is (or would be) stored.
    pub fn original_key(&self, sha256_hex: &str) -> Path {
        self.key("originals", sha256_hex)
    }

    /// Where a rendition of the original with this SHA-256 is (or would be) stored.
    pub fn rendition_key(&self, sha256_hex: &str, size: &str) -> Path {
        self.key("renditions", &format!("{sha256_hex}-{size}.jpg"))
    }

    /// Whether an object is stored at `key`.
    pub fn exists(&self, key: &Path) -> io::Result<bool> {
        let (store, key) = (self.store.clone(), key.clone());
        wait_for(async move {
            match store.head(&key).await {
                Ok(_) => Ok(true),
                Err(object_store::Error::NotFound { .. }) => Ok(false),
                Err(e) => Err(unavailable(e)),
            }
        })
    }

    /// Puts the bytes of the file `from` at `key` unless an object is there already: the
    /// original's bytes are never replaced (write-once, and the same name means the same bytes).
    pub fn put_once(&self, key: &Path, from: &FsPath) -> io::Result<()> {
        if self.exists(key)? {
            return Ok(());
        }
        let bytes = std::fs::read(from)?;
        let (store, key) = (self.store.clone(), key.clone());
        wait_for(async move {
            let opts = PutOptions::from(PutMode::Create);
            match store.put_opts(&key, PutPayload::from(bytes), opts).await {
                // Another server put the same SHA-256 in between.
                Ok(_) | Err(object_store::Error::AlreadyExists { .. } | object_store::Error::Precondition { .. }) => {
                    Ok(())
                }
                Err(e) => Err(unavailable(e)),
            }
        })
    }

    /// Puts `bytes` at `key`, replacing what is there (renditions, which can be made again).
    pub fn put(&self, key: &Path, bytes: Vec<u8>) -> io::Result<()> {
        let (store, key) = (self.store.clone(), key.clone());
        wait_for(async move {
            store
                .put(&key, PutPayload::from(bytes))
                .await
                .map(|_| ())
                .map_err(unavailable)
        })
    }

    /// Streams the object at `key` into `to`; `false` when there is none.
    pub fn fetch(&self, key: &Path, mut to: std::fs::File) -> io::Result<bool> {
        let (store, key) = (self.store.clone(), key.clone());
        wait_for(async move {
            let mut chunks = match store.get(&key).await {
                Ok(found) => found.into_stream(),
                Err(object_store::Error::NotFound { .. }) => return Ok(false),
                Err(e) => return Err(unavailable(e)),
            };
            while let Some(chunk) = chunks.next().await {
                to.write_all(&chunk.map_err(unavailable)?)?;
            }
            to.sync_all()?;
            Ok(true)
        })
    }

    /// The names (last path segment) and modification times of the objects under `area`.
    pub fn list(&self, area: &str) -> io::Result<Vec<(String, SystemTime)>> {
        let (store, prefix) = (self.store.clone(), self.prefix.child(area));
        wait_for(async move {
            let mut listing = store.list(Some(&prefix));
            let mut found = Vec::new();
            while let Some(meta) = listing.next().await {
                let meta = meta.map_err(unavailable)?;
                if let Some(name) = meta.location.filename() {
                    found.push((name.to_owned(), SystemTime::from(meta.last_modified)));
                }
            }
            Ok(found)
        })
    }

    /// Deletes the object `name` of `area` (as [`list`](Self::list) named it).
    pub fn delete(&self, area: &str, name: &str) -> io::Result<()> {
        let (store, key) = (self.store.clone(), self.key(area, name));
        wait_for(async move {
            match store.delete(&key).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
                Err(e) => Err(unavailable(e)),
            }
        })
    }

    /// Whether the store answers (a lookup of a name never written), within [`PROBE_TIMEOUT`];
    /// the answer is reused for [`PROBE_REUSE`].
    pub async fn probe(&self) -> Result<(), String> {
        if let Ok(probed) = self.probed.lock()
            && let Some((at, answer)) = probed.as_ref()
            && at.elapsed() < PROBE_REUSE
        {
            return answer.clone();
        }
        let (store, key) = (self.store.clone(), self.prefix.child("readiness-probe"));
        let asked = async move {
            match tokio::time::timeout(PROBE_TIMEOUT, store.head(&key)).await {
                Ok(Ok(_) | Err(object_store::Error::NotFound { .. })) => Ok(()),
                Ok(Err(e)) => Err(e.to_string()),
                Err(_) => Err(format!("no answer within {PROBE_TIMEOUT:?}")),
            }
        };
        let answer = match runtime() {
            Ok(rt) => rt.spawn(asked).await.unwrap_or_else(|e| Err(e.to_string())),
            Err(e) => Err(e.to_string()),
        };
        if let Ok(mut probed) = self.probed.lock() {
            *probed = Some((Instant::now(), answer.clone()));
        }
        answer
    }
}
