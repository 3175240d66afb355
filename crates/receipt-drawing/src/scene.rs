//! The paper in a picture: laid on a scanner bed or a table and taken from above (turned a
//! little, anywhere in the frame, at any size from half the frame to nearly all of it), or
//! photographed at an angle (a perspective warp: the homography taking the frame back onto the
//! paper). Around it a desk, a cloth, a scanner lid or another sheet; over it uneven light and
//! a shadow; then sensor noise and JPEG.

use image::RgbImage;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::canvas::hash3;
use crate::{DrawError, Form, INVOICE_EDGE, MAX_EDGE, Slip};

/// Four points, corner by corner.
pub type Quad = [(f64, f64); 4];

/// The homography taking `from[i]` to `to[i]` (four points), as a row-major 3×3 matrix.
pub fn homography(from: Quad, to: Quad) -> [f64; 9] {
    // h33 = 1: eight unknowns, two equations a point, solved by Gauss-Jordan elimination.
    let mut a = [[0.0f64; 9]; 8];
    for (i, (&(x, y), &(u, v))) in from.iter().zip(to.iter()).enumerate() {
        a[2 * i] = [x, y, 1.0, 0.0, 0.0, 0.0, -u * x, -u * y, u];
        a[2 * i + 1] = [0.0, 0.0, 0.0, x, y, 1.0, -v * x, -v * y, v];
    }
    for col in 0..8 {
        let pivot = (col..8)
            .max_by(|&p, &q| a[p][col].abs().total_cmp(&a[q][col].abs()))
            .unwrap_or(col);
        a.swap(col, pivot);
        for row in 0..8 {
            if row != col && a[col][col] != 0.0 {
                let f = a[row][col] / a[col][col];
                for k in col..9 {
                    a[row][k] -= f * a[col][k];
                }
            }
        }
    }
    let h: Vec<f64> = (0..8).map(|i| a[i][8] / a[i][i]).collect();
    [h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], 1.0]
}

fn apply(h: &[f64; 9], x: f64, y: f64) -> (f64, f64) {
    let z = h[6] * x + h[7] * y + h[8];
    ((h[0] * x + h[1] * y + h[2]) / z, (h[3] * x + h[4] * y + h[5]) / z)
}

/// The frame's size: long side 720–800 px (invoices 1100–1200 px, so that their QR code's
/// modules keep 4–5 px each, which the QR reading at intake needs), 4:3, 3:2 or √2:1,
/// landscape or portrait as drawn.
fn frame_size(landscape: bool, invoice: bool, rng: &mut ChaCha8Rng) -> (u32, u32) {
    let long = if invoice {
        rng.gen_range(1100..=INVOICE_EDGE)
    } else {
        rng.gen_range(720..=MAX_EDGE)
    };
    let short = (f64::from(long) / [4.0 / 3.0, 1.5, 1.41][rng.gen_range(0..3)]) as u32;
    if landscape { (long, short) } else { (short, long) }
}

/// How the paper lies in the frame: a quarter turn (0–3), the frame's orientation, and the
/// paper's further turn in degrees. Invoices fill the frame (their QR code must stay readable)
/// and are told apart by lying any way round instead; other papers lie any way up but upside
/// down, turned further, and scanned or photographed in either orientation.
fn lie(paper: (f64, f64), slip: &Slip, rng: &mut ChaCha8Rng) -> (u32, bool, f64) {
    let wide = paper.0 >= paper.1;
    if slip.form == Form::VatInvoice {
        let quarter = rng.gen_range(0..4u32);
        return (quarter, wide == quarter.is_multiple_of(2), rng.gen_range(-5.0..=5.0));
    }
    let max_turn: f64 = if slip.photographed { 28.0 } else { 10.0 };
    let quarter = [0, 0, 0, 1, 3][rng.gen_range(0..5)];
    let landscape = if slip.photographed || quarter != 0 {
        rng.gen_bool(0.5)
    } else {
        wide
    };
    (quarter, landscape, rng.gen_range(-max_turn..=max_turn))
}

/// Where the paper's corners land in the frame.
fn place(paper: (f64, f64), frame: (u32, u32), lie: (u32, f64), slip: &Slip, rng: &mut ChaCha8Rng) -> Quad {
    let invoice = slip.form == Form::VatInvoice;
    let (fw, fh) = (f64::from(frame.0), f64::from(frame.1));
    let turn = f64::from(lie.0) * std::f64::consts::FRAC_PI_2 + lie.1.to_radians();
    let (sin, cos) = turn.sin_cos();
    let bbox = (
        paper.0 * cos.abs() + paper.1 * sin.abs(),
        paper.0 * sin.abs() + paper.1 * cos.abs(),
    );
    let fill = if invoice {
        rng.gen_range(0.86..0.97)
    } else {
        rng.gen_range(0.5..0.94)
    };
    let scale = (fw * fill / bbox.0).min(fh * fill / bbox.1);
    let slack = ((fw - bbox.0 * scale).max(0.0), (fh - bbox.1 * scale).max(0.0));
    let centre = (
        bbox.0 * scale / 2.0 + rng.gen_range(0.0..=slack.0),
        bbox.1 * scale / 2.0 + rng.gen_range(0.0..=slack.1),
    );
    let corners = [(0.0, 0.0), (paper.0, 0.0), (paper.0, paper.1), (0.0, paper.1)];
    let mut quad = corners.map(|(x, y)| {
        let (dx, dy) = ((x - paper.0 / 2.0) * scale, (y - paper.1 / 2.0) * scale);
        (centre.0 + dx * cos - dy * sin, centre.1 + dx * sin + dy * cos)
    });
    if slip.photographed && !invoice {
        // Seen from a side: the far edge shorter, every corner off by a little more.
        let far = rng.gen_range(0..4usize);
        let squeeze = rng.gen_range(0.08..0.2);
        let (a, b) = (quad[far], quad[(far + 1) % 4]);
        let mid = ((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0);
        quad[far] = (a.0 + (mid.0 - a.0) * squeeze, a.1 + (mid.1 - a.1) * squeeze);
        quad[(far + 1) % 4] = (b.0 + (mid.0 - b.0) * squeeze, b.1 + (mid.1 - b.1) * squeeze);
        let jitter = paper.0 * scale * 0.05;
        for corner in &mut quad {
            corner.0 = (corner.0 + rng.gen_range(-jitter..=jitter)).clamp(2.0, fw - 2.0);
            corner.1 = (corner.1 + rng.gen_range(-jitter..=jitter)).clamp(2.0, fh - 2.0);
        }
    }
    quad
}

/// What lies around the paper.
struct Backdrop {
    colour: [f64; 3],
    /// Streaks of wood grain (px period), or a cloth's weave when small.
    grain: Option<i64>,
    /// Another sheet under the paper, as the frame → sheet homography and its tone.
    sheet: Option<([f64; 9], [f64; 3])>,
}

fn backdrop(frame: (u32, u32), photographed: bool, rng: &mut ChaCha8Rng) -> Backdrop {
    let kind = rng.gen_range(0..if photographed { 4 } else { 5 });
    let (colour, grain) = match kind {
        0 => (
            [
                rng.gen_range(110.0..180.0),
                rng.gen_range(70.0..130.0),
                rng.gen_range(40.0..90.0),
            ],
            Some(rng.gen_range(40..140)),
        ),
        1 => (
            [
                rng.gen_range(20.0..120.0),
                rng.gen_range(30.0..140.0),
                rng.gen_range(40.0..160.0),
            ],
            Some(3),
        ),
        2 => ([rng.gen_range(160.0..220.0); 3], None),
        3 => (
            [
                rng.gen_range(60.0..200.0),
                rng.gen_range(60.0..200.0),
                rng.gen_range(60.0..200.0),
            ],
            None,
        ),
        _ => ([rng.gen_range(10.0..40.0); 3], None),
    };
    let sheet = rng.gen_bool(0.4).then(|| {
        let (fw, fh) = (f64::from(frame.0), f64::from(frame.1));
        let mut corner = || (rng.gen_range(-0.3..1.3) * fw, rng.gen_range(-0.3..1.3) * fh);
        let (a, b) = (corner(), corner());
        let quad = [a, (b.0, a.1), b, (a.0, b.1)];
        let unit = [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)];
        let tone = rng.gen_range(200.0..245.0);
        (homography(quad, unit), [tone, tone, tone - rng.gen_range(0.0..20.0)])
    });
    Backdrop { colour, grain, sheet }
}

impl Backdrop {
    fn at(&self, x: f64, y: f64) -> [f64; 3] {
        if let Some((h, tone)) = &self.sheet {
            let (u, v) = apply(h, x, y);
            if (0.0..1.0).contains(&u) && (0.0..1.0).contains(&v) {
                return *tone;
            }
        }
        let streak = match self.grain {
            Some(period) if period > 8 => (hash3(y as i64 / 3, x as i64 / period, 11) % 24) as f64 - 12.0,
            Some(_) => ((x as i64 + y as i64) % 3 * 6) as f64 - 6.0,
            None => 0.0,
        };
        self.colour.map(|c| c + streak)
    }
}

/// Bilinear sample of the paper at (u, v) px; `None` outside it.
fn sample(paper: &RgbImage, u: f64, v: f64) -> Option<[f64; 3]> {
    let (w, h) = (paper.width() as usize, paper.height() as usize);
    if u < 0.0 || v < 0.0 || u >= w as f64 || v >= h as f64 {
        return None;
    }
    let (x0, y0) = ((u - 0.5).max(0.0), (v - 0.5).max(0.0));
    let (fx, fy) = (x0.fract(), y0.fract());
    let (x0, y0) = (x0 as usize, y0 as usize);
    let (x1, y1) = ((x0 + 1).min(w - 1), (y0 + 1).min(h - 1));
    let raw = paper.as_raw();
    let p = |x: usize, y: usize| {
        let i = (y * w + x) * 3;
        [f64::from(raw[i]), f64::from(raw[i + 1]), f64::from(raw[i + 2])]
    };
    let (a, b, c, d) = (p(x0, y0), p(x1, y0), p(x0, y1), p(x1, y1));
    Some(std::array::from_fn(|i| {
        (a[i] * (1.0 - fx) + b[i] * fx) * (1.0 - fy) + (c[i] * (1.0 - fx) + d[i] * fx) * fy
    }))
}

/// The paper in its frame.
pub fn shoot(paper: &RgbImage, slip: &Slip) -> RgbImage {
    let mut rng = ChaCha8Rng::seed_from_u64(slip.seed ^ 0x5CE_4E5);
    let size = (f64::from(paper.width()), f64::from(paper.height()));
    let (quarter, landscape, turn) = lie(size, slip, &mut rng);
    let frame = frame_size(landscape, slip.form == Form::VatInvoice, &mut rng);
    let quad = place(size, frame, (quarter, turn), slip, &mut rng);
    let to_paper = homography(quad, [(0.0, 0.0), (size.0, 0.0), (size.0, size.1), (0.0, size.1)]);
    let backdrop = backdrop(frame, slip.photographed, &mut rng);
    let invoice = slip.form == Form::VatInvoice;
    // Light: brighter towards one side, and a soft-edged shadow across part of the frame.
    let (fw, fh) = (f64::from(frame.0), f64::from(frame.1));
    let diag = (fw * fw + fh * fh).sqrt();
    let light = rng.gen_range(0.0..std::f64::consts::TAU);
    let (lx, ly) = (light.cos(), light.sin());
    let gradient = rng.gen_range(0.04..if slip.photographed || invoice { 0.45 } else { 0.25 });
    let shade = rng.gen_range(0.0..std::f64::consts::TAU);
    let (sx, sy) = (shade.cos(), shade.sin());
    let shadow_at = rng.gen_range(0.2..0.9) * diag * 0.5;
    let shadow = if rng.gen_bool(if invoice { 0.8 } else { 0.5 }) {
        rng.gen_range(0.1..0.4)
    } else {
        0.0
    };
    let soft = rng.gen_range(20.0..120.0);
    let noise_seed: u64 = rng.r#gen();
    RgbImage::from_fn(frame.0, frame.1, |x, y| {
        let (fx, fy) = (f64::from(x) + 0.5, f64::from(y) + 0.5);
        let (u, v) = apply(&to_paper, fx, fy);
        let colour = sample(paper, u, v).unwrap_or_else(|| backdrop.at(fx, fy));
        let (cx, cy) = (fx - fw / 2.0, fy - fh / 2.0);
        let along = (cx * lx + cy * ly) / diag + 0.5;
        let edge = (((cx * sx + cy * sy) - shadow_at) / soft).clamp(-1.0, 1.0) * 0.5 + 0.5;
        let lit = (1.0 - gradient * along) * (1.0 - shadow * edge);
        let grain = (hash3(i64::from(x), i64::from(y), noise_seed) % 9) as f64 - 4.0;
        image::Rgb(colour.map(|c| (c * lit + grain).clamp(0.0, 255.0) as u8))
    })
}

/// JPEG at a quality between 76 and 86, drawn from the seed.
pub fn encode_jpeg(image: &RgbImage, seed: u64) -> Result<Vec<u8>, DrawError> {
    let quality = 76 + (seed % 11) as u8;
    let mut bytes = Vec::new();
    let encoder = jpeg_encoder::Encoder::new(&mut bytes, quality);
    let (w, h) = (image.width() as u16, image.height() as u16);
    encoder
        .encode(image.as_raw(), w, h, jpeg_encoder::ColorType::Rgb)
        .map_err(|e| DrawError::Jpeg(e.to_string()))?;
    Ok(bytes)
}
