//! The payments under each tender reference against its record: paid to the winner
//! (`winner_mismatch`, `winner_mismatch_unrecorded`), recorded at all in a village that records
//! its tenders (`tender_unrecorded`), within two fiscal years (`tender_span`) and within the
//! contract amount (`tender_overrun`).

use std::collections::BTreeMap;

use crate::crosscheck::flags::ScopeFacts;

use serde_json::json;

use super::untendered::tender_key;
use crate::crosscheck::book::{Book, Item, TenderFact};
use crate::crosscheck::flags::{Context, Flag, Severity, spellings};
use crate::i18n::money;
use crate::msg;

/// Payments under one tender may run over at most this many fiscal years.
const MAX_FISCAL_YEARS: i32 = 2;
/// Payments under one tender may pass its recorded amount by at most this share, in percent.
const MAX_OVERRUN_PERCENT: i128 = 10;

/// The live payments under one reference, by date, and its record if the village has one.
struct Reference<'a> {
    items: Vec<&'a Item>,
    record: Option<&'a TenderFact>,
}

impl Reference<'_> {
    /// How the reference is written in explanations: as recorded, else as first paid.
    fn written(&self) -> &str {
        match self.record {
            Some(r) => &r.reference,
            None => self.items[0].tender_ref.as_deref().unwrap_or(""),
        }
    }

    fn total(&self) -> i64 {
        self.items.iter().map(|i| i.amount_fen).sum()
    }
}

/// The live payments under each tender reference of the village, by reference key.
fn by_key(book: &Book) -> BTreeMap<String, Vec<&Item>> {
    let mut by_key: BTreeMap<String, Vec<&Item>> = BTreeMap::new();
    for item in book.tendered.iter().filter(|i| i.is_expense() && i.is_live()) {
        if let Some(key) = tender_key(item) {
            by_key.entry(key).or_default().push(item);
        }
    }
    by_key
}

/// A tender recorded by one village of the scope.
pub struct RecordedTender {
    pub village: usize,
    pub key: String,
    pub reference: String,
    pub winner: String,
}

/// Payments of one village under a reference it did not record, with a payment in the window.
pub struct UnrecordedUse {
    pub village: usize,
    pub key: String,
    pub items: Vec<Item>,
}

/// What the scope-wide check needs of a village: its records, and its payments under
/// references it did not record.
pub(in crate::crosscheck::flags) fn gather(book: &Book, cx: &Context, facts: &mut ScopeFacts) {
    facts.tender_records.extend(book.tenders.iter().map(|t| RecordedTender {
        village: book.village,
        key: t.key.clone(),
        reference: t.reference.clone(),
        winner: t.winner.clone(),
    }));
    for (key, items) in by_key(book) {
        if book.tenders.iter().all(|t| t.key != key) && items.iter().any(|i| cx.window.contains(i.occurred_on)) {
            facts.unrecorded_tenders.push(UnrecordedUse {
                village: book.village,
                key,
                items: items.into_iter().cloned().collect(),
            });
        }
    }
}

/// Payments under a reference another village of the scope recorded, by a village that did not.
pub(super) fn borrowed(rule: &'static str, facts: &ScopeFacts, cx: &Context, out: &mut Vec<Flag>) {
    for used in &facts.unrecorded_tenders {
        let Some(record) = facts
            .tender_records
            .iter()
            .find(|r| r.key == used.key && r.village != used.village)
        else {
            continue;
        };
        let items: Vec<&Item> = used.items.iter().collect();
        let total: i64 = items.iter().map(|i| i.amount_fen).sum();
        out.push(cx.flag(
            rule,
            Severity::High,
            used.village,
            &items,
            msg!(
                "flag-tender-other-village",
                village = cx.village_name(used.village),
                total = money(total),
                reference = record.reference.as_str(),
                count = items.len(),
                first = items[0].occurred_on,
                recorder = cx.village_name(record.village),
                winner = record.winner.as_str()
            ),
            json!({"kind": "tender_of_another_village", "tender_ref": record.reference,
                   "recorded_by_village": cx.scope.villages.get(record.village).map(|v| v.code.clone()),
                   "winner": record.winner, "total_fen": total, "payments": items.len()}),
        ));
    }
}

pub(super) fn check(rule: &'static str, book: &Book, cx: &Context, out: &mut Vec<Flag>) {
    let by_key = by_key(book);
    let first_award = book.tenders.iter().map(|t| t.awarded_on).min();
    for (key, items) in by_key {
        if !items.iter().any(|i| cx.window.contains(i.occurred_on)) {
            continue;
        }
        let r = Reference {
            record: book.tenders.iter().find(|t| t.key == key),
            items,
        };
        winner(rule, book, cx, &r, out);
        if r.record.is_none()
            && let Some(first) = first_award.filter(|d| r.items[0].occurred_on >= *d)
        {
            out.push(cx.flag(
                rule,
                Severity::Medium,
                book.village,
                &r.items,
                msg!(
                    "flag-tender-unrecorded",
                    village = cx.village_name(book.village),
                    first_award = first,
                    reference = r.written(),
                    total = money(r.total()),
                    count = r.items.len(),
                    first = r.items[0].occurred_on
                ),
                json!({"kind": "tender_unrecorded", "tender_ref": r.written(), "total_fen": r.total(),
                       "payments": r.items.len(), "first_award": first}),
            ));
        }
        span(rule, book, cx, &r, out);
        overrun(rule, book, cx, &r, out);
    }
}

/// Payments to a firm other than the winner, recorded or taken from the first payment.
fn winner(rule: &'static str, book: &Book, cx: &Context, r: &Reference, out: &mut Vec<Flag>) {
    let winner_firm = r.record.map_or(r.items[0].firm, |t| t.winner_firm);
    let others: Vec<&Item> = r.items.iter().copied().filter(|i| i.firm != winner_firm).collect();
    let Some(first_other) = others.first() else {
        return;
    };
    let total: i64 = others.iter().map(|i| i.amount_fen).sum();
    let village = cx.village_name(book.village);
    let (kind, winner, explanation) = match r.record {
        Some(t) => (
            "winner_mismatch",
            t.winner.as_str(),
            msg!(
                "flag-tender-winner-mismatch",
                village = village,
                payee = spellings(&others),
                total = money(total),
                reference = r.written(),
                count = others.len(),
                first = first_other.occurred_on,
                winner = t.winner.as_str()
            ),
        ),
        None => {
            let first = r.items[0];
            (
                "winner_mismatch_unrecorded",
                first.counterparty.as_str(),
                msg!(
                    "flag-tender-winner-unrecorded",
                    village = village,
                    payee = spellings(&others),
                    total = money(total),
                    reference = r.written(),
                    count = others.len(),
                    first = first_other.occurred_on,
                    first_payment = first.occurred_on,
                    winner = first.counterparty.as_str()
                ),
            )
        }
    };
    out.push(cx.flag(
        rule,
        Severity::High,
        book.village,
        &others,
        explanation,
        json!({"kind": kind, "tender_ref": r.written(), "winner": winner, "recorded": r.record.is_some(),
               "total_fen": total, "payments": others.len()}),
    ));
}

/// Payments running over more than two fiscal years.
fn span(rule: &'static str, book: &Book, cx: &Context, r: &Reference, out: &mut Vec<Flag>) {
    let first = r.items.iter().map(|i| i.fiscal_year).min().unwrap_or(0);
    let last = r.items.iter().map(|i| i.fiscal_year).max().unwrap_or(0);
    if last - first < MAX_FISCAL_YEARS {
        return;
    }
    out.push(cx.flag(
        rule,
        Severity::Medium,
        book.village,
        &r.items,
        msg!(
            "flag-tender-span",
            reference = r.written(),
            village = cx.village_name(book.village),
            years = last - first + 1,
            first = first,
            last = last,
            count = r.items.len(),
            total = money(r.total()),
            max = MAX_FISCAL_YEARS
        ),
        json!({"kind": "tender_span", "tender_ref": r.written(), "first_year": first, "last_year": last,
               "max_years": MAX_FISCAL_YEARS, "payments": r.items.len(), "total_fen": r.total()}),
    ));
}

/// Payments passing the recorded amount by more than 10 %.
fn overrun(rule: &'static str, book: &Book, cx: &Context, r: &Reference, out: &mut Vec<Flag>) {
    let Some(t) = r.record else { return };
    let total = r.total();
    if i128::from(total) * 100 <= i128::from(t.amount_fen) * (100 + MAX_OVERRUN_PERCENT) {
        return;
    }
    out.push(cx.flag(
        rule,
        Severity::High,
        book.village,
        &r.items,
        msg!(
            "flag-tender-overrun",
            village = cx.village_name(book.village),
            total = money(total),
            reference = r.written(),
            count = r.items.len(),
            over = money(total - t.amount_fen),
            amount = money(t.amount_fen),
            winner = t.winner.as_str(),
            max = MAX_OVERRUN_PERCENT
        ),
        json!({"kind": "tender_overrun", "tender_ref": r.written(), "total_fen": total, "amount_fen": t.amount_fen,
               "over_fen": total - t.amount_fen, "max_percent": MAX_OVERRUN_PERCENT, "payments": r.items.len()}),
    ));
}
