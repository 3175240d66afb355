//! Photographed invoices, made deterministically from a seed: the invoice QR formats in use
//! (traditional `01`, `04`, `10` with their invoice codes, and the fully digitised `31`/`32`
//! with a 20-digit number), printed on a paper invoice lying on a desk and photographed by a
//! 12-megapixel phone (4000×3000 as stored): turned up to ±30°, seen in perspective from
//! varying distance (the QR symbol 4–12 % of the frame's 4000 px width), defocused (Gaussian
//! σ 0.5–2 px), lit unevenly (a light gradient and the soft edge of a shadow), with sensor
//! noise, JPEG quality 60–92 and an EXIF orientation (photos stored sideways or upside down).
//! Some are chat-app copies instead: the phone's JPEG decoded, turned upright, scaled to
//! 1280 px on the long side and re-encoded without EXIF.
//!
//! Used by village-ledger's read-rate test (`tests/api/qr_photos.rs`) and its `qr_photo_set`
//! example, which writes the same files for the zxing-cpp comparison (`benches/qr_bench.py`).
//! A crate of its own so that test builds optimise it.

#![allow(clippy::expect_used, clippy::unwrap_used)] // test data: fail loudly

use rand::{Rng, SeedableRng};
use receipt_drawing::homography;
use rand_chacha::ChaCha8Rng;

/// Seed of the set the read-rate test reads and the benchmark compares.
pub const SEED: u64 = 17;
/// Photographs in that set.
pub const COUNT: usize = 40;

/// The stored frame of the phone (pixels as the sensor delivers them, before orientation).
pub const FRAME: (u32, u32) = (4000, 3000);
/// Long side of a chat app's copy.
pub const CHAT_EDGE: u32 = 1280;
/// The invoice formats in the set, by the QR's type field.
pub const FORMATS: [&str; 5] = ["01", "04", "10", "31", "32"];

/// One photograph's recipe: everything random about it, drawn from the seed.
#[derive(Debug, Clone)]
pub struct PhotoSpec {
    pub index: usize,
    /// The QR payload printed on the invoice.
    pub payload: String,
    pub format: &'static str,
    /// Side of the QR symbol as a share of the stored frame's width.
    pub qr_share: f64,
    pub rotation_deg: f64,
    /// Largest corner displacement of the perspective, as a share of the invoice's width.
    pub perspective: f64,
    pub blur_sigma: f32,
    /// Darkening at the far end of the light gradient, 0–1.
    pub gradient: f64,
    /// Darkening inside the shadow, 0–1.
    pub shadow: f64,
    /// Standard deviation of the sensor noise, in 8-bit levels.
    pub noise: f64,
    pub quality: u8,
    /// EXIF orientation tag of the stored file (1, 3, 6 or 8); 1 for chat copies.
    pub orientation: u16,
    pub chat_copy: bool,
    /// Seed of the pixel-level randomness (paper texture, noise).
    pub pixel_seed: u64,
}

impl PhotoSpec {
    pub fn file_name(&self) -> String {
        let kind = if self.chat_copy { "chat" } else { "phone" };
        format!("invoice-{:02}-{}-{kind}.jpg", self.index, self.format)
    }
}

fn digits(rng: &mut ChaCha8Rng, n: usize) -> String {
    (0..n).map(|_| char::from(b'0' + rng.gen_range(0..10u8))).collect()
}

fn hex4(rng: &mut ChaCha8Rng) -> String {
    format!("{:04X}", rng.gen_range(0..=0xFFFFu32))
}

/// A yuan amount as invoices print it: up to two decimals, trailing zeros sometimes dropped,
/// now and then negative (a red-letter invoice).
fn amount(rng: &mut ChaCha8Rng) -> String {
    let fen: i64 = rng.gen_range(100..5_000_000);
    let sign = if rng.gen_bool(0.1) { "-" } else { "" };
    let text = format!("{}.{:02}", fen / 100, fen % 100);
    let text = if rng.gen_bool(0.3) {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    };
    format!("{sign}{text}")
}

fn date(rng: &mut ChaCha8Rng) -> String {
    format!(
        "{}{:02}{:02}",
        rng.gen_range(2019..=2025),
        rng.gen_range(1..=12),
        rng.gen_range(1..=28)
    )
}

/// An invoice QR payload of the given type, as the tax authority's format writes it.
pub fn payload(rng: &mut ChaCha8Rng, format: &str) -> String {
    let (amount, date, crc) = (amount(rng), date(rng), hex4(rng));
    match format {
        // VAT special invoice: 10-digit code, no check code.
        "01" => format!("01,01,{},{},{amount},{date},,{crc}", digits(rng, 10), digits(rng, 8)),
        // VAT ordinary invoice: 10- or 12-digit code, 20-digit check code.
        "04" => {
            let code_len = if rng.gen_bool(0.5) { 10 } else { 12 };
            let (code, number, check) = (digits(rng, code_len), digits(rng, 8), digits(rng, 20));
            format!("01,04,{code},{number},{amount},{date},{check},{crc}")
        }
        // VAT ordinary e-invoice: 12-digit code, 20-digit check code.
        "10" => {
            let (code, number, check) = (digits(rng, 12), digits(rng, 8), digits(rng, 20));
            format!("01,10,{code},{number},{amount},{date},{check},{crc}")
        }
        // Fully digitised invoices (数电票): no code, a 20-digit number, no check code.
        other => format!("01,{other},,{},{amount},{date},,{crc}", digits(rng, 20)),
    }
}

/// The recipes of `count` photographs from `seed`: the formats in turn, every sixth one a chat
/// copy, the rest drawn at random within the documented ranges.
pub fn photo_set(seed: u64, count: usize) -> Vec<PhotoSpec> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..count)
        .map(|index| {
            let format = FORMATS[index % FORMATS.len()];
            let chat_copy = index % 6 == 5;
            let payload = payload(&mut rng, format);
            // A chat copy keeps under a third of the pixels: only a code photographed from
            // close by survives it, so its share is drawn from the upper part of the range.
            let qr_share = if chat_copy {
                rng.gen_range(0.09..0.12)
            } else {
                rng.gen_range(0.04..0.12)
            };
            let orientation = if chat_copy {
                1
            } else {
                [1, 1, 6, 6, 8, 3][rng.gen_range(0..6)]
            };
            PhotoSpec {
                index,
                payload,
                format,
                qr_share,
                rotation_deg: rng.gen_range(-30.0..30.0),
                perspective: rng.gen_range(0.0..0.12),
                blur_sigma: rng.gen_range(0.5..2.0),
                gradient: rng.gen_range(0.1..0.55),
                shadow: rng.gen_range(0.0..0.45),
                noise: rng.gen_range(1.5..7.0),
                quality: rng.gen_range(60..=92),
                orientation,
                chat_copy,
                pixel_seed: rng.r#gen(),
            }
        })
        .collect()
}

/// The QR symbol's modules, dark = true, row by row.
pub struct Symbol {
    pub side: usize,
    pub dark: Vec<bool>,
}

pub fn symbol(payload: &str) -> Symbol {
    use rxing::qrcode::common::ErrorCorrectionLevel;
    let code = rxing::qrcode::encoder::qrcode_encoder::encode(payload, ErrorCorrectionLevel::M)
        .expect("an invoice payload fits a QR code");
    let matrix = code.getMatrix().as_ref().expect("an encoded QR code has a matrix");
    let side = matrix.getWidth() as usize;
    let dark = (0..side * side)
        .map(|i| matrix.get((i % side) as u32, (i / side) as u32) == 1)
        .collect();
    Symbol { side, dark }
}

/// A fast deterministic generator for per-pixel randomness (xorshift64*).
struct PixelRng(u64);

impl PixelRng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Roughly normal, mean 0 and standard deviation 1 (sum of four uniforms).
    fn normal(&mut self) -> f64 {
        let r = self.next();
        let sum: u64 = (0..4).map(|i| (r >> (16 * i)) & 0xFFFF).sum();
        (sum as f64 / 65535.0 - 2.0) * 1.732
    }
}

/// The invoice in millimetres: a VAT invoice is 240 × 140 mm, its QR code 20 mm at the top
/// left, ruled boxes, lines of print and a red seal elsewhere.
const PAPER: (f64, f64) = (240.0, 140.0);
const QR_MM: (f64, f64, f64) = (12.0, 10.0, 20.0);

/// A hash of two integers, for patterns that must not cost a sine per pixel.
fn hash2(a: i64, b: i64) -> u64 {
    let mut h = (a as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (b as u64).wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
    h ^= h >> 29;
    h = h.wrapping_mul(0x1656_67B1_9E37_79F9);
    h ^ (h >> 32)
}

/// The invoice's colour at paper point (u, v) mm, RGB 0–255 before lighting.
fn paper_colour(u: f64, v: f64, symbol: &Symbol) -> [f64; 3] {
    let paper = [238.0, 236.0, 228.0];
    let ink = [38.0, 36.0, 40.0];
    let (qx, qy, qs) = QR_MM;
    if u >= qx && v >= qy && u < qx + qs && v < qy + qs {
        let n = symbol.side as f64;
        let (mx, my) = (((u - qx) / qs * n) as usize, ((v - qy) / qs * n) as usize);
        return if symbol.dark[my.min(symbol.side - 1) * symbol.side + mx.min(symbol.side - 1)] {
            ink
        } else {
            paper
        };
    }
    // The red seal (发票专用章), an ellipse ring at the top middle.
    let (ex, ey) = ((u - 120.0) / 20.0, (v - 18.0) / 13.0);
    let ring = ex * ex + ey * ey;
    if (0.74..1.0).contains(&ring) {
        return [190.0, 60.0, 55.0];
    }
    // Ruled boxes of the form, in the brown ink of VAT invoices.
    let ruled = |x: f64, at: &[f64]| at.iter().any(|&a| (x - a).abs() < 0.25);
    let in_table = (8.0..232.0).contains(&u) && (36.0..128.0).contains(&v);
    if in_table && (ruled(v, &[36.0, 58.0, 100.0, 110.0, 128.0]) || ruled(u, &[8.0, 20.0, 140.0, 150.0, 232.0])) {
        return [150.0, 100.0, 70.0];
    }
    // Lines of print: 3 × 3.5 mm characters in rows, each a random pattern of strokes.
    let (row, col) = ((v - 40.0) / 5.0, (u - 24.0) / 3.2);
    if in_table && row >= 0.0 && row.fract() < 0.7 && col >= 0.0 && col.fract() < 0.85 {
        let cell = hash2(row as i64, col as i64);
        if cell & 3 != 0 {
            let (sx, sy) = ((col.fract() * 5.0) as u32, (row.fract() * 5.0) as u32);
            if cell >> (8 + sy * 5 + sx) & 1 == 1 {
                return [60.0, 58.0, 70.0];
            }
        }
    }
    paper
}

/// Renders the photo as shown (upright), in RGB.
fn render_scene(spec: &PhotoSpec, shown: (u32, u32)) -> image::RgbImage {
    let mut rng = ChaCha8Rng::seed_from_u64(spec.pixel_seed);
    let symbol = symbol(&spec.payload);
    let (w, h) = (f64::from(shown.0), f64::from(shown.1));
    // Pixels a millimetre, so that the 20 mm symbol is `qr_share` of the stored width.
    let scale = spec.qr_share * f64::from(FRAME.0) / QR_MM.2;
    let theta = spec.rotation_deg.to_radians();
    let (sin, cos) = theta.sin_cos();
    // The symbol's centre lands somewhere in the middle of the frame.
    let qc = (QR_MM.0 + QR_MM.2 / 2.0, QR_MM.1 + QR_MM.2 / 2.0);
    let margin = scale * QR_MM.2;
    let target = (
        rng.gen_range(margin..(w - margin).max(margin + 1.0)),
        rng.gen_range(margin..(h - margin).max(margin + 1.0)),
    );
    let place = |u: f64, v: f64| {
        let (du, dv) = ((u - qc.0) * scale, (v - qc.1) * scale);
        (target.0 + du * cos - dv * sin, target.1 + du * sin + dv * cos)
    };
    let paper_corners = [(0.0, 0.0), (PAPER.0, 0.0), (PAPER.0, PAPER.1), (0.0, PAPER.1)];
    let jitter = spec.perspective * PAPER.0 * scale;
    let image_corners = paper_corners.map(|(u, v)| {
        let (x, y) = place(u, v);
        (x + rng.gen_range(-jitter..=jitter), y + rng.gen_range(-jitter..=jitter))
    });
    let to_paper = homography(image_corners, paper_corners);
    // Light: a gradient along a random direction, and a shadow beyond a soft-edged line.
    let light_dir = rng.gen_range(0.0..std::f64::consts::TAU);
    let (lx, ly) = (light_dir.cos(), light_dir.sin());
    let shadow_dir = rng.gen_range(0.0..std::f64::consts::TAU);
    let (sx, sy) = (shadow_dir.cos(), shadow_dir.sin());
    let shadow_at = sx * target.0 + sy * target.1 + rng.gen_range(-margin..margin);
    let shadow_soft = rng.gen_range(30.0..250.0);
    let diag = (w * w + h * h).sqrt();
    let desk = [
        rng.gen_range(90.0..170.0),
        rng.gen_range(70.0..140.0),
        rng.gen_range(50.0..110.0),
    ];
    let mut pixels = PixelRng(spec.pixel_seed | 1);
    let mut out = image::RgbImage::new(shown.0, shown.1);
    for (x, y, px) in out.enumerate_pixels_mut() {
        let (fx, fy) = (f64::from(x) + 0.5, f64::from(y) + 0.5);
        let z = to_paper[6] * fx + to_paper[7] * fy + to_paper[8];
        let u = (to_paper[0] * fx + to_paper[1] * fy + to_paper[2]) / z;
        let v = (to_paper[3] * fx + to_paper[4] * fy + to_paper[5]) / z;
        let colour = if (0.0..PAPER.0).contains(&u) && (0.0..PAPER.1).contains(&v) {
            paper_colour(u, v, &symbol)
        } else {
            // Wood grain: streaks along the rows, a few pixels wide.
            let grain = (hash2(i64::from(y) / 3, i64::from(x) / 97) % 25) as f64 - 12.0;
            desk.map(|c| c + grain)
        };
        let along = ((fx - w / 2.0) * lx + (fy - h / 2.0) * ly) / diag + 0.5;
        let edge = ((sx * fx + sy * fy - shadow_at) / shadow_soft).clamp(-1.0, 1.0) * 0.5 + 0.5;
        let light = (1.0 - spec.gradient * along) * (1.0 - spec.shadow * edge);
        // Noise is added after the blur; a little here keeps the paper from being flat.
        let grain = pixels.normal() * 1.5;
        px.0 = colour.map(|c| (c * light + grain).clamp(0.0, 255.0) as u8);
    }
    out
}

/// Gaussian blur of standard deviation `sigma` px (separable, kernel cut at 3σ).
fn gaussian_blur(image: &image::RgbImage, sigma: f32) -> image::RgbImage {
    let radius = (3.0 * sigma).ceil() as usize;
    let kernel: Vec<f32> = (0..=2 * radius)
        .map(|i| {
            let d = i as f32 - radius as f32;
            (-d * d / (2.0 * sigma * sigma)).exp()
        })
        .collect();
    let total: f32 = kernel.iter().sum();
    let kernel: Vec<f32> = kernel.iter().map(|k| k / total).collect();
    let (w, h) = (image.width() as usize, image.height() as usize);
    let src = image.as_raw();
    // Rows first, into floats; then columns, a row of output at a time.
    let mut rows = vec![0.0f32; w * h * 3];
    for y in 0..h {
        let line = &src[y * w * 3..(y + 1) * w * 3];
        let out = &mut rows[y * w * 3..(y + 1) * w * 3];
        for x in 0..w {
            let mut acc = [0.0f32; 3];
            for (k, weight) in kernel.iter().enumerate() {
                let sx = (x + k).saturating_sub(radius).min(w - 1);
                for c in 0..3 {
                    acc[c] += weight * f32::from(line[sx * 3 + c]);
                }
            }
            out[x * 3..x * 3 + 3].copy_from_slice(&acc);
        }
    }
    let mut blurred = vec![0u8; w * h * 3];
    let mut acc = vec![0.0f32; w * 3];
    for y in 0..h {
        acc.fill(0.0);
        for (k, weight) in kernel.iter().enumerate() {
            let sy = (y + k).saturating_sub(radius).min(h - 1);
            for (a, v) in acc.iter_mut().zip(&rows[sy * w * 3..(sy + 1) * w * 3]) {
                *a += weight * v;
            }
        }
        for (out, a) in blurred[y * w * 3..(y + 1) * w * 3].iter_mut().zip(&acc) {
            *out = a.round().clamp(0.0, 255.0) as u8;
        }
    }
    image::RgbImage::from_raw(image.width(), image.height(), blurred).expect("same size")
}

fn add_noise(image: &mut image::RgbImage, sigma: f64, seed: u64) {
    let mut pixels = PixelRng(seed.rotate_left(17) | 1);
    for value in image.iter_mut() {
        *value = (f64::from(*value) + pixels.normal() * sigma).clamp(0.0, 255.0) as u8;
    }
}

/// An EXIF block (APP1 payload) holding only the orientation tag.
fn exif_orientation(orientation: u16) -> Vec<u8> {
    let mut exif = b"Exif\0\0MM\0\x2a\0\0\0\x08\0\x01".to_vec();
    exif.extend_from_slice(&[0x01, 0x12, 0x00, 0x03, 0, 0, 0, 1]);
    exif.extend_from_slice(&orientation.to_be_bytes());
    exif.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
    exif
}

fn encode_jpeg(image: &image::RgbImage, quality: u8, orientation: Option<u16>) -> Vec<u8> {
    let mut bytes = Vec::new();
    let mut encoder = jpeg_encoder::Encoder::new(&mut bytes, quality);
    if let Some(orientation) = orientation {
        encoder
            .add_app_segment(1, exif_orientation(orientation))
            .expect("a valid EXIF segment");
    }
    let (w, h) = (image.width() as u16, image.height() as u16);
    encoder
        .encode(image.as_raw(), w, h, jpeg_encoder::ColorType::Rgb)
        .expect("an in-memory JPEG encodes");
    bytes
}

/// The photo's JPEG file.
pub fn render(spec: &PhotoSpec) -> Vec<u8> {
    use image::imageops::{resize, rotate90, rotate180, rotate270};
    let sideways = matches!(spec.orientation, 6 | 8);
    let shown = if sideways { (FRAME.1, FRAME.0) } else { FRAME };
    let scene = gaussian_blur(&render_scene(spec, shown), spec.blur_sigma);
    let mut photo = scene;
    add_noise(&mut photo, spec.noise, spec.pixel_seed);
    if spec.chat_copy {
        // The phone's own JPEG first, then the app's copy of its decoded pixels.
        let phone = encode_jpeg(&photo, 92, None);
        let decoded = image::load_from_memory(&phone).expect("the phone JPEG decodes").to_rgb8();
        let (w, h) = decoded.dimensions();
        let scale = f64::from(CHAT_EDGE) / f64::from(w.max(h));
        let size = ((f64::from(w) * scale).round() as u32, (f64::from(h) * scale).round() as u32);
        let copy = resize(&decoded, size.0, size.1, image::imageops::FilterType::Triangle);
        return encode_jpeg(&copy, spec.quality, None);
    }
    // Stored as the sensor saw it: turned back from how it is shown.
    let stored = match spec.orientation {
        3 => rotate180(&photo),
        6 => rotate270(&photo),
        8 => rotate90(&photo),
        _ => photo,
    };
    encode_jpeg(&stored, spec.quality, Some(spec.orientation))
}
