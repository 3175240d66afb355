//! The demo's receipt drawing (crate `receipt-drawing`): money written as paper writes it,
//! every printed text in the committed font subset, the same slip drawn to the same small JPEG.
//! (The crate is no workspace member: its behaviour is proved here, where `cargo test` runs.)

use receipt_drawing::{
    DrawError, Form, INVOICE_EDGE, Invoice, MAX_EDGE, Payee, Slip, amount_in_words, draw, missing_glyphs, yuan,
};

#[test]
fn figures_have_two_decimals_and_thousands_commas() {
    assert_eq!(yuan(95_000), "950.00");
    assert_eq!(yuan(123_456_789), "1,234,567.89");
    assert_eq!(yuan(5), "0.05");
}

#[test]
fn words_follow_the_rule_for_zeros() {
    assert_eq!(amount_in_words(95_000), "玖佰伍拾元整");
    assert_eq!(amount_in_words(12_345_678), "壹拾贰万叁仟肆佰伍拾陆元柒角捌分");
    assert_eq!(amount_in_words(100_000_000), "壹佰万元整");
    assert_eq!(amount_in_words(10_050_000), "壹拾万零伍佰元整");
    assert_eq!(amount_in_words(386_000), "叁仟捌佰陆拾元整");
    assert_eq!(amount_in_words(100_500), "壹仟零伍元整");
    assert_eq!(amount_in_words(6_490), "陆拾肆元玖角整");
    assert_eq!(amount_in_words(10_005), "壹佰元零伍分");
    assert_eq!(amount_in_words(7), "柒分");
    assert_eq!(amount_in_words(10_500_000), "壹拾万伍仟元整");
    assert_eq!(amount_in_words(1_000_000_500), "壹仟万零伍元整");
}

#[test]
fn every_form_text_has_a_glyph() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/crates/receipt-drawing/src");
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
