//! An ingested scan becomes a ledger attachment: the row the ledger keeps of it, with what was
//! read from it (the invoice QR, the perceptual hash).

use crate::domain::{EntryId, ReceiptId};
use crate::ledger::receipts::ReceiptRow;
use crate::receipts::Ingested;

/// The ledger row of a new attachment of an ingested original to an entry.
pub fn receipt_row(
    id: ReceiptId,
    entry_id: &str,
    village_code: &str,
    sha256: &str,
    byte_size: u64,
    ingested: &Ingested,
    uploaded_by: &str,
) -> ReceiptRow {
    let invoice = ingested.invoice.as_ref();
    ReceiptRow {
        id,
        entry_id: EntryId::from(entry_id),
        village_code: village_code.to_owned(),
        sha256: sha256.to_owned(),
        content_type: ingested.content_type.to_owned(),
        byte_size: byte_size as i64,
        width: ingested.width as i32,
        height: ingested.height as i32,
        phash: ingested.phash.clone(),
        invoice_key: invoice.map(|i| i.key.clone()),
        invoice_type: invoice.map(|i| i.type_code.clone()),
        invoice_code: invoice.and_then(|i| i.invoice_code.clone()),
        invoice_number: invoice.map(|i| i.invoice_number.clone()),
        invoice_amount_fen: invoice.map(|i| i.amount_fen),
        invoice_date: invoice.map(|i| i.issued_on),
        invoice_check_code: invoice.and_then(|i| i.check_code.clone()),
        // Invoice payloads live in the invoice fields; other QR text is kept as it was read.
        qr_text: if invoice.is_some() {
            None
        } else {
            ingested.qr_text.clone()
        },
        uploaded_by: uploaded_by.to_owned(),
        uploaded_at: crate::domain::clock::now_utc(),
        qr_search: ingested.qr_search.as_str().to_owned(),
    }
}
