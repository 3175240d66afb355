//! When a referral ticket is due: the days its colour gives, counted from the county day it is
//! issued, in calendar days or in working days of the official calendar (the one the red flags
//! use, `crosscheck::holidays`: weekends and public holidays are skipped, make-up working days
//! count). A year the calendar has no notice for counts Monday to Friday as working days.

use chrono::{Datelike, NaiveDate, Weekday};

use crate::crosscheck::holidays::is_off_day;

/// Whether `date` is a working day: by the official calendar where it has the year, Monday to
/// Friday otherwise.
pub fn is_working_day(date: NaiveDate) -> bool {
    match is_off_day(date) {
        Some(off) => !off,
        None => !matches!(date.weekday(), Weekday::Sat | Weekday::Sun),
    }
}

/// The day a ticket giving `days` issued on `issued_on` is due: `days` calendar days later, or
/// with `working_days` the `days`-th working day after the day of issue. `None` only past the
/// end of the calendar.
pub fn due_on(days: u32, working_days: bool, issued_on: NaiveDate) -> Option<NaiveDate> {
    if !working_days {
        return issued_on.checked_add_days(chrono::Days::new(u64::from(days)));
    }
    let mut day = issued_on;
    let mut counted = 0;
    while counted < days {
        day = day.succ_opt()?;
        if is_working_day(day) {
            counted += 1;
        }
    }
    Some(day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn calendar_days_count_every_day() {
        assert_eq!(due_on(3, false, d("2025-04-24")), Some(d("2025-04-27")));
        assert_eq!(due_on(7, false, d("2025-04-24")), Some(d("2025-05-01")));
        assert_eq!(due_on(15, false, d("2025-12-31")), Some(d("2026-01-15")));
    }

    #[test]
    fn working_days_skip_the_national_day_holiday() {
        // 2024: 国庆节 1–7 October off; Sunday 29 September and Saturday 12 October worked.
        assert_eq!(due_on(3, true, d("2024-09-27")), Some(d("2024-10-08")));
        assert_eq!(due_on(3, true, d("2024-09-28")), Some(d("2024-10-08")));
        assert_eq!(due_on(3, true, d("2024-09-30")), Some(d("2024-10-10")));
        // An ordinary week: Friday + 3 working days is Wednesday.
        assert_eq!(due_on(3, true, d("2024-11-15")), Some(d("2024-11-20")));
    }
}
