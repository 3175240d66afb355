//! `POST /api/v1/crosscheck/reconcile`: findings as JSON, or as a CSV/XLSX sheet uploaded with
//! the options as form fields.

use actix_multipart::Multipart;
use actix_web::{HttpRequest, HttpResponse, post, web};
use chrono::NaiveDate;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};

use super::crosscheck::{
    ScopeView, content_type, read_body, reconcile_response, resolve_scope, valid_findings, window,
};
use crate::api::{Audit, State};
use crate::auth::Caller;
use crate::crosscheck::DateWindow;
use crate::crosscheck::findings::{FindingInput, Tolerances};
use crate::crosscheck::reconcile::{EntryBrief, FindingResult};
use crate::crosscheck::sheet::{RowError, SheetFinding, read_findings, sniff_format};
use crate::error::{ApiError, ApiResult, Problem};

/// The options of a reconciliation, whether sent as JSON or as the form fields of a sheet upload.
impl ReconcileRequest {
    fn tolerances(&self) -> ApiResult<Tolerances> {
        let d = Tolerances::default();
        Tolerances {
            date_window_days: self.date_window_days.unwrap_or(d.date_window_days),
            amount_tolerance_fen: self.amount_tolerance_fen.unwrap_or(d.amount_tolerance_fen),
            amount_tolerance_bp: match self.amount_tolerance_percent {
                // A tolerance, not money: the share is kept in whole basis points.
                Some(p) if (0.0..=100.0).contains(&p) => (p * 100.0).round() as i64,
                Some(p) => {
                    return Err(ApiError::Invalid(format!(
                        "amount_tolerance_percent must be between 0 and 100, not {p}"
                    )));
                }
                None => d.amount_tolerance_bp,
            },
            name_similarity: self.name_similarity.unwrap_or(d.name_similarity),
            date_search_days: self
                .date_search_days
                .unwrap_or(d.date_search_days.max(self.date_window_days.unwrap_or(0))),
            max_split_parts: usize::try_from(self.max_split_parts.unwrap_or(d.max_split_parts as i64)).unwrap_or(0),
        }
        .check()
        .map_err(ApiError::Invalid)
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

/// Reads a sheet upload: the part `file` and options as form fields (the findings are in the
/// file, so the request's own `findings` stay empty).
async fn read_upload(state: &State, mut form: Multipart) -> ApiResult<(ReconcileRequest, Vec<u8>)> {
    let max = state.settings.crosscheck_max_bytes;
    let mut options = ReconcileRequest::default();
    let mut file: Option<Vec<u8>> = None;
    while let Some(field) = form.next().await {
        let mut field =
            field.map_err(|e| ApiError::BadRequest(format!("the multipart body could not be read: {e}")))?;
        let name = field.name().unwrap_or("").to_owned();
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
        if name == "file" {
            if file.is_some() {
                return Err(ApiError::Invalid("send one part named `file`".into()));
            }
            file = Some(bytes);
        } else {
            let value = String::from_utf8(bytes).map_err(|_| {
                ApiError::Invalid(format!(
                    "form field `{}` is not UTF-8 text",
                    crate::domain::truncate(&name)
                ))
            })?;
            options.set_field(&name, &value)?;
        }
    }
    let file = file.ok_or_else(|| ApiError::Invalid("send the findings sheet as the part named `file`".into()))?;
    Ok((options, file))
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
/// findings. Sheet rows that cannot be read come back in `row_errors`.
#[utoipa::path(
    tag = "crosscheck",
    security(("bearer" = [])),
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
        (status = 422, description = "A bad finding, option or sheet", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/crosscheck/reconcile")]
pub async fn post_reconcile(
    state: State,
    caller: Caller,
    req: HttpRequest,
    mut payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let mut audit = Audit::new("crosscheck.reconcile", Some(&caller.username), &req);
    let max_findings = state.settings.crosscheck_max_findings;
    let kind = content_type(&req);
    let (options, findings, row_errors) = if kind == "application/json" {
        let body = read_body(&mut payload, state.settings.crosscheck_max_bytes).await?;
        let mut request: ReconcileRequest = super::json::parse(&body)?;
        let findings = valid_findings(std::mem::take(&mut request.findings), max_findings)?;
        (request, findings, Vec::new())
    } else if kind == "multipart/form-data" {
        let (options, file) = read_upload(&state, Multipart::new(req.headers(), payload)).await?;
        let format = sniff_format(&file)
            .ok_or_else(|| ApiError::Invalid("the findings file is neither a UTF-8 CSV nor an XLSX workbook".into()))?;
        let (rows, errors) = web::block(move || read_findings(&file, format, max_findings))
            .await?
            .map_err(|e| ApiError::Invalid(format!("the findings sheet cannot be read: {e}")))?;
        let inputs: Vec<(usize, FindingInput)> = rows.into_iter().map(|r: SheetFinding| (r.row, r.into())).collect();
        let mut findings = Vec::new();
        let mut errors = errors;
        for (row, input) in inputs {
            match input.validate() {
                Ok(mut f) => {
                    f.row = Some(row);
                    findings.push(f);
                }
                Err(message) => errors.push(RowError {
                    row,
                    column: None,
                    message,
                }),
            }
        }
        errors.sort_by_key(|e| e.row);
        (options, findings, errors)
    } else {
        return Err(ApiError::UnsupportedMediaType(
            "send findings as application/json, or a CSV/XLSX sheet as multipart/form-data".into(),
        ));
    };
    let tol = options.tolerances()?;
    let window = window(options.from, options.to)?;
    let st = state.clone();
    let result = web::block(move || -> ApiResult<Reconciliation> {
        let mut conn = st.pool.get()?;
        let scope = resolve_scope(
            &mut conn,
            &caller,
            options.village.as_deref(),
            options.township.as_deref(),
            false,
        );
        audit.village = options.village.clone();
        audit.township = options.township.clone();
        let outcome = scope.and_then(|scope| {
            let log_size = crate::tlog::size(&mut conn)?;
            let list = options.include_unmatched_entries.unwrap_or(false);
            reconcile_response(&st, &scope, window, &findings, tol, list, log_size, row_errors)
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
