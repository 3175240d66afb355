//! Reconciling findings with the ledger: for each finding, the entry (or entries) that record
//! it, or why none does.
//!
//! Every entry of the scope that could fit is loaded once (the findings' dates ± the search
//! window) into one list with three indexes: by date, by amount, and by voucher and invoice
//! number. For each finding the candidates are the entries inside the date window, the entries
//! of about its amount inside the wider search window, and any entry its voucher or invoice
//! number names. Each candidate is judged on amount, date and counterparty:
//!
//! - all three agree → `matched` (a reversed entry → `reversed`);
//! - two agree and one differs, or a voucher/invoice number ties them → `amount_mismatch`,
//!   `date_mismatch` or `counterparty_mismatch`, listing every difference;
//! - otherwise the entry does not correspond.
//!
//! Without a single fit, up to five entries to one counterparty inside the date window whose
//! amounts add up to the finding's are a `split_match`. Assignment is one-to-one and greedy:
//! best kind of fit first, then score, then the finding's order, then the entry's; an entry
//! never satisfies two findings. A finding whose best fits are equally good (and not matched by
//! as many identical findings) is `ambiguous`, and takes none of them.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::json;

use crate::crosscheck::book::{Item, Parties, for_each_book};
use crate::crosscheck::error::Result;
use crate::crosscheck::findings::{Finding, Tolerances};
use crate::crosscheck::names;
use crate::crosscheck::{DateWindow, Scope};
use crate::db::DbPool;
use crate::domain::Direction;
use crate::domain::budget::{Budget, Meter};

/// An entry as a reconciliation shows it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct EntryBrief {
    pub id: String,
    pub village_code: String,
    pub voucher_no: String,
    pub occurred_on: NaiveDate,
    pub direction: String,
    pub amount_fen: i64,
    pub counterparty: String,
    pub description: String,
    /// The reversal of this entry, if it was reversed.
    pub reversed_by: Option<String>,
}

/// One field on which a finding and its entry differ.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Difference {
    /// `amount_fen`, `date` or `counterparty`.
    pub field: &'static str,
    /// The finding's value (fen, a date or a name).
    pub finding: serde_json::Value,
    /// The ledger's value.
    pub ledger: serde_json::Value,
}

/// How a finding stands against the ledger.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FindingStatus {
    /// Amount, date and counterparty agree with one entry.
    Matched,
    /// One entry fits but for its amount.
    AmountMismatch,
    /// One entry fits but for its date.
    DateMismatch,
    /// One entry fits but for its counterparty.
    CounterpartyMismatch,
    /// Entries to one counterparty add up to the finding.
    SplitMatch,
    /// The entry that fits was reversed later.
    Reversed,
    /// Equally good candidates; none is taken.
    Ambiguous,
    /// No entry records it.
    NotFound,
}

impl FindingStatus {
    /// Every status, in the order they are documented.
    pub const ALL: [FindingStatus; 8] = [
        FindingStatus::Matched,
        FindingStatus::AmountMismatch,
        FindingStatus::DateMismatch,
        FindingStatus::CounterpartyMismatch,
        FindingStatus::SplitMatch,
        FindingStatus::Reversed,
        FindingStatus::Ambiguous,
        FindingStatus::NotFound,
    ];

    /// The name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            FindingStatus::Matched => "matched",
            FindingStatus::AmountMismatch => "amount_mismatch",
            FindingStatus::DateMismatch => "date_mismatch",
            FindingStatus::CounterpartyMismatch => "counterparty_mismatch",
            FindingStatus::SplitMatch => "split_match",
            FindingStatus::Reversed => "reversed",
            FindingStatus::Ambiguous => "ambiguous",
            FindingStatus::NotFound => "not_found",
        }
    }
}

/// Findings per status, every status listed (by its name on the wire).
pub fn summary(results: &[FindingResult]) -> std::collections::BTreeMap<&'static str, usize> {
    let mut counts: std::collections::BTreeMap<&'static str, usize> =
        FindingStatus::ALL.iter().map(|s| (s.as_str(), 0)).collect();
    for r in results {
        *counts.entry(r.status.as_str()).or_default() += 1;
    }
    counts
}

/// The outcome for one finding.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct FindingResult {
    #[serde(rename = "ref")]
    pub reference: String,
    /// The spreadsheet row, for findings uploaded as a sheet.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row: Option<usize>,
    pub status: FindingStatus,
    /// The entry or entries that record the finding (for `reversed`: the original, then its
    /// reversal); for `ambiguous`, every equally good candidate.
    pub entry_ids: Vec<String>,
    /// 0–1: how well the entries fit (1 is exact on every field given).
    pub score: f64,
    pub differences: Vec<Difference>,
    /// The evidence behind the status: amount difference (fen), days apart, counterparty
    /// similarity, voucher or invoice number agreement, parts of a split.
    #[schema(value_type = Object)]
    pub evidence: serde_json::Value,
    pub entries: Vec<EntryBrief>,
    /// The search for this finding's entries hit one of its bounds (candidates judged, entries
    /// of a split, subsets tried) and was cut: a better fit may exist among what was left out.
    /// Narrow the tolerances or the window to search fully.
    pub search_truncated: bool,
}

/// A whole reconciliation.
pub struct Outcome {
    pub results: Vec<FindingResult>,
    /// Expense entries inside the window no finding accounts for (when asked).
    pub unmatched: Vec<EntryBrief>,
    /// Entries the reconciliation looked at.
    pub entries_considered: usize,
}

#[derive(Default)]
struct Loaded {
    items: Vec<(usize, Item)>,
    /// Indices into `items`, by date.
    by_date: Vec<usize>,
    /// Indices into `items`, by amount.
    by_amount: Vec<usize>,
    by_voucher: HashMap<String, Vec<usize>>,
    by_invoice: HashMap<String, Vec<usize>>,
    /// Indices into `items` per counterparty, by date.
    by_party: HashMap<i32, Vec<usize>>,
    /// Counterparties per pair of adjacent characters of their name (a one-character name
    /// under that character): names that share none cannot be similar.
    party_grams: HashMap<(char, char), Vec<i32>>,
    parties: Parties,
}

/// The adjacent character pairs of a normalised name (the character itself, paired with
/// `'\0'`, for a one-character name).
fn grams(name: &str) -> Vec<(char, char)> {
    let chars: Vec<char> = name.chars().collect();
    match chars.len() {
        0 => Vec::new(),
        1 => vec![(chars[0], '\0')],
        _ => chars.windows(2).map(|w| (w[0], w[1])).collect(),
    }
}

fn key(text: &str) -> String {
    names::normalize(text)
}

fn load(pool: &DbPool, scope: &Scope, window: DateWindow, budget: &Budget) -> Result<Loaded> {
    let mut parties = Parties::default();
    let mut items = Vec::new();
    let mut invoices: Vec<(String, String)> = Vec::new();
    for_each_book(pool, scope, window, &mut parties, |book, _| {
        budget.check()?;
        for r in book.receipts.iter().filter(|r| !r.withdrawn) {
            if let Some(n) = &r.invoice_number {
                invoices.push((key(n), r.entry_id.clone()));
            }
        }
        // Reversals record corrections, not payments: never a finding's entry.
        items.extend(
            book.items
                .into_iter()
                .filter(|i| i.reverses.is_none())
                .map(|i| (book.village, i)),
        );
        Ok(())
    })?;
    let mut by_date: Vec<usize> = (0..items.len()).collect();
    by_date.sort_by_key(|&i| (items[i].1.occurred_on, items[i].1.seq));
    let mut by_amount: Vec<usize> = (0..items.len()).collect();
    by_amount.sort_by_key(|&i| (items[i].1.amount_fen, items[i].1.seq));
    let mut by_voucher: HashMap<String, Vec<usize>> = HashMap::new();
    let mut by_id: HashMap<&str, usize> = HashMap::new();
    for (i, (_, item)) in items.iter().enumerate() {
        by_voucher.entry(key(&item.voucher_no)).or_default().push(i);
        by_id.insert(&item.id, i);
    }
    let mut by_invoice: HashMap<String, Vec<usize>> = HashMap::new();
    for (number, entry) in invoices {
        if let Some(&i) = by_id.get(entry.as_str()) {
            by_invoice.entry(number).or_default().push(i);
        }
    }
    let mut by_party: HashMap<i32, Vec<usize>> = HashMap::new();
    for &i in &by_date {
        by_party.entry(items[i].1.party).or_default().push(i);
    }
    let mut party_grams: HashMap<(char, char), Vec<i32>> = HashMap::new();
    for (id, name) in parties.names.iter().enumerate() {
        let mut g = grams(name);
        g.sort_unstable();
        g.dedup();
        for gram in g {
            party_grams.entry(gram).or_default().push(id as i32);
        }
    }
    Ok(Loaded {
        items,
        by_date,
        by_amount,
        by_voucher,
        by_invoice,
        by_party,
        party_grams,
        parties,
    })
}

/// Kinds of fit, best first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Fit {
    Matched,
    MatchedReversed,
    Split,
    Mismatch,
    MismatchReversed,
}

/// How one entry compares with a finding; the differences and evidence are written out only
/// for the proposal that is chosen.
#[derive(Clone, Copy)]
struct Single {
    amount_diff: i64,
    days: i64,
    sim: Option<f64>,
    amount_ok: bool,
    date_ok: bool,
    name_ok: Option<bool>,
    voucher_ok: bool,
    invoice_ok: bool,
    /// The kind of fit before reversal is considered (`matched`, `amount_mismatch`, …).
    fit_status: FindingStatus,
}

#[derive(Clone, Copy)]
struct Split {
    parts: usize,
    sum: i64,
}

#[derive(Clone, Copy)]
enum Detail {
    Single(Single),
    Split(Split),
}

/// One way a finding could be recorded in the ledger.
struct Proposal {
    fit: Fit,
    /// Indices into `Loaded::items`.
    items: Vec<usize>,
    score: f64,
    status: FindingStatus,
    detail: Detail,
}

/// Proposals kept per finding: enough to fall back on when its best fits are taken.
const KEPT_PER_FINDING: usize = 16;

/// Entries judged as one finding's single-entry candidates, at most; and entries of about its
/// amount looked at to find them. Past either, the search for that finding is cut (and says so).
const MAX_CANDIDATES: usize = 4096;
const MAX_AMOUNT_SCAN: usize = 16_384;

/// Entries inside a finding's date window considered for a split payment, nearest in date
/// first, and entries of one counterparty combined.
const MAX_SPLIT_ENTRIES: usize = 2048;
const MAX_SPLIT_GROUP: usize = 24;

/// Subsets a split-payment search may try for one finding, whatever the tolerances.
const MAX_SPLIT_NODES: usize = 20_000;

/// How often the loops look at the request's budget.
const CHECK_EVERY: u32 = 2048;

/// Similarity of a finding's counterparty (interned) to a ledger party, computed once.
#[derive(Default)]
struct SimilarityCache {
    names: HashMap<String, u32>,
    scores: HashMap<(u32, i32), f64>,
    /// Counterparties similar enough to each finding name.
    similar: HashMap<u32, Vec<i32>>,
}

impl SimilarityCache {
    fn name_id(&mut self, normalized: &str) -> u32 {
        if let Some(id) = self.names.get(normalized) {
            return *id;
        }
        let id = self.names.len() as u32;
        self.names.insert(normalized.to_owned(), id);
        id
    }
}

struct Judge<'a> {
    tol: &'a Tolerances,
    loaded: &'a Loaded,
    /// Entries outside the request's window are not the scope's.
    window: DateWindow,
    budget: &'a Budget,
}

impl Judge<'_> {
    fn similarity(&self, cache: &mut SimilarityCache, finding: (u32, &str), party: i32) -> f64 {
        *cache
            .scores
            .entry((finding.0, party))
            .or_insert_with(|| names::similarity(finding.1, self.loaded.parties.name(party)))
    }

    /// The counterparties whose names are similar enough to the finding's (only those sharing
    /// a character pair with it are compared).
    fn similar_parties(&self, cache: &mut SimilarityCache, finding: (u32, &str)) -> Result<Vec<i32>> {
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
    fn party_entries(&self, party: i32, lo: NaiveDate, hi: NaiveDate) -> &[usize] {
        let l = self.loaded;
        let Some(list) = l.by_party.get(&party) else {
            return &[];
        };
        let start = list.partition_point(|&i| l.items[i].1.occurred_on < lo);
        let end = list.partition_point(|&i| l.items[i].1.occurred_on <= hi);
        &list[start..end.max(start)]
    }

    /// The entries that could record `f`: those its voucher or invoice number names, those of
    /// about its amount inside the search window, and its counterparty's inside the date
    /// window, each once (`seen` marks those taken for this finding, `stamp`). At most
    /// [`MAX_CANDIDATES`]; `true` when the list was cut there.
    fn candidates(
        &self,
        f: &Finding,
        cache: &mut SimilarityCache,
        seen: &mut [u32],
        stamp: u32,
    ) -> Result<(Vec<usize>, bool)> {
        let l = self.loaded;
        let tol = self.tol.amount_tolerance(f.amount_fen);
        let mut candidates: Vec<usize> = Vec::new();
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
            if !add(i, &mut candidates) {
                break;
            }
        }
        let day = |d: i64| f.date + chrono::Duration::days(d);
        let start = l
            .by_amount
            .partition_point(|&i| l.items[i].1.amount_fen < f.amount_fen.saturating_sub(tol));
        let (slo, shi) = (day(-self.tol.date_search_days), day(self.tol.date_search_days));
        let mut scanned = 0;
        for &i in l.by_amount[start..]
            .iter()
            .take_while(|&&i| l.items[i].1.amount_fen <= f.amount_fen.saturating_add(tol))
        {
            scanned += 1;
            if scanned > MAX_AMOUNT_SCAN {
                truncated.set(true);
                break;
            }
            if (slo..=shi).contains(&l.items[i].1.occurred_on) && !add(i, &mut candidates) {
                break;
            }
        }
        // The same counterparty inside the date window: matched, or the amount differs.
        let (lo, hi) = (day(-self.tol.date_window_days), day(self.tol.date_window_days));
        let finding_party = f.counterparty.as_deref().map(names::normalize);
        if let Some(fp) = finding_party.as_deref().map(|p| (cache.name_id(p), p)) {
            'parties: for party in self.similar_parties(cache, fp)? {
                for &i in self.party_entries(party, lo, hi) {
                    if !add(i, &mut candidates) {
                        break 'parties;
                    }
                }
            }
        }
        Ok((candidates, truncated.get()))
    }

    /// The best single-entry proposals for `f` (at most [`KEPT_PER_FINDING`]), and whether its
    /// candidates were cut (see [`Judge::candidates`]).
    fn singles(
        &self,
        f: &Finding,
        cache: &mut SimilarityCache,
        seen: &mut [u32],
        stamp: u32,
    ) -> Result<(Vec<Proposal>, bool)> {
        let l = self.loaded;
        let tol = self.tol.amount_tolerance(f.amount_fen);
        let (candidates, truncated) = self.candidates(f, cache, seen, stamp)?;
        let finding_party = f.counterparty.as_deref().map(names::normalize);
        let finding_party = finding_party.as_deref().map(|p| (cache.name_id(p), p));
        let voucher = f.voucher_no.as_deref().map(key);
        let invoice = f.invoice_number.as_deref().map(key);
        let mut out = Vec::new();
        let mut meter = Meter::new(self.budget, CHECK_EVERY);
        for i in candidates {
            meter.step()?;
            let item = &l.items[i].1;
            if f.direction.is_some_and(|d| d.as_str() != item.direction) || !self.window.contains(item.occurred_on) {
                continue;
            }
            let amount_diff = item.amount_fen - f.amount_fen;
            let days = (item.occurred_on - f.date).num_days();
            let amount_ok = amount_diff.abs() <= tol;
            let date_ok = days.abs() <= self.tol.date_window_days;
            let sim = finding_party.map(|p| self.similarity(cache, p, item.party));
            let name_ok = sim.map(|s| s >= self.tol.name_similarity);
            let voucher_ok = voucher.as_ref().is_some_and(|v| *v == key(&item.voucher_no));
            let invoice_ok = invoice
                .as_ref()
                .is_some_and(|n| l.by_invoice.get(n).is_some_and(|e| e.contains(&i)));
            let strong = voucher_ok || invoice_ok;
            let first_difference = if !amount_ok {
                FindingStatus::AmountMismatch
            } else if !date_ok {
                FindingStatus::DateMismatch
            } else {
                FindingStatus::CounterpartyMismatch
            };
            let status = match (amount_ok, date_ok, name_ok) {
                (true, true, None | Some(true)) => FindingStatus::Matched,
                _ if strong => first_difference,
                (false, true, Some(true)) => FindingStatus::AmountMismatch,
                (true, false, Some(true)) if days.abs() <= self.tol.date_search_days => FindingStatus::DateMismatch,
                (true, true, Some(false)) => FindingStatus::CounterpartyMismatch,
                _ => continue,
            };
            let reversed = item.reversed_by.is_some();
            let fit = match (status == FindingStatus::Matched, reversed) {
                (true, false) => Fit::Matched,
                (true, true) => Fit::MatchedReversed,
                (false, false) => Fit::Mismatch,
                (false, true) => Fit::MismatchReversed,
            };
            let amount_score = 1.0 - (amount_diff.abs() as f64 / f.amount_fen.max(1) as f64).min(1.0);
            let date_score = 1.0 - (days.abs() as f64 / self.tol.date_search_days.max(1) as f64).min(1.0);
            let mut score = match sim {
                Some(s) => 0.4 * amount_score + 0.3 * date_score + 0.3 * s,
                None => (0.4 * amount_score + 0.3 * date_score) / 0.7,
            };
            if strong {
                score = 0.5 + 0.5 * score;
            }
            out.push(Proposal {
                fit,
                items: vec![i],
                score: round4(score),
                status: if reversed { FindingStatus::Reversed } else { status },
                detail: Detail::Single(Single {
                    amount_diff,
                    days,
                    sim,
                    amount_ok,
                    date_ok,
                    name_ok,
                    voucher_ok,
                    invoice_ok,
                    fit_status: status,
                }),
            });
        }
        out.sort_by(|a, b| {
            a.fit
                .cmp(&b.fit)
                .then(b.score.total_cmp(&a.score))
                .then(l.items[a.items[0]].1.seq.cmp(&l.items[b.items[0]].1.seq))
        });
        out.truncate(KEPT_PER_FINDING);
        Ok((out, truncated))
    }

    /// The differences and evidence of a chosen proposal, in words and figures.
    fn explain(&self, f: &Finding, p: &Proposal) -> (Vec<Difference>, serde_json::Value) {
        let tol = self.tol.amount_tolerance(f.amount_fen);
        match p.detail {
            Detail::Split(split) => (
                Vec::new(),
                json!({
                    "split_parts": split.parts,
                    "sum_fen": split.sum,
                    "amount_difference_fen": split.sum - f.amount_fen,
                    "amount_tolerance_fen": tol,
                }),
            ),
            Detail::Single(d) => {
                let item = &self.loaded.items[p.items[0]].1;
                let mut differences = Vec::new();
                if !d.amount_ok {
                    differences.push(Difference {
                        field: "amount_fen",
                        finding: json!(f.amount_fen),
                        ledger: json!(item.amount_fen),
                    });
                }
                if !d.date_ok {
                    differences.push(Difference {
                        field: "date",
                        finding: json!(f.date),
                        ledger: json!(item.occurred_on),
                    });
                }
                if d.name_ok == Some(false) {
                    differences.push(Difference {
                        field: "counterparty",
                        finding: json!(f.counterparty),
                        ledger: json!(item.counterparty),
                    });
                }
                let evidence = json!({
                    "amount_difference_fen": d.amount_diff,
                    "amount_tolerance_fen": tol,
                    "days_apart": d.days,
                    "counterparty_similarity": d.sim.map(round4),
                    "voucher_matches": d.voucher_ok,
                    "invoice_matches": d.invoice_ok,
                    "fit": d.fit_status,
                });
                (differences, evidence)
            }
        }
    }

    /// The entries inside `f`'s date window a split could be made of: its counterparty's (or,
    /// without one, everybody's), nearest in date first, at most [`MAX_SPLIT_ENTRIES`]; `true`
    /// when some were left out.
    fn split_window(&self, f: &Finding, cache: &mut SimilarityCache) -> Result<(Vec<usize>, bool)> {
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
                let start = l.by_date.partition_point(|&i| l.items[i].1.occurred_on < lo);
                let end = l.by_date.partition_point(|&i| l.items[i].1.occurred_on <= hi);
                let inside = &l.by_date[start..end.max(start)];
                // Outwards from the finding's date, so what a cut leaves out is the farthest.
                let mid = inside.partition_point(|&i| l.items[i].1.occurred_on < f.date);
                let (mut before, mut after) = (mid, mid);
                while window.len() < MAX_SPLIT_ENTRIES && (before > 0 || after < inside.len()) {
                    let distance = |k: usize| (l.items[inside[k]].1.occurred_on - f.date).num_days().abs();
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
    fn split(&self, f: &Finding, cache: &mut SimilarityCache) -> Result<(Option<Proposal>, bool)> {
        let l = self.loaded;
        let tol = self.tol.amount_tolerance(f.amount_fen);
        let (window, mut truncated) = self.split_window(f, cache)?;
        let mut groups: HashMap<i32, Vec<usize>> = HashMap::new();
        for i in window {
            let item = &l.items[i].1;
            if item.direction != Direction::Expense.as_str()
                || !item.is_live()
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
            group.sort_by_key(|&i| ((l.items[i].1.occurred_on - f.date).num_days().abs(), l.items[i].1.seq));
            if group.len() > MAX_SPLIT_GROUP {
                group.truncate(MAX_SPLIT_GROUP);
                truncated = true;
            }
            let amounts: Vec<i64> = group.iter().map(|&i| l.items[i].1.amount_fen).collect();
            let mut chosen = Vec::new();
            search.run(&amounts, 0, &mut chosen, &mut |set| {
                let sum: i64 = set.iter().map(|&k| amounts[k]).sum();
                let spread: i64 = set
                    .iter()
                    .map(|&k| (l.items[group[k]].1.occurred_on - f.date).num_days().abs())
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
        items.sort_by_key(|&i| (l.items[i].1.occurred_on, l.items[i].1.seq));
        let sum: i64 = items.iter().map(|&i| l.items[i].1.amount_fen).sum();
        let proposal = Proposal {
            fit: Fit::Split,
            score: round4(0.9 - 0.05 * (parts as f64 - 2.0) - 0.1 * (diff as f64 / tol.max(1) as f64)),
            items,
            status: FindingStatus::SplitMatch,
            detail: Detail::Split(Split { parts, sum }),
        };
        Ok((Some(proposal), truncated))
    }
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// A search for sets of 2..=`max_parts` positive amounts summing to `target` ± `tol`, trying
/// at most `nodes_left` partial sets in all (then `cut`), and stopping when the budget is out.
struct SubsetSearch<'a> {
    target: i64,
    tol: i64,
    max_parts: usize,
    nodes_left: usize,
    meter: Meter<'a>,
    cut: bool,
}

impl SubsetSearch<'_> {
    /// Calls `found` with every such set of indices into `amounts` extending `chosen` with
    /// indices from `from` on; a partial sum past the target is not extended.
    fn run(
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

fn brief(scope: &Scope, village: usize, item: &Item) -> EntryBrief {
    EntryBrief {
        id: item.id.clone(),
        village_code: scope.villages.get(village).map(|v| v.code.clone()).unwrap_or_default(),
        voucher_no: item.voucher_no.clone(),
        occurred_on: item.occurred_on,
        direction: item.direction.clone(),
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

/// Reconciles `findings` with the entries of `scope`; `window` bounds the entries looked at
/// (and listed as unmatched when `list_unmatched`). Stops with 503 when `budget` runs out.
pub fn reconcile(
    pool: &DbPool,
    scope: &Scope,
    window: DateWindow,
    findings: &[Finding],
    tol: &Tolerances,
    list_unmatched: bool,
    budget: &Budget,
) -> Result<Outcome> {
    let reach = chrono::Duration::days(tol.date_search_days);
    let first = findings.iter().map(|f| f.date).min();
    let last = findings.iter().map(|f| f.date).max();
    // Unmatched entries are listed over the request's window, or else the findings' dates.
    let listing = DateWindow {
        from: window.from.or(first),
        to: window.to.or(last),
    };
    // Entries the findings could fit, and every entry of the listing when it is asked for.
    let bound = |given: Option<NaiveDate>,
                 reach_to: Option<NaiveDate>,
                 wider: fn(NaiveDate, NaiveDate) -> NaiveDate| match (given, reach_to) {
        (Some(w), Some(r)) if !list_unmatched => Some(wider(w, r)),
        (Some(w), _) => Some(w),
        (None, r) => r,
    };
    let load_window = DateWindow {
        from: bound(window.from, first.map(|f| f - reach), |w, r| w.max(r)),
        to: bound(window.to, last.map(|l| l + reach), |w, r| w.min(r)),
    };
    let loaded = if findings.is_empty() && !list_unmatched {
        Loaded::default()
    } else {
        load(pool, scope, load_window, budget)?
    };
    let judge = Judge {
        tol,
        loaded: &loaded,
        window,
        budget,
    };
    let mut cache = SimilarityCache::default();
    let mut seen = vec![0u32; loaded.items.len()];
    let mut proposals: Vec<(usize, Proposal)> = Vec::new();
    let mut truncated = vec![false; findings.len()];
    for (n, f) in findings.iter().enumerate() {
        budget.check()?;
        let (singles, cut) = judge.singles(f, &mut cache, &mut seen, n as u32 + 1)?;
        truncated[n] = cut;
        let has_match = singles.iter().any(|p| p.fit == Fit::Matched);
        if !has_match {
            let (split, cut) = judge.split(f, &mut cache)?;
            truncated[n] |= cut;
            proposals.extend(split.map(|p| (n, p)));
        }
        proposals.extend(singles.into_iter().map(|p| (n, p)));
    }
    budget.check()?;
    proposals.sort_by(|(na, a), (nb, b)| {
        a.fit
            .cmp(&b.fit)
            .then(b.score.total_cmp(&a.score))
            .then(na.cmp(nb))
            .then(
                a.items
                    .first()
                    .map(|&i| loaded.items[i].1.seq)
                    .cmp(&b.items.first().map(|&i| loaded.items[i].1.seq)),
            )
    });
    // Identical findings form a group; how many of a group are still undecided is counted,
    // not recounted per proposal (20,000 identical findings would make that quadratic).
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
    let mut taken: HashMap<usize, usize> = HashMap::new();
    let mut decided: Vec<Option<FindingResult>> = vec![None; findings.len()];
    let mut meter = Meter::new(budget, CHECK_EVERY);
    let mut k = 0;
    while k < proposals.len() {
        meter.step()?;
        let (n, p) = &proposals[k];
        k += 1;
        if decided[*n].is_some() || p.items.iter().any(|i| taken.contains_key(i)) {
            continue;
        }
        // Every proposal of this finding as good as this one, still free.
        let ties: Vec<&Proposal> = of_finding[*n]
            .iter()
            .map(|&j| &proposals[j].1)
            .filter(|q| q.fit == p.fit && q.score == p.score && q.items.iter().all(|i| !taken.contains_key(i)))
            .collect();
        let twins = undecided[group_of[*n]];
        let f = &findings[*n];
        if ties.len() > 1 && twins < ties.len() {
            let mut ids: Vec<usize> = ties.iter().flat_map(|q| q.items.iter().copied()).collect();
            ids.sort_by_key(|&i| loaded.items[i].1.seq);
            ids.dedup();
            undecided[group_of[*n]] -= 1;
            decided[*n] = Some(FindingResult {
                reference: f.reference.clone(),
                row: f.row,
                status: FindingStatus::Ambiguous,
                entry_ids: ids.iter().map(|&i| loaded.items[i].1.id.clone()).collect(),
                score: p.score,
                differences: Vec::new(),
                evidence: json!({"candidates": ids.len(), "fit": p.status}),
                entries: ids
                    .iter()
                    .map(|&i| brief(scope, loaded.items[i].0, &loaded.items[i].1))
                    .collect(),
                search_truncated: truncated[*n],
            });
            continue;
        }
        for &i in &p.items {
            taken.insert(i, *n);
        }
        let mut entry_ids: Vec<String> = p.items.iter().map(|&i| loaded.items[i].1.id.clone()).collect();
        let mut entries: Vec<EntryBrief> = p
            .items
            .iter()
            .map(|&i| brief(scope, loaded.items[i].0, &loaded.items[i].1))
            .collect();
        if p.status == FindingStatus::Reversed
            && let Some(r) = p.items.first().and_then(|&i| loaded.items[i].1.reversed_by.clone())
        {
            entry_ids.push(r);
        }
        entries.sort_by_key(|e| e.occurred_on);
        let (differences, evidence) = judge.explain(f, p);
        undecided[group_of[*n]] -= 1;
        decided[*n] = Some(FindingResult {
            reference: f.reference.clone(),
            row: f.row,
            status: p.status,
            entry_ids,
            score: p.score,
            differences,
            evidence,
            entries,
            search_truncated: truncated[*n],
        });
    }
    let results: Vec<FindingResult> = decided
        .into_iter()
        .zip(findings)
        .enumerate()
        .map(|(n, (d, f))| {
            d.unwrap_or_else(|| {
                // Fits that other findings took are named, so the inspector sees why.
                let taken_by: Vec<&str> = of_finding[n]
                    .iter()
                    .flat_map(|&k| proposals[k].1.items.iter())
                    .filter_map(|i| taken.get(i))
                    .map(|&m| findings[m].reference.as_str())
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
                    evidence: json!({"best_fit_taken_by": taken_by, "had_candidates": !of_finding[n].is_empty()}),
                    entries: Vec::new(),
                    search_truncated: truncated[n],
                }
            })
        })
        .collect();
    let unmatched = if list_unmatched {
        let mut list: Vec<&usize> = loaded
            .by_date
            .iter()
            .filter(|&&i| {
                let item = &loaded.items[i].1;
                item.is_expense() && item.is_live() && listing.contains(item.occurred_on) && !taken.contains_key(&i)
            })
            .collect();
        list.sort_by_key(|&&i| (loaded.items[i].0, loaded.items[i].1.occurred_on, loaded.items[i].1.seq));
        list.into_iter()
            .map(|&i| brief(scope, loaded.items[i].0, &loaded.items[i].1))
            .collect()
    } else {
        Vec::new()
    };
    Ok(Outcome {
        results,
        unmatched,
        entries_considered: loaded.items.len(),
    })
}
