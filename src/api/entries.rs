//! Line items: the villagers' listing, one entry, posting and red-ink reversal.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::api::access::{Access, entry_in_scope, village_code, village_in_scope};
use crate::api::audit_trail::{Audit, authorize};
use crate::api::json::JsonBody;
use crate::api::pages::{self, Known};
use crate::api::params::{EntryPath, VillagePath};
use crate::api::problem::ApiError;
use crate::api::state::{State, db};
use crate::auth::Caller;
use crate::auth::scope::require_ledger_writer;
use crate::domain::Direction;
use crate::ledger::LedgerError;
use crate::ledger::entries::{Entry, entry_not_found, reversal_of, with_reversal_links};
use crate::ledger::list::{Cursor, DEFAULT_PAGE, EntryFilter, MAX_PAGE, list_entries};
use crate::ledger::post::{NewEntryRequest, Posted, post_entry};
use crate::ledger::reverse::{ReversalRequest, Reversed, reverse_entry};
use crate::ledger::villages::village_not_found;
use crate::msg;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EntryListQuery {
    /// Earliest `occurred_on`, inclusive.
    pub from: Option<NaiveDate>,
    /// Latest `occurred_on`, inclusive.
    pub to: Option<NaiveDate>,
    pub direction: Option<Direction>,
    /// Account code or its leading digits, e.g. `5` or `541`.
    #[param(example = "541", pattern = r"^[0-9]{1,8}$")]
    pub account: Option<String>,
    /// Text to find in the description or the counterparty (at most 100 characters).
    #[param(example = "祠堂", max_length = 100, pattern = r"^[^\x00-\x1f\x7f-\x9f]*$")]
    pub q: Option<String>,
    #[param(minimum = -10_000_000_000_000_i64, maximum = 10_000_000_000_000_i64)]
    pub min_fen: Option<i64>,
    #[param(minimum = -10_000_000_000_000_i64, maximum = 10_000_000_000_000_i64)]
    pub max_fen: Option<i64>,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(max_length = 64, pattern = r"^[A-Za-z0-9_-]*$")]
    pub cursor: Option<String>,
}

/// A page of entries.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EntryPage {
    pub items: Vec<Entry>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// A village's entries, newest first, filtered, one page at a time.
///
/// Pages never repeat or skip an entry, also while new entries are being posted.
#[utoipa::path(
    tag = "ledger",
    security(("bearer" = [])),
    params(VillagePath, EntryListQuery),
    responses(
        (status = 200, description = "A page of entries", body = EntryPage),
        (status = 400, description = "Bad query string or cursor"),
        (status = 401, description = "No or bad token"),
        (status = 404, description = "No such village in your scope"),
        (status = 422, description = "A filter value is not acceptable")
    )
)]
#[get("/villages/{code}/entries")]
pub async fn get_entries(
    state: State,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<VillagePath>,
    query: web::Query<EntryListQuery>,
) -> Result<HttpResponse, ApiError> {
    let code = village_code(&path.into_inner().code)?;
    let query = query.into_inner();
    let limit = query.limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ApiError::Invalid(msg!("problem-limit-range", max = MAX_PAGE)));
    }
    let cursor = query
        .cursor
        .as_deref()
        .filter(|c| !c.is_empty())
        .map(Cursor::decode)
        .transpose()?;
    let filter = EntryFilter {
        from: query.from,
        to: query.to,
        direction: query.direction,
        account_prefix: query.account,
        text: query.q.filter(|q| !q.is_empty()),
        min_fen: query.min_fen,
        max_fen: query.max_fen,
    }
    .check()?;
    // Pages are kept per language, like every answer (`Vary: Accept-Language`).
    let key = format!(
        "{}|{}",
        filter.page_key(&code, limit, cursor),
        crate::i18n::current().tag()
    );
    match pages::from_memory(&state, &caller, &key, Some(code.as_str())) {
        Known::Page(page) => return Ok(pages::respond(&req, &page)),
        Known::OutOfScope => return Err(village_not_found(&code).into()),
        Known::Unknown => {}
    }
    // Read by index and bounded by the page size, unless a filter makes it search the village's
    // rows (account, text, amounts).
    let quick = filter.account_prefix.is_none()
        && filter.text.is_none()
        && filter.min_fen.is_none()
        && filter.max_fen.is_none();
    let page = pages::from_database(
        &state,
        key,
        quick,
        move |conn| Ok((village_in_scope(conn, &caller, &code, Access::Read)?, code)),
        move |conn, code| {
            let (items, next) = list_entries(conn, &code, &filter, limit, cursor)?;
            // An entry is about 500 bytes of JSON.
            let size = items.len() * 512 + 128;
            pages::to_json(
                &EntryPage {
                    items,
                    next_cursor: next.map(Cursor::encode),
                },
                size,
            )
        },
    )
    .await?;
    Ok(pages::respond(&req, &page))
}

/// One entry with its reversal links and its receipts.
#[utoipa::path(
    tag = "ledger",
    security(("bearer" = [])),
    params(EntryPath),
    responses(
        (status = 200, description = "The entry", body = Entry),
        (status = 401, description = "No or bad token"),
        (status = 404, description = "No such entry in your scope")
    )
)]
#[get("/entries/{id}")]
pub async fn get_entry(
    state: State,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<EntryPath>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner().id;
    let key = format!("E|{id}|{}", crate::i18n::current().tag());
    match pages::from_memory(&state, &caller, &key, None) {
        Known::Page(page) => return Ok(pages::respond(&req, &page)),
        Known::OutOfScope => return Err(entry_not_found(&id).into()),
        Known::Unknown => {}
    }
    let page = pages::from_database(
        &state,
        key,
        true,
        move |conn| {
            let (row, village) = entry_in_scope(conn, &caller, &id, Access::Read)?;
            Ok((village, row))
        },
        |conn, row| {
            let reversed_by = reversal_of(conn, row.id.as_str())?;
            let receipts =
                crate::ledger::receipts::receipts_of_entry(conn, row.id.as_str(), crate::api::receipts::receipt_urls)?;
            let mut entry = Entry::from_row(row, reversed_by, receipts.len() as i64);
            entry.receipts = Some(receipts);
            pages::to_json(&entry, 1024)
        },
    )
    .await?;
    Ok(pages::respond(&req, &page))
}

fn entry_created(state: &State, entry: Entry) -> HttpResponse {
    state
        .metrics
        .entries_posted
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/entries/{}", entry.id)))
        .json(entry)
}

/// Post a line item into a village's ledger (township finance station clerks).
///
/// Retrying with the same voucher number and the same content answers 200 with the entry
/// posted before; the same voucher number with other content is a 409.
#[utoipa::path(
    tag = "ledger",
    security(("bearer" = [])),
    params(VillagePath),
    request_body = NewEntryRequest,
    responses(
        (status = 201, description = "Posted", body = Entry, headers(("Location" = String, description = "URL of the entry")),
            links(("GetEntry" = (operation_id = "get_entry", parameters(("id" = "$response.body#/id")), description = "Read the posted entry")))),
        (status = 200, description = "Posted before with this voucher number and content", body = Entry),
        (status = 400, description = "Malformed JSON, wrong types or unknown fields"),
        (status = 401, description = "No or bad token"),
        (status = 403, description = "Your role cannot post entries"),
        (status = 404, description = "No such village in your scope"),
        (status = 409, description = "Voucher number used with other content, or the month is closed"),
        (status = 413, description = "Body too large"),
        (status = 422, description = "A value is not acceptable")
    )
)]
#[post("/villages/{code}/entries")]
pub async fn post_village_entry(
    state: State,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<VillagePath>,
    body: JsonBody<NewEntryRequest>,
) -> Result<HttpResponse, ApiError> {
    let raw_code = path.into_inner().code;
    let mut audit = Audit::new("entry.post", Some(&caller.username), &req);
    audit.village = Some(crate::domain::truncate(&raw_code));
    // Refusals are audited too: role (403) and scope (404) before the body is read, then the
    // values (422).
    let who = caller.clone();
    let (code, village) = authorize(&state, &audit, move |conn| {
        require_ledger_writer(&who)?;
        let code = village_code(&raw_code)?;
        let village = village_in_scope(conn, &who, &code, Access::Write)?;
        Ok((code, village))
    })
    .await?;
    audit.township = Some(village.township_code);
    let request = body.read().await?;
    let posted = db(&state, move |conn| {
        let result = request
            .validate()
            .map_err(LedgerError::from)
            .and_then(|entry| post_entry(conn, &code, entry, &caller.username))
            .map_err(ApiError::from);
        let object = match &result {
            Ok(Posted::Created(row) | Posted::Existing(row)) => Some(row.id.to_string()),
            Err(_) => None,
        };
        audit.record(conn, &result, object.as_deref());
        let (created, row) = match result? {
            Posted::Created(row) => (true, row),
            Posted::Existing(row) => (false, row),
        };
        let mut entries = with_reversal_links(conn, vec![row])?;
        Ok((created, entries.pop()))
    })
    .await?;
    match posted {
        (true, Some(entry)) => Ok(entry_created(&state, entry)),
        (false, Some(entry)) => Ok(HttpResponse::Ok().json(entry)),
        (_, None) => Err(ApiError::Internal("posted entry vanished".into())),
    }
}

/// Reverse an entry with a red-ink entry (红字冲销): same account, direction and counterparty,
/// negated amount, `reverses` naming the original.
///
/// An entry is reversed at most once and a reversal is never reversed (409). The reversal of
/// an entry from a closed month is dated into the first open month. Retrying with the same
/// reason answers 200 with the reversal made before.
#[utoipa::path(
    tag = "ledger",
    security(("bearer" = [])),
    params(EntryPath),
    request_body = ReversalRequest,
    responses(
        (status = 201, description = "Reversed", body = Entry, headers(("Location" = String, description = "URL of the reversal")),
            links(("GetReversal" = (operation_id = "get_entry", parameters(("id" = "$response.body#/id")), description = "Read the reversal")))),
        (status = 200, description = "Reversed before with this reason", body = Entry),
        (status = 400, description = "Malformed JSON"),
        (status = 401, description = "No or bad token"),
        (status = 403, description = "Your role cannot reverse entries"),
        (status = 404, description = "No such entry in your scope"),
        (status = 409, description = "Already reversed, or a reversal itself"),
        (status = 422, description = "A value is not acceptable")
    )
)]
#[post("/entries/{id}/reversal")]
pub async fn post_reversal(
    state: State,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<EntryPath>,
    body: JsonBody<ReversalRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner().id;
    let mut audit = Audit::new("entry.reverse", Some(&caller.username), &req);
    audit.object = Some(crate::domain::truncate(&id));
    let (who, entry_id) = (caller.clone(), id.clone());
    let village = authorize(&state, &audit, move |conn| {
        require_ledger_writer(&who)?;
        let (_, village) = entry_in_scope(conn, &who, &entry_id, Access::Write)?;
        Ok(village)
    })
    .await?;
    audit.village = Some(village.code);
    audit.township = Some(village.township_code);
    let request = body.read().await?;
    let reversed = db(&state, move |conn| {
        let result = reverse_entry(conn, &id, request, &caller.username).map_err(ApiError::from);
        audit.record(conn, &result, None);
        let (created, row) = match result? {
            Reversed::Created(row) => (true, row),
            Reversed::Existing(row) => (false, row),
        };
        let mut entries = with_reversal_links(conn, vec![row])?;
        Ok((created, entries.pop()))
    })
    .await?;
    match reversed {
        (true, Some(entry)) => Ok(entry_created(&state, entry)),
        (false, Some(entry)) => Ok(HttpResponse::Ok().json(entry)),
        (_, None) => Err(ApiError::Internal("reversal vanished".into())),
    }
}

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(get_entries)
        .service(post_village_entry)
        .service(get_entry)
        .service(post_reversal);
}
