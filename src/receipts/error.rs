//! What the receipts service can refuse or fail with: an upload refused (in words a township
//! clerk can act on, [`IntakeError`]) and the limits that decide it, the store failing, a
//! withdrawal refused ([`ReceiptError`]).

use std::fmt;

use crate::auth::AuthError;
use crate::domain::budget::BudgetExceeded;

/// Everything the receipts service can refuse or fail with. The words a caller reads are
/// chosen in `api::problem::receipts`; `Display` is for the server log.
#[derive(Debug, thiserror::Error)]
pub enum ReceiptError {
    #[error(transparent)]
    Intake(#[from] IntakeError),
    /// The server could not read or write its own files.
    #[error("receipt store")]
    Store(#[source] std::io::Error),
    /// A withdrawal reason the domain's text rules refuse, with their reason.
    #[error("{reason}")]
    InvalidReason { reason: crate::domain::ValueError },
    #[error("receipt {receipt} was already withdrawn for another reason")]
    AlreadyWithdrawn { receipt: String, reason: String },
    #[error("originals are not served to villagers")]
    OriginalsNotForVillagers,
    #[error("unknown rendition size")]
    UnknownRenditionSize,
    #[error(transparent)]
    Auth(#[from] AuthError),
    #[error(transparent)]
    Budget(#[from] BudgetExceeded),
}

pub type Result<T, E = ReceiptError> = std::result::Result<T, E>;

/// How much a single receipt may weigh, in bytes and in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IntakeLimits {
    /// Largest accepted file, in bytes (default 20 MiB).
    pub max_bytes: u64,
    /// Largest accepted image, in pixels as declared by its header (default 80 megapixels).
    pub max_pixels: u64,
}

impl Default for IntakeLimits {
    fn default() -> Self {
        IntakeLimits {
            max_bytes: 20 * 1024 * 1024,
            max_pixels: 80_000_000,
        }
    }
}

impl IntakeLimits {
    /// The most a decoder may allocate: 8 bytes a pixel (16-bit RGBA) at the pixel limit, plus
    /// room for the decoders' own buffers. Anything needing more is refused, not attempted.
    pub(crate) fn max_alloc(&self) -> u64 {
        self.max_pixels.saturating_mul(8).saturating_add(64 * 1024 * 1024)
    }

    /// Refuses a declared geometry before anything the size of the image is allocated.
    pub(crate) fn check_pixels(&self, width: u32, height: u32) -> Result<(), IntakeError> {
        if width == 0 || height == 0 {
            return Err(IntakeError::Corrupt(format!(
                "the header declares a {width}×{height} image"
            )));
        }
        // Renditions are JPEG, whose sides are at most 65535 pixels.
        if u64::from(width) * u64::from(height) > self.max_pixels || width.max(height) > u32::from(u16::MAX) {
            return Err(IntakeError::TooManyPixels {
                width,
                height,
                limit: self.max_pixels,
            });
        }
        Ok(())
    }
}

/// What a refused file is instead of an accepted image; each kind has its own advice (the
/// api words both).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefusedKind {
    Pdf,
    Gif,
    Bmp,
    /// A zip container: an archive or an office document.
    Archive,
    Text,
    Heic,
    Avif,
    /// A video or another ISO media file.
    Media,
    /// Bytes of no recognised type.
    Unknown,
    /// An accepted format using a feature the decoders cannot read (the decoder's words).
    UnreadableFeature(String),
}

/// Why a receipt file was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IntakeError {
    /// The file is larger than `limit` bytes.
    TooLarge { limit: u64 },
    /// The header declares more than `limit` pixels (or a decompression bomb).
    TooManyPixels { width: u32, height: u32, limit: u64 },
    /// Not one of the accepted formats; `detected` names what it is.
    Unsupported { detected: RefusedKind },
    /// A JPEG, PNG, WebP or TIFF that cannot be decoded: cut off, damaged, or a decoder failure.
    Corrupt(String),
    /// The server could not read or write its own files.
    Io(String),
}

/// `amount / unit` with at most one decimal, rounded down: `20`, `0.5`, `80`.
pub fn in_units(amount: u64, unit: u64) -> String {
    let tenths = amount.saturating_mul(10) / unit;
    if tenths.is_multiple_of(10) {
        format!("{}", tenths / 10)
    } else {
        format!("{}.{}", tenths / 10, tenths % 10)
    }
}

impl fmt::Display for IntakeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IntakeError::TooLarge { limit } => write!(
                f,
                "the file is larger than {} MiB; scan at 300 dpi or export the photo as a smaller JPEG",
                in_units(*limit, 1024 * 1024)
            ),
            IntakeError::TooManyPixels { width, height, limit } => write!(
                f,
                "the image is {width}×{height} pixels, more than the {} megapixels accepted; \
                 scan at 300 dpi or resize the photo",
                in_units(*limit, 1_000_000)
            ),
            IntakeError::Unsupported { detected } => {
                write!(f, "the file is not a JPEG, PNG, WebP or TIFF image ({detected:?})")
            }
            IntakeError::Corrupt(detail) => write!(
                f,
                "the image cannot be read ({detail}); the file is damaged or incomplete: \
                 upload it again, or open it and save it again as JPEG"
            ),
            IntakeError::Io(detail) => write!(f, "the receipt could not be processed ({detail})"),
        }
    }
}

impl std::error::Error for IntakeError {}

impl From<std::io::Error> for IntakeError {
    fn from(e: std::io::Error) -> Self {
        IntakeError::Io(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_say_what_to_do_with_readable_numbers() {
        let limits = IntakeLimits::default();
        let too_large = IntakeError::TooLarge {
            limit: limits.max_bytes,
        }
        .to_string();
        assert!(too_large.contains("20 MiB"), "{too_large}");
        let bomb = limits
            .check_pixels(100_000, 100_000)
            .expect_err("bomb refused")
            .to_string();
        assert!(
            bomb.contains("100000×100000") && bomb.contains("80 megapixels"),
            "{bomb}"
        );
        assert!(limits.check_pixels(4000, 3000).is_ok());
        // Few pixels, but wider than a JPEG rendition can be.
        assert!(matches!(
            limits.check_pixels(70_000, 10),
            Err(IntakeError::TooManyPixels { .. })
        ));
        assert!(matches!(limits.check_pixels(0, 10), Err(IntakeError::Corrupt(_))));
    }
}
