//! The Ed25519 keys that sign access tokens.
//!
//! Keys live in `<data dir>/keys`: one PKCS#8 PEM file per key (`<kid>.pem`, mode 0600) and
//! `keyring.json`, which lists the keys, the active one last, with the time each was retired.
//! A retired key keeps verifying until every token it signed has expired. A server re-reads the
//! keyring when it changes on disk, so `village-ledger keys rotate` needs no restart.

use std::collections::HashMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::RwLock;
use std::time::SystemTime;

use chrono::{DateTime, Duration, Utc};
use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey, spki::der::pem::LineEnding};
use jsonwebtoken::{DecodingKey, EncodingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Why the keyring could not be read, written or used; each case with the file and the cause.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("cannot write {}: {source}", path.display())]
    Write { path: PathBuf, source: std::io::Error },
    #[error("cannot create {}: {source}", path.display())]
    CreateDir { path: PathBuf, source: std::io::Error },
    #[error("{} is damaged: {source}", path.display())]
    DamagedManifest { path: PathBuf, source: serde_json::Error },
    #[error("cannot encode the keyring: {0}")]
    EncodeManifest(#[source] serde_json::Error),
    #[error("not a PKCS#8 Ed25519 key: {0}")]
    NotAKey(#[source] ed25519_dalek::pkcs8::Error),
    #[error("cannot encode key: {0}")]
    EncodeKey(#[source] ed25519_dalek::pkcs8::Error),
    #[error("keyring.json names a bad key id {kid:?}")]
    BadKeyId { kid: String },
    #[error("the keyring has no active key")]
    NoActiveKey,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct KeyRecord {
    kid: String,
    created_at: DateTime<Utc>,
    retired_at: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct Manifest {
    keys: Vec<KeyRecord>,
}

struct Loaded {
    active_kid: String,
    signing: EncodingKey,
    /// kid → (verifying key, retired at)
    verifying: HashMap<String, (DecodingKey, Option<DateTime<Utc>>)>,
    manifest_mtime: Option<SystemTime>,
}

/// The keys this server signs and verifies with.
pub struct KeyRing {
    dir: PathBuf,
    configured: bool,
    token_lifetime: Duration,
    inner: RwLock<Loaded>,
}

fn kid_of(key: &SigningKey) -> String {
    let digest = Sha256::digest(key.verifying_key().as_bytes());
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

fn key_from_pem(pem: &str) -> Result<SigningKey, KeyError> {
    SigningKey::from_pkcs8_pem(pem).map_err(KeyError::NotAKey)
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<(), KeyError> {
    let err = |source: std::io::Error| KeyError::Write {
        path: path.to_owned(),
        source,
    };
    let tmp = path.with_extension("tmp");
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&tmp).map_err(err)?;
    file.write_all(bytes).map_err(err)?;
    file.sync_all().map_err(err)?;
    fs::rename(&tmp, path).map_err(err)
}

fn read_manifest(dir: &Path) -> Result<Manifest, KeyError> {
    let path = dir.join("keyring.json");
    match fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|source| KeyError::DamagedManifest { path, source }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Manifest::default()),
        Err(source) => Err(KeyError::Read { path, source }),
    }
}

fn manifest_mtime(dir: &Path) -> Option<SystemTime> {
    fs::metadata(dir.join("keyring.json")).and_then(|m| m.modified()).ok()
}

/// Generates a new key into `dir` and makes it the active one; the previous active key is
/// retired now. Returns the new key's id.
pub fn rotate(dir: &Path) -> Result<String, KeyError> {
    fs::create_dir_all(dir).map_err(|source| KeyError::CreateDir {
        path: dir.to_owned(),
        source,
    })?;
    let key = SigningKey::generate(&mut rand::rngs::OsRng);
    let kid = kid_of(&key);
    let pem = key.to_pkcs8_pem(LineEnding::LF).map_err(KeyError::EncodeKey)?;
    write_private(&dir.join(format!("{kid}.pem")), pem.as_bytes())?;
    let mut manifest = read_manifest(dir)?;
    let now = Utc::now();
    for record in &mut manifest.keys {
        record.retired_at.get_or_insert(now);
    }
    manifest.keys.push(KeyRecord {
        kid: kid.clone(),
        created_at: now,
        retired_at: None,
    });
    let json = serde_json::to_vec_pretty(&manifest).map_err(KeyError::EncodeManifest)?;
    write_private(&dir.join("keyring.json"), &json)?;
    Ok(kid)
}

fn encoding_key(key: &SigningKey) -> Result<EncodingKey, KeyError> {
    let der = key.to_pkcs8_der().map_err(KeyError::EncodeKey)?;
    Ok(EncodingKey::from_ed_der(der.as_bytes()))
}

fn load_dir(dir: &Path) -> Result<Loaded, KeyError> {
    let manifest = read_manifest(dir)?;
    let mut verifying = HashMap::new();
    let mut active = None;
    for record in &manifest.keys {
        if !record.kid.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(KeyError::BadKeyId {
                kid: record.kid.clone(),
            });
        }
        let path = dir.join(format!("{}.pem", record.kid));
        let pem = fs::read_to_string(&path).map_err(|source| KeyError::Read { path, source })?;
        let key = key_from_pem(&pem)?;
        verifying.insert(
            record.kid.clone(),
            (
                DecodingKey::from_ed_der(key.verifying_key().as_bytes()),
                record.retired_at,
            ),
        );
        if record.retired_at.is_none() {
            active = Some((record.kid.clone(), key));
        }
    }
    let (active_kid, key) = active.ok_or(KeyError::NoActiveKey)?;
    Ok(Loaded {
        active_kid,
        signing: encoding_key(&key)?,
        verifying,
        manifest_mtime: manifest_mtime(dir),
    })
}

impl KeyRing {
    /// Opens the keyring of `dir`, generating a first key when there is none; or uses the
    /// configured key file alone.
    pub fn open(dir: &Path, configured: Option<&Path>, token_lifetime: Duration) -> Result<Self, KeyError> {
        let loaded = if let Some(file) = configured {
            let pem = fs::read_to_string(file).map_err(|source| KeyError::Read {
                path: file.to_owned(),
                source,
            })?;
            let key = key_from_pem(&pem)?;
            let kid = kid_of(&key);
            let mut verifying = HashMap::new();
            verifying.insert(
                kid.clone(),
                (DecodingKey::from_ed_der(key.verifying_key().as_bytes()), None),
            );
            Loaded {
                active_kid: kid,
                signing: encoding_key(&key)?,
                verifying,
                manifest_mtime: None,
            }
        } else {
            if read_manifest(dir)?.keys.is_empty() {
                rotate(dir)?;
            }
            load_dir(dir)?
        };
        Ok(KeyRing {
            dir: dir.to_owned(),
            configured: configured.is_some(),
            token_lifetime,
            inner: RwLock::new(loaded),
        })
    }

    /// Re-reads the keyring when its manifest changed on disk.
    pub fn refresh(&self) {
        if self.configured {
            return;
        }
        let current = manifest_mtime(&self.dir);
        let stale = self.inner.read().map(|l| l.manifest_mtime != current).unwrap_or(true);
        if stale {
            match load_dir(&self.dir) {
                Ok(loaded) => {
                    if let Ok(mut guard) = self.inner.write() {
                        *guard = loaded;
                    }
                }
                Err(e) => tracing::error!(error = %e, "cannot reload the signing keys; keeping the loaded ones"),
            }
        }
    }

    /// The active key id and signing key.
    pub fn signing(&self) -> Option<(String, EncodingKey)> {
        self.refresh();
        self.inner
            .read()
            .ok()
            .map(|l| (l.active_kid.clone(), l.signing.clone()))
    }

    /// The key that verifies tokens of `kid`, unless it was retired so long ago that none of
    /// its tokens can still be valid.
    pub fn verifying(&self, kid: &str, now: DateTime<Utc>) -> Option<DecodingKey> {
        // Always look at the manifest first: a retirement written to disk (a rotation, or an
        // operator ending a compromised key's grace) must take effect for known kids too.
        self.refresh();
        let loaded = self.inner.read().ok()?;
        let (key, retired_at) = loaded.verifying.get(kid)?;
        match retired_at {
            Some(at) if *at + self.token_lifetime + Duration::seconds(60) < now => None,
            _ => Some(key.clone()),
        }
    }

    /// Whether tokens signed by `kid` are still accepted: the check of [`KeyRing::verifying`]
    /// for a token whose signature was verified before.
    pub fn accepts(&self, kid: &str, now: DateTime<Utc>) -> bool {
        self.refresh();
        let Ok(loaded) = self.inner.read() else { return false };
        match loaded.verifying.get(kid) {
            Some((_, Some(at))) => *at + self.token_lifetime + Duration::seconds(60) >= now,
            Some((_, None)) => true,
            None => false,
        }
    }
}
