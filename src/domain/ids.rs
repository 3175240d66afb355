//! Opaque ids: a short prefix naming the kind, then 24 random hex digits (`en_3f9a…`).

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
