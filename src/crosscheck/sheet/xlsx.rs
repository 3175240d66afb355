//! The first worksheet of an XLSX workbook, streamed row by row into the findings.
//!
//! Parts read: `xl/workbook.xml` (first sheet, `date1904`), `xl/_rels/workbook.xml.rels` (where
//! the sheet, the shared strings and the styles are), the styles (which cell formats are dates),
//! the shared strings and the sheet itself. Nothing is sized from a count, a dimension or a
//! length the file declares: every table grows only with what was read, under the caps below,
//! and each text is kept to what a finding can use ([`KeptText`]).

use quick_xml::events::{BytesStart, Event};

use super::archive::{Package, Step};
use super::cells::{Cell, Epoch, KeptText, Row};
use super::styles::Styles;
use super::{FindingsBuilder, MAX_COLUMNS, SheetError};

/// Distinct strings in the shared-strings table; a findings list of 20,000 rows has at most a
/// few per row.
pub(super) const MAX_SHARED_STRINGS: usize = 500_000;
/// Bytes of shared-string text kept (each string already cut to a field's length).
pub(super) const MAX_SHARED_TEXT_BYTES: usize = 8 * 1024 * 1024;
/// The last row and column a spreadsheet can have.
const MAX_SHEET_ROW: usize = 1_048_576;
const MAX_SHEET_COLUMN: usize = 16_384;

fn not_xlsx(detail: impl std::fmt::Display) -> SheetError {
    SheetError::NotXlsx(detail.to_string())
}

/// Reads the first worksheet of the workbook in `bytes` into `findings`.
pub(super) fn read_xlsx(bytes: &[u8], findings: &mut FindingsBuilder) -> Result<(), SheetError> {
    let mut package = Package::open(bytes)?;
    let (sheet_id, epoch) = workbook(&mut package)?;
    findings.set_epoch(epoch);
    let parts = parts(&mut package, &sheet_id)?;
    let sheet = parts.sheet.ok_or(SheetError::EmptyWorkbook)?;
    let styles = match parts.styles {
        Some(path) => Styles::read(&mut package, &path)?,
        None => Styles::default(),
    };
    let shared = match parts.shared_strings {
        Some(path) => SharedStrings::read(&mut package, &path)?,
        None => SharedStrings::default(),
    };
    let mut reader = SheetReader {
        shared: &shared,
        styles: &styles,
        findings,
        row: None,
        last_row: 0,
        cell: None,
        last_column: None,
        capture: false,
        phonetic: false,
    };
    if !package.read_xml(&sheet, |event| reader.event(event))? {
        return Err(not_xlsx(format!("the worksheet part {sheet} is missing")));
    }
    Ok(())
}

/// The attribute `key` of `tag` (matched on its local name when `key` has no prefix), unescaped.
pub(super) fn attribute(tag: &BytesStart<'_>, key: &str) -> Option<String> {
    tag.attributes().with_checks(false).flatten().find_map(|attr| {
        let name = attr.key.as_ref();
        let local = name.rsplit_once(':').map_or(name, |(_, local)| local);
        (name == key || (local == key && name != local))
            .then(|| {
                attr.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                    .map(|value| value.into_owned())
                    .ok()
            })
            .flatten()
    })
}

fn local_name<'e>(tag: &'e BytesStart<'_>) -> &'e str {
    let name = tag.name().0;
    name.rsplit_once(':').map_or(name, |(_, local)| local)
}

fn end_name<'e>(event: &'e Event<'_>) -> Option<&'e str> {
    match event {
        Event::End(end) => {
            let name = end.name().0;
            Some(name.rsplit_once(':').map_or(name, |(_, local)| local))
        }
        _ => None,
    }
}

/// Appends the text of a text-like event (text, CDATA, an entity or character reference).
fn push_text(event: &Event<'_>, text: &mut KeptText) -> Result<(), SheetError> {
    match event {
        Event::Text(t) => text.push(&t.xml10_content()),
        Event::CData(t) => text.push(&t.xml10_content()),
        Event::GeneralRef(r) => match r.resolve_char_ref() {
            Ok(Some(c)) => text.push(c.encode_utf8(&mut [0; 4])),
            Ok(None) => {
                let name: &str = r;
                let resolved = quick_xml::escape::resolve_predefined_entity(name)
                    .ok_or_else(|| not_xlsx(format!("unknown XML entity &{};", shown_name(name))))?;
                text.push(resolved);
            }
            Err(e) => return Err(not_xlsx(e)),
        },
        _ => {}
    }
    Ok(())
}

fn shown_name(name: &str) -> String {
    name.chars().take(20).collect()
}

/// The first sheet's relationship id and the date system.
fn workbook(package: &mut Package<'_>) -> Result<(String, Epoch), SheetError> {
    let (mut sheet, mut epoch) = (None, Epoch::Excel1900);
    let found = package.read_xml("xl/workbook.xml", |event| {
        if let Event::Start(tag) | Event::Empty(tag) = event {
            match local_name(tag) {
                "workbookPr" => {
                    if matches!(attribute(tag, "date1904").as_deref(), Some("1" | "true")) {
                        epoch = Epoch::Excel1904;
                    }
                }
                "sheet" => {
                    sheet = attribute(tag, "id");
                    return Ok(Step::Stop);
                }
                _ => {}
            }
        }
        Ok(Step::Continue)
    })?;
    if !found {
        return Err(not_xlsx("xl/workbook.xml is missing"));
    }
    Ok((sheet.ok_or(SheetError::EmptyWorkbook)?, epoch))
}

#[derive(Default)]
struct Parts {
    sheet: Option<String>,
    shared_strings: Option<String>,
    styles: Option<String>,
}

/// Where the first sheet, the shared strings and the styles are, from the workbook's relationships.
fn parts(package: &mut Package<'_>, sheet_id: &str) -> Result<Parts, SheetError> {
    let mut parts = Parts::default();
    package.read_xml("xl/_rels/workbook.xml.rels", |event| {
        if let Event::Start(tag) | Event::Empty(tag) = event
            && local_name(tag) == "Relationship"
            && let Some(target) = attribute(tag, "Target")
        {
            let kind = attribute(tag, "Type").unwrap_or_default();
            let slot = if attribute(tag, "Id").as_deref() == Some(sheet_id) {
                &mut parts.sheet
            } else if kind.ends_with("/sharedStrings") {
                &mut parts.shared_strings
            } else if kind.ends_with("/styles") {
                &mut parts.styles
            } else {
                return Ok(Step::Continue);
            };
            slot.get_or_insert_with(|| part_path(&target));
        }
        Ok(Step::Continue)
    })?;
    Ok(parts)
}

/// A relationship target of `xl/workbook.xml` as a path in the archive.
fn part_path(target: &str) -> String {
    let mut path: Vec<&str> = if target.starts_with('/') {
        Vec::new()
    } else {
        vec!["xl"]
    };
    for segment in target.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                path.pop();
            }
            segment => path.push(segment),
        }
    }
    path.join("/")
}

/// The shared-strings table: every string cut to a field's length, stored end to end.
#[derive(Default)]
pub(super) struct SharedStrings {
    text: String,
    ends: Vec<u32>,
}

impl SharedStrings {
    pub fn get(&self, index: usize) -> Option<&str> {
        let end = *self.ends.get(index)? as usize;
        let start = index
            .checked_sub(1)
            .map_or(Some(0), |before| self.ends.get(before).map(|e| *e as usize))?;
        self.text.get(start..end)
    }

    fn read(package: &mut Package<'_>, path: &str) -> Result<Self, SheetError> {
        let mut table = Self::default();
        // The item being read, and whether a text inside it (not a phonetic reading) is open.
        let (mut item, mut in_text, mut in_phonetic) = (None::<KeptText>, false, false);
        package.read_xml(path, |event| {
            match event {
                Event::Start(tag) => match local_name(tag) {
                    "si" => item = Some(KeptText::default()),
                    "t" => in_text = !in_phonetic,
                    "rPh" => in_phonetic = true,
                    _ => {}
                },
                Event::Empty(tag) if local_name(tag) == "si" => table.push("")?,
                Event::End(_) => match end_name(event) {
                    Some("si") => {
                        let text = item.take().map(KeptText::finish).unwrap_or_default();
                        table.push(&decode_escapes(&text))?;
                    }
                    Some("t") => in_text = false,
                    Some("rPh") => in_phonetic = false,
                    _ => {}
                },
                _ => {
                    if in_text && let Some(item) = item.as_mut() {
                        push_text(event, item)?;
                    }
                }
            }
            Ok(Step::Continue)
        })?;
        Ok(table)
    }

    fn push(&mut self, text: &str) -> Result<(), SheetError> {
        if self.ends.len() >= MAX_SHARED_STRINGS {
            return Err(SheetError::TooManyStrings {
                max_strings: MAX_SHARED_STRINGS,
            });
        }
        if self.text.len() + text.len() > MAX_SHARED_TEXT_BYTES {
            return Err(SheetError::TooMuchText {
                max_bytes: MAX_SHARED_TEXT_BYTES as u64,
            });
        }
        self.text.push_str(text);
        self.ends.push(self.text.len() as u32);
        Ok(())
    }
}

/// Spreadsheet escapes of control characters in text, `_x000D_` for a carriage return.
fn decode_escapes(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains("_x") {
        return text.into();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("_x") {
        out.push_str(&rest[..at]);
        let code = rest
            .get(at + 2..at + 7)
            .filter(|hex| hex.ends_with('_'))
            .and_then(|hex| u32::from_str_radix(&hex[..4], 16).ok())
            .and_then(char::from_u32);
        match code {
            Some(c) => {
                out.push(c);
                rest = &rest[at + 7..];
            }
            None => {
                out.push_str("_x");
                rest = &rest[at + 2..];
            }
        }
    }
    out.push_str(rest);
    out.into()
}

/// The cell being read: its column, type and style, and its value text.
struct OpenCell {
    column: usize,
    kind: String,
    date: bool,
    value: KeptText,
}

/// The worksheet's rows as they stream by; each finished row goes to the findings at once.
struct SheetReader<'s, 'f> {
    shared: &'s SharedStrings,
    styles: &'s Styles,
    findings: &'f mut FindingsBuilder,
    row: Option<Row>,
    last_row: usize,
    cell: Option<OpenCell>,
    /// The column of the last cell of the row, for cells without a reference.
    last_column: Option<usize>,
    /// Inside `<v>` or an inline string's `<t>`, and inside a phonetic reading (not the text).
    capture: bool,
    phonetic: bool,
}

impl SheetReader<'_, '_> {
    fn event(&mut self, event: &Event<'_>) -> Result<Step, SheetError> {
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
