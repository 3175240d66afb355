//! The deep search for a QR code in a phone photo, the way production decoders look: ZXing's
//! finder-pattern search (its C++ port, through `rxing`) on a locally binarized image (the
//! hybrid binarizer: a threshold per 8×8 block from its 5×5 neighbourhood, so a shadow's
//! edge or a light gradient across the code does not matter), at full resolution and at 1/2
//! and 1/4 (blur and JPEG noise average away in the smaller images, large codes get small
//! enough for the finder search), with ZXing's older detector and rqrr's own binarization as
//! second opinions. The first invoice payload ends the search; every detector call is guarded
//! against panics, and the search stops trying further passes past its deadline.

use std::collections::HashSet;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Instant;

use image::GrayImage;
use rxing::common::HybridBinarizer;
use rxing::multi::MultipleBarcodeReader;
use rxing::qrcode::QRCodeReader;
use rxing::qrcode::cpp_port::QrReader;
use rxing::{BarcodeFormat, BinaryBitmap, DecodeHints, Luma8Source, Reader};

use super::{QrReading, reading};

/// One way of looking at an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Detector {
    /// ZXing's C++ detector (any number of codes), hybrid binarizer.
    Zxing,
    /// ZXing's Java detector (one code), hybrid binarizer: other finder-pattern heuristics.
    ZxingClassic,
    /// rqrr (quirc's algorithm), its own adaptive threshold.
    Rqrr,
}

/// The passes in order: cheap and likely first. (scale divisor, detector)
const PASSES: [(u32, Detector); 7] = [
    (2, Detector::Zxing),
    (1, Detector::Zxing),
    (4, Detector::Zxing),
    (2, Detector::ZxingClassic),
    (1, Detector::ZxingClassic),
    (2, Detector::Rqrr),
    (1, Detector::Rqrr),
];

fn hints() -> DecodeHints {
    DecodeHints {
        TryHarder: Some(true),
        PossibleFormats: Some(HashSet::from([BarcodeFormat::QR_CODE])),
        ..DecodeHints::default()
    }
}

/// The payloads `detector` decodes in `grey`; nothing when it fails or panics.
pub(crate) fn detect(grey: &GrayImage, detector: Detector) -> Vec<String> {
    let (w, h) = grey.dimensions();
    if w == 0 || h == 0 {
        return Vec::new();
    }
    let found = catch_unwind(AssertUnwindSafe(|| match detector {
        Detector::Zxing | Detector::ZxingClassic => {
            let Ok(source) = Luma8Source::new_with_slice(grey.as_raw(), w, h) else {
                return Vec::new();
            };
            let mut bitmap = BinaryBitmap::new(HybridBinarizer::new(source));
            let hints = hints();
            if detector == Detector::Zxing {
                QrReader
                    .decode_multiple_with_hints(&mut bitmap, &hints)
                    .map(|found| found.iter().map(|r| r.getText().to_owned()).collect())
                    .unwrap_or_default()
            } else {
                QRCodeReader
                    .decode_with_hints(&mut bitmap, &hints)
                    .map(|r| vec![r.getText().to_owned()])
                    .unwrap_or_default()
            }
        }
        Detector::Rqrr => receipt_pixels::qr_grids(grey).1,
    }));
    found.unwrap_or_default()
}

/// `grey` reduced by `divisor` in each direction, each pixel the mean of its block.
pub(crate) fn shrink(grey: &GrayImage, divisor: u32) -> GrayImage {
    if divisor <= 1 {
        return grey.clone();
    }
    let (w, h) = (grey.width() / divisor, grey.height() / divisor);
    let raw = grey.as_raw();
    let stride = grey.width() as usize;
    let d = divisor as usize;
    let area = (d * d) as u32;
    GrayImage::from_fn(w, h, |x, y| {
        let (x0, y0) = (x as usize * d, y as usize * d);
        let sum: u32 = (y0..y0 + d)
            .map(|row| {
                raw[row * stride + x0..row * stride + x0 + d]
                    .iter()
                    .map(|&v| u32::from(v))
                    .sum::<u32>()
            })
            .sum();
        image::Luma([((sum + area / 2) / area) as u8])
    })
}

/// Searches `grey` pass by pass until an invoice payload is read or `deadline` passes; a
/// payload that is not an invoice is kept only when no pass reads an invoice.
pub(crate) fn search(grey: &GrayImage, deadline: Instant) -> Option<QrReading> {
    let mut other: Option<QrReading> = None;
    let mut scaled: Vec<(u32, GrayImage)> = Vec::new();
    for (divisor, detector) in PASSES {
        if Instant::now() >= deadline {
            break;
        }
        let image = match divisor {
            1 => grey,
            _ => {
                if !scaled.iter().any(|(d, _)| *d == divisor) {
                    scaled.push((divisor, shrink(grey, divisor)));
                }
                match scaled.iter().find(|(d, _)| *d == divisor) {
                    Some((_, image)) => image,
                    None => continue,
                }
            }
        };
        if image.width() < 21 || image.height() < 21 {
            continue;
        }
        for text in detect(image, detector) {
            let found = reading(text);
            if found.invoice.is_some() {
                return Some(found);
            }
            other.get_or_insert(found);
        }
    }
    other
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shrinking_averages_blocks() {
        let grey = GrayImage::from_fn(4, 2, |x, _| image::Luma([if x < 2 { 0 } else { 200 }]));
        let half = shrink(&grey, 2);
        assert_eq!(half.dimensions(), (2, 1));
        assert_eq!(half.as_raw(), &vec![0, 200]);
    }

    #[test]
    fn a_blank_image_reads_nothing_and_a_spent_deadline_stops_before_any_pass() {
        let blank = GrayImage::from_pixel(300, 200, image::Luma([240]));
        assert_eq!(search(&blank, Instant::now() + std::time::Duration::from_secs(5)), None);
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/receipts-fixtures/e-invoice.webp");
        let invoice = image::open(path).expect("fixture decodes").to_luma8();
        assert_eq!(search(&invoice, Instant::now()), None);
        let read = search(&invoice, Instant::now() + std::time::Duration::from_secs(30));
        assert_eq!(
            read.and_then(|r| r.invoice).map(|i| i.key),
            Some("25442000000012341234".to_owned())
        );
    }
}
