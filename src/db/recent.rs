//! Values read from the database recently, trusted for a short window.
//!
//! A server caches what every request would otherwise read again (a village's ledger version
//! and township, a user's enabled flag). Writes through this server drop the cached value
//! before they are acknowledged ([`Recent::forget`]); writes by another process (a second server
//! on the same database, the `user` command) are seen once the window has passed, because a
//! value older than the window is read again. A read that raced with a local write is not
//! cached: [`Recent::ticket`] is taken before the database read, and [`Recent::install`] keeps
//! the value only when nothing was forgotten in between.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

struct Read<V> {
    value: V,
    at: Instant,
}

struct Inner<V> {
    map: HashMap<String, Read<V>>,
    /// How many times anything was forgotten; a read installs only if unchanged.
    forgotten: u64,
}

pub struct Recent<V> {
    inner: Mutex<Inner<V>>,
    window: Duration,
    capacity: usize,
}

/// Taken before a database read whose result goes to [`Recent::install`].
#[derive(Clone, Copy, Debug)]
pub struct Ticket(u64);

impl<V: Clone> Recent<V> {
    /// Values are trusted for `window` (zero: never) and at most `capacity` are kept.
    pub fn new(window: Duration, capacity: usize) -> Self {
        Recent {
            inner: Mutex::new(Inner {
                map: HashMap::new(),
                forgotten: 0,
            }),
            window,
            capacity: capacity.max(1),
        }
    }

    /// The value read less than the window ago, if any.
    pub fn fresh(&self, key: &str) -> Option<V> {
        let inner = self.inner.lock().ok()?;
        let read = inner.map.get(key)?;
        (read.at.elapsed() < self.window).then(|| read.value.clone())
    }

    pub fn ticket(&self) -> Ticket {
        Ticket(self.inner.lock().map(|i| i.forgotten).unwrap_or(u64::MAX))
    }

    /// Keeps a value read from the database after `ticket` was taken, unless a write was
    /// noted in between (the value may predate it).
    pub fn install(&self, key: &str, value: V, ticket: Ticket) {
        if self.window.is_zero() {
            return;
        }
        let Ok(mut inner) = self.inner.lock() else { return };
        if inner.forgotten != ticket.0 {
            return;
        }
        if inner.map.len() >= self.capacity && !inner.map.contains_key(key) {
            let window = self.window;
            inner.map.retain(|_, r| r.at.elapsed() < window);
            if inner.map.len() >= self.capacity {
                inner.map.clear();
            }
        }
        inner.map.insert(
            key.to_owned(),
            Read {
                value,
                at: Instant::now(),
            },
        );
    }

    /// Drops the cached value of each key (a write changed them).
    pub fn forget<'a>(&self, keys: impl IntoIterator<Item = &'a str>) {
        if let Ok(mut inner) = self.inner.lock() {
            inner.forgotten += 1;
            for key in keys {
                inner.map.remove(key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_is_fresh_for_the_window_only() {
        let recent = Recent::new(Duration::from_millis(30), 10);
        let t = recent.ticket();
        recent.install("a", 1, t);
        assert_eq!(recent.fresh("a"), Some(1));
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(recent.fresh("a"), None);
    }

    #[test]
    fn a_read_that_raced_with_a_write_is_not_kept() {
        let recent = Recent::new(Duration::from_secs(60), 10);
        let before = recent.ticket();
        recent.forget(["a"]);
        recent.install("a", 1, before);
        assert_eq!(recent.fresh("a"), None);
        let after = recent.ticket();
        recent.install("a", 2, after);
        assert_eq!(recent.fresh("a"), Some(2));
        recent.forget(["a"]);
        assert_eq!(recent.fresh("a"), None);
    }

    #[test]
    fn a_zero_window_keeps_nothing_and_the_capacity_bounds_the_map() {
        let never = Recent::new(Duration::ZERO, 10);
        never.install("a", 1, never.ticket());
        assert_eq!(never.fresh("a"), None);
        let small = Recent::new(Duration::from_secs(60), 2);
        for key in ["a", "b", "c"] {
            small.install(key, 1, small.ticket());
        }
        assert!(small.inner.lock().unwrap().map.len() <= 2);
        assert_eq!(small.fresh("c"), Some(1));
    }
}
