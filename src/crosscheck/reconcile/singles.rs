//! Single-entry fits of a finding: each candidate scored and classed, and the differences and
//! evidence of the one chosen.

use crate::i18n::money;
use crate::msg;
use serde_json::json;

use super::judge::{CHECK_EVERY, Detail, Entries, Fit, Judge, KEPT_PER_FINDING, Proposal, SimilarityCache, Single};
use super::load::key;
use super::split::round4;
use super::{Difference, FindingStatus};
use crate::crosscheck::error::Result;
use crate::crosscheck::findings::Finding;
use crate::crosscheck::names;
use crate::domain::budget::Meter;

/// A candidate's kind of fit, score, entry seq and index, status and detail: a proposal before
/// it is made.
type Scored = (Fit, f64, i64, usize, FindingStatus, Single);

/// Buffers each finding's judging reuses from the finding before: allocated afresh for each of
/// thousands of findings, the larger ones were mapped and unmapped every time.
pub(super) struct Scratch {
    /// The stamp of the finding that last took each entry as a candidate.
    seen: Vec<u32>,
    candidates: Vec<usize>,
    scored: Vec<Scored>,
}

impl Scratch {
    /// For judging against `entries` loaded entries.
    pub(super) fn new(entries: usize) -> Self {
        Scratch {
            seen: vec![0; entries],
            candidates: Vec::new(),
            scored: Vec::new(),
        }
    }
}

impl Judge<'_> {
    /// The best single-entry proposals for `f` (at most [`KEPT_PER_FINDING`]), and whether its
    /// candidates were cut (see [`Judge::candidates`]).
    pub(super) fn singles(
        &self,
        f: &Finding,
        cache: &mut SimilarityCache,
        scratch: &mut Scratch,
        stamp: u32,
    ) -> Result<(Vec<Proposal>, bool)> {
        let l = self.loaded;
        let tol = self.tol.amount_tolerance(f.amount_fen);
        let Scratch {
            seen,
            candidates,
            scored,
        } = scratch;
        let finding_party = f.counterparty.as_deref().map(names::normalize);
        let finding_party = finding_party.as_deref().map(|p| (cache.name_id(p), p));
        let truncated = self.candidates(f, finding_party, cache, seen, stamp, candidates)?;
        let voucher = f.voucher_no.as_deref().map(key);
        let invoice = f.invoice_number.as_deref().map(key);
        scored.clear();
        let mut meter = Meter::new(self.budget, CHECK_EVERY);
        for &i in candidates.iter() {
            meter.step()?;
            let item = &l.hot[i];
            if f.direction.is_some_and(|d| d != item.direction) || !self.window.contains(item.occurred_on) {
                continue;
            }
            let amount_diff = item.amount_fen - f.amount_fen;
            let days = (item.occurred_on - f.date).num_days();
            let amount_ok = amount_diff.abs() <= tol;
            let date_ok = days.abs() <= self.tol.date_window_days;
            let sim = finding_party.map(|p| self.similarity(cache, p, item.party));
            let name_ok = sim.map(|s| s >= self.tol.name_similarity);
            let voucher_ok = voucher.as_ref().is_some_and(|v| *v == key(&l.item(i).voucher_no));
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
            let status_before_reversal = status;
            let reversed = item.reversed;
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
            let status = if reversed { FindingStatus::Reversed } else { status };
            let single = Single {
                amount_diff,
                days,
                sim,
                amount_ok,
                date_ok,
                name_ok,
                voucher_ok,
                invoice_ok,
                fit_status: status_before_reversal,
            };
            scored.push((fit, round4(score), item.seq, i, status, single));
        }
        // Only the best few become proposals: a popular counterparty can bring thousands of
        // candidates, and allocating and sorting a proposal for each was most of the work.
        let order = |a: &Scored, b: &Scored| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)).then(a.2.cmp(&b.2));
        if scored.len() > KEPT_PER_FINDING {
            scored.select_nth_unstable_by(KEPT_PER_FINDING - 1, order);
            scored.truncate(KEPT_PER_FINDING);
        }
        scored.sort_unstable_by(order);
        let out = scored
            .drain(..)
            .map(|(fit, score, _, i, status, single)| Proposal {
                fit,
                items: Entries::one(i),
                score,
                status,
                detail: Detail::Single(single),
            })
            .collect();
        Ok((out, truncated))
    }

    /// The differences and evidence of a chosen proposal, in words and figures.
    pub(super) fn explain(&self, f: &Finding, p: &Proposal) -> (Vec<Difference>, serde_json::Value) {
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
                let item = self.loaded.item(p.items.first().unwrap_or_default());
                let mut differences = Vec::new();
                if !d.amount_ok {
                    differences.push(Difference {
                        field: "amount_fen",
                        finding: json!(f.amount_fen),
                        ledger: json!(item.amount_fen),
                        message: msg!(
                            "reconcile-differs-amount",
                            finding = money(f.amount_fen),
                            ledger = money(item.amount_fen),
                            difference = money((item.amount_fen - f.amount_fen).abs())
                        ),
                    });
                }
                if !d.date_ok {
                    differences.push(Difference {
                        field: "date",
                        finding: json!(f.date),
                        ledger: json!(item.occurred_on),
                        message: msg!(
                            "reconcile-differs-date",
                            finding = f.date,
                            ledger = item.occurred_on,
                            days = (item.occurred_on - f.date).num_days().abs()
                        ),
                    });
                }
                if d.name_ok == Some(false) {
                    differences.push(Difference {
                        field: "counterparty",
                        finding: json!(f.counterparty),
                        ledger: json!(item.counterparty),
                        message: msg!(
                            "reconcile-differs-counterparty",
                            finding = f.counterparty.as_deref().unwrap_or(""),
                            ledger = item.counterparty.as_str()
                        ),
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
}
