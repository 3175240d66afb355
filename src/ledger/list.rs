//! Listing a village's entries, newest first, with keyset pagination: the cursor holds the last
//! key `(occurred_on, seq)` served, so pages never repeat or skip an entry, also while new
//! entries are posted.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::NaiveDate;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::entries;
use crate::domain::{Direction, MAX_ABS_FEN, VillageCode};
use crate::ledger::entries::{Entry, EntryRow};
use crate::ledger::{FilterError, Result};

pub const DEFAULT_PAGE: i64 = 50;
pub const MAX_PAGE: i64 = 200;
const MAX_QUERY_CHARS: usize = 100;

/// Validated filters of an entry listing.
#[derive(Debug, Default, Clone)]
pub struct EntryFilter {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub direction: Option<Direction>,
    pub account_prefix: Option<String>,
    pub text: Option<String>,
    pub min_fen: Option<i64>,
    pub max_fen: Option<i64>,
}

/// The position after the last entry of a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub occurred_on: NaiveDate,
    pub seq: i64,
}

impl Cursor {
    pub fn encode(self) -> String {
        URL_SAFE_NO_PAD.encode(format!("v1|{}|{}", self.occurred_on, self.seq))
    }

    pub fn decode(s: &str) -> Result<Self, FilterError> {
        let bad = || FilterError::ForeignCursor;
        if s.len() > 64 {
            return Err(bad());
        }
        let raw = URL_SAFE_NO_PAD.decode(s).map_err(|_| bad())?;
        let text = String::from_utf8(raw).map_err(|_| bad())?;
        let mut parts = text.split('|');
        match (parts.next(), parts.next(), parts.next(), parts.next()) {
            (Some("v1"), Some(date), Some(seq), None) => Ok(Cursor {
                occurred_on: date.parse().map_err(|_| bad())?,
                seq: seq.parse().map_err(|_| bad())?,
            }),
            _ => Err(bad()),
        }
    }
}

impl EntryFilter {
    /// Checks the filter values; the messages say what to fix.
    pub fn check(self) -> Result<Self, FilterError> {
        if let (Some(from), Some(to)) = (self.from, self.to)
            && from > to
        {
            return Err(FilterError::FromAfterTo { from, to });
        }
        for (name, value) in [("min_fen", self.min_fen), ("max_fen", self.max_fen)] {
            if let Some(v) = value
                && v.abs() > MAX_ABS_FEN
            {
                return Err(FilterError::AmountOutOfRange { name, max: MAX_ABS_FEN });
            }
        }
        if let (Some(min), Some(max)) = (self.min_fen, self.max_fen)
            && min > max
        {
            return Err(FilterError::MinAboveMax { min, max });
        }
        if let Some(prefix) = &self.account_prefix
            && (prefix.is_empty() || prefix.len() > 8 || !prefix.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(FilterError::NotAnAccountPrefix);
        }
        if let Some(text) = &self.text
            && (text.chars().count() > MAX_QUERY_CHARS || text.chars().any(char::is_control))
        {
            return Err(FilterError::QueryNotText { max: MAX_QUERY_CHARS });
        }
        Ok(self)
    }
}

impl EntryFilter {
    /// The key of a page of `village` with these filters: equal for requests that must get the
    /// same page, whatever the order or spelling of their query strings.
    pub fn page_key(&self, village: &VillageCode, limit: i64, after: Option<Cursor>) -> String {
        let EntryFilter {
            from,
            to,
            direction,
            account_prefix,
            text,
            min_fen,
            max_fen,
        } = self;
        let after = after.map(|c| (c.occurred_on, c.seq));
        format!(
            "L|{village}|{from:?}|{to:?}|{:?}|{account_prefix:?}|{text:?}|{min_fen:?}|{max_fen:?}|{limit}|{after:?}",
            direction.map(Direction::as_str)
        )
    }
}

/// Escapes LIKE wildcards so `q` is matched literally.
fn like_literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// An entry row with what listings show beside it, kept on the row by triggers (see the
/// migration `entry_listing_columns`): the id of its reversal and its receipt count.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = entries)]
pub struct ListedRow {
    #[diesel(embed)]
    pub row: EntryRow,
    pub reversed_by: Option<String>,
    pub receipt_count: i32,
}

impl From<ListedRow> for Entry {
    fn from(listed: ListedRow) -> Self {
        Entry::from_row(listed.row, listed.reversed_by, i64::from(listed.receipt_count))
    }
}

/// One page of a village's entries and the cursor of the next page, in one statement that reads
/// the rows alone: the `reversed_by` link and the receipt count are kept on the row. With a
/// direction the range is read from `entries_by_village_direction_date`, so only the rows served
/// are read.
pub fn list_entries(
    conn: &mut DbConn,
    village: &VillageCode,
    filter: &EntryFilter,
    limit: i64,
    after: Option<Cursor>,
) -> Result<(Vec<Entry>, Option<Cursor>)> {
    let mut query = entries::table
        .filter(entries::village_code.eq(village.as_str()))
        .select(ListedRow::as_select())
        .order((entries::occurred_on.desc(), entries::seq.desc()))
        .limit(limit + 1)
        .into_boxed();
    if let Some(d) = filter.direction {
        query = query.filter(entries::direction.eq(d.as_str()));
    }
    if let Some(c) = after {
        query = query.filter(
            entries::occurred_on
                .lt(c.occurred_on)
                .or(entries::occurred_on.eq(c.occurred_on).and(entries::seq.lt(c.seq))),
        );
    }
    if let Some(from) = filter.from {
        query = query.filter(entries::occurred_on.ge(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(entries::occurred_on.le(to));
    }
    if let Some(prefix) = &filter.account_prefix {
        query = query.filter(entries::account_code.like(format!("{prefix}%")));
    }
    if let Some(text) = &filter.text {
        let pattern = format!("%{}%", like_literal(text));
        query = query.filter(
            entries::description
                .like(pattern.clone())
                .escape('\\')
                .or(entries::counterparty.like(pattern).escape('\\')),
        );
    }
    if let Some(min) = filter.min_fen {
        query = query.filter(entries::amount_fen.ge(min));
    }
    if let Some(max) = filter.max_fen {
        query = query.filter(entries::amount_fen.le(max));
    }
    let mut rows: Vec<ListedRow> = query.load(conn)?;
    let next = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|l| Cursor {
            occurred_on: l.row.occurred_on,
            seq: l.row.seq,
        })
    } else {
        None
    };
    Ok((rows.into_iter().map(Entry::from).collect(), next))
}
