//! Townships and villages: lookups, current balances, and the per-village ledger version that
//! every write bumps (it keys the ETags of the village's pages).

use chrono::NaiveDate;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use serde::Serialize;

use crate::db::DbConn;
use crate::db::schema::{closed_periods, entries, townships, villages};
use crate::domain::{MAX_ABS_FEN, TownshipCode, VillageCode};
use crate::ledger::{LedgerError, Result};

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = villages)]
pub struct VillageRow {
    pub code: String,
    pub township_code: String,
    pub name: String,
    pub opening_date: NaiveDate,
    pub opening_cash_fen: i64,
    pub opening_bank_fen: i64,
    pub ledger_version: i64,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = townships)]
pub struct Township {
    /// 12-digit division code.
    #[schema(example = "331022002000")]
    pub code: String,
    #[schema(example = "珠岙镇")]
    pub name: String,
}

/// A village in a listing.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct VillageBrief {
    #[schema(example = "331022002201")]
    pub code: String,
    #[schema(example = "坎头村")]
    pub name: String,
    pub township_code: String,
}

/// A village with its current balances.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct VillageDetail {
    pub code: String,
    pub name: String,
    pub township: Township,
    /// The date the village's books in this ledger start.
    pub opening_date: NaiveDate,
    pub opening_cash_fen: i64,
    pub opening_bank_fen: i64,
    /// Current cash (101) balance: opening plus income less expense settled in cash.
    pub cash_balance_fen: i64,
    /// Current bank (102) balance.
    pub bank_balance_fen: i64,
    /// The latest closed (published) month, `YYYY-MM`.
    pub latest_closed_period: Option<String>,
}

/// The village's row, if there is one.
pub fn village_row(conn: &mut DbConn, code: &VillageCode) -> diesel::QueryResult<Option<VillageRow>> {
    villages::table
        .find(code.as_str())
        .select(VillageRow::as_select())
        .first(conn)
        .optional()
}

pub fn find_village(conn: &mut DbConn, code: &VillageCode) -> Result<VillageRow> {
    village_row(conn, code)?.ok_or_else(|| village_not_found(code))
}

pub fn village_not_found(code: &VillageCode) -> LedgerError {
    LedgerError::VillageNotFound { village: code.clone() }
}

pub fn find_township(conn: &mut DbConn, code: &TownshipCode) -> Result<Township> {
    townships::table
        .find(code.as_str())
        .select(Township::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| LedgerError::TownshipNotFound { township: code.clone() })
}

pub fn list_townships(conn: &mut DbConn) -> Result<Vec<Township>> {
    Ok(townships::table
        .order(townships::code)
        .select(Township::as_select())
        .load(conn)?)
}

pub fn list_villages(conn: &mut DbConn, township: &TownshipCode) -> Result<Vec<VillageBrief>> {
    let rows: Vec<(String, String, String)> = villages::table
        .filter(villages::township_code.eq(township.as_str()))
        .order(villages::code)
        .select((villages::code, villages::name, villages::township_code))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(code, name, township_code)| VillageBrief {
            code,
            name,
            township_code,
        })
        .collect())
}

/// The SQL for the net movement of money (income positive, expense negative).
pub const NET_FEN_SQL: &str =
    "CAST(COALESCE(SUM(CASE WHEN direction = 'income' THEN amount_fen ELSE -amount_fen END), 0) AS BIGINT)";

/// Net movement of cash (101) and bank (102) for the village's entries before `before`
/// (or all of them).
pub fn cash_and_bank_movement(conn: &mut DbConn, village: &str, before: Option<NaiveDate>) -> Result<(i64, i64)> {
    let mut query = entries::table
        .filter(entries::village_code.eq(village))
        .filter(entries::settlement_account_code.eq_any(["101", "102"]))
        .group_by(entries::settlement_account_code)
        .select((entries::settlement_account_code, sql::<BigInt>(NET_FEN_SQL)))
        .into_boxed();
    if let Some(day) = before {
        query = query.filter(entries::occurred_on.lt(day));
    }
    let rows: Vec<(String, i64)> = query.load(conn)?;
    let pick = |code: &str| rows.iter().find(|(c, _)| c == code).map(|(_, net)| *net).unwrap_or(0);
    Ok((pick("101"), pick("102")))
}

pub fn village_detail(conn: &mut DbConn, code: &VillageCode) -> Result<VillageDetail> {
    let row = find_village(conn, code)?;
    let township = townships::table
        .find(&row.township_code)
        .select(Township::as_select())
        .first(conn)?;
    let (cash, bank) = cash_and_bank_movement(conn, &row.code, None)?;
    let latest_closed_period = closed_periods::table
        .filter(closed_periods::village_code.eq(&row.code))
        .select(diesel::dsl::max(closed_periods::period))
        .first::<Option<String>>(conn)?;
    Ok(VillageDetail {
        code: row.code,
        name: row.name,
        township,
        opening_date: row.opening_date,
        opening_cash_fen: row.opening_cash_fen,
        opening_bank_fen: row.opening_bank_fen,
        cash_balance_fen: row.opening_cash_fen + cash,
        bank_balance_fen: row.opening_bank_fen + bank,
        latest_closed_period,
    })
}

/// Bumps the village's ledger version; call inside the write transaction. Also notes the
/// change for this server's caches ([`crate::db::changes`]).
pub fn bump_version(conn: &mut DbConn, village: &str) -> Result<()> {
    diesel::update(villages::table.find(village))
        .set(villages::ledger_version.eq(villages::ledger_version + 1))
        .execute(conn)?;
    crate::db::changes::village_changed(village);
    Ok(())
}

/// The village's current ledger version, or `None` when the village does not exist.
pub fn ledger_version(conn: &mut DbConn, village: &str) -> Result<Option<i64>> {
    Ok(villages::table
        .find(village)
        .select(villages::ledger_version)
        .first(conn)
        .optional()?)
}

/// A new township (admins).
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"code": "331022108000", "name": "花桥镇"}))]
pub struct NewTownship {
    /// 12-digit division code.
    #[schema(pattern = r"^[0-9]{12}$")]
    pub code: String,
    /// At most 50 characters.
    #[schema(
        min_length = 1,
        max_length = 50,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
    )]
    pub name: String,
}

/// A new village with its opening balances (admins).
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "code": "331022108201", "township_code": "331022108000", "name": "花桥村",
    "opening_date": "2024-01-01", "opening_cash_fen": 1200000, "opening_bank_fen": 85000000
}))]
pub struct NewVillage {
    /// 12-digit division code.
    #[schema(pattern = r"^[0-9]{12}$")]
    pub code: String,
    #[schema(pattern = r"^[0-9]{12}$")]
    pub township_code: String,
    /// At most 50 characters.
    #[schema(
        min_length = 1,
        max_length = 50,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
    )]
    pub name: String,
    /// The first day of the village's books in this ledger.
    pub opening_date: NaiveDate,
    /// Cash (101) on `opening_date`, fen, not negative.
    #[schema(minimum = 0, maximum = 10_000_000_000_000_i64)]
    #[serde(deserialize_with = "crate::domain::deserialize_fen")]
    pub opening_cash_fen: i64,
    /// Bank (102) on `opening_date`, fen, not negative.
    #[schema(minimum = 0, maximum = 10_000_000_000_000_i64)]
    #[serde(deserialize_with = "crate::domain::deserialize_fen")]
    pub opening_bank_fen: i64,
}

const MAX_PLACE_NAME_CHARS: usize = 50;

pub fn create_township(conn: &mut DbConn, new: NewTownship) -> Result<Township> {
    let code = TownshipCode::parse(&new.code)?;
    let name = crate::domain::BoundedText::parse("name", &new.name, MAX_PLACE_NAME_CHARS)?;
    let township = Township {
        code: code.as_str().to_owned(),
        name: name.into_string(),
    };
    crate::db::write_transaction(conn, |conn| {
        diesel::insert_into(townships::table)
            .values(&township)
            .execute(conn)
            .map_err(|e| match LedgerError::from(e) {
                e if e.is_unique_violation() => LedgerError::TownshipExists { township: code.clone() },
                other => other,
            })
    })?;
    Ok(township)
}

pub fn create_village(conn: &mut DbConn, new: NewVillage) -> Result<VillageBrief> {
    let code = VillageCode::parse(&new.code)?;
    let township = TownshipCode::parse(&new.township_code)?;
    let name = crate::domain::BoundedText::parse("name", &new.name, MAX_PLACE_NAME_CHARS)?;
    let opening_date = crate::domain::check_ledger_date(new.opening_date)?;
    for (field, fen) in [
        ("opening_cash_fen", new.opening_cash_fen),
        ("opening_bank_fen", new.opening_bank_fen),
    ] {
        if !(0..=MAX_ABS_FEN).contains(&fen) {
            return Err(LedgerError::OpeningBalanceOutOfRange {
                field,
                max: MAX_ABS_FEN,
            });
        }
    }
    crate::db::write_transaction(conn, |conn| {
        find_township(conn, &township).map_err(|_| LedgerError::NoSuchTownship {
            township: township.clone(),
        })?;
        let row = VillageRow {
            code: code.as_str().to_owned(),
            township_code: township.as_str().to_owned(),
            name: name.into_string(),
            opening_date,
            opening_cash_fen: new.opening_cash_fen,
            opening_bank_fen: new.opening_bank_fen,
            ledger_version: 0,
        };
        diesel::insert_into(villages::table)
            .values(&row)
            .execute(conn)
            .map_err(|e| match LedgerError::from(e) {
                e if e.is_unique_violation() => LedgerError::VillageExists { village: code.clone() },
                other => other,
            })?;
        Ok(VillageBrief {
            code: row.code,
            name: row.name,
            township_code: row.township_code,
        })
    })
}
