//! Townships and their villages, as far as the caller's scope reaches.

use actix_web::{HttpResponse, get, web};

use crate::api::{State, db, today};
use crate::auth::scope::{TownshipView, ensure_enabled, inspector_scope, township_view};
use crate::auth::{Caller, Role};
use crate::domain::TownshipCode;
use crate::error::{ApiError, Problem};
use crate::ledger::villages::{Township, VillageBrief, find_township, find_village, list_townships, list_villages};

/// List the townships in your scope.
#[utoipa::path(
    tag = "ledger",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Townships, by code", body = Vec<Township>),
        (status = 401, description = "No or bad token", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/townships")]
pub async fn get_townships(state: State, caller: Caller) -> Result<HttpResponse, ApiError> {
    let townships = db(&state, move |conn| {
        ensure_enabled(conn, &caller)?;
        let all = list_townships(conn)?;
        let visible: Vec<String> = match caller.role {
            Role::Admin => return Ok(all),
            Role::Clerk => caller.township.iter().cloned().collect(),
            Role::Villager => match caller.village.as_deref().map(crate::domain::VillageCode::parse) {
                Some(Ok(code)) => vec![find_village(conn, &code)?.township_code],
                _ => Vec::new(),
            },
            Role::Inspector => {
                let scope = inspector_scope(conn, &caller.username, today())?;
                let mut codes = scope.townships;
                for v in scope.villages {
                    if let Ok(code) = crate::domain::VillageCode::parse(&v) {
                        codes.push(find_village(conn, &code)?.township_code);
                    }
                }
                codes
            }
        };
        Ok(all
            .into_iter()
            .filter(|t| visible.contains(&t.code))
            .collect::<Vec<_>>())
    })
    .await?;
    Ok(HttpResponse::Ok().json(townships))
}

/// List the villages of a township that are in your scope.
#[utoipa::path(
    tag = "ledger",
    security(("bearer" = [])),
    params(("code" = String, Path, description = "12-digit township code", example = "331022102000")),
    responses(
        (status = 200, description = "Villages, by code", body = Vec<VillageBrief>),
        (status = 401, description = "No or bad token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such township in your scope", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/townships/{code}/villages")]
pub async fn get_township_villages(
    state: State,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let code = TownshipCode::parse(&path.into_inner()).map_err(ApiError::NotFound)?;
    let villages = db(&state, move |conn| {
        let view = township_view(conn, &caller, &code, today())?;
        find_township(conn, &code)?;
        let all = list_villages(conn, &code)?;
        let visible: Vec<VillageBrief> = match view {
            TownshipView::All => all,
            TownshipView::Only(codes) => all.into_iter().filter(|v| codes.contains(&v.code)).collect(),
        };
        if visible.is_empty() && caller.role != Role::Admin && caller.role != Role::Clerk {
            return Err(ApiError::NotFound(format!("no township {code} in your scope")));
        }
        Ok(visible)
    })
    .await?;
    Ok(HttpResponse::Ok().json(villages))
}

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(get_townships).service(get_township_villages);
}
