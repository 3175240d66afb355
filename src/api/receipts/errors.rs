//! How the receipt store's failures are answered (the intake's are mapped in `api::problem`):
//! an object store that cannot be reached is 503 (retry later; nothing was recorded), any other
//! failure a server fault.

use crate::api::problem::ApiError;
use crate::msg;
use crate::receipts::store::is_unavailable;

pub(super) fn io_error(e: std::io::Error) -> ApiError {
    if is_unavailable(&e) {
        tracing::warn!(error = %e, "receipt store unavailable");
        return ApiError::Unavailable(msg!("problem-receipt-store-unavailable"));
    }
    ApiError::Internal(format!("receipt store: {e}"))
}
