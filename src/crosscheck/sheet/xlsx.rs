//! The first worksheet of an XLSX workbook, streamed row by row into the findings.
//!
//! Parts read: `xl/workbook.xml` (first sheet, `date1904`), `xl/_rels/workbook.xml.rels` (where
//! the sheet, the shared strings and the styles are), the styles (which cell formats are dates),
//! the shared strings and the sheet itself. Nothing is sized from a count, a dimension or a
//! length the file declares: every table grows only with what was read, under the caps below,
//! and each text is kept to what a finding can use ([`KeptText`]).

use quick_xml::events::Event;

use super::archive::{Package, Step};
use super::cells::Epoch;
use super::shared_strings::SharedStrings;
use super::styles::Styles;
use super::worksheet::SheetReader;
use super::xml::{attribute, local_name, not_xlsx};
use super::{RowSink, SheetError};

/// Reads the first worksheet of the workbook in `bytes` into `findings`.
pub(super) fn read_xlsx(bytes: &[u8], findings: &mut dyn RowSink) -> Result<(), SheetError> {
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
    let mut reader = SheetReader::new(&shared, &styles, findings);
    if !package.read_xml(&sheet, |event| reader.event(event))? {
        return Err(not_xlsx(format!("the worksheet part {sheet} is missing")));
    }
    Ok(())
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
