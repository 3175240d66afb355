//! China's public holidays and make-up working days (调休), year by year.
//!
//! Whether a payment date was an off day matters to red flags (hospitality on a holiday, wages paid
//! for a day nobody worked), and in China that cannot be computed from the weekday: every year the
//! State Council moves weekend days around the holidays, so some Saturdays are working days. The
//! calendar is therefore data, `data/holidays-cn.txt`, copied from each year's notice; a year
//! without a notice in the data answers `None` rather than a guess.

use std::collections::HashMap;
use std::ops::RangeInclusive;
use std::sync::LazyLock;

use chrono::{Datelike, NaiveDate, Weekday};

/// What kind of day a date is under the official calendar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DayKind {
    /// Monday to Friday, not a holiday.
    Workday,
    /// Saturday or Sunday, not moved.
    Weekend,
    /// A day off of an official holiday period, whatever its weekday.
    Holiday,
    /// A Saturday or Sunday that is an official working day (调休上班).
    MakeUpWorkday,
}

const DATA: &str = include_str!("data/holidays-cn.txt");

/// A holiday period lasts at most this long (2020's extended 春节 was 10 days); a longer one in the
/// data is a typo in a date.
const MAX_PERIOD_DAYS: i64 = 10;

#[derive(Debug, Default)]
struct Calendar {
    days: HashMap<NaiveDate, (DayKind, &'static str)>,
    years: Option<(i32, i32)>,
}

/// Parsed once; a malformed file yields an empty calendar (every answer `None`), which the unit test
/// over the whole file turns into a failing build instead.
static CALENDAR: LazyLock<Calendar> = LazyLock::new(|| parse(DATA).unwrap_or_default());

/// The kind of `date`, or `None` when its year has no notice in the data.
pub fn day_kind(date: NaiveDate) -> Option<DayKind> {
    kind_in(&CALENDAR, date)
}

/// The holiday's name as the notice gives it (e.g. "国庆节") when `date` is a day off of a holiday
/// period; `None` on any other day and outside the covered years.
pub fn holiday_name(date: NaiveDate) -> Option<&'static str> {
    match CALENDAR.days.get(&date) {
        Some((DayKind::Holiday, name)) if covered_years().contains(&date.year()) => Some(name),
        _ => None,
    }
}

/// Whether nobody was expected at work on `date`: weekends and holidays are off, make-up Saturdays
/// are not.
pub fn is_off_day(date: NaiveDate) -> Option<bool> {
    day_kind(date).map(|kind| matches!(kind, DayKind::Weekend | DayKind::Holiday))
}

/// The calendar years `day_kind` answers for.
pub fn covered_years() -> RangeInclusive<i32> {
    match CALENDAR.years {
        Some((first, last)) => first..=last,
        // Empty: a calendar that failed to parse covers no year.
        None => RangeInclusive::new(1, 0),
    }
}

fn kind_in(calendar: &Calendar, date: NaiveDate) -> Option<DayKind> {
    let (first, last) = calendar.years?;
    if !(first..=last).contains(&date.year()) {
        return None;
    }
    if let Some((kind, _)) = calendar.days.get(&date) {
        return Some(*kind);
    }
    Some(match date.weekday() {
        Weekday::Sat | Weekday::Sun => DayKind::Weekend,
        _ => DayKind::Workday,
    })
}

fn parse(text: &'static str) -> Result<Calendar, String> {
    let mut calendar = Calendar::default();
    let mut years: Vec<i32> = Vec::new();
    let mut holiday_names: Vec<(i32, &str)> = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let at = |message: &str| format!("holidays-cn.txt line {}: {message}: {line}", index + 1);
        let fields: Vec<&str> = line.split(' ').collect();
        let year: i32 = fields[0].parse().map_err(|_| at("bad notice year"))?;
        let date = |field: &str| NaiveDate::parse_from_str(field, "%Y-%m-%d").map_err(|_| at("bad date"));
        let (kind, first, last, name) = match fields.as_slice() {
            [_, "holiday", first, last, name] => (DayKind::Holiday, date(first)?, date(last)?, *name),
            [_, "workday", day, name] => (DayKind::MakeUpWorkday, date(day)?, date(day)?, *name),
            _ => {
                return Err(at(
                    "expected `<year> holiday <first> <last> <name>` or `<year> workday <day> <name>`",
                ));
            }
        };
        if !(year - 1..=year).contains(&first.year()) || !(year - 1..=year).contains(&last.year()) {
            return Err(at("date outside the notice year"));
        }
        if last < first || (last - first).num_days() >= MAX_PERIOD_DAYS {
            return Err(at("period is reversed or too long"));
        }
        match kind {
            DayKind::Holiday => holiday_names.push((year, name)),
            _ if !holiday_names.contains(&(year, name)) => {
                return Err(at(
                    "make-up workday names no holiday listed above it in the same notice",
                ));
            }
            _ if !matches!(first.weekday(), Weekday::Sat | Weekday::Sun) => {
                return Err(at("a make-up workday must be a Saturday or Sunday"));
            }
            _ => {}
        }
        for day in first.iter_days().take_while(|day| *day <= last) {
            if calendar.days.insert(day, (kind, name)).is_some() {
                return Err(at("date listed twice"));
            }
        }
        if years.last() != Some(&year) {
            if years.last().is_some_and(|previous| *previous + 1 != year) {
                return Err(at("notice years must be consecutive and in order"));
            }
            years.push(year);
        }
    }
    calendar.years = years.first().zip(years.last()).map(|(first, last)| (*first, *last));
    Ok(calendar)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn whole_data_file_parses_and_covers_2019_to_2026() {
        let calendar = parse(DATA).unwrap();
        assert_eq!(calendar.years, Some((2019, 2026)));
        assert_eq!(covered_years(), 2019..=2026);
    }

    #[test]
    fn every_make_up_workday_is_a_saturday_or_sunday() {
        for line in DATA
            .lines()
            .filter(|line| !line.starts_with('#') && line.contains(" workday "))
        {
            let date = day(line.split(' ').nth(2).unwrap());
            assert!(matches!(date.weekday(), Weekday::Sat | Weekday::Sun), "{line}");
            if covered_years().contains(&date.year()) {
                assert_eq!(day_kind(date), Some(DayKind::MakeUpWorkday), "{line}");
            }
        }
    }

    /// Statutory days (lunar ones looked up per year) must each be a holiday: a period typed a week
    /// off would miss its festival.
    #[test]
    fn every_statutory_day_is_a_holiday() {
        let lunar = [
            ("2019", "02-05", "04-05", "06-07", "09-13"),
            ("2020", "01-25", "04-04", "06-25", "10-01"),
            ("2021", "02-12", "04-04", "06-14", "09-21"),
            ("2022", "02-01", "04-05", "06-03", "09-10"),
            ("2023", "01-22", "04-05", "06-22", "09-29"),
            ("2024", "02-10", "04-04", "06-10", "09-17"),
            ("2025", "01-29", "04-04", "05-31", "10-06"),
            ("2026", "02-17", "04-05", "06-19", "09-25"),
        ];
        for (year, spring, qingming, dragon_boat, mid_autumn) in lunar {
            for month_day in ["01-01", spring, qingming, "05-01", dragon_boat, mid_autumn, "10-01"] {
                let date = day(&format!("{year}-{month_day}"));
                assert_eq!(day_kind(date), Some(DayKind::Holiday), "{date}");
                assert!(holiday_name(date).is_some(), "{date}");
            }
        }
        assert_eq!(holiday_name(day("2024-10-03")), Some("国庆节"));
        assert_eq!(holiday_name(day("2024-02-12")), Some("春节"));
    }

    #[test]
    fn notice_2025_has_its_make_up_days_and_extra_holidays() {
        assert_eq!(day_kind(day("2025-01-26")), Some(DayKind::MakeUpWorkday));
        assert_eq!(day_kind(day("2025-02-04")), Some(DayKind::Holiday));
        assert_eq!(day_kind(day("2025-02-08")), Some(DayKind::MakeUpWorkday));
        assert_eq!(day_kind(day("2025-04-27")), Some(DayKind::MakeUpWorkday));
        assert_eq!(day_kind(day("2025-05-05")), Some(DayKind::Holiday));
        assert_eq!(day_kind(day("2025-10-08")), Some(DayKind::Holiday));
        assert_eq!(day_kind(day("2025-10-11")), Some(DayKind::MakeUpWorkday));
    }

    #[test]
    fn ordinary_days_follow_the_weekday_and_off_days_follow_the_kind() {
        assert_eq!(day_kind(day("2024-05-14")), Some(DayKind::Workday));
        assert_eq!(day_kind(day("2024-05-18")), Some(DayKind::Weekend));
        assert_eq!(is_off_day(day("2024-05-18")), Some(true));
        assert_eq!(is_off_day(day("2024-10-02")), Some(true));
        assert_eq!(is_off_day(day("2024-10-12")), Some(false));
        assert_eq!(is_off_day(day("2024-05-14")), Some(false));
        assert_eq!(holiday_name(day("2024-10-12")), None);
    }

    #[test]
    fn years_without_a_notice_are_unknown() {
        assert_eq!(day_kind(day("2018-12-30")), None);
        assert_eq!(day_kind(day("2027-01-01")), None);
        assert_eq!(holiday_name(day("2018-12-31")), None);
        assert_eq!(is_off_day(day("2030-06-01")), None);
    }

    #[test]
    fn malformed_lines_are_rejected() {
        for bad in [
            "2024 holiday 2024-02-10 春节",
            "2024 holiday 2024-02-17 2024-02-10 春节",
            "2024 holiday 2024-02-10 2024-03-10 春节",
            "2024 workday 2024-02-05 春节\n",
            "2024 holiday 2024-01-01 2024-01-01 元旦\n2024 workday 2024-05-14 元旦",
            "2024 holiday 2024-01-01 2024-01-01 元旦\n2024 holiday 2024-01-01 2024-01-01 元旦",
            "2024 holiday 2024-01-01 2024-01-01 元旦\n2026 holiday 2026-01-01 2026-01-01 元旦",
            "2024 holiday 2022-01-01 2022-01-01 元旦",
            "2024 feast 2024-01-01 元旦",
            "twenty holiday 2024-01-01 2024-01-01 元旦",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
