//! Accounting periods (a village month, `YYYY-MM`) and the chart of accounts in force by year.

use std::fmt;

use chrono::{Datelike, NaiveDate};

use super::error::ValueError;

pub use super::limits::{FIRST_YEAR, LAST_YEAR};

/// One calendar month of one year, the unit that is closed and published.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    year: i32,
    month: u32,
}

impl Period {
    /// Parses `YYYY-MM`.
    pub fn parse(s: &str) -> Result<Self, ValueError> {
        let bad = || ValueError::NotAPeriod {
            value: super::codes::truncate(s),
        };
        let (y, m) = s.split_once('-').ok_or_else(bad)?;
        if y.len() != 4 || m.len() != 2 || !(y.bytes().chain(m.bytes())).all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let year: i32 = y.parse().map_err(|_| bad())?;
        let month: u32 = m.parse().map_err(|_| bad())?;
        if !(1..=12).contains(&month) || !(FIRST_YEAR..=LAST_YEAR).contains(&year) {
            return Err(bad());
        }
        Ok(Period { year, month })
    }

    pub fn of(date: NaiveDate) -> Self {
        Period {
            year: date.year(),
            month: date.month(),
        }
    }

    pub fn year(self) -> i32 {
        self.year
    }

    pub fn month(self) -> u32 {
        self.month
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or(NaiveDate::MIN)
    }

    pub fn next(self) -> Period {
        if self.month == 12 {
            Period {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Period {
                year: self.year,
                month: self.month + 1,
            }
        }
    }
}

impl From<Period> for crate::i18n::Arg {
    fn from(p: Period) -> Self {
        crate::i18n::Arg::Month {
            year: p.year,
            month: p.month,
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// Checks that a date lies in the years the ledger accepts.
pub fn check_ledger_date(date: NaiveDate) -> Result<NaiveDate, ValueError> {
    if (FIRST_YEAR..=LAST_YEAR).contains(&date.year()) {
        Ok(date)
    } else {
        Err(ValueError::DateOutOfRange { date })
    }
}

/// A chart of accounts (会计科目表).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Chart {
    /// 《村集体经济组织会计制度》(财会〔2004〕12号), fiscal years up to 2023.
    Village2004,
    /// 《农村集体经济组织会计制度》(财会〔2023〕14号), in force from 2024-01-01.
    Rural2023,
}

impl Chart {
    pub fn for_year(year: i32) -> Self {
        if year <= 2023 {
            Chart::Village2004
        } else {
            Chart::Rural2023
        }
    }

    /// The key of the chart in the `accounts` table.
    pub fn key(self) -> &'static str {
        match self {
            Chart::Village2004 => "2004",
            Chart::Rural2023 => "2023",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_parse_strictly() {
        assert_eq!(Period::parse("2024-03").map(|p| p.to_string()), Ok("2024-03".into()));
        for bad in [
            "2024-13",
            "2024-00",
            "2024-3",
            "24-03",
            "2024/03",
            "1800-01",
            "２０２４-03",
        ] {
            assert!(Period::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn december_rolls_into_the_next_year() {
        let dec = Period::parse("2023-12").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(dec.next().to_string(), "2024-01");
    }

    #[test]
    fn the_2023_chart_applies_from_2024() {
        assert_eq!(Chart::for_year(2023), Chart::Village2004);
        assert_eq!(Chart::for_year(2024), Chart::Rural2023);
    }
}
