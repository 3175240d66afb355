//! The entries a reconciliation may match, loaded once and indexed by date, amount, voucher and
//! invoice number, and counterparty.

use std::collections::HashMap;

use crate::crosscheck::book::{Item, Parties, for_each_book};
use crate::crosscheck::error::Result;
use crate::crosscheck::names;
use crate::crosscheck::{DateWindow, Scope};
use crate::db::DbPool;
use crate::domain::Direction;
use crate::domain::budget::Budget;

/// What judging reads of an entry, kept apart from its texts so the candidates of a finding
/// are read from a few cache lines each.
pub(super) struct Hot {
    pub(super) seq: i64,
    pub(super) amount_fen: i64,
    pub(super) occurred_on: chrono::NaiveDate,
    pub(super) party: i32,
    pub(super) direction: Direction,
    /// Neither a reversal nor reversed.
    pub(super) live: bool,
    pub(super) reversed: bool,
}

#[derive(Default)]
pub(super) struct Loaded {
    /// Each village's entries (reversals left out), with the village's place in the scope, as
    /// its book was loaded: not moved into one list, 330 bytes an entry.
    books: Vec<(usize, Vec<Item>)>,
    /// Where each item is: `(book, place in it)`. An item's index is its place in this list.
    at: Vec<(u32, u32)>,
    /// Of each item, what judging reads.
    pub(super) hot: Vec<Hot>,
    /// Item indices ([`Loaded::item`]), by date.
    pub(super) by_date: Vec<usize>,
    /// `(amount, date, counterparty, index into items)` of every item, by amount (then book
    /// order): a finding's scan of the entries of about its amount reads this list alone, not
    /// the items it names.
    pub(super) by_amount: Vec<(i64, chrono::NaiveDate, i32, usize)>,
    pub(super) by_voucher: HashMap<String, Vec<usize>>,
    pub(super) by_invoice: HashMap<String, Vec<usize>>,
    /// Item indices per counterparty, by date.
    pub(super) by_party: HashMap<i32, Vec<usize>>,
    /// Counterparties per pair of adjacent characters of their name (a one-character name
    /// under that character): names that share none cannot be similar.
    pub(super) party_grams: HashMap<(char, char), Vec<i32>>,
    pub(super) parties: Parties,
}

impl Loaded {
    /// Item `i`.
    pub(super) fn item(&self, i: usize) -> &Item {
        let (book, place) = self.at[i];
        &self.books[book as usize].1[place as usize]
    }

    /// The place in the scope of item `i`'s village.
    pub(super) fn village(&self, i: usize) -> usize {
        self.books[self.at[i].0 as usize].0
    }

    /// Items loaded.
    pub(super) fn len(&self) -> usize {
        self.at.len()
    }
}

/// The adjacent character pairs of a normalised name (the character itself, paired with
/// `'\0'`, for a one-character name).
pub(super) fn grams(name: &str) -> Vec<(char, char)> {
    let chars: Vec<char> = name.chars().collect();
    match chars.len() {
        0 => Vec::new(),
        1 => vec![(chars[0], '\0')],
        _ => chars.windows(2).map(|w| (w[0], w[1])).collect(),
    }
}

pub(super) fn key(text: &str) -> String {
    names::normalize(text)
}

/// Loads the entries of `scope` inside `window`; the voucher and invoice number indexes are
/// built only when `numbers` (some finding names a voucher or an invoice).
pub(super) fn load(pool: &DbPool, scope: &Scope, window: DateWindow, numbers: bool, budget: &Budget) -> Result<Loaded> {
    let mut parties = Parties::default();
    let mut books: Vec<(usize, Vec<Item>)> = Vec::new();
    let mut at: Vec<(u32, u32)> = Vec::new();
    let mut invoices: Vec<(String, String)> = Vec::new();
    for_each_book(pool, scope, window, &mut parties, |book, _| {
        budget.check()?;
        for r in book.receipts.iter().filter(|r| numbers && !r.withdrawn) {
            if let Some(n) = &r.invoice_number {
                invoices.push((key(n), r.entry_id.clone()));
            }
        }
        // Reversals record corrections, not payments: never a finding's entry.
        let mut kept = book.items;
        kept.retain(|i| i.reverses.is_none());
        let b = books.len() as u32;
        at.extend((0..kept.len() as u32).map(|place| (b, place)));
        books.push((book.village, kept));
        Ok(())
    })?;
    let items = || books.iter().flat_map(|(_, items)| items);
    let hot: Vec<Hot> = items()
        .map(|item| Hot {
            seq: item.seq,
            amount_fen: item.amount_fen,
            occurred_on: item.occurred_on,
            party: item.party,
            direction: item.direction,
            live: item.is_live(),
            reversed: item.reversed_by.is_some(),
        })
        .collect();
    // Sorted on copies of their keys: comparing through the items would read them at random.
    let mut keyed: Vec<(chrono::NaiveDate, i64, usize)> = items()
        .enumerate()
        .map(|(i, item)| (item.occurred_on, item.seq, i))
        .collect();
    keyed.sort_unstable();
    let by_date: Vec<usize> = keyed.into_iter().map(|(_, _, i)| i).collect();
    let mut keyed: Vec<(i64, i64, chrono::NaiveDate, i32, usize)> = items()
        .enumerate()
        .map(|(i, item)| (item.amount_fen, item.seq, item.occurred_on, item.party, i))
        .collect();
    keyed.sort_unstable_by_key(|&(amount, seq, ..)| (amount, seq));
    let by_amount: Vec<(i64, chrono::NaiveDate, i32, usize)> = keyed
        .into_iter()
        .map(|(amount, _, on, party, i)| (amount, on, party, i))
        .collect();
    let mut by_voucher: HashMap<String, Vec<usize>> = HashMap::new();
    let mut by_id: HashMap<&str, usize> = HashMap::new();
    for (i, item) in items().enumerate().filter(|_| numbers) {
        by_voucher.entry(key(&item.voucher_no)).or_default().push(i);
        by_id.insert(&item.id, i);
    }
    let mut by_invoice: HashMap<String, Vec<usize>> = HashMap::new();
    for (number, entry) in invoices {
        if let Some(&i) = by_id.get(entry.as_str()) {
            by_invoice.entry(number).or_default().push(i);
        }
    }
    let mut by_party: HashMap<i32, Vec<usize>> = HashMap::new();
    for &i in &by_date {
        by_party.entry(hot[i].party).or_default().push(i);
    }
    let mut party_grams: HashMap<(char, char), Vec<i32>> = HashMap::new();
    for (id, name) in parties.names.iter().enumerate() {
        let mut g = grams(name);
        g.sort_unstable();
        g.dedup();
        for gram in g {
            party_grams.entry(gram).or_default().push(id as i32);
        }
    }
    Ok(Loaded {
        books,
        at,
        hot,
        by_date,
        by_amount,
        by_voucher,
        by_invoice,
        by_party,
        party_grams,
        parties,
    })
}
