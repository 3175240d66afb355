//! Receipt rows: attachments of stored originals to entries, their withdrawals, and the views
//! clients see. Append-only like entries; each attachment and withdrawal is a leaf of the
//! transparency log, carrying the original's SHA-256.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::DbConn;
use crate::db::schema::{receipt_withdrawals, receipts};
use crate::domain::{EntryId, InvoiceQr, QrSearch, ReceiptId};
use crate::ledger::{LedgerError, Result};
use crate::tlog::leaf::{KIND_RECEIPT, KIND_RECEIPT_WITHDRAWAL, ReceiptLeaf, WithdrawalLeaf};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = receipts)]
pub struct ReceiptRow {
    pub id: ReceiptId,
    pub entry_id: EntryId,
    pub village_code: String,
    pub sha256: String,
    pub content_type: String,
    pub byte_size: i64,
    pub width: i32,
    pub height: i32,
    pub phash: String,
    pub invoice_key: Option<String>,
    pub invoice_type: Option<String>,
    pub invoice_code: Option<String>,
    pub invoice_number: Option<String>,
    pub invoice_amount_fen: Option<i64>,
    pub invoice_date: Option<NaiveDate>,
    pub invoice_check_code: Option<String>,
    pub qr_text: Option<String>,
    pub uploaded_by: String,
    pub uploaded_at: NaiveDateTime,
    /// `pending` while the deep QR search is still to fill in the invoice fields, else `done`:
    /// that fill-in is the one change a receipt row accepts.
    pub qr_search: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = receipt_withdrawals)]
pub struct WithdrawalRow {
    pub receipt_id: ReceiptId,
    pub reason: String,
    pub withdrawn_by: String,
    pub withdrawn_at: NaiveDateTime,
}

impl WithdrawalRow {
    /// What the withdrawal's leaf in the transparency log records.
    pub fn leaf(&self) -> WithdrawalLeaf<'_> {
        WithdrawalLeaf {
            receipt_id: self.receipt_id.as_str(),
            reason: &self.reason,
            withdrawn_by: &self.withdrawn_by,
            withdrawn_at: self.withdrawn_at,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Withdrawal {
    pub reason: String,
    pub withdrawn_by: String,
    pub withdrawn_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReceiptUrls {
    pub thumb: String,
    pub screen: String,
    pub full: String,
    /// The untouched original (clerks, inspectors and admins only).
    pub original: String,
}

/// A receipt as clients see it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Receipt {
    pub id: String,
    pub entry_id: String,
    pub village_code: String,
    /// SHA-256 of the uploaded bytes, hex.
    pub sha256: String,
    pub content_type: String,
    pub byte_size: i64,
    /// Pixels, after the EXIF orientation is applied.
    pub width: i32,
    pub height: i32,
    /// 64-bit perceptual hash, hex.
    pub phash: String,
    pub invoice: Option<InvoiceQr>,
    /// `pending` while the invoice may still be read from the photo: `invoice` then fills in.
    pub qr_search: QrSearch,
    /// A QR payload that is not an invoice.
    pub qr_text: Option<String>,
    pub uploaded_by: String,
    pub uploaded_at: DateTime<Utc>,
    pub withdrawn: Option<Withdrawal>,
    pub urls: ReceiptUrls,
}

impl Receipt {
    /// The view of a receipt; `urls` are where the api serves its images.
    pub fn from_rows(row: ReceiptRow, withdrawal: Option<WithdrawalRow>, urls: ReceiptUrls) -> Self {
        let invoice = match (
            row.invoice_key,
            row.invoice_type,
            row.invoice_number,
            row.invoice_amount_fen,
            row.invoice_date,
        ) {
            (Some(key), Some(type_code), Some(invoice_number), Some(amount_fen), Some(issued_on)) => Some(InvoiceQr {
                type_code,
                invoice_code: row.invoice_code,
                invoice_number,
                amount_fen,
                issued_on,
                check_code: row.invoice_check_code,
                key,
            }),
            _ => None,
        };
        Receipt {
            urls,
            id: row.id.into_string(),
            entry_id: row.entry_id.into_string(),
            village_code: row.village_code,
            sha256: row.sha256,
            content_type: row.content_type,
            byte_size: row.byte_size,
            width: row.width,
            height: row.height,
            phash: row.phash,
            invoice,
            qr_search: QrSearch::parse(&row.qr_search).unwrap_or(QrSearch::Done),
            qr_text: row.qr_text,
            uploaded_by: row.uploaded_by,
            uploaded_at: row.uploaded_at.and_utc(),
            withdrawn: withdrawal.map(|w| Withdrawal {
                reason: w.reason,
                withdrawn_by: w.withdrawn_by,
                withdrawn_at: w.withdrawn_at.and_utc(),
            }),
        }
    }
}

impl ReceiptRow {
    /// What the attachment's leaf in the transparency log records.
    pub fn leaf(&self) -> ReceiptLeaf<'_> {
        ReceiptLeaf {
            id: self.id.as_str(),
            entry_id: self.entry_id.as_str(),
            village_code: &self.village_code,
            sha256: &self.sha256,
            content_type: &self.content_type,
            byte_size: self.byte_size,
            uploaded_by: &self.uploaded_by,
            uploaded_at: self.uploaded_at,
        }
    }
}

pub fn find_receipt(conn: &mut DbConn, id: &str) -> Result<ReceiptRow> {
    receipts::table
        .find(id)
        .select(ReceiptRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| receipt_not_found(id))
}

pub fn receipt_not_found(id: &str) -> LedgerError {
    LedgerError::ReceiptNotFound { receipt: id.to_owned() }
}

pub fn withdrawal_of(conn: &mut DbConn, id: &str) -> Result<Option<WithdrawalRow>> {
    Ok(receipt_withdrawals::table
        .find(id)
        .select(WithdrawalRow::as_select())
        .first(conn)
        .optional()?)
}

/// Where the api serves a receipt's images, by receipt id.
pub type UrlsOf = fn(&str) -> ReceiptUrls;

pub fn receipt_view(conn: &mut DbConn, row: ReceiptRow, urls: UrlsOf) -> Result<Receipt> {
    let withdrawal = withdrawal_of(conn, row.id.as_str())?;
    let urls = urls(row.id.as_str());
    Ok(Receipt::from_rows(row, withdrawal, urls))
}

/// The receipts of an entry, oldest first, withdrawn ones included (marked).
pub fn receipts_of_entry(conn: &mut DbConn, entry_id: &str, urls: UrlsOf) -> Result<Vec<Receipt>> {
    let rows: Vec<ReceiptRow> = receipts::table
        .filter(receipts::entry_id.eq(entry_id))
        .order((receipts::uploaded_at, receipts::id))
        .select(ReceiptRow::as_select())
        .load(conn)?;
    rows.into_iter().map(|row| receipt_view(conn, row, urls)).collect()
}

/// The attachment of these bytes to this entry, if it was made before.
pub fn existing_attachment(conn: &mut DbConn, entry_id: &str, sha256: &str) -> Result<Option<ReceiptRow>> {
    Ok(receipts::table
        .filter(receipts::entry_id.eq(entry_id))
        .filter(receipts::sha256.eq(sha256))
        .select(ReceiptRow::as_select())
        .first(conn)
        .optional()?)
}

/// Records an attachment and its log leaf; call inside a write transaction.
pub fn insert_receipt(conn: &mut DbConn, row: &ReceiptRow) -> Result<()> {
    diesel::insert_into(receipts::table).values(row).execute(conn)?;
    crate::tlog::append(conn, KIND_RECEIPT, row.id.as_str(), &row.leaf().encode())?;
    crate::ledger::villages::bump_version(conn, &row.village_code)?;
    Ok(())
}

/// Records a withdrawal and its log leaf; call inside a write transaction.
pub fn insert_withdrawal(conn: &mut DbConn, row: &WithdrawalRow, village: &str) -> Result<()> {
    diesel::insert_into(receipt_withdrawals::table)
        .values(row)
        .execute(conn)?;
    crate::tlog::append(
        conn,
        KIND_RECEIPT_WITHDRAWAL,
        row.receipt_id.as_str(),
        &row.leaf().encode(),
    )?;
    crate::ledger::villages::bump_version(conn, village)?;
    Ok(())
}

/// Whether any receipt row names this original (used by the start-up sweep of orphan files).
pub fn original_is_known(conn: &mut DbConn, sha256: &str) -> Result<bool> {
    let n: i64 = receipts::table
        .filter(receipts::sha256.eq(sha256))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}
