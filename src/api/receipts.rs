//! Receipt scans over HTTP: the hardened upload, the phone renditions, the untouched original
//! (never to villagers), and withdrawal. The upload is streamed to a temp file while it is
//! hashed; decoding runs on the blocking pool with explicit limits; the original is stored
//! (fsync, rename) before its row commits, and a start-up sweep removes files a crash left
//! without a row.

use actix_multipart::Multipart;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use futures_util::StreamExt;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::api::json::Json;
use crate::api::{Audit, State, db, today};
use crate::auth::scope::{readable_village, require_ledger_writer, writable_village};
use crate::auth::{Caller, Role};
use crate::domain::{BoundedText, VillageCode};
use crate::error::{ApiError, ApiResult, Problem};
use crate::ledger::entries::{entry_not_found, find_entry};
use crate::ledger::receipts::{
    Receipt, ReceiptRow, WithdrawalRow, existing_attachment, find_receipt, insert_receipt, insert_withdrawal,
    receipt_not_found, receipt_view, withdrawal_of,
};
use crate::receipts::{Ingested, IntakeError, RenditionSize, ingest, render_full};

/// The multipart upload (documentation only).
#[derive(utoipa::ToSchema, Deserialize)]
#[serde(deny_unknown_fields)]
#[expect(dead_code, reason = "documents the multipart body; the handler streams it")]
pub struct ReceiptUpload {
    /// The scan or photo: JPEG, PNG, WebP or TIFF, at most 20 MiB and 80 megapixels.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

fn intake_error(e: IntakeError) -> ApiError {
    let text = e.to_string();
    match e.status() {
        413 => ApiError::PayloadTooLarge(text),
        // The request's media type (multipart) is fine; the file inside is not an image we take.
        415 => ApiError::UnsupportedFile(text),
        422 => ApiError::Invalid(text),
        _ => ApiError::Internal(text),
    }
}

fn io_error(e: std::io::Error) -> ApiError {
    ApiError::Internal(format!("receipt store: {e}"))
}

/// Streams the multipart part `file` into a temp file of the store, hashing it on the way.
fn stream_part(
    state: &State,
) -> (
    tokio::sync::mpsc::Sender<web::Bytes>,
    impl std::future::Future<Output = ApiResult<(std::path::PathBuf, String, u64)>>,
) {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<web::Bytes>(8);
    let st = state.clone();
    let writer = web::block(move || -> std::io::Result<(std::path::PathBuf, String, u64)> {
        use std::io::Write;
        let (mut file, path) = st.receipts.temp_file()?;
        let mut hasher = Sha256::new();
        let mut size = 0u64;
        let written = (|| {
            while let Some(chunk) = rx.blocking_recv() {
                file.write_all(&chunk)?;
                hasher.update(&chunk);
                size += chunk.len() as u64;
            }
            file.sync_all()
        })();
        if let Err(e) = written {
            let _ = std::fs::remove_file(&path);
            return Err(e);
        }
        let sha: String = hasher.finalize().iter().map(|b| format!("{b:02x}")).collect();
        Ok((path, sha, size))
    });
    (tx, async move { writer.await?.map_err(io_error) })
}

/// Reads the whole multipart body: exactly one part `file`, streamed to a temp file (hashed
/// on the way, refused past the size limit); any other part is refused. Returns the temp
/// path, the SHA-256 (hex) and the size; on refusal nothing is left behind.
async fn receive_file(state: &State, payload: &mut Multipart) -> ApiResult<(std::path::PathBuf, String, u64)> {
    let max = state.settings.receipt_max_bytes;
    let mut received: Option<(std::path::PathBuf, String, u64)> = None;
    let mut failure = None;
    while let Some(field) = payload.next().await {
        let mut field = match field {
            Ok(f) => f,
            Err(e) => {
                failure = Some(ApiError::BadRequest(format!(
                    "the multipart body could not be read: {e}"
                )));
                break;
            }
        };
        if field.name() != Some("file") || received.is_some() {
            failure = Some(ApiError::Invalid(format!(
                "unexpected multipart part `{}`: send one part named `file` and nothing else",
                crate::domain::truncate(field.name().unwrap_or(""))
            )));
            break;
        }
        let (tx, writer) = stream_part(state);
        let mut size = 0u64;
        while let Some(chunk) = field.next().await {
            match chunk {
                Ok(bytes) => {
                    size += bytes.len() as u64;
                    if size > max {
                        failure = Some(intake_error(IntakeError::TooLarge { limit: max }));
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
        received = Some(writer.await?);
        if failure.is_some() {
            break;
        }
    }
    match (received, failure) {
        (Some((path, _, _)), Some(e)) => {
            let _ = std::fs::remove_file(&path);
            Err(e)
        }
        (None, Some(e)) => Err(e),
        (Some(file), None) => Ok(file),
        (None, None) => Err(ApiError::Invalid(
            "send the scan as the multipart part named `file`".into(),
        )),
    }
}

/// Decodes and keeps the file: original (content-addressed) and renditions. The temp file is
/// gone afterwards, whatever happens.
async fn keep_file(state: &State, tmp: std::path::PathBuf, sha: String) -> ApiResult<Ingested> {
    let st = state.clone();
    let limits = crate::receipts::IntakeLimits {
        max_bytes: state.settings.receipt_max_bytes,
        max_pixels: state.settings.receipt_max_pixels,
    };
    web::block(move || {
        let ingested = match ingest(&tmp, &limits) {
            Ok(i) => i,
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                return Err(intake_error(e));
            }
        };
        st.receipts.commit_original(&tmp, &sha).map_err(io_error)?;
        st.receipts
            .write_rendition(&sha, RenditionSize::Thumb, &ingested.thumb)
            .map_err(io_error)?;
        st.receipts
            .write_rendition(&sha, RenditionSize::Screen, &ingested.screen)
            .map_err(io_error)?;
        Ok(ingested)
    })
    .await?
}

/// Attach a receipt scan to an entry (township clerks in scope), as `multipart/form-data` with
/// a part `file`.
///
/// The format is recognised from the bytes. Uploading the same bytes to the same entry again
/// answers 200 with the receipt made before.
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
        (status = 422, description = "Not a JPEG, PNG, WebP or TIFF (`unsupported-file`), damaged, too many pixels, or no `file` part", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/entries/{id}/receipts")]
pub async fn post_receipt(
    state: State,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    mut payload: Multipart,
) -> Result<HttpResponse, ApiError> {
    let entry_id = path.into_inner();
    let mut audit = Audit::new("receipt.upload", Some(&caller.username), &req);
    audit.object = Some(crate::domain::truncate(&entry_id));
    // Who may attach is settled before a byte of the body is stored.
    let (eid, c) = (entry_id.clone(), caller.clone());
    let village = db(&state, move |conn| {
        let result = (|| {
            require_ledger_writer(&c)?;
            let entry = find_entry(conn, &eid)?;
            audit.village = Some(entry.village_code.clone());
            let code = VillageCode::parse(&entry.village_code).map_err(ApiError::Internal)?;
            let village = writable_village(conn, &c, &code).map_err(|e| match e {
                ApiError::NotFound(_) => entry_not_found(&eid),
                other => other,
            })?;
            audit.township = Some(village.township_code.clone());
            Ok(village)
        })();
        if result.is_err() {
            audit.record(conn, &result, None);
        }
        result.map(|v| (v, audit))
    })
    .await;
    let (village, audit) = village?;
    let outcome = async {
        let (tmp, sha, size) = receive_file(&state, &mut payload).await?;
        let ingested = keep_file(&state, tmp, sha.clone()).await?;
        Ok::<_, ApiError>((sha, size, ingested))
    }
    .await;
    let (sha, size, ingested) = match outcome {
        Ok(v) => v,
        Err(e) => {
            let outcome = e.problem().status.to_string();
            let _ = db(&state, move |conn| {
                audit.record_outcome(conn, &outcome, None);
                Ok(())
            })
            .await;
            return Err(e);
        }
    };
    let username = caller.username.clone();
    let (created, receipt) = db(&state, move |conn| {
        // The same bytes uploaded to the same entry at the same moment through another
        // connection: the unique index refuses the second row; looking again finds the first.
        let attempt = |conn: &mut crate::db::DbConn| {
            crate::db::write_transaction(conn, |conn| {
                if let Some(row) = existing_attachment(conn, &entry_id, &sha)? {
                    return Ok((false, row));
                }
                let row = ReceiptRow::attach(
                    crate::ledger::new_id("rc"),
                    &entry_id,
                    &village.code,
                    &sha,
                    size,
                    &ingested,
                    &username,
                );
                insert_receipt(conn, &row)?;
                Ok::<_, ApiError>((true, row))
            })
        };
        let result = match attempt(conn) {
            Err(ApiError::Conflict(_)) => attempt(conn),
            other => other,
        };
        audit.record(conn, &result, result.as_ref().ok().map(|(_, r)| r.id.as_str()));
        let (created, row) = result?;
        Ok((created, receipt_view(conn, row)?))
    })
    .await?;
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
        ApiError::NotFound(_) => receipt_not_found(id),
        other => other,
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
        (status = 422, description = "Unknown size", body = Problem, content_type = "application/problem+json")
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
    let size = RenditionSize::parse(&size_name)
        .ok_or_else(|| ApiError::Invalid("size must be thumb, screen or full".into()))?;
    let id = path.into_inner();
    let row = db(&state, move |conn| readable_receipt(conn, &caller, &id)).await?;
    let st = state.clone();
    let sha = row.sha256.clone();
    let file = web::block(move || -> ApiResult<std::path::PathBuf> {
        let path = st.receipts.rendition_path(&sha, size).map_err(io_error)?;
        if path.exists() {
            return Ok(path);
        }
        let original = st.receipts.original_path(&sha).map_err(io_error)?;
        let limits = crate::receipts::IntakeLimits {
            max_bytes: st.settings.receipt_max_bytes,
            max_pixels: st.settings.receipt_max_pixels,
        };
        let bytes = render_full(&original, &limits).map_err(intake_error)?;
        st.receipts.write_rendition(&sha, size, &bytes).map_err(io_error)
    })
    .await??;
    serve_file(
        &req,
        &file,
        "image/jpeg",
        &format!("{}-{}", row.sha256, size.as_str()),
        "public, max-age=31536000, immutable",
    )
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
    if caller.role == Role::Villager {
        return Err(ApiError::Forbidden(
            "villagers see the renditions; originals are for clerks, inspectors and admins".into(),
        ));
    }
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
    body: Json<WithdrawalRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let reason = body.into_inner().reason;
    let mut audit = Audit::new("receipt.withdraw", Some(&caller.username), &req);
    audit.object = Some(crate::domain::truncate(&id));
    let (created, receipt) = db(&state, move |conn| {
        let result = crate::db::write_transaction(conn, |conn| {
            require_ledger_writer(&caller)?;
            let row = find_receipt(conn, &id)?;
            audit.village = Some(row.village_code.clone());
            let code = VillageCode::parse(&row.village_code).map_err(ApiError::Internal)?;
            writable_village(conn, &caller, &code).map_err(|e| match e {
                ApiError::NotFound(_) => receipt_not_found(&id),
                other => other,
            })?;
            let reason = BoundedText::parse("reason", &reason, 500)
                .map_err(ApiError::Invalid)?
                .into_string();
            if let Some(existing) = withdrawal_of(conn, &id)? {
                if existing.reason == reason {
                    return Ok((false, row));
                }
                return Err(ApiError::Conflict(format!(
                    "receipt {id} was already withdrawn: {}",
                    existing.reason
                )));
            }
            let withdrawal = WithdrawalRow {
                receipt_id: id.clone(),
                reason,
                withdrawn_by: caller.username.clone(),
                withdrawn_at: crate::ledger::now_utc(),
            };
            insert_withdrawal(conn, &withdrawal, &row.village_code)?;
            Ok((true, row))
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
