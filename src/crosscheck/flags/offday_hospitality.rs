//! `offday_hospitality`: hospitality (招待/接待) spending dated on a weekend or public holiday,
//! judged by China's holiday calendar with its make-up working days (调休), which is data per
//! year; a year the calendar does not cover is judged by weekends alone, and the flag says so.

use crate::i18n::Msg;
use crate::msg;
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
            let holiday = holidays::holiday_name(day).unwrap_or("法定节假日");
            let (off, why, calendar) = match holidays::day_kind(day) {
                Some(holidays::DayKind::Holiday) => (true, format!("a public holiday ({holiday})"), "holidays"),
                Some(holidays::DayKind::Weekend) => (true, format!("a {}", day.weekday()), "holidays"),
                Some(_) => (false, String::new(), "holidays"),
                None => (weekend, format!("a {}", day.weekday()), "weekends only"),
            };
            let day_text = match holidays::day_kind(day) {
                Some(holidays::DayKind::Holiday) => msg!("flag-day-holiday", holiday = holiday),
                _ => weekday(day.weekday()),
            };
            if !off {
                continue;
            }
            out.push(cx.flag(
                self.name(),
                Severity::Medium,
                book.village,
                &[item],
                msg!(
                    "flag-offday-hospitality",
                    entry = describe(item),
                    description = item.description.as_str(),
                    day = day_text
                ),
                json!({"occurred_on": day, "weekday": day.weekday().to_string(), "day": why, "calendar": calendar}),
            ));
        }
    }
}

/// A day of the week, as people name it.
fn weekday(day: chrono::Weekday) -> Msg {
    match day {
        chrono::Weekday::Mon => msg!("weekday-mon"),
        chrono::Weekday::Tue => msg!("weekday-tue"),
        chrono::Weekday::Wed => msg!("weekday-wed"),
        chrono::Weekday::Thu => msg!("weekday-thu"),
        chrono::Weekday::Fri => msg!("weekday-fri"),
        chrono::Weekday::Sat => msg!("weekday-sat"),
        chrono::Weekday::Sun => msg!("weekday-sun"),
    }
}
