//! A village's entries and receipts loaded once, in compact form, for the cross-check: items
//! sorted by date with their reversal links and live receipt counts, and every receipt of the
//! village with the facts of the entry it is attached to (whatever its date, so a scan reused
//! across years is still seen). Counterparty names are interned after normalisation, so rules
//! compare small integers.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::crosscheck::error::{CrosscheckError, Result};
use crate::crosscheck::names;
use crate::crosscheck::{DateWindow, Scope};
use crate::db::raw::{RawReader, Statement};
use crate::db::schema::{entries, receipt_withdrawals, receipts, tenders};
use crate::db::types::{DateColumn, TimestampColumn, parse_date_text, parse_timestamp_text};
use crate::db::{DbConn, DbPool};
use crate::domain::Direction;
use crate::ledger::tenders::{TenderRow, reference_key};

/// The columns of an entry the cross-check reads.
#[derive(Queryable, Selectable)]
#[diesel(table_name = entries)]
#[diesel(check_for_backend(crate::db::MultiBackend))]
struct ItemRow {
    seq: i64,
    id: String,
    fiscal_year: i32,
    voucher_no: String,
    #[diesel(deserialize_as = DateColumn)]
    occurred_on: NaiveDate,
    #[diesel(deserialize_as = TimestampColumn)]
    posted_at: NaiveDateTime,
    direction: Direction,
    amount_fen: i64,
    account_code: String,
    settlement_account_code: String,
    counterparty: String,
    description: String,
    project: Option<String>,
    tender_ref: Option<String>,
    reverses: Option<String>,
    reversed_by: Option<String>,
    imported_undated: bool,
}

/// One entry as the cross-check sees it.
#[derive(Clone, Debug)]
pub struct Item {
    pub seq: i64,
    pub id: String,
    pub fiscal_year: i32,
    pub voucher_no: String,
    pub occurred_on: NaiveDate,
    pub posted_at: NaiveDateTime,
    pub direction: Direction,
    pub amount_fen: i64,
    pub account_code: String,
    pub settlement_account_code: String,
    pub counterparty: String,
    pub description: String,
    pub project: Option<String>,
    pub tender_ref: Option<String>,
    pub reverses: Option<String>,
    /// Imported from a file that gave no posting date: `posted_at` is the import's time.
    pub imported_undated: bool,
    /// The reversal of this entry, if any.
    pub reversed_by: Option<String>,
    /// Interned normalised counterparty.
    pub party: i32,
    /// The firm of the counterparty within the village: the smallest `party` of the names
    /// that are one firm spelled two ways ([`names::group_firms`]); a person's is their own.
    pub firm: i32,
    /// Receipts attached and not withdrawn.
    pub live_receipts: i32,
}

impl Item {
    pub fn is_expense(&self) -> bool {
        self.direction == Direction::Expense
    }

    /// Neither a reversal nor reversed: what the village really paid or received.
    pub fn is_live(&self) -> bool {
        self.reverses.is_none() && self.reversed_by.is_none()
    }

    /// Settled in cash (101 in both charts).
    pub fn is_cash(&self) -> bool {
        self.settlement_account_code == "101"
    }
}

/// A receipt attachment with the facts of its entry.
#[derive(Clone, Debug)]
pub struct ReceiptFact {
    pub id: String,
    pub village: usize,
    pub entry_id: String,
    pub entry_occurred_on: NaiveDate,
    pub entry_amount_fen: i64,
    /// The entry is neither a reversal nor reversed.
    pub entry_live: bool,
    pub sha256: String,
    pub phash: u64,
    pub invoice_key: Option<String>,
    pub invoice_number: Option<String>,
    pub invoice_amount_fen: Option<i64>,
    pub invoice_date: Option<NaiveDate>,
    pub withdrawn: bool,
}

/// A recorded public tender of the village.
#[derive(Clone, Debug)]
pub struct TenderFact {
    pub id: String,
    pub reference: String,
    /// The reference as payments are matched to it ([`reference_key`]).
    pub key: String,
    pub project: String,
    pub winner: String,
    /// The winner's firm, as [`Item::firm`].
    pub winner_firm: i32,
    pub amount_fen: i64,
    pub awarded_on: NaiveDate,
}

/// One village's book.
#[derive(Debug)]
pub struct Book {
    /// Index of the village in the scope.
    pub village: usize,
    /// Entries inside the window, by `(occurred_on, seq)`.
    pub items: Vec<Item>,
    /// Every receipt of the village, withdrawn ones included.
    pub receipts: Vec<ReceiptFact>,
    /// `(fiscal_year, voucher_no)` of every entry in the fiscal years the window touches,
    /// whatever its date, so a window that starts mid-year shows no false voucher gaps; `None`
    /// without a window, when they are those of `items` ([`Book::vouchers`]).
    vouchers: Option<Vec<(i32, String)>>,
    /// Every tender the village recorded.
    pub tenders: Vec<TenderFact>,
    /// Every expense carrying a tender reference, whatever its date (so a tender is judged by
    /// all of its payments), by `(occurred_on, seq)`.
    pub tendered: Vec<Item>,
}

impl Book {
    /// `(fiscal_year, voucher_no)` of every entry in the fiscal years the window touches,
    /// whatever its date, so a window that starts mid-year shows no false voucher gaps.
    pub fn vouchers(&self) -> impl Iterator<Item = (i32, &str)> {
        let read = self.vouchers.as_deref().unwrap_or_default();
        let items: &[Item] = if self.vouchers.is_none() { &self.items } else { &[] };
        read.iter()
            .map(|(year, voucher)| (*year, voucher.as_str()))
            .chain(items.iter().map(|i| (i.fiscal_year, i.voucher_no.as_str())))
    }
}

/// A multiply-rotate hasher (the one rustc uses internally) for the interning map.
#[derive(Default)]
pub struct FastHasher(u64);

impl std::hash::Hasher for FastHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }

    fn write_i64(&mut self, n: i64) {
        self.add(n as u64);
    }

    fn write_u32(&mut self, n: u32) {
        self.add(u64::from(n));
    }

    fn write_i32(&mut self, n: i32) {
        self.add(n as u32 as u64);
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }
}

impl FastHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

/// A map keyed by text or numbers from the ledger itself (entry ids, names, counterparty and
/// amount), hashed cheaply: no key comes from a caller.
pub type FastMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<FastHasher>>;

/// A set of such keys.
pub type FastSet<K> = std::collections::HashSet<K, std::hash::BuildHasherDefault<FastHasher>>;

/// Normalised counterparty names, interned across a scope.
#[derive(Debug, Default)]
pub struct Parties {
    /// Looked up once per entry read, so hashed cheaply (no untrusted keys: names come from
    /// the ledger itself).
    raw: FastMap<String, i32>,
    ids: HashMap<String, i32>,
    pub names: Vec<String>,
    /// [`names::firm_key`] of each name.
    firm_keys: Vec<Option<String>>,
}

impl Parties {
    /// The id of `raw`'s normalised form.
    pub fn intern(&mut self, raw: &str) -> i32 {
        if let Some(id) = self.raw.get(raw) {
            return *id;
        }
        let id = self.intern_normal(raw);
        self.raw.insert(raw.to_owned(), id);
        id
    }

    fn intern_normal(&mut self, raw: &str) -> i32 {
        let normal = names::normalize(raw);
        if let Some(id) = self.ids.get(&normal) {
            return *id;
        }
        let id = self.names.len() as i32;
        self.firm_keys.push(names::firm_key(&normal));
        self.names.push(normal.clone());
        self.ids.insert(normal, id);
        id
    }

    pub fn name(&self, id: i32) -> &str {
        self.names.get(id as usize).map(String::as_str).unwrap_or("")
    }

    fn firm_key(&self, id: i32) -> Option<&str> {
        self.firm_keys.get(id as usize).and_then(Option::as_deref)
    }

    /// Interns every counterparty and tender winner of `book` and gives each its firm, grouped
    /// over the names of this village alone (so a village's flags do not depend on the scope
    /// it is looked at in).
    fn assign(&mut self, book: &mut Book) {
        for item in book.items.iter_mut().chain(book.tendered.iter_mut()) {
            item.party = self.intern(&item.counterparty);
        }
        let winners: Vec<i32> = book.tenders.iter().map(|t| self.intern(&t.winner)).collect();
        let mut ids: Vec<i32> = book
            .items
            .iter()
            .chain(&book.tendered)
            .map(|i| i.party)
            .chain(winners.iter().copied())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        let keyed: Vec<(i32, Option<&str>)> = ids.iter().map(|&id| (id, self.firm_key(id))).collect();
        let firms = names::group_firms(&keyed);
        let firm = |party: i32| firms.get(&party).copied().unwrap_or(party);
        for item in book.items.iter_mut().chain(book.tendered.iter_mut()) {
            item.firm = firm(item.party);
        }
        for (tender, party) in book.tenders.iter_mut().zip(winners) {
            tender.winner_firm = firm(party);
        }
    }
}

type ReceiptJoin = (
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<NaiveDate>,
    NaiveDate,
    i64,
    Option<String>,
    Option<String>,
);

/// The entry columns [`ItemRow`] reads, in its order, for [`RawItems`].
const ITEM_COLUMNS: &str = "seq, id, fiscal_year, voucher_no, occurred_on, posted_at, direction, amount_fen, \
     account_code, settlement_account_code, counterparty, description, project, tender_ref, reverses, reversed_by, \
     imported_undated";

/// The entry rows of a village read straight through SQLite ([`RawReader`]): each row's text is
/// copied once, into the [`Item`] kept, instead of into a row struct first.
pub struct RawItems<'r> {
    /// A village's entries between two dates, in book order.
    window: Statement<'r>,
    /// A village's expenses under a tender reference, whatever their date, in book order.
    tendered: Statement<'r>,
    /// Items in the last book read: the next is sized by it, so its items are not moved as
    /// the list grows (villages are of similar sizes).
    last_len: usize,
}

impl<'r> RawItems<'r> {
    pub fn prepare(reader: &'r RawReader) -> Result<Self> {
        Ok(RawItems {
            window: reader.prepare(&format!(
                "SELECT {ITEM_COLUMNS} FROM entries WHERE village_code = ?1 AND occurred_on >= ?2 \
                 AND occurred_on <= ?3 ORDER BY occurred_on, seq"
            ))?,
            tendered: reader.prepare(&format!(
                "SELECT {ITEM_COLUMNS} FROM entries WHERE village_code = ?1 AND tender_ref IS NOT NULL \
                 AND direction = 'expense' ORDER BY occurred_on, seq"
            ))?,
            last_len: 0,
        })
    }

    /// Reads every row of `statement` as items.
    fn read(statement: &mut Statement<'_>, live_receipts: &FastMap<&str, i32>, expect: usize) -> Result<Vec<Item>> {
        let mut items = Vec::with_capacity(expect);
        let owned = |text: Option<&str>| text.map(str::to_owned);
        while let Some(row) = statement.step()? {
            let id = row.str(1)?;
            let date = row.str(4)?;
            let posted = row.str(5)?;
            let direction = row.str(6)?;
            let unreadable = |what: &str, text: &str| {
                CrosscheckError::from(diesel::result::Error::DeserializationError(
                    format!("entry {id}: `{text}` is not a {what}").into(),
                ))
            };
            items.push(Item {
                seq: row.i64(0),
                live_receipts: live_receipts.get(id).copied().unwrap_or(0),
                id: id.to_owned(),
                fiscal_year: row.i64(2) as i32,
                voucher_no: row.str(3)?.to_owned(),
                occurred_on: parse_date_text(date).ok_or_else(|| unreadable("date", date))?,
                posted_at: parse_timestamp_text(posted).ok_or_else(|| unreadable("timestamp", posted))?,
                direction: Direction::parse(direction).ok_or_else(|| unreadable("direction", direction))?,
                amount_fen: row.i64(7),
                account_code: row.str(8)?.to_owned(),
                settlement_account_code: row.str(9)?.to_owned(),
                counterparty: row.str(10)?.to_owned(),
                description: row.str(11)?.to_owned(),
                project: owned(row.text(12)?),
                tender_ref: owned(row.text(13)?),
                reverses: owned(row.text(14)?),
                reversed_by: owned(row.text(15)?),
                imported_undated: row.i64(16) != 0,
                party: 0,
                firm: 0,
            });
        }
        Ok(items)
    }

    fn in_window(&mut self, code: &str, window: DateWindow, live: &FastMap<&str, i32>) -> Result<Vec<Item>> {
        let day =
            |d: Option<NaiveDate>, or: &str| d.map_or_else(|| or.to_owned(), |d| d.format("%Y-%m-%d").to_string());
        let statement = &mut self.window;
        statement.reset();
        statement.bind_text(1, code)?;
        statement.bind_text(2, &day(window.from, "0000-01-01"))?;
        statement.bind_text(3, &day(window.to, "9999-12-31"))?;
        let items = Self::read(statement, live, self.last_len + self.last_len / 8)?;
        self.last_len = items.len();
        Ok(items)
    }

    fn tendered(&mut self, code: &str, live: &FastMap<&str, i32>) -> Result<Vec<Item>> {
        let statement = &mut self.tendered;
        statement.reset();
        statement.bind_text(1, code)?;
        Self::read(statement, live, 0)
    }
}

/// What of a village's book is read.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// Everything the flag rules look at.
    Whole,
    /// The entries and receipts alone (the reconciliation's): no voucher numbers of the
    /// window's years, no payments under a tender outside it, no tenders.
    Entries,
}

/// Loads one village's book; its entries through `raw` when given (SQLite).
pub fn load_book(
    conn: &mut DbConn,
    raw: Option<&mut RawItems<'_>>,
    village: usize,
    code: &str,
    window: DateWindow,
    reading: Reading,
) -> Result<Book> {
    let entries_only = reading == Reading::Entries;
    // Each row carries its reversal's id (kept on the entry by the database, whatever the
    // reversal's date). Read after the receipts (below) when read raw.
    let entry_rows: Option<Vec<ItemRow>> = if raw.is_none() {
        let mut query = entries::table
            .filter(entries::village_code.eq(code))
            .order((entries::occurred_on, entries::seq))
            .select(ItemRow::as_select())
            .into_boxed();
        if let Some(from) = window.from {
            query = query.filter(entries::occurred_on.ge(from));
        }
        if let Some(to) = window.to {
            query = query.filter(entries::occurred_on.le(to));
        }
        Some(query.load(conn)?)
    } else {
        None
    };
    let rows: Vec<ReceiptJoin> = receipts::table
        .inner_join(entries::table.on(entries::id.eq(receipts::entry_id)))
        .filter(receipts::village_code.eq(code))
        .order(receipts::id)
        .select((
            receipts::id,
            receipts::entry_id,
            receipts::sha256,
            receipts::phash,
            receipts::invoice_key,
            receipts::invoice_number,
            receipts::invoice_amount_fen,
            receipts::invoice_date,
            entries::occurred_on,
            entries::amount_fen,
            entries::reverses,
            entries::reversed_by,
        ))
        .load(conn)?;
    let withdrawn: Vec<String> = receipt_withdrawals::table
        .filter(
            receipt_withdrawals::receipt_id.eq_any(
                receipts::table
                    .filter(receipts::village_code.eq(code))
                    .select(receipts::id),
            ),
        )
        .select(receipt_withdrawals::receipt_id)
        .load(conn)?;
    let receipts: Vec<ReceiptFact> = rows
        .into_iter()
        .map(|r| {
            let entry_live = r.10.is_none() && r.11.is_none();
            ReceiptFact {
                withdrawn: withdrawn.contains(&r.0),
                id: r.0,
                village,
                entry_live,
                entry_id: r.1,
                sha256: r.2,
                phash: u64::from_str_radix(&r.3, 16).unwrap_or(0),
                invoice_key: r.4,
                invoice_number: r.5,
                invoice_amount_fen: r.6,
                invoice_date: r.7,
                entry_occurred_on: r.8,
                entry_amount_fen: r.9,
            }
        })
        .collect();
    // Without a window every entry is already loaded: no second read for the vouchers, nor for
    // the payments under a tender.
    let whole = window.from.is_none() && window.to.is_none();
    let vouchers: Option<Vec<(i32, String)>> = if whole || entries_only {
        None
    } else {
        let mut years = entries::table
            .filter(entries::village_code.eq(code))
            .select((entries::fiscal_year, entries::voucher_no))
            .into_boxed();
        if let Some(from) = window.from {
            years = years.filter(entries::fiscal_year.ge(chrono::Datelike::year(&from)));
        }
        if let Some(to) = window.to {
            years = years.filter(entries::fiscal_year.le(chrono::Datelike::year(&to)));
        }
        Some(years.load(conn)?)
    };
    let tendered_rows: Option<Vec<ItemRow>> = if whole || entries_only || raw.is_some() {
        None
    } else {
        Some(
            entries::table
                .filter(entries::village_code.eq(code))
                .filter(entries::tender_ref.is_not_null())
                .filter(entries::direction.eq(Direction::Expense))
                .order((entries::occurred_on, entries::seq))
                .select(ItemRow::as_select())
                .load(conn)?,
        )
    };
    let mut live_receipts: FastMap<&str, i32> = FastMap::default();
    for r in receipts.iter().filter(|r| !r.withdrawn) {
        *live_receipts.entry(r.entry_id.as_str()).or_default() += 1;
    }
    let item = |r: ItemRow| Item {
        reversed_by: r.reversed_by,
        live_receipts: live_receipts.get(r.id.as_str()).copied().unwrap_or(0),
        party: 0,
        firm: 0,
        seq: r.seq,
        id: r.id,
        fiscal_year: r.fiscal_year,
        voucher_no: r.voucher_no,
        occurred_on: r.occurred_on,
        posted_at: r.posted_at,
        direction: r.direction,
        amount_fen: r.amount_fen,
        account_code: r.account_code,
        settlement_account_code: r.settlement_account_code,
        counterparty: r.counterparty,
        description: r.description,
        project: r.project,
        tender_ref: r.tender_ref,
        reverses: r.reverses,
        imported_undated: r.imported_undated,
    };
    let (items, tendered_read): (Vec<Item>, Option<Vec<Item>>) = match (raw, entry_rows) {
        (Some(raw), _) => {
            let items = raw.in_window(code, window, &live_receipts)?;
            let tendered = if whole || entries_only {
                None
            } else {
                Some(raw.tendered(code, &live_receipts)?)
            };
            (items, tendered)
        }
        (None, rows) => (
            rows.unwrap_or_default().into_iter().map(item).collect(),
            tendered_rows.map(|rows| rows.into_iter().map(item).collect()),
        ),
    };
    let tendered: Vec<Item> = match tendered_read {
        Some(tendered) => tendered,
        None if entries_only => Vec::new(),
        None => items
            .iter()
            .filter(|i| i.is_expense() && i.tender_ref.is_some())
            .cloned()
            .collect(),
    };
    let tenders = if entries_only {
        Vec::new()
    } else {
        tenders::table
            .filter(tenders::village_code.eq(code))
            .order((tenders::awarded_on, tenders::reference_key))
            .select(TenderRow::as_select())
            .load(conn)?
            .into_iter()
            .map(|t| TenderFact {
                key: reference_key(&t.reference),
                id: t.id,
                reference: t.reference,
                project: t.project,
                winner: t.winner,
                winner_firm: 0,
                amount_fen: t.amount_fen,
                awarded_on: t.awarded_on,
            })
            .collect()
    };
    Ok(Book {
        village,
        items,
        receipts,
        vouchers,
        tenders,
        tendered,
    })
}

/// A reader of its own on the file of `conn`'s SQLite database; `None` on PostgreSQL.
fn raw_reader(conn: &mut DbConn) -> Result<Option<RawReader>> {
    if !matches!(conn, DbConn::Sqlite(_)) {
        return Ok(None);
    }
    #[derive(QueryableByName)]
    struct File {
        #[diesel(sql_type = diesel::sql_types::Text)]
        file: String,
    }
    let file: File = diesel::sql_query("SELECT file FROM pragma_database_list WHERE name = 'main'").get_result(conn)?;
    Ok(Some(RawReader::open(&file.file)?))
}

/// Runs `work` with a loader of books (village index and code → book) on one pooled connection
/// and, on SQLite, a reader of its own for the entry rows.
fn with_loader<T>(
    pool: &DbPool,
    window: DateWindow,
    reading: Reading,
    work: impl FnOnce(&mut dyn FnMut(usize, &str) -> Result<Book>) -> Result<T>,
) -> Result<T> {
    let mut conn = pool.get()?;
    let reader = raw_reader(&mut conn)?;
    let mut raw = reader.as_ref().map(RawItems::prepare).transpose()?;
    work(&mut |village, code| load_book(&mut conn, raw.as_mut(), village, code, window, reading))
}

/// Loads every village of `scope` on up to two threads at once, each taking the next village
/// not yet taken, and runs `visit` on each book right on the thread that loaded it, with that
/// thread's own [`Parties`] and state (from `init`): the per-village work runs on both cores and
/// each book is freed where it was allocated. Answers the threads' states; `book.village` is a
/// book's place in the scope, for merging what they gathered in scope order. Party ids are the
/// thread's own, so `visit` may compare them only within a village.
pub fn visit_books_in_parallel<S: Send>(
    pool: &DbPool,
    scope: &Scope,
    window: DateWindow,
    init: impl Fn() -> S + Sync,
    visit: impl Fn(&mut S, &mut Book, &Parties) -> Result<()> + Sync,
) -> Result<Vec<S>> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let codes: Vec<&str> = scope.villages.iter().map(|v| v.code.as_str()).collect();
    let threads = if codes.len() > 1 { 2 } else { 1 };
    let next = AtomicUsize::new(0);
    in_parallel(threads, |stop| {
        with_loader(pool, window, Reading::Whole, |load| {
            let mut state = init();
            let mut parties = Parties::default();
            while !stop.load(Ordering::Relaxed) {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(code) = codes.get(i) else {
                    break;
                };
                let mut book = load(i, code)?;
                parties.assign(&mut book);
                visit(&mut state, &mut book, &parties)?;
            }
            Ok(state)
        })
    })
}

/// Runs `work` on `threads` threads at once and answers what each returned, in thread order,
/// or the first failure; once one fails, `stop` tells the others to stop at their next unit.
fn in_parallel<T: Send>(
    threads: usize,
    work: impl Fn(&std::sync::atomic::AtomicBool) -> Result<T> + Sync,
) -> Result<Vec<T>> {
    let stop = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let done = work(&stop);
                    if done.is_err() {
                        stop.store(true, std::sync::atomic::Ordering::Relaxed);
                    }
                    done
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
            .collect()
    })
}

/// Loads the entries and receipts of every village of `scope` ([`Reading::Entries`]) on up to
/// two connections at once (the cross-check is read only, so this never competes with the
/// writer), handing each book to `visit` in scope order, with its counterparties interned into
/// `parties` (no firms: `firm` is left 0).
pub fn for_each_book(
    pool: &DbPool,
    scope: &Scope,
    window: DateWindow,
    parties: &mut Parties,
    mut visit: impl FnMut(Book, &Parties) -> Result<()>,
) -> Result<()> {
    let codes: Vec<&str> = scope.villages.iter().map(|v| v.code.as_str()).collect();
    let threads = if codes.len() > 1 { 2 } else { 1 };
    let (tx, rx) = std::sync::mpsc::sync_channel::<(usize, Result<Book>)>(4);
    std::thread::scope(|s| -> Result<()> {
        // Owned here, so an early return drops it and the loaders stop at their next send.
        let rx = rx;
        for t in 0..threads {
            let tx = tx.clone();
            let codes = &codes;
            s.spawn(move || {
                let loaded = with_loader(pool, window, Reading::Entries, |load| {
                    for (i, code) in codes.iter().enumerate().skip(t).step_by(threads) {
                        let book = load(i, code)?;
                        if tx.send((i, Ok(book))).is_err() {
                            break;
                        }
                    }
                    Ok(())
                });
                if let Err(e) = loaded {
                    let _ = tx.send((t, Err(e)));
                }
            });
        }
        drop(tx);
        // In scope order whatever order the threads finish them in, so the counterparties'
        // ids do not depend on the threads' timing.
        in_order(rx, |_, mut book| {
            for item in &mut book.items {
                item.party = parties.intern(&item.counterparty);
            }
            visit(book, parties)
        })
    })
}

/// Hands what `arrivals` brings to `take` in the order of its indices (0, 1, 2, …), whatever
/// order it arrives in, holding what came early; stops at the first failure.
pub(crate) fn in_order<T>(
    arrivals: impl IntoIterator<Item = (usize, Result<T>)>,
    mut take: impl FnMut(usize, T) -> Result<()>,
) -> Result<()> {
    let mut pending: HashMap<usize, T> = HashMap::new();
    let mut next = 0;
    for (i, arrived) in arrivals {
        pending.insert(i, arrived?);
        while let Some(value) = pending.remove(&next) {
            take(next, value)?;
            next += 1;
        }
    }
    Ok(())
}
