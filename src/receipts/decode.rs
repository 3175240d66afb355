//! Decoding under limits: the declared geometry is checked from the header before anything the
//! size of the image is allocated, decoders run with explicit `image::Limits`, a decoder panic
//! becomes [`IntakeError::Corrupt`], and the EXIF orientation is read.
//!
//! Phone JPEGs are decoded at 1/2, 1/4 or 1/8 scale in the DCT domain (jpeg-decoder's `scale`)
//! when only renditions are needed: that is most of the cost of a thumbnail.

use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};

use image::metadata::Orientation;
use image::{DynamicImage, GenericImageView, ImageDecoder, ImageError, ImageReader, Limits};

use super::error::{IntakeError, IntakeLimits};
use super::sniff::ImageKind;

/// An image decoded for renditions: pixels as stored, possibly at a reduced scale, with the
/// EXIF orientation still to apply (cheaper on the smaller renditions than on this).
pub(crate) struct Decoded {
    pub image: DynamicImage,
    pub orientation: Orientation,
    /// Full pixel size as stored (before orientation).
    pub stored: (u32, u32),
}

impl Decoded {
    /// Full pixel size as shown (after orientation).
    pub fn shown_size(&self) -> (u32, u32) {
        let (w, h) = self.stored;
        if swaps_axes(self.orientation) { (h, w) } else { (w, h) }
    }

    pub fn is_full_resolution(&self) -> bool {
        self.image.dimensions() == self.stored
    }
}

/// Runs a decoding step, turning a panic inside a decoder into a refusal instead of a dead
/// worker thread.
pub(crate) fn guarded<T>(step: impl FnOnce() -> Result<T, IntakeError>) -> Result<T, IntakeError> {
    catch_unwind(AssertUnwindSafe(step))
        .unwrap_or_else(|_| Err(IntakeError::Corrupt("the decoder failed on this file".to_owned())))
}

/// Refuses a JPEG without an end-of-image marker after its first scan: a cut-off upload that
/// decoders would silently fill with grey. Entropy-coded data never contains `FF D9`.
pub(crate) fn check_jpeg_complete(bytes: &[u8]) -> Result<(), IntakeError> {
    let cut_off = || IntakeError::Corrupt("the JPEG file is cut off".to_owned());
    let mut pos = 2;
    loop {
        while bytes.get(pos) == Some(&0xFF) && bytes.get(pos + 1) == Some(&0xFF) {
            pos += 1;
        }
        let (Some(0xFF), Some(&marker)) = (bytes.get(pos), bytes.get(pos + 1)) else {
            return Err(cut_off());
        };
        pos += 2;
        if marker == 0xD9 {
            return Err(IntakeError::Corrupt(
                "the JPEG file ends before its image data".to_owned(),
            ));
        }
        if (0xD0..=0xD7).contains(&marker) || marker == 0x01 {
            continue;
        }
        let len = match (bytes.get(pos), bytes.get(pos + 1)) {
            (Some(&hi), Some(&lo)) => usize::from(u16::from_be_bytes([hi, lo])),
            _ => return Err(cut_off()),
        };
        if marker == 0xDA {
            let scan = bytes.get(pos + len..).ok_or_else(cut_off)?;
            // The end marker is almost always at the very end, so look from there.
            return if scan.windows(2).rev().any(|w| w == [0xFF, 0xD9]) {
                Ok(())
            } else {
                Err(cut_off())
            };
        }
        pos += len;
    }
}

/// Decodes at full resolution with explicit limits, orientation applied.
pub(crate) fn decode_full(bytes: &[u8], kind: ImageKind, limits: &IntakeLimits) -> Result<DynamicImage, IntakeError> {
    let (mut image, orientation) = decode_stored(bytes, kind, limits)?;
    image.apply_orientation(orientation);
    Ok(image)
}

/// Decodes at full resolution with explicit limits, as stored.
fn decode_stored(
    bytes: &[u8],
    kind: ImageKind,
    limits: &IntakeLimits,
) -> Result<(DynamicImage, Orientation), IntakeError> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), kind.image_format());
    // Header parsing is bounded by the allocation limit only; the geometry is checked next, by
    // us, so that the refusal can name it.
    let mut header_limits = Limits::default();
    header_limits.max_alloc = Some(limits.max_alloc());
    reader.limits(header_limits);
    let mut decoder = reader.into_decoder().map_err(image_error)?;
    let (width, height) = decoder.dimensions();
    limits.check_pixels(width, height)?;
    let side = u32::try_from(limits.max_pixels).unwrap_or(u32::MAX);
    let mut decode_limits = Limits::default();
    decode_limits.max_image_width = Some(side);
    decode_limits.max_image_height = Some(side);
    decode_limits.max_alloc = Some(limits.max_alloc());
    decoder.set_limits(decode_limits).map_err(image_error)?;
    let too_many = || IntakeError::TooManyPixels {
        width,
        height,
        limit: limits.max_pixels,
    };
    if decoder.total_bytes() > limits.max_alloc() {
        return Err(too_many());
    }
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let image = DynamicImage::from_decoder(decoder).map_err(|e| match e {
        ImageError::Limits(_) => too_many(),
        other => image_error(other),
    })?;
    Ok((image, orientation))
}

/// Decodes at the smallest scale whose long edge is still at least `long_edge` (JPEG), or at
/// full resolution (other formats).
pub(crate) fn decode_reduced(
    bytes: &[u8],
    kind: ImageKind,
    limits: &IntakeLimits,
    long_edge: u32,
) -> Result<Decoded, IntakeError> {
    if kind == ImageKind::Jpeg
        && let Some(decoded) = decode_jpeg_scaled(bytes, limits, long_edge)?
    {
        return Ok(decoded);
    }
    let (image, orientation) = decode_stored(bytes, kind, limits)?;
    let stored = image.dimensions();
    Ok(Decoded {
        image,
        orientation,
        stored,
    })
}

/// `None` when jpeg-decoder cannot do this file (CMYK, arithmetic coding, 12-bit, …): the
/// general decoder takes it at full resolution.
fn decode_jpeg_scaled(bytes: &[u8], limits: &IntakeLimits, long_edge: u32) -> Result<Option<Decoded>, IntakeError> {
    use jpeg_decoder::{Decoder, Error, PixelFormat};
    let mut decoder = Decoder::new(bytes);
    decoder.set_max_decoding_buffer_size(usize::try_from(limits.max_alloc()).unwrap_or(usize::MAX));
    let corrupt = |e: Error| match e {
        Error::Unsupported(_) => None,
        other => Some(IntakeError::Corrupt(other.to_string())),
    };
    if let Err(e) = decoder.read_info() {
        return corrupt(e).map_or(Ok(None), Err);
    }
    let Some(info) = decoder.info() else {
        return Err(IntakeError::Corrupt("the JPEG has no frame header".to_owned()));
    };
    let (width, height) = (u32::from(info.width), u32::from(info.height));
    limits.check_pixels(width, height)?;
    if !matches!(info.pixel_format, PixelFormat::RGB24 | PixelFormat::L8) {
        return Ok(None);
    }
    let orientation = decoder
        .exif_data()
        .and_then(Orientation::from_exif_chunk)
        .unwrap_or(Orientation::NoTransforms);
    let long = width.max(height);
    let request = |side: u32| {
        let scaled = (u64::from(side) * u64::from(long_edge)).div_ceil(u64::from(long));
        u16::try_from(scaled.min(u64::from(side))).unwrap_or(u16::MAX)
    };
    let (w, h) = match decoder.scale(request(width), request(height)) {
        Ok((w, h)) => (u32::from(w), u32::from(h)),
        Err(e) => return corrupt(e).map_or(Ok(None), Err),
    };
    let pixels = match decoder.decode() {
        Ok(pixels) => pixels,
        Err(e) => return corrupt(e).map_or(Ok(None), Err),
    };
    let bad_size = || IntakeError::Corrupt("the JPEG decoded to an unexpected size".to_owned());
    let image = match info.pixel_format {
        PixelFormat::L8 => image::GrayImage::from_raw(w, h, pixels).map(DynamicImage::ImageLuma8),
        _ => image::RgbImage::from_raw(w, h, pixels).map(DynamicImage::ImageRgb8),
    }
    .ok_or_else(bad_size)?;
    Ok(Some(Decoded {
        image,
        orientation,
        stored: (width, height),
    }))
}

fn swaps_axes(orientation: Orientation) -> bool {
    matches!(
        orientation,
        Orientation::Rotate90 | Orientation::Rotate270 | Orientation::Rotate90FlipH | Orientation::Rotate270FlipH
    )
}

fn image_error(e: ImageError) -> IntakeError {
    match e {
        ImageError::Unsupported(u) => IntakeError::Unsupported {
            detected: super::error::RefusedKind::UnreadableFeature(u.to_string()),
        },
        ImageError::Limits(l) => IntakeError::Corrupt(format!("the header exceeds the limits: {l}")),
        ImageError::IoError(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            IntakeError::Corrupt("the file is cut off".to_owned())
        }
        other => IntakeError::Corrupt(other.to_string()),
    }
}
