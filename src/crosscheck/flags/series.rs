//! Standing payments: the same amount paid to the same counterparty (firm) in three or more
//! different months — a wage, a contract's monthly fee, a cleaner paid in cash. Rules that judge
//! a payment by its size or roundness leave these alone; repeating an irregular payment month
//! after month to hide it makes it a series that shows as such in the books.

use chrono::Datelike;

use crate::crosscheck::book::{FastMap, FastSet, Item};

/// Different months a `(counterparty, amount)` must be paid in to be a standing payment.
pub const SERIES_MONTHS: usize = 3;

/// `(firm, amount)` of the live payments of `items` made in [`SERIES_MONTHS`] or more
/// different months.
pub fn standing_series(items: &[Item]) -> FastSet<(i32, i64)> {
    let mut months: FastMap<(i32, i64), Vec<(i32, u32)>> = FastMap::default();
    for i in items.iter().filter(|i| i.is_expense() && i.is_live()) {
        let seen = months.entry((i.firm, i.amount_fen)).or_default();
        let month = (i.occurred_on.year(), i.occurred_on.month());
        if !seen.contains(&month) {
            seen.push(month);
        }
    }
    months
        .into_iter()
        .filter(|(_, m)| m.len() >= SERIES_MONTHS)
        .map(|(k, _)| k)
        .collect()
}
