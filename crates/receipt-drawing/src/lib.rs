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
/// The perspective warp, also used by the photographed invoices of the QR read-rate test.
pub use scene::{Quad, homography};

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

