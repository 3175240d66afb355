//! Receipt intake: an uploaded file is recognised from its bytes, weighed against the limits,
//! decoded once, and turned into what the service keeps about it besides the untouched
//! original: pixel size, perceptual hash, QR payload, and the `thumb` and `screen` renditions.
//!
//! Everything here is blocking CPU work: callers run it off the async workers
//! (`web::block` / `spawn_blocking`). Decoder panics are caught here and become
//! [`IntakeError::Corrupt`].

use std::io::Read;
use std::path::Path;
use std::time::{Duration, Instant};

use super::decode::{check_jpeg_complete, decode_full, decode_reduced, guarded};
pub use super::error::{IntakeError, IntakeLimits};
use super::phash::perceptual_hash;
use super::qr::{QrReading, QrSearch, deep, read_qr};
use super::renditions::{RenditionSize, SCREEN_EDGE, THUMB_EDGE, encode_jpeg, fit, flatten_rgb, grey, orient};
use super::sniff::{ImageKind, sniff};
use crate::domain::InvoiceQr;

/// Long edge of the grey image searched for QR codes first. Invoice QR codes photographed with
/// the whole invoice keep about 4 px a module at this size, which rqrr needs; smaller images
/// lose codes that are never even seen, so the full-resolution retry would not happen.
const QR_SEARCH_EDGE: u32 = 2048;

/// Long edge up to which the deep QR search looks at every stored pixel. Larger photos are
/// decoded at the JPEG scale that brings them under it: the search's memory stays within a few
/// times one grey byte for each of 6000 × 6000 pixels.
const DEEP_SEARCH_EDGE: u32 = 6000;

/// What intake learnt from an accepted receipt file.
#[derive(Clone)]
pub struct Ingested {
    /// `image/jpeg`, `image/png`, `image/webp` or `image/tiff`, from the bytes.
    pub content_type: &'static str,
    /// Full pixel size, after the EXIF orientation is applied.
    pub width: u32,
    pub height: u32,
    /// 64-bit perceptual hash, 16 hex digits (see [`super::phash`]).
    pub phash: String,
    /// The VAT invoice read from the receipt's QR code, if any.
    pub invoice: Option<InvoiceQr>,
    /// The raw QR payload (invoice or not), if a QR code was read.
    pub qr_text: Option<String>,
    /// `Pending` when no invoice was read: the deep search ([`search_qr`]) is still to run.
    pub qr_search: QrSearch,
    /// JPEG, at most 320 px on the long edge, no metadata.
    pub thumb: Vec<u8>,
    /// JPEG, at most 1600 px on the long edge (never upscaled), no metadata.
    pub screen: Vec<u8>,
}

impl std::fmt::Debug for Ingested {
    /// The renditions by size only: megabytes of JPEG in a log line help nobody.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ingested")
            .field("content_type", &self.content_type)
            .field("width", &self.width)
            .field("height", &self.height)
            .field("phash", &self.phash)
            .field("invoice", &self.invoice)
            .field("qr_text", &self.qr_text)
            .field("qr_search", &self.qr_search)
            .field("thumb_bytes", &self.thumb.len())
            .field("screen_bytes", &self.screen.len())
            .finish()
    }
}

/// Reads the file, refusing it as soon as it is larger than `max_bytes`.
fn read_limited(path: &Path, limits: &IntakeLimits) -> Result<Vec<u8>, IntakeError> {
    let file = std::fs::File::open(path)?;
    let too_large = IntakeError::TooLarge {
        limit: limits.max_bytes,
    };
    let declared = file.metadata()?.len();
    if declared > limits.max_bytes {
        return Err(too_large);
    }
    let mut bytes = Vec::with_capacity(usize::try_from(declared).unwrap_or(0));
    // The file may grow while it is read; never read more than one byte past the limit.
    file.take(limits.max_bytes.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limits.max_bytes {
        return Err(too_large);
    }
    Ok(bytes)
}

/// The accepted format of `bytes`, after the checks that need no decoding.
fn recognise(bytes: &[u8]) -> Result<ImageKind, IntakeError> {
    let kind = sniff(bytes)?;
    if kind == ImageKind::Jpeg {
        check_jpeg_complete(bytes)?;
    }
    Ok(kind)
}

/// Checks and reads the receipt file at `original`, making its renditions.
pub fn ingest(original: &Path, limits: &IntakeLimits) -> Result<Ingested, IntakeError> {
    let bytes = read_limited(original, limits)?;
    let kind = recognise(&bytes)?;
    guarded(|| ingest_image(&bytes, kind, limits))
}

fn ingest_image(bytes: &[u8], kind: ImageKind, limits: &IntakeLimits) -> Result<Ingested, IntakeError> {
    let decoded = decode_reduced(bytes, kind, limits, SCREEN_EDGE)?;
    let screen = screen_pixels(&decoded)?;
    let thumb = fit(&screen, THUMB_EDGE)?;
    let phash = perceptual_hash(&thumb);
    // QR codes read in any orientation: search the pixels as stored.
    let grey = grey(&decoded.image);
    let qr_grey = fit(&grey, QR_SEARCH_EDGE)?;
    let reading = read_qr(&qr_grey, || {
        if qr_grey.dimensions() == decoded.stored {
            Ok(None)
        } else if decoded.is_full_resolution() {
            Ok(Some(grey.clone().into_owned()))
        } else {
            Ok(Some(decode_full(bytes, kind, limits)?.to_luma8()))
        }
    })?;
    let (width, height) = decoded.shown_size();
    let qr_search = match reading.as_ref().and_then(|r| r.invoice.as_ref()) {
        Some(_) => QrSearch::Done,
        None => QrSearch::Pending,
    };
    Ok(Ingested {
        content_type: kind.content_type(),
        width,
        height,
        phash,
        invoice: reading.as_ref().and_then(|r| r.invoice.clone()),
        qr_text: reading.map(|r| r.text),
        qr_search,
        thumb: encode_jpeg(&thumb)?,
        screen: encode_jpeg(&screen)?,
    })
}

/// The `screen` rendition's pixels: at most [`SCREEN_EDGE`] on the long edge, oriented.
fn screen_pixels(decoded: &super::decode::Decoded) -> Result<image::RgbImage, IntakeError> {
    Ok(orient(
        fit(&*flatten_rgb(&decoded.image), SCREEN_EDGE)?.into_owned(),
        decoded.orientation,
    ))
}

/// The rendition `size` of the receipt file at `original`, made again as the upload made it
/// (`thumb`, `screen`) or as [`render_full`] makes it: for a rendition that is missing from
/// the store (an object store's renditions are not backed up, and may be lost).
pub fn render(original: &Path, size: RenditionSize, limits: &IntakeLimits) -> Result<Vec<u8>, IntakeError> {
    if size == RenditionSize::Full {
        return render_full(original, limits);
    }
    let bytes = read_limited(original, limits)?;
    let kind = recognise(&bytes)?;
    guarded(|| {
        let screen = screen_pixels(&decode_reduced(&bytes, kind, limits, SCREEN_EDGE)?)?;
        if size == RenditionSize::Thumb {
            let thumb: std::borrow::Cow<'_, image::RgbImage> = fit(&screen, THUMB_EDGE)?;
            encode_jpeg(&thumb)
        } else {
            encode_jpeg(&screen)
        }
    })
}

/// The deep search for the QR code of the receipt file at `original` (see [`super::qr`]): the
/// photo decoded at full resolution (up to [`DEEP_SEARCH_EDGE`]), as stored, since codes are
/// read in any orientation, and searched until an invoice is read or `budget` is spent.
pub fn search_qr(original: &Path, limits: &IntakeLimits, budget: Duration) -> Result<Option<QrReading>, IntakeError> {
    let deadline = Instant::now() + budget;
    let bytes = read_limited(original, limits)?;
    let kind = recognise(&bytes)?;
    let mut grey = guarded(|| {
        Ok(decode_reduced(&bytes, kind, limits, DEEP_SEARCH_EDGE)?
            .image
            .into_luma8())
    })?;
    drop(bytes);
    if grey.width().max(grey.height()) > DEEP_SEARCH_EDGE {
        grey = fit(&grey, DEEP_SEARCH_EDGE)?.into_owned();
    }
    Ok(deep::search(&grey, deadline))
}

/// The `full` rendition: every pixel of the original, orientation applied, re-encoded as JPEG
/// with no metadata. Made on demand; the original itself is never re-encoded.
pub fn render_full(original: &Path, limits: &IntakeLimits) -> Result<Vec<u8>, IntakeError> {
    let bytes = read_limited(original, limits)?;
    let kind = recognise(&bytes)?;
    guarded(|| encode_jpeg(&flatten_rgb(&decode_full(&bytes, kind, limits)?)))
}
