//! Referral tickets (红黄蓝三色交办单): a finding referred by its round's inspectors (or an admin)
//! to the body that must act on it — a township's discipline office, its finance station, the
//! county discipline commission, the police, a department — with a colour that sets the
//! deadline. The people who act for that body receive it and conclude it with a written
//! response, an outcome and the money recovered: `issued` → `received` → `concluded`.
//!
//! Who reads a ticket: admins every one; the discipline users of a county discipline commission
//! every one in the county; the people who act for its addressee (the body's discipline users,
//! the clerks of a township for its station) theirs; inspectors the tickets of their rounds,
//! also after the round's window closed. Villagers read none. A ticket outside the caller's view
//! is missing to them (404).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::auth::{Caller, Role};
use crate::config::TicketSettings;
use crate::db::schema::{addressees, finding_evidence, findings, inspection_inspectors, tickets};
use crate::db::{DbConn, write_transaction};
use crate::domain::{BoundedText, MAX_ABS_FEN, TownshipCode, ValueError};
use crate::workflow::addressees::{Addressee, AddresseeKind, acts_for, addressee_of, find_addressee};
use crate::workflow::{Result, WorkflowError};

/// Longest note on a ticket, in characters.
pub const MAX_NOTE_CHARS: usize = 1_000;
/// Longest response of a concluded ticket, in characters.
pub const MAX_RESPONSE_CHARS: usize = 4_000;
/// Most persons a conclusion can name as disciplined.
pub const MAX_PERSONS: i32 = 10_000;
/// The statuses of a ticket not yet concluded (an `IN` the status index serves, where `<>`
/// would scan).
pub const OPEN: [&str; 2] = ["issued", "received"];
/// Page sizes of the listing.
pub const DEFAULT_TICKET_PAGE: i64 = 50;
pub const MAX_TICKET_PAGE: i64 = 200;

/// A ticket's colour, which sets its deadline (red 3 days, yellow 7, blue 15 by default).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Colour {
    /// 红色交办单: the most urgent.
    Red,
    /// 黄色交办单.
    Yellow,
    /// 蓝色交办单.
    Blue,
}

impl Colour {
    pub const ALL: [Colour; 3] = [Colour::Red, Colour::Yellow, Colour::Blue];

    pub fn as_str(self) -> &'static str {
        match self {
            Colour::Red => "red",
            Colour::Yellow => "yellow",
            Colour::Blue => "blue",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Colour::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// Where a ticket stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TicketStatus {
    /// Sent to the addressee, not yet received.
    Issued,
    /// The addressee has received it and is acting on it.
    Received,
    /// The addressee answered it with a response and an outcome.
    Concluded,
}

impl TicketStatus {
    pub const ALL: [TicketStatus; 3] = [TicketStatus::Issued, TicketStatus::Received, TicketStatus::Concluded];

    pub fn as_str(self) -> &'static str {
        match self {
            TicketStatus::Issued => "issued",
            TicketStatus::Received => "received",
            TicketStatus::Concluded => "concluded",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        TicketStatus::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// How the addressee concluded a ticket.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// 立案: a case was opened.
    CaseOpened,
    /// 党纪政务处分: persons were disciplined (`persons_disciplined` ≥ 1).
    Disciplined,
    /// 移送司法机关: referred to the judicial organs.
    ReferredToJudiciary,
    /// 整改: rectified.
    Rectification,
    /// 查无实据: the matter was not borne out.
    Unfounded,
}

impl Outcome {
    pub const ALL: [Outcome; 5] = [
        Outcome::CaseOpened,
        Outcome::Disciplined,
        Outcome::ReferredToJudiciary,
        Outcome::Rectification,
        Outcome::Unfounded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::CaseOpened => "case_opened",
            Outcome::Disciplined => "disciplined",
            Outcome::ReferredToJudiciary => "referred_to_judiciary",
            Outcome::Rectification => "rectification",
            Outcome::Unfounded => "unfounded",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Outcome::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// A ticket to issue on a finding.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"colour": "red", "addressee": "ad_5d1c0e7a9b3f4c2d8e6a1b0c", "note": "请于3日内核查处理并反馈"}))]
pub struct NewTicket {
    pub colour: Colour,
    /// The id of the body the ticket goes to (`GET /api/v1/addressees`); a township's body
    /// must be of the finding's township.
    #[schema(max_length = 64)]
    pub addressee: String,
    /// At most 1,000 characters.
    #[serde(default)]
    #[schema(max_length = 1000)]
    pub note: Option<String>,
}

/// How a ticket was concluded.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "response": "经查,冒领住房救助资金属实,已移送县公安局立案侦查,资金已全额追回。",
    "outcome": "referred_to_judiciary",
    "recovered_fen": 1000000
}))]
pub struct Conclusion {
    /// The written response (required, at most 4,000 characters).
    #[serde(default)]
    #[schema(min_length = 1, max_length = 4000)]
    pub response: Option<String>,
    pub outcome: Outcome,
    /// Persons given party or government discipline: at least 1 for `disciplined` (0 with any
    /// other outcome), at most 10,000 (default 0).
    #[serde(default)]
    #[schema(minimum = 0, maximum = 10000)]
    pub persons_disciplined: i32,
    /// Money recovered (挽回经济损失), fen, 0 to 10^13 (default 0).
    #[serde(default)]
    #[schema(minimum = 0, maximum = 10_000_000_000_000_i64)]
    pub recovered_fen: i64,
}

/// One row of `tickets`.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = tickets)]
pub struct TicketRow {
    pub seq: i64,
    pub id: String,
    pub finding_id: String,
    pub inspection_id: String,
    pub village_code: String,
    pub township_code: String,
    pub colour: String,
    pub addressee_id: String,
    pub note: Option<String>,
    pub status: String,
    pub issued_by: String,
    pub issued_at: NaiveDateTime,
    pub issued_on: NaiveDate,
    pub due_on: NaiveDate,
    pub finding_on: NaiveDate,
    pub received_by: Option<String>,
    pub received_at: Option<NaiveDateTime>,
    pub concluded_by: Option<String>,
    pub concluded_at: Option<NaiveDateTime>,
    pub concluded_on: Option<NaiveDate>,
    pub response: Option<String>,
    pub outcome: Option<String>,
    pub persons_disciplined: i32,
    pub recovered_fen: i64,
    pub days_to_conclusion: Option<i32>,
}

/// The body a ticket is addressed to, as a ticket shows it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct TicketAddressee {
    pub id: String,
    pub name: String,
    pub kind: AddresseeKind,
}

/// A piece of the finding's evidence, as a ticket carries it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct TicketEvidence {
    /// `entry`, `receipt`, `flag`, `reconciliation` or `report`.
    pub kind: String,
    /// What it names: an entry or receipt id, a rule, a reconciliation, a report id.
    #[serde(rename = "ref")]
    pub reference: String,
    pub detail: Option<String>,
}

/// The finding a ticket refers, with its evidence.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct TicketFinding {
    pub id: String,
    pub checklist_item: String,
    pub category: String,
    pub description: String,
    pub amount_fen: i64,
    pub recorded_at: DateTime<Utc>,
    pub evidence: Vec<TicketEvidence>,
}

/// A referral ticket.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
#[schema(example = json!({
    "id": "tk_5d1c0e7a9b3f4c2d8e6a1b0c", "finding_id": "fd_0a1b2c3d4e5f60718293a4b5",
    "inspection_id": "in_9f8e7d6c5b4a39281706f5e4", "village_code": "331022102201",
    "township_code": "331022102000", "colour": "red",
    "addressee": {"id": "ad_1", "name": "县公安局", "kind": "police"},
    "note": null, "status": "issued", "issued_by": "inspector-wang",
    "issued_at": "2025-04-24T02:00:00Z", "due_on": "2025-04-27", "overdue": false,
    "received_by": null, "received_at": null, "concluded_by": null, "concluded_at": null,
    "response": null, "outcome": null, "persons_disciplined": 0, "recovered_fen": 0, "finding": null
}))]
pub struct Ticket {
    pub id: String,
    pub finding_id: String,
    pub inspection_id: String,
    pub village_code: String,
    pub township_code: String,
    pub colour: Colour,
    pub addressee: TicketAddressee,
    pub note: Option<String>,
    pub status: TicketStatus,
    pub issued_by: String,
    pub issued_at: DateTime<Utc>,
    /// The county day by which it must be concluded.
    pub due_on: NaiveDate,
    /// Not concluded and `due_on` is before today (county day).
    pub overdue: bool,
    pub received_by: Option<String>,
    pub received_at: Option<DateTime<Utc>>,
    pub concluded_by: Option<String>,
    pub concluded_at: Option<DateTime<Utc>>,
    pub response: Option<String>,
    pub outcome: Option<Outcome>,
    pub persons_disciplined: i32,
    pub recovered_fen: i64,
    /// The finding and its evidence: on a single ticket; null in listings.
    pub finding: Option<TicketFinding>,
}

fn ticket_of(row: TicketRow, addressee: TicketAddressee, today: NaiveDate) -> Ticket {
    let status = TicketStatus::parse(&row.status).unwrap_or(TicketStatus::Issued);
    Ticket {
        overdue: status != TicketStatus::Concluded && row.due_on < today,
        id: row.id,
        finding_id: row.finding_id,
        inspection_id: row.inspection_id,
        village_code: row.village_code,
        township_code: row.township_code,
        // Colours and outcomes are checked by the table.
        colour: Colour::parse(&row.colour).unwrap_or(Colour::Blue),
        addressee,
        note: row.note,
        status,
        issued_by: row.issued_by,
        issued_at: row.issued_at.and_utc(),
        due_on: row.due_on,
        received_by: row.received_by,
        received_at: row.received_at.map(|t| t.and_utc()),
        concluded_by: row.concluded_by,
        concluded_at: row.concluded_at.map(|t| t.and_utc()),
        response: row.response,
        outcome: row.outcome.as_deref().and_then(Outcome::parse),
        persons_disciplined: row.persons_disciplined,
        recovered_fen: row.recovered_fen,
        finding: None,
    }
}

fn short(addressee: &Addressee) -> TicketAddressee {
    TicketAddressee {
        id: addressee.id.clone(),
        name: addressee.name.clone(),
        kind: addressee.kind,
    }
}

/// The county day of a UTC time (UTC+8).
pub fn county_day(at: NaiveDateTime) -> NaiveDate {
    (at + chrono::Duration::hours(8)).date()
}

/// What the issuing of a ticket needs to know of its finding.
#[derive(Clone, Debug)]
pub struct FindingFacts {
    pub id: String,
    pub inspection_id: String,
    pub village_code: String,
    pub township_code: String,
    pub recorded_at: NaiveDateTime,
}

fn finding_not_found(id: &str) -> WorkflowError {
    WorkflowError::TicketFindingNotFound {
        finding: crate::domain::truncate(id),
    }
}

fn ticket_not_found(id: &str) -> WorkflowError {
    WorkflowError::TicketNotFound {
        ticket: crate::domain::truncate(id),
    }
}

fn is_round_inspector(conn: &mut DbConn, username: &str, round: &str) -> Result<bool> {
    let n: i64 = inspection_inspectors::table
        .filter(inspection_inspectors::inspection_id.eq(round))
        .filter(inspection_inspectors::username.eq(username))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// The finding, if `caller` may issue tickets on it: admins on any, the inspectors of its round
/// on theirs (also after the round's window closed: they follow its tickets); 403 for the
/// other roles, 404 for a finding of another round or none.
pub fn finding_for_issuer(conn: &mut DbConn, caller: &Caller, finding: &str) -> Result<FindingFacts> {
    if !matches!(caller.role, Role::Admin | Role::Inspector) {
        return Err(WorkflowError::NotTicketIssuer { role: caller.role });
    }
    let row: Option<(String, String, String, String, NaiveDateTime)> = findings::table
        .filter(findings::id.eq(finding))
        .select((
            findings::id,
            findings::inspection_id,
            findings::village_code,
            findings::township_code,
            findings::recorded_at,
        ))
        .first(conn)
        .optional()?;
    let (id, inspection_id, village_code, township_code, recorded_at) =
        row.ok_or_else(|| finding_not_found(finding))?;
    if caller.role == Role::Inspector && !is_round_inspector(conn, &caller.username, &inspection_id)? {
        return Err(finding_not_found(finding));
    }
    Ok(FindingFacts {
        id,
        inspection_id,
        village_code,
        township_code,
        recorded_at,
    })
}

/// Issues a ticket on `finding` (checked by [`finding_for_issuer`]); its due day comes from
/// the colour and `settings`, counted from `now`'s county day.
pub fn issue_ticket(
    conn: &mut DbConn,
    caller: &Caller,
    finding: &FindingFacts,
    new: NewTicket,
    settings: &TicketSettings,
    now: NaiveDateTime,
) -> Result<Ticket> {
    let note = match new.note.as_deref() {
        Some(n) if !n.trim().is_empty() => Some(BoundedText::parse("note", n, MAX_NOTE_CHARS)?.into_string()),
        _ => None,
    };
    if new.addressee.chars().count() > 64 {
        return Err(WorkflowError::TicketAddresseeUnknown {
            addressee: crate::domain::truncate(&new.addressee),
        });
    }
    let issued_on = county_day(now);
    let days = match new.colour {
        Colour::Red => settings.red_days,
        Colour::Yellow => settings.yellow_days,
        Colour::Blue => settings.blue_days,
    };
    let due_on = crate::workflow::deadlines::due_on(days, settings.working_days, issued_on)
        .ok_or(WorkflowError::TicketDueBeyondCalendar)?;
    write_transaction(conn, |conn| {
        let addressee = match find_addressee(conn, &new.addressee) {
            Ok(a) => a,
            Err(WorkflowError::AddresseeNotFound { addressee }) => {
                return Err(WorkflowError::TicketAddresseeUnknown { addressee });
            }
            Err(e) => return Err(e),
        };
        if let Some(township) = &addressee.township
            && township != &finding.township_code
        {
            return Err(WorkflowError::TicketAddresseeOfOtherTownship {
                addressee: addressee.name.clone(),
                township: finding.township_code.clone(),
            });
        }
        let id = crate::domain::ids::new_id("tk");
        diesel::insert_into(tickets::table)
            .values((
                tickets::id.eq(&id),
                tickets::finding_id.eq(&finding.id),
                tickets::inspection_id.eq(&finding.inspection_id),
                tickets::village_code.eq(&finding.village_code),
                tickets::township_code.eq(&finding.township_code),
                tickets::colour.eq(new.colour.as_str()),
                tickets::addressee_id.eq(&addressee.id),
                tickets::note.eq(&note),
                tickets::status.eq(TicketStatus::Issued.as_str()),
                tickets::issued_by.eq(&caller.username),
                tickets::issued_at.eq(now),
                tickets::issued_on.eq(issued_on),
                tickets::due_on.eq(due_on),
                tickets::finding_on.eq(county_day(finding.recorded_at)),
            ))
            .execute(conn)?;
        let row = fetched(conn, &id)?;
        with_finding(conn, row, &addressee, issued_on)
    })
}

fn ticket_row(conn: &mut DbConn, id: &str) -> Result<Option<TicketRow>> {
    Ok(tickets::table
        .filter(tickets::id.eq(id))
        .select(TicketRow::as_select())
        .first(conn)
        .optional()?)
}

/// Whether `caller` (not a villager) sees `row`, addressed to `addressee`.
fn sees(conn: &mut DbConn, caller: &Caller, row: &TicketRow, addressee: &Addressee) -> Result<bool> {
    Ok(match caller.role {
        Role::Admin => true,
        Role::Villager => false,
        Role::Inspector => is_round_inspector(conn, &caller.username, &row.inspection_id)?,
        Role::Clerk => acts_for(conn, caller, addressee)?,
        Role::Discipline => {
            let Some(own) = addressee_of(conn, caller)? else {
                return Ok(false);
            };
            own == row.addressee_id || find_addressee(conn, &own)?.kind == AddresseeKind::CountyDiscipline
        }
    })
}

/// A ticket's row and addressee, if `caller` sees it: 403 for villagers, 404 when not.
pub fn visible_ticket(conn: &mut DbConn, caller: &Caller, id: &str) -> Result<(TicketRow, Addressee)> {
    if caller.role == Role::Villager {
        return Err(WorkflowError::NotTicketReader { role: caller.role });
    }
    let row = ticket_row(conn, id)?.ok_or_else(|| ticket_not_found(id))?;
    let addressee = find_addressee(conn, &row.addressee_id)?;
    if !sees(conn, caller, &row, &addressee)? {
        return Err(ticket_not_found(id));
    }
    Ok((row, addressee))
}

/// One ticket with its finding and the finding's evidence, as `caller` may read it.
pub fn read_ticket(conn: &mut DbConn, caller: &Caller, id: &str, today: NaiveDate) -> Result<Ticket> {
    let (row, addressee) = visible_ticket(conn, caller, id)?;
    with_finding(conn, row, &addressee, today)
}

fn with_finding(conn: &mut DbConn, row: TicketRow, addressee: &Addressee, today: NaiveDate) -> Result<Ticket> {
    let finding: (String, String, String, String, i64, NaiveDateTime) = findings::table
        .filter(findings::id.eq(&row.finding_id))
        .select((
            findings::id,
            findings::checklist_item,
            findings::category,
            findings::description,
            findings::amount_fen,
            findings::recorded_at,
        ))
        .first(conn)?;
    let evidence: Vec<(String, String, Option<String>)> = finding_evidence::table
        .filter(finding_evidence::finding_id.eq(&row.finding_id))
        .order(finding_evidence::position)
        .select((
            finding_evidence::kind,
            finding_evidence::reference,
            finding_evidence::detail,
        ))
        .load(conn)?;
    let mut ticket = ticket_of(row, short(addressee), today);
    let (id, checklist_item, category, description, amount_fen, recorded_at) = finding;
    ticket.finding = Some(TicketFinding {
        id,
        checklist_item,
        category,
        description,
        amount_fen,
        recorded_at: recorded_at.and_utc(),
        evidence: evidence
            .into_iter()
            .map(|(kind, reference, detail)| TicketEvidence {
                kind,
                reference,
                detail,
            })
            .collect(),
    });
    Ok(ticket)
}

/// The ticket, if `caller` acts for its addressee: 403 for roles that never act for a body and
/// for those who see the ticket without acting for its addressee, 404 for those who do not see
/// it.
pub fn ticket_for_actor(conn: &mut DbConn, caller: &Caller, id: &str) -> Result<(TicketRow, Addressee)> {
    if !matches!(caller.role, Role::Clerk | Role::Discipline) {
        return Err(WorkflowError::NotTicketActor { role: caller.role });
    }
    let (row, addressee) = visible_ticket(conn, caller, id)?;
    if !acts_for(conn, caller, &addressee)? {
        return Err(WorkflowError::NotTicketActor { role: caller.role });
    }
    Ok((row, addressee))
}

fn wrong_status(row: &TicketRow, needs: TicketStatus) -> WorkflowError {
    WorkflowError::TicketWrongStatus {
        ticket: row.id.clone(),
        status: TicketStatus::parse(&row.status).unwrap_or(TicketStatus::Issued),
        needs,
    }
}

/// Marks an issued ticket received (checked by [`ticket_for_actor`]).
pub fn receive_ticket(conn: &mut DbConn, caller: &Caller, id: &str, now: NaiveDateTime) -> Result<Ticket> {
    write_transaction(conn, |conn| {
        let (row, addressee) = ticket_for_actor(conn, caller, id)?;
        if row.status != TicketStatus::Issued.as_str() {
            return Err(wrong_status(&row, TicketStatus::Issued));
        }
        let changed = diesel::update(tickets::table.filter(tickets::id.eq(&row.id)))
            .filter(tickets::status.eq(TicketStatus::Issued.as_str()))
            .set((
                tickets::status.eq(TicketStatus::Received.as_str()),
                tickets::received_by.eq(&caller.username),
                tickets::received_at.eq(now),
            ))
            .execute(conn)?;
        if changed != 1 {
            return Err(wrong_status(&row, TicketStatus::Issued));
        }
        let row = fetched(conn, &row.id)?;
        with_finding(conn, row, &addressee, county_day(now))
    })
}

fn fetched(conn: &mut DbConn, id: &str) -> Result<TicketRow> {
    ticket_row(conn, id)?.ok_or_else(|| ticket_not_found(id))
}

/// A conclusion whose values are checked.
struct CheckedConclusion {
    response: String,
    outcome: Outcome,
    persons: i32,
    recovered_fen: i64,
}

fn check_conclusion(c: Conclusion) -> Result<CheckedConclusion> {
    let response = c.response.as_deref().ok_or(ValueError::Empty { field: "response" })?;
    let response = BoundedText::parse("response", response, MAX_RESPONSE_CHARS)?.into_string();
    if !(0..=MAX_PERSONS).contains(&c.persons_disciplined) {
        return Err(WorkflowError::TicketPersonsOutOfRange { max: MAX_PERSONS });
    }
    if c.outcome == Outcome::Disciplined && c.persons_disciplined < 1 {
        return Err(WorkflowError::TicketDisciplinedWithoutPersons);
    }
    // Only a disciplinary outcome counts persons disciplined (the county's figure sums them).
    if c.outcome != Outcome::Disciplined && c.persons_disciplined != 0 {
        return Err(WorkflowError::TicketPersonsWithoutDiscipline);
    }
    if !(0..=MAX_ABS_FEN).contains(&c.recovered_fen) {
        return Err(WorkflowError::TicketRecoveredOutOfRange { max: MAX_ABS_FEN });
    }
    Ok(CheckedConclusion {
        response,
        outcome: c.outcome,
        persons: c.persons_disciplined,
        recovered_fen: c.recovered_fen,
    })
}

/// Concludes a received ticket (checked by [`ticket_for_actor`]) with its response, outcome
/// and the money recovered.
pub fn conclude_ticket(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    conclusion: Conclusion,
    now: NaiveDateTime,
) -> Result<Ticket> {
    let c = check_conclusion(conclusion)?;
    let concluded_on = county_day(now);
    write_transaction(conn, |conn| {
        let (row, addressee) = ticket_for_actor(conn, caller, id)?;
        if row.status != TicketStatus::Received.as_str() {
            return Err(wrong_status(&row, TicketStatus::Received));
        }
        let days = i32::try_from((concluded_on - row.finding_on).num_days().max(0)).unwrap_or(i32::MAX);
        let changed = diesel::update(tickets::table.filter(tickets::id.eq(&row.id)))
            .filter(tickets::status.eq(TicketStatus::Received.as_str()))
            .set((
                tickets::status.eq(TicketStatus::Concluded.as_str()),
                tickets::concluded_by.eq(&caller.username),
                tickets::concluded_at.eq(now),
                tickets::concluded_on.eq(concluded_on),
                tickets::response.eq(&c.response),
                tickets::outcome.eq(c.outcome.as_str()),
                tickets::persons_disciplined.eq(c.persons),
                tickets::recovered_fen.eq(c.recovered_fen),
                tickets::days_to_conclusion.eq(days),
            ))
            .execute(conn)?;
        if changed != 1 {
            return Err(wrong_status(&row, TicketStatus::Received));
        }
        let row = fetched(conn, &row.id)?;
        with_finding(conn, row, &addressee, concluded_on)
    })
}

/// Filters of a listing.
#[derive(Debug, Default, Clone)]
pub struct TicketFilter {
    pub colour: Option<Colour>,
    pub status: Option<TicketStatus>,
    /// `Some(true)`: only overdue tickets; `Some(false)`: only those that are not.
    pub overdue: Option<bool>,
    pub township: Option<String>,
    pub addressee: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// A page of tickets.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TicketPage {
    /// Newest first.
    pub items: Vec<Ticket>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
    /// Overdue tickets among all those the filters select (every page, not only this one).
    pub overdue_count: i64,
}

fn encode_cursor(seq: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("t1|{seq}"))
}

fn decode_cursor(s: &str) -> Result<i64> {
    let bad = || WorkflowError::TicketForeignCursor;
    if s.len() > 64 {
        return Err(bad());
    }
    let raw = URL_SAFE_NO_PAD.decode(s).map_err(|_| bad())?;
    let text = String::from_utf8(raw).map_err(|_| bad())?;
    text.strip_prefix("t1|")
        .and_then(|n| n.parse::<i64>().ok())
        .filter(|n| *n > 0)
        .ok_or_else(bad)
}

/// Which tickets a caller's listing covers.
enum Reach {
    All,
    Addressees(Vec<String>),
    Rounds(Vec<String>),
}

fn reach(conn: &mut DbConn, caller: &Caller) -> Result<Reach> {
    Ok(match caller.role {
        Role::Admin => Reach::All,
        Role::Villager => return Err(WorkflowError::NotTicketReader { role: caller.role }),
        Role::Inspector => Reach::Rounds(crate::auth::inspections::inspection_ids(conn, Some(&caller.username))?),
        Role::Clerk => Reach::Addressees(match &caller.township {
            Some(t) => addressees::table
                .filter(addressees::kind.eq(AddresseeKind::Station.as_str()))
                .filter(addressees::township_code.eq(t))
                .select(addressees::id)
                .load(conn)?,
            None => Vec::new(),
        }),
        Role::Discipline => match addressee_of(conn, caller)? {
            None => Reach::Addressees(Vec::new()),
            Some(own) => {
                if find_addressee(conn, &own)?.kind == AddresseeKind::CountyDiscipline {
                    Reach::All
                } else {
                    Reach::Addressees(vec![own])
                }
            }
        },
    })
}

type Boxed<'a> = tickets::BoxedQuery<'a, crate::db::MultiBackend>;

fn filtered<'a>(reach: &'a Reach, f: &'a TicketFilter, today: NaiveDate) -> Boxed<'a> {
    let mut q = tickets::table.into_boxed();
    match reach {
        Reach::All => {}
        Reach::Addressees(ids) => q = q.filter(tickets::addressee_id.eq_any(ids)),
        Reach::Rounds(ids) => q = q.filter(tickets::inspection_id.eq_any(ids)),
    }
    if let Some(c) = f.colour {
        q = q.filter(tickets::colour.eq(c.as_str()));
    }
    if let Some(s) = f.status {
        q = q.filter(tickets::status.eq(s.as_str()));
    }
    if let Some(t) = &f.township {
        q = q.filter(tickets::township_code.eq(t));
    }
    if let Some(a) = &f.addressee {
        q = q.filter(tickets::addressee_id.eq(a));
    }
    match f.overdue {
        Some(true) => {
            q = q
                .filter(tickets::status.eq_any(OPEN.to_vec()))
                .filter(tickets::due_on.lt(today));
        }
        Some(false) => {
            q = q.filter(
                tickets::status
                    .eq(TicketStatus::Concluded.as_str())
                    .or(tickets::due_on.ge(today)),
            );
        }
        None => {}
    }
    q
}

/// The tickets `caller` sees, filtered, newest first, a page after `cursor`, with the number
/// of overdue ones among all the filters select.
pub fn list_tickets(conn: &mut DbConn, caller: &Caller, filter: TicketFilter, today: NaiveDate) -> Result<TicketPage> {
    let limit = filter.limit.unwrap_or(DEFAULT_TICKET_PAGE);
    if !(1..=MAX_TICKET_PAGE).contains(&limit) {
        return Err(WorkflowError::TicketPageOutOfRange { max: MAX_TICKET_PAGE });
    }
    let after = filter.cursor.as_deref().map(decode_cursor).transpose()?;
    if let Some(t) = &filter.township {
        TownshipCode::parse(t)?;
    }
    if filter.addressee.as_ref().is_some_and(|a| a.chars().count() > 64) {
        return Err(WorkflowError::TicketAddresseeUnknown {
            addressee: crate::domain::truncate(filter.addressee.as_deref().unwrap_or_default()),
        });
    }
    let reach = reach(conn, caller)?;
    if matches!(&reach, Reach::Addressees(ids) | Reach::Rounds(ids) if ids.is_empty()) {
        return Ok(TicketPage {
            items: Vec::new(),
            next_cursor: None,
            overdue_count: 0,
        });
    }
    let mut page = filtered(&reach, &filter, today);
    if let Some(seq) = after {
        page = page.filter(tickets::seq.lt(seq));
    }
    let mut rows: Vec<TicketRow> = page
        .order(tickets::seq.desc())
        .limit(limit + 1)
        .select(TicketRow::as_select())
        .load(conn)?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let overdue_count: i64 = if filter.overdue == Some(false) || filter.status == Some(TicketStatus::Concluded) {
        0
    } else {
        filtered(&reach, &filter, today)
            .filter(tickets::status.eq_any(OPEN.to_vec()))
            .filter(tickets::due_on.lt(today))
            .count()
            .get_result(conn)?
    };
    let mut names: std::collections::HashMap<String, TicketAddressee> = std::collections::HashMap::new();
    let mut items = Vec::with_capacity(rows.len());
    let next_cursor = if more {
        rows.last().map(|r| encode_cursor(r.seq))
    } else {
        None
    };
    for row in rows {
        let addressee = match names.get(&row.addressee_id) {
            Some(a) => a.clone(),
            None => {
                let a = short(&find_addressee(conn, &row.addressee_id)?);
                names.insert(row.addressee_id.clone(), a.clone());
                a
            }
        };
        items.push(ticket_of(row, addressee, today));
    }
    Ok(TicketPage {
        items,
        next_cursor,
        overdue_count,
    })
}

/// What a ticket's printed page names besides the ticket: its village, township and round.
#[derive(Debug, Clone)]
pub struct PrintFacts {
    pub village_name: String,
    pub township_name: String,
    pub round_name: String,
}

/// The names a ticket's printed page shows.
pub fn print_facts(conn: &mut DbConn, ticket: &Ticket) -> Result<PrintFacts> {
    use crate::db::schema::{inspections, townships, villages};
    let village_name = villages::table
        .find(&ticket.village_code)
        .select(villages::name)
        .first(conn)?;
    let township_name = townships::table
        .find(&ticket.township_code)
        .select(townships::name)
        .first(conn)?;
    let round_name = inspections::table
        .find(&ticket.inspection_id)
        .select(inspections::name)
        .first(conn)?;
    Ok(PrintFacts {
        village_name,
        township_name,
        round_name,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_foreign_ones_are_refused() {
        assert_eq!(decode_cursor(&encode_cursor(42)).ok(), Some(42));
        for bad in ["", "x", "dDF8LTE", &URL_SAFE_NO_PAD.encode("v1|2024-01-01|3")] {
            assert!(decode_cursor(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn wire_values_parse_back() {
        for c in Colour::ALL {
            assert_eq!(Colour::parse(c.as_str()), Some(c));
        }
        for s in TicketStatus::ALL {
            assert_eq!(TicketStatus::parse(s.as_str()), Some(s));
        }
        for o in Outcome::ALL {
            assert_eq!(Outcome::parse(o.as_str()), Some(o));
        }
    }
}
