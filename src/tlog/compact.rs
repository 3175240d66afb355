//! The root of a growing tree from O(log n) hashes: what a reader that streams the leaves in
//! order (the offline verification) keeps instead of the whole tree.

use crate::tlog::{Hash, empty_root, node_hash};

/// The perfect subtrees of the leaves seen so far, largest first: enough to give the root of
/// the tree at the current size.
#[derive(Default)]
pub struct CompactRange {
    stack: Vec<(u32, Hash)>,
    size: u64,
}

impl CompactRange {
    /// How many leaves were pushed.
    pub fn size(&self) -> u64 {
        self.size
    }

    pub fn push(&mut self, leaf: Hash) {
        let mut node = (0u32, leaf);
        while let Some(&(level, left)) = self.stack.last() {
            if level != node.0 {
                break;
            }
            self.stack.pop();
            node = (level + 1, node_hash(&left, &node.1));
        }
        self.stack.push(node);
        self.size += 1;
    }

    pub fn root(&self) -> Hash {
        let mut iter = self.stack.iter().rev();
        let Some(&(_, mut root)) = iter.next() else {
            return empty_root();
        };
        for (_, left) in iter {
            root = node_hash(left, &root);
        }
        root
    }
}
