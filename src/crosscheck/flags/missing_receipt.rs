//! `missing_receipt`: an expense of at least the threshold (200 yuan) with no receipt scan,
//! some days (15) after it was posted — long enough for the finance station to upload it.
//!
//! How an insider would get around it, and what closes it:
//!
//! - *Split under the threshold* (150 and 120 yuan to one shop the same day): payments to one
//!   firm within the split window (7 days), each under the threshold and without a scan, that
//!   reach it together flag as `split_under_threshold` (`figures.kind`).
//! - *Reverse and re-post before the grace runs out*, again and again: a re-post of a reversed
//!   payment (same firm and amount, dated within 7 days of it, posted within 90 days after it)
//!   is given its grace from the first posting (`reposted`).
//! - *A second spelling of the shop*: firms, not spellings, are grouped.
//! - *Across two villages* or *a month boundary*: each payment needs its own scan wherever and
//!   whenever it is posted, and the split window is rolling.
//! - *Any image as the scan*: not closed here. What a scan shows is not read, only whether the
//!   same or a near-identical image serves another entry (`receipt_reused`) and whether an
//!   invoice QR code agrees with the payment (`invoice_mismatch`, `invoice_reused`).

use chrono::{Duration, NaiveDateTime};
use serde_json::json;

use super::chains::chains;
use super::{Context, Flag, Rule, Severity, describe, spellings};
use crate::crosscheck::book::{Book, Item, Parties};
use crate::i18n::money;
use crate::msg;

pub struct MissingReceipt;

/// A re-post is dated within this many days of the reversed payment…
const REPOST_DATE_DAYS: i64 = 7;
/// …and posted within this many days after it.
const REPOST_POSTING_DAYS: i64 = 90;

/// When each live expense was first posted: its own posting, or that of the reversed payment
/// it re-posts.
fn first_posting(book: &Book, item: &Item) -> NaiveDateTime {
    book.items
        .iter()
        .filter(|r| r.is_expense() && r.reverses.is_none() && r.reversed_by.is_some())
        .filter(|r| r.firm == item.firm && r.amount_fen == item.amount_fen && r.posted_at < item.posted_at)
        .filter(|r| (r.occurred_on - item.occurred_on).num_days().abs() <= REPOST_DATE_DAYS)
        .filter(|r| item.posted_at - r.posted_at <= Duration::days(REPOST_POSTING_DAYS))
        .map(|r| r.posted_at)
        .min()
        .unwrap_or(item.posted_at)
}

impl Rule for MissingReceipt {
    fn name(&self) -> &'static str {
        "missing_receipt"
    }

    fn check_village(&self, book: &Book, _parties: &Parties, cx: &Context, out: &mut Vec<Flag>) {
        let s = cx.settings;
        let grace = Duration::days(s.missing_receipt_days);
        let unscanned: Vec<&Item> = book
            .items
            .iter()
            .filter(|i| i.is_expense() && i.is_live() && i.live_receipts == 0)
            .filter(|i| s.receipts_required_from.is_none_or(|from| i.occurred_on >= from))
            .collect();
        let mut small: Vec<&Item> = Vec::new();
        for item in unscanned.iter().copied() {
            if item.amount_fen < s.missing_receipt_min_fen {
                if cx.now >= item.posted_at + grace {
                    small.push(item);
                }
                continue;
            }
            // Re-posts are rare: look for the reversed original only when the grace is not
            // over anyway.
            let posted = if cx.now < item.posted_at + grace {
                first_posting(book, item)
            } else {
                item.posted_at
            };
            if cx.now < posted + grace || !cx.admits(self.name(), Severity::Medium, book.village, item.occurred_on) {
                continue;
            }
            let waited = (cx.now - posted).num_days();
            let explanation = if posted == item.posted_at {
                msg!(
                    "flag-missing-receipt",
                    entry = describe(item),
                    payee = item.counterparty.as_str(),
                    days = waited,
                    min = money(s.missing_receipt_min_fen)
                )
            } else {
                msg!(
                    "flag-missing-receipt-reposted",
                    entry = describe(item),
                    payee = item.counterparty.as_str(),
                    days = waited,
                    first_posted = posted.date(),
                    min = money(s.missing_receipt_min_fen)
                )
            };
            out.push(cx.flag(
                self.name(),
                Severity::Medium,
                book.village,
                &[item],
                explanation,
                json!({
                    "kind": if posted == item.posted_at { "unscanned" } else { "reposted" },
                    "amount_fen": item.amount_fen,
                    "posted_at": item.posted_at.and_utc(),
                    "first_posted_at": posted.and_utc(),
                    "days_since_posting": waited,
                    "min_fen": s.missing_receipt_min_fen,
                    "grace_days": s.missing_receipt_days,
                }),
            ));
        }
        self.split_under_threshold(book, cx, &small, out);
    }
}

impl MissingReceipt {
    /// Payments to one firm within the split window, each under the threshold without a scan,
    /// together at or over it.
    fn split_under_threshold(&self, book: &Book, cx: &Context, small: &[&Item], out: &mut Vec<Flag>) {
        let (min, days) = (cx.settings.missing_receipt_min_fen, cx.settings.split_days);
        let mut by_firm: std::collections::BTreeMap<i32, Vec<&Item>> = std::collections::BTreeMap::new();
        for item in small.iter().copied() {
            by_firm.entry(item.firm).or_default().push(item);
        }
        for items in by_firm.values().filter(|g| g.len() > 1) {
            for group in chains(items, days, |g| {
                g.len() > 1 && g.iter().map(|i| i.amount_fen).sum::<i64>() >= min
            }) {
                let total: i64 = group.iter().map(|i| i.amount_fen).sum();
                let (first, last) = (group[0].occurred_on, group[group.len() - 1].occurred_on);
                if !cx.admits(self.name(), Severity::Medium, book.village, first) {
                    continue;
                }
                out.push(cx.flag(
                    self.name(),
                    Severity::Medium,
                    book.village,
                    group,
                    msg!(
                        "flag-missing-receipt-split",
                        village = cx.village_name(book.village),
                        payee = spellings(group),
                        count = group.len(),
                        first = first,
                        last = last,
                        min = money(min),
                        total = money(total)
                    ),
                    json!({
                        "kind": "split_under_threshold",
                        "payments": group.len(),
                        "total_fen": total,
                        "amounts_fen": group.iter().map(|i| i.amount_fen).collect::<Vec<_>>(),
                        "min_fen": min,
                        "window_days": days,
                    }),
                ));
            }
        }
    }
}
