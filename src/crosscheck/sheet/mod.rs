//! Inspection findings read from the spreadsheets inspectors actually keep: CSV or XLSX, one
//! finding per row under a header row, headers in Chinese or English.
//!
//! A whole-file problem (not a spreadsheet, no date or amount column, too many rows) is a
//! [`SheetError`]; a problem in one row (a date that does not exist, "abc" as an amount) is a
//! [`RowError`] and only that row is skipped, so an inspector fixes a few cells instead of
//! re-uploading blind. Money is read exactly into fen, never through floating point arithmetic.
//!
//! Uploads are untrusted, and no input makes this module panic or size anything from what the
//! file declares. Both readers stream: each row goes into [`FindingsBuilder`] as soon as it is
//! read, is turned into a finding or row errors there, and is dropped. Readers: [`csv`] (text),
//! [`xlsx`] over [`archive`] (the zip container and bounded XML events), with [`styles`],
//! [`shared_strings`] and [`worksheet`] for its parts and [`xml`] for their events; cells are
//! interpreted in [`cells`], headers in [`columns`].
//!
//! # Memory bound
//!
//! What one upload can cost beyond its body (which the caller holds, at most
//! `VL_CROSSCHECK_MAX_BYTES`), whatever the file says:
//!
//! | what | bound |
//! |---|---|
//! | zip central directory as the zip reader holds it (checked before it sees it: ≤ 1 MiB, ≤ 1,000 parts) | 1.5 MiB |
//! | inflating one part: zlib state, read buffer, one XML event (≤ 1 MiB), nesting ≤ 64 | 1.2 MiB |
//! | styles: date flags of ≤ 65,536 cell formats, ≤ 4,096 custom formats | 0.2 MiB |
//! | shared strings: text ≤ 8 MiB, 500,000 offsets, with `Vec` growth | 20 MiB |
//! | the row being read: ≤ 256 cells of ≤ 501 characters | 0.6 MiB |
//! | findings and row errors kept (counted, ≤ 16 MiB), with `Vec` growth | 24 MiB |
//! | **in all** | **under 48 MiB** |
//!
//! A CSV upload costs only the last two lines (its fields are cut into a 2 KiB buffer). CPU is
//! bounded by the 64 MiB of XML inflated at most ([`archive::MAX_XLSX_UNCOMPRESSED`]) or the body.

mod archive;
mod cells;
mod columns;
mod csv;
#[cfg(test)]
mod hostile_tests;
mod shared_strings;
mod styles;
#[cfg(test)]
mod tests;
mod worksheet;
mod xlsx;
mod xml;

use std::fmt;

use chrono::NaiveDate;
use serde::Serialize;

pub use cells::{
    AmountFault, Cell, CellError, Epoch, Row, cell_amount, cell_date, cell_text, parse_amount, parse_date, shown,
};

use crate::i18n::Msg;
use crate::msg;
use columns::Columns;

/// One finding, as read from one row.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SheetFinding {
    /// 1-based row number as a spreadsheet shows it (the header is usually row 1).
    pub row: usize,
    /// The finding's reference; `row-<row>` when the sheet has none for it.
    pub r#ref: String,
    pub date: NaiveDate,
    pub amount_fen: i64,
    pub counterparty: Option<String>,
    pub description: Option<String>,
    pub voucher_no: Option<String>,
    pub invoice_number: Option<String>,
}

/// A row that was skipped, and why: a machine code, and words an inspector can act on (in the
/// caller's language).
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct RowError {
    pub row: usize,
    /// The header of the offending column as the sheet spells it.
    pub column: Option<String>,
    /// What is wrong, for programs: `date-invalid`, `amount-too-many-decimals`, … (the README
    /// lists them); never changes with the language.
    #[schema(example = "amount-too-many-decimals")]
    pub code: &'static str,
    #[schema(value_type = String)]
    pub message: Msg,
}

/// A problem with the file as a whole: nothing in it can be trusted to be a finding.
#[derive(Debug, PartialEq)]
pub enum SheetError {
    /// Text that is not UTF-8, most likely GBK/GB18030 from Excel's plain "CSV" on Chinese Windows.
    CsvNotUtf8,
    /// Not a readable XLSX workbook (the message says what failed).
    NotXlsx(String),
    /// The workbook holds no worksheet.
    EmptyWorkbook,
    /// No non-blank row, so no header row.
    NoHeaderRow,
    /// A required column was not found among the headers.
    MissingColumn {
        column: &'static str,
        accepted: &'static [&'static str],
    },
    /// More data rows than the caller allows.
    TooManyRows { max_rows: usize },
    /// More parts in the zip archive (or a larger central directory) than a workbook needs.
    TooManyParts { max_parts: usize },
    /// More distinct texts in the shared-strings table than a findings list needs.
    TooManyStrings { max_strings: usize },
    /// More text kept (shared strings, or findings and row errors) than the cap.
    TooMuchText { max_bytes: u64 },
    /// The workbook decompresses to more than the cap (a zip bomb, or not a findings list).
    TooLarge { max_bytes: u64 },
}

impl SheetError {
    /// What the inspector reads.
    pub fn msg(&self) -> Msg {
        match self {
            Self::CsvNotUtf8 => msg!("sheet-csv-not-utf8"),
            // The XML parser's message may quote a whole tag of the file.
            Self::NotXlsx(detail) => msg!("sheet-not-xlsx", detail = crate::domain::clip(detail, 200)),
            Self::EmptyWorkbook => msg!("sheet-empty-workbook"),
            Self::NoHeaderRow => msg!("sheet-no-header-row"),
            Self::MissingColumn { column, accepted } => {
                let column = match *column {
                    "date" => msg!("sheet-column-date"),
                    _ => msg!("sheet-column-amount"),
                };
                msg!("sheet-missing-column", column = column, accepted = accepted.join(", "))
            }
            Self::TooManyRows { max_rows } => msg!("sheet-too-many-rows", max = *max_rows),
            Self::TooManyParts { max_parts } => msg!("sheet-too-many-parts", max = *max_parts),
            Self::TooManyStrings { max_strings } => msg!("sheet-too-many-strings", max = *max_strings),
            Self::TooMuchText { max_bytes } => msg!("sheet-too-much-text", mib = *max_bytes / (1024 * 1024)),
            Self::TooLarge { max_bytes } => msg!("sheet-too-large", mib = *max_bytes / (1024 * 1024)),
        }
    }
}

/// For the server log.
impl fmt::Display for SheetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.msg().render(crate::i18n::Lang::En))
    }
}

impl std::error::Error for SheetError {}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SheetFormat {
    Csv,
    Xlsx,
}

/// Columns past this are never findings data; ignoring them bounds memory per row.
const MAX_COLUMNS: u32 = 256;
/// The header may sit below a title row or two; it is looked for in this many non-blank rows.
const HEADER_SEARCH_ROWS: usize = 10;
/// Longer text cells are pasted documents, not finding fields.
const MAX_TEXT_CHARS: usize = 500;
/// Findings and row errors kept for one upload, counted as their size plus their text.
const MAX_RETAINED_BYTES: usize = 16 * 1024 * 1024;
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Which reader fits `bytes`: XLSX by its zip signature; CSV for UTF-8 text, and also for GBK/GB18030
/// text so that [`read_findings`] can tell the user to re-save it as UTF-8; `None` for anything else.
pub fn sniff_format(bytes: &[u8]) -> Option<SheetFormat> {
    if bytes.starts_with(b"PK\x03\x04") {
        return Some(SheetFormat::Xlsx);
    }
    let text = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
    let control = text
        .iter()
        .any(|b| b.is_ascii_control() && !matches!(b, b'\t' | b'\n' | b'\r'));
    (!control && (std::str::from_utf8(text).is_ok() || csv::is_gb18030(text))).then_some(SheetFormat::Csv)
}

/// Reads the findings of the first worksheet (XLSX) or of the file (CSV). `max_rows` caps the
/// data rows below the header, blank rows not counted.
pub fn read_findings(
    bytes: &[u8],
    format: SheetFormat,
    max_rows: usize,
) -> Result<(Vec<SheetFinding>, Vec<RowError>), SheetError> {
    let mut findings = FindingsBuilder::new(max_rows);
    match format {
        SheetFormat::Csv => csv::read_csv(bytes, &mut findings)?,
        SheetFormat::Xlsx => xlsx::read_xlsx(bytes, &mut findings)?,
    }
    findings.finish()
}

/// Where a reader hands the rows it reads: the findings here, the import of a ledger elsewhere
/// (`exchange`), so both read through the same bounded readers.
pub trait RowSink {
    /// The workbook's date system, told before the first row (CSV has none: 1900).
    fn set_epoch(&mut self, epoch: Epoch);
    /// Takes the next non-blank row, in sheet order; an error stops the reading.
    fn push(&mut self, row: Row) -> Result<(), SheetError>;
}

/// Reads every non-blank row of the first worksheet (XLSX) or of the file (UTF-8 CSV) into `sink`,
/// through the same bounded readers as the findings.
pub fn read_rows(bytes: &[u8], format: SheetFormat, sink: &mut dyn RowSink) -> Result<(), SheetError> {
    match format {
        SheetFormat::Csv => csv::read_csv(bytes, sink),
        SheetFormat::Xlsx => xlsx::read_xlsx(bytes, sink),
    }
}

/// Whether `bytes` are GB18030 (hence GBK) text by their structure.
pub fn is_gb18030(bytes: &[u8]) -> bool {
    csv::is_gb18030(bytes)
}

impl RowSink for FindingsBuilder {
    fn set_epoch(&mut self, epoch: Epoch) {
        self.epoch = epoch;
    }

    fn push(&mut self, row: Row) -> Result<(), SheetError> {
        FindingsBuilder::push(self, row)
    }
}

/// Rows in, findings out: the header is looked for in the first non-blank rows, then each data
/// row becomes a finding or row errors at once, under the row and retained-bytes caps.
struct FindingsBuilder {
    epoch: Epoch,
    max_rows: usize,
    header: Header,
    data_rows: usize,
    findings: Vec<SheetFinding>,
    errors: Vec<RowError>,
    retained: usize,
}

enum Header {
    /// Rows looked at so far, and why the first of them is not a header.
    Searching {
        rows: usize,
        first: Option<SheetError>,
    },
    Found(Columns),
}

impl FindingsBuilder {
    fn new(max_rows: usize) -> Self {
        Self {
            epoch: Epoch::Excel1900,
            max_rows,
            header: Header::Searching { rows: 0, first: None },
            data_rows: 0,
            findings: Vec::new(),
            errors: Vec::new(),
            retained: 0,
        }
    }

    /// Takes the next non-blank row, in sheet order.
    fn push(&mut self, row: Row) -> Result<(), SheetError> {
        let columns = match &mut self.header {
            Header::Searching { rows, first } => {
                match Columns::from_header(&row) {
                    Ok(columns) => self.header = Header::Found(columns),
                    Err(error) => {
                        *rows += 1;
                        let first = first.get_or_insert(error);
                        if *rows >= HEADER_SEARCH_ROWS {
                            return Err(std::mem::replace(first, SheetError::NoHeaderRow));
                        }
                    }
                }
                return Ok(());
            }
            Header::Found(columns) => columns,
        };
        self.data_rows += 1;
        if self.data_rows > self.max_rows {
            return Err(SheetError::TooManyRows {
                max_rows: self.max_rows,
            });
        }
        match columns.finding(&row, self.epoch) {
            Ok(finding) => {
                let text = [
                    Some(&finding.r#ref),
                    finding.counterparty.as_ref(),
                    finding.description.as_ref(),
                    finding.voucher_no.as_ref(),
                    finding.invoice_number.as_ref(),
                ];
                let text: usize = text.into_iter().flatten().map(String::len).sum();
                self.retain(size_of::<SheetFinding>() + text)?;
                self.findings.push(finding);
            }
            Err(errors) => {
                for error in errors {
                    let text = error.message.arg_bytes() + error.column.as_ref().map_or(0, String::len);
                    self.retain(size_of::<RowError>() + text)?;
                    self.errors.push(error);
                }
            }
        }
        Ok(())
    }

    fn retain(&mut self, bytes: usize) -> Result<(), SheetError> {
        self.retained += bytes;
        if self.retained > MAX_RETAINED_BYTES {
            return Err(SheetError::TooMuchText {
                max_bytes: MAX_RETAINED_BYTES as u64,
            });
        }
        Ok(())
    }

    fn finish(self) -> Result<(Vec<SheetFinding>, Vec<RowError>), SheetError> {
        match self.header {
            Header::Found(_) => Ok((self.findings, self.errors)),
            Header::Searching { first, .. } => Err(first.unwrap_or(SheetError::NoHeaderRow)),
        }
    }
}
