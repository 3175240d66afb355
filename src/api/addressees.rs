//! The bodies referral tickets are addressed to: recorded by admins, read by staff.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post};

use crate::api::audit_trail::{Audit, authorize};
use crate::api::json::JsonBody;
use crate::api::problem::ApiError;
use crate::api::state::{State, db};
use crate::auth::Caller;
use crate::auth::scope::require_admin;
use crate::workflow::addressees::{Addressee, NewAddressee, create_addressee, list_addressees};

/// The bodies referral tickets can be addressed to, by name (staff; villagers 403).
#[utoipa::path(
    tag = "inspection",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Addressees, by name", body = Vec<Addressee>),
        (status = 401, description = "No or bad token"),
        (status = 403, description = "Villagers do not read addressees")
    )
)]
#[get("/addressees")]
pub async fn get_addressees(state: State, caller: Caller) -> Result<HttpResponse, ApiError> {
    let list = db(&state, move |conn| Ok(list_addressees(conn, &caller)?)).await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Record a body referral tickets can be addressed to (admins): a township's discipline
/// office or finance station, the county discipline commission, the police, a department.
#[utoipa::path(
    tag = "inspection",
    security(("bearer" = [])),
    request_body = NewAddressee,
    responses(
        (status = 201, description = "Recorded", body = Addressee),
        (status = 400, description = "Malformed JSON, wrong types or unknown fields"),
        (status = 401, description = "No or bad token"),
        (status = 403, description = "Not an admin"),
        (status = 409, description = "An addressee of that name exists"),
        (status = 413, description = "Body too large"),
        (status = 422, description = "A value is not acceptable")
    )
)]
#[post("/addressees")]
pub async fn post_addressee(
    state: State,
    caller: Caller,
    req: HttpRequest,
    body: JsonBody<NewAddressee>,
) -> Result<HttpResponse, ApiError> {
    let audit = Audit::new("addressee.create", Some(&caller.username), &req);
    let who = caller.clone();
    authorize(&state, &audit, move |_| Ok(require_admin(&who)?)).await?;
    let new = body.read().await?;
    let now = state.clock.now();
    let addressee = db(&state, move |conn| {
        let result = create_addressee(conn, &caller, new, now).map_err(ApiError::from);
        let object = result.as_ref().ok().map(|a| a.id.clone());
        audit.record(conn, &result, object.as_deref());
        result
    })
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, "/api/v1/addressees"))
        .json(addressee))
}

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(get_addressees).service(post_addressee);
}
