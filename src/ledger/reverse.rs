//! Red-ink reversal (红字冲销): the only way to correct a posted entry.

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Deserialize;

use crate::db::schema::closed_periods;
use crate::db::{DbConn, write_transaction};
use crate::domain::clock::now_utc;
use crate::domain::{BoundedText, EntryId, Period};
use crate::ledger::entries::{EntryRow, find_entry, reversal_of};
use crate::ledger::post::{MAX_DESCRIPTION_CHARS, MAX_VOUCHER_CHARS, insert_entry};
use crate::ledger::{LedgerError, Result};

/// A request to reverse an entry.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "重复入账,冲销", "voucher_no": "2024-031"}))]
pub struct ReversalRequest {
    /// Why the entry is reversed; at most 500 characters.
    #[schema(
        min_length = 1,
        max_length = 500,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
    )]
    pub reason: String,
    /// Voucher number of the reversal; defaults to `红冲-` and the original's voucher number.
    #[serde(default)]
    #[schema(
        min_length = 1,
        max_length = 32,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
    )]
    pub voucher_no: Option<String>,
}

pub enum Reversed {
    Created(EntryRow),
    /// The same reversal was requested before: a retry.
    Existing(EntryRow),
}

/// The date of a reversal: the original's date while its month is open, otherwise the first
/// day of the first open month after it.
fn reversal_date(conn: &mut DbConn, original: &EntryRow) -> Result<NaiveDate> {
    let closed: Vec<String> = closed_periods::table
        .filter(closed_periods::village_code.eq(&original.village_code))
        .filter(closed_periods::period.ge(&original.period))
        .order(closed_periods::period)
        .select(closed_periods::period)
        .load(conn)?;
    let mut period = Period::of(original.occurred_on);
    if !closed.contains(&period.to_string()) {
        return Ok(original.occurred_on);
    }
    while closed.contains(&period.to_string()) {
        period = period.next();
    }
    Ok(period.first_day())
}

/// Reverses entry `id` (already checked to be in the caller's scope).
pub fn reverse_entry(conn: &mut DbConn, id: &str, request: ReversalRequest, posted_by: &str) -> Result<Reversed> {
    let reason = BoundedText::parse("reason", &request.reason, MAX_DESCRIPTION_CHARS)?.into_string();
    let voucher = match request.voucher_no {
        Some(v) => Some(BoundedText::parse("voucher_no", &v, MAX_VOUCHER_CHARS)?.into_string()),
        None => None,
    };
    write_transaction(conn, |conn| {
        let original = find_entry(conn, id)?;
        if original.reverses.is_some() {
            return Err(LedgerError::ReversalOfReversal { entry: id.to_owned() });
        }
        if let Some(existing) = reversal_of(conn, id)? {
            let existing = find_entry(conn, existing.as_str())?;
            if existing.reversal_reason.as_deref() == Some(reason.as_str()) {
                return Ok(Reversed::Existing(existing));
            }
            return Err(LedgerError::AlreadyReversed {
                entry: id.to_owned(),
                reversal: existing.id,
            });
        }
        let occurred_on = reversal_date(conn, &original)?;
        let period = Period::of(occurred_on);
        let voucher_no = voucher.unwrap_or_else(|| {
            let mut v = format!("红冲-{}", original.voucher_no);
            if v.chars().count() > MAX_VOUCHER_CHARS {
                v = v.chars().take(MAX_VOUCHER_CHARS).collect();
            }
            v
        });
        let row = EntryRow {
            seq: 0,
            id: EntryId::generate(),
            village_code: original.village_code.clone(),
            fiscal_year: period.year(),
            period: period.to_string(),
            voucher_no,
            occurred_on,
            posted_at: now_utc(),
            direction: original.direction,
            amount_fen: -original.amount_fen,
            account_code: original.account_code.clone(),
            settlement_account_code: original.settlement_account_code.clone(),
            counterparty: original.counterparty.clone(),
            description: original.description.clone(),
            project: original.project.clone(),
            fund_source: original.fund_source.clone(),
            tender_ref: original.tender_ref.clone(),
            posted_by: posted_by.to_owned(),
            reverses: Some(original.id.clone()),
            reversal_reason: Some(reason),
        };
        insert_entry(conn, row).map(Reversed::Created).map_err(|e| {
            if e.is_unique_violation() {
                LedgerError::ReversalVoucherTaken {
                    village: original.village_code.clone(),
                }
            } else {
                e
            }
        })
    })
}
