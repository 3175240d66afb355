//! Domain types stored as text: how they go into and come out of a column on both backends
//! (and through the connection type over both).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql};
use diesel::pg::Pg;
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::{Date, Text, Timestamp};
use diesel::sqlite::Sqlite;

use crate::db::MultiBackend;
use crate::domain::{AccountCode, Direction, EntryId, ReceiptId};

/// `ToSql`/`FromSql` over `Text` for SQLite, PostgreSQL and the connection type over both, from
/// a function to the text and one from it.
macro_rules! stored_as_text {
    ($ty:ty, $to_text:expr, $from_text:expr) => {
        stored_as_text!(
            $ty,
            $to_text,
            $from_text,
            |bytes: <Sqlite as Backend>::RawValue<'_>| {
                $from_text(<String as FromSql<Text, Sqlite>>::from_sql(bytes)?)
            }
        );
    };
    // `$from_sqlite` reads SQLite's value in place (a type that need not own its text).
    ($ty:ty, $to_text:expr, $from_text:expr, $from_sqlite:expr) => {
        impl ToSql<Text, Sqlite> for $ty {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
                let text: &'b str = $to_text(self);
                <str as ToSql<Text, Sqlite>>::to_sql(text, out)
            }
        }

        impl ToSql<Text, Pg> for $ty {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
                let text: &'b str = $to_text(self);
                <str as ToSql<Text, Pg>>::to_sql(text, out)
            }
        }

        impl ToSql<Text, MultiBackend> for $ty {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, MultiBackend>) -> serialize::Result {
                out.set_value((Text, self));
                Ok(IsNull::No)
            }
        }

        impl FromSql<Text, Sqlite> for $ty {
            fn from_sql(bytes: <Sqlite as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
                $from_sqlite(bytes)
            }
        }

        impl FromSql<Text, Pg> for $ty {
            fn from_sql(bytes: <Pg as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
                $from_text(<String as FromSql<Text, Pg>>::from_sql(bytes)?)
            }
        }

        impl FromSql<Text, MultiBackend> for $ty {
            fn from_sql(bytes: <MultiBackend as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
                bytes.from_sql::<Self, Text>()
            }
        }
    };
}

fn direction_from_text(text: &str) -> deserialize::Result<Direction> {
    Direction::parse(text).ok_or_else(|| format!("`{text}` is not a direction").into())
}

stored_as_text!(
    Direction,
    |d: &Direction| d.as_str(),
    |text: String| direction_from_text(&text),
    |mut bytes: <Sqlite as Backend>::RawValue<'_>| direction_from_text(bytes.read_text())
);

stored_as_text!(EntryId, EntryId::as_str, |text: String| Ok(EntryId::from(text)));
stored_as_text!(ReceiptId, ReceiptId::as_str, |text: String| Ok(ReceiptId::from(text)));
stored_as_text!(AccountCode, AccountCode::as_str, |text: String| Ok(
    AccountCode::from_stored(text)
));

/// A `Date` column read without chrono's generic format parser: SQLite keeps dates as
/// `YYYY-MM-DD` text, which is parsed by hand (any other spelling falls back to diesel's
/// parser). Use as `#[diesel(deserialize_as = DateColumn)]` on a `NaiveDate` field of a row
/// read in bulk: the generic parser was ~8 % of loading a village's book.
#[derive(diesel::deserialize::FromSqlRow)]
pub struct DateColumn(pub NaiveDate);

/// A `Timestamp` column read the same way: `YYYY-MM-DD HH:MM:SS[.fraction]` by hand.
#[derive(diesel::deserialize::FromSqlRow)]
pub struct TimestampColumn(pub NaiveDateTime);

impl From<DateColumn> for NaiveDate {
    fn from(d: DateColumn) -> Self {
        d.0
    }
}

impl From<TimestampColumn> for NaiveDateTime {
    fn from(t: TimestampColumn) -> Self {
        t.0
    }
}

/// `digits` ASCII digits of `b` from `at` as a number.
fn digits(b: &[u8], at: usize, count: usize) -> Option<u32> {
    let mut n = 0u32;
    for &c in b.get(at..at + count)? {
        if !c.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u32::from(c - b'0');
    }
    Some(n)
}

/// `YYYY-MM-DD` at the start of `b`.
fn ymd(b: &[u8]) -> Option<NaiveDate> {
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    NaiveDate::from_ymd_opt(digits(b, 0, 4)? as i32, digits(b, 5, 2)?, digits(b, 8, 2)?)
}

/// `YYYY-MM-DD` exactly.
pub fn parse_date_text(text: &str) -> Option<NaiveDate> {
    let b = text.as_bytes();
    if b.len() != 10 {
        return None;
    }
    ymd(b)
}

/// `YYYY-MM-DD HH:MM:SS` with an optional `.fraction` of up to nine digits.
pub fn parse_timestamp_text(text: &str) -> Option<NaiveDateTime> {
    let b = text.as_bytes();
    if b.len() < 19 || b[10] != b' ' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let day = ymd(b)?;
    let mut nanos = 0u32;
    if b.len() > 19 {
        let fraction = &b[20..];
        if b[19] != b'.' || fraction.is_empty() || fraction.len() > 9 {
            return None;
        }
        nanos = digits(fraction, 0, fraction.len())? * 10u32.pow(9 - fraction.len() as u32);
    }
    day.and_hms_nano_opt(digits(b, 11, 2)?, digits(b, 14, 2)?, digits(b, 17, 2)?, nanos)
}

impl FromSql<Date, Sqlite> for DateColumn {
    fn from_sql(mut bytes: <Sqlite as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        if let Some(d) = parse_date_text(bytes.read_text()) {
            return Ok(DateColumn(d));
        }
        <NaiveDate as FromSql<Date, Sqlite>>::from_sql(bytes).map(DateColumn)
    }
}

impl FromSql<Date, Pg> for DateColumn {
    fn from_sql(bytes: <Pg as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        <NaiveDate as FromSql<Date, Pg>>::from_sql(bytes).map(DateColumn)
    }
}

impl FromSql<Date, MultiBackend> for DateColumn {
    fn from_sql(bytes: <MultiBackend as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        bytes.from_sql::<Self, Date>()
    }
}

impl FromSql<Timestamp, Sqlite> for TimestampColumn {
    fn from_sql(mut bytes: <Sqlite as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        if let Some(t) = parse_timestamp_text(bytes.read_text()) {
            return Ok(TimestampColumn(t));
        }
        <NaiveDateTime as FromSql<Timestamp, Sqlite>>::from_sql(bytes).map(TimestampColumn)
    }
}

impl FromSql<Timestamp, Pg> for TimestampColumn {
    fn from_sql(bytes: <Pg as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        <NaiveDateTime as FromSql<Timestamp, Pg>>::from_sql(bytes).map(TimestampColumn)
    }
}

impl FromSql<Timestamp, MultiBackend> for TimestampColumn {
    fn from_sql(bytes: <MultiBackend as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        bytes.from_sql::<Self, Timestamp>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_timestamps_are_read_as_chrono_reads_them() {
        for text in ["2024-02-29", "0001-01-01", "9999-12-31"] {
            assert_eq!(
                parse_date_text(text),
                NaiveDate::parse_from_str(text, "%F").ok(),
                "{text}"
            );
        }
        for text in [
            "2023-02-29",
            "2024-13-01",
            "2024-1-01",
            "2024-01-01 ",
            "２０２４-01-01",
            "abcd-ef-gh",
            "",
        ] {
            assert_eq!(parse_date_text(text), None, "{text}");
        }
        for text in [
            "2024-02-29 23:59:59",
            "2024-02-29 00:00:00.5",
            "2024-02-29 12:34:56.123456",
            "2024-02-29 12:34:56.123456789",
        ] {
            assert_eq!(
                parse_timestamp_text(text),
                NaiveDateTime::parse_from_str(text, "%F %T%.f").ok(),
                "{text}"
            );
        }
        for text in [
            "2024-02-29T12:34:56",
            "2024-02-29 24:00:00",
            "2024-02-29 12:34:56.",
            "2024-02-29 12:34:56.1234567890",
            "2024-02-29 12:34:56+08:00",
            "2024-02-29 12:34",
        ] {
            assert_eq!(parse_timestamp_text(text), None, "{text}");
        }
    }
}
