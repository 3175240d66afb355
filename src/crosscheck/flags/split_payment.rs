//! `split_payment`: payments to one counterparty within 7 days, each under the single-approval
//! limit (5,000 yuan) but together over it — a payment cut up to avoid the collective decision
//! a larger one needs. Overlapping windows of one counterparty are reported as one flag listing
//! every payment involved.
//!
//! A window is a split when its pieces, each under the limit, pass the limit together and are
//! large for their number, as a payment cut to pass under the limit is cut:
//!
//! - two or more of at least 80 % of the limit (`VL_FLAG_SPLIT_PIECE_PERCENT`): cut in two or
//!   three just under it;
//! - three or more of at least 40 % (2,000 yuan): three of 3,500 yuan;
//! - four or more of at least 20 % (1,000 yuan, `VL_FLAG_SPLIT_SMALL_PIECE_PERCENT`; the
//!   three-piece floor is twice it): four of 1,500.
//!
//! Two ordinary purchases from one shop in a week (saplings one day, flood sandbags three days
//! later) are none of these, and are left alone. Measured on the benchmark county (BENCHMARKS.md),
//! three pieces of 1,000 yuan or more would add 53 false flags on villages without plants (two
//! or three repairs of a rented building or a road from one builder in a week); three of 2,000
//! or more add 4, four of 1,000 or more none. What this gives up: a payment cut in two of which
//! one piece is under 80 % of the limit (4,500 and 3,000 yuan), in three of which one is under
//! 2,000 yuan (1,800 + 1,700 + 1,600), and pieces under 1,000 yuan; an equal repetition of one
//! piece of 2,000 yuan or more is still a `duplicate_payment`. Large purchases from one firm in
//! a week remain flagged: the inspector asks whether they were one.
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
use std::collections::BTreeMap;

use serde_json::json;

use super::chains::chains;
use super::series::standing_series;
use super::{Context, Flag, Rule, Severity, spellings};
use crate::crosscheck::book::{Book, Item, Parties};

pub struct SplitPayment;

impl Rule for SplitPayment {
    fn name(&self) -> &'static str {
        "split_payment"
    }

    fn check_village(&self, book: &Book, _parties: &Parties, cx: &Context, out: &mut Vec<Flag>) {
        let (limit, days) = (cx.settings.approval_limit_fen, cx.settings.split_days);
        let large = limit * cx.settings.split_piece_percent / 100;
        let smallest = (limit * cx.settings.split_small_piece_percent / 100).min(large);
        let standing = standing_series(&book.items);
        let mut by_party: BTreeMap<i32, Vec<&Item>> = BTreeMap::new();
        for item in book.items.iter().filter(|i| {
            i.is_expense()
                && i.is_live()
                && (smallest..limit).contains(&i.amount_fen)
                && !standing.contains(&(i.firm, i.amount_fen))
        }) {
            by_party.entry(item.firm).or_default().push(item);
        }
        for items in by_party.values().filter(|g| g.len() > 1) {
            // Runs of payments within the window cut from one over the limit.
            for group in chains(items, days, |w| cut_up(w, limit, large, smallest)) {
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
                        "large_piece_fen": large,
                        "smallest_piece_fen": smallest,
                        "span_days": (last - first).num_days(),
                        "window_days": days,
                    }),
                ));
            }
        }
    }
}

/// Whether the payments of one window (every one a piece, at least `smallest` and under
/// `limit`) look like one payment cut up: two or more pieces of at least `large`, three or more
/// of at least twice `smallest`, or four or more, passing the limit together.
fn cut_up(window: &[&Item], limit: i64, large: i64, smallest: i64) -> bool {
    let floors = [(2, large), (3, (2 * smallest).min(large)), (4, smallest)];
    floors.iter().any(|&(count, floor)| {
        let pieces = window.iter().filter(|i| i.amount_fen >= floor);
        pieces.clone().count() >= count && pieces.map(|i| i.amount_fen).sum::<i64>() > limit
    })
}
