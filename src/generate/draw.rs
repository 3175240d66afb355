//! What one line draws: its kind from the village's mix, its day, its amount and its
//! counterparty.

use chrono::{Datelike, NaiveDate};
use rand::Rng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use super::catalogue::TEMPLATES;
use super::places::{FirmPools, People};
use super::templates::{Party, TRANSFER, Template};

/// Lines per month weigh less in February (Spring Festival) and more in December (year end).
const MONTH_WEIGHTS: [u32; 12] = [9, 5, 8, 8, 8, 8, 8, 8, 8, 8, 8, 11];

/// The same `en_` + 24 hex digits as ids the app makes.
pub(super) fn new_id(rng: &mut ChaCha8Rng) -> String {
    format!("en_{:024x}", rng.r#gen::<u128>() >> 32)
}

/// Whether nobody works at the village office on `day`: by the official calendar (调休
/// included), and by the weekday in a year the calendar does not cover.
pub(super) fn is_off_day(day: NaiveDate) -> bool {
    crate::crosscheck::holidays::is_off_day(day)
        .unwrap_or_else(|| matches!(day.weekday(), chrono::Weekday::Sat | chrono::Weekday::Sun))
}

/// `day` or the first working day after it (within its year when there is one).
pub(super) fn working_day_from(day: NaiveDate) -> NaiveDate {
    let mut d = day;
    for _ in 0..14 {
        if !is_off_day(d) {
            return d;
        }
        d = d.succ_opt().unwrap_or(d);
    }
    day
}

/// A random working day of `year`: what the village office pays, it pays on working days.
pub(super) fn random_working_day(rng: &mut ChaCha8Rng, year: i32) -> NaiveDate {
    let mut day = random_day(rng, year);
    for _ in 0..16 {
        if !is_off_day(day) {
            break;
        }
        day = random_day(rng, year);
    }
    day
}

/// A random weekend day or holiday of `year`, before December 20 (room for what follows it).
pub(super) fn random_off_day(rng: &mut ChaCha8Rng, year: i32) -> NaiveDate {
    let mut day = random_day(rng, year);
    for _ in 0..64 {
        if is_off_day(day) && day.month() < 12 {
            break;
        }
        day = random_day(rng, year);
    }
    day
}

pub(super) fn random_day(rng: &mut ChaCha8Rng, year: i32) -> NaiveDate {
    let total: u32 = MONTH_WEIGHTS.iter().sum();
    let mut roll = rng.gen_range(0..total);
    let mut month = 1;
    for (i, w) in MONTH_WEIGHTS.iter().enumerate() {
        if roll < *w {
            month = i as u32 + 1;
            break;
        }
        roll -= w;
    }
    NaiveDate::from_ymd_opt(year, month, rng.gen_range(1..=28)).unwrap_or(NaiveDate::MIN)
}

/// A log-normal amount around the template's median, in fen. The sample is drawn in floating
/// point (Box–Muller) only to shape the distribution; what is stored is integer fen, rounded as
/// a clerk writes it: mostly whole yuan, larger sums often to tens or hundreds of yuan.
pub(super) fn amount_fen(rng: &mut ChaCha8Rng, t: &Template) -> i64 {
    let u1: f64 = rng.gen_range(f64::EPSILON..1.0);
    let u2: f64 = rng.r#gen();
    let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
    let sigma = f64::from(t.spread) / 100.0;
    let yuan = (t.median_yuan as f64 * (sigma * z.clamp(-3.5, 3.5)).exp()).max(1.0);
    let fen = (yuan * 100.0).round() as i64;
    if t.exact || rng.gen_bool(0.08) {
        return fen.max(1);
    }
    let unit = match fen {
        f if f >= 1_000_000 && rng.gen_bool(0.6) => 10_000,
        f if f >= 100_000 && rng.gen_bool(0.5) => 1_000,
        _ => 100,
    };
    ((fen + unit / 2) / unit).max(1) * unit
}

/// The templates of one village, each weighed by how much this village uses it.
pub struct Mix {
    templates: Vec<(&'static Template, u32)>,
    total: u32,
}

impl Mix {
    pub fn for_village(rng: &mut ChaCha8Rng) -> Mix {
        let templates: Vec<(&'static Template, u32)> = TEMPLATES
            .iter()
            .filter_map(|t| {
                let used = rng.gen_range(0..100) < t.share;
                used.then(|| (t, (t.weight * rng.gen_range(30..=170) / 100).max(1)))
            })
            .collect();
        let total = templates.iter().map(|(_, w)| w).sum();
        Mix { templates, total }
    }

    pub(super) fn pick(&self, rng: &mut ChaCha8Rng) -> &'static Template {
        let mut roll = rng.gen_range(0..self.total.max(1));
        for (t, w) in &self.templates {
            if roll < *w {
                return t;
            }
            roll -= w;
        }
        &TRANSFER
    }
}

/// Where a village's counterparties come from.
pub struct Parties<'a> {
    pub people: &'a People,
    pub firms: &'a FirmPools,
}

impl<'a> Parties<'a> {
    pub(super) fn pick(&self, rng: &mut ChaCha8Rng, party: Party) -> &'a str {
        let list: &'a [String] = match party {
            Party::Villager => &self.people.villagers,
            Party::Labourer => &self.people.labourers,
            Party::Cadre => &self.people.cadres,
            Party::Builder => &self.firms.builders,
            Party::Shop => &self.firms.shops,
            Party::Restaurant => &self.firms.restaurants,
            Party::Tenant => &self.firms.tenants,
            Party::Fixed(names) => return names.choose(rng).copied().unwrap_or("三门县财政局"),
        };
        list.choose(rng).map(String::as_str).unwrap_or("三门县财政局")
    }
}
