//! The deep QR searches that run after an upload is answered: which receipts still wait for
//! one, the search itself, and filling in what it read. The fill-in happens once (`pending` to
//! `done`, the one change the database lets a receipt row make), in a write transaction that
//! also bumps the village's ledger version, so cached pages and the red flags see the invoice.
//! [`QrSearches`] is what a server's search workers share (they run in `api::receipts`).

use std::collections::HashSet;
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use diesel::prelude::*;

use super::qr::{QrReading, QrSearch};
use super::{IntakeLimits, search_qr};
use crate::db::DbConn;
use crate::db::schema::receipts;
use crate::ledger::Result;

/// What the workers share: the wake-up call and the receipts being searched right now.
#[derive(Default)]
pub struct QrSearches {
    wake: tokio::sync::Notify,
    claimed: Mutex<HashSet<String>>,
}

impl QrSearches {
    /// Resolves when [`Self::wake`] is called.
    pub async fn woken(&self) {
        self.wake.notified().await;
    }

    /// A receipt became pending: an idle worker takes it now rather than at its next look.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// The first of `pending` no worker of this server is searching, now claimed.
    pub fn claim(&self, pending: Vec<PendingSearch>) -> Option<PendingSearch> {
        let mut claimed = self.claimed.lock().unwrap_or_else(|e| e.into_inner());
        let next = pending.into_iter().find(|p| !claimed.contains(&p.receipt_id))?;
        claimed.insert(next.receipt_id.clone());
        Some(next)
    }

    /// The search of `receipt_id` is over (or failed): it may be claimed again.
    pub fn release(&self, receipt_id: &str) {
        self.claimed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(receipt_id);
    }
}

/// A receipt waiting for its deep QR search.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct PendingSearch {
    pub receipt_id: String,
    pub sha256: String,
}

/// Up to `limit` receipts waiting for the deep search, the longest-waiting first.
pub fn pending_searches(conn: &mut DbConn, limit: i64) -> Result<Vec<PendingSearch>> {
    Ok(receipts::table
        .filter(receipts::qr_search.eq(QrSearch::Pending.as_str()))
        .order((receipts::uploaded_at, receipts::id))
        .select((receipts::id, receipts::sha256))
        .limit(limit)
        .load(conn)?)
}

/// Runs the deep search on the stored original. A file that cannot be read or decoded any
/// more has no code to find: the search is over for it, with nothing read.
pub fn search_original(original: &Path, limits: &IntakeLimits, budget: Duration) -> Option<QrReading> {
    search_qr(original, limits, budget).unwrap_or_else(|e| {
        tracing::warn!(error = %e, "the deep QR search could not read a stored original");
        None
    })
}

/// Records the deep search's outcome for a pending receipt: an invoice fills the invoice
/// fields; other text fills `qr_text` when intake had read none. `false` when the receipt was
/// no longer pending (another server finished it first). Call inside a write transaction.
pub fn fill_in(conn: &mut DbConn, receipt_id: &str, found: Option<&QrReading>) -> Result<bool> {
    let pending = receipts::table
        .find(receipt_id)
        .filter(receipts::qr_search.eq(QrSearch::Pending.as_str()));
    let Some((village, intake_text)) = pending
        .select((receipts::village_code, receipts::qr_text))
        .first::<(String, Option<String>)>(conn)
        .optional()?
    else {
        return Ok(false);
    };
    let invoice = found.and_then(|r| r.invoice.as_ref());
    let qr_text = match (invoice, found) {
        (Some(_), _) => None,
        (None, Some(r)) => intake_text.or_else(|| Some(r.text.clone())),
        (None, None) => intake_text,
    };
    let done = QrSearch::Done.as_str();
    let changed = match invoice {
        Some(i) => diesel::update(pending)
            .set((
                receipts::invoice_key.eq(Some(&i.key)),
                receipts::invoice_type.eq(Some(&i.type_code)),
                receipts::invoice_code.eq(i.invoice_code.as_ref()),
                receipts::invoice_number.eq(Some(&i.invoice_number)),
                receipts::invoice_amount_fen.eq(Some(i.amount_fen)),
                receipts::invoice_date.eq(Some(i.issued_on)),
                receipts::invoice_check_code.eq(i.check_code.as_ref()),
                receipts::qr_text.eq(qr_text),
                receipts::qr_search.eq(done),
            ))
            .execute(conn)?,
        None => diesel::update(pending)
            .set((receipts::qr_text.eq(qr_text), receipts::qr_search.eq(done)))
            .execute(conn)?,
    };
    if changed > 0 {
        crate::ledger::villages::bump_version(conn, &village)?;
    }
    Ok(changed > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pending(ids: &[&str]) -> Vec<PendingSearch> {
        ids.iter()
            .map(|id| PendingSearch {
                receipt_id: (*id).to_owned(),
                sha256: format!("sha-{id}"),
            })
            .collect()
    }

    #[test]
    fn a_receipt_being_searched_is_not_claimed_twice_until_released() {
        let searches = QrSearches::default();
        let first = searches.claim(pending(&["a", "b"])).map(|p| p.receipt_id);
        assert_eq!(first.as_deref(), Some("a"));
        let second = searches.claim(pending(&["a", "b"])).map(|p| p.receipt_id);
        assert_eq!(second.as_deref(), Some("b"));
        assert_eq!(searches.claim(pending(&["a", "b"])), None);
        searches.release("a");
        assert_eq!(
            searches.claim(pending(&["a", "b"])).map(|p| p.receipt_id).as_deref(),
            Some("a")
        );
    }
}
