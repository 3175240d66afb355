//! What each fuzz target does with one input: feed it to a parser the way the service does, and
//! check that nothing panics and that the cheap invariants hold. The same functions replay the
//! committed corpora and reproducers as ordinary tests (`tests/api/fuzz_replay.rs` includes this
//! file), so a reproducer fails `cargo test` exactly as it failed the fuzzer.

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};

use village_ledger::api::problem::ApiError;
use village_ledger::api::reconcile::ReconcileRequest;
use village_ledger::crosscheck::findings::MAX_REF_CHARS;
use village_ledger::crosscheck::sheet::{SheetFormat, read_findings, sniff_format};
use village_ledger::domain::{InvoiceQr, MAX_ABS_FEN, Money, format_yuan, parse_whole_number};
use village_ledger::i18n::Lang;
use village_ledger::ledger::list::Cursor;
use village_ledger::receipts::{IntakeError, IntakeLimits, ingest, render_full, sniff};

/// The service's default cap on findings per request (`crosscheck_max_findings`).
pub const MAX_FINDINGS: usize = 20_000;

/// A refusal is read by people: it may quote what was sent, shortened, never all of it.
const MAX_MESSAGE_BYTES: usize = 2048;

/// The receipt limits the image target runs with: the service's byte limit, and fewer pixels
/// than its 80 megapixels so that one input decodes in milliseconds (the checks that refuse a
/// geometry are the same code whatever the limit).
pub fn receipt_limits() -> IntakeLimits {
    IntakeLimits {
        max_bytes: IntakeLimits::default().max_bytes,
        max_pixels: 4_000_000,
    }
}

fn short_message(what: &str, message: &str) {
    assert!(
        message.len() <= MAX_MESSAGE_BYTES,
        "{what}: a refusal of {} bytes quotes the input in full: {}…",
        message.len(),
        message.chars().take(200).collect::<String>()
    );
}

/// The findings sheet as a CSV upload.
pub fn sheet_csv(data: &[u8]) {
    let _ = sniff_format(data);
    check_sheet(data, SheetFormat::Csv);
}

/// The findings sheet as an XLSX upload: the raw bytes, zip container and all.
pub fn sheet_xlsx(data: &[u8]) {
    if let Some(format) = sniff_format(data) {
        check_sheet(data, format);
    }
    check_sheet(data, SheetFormat::Xlsx);
}

fn check_sheet(data: &[u8], format: SheetFormat) {
    match read_findings(data, format, MAX_FINDINGS) {
        Ok((findings, errors)) => {
            assert!(findings.len() <= MAX_FINDINGS, "{} findings read", findings.len());
            for error in &errors {
                for lang in Lang::ALL {
                    short_message("row error", &error.message.render(lang));
                }
            }
        }
        Err(e) => {
            for lang in Lang::ALL {
                short_message("sheet error", &e.msg().render(lang));
            }
        }
    }
}

/// Where the parts of a fuzzed workbook are cut apart.
pub const PART_SEPARATOR: &[u8] = b"\n--8<--\n";

/// The workbook parts the fuzzer writes, in the order of the input's pieces; whatever it leaves
/// out is the minimal valid part.
const PARTS: [(&str, &str); 4] = [
    (
        "xl/worksheets/sheet1.xml",
        r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/></worksheet>"#,
    ),
    (
        "xl/sharedStrings.xml",
        r#"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="0" uniqueCount="0"/>"#,
    ),
    (
        "xl/workbook.xml",
        r#"<workbook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
    ),
    (
        "xl/styles.xml",
        r#"<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs></styleSheet>"#,
    ),
];

const FIXED_PARTS: [(&str, &str); 3] = [
    (
        "[Content_Types].xml",
        r#"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>"#,
    ),
    (
        "_rels/.rels",
        r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
    ),
    (
        "xl/_rels/workbook.xml.rels",
        r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>"#,
    ),
];

/// Splits `data` at [`PART_SEPARATOR`] into the worksheet, shared strings, workbook and styles
/// XML, and zips them (stored, so the fuzzer's bytes reach the XML readers unchanged) with the
/// fixed parts of a workbook.
pub fn workbook_from_parts(data: &[u8]) -> Vec<u8> {
    let mut pieces: Vec<&[u8]> = Vec::new();
    let mut rest = data;
    while pieces.len() + 1 < PARTS.len() {
        match rest.windows(PART_SEPARATOR.len()).position(|w| w == PART_SEPARATOR) {
            Some(at) => {
                pieces.push(&rest[..at]);
                rest = &rest[at + PART_SEPARATOR.len()..];
            }
            None => break,
        }
    }
    pieces.push(rest);
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let mut add = |name: &str, bytes: &[u8]| {
        let written = zip.start_file(name, options).map(|()| zip.write_all(bytes));
        assert!(matches!(written, Ok(Ok(()))), "writing {name} into the workbook");
    };
    for (name, bytes) in FIXED_PARTS {
        add(name, bytes.as_bytes());
    }
    for (index, (name, default)) in PARTS.into_iter().enumerate() {
        add(name, pieces.get(index).copied().unwrap_or(default.as_bytes()));
    }
    match zip.finish() {
        Ok(cursor) => cursor.into_inner(),
        Err(e) => panic!("finishing the workbook: {e}"),
    }
}

/// The findings sheet as an XLSX upload whose XML parts the fuzzer writes directly.
pub fn sheet_xlsx_parts(data: &[u8]) {
    check_sheet(&workbook_from_parts(data), SheetFormat::Xlsx);
}

/// The reconcile request body as the API reads it: parsed, counted, each finding validated.
pub fn findings_json(data: &[u8]) {
    let request: ReconcileRequest = match village_ledger::api::json::parse(data) {
        Ok(request) => request,
        Err(e) => return check_refusal(&e),
    };
    if request.findings.len() > MAX_FINDINGS {
        return;
    }
    for input in request.findings {
        match input.validate() {
            Ok(finding) => {
                assert!((1..=MAX_ABS_FEN).contains(&finding.amount_fen), "{finding:?}");
                let chars = finding.reference.chars().count();
                assert!((1..=MAX_REF_CHARS).contains(&chars), "{finding:?}");
            }
            Err(e) => short_message("finding", &e.to_string()),
        }
    }
}

fn check_refusal(e: &ApiError) {
    assert!(
        matches!(e, ApiError::BadRequest(_) | ApiError::Invalid(_)),
        "a malformed body is a 400 or 422, not {e:?}"
    );
    short_message("JSON refusal", &e.to_string());
}

/// The invoice QR payload: whatever parses, written back out canonically, parses to the same.
pub fn invoice_qr(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Some(qr) = InvoiceQr::parse(text) else {
        return;
    };
    let code = qr.invoice_code.as_deref().unwrap_or("");
    assert_eq!(qr.key, format!("{code}{}", qr.invoice_number), "{qr:?}");
    let canonical = format!(
        "01,{},{code},{},{},{},{}",
        qr.type_code,
        qr.invoice_number,
        format_yuan(qr.amount_fen),
        qr.issued_on.format("%Y%m%d"),
        qr.check_code.as_deref().unwrap_or("")
    );
    assert_eq!(InvoiceQr::parse(&canonical).as_ref(), Some(&qr), "{canonical}");
}

/// The money parsers: yuan text and JSON whole numbers, each round-tripping what it accepts.
pub fn money(data: &[u8]) {
    if data.len() >= 8 {
        let fen = i64::from_le_bytes([data[0], data[1], data[2], data[3], data[4], data[5], data[6], data[7]]);
        if fen.unsigned_abs() < 100_000_000_000_000 {
            assert_eq!(Money::parse_yuan(&format_yuan(fen)), Ok(fen), "{fen}");
        }
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(fen) = Money::parse_yuan(text) {
        assert_eq!(Money::parse_yuan(&format_yuan(fen)), Ok(fen), "{text:?}");
        if let Ok(money) = Money::parse_posting(fen) {
            assert!(money.fen() > 0 && money.fen() <= MAX_ABS_FEN);
        }
    }
    if let Some(n) = parse_whole_number(text) {
        assert_eq!(parse_whole_number(&n.to_string()), Some(n), "{text:?}");
    }
    let digits = text.strip_prefix('-').unwrap_or(text);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        assert_eq!(parse_whole_number(text), text.parse::<i64>().ok(), "{text:?}");
    }
    // As a JSON number, the way amounts arrive.
    if let Ok(number) = serde_json::from_str::<serde_json::Number>(text) {
        let _ = parse_whole_number(number.as_str());
    }
}

/// The entry-listing cursor: what decodes, encodes back to a cursor that decodes the same.
pub fn cursor(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Cursor::decode(text) {
        Ok(cursor) => {
            let again = Cursor::decode(&cursor.encode());
            assert!(matches!(again, Ok(c) if c == cursor), "{cursor:?} does not round-trip");
        }
        Err(e) => assert!(matches!(ApiError::from(e.clone()), ApiError::Invalid(_)), "{e:?}"),
    }
}

static NEXT_FILE: AtomicU64 = AtomicU64::new(0);

/// A receipt upload: sniffed, then ingested from a file as the upload handler does, and when
/// accepted its full rendition made too. A refusal is a 4xx, never the 500 of a server fault.
pub fn receipt_image(data: &[u8]) {
    let _ = sniff::sniff(data);
    let path = std::env::temp_dir().join(format!(
        "vl-fuzz-receipt-{}-{}",
        std::process::id(),
        NEXT_FILE.fetch_add(1, Ordering::Relaxed)
    ));
    if let Err(e) = std::fs::write(&path, data) {
        panic!("writing {}: {e}", path.display());
    }
    let limits = receipt_limits();
    let outcome = ingest(&path, &limits).map(|ingested| (ingested, render_full(&path, &limits)));
    let _ = std::fs::remove_file(&path);
    match outcome {
        Ok((ingested, full)) => {
            assert!(ingested.width > 0 && ingested.height > 0);
            assert!(u64::from(ingested.width) * u64::from(ingested.height) <= limits.max_pixels);
            assert!(ingested.thumb.starts_with(&[0xFF, 0xD8]) && ingested.screen.starts_with(&[0xFF, 0xD8]));
            if let Err(e) = full {
                assert!(
                    !matches!(e, IntakeError::Io(_)),
                    "the full rendition of an accepted receipt failed: {e:?}"
                );
            }
        }
        Err(e) => {
            assert!(
                !matches!(e, IntakeError::Io(_)),
                "a receipt refused as a server fault: {e:?}"
            );
            short_message("receipt refusal", &format!("{e:?}"));
        }
    }
}
