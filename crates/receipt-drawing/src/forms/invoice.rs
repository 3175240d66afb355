//! VAT invoices with their QR code at the top left: the traditional ordinary invoice
//! (增值税普通发票, brown ruling, invoice code and number, the seller's oval seal) and the fully
//! digitised e-invoice (电子发票（普通发票）, a 20-digit number, no seal), printed by the village.
//! Sales of village suppliers are written tax-exempt (免税), so the QR's amount is the total.

use ab_glyph::FontRef;
use image::RgbImage;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::Sheet;
use crate::canvas::{Canvas, Ink};
use crate::chinese::{amount_in_words, yuan};
use crate::seal::invoice_seal;
use crate::{DrawError, Invoice, Slip};

/// The QR symbol's modules, dark = true, row by row.
struct Symbol {
    side: usize,
    dark: Vec<bool>,
}

fn symbol(payload: &str) -> Result<Symbol, DrawError> {
    use rxing::qrcode::common::ErrorCorrectionLevel;
    let code = rxing::qrcode::encoder::qrcode_encoder::encode(payload, ErrorCorrectionLevel::L)
        .map_err(|e| DrawError::Qr(e.to_string()))?;
    let matrix = code
        .getMatrix()
        .as_ref()
        .ok_or_else(|| DrawError::Qr("no matrix".to_owned()))?;
    let side = matrix.getWidth() as usize;
    let dark = (0..side * side)
        .map(|i| matrix.get((i % side) as u32, (i / side) as u32) == 1)
        .collect();
    Ok(Symbol { side, dark })
}

/// The symbol printed `size` mm wide at (x, y) mm, modules whole pixels so that they stay sharp.
fn print_qr(canvas: &mut Canvas, symbol: &Symbol, x: f32, y: f32, size: f32) {
    let module = size / symbol.side as f32;
    let ink = Ink::solid([20, 20, 24]);
    for (i, &dark) in symbol.dark.iter().enumerate() {
        if dark {
            let (mx, my) = ((i % symbol.side) as f32, (i / symbol.side) as f32);
            canvas.fill(x + mx * module, y + my * module, module, module, ink);
        }
    }
}

pub fn draw(slip: &Slip, font: &FontRef<'_>, variant: u32, mut rng: ChaCha8Rng) -> Result<RgbImage, DrawError> {
    let invoice = slip.invoice.as_ref().ok_or(DrawError::NoInvoice)?;
    let symbol = symbol(&invoice.qr_payload)?;
    let size = (rng.gen_range(218.0..236.0), rng.gen_range(128.0..142.0));
    let tone = [[247, 246, 241], [244, 241, 230], [240, 242, 240]][rng.gen_range(0..3)];
    let mut sheet = Sheet::new(slip, font, size, tone, rng);
    let brown = Ink::solid([150, 96, 64]);
    sheet.form_ink = brown;
    let (w, h) = sheet.canvas.size_mm();
    let qr_mm = if invoice.code.is_some() { 30.0 } else { 28.0 };
    print_qr(&mut sheet.canvas, &symbol, 7.0, 5.0, qr_mm);
    let title = match invoice.code {
        Some(_) => "浙江增值税普通发票",
        None => "电子发票（普通发票）",
    };
    sheet.canvas.print_centred(title, w / 2.0 + 6.0, 8.0, 7.0, brown);
    sheet.canvas.hline(w / 2.0 - 34.0, w / 2.0 + 46.0, 17.5, 0.4, brown);
    sheet.canvas.hline(w / 2.0 - 34.0, w / 2.0 + 46.0, 18.6, 0.4, brown);
    let head_x = w - 72.0;
    let mut head_y = 7.0;
    let date = sheet.date_text();
    let mut heads: Vec<(&str, String)> = Vec::new();
    if let Some(code) = &invoice.code {
        heads.push(("发票代码：", code.clone()));
    }
    heads.push(("发票号码：", invoice.number.clone()));
    heads.push(("开票日期：", date));
    for (label, value) in heads {
        let lw = sheet.canvas.print(label, head_x, head_y, 3.4, brown);
        sheet
            .canvas
            .print(&value, head_x + lw, head_y - 0.2, 3.6, Ink::solid([30, 30, 36]));
        head_y += 5.2;
    }
    let top = 38.0;
    let bottom = h - 14.0;
    let (left, right) = (6.0, w - 6.0);
    sheet.canvas.frame(left, top, right - left, bottom - top, 0.6, brown);
    let party_h = (bottom - top) * 0.24;
    sheet.canvas.hline(left, right, top + party_h, 0.4, brown);
    parties(&mut sheet, invoice, (left, right), top, party_h);
    let items_top = top + party_h;
    let items_h = (bottom - items_top) * if variant == 0 { 0.5 } else { 0.45 };
    items(&mut sheet, (left, right), items_top, items_h);
    let total_y = items_top + items_h;
    sheet.canvas.hline(left, right, total_y + 9.0, 0.4, brown);
    let lw = sheet
        .canvas
        .print("价税合计（大写）", left + 3.0, total_y + 2.5, 3.6, brown);
    let print = Ink::solid([30, 30, 36]);
    let words = format!("⊗{}", amount_in_words(slip.amount_fen));
    sheet.canvas.print(&words, left + 8.0 + lw, total_y + 2.3, 4.0, print);
    sheet.canvas.print("（小写）", right - 62.0, total_y + 2.5, 3.6, brown);
    sheet.canvas.print(
        &format!("¥{}", yuan(slip.amount_fen)),
        right - 46.0,
        total_y + 2.3,
        4.0,
        print,
    );
    sheet.canvas.print("备注", left + 3.0, total_y + 14.0, 3.6, brown);
    if variant == 1 {
        let note = format!("记账凭证{}", slip.voucher_no);
        sheet.canvas.print(&note, left + 20.0, total_y + 14.0, 3.6, print);
    }
    let clerk = ["王丽", "陈芳", "林红", "郑敏"][sheet.rng.gen_range(0..4)];
    sheet
        .canvas
        .print(&format!("开票人：{clerk}"), w * 0.6, h - 10.0, 3.6, brown);
    if invoice.code.is_some() {
        let seal = (w - sheet.rng.gen_range(30.0..50.0), h - sheet.rng.gen_range(14.0..24.0));
        invoice_seal(
            &mut sheet.canvas,
            &slip.payee,
            &invoice.seller_tax_id,
            seal,
            &mut sheet.rng,
        );
    }
    Ok(sheet.canvas.image)
}

/// The buyer (the village) and the seller, with their taxpayer numbers.
fn parties(sheet: &mut Sheet, invoice: &Invoice, (left, right): (f32, f32), top: f32, height: f32) {
    let brown = sheet.form_ink;
    let print = Ink::solid([30, 30, 36]);
    let middle = (left + right) / 2.0;
    sheet.canvas.vline(middle, top, top + height, 0.4, brown);
    let buyer_id = format!("N2331022{}", invoice.seller_tax_id.get(8..).unwrap_or_default());
    let sides = [
        ("购买方", sheet.slip.payer.clone(), buyer_id, left),
        (
            "销售方",
            sheet.slip.payee.clone(),
            invoice.seller_tax_id.clone(),
            middle,
        ),
    ];
    for (role, name, tax_id, x) in sides {
        for (i, c) in role.chars().enumerate() {
            sheet
                .canvas
                .print(&c.to_string(), x + 2.0, top + 3.0 + i as f32 * 5.0, 3.6, brown);
        }
        sheet.canvas.vline(x + 7.5, top, top + height, 0.3, brown);
        let lw = sheet.canvas.print("名称：", x + 9.0, top + 4.0, 3.4, brown);
        let fit = ((middle - left - 28.0) / sheet.canvas.width(&name, 3.8)).min(1.0);
        sheet.canvas.print(&name, x + 9.0 + lw, top + 3.8, 3.8 * fit, print);
        let lw = sheet
            .canvas
            .print("统一社会信用代码：", x + 9.0, top + 12.0, 3.2, brown);
        sheet.canvas.print(&tax_id, x + 9.0 + lw, top + 11.8, 3.6, print);
    }
}

/// The goods table: one line of what was bought, tax-exempt, and the total row.
fn items(sheet: &mut Sheet, (left, right): (f32, f32), top: f32, height: f32) {
    let brown = sheet.form_ink;
    let print = Ink::solid([30, 30, 36]);
    let cols = [0.0, 0.3, 0.4, 0.48, 0.58, 0.72, 0.86, 1.0].map(|f| left + (right - left) * f);
    let heads = ["项目名称", "规格型号", "单位", "数量", "单价", "金额", "税率/税额"];
    for (i, head) in heads.iter().enumerate() {
        sheet
            .canvas
            .print_centred(head, (cols[i] + cols[i + 1]) / 2.0, top + 2.0, 3.2, brown);
    }
    let (n, price) = sheet.quantity();
    let description = sheet
        .slip
        .description
        .trim_start_matches('付')
        .trim_start_matches('购')
        .to_owned();
    let name = format!("*服务*{description}");
    let fit = ((cols[1] - cols[0] - 3.0) / sheet.canvas.width(&name, 3.6)).min(1.0);
    let y = top + 9.0;
    sheet.canvas.print(&name, cols[0] + 2.0, y, 3.6 * fit, print);
    let unit = if n == 1 { "项" } else { "个" };
    let cells = [
        unit.to_owned(),
        n.to_string(),
        yuan(price),
        yuan(sheet.slip.amount_fen),
        "免税 ***".to_owned(),
    ];
    for (i, cell) in cells.iter().enumerate() {
        sheet.canvas.print(cell, cols[i + 2] + 1.5, y, 3.4, print);
    }
    let total_y = top + height - 7.0;
    sheet
        .canvas
        .print_centred("合    计", (cols[0] + cols[1]) / 2.0, total_y, 3.6, brown);
    sheet.canvas.print(
        &format!("¥{}", yuan(sheet.slip.amount_fen)),
        cols[5] + 1.5,
        total_y,
        3.4,
        print,
    );
    sheet.canvas.print("***", cols[6] + 4.0, total_y, 3.4, print);
    sheet.canvas.hline(left, right, top + height, 0.4, brown);
}
