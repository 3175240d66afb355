//! A village's public tenders (招投标): recorded by the township finance station, read by
//! whoever reads the village. The cross-check compares the payments under each tender with
//! its record.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};

use crate::api::access::{Access, village_code, village_in_scope};
use crate::api::audit_trail::{Audit, authorize};
use crate::api::clock::today;
use crate::api::json::JsonBody;
use crate::api::params::VillagePath;
use crate::api::problem::ApiError;
use crate::api::state::{State, db};
use crate::auth::Caller;
use crate::auth::scope::require_ledger_writer;
use crate::ledger::tenders::{DEFAULT_TENDER_PAGE, NewTenderRequest, Recorded, Tender, list_tenders, record_tender};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TenderListQuery {
    /// Page size, 1–500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// Tenders to skip: `next_offset` of the previous page.
    #[param(minimum = 0, maximum = 10_000_000)]
    pub offset: Option<i64>,
}

/// A page of tenders.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TenderPage {
    /// By award date, then reference.
    pub items: Vec<Tender>,
    /// Pass as `offset` for the next page; null on the last page.
    pub next_offset: Option<i64>,
}

/// A village's recorded tenders, oldest award first.
///
/// Whoever reads the village reads its tenders: its villagers, the clerks of its township, the
/// inspectors of an open round over it. Payments name a tender by its reference (`tender_ref`).
#[utoipa::path(
    tag = "ledger",
    security(("bearer" = [])),
    params(VillagePath, TenderListQuery),
    responses(
        (status = 200, description = "A page of tenders", body = TenderPage),
        (status = 400, description = "Bad query string"),
        (status = 401, description = "No or bad token"),
        (status = 404, description = "No such village in your scope"),
        (status = 422, description = "limit or offset out of range")
    )
)]
#[get("/villages/{code}/tenders")]
pub async fn get_tenders(
    state: State,
    caller: Caller,
    path: web::Path<VillagePath>,
    query: web::Query<TenderListQuery>,
) -> Result<HttpResponse, ApiError> {
    let code = village_code(&path.into_inner().code)?;
    let limit = query.limit.unwrap_or(DEFAULT_TENDER_PAGE);
    let offset = query.offset.unwrap_or(0);
    let (items, more) = db(&state, move |conn| {
        village_in_scope(conn, &caller, &code, Access::Read)?;
        Ok(list_tenders(conn, &code, limit, offset)?)
    })
    .await?;
    let next_offset = more.then(|| offset + items.len() as i64);
    Ok(HttpResponse::Ok().json(TenderPage { items, next_offset }))
}

/// Record a village's public tender (township finance station clerks): its reference, project,
/// winning bidder, contract amount and award date.
///
/// A reference is recorded once per village, compared without regard to case, width, spacing
/// and punctuation. Retrying with the same content answers 200 with the record made before;
/// the same reference with other content is a 409.
#[utoipa::path(
    tag = "ledger",
    security(("bearer" = [])),
    params(VillagePath),
    request_body = NewTenderRequest,
    responses(
        (status = 201, description = "Recorded", body = Tender),
        (status = 200, description = "Recorded before with this reference and content", body = Tender),
        (status = 400, description = "Malformed JSON, wrong types or unknown fields"),
        (status = 401, description = "No or bad token"),
        (status = 403, description = "Your role cannot record tenders"),
        (status = 404, description = "No such village in your scope"),
        (status = 409, description = "The reference is recorded with other content"),
        (status = 413, description = "Body too large"),
        (status = 422, description = "A value is not acceptable")
    )
)]
#[post("/villages/{code}/tenders")]
pub async fn post_tender(
    state: State,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<VillagePath>,
    body: JsonBody<NewTenderRequest>,
) -> Result<HttpResponse, ApiError> {
    let raw_code = path.into_inner().code;
    let mut audit = Audit::new("tender.record", Some(&caller.username), &req);
    audit.village = Some(crate::domain::truncate(&raw_code));
    // Refusals are audited too: role (403) and scope (404) before the body is read, then the
    // values (422) and a reference recorded otherwise (409).
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
    let recorded = db(&state, move |conn| {
        let result = request
            .validate(today())
            .and_then(|tender| record_tender(conn, &code, tender, &caller.username))
            .map_err(ApiError::from);
        let object = match &result {
            Ok(Recorded::Created(row) | Recorded::Existing(row)) => Some(row.id.clone()),
            Err(_) => None,
        };
        audit.record(conn, &result, object.as_deref());
        result
    })
    .await?;
    Ok(match recorded {
        Recorded::Created(row) => HttpResponse::Created().json(Tender::from(row)),
        Recorded::Existing(row) => HttpResponse::Ok().json(Tender::from(row)),
    })
}

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(get_tenders).service(post_tender);
}
