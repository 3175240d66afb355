//! How the receipt store's failures are answered (the intake's are mapped in `api::problem`).

use crate::api::problem::ApiError;

pub(super) fn io_error(e: std::io::Error) -> ApiError {
    ApiError::Internal(format!("receipt store: {e}"))
}
