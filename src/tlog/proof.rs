//! What a client does with a proof, without the server: check the checkpoint's signature,
//! then recompute the root from the leaf and its inclusion proof (RFC 9162 §2.1.3.2), or check
//! a consistency proof (RFC 9162 §2.1.4.2). The README walks through the same steps.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::tlog::{Hash, leaf_hash, node_hash};

/// Why a checkpoint, a verifier key or a proof does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    #[error("the verifier key is not <name>+<hash>+<key>")]
    VerifierKeyFormat,
    #[error("the verifier key is not base64")]
    VerifierKeyNotBase64,
    #[error("the verifier key is not an Ed25519 key")]
    VerifierKeyNotEd25519,
    #[error("the verifier key's hash does not match its name and key")]
    VerifierKeyHash,
    #[error("the note has no signature block")]
    NoSignatureBlock,
    #[error("a signature is not base64")]
    SignatureNotBase64,
    #[error("bad signature")]
    BadSignature,
    #[error("no valid signature by {name} on the checkpoint")]
    NotSigned { name: String },
    #[error("no origin line")]
    NoOriginLine,
    #[error("no tree size line")]
    NoSizeLine,
    #[error("no root hash line")]
    NoRootLine,
    #[error("a proof hash is not 32 bytes of base64")]
    HashNotBase64,
    #[error("the leaf index is outside the tree")]
    LeafOutsideTree,
    #[error("the proof is too long")]
    TooLong,
    #[error("the proof is too short")]
    TooShort,
    #[error("the proof is empty")]
    EmptyProof,
    #[error("the proof is for a tree of {proof} leaves, the checkpoint for {checkpoint}")]
    SizeMismatch { proof: u64, checkpoint: u64 },
    #[error("the leaf is not base64")]
    LeafNotBase64,
    #[error("the proof does not lead to the checkpoint's root")]
    WrongRoot,
    #[error("the old tree is larger than the new one")]
    OldTreeLarger,
    #[error("equal sizes, different roots")]
    EqualSizesDifferentRoots,
    #[error("a proof from the empty tree must be empty")]
    ProofFromEmptyTree,
    #[error("the new tree does not extend the old one")]
    NotAnExtension,
}

/// An entry's inclusion proof as the API serves it.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct InclusionProof {
    /// The leaf's position in the log, from 0.
    pub leaf_index: u64,
    /// The size of the tree the proof is for.
    pub tree_size: u64,
    /// The canonical leaf bytes (leaf encoding v1, JSON), base64.
    pub leaf: String,
    /// Sibling hashes from the leaf up, base64.
    pub proof: Vec<String>,
    /// The signed checkpoint of `tree_size`, when one was signed at that size.
    pub checkpoint: Option<String>,
}

/// A consistency proof between two tree sizes.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ConsistencyProof {
    pub from: u64,
    pub to: u64,
    /// base64 hashes.
    pub proof: Vec<String>,
    pub from_checkpoint: Option<String>,
    pub to_checkpoint: Option<String>,
}

/// A checkpoint whose signature verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedCheckpoint {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
}

/// Verifies a signed note against a verifier key `<name>+<hash hex>+<base64(0x01 ‖ key)>` and
/// parses its checkpoint body.
pub fn verify_checkpoint(note: &str, verifier_key: &str) -> Result<VerifiedCheckpoint, ProofError> {
    let mut parts = verifier_key.trim().splitn(3, '+');
    let (name, hash_hex, key_b64) = match (parts.next(), parts.next(), parts.next()) {
        (Some(n), Some(h), Some(k)) => (n, h, k),
        _ => return Err(ProofError::VerifierKeyFormat),
    };
    let typed = STANDARD.decode(key_b64).map_err(|_| ProofError::VerifierKeyNotBase64)?;
    if typed.len() != 33 || typed[0] != 1 {
        return Err(ProofError::VerifierKeyNotEd25519);
    }
    let public: [u8; 32] = typed[1..].try_into().map_err(|_| ProofError::VerifierKeyNotEd25519)?;
    let public = VerifyingKey::from_bytes(&public).map_err(|_| ProofError::VerifierKeyNotEd25519)?;
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update(b"\n\x01");
    h.update(public.as_bytes());
    let expected_hash = h.finalize();
    let hash_bytes: Vec<u8> = (0..hash_hex.len())
        .step_by(2)
        .filter_map(|i| hash_hex.get(i..i + 2).and_then(|b| u8::from_str_radix(b, 16).ok()))
        .collect();
    if hash_bytes.as_slice() != &expected_hash[..4] {
        return Err(ProofError::VerifierKeyHash);
    }
    let (body, signatures) = note.split_once("\n\n").ok_or(ProofError::NoSignatureBlock)?;
    let body = format!("{body}\n");
    let mut verified = false;
    for line in signatures.lines() {
        let Some(rest) = line.strip_prefix("\u{2014} ") else {
            continue;
        };
        let Some((signer, sig_b64)) = rest.split_once(' ') else {
            continue;
        };
        if signer != name {
            continue;
        }
        let blob = STANDARD.decode(sig_b64).map_err(|_| ProofError::SignatureNotBase64)?;
        if blob.len() != 68 || blob[..4] != expected_hash[..4] {
            continue;
        }
        let signature = Signature::from_slice(&blob[4..]).map_err(|_| ProofError::BadSignature)?;
        if public.verify(body.as_bytes(), &signature).is_ok() {
            verified = true;
        }
    }
    if !verified {
        return Err(ProofError::NotSigned { name: name.to_owned() });
    }
    let mut lines = body.lines();
    let origin = lines.next().ok_or(ProofError::NoOriginLine)?.to_owned();
    let size = lines
        .next()
        .and_then(|l| l.parse().ok())
        .ok_or(ProofError::NoSizeLine)?;
    let root = lines
        .next()
        .and_then(|l| STANDARD.decode(l).ok())
        .and_then(|r| <Hash>::try_from(r).ok())
        .ok_or(ProofError::NoRootLine)?;
    Ok(VerifiedCheckpoint { origin, size, root })
}

fn decode_hashes(proof: &[String]) -> Result<Vec<Hash>, ProofError> {
    proof
        .iter()
        .map(|p| {
            STANDARD
                .decode(p)
                .ok()
                .and_then(|b| <Hash>::try_from(b).ok())
                .ok_or(ProofError::HashNotBase64)
        })
        .collect()
}

/// The root an inclusion proof leads to (RFC 9162 §2.1.3.2).
pub fn root_from_inclusion(index: u64, size: u64, leaf: &Hash, proof: &[Hash]) -> Result<Hash, ProofError> {
    if index >= size {
        return Err(ProofError::LeafOutsideTree);
    }
    let (mut fn_, mut sn) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if sn == 0 {
            return Err(ProofError::TooLong);
        }
        if fn_ & 1 == 1 || fn_ == sn {
            r = node_hash(p, &r);
            if fn_ & 1 == 0 {
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn != 0 {
        return Err(ProofError::TooShort);
    }
    Ok(r)
}

/// Checks an inclusion proof against a verified checkpoint; returns the leaf bytes.
pub fn verify_inclusion(proof: &InclusionProof, checkpoint: &VerifiedCheckpoint) -> Result<Vec<u8>, ProofError> {
    if proof.tree_size != checkpoint.size {
        return Err(ProofError::SizeMismatch {
            proof: proof.tree_size,
            checkpoint: checkpoint.size,
        });
    }
    let leaf = STANDARD.decode(&proof.leaf).map_err(|_| ProofError::LeafNotBase64)?;
    let hashes = decode_hashes(&proof.proof)?;
    let root = root_from_inclusion(proof.leaf_index, proof.tree_size, &leaf_hash(&leaf), &hashes)?;
    if root != checkpoint.root {
        return Err(ProofError::WrongRoot);
    }
    Ok(leaf)
}

/// Checks that the tree of `new` extends the tree of `old` (RFC 9162 §2.1.4.2).
pub fn verify_consistency(
    old: &VerifiedCheckpoint,
    new: &VerifiedCheckpoint,
    proof: &[String],
) -> Result<(), ProofError> {
    let proof = decode_hashes(proof)?;
    let (m, n) = (old.size, new.size);
    if m > n {
        return Err(ProofError::OldTreeLarger);
    }
    if m == n {
        return if proof.is_empty() && old.root == new.root {
            Ok(())
        } else {
            Err(ProofError::EqualSizesDifferentRoots)
        };
    }
    if m == 0 {
        return if proof.is_empty() {
            Ok(())
        } else {
            Err(ProofError::ProofFromEmptyTree)
        };
    }
    let mut path: Vec<Hash> = proof;
    if m.is_power_of_two() {
        path.insert(0, old.root);
    }
    let (mut fn_, mut sn) = (m - 1, n - 1);
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    let mut iter = path.into_iter();
    let first = iter.next().ok_or(ProofError::EmptyProof)?;
    let (mut fr, mut sr) = (first, first);
    for c in iter {
        if sn == 0 {
            return Err(ProofError::TooLong);
        }
        if fn_ & 1 == 1 || fn_ == sn {
            fr = node_hash(&c, &fr);
            sr = node_hash(&c, &sr);
            if fn_ & 1 == 0 {
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, &c);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn != 0 {
        return Err(ProofError::TooShort);
    }
    if fr != old.root || sr != new.root {
        return Err(ProofError::NotAnExtension);
    }
    Ok(())
}
