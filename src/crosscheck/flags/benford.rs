//! `benford`: the first digits of expense amounts, two ways.
//!
//! - *A township's (and, for a county-wide run, the county's) amounts against Benford's law*,
//!   with Nigrini's mean-absolute-deviation conformity bands (first digit 0.006 / 0.012 /
//!   0.015; first two digits 0.0012 / 0.0018 / 0.0022). A test runs only on at least 500
//!   amounts spanning two orders of magnitude; it flags marginal conformity (low) and
//!   nonconformity (medium), naming the most over-represented digits.
//! - *A village's year against the village's other years* (`figures.test` "first digit against
//!   the other years"): one village's amounts follow its own mix of wages, bills and purchases,
//!   not Benford's law, so the village is its own baseline. A year with at least 500 amounts
//!   whose first digits differ from the pooled other years of the window (with at least 500
//!   amounts too) by a chi-square above 37.33 (8 degrees of freedom, p < 10⁻⁵) flags (medium).
//!   The most deviant year is judged first and, once flagged, leaves the baseline, so one year
//!   of made-up amounts does not make the village's other years look unlike the rest.
//!
//! Population tests: one insider's few amounts barely move a township's distribution, so the
//! township test points to where amounts were made up in bulk across villages; the year test
//! finds a village-year whose amounts were made up in bulk (a year's small payments given
//! invented amounts). What it gives up: a handful of invented amounts, a village whose window
//! holds one year only, and a village that invents every year alike (its years agree; the
//! township test may still see it). A village whose spending truly changed in kind from one
//! year to the next (a new wage scale, a year of large works) shows too; the flag names the
//! digits that moved, and the inspector judges. The sidesteps of single payments are the other
//! rules' part.

use crate::i18n::{Arg, Msg};
use crate::msg;
use std::collections::BTreeMap;

use serde_json::json;

use super::{Context, Flag, Rule, ScopeFacts, Severity};
use crate::crosscheck::book::{Book, Parties};

pub struct Benford;

/// Chi-square (8 degrees of freedom) above which a village-year's first digits differ from its
/// other years': p < 10⁻⁵, so about one false flag in 100,000 village-years whose amounts come
/// from one unchanged mix.
const YEAR_CHI2: f64 = 37.33;

/// First-digit counts, index 1–9.
type Digits = [usize; 10];

/// Chi-square of the homogeneity of two first-digit distributions (8 degrees of freedom).
fn homogeneity(year: &Digits, others: &Digits) -> f64 {
    let (n, m) = (year.iter().sum::<usize>() as f64, others.iter().sum::<usize>() as f64);
    let mut chi = 0.0;
    for d in 1..=9 {
        let (a, b) = (year[d] as f64, others[d] as f64);
        let t = a + b;
        if t == 0.0 {
            continue;
        }
        let (ea, eb) = (t * n / (n + m), t * m / (n + m));
        chi += (a - ea).powi(2) / ea + (b - eb).powi(2) / eb;
    }
    chi
}

/// One test's outcome.
struct Test {
    mad: f64,
    band: &'static str,
    /// `(digits, observed share, expected share)`, most over-represented first.
    over: Vec<(u32, f64, f64)>,
}

/// Leading `digits` (1 or 2) significant digits of a positive amount.
fn leading(amount: i64, digits: u32) -> Option<u32> {
    let mut a = amount.unsigned_abs();
    let floor = 10u64.pow(digits - 1);
    if a < floor {
        return None;
    }
    while a >= floor * 10 {
        a /= 10;
    }
    Some(a as u32)
}

fn test(amounts: &[i64], digits: u32, bands: [f64; 3]) -> Option<Test> {
    let (lo, hi) = (10u32.pow(digits - 1), 10u32.pow(digits) - 1);
    let mut counts = vec![0usize; (hi + 1) as usize];
    let mut n = 0usize;
    for d in amounts.iter().filter_map(|a| leading(*a, digits)) {
        counts[d as usize] += 1;
        n += 1;
    }
    if n == 0 {
        return None;
    }
    let mut mad = 0.0;
    let mut over = Vec::new();
    for d in lo..=hi {
        let expected = (1.0 + 1.0 / f64::from(d)).log10();
        let observed = counts[d as usize] as f64 / n as f64;
        mad += (observed - expected).abs();
        if observed > expected {
            over.push((d, observed, expected));
        }
    }
    mad /= f64::from(hi - lo + 1);
    let over = most_over(over);
    let band = if mad <= bands[0] {
        "close conformity"
    } else if mad <= bands[1] {
        "acceptable conformity"
    } else if mad <= bands[2] {
        "marginally acceptable conformity"
    } else {
        "nonconformity"
    };
    Some(Test { mad, band, over })
}

/// The three most over-represented of `(digits, observed share, expected share)`.
fn most_over(mut over: Vec<(u32, f64, f64)>) -> Vec<(u32, f64, f64)> {
    over.sort_by(|a, b| (b.1 - b.2).total_cmp(&(a.1 - a.2)).then(a.0.cmp(&b.0)));
    over.truncate(3);
    over
}

/// `(digits, observed share, expected share)` in words.
fn digit_words(over: &[(u32, f64, f64)]) -> Vec<Msg> {
    over.iter()
        .map(|(d, o, e)| {
            msg!(
                "flag-benford-digit",
                digits = d.to_string(),
                observed = format!("{:.1}", o * 100.0),
                expected = format!("{:.1}", e * 100.0)
            )
        })
        .collect()
}

fn round(x: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (x * f).round() / f
}

impl Benford {
    fn check(&self, label: Arg, township: Option<&str>, amounts: &[i64], cx: &Context, out: &mut Vec<Flag>) {
        let positive: Vec<i64> = amounts.iter().copied().filter(|a| *a > 0).collect();
        let (Some(min), Some(max)) = (positive.iter().min(), positive.iter().max()) else {
            return;
        };
        if positive.len() < cx.settings.benford_min_amounts || *max < min.saturating_mul(100) {
            return;
        }
        for (digits, name, bands) in [
            (1, "first digit", [0.006, 0.012, 0.015]),
            (2, "first two digits", [0.0012, 0.0018, 0.0022]),
        ] {
            let Some(t) = test(&positive, digits, bands) else {
                continue;
            };
            let severity = match t.band {
                "nonconformity" => Severity::Medium,
                "marginally acceptable conformity" => Severity::Low,
                _ => continue,
            };
            let over = digit_words(&t.over);
            let test_name = if digits == 1 {
                msg!("flag-benford-first-digit")
            } else {
                msg!("flag-benford-first-two-digits")
            };
            let band = if t.band == "nonconformity" {
                msg!("flag-benford-nonconformity")
            } else {
                msg!("flag-benford-marginal")
            };
            out.push(Flag {
                rule: self.name(),
                severity,
                village_code: None,
                village_name: None,
                township_code: township.map(str::to_owned),
                entry_ids: Vec::new(),
                receipt_ids: Vec::new(),
                occurred_on: None,
                explanation: msg!(
                    "flag-benford",
                    test = test_name,
                    scope = label.clone(),
                    count = positive.len(),
                    band = band,
                    mad = format!("{:.4}", t.mad),
                    over = over
                ),
                figures: json!({
                    "test": name,
                    "amounts": positive.len(),
                    "mad": round(t.mad, 5),
                    "band": t.band,
                    "band_limits": bands,
                    "over_represented": t.over.iter().map(|(d, o, e)| json!({
                        "digits": d, "observed": round(*o, 4), "expected": round(*e, 4)
                    })).collect::<Vec<_>>(),
                }),
            });
        }
    }

    /// The flag of a village-year whose first digits differ from the village's other years.
    fn year_flag(
        &self,
        book: &Book,
        cx: &Context,
        year: i32,
        chi: f64,
        (digits, others): (&Digits, &Digits),
        first: chrono::NaiveDate,
    ) -> Flag {
        let (n, m) = (digits.iter().sum::<usize>(), others.iter().sum::<usize>());
        let over = most_over(
            (1..=9)
                .map(|d| (d as u32, digits[d] as f64 / n as f64, others[d] as f64 / m as f64))
                .filter(|(_, o, e)| o > e)
                .collect(),
        );
        let words = digit_words(&over);
        let mut flag = cx.flag(
            self.name(),
            Severity::Medium,
            book.village,
            &[],
            msg!(
                "flag-benford-year",
                village = cx.village_name(book.village),
                year = year.to_string(),
                count = n,
                others = m,
                chi = format!("{chi:.1}"),
                critical = format!("{YEAR_CHI2:.2}"),
                over = words
            ),
            json!({
                "test": "first digit against the other years",
                "fiscal_year": year,
                "amounts": n,
                "other_years_amounts": m,
                "chi_square": round(chi, 2),
                "critical_chi_square": YEAR_CHI2,
                "over_represented": over.iter().map(|(d, o, e)| json!({
                    "digits": d, "observed": round(*o, 4), "other_years": round(*e, 4)
                })).collect::<Vec<_>>(),
            }),
        );
        flag.occurred_on = Some(first);
        flag
    }
}

impl Rule for Benford {
    fn name(&self) -> &'static str {
        "benford"
    }

    fn check_village(&self, book: &Book, _parties: &Parties, cx: &Context, out: &mut Vec<Flag>) {
        let min = cx.settings.benford_min_amounts;
        let mut years: BTreeMap<i32, (Digits, chrono::NaiveDate)> = BTreeMap::new();
        for item in book
            .items
            .iter()
            .filter(|i| i.is_expense() && i.is_live() && i.amount_fen > 0)
        {
            let Some(d) = leading(item.amount_fen, 1) else { continue };
            let year = years.entry(item.fiscal_year).or_insert(([0; 10], item.occurred_on));
            year.0[d as usize] += 1;
            year.1 = year.1.min(item.occurred_on);
        }
        // The most deviant year first; a flagged year leaves the baseline, so one year of
        // made-up amounts does not make the village's other years look unlike the rest.
        loop {
            let mut all: Digits = [0; 10];
            for (digits, _) in years.values() {
                for d in 1..=9 {
                    all[d] += digits[d];
                }
            }
            let mut worst: Option<(i32, f64, Digits)> = None;
            for (year, (digits, _)) in &years {
                let mut others = all;
                for d in 1..=9 {
                    others[d] -= digits[d];
                }
                if digits.iter().sum::<usize>() < min || others.iter().sum::<usize>() < min {
                    continue;
                }
                let chi = homogeneity(digits, &others);
                if chi > YEAR_CHI2 && worst.is_none_or(|(_, w, _)| chi > w) {
                    worst = Some((*year, chi, others));
                }
            }
            let Some((year, chi, others)) = worst else { break };
            let Some((digits, first)) = years.remove(&year) else {
                break;
            };
            out.push(self.year_flag(book, cx, year, chi, (&digits, &others), first));
        }
    }

    fn check_scope(&self, facts: &ScopeFacts, cx: &Context, out: &mut Vec<Flag>) {
        let mut by_township: BTreeMap<(&str, &str), Vec<i64>> = BTreeMap::new();
        for (village, amount) in &facts.expense_amounts {
            if let Some(v) = cx.scope.villages.get(*village) {
                by_township
                    .entry((v.township_code.as_str(), v.township_name.as_str()))
                    .or_default()
                    .push(*amount);
            }
        }
        for ((code, name), amounts) in &by_township {
            self.check(Arg::from(*name), Some(code), amounts, cx, out);
        }
        if cx.scope.kind == crate::crosscheck::ScopeKind::County && by_township.len() > 1 {
            let all: Vec<i64> = facts.expense_amounts.iter().map(|(_, a)| *a).collect();
            self.check(msg!("flag-benford-county").into(), None, &all, cx, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{leading, test};

    #[test]
    fn leading_digits_of_amounts() {
        assert_eq!(leading(386_000, 1), Some(3));
        assert_eq!(leading(386_000, 2), Some(38));
        assert_eq!(leading(7, 2), None);
    }

    #[test]
    fn benford_sample_conforms_and_uniform_does_not() {
        // Amounts 10^(k/1000) for k over three decades follow Benford's law closely.
        let benford: Vec<i64> = (0..3000)
            .map(|k| (1000.0 * 10f64.powf(f64::from(k) / 1000.0)) as i64)
            .collect();
        let t = test(&benford, 1, [0.006, 0.012, 0.015]).unwrap();
        assert_eq!(t.band, "close conformity", "MAD {}", t.mad);
        let uniform: Vec<i64> = (1..=3000).map(|k| 100_000 + k * 300).collect();
        let t = test(&uniform, 1, [0.006, 0.012, 0.015]).unwrap();
        assert_eq!(t.band, "nonconformity", "MAD {}", t.mad);
    }
}
