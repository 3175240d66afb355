//! How entries are judged against one finding: the kinds of fit, the bounds of the search, and
//! the candidates a finding could have (by voucher or invoice number, amount, counterparty).

use std::collections::HashMap;

use chrono::NaiveDate;

use super::FindingStatus;
use super::load::{Loaded, grams, key};
use crate::crosscheck::DateWindow;
use crate::crosscheck::error::Result;
use crate::crosscheck::findings::{Finding, MAX_SPLIT_PARTS, Tolerances};
use crate::crosscheck::names;
use crate::domain::budget::{Budget, Meter};

/// Kinds of fit, best first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) enum Fit {
    Matched,
    MatchedReversed,
    Split,
    Mismatch,
    MismatchReversed,
}

/// How one entry compares with a finding; the differences and evidence are written out only
/// for the proposal that is chosen.
#[derive(Clone, Copy)]
pub(super) struct Single {
    pub(super) amount_diff: i64,
    pub(super) days: i64,
    pub(super) sim: Option<f64>,
    pub(super) amount_ok: bool,
    pub(super) date_ok: bool,
    pub(super) name_ok: Option<bool>,
    pub(super) voucher_ok: bool,
    pub(super) invoice_ok: bool,
    /// The kind of fit before reversal is considered (`matched`, `amount_mismatch`, …).
    pub(super) fit_status: FindingStatus,
}

#[derive(Clone, Copy)]
pub(super) struct Split {
    pub(super) parts: usize,
    pub(super) sum: i64,
}

#[derive(Clone, Copy)]
pub(super) enum Detail {
    Single(Single),
    Split(Split),
}

/// Indices of the loaded items (`Loaded::item`) of a proposal's entries: one, or the parts of a split. Held
/// inline, so the hundreds of thousands of proposals of a large reconciliation allocate
/// nothing apiece.
#[derive(Clone, Copy)]
pub(super) struct Entries {
    len: u8,
    at: [u32; MAX_SPLIT_PARTS],
}

impl Entries {
    pub(super) fn one(i: usize) -> Self {
        Self::of(&[i])
    }

    /// At most [`MAX_SPLIT_PARTS`] indices, each below 2³² (the entries of a scope are far fewer).
    pub(super) fn of(indices: &[usize]) -> Self {
        let mut at = [0u32; MAX_SPLIT_PARTS];
        for (slot, &i) in at.iter_mut().zip(indices) {
            *slot = u32::try_from(i).unwrap_or(u32::MAX);
        }
        Entries {
            len: indices.len().min(MAX_SPLIT_PARTS) as u8,
            at,
        }
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.at[..usize::from(self.len)].iter().map(|&i| i as usize)
    }

    pub(super) fn first(&self) -> Option<usize> {
        self.iter().next()
    }

    pub(super) fn to_vec(self) -> Vec<usize> {
        self.iter().collect()
    }
}

/// One way a finding could be recorded in the ledger.
pub(super) struct Proposal {
    pub(super) fit: Fit,
    pub(super) items: Entries,
    pub(super) score: f64,
    pub(super) status: FindingStatus,
    pub(super) detail: Detail,
}

/// Proposals kept per finding: enough to fall back on when its best fits are taken.
pub(super) const KEPT_PER_FINDING: usize = 16;

/// Entries judged as one finding's single-entry candidates, at most; and entries of about its
/// amount looked at to find them. Past either, the search for that finding is cut (and says so).
pub(super) const MAX_CANDIDATES: usize = 4096;
pub(super) const MAX_AMOUNT_SCAN: usize = 16_384;

/// Entries inside a finding's date window considered for a split payment, nearest in date
/// first, and entries of one counterparty combined.
pub(super) const MAX_SPLIT_ENTRIES: usize = 2048;
pub(super) const MAX_SPLIT_GROUP: usize = 24;

/// Subsets a split-payment search may try for one finding, whatever the tolerances.
pub(super) const MAX_SPLIT_NODES: usize = 20_000;

/// How often the loops look at the request's budget.
pub(super) const CHECK_EVERY: u32 = 2048;

/// Above this threshold, names that share no pair of adjacent characters are never similar
/// enough: without a shared pair no two matched characters are adjacent in both names, so an
/// alignment of the longer name (L ≥ 2 characters) needs at least (L − 1) / 2 edits, and the
/// edit similarity is at most (L + 1) / 2L ≤ 0.75 (containment needs a shared pair, and two
/// different one-character names score 0).
const NO_SHARED_PAIR_MAX: f64 = 0.75;

/// Similarities of finding names (interned) to ledger counterparties, kept per name while the
/// findings of that name are judged.
#[derive(Default)]
pub(super) struct SimilarityCache {
    pub(super) names: HashMap<String, u32>,
    /// Counterparties similar enough to each finding name.
    pub(super) similar: HashMap<u32, Vec<i32>>,
    /// The last name's similarity to each counterparty, by counterparty: `(name id + 1,
    /// similarity)`, where computed for that name. Findings are judged one after another, so
    /// this is an array, not a map growing with every pair ever compared.
    recent: Vec<(u32, f64)>,
    /// `name id + 1` at each counterparty similar enough to the name last marked
    /// (`marked_for`).
    marks: Vec<u32>,
    marked_for: u32,
}

impl SimilarityCache {
    pub(super) fn name_id(&mut self, normalized: &str) -> u32 {
        if let Some(id) = self.names.get(normalized) {
            return *id;
        }
        let id = self.names.len() as u32;
        self.names.insert(normalized.to_owned(), id);
        id
    }
}

pub(super) struct Judge<'a> {
    pub(super) tol: &'a Tolerances,
    pub(super) loaded: &'a Loaded,
    /// Entries outside the request's window are not the scope's.
    pub(super) window: DateWindow,
    pub(super) budget: &'a Budget,
}

impl Judge<'_> {
    pub(super) fn similarity(&self, cache: &mut SimilarityCache, finding: (u32, &str), party: i32) -> f64 {
        let stamp = finding.0 + 1;
        let parties = self.loaded.parties.names.len();
        let Some(p) = usize::try_from(party).ok().filter(|&p| p < parties) else {
            return names::similarity(finding.1, self.loaded.parties.name(party));
        };
        if cache.recent.len() < parties {
            cache.recent.resize(parties, (0, 0.0));
        }
        if cache.recent[p].0 != stamp {
            cache.recent[p] = (stamp, names::similarity(finding.1, self.loaded.parties.name(party)));
        }
        cache.recent[p].1
    }

    /// Whether `party` is similar enough to the finding's name: looked up among
    /// [`Judge::similar_parties`] where the threshold allows ([`NO_SHARED_PAIR_MAX`]), else
    /// computed.
    pub(super) fn is_similar(&self, cache: &mut SimilarityCache, finding: (u32, &str), party: i32) -> Result<bool> {
        if self.tol.name_similarity <= NO_SHARED_PAIR_MAX {
            return Ok(self.similarity(cache, finding, party) >= self.tol.name_similarity);
        }
        let stamp = finding.0 + 1;
        if cache.marked_for != stamp {
            let similar = self.similar_parties(cache, finding)?;
            if cache.marks.len() < self.loaded.parties.names.len() {
                cache.marks.resize(self.loaded.parties.names.len(), 0);
            }
            for p in similar {
                cache.marks[p as usize] = stamp;
            }
            cache.marked_for = stamp;
        }
        Ok(usize::try_from(party)
            .ok()
            .and_then(|p| cache.marks.get(p))
            .is_some_and(|&m| m == stamp))
    }

    /// The counterparties whose names are similar enough to the finding's (only those sharing
    /// a character pair with it are compared).
    pub(super) fn similar_parties(&self, cache: &mut SimilarityCache, finding: (u32, &str)) -> Result<Vec<i32>> {
        if let Some(found) = cache.similar.get(&finding.0) {
            return Ok(found.clone());
        }
        let mut near: Vec<i32> = grams(finding.1)
            .iter()
            .filter_map(|g| self.loaded.party_grams.get(g))
            .flatten()
            .copied()
            .collect();
        near.sort_unstable();
        near.dedup();
        let mut meter = Meter::new(self.budget, CHECK_EVERY);
        let mut similar = Vec::new();
        for p in near {
            meter.step()?;
            if self.similarity(cache, finding, p) >= self.tol.name_similarity {
                similar.push(p);
            }
        }
        cache.similar.insert(finding.0, similar.clone());
        Ok(similar)
    }

    /// Entries of `party` dated inside `[lo, hi]`.
    pub(super) fn party_entries(&self, party: i32, lo: NaiveDate, hi: NaiveDate) -> &[usize] {
        let l = self.loaded;
        let Some(list) = l.by_party.get(&party) else {
            return &[];
        };
        let start = list.partition_point(|&i| l.hot[i].occurred_on < lo);
        let end = list.partition_point(|&i| l.hot[i].occurred_on <= hi);
        &list[start..end.max(start)]
    }

    /// The entries that could record `f`: those its voucher or invoice number names, those of
    /// about its amount inside the search window, and its counterparty's inside the date
    /// window, each once (`seen` marks those taken for this finding, `stamp`), into
    /// `candidates` (emptied first). `finding_party` is the finding's counterparty, normalised
    /// and interned. At most [`MAX_CANDIDATES`]; `true` when the list was cut there.
    pub(super) fn candidates(
        &self,
        f: &Finding,
        finding_party: Option<(u32, &str)>,
        cache: &mut SimilarityCache,
        seen: &mut [u32],
        stamp: u32,
        candidates: &mut Vec<usize>,
    ) -> Result<bool> {
        let l = self.loaded;
        let tol = self.tol.amount_tolerance(f.amount_fen);
        candidates.clear();
        let truncated = std::cell::Cell::new(false);
        // Whether there is room for more; the strongest evidence is gathered first.
        let mut add = |i: usize, candidates: &mut Vec<usize>| {
            if candidates.len() >= MAX_CANDIDATES {
                truncated.set(true);
                return false;
            }
            if seen[i] != stamp {
                seen[i] = stamp;
                candidates.push(i);
            }
            true
        };
        let voucher = f.voucher_no.as_deref().map(key);
        let invoice = f.invoice_number.as_deref().map(key);
        let named = [
            voucher.as_ref().and_then(|v| l.by_voucher.get(v)),
            invoice.as_ref().and_then(|n| l.by_invoice.get(n)),
        ];
        for &i in named.into_iter().flatten().flatten() {
            if !add(i, candidates) {
                break;
            }
        }
        let day = |d: i64| f.date + chrono::Duration::days(d);
        let start = l
            .by_amount
            .partition_point(|&(amount, ..)| amount < f.amount_fen.saturating_sub(tol));
        let (slo, shi) = (day(-self.tol.date_search_days), day(self.tol.date_search_days));
        let (lo, hi) = (day(-self.tol.date_window_days), day(self.tol.date_window_days));
        let mut scanned = 0;
        for &(_, on, party, i) in l.by_amount[start..]
            .iter()
            .take_while(|&&(amount, ..)| amount <= f.amount_fen.saturating_add(tol))
        {
            scanned += 1;
            if scanned > MAX_AMOUNT_SCAN {
                truncated.set(true);
                break;
            }
            if !(slo..=shi).contains(&on) {
                continue;
            }
            // Of about the amount but outside the date window, an entry fits only with a
            // similar counterparty (a date mismatch): without one it is not judged at all (its
            // voucher or invoice number, the other way to fit, brought it in above).
            let near = (lo..=hi).contains(&on);
            let similar = match finding_party {
                Some(fp) if !near => self.is_similar(cache, fp, party)?,
                _ => near,
            };
            if !similar {
                continue;
            }
            if !add(i, candidates) {
                break;
            }
        }
        // The same counterparty inside the date window: matched, or the amount differs.
        if let Some(fp) = finding_party {
            'parties: for party in self.similar_parties(cache, fp)? {
                for &i in self.party_entries(party, lo, hi) {
                    if !add(i, candidates) {
                        break 'parties;
                    }
                }
            }
        }
        Ok(truncated.get())
    }
}
