//! The chart of accounts in force in a year (会计科目表): the 2004 village collective chart up to
//! 2023, the 2023 rural collective chart from 2024.

use diesel::prelude::*;
use serde::Serialize;

use crate::db::DbConn;
use crate::db::schema::accounts;
use crate::domain::{AccountClass, Chart, FIRST_YEAR, LAST_YEAR};
use crate::ledger::{LedgerError, Result};

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Account {
    #[schema(example = "513")]
    pub code: String,
    #[schema(example = "管理费用")]
    pub name_zh: String,
    #[schema(example = "Administrative expenses")]
    pub name_en: String,
    pub class: AccountClass,
    /// Whether the account can be the settlement side of an entry (cash, bank, receivables,
    /// payables).
    pub settlement: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ChartOfAccounts {
    pub year: i32,
    /// `2004` or `2023`.
    pub chart: String,
    pub accounts: Vec<Account>,
}

/// The chart in force in `year`, its accounts by code.
pub fn chart_of_accounts(conn: &mut DbConn, year: i32) -> Result<ChartOfAccounts> {
    if !(FIRST_YEAR..=LAST_YEAR).contains(&year) {
        return Err(LedgerError::YearOutOfRange { year });
    }
    let chart = Chart::for_year(year);
    let rows: Vec<(String, String, String, String, bool)> = accounts::table
        .filter(accounts::chart.eq(chart.key()))
        .order(accounts::code)
        .select((
            accounts::code,
            accounts::name_zh,
            accounts::name_en,
            accounts::class,
            accounts::settlement,
        ))
        .load(conn)?;
    let accounts = rows
        .into_iter()
        .filter_map(|(code, name_zh, name_en, class, settlement)| {
            Some(Account {
                class: AccountClass::parse(&class)?,
                code,
                name_zh,
                name_en,
                settlement,
            })
        })
        .collect();
    Ok(ChartOfAccounts {
        year,
        chart: chart.key().to_owned(),
        accounts,
    })
}
