//! Receipts: a receipt-book leaf filled in by hand (收据), a receipt book's ruled table
//! (收款收据), and a payee's hand-written note on the village's letter paper (领条), signed and
//! thumb-printed.

use ab_glyph::FontRef;
use image::RgbImage;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::{Sheet, is_person};
use crate::Slip;
use crate::canvas::Ink;
use crate::chinese::{amount_in_words, yuan};
use crate::seal::round_seal;

pub fn draw(slip: &Slip, font: &FontRef<'_>, variant: u32, tone: [u8; 3], mut rng: ChaCha8Rng) -> RgbImage {
    match variant {
        0 => {
            let size = (rng.gen_range(180.0..200.0), rng.gen_range(92.0..112.0));
            let mut sheet = Sheet::new(slip, font, size, tone, rng);
            book_leaf(&mut sheet);
            finish(sheet)
        }
        1 => {
            let size = (rng.gen_range(190.0..215.0), rng.gen_range(110.0..135.0));
            let mut sheet = Sheet::new(slip, font, size, tone, rng);
            ruled_table(&mut sheet);
            finish(sheet)
        }
        _ => {
            let size = (rng.gen_range(150.0..185.0), rng.gen_range(105.0..150.0));
            let mut sheet = Sheet::new(slip, font, size, [248, 246, 240], rng);
            note(&mut sheet);
            finish(sheet)
        }
    }
}

fn finish(mut sheet: Sheet) -> RgbImage {
    sheet.pencil_voucher();
    sheet.canvas.image
}

/// The payee's mark: a firm's seal over its name, or a person's signature and thumbprint.
fn payee_mark(sheet: &mut Sheet, x: f32, y: f32) {
    let payee = sheet.slip.payee.clone();
    if is_person(&payee) {
        sheet.write(&payee, x, y, 6.0);
        let dx = sheet.rng.gen_range(14.0..22.0);
        sheet.thumbprint(x + dx, y + 3.0);
    } else {
        let d = sheet.rng.gen_range(36.0..42.0);
        let c = (x + sheet.rng.gen_range(5.0..25.0), y + sheet.rng.gen_range(-6.0..4.0));
        round_seal(&mut sheet.canvas, &payee, "财务专用章", c, d, &mut sheet.rng);
    }
}

/// Serial number printed in red, as receipt books number their leaves.
fn serial(sheet: &mut Sheet, x: f32, y: f32) {
    let n: u32 = sheet.rng.gen_range(100_000..9_999_999);
    sheet
        .canvas
        .print(&format!("No {n:07}"), x, y, 4.5, Ink::solid([200, 40, 50]));
}

fn book_leaf(sheet: &mut Sheet) {
    let (w, h) = sheet.canvas.size_mm();
    let ink = sheet.form_ink;
    let left = sheet.rng.gen_range(8.0..16.0);
    let right = w - sheet.rng.gen_range(12.0..20.0);
    sheet.canvas.print_centred("收  据", w / 2.0, 6.0, 8.0, ink);
    sheet.canvas.hline(w / 2.0 - 16.0, w / 2.0 + 16.0, 15.5, 0.5, ink);
    sheet.canvas.hline(w / 2.0 - 16.0, w / 2.0 + 16.0, 16.6, 0.3, ink);
    serial(sheet, right - 34.0, 8.0);
    let date = sheet.date_text();
    sheet.write(&date, w / 2.0 - 20.0, 19.0, 4.6);
    // Side note of the leaf, printed down the right margin.
    for (i, c) in "第二联交付款单位".chars().enumerate() {
        sheet
            .canvas
            .print(&c.to_string(), w - 8.0, 14.0 + i as f32 * 4.5, 3.6, ink);
    }
    let top = 28.0;
    let gap = (h - top - 30.0) / 4.0;
    sheet
        .canvas
        .frame(left, top - 3.0, right - left, gap * 4.0 + 4.0, 0.5, ink);
    let payer = sheet.slip.payer.clone();
    let description = sheet.slip.description.clone();
    let words = amount_in_words(sheet.slip.amount_fen);
    let figures = format!("¥{}", yuan(sheet.slip.amount_fen));
    let rows: [(&str, String); 3] = [("今收到", payer), ("交  来", description), ("人民币（大写）", words)];
    for (i, (label, value)) in rows.iter().enumerate() {
        let y = top + gap * i as f32;
        let lw = sheet.canvas.print(label, left + 3.0, y + 1.0, 4.6, ink);
        sheet
            .canvas
            .hline(left + 4.0 + lw, right - 3.0, y + gap - 1.5, 0.25, ink);
        let size = (gap * 0.55).min(6.0);
        sheet.write(value, left + 6.0 + lw, y + gap - size - 2.5, size);
    }
    let y = top + gap * 3.0;
    let x = right - 62.0;
    sheet.canvas.print("¥", x, y + 1.0, 5.0, ink);
    sheet.write(&figures[3..], x + 6.0, y, 6.0);
    let footer = h - 16.0;
    sheet.canvas.print("收款单位（盖章）", left, footer, 4.2, ink);
    sheet.canvas.print("收款人", left + 80.0, footer, 4.2, ink);
    sheet.canvas.print("经手人", left + 130.0, footer, 4.2, ink);
    let cadre = ["叶建平", "金德明", "胡秀英"][sheet.rng.gen_range(0..3)];
    sheet.write(cadre, left + 146.0, footer - 1.0, 5.0);
    payee_mark(sheet, left + 36.0, footer - 2.0);
}

fn ruled_table(sheet: &mut Sheet) {
    let (w, h) = sheet.canvas.size_mm();
    let ink = sheet.form_ink;
    let left = sheet.rng.gen_range(8.0..14.0);
    let right = w - sheet.rng.gen_range(8.0..14.0);
    sheet.canvas.print_centred("收 款 收 据", w / 2.0, 5.0, 7.0, ink);
    serial(sheet, right - 32.0, 6.0);
    let payer = sheet.slip.payer.clone();
    let lw = sheet.canvas.print("客户名称：", left, 17.0, 4.2, ink);
    sheet.write(&payer, left + lw, 15.5, 5.0);
    let date = sheet.date_text();
    sheet.canvas.print("日期：", right - 58.0, 17.0, 4.2, ink);
    sheet.write(&date, right - 46.0, 15.5, 4.8);
    let rows = sheet.rng.gen_range(3..=6);
    let top = 25.0;
    let row_h = ((h - top - 26.0) / (rows + 2) as f32).min(12.0);
    let cols = [0.0, 0.42, 0.52, 0.62, 0.78, 1.0].map(|f| left + (right - left) * f);
    let heads = ["品名及规格", "单位", "数量", "单价", "金额"];
    let bottom = top + row_h * (rows + 2) as f32;
    sheet.canvas.frame(left, top, right - left, bottom - top, 0.6, ink);
    for r in 1..=rows + 1 {
        sheet.canvas.hline(left, right, top + row_h * r as f32, 0.3, ink);
    }
    for &x in &cols[1..5] {
        sheet.canvas.vline(x, top, bottom - row_h, 0.3, ink);
    }
    for (i, head) in heads.iter().enumerate() {
        sheet
            .canvas
            .print_centred(head, (cols[i] + cols[i + 1]) / 2.0, top + row_h / 2.0 - 2.2, 4.2, ink);
    }
    let (n, price) = sheet.quantity();
    let y = top + row_h + row_h / 2.0 - 3.0;
    let description = sheet.slip.description.clone();
    let size = if description.chars().count() > 9 { 3.8 } else { 4.8 };
    sheet.write(&description, cols[0] + 2.0, y, size);
    let unit = if n == 1 {
        "项"
    } else {
        ["个", "件", "批", "次"][sheet.rng.gen_range(0..4)]
    };
    sheet.write(unit, cols[1] + 3.0, y, 4.8);
    sheet.write(&n.to_string(), cols[2] + 3.0, y, 4.8);
    sheet.write(&yuan(price), cols[3] + 2.0, y, 4.6);
    sheet.write(&yuan(sheet.slip.amount_fen), cols[4] + 2.0, y, 4.6);
    let total_y = bottom - row_h / 2.0 - 2.4;
    let lw = sheet.canvas.print("合计人民币（大写）", left + 2.0, total_y, 4.2, ink);
    let words = amount_in_words(sheet.slip.amount_fen);
    sheet.write(&words, left + 4.0 + lw, total_y - 1.0, 5.0);
    let figures = format!("¥{}", yuan(sheet.slip.amount_fen));
    sheet.write(&figures, cols[4] + 2.0, total_y - 1.0, 4.8);
    let footer = h - 15.0;
    sheet.canvas.print("收款单位（盖章）：", left, footer, 4.2, ink);
    sheet.canvas.print("开票人：", right - 50.0, footer, 4.2, ink);
    let clerk = ["王丽", "陈芳", "林红"][sheet.rng.gen_range(0..3)];
    sheet.write(clerk, right - 34.0, footer - 1.0, 5.0);
    let payee = sheet.slip.payee.clone();
    if !is_person(&payee) {
        let pw = sheet.canvas.width(&payee, 4.2);
        sheet.canvas.print(
            &payee,
            left + 36.0,
            footer,
            (70.0 / pw * 4.2).min(4.2),
            Ink::solid([60, 60, 70]),
        );
    }
    payee_mark(sheet, left + 40.0, footer - 4.0);
}

/// A villager's note of what they received, on the village committee's letter paper.
fn note(sheet: &mut Sheet) {
    let (w, h) = sheet.canvas.size_mm();
    let red = Ink::solid([196, 44, 48]);
    let letterhead = sheet
        .slip
        .payer
        .replace("股份经济合作社", "村民委员会")
        .replace("村村", "村");
    sheet.canvas.print_centred(&letterhead, w / 2.0, 6.0, 6.5, red);
    sheet.canvas.hline(8.0, w - 8.0, 16.0, 0.8, red);
    sheet.canvas.hline(8.0, w - 8.0, 17.4, 0.3, red);
    let line_gap = sheet.rng.gen_range(9.0..11.5);
    let mut y = 20.0;
    while y + line_gap < h - 6.0 {
        y += line_gap;
        sheet.canvas.hline(8.0, w - 8.0, y, 0.2, Ink::solid([170, 120, 120]));
    }
    let title = if sheet.slip.amount_fen > 300_000 {
        "领  条"
    } else {
        "收  条"
    };
    sheet.write(title, w / 2.0 - 10.0, 20.0 + line_gap - 8.0, 7.0);
    let text = format!(
        "今领到{}{}人民币{}（¥{}）。",
        sheet.slip.payer,
        sheet.slip.description,
        amount_in_words(sheet.slip.amount_fen),
        yuan(sheet.slip.amount_fen)
    );
    let size = (line_gap * 0.55).min(5.5);
    let per_line = ((w - 26.0) / (size * 1.02)) as usize;
    let chars: Vec<char> = text.chars().collect();
    let mut line = 2.0;
    for (i, chunk) in chars.chunks(per_line.max(8)).enumerate() {
        let indent = if i == 0 { size * 2.0 } else { 0.0 };
        let s: String = chunk.iter().collect();
        sheet.write(&s, 12.0 + indent, 20.0 + line_gap * line - size - 1.5, size);
        line += 1.0;
    }
    let y = (20.0 + line_gap * (line + 0.4)).min(h - 26.0);
    sheet.write("此据", 12.0 + size * 2.0, y - size - 1.5, size);
    let x = w - sheet.rng.gen_range(70.0..80.0);
    sheet.write("领款人：", x, y + line_gap - size - 1.5, size);
    payee_mark(sheet, x + size * 4.5, y + line_gap - 7.5);
    let date = sheet.date_text();
    sheet.write(&date, x + 4.0, y + 2.0 * line_gap - size - 1.5, size);
}
