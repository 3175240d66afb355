//! Planted irregularities (`generate --plant RATE`): a share of the villages each receive one
//! instance of every kind the flag rules look for, and of the ways an insider would sidestep
//! them, in a year drawn for each kind; the ground truth goes to `plants.jsonl` next to the
//! database, one line per plant (rule, kind, village, fiscal year, entry ids).
//!
//! | kind | what is planted | entry ids |
//! |---|---|---|
//! | `split_payment` | 2–4 payments of different amounts, 4,000–4,990 yuan, to one builder within 6 days | the payments |
//! | `split_payment/two_projects` | the same, alternating between two project names | the payments |
//! | `split_payment/month_boundary` | the same, straddling the end of a month | the payments |
//! | `split_payment/second_spelling` | the same, every other one to a second spelling of the builder (三门县… / 三门…) | the payments |
//! | `split_payment/small_pieces` | 3 payments of different amounts, 2,000–3,900 yuan, or 4 of 1,300–2,400 yuan, to one builder within 6 days, passing 5,000 yuan together | the payments |
//! | `split_payment/reversal_repost` | one payment of 8,000–9,980 yuan reversed and re-posted as two pieces within days | the two pieces |
//! | `duplicate_payment` | an ordinary payment of 2,000 yuan or more posted again 1–14 days later (on a working day but for odd jobs) | both |
//! | `duplicate_payment/month_boundary` | a payment moved to its month's last working day, posted again early the next month | both |
//! | `duplicate_payment/second_spelling` | a firm's payment posted again under a second spelling of the firm | both |
//! | `duplicate_payment/small_sum` | an ordinary payment of 500–1,999.99 yuan, not in whole hundreds, posted again with the same words the same day | both |
//! | `duplicate_payment/reversal_repost` | a payment posted again, the copy reversed as a double entry, then re-posted | the original and the re-post |
//! | `round_amount` | 1,000–3,000 yuan in whole thousands paid in cash (the first cash payment of the first year, while the cash box still holds its opening balance) | the payment |
//! | `late_posting` | an entry of a month's first working day posted 31–32 days later (before the month closes) | the entry |
//! | `offday_hospitality` | hospitality dated on a weekend or public holiday | the entry |
//! | `tender_threshold` | two payments of 55,000–90,000 yuan to one builder under a new project, no tender reference | both |
//! | `tender_threshold/two_projects` | a builder's works of 105,000–185,000 yuan split over two project names, each under the threshold | both |
//! | `voucher_gap` | one voucher number of a year skipped (`missing_voucher`) | the entries before and after the gap |
//! | `benford` | every ordinary expense of a year under 1,000 yuan given an invented amount, uniform over 100–999 yuan (a year's small payments made up in bulk) | the altered entries |
//!
//! Duplicates copy payments of at least `duplicate_payment`'s materiality threshold (2,000
//! yuan by default), but `small_sum`, which copies a smaller bill as the rule reads one (500
//! yuan or more, not a standard rate in whole hundreds): smaller equal sums recur by
//! themselves, and the rule leaves them alone. They copy no payment just under the approval limit (4,000–4,999.99 yuan by default), whose
//! copy would be a split payment too.
//!
//! A planted village keeps exactly its `--entries-per-village-year` lines: plants take the place
//! of ordinary ones. A plant that cannot be placed (too few lines to copy from, or a cash box
//! that cannot pay) is left out of the ground truth and its lines stay ordinary. The sidestep
//! across two villages is not planted: rules look at one village at a time.

use std::borrow::Cow;

use chrono::{Datelike, Duration, NaiveDate};
use rand::Rng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use super::draft::{Draft, Drafts};
use super::draw::{Parties, amount_fen, is_off_day, random_off_day, random_working_day, working_day_from};
use super::templates::{CASH_PAYMENT, HOSPITALITY, PURCHASE, Party, SPLIT_WORKS, TRANSFER, Template, UNTENDERED_WORKS};

/// A kind of planted irregularity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Split,
    SplitTwoProjects,
    SplitMonthBoundary,
    SplitSecondSpelling,
    SplitReversalRepost,
    SplitSmallPieces,
    Duplicate,
    DuplicateMonthBoundary,
    DuplicateSecondSpelling,
    DuplicateReversalRepost,
    DuplicateSmallSum,
    RoundAmount,
    LatePosting,
    OffdayHospitality,
    Tender,
    TenderTwoProjects,
    VoucherGap,
    Benford,
}

/// Every kind, in the order of the table above.
pub const KINDS: [Kind; 18] = [
    Kind::Split,
    Kind::SplitTwoProjects,
    Kind::SplitMonthBoundary,
    Kind::SplitSecondSpelling,
    Kind::SplitReversalRepost,
    Kind::SplitSmallPieces,
    Kind::Duplicate,
    Kind::DuplicateMonthBoundary,
    Kind::DuplicateSecondSpelling,
    Kind::DuplicateReversalRepost,
    Kind::DuplicateSmallSum,
    Kind::RoundAmount,
    Kind::LatePosting,
    Kind::OffdayHospitality,
    Kind::Tender,
    Kind::TenderTwoProjects,
    Kind::VoucherGap,
    Kind::Benford,
];

impl Kind {
    /// The kind's name in `plants.jsonl`: the rule, then `/` and the sidestep.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Split => "split_payment",
            Kind::SplitTwoProjects => "split_payment/two_projects",
            Kind::SplitMonthBoundary => "split_payment/month_boundary",
            Kind::SplitSecondSpelling => "split_payment/second_spelling",
            Kind::SplitReversalRepost => "split_payment/reversal_repost",
            Kind::SplitSmallPieces => "split_payment/small_pieces",
            Kind::Duplicate => "duplicate_payment",
            Kind::DuplicateMonthBoundary => "duplicate_payment/month_boundary",
            Kind::DuplicateSecondSpelling => "duplicate_payment/second_spelling",
            Kind::DuplicateReversalRepost => "duplicate_payment/reversal_repost",
            Kind::DuplicateSmallSum => "duplicate_payment/small_sum",
            Kind::RoundAmount => "round_amount",
            Kind::LatePosting => "late_posting",
            Kind::OffdayHospitality => "offday_hospitality",
            Kind::Tender => "tender_threshold",
            Kind::TenderTwoProjects => "tender_threshold/two_projects",
            Kind::VoucherGap => "voucher_gap",
            Kind::Benford => "benford",
        }
    }

    /// The rule that should flag it.
    pub fn rule(self) -> &'static str {
        self.name().split('/').next().unwrap_or_default()
    }

    /// Whether it copies or alters ordinary lines, so is planted after them.
    pub fn needs_ordinary_lines(self) -> bool {
        matches!(
            self,
            Kind::Duplicate
                | Kind::DuplicateMonthBoundary
                | Kind::DuplicateSecondSpelling
                | Kind::DuplicateReversalRepost
                | Kind::DuplicateSmallSum
                | Kind::Benford
        )
    }

    /// Lines it adds after the ordinary ones are drawn.
    pub fn later_lines(self) -> usize {
        match self {
            Kind::Duplicate
            | Kind::DuplicateMonthBoundary
            | Kind::DuplicateSecondSpelling
            | Kind::DuplicateSmallSum => 1,
            Kind::DuplicateReversalRepost => 3,
            _ => 0,
        }
    }
}

/// One plant as written to `plants.jsonl`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plant {
    pub kind: Kind,
    pub fiscal_year: i32,
    pub entry_ids: Vec<String>,
    /// For `voucher_gap`: the voucher number left out.
    pub missing_voucher: Option<String>,
}

/// Which of `n` villages are planted: `round(rate × n)` of them, drawn with `rng`.
pub fn planted_villages(rng: &mut ChaCha8Rng, n: usize, rate: f64) -> Vec<bool> {
    let count = ((rate * n as f64).round() as usize).min(n);
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(rng);
    let mut planted = vec![false; n];
    for &i in &order[..count] {
        planted[i] = true;
    }
    planted
}

/// The year each kind goes into, for a planted village over `years`. The round cash payment
/// goes into the first year (see the table).
pub fn village_plan(rng: &mut ChaCha8Rng, years: std::ops::RangeInclusive<i32>) -> Vec<(i32, Kind)> {
    let (first, last) = (*years.start(), *years.end());
    KINDS
        .iter()
        .map(|&kind| match kind {
            Kind::RoundAmount => (first, kind),
            _ => (rng.gen_range(first..=last), kind),
        })
        .collect()
}

/// A second spelling of a firm, as clerks write it: without 县/市 after the place, or with it.
pub fn second_spelling(name: &str) -> String {
    for (long, short) in [("三门县", "三门"), ("台州市", "台州")] {
        if let Some(rest) = name.strip_prefix(long) {
            return format!("{short}{rest}");
        }
    }
    format!("三门县{name}")
}

fn last_day_of_month(year: i32, month: u32) -> NaiveDate {
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    };
    next.and_then(|d| d.pred_opt()).unwrap_or(NaiveDate::MIN)
}

/// `n` dates from `start` within 6 days of it, in order, the first on `start`.
fn within_six_days(rng: &mut ChaCha8Rng, start: NaiveDate, n: usize) -> Vec<NaiveDate> {
    let mut offsets: Vec<i64> = (0..n).map(|i| if i == 0 { 0 } else { rng.gen_range(0..=6) }).collect();
    offsets.sort_unstable();
    offsets.into_iter().map(|o| start + Duration::days(o)).collect()
}

/// `n` different amounts of 4,000–4,990 yuan (equal pieces would be a duplicate payment too).
fn pieces(rng: &mut ChaCha8Rng, n: usize) -> Vec<i64> {
    rand::seq::index::sample(rng, 100, n)
        .into_iter()
        .map(|i| (400 + i as i64) * 1_000)
        .collect()
}

/// The pieces of a payment cut in three or four smaller ones: different amounts (whole tens of
/// yuan), 2,000–3,900 yuan each in three or 1,300–2,400 in four, so together they pass 5,000.
fn small_pieces(rng: &mut ChaCha8Rng) -> Vec<i64> {
    let (n, low, high) = if rng.gen_bool(0.5) {
        (3, 200, 390)
    } else {
        (4, 130, 240)
    };
    rand::seq::index::sample(rng, high - low + 1, n)
        .into_iter()
        .map(|i| (low + i) as i64 * 1_000)
        .collect()
}

/// Plants `kind` (numbered `idx` among the year's plants) in a year that has no ordinary lines
/// yet. Kinds that copy ordinary lines are planted by [`plant_after`].
pub fn plant_before<'a>(
    rng: &mut ChaCha8Rng,
    parties: &Parties<'a>,
    year: i32,
    kind: Kind,
    idx: usize,
    drafts: &mut Drafts<'a>,
) {
    let date = |m: u32, d: u32| NaiveDate::from_ymd_opt(year, m, d).unwrap_or(NaiveDate::MIN);
    let builder = parties.pick(rng, Party::Builder);
    let put = |drafts: &mut Drafts<'a>, rng: &mut ChaCha8Rng, t: &'static Template, on, fen, who: Cow<'a, str>| {
        let d = drafts.push(rng, t, on, fen, who);
        d.plant = Some(idx);
        d.fixed = true;
    };
    match kind {
        Kind::Split | Kind::SplitTwoProjects | Kind::SplitSecondSpelling | Kind::SplitMonthBoundary => {
            let n = rng.gen_range(2..=4);
            let start = if kind == Kind::SplitMonthBoundary {
                let month = rng.gen_range(1..=11);
                last_day_of_month(year, month) - Duration::days(rng.gen_range(0..=2))
            } else {
                random_working_day(rng, year).min(date(12, 10))
            };
            let mut days = within_six_days(rng, start, n);
            if kind == Kind::SplitMonthBoundary
                && let Some(last) = days.last_mut()
            {
                *last = last_day_of_month(start.year(), start.month()) + Duration::days(rng.gen_range(1..=3));
            }
            let description = SPLIT_WORKS.descriptions.choose(rng).copied().unwrap_or("付工程款");
            for (i, (on, fen)) in days.into_iter().zip(pieces(rng, n)).enumerate() {
                let who = match kind {
                    Kind::SplitSecondSpelling if i % 2 == 1 => Cow::Owned(second_spelling(builder)),
                    _ => Cow::Borrowed(builder),
                };
                put(drafts, rng, &SPLIT_WORKS, on, fen, who);
                let d = drafts.last();
                d.description = description;
                if kind == Kind::SplitTwoProjects && i % 2 == 1 {
                    d.project = Some("村道护栏安装工程");
                }
            }
        }
        Kind::SplitSmallPieces => {
            let amounts = small_pieces(rng);
            let start = random_working_day(rng, year).min(date(12, 10));
            let description = SPLIT_WORKS.descriptions.choose(rng).copied().unwrap_or("付工程款");
            for (on, fen) in within_six_days(rng, start, amounts.len()).into_iter().zip(amounts) {
                put(drafts, rng, &SPLIT_WORKS, on, fen, Cow::Borrowed(builder));
                drafts.last().description = description;
            }
        }
        Kind::SplitReversalRepost => {
            let start = random_working_day(rng, year).min(date(12, 10));
            let parts = pieces(rng, 2);
            let total: i64 = parts.iter().sum();
            put(drafts, rng, &SPLIT_WORKS, start, total, Cow::Borrowed(builder));
            let original = drafts.last();
            original.plant = None;
            let id = original.id.clone();
            let reversed_on = start + Duration::days(rng.gen_range(0..=1));
            put(drafts, rng, &SPLIT_WORKS, reversed_on, -total, Cow::Borrowed(builder));
            let reversal = drafts.last();
            reversal.plant = None;
            reversal.reverses = Some(id);
            reversal.reason = Some("金额录入错误,冲销");
            for fen in parts {
                let on = reversed_on + Duration::days(rng.gen_range(0..=2));
                put(drafts, rng, &SPLIT_WORKS, on, fen, Cow::Borrowed(builder));
            }
        }
        Kind::RoundAmount => {
            let on = working_day_from(date(1, 1));
            let who = Cow::Borrowed(parties.pick(rng, Party::Villager));
            let fen = rng.gen_range(1..=3) * 100_000;
            put(drafts, rng, &CASH_PAYMENT, on, fen, who);
        }
        Kind::LatePosting => {
            let month = rng.gen_range(1..=11);
            let on = working_day_from(date(month, 1));
            let fen = amount_fen(rng, &PURCHASE);
            let who = Cow::Borrowed(parties.pick(rng, PURCHASE.party));
            // Posted before the 10th of the next month, when the month closes.
            let close = last_day_of_month(year, month) + Duration::days(10);
            let days = if on + Duration::days(32) < close { 32 } else { 31 };
            put(drafts, rng, &PURCHASE, on, fen, who);
            drafts.last().posted_after = Some(days);
        }
        Kind::OffdayHospitality => {
            let on = random_off_day(rng, year);
            let fen = amount_fen(rng, &HOSPITALITY);
            let who = Cow::Borrowed(parties.pick(rng, HOSPITALITY.party));
            put(drafts, rng, &HOSPITALITY, on, fen, who);
        }
        Kind::Tender | Kind::TenderTwoProjects => {
            let first = random_working_day(rng, year).min(date(9, 30));
            let second = working_day_from(first + Duration::days(rng.gen_range(20..=60)));
            let (projects, amounts, description) = if kind == Kind::Tender {
                (
                    ["村委会办公楼改造工程", "村委会办公楼改造工程"],
                    [rng.gen_range(550..=900), rng.gen_range(550..=900)],
                    "付村委会办公楼改造工程款",
                )
            } else {
                (
                    ["村道拓宽工程", "村道拓宽配套工程"],
                    [rng.gen_range(550..=950), rng.gen_range(500..=900)],
                    "付村道拓宽工程进度款",
                )
            };
            for ((on, project), fen) in [first, second].into_iter().zip(projects).zip(amounts) {
                put(drafts, rng, &UNTENDERED_WORKS, on, fen * 10_000, Cow::Borrowed(builder));
                let d = drafts.last();
                d.project = Some(project);
                d.description = description;
            }
        }
        _ => {}
    }
}

/// Whether `d` is an ordinary payment a plant may copy or alter (not one under a tender, whose
/// reference is given after the plants).
fn ordinary_payment(d: &Draft<'_>) -> bool {
    !d.template.income
        && !d.template.tendered
        && !d.fixed
        && d.plant.is_none()
        && d.reverses.is_none()
        && d.amount_fen > 0
        && !std::ptr::eq(d.template, &TRANSFER)
}

/// Plants a kind that copies or alters the ordinary lines already drafted.
pub fn plant_after(rng: &mut ChaCha8Rng, year: i32, kind: Kind, idx: usize, drafts: &mut Drafts<'_>) {
    let year_end = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(NaiveDate::MAX);
    if kind == Kind::Benford {
        for d in drafts.list.iter_mut() {
            if ordinary_payment(d) && d.amount_fen < 100_000 {
                d.amount_fen = rng.gen_range(100..=999) * 100;
                d.plant = Some(idx);
                d.fixed = true;
            }
        }
        return;
    }
    let firm = |d: &Draft<'_>| {
        matches!(
            d.template.party,
            Party::Builder | Party::Shop | Party::Restaurant | Party::Tenant | Party::Fixed(_)
        )
    };
    let rules = crate::config::FlagSettings::default();
    // A duplicate of a payment just under the approval limit is also a split payment: each
    // plant is an instance of its own kind only.
    let piece = rules.approval_limit_fen * rules.split_piece_percent / 100..rules.approval_limit_fen;
    // A small sum paid twice is one that reads as a bill (no whole hundreds of yuan): a
    // standard rate recurs by itself, and the rule leaves it alone.
    let size = |fen: i64| {
        if kind == Kind::DuplicateSmallSum {
            (rules.duplicate_small_min_fen..rules.duplicate_min_fen).contains(&fen) && fen % 10_000 != 0
        } else {
            fen >= rules.duplicate_min_fen
        }
    };
    let fits = |d: &Draft<'_>| {
        ordinary_payment(d)
            && size(d.amount_fen)
            && !piece.contains(&d.amount_fen)
            && d.on.month() < 12
            && (kind != Kind::DuplicateSecondSpelling || firm(d))
    };
    let candidates: Vec<usize> = (0..drafts.list.len()).filter(|&i| fits(&drafts.list[i])).collect();
    let Some(&i) = candidates.choose(rng) else {
        return;
    };
    let original = &mut drafts.list[i];
    original.plant = Some(idx);
    original.fixed = true;
    if kind == Kind::DuplicateMonthBoundary {
        // Paid on the month's last working day (any last day for odd jobs), so the copy early
        // the next month falls across the boundary.
        let mut last = last_day_of_month(year, original.on.month());
        while original.template.party != Party::Labourer && is_off_day(last) && last.day() > 20 {
            last = last.pred_opt().unwrap_or(last);
        }
        original.on = last;
    }
    let (t, fen, on, description, project) = (
        original.template,
        original.amount_fen,
        original.on,
        original.description,
        original.project,
    );
    let who = original.counterparty.clone();
    // The office pays on working days; odd jobs are paid any day.
    let copy = |rng: &mut ChaCha8Rng, on: NaiveDate, fen: i64, who: Cow<'_, str>, drafts: &mut Drafts<'_>| {
        let on = if t.party == Party::Labourer {
            on
        } else {
            working_day_from(on)
        };
        let d = drafts.push(rng, t, on.min(year_end), fen, who.into_owned().into());
        d.description = description;
        d.project = project;
        d.plant = Some(idx);
        d.fixed = true;
        d.id.clone()
    };
    match kind {
        Kind::Duplicate => {
            let later = on + Duration::days(rng.gen_range(1..=14));
            copy(rng, later, fen, who, drafts);
        }
        Kind::DuplicateMonthBoundary => {
            let next = working_day_from(last_day_of_month(year, on.month()) + Duration::days(1));
            let later = next + Duration::days(rng.gen_range(0..=2));
            copy(rng, later, fen, who, drafts);
        }
        Kind::DuplicateSmallSum => {
            // The same day: the office pays on working days, so a next day may be a Monday.
            let later = on;
            copy(rng, later, fen, who, drafts);
        }
        Kind::DuplicateSecondSpelling => {
            let second = Cow::Owned(second_spelling(&who));
            let later = on + Duration::days(rng.gen_range(1..=14));
            copy(rng, later, fen, second, drafts);
        }
        Kind::DuplicateReversalRepost => {
            let copied_on = on + Duration::days(rng.gen_range(2..=8));
            let copied = copy(rng, copied_on, fen, who.clone(), drafts);
            let reversed_on = copied_on + Duration::days(rng.gen_range(0..=2));
            let _ = copy(rng, reversed_on, -fen, who.clone(), drafts);
            if let Some(r) = drafts.list.last_mut() {
                r.reverses = Some(copied);
                r.reason = Some("重复入账,冲销");
                r.plant = None;
            }
            if let Some(c) = drafts.list.iter_mut().rev().nth(1) {
                c.plant = None;
            }
            let later = reversed_on + Duration::days(rng.gen_range(1..=5));
            copy(rng, later, fen, who, drafts);
        }
        _ => {}
    }
}

/// `plants.jsonl`, written village by village as the county is generated.
pub struct TruthFile {
    out: std::io::BufWriter<std::fs::File>,
    path: std::path::PathBuf,
    /// Village code → township code.
    townships: std::collections::HashMap<String, String>,
    plants: usize,
    villages: usize,
}

impl TruthFile {
    /// Creates (or empties) `plants.jsonl` in `dir`.
    pub fn create(
        dir: &std::path::Path,
        towns: &[super::places::Township],
        vills: &[super::places::Village],
    ) -> anyhow::Result<TruthFile> {
        use anyhow::Context;
        let path = dir.join("plants.jsonl");
        let file = std::fs::File::create(&path).with_context(|| format!("cannot create {}", path.display()))?;
        Ok(TruthFile {
            out: std::io::BufWriter::new(file),
            path,
            townships: vills
                .iter()
                .map(|v| (v.code.clone(), towns[v.township].code.clone()))
                .collect(),
            plants: 0,
            villages: 0,
        })
    }

    /// One line per plant of `village`.
    pub fn write(&mut self, village: &str, plants: &[Plant]) -> anyhow::Result<()> {
        use std::io::Write;
        for p in plants {
            let mut line = serde_json::json!({
                "rule": p.kind.rule(),
                "kind": p.kind.name(),
                "village_code": village,
                "township_code": self.townships.get(village),
                "fiscal_year": p.fiscal_year,
                "entry_ids": p.entry_ids,
            });
            if let Some(v) = &p.missing_voucher {
                line["missing_voucher"] = serde_json::json!(v);
            }
            writeln!(self.out, "{line}")?;
        }
        self.plants += plants.len();
        self.villages += usize::from(!plants.is_empty());
        Ok(())
    }

    /// Flushes the file to disk; says what was planted.
    pub fn finish(self) -> anyhow::Result<String> {
        let file = self.out.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        Ok(format!(
            "planted {} irregularities in {} villages; ground truth in {}",
            self.plants,
            self.villages,
            self.path.display()
        ))
    }
}
