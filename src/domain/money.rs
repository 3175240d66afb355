//! Money in integer fen (分). No floating point ever touches an amount.

use std::fmt;

use super::error::ValueError;

pub use super::limits::MAX_ABS_FEN;

/// A non-zero amount of at most ±10^13 fen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Money(i64);

impl Money {
    /// An amount a clerk may post: positive and at most 10^13 fen.
    pub fn parse_posting(fen: i64) -> Result<Self, ValueError> {
        if fen <= 0 {
            Err(ValueError::AmountNotPositive { fen })
        } else if fen > MAX_ABS_FEN {
            Err(ValueError::AmountTooLarge { fen })
        } else {
            Ok(Money(fen))
        }
    }

    pub fn fen(self) -> i64 {
        self.0
    }

    /// The red-ink reversal of this amount.
    pub fn negated(self) -> Money {
        Money(-self.0)
    }

    /// Parses a yuan amount written with at most two decimals (`950`, `950.5`, `-950.00`)
    /// exactly, into fen.
    pub fn parse_yuan(s: &str) -> Result<i64, ValueError> {
        let bad = || ValueError::NotAYuanAmount {
            value: super::codes::truncate(s),
        };
        let t = s.trim();
        let (negative, digits) = match t.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, t),
        };
        let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
        if whole.is_empty()
            || whole.len() > 12
            || frac.len() > 2
            || !whole.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(bad());
        }
        let whole: i64 = whole.parse().map_err(|_| bad())?;
        let frac_fen: i64 = match frac.len() {
            0 => 0,
            1 => frac.parse::<i64>().map_err(|_| bad())? * 10,
            _ => frac.parse().map_err(|_| bad())?,
        };
        let fen = whole * 100 + frac_fen;
        Ok(if negative { -fen } else { fen })
    }
}

/// Parses a JSON number's exact text as a whole number, without floating point: `1040`,
/// `1040.0`, `1.04e3` and `10400e-1` are all 1040; `1040.5` is not whole. `None` for anything
/// that is not whole or does not fit in an `i64`.
pub fn parse_whole_number(text: &str) -> Option<i64> {
    let (negative, rest) = match text.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, text),
    };
    let (mantissa, exponent) = match rest.find(['e', 'E']) {
        Some(i) => (&rest[..i], rest[i + 1..].parse::<i32>().ok()?),
        None => (rest, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if int.is_empty() || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut digits: String = format!("{int}{frac}");
    let scale = i64::from(exponent) - frac.len() as i64;
    if scale < 0 {
        let cut = usize::try_from(-scale).ok()?;
        if cut > digits.len() {
            // Everything is fractional: whole only if every digit is zero.
            return digits.bytes().all(|b| b == b'0').then_some(0);
        }
        let (keep, dropped) = digits.split_at(digits.len() - cut);
        if !dropped.bytes().all(|b| b == b'0') {
            return None;
        }
        digits = keep.to_owned();
    } else {
        if scale > 20 {
            return digits.bytes().all(|b| b == b'0').then_some(0);
        }
        digits.push_str(&"0".repeat(scale as usize));
    }
    let trimmed = digits.trim_start_matches('0');
    if trimmed.len() > 19 {
        return None;
    }
    let magnitude: i128 = if trimmed.is_empty() { 0 } else { trimmed.parse().ok()? };
    i64::try_from(if negative { -magnitude } else { magnitude }).ok()
}

/// Deserializes an amount in fen from a JSON number that is a whole number, however written
/// (`950`, `950.0`, `9.5e2`), reading its exact text: no floating point is involved.
pub fn deserialize_fen<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    deserialize_whole(deserializer)
}

/// Deserializes any whole number (a count, a size) however written, from its exact text.
pub fn deserialize_whole<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    use serde::Deserialize;
    use serde::de::Error;
    let number = serde_json::Number::deserialize(deserializer)?;
    parse_whole_number(number.as_str())
        .ok_or_else(|| D::Error::custom(format!("{number} is not a whole number within ±9223372036854775807")))
}

/// Formats fen as yuan with two decimals, e.g. `95000` → `950.00`.
pub fn format_yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_yuan(self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posting_amounts_are_positive_and_bounded() {
        assert!(Money::parse_posting(0).is_err());
        assert!(Money::parse_posting(-1).is_err());
        assert_eq!(Money::parse_posting(MAX_ABS_FEN).map(Money::fen), Ok(MAX_ABS_FEN));
        assert!(Money::parse_posting(MAX_ABS_FEN + 1).is_err());
    }

    #[test]
    fn yuan_parses_exactly() {
        assert_eq!(Money::parse_yuan("950.00"), Ok(95_000));
        assert_eq!(Money::parse_yuan("950.5"), Ok(95_050));
        assert_eq!(Money::parse_yuan("0.01"), Ok(1));
        assert_eq!(Money::parse_yuan("-12"), Ok(-1_200));
        assert!(Money::parse_yuan("1.001").is_err());
        assert!(Money::parse_yuan("1e3").is_err());
        assert!(Money::parse_yuan("").is_err());
    }

    #[test]
    fn whole_numbers_parse_exactly_however_written() {
        for (text, want) in [
            ("1040", Some(1040)),
            ("1040.0", Some(1040)),
            ("-1040.000", Some(-1040)),
            ("1.04e3", Some(1040)),
            ("10400e-1", Some(1040)),
            ("1E2", Some(100)),
            ("0.0", Some(0)),
            ("1040.5", None),
            ("1e-3", None),
            ("9223372036854775807", Some(i64::MAX)),
            ("9223372036854775808", None),
            ("1e400", None),
            ("abc", None),
        ] {
            assert_eq!(parse_whole_number(text), want, "{text}");
        }
    }

    #[test]
    fn yuan_formats_with_two_decimals() {
        assert_eq!(format_yuan(95_000), "950.00");
        assert_eq!(format_yuan(-5), "-0.05");
    }
}
