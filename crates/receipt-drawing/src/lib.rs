//! Paper receipts for village-ledger's demo county, drawn from a description and a seed: a
//! receipt-book receipt (收据, 收款收据, 领条), a labour pay sheet (劳务费发放表) and a VAT
//! invoice (增值税发票, 数电票) carrying its QR code, each with a red seal, on paper of varying
//! tone, then "scanned" flat or "photographed" at an angle (a perspective warp) on a desk or a
//! scanner bed, under uneven light, and encoded as a small JPEG (long side at most
//! [`MAX_EDGE`] px, [`INVOICE_EDGE`] for invoices).
//!
//! The same [`Slip`] always gives the same bytes. Everything random about the picture (template,
//! layout, paper, placement, light) is drawn from [`Slip::seed`], so that the scans of one demo
//! differ as much in their overall look as real ones do: village-ledger's `receipt_reused` rule
//! groups scans whose perceptual hashes are close, and look-alike forms would be grouped.
//!
//! A crate of its own so that test builds optimise it (the demo draws hundreds of scans in the
//! debug builds of the tests). The text is printed with a subset of Noto Sans CJK SC committed
//! with village-ledger (`receipts-fixtures/fonts/`, OFL): a fresh machine needs no system font.

mod canvas;
mod chinese;
mod forms;
mod scene;
mod seal;

pub use chinese::{amount_in_words, yuan};

/// The font the forms are printed with: Noto Sans CJK SC cut down to the demo's characters.
pub(crate) const FONT: &[u8] = include_bytes!("../../../receipts-fixtures/fonts/NotoSansCJKsc-demo-subset.otf");

/// Long side of every drawn scan but invoices, in pixels, at most.
pub const MAX_EDGE: u32 = 800;
/// Long side of a drawn invoice, at most: its QR code must be read at intake.
pub const INVOICE_EDGE: u32 = 1200;

/// Which paper is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// A receipt from a receipt book, filled in by hand, or a payee's signed note.
    Receipt,
    /// A pay sheet listing each labourer, the amount and their signature.
    LabourSheet,
    /// A VAT invoice with its QR code ([`Slip::invoice`] must be set).
    VatInvoice,
}

/// One line of a labour pay sheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payee {
    pub name: String,
    pub amount_fen: i64,
}

/// The invoice printed on a [`Form::VatInvoice`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invoice {
    /// The QR payload, in the tax authority's format (`01,<type>,<code>,<number>,…`).
    pub qr_payload: String,
    /// `None` for a fully digitised invoice (数电票).
    pub code: Option<String>,
    pub number: String,
    /// The seller's taxpayer number, printed and in the seal.
    pub seller_tax_id: String,
}

/// What the paper says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slip {
    pub form: Form,
    /// Draws every choice of look and layout.
    pub seed: u64,
    /// Who paid: the village's collective, as its seal reads.
    pub payer: String,
    /// Who was paid (a firm, a shop or a person).
    pub payee: String,
    pub description: String,
    pub amount_fen: i64,
    /// Year, month, day.
    pub date: (i32, u32, u32),
    /// The bookkeeping voucher the paper is filed with, pencilled on it.
    pub voucher_no: String,
    /// The lines of a labour sheet (their amounts add up to `amount_fen`).
    pub payees: Vec<Payee>,
    pub invoice: Option<Invoice>,
    /// Photographed at an angle rather than laid flat.
    pub photographed: bool,
}

/// Why a slip could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum DrawError {
    #[error("the committed font cannot be read: {0}")]
    Font(String),
    #[error("a VAT invoice needs its invoice data")]
    NoInvoice,
    #[error("the invoice QR payload cannot be encoded: {0}")]
    Qr(String),
    #[error("the scan cannot be encoded as JPEG: {0}")]
    Jpeg(String),
}

/// The slip drawn, scanned or photographed, as JPEG bytes.
pub fn draw(slip: &Slip) -> Result<Vec<u8>, DrawError> {
    let font = ab_glyph::FontRef::try_from_slice(FONT).map_err(|e| DrawError::Font(e.to_string()))?;
    let paper = forms::draw_paper(slip, &font)?;
    let photo = scene::shoot(&paper, slip);
    scene::encode_jpeg(&photo, slip.seed)
}

/// The characters of `text` the committed font has no glyph for.
pub fn missing_glyphs(text: &str) -> Vec<char> {
    use ab_glyph::Font;
    let Ok(font) = ab_glyph::FontRef::try_from_slice(FONT) else {
        return text.chars().collect();
    };
    let mut missing: Vec<char> = text
        .chars()
        .filter(|c| !c.is_whitespace() && font.glyph_id(*c).0 == 0)
        .collect();
    missing.sort_unstable();
    missing.dedup();
    missing
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_text_has_a_glyph() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
        let mut text = String::new();
        for path in [
            "lib.rs",
            "canvas.rs",
            "chinese.rs",
            "scene.rs",
            "seal.rs",
            "forms/mod.rs",
            "forms/receipt.rs",
            "forms/labour.rs",
            "forms/invoice.rs",
        ] {
            let source = std::fs::read_to_string(format!("{dir}/{path}")).expect("a source file");
            // Printed texts are in string literals; comments' typography is not printed.
            for literal in source.split('"').skip(1).step_by(2) {
                text.push_str(literal);
            }
        }
        assert_eq!(missing_glyphs(&text), Vec::<char>::new());
    }

    fn slip(form: Form, photographed: bool) -> Slip {
        Slip {
            form,
            seed: 7,
            payer: "三门县坎头村股份经济合作社".into(),
            payee: "郑国强".into(),
            description: "付村祠堂传送瓦片人工费".into(),
            amount_fen: 95_000,
            date: (2024, 5, 14),
            voucher_no: "2024-013".into(),
            payees: vec![
                Payee {
                    name: "郑国强".into(),
                    amount_fen: 50_000,
                },
                Payee {
                    name: "潘美娟".into(),
                    amount_fen: 45_000,
                },
            ],
            invoice: (form == Form::VatInvoice).then(|| Invoice {
                qr_payload: "01,32,,25442000000012341234,950.00,20240514,,A6A1".into(),
                code: None,
                number: "25442000000012341234".into(),
                seller_tax_id: "91331022123456789X".into(),
            }),
            photographed,
        }
    }

    #[test]
    fn the_same_slip_gives_the_same_small_jpeg() {
        for (form, photographed) in [
            (Form::Receipt, true),
            (Form::LabourSheet, false),
            (Form::VatInvoice, false),
        ] {
            let a = draw(&slip(form, photographed)).expect("drawn");
            assert_eq!(a, draw(&slip(form, photographed)).expect("drawn"), "{form:?}");
            assert_eq!(&a[..2], &[0xFF, 0xD8], "a JPEG");
            // The crate has no JPEG decoder of its own: the size is read from the frame header.
            let sof = a.windows(2).position(|w| w == [0xFF, 0xC0]).expect("a baseline frame");
            let h = u32::from(u16::from_be_bytes([a[sof + 5], a[sof + 6]]));
            let w = u32::from(u16::from_be_bytes([a[sof + 7], a[sof + 8]]));
            let edge = if form == Form::VatInvoice {
                INVOICE_EDGE
            } else {
                MAX_EDGE
            };
            assert!(w.max(h) <= edge && w.min(h) >= 400, "{form:?}: {w}×{h}");
        }
    }

    #[test]
    fn an_invoice_needs_its_invoice() {
        let mut s = slip(Form::VatInvoice, false);
        s.invoice = None;
        assert!(matches!(draw(&s), Err(DrawError::NoInvoice)));
    }
}
