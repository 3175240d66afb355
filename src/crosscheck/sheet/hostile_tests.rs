//! Hostile files: every declared count, size and nesting is a lie, and each one ends in a
//! [`SheetError`] (or a normal reading that ignored the lie), never a panic or an allocation sized
//! by the file.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::archive::{MAX_XLSX_UNCOMPRESSED, MAX_ZIP_ENTRIES};
use super::tests::{workbook_parts, zip_with};
use super::*;
use crate::i18n::Lang;

const HEADER: &[&str] = &["日期", "金额", "摘要"];
const GOOD_ROW: &str = r#"<row r="2"><c r="A2" s="1"><v>45426</v></c><c r="B2"><v>950.5</v></c></row>"#;

fn zipped(parts: &[(&str, String)], method: zip::CompressionMethod) -> Vec<u8> {
    zip_with(parts.iter().map(|(name, text)| (*name, text.as_bytes())), method)
}

/// The findings workbook with `part` replaced by `text`, deflated.
fn with_part(part: &str, text: String) -> Vec<u8> {
    let mut parts = workbook_parts(HEADER, GOOD_ROW, false);
    parts.iter_mut().find(|(name, _)| *name == part).unwrap().1 = text;
    zipped(&parts, zip::CompressionMethod::Deflated)
}

fn sheet(rows: &str) -> String {
    format!(
        r#"<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c></row>{rows}</sheetData></worksheet>"#
    )
}

fn read(bytes: &[u8]) -> Result<(Vec<SheetFinding>, Vec<RowError>), SheetError> {
    read_findings(bytes, SheetFormat::Xlsx, 20_000)
}

fn not_xlsx(result: Result<(Vec<SheetFinding>, Vec<RowError>), SheetError>, needle: &str) {
    match result {
        Err(SheetError::NotXlsx(detail)) => assert!(detail.contains(needle), "{detail}"),
        other => panic!("expected NotXlsx({needle}), got {other:?}"),
    }
}

#[test]
fn a_declared_count_of_a_quadrillion_shared_strings_is_ignored() {
    let shared = r#"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1000000000000000" uniqueCount="1000000000000000"><si><t>日期</t></si><si><t>金额</t></si><si><t>摘要</t></si></sst>"#;
    let (findings, errors) = read(&with_part("xl/sharedStrings.xml", shared.into())).unwrap();
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(findings.iter().map(|f| f.amount_fen).collect::<Vec<_>>(), [95_050]);
}

#[test]
fn one_30_mb_text_is_refused_and_30_mb_of_runs_is_cut_to_a_field() {
    let long = "祠".repeat(10 * 1024 * 1024);
    let single = format!("<sst><si><t>日期</t></si><si><t>金额</t></si><si><t>{long}</t></si></sst>");
    not_xlsx(read(&with_part("xl/sharedStrings.xml", single)), "longer than 1024 KiB");

    // The same 30 MB as runs of 1,000 characters, pointed at by a million cells (62 rows of
    // 16,384): the string is kept cut to a field, each row says its texts are too long, and no
    // cell past column 256 is even looked up.
    let run = format!("<r><t>{}</t></r>", "祠".repeat(1000));
    let runs = format!(
        "<sst><si><t>日期</t></si><si><t>金额</t></si><si><t>摘要</t></si><si>{}</si></sst>",
        run.repeat(10_240)
    );
    let cells = r#"<c t="s"><v>3</v></c>"#.repeat(16_384);
    let rows: String = (2..64).map(|r| format!(r#"<row r="{r}">{cells}</row>"#)).collect();
    let mut parts = workbook_parts(HEADER, "", false);
    parts[5].1 = runs;
    parts[6].1 = sheet(&rows);
    let bytes = zipped(&parts, zip::CompressionMethod::Deflated);
    assert!(bytes.len() < 1024 * 1024, "{}", bytes.len());
    let (findings, errors) = read(&bytes).unwrap();
    assert!(findings.is_empty());
    assert_eq!(errors.len(), 3 * 62, "{:?}", &errors[..3]);
    let too_long: Vec<&RowError> = errors.iter().filter(|e| e.column.as_deref() == Some("摘要")).collect();
    assert_eq!(too_long.len(), 62);
    assert!(
        too_long
            .iter()
            .all(|e| e.code == "text-too-long" && e.message.render(Lang::En).contains("longer than 500 characters"))
    );
}

#[test]
fn a_sheet_declaring_a_billion_rows_is_read_as_what_it_holds_and_row_numbers_are_bounded() {
    let declared = sheet(GOOD_ROW).replace("<sheetData>", r#"<dimension ref="A1:XFD1000000000"/><sheetData>"#);
    let (findings, _) = read(&with_part("xl/worksheets/sheet1.xml", declared)).unwrap();
    assert_eq!(findings.len(), 1);
    let far = sheet(r#"<row r="1000000000"><c r="A1000000000" s="1"><v>45426</v></c></row>"#);
    not_xlsx(
        read(&with_part("xl/worksheets/sheet1.xml", far)),
        "row number 1000000000",
    );
    let backwards = sheet(&format!("{GOOD_ROW}{GOOD_ROW}"));
    not_xlsx(
        read(&with_part("xl/worksheets/sheet1.xml", backwards)),
        "comes after row 2",
    );
    let wide = sheet(r#"<row r="2"><c r="XFE2"><v>1</v></c></row>"#);
    not_xlsx(
        read(&with_part("xl/worksheets/sheet1.xml", wide)),
        "beyond the last column",
    );
}

#[test]
fn a_million_nested_elements_are_refused_at_the_depth_cap() {
    let nested = format!(
        "<worksheet>{}{}</worksheet>",
        "<a>".repeat(1_000_000),
        "</a>".repeat(1_000_000)
    );
    not_xlsx(
        read(&with_part("xl/worksheets/sheet1.xml", nested)),
        "more than 64 deep",
    );
    let endless_tag = format!("<worksheet><sheetData {}/></worksheet>", "x=\"1\" ".repeat(400_000));
    not_xlsx(
        read(&with_part("xl/worksheets/sheet1.xml", endless_tag)),
        "longer than 1024 KiB",
    );
}

/// Rewrites the uncompressed size of `part` in its local and central headers.
fn declare_size(bytes: &mut [u8], part: &str, size: u32) {
    let mut patched = 0;
    for (signature, offset) in [(b"PK\x03\x04", 22), (b"PK\x01\x02", 24)] {
        let name_at = if signature == b"PK\x03\x04" { 30 } else { 46 };
        let found = (0..bytes.len() - name_at - part.len())
            .filter(|at| {
                &bytes[*at..at + 4] == signature && &bytes[at + name_at..at + name_at + part.len()] == part.as_bytes()
            })
            .collect::<Vec<_>>();
        for at in found {
            bytes[at + offset..at + offset + 4].copy_from_slice(&size.to_le_bytes());
            patched += 1;
        }
    }
    assert_eq!(patched, 2);
}

#[test]
fn parts_that_lie_about_their_size_are_refused_by_what_they_hold() {
    let padded = sheet(&format!("{GOOD_ROW}{}", "<!-- padding -->".repeat(100_000)));
    let mut small = with_part("xl/worksheets/sheet1.xml", padded.clone());
    declare_size(&mut small, "xl/worksheets/sheet1.xml", 100);
    not_xlsx(read(&small), "declare");
    let mut huge = with_part("xl/worksheets/sheet1.xml", padded.clone());
    declare_size(&mut huge, "xl/worksheets/sheet1.xml", 0xFFFF_FFF0);
    not_xlsx(
        read(&huge),
        &format!("declares 4294967280 bytes but holds {}", padded.len()),
    );
}

#[test]
fn a_zip_bomb_is_refused_at_the_real_inflated_size() {
    let bomb = format!(
        "<sst>{}</sst>",
        "<a/>                                                            ".repeat(1_100_000)
    );
    let bytes = with_part("xl/sharedStrings.xml", bomb);
    assert!(bytes.len() < 1024 * 1024);
    assert_eq!(
        read(&bytes),
        Err(SheetError::TooLarge {
            max_bytes: MAX_XLSX_UNCOMPRESSED
        })
    );
}

/// The archive's end records replaced by ZIP64 ones declaring `entries`.
fn zip64_declaring(bytes: &[u8], entries: u64) -> Vec<u8> {
    let eocd = bytes.len() - 22;
    assert_eq!(&bytes[eocd..eocd + 4], b"PK\x05\x06");
    let (size, start) = (&bytes[eocd + 12..eocd + 16], &bytes[eocd + 16..eocd + 20]);
    let (size, start) = (
        u64::from(u32::from_le_bytes(size.try_into().unwrap())),
        u64::from(u32::from_le_bytes(start.try_into().unwrap())),
    );
    let mut out = bytes[..eocd].to_vec();
    let record = out.len() as u64;
    out.extend_from_slice(b"PK\x06\x06");
    out.extend_from_slice(&44u64.to_le_bytes());
    out.extend_from_slice(&[45, 0, 45, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    for value in [entries, entries, size, start] {
        out.extend_from_slice(&value.to_le_bytes());
    }
    out.extend_from_slice(b"PK\x06\x07\0\0\0\0");
    out.extend_from_slice(&record.to_le_bytes());
    out.extend_from_slice(&1u32.to_le_bytes());
    out.extend_from_slice(b"PK\x05\x06\0\0\0\0\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\0\0");
    out
}

#[test]
fn archives_declaring_or_holding_too_many_entries_are_refused_before_they_are_listed() {
    let good = with_part(
        "xl/sharedStrings.xml",
        "<sst><si><t>日期</t></si><si><t>金额</t></si><si><t>摘要</t></si></sst>".into(),
    );
    let honest = read(&zip64_declaring(&good, 7));
    assert!(honest.is_ok(), "an honest ZIP64 end record is read: {honest:?}");
    let too_many = SheetError::TooManyParts {
        max_parts: MAX_ZIP_ENTRIES,
    };
    assert_eq!(read(&zip64_declaring(&good, 100_000)).unwrap_err(), too_many);
    assert_eq!(read(&zip64_declaring(&good, u64::MAX)).unwrap_err(), too_many);
    let mut declared = good.clone();
    let eocd = declared.len() - 22;
    declared[eocd + 8..eocd + 12].copy_from_slice(&[0x50, 0xC3, 0x50, 0xC3]);
    assert_eq!(read(&declared).unwrap_err(), too_many);

    let names: Vec<String> = (0..100_000).map(|i| format!("{i}")).collect();
    let many = zip_with(
        names.iter().map(|n| (n.as_str(), b"".as_slice())),
        zip::CompressionMethod::Stored,
    );
    assert_eq!(read(&many).unwrap_err(), too_many);
}

#[test]
fn a_16_mb_csv_line_is_cut_not_copied() {
    let line = "a,".repeat(8 * 1024 * 1024);
    let error = read_findings(line.as_bytes(), SheetFormat::Csv, 20_000).unwrap_err();
    assert!(
        matches!(error, SheetError::MissingColumn { column: "date", .. }),
        "{error:?}"
    );
    let quoted = format!("\"{}", "长".repeat(5 * 1024 * 1024));
    let error = read_findings(quoted.as_bytes(), SheetFormat::Csv, 20_000).unwrap_err();
    assert!(matches!(error, SheetError::MissingColumn { .. }), "{error:?}");
    let row = format!(
        "date,amount,description\n2024-05-14,1,\"{}\"\n2024-05-15,2,x\n",
        "长".repeat(5 * 1024 * 1024)
    );
    let (findings, errors) = read_findings(row.as_bytes(), SheetFormat::Csv, 20_000).unwrap();
    assert_eq!((findings.len(), findings[0].row), (1, 3));
    assert_eq!((errors[0].row, errors[0].column.as_deref()), (2, Some("description")));
    assert_eq!(errors[0].code, "text-too-long");
    assert!(
        errors[0]
            .message
            .render(Lang::En)
            .contains("longer than 500 characters")
    );
    let blank_then_text = format!("date,amount,description\n2024-05-14,1,{}kept\n", " ".repeat(100_000));
    let (findings, _) = read_findings(blank_then_text.as_bytes(), SheetFormat::Csv, 20_000).unwrap();
    assert_eq!(findings[0].description.as_deref(), Some("kept"));
}

#[test]
fn findings_and_row_errors_kept_are_capped() {
    let row = format!("2024-05-14,1,{}\n", "长".repeat(500));
    let sheet = format!("date,amount,description\n{}", row.repeat(20_000));
    assert_eq!(
        read_findings(sheet.as_bytes(), SheetFormat::Csv, 20_000),
        Err(SheetError::TooMuchText {
            max_bytes: MAX_RETAINED_BYTES as u64
        })
    );
}
