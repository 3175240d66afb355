//! The readers as a whole, through [`read_findings`]: what an inspector's sheets give.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::i18n::Lang;
use std::io::{Cursor, Write};

use chrono::NaiveDate;

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
    let parts = workbook_parts(header, rows, date1904);
    zip_of(parts.iter().map(|(name, text)| (*name, text.as_bytes())))
}

/// The parts of the workbook [`xlsx`] makes, to be changed before zipping.
pub(super) fn workbook_parts(header: &[&str], rows: &str, date1904: bool) -> Vec<(&'static str, String)> {
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
    parts.into()
}

fn column(index: usize) -> char {
    char::from(b'A' + u8::try_from(index).unwrap())
}

fn zip_of<'a>(parts: impl Iterator<Item = (&'a str, &'a [u8])>) -> Vec<u8> {
    zip_with(parts, zip::CompressionMethod::Stored)
}

pub(super) fn zip_with<'a>(
    parts: impl Iterator<Item = (&'a str, &'a [u8])>,
    method: zip::CompressionMethod,
) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(method);
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
    let en = |e: &RowError| e.message.render(Lang::En);
    assert_eq!(errors[0].code, "date-invalid");
    assert!(en(&errors[0]).contains("2024-13-45") && en(&errors[0]).contains("expected a date"));
    assert!(errors[0].message.render(Lang::Zh).contains("不是有效日期"));
    assert_eq!(errors[4].code, "amount-too-many-decimals");
    assert!(en(&errors[4]).contains("more than 2 decimals"), "{}", en(&errors[4]));
    assert_eq!(errors[5].code, "text-too-long");
    assert!(en(&errors[5]).contains("500 characters"));
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
fn generated_workbook_reads_dates_numbers_and_reports_broken_rows() {
    let bytes = include_bytes!("../data/test-findings.xlsx");
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
    assert_eq!(errors[0].code, "amount-too-many-decimals");
    assert!(errors[0].message.render(Lang::En).contains("more than 2 decimals"));
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

/// Truncations, bit flips and foreign archives must all end in `Err` or `Ok`, never a panic.
#[test]
fn hostile_bytes_give_errors_not_panics() {
    let good = include_bytes!("../data/test-findings.xlsx");
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

/// What other writers put in a workbook: a namespace prefix on every element (the Open XML SDK),
/// rich text runs with a phonetic reading, inline strings, references, spreadsheet escapes, a
/// custom date format, and cell formats after a style list that is not the cells'.
#[test]
fn workbooks_from_other_writers_read_the_same() {
    let ns = r#"xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main""#;
    let mut parts = workbook_parts(&[], "", false);
    parts[4].1 = format!(
        r#"<x:styleSheet {ns}><x:numFmts count="1"><x:numFmt numFmtId="164" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/></x:numFmts><x:cellStyleXfs count="2"><x:xf numFmtId="0"/><x:xf numFmtId="0"/></x:cellStyleXfs><x:cellXfs count="2"><x:xf numFmtId="0"/><x:xf numFmtId="164"/></x:cellXfs></x:styleSheet>"#
    );
    parts[5].1 = format!(
        r#"<x:sst {ns} count="9" uniqueCount="9"><x:si><x:r><x:t>日</x:t></x:r><x:r><x:rPr/><x:t>期</x:t></x:r><x:rPh><x:t>riqi</x:t></x:rPh></x:si><x:si><x:t>金额</x:t></x:si><x:si><x:t xml:space="preserve"> 摘要 </x:t></x:si><x:si><x:t>A &amp; B_x000D_&#x4E2D;<![CDATA[<c>]]></x:t></x:si></x:sst>"#
    );
    parts[6].1 = format!(
        r#"<x:worksheet {ns}><x:sheetData><x:row r="1"><x:c r="A1" t="s"><x:v>0</x:v></x:c><x:c t="s"><x:v>1</x:v></x:c><x:c t="s"><x:v>2</x:v></x:c></x:row><x:row><x:c r="A2" s="1"><x:v>45426</x:v></x:c><x:c r="B2" t="inlineStr"><x:is><x:r><x:t>950</x:t></x:r><x:r><x:t>.50</x:t></x:r></x:is></x:c><x:c r="C2" t="s"><x:v>3</x:v></x:c></x:row><x:row r="4"><x:c r="A4" t="d"><x:v>2024-05-15T00:00:00</x:v></x:c><x:c r="B4" t="str"><x:f>B2*2</x:f><x:v>1901</x:v></x:c></x:row></x:sheetData></x:worksheet>"#
    );
    let bytes = zip_with(
        parts.iter().map(|(name, text)| (*name, text.as_bytes())),
        zip::CompressionMethod::Deflated,
    );
    let (findings, errors) = read_findings(&bytes, SheetFormat::Xlsx, 10).unwrap();
    assert!(errors.is_empty(), "{errors:?}");
    let got: Vec<(usize, NaiveDate, i64, Option<&str>)> = findings
        .iter()
        .map(|f| (f.row, f.date, f.amount_fen, f.description.as_deref()))
        .collect();
    assert_eq!(
        got,
        [
            (2, day(2024, 5, 14), 95_050, Some("A & B\r中<c>")),
            (4, day(2024, 5, 15), 190_100, None),
        ]
    );
}
