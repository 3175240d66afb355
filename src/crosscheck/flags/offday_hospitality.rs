//! `offday_hospitality`: hospitality (招待/接待) spending dated on a weekend or public holiday,
//! judged by China's holiday calendar with its make-up working days (调休), which is data per
//! year; a year the calendar does not cover is judged by weekends alone, and the flag says so.

use chrono::Datelike;
use serde_json::json;

use super::{Context, Flag, Rule, Severity, describe};
use crate::crosscheck::book::{Book, Parties};
use crate::crosscheck::holidays;

pub struct OffdayHospitality;

/// Whether a description is of hospitality (招待/接待).
pub fn is_hospitality(description: &str) -> bool {
    ["招待", "接待"].iter().any(|w| description.contains(w))
}

impl Rule for OffdayHospitality {
    fn name(&self) -> &'static str {
        "offday_hospitality"
    }

    fn check_village(&self, book: &Book, _parties: &Parties, cx: &Context, out: &mut Vec<Flag>) {
        for item in &book.items {
            if !item.is_expense() || !item.is_live() || !is_hospitality(&item.description) {
                continue;
            }
            let day = item.occurred_on;
            let weekend = matches!(day.weekday(), chrono::Weekday::Sat | chrono::Weekday::Sun);
            let (off, why, calendar) = match holidays::day_kind(day) {
                Some(holidays::DayKind::Holiday) => (
                    true,
                    format!(
                        "a public holiday ({})",
                        holidays::holiday_name(day).unwrap_or("法定节假日")
                    ),
                    "holidays",
                ),
                Some(holidays::DayKind::Weekend) => (true, format!("a {}", day.weekday()), "holidays"),
                Some(_) => (false, String::new(), "holidays"),
                None => (weekend, format!("a {}", day.weekday()), "weekends only"),
            };
            if !off {
                continue;
            }
            out.push(cx.flag(
                self.name(),
                Severity::Medium,
                book.village,
                &[item],
                format!(
                    "Hospitality spending of {} (\"{}\") is dated on {why}, when the village office is closed.",
                    describe(item),
                    item.description
                ),
                json!({"occurred_on": day, "weekday": day.weekday().to_string(), "day": why, "calendar": calendar}),
            ));
        }
    }
}
