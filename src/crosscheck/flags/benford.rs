//! `benford`: the first digits of a township's (and, for a county-wide run, the county's)
//! expense amounts against Benford's law, with Nigrini's mean-absolute-deviation conformity
//! bands (first digit 0.006 / 0.012 / 0.015; first two digits 0.0012 / 0.0018 / 0.0022). A test
//! runs only on at least 500 amounts spanning two orders of magnitude; it flags marginal
//! conformity (low) and nonconformity (medium), naming the most over-represented digits.
//!
//! A population test: one insider's few amounts barely move a township's distribution, so it is
//! no rule to sidestep but a pointer to where amounts were made up in bulk; the sidesteps of
//! single payments are the other rules' part.

use crate::i18n::{Arg, Msg};
use crate::msg;
use std::collections::BTreeMap;

use serde_json::json;

use super::{Context, Flag, Rule, ScopeFacts, Severity};

pub struct Benford;

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
    over.sort_by(|a, b| (b.1 - b.2).total_cmp(&(a.1 - a.2)).then(a.0.cmp(&b.0)));
    over.truncate(3);
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
            let over: Vec<Msg> = t
                .over
                .iter()
                .map(|(d, o, e)| {
                    msg!(
                        "flag-benford-digit",
                        digits = d.to_string(),
                        observed = format!("{:.1}", o * 100.0),
                        expected = format!("{:.1}", e * 100.0)
                    )
                })
                .collect();
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
}

impl Rule for Benford {
    fn name(&self) -> &'static str {
        "benford"
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
