//! The transparency log: one append-only RFC 6962 Merkle tree over every ledger record (entry,
//! reversal, month close, and later receipts), in commit order, with signed checkpoints.
//!
//! Tree hashing is RFC 6962 §2.1: a leaf hashes as `SHA-256(0x00 ‖ leaf)`, an interior node as
//! `SHA-256(0x01 ‖ left ‖ right)`, and the tree of `n` leaves splits at the largest power of two
//! below `n`. Complete subtrees are stored as nodes `(level, idx)` when they become complete, so
//! appending writes O(log n) nodes and any subtree hash or proof costs O(log n) reads per
//! subtree it needs.

pub mod batch;
pub mod checkpoint;
pub mod compact;
pub mod error;
pub mod leaf;
pub mod proof;

use std::collections::HashMap;

use diesel::prelude::*;
use sha2::{Digest, Sha256};

use crate::db::DbConn;
use crate::db::schema::{log_leaves, log_nodes, log_state};
pub use crate::tlog::error::{Result, TlogError};

pub type Hash = [u8; 32];

pub fn leaf_hash(leaf: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(leaf);
    h.finalize().into()
}

pub fn node_hash(left: &[u8], right: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The hash of the empty tree.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// The largest power of two strictly below `n` (n ≥ 2).
pub fn split(n: u64) -> u64 {
    let mut k = 1;
    while k << 1 < n {
        k <<= 1;
    }
    k
}

fn to_hash(bytes: Vec<u8>) -> Result<Hash> {
    bytes.try_into().map_err(|_| TlogError::CorruptHash)
}

/// The current number of leaves.
pub fn size(conn: &mut DbConn) -> Result<u64> {
    let size: i64 = log_state::table.find(1).select(log_state::size).first(conn)?;
    Ok(size as u64)
}

/// Appends a leaf; call inside the write transaction that stores the record, so the record and
/// its leaf commit together. Returns the leaf's index.
pub fn append(conn: &mut DbConn, kind: &str, object_id: &str, leaf: &[u8]) -> Result<u64> {
    // Updating first takes the row lock: concurrent appenders on PostgreSQL queue here.
    diesel::update(log_state::table.find(1))
        .set(log_state::size.eq(log_state::size + 1))
        .execute(conn)?;
    let index = size(conn)? - 1;
    let hash = leaf_hash(leaf);
    diesel::insert_into(log_leaves::table)
        .values((
            log_leaves::idx.eq(index as i64),
            log_leaves::kind.eq(kind),
            log_leaves::object_id.eq(object_id),
            log_leaves::leaf.eq(leaf),
            log_leaves::leaf_hash.eq(hash.as_slice()),
        ))
        .execute(conn)?;
    let (mut level, mut idx, mut hash) = (0i32, index, hash);
    store_node(conn, level, idx, &hash)?;
    while idx % 2 == 1 {
        let left: Vec<u8> = log_nodes::table
            .find((level, (idx - 1) as i64))
            .select(log_nodes::hash)
            .first(conn)?;
        hash = node_hash(&left, &hash);
        level += 1;
        idx /= 2;
        store_node(conn, level, idx, &hash)?;
    }
    Ok(index)
}

fn store_node(conn: &mut DbConn, level: i32, idx: u64, hash: &Hash) -> Result<()> {
    diesel::insert_into(log_nodes::table)
        .values((
            log_nodes::level.eq(level),
            log_nodes::idx.eq(idx as i64),
            log_nodes::hash.eq(hash.as_slice()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Reads subtree hashes from the stored nodes, remembering what it read.
pub struct Tree<'c> {
    conn: &'c mut DbConn,
    cache: HashMap<(u32, u64), Hash>,
}

impl<'c> Tree<'c> {
    pub fn new(conn: &'c mut DbConn) -> Self {
        Tree {
            conn,
            cache: HashMap::new(),
        }
    }

    fn node(&mut self, level: u32, idx: u64) -> Result<Hash> {
        if let Some(h) = self.cache.get(&(level, idx)) {
            return Ok(*h);
        }
        let bytes: Vec<u8> = log_nodes::table
            .find((level as i32, idx as i64))
            .select(log_nodes::hash)
            .first(self.conn)
            .optional()?
            .ok_or(TlogError::MissingNode { level, idx })?;
        let hash = to_hash(bytes)?;
        self.cache.insert((level, idx), hash);
        Ok(hash)
    }

    /// MTH(D[lo:hi]) of RFC 6962.
    pub fn subtree(&mut self, lo: u64, hi: u64) -> Result<Hash> {
        let n = hi - lo;
        if n == 0 {
            return Ok(empty_root());
        }
        if n.is_power_of_two() && lo.is_multiple_of(n) {
            return self.node(n.trailing_zeros(), lo / n);
        }
        let k = split(n);
        let left = self.subtree(lo, lo + k)?;
        let right = self.subtree(lo + k, hi)?;
        Ok(node_hash(&left, &right))
    }

    pub fn root(&mut self, size: u64) -> Result<Hash> {
        self.subtree(0, size)
    }

    /// The inclusion proof of leaf `m` in the tree of `n` leaves (RFC 6962 §2.1.1 PATH).
    pub fn inclusion_proof(&mut self, m: u64, n: u64) -> Result<Vec<Hash>> {
        if m >= n {
            return Err(TlogError::LeafOutsideTree { leaf: m, size: n });
        }
        let mut proof = Vec::new();
        self.path(m, 0, n, &mut proof)?;
        Ok(proof)
    }

    fn path(&mut self, m: u64, lo: u64, hi: u64, out: &mut Vec<Hash>) -> Result<()> {
        let n = hi - lo;
        if n <= 1 {
            return Ok(());
        }
        let k = split(n);
        if m - lo < k {
            self.path(m, lo, lo + k, out)?;
            out.push(self.subtree(lo + k, hi)?);
        } else {
            self.path(m, lo + k, hi, out)?;
            out.push(self.subtree(lo, lo + k)?);
        }
        Ok(())
    }

    /// The consistency proof from the tree of `m` leaves to the tree of `n` leaves
    /// (RFC 6962 §2.1.2 PROOF).
    pub fn consistency_proof(&mut self, m: u64, n: u64) -> Result<Vec<Hash>> {
        if m == 0 || m > n {
            return Err(TlogError::NoConsistencyProof { from: m, to: n });
        }
        let mut proof = Vec::new();
        self.subproof(m, 0, n, true, &mut proof)?;
        Ok(proof)
    }

    fn subproof(&mut self, m: u64, lo: u64, hi: u64, whole: bool, out: &mut Vec<Hash>) -> Result<()> {
        let n = hi - lo;
        if m == n {
            if !whole {
                out.push(self.subtree(lo, hi)?);
            }
            return Ok(());
        }
        let k = split(n);
        if m <= k {
            self.subproof(m, lo, lo + k, whole, out)?;
            out.push(self.subtree(lo + k, hi)?);
        } else {
            self.subproof(m - k, lo + k, hi, false, out)?;
            out.push(self.subtree(lo, lo + k)?);
        }
        Ok(())
    }
}

/// The index and bytes of the leaf recording `object_id` of `kind`.
pub fn find_leaf(conn: &mut DbConn, kind: &str, object_id: &str) -> Result<Option<(u64, Vec<u8>)>> {
    let row: Option<(i64, Vec<u8>)> = log_leaves::table
        .filter(log_leaves::object_id.eq(object_id))
        .filter(log_leaves::kind.eq(kind))
        .select((log_leaves::idx, log_leaves::leaf))
        .first(conn)
        .optional()?;
    Ok(row.map(|(i, l)| (i as u64, l)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_is_the_largest_power_of_two_below_n() {
        for (n, k) in [(2, 1), (3, 2), (4, 2), (5, 4), (8, 4), (9, 8), (1025, 1024)] {
            assert_eq!(split(n), k, "{n}");
        }
    }
}
