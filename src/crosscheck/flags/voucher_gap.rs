//! `voucher_gap`: numbers missing from a village's voucher sequence within a fiscal year —
//! vouchers are numbered in order, so a gap is a voucher written and never posted (or removed).
//!
//! A voucher number is read as a prefix and its trailing digits (`2024-017` → `2024-`, 17); each
//! prefix of a year is its own sequence, and gaps are looked for between its lowest and highest
//! numbers.
//!
//! How an insider would get around it: the ledger is append-only, so a posted voucher cannot be
//! removed; a gap comes from books imported with a voucher missing. Numbering the missing one
//! under another prefix makes it a sequence of its own, which shows as it is. Nothing to close.

use crate::msg;
use std::cell::OnceCell;
use std::collections::BTreeMap;

use serde_json::json;

use super::{Context, Flag, Rule, Severity};
use crate::crosscheck::book::{Book, FastMap, Item, Parties};

pub struct VoucherGap;

/// Splits `2024-017` into `("2024-", 17, 3)`: prefix, number and digit width.
fn split_voucher(voucher: &str) -> Option<(&str, u64, usize)> {
    let digits = voucher.bytes().rev().take_while(u8::is_ascii_digit).count();
    if digits == 0 || digits > 12 {
        return None;
    }
    let (prefix, number) = voucher.split_at(voucher.len() - digits);
    number.parse().ok().map(|n| (prefix, n, digits))
}

impl Rule for VoucherGap {
    fn name(&self) -> &'static str {
        "voucher_gap"
    }

    fn check_village(&self, book: &Book, _parties: &Parties, cx: &Context, out: &mut Vec<Flag>) {
        let mut sequences: BTreeMap<(i32, &str), Vec<(u64, &str)>> = BTreeMap::new();
        for (year, voucher) in book.vouchers() {
            if let Some((prefix, n, _)) = split_voucher(voucher) {
                sequences.entry((year, prefix)).or_default().push((n, voucher));
            }
        }
        // Gaps are rare: the entries are indexed by voucher only once a gap is found (the last
        // entry of a number kept), and then once for all the book's gaps.
        let by_voucher: OnceCell<FastMap<(i32, &str), &Item>> = OnceCell::new();
        let by_voucher = |year: i32, voucher: &str| {
            by_voucher
                .get_or_init(|| {
                    book.items
                        .iter()
                        .map(|i| ((i.fiscal_year, i.voucher_no.as_str()), i))
                        .collect()
                })
                .get(&(year, voucher))
                .copied()
        };
        for ((year, prefix), mut numbers) in sequences {
            numbers.sort_unstable();
            numbers.dedup_by_key(|(n, _)| *n);
            for pair in numbers.windows(2) {
                let ((before, before_name), (after, after_name)) = (pair[0], pair[1]);
                if after - before <= 1 {
                    continue;
                }
                // Missing numbers are written as the voucher before the gap writes its own.
                let width = split_voucher(before_name).map_or(1, |(_, _, w)| w);
                let name = |n: u64| format!("{prefix}{n:0width$}");
                let (first, last) = (before + 1, after - 1);
                let missing = last - first + 1;
                let village = cx.village_name(book.village);
                let explanation = if missing == 1 {
                    msg!(
                        "flag-voucher-gap-one",
                        voucher = name(first),
                        village = village,
                        year = year,
                        before = before_name,
                        after = after_name
                    )
                } else {
                    msg!(
                        "flag-voucher-gap",
                        first = name(first),
                        last = name(last),
                        count = missing,
                        village = village,
                        year = year,
                        before = before_name,
                        after = after_name
                    )
                };
                let mut flag = cx.flag(
                    self.name(),
                    Severity::Medium,
                    book.village,
                    &[],
                    explanation,
                    json!({
                        "fiscal_year": year,
                        "first_missing": name(first),
                        "last_missing": name(last),
                        "missing": missing,
                        "before": before_name,
                        "after": after_name,
                    }),
                );
                // The entries on either side of the gap, for the inspector to open.
                let sides: Vec<&Item> = [before_name, after_name]
                    .iter()
                    .filter_map(|v| by_voucher(year, v))
                    .collect();
                flag.entry_ids = sides.iter().map(|i| i.id.clone()).collect();
                flag.occurred_on = sides.iter().map(|i| i.occurred_on).min();
                out.push(flag);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::split_voucher;

    #[test]
    fn vouchers_split_into_prefix_and_number() {
        assert_eq!(split_voucher("2024-017"), Some(("2024-", 17, 3)));
        assert_eq!(split_voucher("记-5"), Some(("记-", 5, 1)));
        assert_eq!(split_voucher("A12B"), None);
    }
}
