//! The rows of a worksheet as they stream by: cells read by their type and style, each finished
//! row handed to the findings at once, row numbers ascending and within a spreadsheet's size.

use quick_xml::events::{BytesStart, Event};

use super::archive::Step;
use super::cells::{Cell, KeptText, Row};
use super::shared_strings::SharedStrings;
use super::styles::Styles;
use super::xml::{attribute, decode_escapes, end_name, local_name, not_xlsx, push_text, shown_name};
use super::{MAX_COLUMNS, RowSink, SheetError};

/// The last row and column a spreadsheet can have.
const MAX_SHEET_ROW: usize = 1_048_576;
const MAX_SHEET_COLUMN: usize = 16_384;

/// The cell being read: its column, type and style, and its value text.
struct OpenCell {
    column: usize,
    kind: String,
    date: bool,
    value: KeptText,
}

/// The worksheet's rows as they stream by; each finished row goes to the findings at once.
pub(super) struct SheetReader<'s, 'f> {
    shared: &'s SharedStrings,
    styles: &'s Styles,
    findings: &'f mut dyn RowSink,
    row: Option<Row>,
    last_row: usize,
    cell: Option<OpenCell>,
    /// The column of the last cell of the row, for cells without a reference.
    last_column: Option<usize>,
    /// Inside `<v>` or an inline string's `<t>`, and inside a phonetic reading (not the text).
    capture: bool,
    phonetic: bool,
}

impl<'s, 'f> SheetReader<'s, 'f> {
    pub fn new(shared: &'s SharedStrings, styles: &'s Styles, findings: &'f mut dyn RowSink) -> Self {
        Self {
            shared,
            styles,
            findings,
            row: None,
            last_row: 0,
            cell: None,
            last_column: None,
            capture: false,
            phonetic: false,
        }
    }

    pub fn event(&mut self, event: &Event<'_>) -> Result<Step, SheetError> {
        match event {
            Event::Start(tag) | Event::Empty(tag) => {
                let empty = matches!(event, Event::Empty(_));
                match local_name(tag) {
                    "row" => {
                        self.start_row(tag)?;
                        if empty {
                            self.row = None;
                        }
                    }
                    "c" => {
                        self.start_cell(tag)?;
                        if empty {
                            self.cell = None;
                        }
                    }
                    "v" if !empty => self.capture = true,
                    "t" if !empty && !self.phonetic && self.cell.as_ref().is_some_and(|c| c.kind == "inlineStr") => {
                        self.capture = true;
                    }
                    "rPh" if !empty => self.phonetic = true,
                    _ => {}
                }
            }
            Event::End(_) => match end_name(event) {
                Some("v" | "t") => self.capture = false,
                Some("rPh") => self.phonetic = false,
                Some("c") => self.end_cell()?,
                Some("row") => self.end_row()?,
                Some("sheetData") => return Ok(Step::Stop),
                _ => {}
            },
            _ => {
                if self.capture
                    && let Some(cell) = self.cell.as_mut()
                {
                    push_text(event, &mut cell.value)?;
                }
            }
        }
        Ok(Step::Continue)
    }

    fn start_row(&mut self, tag: &BytesStart<'_>) -> Result<(), SheetError> {
        self.end_row()?;
        let number = match attribute(tag, "r") {
            Some(r) => r
                .trim()
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=MAX_SHEET_ROW).contains(n))
                .ok_or_else(|| {
                    not_xlsx(format!(
                        "row number {} is not between 1 and {MAX_SHEET_ROW}",
                        shown_name(&r)
                    ))
                })?,
            None => self.last_row + 1,
        };
        if number <= self.last_row || number > MAX_SHEET_ROW {
            return Err(not_xlsx(format!("row {number} comes after row {}", self.last_row)));
        }
        self.last_row = number;
        self.last_column = None;
        self.row = Some(Row {
            number,
            cells: Vec::new(),
        });
        Ok(())
    }

    fn start_cell(&mut self, tag: &BytesStart<'_>) -> Result<(), SheetError> {
        if self.row.is_none() {
            return Ok(());
        }
        let column = match attribute(tag, "r") {
            Some(reference) => column_of(&reference)
                .ok_or_else(|| not_xlsx(format!("cell reference {} is not a cell", shown_name(&reference))))?,
            None => self.last_column.map_or(0, |c| c + 1),
        };
        self.last_column = Some(column);
        if column >= MAX_SHEET_COLUMN {
            return Err(not_xlsx(format!(
                "a cell lies beyond the last column ({MAX_SHEET_COLUMN})"
            )));
        }
        let style = attribute(tag, "s").and_then(|s| s.trim().parse::<usize>().ok());
        self.cell = Some(OpenCell {
            column,
            kind: attribute(tag, "t").unwrap_or_else(|| "n".into()),
            date: style.is_some_and(|s| self.styles.is_date(s)),
            value: KeptText::default(),
        });
        Ok(())
    }

    fn end_cell(&mut self) -> Result<(), SheetError> {
        let (Some(open), Some(row)) = (self.cell.take(), self.row.as_mut()) else {
            return Ok(());
        };
        if open.column >= MAX_COLUMNS as usize || row.cells.len() >= MAX_COLUMNS as usize {
            return Ok(());
        }
        let text = open.value.finish();
        if text.is_empty() {
            return Ok(());
        }
        let cell = match open.kind.as_str() {
            "s" => {
                let index = text.parse::<usize>().ok();
                let shared = index
                    .and_then(|i| self.shared.get(i))
                    .ok_or_else(|| not_xlsx(format!("row {}: no shared string {}", row.number, shown_name(&text))))?;
                Cell::Text(shared.to_owned())
            }
            "str" | "inlineStr" | "d" => Cell::Text(decode_escapes(&text).into_owned()),
            "b" => Cell::Bool(text == "1" || text.eq_ignore_ascii_case("true")),
            "e" => Cell::Error(text),
            _ => match text.parse::<f64>() {
                Ok(value) if value.is_finite() && open.date => Cell::Serial(value),
                Ok(value) if value.is_finite() => Cell::Number(value.to_string()),
                _ => Cell::Text(text),
            },
        };
        if !matches!(&cell, Cell::Text(text) if text.is_empty()) {
            row.cells.push((open.column, cell));
        }
        Ok(())
    }

    fn end_row(&mut self) -> Result<(), SheetError> {
        self.cell = None;
        self.capture = false;
        self.phonetic = false;
        match self.row.take() {
            Some(row) if !row.cells.is_empty() => self.findings.push(row),
            _ => Ok(()),
        }
    }
}

/// The 0-based column of a cell reference such as `B12`.
fn column_of(reference: &str) -> Option<usize> {
    let letters = reference.bytes().take_while(u8::is_ascii_alphabetic).count();
    let digits = &reference[letters..];
    if !(1..=3).contains(&letters) || digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let column = reference[..letters]
        .bytes()
        .fold(0usize, |n, b| n * 26 + usize::from(b.to_ascii_uppercase() - b'A' + 1));
    Some(column - 1)
}
