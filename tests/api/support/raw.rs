//! Requests no HTTP client would send, on a raw socket: bodies far longer than what is sent,
//! uploads cut off mid-body, bodies the server answers before reading. The hostile-input tests
//! need exactly that; every other test talks through [`super::server`]'s client.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use super::Answer;

/// One request written by hand on its own connection.
pub struct RawRequest {
    stream: TcpStream,
}

impl RawRequest {
    /// Connects to `addr` and writes `head` (request line and headers, without the blank line
    /// that ends them); answers are awaited for at most `timeout`.
    pub fn open(addr: &str, head: &str, timeout: Duration) -> Self {
        let mut stream = TcpStream::connect(addr).expect("connect");
        stream.set_read_timeout(Some(timeout)).expect("read timeout");
        stream
            .write_all(format!("{head}\r\n\r\n").as_bytes())
            .expect("write the head");
        RawRequest { stream }
    }

    /// Writes more of the body; the server may have stopped reading, so the error is the
    /// caller's to ignore.
    pub fn send(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.stream.write_all(bytes)
    }

    /// Reads the answer: until the server closes, or the body its head announces is complete
    /// (the server may keep the connection open while the rest of the request is unread).
    pub fn answer(mut self) -> Answer {
        let mut raw = Vec::new();
        let mut buf = [0u8; 8192];
        while let Ok(n) = self.stream.read(&mut buf) {
            if n == 0 {
                break;
            }
            raw.extend_from_slice(&buf[..n]);
            if complete(&raw) {
                break;
            }
        }
        parse(&raw)
    }
}

/// How an answer's body ends.
enum Framing {
    Length(usize),
    Chunked,
    /// At the end of the connection.
    Close,
}

/// Where the head ends, and how the body ends.
fn head_end(raw: &[u8]) -> Option<(usize, Framing)> {
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let head = String::from_utf8_lossy(&raw[..end]).to_ascii_lowercase();
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok());
    let framing = match length {
        Some(length) => Framing::Length(length),
        None if head.contains("transfer-encoding: chunked") => Framing::Chunked,
        None => Framing::Close,
    };
    Some((end, framing))
}

fn complete(raw: &[u8]) -> bool {
    match head_end(raw) {
        Some((end, Framing::Length(length))) => raw.len() >= end + length,
        Some((_, Framing::Chunked)) => raw.ends_with(b"0\r\n\r\n"),
        Some((_, Framing::Close)) | None => false,
    }
}

fn parse(raw: &[u8]) -> Answer {
    let (end, framing) =
        head_end(raw).unwrap_or_else(|| panic!("no answer head in {:?}", String::from_utf8_lossy(raw)));
    let head = String::from_utf8_lossy(&raw[..end]).into_owned();
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in {head:?}"));
    let mut headers = ureq::http::HeaderMap::new();
    for line in lines {
        if let Some((name, value)) = line.split_once(':')
            && let (Ok(name), Ok(value)) = (
                ureq::http::HeaderName::from_bytes(name.trim().as_bytes()),
                ureq::http::HeaderValue::from_str(value.trim()),
            )
        {
            headers.append(name, value);
        }
    }
    let rest = &raw[end..];
    let body = match framing {
        Framing::Length(length) => rest[..length.min(rest.len())].to_vec(),
        Framing::Chunked => unchunk(rest),
        Framing::Close => rest.to_vec(),
    };
    Answer {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

fn unchunk(mut rest: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(line_end) = rest.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(String::from_utf8_lossy(&rest[..line_end]).trim(), 16).unwrap_or(0);
        let start = line_end + 2;
        if size == 0 || rest.len() < start + size {
            break;
        }
        out.extend_from_slice(&rest[start..start + size]);
        rest = &rest[(start + size + 2).min(rest.len())..];
    }
    out
}
