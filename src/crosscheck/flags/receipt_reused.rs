//! `receipt_reused`: the same original bytes, or a near-identical image (perceptual hashes at
//! most 6 of 64 bits apart), attached to more than one entry, across every village in scope.
//!
//! Near-identical pairs are found without comparing every pair: split into d + 1 blocks of
//! bits, two hashes within distance d agree on at least one whole block (pigeonhole), so only
//! hashes sharing a block value are compared. Pairs are joined into groups (union-find); each
//! group is one flag.
//!
//! How an insider would get around it: photographing the paper again, cropped or at an angle,
//! beyond the perceptual-hash distance; not closed here, but an invoice QR code read from both
//! photos makes them one invoice (`invoice_reused`). Across villages the rule looks over the
//! whole scope; a scan withdrawn from one entry and attached to another counts once, and the
//! first entry then lacks its scan (`missing_receipt`). A reversal and re-post keeps its scan
//! on the live entry only.

use crate::msg;
use std::collections::HashMap;

use serde_json::json;

use super::invoice_reused::reuse_flag;
use super::{Context, Flag, Rule, ScopeFacts};
use crate::crosscheck::book::ReceiptFact;
use crate::domain::budget::{Budget, Meter};

pub struct ReceiptReused;

fn find(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

fn union(parent: &mut [usize], a: usize, b: usize) {
    let (ra, rb) = (find(parent, a), find(parent, b));
    if ra != rb {
        parent[ra.max(rb)] = ra.min(rb);
    }
}

/// Groups of receipts (indices into `receipts`) that are the same or nearly the same image;
/// stops early (with partial groups) once `budget` is out.
fn image_groups(receipts: &[&ReceiptFact], max_distance: u32, budget: &Budget) -> Vec<Vec<usize>> {
    let n = receipts.len();
    let mut parent: Vec<usize> = (0..n).collect();
    let mut by_sha: HashMap<&str, usize> = HashMap::new();
    // Equal hashes are joined at once, so a scan uploaded ten thousand times is one
    // representative below, not fifty million pairs.
    let mut by_phash: HashMap<u64, usize> = HashMap::new();
    let mut distinct: Vec<usize> = Vec::new();
    for (i, r) in receipts.iter().enumerate() {
        if let Some(&j) = by_sha.get(r.sha256.as_str()) {
            union(&mut parent, i, j);
        } else {
            by_sha.insert(&r.sha256, i);
        }
        if let Some(&j) = by_phash.get(&r.phash) {
            union(&mut parent, i, j);
        } else {
            by_phash.insert(r.phash, i);
            distinct.push(i);
        }
    }
    let mut meter = Meter::new(budget, 4096);
    let blocks = (max_distance as usize + 1).min(64);
    let width = 64usize.div_ceil(blocks);
    for b in 0..blocks {
        let shift = b * width;
        if shift >= 64 {
            break;
        }
        let mask = if width >= 64 { u64::MAX } else { (1u64 << width) - 1 };
        let mut buckets: HashMap<u64, Vec<usize>> = HashMap::new();
        for &i in &distinct {
            buckets.entry((receipts[i].phash >> shift) & mask).or_default().push(i);
        }
        for bucket in buckets.values().filter(|b| b.len() > 1) {
            for (k, &i) in bucket.iter().enumerate() {
                for &j in &bucket[k + 1..] {
                    if meter.step().is_err() {
                        return Vec::new();
                    }
                    if (receipts[i].phash ^ receipts[j].phash).count_ones() <= max_distance {
                        union(&mut parent, i, j);
                    }
                }
            }
        }
    }
    let mut groups: HashMap<usize, Vec<usize>> = HashMap::new();
    for i in 0..n {
        let root = find(&mut parent, i);
        groups.entry(root).or_default().push(i);
    }
    let mut groups: Vec<Vec<usize>> = groups.into_values().filter(|g| g.len() > 1).collect();
    groups.sort();
    groups
}

impl Rule for ReceiptReused {
    fn name(&self) -> &'static str {
        "receipt_reused"
    }

    fn check_scope(&self, facts: &ScopeFacts, cx: &Context, out: &mut Vec<Flag>) {
        let live: Vec<&ReceiptFact> = facts.receipts.iter().filter(|r| !r.withdrawn && r.entry_live).collect();
        let max = cx.settings.phash_max_distance;
        for group in image_groups(&live, max, cx.budget) {
            if cx.budget.exhausted() {
                return;
            }
            let members: Vec<&ReceiptFact> = group.iter().map(|&i| live[i]).collect();
            let identical = members.iter().all(|r| r.sha256 == members[0].sha256);
            // Over distinct hashes only: a group is mostly copies of a few images.
            let mut hashes: Vec<u64> = members.iter().map(|r| r.phash).collect();
            hashes.sort_unstable();
            hashes.dedup();
            hashes.truncate(512);
            let distance = hashes
                .iter()
                .flat_map(|a| hashes.iter().map(move |b| (a ^ b).count_ones()))
                .max()
                .unwrap_or(0);
            if let Some(mut flag) = reuse_flag(self.name(), cx, &members, |n, listed| {
                if identical {
                    msg!("flag-receipt-reused-same", count = n, entries = listed)
                } else {
                    msg!(
                        "flag-receipt-reused-similar",
                        distance = distance,
                        count = n,
                        entries = listed
                    )
                }
            }) {
                flag.figures["identical_bytes"] = json!(identical);
                flag.figures["phash_distance"] = json!(distance);
                flag.figures["max_distance"] = json!(max);
                out.push(flag);
            }
        }
    }
}
