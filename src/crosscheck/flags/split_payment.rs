//! `split_payment`: two or more payments to one counterparty within 7 days, each under the
//! single-approval limit (5,000 yuan) but together over it — a payment cut up to avoid the
//! collective decision a larger one needs. Overlapping windows of one counterparty are
//! reported as one flag listing every payment involved.
//!
//! Standing payments are not pieces: the same amount paid to the same counterparty in three or
//! more months (a wage, a contract's monthly fee) is left out, so a cleaner's wage and an odd
//! job in the same week do not read as one payment cut up. Repeating one piece month after
//! month to hide it would show as that series instead.
//!
//! How an insider would get around it, and what closes it:
//!
//! - *A second spelling of the payee* (its registered name and a short one): payments are
//!   grouped by firm ([`crate::crosscheck::names::group_firms`]), not by spelling.
//! - *Across a month boundary* or *two project names*: the window is rolling and ignores the
//!   project.
//! - *A reversal and re-post*: a large payment reversed and re-posted in parts is the parts.
//! - *Across two villages*: not closed: each village approves its own payments up to its own
//!   limit, so one builder paid by two villages is two approvals.
//! - *Spreading the parts more than 7 days apart*: not closed: payments a week or more apart
//!   are how monthly wages and weekly labour are paid; `VL_FLAG_SPLIT_DAYS` widens the window
//!   where that is wanted.

use crate::i18n::money;
use crate::msg;
use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::Datelike;

use serde_json::json;

use super::{Context, Flag, Rule, Severity, spellings};
use crate::crosscheck::book::{Book, Item, Parties};

pub struct SplitPayment;

/// `(counterparty, amount)` of the live payments made in three or more different months.
fn standing_series(items: &[Item]) -> HashSet<(i32, i64)> {
    let mut months: HashMap<(i32, i64), Vec<(i32, u32)>> = HashMap::new();
    for i in items.iter().filter(|i| i.is_expense() && i.is_live()) {
        let seen = months.entry((i.firm, i.amount_fen)).or_default();
        let month = (i.occurred_on.year(), i.occurred_on.month());
        if !seen.contains(&month) {
            seen.push(month);
        }
    }
    months
        .into_iter()
        .filter(|(_, m)| m.len() >= 3)
        .map(|(k, _)| k)
        .collect()
}

impl Rule for SplitPayment {
    fn name(&self) -> &'static str {
        "split_payment"
    }

    fn check_village(&self, book: &Book, _parties: &Parties, cx: &Context, out: &mut Vec<Flag>) {
        let (limit, days) = (cx.settings.approval_limit_fen, cx.settings.split_days);
        let standing = standing_series(&book.items);
        let mut by_party: BTreeMap<i32, Vec<&Item>> = BTreeMap::new();
        for item in book.items.iter().filter(|i| {
            i.is_expense() && i.is_live() && i.amount_fen < limit && !standing.contains(&(i.firm, i.amount_fen))
        }) {
            by_party.entry(item.firm).or_default().push(item);
        }
        for items in by_party.values().filter(|g| g.len() > 1) {
            // Maximal windows starting at each payment; a window qualifies when it holds two or
            // more payments totalling over the limit. Qualifying windows that overlap merge.
            let mut chains: Vec<(usize, usize)> = Vec::new();
            let mut end = 0;
            for start in 0..items.len() {
                end = end.max(start);
                while end + 1 < items.len()
                    && (items[end + 1].occurred_on - items[start].occurred_on).num_days() <= days
                {
                    end += 1;
                }
                let total: i64 = items[start..=end].iter().map(|i| i.amount_fen).sum();
                if end > start && total > limit {
                    match chains.last_mut() {
                        Some(last) if start <= last.1 => last.1 = last.1.max(end),
                        _ => chains.push((start, end)),
                    }
                }
            }
            for (start, end) in chains {
                let group = &items[start..=end];
                let total: i64 = group.iter().map(|i| i.amount_fen).sum();
                let (first, last) = (group[0].occurred_on, group[group.len() - 1].occurred_on);
                out.push(cx.flag(
                    self.name(),
                    Severity::High,
                    book.village,
                    group,
                    msg!(
                        "flag-split-payment",
                        village = cx.village_name(book.village),
                        payee = spellings(group),
                        count = group.len(),
                        first = first,
                        last = last,
                        limit = money(limit),
                        total = money(total)
                    ),
                    json!({
                        "payments": group.len(),
                        "total_fen": total,
                        "amounts_fen": group.iter().map(|i| i.amount_fen).collect::<Vec<_>>(),
                        "approval_limit_fen": limit,
                        "span_days": (last - first).num_days(),
                        "window_days": days,
                    }),
                ));
            }
        }
    }
}
