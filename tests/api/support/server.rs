//! The real server binary over TCP: starting it, and a client for the requests a browser or a
//! script would send (`ureq`). Requests no client would send go through [`super::RawRequest`].

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::LazyLock;
use std::time::Duration;

use serde_json::Value;

/// Starts the real server binary on a free port; returns the child and its address.
pub fn start_server(data_dir: &std::path::Path, extra: &[&str]) -> (Child, String) {
    start_server_env(data_dir, extra, &[])
}

/// [`start_server`] with the variables `env` set for the server.
pub fn start_server_env(data_dir: &std::path::Path, extra: &[&str], env: &[(String, String)]) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_village-ledger"))
        .args(["serve", "--bind", "127.0.0.1:0", "--data-dir"])
        .arg(data_dir)
        .args(extra)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .env("VL_LOG", "warn")
        .env("VL_LANG", "en")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the server");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).expect("listening line");
    let addr = line.trim().rsplit("http://").next().expect("address").to_owned();
    (child, addr)
}

/// Runs the real binary with `args`; returns whether it succeeded and what it printed.
pub fn run_cli(args: &[&str]) -> (bool, String) {
    run_cli_env(args, &[])
}

/// [`run_cli`] with the variables `env` set.
pub fn run_cli_env(args: &[&str], env: &[(String, String)]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_village-ledger"))
        .args(args)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .env("VL_LANG", "en")
        .output()
        .expect("run the binary");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// An answer read into memory.
pub struct Answer {
    pub status: u16,
    pub headers: ureq::http::HeaderMap,
    pub body: String,
}

impl Answer {
    /// The body as JSON, `null` when it is not JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// One client for every test: 4xx and 5xx are answers, not errors; nothing waits forever.
static CLIENT: LazyLock<ureq::Agent> = LazyLock::new(|| {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(120)))
        .build()
        .into()
});

/// Sends `method path` to the server at `addr`, as the bearer of `token` when given, with
/// `body` (and its content type) when given.
pub fn send(addr: &str, method: &str, path: &str, token: Option<&str>, body: Option<(&str, Vec<u8>)>) -> Answer {
    let mut request = ureq::http::Request::builder()
        .method(method)
        .uri(format!("http://{addr}{path}"))
        // The tests read the English texts (`language::` checks both languages).
        .header("accept-language", "en");
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let sent = match body {
        Some((content_type, bytes)) => CLIENT.run(
            request
                .header("content-type", content_type)
                .body(bytes)
                .expect("a request"),
        ),
        None => CLIENT.run(request.body(()).expect("a request")),
    };
    let mut response = sent.unwrap_or_else(|e| panic!("{method} {path} on {addr}: {e}"));
    let body = response
        .body_mut()
        .with_config()
        .limit(64 << 20)
        .read_to_string()
        .unwrap_or_else(|e| panic!("{method} {path} on {addr}, reading the answer: {e}"));
    Answer {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        body,
    }
}

/// `GET path` as the bearer of `token`; returns the status and the body's bytes (an image, an
/// original), which [`send`] would read as text.
pub fn get_bytes(addr: &str, path: &str, token: &str) -> (u16, Vec<u8>) {
    let request = ureq::http::Request::get(format!("http://{addr}{path}"))
        .header("authorization", format!("Bearer {token}"))
        .body(())
        .expect("a request");
    let mut response = CLIENT
        .run(request)
        .unwrap_or_else(|e| panic!("GET {path} on {addr}: {e}"));
    let body = response
        .body_mut()
        .with_config()
        .limit(64 << 20)
        .read_to_vec()
        .unwrap_or_else(|e| panic!("GET {path} on {addr}, reading the answer: {e}"));
    (response.status().as_u16(), body)
}

/// Sends a request with an optional JSON body; returns the status and the JSON answer (`null`
/// when the answer is not JSON).
pub fn http(addr: &str, method: &str, path: &str, token: Option<&str>, body: Option<&Value>) -> (u16, Value) {
    let answer = send(
        addr,
        method,
        path,
        token,
        body.map(|b| ("application/json", b.to_string().into_bytes())),
    );
    (answer.status, answer.json())
}
