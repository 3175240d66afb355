//! `POST /api/v1/crosscheck/reconcile`: findings as JSON, or as a CSV/XLSX sheet uploaded with
//! the options as form fields.

use actix_multipart::Multipart;
use actix_web::{HttpRequest, HttpResponse, post, web};
use serde::Serialize;
use std::time::Duration;

use crate::api::audit_trail::Audit;
use crate::api::crosscheck_scope::ScopeView;
use crate::api::problem::{ApiError, ApiResult};
use crate::api::state::State;
use crate::auth::Caller;
use crate::crosscheck::findings::{Finding, Tolerances};
use crate::crosscheck::reconcile::{EntryBrief, FindingResult, reconcile, summary};
use crate::crosscheck::scope::require_checker;
use crate::crosscheck::sheet::RowError;
use crate::crosscheck::{DateWindow, Scope, ScopeKind};
use crate::domain::budget::Budget;
use crate::msg;

mod options;
mod read;

pub use options::{ReconcileRequest, ReconcileUpload};
pub use read::ScopeQuery;
use read::{agree, check_code_length, content_type, read_json, read_upload, scope_of, sheet_findings};

/// The outcome of a reconciliation.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Reconciliation {
    pub scope: ScopeView,
    pub window: DateWindow,
    /// The tolerances applied (the defaults where the request set none).
    pub tolerances: Tolerances,
    /// Size of the transparency log at the time: the ledger the findings were compared with.
    pub log_size: u64,
    pub entries_considered: usize,
    /// Findings per status.
    #[schema(value_type = Object)]
    pub summary: std::collections::BTreeMap<&'static str, usize>,
    /// One per finding, in the order sent.
    pub results: Vec<FindingResult>,
    /// With `include_unmatched_entries`: expense entries in scope and window that no finding
    /// accounts for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unmatched_entries: Option<Vec<EntryBrief>>,
    /// Rows of an uploaded sheet that could not be read, each with its row number and why.
    pub row_errors: Vec<RowError>,
}

/// Reconcile findings with the ledger (inspectors in their rounds, clerks in their township,
/// administrators).
///
/// Send `{"village" | "township", options…, "findings": […]}` as JSON, or a CSV/XLSX sheet as
/// `multipart/form-data` (part `file`, options as form fields). Each finding gets a status:
/// `matched`, `amount_mismatch`, `date_mismatch`, `counterparty_mismatch` (with every
/// difference), `split_match` (up to five entries to one counterparty that add up), `reversed`
/// (the entry was reversed later), `ambiguous` (equally good candidates, all listed) or
/// `not_found`; with the entry ids, a score and the evidence. One entry never satisfies two
/// findings. Sheet rows that cannot be read come back in `row_errors`. A finding whose search
/// hit a bound (see the README) says so in `search_truncated`.
///
/// The scope may also be named in the query string (`?village=` or `?township=`); it is then
/// checked before the body is read. In a sheet upload the scope fields must come before the
/// part `file`. A reconciliation that outlives the request timeout stops and answers 503.
#[utoipa::path(
    tag = "crosscheck",
    security(("bearer" = [])),
    params(ScopeQuery),
    request_body(content(
        (ReconcileRequest = "application/json"),
        (ReconcileUpload = "multipart/form-data")
    )),
    responses(
        (status = 200, description = "One result per finding", body = Reconciliation),
        (status = 400, description = "Malformed JSON or multipart body"),
        (status = 401, description = "No or bad token"),
        (status = 403, description = "Villagers cannot run the cross-check"),
        (status = 404, description = "No such village or township in your scope"),
        (status = 413, description = "Too many findings or too large a file"),
        (status = 415, description = "Neither JSON nor multipart"),
        (status = 422, description = "A bad finding, option or sheet"),
        (status = 503, description = "As many reconciliations as the service runs at once are running, or this one ran out of time; retry after `Retry-After` seconds")
    )
)]
#[post("/crosscheck/reconcile")]
pub async fn post_reconcile(
    state: State,
    caller: Caller,
    req: HttpRequest,
    mut payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    // Dropped with this handler (answered, timed out, client gone): the work stops with it.
    let (budget, _cancel_on_drop) = Budget::start(Duration::from_secs(state.settings.request_timeout_seconds));
    let mut audit = Audit::new("crosscheck.reconcile", Some(&caller.username), &req);
    // Who may reconcile, and where, is settled before a byte of the body is read.
    let early = async {
        require_checker(&caller)?;
        let query = web::Query::<ScopeQuery>::from_query(req.query_string())
            .map_err(|e| ApiError::BadRequest(msg!("problem-query-rejected", reason = e.to_string())))?
            .into_inner();
        agree(&query, None, None)?;
        check_code_length("village", query.village.as_deref())?;
        check_code_length("township", query.township.as_deref())?;
        let pass = state.gates.reconcile.enter()?;
        let scope = if query.named() {
            Some(scope_of(&state, &caller, query.village.clone(), query.township.clone()).await?)
        } else {
            None
        };
        Ok::<_, ApiError>((pass, query, scope))
    };
    let read = async {
        let (pass, query, scope) = early.await?;
        let kind = content_type(&req);
        let read = if kind == "application/json" {
            let (options, scope, findings) = read_json(&state, &caller, &query, scope, &mut payload).await?;
            (options, scope, findings, Vec::new())
        } else if kind == "multipart/form-data" {
            let form = Multipart::new(req.headers(), payload);
            let (options, scope, file) = read_upload(&state, &caller, &query, form).await?;
            let (findings, errors) = sheet_findings(&state, file).await?;
            (options, scope, findings, errors)
        } else {
            return Err(ApiError::UnsupportedMediaType(msg!("reconcile-content-type")));
        };
        Ok((pass, read))
    };
    let (pass, (options, scope, findings, row_errors)) = match read.await {
        Ok(read) => read,
        Err(e) => return Err(audit.refused(&state, e).await),
    };
    match scope.kind {
        ScopeKind::Village => audit.village = Some(scope.code.clone()),
        _ => audit.township = (!scope.code.is_empty()).then(|| scope.code.clone()),
    }
    let st = state.clone();
    let result = web::block(move || -> ApiResult<Reconciliation> {
        // Held until the work stops, even after an answer went out without it.
        let _pass = pass;
        let mut conn = st.pool.get()?;
        let outcome = options.tolerances().and_then(|tol| {
            let window = DateWindow::new(options.from, options.to)?;
            let log_size = crate::tlog::size(&mut conn)?;
            let list = options.include_unmatched_entries.unwrap_or(false);
            let run = Run {
                scope: &scope,
                window,
                tol,
                list_unmatched: list,
                log_size,
                budget: &budget,
            };
            reconcile_response(&st, run, &findings, row_errors)
        });
        let object = outcome.as_ref().ok().map(|r| {
            format!(
                "{} findings, {} matched",
                r.results.len(),
                r.summary.get("matched").unwrap_or(&0)
            )
        });
        audit.record(&mut conn, &outcome, object.as_deref());
        outcome
    })
    .await??;
    Ok(HttpResponse::Ok().json(result))
}

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(post_reconcile);
}

/// What one reconciliation runs over and with.
struct Run<'a> {
    scope: &'a Scope,
    window: DateWindow,
    tol: Tolerances,
    list_unmatched: bool,
    /// Size of the transparency log when it started.
    log_size: u64,
    budget: &'a Budget,
}

/// Builds the reconciliation's answer.
fn reconcile_response(
    state: &State,
    run: Run,
    findings: &[Finding],
    row_errors: Vec<RowError>,
) -> ApiResult<Reconciliation> {
    let Run {
        scope,
        window,
        tol,
        list_unmatched,
        log_size,
        budget,
    } = run;
    let outcome = reconcile(&state.pool, scope, window, findings, &tol, list_unmatched, budget)?;
    let summary = summary(&outcome.results);
    let results: Vec<FindingResult> = outcome.results;
    let unmatched: Option<Vec<EntryBrief>> = list_unmatched.then_some(outcome.unmatched);
    Ok(Reconciliation {
        scope: ScopeView::from(scope),
        window,
        tolerances: tol,
        log_size,
        entries_considered: outcome.entries_considered,
        summary,
        results,
        unmatched_entries: unmatched,
        row_errors,
    })
}
