//! The 64-bit perceptual hash of a receipt (pHash: DCT of a 32×32 grey reduction, each of the
//! 8×8 lowest frequencies compared with their median), so that the same paper photographed
//! twice is found by a small Hamming distance between hashes.
//!
//! The hash is taken from the `thumb` rendition, so it is the same whichever path decoded the
//! original (scaled JPEG or full resolution).

use image::RgbImage;
use image_hasher::{HashAlg, HasherConfig};

/// Hamming distance at or below which two receipts are likely the same paper.
pub const SAME_PAPER_MAX_DISTANCE: u32 = 10;

/// The perceptual hash as 16 lowercase hex digits.
pub fn perceptual_hash(image: &RgbImage) -> String {
    let hasher = HasherConfig::with_bytes_type::<[u8; 8]>()
        .hash_size(8, 8)
        .hash_alg(HashAlg::Median)
        .preproc_dct()
        .to_hasher();
    hasher
        .hash_image(image)
        .as_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Number of differing bits between two hashes made by [`perceptual_hash`]; `None` when either
/// is not 16 hex digits.
pub fn phash_distance(a: &str, b: &str) -> Option<u32> {
    let parse = |s: &str| {
        (s.len() == 16 && s.bytes().all(|c| c.is_ascii_hexdigit()))
            .then(|| u64::from_str_radix(s, 16).ok())
            .flatten()
    };
    Some((parse(a)? ^ parse(b)?).count_ones())
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

    fn stripes(period: u32, brightness: u8) -> RgbImage {
        RgbImage::from_fn(320, 240, |x, y| {
            if (x / period + y / 40).is_multiple_of(2) {
                Rgb([brightness; 3])
            } else {
                Rgb([20; 3])
            }
        })
    }

    #[test]
    fn hash_is_sixteen_hex_digits() {
        let hash = perceptual_hash(&stripes(32, 240));
        assert_eq!(hash.len(), 16);
        assert!(hash.bytes().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    }

    #[test]
    fn brightness_barely_moves_the_hash_and_other_content_moves_it_far() {
        let a = perceptual_hash(&stripes(32, 240));
        let brighter = perceptual_hash(&stripes(32, 200));
        let other = perceptual_hash(&stripes(80, 240));
        let same = phash_distance(&a, &brighter).expect("valid hashes");
        let different = phash_distance(&a, &other).expect("valid hashes");
        assert!(same <= SAME_PAPER_MAX_DISTANCE, "same picture, distance {same}");
        assert!(
            different > SAME_PAPER_MAX_DISTANCE,
            "different picture, distance {different}"
        );
    }

    #[test]
    fn distance_counts_differing_bits_and_rejects_malformed_hashes() {
        assert_eq!(phash_distance("0000000000000000", "000000000000000f"), Some(4));
        assert_eq!(phash_distance("ffffffffffffffff", "0000000000000000"), Some(64));
        assert_eq!(phash_distance("abc", "0000000000000000"), None);
        assert_eq!(phash_distance("+000000000000000", "0000000000000000"), None);
    }
}
