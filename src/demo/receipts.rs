//! The demo county's receipt scans: fixture files attached to real entries of 坎头村, including
//! what the cross-check must find — one scan attached to both payments of the duplicated
//! street-light repair, the same paper photographed twice for two entries, and an invoice whose
//! QR amount (64.90) differs from its entry's.

use diesel::prelude::*;

use crate::db::schema::entries;
use crate::db::{DbConn, write_transaction};
use crate::ledger::receipts::insert_receipt;
use crate::receipts::{IntakeLimits, ReceiptStore, RenditionSize, ingest};
use anyhow::{Context, anyhow};

const PHONE_PHOTO: &[u8] = include_bytes!("../../receipts-fixtures/phone-orient6-gps.jpg");
const FLATBED_SCAN: &[u8] = include_bytes!("../../receipts-fixtures/scan-flatbed.png");
const INVOICE: &[u8] = include_bytes!("../../receipts-fixtures/invoice-traditional.jpg");
const E_INVOICE: &[u8] = include_bytes!("../../receipts-fixtures/e-invoice.webp");
const SAME_PAPER_A: &[u8] = include_bytes!("../../receipts-fixtures/same-paper-a.jpg");
const SAME_PAPER_B: &[u8] = include_bytes!("../../receipts-fixtures/same-paper-b.jpg");

/// The id of the village's entry whose description contains `needle`, the `nth` by date.
fn entry_like(conn: &mut DbConn, village: &str, needle: &str, nth: i64) -> anyhow::Result<String> {
    entries::table
        .filter(entries::village_code.eq(village))
        .filter(entries::description.like(format!("%{needle}%")))
        .filter(entries::reverses.is_null())
        .order((entries::occurred_on, entries::seq))
        .offset(nth)
        .select(entries::id)
        .first(conn)
        .optional()?
        .ok_or_else(|| anyhow!("the demo has no entry like {needle} in {village}"))
}

/// Stores `bytes` as a scan of the entry `entry_id`, as an upload would (original, renditions),
/// and returns the ledger row that attaches it; no database work, so that scans can be stored
/// in parallel.
pub(super) fn store_scan(
    store: &ReceiptStore,
    entry_id: &str,
    village: &str,
    bytes: &[u8],
) -> anyhow::Result<crate::ledger::receipts::ReceiptRow> {
    use sha2::Digest;
    let sha: String = sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect();
    let (mut file, tmp) = store.temp_file().context("creating an upload file")?;
    std::io::Write::write_all(&mut file, bytes)
        .and_then(|()| file.sync_all())
        .context("writing an upload file")?;
    let ingested = ingest(&tmp, &IntakeLimits::default()).with_context(|| format!("reading the scan {sha}"))?;
    store.commit_original(&tmp, &sha).context("storing an original")?;
    for (size, bytes) in [
        (RenditionSize::Thumb, &ingested.thumb),
        (RenditionSize::Screen, &ingested.screen),
    ] {
        store
            .write_rendition(&sha, size, bytes)
            .context("storing a rendition")?;
    }
    // Deterministic like the rest of the demo: the id comes from the bytes and the entry.
    let id = format!("rc_{}{}", &sha[..12], &entry_id[entry_id.len() - 12..]);
    Ok(crate::receipts::attach::receipt_row(
        id.into(),
        entry_id,
        village,
        &sha,
        bytes.len() as u64,
        &ingested,
        "demo-import",
    ))
}

fn attach(conn: &mut DbConn, store: &ReceiptStore, entry_id: &str, village: &str, bytes: &[u8]) -> anyhow::Result<()> {
    let row = store_scan(store, entry_id, village, bytes)?;
    write_transaction(conn, |conn| insert_receipt(conn, &row))
        .with_context(|| format!("attaching {} to {entry_id}", row.sha256))
}

/// Attaches the demo scans to 坎头村's entries.
pub fn attach_demo_receipts(conn: &mut DbConn, store: &ReceiptStore) -> anyhow::Result<()> {
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
