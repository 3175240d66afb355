//! Red seals as Chinese paper carries them: the round seal of a collective or a firm (its name
//! along the rim, a star, the seal's purpose below), and the oval 发票专用章 of an invoice's
//! seller with its taxpayer number across the middle. Stamped in uneven red ink, a little
//! turned, over whatever is printed there.

use std::f32::consts::PI;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::canvas::{Canvas, Ink};

fn red(rng: &mut ChaCha8Rng) -> Ink {
    Ink {
        rgb: [rng.gen_range(196..230), rng.gen_range(30..70), rng.gen_range(40..80)],
        alpha: rng.gen_range(0.7..0.95),
        mottled: true,
    }
}

/// A five-pointed star centred on (cx, cy) mm, `r` mm to its points, turned by `angle`.
fn star(canvas: &mut Canvas, cx: f32, cy: f32, r: f32, angle: f32, ink: Ink) {
    let points: Vec<(f32, f32)> = (0..10)
        .map(|i| {
            let a = angle - PI / 2.0 + i as f32 * PI / 5.0;
            let len = if i % 2 == 0 { r } else { r * 0.38 };
            (cx + len * a.cos(), cy + len * a.sin())
        })
        .collect();
    canvas.polygon(&points, ink);
}

/// `text` along the upper rim of an ellipse, from left to right, each character upright to
/// the rim.
fn rim_text(canvas: &mut Canvas, text: &str, centre: (f32, f32), radii: (f32, f32), turn: f32, ink: Ink) {
    let chars: Vec<char> = text.chars().collect();
    let n = chars.len().max(1) as f32;
    // The name spans more of the rim the longer it is, up to 250°.
    let span = (n * 0.36).clamp(PI * 0.7, PI * 1.39);
    let size = (radii.0 * 2.0 * span / n / 2.2).clamp(2.2, radii.0 * 0.42);
    for (i, &c) in chars.iter().enumerate() {
        let a = -PI / 2.0 - span / 2.0 + span * (i as f32 + 0.5) / n + turn;
        let (rx, ry) = (radii.0 - size * 0.75, radii.1 - size * 0.75);
        let (x, y) = (centre.0 + rx * a.cos(), centre.1 + ry * a.sin());
        canvas.glyph_turned(c, x, y, size, a + PI / 2.0, ink);
    }
}

/// The round seal of `name` (e.g. a village's collective or a shop) for `purpose` (财务专用章),
/// `diameter` mm, centred on (cx, cy) mm.
pub fn round_seal(
    canvas: &mut Canvas,
    name: &str,
    purpose: &str,
    centre: (f32, f32),
    diameter: f32,
    rng: &mut ChaCha8Rng,
) {
    let ink = red(rng);
    let turn = rng.gen_range(-0.35..0.35f32);
    let r = diameter / 2.0;
    canvas.ring(centre.0, centre.1, r, r, r * 0.07, ink);
    rim_text(canvas, name, centre, (r * 0.93, r * 0.93), turn, ink);
    star(canvas, centre.0, centre.1, r * 0.3, turn, ink);
    let size = r * 0.2;
    let chars: Vec<char> = purpose.chars().collect();
    let (sin, cos) = turn.sin_cos();
    for (i, &c) in chars.iter().enumerate() {
        let along = (i as f32 - (chars.len() as f32 - 1.0) / 2.0) * size * 1.05;
        let down = r * 0.55;
        canvas.glyph_turned(
            c,
            centre.0 + along * cos - down * sin,
            centre.1 + along * sin + down * cos,
            size,
            turn,
            ink,
        );
    }
}

/// The oval invoice seal (发票专用章) of a seller with taxpayer number `tax_id`, 40 × 30 mm,
/// centred on (cx, cy) mm.
pub fn invoice_seal(canvas: &mut Canvas, seller: &str, tax_id: &str, centre: (f32, f32), rng: &mut ChaCha8Rng) {
    let ink = red(rng);
    let turn = rng.gen_range(-0.15..0.15f32);
    let (rx, ry) = (20.0, 15.0);
    canvas.ring(centre.0, centre.1, rx, ry, 1.0, ink);
    rim_text(canvas, seller, centre, (rx * 0.95, ry * 0.95), turn, ink);
    let size = 2.6;
    let w = canvas.width(tax_id, size) * 0.8;
    let mut x = centre.0 - w / 2.0;
    for c in tax_id.chars() {
        canvas.glyph_turned(c, x, centre.1 + turn * (x - centre.0), size, turn, ink);
        x += w / tax_id.len() as f32;
    }
    let purpose = "发票专用章";
    for (i, c) in purpose.chars().enumerate() {
        let along = (i as f32 - 2.0) * 3.4;
        canvas.glyph_turned(c, centre.0 + along, centre.1 + ry * 0.55 + turn * along, 3.2, turn, ink);
    }
}
