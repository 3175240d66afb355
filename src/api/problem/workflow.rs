//! How errors of the `workflow` service become problem documents.

use super::ApiError;
use crate::msg;
use crate::workflow::WorkflowError;

impl From<WorkflowError> for ApiError {
    fn from(e: WorkflowError) -> Self {
        use WorkflowError::*;
        match e {
            InvalidValue(e) => e.into(),
            Auth(e) => e.into(),
            Database(e) => e.into(),

            // --- addressees ---
            NotAddresseeManager { role } => ApiError::Forbidden(msg!(
                "workflow-not-addressee-manager",
                role = super::auth::role_msg(role)
            )),
            AddresseeNotFound { addressee } => {
                ApiError::NotFound(msg!("workflow-addressee-not-found", addressee = addressee))
            }
            AddresseeExists { name } => ApiError::Conflict(msg!("workflow-addressee-exists", name = name)),
            TownshipMissing { township } => ApiError::Invalid(msg!("workflow-township-missing", township = township)),
            AddresseeNeedsTownship { .. } => ApiError::Invalid(msg!("workflow-addressee-needs-township")),
            AddresseeTakesNoTownship { .. } => ApiError::Invalid(msg!("workflow-addressee-takes-no-township")),
            // --- questions and reports ---

            // --- checklists, findings, rectification, publication ---

            // --- referral tickets and the county's figures ---
            NotTicketIssuer { role } => {
                ApiError::Forbidden(msg!("tickets-not-issuer", role = super::auth::role_msg(role)))
            }
            NotTicketReader { role } => {
                ApiError::Forbidden(msg!("tickets-not-reader", role = super::auth::role_msg(role)))
            }
            NotTicketActor { role } => {
                ApiError::Forbidden(msg!("tickets-not-actor", role = super::auth::role_msg(role)))
            }
            TicketFindingNotFound { finding } => {
                ApiError::NotFound(msg!("tickets-finding-not-found", finding = finding))
            }
            TicketNotFound { ticket } => ApiError::NotFound(msg!("tickets-not-found", ticket = ticket)),
            TicketAddresseeUnknown { addressee } => {
                ApiError::Invalid(msg!("tickets-addressee-unknown", addressee = addressee))
            }
            TicketAddresseeOfOtherTownship { addressee, township } => ApiError::Invalid(msg!(
                "tickets-addressee-other-township",
                addressee = addressee,
                township = township
            )),
            TicketDueBeyondCalendar => ApiError::Invalid(msg!("tickets-due-beyond-calendar")),
            TicketWrongStatus { ticket, status, needs } => ApiError::Conflict(msg!(
                "tickets-wrong-status",
                ticket = ticket,
                status = status_msg(status),
                needs = status_msg(needs)
            )),
            TicketPersonsOutOfRange { max } => ApiError::Invalid(msg!("tickets-persons-out-of-range", max = max)),
            TicketDisciplinedWithoutPersons => ApiError::Invalid(msg!("tickets-disciplined-without-persons")),
            TicketRecoveredOutOfRange { max } => {
                ApiError::Invalid(msg!("tickets-recovered-out-of-range", max = crate::i18n::money(max)))
            }
            TicketPageOutOfRange { max } => ApiError::Invalid(msg!("tickets-page-out-of-range", max = max)),
            TicketForeignCursor => ApiError::BadRequest(msg!("tickets-foreign-cursor")),
            NotStatsReader { role } => {
                ApiError::Forbidden(msg!("tickets-not-stats-reader", role = super::auth::role_msg(role)))
            }
            StatsFromAfterTo { from, to } => {
                ApiError::Invalid(msg!("tickets-stats-from-after-to", from = from, to = to))
            }
        }
    }
}

/// A ticket's status as people read it.
fn status_msg(status: crate::workflow::tickets::TicketStatus) -> crate::i18n::Msg {
    use crate::workflow::tickets::TicketStatus::*;
    match status {
        Issued => msg!("tickets-status-issued"),
        Received => msg!("tickets-status-received"),
        Concluded => msg!("tickets-status-concluded"),
    }
}
