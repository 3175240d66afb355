//! Recognises a receipt file from its first bytes. The client's file name and Content-Type are
//! never consulted: a text file named `.jpg` is text.

use super::error::IntakeError;

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

const NOT_AN_IMAGE: &str = "this is not an image; upload the scan or photo of the receipt as JPEG or PNG";

fn refuse(detected: &str, hint: &str) -> IntakeError {
    IntakeError::Unsupported {
        detected: detected.to_owned(),
        hint: hint.to_owned(),
    }
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
        return Err(refuse(
            "a PDF document",
            "export the page as a JPEG or PNG image and upload that",
        ));
    }
    if head.starts_with(b"GIF87a") || head.starts_with(b"GIF89a") {
        return Err(refuse("a GIF image", "save it as PNG and upload that"));
    }
    if head.starts_with(b"BM") && head.len() >= 26 {
        return Err(refuse("a BMP image", "save it as PNG or JPEG and upload that"));
    }
    if head.starts_with(b"PK\x03\x04") {
        return Err(refuse(
            "an archive or office document",
            "export the page as a JPEG or PNG image and upload that",
        ));
    }
    if looks_like_text(head) {
        return Err(refuse("text", NOT_AN_IMAGE));
    }
    Err(refuse("not a recognised file type", NOT_AN_IMAGE))
}

/// ISO base media files (`ftyp` box): HEIC/HEIF photos, AVIF, or video.
fn iso_media(brand: &[u8]) -> IntakeError {
    match brand {
        b"heic" | b"heix" | b"heim" | b"heis" | b"hevc" | b"hevx" | b"hevm" | b"hevs" | b"mif1" | b"msf1" => refuse(
            "a HEIC/HEIF photo",
            "export the photo as JPEG (on an iPhone: Settings › Camera › Formats › Most Compatible) and upload that",
        ),
        b"avif" | b"avis" => refuse("an AVIF image", "export the photo as JPEG and upload that"),
        _ => refuse("a video or other media file", NOT_AN_IMAGE),
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

    fn detected(bytes: &[u8]) -> String {
        match sniff(bytes) {
            Err(IntakeError::Unsupported { detected, hint }) => format!("{detected}: {hint}"),
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
    fn refusals_tell_the_clerk_what_to_do() {
        assert!(detected(b"%PDF-1.7\n%\xE2\xE3").contains("export the page as a JPEG or PNG"));
        let heic = detected(b"\0\0\0\x18ftypheic\0\0\0\0mif1heic");
        assert!(
            heic.contains("HEIC") && heic.contains("export the photo as JPEG"),
            "{heic}"
        );
        let text = detected("发票 receipt 950.00 元\n".as_bytes());
        assert!(text.starts_with("text: this is not an image"), "{text}");
        assert!(detected(b"\x00\x01\x02\x03garbage").contains("this is not an image"));
        assert!(detected(b"").contains("this is not an image"));
        assert!(detected(b"GIF89a\x01\0\x01\0").contains("PNG"));
    }

    #[test]
    fn text_cut_inside_a_character_is_still_text() {
        let mut text = "收".repeat(400).into_bytes();
        text.truncate(1024);
        assert!(looks_like_text(&text[..1024]));
    }
}
