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

    // --- referral tickets and the county's figures ---
}

pub type Result<T, E = WorkflowError> = std::result::Result<T, E>;
