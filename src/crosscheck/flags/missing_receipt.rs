//! `missing_receipt`: an expense of at least the threshold (200 yuan) with no receipt scan,
//! some days (15) after it was posted — long enough for the finance station to upload it.

use crate::i18n::money;
use crate::msg;
use chrono::Duration;
use serde_json::json;

use super::{Context, Flag, Rule, Severity, describe};
use crate::crosscheck::book::{Book, Parties};

pub struct MissingReceipt;

impl Rule for MissingReceipt {
    fn name(&self) -> &'static str {
        "missing_receipt"
    }

    fn check_village(&self, book: &Book, _parties: &Parties, cx: &Context, out: &mut Vec<Flag>) {
        let s = cx.settings;
        for item in &book.items {
            if !item.is_expense() || !item.is_live() || item.amount_fen < s.missing_receipt_min_fen {
                continue;
            }
            if item.live_receipts > 0 || s.receipts_required_from.is_some_and(|from| item.occurred_on < from) {
                continue;
            }
            let waited = (cx.now - item.posted_at).num_days();
            if cx.now < item.posted_at + Duration::days(s.missing_receipt_days)
                || !cx.admits(self.name(), Severity::Medium, book.village, item.occurred_on)
            {
                continue;
            }
            out.push(cx.flag(
                self.name(),
                Severity::Medium,
                book.village,
                &[item],
                msg!(
                    "flag-missing-receipt",
                    entry = describe(item),
                    payee = item.counterparty.as_str(),
                    days = waited,
                    min = money(s.missing_receipt_min_fen)
                ),
                json!({
                    "amount_fen": item.amount_fen,
                    "posted_at": item.posted_at.and_utc(),
                    "days_since_posting": waited,
                    "min_fen": s.missing_receipt_min_fen,
                    "grace_days": s.missing_receipt_days,
                }),
            ));
        }
    }
}
