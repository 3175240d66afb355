//! One error type for the whole API, rendered as an RFC 9457 problem document
//! (`application/problem+json`) with a stable `type` URI per kind of error.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

mod auth;
mod crosscheck;
mod ledger;
mod receipts;
mod tlog;

/// The prefix of every problem `type` URI; the README lists them all.
pub const PROBLEM_BASE: &str = "urn:village-ledger:problem:";

/// A problem document as it goes on the wire.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(example = json!({
    "type": "urn:village-ledger:problem:period-closed",
    "title": "The month is closed",
    "status": 409,
    "detail": "2024-03 of village 331022001201 is closed; post into an open month or reverse instead"
}))]
pub struct Problem {
    /// Stable URI naming the kind of error.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
}

#[derive(Clone, Debug, thiserror::Error)]
pub enum ApiError {
    /// The request could not be read: malformed JSON, wrong types, a bad query string.
    #[error("{0}")]
    BadRequest(String),
    /// The request was read but a value is not acceptable.
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    /// Does not exist, or is outside the caller's scope: the two are indistinguishable.
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    VoucherConflict(String),
    #[error("{0}")]
    PeriodClosed(String),
    #[error("{0}")]
    AlreadyReversed(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    MethodNotAllowed(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// An uploaded file that is not an accepted image format.
    #[error("{0}")]
    UnsupportedFile(String),
    #[error("{0}")]
    Locked(String),
    #[error("{0}")]
    Unavailable(String),
    #[error("{0}")]
    Internal(String),
}

impl ApiError {
    /// The `type` suffix, `title` and status of each kind.
    fn describe(&self) -> (&'static str, &'static str, StatusCode) {
        use ApiError::*;
        match self {
            BadRequest(_) => ("bad-request", "The request could not be read", StatusCode::BAD_REQUEST),
            Invalid(_) => (
                "invalid",
                "A value in the request is not acceptable",
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            Unauthorized(_) => ("unauthorized", "Authentication is required", StatusCode::UNAUTHORIZED),
            Forbidden(_) => ("forbidden", "Your role does not allow this", StatusCode::FORBIDDEN),
            NotFound(_) => ("not-found", "Not found", StatusCode::NOT_FOUND),
            VoucherConflict(_) => (
                "voucher-conflict",
                "The voucher number is already used",
                StatusCode::CONFLICT,
            ),
            PeriodClosed(_) => ("period-closed", "The month is closed", StatusCode::CONFLICT),
            AlreadyReversed(_) => ("already-reversed", "The entry cannot be reversed", StatusCode::CONFLICT),
            Conflict(_) => (
                "conflict",
                "The request conflicts with the current state",
                StatusCode::CONFLICT,
            ),
            MethodNotAllowed(_) => (
                "method-not-allowed",
                "The method is not allowed here",
                StatusCode::METHOD_NOT_ALLOWED,
            ),
            PayloadTooLarge(_) => (
                "payload-too-large",
                "The request body is too large",
                StatusCode::PAYLOAD_TOO_LARGE,
            ),
            UnsupportedFile(_) => (
                "unsupported-file",
                "The file is not an accepted image",
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            UnsupportedMediaType(_) => (
                "unsupported-media-type",
                "The content type is not accepted",
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ),
            Locked(_) => (
                "account-locked",
                "Too many failed logins",
                StatusCode::TOO_MANY_REQUESTS,
            ),
            Unavailable(_) => ("unavailable", "The service is busy", StatusCode::SERVICE_UNAVAILABLE),
            Internal(_) => ("internal", "Internal error", StatusCode::INTERNAL_SERVER_ERROR),
        }
    }

    pub fn problem(&self) -> Problem {
        let (kind, title, status) = self.describe();
        let detail = match self {
            // Never leak internals to clients; they are logged instead.
            ApiError::Internal(_) => "the server failed; the request was not applied".to_owned(),
            other => crate::domain::clip(&other.to_string(), MAX_DETAIL_CHARS).into_owned(),
        };
        Problem {
            kind: format!("{PROBLEM_BASE}{kind}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail,
        }
    }
}

/// The longest `detail` a problem document carries. Details quote what the caller sent (a bad
/// option, a JSON parser's message with the offending string): however much that was, the
/// answer and the log line stay small.
pub const MAX_DETAIL_CHARS: usize = 600;

/// Renders a problem document response.
pub fn problem_response(problem: &Problem) -> HttpResponse {
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut res = HttpResponse::build(status);
    res.insert_header((
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    ));
    if status == StatusCode::UNAUTHORIZED {
        res.insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer")));
    }
    // Busy, or cut by its time budget: the client may retry shortly (RFC 9110 §10.2.3).
    if status == StatusCode::SERVICE_UNAVAILABLE {
        res.insert_header((
            header::RETRY_AFTER,
            HeaderValue::from(crate::domain::budget::RETRY_AFTER_SECONDS),
        ));
    }
    res.body(serde_json::to_vec(problem).unwrap_or_default())
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.describe().2
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::Internal(cause) = self {
            tracing::error!(%cause, "internal error");
        }
        problem_response(&self.problem())
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match e {
            Error::NotFound => ApiError::NotFound("not found".into()),
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                // The database's text names tables and constraints: it goes to the log, and the
                // caller learns only what the layer above says (`user … already exists`).
                tracing::info!(constraint = ?info.constraint_name(), message = info.message(), "unique violation");
                ApiError::Conflict("this already exists".into())
            }
            Error::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => {
                ApiError::Unavailable("the database is busy; retry the request".into())
            }
            other => {
                let text = other.to_string();
                if text.contains("database is locked") || text.contains("database is busy") {
                    ApiError::Unavailable("the database is busy; retry the request".into())
                } else {
                    ApiError::Internal(text)
                }
            }
        }
    }
}

impl From<diesel::r2d2::PoolError> for ApiError {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        tracing::warn!(error = %e, "no database connection available");
        ApiError::Unavailable("no database connection is available; retry shortly".into())
    }
}

impl From<crate::domain::budget::BudgetExceeded> for ApiError {
    fn from(e: crate::domain::budget::BudgetExceeded) -> Self {
        ApiError::Unavailable(e.to_string())
    }
}

impl From<crate::domain::budget::GateFull> for ApiError {
    fn from(e: crate::domain::budget::GateFull) -> Self {
        ApiError::Unavailable(e.to_string())
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(_: actix_web::error::BlockingError) -> Self {
        ApiError::Internal("a blocking task failed".into())
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
