//! Each committed fixture's outcome (receipts-fixtures/README.md says the same in words).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use image::GenericImageView;

use crate::receipts::{
    Ingested, IntakeError, IntakeLimits, RefusedKind, SAME_PAPER_MAX_DISTANCE, ingest, phash_distance, render_full,
};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("receipts-fixtures")
        .join(name)
}

fn accepted(name: &str) -> Ingested {
    ingest(&fixture(name), &IntakeLimits::default()).unwrap_or_else(|e| panic!("{name} refused: {e}"))
}

fn refused(name: &str) -> IntakeError {
    match ingest(&fixture(name), &IntakeLimits::default()) {
        Ok(_) => panic!("{name} was accepted"),
        Err(e) => e,
    }
}

fn dimensions(jpeg: &[u8]) -> (u32, u32) {
    assert!(jpeg.starts_with(&[0xFF, 0xD8, 0xFF]), "a rendition is a JPEG");
    image::load_from_memory_with_format(jpeg, image::ImageFormat::Jpeg)
        .expect("rendition decodes")
        .dimensions()
}

/// The JPEG markers before the first scan.
fn header_markers(jpeg: &[u8]) -> Vec<u8> {
    let mut markers = Vec::new();
    let mut pos = 2;
    while jpeg[pos] == 0xFF && jpeg[pos + 1] != 0xDA {
        markers.push(jpeg[pos + 1]);
        pos += 2 + usize::from(u16::from_be_bytes([jpeg[pos + 2], jpeg[pos + 3]]));
    }
    markers
}

fn assert_no_metadata(jpeg: &[u8]) {
    let markers = header_markers(jpeg);
    for metadata in [0xE1, 0xE2, 0xED] {
        assert!(
            !markers.contains(&metadata),
            "APP marker {metadata:#x} in a rendition: {markers:x?}"
        );
    }
    assert!(!jpeg.windows(4).any(|w| w == b"Exif"), "EXIF bytes in a rendition");
}

#[test]
fn phone_photo_is_turned_upright_and_its_renditions_carry_no_exif_or_gps() {
    let original = std::fs::read(fixture("phone-orient6-gps.jpg")).expect("fixture");
    assert!(
        original.windows(4).any(|w| w == b"Exif"),
        "the fixture itself carries EXIF"
    );
    let got = accepted("phone-orient6-gps.jpg");
    assert_eq!(got.content_type, "image/jpeg");
    // Stored 2000×1500, orientation 6: shown 1500×2000.
    assert_eq!((got.width, got.height), (1500, 2000));
    assert_eq!(dimensions(&got.screen), (1200, 1600));
    assert_eq!(dimensions(&got.thumb), (240, 320));
    assert_no_metadata(&got.screen);
    assert_no_metadata(&got.thumb);
    assert_eq!((got.invoice, got.qr_text), (None, None));
    assert_eq!(got.phash.len(), 16);
}

#[test]
fn full_rendition_keeps_every_pixel_upright_without_metadata() {
    let full = render_full(&fixture("phone-orient6-gps.jpg"), &IntakeLimits::default()).expect("renders");
    assert_eq!(dimensions(&full), (1500, 2000));
    assert_no_metadata(&full);
}

#[test]
fn twelve_megapixel_phone_photo_is_decoded_at_reduced_scale_for_renditions() {
    let got = accepted("phone-12mp-orient6-gps.jpg");
    assert_eq!((got.width, got.height), (3000, 4000));
    assert_eq!(dimensions(&got.screen), (1200, 1600));
    assert_eq!(dimensions(&got.thumb), (240, 320));
    assert_no_metadata(&got.screen);
}

#[test]
fn flatbed_scan_png_keeps_a_non_invoice_qr_as_text() {
    let got = accepted("scan-flatbed.png");
    assert_eq!(got.content_type, "image/png");
    assert_eq!((got.width, got.height), (1748, 2480));
    assert_eq!(dimensions(&got.screen), (1128, 1600));
    assert_eq!(
        got.qr_text.as_deref(),
        Some("https://ledger.example.cn/v/331022001201/2024/0042")
    );
    assert_eq!(got.invoice, None);
}

#[test]
fn tiff_scan_is_accepted_and_small_images_are_never_upscaled() {
    let got = accepted("scan.tiff");
    assert_eq!(got.content_type, "image/tiff");
    assert_eq!((got.width, got.height), (1240, 1754));
    assert_eq!(dimensions(&got.screen), (1131, 1600));
    let tiny = tempfile::NamedTempFile::new().expect("temp file");
    image::RgbImage::from_pixel(200, 100, image::Rgb([240, 240, 240]))
        .save_with_format(tiny.path(), image::ImageFormat::Png)
        .expect("write png");
    let got = ingest(tiny.path(), &IntakeLimits::default()).expect("accepted");
    assert_eq!(dimensions(&got.screen), (200, 100));
    assert_eq!(dimensions(&got.thumb), (200, 100));
}

#[test]
fn traditional_invoice_qr_is_read_into_fen_and_key() {
    let got = accepted("invoice-traditional.jpg");
    let invoice = got.invoice.expect("invoice QR read");
    assert_eq!(invoice.key, "01100160511180100798");
    assert_eq!(invoice.amount_fen, 6_490);
    assert_eq!(invoice.issued_on.to_string(), "2016-10-18");
    assert_eq!(
        got.qr_text.as_deref(),
        Some("01,10,011001605111,80100798,64.9,20161018,85342965681116380258")
    );
}

#[test]
fn e_invoice_webp_qr_is_keyed_by_its_20_digit_number() {
    let got = accepted("e-invoice.webp");
    assert_eq!(got.content_type, "image/webp");
    assert_eq!((got.width, got.height), (1400, 900));
    let invoice = got.invoice.expect("invoice QR read");
    assert_eq!(invoice.invoice_code, None);
    assert_eq!(invoice.key, "25442000000012341234");
    assert_eq!(invoice.amount_fen, 66_600);
}

#[test]
fn the_same_paper_photographed_twice_has_nearby_hashes_and_other_receipts_do_not() {
    let a = accepted("same-paper-a.jpg").phash;
    let b = accepted("same-paper-b.jpg").phash;
    let same = phash_distance(&a, &b).expect("valid hashes");
    assert!(
        same <= SAME_PAPER_MAX_DISTANCE,
        "same paper: distance {same} ({a} vs {b})"
    );
    for other in [
        "phone-orient6-gps.jpg",
        "invoice-traditional.jpg",
        "scan-flatbed.png",
        "e-invoice.webp",
    ] {
        let hash = accepted(other).phash;
        let distance = phash_distance(&a, &hash).expect("valid hashes");
        assert!(
            distance > SAME_PAPER_MAX_DISTANCE,
            "{other}: distance {distance} ({a} vs {hash})"
        );
    }
}

#[test]
fn refusals_name_the_problem() {
    let truncated = refused("truncated.jpg");
    assert!(matches!(truncated, IntakeError::Corrupt(_)), "{truncated:?}");
    assert!(truncated.to_string().contains("cut off"), "{truncated}");

    // What to do about each is the api's words (the catalogue's `receipt-refused-*`).
    for (name, detected) in [
        ("text-named.jpg", RefusedKind::Text),
        ("document.pdf", RefusedKind::Pdf),
        ("photo.heic", RefusedKind::Heic),
    ] {
        let e = refused(name);
        assert_eq!(e, IntakeError::Unsupported { detected }, "{name}");
    }
}

#[test]
fn decompression_bomb_is_refused_from_its_header_at_once() {
    let started = Instant::now();
    let e = refused("bomb-100000x100000.png");
    assert_eq!(
        e,
        IntakeError::TooManyPixels {
            width: 100_000,
            height: 100_000,
            limit: 80_000_000
        }
    );
    // Decoding even the 200 rows present would take longer than reading the header.
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "took {:?}",
        started.elapsed()
    );
    let full = render_full(&fixture("bomb-100000x100000.png"), &IntakeLimits::default());
    assert!(matches!(full, Err(IntakeError::TooManyPixels { .. })));
}

#[test]
fn a_jpeg_header_promising_a_huge_frame_is_refused_before_decoding() {
    // SOI, SOF0 60000×60000 3 components, SOS, EOI: no image data at all.
    let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xC0, 0, 17, 8, 0xEA, 0x60, 0xEA, 0x60, 3];
    jpeg.extend_from_slice(&[1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
    jpeg.extend_from_slice(&[0xFF, 0xDA, 0, 12, 3, 1, 0, 2, 0x11, 3, 0x11, 0, 63, 0, 0xFF, 0xD9]);
    let file = tempfile::NamedTempFile::new().expect("temp file");
    std::fs::write(file.path(), &jpeg).expect("write");
    let e = ingest(file.path(), &IntakeLimits::default()).expect_err("refused");
    assert_eq!(
        e,
        IntakeError::TooManyPixels {
            width: 60_000,
            height: 60_000,
            limit: 80_000_000
        }
    );
}

#[test]
fn configured_limits_on_bytes_and_pixels_are_enforced() {
    let photo = fixture("phone-orient6-gps.jpg");
    let small = IntakeLimits {
        max_bytes: 100_000,
        ..IntakeLimits::default()
    };
    let e = ingest(&photo, &small).expect_err("too large");
    assert_eq!(e, IntakeError::TooLarge { limit: 100_000 });
    let few_pixels = IntakeLimits {
        max_pixels: 2_000_000,
        ..IntakeLimits::default()
    };
    let e = ingest(&photo, &few_pixels).expect_err("too many pixels");
    assert!(
        matches!(e, IntakeError::TooManyPixels { limit: 2_000_000, .. }),
        "{e:?}"
    );
    let e = render_full(&fixture("scan-flatbed.png"), &few_pixels).expect_err("too many pixels");
    assert_eq!(
        e,
        IntakeError::TooManyPixels {
            width: 1748,
            height: 2480,
            limit: 2_000_000
        }
    );
}

#[test]
fn a_missing_file_is_a_server_error_and_a_decoder_panic_is_a_refusal() {
    let e = ingest(&fixture("no-such-file.jpg"), &IntakeLimits::default()).expect_err("missing");
    assert!(matches!(e, IntakeError::Io(_)), "{e:?}");
    let panicked: Result<(), IntakeError> = crate::receipts::decode::guarded(|| panic!("decoder bug"));
    assert!(matches!(panicked, Err(IntakeError::Corrupt(_))));
}
