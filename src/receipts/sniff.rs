//! Recognises a receipt file from its first bytes. The client's file name and Content-Type are
//! never consulted: a text file named `.jpg` is text.

use super::error::{IntakeError, RefusedKind};

/// The accepted formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    Jpeg,
    Png,
    WebP,
    Tiff,
}

impl ImageKind {
    pub fn content_type(self) -> &'static str {
        match self {
            ImageKind::Jpeg => "image/jpeg",
            ImageKind::Png => "image/png",
            ImageKind::WebP => "image/webp",
            ImageKind::Tiff => "image/tiff",
        }
    }

    pub(crate) fn image_format(self) -> image::ImageFormat {
        match self {
            ImageKind::Jpeg => image::ImageFormat::Jpeg,
            ImageKind::Png => image::ImageFormat::Png,
            ImageKind::WebP => image::ImageFormat::WebP,
            ImageKind::Tiff => image::ImageFormat::Tiff,
        }
    }
}

fn refuse(detected: RefusedKind) -> IntakeError {
    IntakeError::Unsupported { detected }
}

/// The accepted format `bytes` start with, or a refusal naming what the file is instead.
pub fn sniff(bytes: &[u8]) -> Result<ImageKind, IntakeError> {
    let head = &bytes[..bytes.len().min(1024)];
    if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Ok(ImageKind::Jpeg);
    }
    if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Ok(ImageKind::Png);
    }
    if head.len() >= 12 && head.starts_with(b"RIFF") && &head[8..12] == b"WEBP" {
        return Ok(ImageKind::WebP);
    }
    if head.starts_with(b"II*\0") || head.starts_with(b"MM\0*") {
        return Ok(ImageKind::Tiff);
    }
    if head.len() >= 12 && &head[4..8] == b"ftyp" {
        return Err(iso_media(&head[8..12]));
    }
    // PDF readers accept the header anywhere in the first KiB.
    if head.windows(5).any(|w| w == b"%PDF-") {
        return Err(refuse(RefusedKind::Pdf));
    }
    if head.starts_with(b"GIF87a") || head.starts_with(b"GIF89a") {
        return Err(refuse(RefusedKind::Gif));
    }
    if head.starts_with(b"BM") && head.len() >= 26 {
        return Err(refuse(RefusedKind::Bmp));
    }
    if head.starts_with(b"PK\x03\x04") {
        return Err(refuse(RefusedKind::Archive));
    }
    if looks_like_text(head) {
        return Err(refuse(RefusedKind::Text));
    }
    Err(refuse(RefusedKind::Unknown))
}

/// ISO base media files (`ftyp` box): HEIC/HEIF photos, AVIF, or video.
fn iso_media(brand: &[u8]) -> IntakeError {
    match brand {
        b"heic" | b"heix" | b"heim" | b"heis" | b"hevc" | b"hevx" | b"hevm" | b"hevs" | b"mif1" | b"msf1" => {
            refuse(RefusedKind::Heic)
        }
        b"avif" | b"avis" => refuse(RefusedKind::Avif),
        _ => refuse(RefusedKind::Media),
    }
}

fn looks_like_text(head: &[u8]) -> bool {
    if head.is_empty() {
        return false;
    }
    // A multi-byte character may be cut at the end of the window.
    let valid = match std::str::from_utf8(head) {
        Ok(s) => s,
        Err(e) if e.error_len().is_none() => match std::str::from_utf8(&head[..e.valid_up_to()]) {
            Ok(s) => s,
            Err(_) => return false,
        },
        Err(_) => return false,
    };
    !valid.is_empty() && valid.chars().all(|c| !c.is_control() || c.is_whitespace())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detected(bytes: &[u8]) -> RefusedKind {
        match sniff(bytes) {
            Err(IntakeError::Unsupported { detected }) => detected,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn accepted_formats_are_recognised_from_magic_numbers() {
        assert_eq!(sniff(b"\xFF\xD8\xFF\xE0\0\x10JFIF"), Ok(ImageKind::Jpeg));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Ok(ImageKind::Png));
        assert_eq!(sniff(b"RIFF\x24\0\0\0WEBPVP8 "), Ok(ImageKind::WebP));
        assert_eq!(sniff(b"II*\0\x08\0\0\0"), Ok(ImageKind::Tiff));
        assert_eq!(sniff(b"MM\0*\0\0\0\x08"), Ok(ImageKind::Tiff));
    }

    #[test]
    fn refusals_name_what_the_file_is() {
        assert_eq!(detected(b"%PDF-1.7\n%\xE2\xE3"), RefusedKind::Pdf);
        assert_eq!(detected(b"\0\0\0\x18ftypheic\0\0\0\0mif1heic"), RefusedKind::Heic);
        assert_eq!(detected("发票 receipt 950.00 元\n".as_bytes()), RefusedKind::Text);
        assert_eq!(detected(b"\x00\x01\x02\x03garbage"), RefusedKind::Unknown);
        assert_eq!(detected(b""), RefusedKind::Unknown);
        assert_eq!(detected(b"GIF89a\x01\0\x01\0"), RefusedKind::Gif);
        assert_eq!(detected(b"PK\x03\x04\x14\0"), RefusedKind::Archive);
    }

    #[test]
    fn text_cut_inside_a_character_is_still_text() {
        let mut text = "收".repeat(400).into_bytes();
        text.truncate(1024);
        assert!(looks_like_text(&text[..1024]));
    }
}
