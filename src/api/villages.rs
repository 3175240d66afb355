//! One village: its balances, its year summary, and closing its months.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::Deserialize;

use crate::api::access::{Access, village_code, village_in_scope};
use crate::api::audit_trail::Audit;
use crate::api::clock::today;
use crate::api::params::{PeriodPath, VillagePath};
use crate::api::problem::ApiError;
use crate::api::state::{State, db, quick_read};
use crate::auth::Caller;
use crate::auth::scope::require_ledger_writer;
use crate::domain::Period;
use crate::ledger::periods::{Closed, ClosedPeriod, close_period};
use crate::ledger::summary::{YearSummary, year_summary};
use crate::ledger::villages::{VillageDetail, village_detail};
use crate::msg;

/// A village with its current cash and bank balances and its latest closed month.
#[utoipa::path(
    tag = "ledger",
    security(("bearer" = [])),
    params(VillagePath),
    responses(
        (status = 200, description = "The village", body = VillageDetail),
        (status = 401, description = "No or bad token"),
        (status = 404, description = "No such village in your scope")
    )
)]
#[get("/villages/{code}")]
pub async fn get_village(state: State, caller: Caller, path: web::Path<VillagePath>) -> Result<HttpResponse, ApiError> {
    let code = village_code(&path.code)?;
    let detail = db(&state, move |conn| {
        village_in_scope(conn, &caller, &code, Access::Read)?;
        Ok(village_detail(conn, &code)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(detail))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SummaryQuery {
    /// Fiscal year, e.g. 2024.
    #[param(example = 2024, minimum = 1990, maximum = 2099)]
    pub year: i32,
}

impl SummaryQuery {
    /// The year, if within the years the ledger can hold (422 otherwise).
    pub fn checked_year(&self) -> Result<i32, ApiError> {
        if (crate::domain::FIRST_YEAR..=crate::domain::LAST_YEAR).contains(&self.year) {
            Ok(self.year)
        } else {
            Err(ApiError::Invalid(msg!(
                "ledger-year-out-of-range",
                first = crate::domain::FIRST_YEAR,
                last = crate::domain::LAST_YEAR
            )))
        }
    }
}

/// Income and expense totals and counts of a year, by month and by account, with opening and
/// closing cash and bank balances. The totals equal the sum of the year's listed entries.
#[utoipa::path(
    tag = "ledger",
    security(("bearer" = [])),
    params(VillagePath, SummaryQuery),
    responses(
        (status = 200, description = "The year's summary", body = YearSummary),
        (status = 400, description = "Bad query string"),
        (status = 401, description = "No or bad token"),
        (status = 404, description = "No such village in your scope"),
        (status = 422, description = "Year out of range")
    )
)]
#[get("/villages/{code}/summary")]
pub async fn get_summary(
    state: State,
    caller: Caller,
    path: web::Path<VillagePath>,
    query: web::Query<SummaryQuery>,
) -> Result<HttpResponse, ApiError> {
    let code = village_code(&path.code)?;
    let year = query.checked_year()?;
    // The year's aggregates by primary key: a bounded read.
    let summary = quick_read(&state, move |conn| {
        village_in_scope(conn, &caller, &code, Access::Read)?;
        Ok(year_summary(conn, &code, year)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(summary))
}

/// Close (publish) a month of a village: nothing more can be posted into it.
///
/// Closing a month that is already closed answers 200 with the existing close.
#[utoipa::path(
    tag = "ledger",
    security(("bearer" = [])),
    params(PeriodPath),
    responses(
        (status = 201, description = "Closed now", body = ClosedPeriod),
        (status = 200, description = "Was already closed", body = ClosedPeriod),
        (status = 401, description = "No or bad token"),
        (status = 403, description = "Your role cannot close months"),
        (status = 404, description = "No such village in your scope"),
        (status = 422, description = "Not a month, or the month has not ended")
    )
)]
#[post("/villages/{code}/periods/{period}/close")]
pub async fn post_period_close(
    state: State,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<PeriodPath>,
) -> Result<HttpResponse, ApiError> {
    let PeriodPath {
        code: raw_code,
        period: raw_period,
    } = path.into_inner();
    let mut audit = Audit::new("period.close", Some(&caller.username), &req);
    audit.village = Some(crate::domain::truncate(&raw_code));
    audit.object = Some(format!(
        "{}/{}",
        crate::domain::truncate(&raw_code),
        crate::domain::truncate(&raw_period)
    ));
    let st = state.clone();
    let closed = db(&state, move |conn| {
        let state = st;
        // Refusals are audited too: role (403), scope (404), then the month (422).
        let result = (|| {
            require_ledger_writer(&caller)?;
            let code = village_code(&raw_code)?;
            let village = village_in_scope(conn, &caller, &code, Access::Write)?;
            audit.township = Some(village.township_code);
            let period = Period::parse(&raw_period).map_err(ApiError::from)?;
            Ok(close_period(
                conn,
                &code,
                period,
                today(),
                &caller.username,
                &state.log,
            )?)
        })();
        audit.record(conn, &result, None);
        result
    })
    .await?;
    Ok(match closed {
        Closed::Now(c) => HttpResponse::Created().json(c),
        Closed::Already(c) => HttpResponse::Ok().json(c),
    })
}

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(get_village).service(get_summary).service(post_period_close);
}
