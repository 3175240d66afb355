//! `round_amount`: cash payments of at least 1,000 yuan in whole thousands — cash in round sums
//! is how money leaves without a trail.
//!
//! A standing payment is not flagged: the same round sum paid in cash to the same person in
//! three or more months ([`super::series`]) is a wage — a cleaner's 2,000 yuan a month — not
//! money leaving without a trail. What this gives up: a round sum paid out in cash every month
//! to one person passes as a wage; it stands in the books as a monthly series for an inspector
//! to ask about, and a second round payment to that person in one month still flags.
//!
//! How an insider would get around it: an amount a little off the round sum (999.00, 1,001.00),
//! several smaller cash payments, or paying by bank to a personal account. None is closed: an
//! odd amount and a bank transfer are what legitimate payments look like, and flagging them
//! would flag the ledger. A month boundary, two villages, a second spelling or a reversal and
//! re-post change nothing, since each payment is judged alone.

use crate::i18n::money;
use crate::msg;
use std::collections::HashSet;

use chrono::Datelike;
use serde_json::json;

use super::series::standing_series;
use super::{Context, Flag, Rule, Severity, describe};
use crate::crosscheck::book::{Book, Parties};

pub struct RoundAmount;

impl Rule for RoundAmount {
    fn name(&self) -> &'static str {
        "round_amount"
    }

    fn check_village(&self, book: &Book, _parties: &Parties, cx: &Context, out: &mut Vec<Flag>) {
        let unit = cx.settings.round_amount_fen;
        if unit <= 0 {
            return;
        }
        let standing = standing_series(&book.items);
        // A second payment of the series' amount within one month is not part of the schedule.
        let mut months_seen: HashSet<(i32, i64, i32, u32)> = HashSet::new();
        for item in &book.items {
            let in_series = item.is_expense()
                && item.is_live()
                && standing.contains(&(item.firm, item.amount_fen))
                && months_seen.insert((
                    item.firm,
                    item.amount_fen,
                    item.occurred_on.year(),
                    item.occurred_on.month(),
                ));
            if !in_series
                && item.is_expense()
                && item.is_live()
                && item.is_cash()
                && item.amount_fen >= unit
                && item.amount_fen % unit == 0
                && cx.admits(self.name(), Severity::Low, book.village, item.occurred_on)
            {
                out.push(cx.flag(
                    self.name(),
                    Severity::Low,
                    book.village,
                    &[item],
                    msg!(
                        "flag-round-amount",
                        payee = item.counterparty.as_str(),
                        entry = describe(item),
                        unit = money(unit)
                    ),
                    json!({"amount_fen": item.amount_fen, "settlement_account_code": item.settlement_account_code, "unit_fen": unit}),
                ));
            }
        }
    }
}
