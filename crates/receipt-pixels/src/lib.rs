//! The pixel loops of village-ledger's receipt intake: downscaling (SIMD convolution), grey
//! conversion, JPEG encoding and rqrr's QR grid search, behind functions of concrete types.
//!
//! A crate of its own so that test builds optimise them. The code of `fast_image_resize`,
//! `jpeg-encoder` and `rqrr` that does the work is generic (or `#[inline]`) and is compiled in
//! the crate that names its types: called from village-ledger it was built unoptimised in debug
//! builds, whatever the dependency's own `opt-level`, and took about two thirds of the CPU of
//! the demo county's receipt intake. Called from here, it is built with this crate's
//! `opt-level = 3` (see the workspace's `[profile.dev.package.receipt-pixels]`).

use image::{GrayImage, RgbImage};

/// `raw` (`width` × `height` pixels of `channels` bytes: 1 grey, 3 RGB, 4 RGBA) scaled to
/// `to` with a Catmull-Rom convolution, which keeps text sharp.
pub fn downscale(raw: &[u8], width: u32, height: u32, channels: u8, to: (u32, u32)) -> Result<Vec<u8>, String> {
    use fast_image_resize::images::{Image, ImageRef};
    use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
    let pixel_type = match channels {
        1 => PixelType::U8,
        3 => PixelType::U8x3,
        4 => PixelType::U8x4,
        n => return Err(format!("{n} channels")),
    };
    let source = ImageRef::new(width, height, raw, pixel_type).map_err(|e| e.to_string())?;
    let mut target = Image::new(to.0, to.1, pixel_type);
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::CatmullRom));
    Resizer::new()
        .resize(&source, &mut target, &options)
        .map_err(|e| e.to_string())?;
    Ok(target.into_vec())
}

/// 8-bit grey of `rgb`: Rec. 709 luma, as `image` computes it, in integers.
pub fn luma(rgb: &RgbImage) -> GrayImage {
    let luma = rgb
        .as_raw()
        .chunks_exact(3)
        .map(|p| {
            let (r, g, b) = (u32::from(p[0]), u32::from(p[1]), u32::from(p[2]));
            // At most 255 * 10000 / 10000: fits a u8.
            ((r * 2126 + g * 7152 + b * 722 + 5000) / 10000) as u8
        })
        .collect();
    GrayImage::from_raw(rgb.width(), rgb.height(), luma).unwrap_or_else(|| GrayImage::new(rgb.width(), rgb.height()))
}

/// `rgb` as a baseline JPEG of `quality` with a JFIF header and nothing else; AVX2 is used
/// when the processor has it.
pub fn encode_jpeg(rgb: &RgbImage, quality: u8) -> Result<Vec<u8>, String> {
    let too_large = || "a JPEG side is at most 65535 pixels".to_owned();
    let width = u16::try_from(rgb.width()).map_err(|_| too_large())?;
    let height = u16::try_from(rgb.height()).map_err(|_| too_large())?;
    let mut out = Vec::with_capacity(rgb.as_raw().len() / 8);
    jpeg_encoder::Encoder::new(&mut out, quality)
        .encode(rgb.as_raw(), width, height, jpeg_encoder::ColorType::Rgb)
        .map_err(|e| e.to_string())?;
    Ok(out)
}

/// What rqrr found in a grey image: how many QR grids it saw, and the texts of those it
/// decoded. rqrr is a heuristic detector and may panic: callers catch that.
pub fn qr_grids(grey: &GrayImage) -> (usize, Vec<String>) {
    let (w, h) = (grey.width() as usize, grey.height() as usize);
    let raw = grey.as_raw();
    let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| raw[y * w + x]);
    let grids = prepared.detect_grids();
    let texts = grids.iter().filter_map(|g| g.decode().ok()).map(|(_, t)| t).collect();
    (grids.len(), texts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn downscaling_keeps_a_flat_colour_and_refuses_odd_channels() {
        let raw = [200u8, 10, 10].repeat(64 * 48);
        let small = downscale(&raw, 64, 48, 3, (16, 12)).expect("scales");
        assert_eq!(small.len(), 16 * 12 * 3);
        assert!(small.chunks_exact(3).all(|p| p == [200, 10, 10]), "{small:?}");
        assert!(downscale(&raw, 64, 48, 2, (16, 12)).is_err());
    }

    #[test]
    fn luma_weights_green_most() {
        let rgb = RgbImage::from_raw(3, 1, vec![255, 0, 0, 0, 255, 0, 0, 0, 255]).expect("3 pixels");
        assert_eq!(luma(&rgb).as_raw(), &vec![54, 182, 18]);
    }

    #[test]
    fn a_jpeg_starts_with_its_marker_and_a_blank_image_has_no_qr_grid() {
        let jpeg = encode_jpeg(&RgbImage::from_pixel(64, 48, image::Rgb([200, 10, 10])), 82).expect("encodes");
        assert!(jpeg.starts_with(&[0xFF, 0xD8]));
        assert_eq!(qr_grids(&GrayImage::from_pixel(64, 64, image::Luma([255]))), (0, Vec::new()));
    }
}
