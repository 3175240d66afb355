//! The chart of accounts in force in a year.

use actix_web::{HttpResponse, get, web};
use serde::Deserialize;

use crate::api::problem::ApiError;
use crate::api::state::{State, db};
use crate::auth::Caller;
use crate::ledger::accounts::{ChartOfAccounts, chart_of_accounts};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AccountsQuery {
    /// Fiscal year: up to 2023 the 2004 village collective chart, from 2024 the 2023 rural
    /// collective chart.
    #[param(example = 2024, minimum = 1990, maximum = 2099)]
    pub year: i32,
}

/// The chart of accounts in force in a year.
#[utoipa::path(
    tag = "ledger",
    security(("bearer" = [])),
    params(AccountsQuery),
    responses(
        (status = 200, description = "The chart", body = ChartOfAccounts),
        (status = 400, description = "Bad query string"),
        (status = 401, description = "No or bad token"),
        (status = 422, description = "Year out of range")
    )
)]
#[get("/accounts")]
pub async fn get_accounts(
    state: State,
    _caller: Caller,
    query: web::Query<AccountsQuery>,
) -> Result<HttpResponse, ApiError> {
    let year = query.year;
    let chart = db(&state, move |conn| Ok(chart_of_accounts(conn, year)?)).await?;
    Ok(HttpResponse::Ok().json(chart))
}

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(get_accounts);
}
