//! The JSON body extractor: a size limit, a JSON content type, and errors that name the field
//! to fix (`amount_fen: invalid type: string "95000", expected i64`).

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use serde::de::DeserializeOwned;

use crate::api::problem::ApiError;
use crate::api::state::State;
use crate::msg;

/// A JSON request body of type `T`.
pub struct Json<T>(pub T);

impl<T> Json<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

fn is_json(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|m| m.trim().to_ascii_lowercase())
        .is_some_and(|m| m == "application/json" || (m.starts_with("application/") && m.ends_with("+json")))
}

/// At most 200 characters of `text`, marked when cut.
fn clip(text: &str) -> String {
    crate::domain::clip(text, 200).into_owned()
}

/// Parses `bytes` as `T`, naming the path of the offending field on error.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        // Both quote the body (field names, values): a refusal quotes it shortened, never whole.
        let path = clip(&e.path().to_string());
        let inner = clip(&e.into_inner().to_string());
        if path == "." || path.is_empty() {
            ApiError::BadRequest(msg!("problem-json-rejected", reason = inner.to_string()))
        } else {
            ApiError::BadRequest(msg!(
                "problem-json-field-rejected",
                path = path.to_string(),
                reason = inner.to_string()
            ))
        }
    })?;
    de.end()
        .map_err(|e| ApiError::BadRequest(msg!("problem-json-trailing", reason = e.to_string())))?;
    Ok(value)
}

impl<T> Json<T> {
    /// The body's bytes, once the content type and the declared length are acceptable.
    fn bytes(
        req: &HttpRequest,
        payload: &mut Payload,
    ) -> Result<impl Future<Output = Result<web::Bytes, ApiError>> + use<T>, ApiError> {
        let limit = req
            .app_data::<State>()
            .map(|s| s.settings.json_limit_bytes)
            .unwrap_or(65_536);
        if !is_json(req) {
            return Err(ApiError::UnsupportedMediaType(msg!("problem-json-content-type")));
        }
        if let Some(length) = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok())
            && length > limit
        {
            return Err(ApiError::PayloadTooLarge(msg!("problem-json-too-large", limit = limit)));
        }
        let bytes = web::Bytes::from_request(req, payload);
        Ok(async move {
            bytes.await.map_err(|e| {
                if e.as_response_error().status_code() == actix_web::http::StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::PayloadTooLarge(msg!("problem-json-too-large", limit = limit))
                } else {
                    ApiError::BadRequest(msg!("problem-body-unreadable", reason = e.to_string()))
                }
            })
        })
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let bytes = Json::<T>::bytes(req, payload);
        Box::pin(async move { parse(&bytes?.await?).map(Json) })
    }
}

/// A JSON request body of type `T` that is **not read yet**: the handler authorizes the caller
/// (role from the token, scope from the path) first and only then calls [`JsonBody::read`].
/// A caller who may not use the route is refused having sent at most what the socket buffered,
/// however large or endless the body (actix polls every pending extractor of a handler at once,
/// so a reading extractor next to an asynchronous check would start reading before the check).
/// The content type and the size limit are checked by `read` too, so a refused caller gets
/// 403/404, never 413/415.
pub struct JsonBody<T> {
    req: HttpRequest,
    payload: Payload,
    _body: std::marker::PhantomData<T>,
}

impl<T: DeserializeOwned> JsonBody<T> {
    /// Reads and parses the body, at most the configured JSON limit.
    pub async fn read(mut self) -> Result<T, ApiError> {
        let bytes = Json::<T>::bytes(&self.req, &mut self.payload)?.await?;
        parse(&bytes)
    }
}

impl<T: 'static> FromRequest for JsonBody<T> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        std::future::ready(Ok(JsonBody {
            req: req.clone(),
            payload: payload.take(),
            _body: std::marker::PhantomData,
        }))
    }
}
