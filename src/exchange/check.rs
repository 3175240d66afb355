//! Import rows against the ledger, with the rules of posting and of reversal: the value rules of
//! a posting request, the chart of the entry's year, the village's opening date, closed months,
//! voucher lines taken (same content: already there; other content: a conflict), duplicates
//! inside the file, and what a reversal row may reverse. The chart, the closed months and the
//! village's voucher lines are read once per import, not per row.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use diesel::prelude::*;

use super::columns::Field;
use super::report::{ImportProblem, Problems, expected_of};
use super::rows::{ImportRow, Reference};
use crate::db::DbConn;
use crate::db::schema::{accounts, closed_periods, entries};
use crate::domain::{AccountClass, Chart, Direction, EntryId, Period, VillageCode};
use crate::ledger::post::NewEntryRequest;
use crate::ledger::villages::VillageRow;
use crate::msg;

/// A voucher line of the village already in the ledger.
#[derive(Clone, Debug, Queryable)]
pub struct Existing {
    pub id: EntryId,
    pub occurred_on: NaiveDate,
    pub direction: Direction,
    pub amount_fen: i64,
    pub account_code: String,
    pub settlement_account_code: String,
    pub counterparty: String,
    pub description: String,
    pub project: Option<String>,
    pub fund_source: Option<String>,
    pub tender_ref: Option<String>,
    pub reverses: Option<EntryId>,
}

/// What a row becomes.
#[derive(Clone, Debug)]
pub enum Plan {
    /// Already in the ledger with this content.
    Existing,
    /// A new entry; a reversal names its original by id (in the ledger) or by key (in the file).
    New { reverses: Option<Original> },
}

#[derive(Clone, Debug)]
pub enum Original {
    Stored(EntryId),
    InFile(Reference),
}

/// The ledger as an import needs to see it.
pub struct Ledger {
    village: VillageRow,
    closed: HashSet<String>,
    chart: HashMap<(&'static str, String), (AccountClass, bool)>,
    lines: HashMap<Reference, Existing>,
    reversed: HashSet<String>,
}

impl Ledger {
    pub fn load(conn: &mut DbConn, village: VillageRow) -> crate::ledger::Result<Ledger> {
        let closed = closed_periods::table
            .filter(closed_periods::village_code.eq(&village.code))
            .select(closed_periods::period)
            .load::<String>(conn)?
            .into_iter()
            .collect();
        let mut chart = HashMap::new();
        let rows: Vec<(String, String, String, bool)> = accounts::table
            .select((accounts::chart, accounts::code, accounts::class, accounts::settlement))
            .load(conn)?;
        for (key, code, class, settlement) in rows {
            let key = [Chart::for_year(2004), Chart::for_year(2024)]
                .into_iter()
                .map(Chart::key)
                .find(|k| *k == key);
            if let (Some(key), Some(class)) = (key, AccountClass::parse(&class)) {
                chart.insert((key, code), (class, settlement));
            }
        }
        let stored: Vec<(i32, String, i32, Existing)> = entries::table
            .filter(entries::village_code.eq(&village.code))
            .select((
                entries::fiscal_year,
                entries::voucher_no,
                entries::voucher_line,
                (
                    entries::id,
                    entries::occurred_on,
                    entries::direction,
                    entries::amount_fen,
                    entries::account_code,
                    entries::settlement_account_code,
                    entries::counterparty,
                    entries::description,
                    entries::project,
                    entries::fund_source,
                    entries::tender_ref,
                    entries::reverses,
                ),
            ))
            .load(conn)?;
        let mut lines = HashMap::new();
        let mut reversed = HashSet::new();
        for (year, voucher_no, line, existing) in stored {
            if let Some(original) = &existing.reverses {
                reversed.insert(original.as_str().to_owned());
            }
            lines.insert(Reference { year, voucher_no, line }, existing);
        }
        Ok(Ledger {
            village,
            closed,
            chart,
            lines,
            reversed,
        })
    }

    pub fn village(&self) -> &VillageRow {
        &self.village
    }

    /// Checks every row; the plan of each row in file order, or the problems.
    pub fn check(&self, target: &VillageCode, rows: &[ImportRow], problems: &mut Problems) -> Vec<Plan> {
        let mut plans = Vec::with_capacity(rows.len());
        let mut in_file: HashMap<Reference, usize> = HashMap::new();
        let mut reversed_in_file: HashSet<Reference> = HashSet::new();
        for (index, row) in rows.iter().enumerate() {
            let key = key_of(row);
            let mut problem = |column: Option<Field>, code, message, expected| {
                problems.push(ImportProblem::row(
                    row.row,
                    column.map(|f| f.export_header().to_owned()),
                    code,
                    message,
                    expected,
                ));
            };
            if let Some(first) = in_file.insert(key.clone(), index) {
                problem(
                    Some(Field::VoucherNo),
                    "voucher-duplicate-in-file",
                    msg!(
                        "import-voucher-duplicate",
                        voucher = row.voucher_no.as_str(),
                        line = row.voucher_line,
                        first = rows[first].row
                    ),
                    msg!("import-expected-unique-line"),
                );
                continue;
            }
            if let Some(village) = &row.village
                && village != target.as_str()
            {
                problem(
                    Some(Field::Village),
                    "village-other",
                    msg!(
                        "import-village-other",
                        village = village.as_str(),
                        target = target.to_string()
                    ),
                    msg!("import-expected-village", target = target.to_string()),
                );
                continue;
            }
            if let Err((field, code, message)) = self.value_rules(row) {
                problem(Some(field), code, message, expected_of(field));
                continue;
            }
            if let Some(existing) = self.lines.get(&key) {
                if same_content(existing, row) {
                    plans.push(Plan::Existing);
                } else {
                    problem(
                        Some(Field::VoucherNo),
                        "voucher-conflict",
                        msg!(
                            "import-voucher-conflict",
                            voucher = row.voucher_no.as_str(),
                            line = row.voucher_line,
                            year = key.year
                        ),
                        msg!("import-expected-same-content"),
                    );
                }
                continue;
            }
            if let Err((field, code, message, expected)) = self.ledger_rules(row) {
                problem(Some(field), code, message, expected);
                continue;
            }
            match self.original(row, rows, &in_file, &mut reversed_in_file) {
                Ok(reverses) => plans.push(Plan::New { reverses }),
                Err((code, message)) => problem(
                    Some(Field::ReversesVoucher),
                    code,
                    message,
                    msg!("import-expected-reversal"),
                ),
            }
        }
        plans
    }

    /// The value rules of a posting request (lengths, amount, dates in range).
    fn value_rules(&self, row: &ImportRow) -> Result<(), (Field, &'static str, crate::i18n::Msg)> {
        let request = NewEntryRequest {
            voucher_no: row.voucher_no.clone(),
            occurred_on: row.occurred_on,
            direction: row.direction,
            amount_fen: row.amount_fen.abs(),
            account_code: row.account_code.to_string(),
            settlement_account_code: row.settlement_account_code.to_string(),
            counterparty: row.counterparty.clone(),
            description: row.description.clone(),
            project: row.project.clone(),
            fund_source: row.fund_source.clone(),
            tender_ref: row.tender_ref.clone(),
        };
        if let Err(e) = request.validate() {
            let field = match &e {
                crate::domain::ValueError::TooLong { field, .. }
                | crate::domain::ValueError::Empty { field }
                | crate::domain::ValueError::ControlCharacters { field, .. } => {
                    Field::from_key(field).unwrap_or(Field::Description)
                }
                crate::domain::ValueError::DateOutOfRange { .. } => Field::OccurredOn,
                _ => Field::Amount,
            };
            return Err((field, "value-invalid", e.msg()));
        }
        if row.amount_fen < 0 && row.reverses.is_none() {
            return Err((Field::Amount, "amount-negative", msg!("import-amount-negative")));
        }
        if row.reverses.is_some() && row.reversal_reason.is_none() {
            return Err((Field::ReversalReason, "cell-empty", msg!("import-cell-empty")));
        }
        if row.amount_fen > 0 && row.reverses.is_some() {
            return Err((
                Field::Amount,
                "reversal-not-negative",
                msg!("import-reversal-not-negative"),
            ));
        }
        Ok(())
    }

    /// The rules of posting that read the ledger: opening date, closed months, the chart.
    fn ledger_rules(&self, row: &ImportRow) -> Result<(), (Field, &'static str, crate::i18n::Msg, crate::i18n::Msg)> {
        if row.occurred_on < self.village.opening_date {
            return Err((
                Field::OccurredOn,
                "before-opening",
                msg!(
                    "import-before-opening",
                    date = row.occurred_on,
                    opening = self.village.opening_date
                ),
                msg!("import-expected-after-opening", opening = self.village.opening_date),
            ));
        }
        let period = Period::of(row.occurred_on);
        if self.closed.contains(&period.to_string()) {
            return Err((
                Field::OccurredOn,
                "period-closed",
                msg!("import-period-closed", period = period),
                msg!("import-expected-open-month"),
            ));
        }
        let chart = Chart::for_year(period.year()).key();
        let year = period.year();
        match self.chart.get(&(chart, row.account_code.to_string())) {
            None => Err((
                Field::Account,
                "account-not-in-chart",
                msg!(
                    "import-account-not-in-chart",
                    account = row.account_code.to_string(),
                    year = year
                ),
                msg!("import-expected-account", chart = chart),
            )),
            Some((class, _)) if !class.admits(row.direction) => Err((
                Field::Account,
                "account-refuses-direction",
                msg!(
                    "import-account-refuses-direction",
                    account = row.account_code.to_string(),
                    direction = row.direction.as_str()
                ),
                msg!("import-expected-account-for", direction = row.direction.as_str()),
            )),
            _ => match self.chart.get(&(chart, row.settlement_account_code.to_string())) {
                Some((_, true)) => Ok(()),
                _ => Err((
                    Field::Settlement,
                    "not-a-settlement-account",
                    msg!(
                        "import-not-a-settlement-account",
                        account = row.settlement_account_code.to_string(),
                        year = year
                    ),
                    msg!("import-expected-settlement"),
                )),
            },
        }
    }

    /// What a reversal row reverses: an entry of the ledger or an earlier row of the file, not
    /// itself a reversal, not reversed yet, same account and direction, the amount negated.
    fn original(
        &self,
        row: &ImportRow,
        rows: &[ImportRow],
        in_file: &HashMap<Reference, usize>,
        reversed_in_file: &mut HashSet<Reference>,
    ) -> Result<Option<Original>, (&'static str, crate::i18n::Msg)> {
        let Some(reference) = &row.reverses else {
            return Ok(None);
        };
        let mut reference = reference.clone();
        if reference.year == 0 {
            reference.year = Period::of(row.occurred_on).year();
        }
        let missing = || {
            (
                "reversal-original-missing",
                msg!(
                    "import-reversal-original-missing",
                    voucher = reference.voucher_no.as_str(),
                    line = reference.line,
                    year = reference.year
                ),
            )
        };
        let (facts, original) = if let Some(stored) = self.lines.get(&reference) {
            if self.reversed.contains(stored.id.as_str()) {
                return Err(("reversal-already-reversed", msg!("import-reversal-already-reversed")));
            }
            let facts = (
                stored.reverses.is_some(),
                stored.direction,
                stored.amount_fen,
                stored.account_code.clone(),
            );
            (facts, Original::Stored(stored.id.clone()))
        } else if let Some(index) = in_file.get(&reference) {
            let first = &rows[*index];
            let facts = (
                first.reverses.is_some(),
                first.direction,
                first.amount_fen,
                first.account_code.to_string(),
            );
            (facts, Original::InFile(reference.clone()))
        } else {
            return Err(missing());
        };
        let (is_reversal, direction, amount_fen, account) = facts;
        if is_reversal {
            return Err(("reversal-of-reversal", msg!("import-reversal-of-reversal")));
        }
        if direction != row.direction || amount_fen != -row.amount_fen || account != row.account_code.as_str() {
            return Err(("reversal-mismatch", msg!("import-reversal-mismatch")));
        }
        if !reversed_in_file.insert(reference) {
            return Err(("reversal-already-reversed", msg!("import-reversal-already-reversed")));
        }
        Ok(Some(original))
    }
}

/// The key of a row: fiscal year, voucher number, line.
pub fn key_of(row: &ImportRow) -> Reference {
    Reference {
        year: Period::of(row.occurred_on).year(),
        voucher_no: row.voucher_no.clone(),
        line: row.voucher_line,
    }
}

fn same_content(existing: &Existing, row: &ImportRow) -> bool {
    existing.occurred_on == row.occurred_on
        && existing.direction == row.direction
        && existing.amount_fen == row.amount_fen
        && existing.account_code == row.account_code.as_str()
        && existing.settlement_account_code == row.settlement_account_code.as_str()
        && existing.counterparty == row.counterparty
        && existing.description == row.description
        && existing.project == row.project
        && existing.fund_source == row.fund_source
        && existing.tender_ref == row.tender_ref
        && existing.reverses.is_some() == row.reverses.is_some()
}
