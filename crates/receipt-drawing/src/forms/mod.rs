//! The papers themselves, before they are scanned or photographed: which template of a form,
//! on what paper, in which ink, and the hand-written and stamped parts. Several templates a
//! form, with margins, row counts, seal places and inks drawn from the slip's seed.

mod invoice;
mod labour;
mod receipt;

use ab_glyph::FontRef;
use image::RgbImage;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::canvas::{Canvas, Ink};
use crate::{DrawError, Form, Slip};

/// Pixels a millimetre of the drawn paper (before the scene scales it into the frame)…
const PX_PER_MM: f32 = 3.4;
/// …and of an invoice, drawn finer for its QR code.
const INVOICE_PX_PER_MM: f32 = 5.0;

/// Tones of paper: white, cream, and the pink, yellow, blue and green leaves of receipt books.
const PAPERS: [[u8; 3]; 7] = [
    [247, 246, 241],
    [244, 238, 222],
    [248, 224, 228],
    [248, 240, 198],
    [226, 236, 248],
    [226, 243, 228],
    [236, 236, 236],
];

/// Inks of printed forms: black, blue, red, green.
const FORM_INKS: [[u8; 3]; 4] = [[40, 38, 44], [40, 72, 150], [180, 52, 56], [36, 116, 72]];

/// Inks of pens: blue and black ballpoint, blue-black gel.
const PENS: [[u8; 3]; 3] = [[32, 52, 160], [35, 35, 40], [30, 40, 90]];

/// What the templates share: the slip, the generator, the inks drawn for this paper.
pub struct Sheet<'a, 'f> {
    pub slip: &'a Slip,
    pub canvas: Canvas<'f>,
    pub rng: ChaCha8Rng,
    pub form_ink: Ink,
    pub pen: Ink,
}

impl<'a, 'f> Sheet<'a, 'f> {
    fn new(slip: &'a Slip, font: &'f FontRef<'f>, size: (f32, f32), paper: [u8; 3], mut rng: ChaCha8Rng) -> Self {
        let px_per_mm = if slip.form == Form::VatInvoice {
            INVOICE_PX_PER_MM
        } else {
            PX_PER_MM
        };
        let form_ink = Ink::solid(FORM_INKS[rng.gen_range(0..FORM_INKS.len())]);
        let pen = Ink {
            rgb: PENS[rng.gen_range(0..PENS.len())],
            alpha: rng.gen_range(0.75..0.95),
            mottled: false,
        };
        let canvas = Canvas::new(font, size, px_per_mm, paper, rng.r#gen());
        Sheet {
            slip,
            canvas,
            rng,
            form_ink,
            pen,
        }
    }

    /// Writes `text` by hand in the sheet's pen.
    pub fn write(&mut self, text: &str, x: f32, y: f32, size: f32) -> f32 {
        self.canvas.write(text, x, y, size, self.pen, &mut self.rng)
    }

    /// The date as forms print it: 2024 年 5 月 14 日.
    pub fn date_text(&self) -> String {
        let (y, m, d) = self.slip.date;
        format!("{y}年{m}月{d}日")
    }

    /// The voucher number, pencilled by the clerk somewhere near an edge of the paper.
    pub fn pencil_voucher(&mut self) {
        let (w, h) = self.canvas.size_mm();
        let text = format!("凭{}", self.slip.voucher_no);
        let x = self.rng.gen_range(4.0..(w - 40.0).max(5.0));
        let y = if self.rng.gen_bool(0.5) { 1.5 } else { h - 7.0 };
        let pencil = Ink {
            rgb: [120, 120, 128],
            alpha: 0.7,
            mottled: false,
        };
        self.canvas.write(&text, x, y, 4.2, pencil, &mut self.rng);
    }

    /// A red thumbprint, pressed by a villager next to their name.
    pub fn thumbprint(&mut self, cx: f32, cy: f32) {
        let ink = Ink {
            rgb: [205, 50, 60],
            alpha: 0.75,
            mottled: true,
        };
        for ring in 0..5 {
            let r = 5.0 - ring as f32 * 0.95;
            self.canvas.ring(cx, cy, r * 0.8, r, 0.45, ink);
        }
    }

    /// The quantity and unit price a line of `amount_fen` is billed as: a count that divides
    /// the amount, or one lot.
    pub fn quantity(&mut self) -> (u32, i64) {
        let amount = self.slip.amount_fen;
        let counts: Vec<u32> = (2..=60u32).filter(|n| amount % i64::from(*n) == 0).collect();
        if counts.is_empty() || self.rng.gen_bool(0.35) {
            return (1, amount);
        }
        let n = counts[self.rng.gen_range(0..counts.len())];
        (n, amount / i64::from(n))
    }
}

/// Whether `name` is a person's (two or three characters, no firm's word in it).
pub fn is_person(name: &str) -> bool {
    let n = name.chars().count();
    (2..=4).contains(&n)
        && !["店", "部", "局", "所", "司", "行", "馆", "厂"]
            .iter()
            .any(|w| name.contains(w))
}

/// The slip's paper, drawn at [`PX_PER_MM`] (invoices at [`INVOICE_PX_PER_MM`]).
pub fn draw_paper(slip: &Slip, font: &FontRef<'_>) -> Result<RgbImage, DrawError> {
    let mut rng = ChaCha8Rng::seed_from_u64(slip.seed ^ 0xF0_F0_5EED);
    let variant = rng.gen_range(0..3u32);
    let tone = PAPERS[rng.gen_range(0..PAPERS.len())];
    let image = match slip.form {
        Form::Receipt => receipt::draw(slip, font, variant, tone, rng),
        Form::LabourSheet => labour::draw(slip, font, variant % 2, tone, rng),
        Form::VatInvoice => invoice::draw(slip, font, variant % 2, rng)?,
    };
    Ok(image)
}
