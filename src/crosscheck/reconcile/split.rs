//! Split payments: up to `max_split_parts` entries to one counterparty inside a finding's date
//! window whose amounts add up to it, found by a bounded subset search.

use std::collections::HashMap;

use super::FindingStatus;
use super::judge::{
    CHECK_EVERY, Detail, Entries, Fit, Judge, MAX_SPLIT_ENTRIES, MAX_SPLIT_GROUP, MAX_SPLIT_NODES, Proposal,
    SimilarityCache, Split,
};
use crate::crosscheck::error::Result;
use crate::crosscheck::findings::Finding;
use crate::crosscheck::names;
use crate::domain::Direction;
use crate::domain::budget::Meter;

impl Judge<'_> {
    /// The entries inside `f`'s date window a split could be made of: its counterparty's (or,
    /// without one, everybody's), nearest in date first, at most [`MAX_SPLIT_ENTRIES`]; `true`
    /// when some were left out.
    pub(super) fn split_window(&self, f: &Finding, cache: &mut SimilarityCache) -> Result<(Vec<usize>, bool)> {
        let l = self.loaded;
        let (lo, hi) = (
            f.date - chrono::Duration::days(self.tol.date_window_days),
            f.date + chrono::Duration::days(self.tol.date_window_days),
        );
        let finding_party = f.counterparty.as_deref().map(names::normalize);
        let finding_party = finding_party.as_deref().map(|p| (cache.name_id(p), p));
        let mut window: Vec<usize> = Vec::new();
        let mut truncated = false;
        match finding_party {
            Some(fp) => {
                'parties: for party in self.similar_parties(cache, fp)? {
                    for &i in self.party_entries(party, lo, hi) {
                        if window.len() >= MAX_SPLIT_ENTRIES {
                            truncated = true;
                            break 'parties;
                        }
                        window.push(i);
                    }
                }
            }
            None => {
                let start = l.by_date.partition_point(|&i| l.hot[i].occurred_on < lo);
                let end = l.by_date.partition_point(|&i| l.hot[i].occurred_on <= hi);
                let inside = &l.by_date[start..end.max(start)];
                // Outwards from the finding's date, so what a cut leaves out is the farthest.
                let mid = inside.partition_point(|&i| l.hot[i].occurred_on < f.date);
                let (mut before, mut after) = (mid, mid);
                while window.len() < MAX_SPLIT_ENTRIES && (before > 0 || after < inside.len()) {
                    let distance = |k: usize| (l.hot[inside[k]].occurred_on - f.date).num_days().abs();
                    if after < inside.len() && (before == 0 || distance(after) <= distance(before - 1)) {
                        window.push(inside[after]);
                        after += 1;
                    } else {
                        before -= 1;
                        window.push(inside[before]);
                    }
                }
                truncated = before > 0 || after < inside.len();
            }
        }
        Ok((window, truncated))
    }

    /// Up to `max_split_parts` live expenses to one counterparty inside the date window whose
    /// amounts add up to the finding's (within tolerance), and whether the search was cut
    /// (too many entries, or [`MAX_SPLIT_NODES`] subsets tried).
    pub(super) fn split(&self, f: &Finding, cache: &mut SimilarityCache) -> Result<(Option<Proposal>, bool)> {
        let l = self.loaded;
        let tol = self.tol.amount_tolerance(f.amount_fen);
        let (window, mut truncated) = self.split_window(f, cache)?;
        let mut groups: HashMap<i32, Vec<usize>> = HashMap::new();
        for i in window {
            let item = &l.hot[i];
            if item.direction != Direction::Expense
                || !item.live
                || !self.window.contains(item.occurred_on)
                || item.amount_fen >= f.amount_fen
                || f.direction == Some(Direction::Income)
            {
                continue;
            }
            groups.entry(item.party).or_default().push(i);
        }
        let mut best: Option<(i64, usize, i64, Vec<usize>)> = None;
        let mut parties: Vec<_> = groups.into_iter().collect();
        parties.sort_by_key(|(p, _)| *p);
        let mut search = SubsetSearch {
            target: f.amount_fen,
            tol,
            max_parts: self.tol.max_split_parts,
            nodes_left: MAX_SPLIT_NODES,
            meter: Meter::new(self.budget, CHECK_EVERY),
            cut: false,
        };
        for (_, mut group) in parties {
            // The closest in date first; a long list is cut so the search stays bounded.
            group.sort_by_key(|&i| ((l.hot[i].occurred_on - f.date).num_days().abs(), l.hot[i].seq));
            if group.len() > MAX_SPLIT_GROUP {
                group.truncate(MAX_SPLIT_GROUP);
                truncated = true;
            }
            let amounts: Vec<i64> = group.iter().map(|&i| l.hot[i].amount_fen).collect();
            let mut chosen = Vec::new();
            search.run(&amounts, 0, &mut chosen, &mut |set| {
                let sum: i64 = set.iter().map(|&k| amounts[k]).sum();
                let spread: i64 = set
                    .iter()
                    .map(|&k| (l.hot[group[k]].occurred_on - f.date).num_days().abs())
                    .sum();
                let cand = (
                    (sum - f.amount_fen).abs(),
                    set.len(),
                    spread,
                    set.iter().map(|&k| group[k]).collect(),
                );
                if best.as_ref().is_none_or(|b| (cand.0, cand.1, cand.2) < (b.0, b.1, b.2)) {
                    best = Some(cand);
                }
            })?;
            if search.nodes_left == 0 {
                break;
            }
        }
        truncated |= search.cut;
        let Some((diff, parts, _, mut items)) = best else {
            return Ok((None, truncated));
        };
        items.sort_by_key(|&i| (l.hot[i].occurred_on, l.hot[i].seq));
        let sum: i64 = items.iter().map(|&i| l.hot[i].amount_fen).sum();
        let proposal = Proposal {
            fit: Fit::Split,
            score: round4(0.9 - 0.05 * (parts as f64 - 2.0) - 0.1 * (diff as f64 / tol.max(1) as f64)),
            items: Entries::of(&items),
            status: FindingStatus::SplitMatch,
            detail: Detail::Split(Split { parts, sum }),
        };
        Ok((Some(proposal), truncated))
    }
}

pub(super) fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// A search for sets of 2..=`max_parts` positive amounts summing to `target` ± `tol`, trying
/// at most `nodes_left` partial sets in all (then `cut`), and stopping when the budget is out.
pub(super) struct SubsetSearch<'a> {
    pub(super) target: i64,
    pub(super) tol: i64,
    pub(super) max_parts: usize,
    pub(super) nodes_left: usize,
    pub(super) meter: Meter<'a>,
    pub(super) cut: bool,
}

impl SubsetSearch<'_> {
    /// Calls `found` with every such set of indices into `amounts` extending `chosen` with
    /// indices from `from` on; a partial sum past the target is not extended.
    pub(super) fn run(
        &mut self,
        amounts: &[i64],
        from: usize,
        chosen: &mut Vec<usize>,
        found: &mut dyn FnMut(&[usize]),
    ) -> Result<(), crate::domain::budget::BudgetExceeded> {
        if self.nodes_left == 0 {
            self.cut = true;
            return Ok(());
        }
        self.nodes_left -= 1;
        self.meter.step()?;
        let sum: i64 = chosen.iter().map(|&k| amounts[k]).sum();
        if chosen.len() >= 2 && (sum - self.target).abs() <= self.tol {
            found(chosen);
        }
        if chosen.len() == self.max_parts {
            return Ok(());
        }
        for k in from..amounts.len() {
            if sum + amounts[k] > self.target + self.tol {
                continue;
            }
            chosen.push(k);
            self.run(amounts, k + 1, chosen, found)?;
            chosen.pop();
            if self.nodes_left == 0 {
                self.cut = true;
                break;
            }
        }
        Ok(())
    }
}
