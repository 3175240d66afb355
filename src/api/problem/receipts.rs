//! How errors of the `receipts` service become problem documents.

use super::ApiError;
use crate::receipts::{IntakeError, ReceiptError};

impl From<IntakeError> for ApiError {
    fn from(e: IntakeError) -> Self {
        let text = e.to_string();
        match e {
            IntakeError::TooLarge { .. } => ApiError::PayloadTooLarge(text),
            // The request's media type (multipart) is fine; the file inside is not an image we take.
            IntakeError::Unsupported { .. } => ApiError::UnsupportedFile(text),
            IntakeError::TooManyPixels { .. } | IntakeError::Corrupt(_) => ApiError::Invalid(text),
            IntakeError::Io(_) => ApiError::Internal(text),
        }
    }
}

impl From<ReceiptError> for ApiError {
    fn from(e: ReceiptError) -> Self {
        match e {
            ReceiptError::Intake(e) => e.into(),
            ReceiptError::Store(source) => ApiError::Internal(format!("receipt store: {source}")),
            ReceiptError::InvalidReason { reason } => ApiError::Invalid(reason.to_string()),
            ReceiptError::AlreadyWithdrawn { receipt, reason } => {
                ApiError::Conflict(format!("receipt {receipt} was already withdrawn: {reason}"))
            }
            ReceiptError::OriginalsNotForVillagers => ApiError::Forbidden(
                "villagers see the renditions; originals are for clerks, inspectors and admins".into(),
            ),
            ReceiptError::UnknownRenditionSize => ApiError::Invalid("size must be thumb, screen or full".into()),
            ReceiptError::Auth(e) => e.into(),
            ReceiptError::Budget(e) => e.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(e: IntakeError) -> u16 {
        ApiError::from(e).problem().status
    }

    #[test]
    fn refusals_map_to_their_http_status() {
        assert_eq!(status(IntakeError::TooLarge { limit: 1 }), 413);
        let unsupported = IntakeError::Unsupported {
            detected: "a PDF".into(),
            hint: "x".into(),
        };
        assert_eq!(status(unsupported), 422);
        let bomb = IntakeError::TooManyPixels {
            width: 1,
            height: 1,
            limit: 0,
        };
        assert_eq!(status(bomb), 422);
        assert_eq!(status(IntakeError::Corrupt("x".into())), 422);
        assert_eq!(status(IntakeError::Io("x".into())), 500);
    }
}
