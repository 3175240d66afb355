//! `POST /api/v1/crosscheck/reconcile`: findings as JSON, or as a CSV/XLSX sheet uploaded with
//! the options as form fields.

use actix_multipart::Multipart;
use actix_web::{HttpRequest, HttpResponse, post, web};
use chrono::NaiveDate;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use std::time::Duration;

use super::crosscheck::{Run, ScopeView, content_type, read_body, reconcile_response};
use crate::api::problem::{ApiError, ApiResult, Problem};
use crate::api::{Audit, State, db, today};
use crate::auth::Caller;
use crate::crosscheck::CrosscheckError;
use crate::crosscheck::findings::{self, Finding, FindingInput, ToleranceOptions, Tolerances, check_findings};
use crate::crosscheck::reconcile::{EntryBrief, FindingResult};
use crate::crosscheck::scope::{require_checker, resolve_scope};
use crate::crosscheck::sheet::{RowError, read_findings, sniff_format};
use crate::crosscheck::{DateWindow, Scope, ScopeKind};
use crate::domain::budget::Budget;

/// The options of a reconciliation, whether sent as JSON or as the form fields of a sheet upload.
impl ReconcileRequest {
    fn tolerances(&self) -> ApiResult<Tolerances> {
        Ok(Tolerances::from_options(ToleranceOptions {
            date_window_days: self.date_window_days,
            amount_tolerance_fen: self.amount_tolerance_fen,
            amount_tolerance_percent: self.amount_tolerance_percent,
            name_similarity: self.name_similarity,
            date_search_days: self.date_search_days,
            max_split_parts: self.max_split_parts,
        })?)
    }

    /// Reads one form field of a sheet upload.
    fn set_field(&mut self, name: &str, value: &str) -> ApiResult<()> {
        let bad = |what: &str| {
            ApiError::Invalid(format!(
                "form field `{name}`: `{}` is not {what}",
                crate::domain::truncate(value)
            ))
        };
        let int = |what: &str| value.trim().parse::<i64>().map_err(|_| bad(what));
        let date = || {
            value
                .trim()
                .parse::<NaiveDate>()
                .map_err(|_| bad("a date like 2024-05-14"))
        };
        let text = || (!value.trim().is_empty()).then(|| value.trim().to_owned());
        match name {
            "village" => self.village = text(),
            "township" => self.township = text(),
            "from" => self.from = Some(date()?),
            "to" => self.to = Some(date()?),
            "date_window_days" => self.date_window_days = Some(int("a number of days")?),
            "amount_tolerance_fen" => self.amount_tolerance_fen = Some(int("an amount in fen")?),
            "amount_tolerance_percent" => {
                self.amount_tolerance_percent = Some(value.trim().parse().map_err(|_| bad("a percentage"))?)
            }
            "name_similarity" => {
                self.name_similarity = Some(value.trim().parse().map_err(|_| bad("a number from 0 to 1"))?)
            }
            "date_search_days" => self.date_search_days = Some(int("a number of days")?),
            "max_split_parts" => self.max_split_parts = Some(int("a number from 2 to 5")?),
            "include_unmatched_entries" => {
                self.include_unmatched_entries = Some(match value.trim() {
                    "true" | "1" | "yes" | "on" => true,
                    "false" | "0" | "no" | "off" | "" => false,
                    _ => return Err(bad("true or false")),
                })
            }
            _ => {
                return Err(ApiError::Invalid(format!(
                    "unexpected form field `{}`: send `file` and the options of the JSON request",
                    crate::domain::truncate(name)
                )));
            }
        }
        Ok(())
    }
}

/// Findings as JSON, with the scope, window and tolerances of the reconciliation.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "village": "331022003201",
    "findings": [
        {"ref": "F-07", "date": "2024-08-16", "amount_fen": 1000000, "counterparty": "叶某某"}
    ]
}))]
pub struct ReconcileRequest {
    /// The village to reconcile against (or `township`).
    #[schema(pattern = r"^[0-9]{12}$", example = "331022003201")]
    pub village: Option<String>,
    /// The township to reconcile against (or `village`).
    #[schema(pattern = r"^[0-9]{12}$")]
    pub township: Option<String>,
    /// Only entries on or after this date.
    pub from: Option<NaiveDate>,
    /// Only entries on or before this date.
    pub to: Option<NaiveDate>,
    /// Days either side of a finding's date (default 14).
    #[schema(minimum = 0, maximum = 366)]
    #[serde(default, deserialize_with = "whole")]
    pub date_window_days: Option<i64>,
    /// Smallest amount tolerance in fen (default 200).
    #[schema(minimum = 0, maximum = 100_000_000)]
    #[serde(default, deserialize_with = "whole")]
    pub amount_tolerance_fen: Option<i64>,
    /// Amount tolerance in percent of the finding's amount (default 1).
    #[schema(minimum = 0, maximum = 100)]
    pub amount_tolerance_percent: Option<f64>,
    /// Counterparty similarity from which names are the same (default 0.8).
    #[schema(minimum = 0, maximum = 1)]
    pub name_similarity: Option<f64>,
    /// Days a payment of the right amount and counterparty may be away (default 90).
    #[schema(minimum = 0, maximum = 3660)]
    #[serde(default, deserialize_with = "whole")]
    pub date_search_days: Option<i64>,
    /// Most entries of a split payment (default 5).
    #[schema(minimum = 2, maximum = 5)]
    #[serde(default, deserialize_with = "whole")]
    pub max_split_parts: Option<i64>,
    /// Also list the expense entries no finding accounts for (default false).
    pub include_unmatched_entries: Option<bool>,
    /// At most 20,000 findings (the service's setting).
    pub findings: Vec<FindingInput>,
}

/// A whole number however written (`3`, `3.0`, `3e0`), read from its exact text.
fn whole<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    let number = Option::<serde_json::Number>::deserialize(deserializer)?;
    number
        .map(|n| {
            crate::domain::parse_whole_number(n.as_str())
                .ok_or_else(|| serde::de::Error::custom(format!("{n} is not a whole number")))
        })
        .transpose()
}

/// Findings as a spreadsheet (documentation of the multipart body).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[expect(
    dead_code,
    reason = "documents the multipart body; the handler reads it part by part"
)]
pub struct ReconcileUpload {
    /// A CSV (UTF-8) or XLSX file with a header row, Chinese or English headers: 编号/ref,
    /// 日期/date, 金额(元)/amount (yuan, exact) or amount_fen, 收款人/counterparty, 摘要/description,
    /// 凭证号/voucher_no, 发票号码/invoice_number.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    // The options of the JSON request, each a form field of its own (see `ReconcileRequest`).
    #[schema(pattern = r"^[0-9]{12}$")]
    village: Option<String>,
    #[schema(pattern = r"^[0-9]{12}$")]
    township: Option<String>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    #[schema(minimum = 0, maximum = 366)]
    date_window_days: Option<i64>,
    #[schema(minimum = 0, maximum = 100_000_000)]
    amount_tolerance_fen: Option<i64>,
    #[schema(minimum = 0, maximum = 100)]
    amount_tolerance_percent: Option<f64>,
    #[schema(minimum = 0, maximum = 1)]
    name_similarity: Option<f64>,
    #[schema(minimum = 0, maximum = 3660)]
    date_search_days: Option<i64>,
    #[schema(minimum = 2, maximum = 5)]
    max_split_parts: Option<i64>,
    include_unmatched_entries: Option<bool>,
}

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

/// The scope of a reconciliation named in the query string, so it is checked before the body
/// is read.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ScopeQuery {
    /// The village to reconcile against; checked before the body is read.
    #[param(pattern = r"^[0-9]{12}$", example = "331022003201")]
    pub village: Option<String>,
    /// The township to reconcile against; checked before the body is read.
    #[param(pattern = r"^[0-9]{12}$")]
    pub township: Option<String>,
}

impl ScopeQuery {
    fn named(&self) -> bool {
        self.village.is_some() || self.township.is_some()
    }
}

/// A scope option longer than a division code is refused before it is looked at, stored or
/// echoed anywhere.
fn check_code_length(name: &str, value: Option<&str>) -> ApiResult<()> {
    match value {
        Some(v) if v.len() > 12 => Err(ApiError::NotFound(format!(
            "`{name}` must be a 12-digit division code, not {} bytes",
            v.len()
        ))),
        _ => Ok(()),
    }
}

/// The scope in the body must be the one the query string named, if it named one.
fn agree(query: &ScopeQuery, village: Option<&str>, township: Option<&str>) -> ApiResult<()> {
    check_code_length("village", village)?;
    check_code_length("township", township)?;
    let named_here = village.is_some() || township.is_some();
    if query.named() && named_here && (query.village.as_deref(), query.township.as_deref()) != (village, township) {
        return Err(ApiError::Invalid(
            "the body names another scope than the query string; name it once".into(),
        ));
    }
    Ok(())
}

/// Resolves the named scope against the caller's (404 outside it).
async fn scope_of(
    state: &State,
    caller: &Caller,
    village: Option<String>,
    township: Option<String>,
) -> ApiResult<Scope> {
    let caller = caller.clone();
    db(state, move |conn| {
        Ok(resolve_scope(
            conn,
            &caller,
            village.as_deref(),
            township.as_deref(),
            false,
            today(),
        )?)
    })
    .await
}

/// Reads a sheet upload: options as form fields, then the part `file`. The scope must be known
/// (from the query string or the fields before `file`) and is checked before a byte of the
/// file is read.
async fn read_upload(
    state: &State,
    caller: &Caller,
    query: &ScopeQuery,
    mut form: Multipart,
) -> ApiResult<(ReconcileRequest, Scope, Vec<u8>)> {
    let max = state.settings.crosscheck_max_bytes;
    let mut options = ReconcileRequest {
        village: query.village.clone(),
        township: query.township.clone(),
        ..Default::default()
    };
    let mut found: Option<(Scope, Vec<u8>)> = None;
    while let Some(field) = form.next().await {
        let mut field =
            field.map_err(|e| ApiError::BadRequest(format!("the multipart body could not be read: {e}")))?;
        let name = field.name().unwrap_or("").to_owned();
        let scope = if name == "file" {
            if found.is_some() {
                return Err(ApiError::Invalid("send one part named `file`".into()));
            }
            if options.village.is_none() && options.township.is_none() {
                return Err(ApiError::Invalid(
                    "name the village or township (query string, or a form field before the part `file`)".into(),
                ));
            }
            Some(scope_of(state, caller, options.village.clone(), options.township.clone()).await?)
        } else {
            None
        };
        let limit = if name == "file" { max } else { 1024 };
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|e| ApiError::BadRequest(format!("the upload was cut off: {e}")))?;
            if bytes.len() + chunk.len() > limit {
                return Err(ApiError::PayloadTooLarge(format!(
                    "the part `{}` is larger than {limit} bytes",
                    crate::domain::truncate(&name)
                )));
            }
            bytes.extend_from_slice(&chunk);
        }
        if let Some(scope) = scope {
            found = Some((scope, bytes));
        } else {
            let value = String::from_utf8(bytes).map_err(|_| {
                ApiError::Invalid(format!(
                    "form field `{}` is not UTF-8 text",
                    crate::domain::truncate(&name)
                ))
            })?;
            let before = (options.village.clone(), options.township.clone());
            options.set_field(&name, &value)?;
            if found.is_some() && (options.village.clone(), options.township.clone()) != before {
                return Err(ApiError::Invalid("name the scope before the part `file`".into()));
            }
            agree(query, options.village.as_deref(), options.township.as_deref())?;
        }
    }
    let (scope, file) =
        found.ok_or_else(|| ApiError::Invalid("send the findings sheet as the part named `file`".into()))?;
    Ok((options, scope, file))
}

/// A JSON body, read up to the limit; its scope is checked before its findings are.
async fn read_json(
    state: &State,
    caller: &Caller,
    query: &ScopeQuery,
    scope: Option<Scope>,
    payload: &mut web::Payload,
) -> ApiResult<(ReconcileRequest, Scope, Vec<Finding>)> {
    let body = read_body(payload, state.settings.crosscheck_max_bytes).await?;
    let mut request: ReconcileRequest = super::json::parse(&body)?;
    drop(body);
    agree(query, request.village.as_deref(), request.township.as_deref())?;
    let scope = match scope {
        Some(scope) => scope,
        None => scope_of(state, caller, request.village.clone(), request.township.clone()).await?,
    };
    let findings = check_findings(
        std::mem::take(&mut request.findings),
        state.settings.crosscheck_max_findings,
    )?;
    Ok((request, scope, findings))
}

/// The findings of a sheet, each row checked; unreadable rows become `row_errors`.
async fn sheet_findings(state: &State, file: Vec<u8>) -> ApiResult<(Vec<Finding>, Vec<RowError>)> {
    let max_findings = state.settings.crosscheck_max_findings;
    let format = sniff_format(&file).ok_or(CrosscheckError::UnknownSheetFormat)?;
    let (rows, errors) = web::block(move || read_findings(&file, format, max_findings))
        .await?
        .map_err(CrosscheckError::Sheet)?;
    Ok(findings::sheet_findings(rows, errors))
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
        (status = 400, description = "Malformed JSON or multipart body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or bad token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Villagers cannot run the cross-check", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such village or township in your scope", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Too many findings or too large a file", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Neither JSON nor multipart", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad finding, option or sheet", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "As many reconciliations as the service runs at once are running, or this one ran out of time; retry after `Retry-After` seconds", body = Problem, content_type = "application/problem+json")
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
            .map_err(|e| ApiError::BadRequest(format!("the query string is not acceptable: {e}")))?
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
            return Err(ApiError::UnsupportedMediaType(
                "send findings as application/json, or a CSV/XLSX sheet as multipart/form-data".into(),
            ));
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
