//! The re-encoded images phones are shown: `thumb` for lists, `screen` for reading, `full` at the
//! original pixel size. Every rendition is a baseline JPEG made from pixels alone, so no EXIF
//! (GPS included), XMP, IPTC or ICC data of the original can reach a villager's phone.

use std::borrow::Cow;

use image::metadata::Orientation;
use image::{DynamicImage, GrayImage, ImageBuffer, Pixel, RgbImage};

use super::error::IntakeError;

/// Long edge of a `thumb`, in pixels.
pub const THUMB_EDGE: u32 = 320;
/// Long edge of a `screen` rendition, in pixels.
pub const SCREEN_EDGE: u32 = 1600;
/// JPEG quality of every rendition: text on receipts stays crisp, files stay small.
pub const JPEG_QUALITY: u8 = 82;

/// The sizes a receipt is shown at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RenditionSize {
    Thumb,
    Screen,
    Full,
}

impl RenditionSize {
    pub const ALL: [RenditionSize; 3] = [RenditionSize::Thumb, RenditionSize::Screen, RenditionSize::Full];

    pub fn as_str(self) -> &'static str {
        match self {
            RenditionSize::Thumb => "thumb",
            RenditionSize::Screen => "screen",
            RenditionSize::Full => "full",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "thumb" => Some(RenditionSize::Thumb),
            "screen" => Some(RenditionSize::Screen),
            "full" => Some(RenditionSize::Full),
            _ => None,
        }
    }
}

/// 8-bit RGB; transparent areas (scans exported with alpha) become white paper, not black.
pub(crate) fn flatten_rgb(image: &DynamicImage) -> Cow<'_, RgbImage> {
    if let DynamicImage::ImageRgb8(rgb) = image {
        return Cow::Borrowed(rgb);
    }
    if !image.color().has_alpha() {
        return Cow::Owned(image.to_rgb8());
    }
    let rgba = image.to_rgba8();
    let mut rgb = RgbImage::new(rgba.width(), rgba.height());
    for (out, px) in rgb.pixels_mut().zip(rgba.pixels()) {
        let [r, g, b, a] = px.0;
        let over_white = |c: u8| {
            let (c, a) = (u32::from(c), u32::from(a));
            // Exact: the result is at most 255.
            ((c * a + 255 * (255 - a) + 127) / 255) as u8
        };
        out.0 = [over_white(r), over_white(g), over_white(b)];
    }
    Cow::Owned(rgb)
}

/// The size that fits `(width, height)` within `long_edge`, never larger than it is.
pub(crate) fn fitted_size(width: u32, height: u32, long_edge: u32) -> (u32, u32) {
    let long = width.max(height);
    if long <= long_edge {
        return (width, height);
    }
    let scale = |side: u32| {
        let scaled = (u64::from(side) * u64::from(long_edge) + u64::from(long) / 2) / u64::from(long);
        u32::try_from(scaled.max(1)).unwrap_or(1)
    };
    (scale(width), scale(height))
}

fn resize_failed(e: impl std::fmt::Display) -> IntakeError {
    IntakeError::Io(format!("resizing a rendition failed: {e}"))
}

/// Downscales (SIMD convolution, Catmull-Rom: text stays sharp) to fit within `long_edge`;
/// never upscales. 8-bit grey, RGB or RGBA.
pub(crate) fn fit<P>(
    image: &ImageBuffer<P, Vec<u8>>,
    long_edge: u32,
) -> Result<Cow<'_, ImageBuffer<P, Vec<u8>>>, IntakeError>
where
    P: Pixel<Subpixel = u8> + 'static,
{
    let (w, h) = fitted_size(image.width(), image.height(), long_edge);
    if (w, h) == image.dimensions() {
        return Ok(Cow::Borrowed(image));
    }
    let raw = receipt_pixels::downscale(image.as_raw(), image.width(), image.height(), P::CHANNEL_COUNT, (w, h))
        .map_err(resize_failed)?;
    ImageBuffer::from_raw(w, h, raw)
        .map(Cow::Owned)
        .ok_or_else(|| resize_failed("buffer size"))
}

/// Rotates and flips as the EXIF orientation says.
pub(crate) fn orient(image: RgbImage, orientation: Orientation) -> RgbImage {
    if orientation == Orientation::NoTransforms {
        return image;
    }
    let mut dynamic = DynamicImage::ImageRgb8(image);
    dynamic.apply_orientation(orientation);
    dynamic.into_rgb8()
}

/// 8-bit grey (Rec. 709 luma, as image computes it), without a copy when already grey.
pub(crate) fn grey(image: &DynamicImage) -> Cow<'_, GrayImage> {
    match image {
        DynamicImage::ImageLuma8(grey) => Cow::Borrowed(grey),
        DynamicImage::ImageRgb8(rgb) => Cow::Owned(receipt_pixels::luma(rgb)),
        other => Cow::Owned(other.to_luma8()),
    }
}

/// Encodes pixels alone as JPEG: the output carries a JFIF header and nothing else.
pub(crate) fn encode_jpeg(image: &RgbImage) -> Result<Vec<u8>, IntakeError> {
    receipt_pixels::encode_jpeg(image, JPEG_QUALITY)
        .map_err(|e| IntakeError::Io(format!("encoding a rendition failed: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{Rgba, RgbaImage};

    #[test]
    fn fitting_keeps_the_aspect_ratio_and_never_upscales() {
        assert_eq!(fitted_size(4000, 3000, 1600), (1600, 1200));
        assert_eq!(fitted_size(3000, 4000, 320), (240, 320));
        assert_eq!(fitted_size(800, 600, 1600), (800, 600));
        assert_eq!(fitted_size(20_000, 10, 320), (320, 1));
    }

    #[test]
    fn transparency_becomes_white_paper() {
        let mut rgba = RgbaImage::new(2, 1);
        rgba.put_pixel(0, 0, Rgba([0, 0, 0, 0]));
        rgba.put_pixel(1, 0, Rgba([10, 20, 30, 255]));
        let rgba = DynamicImage::ImageRgba8(rgba);
        let rgb = flatten_rgb(&rgba);
        assert_eq!(rgb.get_pixel(0, 0).0, [255, 255, 255]);
        assert_eq!(rgb.get_pixel(1, 0).0, [10, 20, 30]);
    }

    #[test]
    fn renditions_are_jpeg_with_no_metadata_segments() {
        let jpeg = encode_jpeg(&RgbImage::from_pixel(64, 48, image::Rgb([200, 10, 10]))).expect("encodes");
        assert!(jpeg.starts_with(&[0xFF, 0xD8]));
        // APP1 (EXIF/XMP), APP13 (IPTC) and APP2 (ICC) never appear.
        let mut pos = 2;
        while jpeg[pos] == 0xFF && jpeg[pos + 1] != 0xDA {
            let marker = jpeg[pos + 1];
            assert!(![0xE1, 0xE2, 0xED].contains(&marker), "metadata marker {marker:#x}");
            pos += 2 + usize::from(u16::from_be_bytes([jpeg[pos + 2], jpeg[pos + 3]]));
        }
        assert_eq!(image::load_from_memory(&jpeg).expect("decodes").width(), 64);
    }
}
