//! Referral tickets (红黄蓝三色交办单): issued, received and concluded, their printable page, and the county's figures.

mod print;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::NaiveDate;
use serde::Deserialize;

use crate::api::audit_trail::{Audit, authorize};
use crate::api::json::JsonBody;
use crate::api::problem::ApiError;
use crate::api::state::{State, db};
use crate::auth::Caller;
use crate::workflow::stats::{Stats, county_stats, require_stats_reader};
use crate::workflow::tickets::{
    Colour, Conclusion, NewTicket, Ticket, TicketFilter, TicketPage, TicketStatus, conclude_ticket, finding_for_issuer,
    issue_ticket, list_tickets, print_facts, read_ticket, receive_ticket, ticket_for_actor,
};

/// `{id}` of a finding's routes.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct FindingIdPath {
    /// Finding id
    #[param(max_length = 64)]
    pub id: String,
}

/// `{id}` of a ticket's routes.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct TicketPath {
    /// Ticket id
    #[param(max_length = 64)]
    pub id: String,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TicketListQuery {
    pub colour: Option<Colour>,
    pub status: Option<TicketStatus>,
    /// `true`: only overdue tickets (not concluded, due before today); `false`: only the others.
    pub overdue: Option<bool>,
    /// 12-digit township code of the tickets' villages.
    #[param(pattern = r"^[0-9]{12}$", example = "331022102000")]
    pub township: Option<String>,
    /// Addressee id.
    #[param(max_length = 64)]
    pub addressee: Option<String>,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(max_length = 64, pattern = r"^[A-Za-z0-9_-]*$")]
    pub cursor: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct StatsQuery {
    /// First county day of the span (default: from the beginning).
    pub from: Option<NaiveDate>,
    /// Last county day of the span (default: up to now).
    pub to: Option<NaiveDate>,
}

/// Issue a referral ticket on a finding (the inspectors of the finding's round, and admins).
///
/// The colour sets the deadline: red 3 days, yellow 7, blue 15 by default (settings
/// `VL_TICKET_*_DAYS`), counted from the county day of issue in calendar days or, with
/// `VL_TICKET_WORKING_DAYS=true`, in working days of the official holiday calendar. The ticket
/// carries its finding's evidence. A body of a township must be of the finding's township.
#[utoipa::path(
    tag = "inspection",
    security(("bearer" = [])),
    params(FindingIdPath),
    request_body = NewTicket,
    responses(
        (status = 201, description = "Issued", body = Ticket),
        (status = 400, description = "Malformed JSON, wrong types or unknown fields"),
        (status = 401, description = "No or bad token"),
        (status = 403, description = "Your role does not issue tickets"),
        (status = 404, description = "No such finding among those you may refer"),
        (status = 413, description = "Body too large"),
        (status = 422, description = "Unknown addressee, one of another township, or a note too long")
    )
)]
#[post("/findings/{id}/tickets")]
pub async fn post_ticket(
    state: State,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<FindingIdPath>,
    body: JsonBody<NewTicket>,
) -> Result<HttpResponse, ApiError> {
    let mut audit = Audit::new("ticket.issue", Some(&caller.username), &req);
    let id = path.into_inner().id;
    let who = caller.clone();
    let finding = authorize(&state, &audit, move |conn| Ok(finding_for_issuer(conn, &who, &id)?)).await?;
    audit.village = Some(finding.village_code.clone());
    audit.township = Some(finding.township_code.clone());
    let new = body.read().await?;
    let now = state.clock.now();
    let settings = state.settings.tickets.clone();
    let ticket = db(&state, move |conn| {
        let result = issue_ticket(conn, &caller, &finding, new, &settings, now).map_err(ApiError::from);
        let object = result.as_ref().ok().map(|t| t.id.clone());
        audit.record(conn, &result, object.as_deref());
        result
    })
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/tickets/{}", ticket.id)))
        .json(ticket))
}

/// One referral ticket, with its finding and the finding's evidence.
///
/// Admins read every ticket, the county discipline commission's people every one in the
/// county, the people who act for its addressee theirs, inspectors those of their rounds (also
/// after the round closed). Villagers read none.
#[utoipa::path(
    tag = "inspection",
    security(("bearer" = [])),
    params(TicketPath),
    responses(
        (status = 200, description = "The ticket", body = Ticket),
        (status = 401, description = "No or bad token"),
        (status = 403, description = "Villagers do not read tickets"),
        (status = 404, description = "No such ticket among those you may read")
    )
)]
#[get("/tickets/{id}")]
pub async fn get_ticket(state: State, caller: Caller, path: web::Path<TicketPath>) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner().id;
    let today = state.clock.today();
    let ticket = db(&state, move |conn| Ok(read_ticket(conn, &caller, &id, today)?)).await?;
    Ok(HttpResponse::Ok().json(ticket))
}

/// The referral tickets the caller reads, newest first, filtered, one page at a time, with the
/// number of overdue ones among all the filters select.
///
/// Overdue: not concluded and due before today (the county's day).
#[utoipa::path(
    tag = "inspection",
    security(("bearer" = [])),
    params(TicketListQuery),
    responses(
        (status = 200, description = "A page of tickets", body = TicketPage),
        (status = 400, description = "Bad query string or cursor"),
        (status = 401, description = "No or bad token"),
        (status = 403, description = "Villagers do not read tickets"),
        (status = 422, description = "A filter value is not acceptable")
    )
)]
#[get("/tickets")]
pub async fn get_tickets(
    state: State,
    caller: Caller,
    query: web::Query<TicketListQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let filter = TicketFilter {
        colour: q.colour,
        status: q.status,
        overdue: q.overdue,
        township: q.township,
        addressee: q.addressee,
        limit: q.limit,
        cursor: q.cursor,
    };
    let today = state.clock.today();
    let page = db(&state, move |conn| Ok(list_tickets(conn, &caller, filter, today)?)).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Receive an issued ticket (签收): the people who act for its addressee.
#[utoipa::path(
    tag = "inspection",
    security(("bearer" = [])),
    params(TicketPath),
    responses(
        (status = 200, description = "Received", body = Ticket),
        (status = 401, description = "No or bad token"),
        (status = 403, description = "You do not act for the ticket's addressee"),
        (status = 404, description = "No such ticket among those you may read"),
        (status = 409, description = "The ticket is not issued (received or concluded already)")
    )
)]
#[post("/tickets/{id}/receive")]
pub async fn post_receive(
    state: State,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<TicketPath>,
) -> Result<HttpResponse, ApiError> {
    let mut audit = Audit::new("ticket.receive", Some(&caller.username), &req);
    let id = path.into_inner().id;
    let who = caller.clone();
    let check = id.clone();
    let (row, _) = authorize(&state, &audit, move |conn| Ok(ticket_for_actor(conn, &who, &check)?)).await?;
    audit.village = Some(row.village_code);
    audit.township = Some(row.township_code);
    let now = state.clock.now();
    let ticket = db(&state, move |conn| {
        let result = receive_ticket(conn, &caller, &id, now).map_err(ApiError::from);
        audit.record(conn, &result, Some(&id));
        result
    })
    .await?;
    Ok(HttpResponse::Ok().json(ticket))
}

/// Conclude a received ticket (办结): the people who act for its addressee, with the written
/// response (required), the outcome, the persons disciplined (at least 1 for `disciplined`) and
/// the money recovered.
#[utoipa::path(
    tag = "inspection",
    security(("bearer" = [])),
    params(TicketPath),
    request_body = Conclusion,
    responses(
        (status = 200, description = "Concluded", body = Ticket),
        (status = 400, description = "Malformed JSON, wrong types or unknown fields"),
        (status = 401, description = "No or bad token"),
        (status = 403, description = "You do not act for the ticket's addressee"),
        (status = 404, description = "No such ticket among those you may read"),
        (status = 409, description = "The ticket is not received (still issued, or concluded already)"),
        (status = 413, description = "Body too large"),
        (status = 422, description = "No response, or a value out of range")
    )
)]
#[post("/tickets/{id}/conclude")]
pub async fn post_conclude(
    state: State,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<TicketPath>,
    body: JsonBody<Conclusion>,
) -> Result<HttpResponse, ApiError> {
    let mut audit = Audit::new("ticket.conclude", Some(&caller.username), &req);
    let id = path.into_inner().id;
    let who = caller.clone();
    let check = id.clone();
    let (row, _) = authorize(&state, &audit, move |conn| Ok(ticket_for_actor(conn, &who, &check)?)).await?;
    audit.village = Some(row.village_code);
    audit.township = Some(row.township_code);
    let conclusion = body.read().await?;
    let now = state.clock.now();
    let ticket = db(&state, move |conn| {
        let result = conclude_ticket(conn, &caller, &id, conclusion, now).map_err(ApiError::from);
        audit.record(conn, &result, Some(&id));
        result
    })
    .await?;
    Ok(HttpResponse::Ok().json(ticket))
}

/// A ticket's printable page: HTML with print CSS for one A4 page, in the caller's language
/// (`Accept-Language`), for whoever reads the ticket. No script; a strict Content Security
/// Policy.
#[utoipa::path(
    tag = "inspection",
    security(("bearer" = [])),
    params(TicketPath),
    responses(
        (status = 200, description = "The printable page", content_type = "text/html", body = String),
        (status = 401, description = "No or bad token"),
        (status = 403, description = "Villagers do not read tickets"),
        (status = 404, description = "No such ticket among those you may read")
    )
)]
#[get("/tickets/{id}/print")]
pub async fn get_ticket_print(
    state: State,
    caller: Caller,
    path: web::Path<TicketPath>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner().id;
    let today = state.clock.today();
    let lang = crate::i18n::current();
    let (ticket, facts) = db(&state, move |conn| {
        let ticket = read_ticket(conn, &caller, &id, today)?;
        let facts = print_facts(conn, &ticket)?;
        Ok((ticket, facts))
    })
    .await?;
    let page = print::render(&ticket, &facts, lang);
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, print::csp()))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CONTENT_LANGUAGE, lang.tag()))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(page))
}

/// The county's figures for a span of county days (admins and the county discipline
/// commission's people): rounds, villages inspected, findings, tickets by colour and status,
/// outcomes, the median and 90th-percentile (nearest-rank) days from finding to conclusion,
/// overdue tickets, persons disciplined, referrals to judicial organs, money recovered.
///
/// Rounds count when their window overlaps the span, findings when recorded in it, tickets
/// when issued in it.
#[utoipa::path(
    tag = "inspection",
    security(("bearer" = [])),
    params(StatsQuery),
    responses(
        (status = 200, description = "The figures", body = Stats),
        (status = 400, description = "Bad query string"),
        (status = 401, description = "No or bad token"),
        (status = 403, description = "Only admins and the county discipline commission read the figures"),
        (status = 422, description = "from is after to")
    )
)]
#[get("/stats")]
pub async fn get_stats(state: State, caller: Caller, query: web::Query<StatsQuery>) -> Result<HttpResponse, ApiError> {
    let StatsQuery { from, to } = query.into_inner();
    let today = state.clock.today();
    let stats = db(&state, move |conn| {
        require_stats_reader(conn, &caller)?;
        Ok(county_stats(conn, from, to, today)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(stats))
}

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(post_ticket)
        .service(get_tickets)
        .service(get_ticket)
        .service(post_receive)
        .service(post_conclude)
        .service(get_ticket_print)
        .service(get_stats);
}
