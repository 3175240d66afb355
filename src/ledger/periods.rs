//! Month close (月结): a closed village month is published and takes no more postings.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::closed_periods;
use crate::db::{DbConn, write_transaction};
use crate::domain::{Period, VillageCode};
use crate::error::{ApiError, ApiResult};
use crate::ledger::now_utc;
use crate::ledger::villages::{bump_version, find_village};

#[derive(Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = closed_periods)]
struct ClosedPeriodRow {
    village_code: String,
    period: String,
    closed_at: chrono::NaiveDateTime,
    closed_by: String,
}

/// A closed month.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ClosedPeriod {
    pub village_code: String,
    #[schema(example = "2024-03")]
    pub period: String,
    pub closed_at: DateTime<Utc>,
    pub closed_by: String,
}

impl From<ClosedPeriodRow> for ClosedPeriod {
    fn from(row: ClosedPeriodRow) -> Self {
        ClosedPeriod {
            village_code: row.village_code,
            period: row.period,
            closed_at: row.closed_at.and_utc(),
            closed_by: row.closed_by,
        }
    }
}

pub enum Closed {
    Now(ClosedPeriod),
    Already(ClosedPeriod),
}

/// Closes `period` of `village`. A month can be closed once it has ended.
pub fn close_period(
    conn: &mut DbConn,
    village: &VillageCode,
    period: Period,
    today: NaiveDate,
    closed_by: &str,
) -> ApiResult<Closed> {
    if period.next().first_day() > today {
        return Err(ApiError::Invalid(format!(
            "{period} has not ended yet; a month can be closed once it has ended"
        )));
    }
    write_transaction(conn, |conn| {
        find_village(conn, village)?;
        let existing = closed_periods::table
            .find((village.as_str(), period.to_string()))
            .select(ClosedPeriodRow::as_select())
            .first(conn)
            .optional()?;
        if let Some(row) = existing {
            return Ok(Closed::Already(row.into()));
        }
        let row = ClosedPeriodRow {
            village_code: village.as_str().to_owned(),
            period: period.to_string(),
            closed_at: now_utc(),
            closed_by: closed_by.to_owned(),
        };
        diesel::insert_into(closed_periods::table).values(&row).execute(conn)?;
        bump_version(conn, village.as_str())?;
        Ok(Closed::Now(row.into()))
    })
}
