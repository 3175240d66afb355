//! The near misses every generated village has, planted or not: payments that look like an
//! irregularity to a careless rule and are not one.
//!
//! - **Standing monthly payments** (repeat monthly wages): one or two cleaners paid the same wage
//!   every month, in cash, on the first working day from the 15th (a whole hundred from 1,800
//!   to 2,600 yuan, so about one village in nine pays a round 2,000 in cash: a legitimate round
//!   payment); from 400 lines a year on, also three to five cadres' basic pay (a whole hundred
//!   from 2,500 to 4,000 yuan, some of them whole thousands, by bank, from the 20th) and the
//!   refuse-collection contract (one firm, a whole hundred from 1,500 to 4,500 yuan, by bank,
//!   from the 25th). The amounts stay the same over every year of the village.
//! - **Monthly bills**: street lights, the office's power and water, telephone and broadband,
//!   each paid once a month from the 5th (from 200 lines a year on), a different exact amount
//!   every month, the two power bills to the same power company.
//! - **Yearly taxes** (from 200 lines a year on): seven villages in ten own buildings and pay
//!   property and land-use tax half-yearly, in May and November, the same exact amount both
//!   halves; every village pays its villagers' medical insurance to the tax office once a year,
//!   in late November. Both go to the one tax office, weeks or months apart.
//! - **Holiday duty allowances**: from 50 lines a year on, two cadres on duty on the first day of
//!   the Spring Festival and of the National Day holidays are paid a duty allowance (200–400
//!   yuan, in cash) dated on the holiday itself — spending on a day off that is not hospitality.

use std::borrow::Cow;

use chrono::{Datelike, NaiveDate};
use rand::Rng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use super::draft::Drafts;
use super::draw::{Parties, amount_fen, working_day_from};
use super::templates::{
    BILLS, CADRE_PAY, CLEANER_WAGE, DUTY_ALLOWANCE, MEDICAL_INSURANCE, PROPERTY_TAX, REFUSE_CONTRACT, Template,
};

const EVERY_MONTH: &[u32] = &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];

/// How a standing payment's amount is set.
enum Amount {
    /// The same every time, over every year.
    Fixed(i64),
    /// Drawn every time (a bill).
    EachTime,
    /// Drawn once a year, the same in each of its months (a tax paid in halves).
    EachYear,
}

/// One standing payment: what, to whom, how much, in which months from which day.
pub struct Standing<'a> {
    template: &'static Template,
    who: &'a str,
    amount: Amount,
    months: &'static [u32],
    from_day: u32,
}

/// The village's standing payments, drawn once for all its years.
pub fn standing<'a>(rng: &mut ChaCha8Rng, parties: &Parties<'a>, k: usize) -> Vec<Standing<'a>> {
    let mut out = Vec::new();
    if k < 50 {
        return out;
    }
    let cleaners = if k >= 400 { rng.gen_range(1..=2) } else { 1 };
    let villagers = &parties.people.villagers;
    for who in villagers.choose_multiple(rng, cleaners) {
        out.push(Standing {
            template: &CLEANER_WAGE,
            who,
            amount: Amount::Fixed(rng.gen_range(18..=26) * 10_000),
            months: EVERY_MONTH,
            from_day: 15,
        });
    }
    if k >= 200 {
        for bill in &BILLS {
            out.push(Standing {
                template: bill,
                who: parties.pick(rng, bill.party),
                amount: Amount::EachTime,
                months: EVERY_MONTH,
                from_day: 5,
            });
        }
        if rng.gen_range(0..100) < 70 {
            out.push(Standing {
                template: &PROPERTY_TAX,
                who: parties.pick(rng, PROPERTY_TAX.party),
                amount: Amount::EachYear,
                months: &[5, 11],
                from_day: 10,
            });
        }
        out.push(Standing {
            template: &MEDICAL_INSURANCE,
            who: parties.pick(rng, MEDICAL_INSURANCE.party),
            amount: Amount::EachYear,
            months: &[11],
            from_day: 25,
        });
    }
    if k >= 400 {
        let cadres = &parties.people.cadres;
        let n = rng.gen_range(3..=5).min(cadres.len());
        for who in cadres.choose_multiple(rng, n) {
            out.push(Standing {
                template: &CADRE_PAY,
                who,
                amount: Amount::Fixed(rng.gen_range(25..=40) * 10_000),
                months: EVERY_MONTH,
                from_day: 20,
            });
        }
        out.push(Standing {
            template: &REFUSE_CONTRACT,
            who: parties.pick(rng, REFUSE_CONTRACT.party),
            amount: Amount::Fixed(rng.gen_range(15..=45) * 10_000),
            months: EVERY_MONTH,
            from_day: 25,
        });
    }
    out
}

/// Lines `standing` and the duty allowances add to a year.
pub fn lines_a_year(standing: &[Standing<'_>], k: usize) -> usize {
    standing.iter().map(|s| s.months.len()).sum::<usize>() + if k >= 50 { 4 } else { 0 }
}

/// The first day of the holiday period named `name` in `year`, by the official calendar.
fn first_holiday(year: i32, name: &str) -> Option<NaiveDate> {
    let mut day = NaiveDate::from_ymd_opt(year, 1, 1)?;
    while day.year() == year {
        if crate::crosscheck::holidays::holiday_name(day) == Some(name) {
            return Some(day);
        }
        day = day.succ_opt()?;
    }
    None
}

/// Adds a year of standing payments and duty allowances to `drafts`.
pub fn add_year<'a>(
    rng: &mut ChaCha8Rng,
    parties: &Parties<'a>,
    standing: &[Standing<'a>],
    year: i32,
    k: usize,
    drafts: &mut Drafts<'a>,
) {
    for s in standing {
        let yearly = match s.amount {
            Amount::EachYear => amount_fen(rng, s.template),
            _ => 0,
        };
        for &month in s.months {
            let on = NaiveDate::from_ymd_opt(year, month, s.from_day).map_or(NaiveDate::MIN, working_day_from);
            let fen = match s.amount {
                Amount::Fixed(fen) => fen,
                Amount::EachTime => amount_fen(rng, s.template),
                Amount::EachYear => yearly,
            };
            drafts.push(rng, s.template, on, fen, Cow::Borrowed(s.who)).fixed = true;
        }
    }
    if k < 50 {
        return;
    }
    // Spring Festival and National Day; outside the calendar's years, Feb 1 and Oct 1 off days.
    for (name, fallback) in [("春节", (2, 1)), ("国庆节", (10, 1))] {
        let on = first_holiday(year, name)
            .or_else(|| NaiveDate::from_ymd_opt(year, fallback.0, fallback.1))
            .unwrap_or(NaiveDate::MIN);
        let on_duty: Vec<&'a str> = parties
            .people
            .cadres
            .choose_multiple(rng, 2)
            .map(String::as_str)
            .collect();
        for who in on_duty {
            let fen = rng.gen_range(2..=4) * 10_000;
            let who = Cow::Borrowed(who);
            drafts.push(rng, &DUTY_ALLOWANCE, on, fen, who).fixed = true;
        }
    }
}
