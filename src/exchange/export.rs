//! Running an export: the villages of the request one after another (or, for the workbook's
//! sheets by month, month by month), each village-month loaded and handed to the format's writer.

use std::io::Write;

use chrono::NaiveDate;
use diesel::prelude::*;

use super::ExchangeError;
use super::source::{ExportFormat, ExportRequest, ExportWriter, load_month};
use crate::db::DbConn;
use crate::db::schema::{entries, villages};
use crate::domain::Period;
use crate::ledger::villages::VillageRow;

/// Writes the export of `request` to `out`.
pub fn export(conn: &mut DbConn, request: &ExportRequest, out: &mut (dyn Write + Send)) -> Result<(), ExchangeError> {
    if let (Some(from), Some(to)) = (request.from, request.to)
        && from > to
    {
        return Err(ExchangeError::FromAfterTo { from, to });
    }
    match request.format {
        ExportFormat::Csv => drive(conn, request, &mut super::csv_out::CsvWriter::new(out)?, false),
        ExportFormat::Journal => drive(conn, request, &mut super::journal::JournalWriter::new(out), false),
        ExportFormat::Xlsx => {
            let mut writer = super::xlsx_out::XlsxWriter::new(conn, request)?;
            drive(conn, request, &mut writer, true)?;
            writer.save(out)
        }
    }
}

/// Feeds the writer village by village and month by month, or (`month_major`, for the workbook's
/// sheets by month) month by month and village by village.
fn drive(
    conn: &mut DbConn,
    request: &ExportRequest,
    writer: &mut dyn ExportWriter,
    month_major: bool,
) -> Result<(), ExchangeError> {
    let mut spans = Vec::new();
    for code in &request.villages {
        let village: VillageRow = villages::table.find(code).select(VillageRow::as_select()).first(conn)?;
        writer.village(conn, &village, request.from)?;
        let (first, last): (Option<NaiveDate>, Option<NaiveDate>) = entries::table
            .filter(entries::village_code.eq(code))
            .select((
                diesel::dsl::min(entries::occurred_on),
                diesel::dsl::max(entries::occurred_on),
            ))
            .first(conn)?;
        let first = first.into_iter().chain(request.from).max();
        let last = last.into_iter().chain(request.to).min();
        if let (Some(first), Some(last)) = (first, last)
            && first <= last
        {
            spans.push((village, Period::of(first), Period::of(last)));
        }
    }
    if month_major {
        let Some(start) = spans.iter().map(|s| s.1).min() else {
            return writer.finish();
        };
        let end = spans.iter().map(|s| s.2).max().unwrap_or(start);
        let mut period = start;
        while period <= end {
            for (village, first, last) in &spans {
                if (*first..=*last).contains(&period) {
                    writer.month(&load_month(conn, village, period, request)?)?;
                }
            }
            period = period.next();
        }
    } else {
        for (village, first, last) in &spans {
            let mut period = *first;
            while period <= *last {
                writer.month(&load_month(conn, village, period, request)?)?;
                period = period.next();
            }
        }
    }
    writer.finish()
}
