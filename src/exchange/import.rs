//! Importing a village's books from a CSV (UTF-8 with or without BOM, or GB18030) or XLSX file:
//! read through the bounded sheet readers, every row checked with the rules of posting, then —
//! unless it is a dry run — every new row written through the ledger's insert path in one
//! transaction (all or nothing). The same function serves the API and the CLI.
//!
//! The write lock: the whole file is read and checked before the write transaction starts (and
//! checked again inside it only when the village's ledger changed in between), and the new rows
//! are written in multi-row inserts with their log leaves computed in memory, so the lock is held
//! for the inserts alone: a few seconds for 100,000 rows with the release build (BENCHMARKS.md
//! gives them, and the latency of other clerks' postings during such an import). The import stays
//! one transaction: all or nothing, with nothing to clean up after a crash.

use std::borrow::Cow;
use std::collections::HashMap;
use std::time::Instant;

use sha2::{Digest, Sha256};

use super::ExchangeError;
use super::check::{Ledger, Original, Plan, key_of};
use super::columns::{Mapping, known_headers};
use super::report::{ImportProblem, ImportReport, Problems};
use super::rows::{ImportRow, ImportSink, Reference};
use crate::crosscheck::sheet::{SheetError, SheetFormat, is_gb18030, read_rows, sniff_format};
use crate::db::{DbConn, write_transaction};
use crate::domain::clock::now_utc;
use crate::domain::{EntryId, Period, VillageCode};
use crate::ledger::entries::EntryRow;
use crate::ledger::post::{EntryOrigin, insert_entries_as};
use crate::ledger::villages::{find_village, ledger_version};
use crate::msg;

/// At most this many data rows in one file.
pub const MAX_ROWS: usize = 200_000;

/// How an import runs.
#[derive(Clone, Debug, Default)]
pub struct ImportOptions {
    pub dry_run: bool,
    pub mapping: Mapping,
}

/// What came of an import.
#[derive(Debug)]
pub enum Imported {
    /// The file is acceptable: written (or, in a dry run, it would be).
    Accepted(ImportReport),
    /// A problem in the file or one of its rows: nothing written.
    Refused(ImportReport),
}

/// The rows of a file, and the problems found reading it.
pub struct ReadFile {
    pub sha256: String,
    pub data_rows: usize,
    pub rows: Vec<ImportRow>,
    pub problems: Problems,
}

/// Reads a file's rows (no database).
pub fn read_file(bytes: &[u8], mapping: Mapping, max_rows: usize) -> ReadFile {
    let sha256: String = Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect();
    let mut sink = ImportSink::new(mapping, max_rows);
    let result = decode(bytes)
        .and_then(|(text, format)| read_rows(&text, format, &mut sink).map_err(|e| Box::new(sheet_problem(&e))));
    if let Err(problem) = result {
        sink.problems.push(*problem);
    } else if !sink.has_header() {
        sink.problems.push(ImportProblem::file(
            None,
            "no-header-row",
            msg!("sheet-no-header-row"),
            msg!("import-expected-headers", headers = known_headers()),
        ));
    }
    ReadFile {
        sha256,
        data_rows: sink.data_rows,
        rows: sink.rows,
        problems: sink.problems,
    }
}

/// The file's text as UTF-8 (GB18030 decoded, as Excel on Chinese Windows saves "CSV"), or the
/// workbook as it is.
fn decode(bytes: &[u8]) -> Result<(Cow<'_, [u8]>, SheetFormat), Box<ImportProblem>> {
    let unknown = |code, message| Box::new(ImportProblem::file(None, code, message, msg!("import-expected-format")));
    if bytes.starts_with(b"PK\x03\x04") {
        return Ok((Cow::Borrowed(bytes), SheetFormat::Xlsx));
    }
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = if std::str::from_utf8(text).is_ok() {
        Cow::Borrowed(bytes)
    } else if is_gb18030(text) {
        let (decoded, _) = encoding_rs::GB18030.decode_without_bom_handling(text);
        Cow::Owned(decoded.into_owned().into_bytes())
    } else {
        return Err(unknown("encoding-unknown", msg!("import-encoding-unknown")));
    };
    match sniff_format(&text) {
        Some(SheetFormat::Csv) => Ok((text, SheetFormat::Csv)),
        _ => Err(unknown("file-format-unknown", msg!("import-file-format-unknown"))),
    }
}

fn sheet_problem(error: &SheetError) -> ImportProblem {
    let code = match error {
        SheetError::TooManyRows { .. } => "too-many-rows",
        SheetError::TooMuchText { .. } | SheetError::TooLarge { .. } => "file-too-large",
        _ => "file-unreadable",
    };
    ImportProblem::file(None, code, error.msg(), msg!("import-expected-format"))
}

/// Imports `bytes` into `village` as `imported_by`: a dry run only checks; otherwise every new
/// row becomes an entry, all in one transaction.
pub fn import_file(
    conn: &mut DbConn,
    village: &VillageCode,
    bytes: &[u8],
    options: ImportOptions,
    imported_by: &str,
) -> Result<Imported, ExchangeError> {
    let mut file = read_file(bytes, options.mapping, MAX_ROWS);
    let village_row = find_village(conn, village)?;
    if !file.problems.is_empty() {
        return Ok(Imported::Refused(report(&file, options.dry_run, 0, 0)));
    }
    // Checked before the write transaction, so that other clerks' postings do not wait for it.
    let checked_version = village_row.ledger_version;
    let plans = Ledger::load(conn, village_row)?.check(village, &file.rows, &mut file.problems);
    if options.dry_run || !file.problems.is_empty() {
        return Ok(finish(&file, options.dry_run, &plans));
    }
    let started = Instant::now();
    let imported = write_transaction(conn, |conn| -> Result<Imported, ExchangeError> {
        // What was checked is what is written: every write to a village bumps its version in
        // its own transaction (entries, reversals, month closes), so the same version means the
        // same ledger; otherwise the rows are checked again, inside the transaction.
        let plans = if ledger_version(conn, village.as_str())? == Some(checked_version) {
            plans
        } else {
            let village_row = find_village(conn, village)?;
            let ledger = Ledger::load(conn, village_row)?;
            let plans = ledger.check(village, &file.rows, &mut file.problems);
            if !file.problems.is_empty() {
                return Ok(finish(&file, false, &plans));
            }
            plans
        };
        write_rows(conn, village, &file, &plans, imported_by)?;
        Ok(finish(&file, false, &plans))
    })?;
    if let Imported::Accepted(report) = &imported {
        tracing::info!(
            village = %village,
            rows = report.rows,
            created = report.created,
            write_ms = started.elapsed().as_millis() as u64,
            "import written"
        );
    }
    Ok(imported)
}

fn finish(file: &ReadFile, dry_run: bool, plans: &[Plan]) -> Imported {
    let existing = plans.iter().filter(|p| matches!(p, Plan::Existing)).count();
    let created = plans.len() - existing;
    if file.problems.is_empty() {
        Imported::Accepted(report(file, dry_run, created, existing))
    } else {
        Imported::Refused(report(file, dry_run, 0, 0))
    }
}

fn report(file: &ReadFile, dry_run: bool, created: usize, existing: usize) -> ImportReport {
    ImportReport {
        dry_run,
        sha256: file.sha256.clone(),
        rows: file.data_rows,
        created,
        existing,
        problems: file.problems.listed.clone(),
        more_problems: file.problems.more,
    }
}

/// Writes the new rows through the ledger's insert path for many entries (a log leaf each, the
/// village's version bumped once per entry, in multi-row inserts): originals first, then the
/// reversals, which may name an original of the same file.
fn write_rows(
    conn: &mut DbConn,
    village: &VillageCode,
    file: &ReadFile,
    plans: &[Plan],
    imported_by: &str,
) -> Result<(), ExchangeError> {
    let now = now_utc();
    let mut ids: HashMap<Reference, EntryId> = HashMap::new();
    let new: Vec<(&ImportRow, &Option<Original>)> = file
        .rows
        .iter()
        .zip(plans)
        .filter_map(|(row, plan)| match plan {
            Plan::New { reverses } => Some((row, reverses)),
            Plan::Existing => None,
        })
        .collect();
    let (originals, reversals): (Vec<_>, Vec<_>) = new.into_iter().partition(|(_, reverses)| reverses.is_none());
    let mut rows = Vec::with_capacity(originals.len() + reversals.len());
    for (row, reverses) in originals.into_iter().chain(reversals) {
        let reverses = match reverses {
            None => None,
            Some(Original::Stored(id)) => Some(id.clone()),
            Some(Original::InFile(reference)) => ids.get(reference).cloned(),
        };
        let period = Period::of(row.occurred_on);
        let entry = EntryRow {
            seq: 0,
            id: EntryId::generate(),
            village_code: village.as_str().to_owned(),
            fiscal_year: period.year(),
            period: period.to_string(),
            voucher_no: row.voucher_no.clone(),
            occurred_on: row.occurred_on,
            posted_at: row.posted_at.unwrap_or(now),
            direction: row.direction,
            amount_fen: row.amount_fen,
            account_code: row.account_code.clone(),
            settlement_account_code: row.settlement_account_code.clone(),
            counterparty: row.counterparty.clone(),
            description: row.description.clone(),
            project: row.project.clone(),
            fund_source: row.fund_source.clone(),
            tender_ref: row.tender_ref.clone(),
            posted_by: imported_by.to_owned(),
            reversal_reason: reverses
                .as_ref()
                .map(|_| row.reversal_reason.clone().unwrap_or_default()),
            reverses,
        };
        let origin = EntryOrigin {
            voucher_line: row.voucher_line,
            imported_sha256: Some(file.sha256.clone()),
            imported_undated: row.posted_at.is_none(),
        };
        ids.insert(key_of(row), entry.id.clone());
        rows.push((entry, origin));
    }
    insert_entries_as(conn, village, &rows)?;
    Ok(())
}
