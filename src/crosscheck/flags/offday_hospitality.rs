//! `offday_hospitality`: hospitality (招待/接待) spending dated on a weekend or public holiday,
//! judged by China's holiday calendar with its make-up working days (调休), which is data per
//! year; a year the calendar does not cover is judged by weekends alone, and the flag says so.
//!
//! How an insider would get around it, and what closes it:
//!
//! - *Another word for the dinner* (工作餐费, 宴请, 酒水): meals, banquets and drinks count as
//!   hospitality, and so does any payment to a restaurant (酒楼, 饭店, 菜馆, 农家乐 …), unless
//!   it is a duty or emergency meal (值班, 加班, 防汛, 抗台, 应急, 抢险, 误餐补助), which
//!   holiday duty legitimately brings.
//! - *A working day written instead of the holiday*: not closed. The ledger has only the date the
//!   clerk wrote; an invoice QR code dated far from it flags as `invoice_mismatch`.
//! - *A month boundary, two villages, a second spelling, a reversal and re-post*: each payment is
//!   judged on its own date, so none of them changes anything.

use crate::i18n::Msg;
use crate::msg;
use chrono::Datelike;
use serde_json::json;

use super::{Context, Flag, Rule, Severity, describe};
use crate::crosscheck::book::{Book, Parties};
use crate::crosscheck::holidays;

pub struct OffdayHospitality;

/// Words of a meal or drinks paid for.
const MEAL_WORDS: [&str; 4] = ["餐", "宴", "酒水", "烟酒"];
/// Words of a restaurant's name.
const RESTAURANT_WORDS: [&str; 9] = [
    "酒楼",
    "酒店",
    "饭店",
    "菜馆",
    "餐厅",
    "餐馆",
    "食府",
    "农家乐",
    "大排档",
];
/// Words of a meal that duty or an emergency brings.
const DUTY_WORDS: [&str; 8] = ["值班", "加班", "防汛", "抗台", "抗旱", "应急", "抢险", "误餐"];

fn has_any(text: &str, words: &[&str]) -> bool {
    words.iter().any(|w| text.contains(w))
}

/// Whether a description is of hospitality: 招待/接待, or a meal, banquet or drinks that are not
/// a duty or emergency meal.
pub fn is_hospitality(description: &str) -> bool {
    has_any(description, &["招待", "接待"]) || (has_any(description, &MEAL_WORDS) && !has_any(description, &DUTY_WORDS))
}

/// Whether a payment is for hospitality: its description says so, or it went to a restaurant
/// for anything but a duty or emergency meal.
pub fn is_hospitality_payment(description: &str, counterparty: &str) -> bool {
    is_hospitality(description) || (has_any(counterparty, &RESTAURANT_WORDS) && !has_any(description, &DUTY_WORDS))
}

impl Rule for OffdayHospitality {
    fn name(&self) -> &'static str {
        "offday_hospitality"
    }

    fn check_village(&self, book: &Book, _parties: &Parties, cx: &Context, out: &mut Vec<Flag>) {
        for item in &book.items {
            let day = item.occurred_on;
            let kind = holidays::day_kind(day);
            let weekend = matches!(day.weekday(), chrono::Weekday::Sat | chrono::Weekday::Sun);
            // The day first: most payments fall on working days, and the words take longer.
            let maybe_off = weekend || kind.is_some_and(|k| k != holidays::DayKind::Workday);
            if !maybe_off
                || !item.is_expense()
                || !item.is_live()
                || !is_hospitality_payment(&item.description, &item.counterparty)
            {
                continue;
            }
            // `why` is the figure (data, English); `day_text` the explanation's words.
            let (off, calendar) = match kind {
                Some(holidays::DayKind::Holiday) => {
                    let holiday = holidays::holiday_name(day).unwrap_or("法定节假日");
                    (
                        Some((
                            format!("a public holiday ({holiday})"),
                            msg!("flag-day-holiday", holiday = holiday),
                        )),
                        "holidays",
                    )
                }
                Some(holidays::DayKind::Weekend) => (
                    Some((format!("a {}", day.weekday()), weekday(day.weekday()))),
                    "holidays",
                ),
                Some(_) => (None, "holidays"),
                None => (
                    weekend.then(|| (format!("a {}", day.weekday()), weekday(day.weekday()))),
                    "weekends only",
                ),
            };
            let Some((why, day_text)) = off else {
                continue;
            };
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

#[cfg(test)]
mod tests {
    use super::{is_hospitality, is_hospitality_payment};

    #[test]
    fn meals_and_restaurants_are_hospitality_and_duty_meals_are_not() {
        for d in [
            "招待县检查组用餐",
            "村务接待餐费",
            "村务工作餐费",
            "宴请施工方",
            "购接待用烟酒",
        ] {
            assert!(is_hospitality(d), "{d}");
        }
        for d in ["国庆值班人员误餐费", "防汛值班餐费", "购买办公用品", "国庆值班补贴"] {
            assert!(!is_hospitality(d), "{d}");
        }
        assert!(is_hospitality_payment("村务会务费", "三门湾海鲜酒楼"));
        assert!(!is_hospitality_payment("国庆值班误餐补助", "海游老街农家菜馆"));
        assert!(!is_hospitality_payment("购买办公用品", "海游百货文具店"));
    }
}
