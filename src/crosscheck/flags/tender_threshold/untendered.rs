//! What was paid without a tender: per project (`project_without_tender`,
//! `project_untendered_part`) and per firm within a year across project names
//! (`works_without_tender`).

use std::collections::{BTreeMap, BTreeSet, HashSet};

use serde_json::json;

use crate::crosscheck::book::{Book, Item};
use crate::crosscheck::flags::chains::chains;
use crate::crosscheck::flags::{Context, Flag, Severity, spellings};
use crate::crosscheck::names;
use crate::domain::Chart;
use crate::i18n::money;
use crate::ledger::tenders::reference_key;
use crate::msg;

/// A firm's works are summed over this many days.
const WORKS_DAYS: i64 = 365;

/// The key of the tender a payment names, if it names one (a reference with a letter or digit).
pub(super) fn tender_key(item: &Item) -> Option<String> {
    item.tender_ref.as_deref().map(reference_key).filter(|k| !k.is_empty())
}

fn project_key(item: &Item) -> Option<String> {
    item.project.as_deref().map(names::normalize).filter(|k| !k.is_empty())
}

/// Construction in progress (在建工程) in the chart of the payment's year.
fn construction_account(item: &Item) -> &'static str {
    match Chart::for_year(item.fiscal_year) {
        Chart::Village2004 => "154",
        Chart::Rural2023 => "153",
    }
}

/// Whether a payment is for works: it names a project, is described as works (工程), or is
/// booked to construction in progress.
fn is_works(item: &Item) -> bool {
    item.project.as_deref().is_some_and(|p| !p.trim().is_empty())
        || item.description.contains("工程")
        || item.account_code == construction_account(item)
}

/// One project's live payments.
#[derive(Default)]
struct Project<'a> {
    untendered: Vec<&'a Item>,
    tendered_fen: i64,
    tendered: usize,
}

pub(super) fn check(rule: &'static str, book: &Book, cx: &Context, out: &mut Vec<Flag>) {
    let threshold = cx.settings.tender_threshold_fen;
    let live: Vec<&Item> = book.items.iter().filter(|i| i.is_expense() && i.is_live()).collect();
    let mut projects: BTreeMap<String, Project> = BTreeMap::new();
    for item in &live {
        let Some(key) = project_key(item) else { continue };
        let project = projects.entry(key).or_default();
        if tender_key(item).is_some() {
            project.tendered += 1;
            project.tendered_fen += item.amount_fen;
        } else {
            project.untendered.push(item);
        }
    }
    let mut flagged: HashSet<&str> = HashSet::new();
    for (key, p) in &projects {
        let items = &p.untendered;
        let total: i64 = items.iter().map(|i| i.amount_fen).sum();
        let (Some(first), Some(last)) = (items.first(), items.last()) else {
            continue;
        };
        if total <= threshold {
            continue;
        }
        flagged.insert(key);
        let (village, project) = (cx.village_name(book.village), first.project.as_deref().unwrap_or(key));
        let (from, to) = (first.occurred_on, last.occurred_on);
        let (kind, explanation) = if p.tendered == 0 {
            (
                "project_without_tender",
                msg!(
                    "flag-tender-threshold",
                    village = village,
                    total = money(total),
                    project = project,
                    count = items.len(),
                    first = from,
                    last = to,
                    threshold = money(threshold)
                ),
            )
        } else {
            (
                "project_untendered_part",
                msg!(
                    "flag-tender-untendered-part",
                    village = village,
                    total = money(total),
                    project = project,
                    count = items.len(),
                    first = from,
                    last = to,
                    threshold = money(threshold),
                    tendered = p.tendered,
                    tendered_total = money(p.tendered_fen)
                ),
            )
        };
        out.push(cx.flag(
            rule,
            Severity::High,
            book.village,
            items,
            explanation,
            json!({
                "kind": kind,
                "project": project,
                "total_fen": total,
                "payments": items.len(),
                "threshold_fen": threshold,
                "tendered_fen": p.tendered_fen,
                "tendered_payments": p.tendered,
            }),
        ));
    }
    works(rule, book, cx, &live, &flagged, out);
}

/// One firm's untendered works within a year, outside the projects flagged already.
fn works(rule: &'static str, book: &Book, cx: &Context, live: &[&Item], flagged: &HashSet<&str>, out: &mut Vec<Flag>) {
    let threshold = cx.settings.tender_threshold_fen;
    let mut by_firm: BTreeMap<i32, Vec<&Item>> = BTreeMap::new();
    for item in live.iter().copied() {
        let in_flagged = project_key(item).is_some_and(|k| flagged.contains(k.as_str()));
        if tender_key(item).is_none() && is_works(item) && !in_flagged {
            by_firm.entry(item.firm).or_default().push(item);
        }
    }
    for items in by_firm.values() {
        for group in chains(items, WORKS_DAYS, |group| {
            group.iter().map(|i| i.amount_fen).sum::<i64>() > threshold
        }) {
            let total: i64 = group.iter().map(|i| i.amount_fen).sum();
            let (from, to) = (group[0].occurred_on, group[group.len() - 1].occurred_on);
            let projects: BTreeSet<&str> = group
                .iter()
                .map(|i| {
                    i.project
                        .as_deref()
                        .filter(|p| !p.trim().is_empty())
                        .unwrap_or("(none)")
                })
                .collect();
            let projects: Vec<&str> = projects.into_iter().collect();
            out.push(cx.flag(
                rule,
                Severity::High,
                book.village,
                group,
                msg!(
                    "flag-tender-works",
                    village = cx.village_name(book.village),
                    payee = spellings(group),
                    total = money(total),
                    first = from,
                    last = to,
                    count = group.len(),
                    projects = projects.join("、"),
                    threshold = money(threshold)
                ),
                json!({
                    "kind": "works_without_tender",
                    "total_fen": total,
                    "payments": group.len(),
                    "projects": projects,
                    "threshold_fen": threshold,
                    "window_days": WORKS_DAYS,
                }),
            ));
        }
    }
}
