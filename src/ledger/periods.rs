//! Month close (月结): a closed village month is published and takes no more postings. The
//! close is a leaf of the transparency log, and a checkpoint that includes it is signed in the
//! same transaction, so what villagers saw for the month can be proven later.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::closed_periods;
use crate::db::{DbConn, write_transaction};
use crate::domain::clock::now_utc;
use crate::domain::{Period, VillageCode};
use crate::ledger::villages::{bump_version, find_village};
use crate::ledger::{LedgerError, Result};
use crate::tlog::checkpoint::{LogSigner, at_size, checkpoint_now};
use crate::tlog::leaf::{KIND_PERIOD_CLOSE, close_leaf, close_object_id};

#[derive(Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = closed_periods)]
struct ClosedPeriodRow {
    village_code: String,
    period: String,
    closed_at: NaiveDateTime,
    closed_by: String,
    checkpoint_size: Option<i64>,
}

/// A closed month.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ClosedPeriod {
    pub village_code: String,
    #[schema(example = "2024-03")]
    pub period: String,
    pub closed_at: DateTime<Utc>,
    pub closed_by: String,
    /// The signed checkpoint (C2SP signed note) that includes this close.
    pub checkpoint: Option<String>,
}

impl ClosedPeriod {
    fn from_row(conn: &mut DbConn, row: ClosedPeriodRow) -> Result<Self> {
        let checkpoint = match row.checkpoint_size {
            Some(size) => at_size(conn, size as u64)?.map(|c| c.note),
            None => None,
        };
        Ok(ClosedPeriod {
            village_code: row.village_code,
            period: row.period,
            closed_at: row.closed_at.and_utc(),
            closed_by: row.closed_by,
            checkpoint,
        })
    }
}

pub enum Closed {
    Now(ClosedPeriod),
    Already(ClosedPeriod),
}

/// The village's closed months, newest first, each with its closing checkpoint.
pub fn list_closed(conn: &mut DbConn, village: &VillageCode) -> Result<Vec<ClosedPeriod>> {
    let rows: Vec<ClosedPeriodRow> = closed_periods::table
        .filter(closed_periods::village_code.eq(village.as_str()))
        .order(closed_periods::period.desc())
        .select(ClosedPeriodRow::as_select())
        .load(conn)?;
    rows.into_iter().map(|row| ClosedPeriod::from_row(conn, row)).collect()
}

/// Appends a close to the log and records it; call inside a write transaction. `signer`
/// signs a checkpoint that includes it (`None` when the caller signs one after a batch).
pub fn record_close(
    conn: &mut DbConn,
    village: &str,
    period: &str,
    closed_at: NaiveDateTime,
    closed_by: &str,
    signer: Option<&LogSigner>,
) -> Result<Option<i64>> {
    let leaf = close_leaf(village, period, closed_at, closed_by);
    crate::tlog::append(conn, KIND_PERIOD_CLOSE, &close_object_id(village, period), &leaf)?;
    let checkpoint_size = match signer {
        Some(signer) => Some(checkpoint_now(conn, signer)?.size),
        None => None,
    };
    let row = ClosedPeriodRow {
        village_code: village.to_owned(),
        period: period.to_owned(),
        closed_at,
        closed_by: closed_by.to_owned(),
        checkpoint_size,
    };
    diesel::insert_into(closed_periods::table).values(&row).execute(conn)?;
    bump_version(conn, village)?;
    Ok(checkpoint_size)
}

/// Closes `period` of `village`. A month can be closed once it has ended.
pub fn close_period(
    conn: &mut DbConn,
    village: &VillageCode,
    period: Period,
    today: NaiveDate,
    closed_by: &str,
    signer: &LogSigner,
) -> Result<Closed> {
    if period.next().first_day() > today {
        return Err(LedgerError::PeriodNotEnded { period });
    }
    write_transaction(conn, |conn| {
        find_village(conn, village)?;
        let key = (village.as_str(), period.to_string());
        let existing = closed_periods::table
            .find(key.clone())
            .select(ClosedPeriodRow::as_select())
            .first(conn)
            .optional()?;
        if let Some(row) = existing {
            return Ok(Closed::Already(ClosedPeriod::from_row(conn, row)?));
        }
        record_close(conn, village.as_str(), &key.1, now_utc(), closed_by, Some(signer))?;
        let row = closed_periods::table
            .find(key)
            .select(ClosedPeriodRow::as_select())
            .first(conn)?;
        Ok(Closed::Now(ClosedPeriod::from_row(conn, row)?))
    })
}
