//! The books of one generated village: `K` lines a year from the templates, with realistic
//! amounts and dates (office spending on working days), the near misses of `schedule`, a
//! clerk's red-ink corrections, the irregularities `plants` puts in a planted village, and
//! voucher numbers given in date order, exactly as the API would have accepted them.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime};
use rand::Rng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use super::draft::{Draft, Drafts};
use super::draw::{Mix, Parties, amount_fen, random_day, random_working_day};
use super::plants::{self, Kind, Plant};
use super::schedule::{self, Standing};
use super::templates::{Party, TRANSFER};
use crate::domain::Chart;

/// One generated entry, borrowing most of its texts from the county's pools.
pub struct GenEntry<'a> {
    pub id: String,
    pub fiscal_year: i32,
    pub period: String,
    pub voucher_no: String,
    pub occurred_on: NaiveDate,
    pub posted_at: NaiveDateTime,
    pub direction: &'static str,
    pub amount_fen: i64,
    pub account_code: &'static str,
    pub settlement_account_code: &'static str,
    pub counterparty: Cow<'a, str>,
    pub description: &'static str,
    pub project: Option<Cow<'static, str>>,
    pub fund_source: Option<&'static str>,
    pub tender_ref: Option<String>,
    pub reverses: Option<String>,
    pub reversal_reason: Option<&'static str>,
}

/// The quarterly transfers come first among a year's drafts; nothing reverses or copies them.
const TRANSFERS: usize = 4;
const TRANSFER_DAYS: [(u32, u32); TRANSFERS] = [(1, 3), (4, 1), (7, 1), (10, 8)];
const REVERSAL_REASONS: &[&str] = &["金额录入错误,冲销", "重复入账,冲销", "科目使用错误,冲销"];

/// Red-ink reversals in one village-year: a clerk's corrections, not irregularities.
fn reversals(rng: &mut ChaCha8Rng, k: usize) -> usize {
    if k < 50 { 0 } else { rng.gen_range(0..=k / 500) }
}

/// What one village-year is drafted from besides the village's mix.
pub struct YearPlan<'p, 'a> {
    pub year: i32,
    pub k: usize,
    pub standing: &'p [Standing<'a>],
    /// The kinds planted this year.
    pub plants: &'p [Kind],
    /// Tender references are `SMZB-<year>-<this>-<n>`.
    pub tender_prefix: &'p str,
}

/// A year's spending on a project it does not tender stays under this (80,000 yuan): a village
/// keeps the works it does not put out to tender below the tender threshold (100,000 yuan).
const UNTENDERED_PROJECT_CAP_FEN: i64 = 8_000_000;

/// What the year's drafts spent on `project` so far.
fn spent_on(drafts: &Drafts<'_>, project: &str) -> i64 {
    drafts
        .list
        .iter()
        .filter(|d| !d.template.income && d.project == Some(project))
        .map(|d| d.amount_fen)
        .sum()
}

/// An ordinary line of the village's mix: office spending on working days, odd jobs and
/// takings on any day. A line that would take an untendered project past its cap is drawn
/// again.
fn ordinary<'a>(rng: &mut ChaCha8Rng, mix: &Mix, parties: &Parties<'a>, year: i32, drafts: &mut Drafts<'a>) {
    let (t, fen) = loop {
        let t = mix.pick(rng);
        let fen = amount_fen(rng, t);
        let capped = t
            .project
            .filter(|_| !t.income && !t.tendered)
            .is_some_and(|p| spent_on(drafts, p) + fen > UNTENDERED_PROJECT_CAP_FEN);
        if !capped {
            break (t, fen);
        }
    };
    let on = if t.income || t.party == Party::Labourer {
        random_day(rng, year)
    } else {
        random_working_day(rng, year)
    };
    let who = parties.pick(rng, t.party);
    drafts.push(rng, t, on, fen, Cow::Borrowed(who));
}

/// Exactly `plan.k` lines of `plan.year`.
fn drafts_of_year<'a>(
    rng: &mut ChaCha8Rng,
    mix: &Mix,
    parties: &Parties<'a>,
    plan: &YearPlan<'_, 'a>,
) -> Vec<Draft<'a>> {
    let (year, k) = (plan.year, plan.k);
    let reversals = reversals(rng, k);
    let mut drafts = Drafts::default();
    // A transfer at the start of every quarter; the rest from the village's mix.
    let later: usize = plan.plants.iter().map(|p| p.later_lines()).sum();
    let fixed = schedule::lines_a_year(plan.standing, k);
    let transfers = if k > TRANSFERS + fixed + later + reversals {
        TRANSFERS
    } else {
        0
    };
    for (month, day) in TRANSFER_DAYS.into_iter().take(transfers) {
        let on = NaiveDate::from_ymd_opt(year, month, day).unwrap_or(NaiveDate::MIN);
        let (fen, who) = (amount_fen(rng, &TRANSFER), parties.pick(rng, TRANSFER.party));
        drafts.push(rng, &TRANSFER, on, fen, Cow::Borrowed(who));
    }
    schedule::add_year(rng, parties, plan.standing, year, k, &mut drafts);
    for (idx, kind) in plan
        .plants
        .iter()
        .enumerate()
        .filter(|(_, p)| !p.needs_ordinary_lines())
    {
        plants::plant_before(rng, parties, year, *kind, idx, &mut drafts);
    }
    while drafts.list.len() + later + reversals < k {
        ordinary(rng, mix, parties, year, &mut drafts);
    }
    for (idx, kind) in plan.plants.iter().enumerate().filter(|(_, p)| p.needs_ordinary_lines()) {
        plants::plant_after(rng, year, *kind, idx, &mut drafts);
    }
    let year_end = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(NaiveDate::MAX);
    let regular = drafts.list.len();
    for _ in 0..reversals {
        let i = rng.gen_range(TRANSFERS..regular.max(TRANSFERS + 1));
        // Only payments are reversed: reversing an income takes money out, which could overdraw.
        let Some(original) = drafts
            .list
            .get(i)
            .filter(|d| d.reverses.is_none() && !d.template.income && !d.fixed && d.amount_fen > 0)
        else {
            continue;
        };
        if drafts
            .list
            .iter()
            .any(|d| d.reverses.as_deref() == Some(original.id.as_str()))
        {
            continue;
        }
        let (t, fen, who, description, project, id) = (
            original.template,
            -original.amount_fen,
            original.counterparty.clone(),
            original.description,
            original.project,
            original.id.clone(),
        );
        let on = (original.on + Duration::days(rng.gen_range(0..6))).min(year_end);
        let d = drafts.push(rng, t, on, fen, who);
        d.description = description;
        d.project = project;
        d.reverses = Some(id);
        d.reason = REVERSAL_REASONS.choose(rng).copied();
    }
    // A plant or reversal that found no original leaves room for an ordinary line.
    while drafts.list.len() < k {
        ordinary(rng, mix, parties, year, &mut drafts);
    }
    tender(&mut drafts.list, year, plan.tender_prefix);
    // Last, so no reversal or duplicate copies a transfer's amount before it is raised
    // (neither ever picks a transfer anyway).
    top_up_transfers(&mut drafts.list);
    drafts.list
}

/// Works of a tendered project go, within a year, to one winner under one tender reference.
fn tender<'a>(drafts: &mut [Draft<'a>], year: i32, prefix: &str) {
    let mut refs: Vec<(&'static str, Cow<'a, str>, String)> = Vec::new();
    for d in drafts.iter_mut().filter(|d| d.template.tendered && d.plant.is_none()) {
        let Some(project) = d.project else { continue };
        let (winner, reference) = match refs.iter().find(|(p, _, _)| *p == project) {
            Some((_, w, r)) => (w.clone(), r.clone()),
            None => {
                let r = format!("SMZB-{year}-{prefix}-{:02}", refs.len() + 1);
                refs.push((project, d.counterparty.clone(), r.clone()));
                (d.counterparty.clone(), r)
            }
        };
        d.counterparty = winner;
        d.tender_ref = Some(reference);
    }
}

/// Raises the quarterly transfers so that the year's income covers its spending, as the
/// county's transfers do for villages without their own revenue.
fn top_up_transfers(drafts: &mut [Draft<'_>]) {
    let (income, expense) = drafts.iter().fold((0i64, 0i64), |(i, e), d| {
        if d.template.income {
            (i + d.amount_fen, e)
        } else {
            (i, e + d.amount_fen)
        }
    });
    let deficit = expense + expense / 20 - income;
    if deficit <= 0 {
        return;
    }
    let transfers = drafts.iter().filter(|d| std::ptr::eq(d.template, &TRANSFER)).count() as i64;
    let share = (deficit / transfers.max(1) / 10_000 + 1) * 10_000;
    for d in drafts.iter_mut().filter(|d| std::ptr::eq(d.template, &TRANSFER)) {
        d.amount_fen += share;
    }
}

/// Where a village's money is: the cash box (101) and the bank (102).
struct Funds {
    cash: i64,
    bank: i64,
}

impl Funds {
    /// The settlement account of a line, moving the money. A payment the cash box cannot cover
    /// is made from the bank, and one the bank cannot cover either is left owing to the payee
    /// (应付款: 202 in the 2004 chart, 211 in the 2023 chart), as a clerk would book it.
    fn settle(&mut self, wanted: &'static str, delta: i64, chart: Chart) -> &'static str {
        if wanted == "101" && self.cash + delta >= 0 {
            self.cash += delta;
            return "101";
        }
        if self.bank + delta >= 0 {
            self.bank += delta;
            return "102";
        }
        match chart {
            Chart::Village2004 => "202",
            Chart::Rural2023 => "211",
        }
    }

    /// A reversal moves the money back through the account its original used.
    fn reverse_through(&mut self, account: &'static str, delta: i64) {
        match account {
            "101" => self.cash += delta,
            "102" => self.bank += delta,
            _ => {}
        }
    }
}

/// The project an entry is booked under. Works without a tender are that year's: a village
/// repairs its ancestral hall one year and the next, and each year's repair is its own project.
fn yearly_project(d: &Draft<'_>, year: i32) -> Option<Cow<'static, str>> {
    let project = d.project?;
    if d.template.tendered || d.fixed || d.template.income {
        return Some(Cow::Borrowed(project));
    }
    Some(Cow::Owned(format!("{year}年{project}")))
}

/// One village's generated books: its lines in posting order, and what was planted in them.
pub struct VillageBooks<'a> {
    pub entries: Vec<GenEntry<'a>>,
    pub plants: Vec<Plant>,
}

/// The plants of one year while its lines are numbered: the entry ids of each, and whether
/// it could not be placed.
struct YearPlants<'p> {
    kinds: &'p [Kind],
    ids: Vec<Vec<String>>,
    void: Vec<bool>,
    /// Index of the first line after the skipped voucher number.
    gap_at: Option<usize>,
}

impl YearPlants<'_> {
    fn into_plants(mut self, year: i32, entries: &[GenEntry<'_>], out: &mut Vec<Plant>) {
        for (idx, kind) in self.kinds.iter().enumerate() {
            let mut entry_ids = std::mem::take(&mut self.ids[idx]);
            let mut missing_voucher = None;
            if *kind == Kind::VoucherGap {
                let Some(at) = self.gap_at else { continue };
                entry_ids = vec![entries[at - 1].id.clone(), entries[at].id.clone()];
                missing_voucher = Some(format!("{year}-{:04}", at + 1));
            }
            if !self.void[idx] && !entry_ids.is_empty() {
                out.push(Plant {
                    kind: *kind,
                    fiscal_year: year,
                    entry_ids,
                    missing_voucher,
                });
            }
        }
    }
}

/// All the lines of one village over `years`, `k` a year, in posting order (date, then
/// creation), vouchers numbered `YYYY-NNNN` per year, with the kinds of `plan` planted in their
/// years. Neither cash nor bank ever goes negative.
pub fn village_entries<'a>(
    rng: &mut ChaCha8Rng,
    parties: &Parties<'a>,
    years: std::ops::RangeInclusive<i32>,
    k: usize,
    opening: (i64, i64),
    plan: &[(i32, Kind)],
    tender_prefix: &str,
) -> VillageBooks<'a> {
    let mix = Mix::for_village(rng);
    let standing = schedule::standing(rng, parties, k);
    let mut out = Vec::with_capacity(k * years.clone().count());
    let mut planted = Vec::new();
    let mut funds = Funds {
        cash: opening.0,
        bank: opening.1,
    };
    for year in years {
        let kinds: Vec<Kind> = plan.iter().filter(|(y, _)| *y == year).map(|(_, kind)| *kind).collect();
        let year_plan = YearPlan {
            year,
            k,
            standing: &standing,
            plants: &kinds,
            tender_prefix,
        };
        let mut drafts = drafts_of_year(rng, &mix, parties, &year_plan);
        drafts.sort_by_key(|d| (d.on, d.order));
        let first = out.len();
        let mut plants = YearPlants {
            kinds: &kinds,
            ids: vec![Vec::new(); kinds.len()],
            void: vec![false; kinds.len()],
            gap_at: kinds
                .contains(&Kind::VoucherGap)
                .then(|| rng.gen_range(1..drafts.len().max(2))),
        };
        let chart = Chart::for_year(year);
        // A reversal settles where its original did, also when that was not the template's.
        let reversed: HashSet<String> = drafts.iter().filter_map(|d| d.reverses.clone()).collect();
        let mut settled_by: HashMap<String, &'static str> = HashMap::new();
        for (n, d) in drafts.into_iter().enumerate() {
            let t = d.template;
            let delta = if t.income { d.amount_fen } else { -d.amount_fen };
            let settlement = match d.reverses.as_ref().and_then(|id| settled_by.get(id)) {
                Some(&original) => {
                    funds.reverse_through(original, delta);
                    original
                }
                None => funds.settle(t.settlement, delta, chart),
            };
            let posted_after = d.posted_after.unwrap_or_else(|| rng.gen_range(0..4));
            let posted_at = (d.on + Duration::days(posted_after))
                .and_time(NaiveTime::from_hms_opt(0, 30, 0).unwrap_or(NaiveTime::MIN))
                + Duration::seconds(rng.gen_range(0..9 * 3600));
            if reversed.contains(&d.id) {
                settled_by.insert(d.id.clone(), settlement);
            }
            if let Some(idx) = d.plant {
                plants.ids[idx].push(d.id.clone());
                // A round sum the cash box could not pay went through the bank: no plant.
                plants.void[idx] |= kinds[idx] == Kind::RoundAmount && settlement != "101";
            }
            let project = yearly_project(&d, year);
            let number = n + 1 + usize::from(plants.gap_at.is_some_and(|at| n >= at));
            out.push(GenEntry {
                id: d.id,
                fiscal_year: year,
                period: format!("{year}-{:02}", d.on.month()),
                voucher_no: format!("{year}-{number:04}"),
                occurred_on: d.on,
                posted_at,
                direction: if t.income { "income" } else { "expense" },
                amount_fen: d.amount_fen,
                account_code: match chart {
                    Chart::Village2004 => t.account_2004,
                    Chart::Rural2023 => t.account_2023,
                },
                settlement_account_code: settlement,
                counterparty: d.counterparty,
                description: d.description,
                project,
                fund_source: t.fund_source,
                tender_ref: d.tender_ref,
                reverses: d.reverses,
                reversal_reason: d.reason,
            });
        }
        plants.into_plants(year, &out[first..], &mut planted);
    }
    VillageBooks {
        entries: out,
        plants: planted,
    }
}
