//! A real S3 server for the receipt store's tests: `s3s-fs` (the S3 protocol implementation
//! RustFS is built on, from crates.io), serving a temp directory on a free port. The binary is
//! `VL_S3S_FS`, else `s3s-fs` on `PATH`, else where `.ci/run` installs it; without one the
//! test reports itself skipped, and under `CI=true` fails.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use village_ledger::config::Settings;
use village_ledger::receipts::store::ReceiptsLocation;

pub const BUCKET: &str = "receipts";
const ACCESS_KEY: &str = "village-ledger-test";
const SECRET_KEY: &str = "village-ledger-test-secret";

fn find_binary() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("VL_S3S_FS") {
        return Some(PathBuf::from(path));
    }
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|dir| dir.join("s3s-fs"));
    let cache = std::env::var_os("VL_CI_CACHE")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/village-ledger")))
        .map(|c| c.join("s3s-fs/bin/s3s-fs"));
    on_path.chain(cache).find(|p| p.is_file())
}

/// A running `s3s-fs` with one bucket, [`BUCKET`].
pub struct S3Server {
    binary: PathBuf,
    pub root: tempfile::TempDir,
    pub port: u16,
    child: Option<Child>,
}

impl S3Server {
    /// Starts `s3s-fs`, or `None` (reported as skipped) when it is not installed.
    pub fn start() -> Option<Self> {
        let Some(binary) = find_binary() else {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("CI=true but s3s-fs is not installed (VL_S3S_FS, PATH, or the CI cache)");
            }
            eprintln!("SKIPPED: s3s-fs is not installed (set VL_S3S_FS or put it on PATH)");
            return None;
        };
        let root = tempfile::tempdir().expect("temp dir");
        // s3s-fs keeps each bucket as a directory of its root.
        std::fs::create_dir(root.path().join(BUCKET)).expect("bucket directory");
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let mut server = S3Server {
            binary,
            root,
            port,
            child: None,
        };
        server.resume();
        Some(server)
    }

    /// Starts the server again (after [`stop`](Self::stop)) on the same port and directory.
    pub fn resume(&mut self) {
        let child = Command::new(&self.binary)
            .args(["--host", "127.0.0.1", "--port", &self.port.to_string()])
            .args(["--access-key", ACCESS_KEY, "--secret-key", SECRET_KEY])
            .arg(self.root.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start s3s-fs");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "s3s-fs did not listen on {}", self.port);
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stops the server; the port refuses connections until [`resume`](Self::resume).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// The object store settings, as `object_store` keys (for an app in this process).
    pub fn options(&self) -> Vec<(String, String)> {
        self.env()
            .into_iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v))
            .collect()
    }

    /// The `AWS_*` environment a server process or the command line reads.
    pub fn env(&self) -> Vec<(String, String)> {
        [
            ("AWS_ENDPOINT_URL", format!("http://127.0.0.1:{}", self.port)),
            ("AWS_ACCESS_KEY_ID", ACCESS_KEY.to_owned()),
            ("AWS_SECRET_ACCESS_KEY", SECRET_KEY.to_owned()),
            ("AWS_REGION", "us-east-1".to_owned()),
            ("AWS_ALLOW_HTTP", "true".to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }

    /// `s3://receipts/<prefix>`.
    pub fn url(&self, prefix: &str) -> String {
        format!("s3://{BUCKET}/{prefix}")
    }

    /// Points `settings` at `prefix` of the bucket.
    pub fn configure(&self, settings: &mut Settings, prefix: &str) {
        settings.receipts_url = Some(ReceiptsLocation::Objects(self.url(prefix)));
        settings.receipts_options = self.options();
    }

    /// Where s3s-fs keeps the object `key` of the bucket.
    pub fn object_file(&self, key: &str) -> PathBuf {
        self.root.path().join(BUCKET).join(key)
    }

    /// Where an original is kept under `prefix`, by its content address.
    pub fn original_file(&self, prefix: &str, sha: &str) -> PathBuf {
        self.object_file(&format!("{prefix}/originals/{}/{}/{sha}", &sha[..2], &sha[2..4]))
    }

    /// Where a rendition is kept under `prefix`.
    pub fn rendition_file(&self, prefix: &str, sha: &str, size: &str) -> PathBuf {
        self.object_file(&format!(
            "{prefix}/renditions/{}/{}/{sha}-{size}.jpg",
            &sha[..2],
            &sha[2..4]
        ))
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The lowercase hex SHA-256 of the file at `path`.
pub fn sha256_file(path: &Path) -> String {
    use sha2::Digest;
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    sha2::Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
