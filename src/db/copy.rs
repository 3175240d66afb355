//! `village-ledger copy --from URL --to URL`: moves a whole county between databases (SQLite to
//! PostgreSQL and back), every table row for row with its ids and sequence numbers, into an
//! empty target; then re-reads both sides and compares the row count and a content hash of
//! every table. The chart of accounts comes with the migrations on both sides and is compared,
//! not copied.

use std::fmt::Debug;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use crate::db::schema::*;
use crate::db::{DbConn, write_transaction};

const CHUNK: i64 = 2_000;
/// Rows per INSERT statement into PostgreSQL: one round trip for many rows, within its 65,535
/// bound parameters (the widest table has 19 columns).
const BATCH: usize = 1_000;

/// One table's outcome.
#[derive(Debug)]
pub struct TableCopy {
    pub table: &'static str,
    pub rows: u64,
    pub sha256: String,
}

macro_rules! row_struct {
    ($name:ident, $table:ident, { $($field:ident : $ty:ty),* $(,)? }) => {
        #[derive(Debug, Clone, Queryable, Selectable, Insertable)]
        #[diesel(table_name = $table)]
        struct $name { $($field: $ty),* }
    };
}

row_struct!(TownshipR, townships, { code: String, name: String });
row_struct!(VillageR, villages, { code: String, township_code: String, name: String, opening_date: NaiveDate,
    opening_cash_fen: i64, opening_bank_fen: i64, ledger_version: i64 });
row_struct!(AccountR, accounts, { chart: String, code: String, name_zh: String, name_en: String, class: String, settlement: bool });
row_struct!(EntryR, entries, { seq: i64, id: String, village_code: String, fiscal_year: i32, period: String, voucher_no: String,
    occurred_on: NaiveDate, posted_at: NaiveDateTime, direction: String, amount_fen: i64, account_code: String,
    settlement_account_code: String, counterparty: String, description: String, project: Option<String>,
    fund_source: Option<String>, posted_by: String, reverses: Option<String>, reversal_reason: Option<String>,
    tender_ref: Option<String> });
row_struct!(ClosedR, closed_periods, { village_code: String, period: String, closed_at: NaiveDateTime, closed_by: String,
    checkpoint_size: Option<i64> });
row_struct!(UserR, users, { username: String, password_hash: String, role: String, township_code: Option<String>,
    village_code: Option<String>, home_township_code: Option<String>, home_village_code: Option<String>, disabled: bool,
    created_at: NaiveDateTime, failed_logins: i32, locked_until: Option<NaiveDateTime> });
row_struct!(RefreshR, refresh_tokens, { token_hash: String, username: String, issued_at: NaiveDateTime,
    expires_at: NaiveDateTime, used_at: Option<NaiveDateTime>, revoked: bool });
row_struct!(InspectionR, inspections, { id: String, name: String, starts_on: NaiveDate, ends_on: NaiveDate,
    created_by: String, created_at: NaiveDateTime });
row_struct!(InspectorR, inspection_inspectors, { inspection_id: String, username: String });
row_struct!(TargetR, inspection_targets, { inspection_id: String, kind: String, code: String });
row_struct!(AuditR, audit_log, { seq: i64, at: NaiveDateTime, actor: Option<String>, action: String, object: Option<String>,
    village_code: Option<String>, township_code: Option<String>, outcome: String, source: Option<String> });
row_struct!(LeafR, log_leaves, { idx: i64, kind: String, object_id: String, leaf: Vec<u8>, leaf_hash: Vec<u8> });
row_struct!(NodeR, log_nodes, { level: i32, idx: i64, hash: Vec<u8> });
row_struct!(CheckpointR, log_checkpoints, { size: i64, root_hash: Vec<u8>, note: String, created_at: NaiveDateTime });
row_struct!(InspectionCheckpointR, inspection_checkpoints, { inspection_id: String, size: i64, recorded_by: String,
    recorded_at: NaiveDateTime });
row_struct!(ReceiptR, receipts, { id: String, entry_id: String, village_code: String, sha256: String, content_type: String,
    byte_size: i64, width: i32, height: i32, phash: String, invoice_key: Option<String>, invoice_type: Option<String>,
    invoice_code: Option<String>, invoice_number: Option<String>, invoice_amount_fen: Option<i64>,
    invoice_date: Option<NaiveDate>, invoice_check_code: Option<String>, qr_text: Option<String>, uploaded_by: String,
    uploaded_at: NaiveDateTime });
row_struct!(WithdrawalR, receipt_withdrawals, { receipt_id: String, reason: String, withdrawn_by: String, withdrawn_at: NaiveDateTime });

type Load<R> = fn(&mut DbConn, Option<&R>) -> QueryResult<Vec<R>>;

/// Hashes every row of a table, in key order, through `load`.
fn table_hash<R: Debug>(conn: &mut DbConn, load: Load<R>) -> QueryResult<(u64, String)> {
    let mut hasher = Sha256::new();
    let mut rows = 0u64;
    let mut last: Option<R> = None;
    loop {
        let chunk = load(conn, last.as_ref())?;
        if chunk.is_empty() {
            break;
        }
        for row in &chunk {
            hasher.update(format!("{row:?}\n").as_bytes());
            rows += 1;
        }
        last = chunk.into_iter().last();
    }
    Ok((rows, hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()))
}

/// Copies a table chunk by chunk (one transaction a chunk), then compares both sides.
fn copy_table<R: Debug + Clone>(
    from: &mut DbConn,
    to: &mut DbConn,
    table: &'static str,
    load: Load<R>,
    insert: fn(&mut DbConn, &[R]) -> QueryResult<usize>,
) -> Result<TableCopy, String> {
    let mut last: Option<R> = None;
    loop {
        let chunk = load(from, last.as_ref()).map_err(|e| format!("reading {table}: {e}"))?;
        if chunk.is_empty() {
            break;
        }
        write_transaction(to, |to| {
            for batch in chunk.chunks(BATCH) {
                insert(to, batch)?;
            }
            Ok::<_, diesel::result::Error>(())
        })
        .map_err(|e| format!("writing {table}: {e}"))?;
        last = chunk.into_iter().last();
    }
    compare(from, to, table, load)
}

fn compare<R: Debug>(
    from: &mut DbConn,
    to: &mut DbConn,
    table: &'static str,
    load: Load<R>,
) -> Result<TableCopy, String> {
    let (rows, sha256) = table_hash(from, load).map_err(|e| format!("hashing {table}: {e}"))?;
    let (to_rows, to_sha) = table_hash(to, load).map_err(|e| format!("hashing {table}: {e}"))?;
    if (rows, &sha256) != (to_rows, &to_sha) {
        return Err(format!(
            "{table} differs after the copy: {rows} rows ({sha256}) in the source, {to_rows} ({to_sha}) in the target"
        ));
    }
    Ok(TableCopy { table, rows, sha256 })
}

/// Refuses a target that already holds a county.
fn ensure_empty(to: &mut DbConn) -> Result<(), String> {
    let counts = [
        ("townships", townships::table.count().get_result::<i64>(to)),
        ("users", users::table.count().get_result::<i64>(to)),
        ("entries", entries::table.count().get_result::<i64>(to)),
        ("log_leaves", log_leaves::table.count().get_result::<i64>(to)),
    ];
    for (table, count) in counts {
        let n = count.map_err(|e| format!("reading the target: {e}"))?;
        if n > 0 {
            return Err(format!(
                "the target is not empty ({table} has {n} rows); copy only into a new database"
            ));
        }
    }
    Ok(())
}

/// Copies everything from `from` into the empty `to`, and verifies it.
pub fn copy_county(from: &mut DbConn, to: &mut DbConn) -> Result<Vec<TableCopy>, String> {
    ensure_empty(to)?;
    let mut report = vec![compare::<AccountR>(from, to, "accounts", |c, last| {
        let mut q = accounts::table
            .order((accounts::chart, accounts::code))
            .limit(CHUNK)
            .select(AccountR::as_select())
            .into_boxed();
        if let Some(l) = last {
            q = q.filter(
                accounts::chart.gt(l.chart.clone()).or(accounts::chart
                    .eq(l.chart.clone())
                    .and(accounts::code.gt(l.code.clone()))),
            );
        }
        q.load(c)
    })?];
    macro_rules! by_key {
        ($table:ident, $row:ty, $key:ident) => {
            |c: &mut DbConn, last: Option<&$row>| {
                let mut q = $table::table
                    .order($table::$key)
                    .limit(CHUNK)
                    .select(<$row>::as_select())
                    .into_boxed();
                if let Some(l) = last {
                    q = q.filter($table::$key.gt(l.$key.clone()));
                }
                q.load(c)
            }
        };
    }
    macro_rules! by_two_keys {
        ($table:ident, $row:ty, $a:ident, $b:ident) => {
            |c: &mut DbConn, last: Option<&$row>| {
                let mut q = $table::table
                    .order(($table::$a, $table::$b))
                    .limit(CHUNK)
                    .select(<$row>::as_select())
                    .into_boxed();
                if let Some(l) = last {
                    // A row-value comparison is one index range on both backends; PostgreSQL
                    // scans `a > ? OR (a = ? AND b > ?)` from the start of the index each time,
                    // which made hashing the 4-million-row log_nodes table quadratic.
                    q = q.filter(
                        diesel::dsl::sql::<diesel::sql_types::Bool>(concat!(
                            "(",
                            stringify!($a),
                            ", ",
                            stringify!($b),
                            ") > ("
                        ))
                        .bind::<<$table::$a as diesel::Expression>::SqlType, _>(l.$a.clone())
                        .sql(", ")
                        .bind::<<$table::$b as diesel::Expression>::SqlType, _>(l.$b.clone())
                        .sql(")"),
                    );
                }
                q.load(c)
            }
        };
    }
    macro_rules! plain_insert {
        ($table:ident, $row:ty) => {
            |c: &mut DbConn, rows: &[$row]| match c {
                // One round trip for the whole batch; SQLite, in-process, takes them one by one.
                DbConn::Pg(pg) => diesel::insert_into($table::table)
                    .values(rows.to_vec())
                    .execute(pg),
                DbConn::Sqlite(_) => rows
                    .iter()
                    .map(|r| diesel::insert_into($table::table).values(r.clone()).execute(c))
                    .sum(),
            }
        };
    }
    report.push(copy_table(
        from,
        to,
        "townships",
        by_key!(townships, TownshipR, code),
        plain_insert!(townships, TownshipR),
    )?);
    report.push(copy_table(
        from,
        to,
        "villages",
        by_key!(villages, VillageR, code),
        plain_insert!(villages, VillageR),
    )?);
    report.push(copy_table(
        from,
        to,
        "users",
        by_key!(users, UserR, username),
        plain_insert!(users, UserR),
    )?);
    report.push(copy_table(
        from,
        to,
        "refresh_tokens",
        by_key!(refresh_tokens, RefreshR, token_hash),
        plain_insert!(refresh_tokens, RefreshR),
    )?);
    report.push(copy_table(
        from,
        to,
        "entries",
        by_key!(entries, EntryR, seq),
        plain_insert!(entries, EntryR),
    )?);
    report.push(copy_table(
        from,
        to,
        "inspections",
        by_key!(inspections, InspectionR, id),
        plain_insert!(inspections, InspectionR),
    )?);
    report.push(copy_table(
        from,
        to,
        "inspection_inspectors",
        by_two_keys!(inspection_inspectors, InspectorR, inspection_id, username),
        plain_insert!(inspection_inspectors, InspectorR),
    )?);
    report.push(copy_table(
        from,
        to,
        "inspection_targets",
        |c: &mut DbConn, last: Option<&TargetR>| {
            let mut q = inspection_targets::table
                .order((
                    inspection_targets::inspection_id,
                    inspection_targets::kind,
                    inspection_targets::code,
                ))
                .limit(CHUNK)
                .select(TargetR::as_select())
                .into_boxed();
            if let Some(l) = last {
                q = q.filter(
                    inspection_targets::inspection_id
                        .gt(l.inspection_id.clone())
                        .or(inspection_targets::inspection_id.eq(l.inspection_id.clone()).and(
                            inspection_targets::kind.gt(l.kind.clone()).or(inspection_targets::kind
                                .eq(l.kind.clone())
                                .and(inspection_targets::code.gt(l.code.clone()))),
                        )),
                );
            }
            q.load(c)
        },
        plain_insert!(inspection_targets, TargetR),
    )?);
    report.push(copy_table(
        from,
        to,
        "audit_log",
        by_key!(audit_log, AuditR, seq),
        plain_insert!(audit_log, AuditR),
    )?);
    report.push(copy_table(
        from,
        to,
        "log_leaves",
        by_key!(log_leaves, LeafR, idx),
        plain_insert!(log_leaves, LeafR),
    )?);
    report.push(copy_table(
        from,
        to,
        "log_nodes",
        by_two_keys!(log_nodes, NodeR, level, idx),
        plain_insert!(log_nodes, NodeR),
    )?);
    report.push(copy_table(
        from,
        to,
        "log_checkpoints",
        by_key!(log_checkpoints, CheckpointR, size),
        plain_insert!(log_checkpoints, CheckpointR),
    )?);
    report.push(copy_table(
        from,
        to,
        "closed_periods",
        by_two_keys!(closed_periods, ClosedR, village_code, period),
        plain_insert!(closed_periods, ClosedR),
    )?);
    report.push(copy_table(
        from,
        to,
        "inspection_checkpoints",
        by_two_keys!(inspection_checkpoints, InspectionCheckpointR, inspection_id, size),
        plain_insert!(inspection_checkpoints, InspectionCheckpointR),
    )?);
    report.push(copy_table(
        from,
        to,
        "receipts",
        by_key!(receipts, ReceiptR, id),
        plain_insert!(receipts, ReceiptR),
    )?);
    report.push(copy_table(
        from,
        to,
        "receipt_withdrawals",
        by_key!(receipt_withdrawals, WithdrawalR, receipt_id),
        plain_insert!(receipt_withdrawals, WithdrawalR),
    )?);
    let size: i64 = log_state::table
        .find(1)
        .select(log_state::size)
        .first(from)
        .map_err(|e| e.to_string())?;
    diesel::update(log_state::table.find(1))
        .set(log_state::size.eq(size))
        .execute(to)
        .map_err(|e| e.to_string())?;
    if let DbConn::Pg(_) = to {
        // Serial columns continue after the copied values.
        to.batch_execute(
            "SELECT setval(pg_get_serial_sequence('entries', 'seq'), COALESCE((SELECT MAX(seq) FROM entries), 0) + 1, false);
             SELECT setval(pg_get_serial_sequence('audit_log', 'seq'), COALESCE((SELECT MAX(seq) FROM audit_log), 0) + 1, false);",
        )
        .map_err(|e| format!("cannot move the sequences on: {e}"))?;
    }
    Ok(report)
}
