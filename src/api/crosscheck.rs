//! The cross-check for inspection groups: reconcile findings (JSON, CSV or XLSX) with the
//! ledger, and red flags over a scope. Inspectors see their open rounds' villages, clerks their
//! township, administrators the county; villagers are refused (403).

use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::api::clock::today;
use crate::api::crosscheck_scope::ScopeView;
use crate::api::problem::{ApiError, ApiResult};
use crate::api::state::State;
use crate::auth::Caller;
use crate::crosscheck::DateWindow;
use crate::crosscheck::findings::Tolerances;
use crate::crosscheck::flags::{Flag, compute_flags, rule_names, select_rules};
use crate::crosscheck::scope::{require_checker, resolve_flag_scope};
use crate::domain::budget::Budget;
use crate::msg;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FlagQuery {
    /// One village (12 digits).
    #[param(pattern = r"^[0-9]{12}$", example = "331022002201")]
    pub village: Option<String>,
    /// One township (12 digits); with neither, every village you see.
    #[param(pattern = r"^[0-9]{12}$", example = "331022002000")]
    pub township: Option<String>,
    /// One inspection round, by id: the villages of its townships and its own villages
    /// (administrators, and the round's inspectors while it is open); not with `village` or
    /// `township`.
    #[param(max_length = 80, example = "in_01hzy3k9d2m4q6r8t0v2x4z6b8")]
    pub inspection: Option<String>,
    /// Earliest `occurred_on`, inclusive.
    pub from: Option<NaiveDate>,
    /// Latest `occurred_on`, inclusive.
    pub to: Option<NaiveDate>,
    /// Comma-separated rule names (default: every rule).
    #[param(example = "split_payment,duplicate_payment", max_length = 400)]
    pub rules: Option<String>,
    /// Most flags returned, 1–5000 (default 500); `counts` covers them all.
    #[param(minimum = 1, maximum = 5000)]
    pub limit: Option<i64>,
    /// Flags to skip, for the next part of a long list.
    #[param(minimum = 0, maximum = 10_000_000)]
    pub offset: Option<i64>,
}

/// Red flags over a scope.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FlagReport {
    pub scope: ScopeView,
    pub window: DateWindow,
    /// Rules run.
    pub rules: Vec<&'static str>,
    /// Flags per rule, all of them (also those past `limit`).
    #[schema(value_type = Object)]
    pub counts: std::collections::BTreeMap<&'static str, usize>,
    pub total: usize,
    /// Entries looked at.
    pub entries: usize,
    /// Size of the transparency log when the flags were computed: the ledger they describe.
    pub log_size: u64,
    /// By severity, village, date and rule.
    pub flags: Vec<Flag>,
    /// Pass as `offset` for the rest; null when this is the end.
    pub next_offset: Option<usize>,
}

/// Red flags: patterns in the ledger that deserve an inspector's look, each with the entries
/// and receipts involved, a one-sentence explanation and the figures behind it.
///
/// Rules: `missing_receipt`, `receipt_reused`, `invoice_reused`, `invoice_mismatch`,
/// `duplicate_payment`, `split_payment`, `round_amount`, `late_posting`, `voucher_gap`,
/// `offday_hospitality`, `tender_threshold`, `benford`. Thresholds are the service's
/// configuration (`GET /api/v1/crosscheck/rules`).
#[utoipa::path(
    tag = "crosscheck",
    security(("bearer" = [])),
    params(FlagQuery),
    responses(
        (status = 200, description = "The flags", body = FlagReport),
        (status = 400, description = "Bad query string"),
        (status = 401, description = "No or bad token"),
        (status = 403, description = "Villagers cannot run the cross-check"),
        (status = 404, description = "No such village, township or inspection round in your scope"),
        (status = 409, description = "The inspection round is closed (its inspectors no longer read its villages)"),
        (status = 422, description = "Unknown rule, more than one scope named, or a bad window or limit"),
        (status = 503, description = "As many flag runs as the service runs at once are running, or this one ran out of time; retry after `Retry-After` seconds")
    )
)]
#[get("/crosscheck/flags")]
pub async fn get_flags(state: State, caller: Caller, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    // Dropped with this handler (answered, timed out, client gone): the rules stop with it.
    let (budget, _cancel_on_drop) =
        Budget::start(std::time::Duration::from_secs(state.settings.request_timeout_seconds));
    // The role first: a villager learns nothing from how the query string is judged.
    require_checker(&caller)?;
    let q = web::Query::<FlagQuery>::from_query(req.query_string())
        .map_err(|e| ApiError::BadRequest(msg!("problem-query-rejected", reason = e.to_string())))?
        .into_inner();
    let limit = q.limit.unwrap_or(500);
    if !(1..=5000).contains(&limit) {
        return Err(ApiError::Invalid(msg!("problem-limit-range", max = 5000)));
    }
    let offset = q.offset.unwrap_or(0);
    if !(0..=10_000_000).contains(&offset) {
        return Err(ApiError::Invalid(msg!("problem-offset-range", max = 10_000_000)));
    }
    let offset = offset as usize;
    let window = DateWindow::new(q.from, q.to)?;
    let rules = select_rules(q.rules.as_deref())?;
    let pass = state.gates.flags.enter()?;
    let st = state.clone();
    let report = web::block(move || -> ApiResult<FlagReport> {
        // Held until the rules stop, even after an answer went out without them.
        let _pass = pass;
        let (scope, log_size) = {
            let mut conn = st.pool.get()?;
            let scope = resolve_flag_scope(
                &mut conn,
                &caller,
                q.inspection.as_deref(),
                q.village.as_deref(),
                q.township.as_deref(),
                today(),
            )?;
            (scope, crate::tlog::size(&mut conn)?)
        };
        let run = compute_flags(
            &st.pool,
            &scope,
            window,
            &rules,
            &st.settings.flags,
            crate::domain::clock::now_utc(),
            offset.saturating_add(limit as usize),
            &budget,
        )?;
        let total = run.total;
        let flags: Vec<Flag> = run.flags.into_iter().skip(offset).take(limit as usize).collect();
        let next_offset = (offset + flags.len() < total).then_some(offset + flags.len());
        Ok(FlagReport {
            scope: ScopeView::from(&scope),
            window,
            rules: rules.iter().map(|r| r.name()).collect(),
            counts: run.counts,
            total,
            entries: run.entries,
            log_size,
            flags,
            next_offset,
        })
    })
    .await??;
    Ok(HttpResponse::Ok().json(report))
}

/// The rules and the thresholds this service runs them with.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RuleList {
    pub rules: Vec<&'static str>,
    /// Every threshold, by its setting name; amounts in fen.
    #[schema(value_type = Object)]
    pub thresholds: serde_json::Value,
    /// The reconciliation's default tolerances.
    pub reconcile_defaults: Tolerances,
}

/// The red-flag rules and their configured thresholds, and the reconciliation's default
/// tolerances.
#[utoipa::path(
    tag = "crosscheck",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Rules and thresholds", body = RuleList),
        (status = 401, description = "No or bad token"),
        (status = 403, description = "Villagers cannot run the cross-check")
    )
)]
#[get("/crosscheck/rules")]
pub async fn get_rules(state: State, caller: Caller) -> Result<HttpResponse, ApiError> {
    require_checker(&caller)?;
    let s = &state.settings.flags;
    Ok(HttpResponse::Ok().json(RuleList {
        rules: rule_names(),
        thresholds: serde_json::json!({
            "missing_receipt_min_fen": s.missing_receipt_min_fen,
            "missing_receipt_days": s.missing_receipt_days,
            "receipts_required_from": s.receipts_required_from,
            "phash_max_distance": s.phash_max_distance,
            "invoice_vat_max_percent": s.invoice_vat_max_percent,
            "invoice_date_days": s.invoice_date_days,
            "duplicate_days": s.duplicate_days,
            "duplicate_min_fen": s.duplicate_min_fen,
            "duplicate_small_min_fen": s.duplicate_small_min_fen,
            "duplicate_small_days": s.duplicate_small_days,
            "split_days": s.split_days,
            "approval_limit_fen": s.approval_limit_fen,
            "split_piece_percent": s.split_piece_percent,
            "split_small_piece_percent": s.split_small_piece_percent,
            "round_amount_fen": s.round_amount_fen,
            "late_posting_days": s.late_posting_days,
            "tender_threshold_fen": s.tender_threshold_fen,
            "benford_min_amounts": s.benford_min_amounts,
        }),
        reconcile_defaults: Tolerances::default(),
    }))
}

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(get_flags).service(get_rules);
}
