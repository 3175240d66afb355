//! `generate --findings N`: the inspection work of the generated county, for the benchmark of
//! listing a county's referral tickets and computing its figures. Each year one round per
//! township (April to June, one inspector over them all); `N` findings spread over the villages
//! and years, each with one piece of evidence; nine in ten referred with a ticket (red 20 %,
//! yellow 40 %, blue 40 %) to the township's discipline office or station, the county
//! commission or the police, due by the colour's calendar days; most concluded (1–20 days after
//! issue, outcomes and recoveries drawn), the rest received or still issued. The bodies are
//! recorded, with an inspector and a county commission user to sign in with.
//!
//! Findings written here are rows only: they are not leaves of the transparency log.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use rand::Rng;

use super::places::{Township, Village};
use crate::db::DbConn;
use crate::db::schema::{
    addressees, finding_evidence, findings, inspection_inspectors, inspection_targets, inspections, tickets,
};

/// Rows per INSERT statement (at most 25 binds a row).
const ROWS_PER_INSERT: usize = 400;

/// The inspector of every generated round, and the county commission's user.
pub const INSPECTION_USERS: [(&str, &str); 2] = [
    ("inspector", "inspector-county-2026"),
    ("discipline", "discipline-county-2026"),
];

/// The county discipline commission's addressee id.
pub const COUNTY_COMMISSION: &str = "ad_gen_county_commission";
const POLICE: &str = "ad_gen_county_police";

const CATEGORIES: [(&str, &str, &str); 6] = [
    ("C-01", "assets", "集体资产出租未公开招租,租金明显低于市场价"),
    ("C-03", "projects", "村道工程未经公开招标,直接发包"),
    ("C-05", "hospitality", "节假日公务接待费用无审批单,超标准列支"),
    ("C-07", "subsidies", "惠农补贴发放名单与实际种植面积不符"),
    ("C-09", "relief", "住房救助资金发放对象不符合条件"),
    ("C-11", "openness", "村务公开栏未按季度公开收支明细"),
];

#[derive(Insertable)]
#[diesel(table_name = findings)]
struct FindingRow {
    id: String,
    inspection_id: String,
    village_code: String,
    township_code: String,
    checklist_item: String,
    category: String,
    description: String,
    amount_fen: i64,
    requires_rectification: bool,
    rectify_by: Option<NaiveDate>,
    recorded_by: String,
    recorded_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = finding_evidence)]
struct EvidenceRow {
    finding_id: String,
    position: i32,
    kind: String,
    reference: String,
    detail: Option<String>,
}

#[derive(Insertable)]
#[diesel(table_name = tickets)]
struct TicketRow {
    id: String,
    finding_id: String,
    inspection_id: String,
    village_code: String,
    township_code: String,
    colour: String,
    addressee_id: String,
    note: Option<String>,
    status: String,
    issued_by: String,
    issued_at: NaiveDateTime,
    issued_on: NaiveDate,
    due_on: NaiveDate,
    finding_on: NaiveDate,
    received_by: Option<String>,
    received_at: Option<NaiveDateTime>,
    concluded_by: Option<String>,
    concluded_at: Option<NaiveDateTime>,
    concluded_on: Option<NaiveDate>,
    response: Option<String>,
    outcome: Option<String>,
    persons_disciplined: i32,
    recovered_fen: i64,
    days_to_conclusion: Option<i32>,
}

macro_rules! insert_all {
    ($conn:expr, $table:ident, $rows:expr) => {{
        let mut n = 0;
        for chunk in $rows.chunks(ROWS_PER_INSERT) {
            n += match $conn {
                DbConn::Sqlite(c) => diesel::insert_into($table::table).values(chunk).execute(c)?,
                DbConn::Pg(c) => diesel::insert_into($table::table).values(chunk).execute(c)?,
            };
        }
        n
    }};
}

/// What was written.
pub struct Written {
    pub rounds: usize,
    pub findings: usize,
    pub tickets: usize,
    /// Each finding's transparency-log leaf, in the order written.
    pub leaves: Vec<crate::generate::log::Leaf>,
}

/// 10:00 in the county on `day`, as UTC.
fn morning(day: NaiveDate, minutes: i64) -> NaiveDateTime {
    day.and_hms_opt(2, 0, 0).unwrap_or_default() + chrono::Duration::minutes(minutes)
}

/// The addressees every generated county has: per township its discipline office and station,
/// and the county commission and police (before the users who work for them, and the rounds).
pub fn insert_addressees(conn: &mut DbConn, towns: &[Township], first_year: i32) -> QueryResult<()> {
    let at = morning(NaiveDate::from_ymd_opt(first_year, 1, 1).unwrap_or_default(), 0);
    let mut rows = vec![
        (
            COUNTY_COMMISSION.to_owned(),
            "县纪委监委".to_owned(),
            "county_discipline",
            None,
        ),
        (POLICE.to_owned(), "县公安局".to_owned(), "police", None),
    ];
    for t in towns {
        rows.push((
            format!("ad_gen_{}_discipline", t.code),
            format!("{}纪工委", t.name),
            "township_discipline",
            Some(t.code.clone()),
        ));
        rows.push((
            format!("ad_gen_{}_station", t.code),
            format!("{}财务站", t.name),
            "station",
            Some(t.code.clone()),
        ));
    }
    for (id, name, kind, township) in rows {
        diesel::insert_into(addressees::table)
            .values((
                addressees::id.eq(id),
                addressees::name.eq(name),
                addressees::kind.eq(kind),
                addressees::township_code.eq(township),
                addressees::created_by.eq(super::store::IMPORTER),
                addressees::created_at.eq(at),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Writes rounds, `count` findings and their tickets for `years` (call inside a transaction,
/// after [`insert_addressees`] and the users of [`INSPECTION_USERS`]).
pub fn write(
    conn: &mut DbConn,
    rng: &mut impl Rng,
    towns: &[Township],
    vills: &[Village],
    years: std::ops::RangeInclusive<i32>,
    count: usize,
) -> QueryResult<Written> {
    // Rounds: (year, township) → id and window.
    let mut rounds = std::collections::HashMap::new();
    for year in years.clone() {
        let starts = NaiveDate::from_ymd_opt(year, 4, 1).unwrap_or_default();
        let ends = NaiveDate::from_ymd_opt(year, 6, 30).unwrap_or_default();
        for (t, town) in towns.iter().enumerate() {
            let id = format!("in_gen{year}{t:05}");
            diesel::insert_into(inspections::table)
                .values((
                    inspections::id.eq(&id),
                    inspections::name.eq(format!("{year}年{}巡察", town.name)),
                    inspections::starts_on.eq(starts),
                    inspections::ends_on.eq(ends),
                    inspections::created_by.eq("admin"),
                    inspections::created_at.eq(morning(starts, -60 * 24 * 7)),
                ))
                .execute(conn)?;
            diesel::insert_into(inspection_inspectors::table)
                .values((
                    inspection_inspectors::inspection_id.eq(&id),
                    inspection_inspectors::username.eq(INSPECTION_USERS[0].0),
                ))
                .execute(conn)?;
            diesel::insert_into(inspection_targets::table)
                .values((
                    inspection_targets::inspection_id.eq(&id),
                    inspection_targets::kind.eq("township"),
                    inspection_targets::code.eq(&town.code),
                ))
                .execute(conn)?;
            rounds.insert((year, t), (id, starts));
        }
    }
    let year_list: Vec<i32> = years.collect();
    let mut finding_rows = Vec::with_capacity(count);
    let mut evidence_rows = Vec::with_capacity(count);
    let mut ticket_rows = Vec::with_capacity(count);
    for i in 0..count {
        let village = &vills[rng.gen_range(0..vills.len())];
        let town = &towns[village.township];
        let year = year_list[rng.gen_range(0..year_list.len())];
        let (round, starts) = &rounds[&(year, village.township)];
        let found_on = *starts + chrono::Duration::days(rng.gen_range(0..91));
        let (item, category, description) = CATEGORIES[rng.gen_range(0..CATEGORIES.len())];
        let amount = rng.gen_range(1_000..5_000_000_i64);
        let id = format!("fd_gen{i:018}");
        finding_rows.push(FindingRow {
            id: id.clone(),
            inspection_id: round.clone(),
            village_code: village.code.clone(),
            township_code: town.code.clone(),
            checklist_item: item.to_owned(),
            category: category.to_owned(),
            description: format!("{}{description}", village.name),
            amount_fen: amount,
            requires_rectification: rng.gen_bool(0.7),
            rectify_by: Some(found_on + chrono::Duration::days(30)),
            recorded_by: INSPECTION_USERS[0].0.to_owned(),
            recorded_at: morning(found_on, rng.gen_range(0..480)),
        });
        evidence_rows.push(EvidenceRow {
            finding_id: id.clone(),
            position: 0,
            kind: "flag".to_owned(),
            reference: "round_amount".to_owned(),
            detail: None,
        });
        if !rng.gen_bool(0.9) {
            continue;
        }
        let (colour, days) = match rng.gen_range(0..10) {
            0 | 1 => ("red", 3),
            2..=5 => ("yellow", 7),
            _ => ("blue", 15),
        };
        let addressee = match rng.gen_range(0..10) {
            0..=4 => format!("ad_gen_{}_discipline", town.code),
            5 | 6 => format!("ad_gen_{}_station", town.code),
            7 | 8 => COUNTY_COMMISSION.to_owned(),
            _ => POLICE.to_owned(),
        };
        let issued_on = found_on + chrono::Duration::days(rng.gen_range(0..3));
        let due_on = crate::workflow::deadlines::due_on(days, false, issued_on).unwrap_or(issued_on);
        let state = rng.gen_range(0..10);
        let received = state >= 1;
        let concluded = state >= 2;
        let concluded_on = issued_on + chrono::Duration::days(rng.gen_range(1..=20));
        let (outcome, persons, recovered) = match rng.gen_range(0..10) {
            0 => ("case_opened", 0, 0),
            1 | 2 => ("disciplined", rng.gen_range(1..=3), rng.gen_range(0..=amount)),
            3 => ("referred_to_judiciary", 0, amount),
            4..=7 => ("rectification", 0, rng.gen_range(0..=amount)),
            _ => ("unfounded", 0, 0),
        };
        let actor = if addressee.ends_with("_station") {
            "clerk"
        } else {
            INSPECTION_USERS[1].0
        };
        ticket_rows.push(TicketRow {
            id: format!("tk_gen{i:018}"),
            finding_id: id,
            inspection_id: round.clone(),
            village_code: village.code.clone(),
            township_code: town.code.clone(),
            colour: colour.to_owned(),
            addressee_id: addressee,
            note: None,
            status: if concluded {
                "concluded"
            } else if received {
                "received"
            } else {
                "issued"
            }
            .to_owned(),
            issued_by: INSPECTION_USERS[0].0.to_owned(),
            issued_at: morning(issued_on, 30),
            issued_on,
            due_on,
            finding_on: found_on,
            received_by: received.then(|| actor.to_owned()),
            received_at: received.then(|| morning(issued_on, 240)),
            concluded_by: concluded.then(|| actor.to_owned()),
            concluded_at: concluded.then(|| morning(concluded_on, 120)),
            concluded_on: concluded.then_some(concluded_on),
            response: concluded.then(|| "经核查,已按要求处理到位。".to_owned()),
            outcome: concluded.then(|| outcome.to_owned()),
            persons_disciplined: if concluded { persons } else { 0 },
            recovered_fen: if concluded { recovered } else { 0 },
            days_to_conclusion: concluded
                .then(|| i32::try_from((concluded_on - found_on).num_days()).unwrap_or(i32::MAX)),
        });
    }
    // Every finding is a leaf of the log, encoded as the workflow encodes a recorded one.
    let leaves = finding_rows
        .iter()
        .map(|f| {
            let row = crate::workflow::finding_rows::FindingRow {
                seq: 0,
                id: f.id.clone(),
                inspection_id: f.inspection_id.clone(),
                village_code: f.village_code.clone(),
                township_code: f.township_code.clone(),
                checklist_item: f.checklist_item.clone(),
                category: f.category.clone(),
                description: f.description.clone(),
                amount_fen: f.amount_fen,
                requires_rectification: f.requires_rectification,
                rectify_by: f.rectify_by,
                recorded_by: f.recorded_by.clone(),
                recorded_at: f.recorded_at,
            };
            let evidence = [("flag".to_owned(), "round_amount".to_owned(), None)];
            crate::generate::log::finding_leaf(f.id.clone(), crate::workflow::findings::encode_leaf(&row, &evidence))
        })
        .collect();
    let findings_written = insert_all!(conn, findings, finding_rows);
    insert_all!(conn, finding_evidence, evidence_rows);
    let tickets_written = insert_all!(conn, tickets, ticket_rows);
    Ok(Written {
        rounds: rounds.len(),
        findings: findings_written,
        tickets: tickets_written,
        leaves,
    })
}

/// Leaves the new rows as the server expects to find them: PostgreSQL's planner learns them
/// (what autovacuum would soon do); SQLite folds its write-ahead log into the file (and is not
/// analysed: with statistics its planner skip-scans the figures' indexes and sorts, where
/// without them it walks each index in its order).
pub fn finish(conn: &mut DbConn) -> QueryResult<()> {
    use diesel::connection::SimpleConnection;
    match conn {
        // One statement a call: VACUUM runs outside any transaction.
        DbConn::Pg(c) => {
            c.batch_execute("VACUUM ANALYZE findings")?;
            c.batch_execute("VACUUM ANALYZE tickets")
        }
        DbConn::Sqlite(c) => c.batch_execute("PRAGMA wal_checkpoint(TRUNCATE);"),
    }
}
