//! The page's files, embedded in the binary. Each asset is served under a name carrying the
//! first hex digits of its SHA-256 (`app.3f2a….js`), computed once at start, so a new build
//! changes the name and a browser may keep any name for a year.

use std::sync::LazyLock;

use sha2::{Digest, Sha256};

use crate::api::page::texts;
use crate::i18n::Lang;

/// One embedded asset under its hashed name.
pub struct Asset {
    pub name: String,
    pub content_type: &'static str,
    pub bytes: &'static [u8],
}

/// The assets, by their plain name, with their type.
const FILES: [(&str, &str, &[u8]); 4] = [
    ("app.css", "text/css; charset=utf-8", include_bytes!("assets/app.css")),
    (
        "verify.js",
        "text/javascript; charset=utf-8",
        include_bytes!("assets/verify.js"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_bytes!("assets/app.js"),
    ),
    ("icon.svg", "image/svg+xml", include_bytes!("assets/icon.svg")),
];

const INDEX_HTML: &str = include_str!("assets/index.html");
const SERVICE_WORKER: &str = include_str!("assets/sw.js");

/// Hex digits of a SHA-256 kept in a name: 48 bits tell builds apart.
const HASH_CHARS: usize = 12;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `app.css` → `app.<hash>.css`.
fn hashed_name(plain: &str, bytes: &[u8]) -> String {
    let digest = hex(&Sha256::digest(bytes));
    let (stem, ext) = plain.rsplit_once('.').unwrap_or((plain, ""));
    format!("{stem}.{}.{ext}", &digest[..HASH_CHARS])
}

static ASSETS: LazyLock<Vec<Asset>> = LazyLock::new(|| {
    FILES
        .iter()
        .map(|(plain, content_type, bytes)| Asset {
            name: hashed_name(plain, bytes),
            content_type,
            bytes,
        })
        .collect()
});

/// The asset served under `name`.
pub fn by_name(name: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|a| a.name == name)
}

/// The URL of the asset whose plain name is `plain`.
pub fn url_of(plain: &str) -> String {
    FILES
        .iter()
        .zip(ASSETS.iter())
        .find(|((p, _, _), _)| *p == plain)
        .map(|(_, asset)| format!("/assets/{}", asset.name))
        .unwrap_or_default()
}

/// `text` safe inside HTML text and attribute values.
fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// JSON safe inside a `<script type="application/json">` element: no `<` can close it.
fn json_in_html(value: &serde_json::Value) -> String {
    value
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// The page in `lang`: its texts and the transparency log's verifier key inlined as JSON data
/// (a data block, which the Content Security Policy does not treat as script).
pub fn index_html(lang: Lang, verifier_key: &str) -> String {
    let boot = serde_json::json!({
        "lang": lang.tag(),
        "key": verifier_key,
        "texts": texts::rendered(lang),
        "sw": "/sw.js",
    });
    let text = |id: &str| escape_html(texts::text(lang, id).as_str());
    INDEX_HTML
        .replace("{{lang}}", lang.tag())
        .replace("{{title}}", &text("title"))
        .replace("{{skip}}", &text("skip"))
        .replace("{{loading}}", &text("loading"))
        .replace("{{noscript}}", &text("noscript"))
        .replace("{{css}}", &url_of("app.css"))
        .replace("{{verify_js}}", &url_of("verify.js"))
        .replace("{{app_js}}", &url_of("app.js"))
        .replace("{{icon}}", &url_of("icon.svg"))
        .replace("{{boot}}", &json_in_html(&boot))
}

static WORKER: LazyLock<String> = LazyLock::new(|| {
    let urls: Vec<String> = FILES.iter().map(|(plain, _, _)| url_of(plain)).collect();
    let version = hex(&Sha256::digest(urls.concat().as_bytes()));
    SERVICE_WORKER
        .replace("__VERSION__", &version[..HASH_CHARS])
        .replace("__ASSETS__", &serde_json::Value::from(urls).to_string())
});

/// The service worker, naming the build's assets to keep.
pub fn service_worker() -> &'static str {
    WORKER.as_str()
}
