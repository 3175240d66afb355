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

/// The service's clock, kept in the app state: the system's time, or a time fixed by a test
/// (deadlines and overdue tickets are judged by it, so tests can move a day on without
/// waiting for it).
#[derive(Debug, Default)]
pub struct Clock {
    fixed: std::sync::RwLock<Option<chrono::NaiveDateTime>>,
}

impl Clock {
    /// The current UTC time (microseconds), as [`now_utc`] or as fixed.
    pub fn now(&self) -> chrono::NaiveDateTime {
        match *self.fixed.read().unwrap_or_else(std::sync::PoisonError::into_inner) {
            Some(at) => at,
            None => now_utc(),
        }
    }

    /// Today in the county (UTC+8) by this clock.
    pub fn today(&self) -> chrono::NaiveDate {
        (self.now() + chrono::Duration::hours(8)).date()
    }

    /// Fixes the clock at `at` (UTC).
    pub fn set(&self, at: chrono::NaiveDateTime) {
        *self.fixed.write().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(at);
    }

    /// Moves a fixed clock on by `by` (from the system's time if it was not fixed).
    pub fn advance(&self, by: chrono::Duration) {
        let at = self.now() + by;
        self.set(at);
    }
}
