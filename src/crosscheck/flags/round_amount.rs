//! `round_amount`: cash payments of at least 1,000 yuan in whole thousands — cash in round sums
//! is how money leaves without a trail.
//!
//! How an insider would get around it: an amount a little off the round sum (999.00, 1,001.00),
//! several smaller cash payments, or paying by bank to a personal account. None is closed: an
//! odd amount and a bank transfer are what legitimate payments look like, and flagging them
//! would flag the ledger. A month boundary, two villages, a second spelling or a reversal and
//! re-post change nothing, since each payment is judged alone.

use crate::i18n::money;
use crate::msg;
use serde_json::json;

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
        for item in &book.items {
            if item.is_expense()
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
