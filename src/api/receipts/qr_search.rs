//! The deep QR searches that run after uploads are answered (issue 17). Intake reads the codes
//! that are easy to find within the upload's time; a receipt where it read no invoice is left
//! `pending`, and `settings.qr_search_workers` background tasks (default 1: the bound on the
//! CPU and memory these searches take) search its stored original, longest-waiting first, and
//! fill in what they read. A pending upload wakes them; at start-up they take up whatever was
//! pending when the server stopped; and every minute they look again, for receipts another
//! server sharing the database took in.

use std::time::Duration;

use actix_web::web;

use crate::api::problem::ApiError;
use crate::api::state::{State, db};
use crate::receipts::IntakeLimits;
use crate::receipts::deferred::{PendingSearch, fill_in, pending_searches, search_original};

/// How long an idle worker waits before it looks for pending receipts unasked.
const RESCAN: Duration = Duration::from_secs(60);

/// Starts the workers; call once, inside the server's runtime.
pub fn spawn_workers(state: State) {
    for _ in 0..state.settings.qr_search_workers {
        let state = state.clone();
        actix_web::rt::spawn(async move {
            loop {
                match next_pending(&state).await {
                    Ok(Some(pending)) => {
                        let id = pending.receipt_id.clone();
                        let outcome = search_and_fill_in(&state, pending).await;
                        state.qr_searches.release(&id);
                        if let Err(e) = outcome {
                            tracing::error!(error = %e, receipt = %id, "the deep QR search could not record its outcome");
                            tokio::time::sleep(RESCAN).await;
                        }
                    }
                    Ok(None) => {
                        let _ = tokio::time::timeout(RESCAN, state.qr_searches.woken()).await;
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "cannot list the receipts waiting for a QR search");
                        tokio::time::sleep(RESCAN).await;
                    }
                }
            }
        });
    }
}

async fn next_pending(state: &State) -> Result<Option<PendingSearch>, ApiError> {
    // Enough rows that the ones other workers are searching still leave one to take.
    let limit = i64::try_from(state.settings.qr_search_workers)
        .unwrap_or(i64::MAX)
        .saturating_add(1);
    let pending = db(state, move |conn| Ok(pending_searches(conn, limit)?)).await?;
    Ok(state.qr_searches.claim(pending))
}

async fn search_and_fill_in(state: &State, pending: PendingSearch) -> Result<(), ApiError> {
    let st = state.clone();
    let sha = pending.sha256.clone();
    let found = web::block(move || {
        let limits = IntakeLimits {
            max_bytes: st.settings.receipt_max_bytes,
            max_pixels: st.settings.receipt_max_pixels,
        };
        let budget = Duration::from_secs(st.settings.qr_search_seconds);
        // An object store that cannot be reached leaves the receipt pending, searched later;
        // an original that is gone has no code to find.
        match st.receipts.original(&sha) {
            Ok(Some(original)) => Ok(search_original(original.path(), &limits, budget)),
            Ok(None) => Ok(None),
            Err(e) if crate::receipts::store::is_unavailable(&e) => Err(super::errors::io_error(e)),
            Err(e) => {
                tracing::warn!(error = %e, "the deep QR search could not read a stored original");
                Ok(None)
            }
        }
    })
    .await??;
    let read = found.as_ref().and_then(|r| r.invoice.as_ref()).map(|i| i.key.clone());
    let id = pending.receipt_id;
    let filled = db(state, move |conn| {
        Ok(crate::db::write_transaction(conn, |conn| {
            fill_in(conn, &id, found.as_ref())
        })?)
    })
    .await?;
    tracing::info!(filled, invoice = ?read, "deep QR search finished");
    Ok(())
}
