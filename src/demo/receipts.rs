//! The demo county's receipt scans: fixture files attached to real entries of 坎头村, including
//! what the cross-check must find — one scan attached to both payments of the duplicated
//! street-light repair, the same paper photographed twice for two entries, and an invoice whose
//! QR amount (64.90) differs from its entry's.

use diesel::prelude::*;

use crate::api::problem::{ApiError, ApiResult};
use crate::db::schema::entries;
use crate::db::{DbConn, write_transaction};
use crate::ledger::receipts::{ReceiptRow, insert_receipt};
use crate::receipts::{IntakeLimits, ReceiptStore, RenditionSize, ingest};

const PHONE_PHOTO: &[u8] = include_bytes!("../../receipts-fixtures/phone-orient6-gps.jpg");
const FLATBED_SCAN: &[u8] = include_bytes!("../../receipts-fixtures/scan-flatbed.png");
const INVOICE: &[u8] = include_bytes!("../../receipts-fixtures/invoice-traditional.jpg");
const E_INVOICE: &[u8] = include_bytes!("../../receipts-fixtures/e-invoice.webp");
const SAME_PAPER_A: &[u8] = include_bytes!("../../receipts-fixtures/same-paper-a.jpg");
const SAME_PAPER_B: &[u8] = include_bytes!("../../receipts-fixtures/same-paper-b.jpg");

/// The id of the village's entry whose description contains `needle`, the `nth` by date.
fn entry_like(conn: &mut DbConn, village: &str, needle: &str, nth: i64) -> ApiResult<String> {
    entries::table
        .filter(entries::village_code.eq(village))
        .filter(entries::description.like(format!("%{needle}%")))
        .filter(entries::reverses.is_null())
        .order((entries::occurred_on, entries::seq))
        .offset(nth)
        .select(entries::id)
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::Internal(format!("the demo has no entry like {needle} in {village}")))
}

fn attach(conn: &mut DbConn, store: &ReceiptStore, entry_id: &str, village: &str, bytes: &[u8]) -> ApiResult<()> {
    use sha2::Digest;
    let io = |e: std::io::Error| ApiError::Internal(format!("demo receipts: {e}"));
    let sha: String = sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect();
    let (mut file, tmp) = store.temp_file().map_err(io)?;
    std::io::Write::write_all(&mut file, bytes).map_err(io)?;
    file.sync_all().map_err(io)?;
    let ingested = ingest(&tmp, &IntakeLimits::default()).map_err(|e| ApiError::Internal(e.to_string()))?;
    store.commit_original(&tmp, &sha).map_err(io)?;
    store
        .write_rendition(&sha, RenditionSize::Thumb, &ingested.thumb)
        .map_err(io)?;
    store
        .write_rendition(&sha, RenditionSize::Screen, &ingested.screen)
        .map_err(io)?;
    // Deterministic like the rest of the demo: the id comes from the bytes and the entry.
    let id = format!("rc_{}{}", &sha[..12], &entry_id[entry_id.len() - 12..]);
    let row = ReceiptRow::attach(
        id,
        entry_id,
        village,
        &sha,
        bytes.len() as u64,
        &ingested,
        "demo-import",
    );
    write_transaction(conn, |conn| insert_receipt(conn, &row))
}

/// Attaches the demo scans to 坎头村's entries.
pub fn attach_demo_receipts(conn: &mut DbConn, store: &ReceiptStore) -> ApiResult<()> {
    let village = super::planted::DUPLICATE_VILLAGE;
    let hall = entry_like(conn, village, "传送瓦片", 0)?;
    attach(conn, store, &hall, village, PHONE_PHOTO)?;
    // The duplicated street-light repair: both payments carry the same scan.
    for nth in 0..2 {
        let repair = entry_like(conn, village, "路灯维修", nth)?;
        attach(conn, store, &repair, village, FLATBED_SCAN)?;
    }
    // An invoice for 64.90 on an office-supplies entry posted at 649.00.
    let supplies = entry_like(conn, village, "墨盒", 0)?;
    attach(conn, store, &supplies, village, INVOICE)?;
    let notice = entry_like(conn, village, "公开栏", 0)?;
    attach(conn, store, &notice, village, E_INVOICE)?;
    // The same paper photographed twice, for two different entries.
    let first = entry_like(conn, village, "保洁", 3)?;
    attach(conn, store, &first, village, SAME_PAPER_A)?;
    let second = entry_like(conn, village, "保洁", 4)?;
    attach(conn, store, &second, village, SAME_PAPER_B)?;
    Ok(())
}
