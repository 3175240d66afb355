//! The memory of entry pages: serialized pages with the ledger version they were rendered at,
//! least recently used dropped first past a memory budget (how they are used: [`super::pages`]).

use std::sync::{Arc, Mutex};

use actix_web::http::header::HeaderValue;
use actix_web::web::Bytes;
use sha2::{Digest, Sha256};

/// What a server remembers of a village between requests.
#[derive(Clone, Debug)]
pub struct VillageFacts {
    pub township: String,
    pub version: i64,
}

/// A serialized page and what it was rendered at.
pub struct Page {
    pub village: String,
    pub version: i64,
    pub body: Bytes,
    pub etag: HeaderValue,
}

impl Page {
    pub(super) fn new(key: &str, village: String, version: i64, mut body: Vec<u8>) -> Self {
        // The buffer was sized by an estimate and may have grown past it: the page keeps only
        // its bytes, as the budget counts them (the spare capacity was about a sixth of the
        // cache's resident memory on the benchmark's month pages).
        body.shrink_to_fit();
        let digest = Sha256::new()
            .chain_update(key.as_bytes())
            .chain_update(b"\n")
            .chain_update(version.to_be_bytes())
            .finalize();
        let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
        let etag = HeaderValue::from_str(&format!("W/\"p{hex}\"")).unwrap_or(HeaderValue::from_static("W/\"p\""));
        Page {
            village,
            version,
            body: Bytes::from(body),
            etag,
        }
    }

    fn weight(&self, key: &str) -> usize {
        self.body.len() + key.len() + self.village.len() + 128
    }
}

struct Lru {
    pages: lru::LruCache<String, Arc<Page>>,
    bytes: usize,
}

/// Serialized pages, least recently used dropped first past a memory budget.
pub struct PageCache {
    inner: Mutex<Lru>,
    budget: usize,
}

impl PageCache {
    pub fn new(budget_bytes: usize) -> Self {
        PageCache {
            inner: Mutex::new(Lru {
                pages: lru::LruCache::unbounded(),
                bytes: 0,
            }),
            budget: budget_bytes,
        }
    }

    pub fn get(&self, key: &str) -> Option<Arc<Page>> {
        self.inner.lock().ok()?.pages.get(key).cloned()
    }

    /// Keeps `page` unless a page of a later version is already kept under `key`.
    pub(super) fn put(&self, key: String, page: Arc<Page>) {
        let weight = page.weight(&key);
        if weight > self.budget {
            return;
        }
        let Ok(mut lru) = self.inner.lock() else { return };
        if lru.pages.peek(&key).is_some_and(|p| p.version > page.version) {
            return;
        }
        if let Some(old) = lru.pages.put(key.clone(), page) {
            lru.bytes -= old.weight(&key);
        }
        lru.bytes += weight;
        while lru.bytes > self.budget {
            match lru.pages.pop_lru() {
                Some((k, p)) => lru.bytes -= p.weight(&k),
                None => break,
            }
        }
    }
}
