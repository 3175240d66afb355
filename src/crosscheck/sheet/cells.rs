//! One cell as read from either reader, and how it is interpreted for its column: text, a date
//! (in any accepted spelling or as a spreadsheet serial), an amount read exactly into fen.
//!
//! Text is kept to what a finding can use as it is read ([`KeptText`]): a cell longer than
//! [`MAX_TEXT_CHARS`] is cut there and marked, so it is still refused as too long while a
//! 30 MB cell costs 2 KB.

use chrono::NaiveDate;

use super::MAX_TEXT_CHARS;
use crate::i18n::Msg;
use crate::msg;

/// One cell as read, before it is interpreted for its column.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    /// Trimmed, and cut by [`KeptText`].
    Text(String),
    /// A numeric cell, as the shortest decimal text that round-trips its stored value.
    Number(String),
    /// A numeric cell formatted as a date: a serial day number.
    Serial(f64),
    Bool(bool),
    Error(String),
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Epoch {
    Excel1900,
    Excel1904,
}

/// One non-blank row: its number as a spreadsheet shows it and its cells by 0-based column.
pub struct Row {
    pub number: usize,
    pub cells: Vec<(usize, Cell)>,
}

impl Row {
    pub fn get(&self, column: usize) -> Option<&Cell> {
        self.cells.iter().find(|(at, _)| *at == column).map(|(_, cell)| cell)
    }
}

/// Text gathered piece by piece, keeping at most `MAX_TEXT_CHARS + 1` characters after leading
/// whitespace. When non-blank text was dropped the result ends in `…`, so it is still longer than
/// any field accepts; whitespace alone is never mistaken for a cut.
#[derive(Debug, Default)]
pub(super) struct KeptText {
    text: String,
    chars: usize,
    cut: bool,
}

impl KeptText {
    pub fn push(&mut self, piece: &str) {
        let mut piece = if self.chars == 0 { piece.trim_start() } else { piece };
        let room = (MAX_TEXT_CHARS + 1).saturating_sub(self.chars);
        if room > 0 {
            let end = piece.char_indices().nth(room).map_or(piece.len(), |(at, _)| at);
            self.chars += piece[..end].chars().count();
            self.text.push_str(&piece[..end]);
            piece = &piece[end..];
        }
        self.cut |= !piece.trim_start().is_empty();
    }

    /// Marks that non-blank text was dropped before it reached [`KeptText::push`].
    pub fn mark_cut(&mut self) {
        self.cut = true;
    }

    pub fn finish(mut self) -> String {
        if self.cut {
            self.text.push('…');
        }
        let end = self.text.trim_end().len();
        self.text.truncate(end);
        self.text
    }
}

/// What is wrong with one cell of a findings row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CellError {
    SpreadsheetError {
        shown: String,
    },
    TextTooLong {
        max: usize,
    },
    DateMissing,
    DateInvalid {
        shown: String,
    },
    NotADate {
        shown: String,
    },
    SerialOutOfRange {
        serial: String,
    },
    /// Serial 60 of the 1900 system: Excel's fictitious 1900-02-29.
    Excel1900Leap,
    AmountMissing,
    AmountIsDate,
    Amount {
        shown: String,
        fault: AmountFault,
    },
}

/// Why a text is not an amount of a findings sheet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AmountFault {
    NotANumber,
    Negative,
    NotPositive,
    FractionOfFen,
    TooManyDecimals,
    TooLarge,
}

impl CellError {
    /// The machine code of the fault, for `row_errors[].code`.
    pub fn code(&self) -> &'static str {
        match self {
            CellError::SpreadsheetError { .. } => "cell-error-value",
            CellError::TextTooLong { .. } => "text-too-long",
            CellError::DateMissing => "date-missing",
            CellError::DateInvalid { .. } => "date-invalid",
            CellError::NotADate { .. } => "not-a-date",
            CellError::SerialOutOfRange { .. } => "date-serial-out-of-range",
            CellError::Excel1900Leap => "date-1900-02-29",
            CellError::AmountMissing => "amount-missing",
            CellError::AmountIsDate => "amount-is-date",
            CellError::Amount { fault, .. } => match fault {
                AmountFault::NotANumber => "not-an-amount",
                AmountFault::Negative => "amount-negative",
                AmountFault::NotPositive => "amount-not-positive",
                AmountFault::FractionOfFen => "amount-fraction-of-fen",
                AmountFault::TooManyDecimals => "amount-too-many-decimals",
                AmountFault::TooLarge => "amount-too-large",
            },
        }
    }

    /// What an inspector reads.
    pub fn msg(&self) -> Msg {
        match self {
            CellError::SpreadsheetError { shown } => msg!("cell-error-value", shown = shown.as_str()),
            CellError::TextTooLong { max } => msg!("cell-text-too-long", max = *max),
            CellError::DateMissing => msg!("cell-date-missing", hint = msg!("cell-date-hint")),
            CellError::DateInvalid { shown } => {
                msg!(
                    "cell-date-invalid",
                    shown = shown.as_str(),
                    hint = msg!("cell-date-hint")
                )
            }
            CellError::NotADate { shown } => {
                msg!("cell-not-a-date", shown = shown.as_str(), hint = msg!("cell-date-hint"))
            }
            CellError::SerialOutOfRange { serial } => msg!("cell-serial-out-of-range", serial = serial.as_str()),
            CellError::Excel1900Leap => msg!("cell-excel-1900-leap"),
            CellError::AmountMissing => msg!("cell-amount-missing"),
            CellError::AmountIsDate => msg!("cell-amount-is-date"),
            CellError::Amount { shown, fault } => {
                let shown = shown.as_str();
                match fault {
                    AmountFault::NotANumber => msg!("cell-not-an-amount", shown = shown),
                    AmountFault::Negative => msg!("cell-amount-negative", shown = shown),
                    AmountFault::NotPositive => msg!("cell-amount-not-positive", shown = shown),
                    AmountFault::FractionOfFen => msg!("cell-amount-fraction-of-fen", shown = shown),
                    AmountFault::TooManyDecimals => msg!("cell-amount-too-many-decimals", shown = shown),
                    AmountFault::TooLarge => msg!("cell-amount-too-large", shown = shown),
                }
            }
        }
    }
}

/// The cell as it would be shown, for messages; long text is cut so a message stays one line.
pub fn shown(cell: &Cell) -> String {
    let text = match cell {
        Cell::Text(text) | Cell::Number(text) | Cell::Error(text) => text.trim().to_owned(),
        Cell::Serial(serial) => format!("date serial {serial}"),
        Cell::Bool(value) => value.to_string().to_uppercase(),
    };
    match text.char_indices().nth(40) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

pub fn cell_text(cell: Option<&Cell>, epoch: Epoch) -> Result<Option<String>, CellError> {
    let text = match cell {
        None => return Ok(None),
        Some(Cell::Error(error)) => {
            return Err(CellError::SpreadsheetError {
                shown: shown_text(error),
            });
        }
        Some(Cell::Serial(serial)) => match serial_date(*serial, epoch) {
            Ok(date) => date.to_string(),
            Err(_) => serial.to_string(),
        },
        Some(cell) => shown_full(cell),
    };
    let text = text.trim();
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err(CellError::TextTooLong { max: MAX_TEXT_CHARS });
    }
    Ok((!text.is_empty()).then(|| text.to_owned()))
}

fn shown_full(cell: &Cell) -> String {
    match cell {
        Cell::Text(text) | Cell::Number(text) | Cell::Error(text) => text.clone(),
        Cell::Serial(serial) => serial.to_string(),
        Cell::Bool(value) => value.to_string().to_uppercase(),
    }
}

pub fn cell_date(cell: Option<&Cell>, epoch: Epoch) -> Result<NaiveDate, CellError> {
    match cell {
        None => Err(CellError::DateMissing),
        Some(Cell::Serial(serial)) => serial_date(*serial, epoch),
        Some(Cell::Text(text) | Cell::Number(text)) => parse_date(text).ok_or_else(|| CellError::DateInvalid {
            shown: shown_text(text),
        }),
        Some(cell) => Err(CellError::NotADate { shown: shown(cell) }),
    }
}

fn shown_text(text: &str) -> String {
    shown(&Cell::Text(text.to_owned()))
}

/// A spreadsheet date serial, with Excel's fictitious 1900-02-29 (serial 60) kept in the count as
/// Excel keeps it, and the 1904 system of old Mac workbooks.
pub(super) fn serial_date(serial: f64, epoch: Epoch) -> Result<NaiveDate, CellError> {
    let invalid = || CellError::SerialOutOfRange {
        serial: serial.to_string(),
    };
    if !serial.is_finite() || !(0.0..2_958_466.0).contains(&serial) {
        return Err(invalid());
    }
    let days = serial.floor() as i64;
    let (base, offset) = match epoch {
        Epoch::Excel1904 => ((1904, 1, 1), days),
        Epoch::Excel1900 if days == 60 => return Err(CellError::Excel1900Leap),
        Epoch::Excel1900 if days == 0 => return Err(invalid()),
        Epoch::Excel1900 if days < 60 => ((1899, 12, 31), days),
        Epoch::Excel1900 => ((1899, 12, 30), days),
    };
    NaiveDate::from_ymd_opt(base.0, base.1, base.2)
        .and_then(|base| base.checked_add_days(chrono::Days::new(offset.unsigned_abs())))
        .ok_or_else(invalid)
}

/// Accepts `2024-05-14`, `2024/5/14`, `2024.5.14`, `20240514` and `2024年5月14日`, full-width digits
/// too, with any time of day after a space or `T` ignored (CSV exports of date cells carry one).
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let folded = fold_width(text);
    let token = folded.split_whitespace().next()?;
    let token = token.split_once('T').map_or(token, |(date, _)| date);
    let digits = |part: &str, lengths: std::ops::RangeInclusive<usize>| {
        (lengths.contains(&part.len()) && part.bytes().all(|b| b.is_ascii_digit())).then(|| part.parse::<u32>().ok())?
    };
    let (year, month, day) = if let Some(rest) = token.strip_suffix('日') {
        let (year, rest) = rest.split_once('年')?;
        let (month, day) = rest.split_once('月')?;
        (digits(year, 4..=4)?, digits(month, 1..=2)?, digits(day, 1..=2)?)
    } else if token.len() == 8 && token.bytes().all(|b| b.is_ascii_digit()) {
        (
            digits(&token[..4], 4..=4)?,
            digits(&token[4..6], 2..=2)?,
            digits(&token[6..], 2..=2)?,
        )
    } else {
        let separator = token.chars().find(|c| matches!(c, '-' | '/' | '.'))?;
        let mut parts = token.split(separator);
        let parsed = (
            digits(parts.next()?, 4..=4)?,
            digits(parts.next()?, 1..=2)?,
            digits(parts.next()?, 1..=2)?,
        );
        if parts.next().is_some() {
            return None;
        }
        parsed
    };
    if !(1900..=2100).contains(&year) {
        return None;
    }
    NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)
}

/// An amount in fen from a cell: `scale` is 2 for yuan columns, 0 for fen columns.
pub fn cell_amount(cell: Option<&Cell>, scale: u32) -> Result<i64, CellError> {
    let text = match cell {
        None => return Err(CellError::AmountMissing),
        Some(Cell::Text(text) | Cell::Number(text)) => text,
        Some(Cell::Serial(_)) => return Err(CellError::AmountIsDate),
        Some(cell) => {
            return Err(CellError::Amount {
                shown: shown(cell),
                fault: AmountFault::NotANumber,
            });
        }
    };
    let fen = parse_amount(text, scale).map_err(|fault| CellError::Amount {
        shown: shown_text(text),
        fault,
    })?;
    if fen <= 0 {
        return Err(CellError::Amount {
            shown: shown_text(text),
            fault: AmountFault::NotPositive,
        });
    }
    Ok(fen)
}

/// Exact decimal text to an integer count of 10^-scale units: `1,234.56`, `¥1234`, `950元`,
/// full-width digits. Thousands separators must group by three, so a decimal comma (`950,5`) is
/// refused instead of read as 9505. Digits past `scale` are allowed only when they are zeros.
pub fn parse_amount(text: &str, scale: u32) -> Result<i64, AmountFault> {
    const NOT_A_NUMBER: AmountFault = AmountFault::NotANumber;
    let folded: String = fold_width(text).chars().filter(|c| !c.is_whitespace()).collect();
    let body = folded.trim_start_matches(['¥', '￥']);
    let body = body.strip_suffix(if scale == 0 { '分' } else { '元' }).unwrap_or(body);
    if body.starts_with(['-', '−', '(']) {
        return Err(AmountFault::Negative);
    }
    let body = body.strip_prefix('+').unwrap_or(body);
    let (integer, fraction) = body.split_once('.').unwrap_or((body, ""));
    let groups: Vec<&str> = integer.split(',').collect();
    let grouped_well = groups.len() == 1
        || (!groups[0].is_empty() && groups[0].len() <= 3 && groups[1..].iter().all(|group| group.len() == 3));
    let all_digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
    if !grouped_well || !groups.iter().all(|group| all_digits(group)) || !all_digits(fraction) {
        return Err(NOT_A_NUMBER);
    }
    if integer.is_empty() && fraction.is_empty() {
        return Err(NOT_A_NUMBER);
    }
    let scale = scale as usize;
    if fraction.len() > scale && fraction.bytes().skip(scale).any(|b| b != b'0') {
        return Err(if scale == 0 {
            AmountFault::FractionOfFen
        } else {
            AmountFault::TooManyDecimals
        });
    }
    let digits = groups.concat() + &format!("{fraction:0<scale$}")[..scale];
    let digits = digits.trim_start_matches('0');
    if digits.is_empty() {
        return Ok(0);
    }
    digits.parse::<i64>().map_err(|_| AmountFault::TooLarge)
}

/// Full-width ASCII and the ideographic space to their half-width forms, as Chinese input methods
/// type them into spreadsheets.
pub(super) fn fold_width(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn kept_text_is_cut_after_a_field_and_marked_only_when_text_was_dropped() {
        let mut runs = KeptText::default();
        runs.push("   ");
        runs.push(&"祠".repeat(400));
        runs.push(&"祠".repeat(400));
        let kept = runs.finish();
        assert_eq!(kept.chars().count(), MAX_TEXT_CHARS + 2);
        assert!(kept.ends_with("祠…"));
        let mut blank_tail = KeptText::default();
        blank_tail.push(&format!("{}{}", "x".repeat(MAX_TEXT_CHARS), " ".repeat(1000)));
        assert_eq!(blank_tail.finish(), "x".repeat(MAX_TEXT_CHARS));
    }

    #[test]
    fn dates_in_every_accepted_spelling_parse_and_impossible_ones_do_not() {
        for text in [
            "2024-05-14",
            "2024/5/14",
            "2024.5.14",
            "20240514",
            "2024年5月14日",
            "２０２４-05-14",
            "2024/5/14 0:00",
        ] {
            assert_eq!(parse_date(text), Some(day(2024, 5, 14)), "{text}");
        }
        for text in [
            "2024-13-45",
            "2023-02-29",
            "14/05/2024",
            "2024-05",
            "abc",
            "",
            "0024-05-14",
            "2024-05-14-01",
        ] {
            assert_eq!(parse_date(text), None, "{text}");
        }
    }

    #[test]
    fn yuan_amounts_parse_exactly_to_fen() {
        let cases = [
            ("950", 95_000),
            ("950.5", 95_050),
            ("950.00", 95_000),
            ("1,234.56", 123_456),
            ("¥1,234.56", 123_456),
            ("￥1234", 123_400),
            ("1234元", 123_400),
            ("１２３４．５", 123_450),
            ("0.1", 10),
            ("92233720368547758.07", i64::MAX),
        ];
        for (text, fen) in cases {
            assert_eq!(parse_amount(text, 2), Ok(fen), "{text}");
        }
        for text in [
            "abc",
            "1.234",
            "950,5",
            "1,23",
            "92233720368547758.08",
            "-5",
            "(5)",
            "",
            ".",
            "1e3",
            "NaN",
        ] {
            assert!(parse_amount(text, 2).is_err(), "{text}");
        }
    }

    #[test]
    fn excel_serials_follow_the_1900_bug_and_the_1904_system() {
        assert_eq!(serial_date(45_426.0, Epoch::Excel1900), Ok(day(2024, 5, 14)));
        assert_eq!(serial_date(45_426.75, Epoch::Excel1900), Ok(day(2024, 5, 14)));
        assert_eq!(serial_date(59.0, Epoch::Excel1900), Ok(day(1900, 2, 28)));
        assert_eq!(serial_date(61.0, Epoch::Excel1900), Ok(day(1900, 3, 1)));
        assert_eq!(serial_date(1.0, Epoch::Excel1900), Ok(day(1900, 1, 1)));
        assert!(serial_date(60.0, Epoch::Excel1900).is_err());
        assert_eq!(serial_date(43_964.0, Epoch::Excel1904), Ok(day(2024, 5, 14)));
        for bad in [f64::NAN, f64::INFINITY, -1.0, 3.0e6] {
            assert!(serial_date(bad, Epoch::Excel1900).is_err());
        }
    }
}
