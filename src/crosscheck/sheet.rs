//! Inspection findings read from the spreadsheets inspectors actually keep: CSV or XLSX, one
//! finding per row under a header row, headers in Chinese or English.
//!
//! A whole-file problem (not a spreadsheet, no date or amount column, too many rows) is a
//! [`SheetError`]; a problem in one row (a date that does not exist, "abc" as an amount) is a
//! [`RowError`] and only that row is skipped, so an inspector fixes a few cells instead of
//! re-uploading blind. Money is read exactly into fen, never through floating point arithmetic.
//! Uploads are untrusted: row counts and the decompressed size of a workbook are capped, and no
//! input makes this module panic.

use std::fmt;
use std::io::{Cursor, Read};

use calamine::{DataRef, Reader, Xlsx};
use chrono::NaiveDate;
use serde::Serialize;

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

/// A row that was skipped, and why, in words an inspector can act on.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct RowError {
    pub row: usize,
    /// The header of the offending column as the sheet spells it.
    pub column: Option<String>,
    pub message: String,
}

/// A problem with the file as a whole: nothing in it can be trusted to be a finding.
#[derive(Debug, PartialEq)]
pub enum SheetError {
    /// Text that is not UTF-8, most likely GBK/GB18030 from Excel's plain "CSV" on Chinese Windows.
    CsvNotUtf8,
    /// The CSV reader gave up (the message says where).
    MalformedCsv(String),
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
    /// The workbook decompresses to more than the cap (a zip bomb, or not a findings list).
    TooLarge { max_bytes: u64 },
}

impl fmt::Display for SheetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::CsvNotUtf8 => f.write_str(
                "the CSV file is not UTF-8 text (probably GBK, as Excel writes plain \"CSV\" on Chinese \
                 Windows); save it as \"CSV UTF-8\" and upload it again",
            ),
            Self::MalformedCsv(detail) => write!(f, "the CSV file cannot be read: {detail}"),
            Self::NotXlsx(detail) => write!(
                f,
                "the file is not a readable XLSX workbook ({detail}); old .xls files must be saved as .xlsx first"
            ),
            Self::EmptyWorkbook => f.write_str("the workbook has no worksheet"),
            Self::NoHeaderRow => {
                f.write_str("the sheet is empty: expected a header row followed by one finding per row")
            }
            Self::MissingColumn { column, accepted } => write!(
                f,
                "no {column} column found in the header row; accepted headers are: {}",
                accepted.join(", ")
            ),
            Self::TooManyRows { max_rows } => {
                write!(
                    f,
                    "the sheet has more than {max_rows} data rows; split it into smaller files"
                )
            }
            Self::TooLarge { max_bytes } => write!(
                f,
                "the workbook expands to more than {} MiB of content; remove other sheets and pictures",
                max_bytes / (1024 * 1024)
            ),
        }
    }
}

impl std::error::Error for SheetError {}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SheetFormat {
    Csv,
    Xlsx,
}

/// Total decompressed bytes read from a workbook; a findings list is far below this, a zip bomb far
/// above.
const MAX_XLSX_UNCOMPRESSED: u64 = 64 * 1024 * 1024;
const MAX_ZIP_ENTRIES: usize = 10_000;
/// Columns past this are never findings data; ignoring them bounds memory per row.
const MAX_COLUMNS: u32 = 256;
/// The header may sit below a title row or two; it is looked for in this many non-blank rows.
const HEADER_SEARCH_ROWS: usize = 10;
/// Longer text cells are pasted documents, not finding fields.
const MAX_TEXT_CHARS: usize = 500;
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
    (!control && (std::str::from_utf8(text).is_ok() || is_gb18030(text))).then_some(SheetFormat::Csv)
}

/// Reads the findings of the first worksheet (XLSX) or of the file (CSV). `max_rows` caps the
/// data rows below the header, blank rows not counted.
pub fn read_findings(
    bytes: &[u8],
    format: SheetFormat,
    max_rows: usize,
) -> Result<(Vec<SheetFinding>, Vec<RowError>), SheetError> {
    let (rows, epoch) = match format {
        SheetFormat::Csv => (csv_rows(bytes, max_rows)?, Epoch::Excel1900),
        SheetFormat::Xlsx => xlsx_rows(bytes, max_rows)?,
    };
    findings_from_rows(&rows, epoch, max_rows)
}

/// One cell as read, before it is interpreted for its column.
#[derive(Clone, Debug, PartialEq)]
enum Cell {
    Text(String),
    /// A numeric cell, as the shortest decimal text that round-trips its stored value.
    Number(String),
    /// A numeric cell formatted as a date: a serial day number.
    Serial(f64),
    Bool(bool),
    Error(String),
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Epoch {
    Excel1900,
    Excel1904,
}

struct Row {
    number: usize,
    cells: Vec<(usize, Cell)>,
}

impl Row {
    fn get(&self, column: usize) -> Option<&Cell> {
        self.cells.iter().find(|(at, _)| *at == column).map(|(_, cell)| cell)
    }
}

fn csv_rows(bytes: &[u8], max_rows: usize) -> Result<Vec<Row>, SheetError> {
    let text =
        std::str::from_utf8(bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes)).map_err(|_| SheetError::CsvNotUtf8)?;
    let first_line = text.lines().find(|line| !line.trim().is_empty()).unwrap_or("");
    let delimiter = match (
        first_line.contains(','),
        first_line.contains(';'),
        first_line.contains('\t'),
    ) {
        (false, true, _) => b';',
        (false, false, true) => b'\t',
        _ => b',',
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut record = csv::StringRecord::new();
    let mut rows = Vec::new();
    // Spreadsheets show an empty line as an empty row, but the csv crate skips empty lines and
    // reports line numbers that count the lines inside quoted fields; so rows are counted here:
    // each record is one row, after the empty lines found between it and the previous record.
    let mut number = 0usize;
    let mut previous_end = 0usize;
    loop {
        let more = reader
            .read_record(&mut record)
            .map_err(|e| SheetError::MalformedCsv(e.to_string()))?;
        if !more {
            break;
        }
        let start = record
            .position()
            .map_or(previous_end, |position| position.byte() as usize);
        let end = reader.position().byte() as usize;
        number += 1 + empty_lines_before(text.as_bytes().get(start..end).unwrap_or_default(), previous_end, text);
        previous_end = end;
        let cells: Vec<(usize, Cell)> = record
            .iter()
            .enumerate()
            .take(MAX_COLUMNS as usize)
            .filter(|(_, field)| !field.trim().is_empty())
            .map(|(column, field)| (column, Cell::Text(field.to_owned())))
            .collect();
        if !cells.is_empty() {
            rows.push(Row { number, cells });
            if rows.len() > max_rows.saturating_add(HEADER_SEARCH_ROWS) {
                return Err(SheetError::TooManyRows { max_rows });
            }
        }
    }
    Ok(rows)
}

/// Empty lines at the start of `record` (the bytes the csv reader consumed for one record). A CRLF
/// split by the previous record, which ended after its `\r`, is not an empty line.
fn empty_lines_before(record: &[u8], previous_end: usize, text: &str) -> usize {
    let split_crlf = previous_end > 0 && text.as_bytes().get(previous_end - 1) == Some(&b'\r');
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

fn xlsx_rows(bytes: &[u8], max_rows: usize) -> Result<(Vec<Row>, Epoch), SheetError> {
    check_uncompressed_size(bytes)?;
    let not_xlsx = |e: calamine::XlsxError| SheetError::NotXlsx(e.to_string());
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(not_xlsx)?;
    let epoch = if workbook.has_1904_epoch() {
        Epoch::Excel1904
    } else {
        Epoch::Excel1900
    };
    let first = workbook
        .sheet_names()
        .into_iter()
        .next()
        .ok_or(SheetError::EmptyWorkbook)?;
    let mut reader = workbook.worksheet_cells_reader(&first).map_err(not_xlsx)?;
    // Cells stream in file order; rows are gathered by number because order is not guaranteed.
    let mut rows: std::collections::BTreeMap<u32, Vec<(usize, Cell)>> = Default::default();
    while let Some(cell) = reader.next_cell().map_err(not_xlsx)? {
        let (row, column) = cell.get_position();
        if column >= MAX_COLUMNS {
            continue;
        }
        let value = match cell.get_value() {
            DataRef::Empty => continue,
            DataRef::String(text) | DataRef::DateTimeIso(text) | DataRef::DurationIso(text) => Cell::Text(text.clone()),
            DataRef::SharedString(text) => Cell::Text((*text).to_owned()),
            DataRef::Int(value) => Cell::Number(value.to_string()),
            DataRef::Float(value) => Cell::Number(value.to_string()),
            DataRef::DateTime(value) if value.is_datetime() => Cell::Serial(value.as_f64()),
            DataRef::DateTime(value) => Cell::Number(value.as_f64().to_string()),
            DataRef::Bool(value) => Cell::Bool(*value),
            DataRef::Error(error) => Cell::Error(error.to_string()),
        };
        if matches!(&value, Cell::Text(text) if text.trim().is_empty()) {
            continue;
        }
        rows.entry(row).or_default().push((column as usize, value));
        if rows.len() > max_rows.saturating_add(HEADER_SEARCH_ROWS) {
            return Err(SheetError::TooManyRows { max_rows });
        }
    }
    let rows = rows
        .into_iter()
        .map(|(row, cells)| Row {
            number: row as usize + 1,
            cells,
        })
        .collect();
    Ok((rows, epoch))
}

/// Decompresses every entry once, counting, so that the real reader only ever sees an archive whose
/// actual (not declared) content fits the cap.
fn check_uncompressed_size(bytes: &[u8]) -> Result<(), SheetError> {
    let not_xlsx = |e: &dyn fmt::Display| SheetError::NotXlsx(e.to_string());
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| not_xlsx(&e))?;
    if archive.len() > MAX_ZIP_ENTRIES {
        return Err(SheetError::NotXlsx(format!("{} entries in the archive", archive.len())));
    }
    let mut total = 0u64;
    for index in 0..archive.len() {
        let entry = archive.by_index(index).map_err(|e| not_xlsx(&e))?;
        let remaining = MAX_XLSX_UNCOMPRESSED - total;
        total += std::io::copy(&mut entry.take(remaining + 1), &mut std::io::sink()).map_err(|e| not_xlsx(&e))?;
        if total > MAX_XLSX_UNCOMPRESSED {
            return Err(SheetError::TooLarge {
                max_bytes: MAX_XLSX_UNCOMPRESSED,
            });
        }
    }
    Ok(())
}

fn findings_from_rows(
    rows: &[Row],
    epoch: Epoch,
    max_rows: usize,
) -> Result<(Vec<SheetFinding>, Vec<RowError>), SheetError> {
    let first = rows.first().ok_or(SheetError::NoHeaderRow)?;
    let (header_index, columns) = rows
        .iter()
        .take(HEADER_SEARCH_ROWS)
        .enumerate()
        .find_map(|(index, row)| Columns::from_header(row).ok().map(|columns| (index, columns)))
        .map_or_else(|| Columns::from_header(first).map(|columns| (0, columns)), Ok)?;
    let data = &rows[header_index + 1..];
    if data.len() > max_rows {
        return Err(SheetError::TooManyRows { max_rows });
    }
    let mut findings = Vec::with_capacity(data.len());
    let mut errors = Vec::new();
    for row in data {
        match columns.finding(row, epoch) {
            Ok(finding) => findings.push(finding),
            Err(row_errors) => errors.extend(row_errors),
        }
    }
    Ok((findings, errors))
}

#[derive(Clone, Copy, PartialEq)]
enum Field {
    Ref,
    Date,
    Yuan,
    Fen,
    Counterparty,
    Description,
    Voucher,
    Invoice,
}

const REF_HEADERS: &[&str] = &["ref", "reference", "id", "no", "编号", "序号", "问题编号"];
const DATE_HEADERS: &[&str] = &["date", "日期", "发生日期", "支付日期", "发放日期"];
const YUAN_HEADERS: &[&str] = &["amount", "amount_yuan", "金额", "支出金额", "发放金额", "付款金额"];
const AMOUNT_HEADERS: &[&str] = &[
    "amount",
    "amount_yuan",
    "金额",
    "金额(元)",
    "支出金额",
    "发放金额",
    "付款金额",
    "amount_fen",
    "金额(分)",
];
const COUNTERPARTY_HEADERS: &[&str] = &[
    "counterparty",
    "payee",
    "name",
    "对方单位",
    "收款人",
    "收款单位",
    "姓名",
    "户主姓名",
    "领取人",
];
const DESCRIPTION_HEADERS: &[&str] = &["description", "摘要", "事由", "说明", "问题描述", "内容"];
const VOUCHER_HEADERS: &[&str] = &["voucher_no", "voucher", "凭证号", "凭证编号"];
const INVOICE_HEADERS: &[&str] = &["invoice_number", "invoice", "发票号码", "发票号"];

/// Which field a header names. Width, case, spaces and surrounding punctuation do not matter; a
/// trailing unit in brackets is read: yuan or none for amounts in yuan, "分"/"fen" for fen, and any
/// other unit (say 万元) leaves the column unrecognised rather than misread by a factor.
fn header_field(header: &str) -> Option<Field> {
    let folded: String = fold_width(header)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_lowercase();
    let (base, unit) = match folded.strip_suffix(')').and_then(|rest| rest.rsplit_once('(')) {
        Some((base, unit)) => (base, Some(unit)),
        None => (folded.as_str(), None),
    };
    let base = base.trim_matches(|c: char| !c.is_alphanumeric() && c != '_');
    let unit_is = |accepted: &[&str]| unit.is_none_or(|unit| accepted.contains(&unit));
    let yuan_units = ["元", "yuan", "rmb", "cny", "人民币", "人民币元", "¥"];
    if YUAN_HEADERS.contains(&base) {
        return if unit_is(&yuan_units) {
            Some(Field::Yuan)
        } else if unit_is(&["分", "fen"]) && base != "amount_yuan" {
            Some(Field::Fen)
        } else {
            None
        };
    }
    if base == "amount_fen" {
        return unit_is(&["分", "fen"]).then_some(Field::Fen);
    }
    [
        (REF_HEADERS, Field::Ref),
        (DATE_HEADERS, Field::Date),
        (COUNTERPARTY_HEADERS, Field::Counterparty),
        (DESCRIPTION_HEADERS, Field::Description),
        (VOUCHER_HEADERS, Field::Voucher),
        (INVOICE_HEADERS, Field::Invoice),
    ]
    .into_iter()
    .find_map(|(headers, field)| headers.contains(&base).then_some(field))
}

/// The recognised columns of a header row: field, column index, header text. The first column
/// naming a field wins.
struct Columns(Vec<(Field, usize, String)>);

impl Columns {
    fn from_header(row: &Row) -> Result<Self, SheetError> {
        let mut columns: Vec<(Field, usize, String)> = Vec::new();
        for (column, cell) in &row.cells {
            let Cell::Text(text) = cell else { continue };
            let Some(field) = header_field(text) else { continue };
            let is_amount = |f: Field| matches!(f, Field::Yuan | Field::Fen);
            if !columns
                .iter()
                .any(|(known, _, _)| *known == field || (is_amount(*known) && is_amount(field)))
            {
                columns.push((field, *column, text.trim().to_owned()));
            }
        }
        let has = |wanted: &[Field]| columns.iter().any(|(field, _, _)| wanted.contains(field));
        if !has(&[Field::Date]) {
            return Err(SheetError::MissingColumn {
                column: "date",
                accepted: DATE_HEADERS,
            });
        }
        if !has(&[Field::Yuan, Field::Fen]) {
            return Err(SheetError::MissingColumn {
                column: "amount",
                accepted: AMOUNT_HEADERS,
            });
        }
        Ok(Self(columns))
    }

    fn finding(&self, row: &Row, epoch: Epoch) -> Result<SheetFinding, Vec<RowError>> {
        let mut finding = SheetFinding {
            row: row.number,
            r#ref: format!("row-{}", row.number),
            date: NaiveDate::MIN,
            amount_fen: 0,
            counterparty: None,
            description: None,
            voucher_no: None,
            invoice_number: None,
        };
        let mut errors = Vec::new();
        for (field, column, header) in &self.0 {
            let cell = row.get(*column);
            let problem = |message: String| RowError {
                row: row.number,
                column: Some(header.clone()),
                message,
            };
            let result = match field {
                Field::Date => cell_date(cell, epoch).map(|date| finding.date = date),
                Field::Yuan => cell_amount(cell, 2).map(|fen| finding.amount_fen = fen),
                Field::Fen => cell_amount(cell, 0).map(|fen| finding.amount_fen = fen),
                Field::Ref => cell_text(cell, epoch).map(|text| finding.r#ref = text.unwrap_or(finding.r#ref.clone())),
                Field::Counterparty => cell_text(cell, epoch).map(|text| finding.counterparty = text),
                Field::Description => cell_text(cell, epoch).map(|text| finding.description = text),
                Field::Voucher => cell_text(cell, epoch).map(|text| finding.voucher_no = text),
                Field::Invoice => cell_text(cell, epoch).map(|text| finding.invoice_number = text),
            };
            if let Err(message) = result {
                errors.push(problem(message));
            }
        }
        if errors.is_empty() { Ok(finding) } else { Err(errors) }
    }
}

/// The cell as it would be shown, for messages; long text is cut so a message stays one line.
fn shown(cell: &Cell) -> String {
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

fn cell_text(cell: Option<&Cell>, epoch: Epoch) -> Result<Option<String>, String> {
    let text = match cell {
        None => return Ok(None),
        Some(Cell::Error(error)) => return Err(format!("the cell holds the spreadsheet error {error}; expected text")),
        Some(Cell::Serial(serial)) => match serial_date(*serial, epoch) {
            Ok(date) => date.to_string(),
            Err(_) => serial.to_string(),
        },
        Some(cell) => shown_full(cell),
    };
    let text = text.trim();
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err(format!("text is longer than {MAX_TEXT_CHARS} characters; shorten it"));
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

const DATE_FORMATS_HINT: &str = "expected a date such as 2024-05-14, 2024/5/14, 2024.5.14, 20240514 or 2024年5月14日";

fn cell_date(cell: Option<&Cell>, epoch: Epoch) -> Result<NaiveDate, String> {
    match cell {
        None => Err(format!("the date is missing; {DATE_FORMATS_HINT}")),
        Some(Cell::Serial(serial)) => serial_date(*serial, epoch),
        Some(Cell::Text(text) | Cell::Number(text)) => {
            parse_date(text).ok_or_else(|| format!("'{}' is not a valid date; {DATE_FORMATS_HINT}", shown_text(text)))
        }
        Some(cell) => Err(format!("'{}' is not a date; {DATE_FORMATS_HINT}", shown(cell))),
    }
}

fn shown_text(text: &str) -> String {
    shown(&Cell::Text(text.to_owned()))
}

/// A spreadsheet date serial, with Excel's fictitious 1900-02-29 (serial 60) kept in the count as
/// Excel keeps it, and the 1904 system of old Mac workbooks.
fn serial_date(serial: f64, epoch: Epoch) -> Result<NaiveDate, String> {
    let invalid = || format!("date serial {serial} is outside the dates a spreadsheet can hold");
    if !serial.is_finite() || !(0.0..2_958_466.0).contains(&serial) {
        return Err(invalid());
    }
    let days = serial.floor() as i64;
    let (base, offset) = match epoch {
        Epoch::Excel1904 => ((1904, 1, 1), days),
        Epoch::Excel1900 if days == 60 => return Err("1900-02-29 does not exist (a spreadsheet artefact)".into()),
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
fn parse_date(text: &str) -> Option<NaiveDate> {
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
fn cell_amount(cell: Option<&Cell>, scale: u32) -> Result<i64, String> {
    let text = match cell {
        None => return Err("the amount is missing; expected a positive amount such as 950.50".into()),
        Some(Cell::Text(text) | Cell::Number(text)) => text,
        Some(Cell::Serial(_)) => return Err("the amount cell is formatted as a date; format it as a number".into()),
        Some(cell) => {
            return Err(format!(
                "'{}' is not an amount; expected a number such as 950.50",
                shown(cell)
            ));
        }
    };
    let fen = parse_amount(text, scale).map_err(|problem| format!("'{}' {problem}", shown_text(text)))?;
    if fen <= 0 {
        return Err(format!(
            "'{}' is not a positive amount; findings are payments greater than zero",
            shown_text(text)
        ));
    }
    Ok(fen)
}

/// Exact decimal text to an integer count of 10^-scale units: `1,234.56`, `¥1234`, `950元`,
/// full-width digits. Thousands separators must group by three, so a decimal comma (`950,5`) is
/// refused instead of read as 9505. Digits past `scale` are allowed only when they are zeros.
fn parse_amount(text: &str, scale: u32) -> Result<i64, &'static str> {
    const NOT_A_NUMBER: &str = "is not an amount; expected a number such as 1234.56, ¥1,234.56 or 950元";
    let folded: String = fold_width(text).chars().filter(|c| !c.is_whitespace()).collect();
    let body = folded.trim_start_matches(['¥', '￥']);
    let body = body.strip_suffix(if scale == 0 { '分' } else { '元' }).unwrap_or(body);
    if body.starts_with(['-', '−', '(']) {
        return Err("is negative; findings are payments greater than zero");
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
            "has fractions of a fen; expected a whole number of fen"
        } else {
            "has more than 2 decimals; expected yuan with at most fen (0.01) precision"
        });
    }
    let digits = groups.concat() + &format!("{fraction:0<scale$}")[..scale];
    let digits = digits.trim_start_matches('0');
    if digits.is_empty() {
        return Ok(0);
    }
    digits.parse::<i64>().map_err(|_| "is too large to be an amount")
}

/// Full-width ASCII and the ideographic space to their half-width forms, as Chinese input methods
/// type them into spreadsheets.
fn fold_width(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        })
        .collect()
}

/// Structural GB18030 (hence GBK) check: one-byte ASCII, two-byte lead 0x81–0xFE with trail
/// 0x40–0xFE except 0x7F, or four bytes lead/digit/lead/digit. Only used to explain, not to decode.
fn is_gb18030(bytes: &[u8]) -> bool {
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

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::io::Write;

    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn read_csv(text: &str) -> Result<(Vec<SheetFinding>, Vec<RowError>), SheetError> {
        read_findings(text.as_bytes(), SheetFormat::Csv, 1000)
    }

    /// A minimal workbook: `header` as shared strings in row 1, `rows` as raw `<row>` XML after it;
    /// style 1 is a date format.
    fn xlsx(header: &[&str], rows: &str, date1904: bool) -> Vec<u8> {
        let shared: String = header.iter().map(|text| format!("<si><t>{text}</t></si>")).collect();
        let header_cells: String = (0..header.len())
            .map(|index| format!("<c r=\"{}1\" t=\"s\"><v>{index}</v></c>", column(index)))
            .collect();
        let parts = [
            ("[Content_Types].xml", r#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>"#.to_owned()),
            ("_rels/.rels", r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.to_owned()),
            ("xl/workbook.xml", format!(r#"<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><workbookPr date1904="{}"/><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>"#, u8::from(date1904))),
            ("xl/_rels/workbook.xml.rels", r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>"#.to_owned()),
            ("xl/styles.xml", r#"<?xml version="1.0"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs></styleSheet>"#.to_owned()),
            ("xl/sharedStrings.xml", format!(r#"<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{shared}</sst>"#)),
            ("xl/worksheets/sheet1.xml", format!(r#"<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">{header_cells}</row>{rows}</sheetData></worksheet>"#)),
        ];
        zip_of(parts.iter().map(|(name, text)| (*name, text.as_bytes())))
    }

    fn column(index: usize) -> char {
        char::from(b'A' + u8::try_from(index).unwrap())
    }

    fn zip_of<'a>(parts: impl Iterator<Item = (&'a str, &'a [u8])>) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
        for (name, bytes) in parts {
            writer.start_file(name, options).unwrap();
            writer.write_all(bytes).unwrap();
        }
        writer.finish().unwrap().into_inner()
    }

    #[test]
    fn csv_with_bom_chinese_headers_and_quoted_comma_reads_every_good_row() {
        let csv = "\u{FEFF}编号,日期,金额(元),收款人,摘要,凭证号\r\n\
                   XC-001,2024-05-14,950.5,张国敬,祠堂翻顶小工费,记-12\r\n\
                   XC-002,2024/6/3,\"1,234.56\",三门县海润建筑工程有限公司,\"材料款,含运费\",记-15\r\n\
                   ,2024年7月1日,￥１００００,李小平,,\r\n";
        let (findings, errors) = read_csv(csv).unwrap();
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(findings.len(), 3);
        assert_eq!(
            findings[0],
            SheetFinding {
                row: 2,
                r#ref: "XC-001".into(),
                date: day(2024, 5, 14),
                amount_fen: 95_050,
                counterparty: Some("张国敬".into()),
                description: Some("祠堂翻顶小工费".into()),
                voucher_no: Some("记-12".into()),
                invoice_number: None,
            }
        );
        assert_eq!((findings[1].amount_fen, findings[1].date), (123_456, day(2024, 6, 3)));
        assert_eq!(findings[1].description.as_deref(), Some("材料款,含运费"));
        assert_eq!(
            (findings[2].r#ref.as_str(), findings[2].amount_fen),
            ("row-4", 1_000_000)
        );
        assert_eq!(findings[2].description, None);
    }

    #[test]
    fn bad_rows_become_row_errors_and_the_rest_still_parse() {
        let long = "长".repeat(501);
        let csv = format!(
            "ref,date,amount,description\n\
             a,2024-13-45,10,x\nb,2024-05-14,abc,x\nc,2024-05-14,0,x\nd,2024-05-14,-5,x\n\
             e,2024-05-14,1.005,x\nf,2024-05-14,5,{long}\ng,2024-05-14,950.500,ok\nh,,,\n"
        );
        let (findings, errors) = read_csv(&csv).unwrap();
        assert_eq!(
            findings
                .iter()
                .map(|f| (f.r#ref.as_str(), f.amount_fen))
                .collect::<Vec<_>>(),
            [("g", 95_050)]
        );
        let found: Vec<(usize, Option<&str>)> = errors.iter().map(|e| (e.row, e.column.as_deref())).collect();
        assert_eq!(
            found,
            [
                (2, Some("date")),
                (3, Some("amount")),
                (4, Some("amount")),
                (5, Some("amount")),
                (6, Some("amount")),
                (7, Some("description")),
                (9, Some("date")),
                (9, Some("amount")),
            ]
        );
        assert!(errors[0].message.contains("2024-13-45") && errors[0].message.contains("expected a date"));
        assert!(
            errors[4].message.contains("more than 2 decimals"),
            "{}",
            errors[4].message
        );
        assert!(errors[5].message.contains("500 characters"));
    }

    #[test]
    fn csv_row_numbers_count_blank_lines_and_multi_line_fields_like_a_spreadsheet() {
        let csv = "date,amount,摘要\n\n2024-05-14,1,\"two\nlines\"\n,,\n2024-05-15,2,x\n";
        let (findings, errors) = read_csv(csv).unwrap();
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(findings.iter().map(|f| f.row).collect::<Vec<_>>(), [3, 5]);
        assert_eq!(findings[0].description.as_deref(), Some("two\nlines"));
        let crlf = "\r\ndate,amount\r\n\r\n\r\n2024-05-14,1\r\n2024-05-15,\"2\"\r\n\r\n2024-05-16,3";
        let (findings, _) = read_csv(crlf).unwrap();
        assert_eq!(findings.iter().map(|f| f.row).collect::<Vec<_>>(), [5, 6, 8]);
    }

    #[test]
    fn semicolon_and_tab_separated_files_and_fen_columns_are_read() {
        let (semicolon, _) = read_csv("Date;Amount_Fen;Payee\n2024.5.14;95050;张国敬\n").unwrap();
        assert_eq!(
            (semicolon[0].amount_fen, semicolon[0].counterparty.as_deref()),
            (95_050, Some("张国敬"))
        );
        let (tab, _) = read_csv("日期\t金额（分）\n20240514\t1,200\n").unwrap();
        assert_eq!((tab[0].date, tab[0].amount_fen), (day(2024, 5, 14), 1_200));
    }

    #[test]
    fn headers_are_recognised_through_width_case_spacing_and_units() {
        assert!(header_field(" Amount (Yuan) ") == Some(Field::Yuan));
        assert!(header_field("金额（元）") == Some(Field::Yuan));
        assert!(header_field("金额(分)") == Some(Field::Fen));
        assert!(header_field("*发放日期：") == Some(Field::Date));
        assert!(header_field("ＩＮＶＯＩＣＥ") == Some(Field::Invoice));
        assert!(header_field("户主 姓名") == Some(Field::Counterparty));
        assert!(header_field("金额(万元)").is_none());
        assert!(header_field("备注").is_none());
    }

    #[test]
    fn header_below_a_title_row_is_found_and_rows_keep_their_numbers() {
        let (findings, _) = read_csv("巡察发现问题清单\n序号,日期,金额\n1,2024-05-14,950\n").unwrap();
        assert_eq!((findings[0].row, findings[0].r#ref.as_str()), (3, "1"));
    }

    #[test]
    fn whole_file_problems_are_sheet_errors() {
        assert_eq!(read_csv(""), Err(SheetError::NoHeaderRow));
        assert_eq!(read_csv("\n , \n"), Err(SheetError::NoHeaderRow));
        let missing = read_csv("日期,收款人\n2024-05-14,张三\n").unwrap_err();
        assert!(matches!(missing, SheetError::MissingColumn { column: "amount", .. }));
        assert!(missing.to_string().contains("金额(元)"));
        let no_date = read_csv("金额,收款人\n5,张三\n").unwrap_err();
        assert!(matches!(no_date, SheetError::MissingColumn { column: "date", .. }));
        let many = "date,amount\n".to_owned() + &"2024-05-14,1\n".repeat(4);
        assert_eq!(
            read_findings(many.as_bytes(), SheetFormat::Csv, 3),
            Err(SheetError::TooManyRows { max_rows: 3 })
        );
        assert!(read_findings(many.as_bytes(), SheetFormat::Csv, 4).is_ok());
        let huge = "date,amount\n".to_owned() + &"2024-05-14,1\n".repeat(100);
        assert_eq!(
            read_findings(huge.as_bytes(), SheetFormat::Csv, 3),
            Err(SheetError::TooManyRows { max_rows: 3 })
        );
    }

    #[test]
    fn gbk_csv_is_sniffed_as_csv_and_rejected_with_save_as_utf8() {
        // "日期,金额" in GBK.
        let gbk = b"\xC8\xD5\xC6\xDA,\xBD\xF0\xB6\xEE\r\n2024-05-14,950\r\n";
        assert_eq!(sniff_format(gbk), Some(SheetFormat::Csv));
        let error = read_findings(gbk, SheetFormat::Csv, 10).unwrap_err();
        assert_eq!(error, SheetError::CsvNotUtf8);
        assert!(error.to_string().contains("UTF-8"));
        assert_eq!(sniff_format(b"\xEF\xBB\xBFdate,amount\n"), Some(SheetFormat::Csv));
        assert_eq!(sniff_format(b"PK\x03\x04rest"), Some(SheetFormat::Xlsx));
        assert_eq!(sniff_format(b"\x89PNG\r\n\x1a\n\0\0"), None);
        assert_eq!(sniff_format(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"), None);
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

    #[test]
    fn generated_workbook_reads_dates_numbers_and_reports_broken_rows() {
        let bytes = include_bytes!("data/test-findings.xlsx");
        assert_eq!(sniff_format(bytes), Some(SheetFormat::Xlsx));
        let (findings, errors) = read_findings(bytes, SheetFormat::Xlsx, 100).unwrap();
        let got: Vec<(usize, &str, NaiveDate, i64)> = findings
            .iter()
            .map(|f| (f.row, f.r#ref.as_str(), f.date, f.amount_fen))
            .collect();
        assert_eq!(
            got,
            [
                (2, "XC-001", day(2024, 5, 14), 95_050),
                (3, "XC-002", day(2024, 6, 3), 123_456),
                (4, "XC-003", day(2024, 7, 1), 1_000_000),
                (7, "row-7", day(2024, 9, 30), 10),
            ]
        );
        assert_eq!(findings[1].counterparty.as_deref(), Some("三门县海润建筑工程有限公司"));
        assert_eq!(findings[0].voucher_no.as_deref(), Some("记-12"));
        let bad: Vec<(usize, Option<&str>)> = errors.iter().map(|e| (e.row, e.column.as_deref())).collect();
        assert_eq!(bad, [(5, Some("日期")), (6, Some("金额(元)"))]);
    }

    #[test]
    fn workbook_numbers_convert_exactly_and_1904_dates_shift() {
        let rows = r#"<row r="2"><c r="A2" s="1"><v>43964</v></c><c r="B2"><v>0.1</v></c><c r="C2"><v>12</v></c></row>
            <row r="3"><c r="A3" t="inlineStr"><is><t>2024-05-15</t></is></c><c r="B3"><v>1234.56</v></c></row>
            <row r="4"><c r="A4" s="1"><v>43964</v></c><c r="B4"><v>0.125</v></c></row>
            <row r="6"><c r="A6" s="1"><v>43964</v></c><c r="B6" t="e"><v>#N/A</v></c></row>"#;
        let bytes = xlsx(&["日期", "金额", "凭证号"], rows, true);
        let (findings, errors) = read_findings(&bytes, SheetFormat::Xlsx, 100).unwrap();
        assert_eq!(findings.len(), 2);
        assert_eq!((findings[0].date, findings[0].amount_fen), (day(2024, 5, 14), 10));
        assert_eq!(findings[0].voucher_no.as_deref(), Some("12"));
        assert_eq!((findings[1].date, findings[1].amount_fen), (day(2024, 5, 15), 123_456));
        assert_eq!(errors.iter().map(|e| e.row).collect::<Vec<_>>(), [4, 6]);
        assert!(errors[0].message.contains("more than 2 decimals"));
    }

    #[test]
    fn workbook_row_limit_and_missing_columns_are_sheet_errors() {
        let rows: String = (2..=6)
            .map(|r| format!(r#"<row r="{r}"><c r="A{r}" s="1"><v>45426</v></c><c r="B{r}"><v>1</v></c></row>"#))
            .collect();
        let bytes = xlsx(&["date", "amount"], &rows, false);
        assert_eq!(
            read_findings(&bytes, SheetFormat::Xlsx, 4),
            Err(SheetError::TooManyRows { max_rows: 4 })
        );
        assert_eq!(read_findings(&bytes, SheetFormat::Xlsx, 5).map(|(f, _)| f.len()), Ok(5));
        let bytes = xlsx(&["date", "payee"], &rows, false);
        assert!(matches!(
            read_findings(&bytes, SheetFormat::Xlsx, 10),
            Err(SheetError::MissingColumn { .. })
        ));
    }

    #[test]
    fn a_zip_bomb_is_refused_before_it_is_parsed() {
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        writer.start_file("xl/sharedStrings.xml", options).unwrap();
        let zeros = vec![b' '; 1024 * 1024];
        for _ in 0..65 {
            writer.write_all(&zeros).unwrap();
        }
        let bytes = writer.finish().unwrap().into_inner();
        assert!(bytes.len() < 1024 * 1024);
        let error = read_findings(&bytes, SheetFormat::Xlsx, 10).unwrap_err();
        assert_eq!(
            error,
            SheetError::TooLarge {
                max_bytes: MAX_XLSX_UNCOMPRESSED
            }
        );
    }

    /// Truncations, bit flips and foreign archives must all end in `Err` or `Ok`, never a panic.
    #[test]
    fn hostile_bytes_give_errors_not_panics() {
        let good = include_bytes!("data/test-findings.xlsx");
        for length in (0..good.len()).step_by(97) {
            assert!(
                read_findings(&good[..length], SheetFormat::Xlsx, 100).is_err(),
                "truncated at {length}"
            );
        }
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..300 {
            let mut bytes = good.to_vec();
            for _ in 0..4 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let at = usize::try_from(state % bytes.len() as u64).unwrap();
                bytes[at] ^= u8::try_from(state >> 56).unwrap() | 1;
            }
            let _ = read_findings(&bytes, SheetFormat::Xlsx, 100);
            let _ = read_findings(&bytes, SheetFormat::Csv, 100);
        }
        let foreign = zip_of([("readme.txt", b"hello".as_slice()), ("img.png", b"\x89PNG".as_slice())].into_iter());
        assert!(matches!(
            read_findings(&foreign, SheetFormat::Xlsx, 10),
            Err(SheetError::NotXlsx(_))
        ));
        assert!(matches!(
            read_findings(b"PK\x03\x04garbage", SheetFormat::Xlsx, 10),
            Err(SheetError::NotXlsx(_))
        ));
        assert!(read_findings(b"not a zip", SheetFormat::Xlsx, 10).is_err());
        assert!(read_findings(b"\"unterminated,\n\"\"\"", SheetFormat::Csv, 10).is_err());
    }
}
