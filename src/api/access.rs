//! What handlers check before they act: the codes of the path parsed, and the caller's scope
//! over the village of what the path names. Outside the caller's scope the answer is the same
//! 404 as for something that does not exist, so an answer never tells what exists elsewhere.

use crate::api::clock::today;
use crate::api::problem::{ApiError, ApiResult};
use crate::auth::Caller;
use crate::auth::scope::{readable_village, writable_village};
use crate::db::DbConn;
use crate::domain::{TownshipCode, VillageCode};
use crate::ledger::entries::{EntryRow, entry_not_found, find_entry};
use crate::ledger::receipts::{ReceiptRow, find_receipt, receipt_not_found};
use crate::ledger::villages::VillageRow;

/// Parses a path's village code, or 404 (a malformed code names no village).
pub fn village_code(code: &str) -> ApiResult<VillageCode> {
    VillageCode::parse(code).map_err(|e| ApiError::NotFound(e.msg()))
}

/// Parses a path's township code, or 404 (a malformed code names no township).
pub fn township_code(code: &str) -> ApiResult<TownshipCode> {
    TownshipCode::parse(code).map_err(|e| ApiError::NotFound(e.msg()))
}

/// What a request does with a village's ledger.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Reads it: villagers their village, clerks their township, inspectors their open
    /// rounds, admins all.
    Read,
    /// Writes it: clerks of its township.
    Write,
}

/// The village `code`, if the caller may `access` it (404 if not).
pub fn village_in_scope(
    conn: &mut DbConn,
    caller: &Caller,
    code: &VillageCode,
    access: Access,
) -> ApiResult<VillageRow> {
    match access {
        Access::Read => Ok(readable_village(conn, caller, code, today())?),
        Access::Write => Ok(writable_village(conn, caller, code)?),
    }
}

/// The village of a stored row, if the caller may `access` it; out of scope, the answer is
/// `not_found` of the row itself.
fn village_of_row(
    conn: &mut DbConn,
    caller: &Caller,
    stored_code: &str,
    access: Access,
    not_found: impl FnOnce() -> ApiError,
) -> ApiResult<VillageRow> {
    // Codes are checked on the way in: a stored one that does not parse is our fault.
    let code = VillageCode::parse(stored_code).map_err(|e| ApiError::Internal(e.to_string()))?;
    village_in_scope(conn, caller, &code, access).map_err(|e| match e {
        ApiError::NotFound(_) => not_found(),
        other => other,
    })
}

/// The entry `id` and its village, if the caller may `access` the village (404 alike for a
/// missing entry and one out of scope).
pub fn entry_in_scope(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    access: Access,
) -> ApiResult<(EntryRow, VillageRow)> {
    let row = find_entry(conn, id)?;
    let village = village_of_row(conn, caller, &row.village_code, access, || entry_not_found(id).into())?;
    Ok((row, village))
}

/// The receipt `id` and its village, if the caller may `access` the village (404 alike for a
/// missing receipt and one out of scope).
pub fn receipt_in_scope(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    access: Access,
) -> ApiResult<(ReceiptRow, VillageRow)> {
    let row = find_receipt(conn, id)?;
    let village = village_of_row(conn, caller, &row.village_code, access, || receipt_not_found(id).into())?;
    Ok((row, village))
}
