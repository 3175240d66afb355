//! `late_posting`: an entry posted more than 30 days after it occurred — the books were not
//! kept as the money moved.
//!
//! How an insider would get around it: writing a later `occurred_on` than the day the money
//! moved. Not closed from the ledger alone (it has only the date the clerk wrote); an invoice QR
//! code dated far from it flags as `invoice_mismatch`. A reversal and re-post does not help: the
//! original stays flagged, and the re-post is judged by its own dates.

use crate::msg;
use chrono::Duration;
use serde_json::json;

use super::{Context, Flag, Rule, Severity, describe};
use crate::crosscheck::book::{Book, Parties};

pub struct LatePosting;

impl Rule for LatePosting {
    fn name(&self) -> &'static str {
        "late_posting"
    }

    fn check_village(&self, book: &Book, _parties: &Parties, cx: &Context, out: &mut Vec<Flag>) {
        let limit = cx.settings.late_posting_days;
        // An entry imported without its posting date has the import's time as `posted_at`:
        // nothing to judge.
        for item in book
            .items
            .iter()
            .filter(|i| i.reverses.is_none() && !i.imported_undated)
        {
            // Posting days are counted in the county's time zone (UTC+8).
            let posted_on = (item.posted_at + Duration::hours(8)).date();
            let days = (posted_on - item.occurred_on).num_days();
            if days > limit && cx.admits(self.name(), Severity::Low, book.village, item.occurred_on) {
                out.push(cx.flag(
                    self.name(),
                    Severity::Low,
                    book.village,
                    &[item],
                    msg!(
                        "flag-late-posting",
                        entry = describe(item),
                        posted_on = posted_on,
                        days = days,
                        limit = limit
                    ),
                    json!({"occurred_on": item.occurred_on, "posted_on": posted_on, "days": days, "max_days": limit}),
                ));
            }
        }
    }
}
