//! What the inspection workflow refuses, and why. Each case carries its arguments; `Display` is
//! an English line for the server log, and the api decides what a client reads
//! (`api::problem::workflow`).

use crate::auth::{AuthError, Role};
use crate::domain::ValueError;

/// An error of the workflow service.
#[derive(Debug, thiserror::Error)]
pub enum WorkflowError {
    /// A value in the request does not parse.
    #[error(transparent)]
    InvalidValue(#[from] ValueError),
    /// A scope or role check of the identity service.
    #[error(transparent)]
    Auth(#[from] AuthError),
    #[error("database")]
    Database(#[from] diesel::result::Error),

    // --- addressees ---
    #[error("a {role:?} cannot manage addressees")]
    NotAddresseeManager { role: Role },
    #[error("addressee {addressee:?} not found")]
    AddresseeNotFound { addressee: String },
    #[error("an addressee named {name:?} exists")]
    AddresseeExists { name: String },
    #[error("a {kind} addressee needs a township")]
    AddresseeNeedsTownship { kind: &'static str },
    #[error("no township {township}")]
    TownshipMissing { township: String },
    #[error("a {kind} addressee is county-wide and takes no township")]
    AddresseeTakesNoTownship { kind: &'static str },
    // --- questions and reports ---
    #[error("question {question:?} not found")]
    QuestionNotFound { question: String },
    #[error("entry {entry:?} not found")]
    EntryNotFound { entry: String },
    #[error("a villager files at most {limit} questions and reports a day")]
    QuestionsPerDay { limit: u32 },
    #[error("question {question} has no photo")]
    QuestionHasNoPhoto { question: String },
    #[error("a {role:?} cannot answer questions")]
    NotAnswerer { role: Role },
    #[error("question {question} is {status:?}, not open")]
    QuestionNotOpen {
        question: String,
        status: crate::workflow::questions::QuestionStatus,
    },
    #[error("only the asker accepts or escalates an item")]
    NotAsker,
    #[error("question {question} is {status:?}, not answered")]
    QuestionNotAnswered {
        question: String,
        status: crate::workflow::questions::QuestionStatus,
    },
    #[error("{question} is a report already")]
    ReportNotEscalable { question: String },
    #[error("question {question} is {status:?}: only open or answered questions are escalated")]
    QuestionNotEscalable {
        question: String,
        status: crate::workflow::questions::QuestionStatus,
    },
    #[error("not a cursor of this listing")]
    ForeignQuestionCursor,
    #[error("limit out of range (1 to {max})")]
    QuestionPageOutOfRange { max: i64 },
    // --- checklists, findings, rectification, publication ---
    #[error("the transparency log")]
    Log(#[from] crate::tlog::TlogError),
    #[error("a {role:?} cannot manage checklists")]
    NotChecklistManager { role: Role },
    #[error("a {role:?} cannot read checklists")]
    NotChecklistReader { role: Role },
    #[error("a checklist named {name:?} exists")]
    ChecklistExists { name: String },
    #[error("no checklist {checklist:?} to build on")]
    ChecklistBaseMissing { checklist: String },
    #[error("a {kind} checklist and its village kind or base do not fit")]
    ChecklistKindFields { kind: &'static str },
    #[error("a checklist needs 1 to {max} items")]
    ChecklistItemCount { max: usize },
    #[error("checklist item code {code:?} is not acceptable")]
    ChecklistItemCode { code: String },
    #[error("checklist item code {code} appears twice")]
    ChecklistItemTwice { code: String },
    #[error("a {role:?} does not record findings or marks")]
    NotRoundInspector { role: Role },
    #[error("round {round} has no checklist")]
    RoundWithoutChecklist { round: String },
    #[error("round {round} runs {starts_on} to {ends_on}, today is {today}")]
    RoundWindowClosed {
        round: String,
        starts_on: chrono::NaiveDate,
        ends_on: chrono::NaiveDate,
        today: chrono::NaiveDate,
    },
    #[error("village {village} is not in round {round}")]
    VillageNotInRound { village: String, round: String },
    #[error("village {village} of round {round} not found")]
    RoundVillageNotFound { village: String, round: String },
    #[error("item {item} is not on the checklist of round {round}")]
    ItemNotInChecklist { item: String, round: String },
    #[error("item {item} of round {round} not found")]
    RoundItemNotFound { item: String, round: String },
    #[error("a problem mark needs a finding")]
    MarkNeedsFinding,
    #[error("only a problem mark names a finding")]
    MarkTakesNoFinding,
    #[error("finding {finding} is not of this round, village and item")]
    MarkFindingMismatch { finding: String },
    #[error("finding {finding:?} not found")]
    FindingNotFound { finding: String },
    #[error("at most {max} evidence links")]
    EvidenceCount { max: usize },
    #[error("evidence {kind} {id} is not of village {village}")]
    EvidenceNotInVillage {
        kind: &'static str,
        id: String,
        village: String,
    },
    #[error("unknown red-flag rule {rule}")]
    EvidenceUnknownRule { rule: String },
    #[error("a red flag names 1 to {max} entries")]
    EvidenceFlagEntries { max: usize },
    #[error("{id} is not a villager's report on village {village}")]
    EvidenceNotAReport { id: String, village: String },
    #[error("amount_fen {fen} out of range")]
    FindingAmount { fen: i64 },
    #[error("a finding requiring rectification needs rectify_by, and only it")]
    RectifyByMismatch,
    #[error("rectify_by {rectify_by} is before today {today}")]
    RectifyByPast {
        rectify_by: chrono::NaiveDate,
        today: chrono::NaiveDate,
    },
    #[error("a {role:?} does not record rectification")]
    NotRectifier { role: Role },
    #[error("a {role:?} does not accept or reopen rectification")]
    NotRectificationJudge { role: Role },
    #[error("finding {finding} requires no rectification")]
    NoRectificationRequired { finding: String },
    #[error("the rectification of finding {finding} is {state}, {action} needs {needs}")]
    RectificationState {
        finding: String,
        state: &'static str,
        action: &'static str,
        needs: &'static str,
    },
    #[error("at most {max} linked entries and receipts")]
    RectificationLinks { max: usize },
    #[error("a {role:?} does not publish findings")]
    NotPublisher { role: Role },
    #[error("round {round} is open until {ends_on}")]
    PublishOpenRound { round: String, ends_on: chrono::NaiveDate },
    #[error("round {round} follows up no round")]
    NotFollowUpRound { round: String },
    #[error("limit out of 1..={max}")]
    FindingPageLimit { max: i64 },
    #[error("cursor not of this listing")]
    FindingCursor,
    // --- referral tickets and the county's figures ---
    #[error("a {role:?} cannot issue referral tickets")]
    NotTicketIssuer { role: Role },
    #[error("a {role:?} does not read referral tickets")]
    NotTicketReader { role: Role },
    #[error("a {role:?} does not act for this ticket's addressee")]
    NotTicketActor { role: Role },
    #[error("finding {finding:?} not found")]
    TicketFindingNotFound { finding: String },
    #[error("ticket {ticket:?} not found")]
    TicketNotFound { ticket: String },
    #[error("no addressee {addressee:?}")]
    TicketAddresseeUnknown { addressee: String },
    #[error("addressee {addressee} belongs to another township than {township}")]
    TicketAddresseeOfOtherTownship { addressee: String, township: String },
    #[error("the due date falls beyond the calendar")]
    TicketDueBeyondCalendar,
    #[error("ticket {ticket} is {status:?}; this needs {needs:?}")]
    TicketWrongStatus {
        ticket: String,
        status: crate::workflow::tickets::TicketStatus,
        needs: crate::workflow::tickets::TicketStatus,
    },
    #[error("persons_disciplined out of 0..={max}")]
    TicketPersonsOutOfRange { max: i32 },
    #[error("outcome disciplined needs persons_disciplined >= 1")]
    TicketDisciplinedWithoutPersons,
    #[error("persons_disciplined given with an outcome other than disciplined")]
    TicketPersonsWithoutDiscipline,
    #[error("recovered_fen out of 0..={max}")]
    TicketRecoveredOutOfRange { max: i64 },
    #[error("limit out of 1..={max}")]
    TicketPageOutOfRange { max: i64 },
    #[error("cursor not from this listing")]
    TicketForeignCursor,
    #[error("a {role:?} does not read the county's figures")]
    NotStatsReader { role: Role },
    #[error("from {from} is after to {to}")]
    StatsFromAfterTo {
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    },
}

pub type Result<T, E = WorkflowError> = std::result::Result<T, E>;
