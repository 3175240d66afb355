//! Reading the QR code on a receipt: a reduced grey image is searched first; the full resolution
//! is tried only when a QR grid was seen there but could not be decoded (modules too small).

use std::panic::{AssertUnwindSafe, catch_unwind};

use image::GrayImage;

use super::error::IntakeError;
use crate::domain::InvoiceQr;

/// The QR payload found on a receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrReading {
    /// The raw payload, kept as evidence whether or not it is an invoice.
    pub text: String,
    /// The payload parsed as a VAT invoice QR, when it is one.
    pub invoice: Option<InvoiceQr>,
}

/// What one search pass saw.
#[derive(Debug, PartialEq, Eq)]
enum Pass {
    Decoded(Vec<String>),
    SeenNotDecoded,
    Nothing,
}

fn search(grey: &GrayImage) -> Pass {
    let (w, h) = (grey.width() as usize, grey.height() as usize);
    let raw = grey.as_raw();
    // rqrr is a heuristic detector; a panic in it must not cost the clerk the upload.
    let pass = catch_unwind(AssertUnwindSafe(|| {
        let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| raw[y * w + x]);
        let grids = prepared.detect_grids();
        let texts: Vec<String> = grids.iter().filter_map(|g| g.decode().ok()).map(|(_, t)| t).collect();
        match (grids.is_empty(), texts.is_empty()) {
            (true, _) => Pass::Nothing,
            (false, true) => Pass::SeenNotDecoded,
            (false, false) => Pass::Decoded(texts),
        }
    }));
    pass.unwrap_or(Pass::Nothing)
}

/// Picks the payload to keep: the first invoice payload if any, else the first payload.
fn choose(texts: Vec<String>) -> Option<QrReading> {
    let readings: Vec<QrReading> = texts
        .into_iter()
        .map(|text| QrReading {
            invoice: InvoiceQr::parse(&text),
            text,
        })
        .collect();
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

    #[test]
    fn a_blank_page_has_no_qr_and_never_asks_for_full_resolution() {
        let blank = GrayImage::from_pixel(400, 300, image::Luma([250]));
        let found = read_qr(&blank, || panic!("full resolution must not be decoded"));
        assert_eq!(found, Ok(None));
    }
}
