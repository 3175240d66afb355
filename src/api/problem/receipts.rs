//! How errors of the `receipts` service become problem documents.

use super::ApiError;
use crate::i18n::Msg;
use crate::msg;
use crate::receipts::error::in_units;
use crate::receipts::{IntakeError, ReceiptError, RefusedKind};

/// What a refused file is, and what the clerk should do instead.
fn refused_kind(kind: &RefusedKind) -> Msg {
    match kind {
        RefusedKind::Pdf => msg!("receipt-refused-pdf"),
        RefusedKind::Gif => msg!("receipt-refused-gif"),
        RefusedKind::Bmp => msg!("receipt-refused-bmp"),
        RefusedKind::Archive => msg!("receipt-refused-archive"),
        RefusedKind::Text => msg!("receipt-refused-text"),
        RefusedKind::Heic => msg!("receipt-refused-heic"),
        RefusedKind::Avif => msg!("receipt-refused-avif"),
        RefusedKind::Media => msg!("receipt-refused-media"),
        RefusedKind::Unknown => msg!("receipt-refused-unknown"),
        RefusedKind::UnreadableFeature(feature) => {
            msg!("receipt-refused-feature", feature = crate::domain::clip(feature, 200))
        }
    }
}

impl From<IntakeError> for ApiError {
    fn from(e: IntakeError) -> Self {
        match e {
            IntakeError::TooLarge { limit } => {
                ApiError::PayloadTooLarge(msg!("receipt-too-large", mib = in_units(limit, 1024 * 1024)))
            }
            // The request's media type (multipart) is fine; the file inside is not an image we take.
            IntakeError::Unsupported { detected } => ApiError::UnsupportedFile(refused_kind(&detected)),
            IntakeError::TooManyPixels { width, height, limit } => ApiError::Invalid(msg!(
                "receipt-too-many-pixels",
                width = width,
                height = height,
                megapixels = in_units(limit, 1_000_000)
            )),
            IntakeError::Corrupt(detail) => {
                ApiError::Invalid(msg!("receipt-corrupt", detail = crate::domain::clip(&detail, 200)))
            }
            e @ IntakeError::Io(_) => ApiError::Internal(e.to_string()),
        }
    }
}

impl From<ReceiptError> for ApiError {
    fn from(e: ReceiptError) -> Self {
        match e {
            ReceiptError::Intake(e) => e.into(),
            ReceiptError::Store(source) if crate::receipts::store::is_unavailable(&source) => {
                ApiError::Unavailable(msg!("problem-receipt-store-unavailable"))
            }
            ReceiptError::Store(source) => ApiError::Internal(format!("receipt store: {source}")),
            ReceiptError::InvalidReason { reason } => ApiError::Invalid(reason.msg()),
            ReceiptError::AlreadyWithdrawn { receipt, reason } => {
                ApiError::Conflict(msg!("receipt-already-withdrawn", receipt = receipt, reason = reason))
            }
            ReceiptError::OriginalsNotForVillagers => ApiError::Forbidden(msg!("receipt-originals-not-for-villagers")),
            ReceiptError::UnknownRenditionSize => ApiError::Invalid(msg!("receipt-unknown-size")),
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
            detected: RefusedKind::Pdf,
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
