//! How the receipt intake's and store's failures are answered.

use crate::api::problem::ApiError;
use crate::receipts::IntakeError;

pub(super) fn intake_error(e: IntakeError) -> ApiError {
    let text = e.to_string();
    match e.status() {
        413 => ApiError::PayloadTooLarge(text),
        // The request's media type (multipart) is fine; the file inside is not an image we take.
        415 => ApiError::UnsupportedFile(text),
        422 => ApiError::Invalid(text),
        _ => ApiError::Internal(text),
    }
}

pub(super) fn io_error(e: std::io::Error) -> ApiError {
    ApiError::Internal(format!("receipt store: {e}"))
}
