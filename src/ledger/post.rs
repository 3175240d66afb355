//! Posting a line item: validation against the chart of its year, closed months, and
//! voucher-number idempotency (same voucher, same content: the existing entry).

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Deserialize;

use crate::db::schema::{accounts, closed_periods, entries};
use crate::db::{DbConn, write_transaction};
use crate::domain::clock::now_utc;
use crate::domain::{
    AccountClass, AccountCode, BoundedText, Chart, Direction, EntryId, Money, Period, ValueError, VillageCode,
};
use crate::ledger::entries::EntryRow;
use crate::ledger::villages::{bump_version, find_village};
use crate::ledger::{LedgerError, Result};

/// Documented maximum lengths, in characters.
pub const MAX_VOUCHER_CHARS: usize = 32;
pub const MAX_COUNTERPARTY_CHARS: usize = 100;
pub const MAX_DESCRIPTION_CHARS: usize = 500;
pub const MAX_PROJECT_CHARS: usize = 100;
pub const MAX_FUND_SOURCE_CHARS: usize = 100;
pub const MAX_TENDER_REF_CHARS: usize = 100;

/// A line item to post.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "voucher_no": "2024-017",
    "occurred_on": "2024-03-12",
    "direction": "expense",
    "amount_fen": 95000,
    "account_code": "514",
    "settlement_account_code": "101",
    "counterparty": "王小平",
    "description": "付村祠堂传送瓦片人工费",
    "project": "祠堂翻修工程"
}))]
pub struct NewEntryRequest {
    /// Voucher number (凭证号), at most 32 characters, unique per village and fiscal year.
    #[schema(
        min_length = 1,
        max_length = 32,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
    )]
    pub voucher_no: String,
    pub occurred_on: NaiveDate,
    pub direction: Direction,
    /// Positive integer fen, at most 10^13.
    #[schema(minimum = 1, maximum = 10_000_000_000_000_i64)]
    #[serde(deserialize_with = "crate::domain::deserialize_fen")]
    pub amount_fen: i64,
    /// An income account for income, an expense or cost account for expense, in the chart of
    /// the entry's year.
    #[schema(pattern = r"^[0-9]{1,8}$")]
    pub account_code: String,
    /// Where the money moved: 101 cash, 102 bank, or a receivable/payable account.
    #[schema(pattern = r"^[0-9]{1,8}$")]
    pub settlement_account_code: String,
    /// At most 100 characters.
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
    )]
    pub counterparty: String,
    /// At most 500 characters.
    #[schema(
        min_length = 1,
        max_length = 500,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
    )]
    pub description: String,
    /// At most 100 characters; empty means none.
    #[serde(default)]
    #[schema(max_length = 100, pattern = r"^[^\x00-\x1f\x7f-\x9f]*$")]
    pub project: Option<String>,
    /// E.g. 财政专项资金; at most 100 characters; empty means none.
    #[serde(default)]
    #[schema(max_length = 100, pattern = r"^[^\x00-\x1f\x7f-\x9f]*$")]
    pub fund_source: Option<String>,
    /// The tender reference (招标编号) of the project's public tender; works above the tender
    /// threshold need one. At most 100 characters; empty means none.
    #[serde(default)]
    #[schema(max_length = 100, pattern = r"^[^\x00-\x1f\x7f-\x9f]*$")]
    pub tender_ref: Option<String>,
}

/// A request that passed every check that needs no database.
#[derive(Debug, Clone)]
pub struct ValidEntry {
    pub voucher_no: String,
    pub occurred_on: NaiveDate,
    pub period: Period,
    pub direction: Direction,
    pub amount: Money,
    pub account_code: AccountCode,
    pub settlement_account_code: AccountCode,
    pub counterparty: String,
    pub description: String,
    pub project: Option<String>,
    pub fund_source: Option<String>,
    pub tender_ref: Option<String>,
}

fn optional_text(field: &'static str, value: Option<String>, max: usize) -> Result<Option<String>, ValueError> {
    match value {
        Some(v) if !v.trim().is_empty() => BoundedText::parse(field, &v, max).map(|t| Some(t.into_string())),
        _ => Ok(None),
    }
}

impl NewEntryRequest {
    pub fn validate(self) -> Result<ValidEntry, ValueError> {
        let check = || -> Result<ValidEntry, ValueError> {
            let occurred_on = crate::domain::check_ledger_date(self.occurred_on)?;
            Ok(ValidEntry {
                voucher_no: BoundedText::parse("voucher_no", &self.voucher_no, MAX_VOUCHER_CHARS)?.into_string(),
                occurred_on,
                period: Period::of(occurred_on),
                direction: self.direction,
                amount: Money::parse_posting(self.amount_fen)?,
                account_code: AccountCode::parse("account_code", &self.account_code)?,
                settlement_account_code: AccountCode::parse("settlement_account_code", &self.settlement_account_code)?,
                counterparty: BoundedText::parse("counterparty", &self.counterparty, MAX_COUNTERPARTY_CHARS)?
                    .into_string(),
                description: BoundedText::parse("description", &self.description, MAX_DESCRIPTION_CHARS)?.into_string(),
                project: optional_text("project", self.project.clone(), MAX_PROJECT_CHARS)?,
                fund_source: optional_text("fund_source", self.fund_source.clone(), MAX_FUND_SOURCE_CHARS)?,
                tender_ref: optional_text("tender_ref", self.tender_ref.clone(), MAX_TENDER_REF_CHARS)?,
            })
        };
        check()
    }
}

/// What posting did.
#[derive(Debug)]
pub enum Posted {
    Created(EntryRow),
    /// The same voucher with the same content was posted before: a retry.
    Existing(EntryRow),
}

/// Refuses writes into a closed month of the village.
pub fn ensure_open(conn: &mut DbConn, village: &str, period: Period) -> Result<()> {
    let closed = closed_periods::table
        .find((village, period.to_string()))
        .count()
        .get_result::<i64>(conn)?;
    if closed > 0 {
        return Err(LedgerError::PeriodClosed {
            village: village.to_owned(),
            period,
        });
    }
    Ok(())
}

/// Checks the account and the settlement account against the chart of the entry's year.
fn check_accounts(conn: &mut DbConn, entry: &ValidEntry) -> Result<()> {
    let chart = Chart::for_year(entry.period.year());
    let lookup = |conn: &mut DbConn, code: &AccountCode| -> Result<Option<(String, bool)>> {
        Ok(accounts::table
            .find((chart.key(), code.as_str()))
            .select((accounts::class, accounts::settlement))
            .first(conn)
            .optional()?)
    };
    let year = entry.period.year();
    let (class, _) = lookup(conn, &entry.account_code)?.ok_or_else(|| LedgerError::AccountNotInChart {
        account: entry.account_code.clone(),
        year,
        chart: chart.key(),
    })?;
    let class = AccountClass::parse(&class).ok_or(LedgerError::UnknownAccountClass { class })?;
    if !class.admits(entry.direction) {
        return Err(LedgerError::AccountRefusesDirection {
            account: entry.account_code.clone(),
            year,
            direction: entry.direction,
        });
    }
    match lookup(conn, &entry.settlement_account_code)? {
        Some((_, true)) => Ok(()),
        _ => Err(LedgerError::NotASettlementAccount {
            account: entry.settlement_account_code.clone(),
            year,
        }),
    }
}

fn same_content(row: &EntryRow, entry: &ValidEntry) -> bool {
    row.occurred_on == entry.occurred_on
        && row.direction == entry.direction
        && row.amount_fen == entry.amount.fen()
        && row.account_code == entry.account_code
        && row.settlement_account_code == entry.settlement_account_code
        && row.counterparty == entry.counterparty
        && row.description == entry.description
        && row.project == entry.project
        && row.fund_source == entry.fund_source
        && row.tender_ref == entry.tender_ref
        && row.reverses.is_none()
}

/// Posts `entry` into `village`. When another server posted the same voucher number at the
/// same moment (a unique-index violation at commit on PostgreSQL), the posting is looked at
/// again, so a retry of the same content still answers with the entry.
pub fn post_entry(conn: &mut DbConn, village: &VillageCode, entry: ValidEntry, posted_by: &str) -> Result<Posted> {
    match post_entry_once(conn, village, entry.clone(), posted_by) {
        Err(e) if e.is_unique_violation() => post_entry_once(conn, village, entry, posted_by),
        other => other,
    }
}

fn post_entry_once(conn: &mut DbConn, village: &VillageCode, entry: ValidEntry, posted_by: &str) -> Result<Posted> {
    write_transaction(conn, |conn| {
        let village_row = find_village(conn, village)?;
        let year = entry.period.year();
        let existing = entries::table
            .filter(entries::village_code.eq(village.as_str()))
            .filter(entries::fiscal_year.eq(year))
            .filter(entries::voucher_no.eq(&entry.voucher_no))
            .select(EntryRow::as_select())
            .first(conn)
            .optional()?;
        if let Some(row) = existing {
            return if same_content(&row, &entry) {
                Ok(Posted::Existing(row))
            } else {
                Err(LedgerError::VoucherTaken {
                    voucher: entry.voucher_no,
                    year,
                    village: village.clone(),
                    entry: row.id,
                })
            };
        }
        if entry.occurred_on < village_row.opening_date {
            return Err(LedgerError::BeforeOpening {
                occurred_on: entry.occurred_on,
                opening_date: village_row.opening_date,
            });
        }
        ensure_open(conn, village.as_str(), entry.period)?;
        check_accounts(conn, &entry)?;
        let row = EntryRow {
            seq: 0,
            id: EntryId::generate(),
            village_code: village.as_str().to_owned(),
            fiscal_year: year,
            period: entry.period.to_string(),
            voucher_no: entry.voucher_no,
            occurred_on: entry.occurred_on,
            posted_at: now_utc(),
            direction: entry.direction,
            amount_fen: entry.amount.fen(),
            account_code: entry.account_code,
            settlement_account_code: entry.settlement_account_code,
            counterparty: entry.counterparty,
            description: entry.description,
            project: entry.project,
            fund_source: entry.fund_source,
            tender_ref: entry.tender_ref,
            posted_by: posted_by.to_owned(),
            reverses: None,
            reversal_reason: None,
        };
        let row = insert_entry(conn, row)?;
        Ok(Posted::Created(row))
    })
}

/// How an entry came into the ledger beyond its row: its line within the voucher and, for an
/// imported one, the SHA-256 of the file and whether the file gave its posting date.
#[derive(Clone, Debug)]
pub struct EntryOrigin {
    pub voucher_line: i32,
    pub imported_sha256: Option<String>,
    pub imported_undated: bool,
}

impl EntryOrigin {
    /// Posted through the API: line 1, not imported.
    pub const POSTED: EntryOrigin = EntryOrigin {
        voucher_line: 1,
        imported_sha256: None,
        imported_undated: false,
    };
}

/// Inserts a row, appends its leaf to the transparency log and bumps the village version;
/// call inside a write transaction.
pub fn insert_entry(conn: &mut DbConn, row: EntryRow) -> Result<EntryRow> {
    insert_entry_as(conn, row, &EntryOrigin::POSTED)
}

/// [`insert_entry`] for an entry of a given origin (an import): every entry goes in here.
pub fn insert_entry_as(conn: &mut DbConn, row: EntryRow, origin: &EntryOrigin) -> Result<EntryRow> {
    diesel::insert_into(entries::table)
        .values((
            &row,
            entries::voucher_line.eq(origin.voucher_line),
            entries::imported_sha256.eq(origin.imported_sha256.as_deref()),
            entries::imported_undated.eq(origin.imported_undated),
        ))
        .execute(conn)?;
    crate::tlog::append(
        conn,
        crate::tlog::leaf::KIND_ENTRY,
        row.id.as_str(),
        &row.leaf().encode(),
    )?;
    bump_version(conn, &row.village_code)?;
    crate::ledger::entries::find_entry(conn, row.id.as_str())
}

/// Rows per INSERT of [`insert_entries_as`]: 23 binds a row stays under SQLite's 32,766 and
/// PostgreSQL's 65,535 bind parameters.
const ENTRIES_PER_INSERT: usize = 500;

/// [`insert_entry_as`] for many entries of one village at once (an import): the same rows,
/// leaves (in the order given) and version bumps, written in multi-row inserts, so a large
/// import holds the write lock for a fraction of the time. Call inside a write transaction.
pub fn insert_entries_as(conn: &mut DbConn, village: &VillageCode, rows: &[(EntryRow, EntryOrigin)]) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    for chunk in rows.chunks(ENTRIES_PER_INSERT) {
        let values = || {
            chunk
                .iter()
                .map(|(row, origin)| {
                    // Every column bound (no `DEFAULT`), so SQLite takes the rows in one statement.
                    (
                        (
                            entries::id.eq(row.id.as_str()),
                            entries::village_code.eq(&row.village_code),
                            entries::fiscal_year.eq(row.fiscal_year),
                            entries::period.eq(&row.period),
                            entries::voucher_no.eq(&row.voucher_no),
                            entries::occurred_on.eq(row.occurred_on),
                            entries::posted_at.eq(row.posted_at),
                            entries::direction.eq(row.direction.as_str()),
                            entries::amount_fen.eq(row.amount_fen),
                            entries::account_code.eq(row.account_code.as_str()),
                            entries::settlement_account_code.eq(row.settlement_account_code.as_str()),
                        ),
                        (
                            entries::counterparty.eq(&row.counterparty),
                            entries::description.eq(&row.description),
                            entries::project.eq(row.project.as_deref()),
                            entries::fund_source.eq(row.fund_source.as_deref()),
                            entries::posted_by.eq(&row.posted_by),
                            entries::reverses.eq(row.reverses.as_ref().map(EntryId::as_str)),
                            entries::reversal_reason.eq(row.reversal_reason.as_deref()),
                            entries::tender_ref.eq(row.tender_ref.as_deref()),
                        ),
                        entries::voucher_line.eq(origin.voucher_line),
                        entries::imported_sha256.eq(origin.imported_sha256.as_deref()),
                        entries::imported_undated.eq(origin.imported_undated),
                    )
                })
                .collect::<Vec<_>>()
        };
        match conn {
            DbConn::Sqlite(c) => diesel::insert_into(entries::table).values(values()).execute(c)?,
            DbConn::Pg(c) => diesel::insert_into(entries::table).values(values()).execute(c)?,
        };
    }
    let leaves: Vec<crate::tlog::batch::Leaf> = rows
        .iter()
        .map(|(row, _)| {
            crate::tlog::batch::Leaf::new(
                crate::tlog::leaf::KIND_ENTRY,
                row.id.as_str().to_owned(),
                row.leaf().encode(),
            )
        })
        .collect();
    crate::tlog::batch::append_many(conn, &leaves)?;
    // As many bumps as entries, as one posting after another would have made.
    diesel::update(crate::db::schema::villages::table.find(village.as_str()))
        .set(
            crate::db::schema::villages::ledger_version
                .eq(crate::db::schema::villages::ledger_version + rows.len() as i64),
        )
        .execute(conn)?;
    crate::db::changes::village_changed(village.as_str());
    Ok(())
}
