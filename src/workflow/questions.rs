//! Villagers' questions and reports on line items (质疑、举报).
//!
//! A **question** goes to the township finance station: its clerks answer it, the asker accepts
//! the answer or escalates the question, which then becomes a report. A **report** goes to the
//! inspectors of the open rounds covering the village (also rounds opened later), or to the
//! county (admins and county-wide discipline users) when no open round covers the village when
//! it is filed; it is never shown to the township's clerks. Where an item goes is fixed when it
//! is filed (or escalated).
//!
//! Anonymity: the author of an item (`asked_by`) is shown only to the author, the item's
//! recipients and admins ([`Visibility::with_author`]); every read and every listing goes
//! through [`visibility`], so no route shows an item, or its author, to anyone else.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::auth::scope::{InspectorScope, inspector_scope, readable_village};
use crate::auth::{Caller, Role};
use crate::db::schema::{entries, inspection_inspectors, inspection_targets, inspections, question_photos, questions};
use crate::db::{DbConn, write_transaction};
use crate::domain::{ValueError, VillageCode};
use crate::workflow::{Result, WorkflowError};

/// The longest question, report or answer, in characters.
pub const MAX_TEXT_CHARS: usize = 2_000;
/// Items in one page of a listing: the default and the most.
pub const DEFAULT_PAGE: i64 = 50;
pub const MAX_PAGE: i64 = 200;

/// A question (质疑) for the township station, or a report (举报) for the inspectors.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    Question,
    Report,
}

impl QuestionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            QuestionKind::Question => "question",
            QuestionKind::Report => "report",
        }
    }

    fn parse(s: &str) -> Self {
        if s == "question" {
            QuestionKind::Question
        } else {
            QuestionKind::Report
        }
    }
}

/// Where an item is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum QuestionStatus {
    /// Filed; a question waits for the station's answer.
    Open,
    /// The station answered the question.
    Answered,
    /// The asker accepted the answer.
    Accepted,
    /// The asker escalated the question: it is a report now, with the inspectors.
    Escalated,
}

impl QuestionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            QuestionStatus::Open => "open",
            QuestionStatus::Answered => "answered",
            QuestionStatus::Accepted => "accepted",
            QuestionStatus::Escalated => "escalated",
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "answered" => QuestionStatus::Answered,
            "accepted" => QuestionStatus::Accepted,
            "escalated" => QuestionStatus::Escalated,
            _ => QuestionStatus::Open,
        }
    }
}

/// Who an item is addressed to, fixed when it is filed or escalated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum QuestionRoute {
    /// The township finance station (its clerks): questions.
    Station,
    /// The inspectors of the open rounds covering the village: reports.
    Inspectors,
    /// The county's admins and county-wide discipline users: reports on a village no open
    /// round covered.
    County,
}

impl QuestionRoute {
    pub fn as_str(self) -> &'static str {
        match self {
            QuestionRoute::Station => "station",
            QuestionRoute::Inspectors => "inspectors",
            QuestionRoute::County => "county",
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "station" => QuestionRoute::Station,
            "inspectors" => QuestionRoute::Inspectors,
            _ => QuestionRoute::County,
        }
    }
}

/// A question or report to file.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"kind": "question", "text": "这笔6490元的招待费招待的是谁？"}))]
pub struct NewQuestion {
    pub kind: QuestionKind,
    /// At most 2,000 characters; line breaks are kept, other control characters refused.
    #[schema(min_length = 1, max_length = 2000)]
    pub text: String,
}

/// An answer of the township station.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"text": "系第三季度村民代表会议误餐费，附签到表。"}))]
pub struct NewAnswer {
    /// At most 2,000 characters.
    #[schema(min_length = 1, max_length = 2000)]
    pub text: String,
}

/// The stripped photo of an item, as the receipt intake re-encoded it.
#[derive(Debug, Clone)]
pub struct Photo {
    pub jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// A question or report as its reader sees it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Question {
    /// `qu_…`
    pub id: String,
    pub entry_id: String,
    pub village_code: String,
    pub kind: QuestionKind,
    pub status: QuestionStatus,
    pub routed_to: QuestionRoute,
    pub text: String,
    /// The author: present only for the author, the item's recipients and admins.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub asked_by: Option<String>,
    pub filed_at: DateTime<Utc>,
    pub answer: Option<String>,
    pub answered_by: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub escalated_at: Option<DateTime<Utc>>,
    /// Where the item's photo is served, if it has one.
    pub photo: Option<String>,
}

/// One row of `questions`.
#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = questions)]
pub struct QuestionRow {
    pub id: String,
    pub entry_id: String,
    pub village_code: String,
    pub township_code: String,
    pub kind: String,
    pub route: String,
    pub status: String,
    pub text: String,
    pub asked_by: String,
    pub filed_on: NaiveDate,
    pub filed_at: NaiveDateTime,
    pub answer: Option<String>,
    pub answered_by: Option<String>,
    pub answered_at: Option<NaiveDateTime>,
    pub accepted_at: Option<NaiveDateTime>,
    pub escalated_at: Option<NaiveDateTime>,
    pub has_photo: bool,
}

impl QuestionRow {
    fn kind(&self) -> QuestionKind {
        QuestionKind::parse(&self.kind)
    }

    fn status(&self) -> QuestionStatus {
        QuestionStatus::parse(&self.status)
    }

    fn route(&self) -> QuestionRoute {
        QuestionRoute::parse(&self.route)
    }

    fn view(self, with_author: bool) -> Question {
        Question {
            kind: self.kind(),
            status: self.status(),
            routed_to: self.route(),
            asked_by: with_author.then_some(self.asked_by),
            photo: self.has_photo.then(|| format!("/api/v1/questions/{}/photo", self.id)),
            id: self.id,
            entry_id: self.entry_id,
            village_code: self.village_code,
            text: self.text,
            filed_at: self.filed_at.and_utc(),
            answer: self.answer,
            answered_by: self.answered_by,
            answered_at: self.answered_at.map(|t| t.and_utc()),
            accepted_at: self.accepted_at.map(|t| t.and_utc()),
            escalated_at: self.escalated_at.map(|t| t.and_utc()),
        }
    }
}

/// What a caller may see of an item.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Visibility {
    Hidden,
    Read { with_author: bool },
}

impl Visibility {
    pub fn with_author(self) -> bool {
        matches!(self, Visibility::Read { with_author: true })
    }
}

/// One target of a round an inspector is on, with the round's window.
struct RoundTarget {
    kind: String,
    code: String,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
}

/// What a caller's scope is made of, read once per request: an inspector's open rounds today
/// and every round they were ever on (a report routed to the inspectors stays with the
/// inspectors of the rounds that covered its village the day it was filed, also after their
/// window closed); whether a discipline user works for the county commission (the one body
/// reports on villages no round covers go to — not the police, not a department).
struct Reader<'a> {
    caller: &'a Caller,
    scope: Option<InspectorScope>,
    rounds: Vec<RoundTarget>,
    county_discipline: bool,
}

impl<'a> Reader<'a> {
    fn new(conn: &mut DbConn, caller: &'a Caller, today: NaiveDate) -> Result<Self> {
        let (scope, rounds) = match caller.role {
            Role::Inspector => {
                let rows: Vec<(String, String, NaiveDate, NaiveDate)> = inspection_targets::table
                    .inner_join(inspections::table.on(inspections::id.eq(inspection_targets::inspection_id)))
                    .inner_join(
                        inspection_inspectors::table
                            .on(inspection_inspectors::inspection_id.eq(inspection_targets::inspection_id)),
                    )
                    .filter(inspection_inspectors::username.eq(&caller.username))
                    .select((
                        inspection_targets::kind,
                        inspection_targets::code,
                        inspections::starts_on,
                        inspections::ends_on,
                    ))
                    .load(conn)?;
                let rounds = rows
                    .into_iter()
                    .map(|(kind, code, starts_on, ends_on)| RoundTarget {
                        kind,
                        code,
                        starts_on,
                        ends_on,
                    })
                    .collect();
                (Some(inspector_scope(conn, &caller.username, today)?), rounds)
            }
            _ => (None, Vec::new()),
        };
        let county_discipline = match crate::workflow::addressees::addressee_of(conn, caller)? {
            Some(id) => {
                crate::workflow::addressees::find_addressee(conn, &id)?.kind
                    == crate::workflow::addressees::AddresseeKind::CountyDiscipline
            }
            None => false,
        };
        Ok(Reader {
            caller,
            scope,
            rounds,
            county_discipline,
        })
    }

    fn covers(&self, village: &str, township: &str) -> bool {
        self.scope
            .as_ref()
            .is_some_and(|s| s.villages.iter().any(|v| v == village) || s.townships.iter().any(|t| t == township))
    }

    /// Whether one of the inspector's rounds covered the village on `day`.
    fn covered_on(&self, village: &str, township: &str, day: NaiveDate) -> bool {
        self.rounds.iter().any(|r| {
            r.starts_on <= day
                && day <= r.ends_on
                && ((r.kind == "village" && r.code == village) || (r.kind == "township" && r.code == township))
        })
    }

    /// The villages and townships of every round the inspector was on.
    fn ever_covered(&self) -> (Vec<String>, Vec<String>) {
        let of = |kind: &str| {
            let mut codes: Vec<String> = self
                .rounds
                .iter()
                .filter(|r| r.kind == kind)
                .map(|r| r.code.clone())
                .collect();
            codes.sort();
            codes.dedup();
            codes
        };
        (of("village"), of("township"))
    }

    /// Who sees an item, and its author. Every read and listing of items is filtered by this.
    fn visibility(&self, row: &QuestionRow) -> Visibility {
        let caller = self.caller;
        if caller.username == row.asked_by || caller.role == Role::Admin {
            return Visibility::Read { with_author: true };
        }
        let in_township = caller.township.as_deref() == Some(row.township_code.as_str());
        match row.kind() {
            QuestionKind::Question => match caller.role {
                // The station answers what is asked, not who asked it: a question may later be
                // escalated into a report, whose author a clerk must never learn.
                Role::Clerk if in_township => Visibility::Read { with_author: false },
                Role::Villager if caller.village.as_deref() == Some(row.village_code.as_str()) => {
                    Visibility::Read { with_author: false }
                }
                Role::Inspector if self.covers(&row.village_code, &row.township_code) => {
                    Visibility::Read { with_author: false }
                }
                Role::Discipline if self.county_discipline || in_township => Visibility::Read { with_author: false },
                _ => Visibility::Hidden,
            },
            QuestionKind::Report => match caller.role {
                Role::Inspector
                    if row.route() == QuestionRoute::Inspectors
                        && self.covered_on(&row.village_code, &row.township_code, row.filed_on) =>
                {
                    Visibility::Read { with_author: true }
                }
                Role::Inspector if self.covers(&row.village_code, &row.township_code) => Visibility::Read {
                    with_author: row.route() == QuestionRoute::Inspectors,
                },
                Role::Discipline if self.county_discipline && row.route() == QuestionRoute::County => {
                    Visibility::Read { with_author: true }
                }
                _ => Visibility::Hidden,
            },
        }
    }
}

/// Checks a question's, report's or answer's text: trimmed, not empty, at most
/// [`MAX_TEXT_CHARS`] characters, line breaks kept (`\r\n` becomes `\n`), no other control
/// characters.
pub fn check_text(field: &'static str, value: &str) -> Result<String> {
    let text = value.replace("\r\n", "\n");
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(ValueError::Empty { field }.into());
    }
    let count = trimmed.chars().count();
    if count > MAX_TEXT_CHARS {
        return Err(ValueError::TooLong {
            field,
            count,
            max: MAX_TEXT_CHARS,
        }
        .into());
    }
    if trimmed.chars().any(|c| c.is_control() && c != '\n') {
        return Err(ValueError::ControlCharacters {
            field,
            value: crate::domain::truncate(trimmed),
        }
        .into());
    }
    Ok(trimmed.to_owned())
}

fn not_found(id: &str) -> WorkflowError {
    WorkflowError::QuestionNotFound {
        question: crate::domain::truncate(id),
    }
}

/// Whether an open round (on `today`) covers the village.
fn covered_by_open_round(conn: &mut DbConn, village: &str, township: &str, today: NaiveDate) -> Result<bool> {
    let n: i64 = inspection_targets::table
        .inner_join(inspections::table.on(inspections::id.eq(inspection_targets::inspection_id)))
        .filter(inspections::starts_on.le(today))
        .filter(inspections::ends_on.ge(today))
        .filter(
            inspection_targets::kind
                .eq("village")
                .and(inspection_targets::code.eq(village))
                .or(inspection_targets::kind
                    .eq("township")
                    .and(inspection_targets::code.eq(township))),
        )
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Where a report on this village goes when it is filed on `today`.
fn report_route(conn: &mut DbConn, village: &str, township: &str, today: NaiveDate) -> Result<QuestionRoute> {
    Ok(if covered_by_open_round(conn, village, township, today)? {
        QuestionRoute::Inspectors
    } else {
        QuestionRoute::County
    })
}

/// When and by what clock an item is filed, and the villagers' daily allowance.
#[derive(Clone, Copy, Debug)]
pub struct Filing {
    pub now: NaiveDateTime,
    pub today: NaiveDate,
    pub per_day: u32,
}

/// Refuses a villager who filed `per_day` items on the county day `today` already (429).
pub fn check_allowance(conn: &mut DbConn, caller: &Caller, at: Filing) -> Result<()> {
    if caller.role != Role::Villager {
        return Ok(());
    }
    let filed: i64 = questions::table
        .filter(questions::asked_by.eq(&caller.username))
        .filter(questions::filed_on.eq(at.today))
        .count()
        .get_result(conn)?;
    if filed >= i64::from(at.per_day) {
        return Err(WorkflowError::QuestionsPerDay { limit: at.per_day });
    }
    Ok(())
}

/// Makes a villager's filings wait for each other, so two at the same moment cannot both take
/// the last of the day's allowance: on PostgreSQL the user's row is locked until the
/// transaction ends; SQLite's `BEGIN IMMEDIATE` already lets one writer in at a time.
fn lock_filer(conn: &mut DbConn, username: &str) -> Result<()> {
    if let DbConn::Pg(pg) = conn {
        diesel::sql_query("SELECT username FROM users WHERE username = $1 FOR UPDATE")
            .bind::<diesel::sql_types::Text, _>(username)
            .execute(pg)?;
    }
    Ok(())
}

/// Files a question or report on the entry `entry_id` (villagers of its village and anyone
/// who reads the village). A villager's items of the county day beyond `per_day` are refused,
/// and nothing is written.
pub fn file_question(
    conn: &mut DbConn,
    caller: &Caller,
    entry_id: &str,
    new: NewQuestion,
    photo: Option<Photo>,
    at: Filing,
) -> Result<Question> {
    let text = check_text("text", &new.text)?;
    write_transaction(conn, |conn| {
        let village: Option<String> = entries::table
            .filter(entries::id.eq(entry_id))
            .select(entries::village_code)
            .first(conn)
            .optional()?;
        let entry_missing = || WorkflowError::EntryNotFound {
            entry: crate::domain::truncate(entry_id),
        };
        let code = VillageCode::parse(&village.ok_or_else(entry_missing)?).map_err(|_| entry_missing())?;
        let village = readable_village(conn, caller, &code, at.today).map_err(|_| entry_missing())?;
        if caller.role == Role::Villager {
            lock_filer(conn, &caller.username)?;
        }
        check_allowance(conn, caller, at)?;
        let route = match new.kind {
            QuestionKind::Question => QuestionRoute::Station,
            QuestionKind::Report => report_route(conn, &village.code, &village.township_code, at.today)?,
        };
        let row = QuestionRow {
            id: crate::domain::ids::new_id("qu"),
            entry_id: entry_id.to_owned(),
            village_code: village.code.clone(),
            township_code: village.township_code.clone(),
            kind: new.kind.as_str().to_owned(),
            route: route.as_str().to_owned(),
            status: QuestionStatus::Open.as_str().to_owned(),
            text: text.clone(),
            asked_by: caller.username.clone(),
            filed_on: at.today,
            filed_at: at.now,
            answer: None,
            answered_by: None,
            answered_at: None,
            accepted_at: None,
            escalated_at: None,
            has_photo: photo.is_some(),
        };
        diesel::insert_into(questions::table).values(&row).execute(conn)?;
        if let Some(photo) = &photo {
            diesel::insert_into(question_photos::table)
                .values((
                    question_photos::question_id.eq(&row.id),
                    question_photos::width.eq(i32::try_from(photo.width).unwrap_or(i32::MAX)),
                    question_photos::height.eq(i32::try_from(photo.height).unwrap_or(i32::MAX)),
                    question_photos::jpeg.eq(&photo.jpeg),
                ))
                .execute(conn)?;
        }
        Ok(row.view(true))
    })
}

fn find_row(conn: &mut DbConn, id: &str) -> Result<QuestionRow> {
    questions::table
        .find(id)
        .select(QuestionRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| not_found(id))
}

/// The row `id`, if the caller may read it (404 alike for a missing item and a hidden one).
fn readable_row(conn: &mut DbConn, caller: &Caller, id: &str, today: NaiveDate) -> Result<(QuestionRow, Visibility)> {
    let row = find_row(conn, id)?;
    let reader = Reader::new(conn, caller, today)?;
    match reader.visibility(&row) {
        Visibility::Hidden => Err(not_found(id)),
        seen => Ok((row, seen)),
    }
}

/// The item `id`, as the caller may see it.
pub fn get_question(conn: &mut DbConn, caller: &Caller, id: &str, today: NaiveDate) -> Result<Question> {
    let (row, seen) = readable_row(conn, caller, id, today)?;
    Ok(row.view(seen.with_author()))
}

/// The village and township of the item `id`, if the caller may read it (for the audit log).
pub fn question_place(conn: &mut DbConn, caller: &Caller, id: &str, today: NaiveDate) -> Result<(String, String)> {
    let (row, _) = readable_row(conn, caller, id, today)?;
    Ok((row.village_code, row.township_code))
}

/// The stripped photo of the item `id` (whoever reads the item).
pub fn question_photo(conn: &mut DbConn, caller: &Caller, id: &str, today: NaiveDate) -> Result<Vec<u8>> {
    let (row, _) = readable_row(conn, caller, id, today)?;
    if !row.has_photo {
        return Err(WorkflowError::QuestionHasNoPhoto {
            question: row.id.clone(),
        });
    }
    question_photos::table
        .find(&row.id)
        .select(question_photos::jpeg)
        .first(conn)
        .optional()?
        .ok_or(WorkflowError::QuestionHasNoPhoto { question: row.id })
}

/// Answers the question `id` (clerks of its township; an open question).
pub fn answer_question(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    answer: NewAnswer,
    now: NaiveDateTime,
    today: NaiveDate,
) -> Result<Question> {
    if caller.role != Role::Clerk {
        return Err(WorkflowError::NotAnswerer { role: caller.role });
    }
    let text = check_text("text", &answer.text)?;
    write_transaction(conn, |conn| {
        let (row, _) = readable_row(conn, caller, id, today)?;
        if caller.township.as_deref() != Some(row.township_code.as_str()) || row.kind() != QuestionKind::Question {
            // A clerk of another township, or a report: not theirs to see.
            return Err(not_found(id));
        }
        if row.status() != QuestionStatus::Open {
            return Err(WorkflowError::QuestionNotOpen {
                status: row.status(),
                question: row.id,
            });
        }
        let changed = diesel::update(questions::table.find(&row.id))
            .filter(questions::status.eq(QuestionStatus::Open.as_str()))
            .set((
                questions::status.eq(QuestionStatus::Answered.as_str()),
                questions::answer.eq(&text),
                questions::answered_by.eq(&caller.username),
                questions::answered_at.eq(now),
            ))
            .execute(conn)?;
        if changed != 1 {
            // Escalated or answered by someone else since it was read.
            let now_status = find_row(conn, &row.id)?.status();
            return Err(WorkflowError::QuestionNotOpen {
                status: now_status,
                question: row.id,
            });
        }
        Ok(find_row(conn, &row.id)?.view(false))
    })
}

/// The row `id` if the caller filed it: 404 when they cannot read it, 403 when they can but
/// did not file it.
fn own_row(conn: &mut DbConn, caller: &Caller, id: &str, today: NaiveDate) -> Result<QuestionRow> {
    let (row, _) = readable_row(conn, caller, id, today)?;
    if row.asked_by != caller.username {
        return Err(WorkflowError::NotAsker);
    }
    Ok(row)
}

/// The asker accepts the answer to their question.
pub fn accept_answer(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    now: NaiveDateTime,
    today: NaiveDate,
) -> Result<Question> {
    write_transaction(conn, |conn| {
        let row = own_row(conn, caller, id, today)?;
        if row.status() != QuestionStatus::Answered {
            return Err(WorkflowError::QuestionNotAnswered {
                status: row.status(),
                question: row.id,
            });
        }
        let changed = diesel::update(questions::table.find(&row.id))
            .filter(questions::status.eq(QuestionStatus::Answered.as_str()))
            .set((
                questions::status.eq(QuestionStatus::Accepted.as_str()),
                questions::accepted_at.eq(now),
            ))
            .execute(conn)?;
        if changed != 1 {
            let now_status = find_row(conn, &row.id)?.status();
            return Err(WorkflowError::QuestionNotAnswered {
                status: now_status,
                question: row.id,
            });
        }
        Ok(find_row(conn, &row.id)?.view(true))
    })
}

/// The asker escalates their open or answered question: it becomes a report, routed to the
/// inspectors of the open rounds covering the village (or the county when none does); the
/// station no longer sees it.
pub fn escalate_question(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    now: NaiveDateTime,
    today: NaiveDate,
) -> Result<Question> {
    write_transaction(conn, |conn| {
        let row = own_row(conn, caller, id, today)?;
        let status = row.status();
        if row.kind() == QuestionKind::Report && status == QuestionStatus::Open {
            return Err(WorkflowError::ReportNotEscalable { question: row.id });
        }
        if !matches!(status, QuestionStatus::Open | QuestionStatus::Answered) {
            return Err(WorkflowError::QuestionNotEscalable {
                question: row.id,
                status,
            });
        }
        let route = report_route(conn, &row.village_code, &row.township_code, today)?;
        let changed = diesel::update(questions::table.find(&row.id))
            .filter(questions::status.eq(status.as_str()))
            .set((
                questions::kind.eq(QuestionKind::Report.as_str()),
                questions::route.eq(route.as_str()),
                questions::status.eq(QuestionStatus::Escalated.as_str()),
                questions::escalated_at.eq(now),
            ))
            .execute(conn)?;
        if changed != 1 {
            let now_status = find_row(conn, &row.id)?.status();
            return Err(WorkflowError::QuestionNotEscalable {
                question: row.id,
                status: now_status,
            });
        }
        Ok(find_row(conn, &row.id)?.view(true))
    })
}

/// Whether `id` is a report, or an escalated question, about the village `village_code`: the
/// check of a finding's evidence.
pub fn report_on_village(conn: &mut DbConn, id: &str, village_code: &str) -> Result<bool> {
    let n: i64 = questions::table
        .filter(questions::id.eq(id))
        .filter(questions::village_code.eq(village_code))
        .filter(questions::kind.eq(QuestionKind::Report.as_str()))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// The position after the last item of a page: `(filed_at, id)`, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub filed_at: NaiveDateTime,
    pub id: String,
}

impl Cursor {
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("q1|{}|{}", self.filed_at.and_utc().timestamp_micros(), self.id))
    }

    pub fn decode(s: &str) -> Result<Self> {
        let bad = || WorkflowError::ForeignQuestionCursor;
        if s.len() > 120 {
            return Err(bad());
        }
        let raw = URL_SAFE_NO_PAD.decode(s).map_err(|_| bad())?;
        let text = String::from_utf8(raw).map_err(|_| bad())?;
        let mut parts = text.split('|');
        match (parts.next(), parts.next(), parts.next(), parts.next()) {
            (Some("q1"), Some(micros), Some(id), None) if id.len() <= 40 => Ok(Cursor {
                filed_at: DateTime::from_timestamp_micros(micros.parse().map_err(|_| bad())?)
                    .ok_or_else(bad)?
                    .naive_utc(),
                id: id.to_owned(),
            }),
            _ => Err(bad()),
        }
    }
}

/// A page request: its size and where it starts.
#[derive(Debug, Clone)]
pub struct Page {
    pub limit: i64,
    pub after: Option<Cursor>,
}

impl Page {
    pub fn new(limit: Option<i64>, cursor: Option<&str>) -> Result<Self> {
        let limit = limit.unwrap_or(DEFAULT_PAGE);
        if !(1..=MAX_PAGE).contains(&limit) {
            return Err(WorkflowError::QuestionPageOutOfRange { max: MAX_PAGE });
        }
        Ok(Page {
            limit,
            after: cursor.map(Cursor::decode).transpose()?,
        })
    }
}

/// Filters of the caller's inbox.
#[derive(Debug, Clone, Default)]
pub struct InboxFilter {
    /// What the caller filed, instead of what is addressed to them.
    pub mine: bool,
    pub status: Option<QuestionStatus>,
    pub kind: Option<QuestionKind>,
}

/// Loads rows of `query` (already filtered) a batch at a time, newest first, keeps those the
/// caller may see ([`Reader::visibility`]), and stops when the page is full.
fn load_page<'a>(
    conn: &mut DbConn,
    reader: &Reader<'_>,
    query: impl Fn() -> questions::BoxedQuery<'a, <DbConn as diesel::Connection>::Backend>,
    page: &Page,
) -> Result<(Vec<Question>, Option<String>)> {
    const BATCH: i64 = 200;
    let mut items = Vec::new();
    let mut after = page.after.clone();
    let mut last_seen: Option<Cursor> = None;
    loop {
        let mut q = query()
            .order((questions::filed_at.desc(), questions::id.desc()))
            .limit(BATCH);
        if let Some(c) = &after {
            q = q.filter(
                questions::filed_at
                    .lt(c.filed_at)
                    .or(questions::filed_at.eq(c.filed_at).and(questions::id.lt(c.id.clone()))),
            );
        }
        let rows: Vec<QuestionRow> = q.select(QuestionRow::as_select()).load(conn)?;
        let exhausted = (rows.len() as i64) < BATCH;
        for row in rows {
            let cursor = Cursor {
                filed_at: row.filed_at,
                id: row.id.clone(),
            };
            let seen = reader.visibility(&row);
            if seen != Visibility::Hidden {
                if items.len() as i64 == page.limit {
                    // One more visible item exists: the page ends at the last one served.
                    return Ok((items, last_seen.map(|c| c.encode())));
                }
                items.push(row.view(seen.with_author()));
                last_seen = Some(cursor.clone());
            }
            after = Some(cursor);
        }
        if exhausted {
            return Ok((items, None));
        }
    }
}

/// The items of a village the caller sees: villagers of the village its questions with their
/// answers and their own reports; clerks its questions; inspectors in scope and admins
/// everything; county-wide discipline users the reports routed to the county and its
/// questions; township discipline users its questions.
pub fn list_village_questions(
    conn: &mut DbConn,
    caller: &Caller,
    village: &VillageCode,
    page: &Page,
    today: NaiveDate,
) -> Result<(Vec<Question>, Option<String>)> {
    readable_village(conn, caller, village, today)?;
    let reader = Reader::new(conn, caller, today)?;
    let code = village.as_str().to_owned();
    let username = caller.username.clone();
    let (role, county_wide) = (caller.role, reader.county_discipline);
    // The rows the caller can see at all, narrowed in SQL so a page never scans the reports
    // of a village it cannot show; `visibility` still decides every row.
    let query = move || {
        let q = questions::table
            .filter(questions::village_code.eq(code.clone()))
            .into_boxed();
        let question = questions::kind.eq(QuestionKind::Question.as_str());
        let own = questions::asked_by.eq(username.clone());
        match role {
            Role::Admin | Role::Inspector => q,
            Role::Discipline if county_wide => {
                q.filter(question.or(own).or(questions::route.eq(QuestionRoute::County.as_str())))
            }
            _ => q.filter(question.or(own)),
        }
    };
    load_page(conn, &reader, query, page)
}

/// The caller's inbox: what is addressed to them (clerks: their township's questions;
/// inspectors: reports routed to the inspectors of villages their open rounds cover; county-wide
/// discipline users: reports routed to the county; admins: everything), or with `mine` what they
/// filed (villagers always read what they filed).
pub fn list_inbox(
    conn: &mut DbConn,
    caller: &Caller,
    filter: &InboxFilter,
    page: &Page,
    today: NaiveDate,
) -> Result<(Vec<Question>, Option<String>)> {
    let reader = Reader::new(conn, caller, today)?;
    let mine = filter.mine || caller.role == Role::Villager;
    let (status, kind) = (filter.status, filter.kind);
    let username = caller.username.clone();
    let township = caller.township.clone();
    let scope = Some(reader.ever_covered());
    let role = caller.role;
    let county_wide = reader.county_discipline;
    let query = move || {
        let mut q = questions::table.into_boxed();
        if let Some(s) = status {
            q = q.filter(questions::status.eq(s.as_str()));
        }
        if let Some(k) = kind {
            q = q.filter(questions::kind.eq(k.as_str()));
        }
        if mine {
            return q.filter(questions::asked_by.eq(username.clone()));
        }
        match role {
            Role::Admin => q,
            Role::Clerk => q
                .filter(questions::route.eq(QuestionRoute::Station.as_str()))
                .filter(questions::kind.eq(QuestionKind::Question.as_str()))
                .filter(questions::township_code.eq(township.clone().unwrap_or_default())),
            Role::Inspector => {
                let (villages, townships) = scope.clone().unwrap_or_default();
                q.filter(questions::route.eq(QuestionRoute::Inspectors.as_str()))
                    .filter(
                        questions::village_code
                            .eq_any(villages)
                            .or(questions::township_code.eq_any(townships)),
                    )
            }
            Role::Discipline if county_wide => q.filter(questions::route.eq(QuestionRoute::County.as_str())),
            // Nothing is addressed to anyone else.
            _ => q.filter(questions::id.eq("")),
        }
    };
    load_page(conn, &reader, query, page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_foreign_ones() {
        let c = Cursor {
            filed_at: DateTime::from_timestamp_micros(1_700_000_000_123_456)
                .unwrap()
                .naive_utc(),
            id: "qu_0123456789abcdef01234567".into(),
        };
        assert_eq!(Cursor::decode(&c.encode()).unwrap(), c);
        for bad in ["", "bm9wZQ", "djF8MjAyNC0wMS0wMXwx", &"A".repeat(200)] {
            assert!(Cursor::decode(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn texts_keep_line_breaks_and_refuse_other_controls() {
        assert_eq!(check_text("text", "  第一行\r\n第二行 ").unwrap(), "第一行\n第二行");
        assert!(check_text("text", "   ").is_err());
        assert!(check_text("text", "a\u{7}b").is_err());
        assert!(check_text("text", &"问".repeat(MAX_TEXT_CHARS)).is_ok());
        assert!(check_text("text", &"问".repeat(MAX_TEXT_CHARS + 1)).is_err());
    }
}
