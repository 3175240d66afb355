//! Assigning entries to findings, one-to-one and greedy: best kind of fit first, then score,
//! then the finding's order, then the entry's. A finding whose best fits are equally good (and
//! not matched by as many identical findings) is `ambiguous` and takes none of them; a finding
//! left without a fit is `not_found`, naming the findings that took its candidates.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde_json::json;

use super::judge::{Judge, Proposal};
use super::load::Loaded;
use super::{EntryBrief, FindingResult, FindingStatus};
use crate::crosscheck::Scope;
use crate::crosscheck::book::Item;
use crate::crosscheck::error::Result;
use crate::crosscheck::findings::Finding;
use crate::crosscheck::names;
use crate::domain::budget::{Budget, Meter};

pub(super) fn brief(scope: &Scope, village: usize, item: &Item) -> EntryBrief {
    EntryBrief {
        id: item.id.clone(),
        village_code: scope.villages.get(village).map(|v| v.code.clone()).unwrap_or_default(),
        voucher_no: item.voucher_no.clone(),
        occurred_on: item.occurred_on,
        direction: item.direction.as_str().to_owned(),
        amount_fen: item.amount_fen,
        counterparty: item.counterparty.clone(),
        description: item.description.clone(),
        reversed_by: item.reversed_by.clone(),
    }
}

/// What identifies a finding's content: identical findings may share identical entries.
fn fingerprint(f: &Finding) -> (NaiveDate, i64, Option<String>, Option<String>, Option<String>) {
    (
        f.date,
        f.amount_fen,
        f.counterparty.as_deref().map(names::normalize),
        f.voucher_no.clone(),
        f.invoice_number.clone(),
    )
}

/// Puts proposals in the order they are granted: kind of fit, score, finding, first entry.
pub(super) fn rank(proposals: &mut [(usize, Proposal)], loaded: &Loaded) {
    // The keys are taken once: comparing through the items would read them at random.
    proposals.sort_by_cached_key(|(n, p)| {
        (
            p.fit,
            std::cmp::Reverse(total_order(p.score)),
            *n,
            p.items.first().map(|i| loaded.hot[i].seq),
        )
    });
}

/// `x` as an integer ordered as [`f64::total_cmp`] orders floats.
fn total_order(x: f64) -> i64 {
    let bits = x.to_bits() as i64;
    bits ^ (((bits >> 63) as u64) >> 1) as i64
}

/// The state of the assignment while proposals are granted in order.
pub(super) struct Assignment<'a> {
    scope: &'a Scope,
    findings: &'a [Finding],
    loaded: &'a Loaded,
    /// Ranked proposals, each with its finding's index.
    proposals: &'a [(usize, Proposal)],
    /// Whether each finding's search was cut.
    truncated: &'a [bool],
    /// The group of identical findings each finding belongs to.
    group_of: Vec<usize>,
    /// How many findings of each group are still undecided (counted, not recounted per
    /// proposal: 20,000 identical findings would make that quadratic).
    undecided: Vec<usize>,
    /// Indices into `proposals`, per finding.
    of_finding: Vec<Vec<usize>>,
    /// Entry (index into the loaded items) → the finding that took it.
    pub(super) taken: HashMap<usize, usize>,
    decided: Vec<Option<FindingResult>>,
}

impl<'a> Assignment<'a> {
    pub(super) fn new(
        scope: &'a Scope,
        findings: &'a [Finding],
        loaded: &'a Loaded,
        proposals: &'a [(usize, Proposal)],
        truncated: &'a [bool],
    ) -> Self {
        let mut group_ids: HashMap<_, usize> = HashMap::new();
        let group_of: Vec<usize> = findings
            .iter()
            .map(|f| {
                let next = group_ids.len();
                *group_ids.entry(fingerprint(f)).or_insert(next)
            })
            .collect();
        let mut undecided = vec![0usize; group_ids.len()];
        for &g in &group_of {
            undecided[g] += 1;
        }
        let mut of_finding: Vec<Vec<usize>> = vec![Vec::new(); findings.len()];
        for (k, (n, _)) in proposals.iter().enumerate() {
            of_finding[*n].push(k);
        }
        Assignment {
            scope,
            findings,
            loaded,
            proposals,
            truncated,
            group_of,
            undecided,
            of_finding,
            taken: HashMap::new(),
            decided: vec![None; findings.len()],
        }
    }

    fn briefs(&self, items: &[usize]) -> Vec<EntryBrief> {
        items
            .iter()
            .map(|&i| brief(self.scope, self.loaded.village(i), self.loaded.item(i)))
            .collect()
    }

    /// Grants the proposals in their ranked order, each whose finding is undecided and whose
    /// entries are free; stops when `budget` runs out.
    pub(super) fn grant_all(&mut self, judge: &Judge, budget: &Budget) -> Result<()> {
        let mut meter = Meter::new(budget, super::judge::CHECK_EVERY);
        for (n, p) in self.proposals {
            meter.step()?;
            if self.decided[*n].is_some() || p.items.iter().any(|i| self.taken.contains_key(&i)) {
                continue;
            }
            if !self.settle_ambiguous(*n, p) {
                self.grant(judge, *n, p);
            }
        }
        Ok(())
    }

    /// Decides finding `n` as `ambiguous` when other proposals of it are as good as `p` and
    /// still free, and fewer identical findings are undecided than there are such candidates.
    fn settle_ambiguous(&mut self, n: usize, p: &Proposal) -> bool {
        let ties: Vec<&Proposal> = self.of_finding[n]
            .iter()
            .map(|&j| &self.proposals[j].1)
            .filter(|q| q.fit == p.fit && q.score == p.score && q.items.iter().all(|i| !self.taken.contains_key(&i)))
            .collect();
        let twins = self.undecided[self.group_of[n]];
        if ties.len() <= 1 || twins >= ties.len() {
            return false;
        }
        let mut ids: Vec<usize> = ties.iter().flat_map(|q| q.items.iter()).collect();
        ids.sort_by_key(|&i| self.loaded.hot[i].seq);
        ids.dedup();
        let f = &self.findings[n];
        self.undecided[self.group_of[n]] -= 1;
        self.decided[n] = Some(FindingResult {
            reference: f.reference.clone(),
            row: f.row,
            status: FindingStatus::Ambiguous,
            entry_ids: ids.iter().map(|&i| self.loaded.item(i).id.clone()).collect(),
            score: p.score,
            differences: Vec::new(),
            evidence: json!({"candidates": ids.len(), "fit": p.status}),
            entries: self.briefs(&ids),
            search_truncated: self.truncated[n],
        });
        true
    }

    /// Gives finding `n` the entries of `p`.
    fn grant(&mut self, judge: &Judge, n: usize, p: &Proposal) {
        for i in p.items.iter() {
            self.taken.insert(i, n);
        }
        let loaded = self.loaded;
        let mut entry_ids: Vec<String> = p.items.iter().map(|i| loaded.item(i).id.clone()).collect();
        let mut entries = self.briefs(&p.items.to_vec());
        if p.status == FindingStatus::Reversed
            && let Some(r) = p.items.first().and_then(|i| loaded.item(i).reversed_by.clone())
        {
            entry_ids.push(r);
        }
        entries.sort_by_key(|e| e.occurred_on);
        let f = &self.findings[n];
        let (differences, evidence) = judge.explain(f, p);
        self.undecided[self.group_of[n]] -= 1;
        self.decided[n] = Some(FindingResult {
            reference: f.reference.clone(),
            row: f.row,
            status: p.status,
            entry_ids,
            score: p.score,
            differences,
            evidence,
            entries,
            search_truncated: self.truncated[n],
        });
    }

    /// One result per finding, in the order sent; those without a fit are `not_found`.
    pub(super) fn results(&mut self) -> Vec<FindingResult> {
        let decided = std::mem::take(&mut self.decided);
        decided
            .into_iter()
            .enumerate()
            .map(|(n, d)| d.unwrap_or_else(|| self.not_found(n)))
            .collect()
    }

    fn not_found(&self, n: usize) -> FindingResult {
        let f = &self.findings[n];
        // Fits that other findings took are named, so the inspector sees why.
        let taken_by: Vec<&str> = self.of_finding[n]
            .iter()
            .flat_map(|&k| self.proposals[k].1.items.iter())
            .filter_map(|i| self.taken.get(&i))
            .map(|&m| self.findings[m].reference.as_str())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        FindingResult {
            reference: f.reference.clone(),
            row: f.row,
            status: FindingStatus::NotFound,
            entry_ids: Vec::new(),
            score: 0.0,
            differences: Vec::new(),
            evidence: json!({"best_fit_taken_by": taken_by, "had_candidates": !self.of_finding[n].is_empty()}),
            entries: Vec::new(),
            search_truncated: self.truncated[n],
        }
    }
}
