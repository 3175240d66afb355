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
            QuestionNotFound { question } => ApiError::NotFound(msg!("questions-not-found", question = question)),
            EntryNotFound { entry } => ApiError::NotFound(msg!("questions-entry-not-found", entry = entry)),
            QuestionsPerDay { limit } => ApiError::RateLimited(msg!("questions-per-day", limit = limit)),
            QuestionHasNoPhoto { question } => ApiError::NotFound(msg!("questions-no-photo", question = question)),
            NotAnswerer { role } => {
                ApiError::Forbidden(msg!("questions-not-answerer", role = super::auth::role_msg(role)))
            }
            QuestionNotOpen { question, status } => ApiError::Conflict(msg!(
                "questions-not-open",
                question = question,
                status = status.as_str()
            )),
            NotAsker => ApiError::Forbidden(msg!("questions-not-asker")),
            QuestionNotAnswered { question, status } => ApiError::Conflict(msg!(
                "questions-not-answered",
                question = question,
                status = status.as_str()
            )),
            ReportNotEscalable { question } => {
                ApiError::Conflict(msg!("questions-report-not-escalable", question = question))
            }
            QuestionNotEscalable { question, status } => ApiError::Conflict(msg!(
                "questions-not-escalable",
                question = question,
                status = status.as_str()
            )),
            ForeignQuestionCursor => ApiError::Invalid(msg!("questions-foreign-cursor")),
            QuestionPageOutOfRange { max } => ApiError::Invalid(msg!("problem-limit-range", max = max)),
            // --- checklists, findings, rectification, publication ---

            // --- referral tickets and the county's figures ---
        }
    }
}
