//! Which cell formats of a workbook show numbers as dates: the built-in date formats and the
//! custom formats whose code has a year, month, day, hour or second outside quotes and brackets.

use std::collections::HashSet;

use quick_xml::events::Event;

use super::SheetError;
use super::archive::{Package, Step};
use super::xml::attribute;

/// Cell formats (`cellXfs`) remembered; Excel allows 64,000. A later one is read as not a date.
const MAX_CELL_FORMATS: usize = 65_536;
/// Custom number formats remembered; Excel allows a few hundred.
const MAX_NUMBER_FORMATS: usize = 4_096;

/// Whether each cell format (by index) shows a date.
#[derive(Debug, Default)]
pub(super) struct Styles {
    dates: Vec<bool>,
}

impl Styles {
    pub fn is_date(&self, format: usize) -> bool {
        self.dates.get(format).copied().unwrap_or(false)
    }

    pub fn read(package: &mut Package<'_>, path: &str) -> Result<Self, SheetError> {
        let mut custom_dates: HashSet<u32> = HashSet::new();
        let mut custom_count = 0usize;
        let mut styles = Self::default();
        let mut in_cell_formats = false;
        package.read_xml(path, |event| {
            match event {
                Event::Start(tag) | Event::Empty(tag) => {
                    let name = tag.local_name();
                    match name.as_ref() {
                        "numFmt" if custom_count < MAX_NUMBER_FORMATS => {
                            custom_count += 1;
                            let id = attribute(tag, "numFmtId").and_then(|id| id.trim().parse::<u32>().ok());
                            let code = attribute(tag, "formatCode").unwrap_or_default();
                            if let Some(id) = id
                                && is_date_code(&code)
                            {
                                custom_dates.insert(id);
                            }
                        }
                        "cellXfs" => in_cell_formats = matches!(event, Event::Start(_)),
                        "xf" if in_cell_formats && styles.dates.len() < MAX_CELL_FORMATS => {
                            let id = attribute(tag, "numFmtId").and_then(|id| id.trim().parse::<u32>().ok());
                            styles
                                .dates
                                .push(id.is_some_and(|id| is_date_format(id) || custom_dates.contains(&id)));
                        }
                        _ => {}
                    }
                }
                Event::End(end) if end.local_name().as_ref() == "cellXfs" => return Ok(Step::Stop),
                _ => {}
            }
            Ok(Step::Continue)
        })?;
        Ok(styles)
    }
}

/// The built-in number formats that show dates or times (ECMA-376 §18.8.30, with the East Asian
/// ones).
fn is_date_format(id: u32) -> bool {
    matches!(id, 14..=22 | 27..=36 | 45..=47 | 50..=58)
}

/// A custom format code shows a date when it has y, m, d, h or s outside quoted text, bracketed
/// parts (colours, conditions, locales) and escaped characters.
fn is_date_code(code: &str) -> bool {
    let mut chars = code.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                for quoted in chars.by_ref() {
                    if quoted == '"' {
                        break;
                    }
                }
            }
            '[' => {
                for bracketed in chars.by_ref() {
                    if bracketed == ']' {
                        break;
                    }
                }
            }
            '\\' | '_' | '*' => {
                chars.next();
            }
            _ if matches!(c.to_ascii_lowercase(), 'y' | 'm' | 'd' | 'h' | 's') => return true,
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_formats_are_told_from_number_formats() {
        for id in [14, 22, 27, 36, 45, 47, 50, 58] {
            assert!(is_date_format(id), "{id}");
        }
        for id in [0, 1, 2, 4, 10, 23, 26, 37, 44, 48, 49, 59] {
            assert!(!is_date_format(id), "{id}");
        }
        for code in [
            "yyyy-mm-dd",
            "yyyy\"年\"m\"月\"d\"日\"",
            "[$-804]yyyy/m/d",
            "h:mm:ss",
            "d-mmm",
        ] {
            assert!(is_date_code(code), "{code}");
        }
        for code in [
            "0.00",
            "#,##0.00_);[Red](#,##0.00)",
            "\"days\" 0",
            "[h]",
            "General",
            "0\\d",
            "¥#,##0.00",
        ] {
            assert!(!is_date_code(code), "{code}");
        }
    }
}
