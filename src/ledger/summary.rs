//! A village's year, a township's and the caller's whole scope's: totals and counts by month,
//! by account and by village, opening and closing balances, all read from the monthly aggregates
//! (`monthly_totals`, kept by a trigger on `entries`; `verify` recomputes them).

use diesel::prelude::*;
use serde::Serialize;

use std::collections::BTreeMap;

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

/// One row of a village's monthly aggregates: fiscal year, period, account, settlement account,
/// direction, total and count.
type AggregateRow = (i32, String, String, String, String, i64, i64);

/// A village's monthly aggregates of `year` and the years before it, in one statement (a range
/// of the primary key, prepared once per connection; no sort): the summaries group them in Rust.
fn village_aggregates(conn: &mut DbConn, village: &str, year: i32) -> Result<Vec<AggregateRow>> {
    Ok(monthly_totals::table
        .filter(monthly_totals::village_code.eq(village))
        .filter(monthly_totals::fiscal_year.le(year))
        .select((
            monthly_totals::fiscal_year,
            monthly_totals::period,
            monthly_totals::account_code,
            monthly_totals::settlement_account_code,
            monthly_totals::direction,
            monthly_totals::total_fen,
            monthly_totals::entry_count,
        ))
        .load(conn)?)
}

/// The year's totals of the villages added so far, by month and by account and direction (in
/// the order the summaries list them).
#[derive(Default)]
struct YearTotals {
    by_month: BTreeMap<String, MonthTotals>,
    by_account: BTreeMap<(String, String), (i64, i64)>,
}

impl YearTotals {
    /// Adds a village's aggregates (from [`village_aggregates`]) to the year's totals and fills in
    /// its line: the year's totals, and its opening and closing cash (101) and bank (102).
    fn add_village(&mut self, year: i32, rows: Vec<AggregateRow>, line: &mut VillageTotals) {
        let (opening_cash, opening_bank) = (line.opening_cash_fen, line.opening_bank_fen);
        let (mut cash_before, mut bank_before, mut cash_through, mut bank_through) = (0i64, 0i64, 0i64, 0i64);
        for (fiscal_year, period, account, settlement, direction, total, count) in rows {
            let income = direction == Direction::Income.as_str();
            let net = if income { total } else { -total };
            let money = match settlement.as_str() {
                "101" => Some((&mut cash_before, &mut cash_through)),
                "102" => Some((&mut bank_before, &mut bank_through)),
                _ => None,
            };
            if let Some((before, through)) = money {
                *through += net;
                if fiscal_year < year {
                    *before += net;
                }
            }
            if fiscal_year < year {
                continue;
            }
            let month = self.by_month.entry(period).or_default();
            if income {
                month.income_fen += total;
                month.income_count += count;
                line.income_fen += total;
                line.income_count += count;
            } else {
                month.expense_fen += total;
                month.expense_count += count;
                line.expense_fen += total;
                line.expense_count += count;
            }
            let slot = self.by_account.entry((account, direction)).or_default();
            slot.0 += total;
            slot.1 += count;
        }
        line.opening_cash_fen = opening_cash + cash_before;
        line.opening_bank_fen = opening_bank + bank_before;
        line.closing_cash_fen = opening_cash + cash_through;
        line.closing_bank_fen = opening_bank + bank_through;
    }

    /// The months in order, and the accounts in order with their names in the year's chart.
    fn finish(self, conn: &mut DbConn, year: i32) -> Result<(Vec<MonthTotals>, Vec<AccountTotals>)> {
        let names: BTreeMap<String, String> = if self.by_account.is_empty() {
            BTreeMap::new()
        } else {
            accounts::table
                .filter(accounts::chart.eq(Chart::for_year(year).key()))
                .select((accounts::code, accounts::name_zh))
                .load::<(String, String)>(conn)?
                .into_iter()
                .collect()
        };
        let by_month = self
            .by_month
            .into_iter()
            .map(|(period, month)| MonthTotals { period, ..month })
            .collect();
        let by_account = self
            .by_account
            .into_iter()
            .map(|((code, direction), (total, count))| AccountTotals {
                account_name: names.get(&code).cloned().unwrap_or_default(),
                account_code: code,
                direction,
                total_fen: total,
                count,
            })
            .collect();
        Ok((by_month, by_account))
    }
}

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
    let (lines, by_month, by_account) = villages_year(conn, rows, year)?;
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
        by_month,
        by_account,
        villages: lines,
    })
}

/// The lines of `rows` (villages in code order) for `year`, and their months and accounts
/// summed: one statement per village, and one for the account names.
fn villages_year(
    conn: &mut DbConn,
    rows: Vec<VillageRow>,
    year: i32,
) -> Result<(Vec<VillageTotals>, Vec<MonthTotals>, Vec<AccountTotals>)> {
    let mut totals = YearTotals::default();
    let mut lines = Vec::with_capacity(rows.len());
    for v in rows {
        let aggregates = village_aggregates(conn, &v.code, year)?;
        let mut line = VillageTotals {
            opening_cash_fen: v.opening_cash_fen,
            opening_bank_fen: v.opening_bank_fen,
            code: v.code,
            name: v.name,
            ..VillageTotals::default()
        };
        totals.add_village(year, aggregates, &mut line);
        lines.push(line);
    }
    let (by_month, by_account) = totals.finish(conn, year)?;
    Ok((lines, by_month, by_account))
}

/// A village's year, read from the monthly aggregates (three statements: the village, its
/// aggregates, the account names).
pub fn year_summary(conn: &mut DbConn, village: &VillageCode, year: i32) -> Result<YearSummary> {
    let row = find_village(conn, village)?;
    let code = row.code.clone();
    let (mut lines, by_month, by_account) = villages_year(conn, vec![row], year)?;
    let line = lines.pop().unwrap_or_default();
    Ok(YearSummary {
        village_code: code,
        year,
        chart: Chart::for_year(year).key().to_owned(),
        income_total_fen: line.income_fen,
        income_count: line.income_count,
        expense_total_fen: line.expense_fen,
        expense_count: line.expense_count,
        opening_cash_fen: line.opening_cash_fen,
        opening_bank_fen: line.opening_bank_fen,
        closing_cash_fen: line.closing_cash_fen,
        closing_bank_fen: line.closing_bank_fen,
        by_month,
        by_account,
    })
}
