//! The chart of accounts in force in a year.

use actix_web::{HttpResponse, get, web};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::api::problem::ApiError;
use crate::api::state::{State, db};
use crate::auth::Caller;
use crate::db::schema::accounts;
use crate::domain::{AccountClass, Chart, FIRST_YEAR, LAST_YEAR};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AccountsQuery {
    /// Fiscal year: up to 2023 the 2004 village collective chart, from 2024 the 2023 rural
    /// collective chart.
    #[param(example = 2024, minimum = 1990, maximum = 2099)]
    pub year: i32,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Account {
    #[schema(example = "513")]
    pub code: String,
    #[schema(example = "管理费用")]
    pub name_zh: String,
    #[schema(example = "Administrative expenses")]
    pub name_en: String,
    pub class: AccountClass,
    /// Whether the account can be the settlement side of an entry (cash, bank, receivables,
    /// payables).
    pub settlement: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ChartOfAccounts {
    pub year: i32,
    /// `2004` or `2023`.
    pub chart: String,
    pub accounts: Vec<Account>,
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
    if !(FIRST_YEAR..=LAST_YEAR).contains(&year) {
        return Err(ApiError::Invalid(format!(
            "year must be between {FIRST_YEAR} and {LAST_YEAR}"
        )));
    }
    let chart = Chart::for_year(year);
    let rows: Vec<(String, String, String, String, bool)> = db(&state, move |conn| {
        Ok(accounts::table
            .filter(accounts::chart.eq(chart.key()))
            .order(accounts::code)
            .select((
                accounts::code,
                accounts::name_zh,
                accounts::name_en,
                accounts::class,
                accounts::settlement,
            ))
            .load(conn)?)
    })
    .await?;
    let accounts = rows
        .into_iter()
        .filter_map(|(code, name_zh, name_en, class, settlement)| {
            Some(Account {
                class: AccountClass::parse(&class)?,
                code,
                name_zh,
                name_en,
                settlement,
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(ChartOfAccounts {
        year,
        chart: chart.key().to_owned(),
        accounts,
    }))
}

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(get_accounts);
}
