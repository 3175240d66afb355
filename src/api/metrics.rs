//! The metrics routes: `/metrics` to admins, or without a token on the operators' address.
//! What is counted is [`crate::api::telemetry`].

use actix_web::{HttpResponse, get};

use crate::api::problem::ApiError;
use crate::api::state::State;
use crate::auth::Caller;
use crate::auth::scope::require_admin;
use crate::msg;

/// Prometheus metrics (text exposition format 0.0.4), to admins.
///
/// Where the operator sets `VL_METRICS_BIND`, metrics are served there without a token (for
/// Prometheus) and this route answers 404.
#[utoipa::path(
    tag = "ops",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Metrics", body = String, content_type = "text/plain"),
        (status = 401, description = "No or bad token"),
        (status = 403, description = "Not an admin"),
        (status = 404, description = "Served on the operators' address instead")
    )
)]
#[get("/metrics")]
pub async fn get_metrics(state: State, caller: Result<Caller, ApiError>) -> Result<HttpResponse, ApiError> {
    if state.settings.metrics_bind.is_some() {
        return Err(ApiError::NotFound(msg!("problem-metrics-elsewhere")));
    }
    require_admin(&caller?)?;
    Ok(metrics_text(&state))
}

/// The metrics as Prometheus text, for the public route and the operators' listener alike.
pub fn metrics_text(state: &State) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(state.metrics.render(&state.pool))
}

/// The app of the operators' listener (`VL_METRICS_BIND`): `/metrics` without a token, nothing
/// else.
pub fn operators_app(
    state: State,
) -> actix_web::App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    actix_web::App::new().app_data(state).route(
        "/metrics",
        actix_web::web::get().to(|state: State| async move { metrics_text(&state) }),
    )
}
