//! A village's year: totals and counts by month and by account, opening and closing balances.

use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use serde::Serialize;

use crate::db::DbConn;
use crate::db::schema::{accounts, entries};
use crate::domain::{Chart, Direction, VillageCode};
use crate::ledger::Result;
use crate::ledger::villages::{cash_and_bank_movement, find_village};

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

pub fn year_summary(conn: &mut DbConn, village: &VillageCode, year: i32) -> Result<YearSummary> {
    let row = find_village(conn, village)?;
    let chart = Chart::for_year(year);
    let of_year = entries::table
        .filter(entries::village_code.eq(village.as_str()))
        .filter(entries::fiscal_year.eq(year));
    let months: Vec<(String, Direction, i64, i64)> = of_year
        .group_by((entries::period, entries::direction))
        .select((
            entries::period,
            entries::direction,
            diesel::dsl::count_star(),
            sql::<BigInt>("CAST(SUM(amount_fen) AS BIGINT)"),
        ))
        .order((entries::period, entries::direction))
        .load(conn)?;
    let accounts_rows: Vec<(String, Direction, i64, i64)> = of_year
        .group_by((entries::account_code, entries::direction))
        .select((
            entries::account_code,
            entries::direction,
            diesel::dsl::count_star(),
            sql::<BigInt>("CAST(SUM(amount_fen) AS BIGINT)"),
        ))
        .order((entries::account_code, entries::direction))
        .load(conn)?;
    let names: Vec<(String, String)> = accounts::table
        .filter(accounts::chart.eq(chart.key()))
        .select((accounts::code, accounts::name_zh))
        .load(conn)?;

    let mut by_month: Vec<MonthTotals> = Vec::new();
    let (mut income_total_fen, mut income_count, mut expense_total_fen, mut expense_count) = (0, 0, 0, 0);
    for (period, direction, count, total) in months {
        if by_month.last().is_none_or(|m| m.period != period) {
            by_month.push(MonthTotals {
                period,
                ..MonthTotals::default()
            });
        }
        let Some(month) = by_month.last_mut() else { continue };
        if direction == Direction::Income {
            month.income_fen += total;
            month.income_count += count;
            income_total_fen += total;
            income_count += count;
        } else {
            month.expense_fen += total;
            month.expense_count += count;
            expense_total_fen += total;
            expense_count += count;
        }
    }
    let by_account = accounts_rows
        .into_iter()
        .map(|(code, direction, count, total)| AccountTotals {
            account_name: names
                .iter()
                .find(|(c, _)| *c == code)
                .map(|(_, n)| n.clone())
                .unwrap_or_default(),
            account_code: code,
            direction: direction.as_str().to_owned(),
            total_fen: total,
            count,
        })
        .collect();

    let year_start = chrono::NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(row.opening_date);
    let year_end = chrono::NaiveDate::from_ymd_opt(year + 1, 1, 1).unwrap_or(row.opening_date);
    let (cash_before, bank_before) = cash_and_bank_movement(conn, &row.code, Some(year_start))?;
    let (cash_through, bank_through) = cash_and_bank_movement(conn, &row.code, Some(year_end))?;
    Ok(YearSummary {
        village_code: row.code,
        year,
        chart: chart.key().to_owned(),
        income_total_fen,
        income_count,
        expense_total_fen,
        expense_count,
        opening_cash_fen: row.opening_cash_fen + cash_before,
        opening_bank_fen: row.opening_bank_fen + bank_before,
        closing_cash_fen: row.opening_cash_fen + cash_through,
        closing_bank_fen: row.opening_bank_fen + bank_through,
        by_month,
        by_account,
    })
}
