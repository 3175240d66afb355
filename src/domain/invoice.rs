//! The Chinese VAT invoice QR payload (发票二维码), parsed into its fields with the amount in fen.
//!
//! The payload is comma-separated:
//! `01,<type>,<invoice code>,<invoice number>,<amount>,<YYYYMMDD>,<check code>,<crc>`.
//! Traditional invoices carry a 10- or 12-digit invoice code and an 8-digit number; fully
//! digitised e-invoices (数电票) leave the code empty and carry a 20-digit number. The amount is
//! the yuan amount before tax, written with at most two decimals (negative on a red-letter
//! invoice); it is read exactly, without floating point.

use chrono::NaiveDate;
use serde::Serialize;

use super::Money;

/// The fields of a Chinese VAT invoice QR code. In the API document it is the
/// `ReceiptInvoice` of a receipt; the `///` texts of its fields are that document's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(as = ReceiptInvoice, description = "The invoice read from a receipt's QR code.")]
pub struct InvoiceQr {
    /// Invoice type code, e.g. `10`, `32`.
    pub type_code: String,
    /// 10 or 12 digits; empty on fully digitised e-invoices (数电票).
    pub invoice_code: Option<String>,
    /// 8 digits, or 20 on e-invoices.
    pub invoice_number: String,
    // Amount before tax in fen (negative on a red-letter invoice).
    pub amount_fen: i64,
    // Date of issue.
    pub issued_on: NaiveDate,
    // Check code (校验码), when the invoice has one.
    pub check_code: Option<String>,
    /// Code + number, or the 20-digit number: what the cross-check matches on.
    pub key: String,
}

/// Whether a receipt's QR code has been searched for as well as the service can: intake reads
/// codes that are easy to find; a receipt where it read no invoice is searched again, more
/// deeply, after the upload is answered, and its invoice fields fill in when that finishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum QrSearch {
    /// Searched: an invoice was read, or the deep search found none.
    Done,
    /// No invoice read yet; the deep search has not finished.
    Pending,
}

impl QrSearch {
    pub fn as_str(self) -> &'static str {
        match self {
            QrSearch::Done => "done",
            QrSearch::Pending => "pending",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "done" => Some(QrSearch::Done),
            "pending" => Some(QrSearch::Pending),
            _ => None,
        }
    }
}

fn all_digits(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_digit())
}

impl InvoiceQr {
    /// Parses a QR payload; `None` when it is not a VAT invoice payload (wrong version, field
    /// missing or malformed). Trailing fields after the check code (CRC, reserved) are ignored.
    pub fn parse(payload: &str) -> Option<Self> {
        let fields: Vec<&str> = payload.trim().split(',').map(str::trim).collect();
        let [version, type_code, code, number, amount, date, rest @ ..] = fields.as_slice() else {
            return None;
        };
        if *version != "01" || !all_digits(type_code, 2) {
            return None;
        }
        let invoice_code = match code.len() {
            0 => None,
            10 | 12 if all_digits(code, code.len()) => Some((*code).to_owned()),
            _ => return None,
        };
        let number_len = if invoice_code.is_some() { 8 } else { 20 };
        if !all_digits(number, number_len) {
            return None;
        }
        let amount_fen = Money::parse_yuan(amount).ok()?;
        if !all_digits(date, 8) {
            return None;
        }
        let issued_on = NaiveDate::parse_from_str(date, "%Y%m%d").ok()?;
        let check_code = match rest.first().copied().unwrap_or("") {
            "" => None,
            c if c.len() <= 32 && c.bytes().all(|b| b.is_ascii_alphanumeric()) => Some(c.to_owned()),
            _ => return None,
        };
        let key = match &invoice_code {
            Some(code) => format!("{code}{number}"),
            None => (*number).to_owned(),
        };
        Some(InvoiceQr {
            type_code: (*type_code).to_owned(),
            invoice_code,
            invoice_number: (*number).to_owned(),
            amount_fen,
            issued_on,
            check_code,
            key,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
    }

    #[test]
    fn traditional_invoice_is_keyed_by_code_and_number() {
        let qr = InvoiceQr::parse("01,10,011001605111,80100798,64.9,20161018,85342965681116380258")
            .expect("traditional payload parses");
        assert_eq!(
            qr,
            InvoiceQr {
                type_code: "10".into(),
                invoice_code: Some("011001605111".into()),
                invoice_number: "80100798".into(),
                amount_fen: 6_490,
                issued_on: date(2016, 10, 18),
                check_code: Some("85342965681116380258".into()),
                key: "01100160511180100798".into(),
            }
        );
    }

    #[test]
    fn digitised_e_invoice_is_keyed_by_its_20_digit_number() {
        let qr =
            InvoiceQr::parse("01,32,,25442000000012341234,666.00,20250208,,A6A1").expect("e-invoice payload parses");
        assert_eq!(qr.invoice_code, None);
        assert_eq!(qr.invoice_number, "25442000000012341234");
        assert_eq!(qr.key, "25442000000012341234");
        assert_eq!(qr.amount_fen, 66_600);
        assert_eq!(qr.issued_on, date(2025, 2, 8));
        assert_eq!(qr.check_code, None);
        assert_eq!(qr.type_code, "32");
    }

    #[test]
    fn ten_digit_codes_trailing_newline_and_red_letter_amounts_parse() {
        let qr = InvoiceQr::parse("01,04,3300171320,01234567,-1200.5,20240131,,\r\n").expect("10-digit code parses");
        assert_eq!(qr.key, "330017132001234567");
        assert_eq!(qr.amount_fen, -120_050);
        assert_eq!(qr.check_code, None);
    }

    #[test]
    fn amounts_are_exact_to_the_fen() {
        let qr = InvoiceQr::parse("01,10,011001605111,80100798,0.07,20161018,").expect("payload parses");
        assert_eq!(qr.amount_fen, 7);
    }

    #[test]
    fn malformed_payloads_are_not_invoices() {
        for payload in [
            "",
            "https://example.com/pay?id=1",
            "01,10,011001605111,80100798,64.9",
            // wrong version
            "02,10,011001605111,80100798,64.9,20161018,",
            // type code not two digits
            "01,1,011001605111,80100798,64.9,20161018,",
            "01,XX,011001605111,80100798,64.9,20161018,",
            // invoice code of the wrong length or not digits
            "01,10,0110016051,801007981,64.9,20161018,",
            "01,10,01100160511,80100798,64.9,20161018,",
            "01,10,01100160511A,80100798,64.9,20161018,",
            // number: 8 digits with a code, 20 without
            "01,10,011001605111,8010079,64.9,20161018,",
            "01,32,,80100798,666.00,20250208,,A6A1",
            "01,32,,2544200000001234123X,666.00,20250208,,A6A1",
            // amounts that are not exact yuan with two decimals
            "01,10,011001605111,80100798,64.999,20161018,",
            "01,10,011001605111,80100798,6.49e1,20161018,",
            "01,10,011001605111,80100798,,20161018,",
            // dates that do not exist or are not YYYYMMDD
            "01,10,011001605111,80100798,64.9,20160230,",
            "01,10,011001605111,80100798,64.9,2016-10-18,",
            "01,10,011001605111,80100798,64.9,+2016101,",
            // check code with punctuation
            "01,10,011001605111,80100798,64.9,20161018,85342965<script>",
        ] {
            assert_eq!(InvoiceQr::parse(payload), None, "{payload:?}");
        }
    }
}
