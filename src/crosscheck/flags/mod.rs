//! Red flags: patterns in the ledger that deserve an inspector's look. One rule per file behind
//! [`Rule`]; thresholds come from [`FlagSettings`](crate::config::FlagSettings). Rules that look
//! at one village at a time see each village's [`Book`] once, as it is loaded; rules across the
//! scope (a scan reused in two villages, Benford's law over a township) see the [`ScopeFacts`]
//! gathered on the way, so a whole county is read once and never held in memory at once.

mod benford;
pub mod chains;
mod duplicate_payment;
mod invoice_mismatch;
mod invoice_reused;
mod late_posting;
mod missing_receipt;
pub mod offday_hospitality;
mod receipt_reused;
mod round_amount;
mod series;
mod split_payment;
mod tender_threshold;
mod voucher_gap;

use crate::i18n::{Msg, money};
use crate::msg;
use std::cell::RefCell;
use std::collections::{BTreeMap, BinaryHeap};

use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;

use crate::config::FlagSettings;
use crate::crosscheck::book::{Book, Item, Parties, ReceiptFact, visit_books_in_parallel};
use crate::crosscheck::error::{CrosscheckError, Result};
use crate::crosscheck::{DateWindow, Scope};
use crate::db::DbPool;
use crate::domain::budget::Budget;

/// How much a flag deserves attention first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    High,
    Medium,
    Low,
}

/// One red flag, with the figures behind it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(example = json!({
    "rule": "split_payment",
    "severity": "high",
    "village_code": "331022002201",
    "village_name": "头岙村",
    "township_code": "331022002000",
    "entry_ids": ["en_1", "en_2", "en_3", "en_4"],
    "receipt_ids": [],
    "occurred_on": "2025-06-03",
    "explanation": "头岙村于2025年6月3日至2025年6月12日向三门县湾区建筑工程有限公司支付4笔,每笔均低于5,000.00元审批限额,合计19,550.00元,疑似拆分支付规避审批。",
    "figures": {"payments": 4, "total_fen": 1955000, "approval_limit_fen": 500000, "span_days": 9}
}))]
pub struct Flag {
    pub rule: &'static str,
    pub severity: Severity,
    /// The village; null for a flag about a whole township or county (`benford`).
    pub village_code: Option<String>,
    pub village_name: Option<String>,
    pub township_code: Option<String>,
    pub entry_ids: Vec<String>,
    pub receipt_ids: Vec<String>,
    /// The earliest date the flag is about.
    pub occurred_on: Option<NaiveDate>,
    /// One sentence for people, not programmers, in the caller's language.
    #[schema(value_type = String)]
    pub explanation: Msg,
    /// The figures behind the flag (amounts in fen, thresholds as configured).
    #[schema(value_type = Object)]
    pub figures: serde_json::Value,
}

/// The leading part of a flag's listing order: severity, village, date.
type ListingKey = (Severity, Option<String>, Option<NaiveDate>);

/// What every rule may consult.
pub struct Context<'a> {
    pub settings: &'a FlagSettings,
    pub scope: &'a Scope,
    pub window: DateWindow,
    /// The time the flags are computed at (UTC).
    pub now: NaiveDateTime,
    /// The request's budget: a rule whose loops can run long stops early once it is out
    /// ([`Budget::exhausted`]); the run then fails with 503 and no flag is shown.
    pub budget: &'a Budget,
    /// Once the requested page is full: the listing key of its last flag. A flag that would
    /// sort after it is only counted.
    floor: RefCell<Option<ListingKey>>,
    /// Flags counted without being written, per rule.
    counted: RefCell<BTreeMap<&'static str, usize>>,
}

impl Context<'_> {
    /// Whether a flag of `severity` on `village` dated `on` could still make the requested
    /// page; when not, it is counted under `rule` and the rule need not write it. Rules that
    /// can flag very many entries ask first.
    pub fn admits(&self, rule: &'static str, severity: Severity, village: usize, on: NaiveDate) -> bool {
        let floor = self.floor.borrow();
        let Some((s, v, d)) = floor.as_ref() else {
            return true;
        };
        let code = self.scope.villages.get(village).map(|v| &v.code);
        let later = (severity, code, Some(on)) > (*s, v.as_ref(), *d);
        if later {
            *self.counted.borrow_mut().entry(rule).or_default() += 1;
        }
        !later
    }

    /// A flag about entries of one village.
    pub fn flag(
        &self,
        rule: &'static str,
        severity: Severity,
        village: usize,
        items: &[&Item],
        explanation: Msg,
        figures: serde_json::Value,
    ) -> Flag {
        let v = self.scope.villages.get(village);
        Flag {
            rule,
            severity,
            village_code: v.map(|v| v.code.clone()),
            village_name: v.map(|v| v.name.clone()),
            township_code: v.map(|v| v.township_code.clone()),
            entry_ids: items.iter().map(|i| i.id.clone()).collect(),
            receipt_ids: Vec::new(),
            occurred_on: items.iter().map(|i| i.occurred_on).min(),
            explanation,
            figures,
        }
    }

    pub fn village_name(&self, village: usize) -> &str {
        self.scope.villages.get(village).map(|v| v.name.as_str()).unwrap_or("")
    }
}

/// What the per-village pass leaves for the rules across the scope.
#[derive(Default)]
pub struct ScopeFacts {
    /// Every receipt of every village in scope.
    pub receipts: Vec<ReceiptFact>,
    /// `(village index, amount)` of every live expense inside the window.
    pub expense_amounts: Vec<(usize, i64)>,
    /// Every tender recorded in the scope.
    pub tender_records: Vec<tender_threshold::RecordedTender>,
    /// Payments under references their village did not record.
    pub unrecorded_tenders: Vec<tender_threshold::UnrecordedUse>,
}

/// A red-flag rule.
pub trait Rule: Send + Sync {
    /// The name clients select it by and see on its flags.
    fn name(&self) -> &'static str;
    /// Looks at one village.
    fn check_village(&self, _book: &Book, _parties: &Parties, _cx: &Context, _out: &mut Vec<Flag>) {}
    /// Looks across the scope once every village was seen.
    fn check_scope(&self, _facts: &ScopeFacts, _cx: &Context, _out: &mut Vec<Flag>) {}
}

/// Every rule, in the order they are documented.
pub fn all_rules() -> Vec<Box<dyn Rule>> {
    vec![
        Box::new(missing_receipt::MissingReceipt),
        Box::new(receipt_reused::ReceiptReused),
        Box::new(invoice_reused::InvoiceReused),
        Box::new(invoice_mismatch::InvoiceMismatch),
        Box::new(duplicate_payment::DuplicatePayment),
        Box::new(split_payment::SplitPayment),
        Box::new(round_amount::RoundAmount),
        Box::new(late_posting::LatePosting),
        Box::new(voucher_gap::VoucherGap),
        Box::new(offday_hospitality::OffdayHospitality),
        Box::new(tender_threshold::TenderThreshold),
        Box::new(benford::Benford),
    ]
}

/// The names of every rule.
pub fn rule_names() -> Vec<&'static str> {
    all_rules().iter().map(|r| r.name()).collect()
}

/// The rules named in `selection` (comma-separated), or all of them; 422 naming an unknown one.
pub fn select_rules(selection: Option<&str>) -> Result<Vec<Box<dyn Rule>>> {
    let Some(selection) = selection.filter(|s| !s.trim().is_empty()) else {
        return Ok(all_rules());
    };
    let wanted: Vec<&str> = selection.split(',').map(str::trim).filter(|s| !s.is_empty()).collect();
    let known = rule_names();
    if let Some(unknown) = wanted.iter().find(|w| !known.contains(w)) {
        return Err(CrosscheckError::UnknownRule {
            rule: crate::domain::truncate(unknown),
            known,
        });
    }
    Ok(all_rules().into_iter().filter(|r| wanted.contains(&r.name())).collect())
}

/// Flags of the scope, sorted by severity, village, date and rule, with the count per rule.
pub struct FlagRun {
    /// The first `keep` flags in that order (all of them are counted in `counts`).
    pub flags: Vec<Flag>,
    pub total: usize,
    pub counts: BTreeMap<&'static str, usize>,
    pub villages: usize,
    pub entries: usize,
}

/// A flag in the order flags are listed: severity, village, date, rule, then its entries and
/// words, so the order (and so paging) is the same on every run.
struct Ranked(Flag);

impl Ranked {
    fn key(&self) -> (Severity, &Option<String>, Option<NaiveDate>, &str, &[String], &Msg) {
        let f = &self.0;
        (
            f.severity,
            &f.village_code,
            f.occurred_on,
            f.rule,
            &f.entry_ids,
            &f.explanation,
        )
    }
}

impl PartialEq for Ranked {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl Eq for Ranked {}

impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Ranked {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key().cmp(&other.key())
    }
}

/// Counts every flag and keeps only the first `keep` in listing order, so a county with a
/// million missing scans is counted without holding a million flags.
struct Kept {
    keep: usize,
    heap: BinaryHeap<Ranked>,
    counts: BTreeMap<&'static str, usize>,
    total: usize,
}

impl Kept {
    /// Counts `flags` and keeps those among the first `keep`.
    fn take(&mut self, flags: &mut Vec<Flag>, cx: &Context) {
        for flag in flags.drain(..) {
            *self.counts.entry(flag.rule).or_default() += 1;
            self.total += 1;
            self.keep(Ranked(flag));
        }
        self.raise_floor(cx);
    }

    /// Keeps `flag` if it is among the first `keep` (counted already).
    fn keep(&mut self, flag: Ranked) {
        self.heap.push(flag);
        if self.heap.len() > self.keep {
            self.heap.pop();
        }
    }

    /// Once the page is full, tells the rules what a flag must sort before to make it.
    fn raise_floor(&self, cx: &Context) {
        if self.heap.len() >= self.keep
            && let Some(last) = self.heap.peek()
        {
            *cx.floor.borrow_mut() = Some((last.0.severity, last.0.village_code.clone(), last.0.occurred_on));
        }
    }
}

/// What one loading thread gathers: its flags kept and counted, and each village's facts for
/// the rules across the scope (merged in scope order once every village was seen).
struct Share<'a> {
    cx: Context<'a>,
    kept: Kept,
    flags: Vec<Flag>,
    facts: Vec<(usize, ScopeFacts)>,
    entries: usize,
}

/// Runs `rules` over `scope` inside `window`, keeping the first `keep` flags; 503 once
/// `budget` runs out. Each village is checked on the thread that loaded it
/// ([`visit_books_in_parallel`]); the rules across the scope run once every village was seen.
#[expect(clippy::too_many_arguments, reason = "the parts of one run, each named")]
pub fn compute_flags(
    pool: &DbPool,
    scope: &Scope,
    window: DateWindow,
    rules: &[Box<dyn Rule>],
    settings: &FlagSettings,
    now: NaiveDateTime,
    keep: usize,
    budget: &Budget,
) -> Result<FlagRun> {
    let context = || Context {
        settings,
        scope,
        window,
        now,
        budget,
        floor: RefCell::new(None),
        counted: RefCell::new(BTreeMap::new()),
    };
    let kept = || Kept {
        keep,
        heap: BinaryHeap::new(),
        counts: rules.iter().map(|r| (r.name(), 0)).collect(),
        total: 0,
    };
    let shares = visit_books_in_parallel(
        pool,
        scope,
        window,
        || Share {
            cx: context(),
            kept: kept(),
            flags: Vec::new(),
            facts: Vec::new(),
            entries: 0,
        },
        |share, book, parties| {
            share.entries += book.items.len();
            for rule in rules {
                budget.check()?;
                rule.check_village(book, parties, &share.cx, &mut share.flags);
            }
            let mut facts = ScopeFacts::default();
            facts.expense_amounts.extend(
                book.items
                    .iter()
                    .filter(|i| i.is_expense() && i.is_live())
                    .map(|i| (book.village, i.amount_fen)),
            );
            tender_threshold::gather(book, &share.cx, &mut facts);
            facts.receipts.append(&mut book.receipts);
            share.facts.push((book.village, facts));
            share.kept.take(&mut share.flags, &share.cx);
            Ok(())
        },
    )?;
    // The threads' flags and counts together, their facts in scope order.
    let cx = context();
    let mut all = kept();
    let mut entries = 0;
    let mut villages_facts = Vec::new();
    for share in shares {
        entries += share.entries;
        villages_facts.extend(share.facts);
        for (rule, n) in share.kept.counts {
            *all.counts.entry(rule).or_default() += n;
        }
        for (rule, n) in share.cx.counted.into_inner() {
            *all.counts.entry(rule).or_default() += n;
            all.total += n;
        }
        all.total += share.kept.total;
        for flag in share.kept.heap {
            all.keep(flag);
        }
    }
    all.raise_floor(&cx);
    villages_facts.sort_by_key(|(village, _)| *village);
    let mut facts = ScopeFacts::default();
    for (_, mut f) in villages_facts {
        facts.receipts.append(&mut f.receipts);
        facts.expense_amounts.append(&mut f.expense_amounts);
        facts.tender_records.append(&mut f.tender_records);
        facts.unrecorded_tenders.append(&mut f.unrecorded_tenders);
    }
    let mut flags = Vec::new();
    for rule in rules {
        budget.check()?;
        rule.check_scope(&facts, &cx, &mut flags);
    }
    budget.check()?;
    all.take(&mut flags, &cx);
    for (rule, n) in cx.counted.into_inner() {
        *all.counts.entry(rule).or_default() += n;
        all.total += n;
    }
    Ok(FlagRun {
        flags: all.heap.into_sorted_vec().into_iter().map(|r| r.0).collect(),
        total: all.total,
        counts: all.counts,
        villages: scope.villages.len(),
        entries,
    })
}

/// The counterparty names of `items` as written, each once, in order: how a firm paid under
/// several spellings is named in explanations (`三门县湾区建筑工程有限公司 / 湾区建筑公司`).
pub fn spellings(items: &[&Item]) -> String {
    let mut names: Vec<&str> = Vec::new();
    for item in items {
        if !names.contains(&item.counterparty.as_str()) {
            names.push(&item.counterparty);
        }
    }
    names.join(" / ")
}

/// `2024-05-14 3,860.00 yuan (voucher 2024-031)`: how an entry is named in explanations.
pub fn describe(item: &Item) -> Msg {
    msg!(
        "flag-entry",
        date = item.occurred_on,
        amount = money(item.amount_fen),
        voucher = item.voucher_no.as_str()
    )
}
