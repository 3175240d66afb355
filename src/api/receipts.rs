//! Receipt scans over HTTP: the hardened upload, the phone renditions, the untouched original
//! (never to villagers), and withdrawal. The upload is streamed to a temp file while it is
//! hashed; decoding runs on the blocking pool with explicit limits; the original is stored
//! (fsync, rename) before its row commits, and a start-up sweep removes files a crash left
//! without a row.

use actix_multipart::Multipart;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{FromRequest, HttpRequest, HttpResponse, get, post, web};
use futures_util::StreamExt;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::time::Duration;

use crate::api::json::Json;
use crate::api::problem::{ApiError, ApiResult, Problem};
use crate::api::{Audit, State, db, today};
use crate::auth::scope::{readable_village, writable_village};
use crate::auth::{AuthError, Caller};
use crate::domain::VillageCode;
use crate::domain::budget::Budget;
use crate::ledger::entries::{entry_not_found, find_entry};
use crate::ledger::receipts::{
    Receipt, ReceiptRow, WithdrawalRow, existing_attachment, find_receipt, insert_receipt, insert_withdrawal,
    receipt_not_found, receipt_view, withdrawal_of,
};
use crate::receipts::access::{may_attach, may_read_original, may_withdraw};
use crate::receipts::store::TempUpload;
use crate::receipts::withdraw::{WithdrawalPlan, plan_withdrawal};
use crate::receipts::{IntakeError, ReceiptError, RenditionSize, ingest, render_full};

/// The multipart upload (documentation only).
#[derive(utoipa::ToSchema, Deserialize)]
#[serde(deny_unknown_fields)]
#[expect(dead_code, reason = "documents the multipart body; the handler streams it")]
pub struct ReceiptUpload {
    /// The scan or photo: JPEG, PNG, WebP or TIFF, at most 20 MiB and 80 megapixels.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

fn io_error(e: std::io::Error) -> ApiError {
    ReceiptError::Store(e).into()
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
            field.map_err(|e| ApiError::BadRequest(format!("the multipart body could not be read: {e}")))?;
        if field.name() != Some("file") || received.is_some() {
            return Err(ApiError::Invalid(format!(
                "unexpected multipart part `{}`: send one part named `file` and nothing else",
                crate::domain::truncate(field.name().unwrap_or(""))
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
                    failure = Some(ApiError::BadRequest(format!("the upload was cut off: {e}")));
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
    received.ok_or_else(|| ApiError::Invalid("send the scan as the multipart part named `file`".into()))
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
        let ingested = ingest(tmp.path(), &limits)?;
        a.budget.check()?;
        state.receipts.commit_upload(tmp, &sha).map_err(io_error)?;
        for (size, bytes) in [
            (RenditionSize::Thumb, &ingested.thumb),
            (RenditionSize::Screen, &ingested.screen),
        ] {
            state.receipts.write_rendition(&sha, size, bytes).map_err(io_error)?;
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
            let row = ReceiptRow::attach(
                crate::ledger::new_id("rc"),
                &a.entry_id,
                &a.village,
                &sha,
                size,
                &ingested,
                &a.username,
            );
            insert_receipt(conn, &row)?;
            Ok::<_, ApiError>((true, row))
        })
    };
    let result = match attempt(&mut conn) {
        Err(ApiError::Conflict(_)) => attempt(&mut conn),
        other => other,
    };
    // What the write changed is forgotten by this server's caches before it is acknowledged.
    let changes = crate::db::changes::take();
    if !changes.is_empty() {
        state.forget(&changes);
    }
    a.audit
        .record(&mut conn, &result, result.as_ref().ok().map(|(_, r)| r.id.as_str()));
    let (created, row) = result?;
    Ok((created, receipt_view(&mut conn, row)?))
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
    params(("id" = String, Path, description = "Entry id")),
    request_body(content = ReceiptUpload, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Attached", body = Receipt,
            links(("GetReceipt" = (operation_id = "get_receipt", parameters(("id" = "$response.body#/id")), description = "Read the receipt")))),
        (status = 200, description = "These bytes were attached to this entry before", body = Receipt),
        (status = 400, description = "Malformed multipart body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or bad token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your role cannot attach receipts", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such entry in your scope", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Larger than the limit", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a JPEG, PNG, WebP or TIFF (`unsupported-file`), damaged, too many pixels, or no `file` part", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "As many uploads as the service receives at once are running, or this one ran out of time; retry after `Retry-After` seconds", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/entries/{id}/receipts")]
pub async fn post_receipt(
    state: State,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let (budget, _cancel_on_drop) = Budget::start(Duration::from_secs(state.settings.request_timeout_seconds));
    let entry_id = path.into_inner();
    let mut audit = Audit::new("receipt.upload", Some(&caller.username), &req);
    audit.object = Some(crate::domain::truncate(&entry_id));
    // Who may attach is settled before a byte of the body is read.
    let (eid, c) = (entry_id.clone(), caller.clone());
    let (village, audit) = db(&state, move |conn| {
        let result = (|| {
            may_attach(&c)?;
            let entry = find_entry(conn, &eid)?;
            audit.village = Some(entry.village_code.clone());
            let code = VillageCode::parse(&entry.village_code).map_err(ApiError::Internal)?;
            let village = writable_village(conn, &c, &code).map_err(|e| match e {
                AuthError::VillageNotFound { .. } => entry_not_found(&eid),
                other => other.into(),
            })?;
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

/// The receipt row, if the caller may read its village.
fn readable_receipt(conn: &mut crate::db::DbConn, caller: &Caller, id: &str) -> ApiResult<ReceiptRow> {
    let row = find_receipt(conn, id)?;
    let code = VillageCode::parse(&row.village_code).map_err(ApiError::Internal)?;
    readable_village(conn, caller, &code, today()).map_err(|e| match e {
        AuthError::VillageNotFound { .. } => receipt_not_found(id),
        other => other.into(),
    })?;
    Ok(row)
}

/// One receipt: what was read from it, its renditions, whether it was withdrawn.
#[utoipa::path(
    tag = "receipts",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Receipt id")),
    responses(
        (status = 200, description = "The receipt", body = Receipt),
        (status = 401, description = "No or bad token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such receipt in your scope", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/receipts/{id}")]
pub async fn get_receipt(state: State, caller: Caller, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let receipt = db(&state, move |conn| {
        let row = readable_receipt(conn, &caller, &id)?;
        receipt_view(conn, row)
    })
    .await?;
    Ok(HttpResponse::Ok().json(receipt))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ImageQuery {
    /// `thumb` (≈320 px), `screen` (≈1600 px) or `full` (original pixel size).
    #[param(pattern = "^(thumb|screen|full)$")]
    pub size: Option<String>,
}

/// Serves a stored file with a strong ETag, `If-None-Match` and Range support.
fn serve_file(
    req: &HttpRequest,
    path: &std::path::Path,
    content_type: &str,
    etag: &str,
    cache: &'static str,
) -> ApiResult<HttpResponse> {
    let tag = format!("\"{etag}\"");
    let matches = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag || t.trim() == "*"));
    let mime: actix_web::mime::Mime = content_type.parse().unwrap_or(actix_web::mime::IMAGE_JPEG);
    let mut res = if matches {
        HttpResponse::NotModified().finish()
    } else {
        actix_files::NamedFile::open(path)
            .map_err(io_error)?
            .set_content_type(mime)
            .use_etag(false)
            .use_last_modified(false)
            .disable_content_disposition()
            .into_response(req)
    };
    let headers = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&tag) {
        headers.insert(header::ETAG, v);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    // Images are already compressed; keep byte ranges meaningful.
    headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("identity"));
    Ok(res)
}

/// A rendition for phones, re-encoded as JPEG with the EXIF orientation applied and all
/// metadata stripped. `thumb` and `screen` are made at upload; `full` on first request.
#[utoipa::path(
    tag = "receipts",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Receipt id"), ImageQuery),
    responses(
        (status = 200, description = "JPEG", content_type = "image/jpeg", body = Vec<u8>),
        (status = 206, description = "A byte range of it", content_type = "image/jpeg", body = Vec<u8>),
        (status = 304, description = "Not modified"),
        (status = 400, description = "Bad query string", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or bad token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such receipt in your scope", body = Problem, content_type = "application/problem+json"),
        (status = 416, description = "Unsatisfiable range", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown size", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "As many full-size renditions as the service makes at once are being made; retry after `Retry-After` seconds", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/receipts/{id}/image")]
pub async fn get_receipt_image(
    state: State,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<ImageQuery>,
) -> Result<HttpResponse, ApiError> {
    let size_name = query.into_inner().size.unwrap_or_else(|| "screen".into());
    let size = RenditionSize::parse(&size_name).ok_or(ReceiptError::UnknownRenditionSize)?;
    let id = path.into_inner();
    let row = db(&state, move |conn| readable_receipt(conn, &caller, &id)).await?;
    let file = state.receipts.rendition_path(&row.sha256, size).map_err(io_error)?;
    let file = if file.exists() {
        file
    } else {
        make_rendition(&state, &row.sha256, size, file).await?
    };
    // Private: the caller was authorised for this village; a shared cache must not keep it.
    serve_file(
        &req,
        &file,
        "image/jpeg",
        &format!("{}-{}", row.sha256, size.as_str()),
        "private, max-age=31536000, immutable",
    )
}

/// Makes a missing rendition (the `full` one, made on first request): once however many ask
/// at the same moment, within the rendition gate and the first asker's time budget.
async fn make_rendition(
    state: &State,
    sha: &str,
    size: RenditionSize,
    target: std::path::PathBuf,
) -> ApiResult<std::path::PathBuf> {
    let (budget, _cancel_on_drop) = Budget::start(Duration::from_secs(state.settings.request_timeout_seconds));
    let key = format!("{sha}-{}", size.as_str());
    let (st, sha) = (state.clone(), sha.to_owned());
    state
        .full_renditions
        .run(&key, || async move {
            let pass = st.gates.rendition.enter()?;
            web::block(move || -> ApiResult<std::path::PathBuf> {
                let _pass = pass;
                // Made by a flight that ended just before this one began.
                if target.exists() {
                    return Ok(target);
                }
                budget.check()?;
                let original = st.receipts.original_path(&sha).map_err(io_error)?;
                let limits = crate::receipts::IntakeLimits {
                    max_bytes: st.settings.receipt_max_bytes,
                    max_pixels: st.settings.receipt_max_pixels,
                };
                let bytes = render_full(&original, &limits)?;
                st.receipts.write_rendition(&sha, size, &bytes).map_err(io_error)
            })
            .await?
        })
        .await
}

/// The untouched original bytes, as uploaded (clerks, inspectors and admins in scope; never
/// villagers: a phone photo's EXIF can carry where it was taken).
#[utoipa::path(
    tag = "receipts",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Receipt id")),
    responses(
        (status = 200, description = "The original bytes", content(
            (Vec<u8> = "image/jpeg"), (Vec<u8> = "image/png"), (Vec<u8> = "image/webp"), (Vec<u8> = "image/tiff")
        )),
        (status = 206, description = "A byte range of it", content(
            (Vec<u8> = "image/jpeg"), (Vec<u8> = "image/png"), (Vec<u8> = "image/webp"), (Vec<u8> = "image/tiff")
        )),
        (status = 304, description = "Not modified"),
        (status = 401, description = "No or bad token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Villagers do not receive originals", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such receipt in your scope", body = Problem, content_type = "application/problem+json"),
        (status = 416, description = "Unsatisfiable range", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/receipts/{id}/original")]
pub async fn get_receipt_original(
    state: State,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    may_read_original(&caller)?;
    let id = path.into_inner();
    let row = db(&state, move |conn| readable_receipt(conn, &caller, &id)).await?;
    let file = state.receipts.original_path(&row.sha256).map_err(io_error)?;
    serve_file(
        &req,
        &file,
        &row.content_type,
        &row.sha256,
        "private, max-age=31536000, immutable",
    )
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "附错了凭证"}))]
pub struct WithdrawalRequest {
    /// Why the receipt is withdrawn; at most 500 characters.
    #[schema(
        min_length = 1,
        max_length = 500,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
    )]
    pub reason: String,
}

/// Withdraw a wrongly attached receipt (clerks in scope). It stays visible, marked withdrawn;
/// nothing is deleted. Withdrawing again with the same reason answers 200.
#[utoipa::path(
    tag = "receipts",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Receipt id")),
    request_body = WithdrawalRequest,
    responses(
        (status = 201, description = "Withdrawn", body = Receipt),
        (status = 200, description = "Withdrawn before with this reason", body = Receipt),
        (status = 401, description = "No or bad token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your role cannot withdraw receipts", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such receipt in your scope", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already withdrawn for another reason", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A value is not acceptable", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/receipts/{id}/withdrawal")]
pub async fn post_withdrawal(
    state: State,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let mut audit = Audit::new("receipt.withdraw", Some(&caller.username), &req);
    audit.object = Some(crate::domain::truncate(&id));
    // Role and scope are settled before the body is read.
    let (c, i) = (caller.clone(), id.clone());
    let checked = async {
        may_withdraw(&caller)?;
        db(&state, move |conn| {
            let row = find_receipt(conn, &i)?;
            let code = VillageCode::parse(&row.village_code).map_err(ApiError::Internal)?;
            writable_village(conn, &c, &code).map_err(|e| match e {
                AuthError::VillageNotFound { .. } => receipt_not_found(&i),
                other => other.into(),
            })?;
            Ok(())
        })
        .await
    }
    .await;
    if let Err(e) = checked {
        return Err(audit.refused(&state, e).await);
    }
    let reason = Json::<WithdrawalRequest>::from_request(&req, &mut payload.into_inner())
        .await?
        .into_inner()
        .reason;
    let (created, receipt) = db(&state, move |conn| {
        let result = crate::db::write_transaction(conn, |conn| {
            may_withdraw(&caller)?;
            let row = find_receipt(conn, &id)?;
            audit.village = Some(row.village_code.clone());
            let code = VillageCode::parse(&row.village_code).map_err(ApiError::Internal)?;
            writable_village(conn, &caller, &code).map_err(|e| match e {
                AuthError::VillageNotFound { .. } => receipt_not_found(&id),
                other => other.into(),
            })?;
            let earlier = withdrawal_of(conn, &id)?.map(|w| w.reason);
            match plan_withdrawal(&caller, &id, &reason, earlier.as_deref(), crate::ledger::now_utc())? {
                WithdrawalPlan::AlreadyDone => Ok((false, row)),
                WithdrawalPlan::Record(w) => {
                    let withdrawal = WithdrawalRow {
                        receipt_id: w.receipt_id,
                        reason: w.reason,
                        withdrawn_by: w.withdrawn_by,
                        withdrawn_at: w.withdrawn_at,
                    };
                    insert_withdrawal(conn, &withdrawal, &row.village_code)?;
                    Ok((true, row))
                }
            }
        });
        audit.record(conn, &result, None);
        let (created, row) = result?;
        Ok((created, receipt_view(conn, row)?))
    })
    .await?;
    Ok(if created {
        HttpResponse::Created().json(receipt)
    } else {
        HttpResponse::Ok().json(receipt)
    })
}

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(post_receipt)
        .service(get_receipt)
        .service(get_receipt_image)
        .service(get_receipt_original)
        .service(post_withdrawal);
}
