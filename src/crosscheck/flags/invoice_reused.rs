//! `invoice_reused`: one invoice (by its key, code + number or the 20-digit e-invoice number)
//! on more than one entry, across every village in scope — one invoice, one payment.
//!
//! How an insider would get around it: the key is read from the QR code, so a second spelling
//! or another village changes nothing (the whole scope is looked at; an inspector who asks for
//! one township sees that township). A payment rebooked after a reversal may carry its invoice
//! again. A receipt whose QR code cannot be read is not an invoice here: reading it is the
//! receipts service's part.

use crate::i18n::{Msg, money};
use crate::msg;
use std::collections::BTreeMap;

use serde_json::json;

use super::{Context, Flag, Rule, ScopeFacts, Severity};
use crate::crosscheck::book::ReceiptFact;

pub struct InvoiceReused;

impl Rule for InvoiceReused {
    fn name(&self) -> &'static str {
        "invoice_reused"
    }

    fn check_scope(&self, facts: &ScopeFacts, cx: &Context, out: &mut Vec<Flag>) {
        let mut by_key: BTreeMap<&str, Vec<&ReceiptFact>> = BTreeMap::new();
        for r in facts.receipts.iter().filter(|r| !r.withdrawn && r.entry_live) {
            if let Some(key) = r.invoice_key.as_deref() {
                by_key.entry(key).or_default().push(r);
            }
        }
        for (key, receipts) in by_key {
            if let Some(flag) = reuse_flag(self.name(), cx, &receipts, |n, listed| {
                msg!(
                    "flag-invoice-reused",
                    invoice = receipts[0].invoice_number.as_deref().unwrap_or(key),
                    count = n,
                    entries = listed
                )
            }) {
                let mut flag = flag;
                flag.figures["invoice_key"] = json!(key);
                out.push(flag);
            }
        }
    }
}

/// A flag for receipts attached to more than one live entry, at least one of them inside the
/// window; `None` otherwise. Shared with `receipt_reused`.
pub(super) fn reuse_flag(
    rule: &'static str,
    cx: &Context,
    receipts: &[&ReceiptFact],
    explain: impl Fn(usize, Vec<Msg>) -> Msg,
) -> Option<Flag> {
    let mut entries: Vec<&ReceiptFact> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for r in receipts {
        if seen.insert(r.entry_id.as_str()) {
            entries.push(r);
        }
    }
    if entries.len() < 2 || !entries.iter().any(|r| cx.window.contains(r.entry_occurred_on)) {
        return None;
    }
    entries.sort_by_key(|r| (r.entry_occurred_on, r.entry_id.clone()));
    let listed: Vec<Msg> = entries
        .iter()
        .map(|r| {
            msg!(
                "flag-reused-entry",
                village = cx.village_name(r.village),
                date = r.entry_occurred_on,
                amount = money(r.entry_amount_fen)
            )
        })
        .collect();
    let first = entries[0];
    let v = cx.scope.villages.get(first.village);
    let mut villages: Vec<&str> = entries
        .iter()
        .filter_map(|r| cx.scope.villages.get(r.village).map(|v| v.code.as_str()))
        .collect();
    villages.dedup();
    Some(Flag {
        rule,
        severity: Severity::High,
        village_code: v.map(|v| v.code.clone()),
        village_name: v.map(|v| v.name.clone()),
        township_code: v.map(|v| v.township_code.clone()),
        entry_ids: entries.iter().map(|r| r.entry_id.clone()).collect(),
        receipt_ids: receipts.iter().map(|r| r.id.clone()).collect(),
        occurred_on: Some(first.entry_occurred_on),
        explanation: explain(entries.len(), listed),
        figures: json!({
            "entries": entries.len(),
            "villages": villages,
            "amounts_fen": entries.iter().map(|r| r.entry_amount_fen).collect::<Vec<_>>(),
        }),
    })
}
