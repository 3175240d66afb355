//! CSV findings lists, streamed record by record into the findings.
//!
//! The csv crate's core state machine writes each field into a buffer of ours of
//! [`FIELD_BYTES`]: a longer field is cut there (and marked, so it is still refused as too long),
//! so a 16 MB line costs a few KiB however it is quoted. Comma, semicolon and tab separators are
//! told from the first line.

use csv_core::{ReadFieldResult, ReaderBuilder};

use super::cells::{Cell, KeptText, Row};
use super::{MAX_COLUMNS, MAX_TEXT_CHARS, RowSink, SheetError, UTF8_BOM};

/// Bytes kept of one field: room for the longest text a finding accepts, plus one character, in
/// four-byte UTF-8.
const FIELD_BYTES: usize = (MAX_TEXT_CHARS + 2) * 4;
/// How much of the first line is looked at to tell the separator.
const SNIFF_BYTES: usize = 64 * 1024;

/// Reads every record of the UTF-8 text in `bytes` into `findings`.
pub(super) fn read_csv(bytes: &[u8], findings: &mut dyn RowSink) -> Result<(), SheetError> {
    let text = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
    std::str::from_utf8(text).map_err(|_| SheetError::CsvNotUtf8)?;
    let mut reader = ReaderBuilder::new().delimiter(delimiter(text)).build();
    // Spreadsheets show an empty line as an empty row, but the csv reader skips empty lines and
    // counts the lines inside quoted fields; so rows are counted here: each record is one row,
    // after the empty lines found between it and the previous record.
    let mut number = 0usize;
    let mut previous_end = 0usize;
    let mut at = 0usize;
    let mut field = [0u8; FIELD_BYTES];
    let mut kept = 0usize;
    let mut spill = [0u8; 4096];
    let mut cells: Vec<(usize, Cell)> = Vec::new();
    let mut column = 0usize;
    let mut cut = false;
    let mut record_start = None;
    loop {
        record_start.get_or_insert(at);
        let (result, read) = if kept < FIELD_BYTES {
            let (result, read, written) = reader.read_field(&text[at..], &mut field[kept..]);
            kept += written;
            // Leading blanks are not kept against the field's room.
            if kept == FIELD_BYTES && field.iter().all(u8::is_ascii_whitespace) {
                kept = 0;
            }
            (result, read)
        } else {
            let (result, read, written) = reader.read_field(&text[at..], &mut spill);
            cut |= spill[..written].iter().any(|b| !b.is_ascii_whitespace());
            (result, read)
        };
        at += read;
        match result {
            ReadFieldResult::InputEmpty | ReadFieldResult::OutputFull => {}
            ReadFieldResult::Field { record_end } => {
                if column < MAX_COLUMNS as usize {
                    let mut text = KeptText::default();
                    text.push(utf8_prefix(&field[..kept]));
                    if cut {
                        text.mark_cut();
                    }
                    let text = text.finish();
                    if !text.is_empty() {
                        cells.push((column, Cell::Text(text)));
                    }
                }
                kept = 0;
                cut = false;
                column += 1;
                if record_end {
                    let start = record_start.take().unwrap_or(at);
                    let lines = empty_lines_before(text.get(start..at).unwrap_or_default(), previous_end, text);
                    number += 1 + lines;
                    previous_end = at;
                    column = 0;
                    let cells = std::mem::take(&mut cells);
                    if !cells.is_empty() {
                        findings.push(Row { number, cells })?;
                    }
                }
            }
            ReadFieldResult::End => return Ok(()),
        }
    }
}

/// The longest UTF-8 prefix of a field (a cut may split a character).
fn utf8_prefix(field: &[u8]) -> &str {
    match std::str::from_utf8(field) {
        Ok(text) => text,
        Err(error) => std::str::from_utf8(&field[..error.valid_up_to()]).unwrap_or_default(),
    }
}

fn delimiter(text: &[u8]) -> u8 {
    let head = &text[..text.len().min(SNIFF_BYTES)];
    let first_line = head
        .split(|b| *b == b'\n')
        .find(|line| !line.trim_ascii().is_empty())
        .unwrap_or_default();
    match (
        first_line.contains(&b','),
        first_line.contains(&b';'),
        first_line.contains(&b'\t'),
    ) {
        (false, true, _) => b';',
        (false, false, true) => b'\t',
        _ => b',',
    }
}

/// Empty lines at the start of `record` (the bytes the csv reader consumed for one record). A CRLF
/// split by the previous record, which ended after its `\r`, is not an empty line.
fn empty_lines_before(record: &[u8], previous_end: usize, text: &[u8]) -> usize {
    let split_crlf = previous_end > 0 && text.get(previous_end - 1) == Some(&b'\r');
    let record = if split_crlf {
        record.strip_prefix(b"\n").unwrap_or(record)
    } else {
        record
    };
    let leading = record.iter().take_while(|b| matches!(b, b'\r' | b'\n')).count();
    let run = &record[..leading];
    run.iter().filter(|b| **b == b'\r').count()
        + run.windows(2).filter(|w| w[0] != b'\r' && w[1] == b'\n').count()
        + usize::from(run.first() == Some(&b'\n'))
}

/// Structural GB18030 (hence GBK) check: one-byte ASCII, two-byte lead 0x81–0xFE with trail
/// 0x40–0xFE except 0x7F, or four bytes lead/digit/lead/digit. Only used to explain, not to decode.
pub(super) fn is_gb18030(bytes: &[u8]) -> bool {
    let mut index = 0;
    while let Some(&lead) = bytes.get(index) {
        index += match (
            lead,
            bytes.get(index + 1).copied(),
            bytes.get(index + 2),
            bytes.get(index + 3),
        ) {
            (0x00..=0x7F, _, _, _) => 1,
            (0x81..=0xFE, Some(0x30..=0x39), Some(0x81..=0xFE), Some(0x30..=0x39)) => 4,
            (0x81..=0xFE, Some(0x40..=0x7E | 0x80..=0xFE), _, _) => 2,
            _ => return false,
        };
    }
    true
}
