//! Entry pages served from memory while their village is unchanged.
//!
//! A page (`GET /villages/{code}/entries?…`, `GET /entries/{id}`) is kept serialized together
//! with its village's ledger version, read in the same request before the page was rendered, so
//! a page is never older than the version it is kept under. It is served again, without the
//! database, while this server knows the village to be at that version: every write bumps the
//! version in its own transaction, a write through this server makes the server forget the
//! version before the write is acknowledged, and a version read from the database is trusted for
//! `VL_FRESHNESS_MS` only ([`crate::db::recent`]). The scope check runs on every request, from
//! the village's township held with the version. The ETag comes from the page's key and version,
//! not from its bytes.

use std::sync::Arc;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};

use crate::api::page_cache::{Page, VillageFacts};
use crate::api::problem::{ApiError, ApiResult};
use crate::api::state::{AppState, State, db, quick_read};
use crate::auth::Caller;
use crate::auth::scope::covers_known_village;
use crate::db::DbConn;
use crate::ledger::villages::VillageRow;

/// What memory alone tells about a request for a page.
pub enum Known {
    /// The page, current as far as this server knows.
    Page(Arc<Page>),
    /// The village is outside the caller's scope.
    OutOfScope,
    /// Ask the database.
    Unknown,
}

/// Looks `key` up in memory. `village` is the page's village when the request names it; a
/// page of one entry names its village itself.
pub fn from_memory(state: &AppState, caller: &Caller, key: &str, village: Option<&str>) -> Known {
    let page = state.pages.get(key);
    let Some(village) = village.or(page.as_ref().map(|p| p.village.as_str())) else {
        return Known::Unknown;
    };
    let Some(facts) = state.villages.fresh(village) else {
        return Known::Unknown;
    };
    match covers_known_village(caller, village, &facts.township) {
        Some(false) => Known::OutOfScope,
        Some(true) => match page {
            Some(page) if page.village == village && page.version == facts.version => Known::Page(page),
            _ => Known::Unknown,
        },
        None => Known::Unknown,
    }
}

/// The page `key` from the database: `scope` checks the caller's access and yields the
/// page's village (read first: its version keys the page), then `render` serializes the page
/// unless it is in memory at that version already. `quick`: the page is read by index, a
/// bounded number of rows ([`quick_read`]); otherwise it goes to the database threads.
pub async fn from_database<T, S, R>(
    state: &State,
    key: String,
    quick: bool,
    scope: S,
    render: R,
) -> ApiResult<Arc<Page>>
where
    T: Send + 'static,
    S: FnOnce(&mut DbConn) -> ApiResult<(VillageRow, T)> + Send + 'static,
    R: FnOnce(&mut DbConn, T) -> ApiResult<Vec<u8>> + Send + 'static,
{
    let ticket = state.villages.ticket();
    let st = state.clone();
    let work = move |conn: &mut DbConn| {
        let (village, found) = scope(conn)?;
        let facts = VillageFacts {
            township: village.township_code,
            version: village.ledger_version,
        };
        if let Some(page) = st.pages.get(&key)
            && page.village == village.code
            && page.version == facts.version
        {
            return Ok((page, facts));
        }
        let body = render(conn, found)?;
        let page = Arc::new(Page::new(&key, village.code, facts.version, body));
        st.pages.put(key, page.clone());
        Ok((page, facts))
    };
    let (page, facts) = if quick {
        quick_read(state, work).await?
    } else {
        db(state, work).await?
    };
    state.villages.install(&page.village, facts, ticket);
    Ok(page)
}

/// Serializes a page body into a buffer of about `size_hint` bytes (not grown step by step).
pub fn to_json<T: serde::Serialize>(value: &T, size_hint: usize) -> ApiResult<Vec<u8>> {
    let mut body = Vec::with_capacity(size_hint);
    serde_json::to_writer(&mut body, value).map_err(|e| ApiError::Internal(format!("cannot serialize a page: {e}")))?;
    Ok(body)
}

/// The page, or 304 when the client has it already.
pub fn respond(req: &HttpRequest, page: &Page) -> HttpResponse {
    let cache_control = (header::CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
    let etag = page.etag.to_str().unwrap_or_default();
    if req
        .headers()
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| crate::api::middleware::etag_matches(v, etag))
    {
        return HttpResponse::NotModified()
            .insert_header((header::ETAG, page.etag.clone()))
            .insert_header(cache_control)
            .finish();
    }
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, HeaderValue::from_static("application/json")))
        .insert_header((header::ETAG, page.etag.clone()))
        .insert_header(cache_control)
        .body(page.body.clone())
}
