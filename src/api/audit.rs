//! The audit log: all of it for admins, their scope for inspectors.

use actix_web::{HttpResponse, get, web};
use serde::{Deserialize, Serialize};

use crate::api::clock::today;
use crate::api::problem::ApiError;
use crate::api::state::{State, db};
use crate::auth::audit::{AuditFilter, AuditRecord, list};
use crate::auth::scope::inspector_scope;
use crate::auth::{Caller, Role};
use crate::msg;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Records after this sequence number (the `next_after` of the previous page).
    pub after: Option<i64>,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditRecord>,
    /// Pass as `after` for the next page; null on the last page.
    pub next_after: Option<i64>,
}

/// The audit log, oldest first: every write and every sign-in, successful or not.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(AuditQuery),
    responses(
        (status = 200, description = "A page of audit records", body = AuditPage),
        (status = 400, description = "Bad query string"),
        (status = 401, description = "No or bad token"),
        (status = 403, description = "Neither admin nor inspector"),
        (status = 422, description = "Bad page size")
    )
)]
#[get("/audit")]
pub async fn get_audit(state: State, caller: Caller, query: web::Query<AuditQuery>) -> Result<HttpResponse, ApiError> {
    let limit = query.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::Invalid(msg!("problem-limit-range", max = 200)));
    }
    let after = query.after.unwrap_or(0);
    let items = db(&state, move |conn| {
        let filter = match caller.role {
            Role::Admin => AuditFilter::All,
            Role::Inspector => {
                let scope = inspector_scope(conn, &caller.username, today())?;
                AuditFilter::Scope {
                    villages: scope.villages,
                    townships: scope.townships,
                }
            }
            _ => {
                return Err(ApiError::Forbidden(msg!("auth-audit-readers")));
            }
        };
        Ok(list(conn, &filter, after, limit + 1)?)
    })
    .await?;
    let mut items = items;
    let next_after = if items.len() as i64 > limit {
        items.truncate(limit as usize);
        items.last().map(|r| r.seq)
    } else {
        None
    };
    Ok(HttpResponse::Ok().json(AuditPage { items, next_after }))
}

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(get_audit);
}
