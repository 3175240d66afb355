//! Reading a reconciliation request: the scope named in the query string, a JSON body or a
//! sheet upload, each refused as early as it can be.

use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{HttpRequest, web};
use futures_util::StreamExt;
use serde::Deserialize;

use super::options::ReconcileRequest;
use crate::api::clock::today;
use crate::api::problem::{ApiError, ApiResult};
use crate::api::state::{State, db};
use crate::auth::Caller;
use crate::crosscheck::CrosscheckError;
use crate::crosscheck::Scope;
use crate::crosscheck::findings::{self, Finding, check_findings};
use crate::crosscheck::scope::resolve_scope;
use crate::crosscheck::sheet::{RowError, read_findings, sniff_format};
use crate::msg;

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
    pub(super) fn named(&self) -> bool {
        self.village.is_some() || self.township.is_some()
    }
}

/// A scope option longer than a division code is refused before it is looked at, stored or
/// echoed anywhere.
pub(super) fn check_code_length(name: &str, value: Option<&str>) -> ApiResult<()> {
    match value {
        Some(v) if v.len() > 12 => Err(ApiError::NotFound(msg!(
            "reconcile-code-too-long",
            name = name,
            bytes = v.len()
        ))),
        _ => Ok(()),
    }
}

/// The scope in the body must be the one the query string named, if it named one.
pub(super) fn agree(query: &ScopeQuery, village: Option<&str>, township: Option<&str>) -> ApiResult<()> {
    check_code_length("village", village)?;
    check_code_length("township", township)?;
    let named_here = village.is_some() || township.is_some();
    if query.named() && named_here && (query.village.as_deref(), query.township.as_deref()) != (village, township) {
        return Err(ApiError::Invalid(msg!("reconcile-scope-twice")));
    }
    Ok(())
}

/// Resolves the named scope against the caller's (404 outside it).
pub(super) async fn scope_of(
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
pub(super) async fn read_upload(
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
            field.map_err(|e| ApiError::BadRequest(msg!("problem-multipart-unreadable", reason = e.to_string())))?;
        let name = field.name().unwrap_or("").to_owned();
        let scope = if name == "file" {
            if found.is_some() {
                return Err(ApiError::Invalid(msg!("reconcile-one-file-part")));
            }
            if options.village.is_none() && options.township.is_none() {
                return Err(ApiError::Invalid(msg!("reconcile-scope-before-file")));
            }
            Some(scope_of(state, caller, options.village.clone(), options.township.clone()).await?)
        } else {
            None
        };
        let limit = if name == "file" { max } else { 1024 };
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|e| ApiError::BadRequest(msg!("problem-upload-cut", reason = e.to_string())))?;
            if bytes.len() + chunk.len() > limit {
                return Err(ApiError::PayloadTooLarge(msg!(
                    "reconcile-part-too-large",
                    part = crate::domain::truncate(&name),
                    limit = limit
                )));
            }
            bytes.extend_from_slice(&chunk);
        }
        if let Some(scope) = scope {
            found = Some((scope, bytes));
        } else {
            let value = String::from_utf8(bytes).map_err(|_| {
                ApiError::Invalid(msg!("reconcile-field-not-utf8", field = crate::domain::truncate(&name)))
            })?;
            let before = (options.village.clone(), options.township.clone());
            options.set_field(&name, &value)?;
            if found.is_some() && (options.village.clone(), options.township.clone()) != before {
                return Err(ApiError::Invalid(msg!("reconcile-scope-before-file")));
            }
            agree(query, options.village.as_deref(), options.township.as_deref())?;
        }
    }
    let (scope, file) = found.ok_or_else(|| ApiError::Invalid(msg!("reconcile-no-file-part")))?;
    Ok((options, scope, file))
}

/// A JSON body, read up to the limit; its scope is checked before its findings are.
pub(super) async fn read_json(
    state: &State,
    caller: &Caller,
    query: &ScopeQuery,
    scope: Option<Scope>,
    payload: &mut web::Payload,
) -> ApiResult<(ReconcileRequest, Scope, Vec<Finding>)> {
    let body = read_body(payload, state.settings.crosscheck_max_bytes).await?;
    let mut request: ReconcileRequest = crate::api::json::parse(&body)?;
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
pub(super) async fn sheet_findings(state: &State, file: Vec<u8>) -> ApiResult<(Vec<Finding>, Vec<RowError>)> {
    let max_findings = state.settings.crosscheck_max_findings;
    let format = sniff_format(&file).ok_or(CrosscheckError::UnknownSheetFormat)?;
    let (rows, errors) = web::block(move || read_findings(&file, format, max_findings))
        .await?
        .map_err(CrosscheckError::Sheet)?;
    Ok(findings::sheet_findings(rows, errors))
}

/// Reads a whole request body up to `limit` bytes (413 past it).
pub(super) async fn read_body(payload: &mut web::Payload, limit: usize) -> ApiResult<web::BytesMut> {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::BadRequest(msg!("problem-body-unreadable", reason = e.to_string())))?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge(msg!(
                "reconcile-findings-too-large",
                limit = limit
            )));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

pub(super) fn content_type(req: &HttpRequest) -> String {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|m| m.trim().to_ascii_lowercase())
        .unwrap_or_default()
}
