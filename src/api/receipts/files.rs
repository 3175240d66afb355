//! The stored files of a receipt: the phone renditions (made at upload, `full` on first
//! request) and the untouched original, served with a strong ETag and Range support.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Deserialize;
use std::sync::Arc;
use std::time::Duration;

use super::errors::io_error;
use crate::api::access::{Access, receipt_in_scope};
use crate::api::params::ReceiptPath;
use crate::api::problem::{ApiError, ApiResult};
use crate::api::state::{State, db};
use crate::auth::{Caller, Role};
use crate::domain::budget::Budget;
use crate::msg;
use crate::receipts::store::LocalCopy;
use crate::receipts::{RenditionSize, render};

/// The receipt row, if the caller may read its village.
fn readable_receipt(
    conn: &mut crate::db::DbConn,
    caller: &Caller,
    id: &str,
) -> ApiResult<crate::ledger::receipts::ReceiptRow> {
    receipt_in_scope(conn, caller, id, Access::Read).map(|(row, _)| row)
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
    params(ReceiptPath, ImageQuery),
    responses(
        (status = 200, description = "JPEG", content_type = "image/jpeg", body = Vec<u8>),
        (status = 206, description = "A byte range of it", content_type = "image/jpeg", body = Vec<u8>),
        (status = 304, description = "Not modified"),
        (status = 400, description = "Bad query string"),
        (status = 401, description = "No or bad token"),
        (status = 404, description = "No such receipt in your scope"),
        (status = 416, description = "Unsatisfiable range"),
        (status = 422, description = "Unknown size"),
        (status = 503, description = "As many full-size renditions as the service makes at once are being made (retry after `Retry-After` seconds), or the receipt store (an object store) cannot be reached")
    )
)]
#[get("/receipts/{id}/image")]
pub async fn get_receipt_image(
    state: State,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<ReceiptPath>,
    query: web::Query<ImageQuery>,
) -> Result<HttpResponse, ApiError> {
    let size_name = query.into_inner().size.unwrap_or_else(|| "screen".into());
    let size = RenditionSize::parse(&size_name).ok_or_else(|| ApiError::Invalid(msg!("receipt-unknown-size")))?;
    let id = path.into_inner().id;
    let row = db(&state, move |conn| readable_receipt(conn, &caller, &id)).await?;
    let (st, sha) = (state.clone(), row.sha256.clone());
    let stored = web::block(move || st.receipts.rendition(&sha, size))
        .await?
        .map_err(io_error)?;
    let file = match stored {
        Some(file) => Arc::new(file),
        None => make_rendition(&state, &row.sha256, size).await?,
    };
    // Private: the caller was authorised for this village; a shared cache must not keep it.
    serve_file(
        &req,
        file.path(),
        "image/jpeg",
        &format!("{}-{}", row.sha256, size.as_str()),
        "private, max-age=31536000, immutable",
    )
}

/// Makes a missing rendition (the `full` one, made on first request, or one an object store
/// lost) from the original: once however many ask at the same moment, within the rendition
/// gate and the first asker's time budget.
async fn make_rendition(state: &State, sha: &str, size: RenditionSize) -> ApiResult<Arc<LocalCopy>> {
    let (budget, _cancel_on_drop) = Budget::start(Duration::from_secs(state.settings.request_timeout_seconds));
    let key = format!("{sha}-{}", size.as_str());
    let (st, sha) = (state.clone(), sha.to_owned());
    state
        .full_renditions
        .run(&key, || async move {
            let pass = st.gates.rendition.enter()?;
            web::block(move || -> ApiResult<Arc<LocalCopy>> {
                let _pass = pass;
                // Made by a flight that ended just before this one began.
                if let Some(made) = st.receipts.rendition(&sha, size).map_err(io_error)? {
                    return Ok(Arc::new(made));
                }
                budget.check()?;
                st.full_renditions.record_work();
                let original = st
                    .receipts
                    .original(&sha)
                    .map_err(io_error)?
                    .ok_or_else(|| ApiError::Internal(format!("receipt store: the original {sha} is missing")))?;
                let limits = crate::receipts::IntakeLimits {
                    max_bytes: st.settings.receipt_max_bytes,
                    max_pixels: st.settings.receipt_max_pixels,
                };
                let bytes = render(original.path(), size, &limits).map_err(ApiError::from)?;
                st.receipts
                    .write_rendition(&sha, size, &bytes)
                    .map(Arc::new)
                    .map_err(io_error)
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
    params(ReceiptPath),
    responses(
        (status = 200, description = "The original bytes", content(
            (Vec<u8> = "image/jpeg"), (Vec<u8> = "image/png"), (Vec<u8> = "image/webp"), (Vec<u8> = "image/tiff")
        )),
        (status = 206, description = "A byte range of it", content(
            (Vec<u8> = "image/jpeg"), (Vec<u8> = "image/png"), (Vec<u8> = "image/webp"), (Vec<u8> = "image/tiff")
        )),
        (status = 304, description = "Not modified"),
        (status = 401, description = "No or bad token"),
        (status = 403, description = "Villagers do not receive originals"),
        (status = 404, description = "No such receipt in your scope"),
        (status = 416, description = "Unsatisfiable range"),
        (status = 503, description = "The receipt store (an object store) cannot be reached; retry shortly")
    )
)]
#[get("/receipts/{id}/original")]
pub async fn get_receipt_original(
    state: State,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<ReceiptPath>,
) -> Result<HttpResponse, ApiError> {
    if caller.role == Role::Villager {
        return Err(ApiError::Forbidden(msg!("receipt-originals-not-for-villagers")));
    }
    let id = path.into_inner().id;
    let row = db(&state, move |conn| readable_receipt(conn, &caller, &id)).await?;
    let (st, sha) = (state.clone(), row.sha256.clone());
    let file = web::block(move || st.receipts.original(&sha))
        .await?
        .map_err(io_error)?
        .ok_or_else(|| ApiError::Internal(format!("receipt store: the original {} is missing", row.sha256)))?;
    serve_file(
        &req,
        file.path(),
        &row.content_type,
        &row.sha256,
        "private, max-age=31536000, immutable",
    )
}
