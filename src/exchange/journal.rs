//! The hledger journal export: one transaction per entry, dated `occurred_on`, the voucher as its
//! code, the counterparty as payee and the description as note; postings to accounts named by
//! class, then the chart code at the start of a segment with its name (`资产:101 库存现金`,
//! `支出:514 公益支出`), so `hledger balance 101` finds cash across both charts. The entry's id,
//! village, voucher line, receipts' SHA-256 and what a red-ink reversal reverses are tags. Each
//! village's opening balances (at `from`, when given) come first, against `权益:期初余额`.
//! Amounts are exact yuan with two decimals in the commodity `CNY`; `;` and `|` in texts (which
//! hledger reads as a comment and a payee/note split) are written as `；` and `｜`, a line break
//! as a space.

use std::collections::HashMap;
use std::io::Write;

use chrono::{Datelike, NaiveDate};
use diesel::prelude::*;

use super::ExchangeError;
use super::source::{ExportEntry, ExportWriter, Month, cash_and_bank, yuan};
use crate::db::DbConn;
use crate::db::schema::accounts;
use crate::domain::{Chart, Direction};
use crate::ledger::villages::VillageRow;

/// The account a balancing posting of the opening balances goes to.
pub const OPENING_ACCOUNT: &str = "权益:期初余额";

pub struct JournalWriter<'w> {
    out: std::io::BufWriter<&'w mut dyn Write>,
    /// (chart, code) → full account name.
    names: HashMap<(&'static str, String), String>,
    started: bool,
    text: String,
}

impl<'w> JournalWriter<'w> {
    pub fn new(out: &'w mut dyn Write) -> Self {
        JournalWriter {
            out: std::io::BufWriter::with_capacity(64 * 1024, out),
            names: HashMap::new(),
            started: false,
            text: String::new(),
        }
    }

    fn load_names(&mut self, conn: &mut DbConn) -> Result<(), ExchangeError> {
        let rows: Vec<(String, String, String, String)> = accounts::table
            .select((accounts::chart, accounts::code, accounts::name_zh, accounts::class))
            .load(conn)?;
        for (chart, code, name, class) in rows {
            let Some(key) = [Chart::for_year(2004).key(), Chart::for_year(2024).key()]
                .into_iter()
                .find(|k| *k == chart)
            else {
                continue;
            };
            let top = match class.as_str() {
                "asset" => "资产",
                "liability" => "负债",
                "equity" => "权益",
                "cost" => "成本",
                "income" => "收入",
                _ => "支出",
            };
            self.names
                .insert((key, code.clone()), format!("{top}:{code} {}", clean(&name)));
        }
        Ok(())
    }

    fn account(&self, year: i32, code: &str) -> String {
        let chart = Chart::for_year(year).key();
        self.names
            .get(&(chart, code.to_owned()))
            .cloned()
            .unwrap_or_else(|| format!("未知:{code}"))
    }

    fn entry(&mut self, entry: &ExportEntry, month: &Month) -> std::io::Result<()> {
        let text = &mut self.text;
        text.clear();
        let mut tags = vec![format!("id:{}", entry.id), format!("village:{}", entry.village_code)];
        if entry.voucher_line != 1 {
            tags.push(format!("line:{}", entry.voucher_line));
        }
        if let Some(original) = &entry.reverses {
            tags.push(format!("reverses:{original}"));
            if let Some(r) = month.reversed.get(original) {
                tags.push(format!(
                    "reverses_voucher:{}",
                    clean_tag(&format!("{}/{}/{}", r.year, r.voucher_no, r.line))
                ));
            }
        }
        for sha in month.receipts.get(&entry.id).into_iter().flatten() {
            tags.push(format!("receipt:{sha}"));
        }
        let code = clean(&entry.voucher_no).replace(')', "）");
        let (debit, credit) = match entry.direction {
            Direction::Income => (&entry.settlement_account_code, &entry.account_code),
            Direction::Expense => (&entry.account_code, &entry.settlement_account_code),
        };
        let year = entry.occurred_on.year();
        use std::fmt::Write as _;
        let _ = write!(
            text,
            "{} ({code}) {} | {}  ; {}\n    {}  {} CNY\n    {}  {} CNY\n\n",
            entry.occurred_on,
            clean(&entry.counterparty),
            clean(&entry.description),
            tags.join(", "),
            self.names
                .get(&(Chart::for_year(year).key(), debit.clone()))
                .cloned()
                .unwrap_or_else(|| format!("未知:{debit}")),
            yuan(entry.amount_fen),
            self.names
                .get(&(Chart::for_year(year).key(), credit.clone()))
                .cloned()
                .unwrap_or_else(|| format!("未知:{credit}")),
            yuan(-entry.amount_fen),
        );
        self.out.write_all(text.as_bytes())
    }
}

/// A text as a journal can hold it on one line, read back the same.
pub fn clean(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            ';' => '；',
            '|' => '｜',
            '\n' | '\r' | '\t' => ' ',
            c => c,
        })
        .collect()
}

fn clean_tag(text: &str) -> String {
    clean(text).replace(',', "，")
}

impl ExportWriter for JournalWriter<'_> {
    fn village(
        &mut self,
        conn: &mut DbConn,
        village: &VillageRow,
        from: Option<NaiveDate>,
    ) -> Result<(), ExchangeError> {
        if !self.started {
            self.load_names(conn)?;
            self.out.write_all(
                "; village-ledger export: amounts in yuan, exact to the fen, commodity CNY\ncommodity 1000.00 CNY\n\n"
                    .as_bytes(),
            )?;
            self.started = true;
        }
        let day = from.map_or(village.opening_date, |from| from.max(village.opening_date));
        let (cash, bank) = cash_and_bank(conn, village, Some(day))?;
        let year = day.year();
        writeln!(
            self.out,
            "{day} 期初余额 | {}  ; village:{}, opening:\n    {}  {} CNY\n    {}  {} CNY\n    {OPENING_ACCOUNT}\n",
            clean(&village.name),
            village.code,
            self.account(year, "101"),
            yuan(cash),
            self.account(year, "102"),
            yuan(bank),
        )?;
        Ok(())
    }

    fn month(&mut self, month: &Month) -> Result<(), ExchangeError> {
        for entry in &month.entries {
            self.entry(entry, month)?;
        }
        Ok(())
    }

    fn finish(&mut self) -> Result<(), ExchangeError> {
        self.out.flush()?;
        Ok(())
    }
}
