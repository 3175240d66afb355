//! Labour pay sheets (劳务费发放表): who did the work and what each was paid, each line signed by
//! the labourer, totalled, signed off by the village's cadres and stamped with its seal. A
//! landscape sheet with the work's description per line, or a portrait one with each
//! labourer's (masked) identity card number.

use ab_glyph::FontRef;
use image::RgbImage;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::Sheet;
use crate::Slip;
use crate::canvas::{Canvas, Ink, hash3};
use crate::chinese::{amount_in_words, yuan};
use crate::seal::round_seal;

pub fn draw(slip: &Slip, font: &FontRef<'_>, variant: u32, tone: [u8; 3], mut rng: ChaCha8Rng) -> RgbImage {
    let blank_rows = rng.gen_range(0..=4);
    let rows = slip.payees.len().max(1) + blank_rows;
    let row_h = rng.gen_range(9.0..12.5f32);
    let landscape = variant == 0;
    let width = if landscape {
        rng.gen_range(230.0..260.0)
    } else {
        rng.gen_range(170.0..190.0)
    };
    let height = if landscape {
        (62.0 + row_h * rows as f32).max(120.0)
    } else {
        (80.0 + row_h * rows as f32).max(190.0)
    };
    let paper = if tone[2] < 230 { [247, 246, 241] } else { tone };
    let mut sheet = Sheet::new(slip, font, (width, height), paper, rng);
    sheet.form_ink = Ink::solid([40, 38, 44]);
    let (w, _) = sheet.canvas.size_mm();
    let village = slip.payer.replace("股份经济合作社", "");
    let title = format!("{village}劳务费发放表");
    let size = ((w - 30.0) / title.chars().count() as f32).min(7.0);
    let ink = sheet.form_ink;
    sheet.canvas.print_centred(&title, w / 2.0, 8.0, size, ink);
    let date = sheet.date_text();
    let left = sheet.rng.gen_range(10.0..18.0);
    sheet.canvas.print("事由：", left, 20.0, 4.2, ink);
    let description = slip.description.clone();
    sheet.write(&description, left + 12.0, 18.5, 4.8);
    sheet.canvas.print("发放日期：", w - 70.0, 20.0, 4.2, ink);
    sheet.write(&date, w - 50.0, 18.5, 4.6);
    let columns: &[(&str, f32)] = if landscape {
        &[
            ("序号", 0.08),
            ("姓名", 0.2),
            ("工作内容", 0.5),
            ("金额（元）", 0.7),
            ("领款人签字", 1.0),
        ]
    } else {
        &[
            ("姓名", 0.18),
            ("身份证号", 0.52),
            ("金额（元）", 0.72),
            ("签字", 0.88),
            ("备注", 1.0),
        ]
    };
    let right = w - left;
    let top = 28.0;
    let table = Table {
        left,
        right,
        top,
        row_h,
        rows: rows + 2,
    };
    table.rule(&mut sheet.canvas, columns, ink);
    let mut total = 0;
    for (i, payee) in slip.payees.iter().enumerate() {
        total += payee.amount_fen;
        let y = top + row_h * (i + 1) as f32 + row_h / 2.0 - 3.0;
        let cells: Vec<String> = if landscape {
            vec![
                format!("{}", i + 1),
                payee.name.clone(),
                short(&description),
                yuan(payee.amount_fen),
            ]
        } else {
            vec![
                payee.name.clone(),
                id_number(&payee.name, slip.seed),
                yuan(payee.amount_fen),
            ]
        };
        for (c, text) in cells.iter().enumerate() {
            let x0 = if c == 0 {
                left
            } else {
                left + (right - left) * columns[c - 1].1
            };
            let fits = ((right - left) * (columns[c].1 - if c == 0 { 0.0 } else { columns[c - 1].1 }) - 3.0)
                / sheet.canvas.width(text, 4.4).max(1.0);
            sheet
                .canvas
                .print(text, x0 + 1.5, y + 0.6, 4.4 * fits.min(1.0), Ink::solid([50, 50, 58]));
        }
        let sign_col = if landscape { 3 } else { 2 };
        let x = left + (right - left) * columns[sign_col].1 + 3.0;
        sheet.write(&payee.name, x, y - 1.0, 5.4);
    }
    let y = top + row_h * (rows + 1) as f32 + row_h / 2.0 - 2.6;
    let lw = sheet.canvas.print("合计（大写）", left + 2.0, y, 4.2, ink);
    sheet.write(&amount_in_words(total), left + 4.0 + lw, y - 1.0, 5.0);
    // The amount column starts where the column before it ends.
    let amount_col = if landscape { 3 } else { 2 };
    let figures_x = left + (right - left) * columns[amount_col - 1].1 + 2.0;
    sheet.canvas.print(&format!("¥{}", yuan(total)), figures_x, y, 4.4, ink);
    let footer = top + row_h * (rows + 2) as f32 + 8.0;
    let signers = [("制表：", "胡秀英"), ("审核：", "金德明"), ("村负责人：", "叶建平")];
    let step = (right - left) / 3.0;
    for (i, (label, name)) in signers.iter().enumerate() {
        let x = left + step * i as f32;
        let lw = sheet.canvas.print(label, x, footer, 4.2, ink);
        sheet.write(name, x + lw + 1.0, footer - 1.5, 5.2);
    }
    let seal_x = left + step * sheet.rng.gen_range(0.6..2.4);
    let seal_y = footer - sheet.rng.gen_range(-4.0..12.0);
    let d = sheet.rng.gen_range(38.0..42.0);
    round_seal(
        &mut sheet.canvas,
        &slip.payer,
        "财务专用章",
        (seal_x, seal_y),
        d,
        &mut sheet.rng,
    );
    sheet.pencil_voucher();
    sheet.canvas.image
}

struct Table {
    left: f32,
    right: f32,
    top: f32,
    row_h: f32,
    rows: usize,
}

impl Table {
    /// The frame, the rows, the column rules (not through the total row) and the heads.
    fn rule(&self, canvas: &mut Canvas, columns: &[(&str, f32)], ink: Ink) {
        let bottom = self.top + self.row_h * self.rows as f32;
        let width = self.right - self.left;
        canvas.frame(self.left, self.top, width, bottom - self.top, 0.6, ink);
        for r in 1..self.rows {
            canvas.hline(self.left, self.right, self.top + self.row_h * r as f32, 0.3, ink);
        }
        let mut from = self.left;
        for (head, end) in columns {
            let to = self.left + width * end;
            if *end < 1.0 {
                canvas.vline(to, self.top, bottom - self.row_h, 0.3, ink);
            }
            canvas.print_centred(head, (from + to) / 2.0, self.top + self.row_h / 2.0 - 2.1, 4.0, ink);
            from = to;
        }
    }
}

/// The work as a pay sheet's line says it, at most eight characters.
fn short(description: &str) -> String {
    let trimmed = description.trim_start_matches('付').trim_start_matches("发放");
    trimmed.chars().take(8).collect()
}

/// An identity card number with its middle masked, as sheets shown to the public print it.
fn id_number(name: &str, seed: u64) -> String {
    let h = name
        .chars()
        .fold(seed, |h, c| hash3(h as i64, i64::from(u32::from(c)), 7));
    format!("331022********{:04}", h % 10_000)
}
