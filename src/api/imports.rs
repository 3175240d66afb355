//! Importing a village's books from a CSV or XLSX file (township finance station clerks):
//! authorized from the token and the path before a byte of the file is read, then handed to
//! `exchange::import`, the same function `village-ledger import` calls.

use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, post, web};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};

use crate::api::access::{Access, village_code, village_in_scope};
use crate::api::audit_trail::{Audit, authorize};
use crate::api::params::VillagePath;
use crate::api::problem::{ApiError, ApiResult, PROBLEM_BASE};
use crate::api::state::{State, db};
use crate::auth::Caller;
use crate::auth::scope::require_ledger_writer;
use crate::exchange::ExchangeError;
use crate::exchange::columns::Mapping;
use crate::exchange::import::{ImportOptions, Imported, import_file};
use crate::exchange::report::ImportReport;
use crate::msg;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// Check every row and answer the report; nothing is written.
    pub dry_run: Option<bool>,
    /// Headers of your own, as `field=header` pairs separated by commas (the README lists the
    /// fields and the headers read without it).
    #[param(example = "amount=发生额,counterparty=收款单位", max_length = 1000)]
    pub columns: Option<String>,
}

/// The multipart upload (documentation only).
#[derive(utoipa::ToSchema, Deserialize)]
#[serde(deny_unknown_fields)]
#[expect(dead_code, reason = "documents the multipart body; the handler streams it")]
pub struct ImportUpload {
    /// The books: CSV (UTF-8 with or without BOM, or GB18030) or XLSX, one row per entry.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// A refused import: a problem document with the report.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ImportRefusal {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    pub report: ImportReport,
}

/// Import a village's entries from a CSV or XLSX file (township clerks in scope).
///
/// Multipart part `file`. `dry_run=true` checks every row with the rules of posting and answers
/// the report (200); otherwise every new row is posted, all in one transaction (201). Rows already
/// in the ledger with the same content are counted as `existing`, so the same file twice adds
/// nothing. Any problem refuses the whole file (422, with the report).
#[utoipa::path(
    tag = "ledger",
    security(("bearer" = [])),
    params(VillagePath, ImportQuery),
    request_body(content = ImportUpload, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Imported", body = ImportReport),
        (status = 200, description = "Dry run: the report, nothing written", body = ImportReport),
        (status = 400, description = "Malformed multipart body"),
        (status = 401, description = "No or bad token"),
        (status = 403, description = "Your role cannot import"),
        (status = 404, description = "No such village in your scope"),
        (status = 413, description = "File larger than the upload bound"),
        (status = 422, description = "The file or some of its rows are refused; nothing written", body = ImportRefusal,
            content_type = "application/problem+json")
    )
)]
#[post("/villages/{code}/imports")]
pub async fn post_village_import(
    state: State,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<VillagePath>,
    query: web::Query<ImportQuery>,
    form: Multipart,
) -> Result<HttpResponse, ApiError> {
    let raw_code = path.into_inner().code;
    let mut audit = Audit::new("entries.import", Some(&caller.username), &req);
    audit.village = Some(crate::domain::truncate(&raw_code));
    let who = caller.clone();
    let (code, village) = authorize(&state, &audit, move |conn| {
        require_ledger_writer(&who)?;
        let code = village_code(&raw_code)?;
        let village = village_in_scope(conn, &who, &code, Access::Write)?;
        Ok((code, village))
    })
    .await?;
    audit.township = Some(village.township_code);
    let query = query.into_inner();
    let mapping = Mapping::parse(query.columns.as_deref().unwrap_or_default())
        .map_err(|e| ApiError::from(ExchangeError::BadOverride(e.0)))?;
    let dry_run = query.dry_run.unwrap_or(false);
    let file = read_file_part(form, state.settings.crosscheck_max_bytes).await?;
    let imported = db(&state, move |conn| {
        let options = ImportOptions { dry_run, mapping };
        let result = import_file(conn, &code, &file, options, &caller.username).map_err(ApiError::from);
        if !dry_run {
            let (outcome, sha) = match &result {
                Ok(Imported::Accepted(r)) => ("ok".to_owned(), Some(r.sha256.clone())),
                Ok(Imported::Refused(r)) => ("422".to_owned(), Some(r.sha256.clone())),
                Err(e) => (e.status().to_string(), None),
            };
            audit.record_outcome(conn, &outcome, sha.map(|s| format!("sha256:{s}")).as_deref());
        }
        result
    })
    .await?;
    Ok(match imported {
        Imported::Accepted(report) if report.dry_run => HttpResponse::Ok().json(report),
        Imported::Accepted(report) => HttpResponse::Created().json(report),
        Imported::Refused(report) => refusal(report),
    })
}

fn refusal(report: ImportReport) -> HttpResponse {
    let lang = crate::i18n::current();
    let body = ImportRefusal {
        kind: format!("{PROBLEM_BASE}import-refused"),
        title: msg!("problem-invalid").render(lang),
        status: 422,
        detail: msg!("import-refused", count = report.problems.len() + report.more_problems).render(lang),
        report,
    };
    HttpResponse::UnprocessableEntity()
        .insert_header((header::CONTENT_TYPE, "application/problem+json"))
        .body(serde_json::to_vec(&body).unwrap_or_default())
}

/// The part `file` of the form, up to `max` bytes (413 past it); other parts are refused.
async fn read_file_part(mut form: Multipart, max: usize) -> ApiResult<Vec<u8>> {
    let mut file = None;
    while let Some(field) = form.next().await {
        let mut field =
            field.map_err(|e| ApiError::BadRequest(msg!("problem-multipart-unreadable", reason = e.to_string())))?;
        if field.name() != Some("file") || file.is_some() {
            return Err(ApiError::BadRequest(msg!("import-one-file-part")));
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|e| ApiError::BadRequest(msg!("problem-upload-cut", reason = e.to_string())))?;
            if bytes.len() + chunk.len() > max {
                return Err(ApiError::PayloadTooLarge(msg!(
                    "reconcile-part-too-large",
                    part = "file",
                    limit = max
                )));
            }
            bytes.extend_from_slice(&chunk);
        }
        file = Some(bytes);
    }
    file.ok_or_else(|| ApiError::BadRequest(msg!("import-no-file-part")))
}

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(post_village_import);
}
