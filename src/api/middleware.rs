//! Cross-cutting HTTP behaviour: problem documents for every error (also actix's own), ETags
//! with 304 answers, request logging with a request id, and extractor error handlers.

use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody, to_bytes};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse, error, web};
use sha2::{Digest, Sha256};

use crate::api::problem::{ApiError, problem_response};
use crate::i18n::Lang;
use crate::msg;

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err, _req| {
        ApiError::BadRequest(msg!("problem-query-rejected", reason = err.to_string())).into()
    })
}

pub fn path_config() -> web::PathConfig {
    web::PathConfig::default()
        .error_handler(|err, _req| ApiError::NotFound(msg!("problem-path-rejected", reason = err.to_string())).into())
}

/// The routes of the app and their methods, to tell 405 from 404.
pub struct RouteTable(pub Vec<(actix_web::dev::ResourceDef, Vec<String>)>);

impl RouteTable {
    pub fn from_openapi(api: &utoipa::openapi::OpenApi) -> Self {
        let routes = api
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let doc = serde_json::to_value(item).unwrap_or_default();
                let mut methods: Vec<String> = doc
                    .as_object()
                    .map(|o| {
                        o.keys()
                            .filter(|k| k.chars().all(|c| c.is_ascii_lowercase()))
                            .map(|k| k.to_ascii_uppercase())
                            .collect()
                    })
                    .unwrap_or_default();
                methods.retain(|m| matches!(m.as_str(), "GET" | "POST" | "PUT" | "PATCH" | "DELETE"));
                (actix_web::dev::ResourceDef::new(path.as_str()), methods)
            })
            .collect();
        RouteTable(routes)
    }
}

/// Answers requests no route took: 405 with `Allow` when the path exists with other methods,
/// otherwise 404.
pub async fn not_found(req: HttpRequest) -> HttpResponse {
    let allowed = req.app_data::<web::Data<RouteTable>>().and_then(|table| {
        table
            .0
            .iter()
            .find(|(def, _)| def.is_match(req.path()))
            .map(|(_, methods)| methods.join(", "))
    });
    if let Some(allow) = allowed {
        let error = ApiError::MethodNotAllowed(msg!(
            "problem-method-on-path",
            method = req.method().as_str(),
            path = crate::domain::truncate(req.path()),
            allow = allow.as_str()
        ));
        let mut res = problem_response(&error.problem());
        if let Ok(value) = HeaderValue::from_str(&allow) {
            res.headers_mut().insert(header::ALLOW, value);
        }
        return res;
    }
    let error = ApiError::NotFound(msg!(
        "problem-no-route",
        method = req.method().as_str(),
        path = crate::domain::truncate(req.path())
    ));
    problem_response(&error.problem())
}

fn is_problem(res: &ServiceResponse<impl MessageBody>) -> bool {
    res.headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"))
}

/// Turns any error response that is not yet a problem document (actix's own 404/405/413, a
/// body that failed to stream, …) into one.
pub async fn problems(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let res = match next.call(req).await {
        Ok(res) => res,
        Err(e) => return Err(e),
    };
    let status = res.status();
    if status.as_u16() < 400 || is_problem(&res) {
        return Ok(res.map_into_boxed_body());
    }
    let api = match status {
        StatusCode::NOT_FOUND => ApiError::NotFound(msg!("problem-no-such-resource")),
        StatusCode::METHOD_NOT_ALLOWED => ApiError::MethodNotAllowed(msg!("problem-method-not-allowed-here")),
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge(msg!("problem-body-too-large")),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::UnsupportedMediaType(msg!("problem-content-type-rejected")),
        s if s.is_server_error() => ApiError::Internal(format!("unhandled {s}")),
        _ => ApiError::BadRequest(msg!("problem-unreadable")),
    };
    let mut problem = api.problem();
    problem.status = status.as_u16();
    let (req, _) = res.into_parts();
    Ok(ServiceResponse::new(req, problem_response(&problem)))
}

/// The caller's language, from `Accept-Language`: every text of the answer is rendered in it
/// ([`crate::i18n::current`]), errors raised by the middlewares inside included, and an API
/// answer says so (`Content-Language`, `Vary: Accept-Language`). Machine-readable fields never
/// change with the language.
pub async fn language(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let lang = Lang::negotiate(req.headers().get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()));
    let api = req.path().starts_with("/api/");
    let say_language = |headers: &mut header::HeaderMap| {
        if !api {
            return;
        }
        headers.append(header::VARY, HeaderValue::from_static("Accept-Language"));
        let json = headers.get(header::CONTENT_TYPE).is_some_and(|v| {
            let v = v.as_bytes();
            v.starts_with(b"application/json") || v.starts_with(b"application/problem+json")
        });
        if json {
            headers.insert(header::CONTENT_LANGUAGE, HeaderValue::from_static(lang.tag()));
        }
    };
    match crate::i18n::scope(lang, next.call(req)).await {
        Ok(res) => {
            let mut res = res.map_into_boxed_body();
            say_language(res.headers_mut());
            Ok(res)
        }
        // An error raised by a middleware inside: its answer is rendered here, in the caller's
        // language, and travels up ready-made.
        Err(e) => {
            let mut answer = crate::i18n::with(lang, || e.error_response());
            say_language(answer.headers_mut());
            Err(error::InternalError::from_response(e.to_string(), answer).into())
        }
    }
}

/// Whether an `If-None-Match` value names `etag` (weak comparison) or is `*`.
pub fn etag_matches(if_none_match: &HeaderValue, etag: &str) -> bool {
    if_none_match.to_str().is_ok_and(|v| {
        v.split(',').any(|t| {
            let t = t.trim();
            t == "*" || t == etag || t.trim_start_matches("W/") == etag.trim_start_matches("W/")
        })
    })
}

/// A weak ETag over the response body of every successful GET, and 304 when the client
/// already has it. Bodies are hashed before compression, so one tag serves every encoding.
pub async fn etag(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let cacheable = matches!(*req.method(), Method::GET | Method::HEAD);
    let if_none_match = req.headers().get(header::IF_NONE_MATCH).cloned();
    let res = next.call(req).await?;
    if !cacheable || res.status() != StatusCode::OK || res.headers().contains_key(header::ETAG) {
        return Ok(res.map_into_boxed_body());
    }
    // A streamed body (an export) is never held whole to hash it.
    if matches!(res.response().body().size(), actix_web::body::BodySize::Stream) {
        return Ok(res.map_into_boxed_body());
    }
    let (req, res) = res.into_parts();
    let (mut head, body) = res.into_parts();
    let bytes = to_bytes(body)
        .await
        .map_err(|_| error::ErrorInternalServerError("body"))?;
    let digest = Sha256::digest(&bytes);
    let tag: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    let etag = format!("W/\"{tag}\"");
    let matches = if_none_match.as_ref().is_some_and(|v| etag_matches(v, &etag));
    if let Ok(value) = HeaderValue::from_str(&etag) {
        head.headers_mut().insert(header::ETAG, value);
    }
    if !head.headers().contains_key(header::CACHE_CONTROL) {
        head.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
    }
    let res = if matches {
        let mut not_modified = HttpResponse::NotModified();
        for (name, value) in head.headers().iter() {
            if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
                not_modified.insert_header((name.clone(), value.clone()));
            }
        }
        not_modified.finish()
    } else {
        let mut res = HttpResponse::with_body(head.status(), BoxBody::new(bytes));
        *res.headers_mut() = head.headers().clone();
        res
    };
    Ok(ServiceResponse::new(req, res))
}

/// One log line per request: method, path, status, latency and a request id (taken from
/// `X-Request-Id` when sane, otherwise generated), echoed back in `X-Request-Id`.
pub async fn request_log(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty() && v.len() <= 64 && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
        .map(str::to_owned)
        .unwrap_or_else(|| crate::domain::ids::new_id("rq"));
    let method = req.method().clone();
    let route = req.match_pattern().unwrap_or_else(|| "unmatched".into());
    let state = req.app_data::<crate::api::state::State>().cloned();
    let mut res = next.call(req).await?;
    if let Some(state) = state {
        state
            .metrics
            .observe(method.as_str(), &route, res.status().as_u16(), started.elapsed());
    }
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        res.headers_mut()
            .insert(header::HeaderName::from_static("x-request-id"), value);
    }
    tracing::info!(
        request_id = %request_id,
        method = %method,
        route = %route,
        status = res.status().as_u16(),
        latency_ms = started.elapsed().as_secs_f64() * 1000.0,
        "request"
    );
    Ok(res)
}

/// Answers 503 when a request runs longer than the configured timeout. Database work already
/// handed to the blocking pool finishes (and commits or rolls back) on its own.
pub async fn timeout(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let seconds = req
        .app_data::<crate::api::state::State>()
        .map(|s| s.settings.request_timeout_seconds)
        .unwrap_or(30);
    match tokio::time::timeout(std::time::Duration::from_secs(seconds), next.call(req)).await {
        Ok(res) => res.map(ServiceResponse::map_into_boxed_body),
        Err(_) => Err(ApiError::Unavailable(msg!("problem-request-timeout", seconds = seconds)).into()),
    }
}
