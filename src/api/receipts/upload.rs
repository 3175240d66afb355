//! The hardened upload: streamed to a temp file while it is hashed; decoding runs on the
//! blocking pool with explicit limits; the original is stored (fsync, rename) before its row
//! commits, and a start-up sweep removes files a crash left without a row.

use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, post, web};
use futures_util::StreamExt;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::time::Duration;

use super::errors::io_error;
use crate::api::access::{Access, entry_in_scope};
use crate::api::audit_trail::Audit;
use crate::api::params::EntryPath;
use crate::api::problem::{ApiError, ApiResult};
use crate::api::state::{State, db};
use crate::auth::Caller;
use crate::domain::budget::Budget;
use crate::ledger::LedgerError;
use crate::ledger::receipts::{Receipt, existing_attachment, insert_receipt, receipt_view};
use crate::msg;
use crate::receipts::access::may_attach;
use crate::receipts::store::TempUpload;
use crate::receipts::{IntakeError, RenditionSize, ingest};

/// The multipart upload (documentation only).
#[derive(utoipa::ToSchema, Deserialize)]
#[serde(deny_unknown_fields)]
#[expect(dead_code, reason = "documents the multipart body; the handler streams it")]
pub struct ReceiptUpload {
    /// The scan or photo: JPEG, PNG, WebP or TIFF, at most 20 MiB and 80 megapixels.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// What a received upload is: its guarded temp file, SHA-256 (hex) and size.
type Received = (TempUpload, String, u64);

/// Streams the multipart part `file` into a temp file of the store, hashing it on the way.
fn stream_part(
    state: &State,
) -> (
    tokio::sync::mpsc::Sender<web::Bytes>,
    impl std::future::Future<Output = ApiResult<Received>>,
) {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<web::Bytes>(8);
    let st = state.clone();
    // If the request goes away, the sender is dropped, this ends, and its result (the temp
    // file's guard) is dropped unread: the file goes at once.
    let writer = web::block(move || -> std::io::Result<Received> {
        use std::io::Write;
        let (mut file, tmp) = st.receipts.temp_upload()?;
        let mut hasher = Sha256::new();
        let mut size = 0u64;
        while let Some(chunk) = rx.blocking_recv() {
            file.write_all(&chunk)?;
            hasher.update(&chunk);
            size += chunk.len() as u64;
        }
        file.sync_all()?;
        let sha: String = hasher.finalize().iter().map(|b| format!("{b:02x}")).collect();
        Ok((tmp, sha, size))
    });
    (tx, async move { writer.await?.map_err(io_error) })
}

/// Reads the whole multipart body: exactly one part `file`, streamed to a temp file (hashed
/// on the way, refused past the size limit); any other part is refused. On refusal, or when
/// the request ends first, nothing is left behind.
async fn receive_file(state: &State, payload: &mut Multipart) -> ApiResult<Received> {
    let max = state.settings.receipt_max_bytes;
    let mut received: Option<Received> = None;
    while let Some(field) = payload.next().await {
        let mut field =
            field.map_err(|e| ApiError::BadRequest(msg!("problem-multipart-unreadable", reason = e.to_string())))?;
        if field.name() != Some("file") || received.is_some() {
            return Err(ApiError::Invalid(msg!(
                "receipt-unexpected-part",
                part = crate::domain::truncate(field.name().unwrap_or(""))
            )));
        }
        let (tx, writer) = stream_part(state);
        let mut size = 0u64;
        let mut failure = None;
        while let Some(chunk) = field.next().await {
            match chunk {
                Ok(bytes) => {
                    size += bytes.len() as u64;
                    if size > max {
                        failure = Some(IntakeError::TooLarge { limit: max }.into());
                        break;
                    }
                    if tx.send(bytes).await.is_err() {
                        break;
                    }
                }
                Err(e) => {
                    failure = Some(ApiError::BadRequest(msg!("problem-upload-cut", reason = e.to_string())));
                    break;
                }
            }
        }
        drop(tx);
        let file = writer.await?;
        if let Some(e) = failure {
            return Err(e);
        }
        received = Some(file);
    }
    received.ok_or_else(|| ApiError::Invalid(msg!("receipt-no-file-part")))
}

/// Everything an upload attaches once its bytes are in.
struct Attach {
    entry_id: String,
    village: String,
    username: String,
    audit: Audit,
    budget: Budget,
}

/// Decodes and keeps the file (original, renditions) and attaches it to the entry, in one
/// blocking task: once the original is committed its row follows, whether or not anybody still
/// waits for the answer, so a request that ends leaves no original without a row. Before that
/// point an exhausted budget stops it and the temp file goes.
fn store_and_attach(state: &State, (tmp, sha, size): Received, a: Attach) -> ApiResult<(bool, Receipt)> {
    let limits = crate::receipts::IntakeLimits {
        max_bytes: state.settings.receipt_max_bytes,
        max_pixels: state.settings.receipt_max_pixels,
    };
    let kept = (|| {
        a.budget.check()?;
        let ingested = ingest(tmp.path(), &limits).map_err(ApiError::from)?;
        a.budget.check()?;
        state.receipts.commit_upload(tmp, &sha).map_err(io_error)?;
        for (size, bytes) in [
            (RenditionSize::Thumb, &ingested.thumb),
            (RenditionSize::Screen, &ingested.screen),
        ] {
            state.receipts.put_rendition(&sha, size, bytes).map_err(io_error)?;
        }
        Ok::<_, ApiError>(ingested)
    })();
    let mut conn = state.pool.get()?;
    let ingested = match kept {
        Ok(ingested) => ingested,
        Err(e) => {
            a.audit.record_outcome(&mut conn, &e.problem().status.to_string(), None);
            return Err(e);
        }
    };
    // The same bytes uploaded to the same entry at the same moment through another
    // connection: the unique index refuses the second row; looking again finds the first.
    let attempt = |conn: &mut crate::db::DbConn| {
        crate::db::write_transaction(conn, |conn| {
            if let Some(row) = existing_attachment(conn, &a.entry_id, &sha)? {
                return Ok((false, row));
            }
            let row = crate::receipts::attach::receipt_row(
                crate::domain::ReceiptId::generate(),
                &a.entry_id,
                &a.village,
                &sha,
                size,
                &ingested,
                &a.username,
            );
            insert_receipt(conn, &row)?;
            Ok::<_, LedgerError>((true, row))
        })
    };
    let result = match attempt(&mut conn) {
        Err(e) if e.is_unique_violation() => attempt(&mut conn),
        other => other,
    }
    .map_err(ApiError::from);
    // What the write changed is forgotten by this server's caches before it is acknowledged.
    let changes = crate::db::changes::take();
    if !changes.is_empty() {
        state.forget(&changes);
    }
    a.audit
        .record(&mut conn, &result, result.as_ref().ok().map(|(_, r)| r.id.as_str()));
    let (created, row) = result?;
    Ok((created, receipt_view(&mut conn, row, super::receipt_urls)?))
}

/// Attach a receipt scan to an entry (township clerks in scope), as `multipart/form-data` with
/// a part `file`.
///
/// The format is recognised from the bytes. Uploading the same bytes to the same entry again
/// answers 200 with the receipt made before. Who may attach, and to which entry, is settled
/// before a byte of the body is read.
#[utoipa::path(
    tag = "receipts",
    security(("bearer" = [])),
    params(EntryPath),
    request_body(content = ReceiptUpload, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Attached", body = Receipt,
            links(("GetReceipt" = (operation_id = "get_receipt", parameters(("id" = "$response.body#/id")), description = "Read the receipt")))),
        (status = 200, description = "These bytes were attached to this entry before", body = Receipt),
        (status = 400, description = "Malformed multipart body"),
        (status = 401, description = "No or bad token"),
        (status = 403, description = "Your role cannot attach receipts"),
        (status = 404, description = "No such entry in your scope"),
        (status = 413, description = "Larger than the limit"),
        (status = 422, description = "Not a JPEG, PNG, WebP or TIFF (`unsupported-file`), damaged, too many pixels, or no `file` part"),
        (status = 503, description = "As many uploads as the service receives at once are running, or this one ran out of time (retry after `Retry-After` seconds), or the receipt store (an object store) cannot be reached; nothing was recorded")
    )
)]
#[post("/entries/{id}/receipts")]
pub async fn post_receipt(
    state: State,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<EntryPath>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let (budget, _cancel_on_drop) = Budget::start(Duration::from_secs(state.settings.request_timeout_seconds));
    let entry_id = path.into_inner().id;
    let mut audit = Audit::new("receipt.upload", Some(&caller.username), &req);
    audit.object = Some(crate::domain::truncate(&entry_id));
    // Who may attach is settled before a byte of the body is read.
    let (eid, c) = (entry_id.clone(), caller.clone());
    let (village, audit) = db(&state, move |conn| {
        let result = (|| {
            may_attach(&c)?;
            let (entry, village) = entry_in_scope(conn, &c, &eid, Access::Write)?;
            audit.village = Some(entry.village_code.clone());
            audit.township = Some(village.township_code.clone());
            Ok(village)
        })();
        if result.is_err() {
            audit.record(conn, &result, None);
        }
        result.map(|v| (v, audit))
    })
    .await?;
    let received = async {
        let pass = state.gates.upload.enter()?;
        let mut form = Multipart::new(req.headers(), payload);
        Ok::<_, ApiError>((pass, receive_file(&state, &mut form).await?))
    }
    .await;
    let (pass, received) = match received {
        Ok(r) => r,
        Err(e) => return Err(audit.refused(&state, e).await),
    };
    let attach = Attach {
        entry_id,
        village: village.code,
        username: caller.username.clone(),
        audit,
        budget,
    };
    let st = state.clone();
    let (created, receipt) = web::block(move || {
        let _pass = pass;
        store_and_attach(&st, received, attach)
    })
    .await??;
    if created && receipt.qr_search == crate::domain::QrSearch::Pending {
        state.qr_searches.wake();
    }
    if created {
        state
            .metrics
            .receipts_ingested
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Ok(HttpResponse::Created()
            .insert_header((header::LOCATION, format!("/api/v1/receipts/{}", receipt.id)))
            .json(receipt))
    } else {
        Ok(HttpResponse::Ok().json(receipt))
    }
}
