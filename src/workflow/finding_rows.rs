//! The rows of findings as the workflow's files share them: found by id, with the round they
//! belong to and who is on it.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::auth::inspections::{Inspection, find_inspection};
use crate::db::DbConn;
use crate::db::schema::{findings, inspection_inspectors};
use crate::workflow::{Result, WorkflowError};

/// One row of `findings`.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = findings)]
pub struct FindingRow {
    pub seq: i64,
    pub id: String,
    pub inspection_id: String,
    pub village_code: String,
    pub township_code: String,
    pub checklist_item: String,
    pub category: String,
    pub description: String,
    pub amount_fen: i64,
    pub requires_rectification: bool,
    pub rectify_by: Option<NaiveDate>,
    pub recorded_by: String,
    pub recorded_at: NaiveDateTime,
}

pub fn find_row(conn: &mut DbConn, id: &str) -> Result<Option<FindingRow>> {
    Ok(findings::table
        .filter(findings::id.eq(id))
        .select(FindingRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn not_found(id: &str) -> WorkflowError {
    WorkflowError::FindingNotFound {
        finding: crate::domain::truncate(id),
    }
}

/// The finding `id`, or 404.
pub fn finding_row(conn: &mut DbConn, id: &str) -> Result<FindingRow> {
    find_row(conn, id)?.ok_or_else(|| not_found(id))
}

/// Whether `username` is an inspector of round `round`.
pub fn on_round(conn: &mut DbConn, username: &str, round: &str) -> Result<bool> {
    let n: i64 = inspection_inspectors::table
        .filter(inspection_inspectors::inspection_id.eq(round))
        .filter(inspection_inspectors::username.eq(username))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// The round of a finding.
pub fn round_of(conn: &mut DbConn, finding: &FindingRow, today: NaiveDate) -> Result<Inspection> {
    Ok(find_inspection(conn, &finding.inspection_id, today)?)
}
