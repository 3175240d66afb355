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

mod assign;
mod judge;
mod load;
mod singles;
mod split;
mod status;

use chrono::NaiveDate;
use serde::Serialize;

use crate::crosscheck::book::in_order;
use crate::crosscheck::error::Result;
use crate::crosscheck::findings::{Finding, Tolerances};
use crate::crosscheck::{DateWindow, Scope};
use crate::db::DbPool;
use crate::domain::budget::Budget;

use assign::{Assignment, brief, rank};
use judge::{Fit, Judge, Proposal, SimilarityCache};
use load::{Loaded, load};
use singles::Scratch;
pub use status::{FindingStatus, summary};

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
    /// The difference in words, in the caller's language.
    #[schema(value_type = String)]
    pub message: crate::i18n::Msg,
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

/// The windows of a reconciliation: the one unmatched entries are listed over (the request's,
/// or else the findings' dates), and the one entries are loaded from (every entry the findings
/// could fit, and every entry of the listing when it is asked for).
fn windows(
    window: DateWindow,
    findings: &[Finding],
    tol: &Tolerances,
    list_unmatched: bool,
) -> (DateWindow, DateWindow) {
    let reach = chrono::Duration::days(tol.date_search_days);
    let first = findings.iter().map(|f| f.date).min();
    let last = findings.iter().map(|f| f.date).max();
    let listing = DateWindow {
        from: window.from.or(first),
        to: window.to.or(last),
    };
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
    (listing, load_window)
}

/// Proposals, each with the index of its finding.
type Proposals = Vec<(usize, Proposal)>;

/// Findings judged together by one thread before it takes the next chunk.
const PROPOSE_CHUNK: usize = 128;

/// Chunks judged but not yet taken in, at most: a judging thread waits before running this far
/// ahead of the first chunk still awaited.
const CHUNKS_AHEAD: usize = 8;

/// Every way each finding could be recorded (its best single entries, and a split payment when
/// no single entry matches), with the finding's index, in the findings' order, and whether each
/// finding's search was cut.
///
/// The findings are judged in chunks on two threads, each with its own similarity cache and
/// buffers; a finding's proposals depend on the finding and the loaded entries alone, so the
/// result is the same as judging them one after another. The calling thread takes the chunks in
/// as they come, in order, into the one list it keeps: what the judging threads allocate is
/// freed as it is taken in and reused by them, so their memory stays a few chunks' worth (a list
/// gathered on their side would stay allocated in their own malloc arenas, out of reach of the
/// rest of the request).
fn propose(judge: &Judge, findings: &[Finding], budget: &Budget) -> Result<(Proposals, Vec<bool>)> {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    /// A chunk's index, and its findings' proposals and whether each one's search was cut.
    type Chunk = (usize, Result<(Proposals, Vec<bool>)>);
    let chunks = findings.len().div_ceil(PROPOSE_CHUNK);
    let next = AtomicUsize::new(0);
    let taken_in = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let judge_chunk = |c: usize, cache: &mut SimilarityCache, scratch: &mut Scratch| {
        let mut proposals: Proposals = Vec::new();
        let mut truncated = Vec::new();
        for (n, f) in findings.iter().enumerate().skip(c * PROPOSE_CHUNK).take(PROPOSE_CHUNK) {
            budget.check()?;
            let (singles, mut cut) = judge.singles(f, cache, scratch, n as u32 + 1)?;
            let has_match = singles.iter().any(|p| p.fit == Fit::Matched);
            if !has_match {
                let (split, split_cut) = judge.split(f, cache)?;
                cut |= split_cut;
                proposals.extend(split.map(|p| (n, p)));
            }
            proposals.extend(singles.into_iter().map(|p| (n, p)));
            truncated.push(cut);
        }
        Ok((proposals, truncated))
    };
    let (tx, rx) = std::sync::mpsc::sync_channel::<Chunk>(CHUNKS_AHEAD);
    let mut proposals: Proposals = Vec::new();
    let mut truncated = Vec::with_capacity(findings.len());
    std::thread::scope(|s| -> Result<()> {
        // Owned here, so an early return drops it and the judging threads stop at their next send.
        let rx = rx;
        for _ in 0..chunks.min(2) {
            let tx = tx.clone();
            let (next, taken_in, stop, judge_chunk) = (&next, &taken_in, &stop, &judge_chunk);
            s.spawn(move || {
                let mut cache = SimilarityCache::default();
                let mut scratch = Scratch::new(judge.loaded.len());
                loop {
                    let c = next.fetch_add(1, Ordering::Relaxed);
                    if c >= chunks {
                        break;
                    }
                    while c >= taken_in.load(Ordering::Acquire) + CHUNKS_AHEAD && !stop.load(Ordering::Relaxed) {
                        std::thread::sleep(std::time::Duration::from_micros(50));
                    }
                    if stop.load(Ordering::Relaxed) || tx.send((c, judge_chunk(c, &mut cache, &mut scratch))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        let taken = in_order(rx, |c, (p, t)| {
            proposals.extend(p);
            truncated.extend(t);
            taken_in.store(c + 1, Ordering::Release);
            Ok(())
        });
        if taken.is_err() {
            stop.store(true, Ordering::Relaxed);
        }
        taken
    })?;
    budget.check()?;
    Ok((proposals, truncated))
}

/// Live expenses inside `listing` that no finding took, by village, date and entry.
fn unmatched(
    scope: &Scope,
    loaded: &Loaded,
    listing: DateWindow,
    taken: &std::collections::HashMap<usize, usize>,
) -> Vec<EntryBrief> {
    let mut list: Vec<&usize> = loaded
        .by_date
        .iter()
        .filter(|&&i| {
            let item = loaded.item(i);
            item.is_expense() && item.is_live() && listing.contains(item.occurred_on) && !taken.contains_key(&i)
        })
        .collect();
    list.sort_by_key(|&&i| (loaded.village(i), loaded.hot[i].occurred_on, loaded.hot[i].seq));
    list.into_iter()
        .map(|&i| brief(scope, loaded.village(i), loaded.item(i)))
        .collect()
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
    let started = std::time::Instant::now();
    let (listing, load_window) = windows(window, findings, tol, list_unmatched);
    let loaded = if findings.is_empty() && !list_unmatched {
        Loaded::default()
    } else {
        let numbers = findings
            .iter()
            .any(|f| f.voucher_no.is_some() || f.invoice_number.is_some());
        load(pool, scope, load_window, numbers, budget)?
    };
    let load_ms = started.elapsed().as_millis();
    let judge = Judge {
        tol,
        loaded: &loaded,
        window,
        budget,
    };
    let (mut proposals, truncated) = propose(&judge, findings, budget)?;
    let propose_ms = started.elapsed().as_millis();
    rank(&mut proposals, &loaded);
    let mut assignment = Assignment::new(scope, findings, &loaded, &proposals, &truncated);
    assignment.grant_all(&judge, budget)?;
    let results = assignment.results();
    tracing::debug!(
        entries = loaded.len(),
        findings = findings.len(),
        proposals = proposals.len(),
        load_ms,
        propose_ms,
        total_ms = started.elapsed().as_millis(),
        "reconciled"
    );
    let unmatched = if list_unmatched {
        unmatched(scope, &loaded, listing, &assignment.taken)
    } else {
        Vec::new()
    };
    Ok(Outcome {
        results,
        unmatched,
        entries_considered: loaded.len(),
    })
}
