//! Appending many leaves at once: the tree's right frontier kept in memory (one hash per level),
//! the leaves and the complete subtrees they make written in multi-row inserts — exactly the rows
//! [`super::append`] writes one leaf at a time. The generator writes a county's two million
//! leaves this way, an import the entries of its file.

use diesel::prelude::*;

use super::{Hash, Result, TlogError, leaf_hash, node_hash, to_hash};
use crate::db::DbConn;
use crate::db::schema::{log_leaves, log_nodes, log_state};

/// Rows per INSERT: leaves carry their ~600-byte encoding.
const ROWS_PER_INSERT: usize = 500;

/// One leaf of the log, hashed.
pub struct Leaf {
    pub kind: &'static str,
    pub object_id: String,
    pub bytes: Vec<u8>,
    pub hash: Hash,
}

impl Leaf {
    pub fn new(kind: &'static str, object_id: String, bytes: Vec<u8>) -> Leaf {
        let hash = leaf_hash(&bytes);
        Leaf {
            kind,
            object_id,
            bytes,
            hash,
        }
    }
}

/// The right frontier of the tree: for each level, the last complete subtree that still waits
/// for its right sibling.
#[derive(Default)]
pub struct Frontier {
    pub size: u64,
    left: Vec<Hash>,
}

impl Frontier {
    /// The frontier of the stored tree of `size` leaves: the complete subtree at each level
    /// where `size` has a one bit (the only ones [`Frontier::push`] reads before it writes).
    pub fn stored(conn: &mut DbConn, size: u64) -> Result<Frontier> {
        let levels = (u64::BITS - size.leading_zeros()) as usize;
        let mut left = vec![[0; 32]; levels];
        for (level, slot) in left.iter_mut().enumerate() {
            if (size >> level) & 1 == 1 {
                let idx = (size >> level) - 1;
                let bytes: Vec<u8> = log_nodes::table
                    .find((level as i32, idx as i64))
                    .select(log_nodes::hash)
                    .first(conn)
                    .optional()?
                    .ok_or(TlogError::MissingNode {
                        level: level as u32,
                        idx,
                    })?;
                *slot = to_hash(bytes)?;
            }
        }
        Ok(Frontier { size, left })
    }

    /// Appends a leaf hash; adds to `nodes` every subtree it completes, `(level, idx, hash)`.
    pub fn push(&mut self, hash: Hash, nodes: &mut Vec<(i32, i64, Hash)>) {
        let (mut level, mut idx, mut hash) = (0usize, self.size, hash);
        nodes.push((0, idx as i64, hash));
        while idx % 2 == 1 {
            hash = node_hash(&self.left[level], &hash);
            level += 1;
            idx /= 2;
            nodes.push((level as i32, idx as i64, hash));
        }
        if self.left.len() <= level {
            self.left.resize(level + 1, [0; 32]);
        }
        self.left[level] = hash;
        self.size += 1;
    }
}

/// Stores `leaves` from index `frontier.size` on, and the nodes they complete; the caller keeps
/// `log_state.size` (the generator sets it once, [`append_many`] takes it first).
pub fn store(conn: &mut DbConn, frontier: &mut Frontier, leaves: &[Leaf]) -> QueryResult<()> {
    let mut nodes = Vec::with_capacity(leaves.len() * 2);
    for chunk in leaves.chunks(ROWS_PER_INSERT) {
        let first = frontier.size as i64;
        for l in chunk {
            frontier.push(l.hash, &mut nodes);
        }
        let values = || {
            chunk
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    (
                        log_leaves::idx.eq(first + i as i64),
                        log_leaves::kind.eq(l.kind),
                        log_leaves::object_id.eq(l.object_id.as_str()),
                        log_leaves::leaf.eq(l.bytes.as_slice()),
                        log_leaves::leaf_hash.eq(l.hash.as_slice()),
                    )
                })
                .collect::<Vec<_>>()
        };
        match conn {
            DbConn::Sqlite(c) => diesel::insert_into(log_leaves::table).values(values()).execute(c)?,
            DbConn::Pg(c) => diesel::insert_into(log_leaves::table).values(values()).execute(c)?,
        };
    }
    for chunk in nodes.chunks(ROWS_PER_INSERT) {
        let values = || {
            chunk
                .iter()
                .map(|(level, idx, hash)| {
                    (
                        log_nodes::level.eq(*level),
                        log_nodes::idx.eq(*idx),
                        log_nodes::hash.eq(hash.as_slice()),
                    )
                })
                .collect::<Vec<_>>()
        };
        match conn {
            DbConn::Sqlite(c) => diesel::insert_into(log_nodes::table).values(values()).execute(c)?,
            DbConn::Pg(c) => diesel::insert_into(log_nodes::table).values(values()).execute(c)?,
        };
    }
    Ok(())
}

/// Appends `leaves` in order, as many [`super::append`] calls would; call inside the write
/// transaction that stores their records. Returns the index of the first.
pub fn append_many(conn: &mut DbConn, leaves: &[Leaf]) -> Result<u64> {
    // Updating first takes the row lock, as `append` does: concurrent appenders queue here.
    diesel::update(log_state::table.find(1))
        .set(log_state::size.eq(log_state::size + leaves.len() as i64))
        .execute(conn)?;
    let first = super::size(conn)? - leaves.len() as u64;
    let mut frontier = Frontier::stored(conn, first)?;
    store(conn, &mut frontier, leaves)?;
    Ok(first)
}
