//! `duplicate_payment`: the same amount paid to the same counterparty twice — 2,000 yuan or
//! more within 30 days, or a smaller sum that reads as the same bill paid twice.
//!
//! Equal small sums to one payee within a month are what a ledger is full of — the same bus
//! fare twice, a day's allowance at the standard rate, an odd job at the day rate, two dinners
//! of 1,000 yuan — and "same amount, same payee" cannot tell them from a payment made twice.
//! So under 2,000 yuan (`VL_FLAG_DUPLICATE_MIN_FEN`) a repetition flags only when it reads as
//! the same bill paid twice: 500 yuan or more (`VL_FLAG_DUPLICATE_SMALL_MIN_FEN`), the same
//! words in the description, the same day or the next (`VL_FLAG_DUPLICATE_SMALL_DAYS`, 1; a
//! sum in whole hundreds of yuan, a standard rate, never more than a day apart). Measured on
//! the benchmark county: within 1 day this adds 7 false flags in 1.8 million entries, within 7
//! days 18, within 14 days 37 (a cadre's 误工补贴 of the same amount twice in a fortnight).
//! Payments under a tender reference are left alone: a contract is paid in equal instalments.
//! What this gives up: a double payment under 500 yuan; a smaller sum paid again in other
//! words, or two days or more later; one larger payment repaid as several equal small ones; an
//! instalment under a tender paid twice, which `tender_threshold` flags as an overrun where the
//! tender is recorded.
//!
//! A standing monthly payment (the same amount in three or more different months) is a
//! schedule: its payments 20 or more days apart are left alone, while a second payment inside
//! such a series, fewer than 20 days after the one before, still flags.
//!
//! How an insider would get around it, and what closes it:
//!
//! - *A second spelling of the payee*: payments are grouped by firm
//!   ([`crate::crosscheck::names::group_firms`]); two people or two firms a character apart
//!   stay two.
//! - *Across a month boundary*: the 30 days are rolling.
//! - *A reversal and re-post*: a reversed payment is not a payment, so a correction is not a
//!   duplicate; a second live payment is, however it was reached.
//! - *Repeating it monthly* so it reads as a standing order: not closed, since that is what a
//!   wage looks like; a second payment inside the series still flags.
//! - *The amount changed by a little*, or *paid by another village*: not closed: equal amounts
//!   are what tells a duplicate from the many payments of similar size a village makes, and two
//!   villages may well owe one firm the same sum. A reused scan or invoice behind it is caught by
//!   `receipt_reused` and `invoice_reused` across the scope.

use crate::i18n::money;
use crate::msg;
use std::collections::BTreeMap;

use chrono::Datelike;

use serde_json::json;

use super::series::SERIES_MONTHS;
use super::{Context, Flag, Rule, Severity, spellings};
use crate::crosscheck::book::{Book, Item, Parties};

pub struct DuplicatePayment;

/// Whether a payment names a tender (a reference with a letter or digit).
fn under_tender(item: &Item) -> bool {
    item.tender_ref
        .as_deref()
        .map(crate::ledger::tenders::reference_key)
        .is_some_and(|k| !k.is_empty())
}

/// Consecutive payments at least this far apart read as a schedule.
const SCHEDULE_DAYS: i64 = 20;

/// Amounts in whole multiples of this (100 yuan) are standard rates: a day's wage, an
/// allowance, a dinner at a set price.
const STANDARD_RATE_FEN: i64 = 10_000;

/// Days within which a standard rate paid twice to one payee with the same words is one
/// payment made twice: the same day or the next.
const RATE_DAYS: i64 = 1;

/// Whether two payments of one amount under the materiality threshold, `gap` days apart, read
/// as one bill paid twice.
fn same_bill(a: &Item, b: &Item, gap: i64, cx: &Context) -> bool {
    let s = cx.settings;
    let days = if a.amount_fen % STANDARD_RATE_FEN == 0 {
        RATE_DAYS.min(s.duplicate_small_days)
    } else {
        s.duplicate_small_days
    };
    a.amount_fen >= s.duplicate_small_min_fen && gap <= days && a.description.trim() == b.description.trim()
}

impl Rule for DuplicatePayment {
    fn name(&self) -> &'static str {
        "duplicate_payment"
    }

    fn check_village(&self, book: &Book, _parties: &Parties, cx: &Context, out: &mut Vec<Flag>) {
        let (window, min) = (cx.settings.duplicate_days, cx.settings.duplicate_min_fen);
        let smallest = min.min(cx.settings.duplicate_small_min_fen);
        let mut groups: BTreeMap<(i32, i64), Vec<&Item>> = BTreeMap::new();
        for item in book
            .items
            .iter()
            .filter(|i| i.is_expense() && i.is_live() && i.amount_fen >= smallest && !under_tender(i))
        {
            groups.entry((item.firm, item.amount_fen)).or_default().push(item);
        }
        for items in groups.values().filter(|g| g.len() > 1) {
            let gaps: Vec<i64> = items
                .windows(2)
                .map(|w| (w[1].occurred_on - w[0].occurred_on).num_days())
                .collect();
            let mut months: Vec<(i32, u32)> = items
                .iter()
                .map(|i| (i.occurred_on.year(), i.occurred_on.month()))
                .collect();
            months.dedup();
            let series = months.len() >= SERIES_MONTHS;
            for (pair, gap) in items.windows(2).zip(gaps) {
                let (a, b) = (pair[0], pair[1]);
                let material = a.amount_fen >= min;
                if gap > window || (series && gap >= SCHEDULE_DAYS) || !(material || same_bill(a, b, gap, cx)) {
                    continue;
                }
                out.push(cx.flag(
                    self.name(),
                    Severity::High,
                    book.village,
                    &[a, b],
                    msg!(
                        "flag-duplicate-payment",
                        payee = spellings(&[a, b]),
                        amount = money(a.amount_fen),
                        days = gap,
                        first = a.occurred_on,
                        first_voucher = a.voucher_no.as_str(),
                        second = b.occurred_on,
                        second_voucher = b.voucher_no.as_str()
                    ),
                    if material {
                        json!({"amount_fen": a.amount_fen, "days_apart": gap, "max_days": window, "min_fen": min})
                    } else {
                        json!({
                            "amount_fen": a.amount_fen,
                            "days_apart": gap,
                            "max_days": cx.settings.duplicate_small_days,
                            "min_fen": cx.settings.duplicate_small_min_fen,
                            "same_description": true,
                        })
                    },
                ));
            }
        }
    }
}
