//! Writing a generated county: places and closed months, then entries in multi-row inserts
//! inside a few large transactions, and the listing index built once at the end.
//!
//! The production settings stay on (WAL, `synchronous=FULL`, foreign keys): with a few
//! hundred thousand rows per transaction the fsyncs are a handful, and the rows are inserted in
//! `(village, date)` order, so every index but the random `id` one is appended to.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use super::places::{Township, Village};
use super::village::GenEntry;
use crate::db::DbConn;
use crate::db::schema::{closed_periods, entries, townships, villages};
use crate::domain::Period;
use crate::ledger::villages::{Township as TownshipRow, VillageRow};

/// Rows per INSERT statement: 19 binds a row stays well under SQLite's 32,766 and
/// PostgreSQL's 65,535 bind parameters.
const ROWS_PER_INSERT: usize = 500;

/// The listing index, exactly as the migrations create it.
const LISTING_INDEX: &str =
    "CREATE INDEX IF NOT EXISTS entries_by_village_date ON entries (village_code, occurred_on DESC, seq DESC)";

/// Who the generated lines and closes are attributed to.
pub const IMPORTER: &str = "county-import";

/// Settings of this one bulk-writing connection only; the server's connections keep theirs.
pub fn prepare_bulk(conn: &mut DbConn) -> QueryResult<()> {
    if let DbConn::Sqlite(c) = conn {
        // 256 MB of page cache keeps the random `id` index in memory while it grows.
        c.batch_execute("PRAGMA cache_size = -262144;")?;
    }
    conn.batch_execute("DROP INDEX IF EXISTS entries_by_village_date")
}

/// Builds the listing index, and leaves the database as the server expects to find it.
pub fn finish_bulk(conn: &mut DbConn) -> QueryResult<()> {
    conn.batch_execute(LISTING_INDEX)?;
    match conn {
        // Fold the WAL into the database file so the server starts on a clean file.
        DbConn::Sqlite(c) => c.batch_execute("PRAGMA wal_checkpoint(TRUNCATE);"),
        // What autovacuum would soon do; the planner needs it for the new rows.
        DbConn::Pg(c) => c.batch_execute("ANALYZE entries;"),
    }
}

/// Whether the database already holds a county (townships or entries).
pub fn county_exists(conn: &mut DbConn) -> QueryResult<(i64, i64)> {
    let places: i64 = townships::table.count().get_result(conn)?;
    let lines: i64 = entries::table.count().get_result(conn)?;
    Ok((places, lines))
}

/// What a village starts its books with.
pub struct Opening {
    pub date: NaiveDate,
    pub cash_fen: i64,
    pub bank_fen: i64,
    /// Entries the village will have: its ledger version, as if each had bumped it.
    pub entries: i64,
}

pub fn insert_places(
    conn: &mut DbConn,
    towns: &[Township],
    vills: &[Village],
    openings: &[Opening],
) -> QueryResult<()> {
    for t in towns {
        diesel::insert_into(townships::table)
            .values(&TownshipRow {
                code: t.code.clone(),
                name: t.name.clone(),
            })
            .execute(conn)?;
    }
    for (v, o) in vills.iter().zip(openings) {
        let row = VillageRow {
            code: v.code.clone(),
            township_code: towns[v.township].code.clone(),
            name: v.name.clone(),
            opening_date: o.date,
            opening_cash_fen: o.cash_fen,
            opening_bank_fen: o.bank_fen,
            ledger_version: o.entries,
        };
        diesel::insert_into(villages::table).values(&row).execute(conn)?;
    }
    Ok(())
}

/// Every month from `first` through `last` with its closing time: the 10th of the next month,
/// 02:00, when the township station has posted the month's last vouchers.
pub fn closes(first: Period, last: Period) -> Vec<(String, NaiveDateTime)> {
    let mut out = Vec::new();
    let mut p = first;
    while p <= last {
        let closed_at = (p.next().first_day() + chrono::Duration::days(9))
            .and_time(NaiveTime::from_hms_opt(2, 0, 0).unwrap_or(NaiveTime::MIN));
        out.push((p.to_string(), closed_at));
        p = p.next();
    }
    out
}

/// Closes the `closes` months in every village; each close is included in the checkpoint of
/// `checkpoint_size` leaves signed at the end.
pub fn close_months(
    conn: &mut DbConn,
    vills: &[Village],
    closes: &[(String, NaiveDateTime)],
    checkpoint_size: i64,
) -> QueryResult<usize> {
    let mut n = 0;
    for v in vills {
        let values = || {
            closes
                .iter()
                .map(|(p, at)| {
                    (
                        closed_periods::village_code.eq(v.code.as_str()),
                        closed_periods::period.eq(p.as_str()),
                        closed_periods::closed_at.eq(*at),
                        closed_periods::closed_by.eq(IMPORTER),
                        closed_periods::checkpoint_size.eq(Some(checkpoint_size)),
                    )
                })
                .collect::<Vec<_>>()
        };
        n += match conn {
            DbConn::Sqlite(c) => diesel::insert_into(closed_periods::table).values(values()).execute(c)?,
            DbConn::Pg(c) => diesel::insert_into(closed_periods::table).values(values()).execute(c)?,
        };
    }
    Ok(n)
}

/// Inserts one village's entries in order, `ROWS_PER_INSERT` a statement; call inside a write
/// transaction.
pub fn insert_entries(conn: &mut DbConn, village: &str, rows: &[GenEntry<'_>]) -> QueryResult<usize> {
    let mut n = 0;
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        let values = || {
            chunk
                .iter()
                .map(|r| {
                    (
                        entries::id.eq(r.id.as_str()),
                        entries::village_code.eq(village),
                        entries::fiscal_year.eq(r.fiscal_year),
                        entries::period.eq(r.period.as_str()),
                        entries::voucher_no.eq(r.voucher_no.as_str()),
                        entries::occurred_on.eq(r.occurred_on),
                        entries::posted_at.eq(r.posted_at),
                        entries::direction.eq(r.direction),
                        entries::amount_fen.eq(r.amount_fen),
                        entries::account_code.eq(r.account_code),
                        entries::settlement_account_code.eq(r.settlement_account_code),
                        entries::counterparty.eq(r.counterparty.as_ref()),
                        entries::description.eq(r.description),
                        entries::project.eq(r.project.as_deref()),
                        entries::fund_source.eq(r.fund_source),
                        entries::posted_by.eq(IMPORTER),
                        entries::reverses.eq(r.reverses.as_deref()),
                        entries::tender_ref.eq(r.tender_ref.as_deref()),
                        entries::reversal_reason.eq(r.reversal_reason),
                    )
                })
                .collect::<Vec<_>>()
        };
        n += match conn {
            DbConn::Sqlite(c) => diesel::insert_into(entries::table).values(values()).execute(c)?,
            DbConn::Pg(c) => diesel::insert_into(entries::table).values(values()).execute(c)?,
        };
    }
    Ok(n)
}
