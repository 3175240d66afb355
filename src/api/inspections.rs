//! Inspection rounds: created by admins, read by admins and by their own inspectors.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};

use crate::api::audit_trail::{Audit, authorize};
use crate::api::clock::today;
use crate::api::json::JsonBody;
use crate::api::params::InspectionPath;
use crate::api::problem::ApiError;
use crate::api::state::{State, db};
use crate::auth::Caller;
use crate::auth::inspections::{
    Inspection, NewInspection, create_inspection, readable_inspection, visible_inspections,
};
use crate::auth::scope::require_admin;

/// Create an inspection round (admins). Refused with 409 when an inspector's home township or
/// village is in the round's scope (交叉巡察回避).
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    request_body = NewInspection,
    responses(
        (status = 201, description = "Created", body = Inspection,
            links(("GetInspection" = (operation_id = "get_inspection", parameters(("id" = "$response.body#/id")), description = "Read the round")))),
        (status = 400, description = "Malformed JSON"),
        (status = 401, description = "No or bad token"),
        (status = 403, description = "Not an admin"),
        (status = 409, description = "Recusal conflict"),
        (status = 422, description = "A value is not acceptable")
    )
)]
#[post("/inspections")]
pub async fn post_inspection(
    state: State,
    caller: Caller,
    req: HttpRequest,
    body: JsonBody<NewInspection>,
) -> Result<HttpResponse, ApiError> {
    let audit = Audit::new("inspection.create", Some(&caller.username), &req);
    let who = caller.clone();
    authorize(&state, &audit, move |_| Ok(require_admin(&who)?)).await?;
    let new = body.read().await?;
    let inspection = db(&state, move |conn| {
        let result = create_inspection(conn, new, &caller.username, today()).map_err(ApiError::from);
        audit.record(conn, &result, result.as_ref().ok().map(|i| i.id.as_str()));
        result
    })
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/inspections/{}", inspection.id)))
        .json(inspection))
}

/// List inspection rounds: all of them for admins, their own for inspectors.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Rounds", body = Vec<Inspection>),
        (status = 401, description = "No or bad token"),
        (status = 403, description = "Neither admin nor inspector")
    )
)]
#[get("/inspections")]
pub async fn get_inspections(state: State, caller: Caller) -> Result<HttpResponse, ApiError> {
    let rounds = db(&state, move |conn| Ok(visible_inspections(conn, &caller, today())?)).await?;
    Ok(HttpResponse::Ok().json(rounds))
}

/// One inspection round (admins, and the round's own inspectors).
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(InspectionPath),
    responses(
        (status = 200, description = "The round", body = Inspection),
        (status = 401, description = "No or bad token"),
        (status = 403, description = "Neither admin nor inspector"),
        (status = 404, description = "No such round in your scope")
    )
)]
#[get("/inspections/{id}")]
pub async fn get_inspection(
    state: State,
    caller: Caller,
    path: web::Path<InspectionPath>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner().id;
    let round = db(&state, move |conn| {
        Ok(readable_inspection(conn, &caller, &id, today())?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(round))
}

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(post_inspection)
        .service(get_inspections)
        .service(get_inspection);
}
