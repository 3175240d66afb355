//! `invoice_mismatch`: the invoice read from a receipt's QR code disagrees with its entry.
//!
//! The amount in an invoice QR is the amount before VAT, so a payment may exceed the sum of its
//! invoices by up to the highest VAT rate (13 %); less than the invoices, or more than that, is a
//! mismatch. The invoice date may precede or follow the payment by some days (60), as
//! prepayments and settlements do; further apart is a mismatch.
//!
//! How an insider would get around it: splitting one payment over two entries with the same
//! invoice (caught by `invoice_reused`), or attaching an extra invoice to make up the sum
//! (caught when that invoice serves another payment too). A month boundary, a second spelling
//! or another village change nothing: each entry is compared with its own invoices.

use crate::i18n::money;
use crate::msg;
use std::collections::HashMap;

use serde_json::json;

use super::{Context, Flag, Rule, Severity, describe};
use crate::crosscheck::book::{Book, Parties, ReceiptFact};

pub struct InvoiceMismatch;

impl Rule for InvoiceMismatch {
    fn name(&self) -> &'static str {
        "invoice_mismatch"
    }

    fn check_village(&self, book: &Book, _parties: &Parties, cx: &Context, out: &mut Vec<Flag>) {
        let s = cx.settings;
        let mut invoices: HashMap<&str, Vec<&ReceiptFact>> = HashMap::new();
        for r in book
            .receipts
            .iter()
            .filter(|r| !r.withdrawn && r.invoice_amount_fen.is_some())
        {
            invoices.entry(r.entry_id.as_str()).or_default().push(r);
        }
        for item in book.items.iter().filter(|i| i.is_live()) {
            let Some(found) = invoices.get(item.id.as_str()) else {
                continue;
            };
            let invoiced: i64 = found.iter().filter_map(|r| r.invoice_amount_fen).sum();
            let most = invoiced + invoiced * s.invoice_vat_max_percent / 100;
            let receipt_ids: Vec<String> = found.iter().map(|r| r.id.clone()).collect();
            if item.amount_fen < invoiced || item.amount_fen > most {
                let mut flag = cx.flag(
                    self.name(),
                    Severity::Medium,
                    book.village,
                    &[item],
                    msg!(
                        "flag-invoice-amount",
                        entry = describe(item),
                        invoiced = money(invoiced),
                        most = money(most)
                    ),
                    json!({
                        "field": "amount",
                        "entry_amount_fen": item.amount_fen,
                        "invoice_amount_fen": invoiced,
                        "vat_max_percent": s.invoice_vat_max_percent,
                        "invoice_numbers": found.iter().filter_map(|r| r.invoice_number.clone()).collect::<Vec<_>>(),
                    }),
                );
                flag.receipt_ids = receipt_ids.clone();
                out.push(flag);
            }
            for r in found {
                let Some(issued) = r.invoice_date else { continue };
                let days = (issued - item.occurred_on).num_days();
                if days.abs() <= s.invoice_date_days {
                    continue;
                }
                let mut flag = cx.flag(
                    self.name(),
                    Severity::Medium,
                    book.village,
                    &[item],
                    msg!(
                        "flag-invoice-date",
                        entry = describe(item),
                        issued = issued,
                        days = days.abs(),
                        side = if days < 0 { "before" } else { "after" },
                        limit = s.invoice_date_days
                    ),
                    json!({
                        "field": "date",
                        "occurred_on": item.occurred_on,
                        "invoice_date": issued,
                        "days_apart": days,
                        "max_days": s.invoice_date_days,
                        "invoice_number": r.invoice_number,
                    }),
                );
                flag.receipt_ids = vec![r.id.clone()];
                out.push(flag);
            }
        }
    }
}
