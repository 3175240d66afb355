//! Reading the QR code on a receipt. At intake a reduced grey image is searched (rqrr); the full
//! resolution is tried only when a QR grid was seen there but could not be decoded (modules too
//! small). A receipt whose intake read no invoice is searched again, after the upload is
//! answered, by the deep search of [`deep`] (several detectors, binarizations and scales on the
//! full-resolution photo), which reads the codes of ordinary phone photos.

use std::panic::{AssertUnwindSafe, catch_unwind};

use image::GrayImage;

use super::error::IntakeError;
use crate::domain::InvoiceQr;
pub use crate::domain::QrSearch;

pub(crate) mod deep;

/// The QR payload found on a receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrReading {
    /// The raw payload, kept as evidence whether or not it is an invoice.
    pub text: String,
    /// The payload parsed as a VAT invoice QR, when it is one.
    pub invoice: Option<InvoiceQr>,
}

/// A payload as read, parsed as an invoice when it is one.
pub(crate) fn reading(text: String) -> QrReading {
    QrReading {
        invoice: InvoiceQr::parse(&text),
        text,
    }
}

/// What one search pass saw.
#[derive(Debug, PartialEq, Eq)]
enum Pass {
    Decoded(Vec<String>),
    SeenNotDecoded,
    Nothing,
}

fn search(grey: &GrayImage) -> Pass {
    // rqrr is a heuristic detector; a panic in it must not cost the clerk the upload.
    let pass = catch_unwind(AssertUnwindSafe(|| {
        let (grids, texts) = receipt_pixels::qr_grids(grey);
        match (grids == 0, texts.is_empty()) {
            (true, _) => Pass::Nothing,
            (false, true) => Pass::SeenNotDecoded,
            (false, false) => Pass::Decoded(texts),
        }
    }));
    pass.unwrap_or(Pass::Nothing)
}

/// Picks the payload to keep: the first invoice payload if any, else the first payload.
fn choose(texts: Vec<String>) -> Option<QrReading> {
    let readings: Vec<QrReading> = texts.into_iter().map(reading).collect();
    let first_invoice = readings.iter().position(|r| r.invoice.is_some()).unwrap_or(0);
    readings.into_iter().nth(first_invoice)
}

/// Searches `reduced`; when a grid is seen but not decoded, asks `full` for the full-resolution
/// grey image (`None` when `reduced` already is full resolution) and searches that.
pub(crate) fn read_qr(
    reduced: &GrayImage,
    full: impl FnOnce() -> Result<Option<GrayImage>, IntakeError>,
) -> Result<Option<QrReading>, IntakeError> {
    match search(reduced) {
        Pass::Decoded(texts) => Ok(choose(texts)),
        Pass::Nothing => Ok(None),
        Pass::SeenNotDecoded => match full()? {
            Some(full) => match search(&full) {
                Pass::Decoded(texts) => Ok(choose(texts)),
                _ => Ok(None),
            },
            None => Ok(None),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invoice_payload_is_preferred_over_an_earlier_plain_one() {
        let reading = choose(vec![
            "https://example.com/menu".to_owned(),
            "01,32,,25442000000012341234,666.00,20250208,,A6A1".to_owned(),
        ])
        .expect("a payload is chosen");
        assert_eq!(reading.invoice.map(|i| i.amount_fen), Some(66_600));
    }

    #[test]
    fn a_plain_payload_is_kept_as_text() {
        let reading = choose(vec!["WIFI:S:village;;".to_owned()]).expect("a payload is chosen");
        assert_eq!(
            reading,
            QrReading {
                text: "WIFI:S:village;;".to_owned(),
                invoice: None
            }
        );
        assert_eq!(choose(Vec::new()), None);
    }

    /// The e-invoice fixture in grey, and the same with the middle of its QR code blotted out.
    fn intact_and_blotted() -> (GrayImage, GrayImage) {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/receipts-fixtures/e-invoice.webp");
        let intact = image::open(path).expect("fixture decodes").to_luma8();
        let (w, h) = (intact.width() as usize, intact.height() as usize);
        let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| intact.as_raw()[y * w + x]);
        let grids = prepared.detect_grids();
        let corners = grids.first().expect("the fixture's QR code is found").bounds;
        let (xs, ys) = (corners.map(|p| p.x), corners.map(|p| p.y));
        let (x0, x1) = (xs.into_iter().min().unwrap_or(0), xs.into_iter().max().unwrap_or(0));
        let (y0, y1) = (ys.into_iter().min().unwrap_or(0), ys.into_iter().max().unwrap_or(0));
        let mut blotted = intact.clone();
        let (cx, cy, r) = ((x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 5);
        for y in cy - r..cy + r {
            for x in cx - r..cx + r {
                blotted.put_pixel(x as u32, y as u32, image::Luma([255]));
            }
        }
        (intact, blotted)
    }

    #[test]
    fn a_grid_seen_but_not_decoded_is_read_again_at_full_resolution() {
        let (intact, blotted) = intact_and_blotted();
        assert_eq!(search(&blotted), Pass::SeenNotDecoded);
        let reading = read_qr(&blotted, || Ok(Some(intact))).expect("no error");
        let invoice = reading
            .and_then(|r| r.invoice)
            .expect("read from the full-resolution image");
        assert_eq!(invoice.key, "25442000000012341234");
        assert_eq!(read_qr(&blotted, || Ok(None)), Ok(None));
    }

    #[test]
    fn a_blank_page_has_no_qr_and_never_asks_for_full_resolution() {
        let blank = GrayImage::from_pixel(400, 300, image::Luma([250]));
        let found = read_qr(&blank, || panic!("full resolution must not be decoded"));
        assert_eq!(found, Ok(None));
    }
}
