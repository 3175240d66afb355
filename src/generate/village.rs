//! The books of one generated village: `K` lines a year from the templates, with realistic
//! amounts and dates, the irregularities an inspection looks for, and voucher numbers given in
//! date order, exactly as the API would have accepted them.

use std::collections::{HashMap, HashSet};

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime};
use rand::Rng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use super::draw::{Mix, Parties, amount_fen, new_id, random_day};
use super::templates::{Party, SPLIT_WORKS, TRANSFER, Template};
use crate::domain::Chart;

/// One generated entry, borrowing its texts from the county's pools.
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
    pub counterparty: &'a str,
    pub description: &'static str,
    pub project: Option<&'static str>,
    pub fund_source: Option<&'static str>,
    pub reverses: Option<String>,
    pub reversal_reason: Option<&'static str>,
}

/// A line before its voucher number; `order` keeps same-day lines in creation order.
struct Draft<'a> {
    id: String,
    on: NaiveDate,
    order: usize,
    template: &'static Template,
    description: &'static str,
    amount_fen: i64,
    counterparty: &'a str,
    reverses: Option<String>,
    reason: Option<&'static str>,
}

/// The quarterly transfers come first among a year's drafts; nothing reverses or copies them.
const TRANSFERS: usize = 4;
const TRANSFER_DAYS: [(u32, u32); TRANSFERS] = [(1, 3), (4, 1), (7, 1), (10, 8)];
const REVERSAL_REASONS: &[&str] = &["金额录入错误,冲销", "重复入账,冲销", "科目使用错误,冲销"];

/// The irregularities planted in one village-year: `(split payments, duplicates, reversals)`.
fn irregularities(rng: &mut ChaCha8Rng, k: usize) -> (usize, usize, usize) {
    if k < 50 {
        return (0, 0, 0);
    }
    let splits = if rng.gen_bool(0.15) { rng.gen_range(3..=5) } else { 0 };
    let duplicates = rng.gen_range(0..=k / 400);
    let reversals = rng.gen_range(0..=k / 500);
    (splits, duplicates, reversals)
}

/// Exactly `k` lines of `year`.
fn drafts_of_year<'a>(rng: &mut ChaCha8Rng, mix: &Mix, parties: &Parties<'a>, year: i32, k: usize) -> Vec<Draft<'a>> {
    let (splits, duplicates, reversals) = irregularities(rng, k);
    let regular = k.saturating_sub(splits + duplicates + reversals);
    let mut drafts: Vec<Draft<'a>> = Vec::with_capacity(k);
    let push = |rng: &mut ChaCha8Rng, drafts: &mut Vec<Draft<'a>>, t: &'static Template, on, fen, who| {
        let order = drafts.len();
        drafts.push(Draft {
            id: new_id(rng),
            on,
            order,
            template: t,
            description: t.descriptions.choose(rng).copied().unwrap_or("其他"),
            amount_fen: fen,
            counterparty: who,
            reverses: None,
            reason: None,
        });
    };
    // A transfer at the start of every quarter; the rest from the village's mix.
    let transfers = if regular > TRANSFERS { TRANSFERS } else { 0 };
    for (month, day) in TRANSFER_DAYS.into_iter().take(transfers) {
        let on = NaiveDate::from_ymd_opt(year, month, day).unwrap_or(NaiveDate::MIN);
        let (fen, who) = (amount_fen(rng, &TRANSFER), parties.pick(rng, TRANSFER.party));
        push(rng, &mut drafts, &TRANSFER, on, fen, who);
    }
    for _ in transfers..regular {
        let t = mix.pick(rng);
        let (on, fen, who) = (random_day(rng, year), amount_fen(rng, t), parties.pick(rng, t.party));
        push(rng, &mut drafts, t, on, fen, who);
    }
    if splits > 0 {
        // One works contract cut into payments just under the 5,000-yuan approval limit.
        let start = random_day(rng, year).min(NaiveDate::from_ymd_opt(year, 12, 10).unwrap_or(NaiveDate::MIN));
        let builder = parties.pick(rng, Party::Builder);
        let description = SPLIT_WORKS.descriptions.choose(rng).copied().unwrap_or("付工程款");
        for _ in 0..splits {
            let on = start + Duration::days(rng.gen_range(0..18));
            let fen = rng.gen_range(450..=499) * 1_000;
            push(rng, &mut drafts, &SPLIT_WORKS, on, fen, builder);
            if let Some(d) = drafts.last_mut() {
                d.description = description;
            }
        }
    }
    let year_end = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(NaiveDate::MAX);
    for _ in 0..duplicates {
        // The same payment posted again a few days later.
        let Some(original) = drafts
            .iter()
            .filter(|d| !d.template.income)
            .nth(rng.gen_range(0..regular.max(1) / 2))
        else {
            continue;
        };
        let (t, fen, who, description) = (
            original.template,
            original.amount_fen,
            original.counterparty,
            original.description,
        );
        let on = (original.on + Duration::days(rng.gen_range(1..15))).min(year_end);
        push(rng, &mut drafts, t, on, fen, who);
        if let Some(d) = drafts.last_mut() {
            d.description = description;
        }
    }
    for _ in 0..reversals {
        let i = rng.gen_range(TRANSFERS..regular.max(TRANSFERS + 1));
        // Only payments are reversed: reversing an income takes money out, which could overdraw.
        let Some(original) = drafts.get(i).filter(|d| d.reverses.is_none() && !d.template.income) else {
            continue;
        };
        if drafts
            .iter()
            .any(|d| d.reverses.as_deref() == Some(original.id.as_str()))
        {
            continue;
        }
        let (t, fen, who, description, id) = (
            original.template,
            -original.amount_fen,
            original.counterparty,
            original.description,
            original.id.clone(),
        );
        let on = (original.on + Duration::days(rng.gen_range(0..6))).min(year_end);
        push(rng, &mut drafts, t, on, fen, who);
        if let Some(d) = drafts.last_mut() {
            d.description = description;
            d.reverses = Some(id);
            d.reason = REVERSAL_REASONS.choose(rng).copied();
        }
    }
    // A duplicate or reversal that found no original leaves room for an ordinary line.
    while drafts.len() < k {
        let t = mix.pick(rng);
        let (on, fen, who) = (random_day(rng, year), amount_fen(rng, t), parties.pick(rng, t.party));
        push(rng, &mut drafts, t, on, fen, who);
    }
    // Last, so no reversal or duplicate copies a transfer's amount before it is raised
    // (neither ever picks a transfer anyway).
    top_up_transfers(&mut drafts);
    drafts
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

/// All the lines of one village over `years`, `k` a year, in posting order (date, then
/// creation), vouchers numbered `YYYY-NNNN` per year. Neither cash nor bank ever goes negative.
pub fn village_entries<'a>(
    rng: &mut ChaCha8Rng,
    parties: &Parties<'a>,
    years: std::ops::RangeInclusive<i32>,
    k: usize,
    opening: (i64, i64),
) -> Vec<GenEntry<'a>> {
    let mix = Mix::for_village(rng);
    let mut out = Vec::with_capacity(k * years.clone().count());
    let mut funds = Funds {
        cash: opening.0,
        bank: opening.1,
    };
    for year in years {
        let mut drafts = drafts_of_year(rng, &mix, parties, year, k);
        drafts.sort_by_key(|d| (d.on, d.order));
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
            let posted_at = (d.on + Duration::days(rng.gen_range(0..4)))
                .and_time(NaiveTime::from_hms_opt(0, 30, 0).unwrap_or(NaiveTime::MIN))
                + Duration::seconds(rng.gen_range(0..9 * 3600));
            if reversed.contains(&d.id) {
                settled_by.insert(d.id.clone(), settlement);
            }
            out.push(GenEntry {
                id: d.id,
                fiscal_year: year,
                period: format!("{year}-{:02}", d.on.month()),
                voucher_no: format!("{year}-{:04}", n + 1),
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
                project: t.project,
                fund_source: t.fund_source,
                reverses: d.reverses,
                reversal_reason: d.reason,
            });
        }
    }
    out
}
