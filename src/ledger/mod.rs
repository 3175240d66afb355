//! The ledger: entries, reversals, closed months, balances and summaries — the queries and
//! the rules. Entries are append-only; nothing in this module updates or deletes one.

pub mod entries;
pub mod list;
pub mod periods;
pub mod post;
pub mod receipts;
pub mod reverse;
pub mod summary;
pub mod villages;

use rand::RngCore;

/// A new opaque id with a short prefix naming its kind, e.g. `en_3f9a…`.
pub fn new_id(prefix: &str) -> String {
    let mut bytes = [0u8; 12];
    rand::thread_rng().fill_bytes(&mut bytes);
    let mut id = String::with_capacity(prefix.len() + 25);
    id.push_str(prefix);
    id.push('_');
    for b in bytes {
        id.push_str(&format!("{b:02x}"));
    }
    id
}

/// The current UTC time, truncated to microseconds so every backend stores it exactly.
pub fn now_utc() -> chrono::NaiveDateTime {
    use chrono::SubsecRound;
    chrono::Utc::now().naive_utc().trunc_subsecs(6)
}
