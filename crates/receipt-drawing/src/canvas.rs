//! A sheet of paper to print and write on, addressed in millimetres: ruled lines, boxes, text
//! (printed upright, or hand-written with each character a little turned and off the line),
//! filled shapes and the mottled ink of a rubber stamp.

use ab_glyph::{Font, FontRef, PxScale, ScaleFont, point};
use image::RgbImage;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// An ink: its colour, how strongly it covers, and whether it is a stamp's uneven ink.
#[derive(Debug, Clone, Copy)]
pub struct Ink {
    pub rgb: [u8; 3],
    pub alpha: f32,
    pub mottled: bool,
}

impl Ink {
    pub const fn solid(rgb: [u8; 3]) -> Self {
        Ink {
            rgb,
            alpha: 0.95,
            mottled: false,
        }
    }
}

/// Hash of two integers and a seed, for pixel patterns without a generator per pixel.
pub fn hash3(a: i64, b: i64, seed: u64) -> u64 {
    let mut h = (a as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ (b as u64).wrapping_mul(0xC2B2_AE3D_27D4_EB4F)
        ^ seed.wrapping_mul(0x1656_67B1_9E37_79F9);
    h ^= h >> 29;
    h = h.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    h ^ (h >> 32)
}

pub struct Canvas<'f> {
    pub image: RgbImage,
    pub px_per_mm: f32,
    pub font: &'f FontRef<'f>,
    seed: u64,
}

impl<'f> Canvas<'f> {
    /// A blank sheet of `size` mm in the tone of `paper`, with a faint fibre texture.
    pub fn new(font: &'f FontRef<'f>, size: (f32, f32), px_per_mm: f32, paper: [u8; 3], seed: u64) -> Self {
        let (w, h) = ((size.0 * px_per_mm) as u32, (size.1 * px_per_mm) as u32);
        let image = RgbImage::from_fn(w, h, |x, y| {
            let fibre = (hash3(i64::from(x) / 2, i64::from(y), seed) % 7) as i16 - 3;
            image::Rgb(paper.map(|c| (i16::from(c) + fibre).clamp(0, 255) as u8))
        });
        Canvas {
            image,
            px_per_mm,
            font,
            seed,
        }
    }

    pub fn size_mm(&self) -> (f32, f32) {
        (
            self.image.width() as f32 / self.px_per_mm,
            self.image.height() as f32 / self.px_per_mm,
        )
    }

    fn blend(&mut self, x: i32, y: i32, ink: Ink, coverage: f32) {
        if x < 0 || y < 0 || x >= self.image.width() as i32 || y >= self.image.height() as i32 {
            return;
        }
        let mut a = coverage.clamp(0.0, 1.0) * ink.alpha;
        if ink.mottled {
            let n = hash3(i64::from(x) / 2, i64::from(y) / 2, self.seed ^ 0x5EA1) % 100;
            a *= 0.45 + n as f32 / 180.0;
        }
        let px = self.image.get_pixel_mut(x as u32, y as u32);
        for (c, i) in px.0.iter_mut().zip(ink.rgb) {
            // Ink darkens what is under it (multiply), as ink on paper and stamps over print do.
            let under = f32::from(*c);
            let inked = under * f32::from(i) / 255.0;
            *c = (under + (inked - under) * a).round() as u8;
        }
    }

    /// Fills the rectangle at (x, y) mm of size (w, h) mm.
    pub fn fill(&mut self, x: f32, y: f32, w: f32, h: f32, ink: Ink) {
        let s = self.px_per_mm;
        let (x0, y0) = ((x * s).round() as i32, (y * s).round() as i32);
        let (x1, y1) = (((x + w) * s).round() as i32, ((y + h) * s).round() as i32);
        for py in y0..y1.max(y0 + 1) {
            for px in x0..x1.max(x0 + 1) {
                self.blend(px, py, ink, 1.0);
            }
        }
    }

    pub fn hline(&mut self, x0: f32, x1: f32, y: f32, weight: f32, ink: Ink) {
        self.fill(x0, y - weight / 2.0, x1 - x0, weight, ink);
    }

    pub fn vline(&mut self, x: f32, y0: f32, y1: f32, weight: f32, ink: Ink) {
        self.fill(x - weight / 2.0, y0, weight, y1 - y0, ink);
    }

    /// The outline of a rectangle.
    pub fn frame(&mut self, x: f32, y: f32, w: f32, h: f32, weight: f32, ink: Ink) {
        self.hline(x, x + w, y, weight, ink);
        self.hline(x, x + w, y + h, weight, ink);
        self.vline(x, y, y + h, weight, ink);
        self.vline(x + w, y, y + h, weight, ink);
    }

    /// Width in mm of `text` printed `size` mm high.
    pub fn width(&self, text: &str, size: f32) -> f32 {
        let scaled = self.font.as_scaled(PxScale::from(size * self.px_per_mm));
        text.chars()
            .map(|c| scaled.h_advance(self.font.glyph_id(c)))
            .sum::<f32>()
            / self.px_per_mm
    }

    /// Prints `text` upright with its top-left corner at (x, y) mm; returns its width in mm.
    pub fn print(&mut self, text: &str, x: f32, y: f32, size: f32, ink: Ink) -> f32 {
        let font = self.font;
        let scale = PxScale::from(size * self.px_per_mm);
        let scaled = font.as_scaled(scale);
        let mut pen = x * self.px_per_mm;
        let baseline = y * self.px_per_mm + scaled.ascent();
        for c in text.chars() {
            let id = font.glyph_id(c);
            if let Some(outline) = font.outline_glyph(id.with_scale_and_position(scale, point(pen, baseline))) {
                let b = outline.px_bounds();
                outline
                    .draw(|gx, gy, cov| self.blend(b.min.x as i32 + gx as i32, b.min.y as i32 + gy as i32, ink, cov));
            }
            pen += scaled.h_advance(id);
        }
        pen / self.px_per_mm - x
    }

    /// Prints `text` centred on `cx` mm.
    pub fn print_centred(&mut self, text: &str, cx: f32, y: f32, size: f32, ink: Ink) {
        let w = self.width(text, size);
        self.print(text, cx - w / 2.0, y, size, ink);
    }

    /// Writes `text` by hand from (x, y) mm: each character turned a few degrees and off the
    /// line by a little, spaced a little unevenly; returns the width written in mm.
    pub fn write(&mut self, text: &str, x: f32, y: f32, size: f32, ink: Ink, rng: &mut ChaCha8Rng) -> f32 {
        let mut pen = x;
        let slant = rng.gen_range(-0.08..0.08f32);
        for c in text.chars() {
            let advance = self.width(&c.to_string(), size) * rng.gen_range(0.92..1.08);
            let dy = rng.gen_range(-0.08..0.08) * size + (pen - x) * slant * 0.1;
            self.glyph_turned(
                c,
                pen + advance / 2.0,
                y + size / 2.0 + dy,
                size,
                rng.gen_range(-0.09..0.09) + slant,
                ink,
            );
            pen += advance;
        }
        pen - x
    }

    /// One character `size` mm high centred on (cx, cy) mm, turned by `angle` radians.
    pub fn glyph_turned(&mut self, c: char, cx: f32, cy: f32, size: f32, angle: f32, ink: Ink) {
        let font = self.font;
        let scale = PxScale::from(size * self.px_per_mm);
        let Some(outline) = font.outline_glyph(font.glyph_id(c).with_scale_and_position(scale, point(0.0, 0.0))) else {
            return;
        };
        let b = outline.px_bounds();
        let (w, h) = (b.width().ceil() as usize + 1, b.height().ceil() as usize + 1);
        let mut cover = vec![0.0f32; w * h];
        outline.draw(|gx, gy, c| {
            if let Some(v) = cover.get_mut(gy as usize * w + gx as usize) {
                *v = c;
            }
        });
        // The em box's centre, so that turned characters stay on their line.
        let ascent = font.as_scaled(scale).ascent();
        let centre = (
            font.as_scaled(scale).h_advance(font.glyph_id(c)) / 2.0 - b.min.x,
            -ascent + size * self.px_per_mm / 2.0 - b.min.y,
        );
        let (sin, cos) = angle.sin_cos();
        let r = ((w * w + h * h) as f32).sqrt();
        let (dcx, dcy) = (cx * self.px_per_mm, cy * self.px_per_mm);
        for dy in -(r as i32)..=(r as i32) {
            for dx in -(r as i32)..=(r as i32) {
                let (fx, fy) = (dx as f32, dy as f32);
                // Back from the page into the upright glyph.
                let sx = fx * cos + fy * sin + centre.0;
                let sy = -fx * sin + fy * cos + centre.1;
                if sx < 0.0 || sy < 0.0 || sx >= w as f32 || sy >= h as f32 {
                    continue;
                }
                let cov = cover[sy as usize * w + sx as usize];
                if cov > 0.0 {
                    self.blend((dcx + fx) as i32, (dcy + fy) as i32, ink, cov);
                }
            }
        }
    }

    /// Fills the polygon with corners `points` (mm), even-odd rule.
    pub fn polygon(&mut self, points: &[(f32, f32)], ink: Ink) {
        let s = self.px_per_mm;
        let xs = points.iter().map(|p| p.0 * s);
        let ys = points.iter().map(|p| p.1 * s);
        let (x0, x1) = (xs.clone().fold(f32::MAX, f32::min), xs.fold(f32::MIN, f32::max));
        let (y0, y1) = (ys.clone().fold(f32::MAX, f32::min), ys.fold(f32::MIN, f32::max));
        for py in y0 as i32..=y1 as i32 {
            for px in x0 as i32..=x1 as i32 {
                let (x, y) = ((px as f32 + 0.5) / s, (py as f32 + 0.5) / s);
                let mut inside = false;
                let mut j = points.len() - 1;
                for i in 0..points.len() {
                    let (a, b) = (points[i], points[j]);
                    if (a.1 > y) != (b.1 > y) && x < (b.0 - a.0) * (y - a.1) / (b.1 - a.1) + a.0 {
                        inside = !inside;
                    }
                    j = i;
                }
                if inside {
                    self.blend(px, py, ink, 1.0);
                }
            }
        }
    }

    /// An elliptic ring centred on (cx, cy) mm with radii (rx, ry) mm, `weight` mm thick.
    pub fn ring(&mut self, cx: f32, cy: f32, rx: f32, ry: f32, weight: f32, ink: Ink) {
        let s = self.px_per_mm;
        let inner = ((rx - weight) / rx).powi(2);
        for py in ((cy - ry) * s) as i32..=((cy + ry) * s) as i32 {
            for px in ((cx - rx) * s) as i32..=((cx + rx) * s) as i32 {
                let ex = ((px as f32 + 0.5) / s - cx) / rx;
                let ey = ((py as f32 + 0.5) / s - cy) / ry;
                let e = ex * ex + ey * ey;
                if e <= 1.0 && e >= inner {
                    self.blend(px, py, ink, 1.0);
                }
            }
        }
    }
}
