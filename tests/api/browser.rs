//! The villagers' page in a real browser: `tests/browser/e2e.mjs` drives Debian's Chromium with
//! `playwright-core` through what a villager does on the demo county (sign in, a month, the
//! ancestral-hall labour line and its receipt, the proof verified and then tampered with,
//! offline reading, a question, sign-out), then as the demo inspector (the open round, its red
//! flags by rule, a flagged entry), with axe-core on each page and a screenshot of each
//! step at 360×740; `tests/browser/crypto.mjs` checks the page's pure-JavaScript verifier
//! against Node's crypto. They need `node`, `chromium` and `npm ci` in `tests/browser`
//! (`.ci/run` installs them): missing, they report themselves SKIPPED; under `CI=true` they fail.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::{Value, json};

use crate::support::http;

fn ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn node() -> Option<&'static str> {
    Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
        .then_some("node")
}

fn chromium() -> Option<String> {
    if let Ok(path) = std::env::var("CHROME_PATH") {
        return Some(path);
    }
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|b| {
            Command::new(b)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .map(str::to_owned)
}

/// Whether what a test needs is here; says SKIPPED when it is not (a failure under `CI=true`).
fn needs(what: &[(&str, bool)]) -> bool {
    let missing: Vec<&str> = what.iter().filter(|(_, here)| !here).map(|(name, _)| *name).collect();
    if missing.is_empty() {
        return true;
    }
    assert!(
        !ci(),
        "CI=true but {} missing (.ci/run installs them)",
        missing.join(", ")
    );
    eprintln!("SKIPPED: {} missing (.ci/run installs them)", missing.join(", "));
    false
}

fn modules_installed() -> bool {
    let modules = root().join("tests/browser/node_modules");
    modules.join("playwright-core").is_dir() && modules.join("axe-core").is_dir()
}

/// The real binary serving a fresh demo county on a free port; killed when dropped.
struct DemoServer {
    child: std::process::Child,
    addr: String,
    _dir: tempfile::TempDir,
}

impl DemoServer {
    fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_village-ledger"))
            .args(["demo", "--bind", "127.0.0.1:0", "--data-dir"])
            .arg(dir.path())
            .env("VL_LOG", "warn")
            .env("VL_LANG", "en")
            .env("VL_CHECKPOINT_SECONDS", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the demo");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let addr = loop {
            let line = lines.next().expect("the demo prints its address").expect("a line");
            if let Some(url) = line.rsplit("http://").next().filter(|_| line.contains("http://")) {
                break url.trim().to_owned();
            }
        };
        // Keep reading so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        DemoServer { child, addr, _dir: dir }
    }
}

impl Drop for DemoServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn sign_in(addr: &str, username: &str, password: &str) -> String {
    let (status, body) = http(
        addr,
        "POST",
        "/api/v1/auth/token",
        None,
        Some(&json!({"username": username, "password": password})),
    );
    assert_eq!(status, 200, "{body}");
    body["access_token"].as_str().unwrap().to_owned()
}

/// A clerk posts a line whose counterparty and description are markup, into an open month.
fn post_hostile_entry(addr: &str) -> String {
    let clerk = sign_in(addr, "clerk-zhuao", "zhuao-clerk-2026");
    let today = chrono::Utc::now().date_naive();
    let body = json!({
        "voucher_no": "XSS-001",
        "occurred_on": today.to_string(),
        "direction": "expense",
        "amount_fen": 12_345,
        "account_code": "515",
        "settlement_account_code": "101",
        "counterparty": "<img src=x onerror=\"window.__xss=1\">",
        "description": "<script>window.__xss=2</script>&amp;",
    });
    let (status, entry) = http(
        addr,
        "POST",
        "/api/v1/villages/331022102201/entries",
        Some(&clerk),
        Some(&body),
    );
    assert_eq!(status, 201, "{entry}");
    entry["id"].as_str().unwrap().to_owned()
}

fn screenshot_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser-screenshots");
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// The last line a script printed, as JSON.
fn summary_of(stdout: &str) -> Value {
    stdout
        .lines()
        .rev()
        .find_map(|l| serde_json::from_str::<Value>(l).ok())
        .unwrap_or(Value::Null)
}

#[test]
fn the_pure_javascript_verifier_agrees_with_node_crypto() {
    let Some(node) = node() else {
        needs(&[("node", false)]);
        return;
    };
    let out = Command::new(node)
        .arg(root().join("tests/browser/crypto.mjs"))
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    let summary = summary_of(&stdout);
    assert_eq!(summary["ok"], true, "{stdout}");
    assert!(summary["checks"].as_u64().unwrap_or(0) > 800, "{stdout}");
}

#[test]
fn a_villager_uses_the_page_in_chromium() {
    let chromium = chromium();
    if !needs(&[
        ("node", node().is_some()),
        ("chromium", chromium.is_some()),
        ("tests/browser/node_modules (npm ci)", modules_installed()),
    ]) {
        return;
    }
    let chromium = chromium.unwrap();
    let chrome_path = if chromium.contains('/') {
        chromium
    } else {
        let out = Command::new("which").arg(&chromium).output().expect("which");
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    };
    let server = DemoServer::start();
    let hostile = post_hostile_entry(&server.addr);
    let shots = screenshot_dir();
    let out = Command::new("node")
        .arg(root().join("tests/browser/e2e.mjs"))
        .arg(format!("http://{}", server.addr))
        .arg(&shots)
        .env("CHROME_PATH", chrome_path)
        .env("VL_XSS_ENTRY", &hostile)
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    eprintln!("{stdout}");
    eprintln!("screenshots of each step: {}", shots.display());
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    let summary = summary_of(&stdout);
    assert_eq!(summary["ok"], true, "{stdout}");
    let steps: Vec<&str> = summary["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for step in [
        "sign-in",
        "month",
        "line-verified",
        "receipt",
        "proof-tampered",
        "offline-month",
        "question",
        "hostile-text",
        "signed-out",
        "inspector-round",
        "inspector-rule",
        "inspector-flag-entry",
    ] {
        assert!(steps.contains(&step), "step {step} missing: {steps:?}");
    }
    assert!(
        summary["firstVisitBytes"].as_u64().is_some_and(|b| b < 100_000),
        "{stdout}"
    );
    let pngs = std::fs::read_dir(&shots).unwrap().count();
    assert_eq!(pngs, steps.len(), "a screenshot per step");
}
