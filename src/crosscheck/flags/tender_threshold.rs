//! `tender_threshold`: a project whose spending inside the window passes the tender threshold
//! (100,000 yuan) while none of its entries carries a tender reference (招标编号): village works
//! of that size must go to public tender.

use crate::i18n::money;
use crate::msg;
use std::collections::BTreeMap;

use serde_json::json;

use super::{Context, Flag, Rule, Severity};
use crate::crosscheck::book::{Book, Item, Parties};

pub struct TenderThreshold;

impl Rule for TenderThreshold {
    fn name(&self) -> &'static str {
        "tender_threshold"
    }

    fn check_village(&self, book: &Book, _parties: &Parties, cx: &Context, out: &mut Vec<Flag>) {
        let threshold = cx.settings.tender_threshold_fen;
        let mut projects: BTreeMap<&str, Vec<&Item>> = BTreeMap::new();
        for item in book.items.iter().filter(|i| i.is_expense() && i.is_live()) {
            if let Some(p) = item.project.as_deref().filter(|p| !p.trim().is_empty()) {
                projects.entry(p).or_default().push(item);
            }
        }
        for (project, items) in projects {
            let total: i64 = items.iter().map(|i| i.amount_fen).sum();
            if total <= threshold || items.iter().any(|i| i.tender_ref.is_some()) {
                continue;
            }
            let (first, last) = (items[0].occurred_on, items[items.len() - 1].occurred_on);
            out.push(cx.flag(
                self.name(),
                Severity::High,
                book.village,
                &items,
                msg!(
                    "flag-tender-threshold",
                    village = cx.village_name(book.village),
                    total = money(total),
                    project = project,
                    count = items.len(),
                    first = first,
                    last = last,
                    threshold = money(threshold)
                ),
                json!({"project": project, "total_fen": total, "payments": items.len(), "threshold_fen": threshold}),
            ));
        }
    }
}
