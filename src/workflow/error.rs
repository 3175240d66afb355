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

    // --- checklists, findings, rectification, publication ---

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
