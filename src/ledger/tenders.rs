//! Public tenders (招投标) of village works, as data: the reference (招标编号) that payments carry
//! in `tender_ref`, the project, the winning bidder and the contract amount, recorded by the
//! township finance station. The cross-check compares the payments under a reference with its
//! record (`tender_threshold`). Records are append-only, and one reference is recorded once per
//! village: its second spelling (`SMZB-2024-017`, `smzb 2024 017`) is the same reference.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::schema::tenders;
use crate::db::{DbConn, write_transaction};
use crate::domain::clock::now_utc;
use crate::domain::{BoundedText, Money, VillageCode};
use crate::ledger::post::{MAX_COUNTERPARTY_CHARS, MAX_PROJECT_CHARS, MAX_TENDER_REF_CHARS};
use crate::ledger::villages::find_village;
use crate::ledger::{LedgerError, Result};

/// Most tenders listed in one page, and the default.
pub const MAX_TENDER_PAGE: i64 = 500;
pub const DEFAULT_TENDER_PAGE: i64 = 100;
/// The furthest a listing can skip.
pub const MAX_TENDER_OFFSET: i64 = 10_000_000;

/// A tender to record.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "reference": "SMZB-2024-017",
    "project": "村道硬化工程",
    "winner": "三门县路桥建设有限公司",
    "amount_fen": 9800000,
    "awarded_on": "2024-06-20"
}))]
pub struct NewTenderRequest {
    /// The tender reference (招标编号) the payments carry as `tender_ref`; at most 100
    /// characters, with at least one letter or digit. Unique per village, compared without
    /// regard to case, width, spacing and punctuation.
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
    )]
    pub reference: String,
    /// The works project, as the payments name it; at most 100 characters.
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
    )]
    pub project: String,
    /// The winning bidder (中标单位), as the payments name their counterparty; at most 100
    /// characters.
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
    )]
    pub winner: String,
    /// The contract amount (中标金额), positive integer fen, at most 10^13.
    #[schema(minimum = 1, maximum = 10_000_000_000_000_i64)]
    #[serde(deserialize_with = "crate::domain::deserialize_fen")]
    pub amount_fen: i64,
    /// The day the tender was awarded; not in the future.
    pub awarded_on: NaiveDate,
}

/// A request that passed every check that needs no database.
#[derive(Debug, Clone)]
pub struct ValidTender {
    pub reference: String,
    pub reference_key: String,
    pub project: String,
    pub winner: String,
    pub amount: Money,
    pub awarded_on: NaiveDate,
}

impl NewTenderRequest {
    /// Checks every value; `today` is the county's date, after which no tender is awarded.
    pub fn validate(self, today: NaiveDate) -> Result<ValidTender> {
        let reference = BoundedText::parse("reference", &self.reference, MAX_TENDER_REF_CHARS)?.into_string();
        let reference_key = reference_key(&reference);
        if reference_key.is_empty() {
            return Err(LedgerError::TenderReferenceBlank);
        }
        let awarded_on = crate::domain::check_ledger_date(self.awarded_on)?;
        if awarded_on > today {
            return Err(LedgerError::TenderAwardedLater { awarded_on, today });
        }
        Ok(ValidTender {
            reference,
            reference_key,
            project: BoundedText::parse("project", &self.project, MAX_PROJECT_CHARS)?.into_string(),
            winner: BoundedText::parse("winner", &self.winner, MAX_COUNTERPARTY_CHARS)?.into_string(),
            amount: Money::parse_posting(self.amount_fen)?,
            awarded_on,
        })
    }
}

/// The comparable form of a tender reference: full-width letters and digits folded to
/// half-width, letters lowercased, and everything that is not a letter or a digit dropped.
/// Payments name their tender through it, so `ＳＭＺＢ－２０２４－０１７` pays under
/// `SMZB-2024-017`.
pub fn reference_key(reference: &str) -> String {
    reference
        .chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// One row of `tenders`.
#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = tenders)]
pub struct TenderRow {
    pub id: String,
    pub village_code: String,
    pub reference: String,
    pub reference_key: String,
    pub project: String,
    pub winner: String,
    pub amount_fen: i64,
    pub awarded_on: NaiveDate,
    pub recorded_by: String,
    pub recorded_at: NaiveDateTime,
}

/// A recorded tender as clients see it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(example = json!({
    "id": "td_5d1c0e7a9b3f4c2d8e6a1b0c",
    "village_code": "331022002201",
    "reference": "SMZB-2024-017",
    "project": "村道硬化工程",
    "winner": "三门县路桥建设有限公司",
    "amount_fen": 9800000,
    "awarded_on": "2024-06-20",
    "recorded_by": "clerk-hairun",
    "recorded_at": "2024-06-21T02:15:00Z"
}))]
pub struct Tender {
    pub id: String,
    pub village_code: String,
    pub reference: String,
    pub project: String,
    pub winner: String,
    pub amount_fen: i64,
    pub awarded_on: NaiveDate,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

impl From<TenderRow> for Tender {
    fn from(row: TenderRow) -> Self {
        Tender {
            id: row.id,
            village_code: row.village_code,
            reference: row.reference,
            project: row.project,
            winner: row.winner,
            amount_fen: row.amount_fen,
            awarded_on: row.awarded_on,
            recorded_by: row.recorded_by,
            recorded_at: row.recorded_at.and_utc(),
        }
    }
}

/// What recording did.
#[derive(Debug)]
pub enum Recorded {
    Created(TenderRow),
    /// The same reference with the same content was recorded before: a retry.
    Existing(TenderRow),
}

fn same_content(row: &TenderRow, tender: &ValidTender) -> bool {
    row.reference == tender.reference
        && row.project == tender.project
        && row.winner == tender.winner
        && row.amount_fen == tender.amount.fen()
        && row.awarded_on == tender.awarded_on
}

/// Records `tender` for `village`. A reference recorded before answers with that record when
/// the content is the same (a retry) and refuses otherwise; when another server recorded it at
/// the same moment (a unique-index violation at commit on PostgreSQL), it is looked at again.
pub fn record_tender(
    conn: &mut DbConn,
    village: &VillageCode,
    tender: ValidTender,
    recorded_by: &str,
) -> Result<Recorded> {
    match record_tender_once(conn, village, tender.clone(), recorded_by) {
        Err(e) if e.is_unique_violation() => record_tender_once(conn, village, tender, recorded_by),
        other => other,
    }
}

fn record_tender_once(
    conn: &mut DbConn,
    village: &VillageCode,
    tender: ValidTender,
    recorded_by: &str,
) -> Result<Recorded> {
    write_transaction(conn, |conn| {
        find_village(conn, village)?;
        let existing = tenders::table
            .filter(tenders::village_code.eq(village.as_str()))
            .filter(tenders::reference_key.eq(&tender.reference_key))
            .select(TenderRow::as_select())
            .first(conn)
            .optional()?;
        if let Some(row) = existing {
            return if same_content(&row, &tender) {
                Ok(Recorded::Existing(row))
            } else {
                Err(LedgerError::TenderReferenceTaken {
                    village: village.clone(),
                    reference: tender.reference,
                    recorded: row.reference,
                })
            };
        }
        let row = TenderRow {
            id: crate::domain::ids::new_id("td"),
            village_code: village.as_str().to_owned(),
            reference: tender.reference,
            reference_key: tender.reference_key,
            project: tender.project,
            winner: tender.winner,
            amount_fen: tender.amount.fen(),
            awarded_on: tender.awarded_on,
            recorded_by: recorded_by.to_owned(),
            recorded_at: now_utc(),
        };
        diesel::insert_into(tenders::table).values(&row).execute(conn)?;
        Ok(Recorded::Created(row))
    })
}

/// The tenders of `village` by award date and reference, `limit` of them after `offset`,
/// and whether more follow.
pub fn list_tenders(conn: &mut DbConn, village: &VillageCode, limit: i64, offset: i64) -> Result<(Vec<Tender>, bool)> {
    if !(1..=MAX_TENDER_PAGE).contains(&limit) {
        return Err(LedgerError::TenderPageOutOfRange {
            name: "limit",
            min: 1,
            max: MAX_TENDER_PAGE,
        });
    }
    if !(0..=MAX_TENDER_OFFSET).contains(&offset) {
        return Err(LedgerError::TenderPageOutOfRange {
            name: "offset",
            min: 0,
            max: MAX_TENDER_OFFSET,
        });
    }
    let mut rows: Vec<TenderRow> = tenders::table
        .filter(tenders::village_code.eq(village.as_str()))
        .order((tenders::awarded_on, tenders::reference_key))
        .limit(limit + 1)
        .offset(offset)
        .select(TenderRow::as_select())
        .load(conn)?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    Ok((rows.into_iter().map(Tender::from).collect(), more))
}

/// Every tender of the village `code`, for the cross-check.
pub fn tenders_of_village(conn: &mut DbConn, code: &str) -> Result<Vec<TenderRow>> {
    Ok(tenders::table
        .filter(tenders::village_code.eq(code))
        .order((tenders::awarded_on, tenders::reference_key))
        .select(TenderRow::as_select())
        .load(conn)?)
}

#[cfg(test)]
mod tests {
    use super::reference_key;

    #[test]
    fn second_spellings_of_a_reference_share_its_key() {
        for spelling in [
            "SMZB-2024-017",
            "smzb 2024 017",
            "ＳＭＺＢ－２０２４－０１７",
            " SMZB/2024/017 ",
        ] {
            assert_eq!(reference_key(spelling), "smzb2024017", "{spelling}");
        }
        assert_eq!(reference_key("三门招标〔2024〕17号"), "三门招标202417号");
        assert_eq!(reference_key("--/--"), "");
    }
}
