//! One village: its balances, its year summary, and closing its months.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::Deserialize;

use crate::api::problem::{ApiError, Problem};
use crate::api::{Audit, State, db, today, village_code};
use crate::auth::Caller;
use crate::auth::scope::{readable_village, require_ledger_writer, writable_village};
use crate::domain::Period;
use crate::ledger::periods::{Closed, ClosedPeriod, close_period};
use crate::ledger::summary::{YearSummary, year_summary};
use crate::ledger::villages::{VillageDetail, village_detail};

/// A village with its current cash and bank balances and its latest closed month.
#[utoipa::path(
    tag = "ledger",
    security(("bearer" = [])),
    params(("code" = String, Path, description = "12-digit village code", pattern = r"^[0-9]{12}$", example = "331022102201")),
    responses(
        (status = 200, description = "The village", body = VillageDetail),
        (status = 401, description = "No or bad token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such village in your scope", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/villages/{code}")]
pub async fn get_village(state: State, caller: Caller, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let code = village_code(&path.into_inner())?;
    let detail = db(&state, move |conn| {
        readable_village(conn, &caller, &code, today())?;
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

/// Income and expense totals and counts of a year, by month and by account, with opening and
/// closing cash and bank balances. The totals equal the sum of the year's listed entries.
#[utoipa::path(
    tag = "ledger",
    security(("bearer" = [])),
    params(("code" = String, Path, description = "12-digit village code", pattern = r"^[0-9]{12}$"), SummaryQuery),
    responses(
        (status = 200, description = "The year's summary", body = YearSummary),
        (status = 400, description = "Bad query string", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or bad token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such village in your scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Year out of range", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/villages/{code}/summary")]
pub async fn get_summary(
    state: State,
    caller: Caller,
    path: web::Path<String>,
    query: web::Query<SummaryQuery>,
) -> Result<HttpResponse, ApiError> {
    let code = village_code(&path.into_inner())?;
    let year = query.year;
    if !(crate::domain::FIRST_YEAR..=crate::domain::LAST_YEAR).contains(&year) {
        return Err(ApiError::Invalid(format!(
            "year {year} is outside the years the ledger keeps"
        )));
    }
    let summary = db(&state, move |conn| {
        readable_village(conn, &caller, &code, today())?;
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
    params(
        ("code" = String, Path, description = "12-digit village code", pattern = r"^[0-9]{12}$"),
        ("period" = String, Path, description = "Month, YYYY-MM", example = "2024-03", pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])$")
    ),
    responses(
        (status = 201, description = "Closed now", body = ClosedPeriod),
        (status = 200, description = "Was already closed", body = ClosedPeriod),
        (status = 401, description = "No or bad token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your role cannot close months", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such village in your scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a month, or the month has not ended", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/villages/{code}/periods/{period}/close")]
pub async fn post_period_close(
    state: State,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (raw_code, raw_period) = path.into_inner();
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
            let village = writable_village(conn, &caller, &code)?;
            audit.township = Some(village.township_code);
            let period = Period::parse(&raw_period).map_err(|e| ApiError::Invalid(e.to_string()))?;
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
