//! One error type for the whole API, rendered as an RFC 9457 problem document
//! (`application/problem+json`) with a stable `type` URI per kind of error.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::i18n::{Msg, current};
use crate::msg;

mod auth;
mod crosscheck;
// import and export (issue 19)
mod exchange;
mod ledger;
mod receipts;
mod tlog;
mod workflow;

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
    BadRequest(Msg),
    /// The request was read but a value is not acceptable.
    #[error("{0}")]
    Invalid(Msg),
    #[error("{0}")]
    Unauthorized(Msg),
    #[error("{0}")]
    Forbidden(Msg),
    /// Does not exist, or is outside the caller's scope: the two are indistinguishable.
    #[error("{0}")]
    NotFound(Msg),
    #[error("{0}")]
    VoucherConflict(Msg),
    #[error("{0}")]
    PeriodClosed(Msg),
    #[error("{0}")]
    AlreadyReversed(Msg),
    #[error("{0}")]
    Conflict(Msg),
    #[error("{0}")]
    MethodNotAllowed(Msg),
    #[error("{0}")]
    PayloadTooLarge(Msg),
    #[error("{0}")]
    UnsupportedMediaType(Msg),
    /// An uploaded file that is not an accepted image format.
    #[error("{0}")]
    UnsupportedFile(Msg),
    #[error("{0}")]
    Locked(Msg),
    /// A caller's daily allowance of something is used up.
    #[error("{0}")]
    RateLimited(Msg),
    #[error("{0}")]
    Unavailable(Msg),
    /// A fault of the server: the cause is logged (in English) and never shown to the caller.
    #[error("{0}")]
    Internal(String),
}

impl ApiError {
    /// The `type` suffix, the `title` and the status of each kind.
    fn describe(&self) -> (&'static str, Msg, StatusCode) {
        use ApiError::*;
        match self {
            BadRequest(_) => ("bad-request", msg!("problem-bad-request"), StatusCode::BAD_REQUEST),
            Invalid(_) => ("invalid", msg!("problem-invalid"), StatusCode::UNPROCESSABLE_ENTITY),
            Unauthorized(_) => ("unauthorized", msg!("problem-unauthorized"), StatusCode::UNAUTHORIZED),
            Forbidden(_) => ("forbidden", msg!("problem-forbidden"), StatusCode::FORBIDDEN),
            NotFound(_) => ("not-found", msg!("problem-not-found"), StatusCode::NOT_FOUND),
            VoucherConflict(_) => (
                "voucher-conflict",
                msg!("problem-voucher-conflict"),
                StatusCode::CONFLICT,
            ),
            PeriodClosed(_) => ("period-closed", msg!("problem-period-closed"), StatusCode::CONFLICT),
            AlreadyReversed(_) => (
                "already-reversed",
                msg!("problem-already-reversed"),
                StatusCode::CONFLICT,
            ),
            Conflict(_) => ("conflict", msg!("problem-conflict"), StatusCode::CONFLICT),
            MethodNotAllowed(_) => (
                "method-not-allowed",
                msg!("problem-method-not-allowed"),
                StatusCode::METHOD_NOT_ALLOWED,
            ),
            PayloadTooLarge(_) => (
                "payload-too-large",
                msg!("problem-payload-too-large"),
                StatusCode::PAYLOAD_TOO_LARGE,
            ),
            UnsupportedFile(_) => (
                "unsupported-file",
                msg!("problem-unsupported-file"),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            UnsupportedMediaType(_) => (
                "unsupported-media-type",
                msg!("problem-unsupported-media-type"),
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ),
            Locked(_) => (
                "account-locked",
                msg!("problem-account-locked"),
                StatusCode::TOO_MANY_REQUESTS,
            ),
            RateLimited(_) => (
                "rate-limited",
                msg!("problem-rate-limited"),
                StatusCode::TOO_MANY_REQUESTS,
            ),
            Unavailable(_) => (
                "unavailable",
                msg!("problem-unavailable"),
                StatusCode::SERVICE_UNAVAILABLE,
            ),
            Internal(_) => ("internal", msg!("problem-internal"), StatusCode::INTERNAL_SERVER_ERROR),
        }
    }

    /// What the caller reads as `detail`; `None` for a server fault.
    fn detail(&self) -> Option<&Msg> {
        use ApiError::*;
        match self {
            BadRequest(m)
            | Invalid(m)
            | Unauthorized(m)
            | Forbidden(m)
            | NotFound(m)
            | VoucherConflict(m)
            | PeriodClosed(m)
            | AlreadyReversed(m)
            | Conflict(m)
            | MethodNotAllowed(m)
            | PayloadTooLarge(m)
            | UnsupportedMediaType(m)
            | UnsupportedFile(m)
            | Locked(m)
            | RateLimited(m)
            | Unavailable(m) => Some(m),
            Internal(_) => None,
        }
    }

    /// The HTTP status of the answer.
    pub fn status(&self) -> u16 {
        self.describe().2.as_u16()
    }

    /// The problem document in the current language ([`current`]).
    pub fn problem(&self) -> Problem {
        let lang = current();
        let (kind, title, status) = self.describe();
        let detail = match self.detail() {
            Some(m) => crate::domain::clip(&m.render(lang), MAX_DETAIL_CHARS).into_owned(),
            // Never leak internals to clients; they are logged instead.
            None => msg!("problem-internal-detail").render(lang),
        };
        Problem {
            kind: format!("{PROBLEM_BASE}{kind}"),
            title: title.render(lang),
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
            Error::NotFound => ApiError::NotFound(msg!("problem-not-found-detail")),
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                // The database's text names tables and constraints: it goes to the log, and the
                // caller learns only what the layer above says (`user … already exists`).
                tracing::info!(constraint = ?info.constraint_name(), message = info.message(), "unique violation");
                ApiError::Conflict(msg!("problem-exists"))
            }
            Error::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => {
                ApiError::Unavailable(msg!("problem-database-busy"))
            }
            other => {
                let text = other.to_string();
                if text.contains("database is locked") || text.contains("database is busy") {
                    ApiError::Unavailable(msg!("problem-database-busy"))
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
        ApiError::Unavailable(msg!("problem-no-connection"))
    }
}

impl From<crate::domain::budget::BudgetExceeded> for ApiError {
    fn from(e: crate::domain::budget::BudgetExceeded) -> Self {
        use crate::domain::budget::BudgetExceeded::*;
        ApiError::Unavailable(match e {
            Deadline => msg!("problem-budget-deadline"),
            Cancelled => msg!("problem-budget-cancelled"),
        })
    }
}

impl From<crate::domain::budget::GateFull> for ApiError {
    fn from(e: crate::domain::budget::GateFull) -> Self {
        let work = match e.name {
            "reconciliation" => msg!("problem-gate-reconciliation"),
            "red-flag" => msg!("problem-gate-flags"),
            "full-size rendition" => msg!("problem-gate-rendition"),
            _ => msg!("problem-gate-upload"),
        };
        ApiError::Unavailable(msg!("problem-gate-full", limit = e.limit, work = work))
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(_: actix_web::error::BlockingError) -> Self {
        ApiError::Internal("a blocking task failed".into())
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
