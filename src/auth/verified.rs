//! Access tokens verified before, so a token's Ed25519 signature is checked once, not on every
//! request: a bounded map from the SHA-256 of the token to its caller, kept until the token
//! expires. Only tokens that passed every check of
//! [`verify_access_token`](crate::auth::tokens::verify_access_token) are kept; the enabled flag
//! of the account is checked on every request all the same (the `Caller` extractor).

use std::collections::HashMap;
use std::sync::Mutex;

use sha2::{Digest, Sha256};

use crate::auth::tokens::VerifiedToken;

/// How many verified tokens are kept; past it, expired ones go, then all of them.
const CAPACITY: usize = 10_000;

#[derive(Default)]
pub struct VerifiedTokens {
    map: Mutex<HashMap<[u8; 32], VerifiedToken>>,
}

fn key(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

impl VerifiedTokens {
    /// A token verified before that has not expired at `now` (Unix seconds).
    pub fn get(&self, token: &str, now: i64) -> Option<VerifiedToken> {
        let map = self.map.lock().ok()?;
        map.get(&key(token)).filter(|v| now < v.exp).cloned()
    }

    /// Keeps a token that passed verification, until it expires.
    pub fn insert(&self, token: &str, verified: &VerifiedToken, now: i64) {
        let Ok(mut map) = self.map.lock() else { return };
        if map.len() >= CAPACITY {
            map.retain(|_, v| now < v.exp);
            if map.len() >= CAPACITY {
                map.clear();
            }
        }
        map.insert(key(token), verified.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::{Caller, Role};

    #[test]
    fn a_verified_token_is_known_until_it_expires() {
        let tokens = VerifiedTokens::default();
        let caller = Caller {
            username: "v".into(),
            role: Role::Villager,
            village: Some("331022102201".into()),
            township: None,
        };
        let verified = VerifiedToken {
            caller,
            exp: 100,
            kid: "k".into(),
        };
        tokens.insert("a.b.c", &verified, 50);
        assert_eq!(tokens.get("a.b.c", 99).map(|v| v.caller.username), Some("v".into()));
        assert!(tokens.get("a.b.c", 100).is_none());
        assert!(tokens.get("a.b.d", 99).is_none());
    }
}
