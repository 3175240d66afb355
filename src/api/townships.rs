//! Townships and their villages, as far as the caller's scope reaches.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};

use crate::api::access::township_code;
use crate::api::audit_trail::{Audit, authorize};
use crate::api::clock::today;
use crate::api::json::JsonBody;
use crate::api::params::TownshipPath;
use crate::api::problem::ApiError;
use crate::api::state::{State, db};
use crate::api::villages::SummaryQuery;
use crate::auth::scope::{TownshipView, readable_villages, require_admin, township_view, visible_townships};
use crate::auth::{Caller, Role};
use crate::ledger::summary::{AreaSummary, area_summary};
use crate::ledger::villages::{
    NewTownship, NewVillage, Township, VillageBrief, create_township, create_village, find_township, list_townships,
    list_villages,
};
use crate::msg;

/// List the townships in your scope.
#[utoipa::path(
    tag = "ledger",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Townships, by code", body = Vec<Township>),
        (status = 401, description = "No or bad token")
    )
)]
#[get("/townships")]
pub async fn get_townships(state: State, caller: Caller) -> Result<HttpResponse, ApiError> {
    let townships = db(&state, move |conn| {
        let all = list_townships(conn)?;
        Ok(match visible_townships(conn, &caller, today())? {
            None => all,
            Some(visible) => all.into_iter().filter(|t| visible.contains(&t.code)).collect(),
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(townships))
}

/// List the villages of a township that are in your scope.
#[utoipa::path(
    tag = "ledger",
    security(("bearer" = [])),
    params(TownshipPath),
    responses(
        (status = 200, description = "Villages, by code", body = Vec<VillageBrief>),
        (status = 401, description = "No or bad token"),
        (status = 404, description = "No such township in your scope")
    )
)]
#[get("/townships/{code}/villages")]
pub async fn get_township_villages(
    state: State,
    caller: Caller,
    path: web::Path<TownshipPath>,
) -> Result<HttpResponse, ApiError> {
    let code = township_code(&path.into_inner().code)?;
    let villages = db(&state, move |conn| {
        let view = township_view(conn, &caller, &code, today())?;
        find_township(conn, &code)?;
        let all = list_villages(conn, &code)?;
        let visible: Vec<VillageBrief> = match view {
            TownshipView::All => all,
            TownshipView::Only(codes) => all.into_iter().filter(|v| codes.contains(&v.code)).collect(),
        };
        if visible.is_empty() && caller.role != Role::Admin && caller.role != Role::Clerk {
            return Err(ApiError::NotFound(msg!(
                "ledger-township-not-found",
                township = code.to_string()
            )));
        }
        Ok(visible)
    })
    .await?;
    Ok(HttpResponse::Ok().json(villages))
}

/// Add a township (admins).
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    request_body = NewTownship,
    responses(
        (status = 201, description = "Created", body = Township,
            links(("ListVillages" = (operation_id = "get_township_villages", parameters(("code" = "$response.body#/code")), description = "The township's villages")))),
        (status = 400, description = "Malformed JSON"),
        (status = 401, description = "No or bad token"),
        (status = 403, description = "Not an admin"),
        (status = 409, description = "Already exists"),
        (status = 422, description = "A value is not acceptable")
    )
)]
#[post("/townships")]
pub async fn post_township(
    state: State,
    caller: Caller,
    req: HttpRequest,
    body: JsonBody<NewTownship>,
) -> Result<HttpResponse, ApiError> {
    let mut audit = Audit::new("township.create", Some(&caller.username), &req);
    authorize(&state, &audit, move |_| Ok(require_admin(&caller)?)).await?;
    let new = body.read().await?;
    audit.object = Some(crate::domain::truncate(&new.code));
    audit.township = Some(crate::domain::truncate(&new.code));
    let township = db(&state, move |conn| {
        let result = create_township(conn, new).map_err(ApiError::from);
        audit.record(conn, &result, None);
        result
    })
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/townships/{}/villages", township.code),
        ))
        .json(township))
}

/// Add a village with its opening cash and bank balances (admins).
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    request_body = NewVillage,
    responses(
        (status = 201, description = "Created", body = VillageBrief,
            links(("GetVillage" = (operation_id = "get_village", parameters(("code" = "$response.body#/code")), description = "The village")))),
        (status = 400, description = "Malformed JSON"),
        (status = 401, description = "No or bad token"),
        (status = 403, description = "Not an admin"),
        (status = 409, description = "Already exists"),
        (status = 422, description = "A value is not acceptable")
    )
)]
#[post("/villages")]
pub async fn post_village(
    state: State,
    caller: Caller,
    req: HttpRequest,
    body: JsonBody<NewVillage>,
) -> Result<HttpResponse, ApiError> {
    let mut audit = Audit::new("village.create", Some(&caller.username), &req);
    authorize(&state, &audit, move |_| Ok(require_admin(&caller)?)).await?;
    let new = body.read().await?;
    audit.object = Some(crate::domain::truncate(&new.code));
    audit.village = Some(crate::domain::truncate(&new.code));
    audit.township = Some(crate::domain::truncate(&new.township_code));
    let village = db(&state, move |conn| {
        let result = create_village(conn, new).map_err(ApiError::from);
        audit.record(conn, &result, None);
        result
    })
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/villages/{}", village.code)))
        .json(village))
}

/// A township's year: the fields of a village's summary summed over the township's villages
/// you may read, and a line per village. Read from monthly aggregates kept as entries are
/// posted, so it costs the same whatever the number of entries; a year without entries answers
/// zeros.
#[utoipa::path(
    tag = "ledger",
    security(("bearer" = [])),
    params(TownshipPath, SummaryQuery),
    responses(
        (status = 200, description = "The year's summary", body = AreaSummary),
        (status = 400, description = "Bad query string"),
        (status = 401, description = "No or bad token"),
        (status = 404, description = "No such township in your scope"),
        (status = 422, description = "Year out of range")
    )
)]
#[get("/townships/{code}/summary")]
pub async fn get_township_summary(
    state: State,
    caller: Caller,
    path: web::Path<TownshipPath>,
    query: web::Query<SummaryQuery>,
) -> Result<HttpResponse, ApiError> {
    let code = township_code(&path.into_inner().code)?;
    let year = query.checked_year()?;
    let summary = db(&state, move |conn| {
        let villages = readable_villages(conn, &caller, Some(&code), today())?;
        Ok(area_summary(conn, Some(code.as_str().to_owned()), &villages, year)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(summary))
}

/// The year of your whole scope (the county for admins and the county discipline commission; a
/// township for its clerks; an inspector's rounds; a villager's village): summed as a
/// township's summary is, with a line per village.
#[utoipa::path(
    tag = "ledger",
    security(("bearer" = [])),
    params(SummaryQuery),
    responses(
        (status = 200, description = "The year's summary", body = AreaSummary),
        (status = 400, description = "Bad query string"),
        (status = 401, description = "No or bad token"),
        (status = 422, description = "Year out of range")
    )
)]
#[get("/summary")]
pub async fn get_scope_summary(
    state: State,
    caller: Caller,
    query: web::Query<SummaryQuery>,
) -> Result<HttpResponse, ApiError> {
    let year = query.checked_year()?;
    let summary = db(&state, move |conn| {
        let villages = readable_villages(conn, &caller, None, today())?;
        Ok(area_summary(conn, None, &villages, year)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(summary))
}

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(get_townships)
        .service(get_township_villages)
        .service(get_township_summary)
        .service(get_scope_summary)
        .service(post_township)
        .service(post_village);
}
