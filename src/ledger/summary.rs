//! A village's year, a township's and the caller's whole scope's: totals and counts by month,
//! by account and by village, opening and closing balances, all read from the monthly aggregates
//! (`monthly_totals`, kept by a trigger on `entries`; `verify` recomputes them).

use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use serde::Serialize;

use std::collections::HashMap;

use crate::db::DbConn;
use crate::db::schema::{accounts, monthly_totals, villages as village_table};
use crate::domain::{Chart, Direction, VillageCode};
use crate::ledger::Result;
use crate::ledger::villages::{VillageRow, find_village};

#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
pub struct MonthTotals {
    #[schema(example = "2024-03")]
    pub period: String,
    pub income_fen: i64,
    pub income_count: i64,
    pub expense_fen: i64,
    pub expense_count: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AccountTotals {
    pub account_code: String,
    pub account_name: String,
    pub direction: String,
    pub total_fen: i64,
    pub count: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct YearSummary {
    pub village_code: String,
    pub year: i32,
    /// The chart of accounts in force that year: `2004` or `2023`.
    pub chart: String,
    pub income_total_fen: i64,
    pub income_count: i64,
    pub expense_total_fen: i64,
    pub expense_count: i64,
    pub opening_cash_fen: i64,
    pub opening_bank_fen: i64,
    pub closing_cash_fen: i64,
    pub closing_bank_fen: i64,
    pub by_month: Vec<MonthTotals>,
    pub by_account: Vec<AccountTotals>,
}

/// One group of the monthly aggregates: a key, its total and its count.
type Grouped = (String, String, i64, i64);

/// The year's totals of `villages`, from the monthly aggregates: by month, by account and by
/// village, each split by direction.
struct YearTotals {
    by_month: Vec<MonthTotals>,
    by_account: Vec<AccountTotals>,
    by_village: Vec<Grouped>,
}

fn year_totals(conn: &mut DbConn, villages: &[String], year: i32) -> Result<YearTotals> {
    let of_year = || {
        monthly_totals::table
            .filter(monthly_totals::village_code.eq_any(villages))
            .filter(monthly_totals::fiscal_year.eq(year))
    };
    let summed = || {
        (
            sql::<BigInt>("CAST(SUM(total_fen) AS BIGINT)"),
            sql::<BigInt>("CAST(SUM(entry_count) AS BIGINT)"),
        )
    };
    let months: Vec<Grouped> = of_year()
        .group_by((monthly_totals::period, monthly_totals::direction))
        .select((
            monthly_totals::period,
            monthly_totals::direction,
            summed().0,
            summed().1,
        ))
        .order((monthly_totals::period, monthly_totals::direction))
        .load(conn)?;
    let accounts_rows: Vec<Grouped> = of_year()
        .group_by((monthly_totals::account_code, monthly_totals::direction))
        .select((
            monthly_totals::account_code,
            monthly_totals::direction,
            summed().0,
            summed().1,
        ))
        .order((monthly_totals::account_code, monthly_totals::direction))
        .load(conn)?;
    let by_village: Vec<Grouped> = of_year()
        .group_by((monthly_totals::village_code, monthly_totals::direction))
        .select((
            monthly_totals::village_code,
            monthly_totals::direction,
            summed().0,
            summed().1,
        ))
        .load(conn)?;
    let names: Vec<(String, String)> = accounts::table
        .filter(accounts::chart.eq(Chart::for_year(year).key()))
        .select((accounts::code, accounts::name_zh))
        .load(conn)?;

    let mut by_month: Vec<MonthTotals> = Vec::new();
    for (period, direction, total, count) in months {
        if by_month.last().is_none_or(|m| m.period != period) {
            by_month.push(MonthTotals {
                period,
                ..MonthTotals::default()
            });
        }
        let Some(month) = by_month.last_mut() else { continue };
        if direction == Direction::Income.as_str() {
            month.income_fen += total;
            month.income_count += count;
        } else {
            month.expense_fen += total;
            month.expense_count += count;
        }
    }
    let by_account = accounts_rows
        .into_iter()
        .map(|(code, direction, total, count)| AccountTotals {
            account_name: names
                .iter()
                .find(|(c, _)| *c == code)
                .map(|(_, n)| n.clone())
                .unwrap_or_default(),
            account_code: code,
            direction,
            total_fen: total,
            count,
        })
        .collect();
    Ok(YearTotals {
        by_month,
        by_account,
        by_village,
    })
}

/// Net cash (101) and bank (102) movement per village of `villages` in the fiscal years before
/// `year` (`through` false) or through it (`through` true), from the monthly aggregates.
fn cash_and_bank_by_village(
    conn: &mut DbConn,
    villages: &[String],
    year: i32,
    through: bool,
) -> Result<HashMap<String, (i64, i64)>> {
    let query = monthly_totals::table
        .filter(monthly_totals::village_code.eq_any(villages))
        .filter(monthly_totals::settlement_account_code.eq_any(["101", "102"]))
        .group_by((monthly_totals::village_code, monthly_totals::settlement_account_code))
        .select((
            monthly_totals::village_code,
            monthly_totals::settlement_account_code,
            sql::<BigInt>(NET_TOTAL_SQL),
        ));
    let rows: Vec<(String, String, i64)> = if through {
        query.filter(monthly_totals::fiscal_year.le(year)).load(conn)?
    } else {
        query.filter(monthly_totals::fiscal_year.lt(year)).load(conn)?
    };
    let mut out: HashMap<String, (i64, i64)> = HashMap::new();
    for (village, settlement, net) in rows {
        let slot = out.entry(village).or_default();
        if settlement == "101" {
            slot.0 += net;
        } else {
            slot.1 += net;
        }
    }
    Ok(out)
}

/// The net movement of money in the aggregates (income positive, expense negative).
const NET_TOTAL_SQL: &str =
    "CAST(COALESCE(SUM(CASE WHEN direction = 'income' THEN total_fen ELSE -total_fen END), 0) AS BIGINT)";

/// One village's line of a township's or the county's summary.
#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
pub struct VillageTotals {
    #[schema(example = "331022002201")]
    pub code: String,
    #[schema(example = "头岙村")]
    pub name: String,
    pub income_fen: i64,
    pub income_count: i64,
    pub expense_fen: i64,
    pub expense_count: i64,
    pub opening_cash_fen: i64,
    pub opening_bank_fen: i64,
    pub closing_cash_fen: i64,
    pub closing_bank_fen: i64,
}

/// The year of a township, or of the caller's whole scope: the fields of a village's summary,
/// summed over its villages, and a line per village. Totals equal the sum of the villages'.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AreaSummary {
    /// The township summed, or none for the caller's whole scope.
    #[schema(example = "331022002000")]
    pub township_code: Option<String>,
    pub year: i32,
    /// The chart of accounts in force that year: `2004` or `2023`.
    pub chart: String,
    pub income_total_fen: i64,
    pub income_count: i64,
    pub expense_total_fen: i64,
    pub expense_count: i64,
    pub opening_cash_fen: i64,
    pub opening_bank_fen: i64,
    pub closing_cash_fen: i64,
    pub closing_bank_fen: i64,
    pub by_month: Vec<MonthTotals>,
    pub by_account: Vec<AccountTotals>,
    /// The villages summed, by code.
    pub villages: Vec<VillageTotals>,
}

/// The year of `villages` (codes of existing villages, those the caller may read), read from the
/// monthly aggregates.
pub fn area_summary(
    conn: &mut DbConn,
    township: Option<String>,
    villages: &[String],
    year: i32,
) -> Result<AreaSummary> {
    let rows: Vec<VillageRow> = village_table::table
        .filter(village_table::code.eq_any(villages))
        .order(village_table::code)
        .select(VillageRow::as_select())
        .load(conn)?;
    let totals = year_totals(conn, villages, year)?;
    let before = cash_and_bank_by_village(conn, villages, year, false)?;
    let through = cash_and_bank_by_village(conn, villages, year, true)?;
    let mut lines: Vec<VillageTotals> = rows
        .into_iter()
        .map(|v| {
            let (cash_before, bank_before) = before.get(&v.code).copied().unwrap_or_default();
            let (cash_through, bank_through) = through.get(&v.code).copied().unwrap_or_default();
            VillageTotals {
                opening_cash_fen: v.opening_cash_fen + cash_before,
                opening_bank_fen: v.opening_bank_fen + bank_before,
                closing_cash_fen: v.opening_cash_fen + cash_through,
                closing_bank_fen: v.opening_bank_fen + bank_through,
                code: v.code,
                name: v.name,
                ..VillageTotals::default()
            }
        })
        .collect();
    for (village, direction, total, count) in totals.by_village {
        let Some(line) = lines.iter_mut().find(|l| l.code == village) else {
            continue;
        };
        if direction == Direction::Income.as_str() {
            line.income_fen += total;
            line.income_count += count;
        } else {
            line.expense_fen += total;
            line.expense_count += count;
        }
    }
    let sum = |f: fn(&VillageTotals) -> i64| lines.iter().map(f).sum::<i64>();
    Ok(AreaSummary {
        township_code: township,
        year,
        chart: Chart::for_year(year).key().to_owned(),
        income_total_fen: sum(|l| l.income_fen),
        income_count: sum(|l| l.income_count),
        expense_total_fen: sum(|l| l.expense_fen),
        expense_count: sum(|l| l.expense_count),
        opening_cash_fen: sum(|l| l.opening_cash_fen),
        opening_bank_fen: sum(|l| l.opening_bank_fen),
        closing_cash_fen: sum(|l| l.closing_cash_fen),
        closing_bank_fen: sum(|l| l.closing_bank_fen),
        by_month: totals.by_month,
        by_account: totals.by_account,
        villages: lines,
    })
}

/// A village's year, read from the monthly aggregates.
pub fn year_summary(conn: &mut DbConn, village: &VillageCode, year: i32) -> Result<YearSummary> {
    let row = find_village(conn, village)?;
    let mut area = area_summary(conn, None, std::slice::from_ref(&row.code), year)?;
    let line = area.villages.pop().unwrap_or_default();
    Ok(YearSummary {
        village_code: row.code,
        year,
        chart: area.chart,
        income_total_fen: line.income_fen,
        income_count: line.income_count,
        expense_total_fen: line.expense_fen,
        expense_count: line.expense_count,
        opening_cash_fen: line.opening_cash_fen,
        opening_bank_fen: line.opening_bank_fen,
        closing_cash_fen: line.closing_cash_fen,
        closing_bank_fen: line.closing_bank_fen,
        by_month: area.by_month,
        by_account: area.by_account,
    })
}
