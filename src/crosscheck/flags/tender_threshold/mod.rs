//! `tender_threshold`: village works above the tender threshold (100,000 yuan) must go to
//! public tender (招投标), and the rule looks at what was paid *without* a tender, not at a
//! project's name. Its flags, told apart by `figures.kind`:
//!
//! - `project_without_tender`: a project's payments without a tender reference pass the
//!   threshold, and none of its payments carries one;
//! - `project_untendered_part`: the same, while other payments of the project do carry one — a
//!   tendered payment (of an earlier year, say) never hides untendered ones;
//! - `works_without_tender`: one firm's untendered works (payments with a project, described as
//!   工程, or booked to 在建工程) within a year pass the threshold, spread over project names or
//!   with none, none of which passes it alone;
//! - `winner_mismatch`: payments under a recorded tender to a firm other than its winner;
//! - `winner_mismatch_unrecorded`: the same for a reference with no tender record, whose
//!   winner is taken to be the counterparty of its first payment (the flag says so);
//! - `tender_unrecorded`: payments under a reference the village never recorded, while it does
//!   record its tenders (from its first recorded award on);
//! - `tender_span`: a reference's payments span more than two fiscal years;
//! - `tender_overrun`: a reference's payments pass its recorded amount by more than 10 %;
//! - `tender_of_another_village`: payments under a reference that another village of the scope
//!   recorded and this one did not.
//!
//! Projects are compared by their normalised names and counterparties by firm
//! ([`crate::crosscheck::names::group_firms`]), tender references by their key
//! ([`crate::ledger::tenders::reference_key`]); payments are live expenses (a reversed payment
//! and its reversal do not count). A tender is judged on all its payments whatever their date,
//! and flagged when one of them lies inside the window.
//!
//! How an insider would get around it, and what closes it:
//!
//! - *A tender reference on one payment, or a project name that had a tender in an earlier
//!   year*: only untendered payments are summed (`project_untendered_part`).
//! - *Split across two project names* (`村道硬化工程`, `村道硬化二期`), *or no project at all*:
//!   the firm's untendered works within a year are summed across names (`works_without_tender`).
//!   Two firms sharing works under two project names, each under the threshold, cannot be told
//!   from two small works and are left alone.
//! - *Across a month or year boundary*: a project is summed over the whole window, a firm over
//!   any 365 days, so no calendar boundary splits either.
//! - *A second spelling of the contractor*: firms, not spellings, are compared (an abbreviation,
//!   a legal form dropped, a county name with or without 县); a name a character apart
//!   (`宏达`/`宏远`) is another firm, and flags as a mismatch with the winner.
//! - *A made-up or borrowed tender reference*: payments to anyone but the winner flag; a made-up
//!   reference in a village that records its tenders flags as unrecorded; payments to the
//!   winner beyond the contract flag as an overrun. In a village that records no tenders a
//!   made-up reference paid to one firm cannot be told from an old, unrecorded tender. A
//!   reference borrowed from another village's record flags as the other village's tender
//!   (within the scope asked for; a joint tender is recorded by each village it serves).
//! - *Across two villages*: each village is a collective of its own with its own threshold; one
//!   firm paid 60,000 yuan by each of two villages is two works, and is not flagged.
//! - *A reversal and re-post*: reversed payments and their reversals are not payments; the
//!   re-posted one counts wherever it is posted.

mod tenders;
mod untendered;

pub use tenders::{RecordedTender, UnrecordedUse};

use super::{Context, Flag, Rule, ScopeFacts};
use crate::crosscheck::book::{Book, Parties};

/// Gathers what [`TenderThreshold::check_scope`] needs of a village's book.
pub(super) fn gather(book: &Book, cx: &Context, facts: &mut ScopeFacts) {
    tenders::gather(book, cx, facts);
}

pub struct TenderThreshold;

impl Rule for TenderThreshold {
    fn name(&self) -> &'static str {
        "tender_threshold"
    }

    fn check_village(&self, book: &Book, _parties: &Parties, cx: &Context, out: &mut Vec<Flag>) {
        untendered::check(self.name(), book, cx, out);
        tenders::check(self.name(), book, cx, out);
    }

    fn check_scope(&self, facts: &ScopeFacts, cx: &Context, out: &mut Vec<Flag>) {
        tenders::borrowed(self.name(), facts, cx, out);
    }
}
