//! Single flight: work asked for by several requests at the same moment (the full-size
//! rendition of one receipt) is done once; the others wait for its result instead of decoding
//! the same 80-megapixel original side by side.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::OnceCell;

/// Results being made, by key; an entry lives while its work runs.
pub struct SingleFlight<T> {
    flights: Mutex<HashMap<String, Arc<OnceCell<T>>>>,
    /// How many times a flight did the work itself (what the waiters saved shows against it).
    worked: AtomicU64,
}

impl<T> Default for SingleFlight<T> {
    fn default() -> Self {
        SingleFlight {
            flights: Mutex::new(HashMap::new()),
            worked: AtomicU64::new(0),
        }
    }
}

impl<T: Clone> SingleFlight<T> {
    /// The result of `make` for `key`: made by the first caller, shared with every caller that
    /// asks while it runs. If the maker is dropped (its request went away), a waiting caller
    /// makes it instead.
    pub async fn run<F, Fut>(&self, key: &str, make: F) -> T
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = T>,
    {
        let cell = {
            let mut flights = self.flights.lock().unwrap_or_else(|e| e.into_inner());
            flights.entry(key.to_owned()).or_default().clone()
        };
        let value = cell.get_or_init(make).await.clone();
        // The next request after this flight finds the result stored, or starts a new flight.
        let mut flights = self.flights.lock().unwrap_or_else(|e| e.into_inner());
        if flights.get(key).is_some_and(|c| Arc::ptr_eq(c, &cell)) {
            flights.remove(key);
        }
        value
    }

    /// Called by a flight's work when it really does the work: a flight that begins just after
    /// another ended finds the result made and does not count.
    pub fn record_work(&self) {
        self.worked.fetch_add(1, Ordering::Relaxed);
    }

    /// How many times a flight did the work itself.
    pub fn worked(&self) -> u64 {
        self.worked.load(Ordering::Relaxed)
    }
}
