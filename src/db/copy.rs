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
    tender_ref: Option<String>,
    // import and export (issue 19)
    voucher_line: i32, imported_sha256: Option<String>, imported_undated: bool });
row_struct!(EntryLinksR, entries, { seq: i64, reversed_by: Option<String>, receipt_count: i32 });
row_struct!(MonthlyR, monthly_totals, { village_code: String, fiscal_year: i32, period: String, account_code: String,
    settlement_account_code: String, direction: String, total_fen: i64, entry_count: i64 });
row_struct!(ClosedR, closed_periods, { village_code: String, period: String, closed_at: NaiveDateTime, closed_by: String,
    checkpoint_size: Option<i64> });
row_struct!(UserR, users, { username: String, password_hash: String, role: String, township_code: Option<String>,
    village_code: Option<String>, home_township_code: Option<String>, home_village_code: Option<String>, disabled: bool,
    created_at: NaiveDateTime, failed_logins: i32, locked_until: Option<NaiveDateTime>, addressee_id: Option<String> });
row_struct!(AddresseeR, addressees, { id: String, name: String, kind: String, township_code: Option<String>,
    created_by: String, created_at: NaiveDateTime });
row_struct!(FindingR, findings, { seq: i64, id: String, inspection_id: String, village_code: String, township_code: String,
    checklist_item: String, category: String, description: String, amount_fen: i64, requires_rectification: bool,
    rectify_by: Option<NaiveDate>, recorded_by: String, recorded_at: NaiveDateTime });
row_struct!(EvidenceR, finding_evidence, { finding_id: String, position: i32, kind: String, reference: String,
    detail: Option<String> });
row_struct!(QuestionR, questions, { id: String, entry_id: String, village_code: String, township_code: String,
    kind: String, route: String, status: String, text: String, asked_by: String, filed_on: NaiveDate,
    filed_at: NaiveDateTime, answer: Option<String>, answered_by: Option<String>, answered_at: Option<NaiveDateTime>,
    accepted_at: Option<NaiveDateTime>, escalated_at: Option<NaiveDateTime>, has_photo: bool });
row_struct!(QuestionPhotoR, question_photos, { question_id: String, width: i32, height: i32, jpeg: Vec<u8> });
row_struct!(RefreshR, refresh_tokens, { token_hash: String, username: String, issued_at: NaiveDateTime,
    expires_at: NaiveDateTime, used_at: Option<NaiveDateTime>, revoked: bool });
row_struct!(InspectionR, inspections, { id: String, name: String, starts_on: NaiveDate, ends_on: NaiveDate,
    created_by: String, created_at: NaiveDateTime, checklist_id: Option<String>, follow_up_of: Option<String> });
row_struct!(ChecklistR, checklists, { id: String, name: String, kind: String, village_kind: Option<String>,
    base_id: Option<String>, created_by: String, created_at: NaiveDateTime });
row_struct!(ChecklistItemR, checklist_items, { checklist_id: String, code: String, position: i32, title: String,
    category: String });
row_struct!(MarkR, checklist_marks, { inspection_id: String, village_code: String, item_code: String, mark: String,
    finding_id: Option<String>, marked_by: String, marked_at: NaiveDateTime });
row_struct!(RectStepR, rectification_steps, { id: String, finding_id: String, position: i32, action: String,
    text: String, acted_by: String, acted_at: NaiveDateTime });
row_struct!(RectLinkR, rectification_links, { step_id: String, position: i32, kind: String, reference: String });
row_struct!(PublicationR, publications, { id: String, finding_id: String, position: i32, text: String,
    status: String, published_by: String, published_at: NaiveDateTime });
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
    uploaded_at: NaiveDateTime, qr_search: String });
row_struct!(TenderR, tenders, { id: String, village_code: String, reference: String, reference_key: String,
    project: String, winner: String, amount_fen: i64, awarded_on: NaiveDate, recorded_by: String, recorded_at: NaiveDateTime });
row_struct!(TicketR, tickets, { seq: i64, id: String, finding_id: String, inspection_id: String, village_code: String,
    township_code: String, colour: String, addressee_id: String, note: Option<String>, status: String, issued_by: String,
    issued_at: NaiveDateTime, issued_on: NaiveDate, due_on: NaiveDate, finding_on: NaiveDate, received_by: Option<String>,
    received_at: Option<NaiveDateTime>, concluded_by: Option<String>, concluded_at: Option<NaiveDateTime>,
    concluded_on: Option<NaiveDate>, response: Option<String>, outcome: Option<String>, persons_disciplined: i32,
    recovered_fen: i64, days_to_conclusion: Option<i32> });
row_struct!(WithdrawalR, receipt_withdrawals, { receipt_id: String, reason: String, withdrawn_by: String, withdrawn_at: NaiveDateTime });

type Load<R> = fn(&mut DbConn, Option<&R>) -> QueryResult<Vec<R>>;
type Insert<R> = fn(&mut DbConn, &[R]) -> QueryResult<usize>;

/// Why a copy stopped. The target is left as far as it got; copy only into a new database.
#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    #[error("the target is not empty ({table} has {rows} rows); copy only into a new database")]
    TargetNotEmpty { table: &'static str, rows: i64 },
    #[error("reading the target")]
    ReadingTarget(#[source] diesel::result::Error),
    #[error("reading {table}")]
    Reading {
        table: &'static str,
        #[source]
        source: diesel::result::Error,
    },
    #[error("writing {table}")]
    Writing {
        table: &'static str,
        #[source]
        source: diesel::result::Error,
    },
    #[error("hashing {table}")]
    Hashing {
        table: &'static str,
        #[source]
        source: diesel::result::Error,
    },
    #[error(
        "{table} differs after the copy: {rows} rows ({sha256}) in the source, {to_rows} ({to_sha256}) in the target"
    )]
    Differs {
        table: &'static str,
        rows: u64,
        sha256: String,
        to_rows: u64,
        to_sha256: String,
    },
    #[error("carrying the log size over")]
    LogSize(#[source] diesel::result::Error),
    #[error("cannot move the sequences on")]
    Sequences(#[source] diesel::result::Error),
}

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
    insert: Insert<R>,
) -> Result<TableCopy, CopyError> {
    let mut last: Option<R> = None;
    loop {
        let chunk = load(from, last.as_ref()).map_err(|source| CopyError::Reading { table, source })?;
        if chunk.is_empty() {
            break;
        }
        write_transaction(to, |to| {
            for batch in chunk.chunks(BATCH) {
                insert(to, batch)?;
            }
            Ok::<_, diesel::result::Error>(())
        })
        .map_err(|source| CopyError::Writing { table, source })?;
        last = chunk.into_iter().last();
    }
    compare(from, to, table, load)
}

fn compare<R: Debug>(
    from: &mut DbConn,
    to: &mut DbConn,
    table: &'static str,
    load: Load<R>,
) -> Result<TableCopy, CopyError> {
    let hashing = |source| CopyError::Hashing { table, source };
    let (rows, sha256) = table_hash(from, load).map_err(hashing)?;
    let (to_rows, to_sha256) = table_hash(to, load).map_err(hashing)?;
    if (rows, &sha256) != (to_rows, &to_sha256) {
        return Err(CopyError::Differs {
            table,
            rows,
            sha256,
            to_rows,
            to_sha256,
        });
    }
    Ok(TableCopy { table, rows, sha256 })
}

/// Refuses a target that already holds a county.
/// Refuses a target that holds a county already (also used by `restore`).
pub fn ensure_empty(to: &mut DbConn) -> Result<(), CopyError> {
    let counts = [
        ("townships", townships::table.count().get_result::<i64>(to)),
        ("users", users::table.count().get_result::<i64>(to)),
        ("entries", entries::table.count().get_result::<i64>(to)),
        ("log_leaves", log_leaves::table.count().get_result::<i64>(to)),
    ];
    for (table, count) in counts {
        let rows = count.map_err(CopyError::ReadingTarget)?;
        if rows > 0 {
            return Err(CopyError::TargetNotEmpty { table, rows });
        }
    }
    Ok(())
}

/// Loads a chunk of `$row`s of `$table` after the last one, in the order of its key `$key`.
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

/// Loads a chunk of `$row`s of `$table` after the last one, in the order of the key `($a, $b)`.
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

/// Inserts a batch of `$row`s into `$table`.
macro_rules! plain_insert {
    ($table:ident, $row:ty) => {
        |c: &mut DbConn, rows: &[$row]| match c {
            // One round trip for the whole batch; SQLite, in-process, takes them one by one.
            DbConn::Pg(pg) => diesel::insert_into($table::table).values(rows.to_vec()).execute(pg),
            DbConn::Sqlite(_) => rows
                .iter()
                .map(|r| diesel::insert_into($table::table).values(r.clone()).execute(c))
                .sum(),
        }
    };
}

/// Copies and compares the table `$table` of `$row`s, loaded by `$load`.
macro_rules! copy {
    ($from:expr, $to:expr, $table:ident, $row:ty, $load:expr) => {
        copy_table($from, $to, stringify!($table), $load, plain_insert!($table, $row))
    };
}

/// Copies everything from `from` into the empty `to`, and verifies it.
pub fn copy_county(from: &mut DbConn, to: &mut DbConn) -> Result<Vec<TableCopy>, CopyError> {
    ensure_empty(to)?;
    let mut report = vec![compare_charts(from, to)?];
    report.extend(copy_places_and_people(from, to)?);
    report.extend(copy_inspections(from, to)?);
    report.extend(copy_log(from, to)?);
    report.extend(copy_receipts(from, to)?);
    report.extend(copy_workflow(from, to)?);
    report.extend(copy_questions(from, to)?);
    report.extend(copy_checklists_and_results(from, to)?);
    report.push(copy_tickets(from, to)?);
    report.push(compare_monthly_totals(from, to)?);
    report.push(compare_entry_links(from, to)?);
    carry_log_size(from, to)?;
    move_sequences_on(to)?;
    Ok(report)
}

/// The chart of accounts comes with the migrations on both sides: compared, not copied.
fn compare_charts(from: &mut DbConn, to: &mut DbConn) -> Result<TableCopy, CopyError> {
    compare::<AccountR>(from, to, "accounts", |c, last| {
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
    })
}

/// The monthly aggregates are kept by the target's trigger as the entries are copied:
/// compared, not copied (in one read: a row per village, month and account).
fn compare_monthly_totals(from: &mut DbConn, to: &mut DbConn) -> Result<TableCopy, CopyError> {
    compare::<MonthlyR>(from, to, "monthly_totals", |c, last| {
        if last.is_some() {
            return Ok(Vec::new());
        }
        monthly_totals::table
            .order((
                monthly_totals::village_code,
                monthly_totals::fiscal_year,
                monthly_totals::period,
                monthly_totals::account_code,
                monthly_totals::settlement_account_code,
                monthly_totals::direction,
            ))
            .select(MonthlyR::as_select())
            .load(c)
    })
}

/// The reversal link and receipt count on each entry are kept by the target's triggers as the
/// entries and receipts are copied: compared, not copied (as `entries.links`, after the receipts).
fn compare_entry_links(from: &mut DbConn, to: &mut DbConn) -> Result<TableCopy, CopyError> {
    compare::<EntryLinksR>(from, to, "entries.links", by_key!(entries, EntryLinksR, seq))
}

/// Townships, villages, users and their sessions, and the ledger's entries and tenders.
fn copy_places_and_people(from: &mut DbConn, to: &mut DbConn) -> Result<Vec<TableCopy>, CopyError> {
    Ok(vec![
        copy!(from, to, townships, TownshipR, by_key!(townships, TownshipR, code))?,
        copy!(from, to, villages, VillageR, by_key!(villages, VillageR, code))?,
        copy!(from, to, addressees, AddresseeR, by_key!(addressees, AddresseeR, id))?,
        copy!(from, to, users, UserR, by_key!(users, UserR, username))?,
        copy!(
            from,
            to,
            refresh_tokens,
            RefreshR,
            by_key!(refresh_tokens, RefreshR, token_hash)
        )?,
        copy!(from, to, entries, EntryR, by_key!(entries, EntryR, seq))?,
        copy!(from, to, tenders, TenderR, by_key!(tenders, TenderR, id))?,
    ])
}

/// Inspection rounds, their inspectors and targets, and the audit log.
fn copy_inspections(from: &mut DbConn, to: &mut DbConn) -> Result<Vec<TableCopy>, CopyError> {
    Ok(vec![
        copy!(
            from,
            to,
            inspections,
            InspectionR,
            by_key!(inspections, InspectionR, id)
        )?,
        copy!(
            from,
            to,
            inspection_inspectors,
            InspectorR,
            by_two_keys!(inspection_inspectors, InspectorR, inspection_id, username)
        )?,
        copy!(from, to, inspection_targets, TargetR, load_targets)?,
        copy!(from, to, audit_log, AuditR, by_key!(audit_log, AuditR, seq))?,
    ])
}

/// The inspection workflow: findings and their evidence.
fn copy_workflow(from: &mut DbConn, to: &mut DbConn) -> Result<Vec<TableCopy>, CopyError> {
    Ok(vec![
        copy!(from, to, findings, FindingR, by_key!(findings, FindingR, seq))?,
        copy!(
            from,
            to,
            finding_evidence,
            EvidenceR,
            by_two_keys!(finding_evidence, EvidenceR, finding_id, position)
        )?,
    ])
}

/// Villagers' questions and reports, and their stripped photos.
fn copy_questions(from: &mut DbConn, to: &mut DbConn) -> Result<Vec<TableCopy>, CopyError> {
    Ok(vec![
        copy!(from, to, questions, QuestionR, by_key!(questions, QuestionR, id))?,
        copy!(
            from,
            to,
            question_photos,
            QuestionPhotoR,
            by_key!(question_photos, QuestionPhotoR, question_id)
        )?,
    ])
}

/// Checklists and their items, the marks of rounds, rectification steps and their links, and
/// publications.
fn copy_checklists_and_results(from: &mut DbConn, to: &mut DbConn) -> Result<Vec<TableCopy>, CopyError> {
    Ok(vec![
        copy!(from, to, checklists, ChecklistR, by_key!(checklists, ChecklistR, id))?,
        copy!(
            from,
            to,
            checklist_items,
            ChecklistItemR,
            by_two_keys!(checklist_items, ChecklistItemR, checklist_id, code)
        )?,
        copy!(from, to, checklist_marks, MarkR, load_marks)?,
        copy!(
            from,
            to,
            rectification_steps,
            RectStepR,
            by_key!(rectification_steps, RectStepR, id)
        )?,
        copy!(
            from,
            to,
            rectification_links,
            RectLinkR,
            by_two_keys!(rectification_links, RectLinkR, step_id, position)
        )?,
        copy!(
            from,
            to,
            publications,
            PublicationR,
            by_key!(publications, PublicationR, id)
        )?,
    ])
}

/// Checklist marks, keyed by three columns.
fn load_marks(c: &mut DbConn, last: Option<&MarkR>) -> QueryResult<Vec<MarkR>> {
    let mut q = checklist_marks::table
        .order((
            checklist_marks::inspection_id,
            checklist_marks::village_code,
            checklist_marks::item_code,
        ))
        .limit(CHUNK)
        .select(MarkR::as_select())
        .into_boxed();
    if let Some(l) = last {
        q = q.filter(
            checklist_marks::inspection_id
                .gt(l.inspection_id.clone())
                .or(checklist_marks::inspection_id.eq(l.inspection_id.clone()).and(
                    checklist_marks::village_code
                        .gt(l.village_code.clone())
                        .or(checklist_marks::village_code
                            .eq(l.village_code.clone())
                            .and(checklist_marks::item_code.gt(l.item_code.clone()))),
                )),
        );
    }
    q.load(c)
}

/// Referral tickets; on PostgreSQL their sequence moves on past the copied ones.
fn copy_tickets(from: &mut DbConn, to: &mut DbConn) -> Result<TableCopy, CopyError> {
    let copied = copy!(from, to, tickets, TicketR, by_key!(tickets, TicketR, seq))?;
    if let DbConn::Pg(_) = to {
        to.batch_execute(
            "SELECT setval(pg_get_serial_sequence('tickets', 'seq'), COALESCE((SELECT MAX(seq) FROM tickets), 0) + 1, false);",
        )
        .map_err(CopyError::Sequences)?;
    }
    Ok(copied)
}

/// Inspection targets, keyed by three columns.
fn load_targets(c: &mut DbConn, last: Option<&TargetR>) -> QueryResult<Vec<TargetR>> {
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
}

/// The transparency log, the month closes it records, and the checkpoints of inspections.
fn copy_log(from: &mut DbConn, to: &mut DbConn) -> Result<Vec<TableCopy>, CopyError> {
    Ok(vec![
        copy!(from, to, log_leaves, LeafR, by_key!(log_leaves, LeafR, idx))?,
        copy!(from, to, log_nodes, NodeR, by_two_keys!(log_nodes, NodeR, level, idx))?,
        copy!(
            from,
            to,
            log_checkpoints,
            CheckpointR,
            by_key!(log_checkpoints, CheckpointR, size)
        )?,
        copy!(
            from,
            to,
            closed_periods,
            ClosedR,
            by_two_keys!(closed_periods, ClosedR, village_code, period)
        )?,
        copy!(
            from,
            to,
            inspection_checkpoints,
            InspectionCheckpointR,
            by_two_keys!(inspection_checkpoints, InspectionCheckpointR, inspection_id, size)
        )?,
    ])
}

/// Receipt attachments and their withdrawals (the files stay where the data dir keeps them).
fn copy_receipts(from: &mut DbConn, to: &mut DbConn) -> Result<Vec<TableCopy>, CopyError> {
    Ok(vec![
        copy!(from, to, receipts, ReceiptR, by_key!(receipts, ReceiptR, id))?,
        copy!(
            from,
            to,
            receipt_withdrawals,
            WithdrawalR,
            by_key!(receipt_withdrawals, WithdrawalR, receipt_id)
        )?,
    ])
}

/// The log's size is one row, set by the migrations on both sides: carried over, not copied.
fn carry_log_size(from: &mut DbConn, to: &mut DbConn) -> Result<(), CopyError> {
    let size: i64 = log_state::table
        .find(1)
        .select(log_state::size)
        .first(from)
        .map_err(CopyError::LogSize)?;
    diesel::update(log_state::table.find(1))
        .set(log_state::size.eq(size))
        .execute(to)
        .map_err(CopyError::LogSize)?;
    Ok(())
}

/// PostgreSQL's serial columns continue after the copied values.
fn move_sequences_on(to: &mut DbConn) -> Result<(), CopyError> {
    if let DbConn::Pg(_) = to {
        to.batch_execute(
            "SELECT setval(pg_get_serial_sequence('entries', 'seq'), COALESCE((SELECT MAX(seq) FROM entries), 0) + 1, false);
             SELECT setval(pg_get_serial_sequence('audit_log', 'seq'), COALESCE((SELECT MAX(seq) FROM audit_log), 0) + 1, false);
             SELECT setval(pg_get_serial_sequence('findings', 'seq'), COALESCE((SELECT MAX(seq) FROM findings), 0) + 1, false);",
        )
        .map_err(CopyError::Sequences)?;
    }
    Ok(())
}
