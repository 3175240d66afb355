//! The clock: the one place the current time and date are read.

/// The current UTC time, truncated to microseconds so every backend stores it exactly.
pub fn now_utc() -> chrono::NaiveDateTime {
    use chrono::SubsecRound;
    chrono::Utc::now().naive_utc().trunc_subsecs(6)
}

/// Today in the county (China Standard Time, UTC+8, no daylight saving): the day inspection
/// round windows and month closes are judged by.
pub fn today() -> chrono::NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive()
}
