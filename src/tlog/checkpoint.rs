//! Signed checkpoints in the C2SP tlog-checkpoint format, as C2SP signed notes:
//!
//! ```text
//! <origin>
//! <tree size>
//! <base64 root hash>
//!
//! — <key name> <base64(key hash ‖ Ed25519 signature)>
//! ```
//!
//! The signature covers the first three lines with their newlines. The key hash is the first
//! four bytes of `SHA-256(key name ‖ "\n" ‖ 0x01 ‖ public key)`, and the verifier key is
//! published as `<key name>+<key hash hex>+<base64(0x01 ‖ public key)>`.
//! The server never signs a checkpoint that is not consistent with the last one it signed.

use std::fs;
use std::io::Write;
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey, spki::der::pem::LineEnding};
use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

use crate::db::DbConn;
use crate::db::schema::log_checkpoints;
use crate::tlog::{Hash, Result, TlogError, Tree, size};

/// The deployment's checkpoint key.
pub struct LogSigner {
    pub origin: String,
    key: SigningKey,
}

fn key_hash(name: &str, public: &VerifyingKey) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update(b"\n\x01");
    h.update(public.as_bytes());
    let digest = h.finalize();
    [digest[0], digest[1], digest[2], digest[3]]
}

impl LogSigner {
    /// Loads the checkpoint key from `path`, creating it (mode 0600) on first start.
    pub fn open(path: &Path, origin: &str) -> Result<Self> {
        let not_a_key = |source| TlogError::NotAnEd25519Key {
            path: path.to_owned(),
            source,
        };
        let unwritable = |source| TlogError::KeyUnwritable {
            path: path.to_owned(),
            source,
        };
        let key = match fs::read_to_string(path) {
            Ok(pem) => SigningKey::from_pkcs8_pem(&pem).map_err(not_a_key)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = SigningKey::generate(&mut rand::rngs::OsRng);
                let pem = key.to_pkcs8_pem(LineEnding::LF).map_err(not_a_key)?;
                if let Some(dir) = path.parent() {
                    fs::create_dir_all(dir).map_err(unwritable)?;
                }
                let mut options = fs::OpenOptions::new();
                options.write(true).create_new(true);
                #[cfg(unix)]
                {
                    use std::os::unix::fs::OpenOptionsExt;
                    options.mode(0o600);
                }
                let mut file = options.open(path).map_err(unwritable)?;
                file.write_all(pem.as_bytes())
                    .and_then(|()| file.sync_all())
                    .map_err(unwritable)?;
                key
            }
            Err(source) => {
                return Err(TlogError::KeyUnreadable {
                    path: path.to_owned(),
                    source,
                });
            }
        };
        Ok(LogSigner {
            origin: origin.to_owned(),
            key,
        })
    }

    /// The verifier key: `<name>+<key hash hex>+<base64(0x01 ‖ public key)>`.
    pub fn verifier_key(&self) -> String {
        let public = self.key.verifying_key();
        let hash: String = key_hash(&self.origin, &public)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let mut typed = vec![1u8];
        typed.extend_from_slice(public.as_bytes());
        format!("{}+{hash}+{}", self.origin, STANDARD.encode(typed))
    }

    /// The signed note of a checkpoint.
    pub fn sign(&self, size: u64, root: &Hash) -> String {
        let body = format!("{}\n{size}\n{}\n", self.origin, STANDARD.encode(root));
        let signature = self.key.sign(body.as_bytes());
        let mut blob = key_hash(&self.origin, &self.key.verifying_key()).to_vec();
        blob.extend_from_slice(&signature.to_bytes());
        format!("{body}\n\u{2014} {} {}\n", self.origin, STANDARD.encode(blob))
    }
}

/// A stored checkpoint.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = log_checkpoints)]
pub struct StoredCheckpoint {
    pub size: i64,
    pub root_hash: Vec<u8>,
    pub note: String,
    pub created_at: NaiveDateTime,
}

pub fn latest(conn: &mut DbConn) -> Result<Option<StoredCheckpoint>> {
    Ok(log_checkpoints::table
        .order(log_checkpoints::size.desc())
        .select(StoredCheckpoint::as_select())
        .first(conn)
        .optional()?)
}

pub fn at_size(conn: &mut DbConn, size: u64) -> Result<Option<StoredCheckpoint>> {
    Ok(log_checkpoints::table
        .find(size as i64)
        .select(StoredCheckpoint::as_select())
        .first(conn)
        .optional()?)
}

/// Signs a checkpoint of the current tree unless the latest one already covers it; call inside
/// a write transaction. Refuses (and signs nothing) when the stored tree no longer agrees with
/// the last signed checkpoint.
pub fn checkpoint_now(conn: &mut DbConn, signer: &LogSigner) -> Result<StoredCheckpoint> {
    // Take the log's row lock (a no-op update): appends and other servers' checkpoints wait,
    // so the size read next is the size signed.
    diesel::update(crate::db::schema::log_state::table.find(1))
        .set(crate::db::schema::log_state::size.eq(crate::db::schema::log_state::size))
        .execute(conn)?;
    let n = size(conn)?;
    let last = latest(conn)?;
    if let Some(last) = &last
        && last.size as u64 == n
    {
        return Ok(last.clone());
    }
    let mut tree = Tree::new(conn);
    if let Some(last) = &last {
        let then = tree.root(last.size as u64)?;
        if then.as_slice() != last.root_hash.as_slice() {
            tracing::error!(
                size = last.size,
                "the stored tree disagrees with a signed checkpoint; refusing to sign"
            );
            return Err(TlogError::CheckpointMismatch { size: last.size as u64 });
        }
    }
    let root = tree.root(n)?;
    let stored = StoredCheckpoint {
        size: n as i64,
        root_hash: root.to_vec(),
        note: signer.sign(n, &root),
        created_at: crate::domain::clock::now_utc(),
    };
    diesel::insert_into(log_checkpoints::table)
        .values((
            log_checkpoints::size.eq(stored.size),
            log_checkpoints::root_hash.eq(&stored.root_hash),
            log_checkpoints::note.eq(&stored.note),
            log_checkpoints::created_at.eq(stored.created_at),
        ))
        .execute(conn)?;
    Ok(stored)
}
