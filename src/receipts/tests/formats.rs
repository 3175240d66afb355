//! JPEG variants that take other decoding paths than the baseline colour photo.

use image::GenericImageView;

use crate::receipts::{IntakeLimits, ingest};

/// A 900×600 gradient with a dark band, encoded by jpeg-encoder in `color` (CMYK for 4 bytes).
fn jpeg(color: jpeg_encoder::ColorType, progressive: bool) -> tempfile::NamedTempFile {
    let channels = match color {
        jpeg_encoder::ColorType::Luma => 1,
        jpeg_encoder::ColorType::Cmyk => 4,
        _ => 3,
    };
    let (w, h) = (900u16, 600u16);
    let pixels: Vec<u8> = (0..usize::from(w) * usize::from(h))
        .flat_map(|i| {
            let (x, y) = (i % usize::from(w), i / usize::from(w));
            let v = if (200..260).contains(&y) {
                30
            } else {
                (x * 255 / usize::from(w)) as u8
            };
            // CMYK values are ink: as much ink as the grey is dark.
            std::iter::repeat_n(if channels == 4 { 255 - v } else { v }, channels)
        })
        .collect();
    let file = tempfile::NamedTempFile::new().expect("temp file");
    let mut encoder = jpeg_encoder::Encoder::new_file(file.path(), 90).expect("encoder");
    encoder.set_progressive(progressive);
    encoder.encode(&pixels, w, h, color).expect("encode");
    file
}

#[test]
fn progressive_grey_and_cmyk_jpegs_are_read_with_the_right_size() {
    for (name, color, progressive) in [
        ("progressive", jpeg_encoder::ColorType::Rgb, true),
        ("grey", jpeg_encoder::ColorType::Luma, false),
        // CMYK is left to the general decoder.
        ("cmyk", jpeg_encoder::ColorType::Cmyk, false),
    ] {
        let file = jpeg(color, progressive);
        let got = ingest(file.path(), &IntakeLimits::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!((got.width, got.height), (900, 600), "{name}");
        let screen = image::load_from_memory(&got.screen).expect("screen decodes");
        assert_eq!(screen.dimensions(), (900, 600), "{name}");
        let thumb = image::load_from_memory(&got.thumb).expect("thumb decodes");
        assert_eq!(thumb.dimensions(), (320, 213), "{name}");
        // The dark band survives in the rendition: the pixels were really decoded.
        let band = screen.to_luma8().get_pixel(450, 230).0[0];
        let light = screen.to_luma8().get_pixel(850, 100).0[0];
        assert!(band < 80 && light > 150, "{name}: band {band}, light {light}");
    }
}
