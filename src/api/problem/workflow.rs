//! How errors of the `workflow` service become problem documents.

use super::ApiError;
use crate::msg;
use crate::workflow::WorkflowError;

/// A rectification state as a person reads it (its wire value is in the English text).
fn rectification_state_msg(state: &str) -> crate::i18n::Msg {
    match state {
        "not_required" => msg!("findings-state-not-required"),
        "pending" => msg!("findings-state-pending"),
        "submitted" => msg!("findings-state-submitted"),
        "accepted" => msg!("findings-state-accepted"),
        _ => msg!("findings-state-reopened"),
    }
}

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
            Log(e) => e.into(),
            NotChecklistManager { role } => ApiError::Forbidden(msg!(
                "findings-not-checklist-manager",
                role = super::auth::role_msg(role)
            )),
            NotChecklistReader { role } => ApiError::Forbidden(msg!(
                "findings-not-checklist-reader",
                role = super::auth::role_msg(role)
            )),
            ChecklistExists { name } => ApiError::Conflict(msg!("findings-checklist-exists", name = name)),
            ChecklistBaseMissing { checklist } => {
                ApiError::Invalid(msg!("findings-checklist-base-missing", checklist = checklist))
            }
            ChecklistKindFields { kind } => ApiError::Invalid(msg!("findings-checklist-kind-fields", kind = kind)),
            ChecklistItemCount { max } => ApiError::Invalid(msg!("findings-checklist-item-count", max = max)),
            ChecklistItemCode { code } => ApiError::Invalid(msg!("findings-checklist-item-code", code = code)),
            ChecklistItemTwice { code } => ApiError::Invalid(msg!("findings-checklist-item-twice", code = code)),
            NotRoundInspector { role } => {
                ApiError::Forbidden(msg!("findings-not-round-inspector", role = super::auth::role_msg(role)))
            }
            RoundWithoutChecklist { round } => {
                ApiError::Conflict(msg!("findings-round-without-checklist", round = round))
            }
            RoundWindowClosed {
                round,
                starts_on,
                ends_on,
                today,
            } => ApiError::Conflict(msg!(
                "findings-round-window-closed",
                round = round,
                starts_on = starts_on,
                ends_on = ends_on,
                today = today
            )),
            VillageNotInRound { village, round } => {
                ApiError::Invalid(msg!("findings-village-not-in-round", village = village, round = round))
            }
            RoundVillageNotFound { village, round } => {
                ApiError::NotFound(msg!("findings-village-not-in-round", village = village, round = round))
            }
            ItemNotInChecklist { item, round } => {
                ApiError::Invalid(msg!("findings-item-not-in-checklist", item = item, round = round))
            }
            RoundItemNotFound { item, round } => {
                ApiError::NotFound(msg!("findings-item-not-in-checklist", item = item, round = round))
            }
            MarkNeedsFinding => ApiError::Invalid(msg!("findings-mark-needs-finding")),
            MarkTakesNoFinding => ApiError::Invalid(msg!("findings-mark-takes-no-finding")),
            MarkFindingMismatch { finding } => {
                ApiError::Invalid(msg!("findings-mark-finding-mismatch", finding = finding))
            }
            FindingNotFound { finding } => ApiError::NotFound(msg!("findings-not-found", finding = finding)),
            EvidenceCount { max } => ApiError::Invalid(msg!("findings-evidence-count", max = max)),
            EvidenceNotInVillage { kind, id, village } => ApiError::Invalid(msg!(
                "findings-evidence-not-in-village",
                kind = kind,
                id = id,
                village = village
            )),
            EvidenceUnknownRule { rule } => ApiError::Invalid(msg!("findings-evidence-unknown-rule", rule = rule)),
            EvidenceFlagEntries { max } => ApiError::Invalid(msg!("findings-evidence-flag-entries", max = max)),
            EvidenceNotAReport { id, village } => {
                ApiError::Invalid(msg!("findings-evidence-not-a-report", id = id, village = village))
            }
            FindingAmount { fen } => ApiError::Invalid(msg!(
                "findings-amount-range",
                fen = fen,
                max = crate::domain::MAX_ABS_FEN
            )),
            RectifyByMismatch => ApiError::Invalid(msg!("findings-rectify-by-mismatch")),
            RectifyByPast { rectify_by, today } => {
                ApiError::Invalid(msg!("findings-rectify-by-past", rectify_by = rectify_by, today = today))
            }
            NotRectifier { role } => {
                ApiError::Forbidden(msg!("findings-not-rectifier", role = super::auth::role_msg(role)))
            }
            NotRectificationJudge { role } => ApiError::Forbidden(msg!(
                "findings-not-rectification-judge",
                role = super::auth::role_msg(role)
            )),
            NoRectificationRequired { finding } => {
                ApiError::Conflict(msg!("findings-no-rectification-required", finding = finding))
            }
            RectificationState {
                finding, state, action, ..
            } => {
                let state = rectification_state_msg(state);
                ApiError::Conflict(match action {
                    "accept" => msg!("findings-cannot-accept", finding = finding, state = state),
                    "reopen" => msg!("findings-cannot-reopen", finding = finding, state = state),
                    _ => msg!("findings-cannot-submit", finding = finding, state = state),
                })
            }
            RectificationLinks { max } => ApiError::Invalid(msg!("findings-rectification-links", max = max)),
            NotPublisher { role } => {
                ApiError::Forbidden(msg!("findings-not-publisher", role = super::auth::role_msg(role)))
            }
            PublishOpenRound { round, ends_on } => {
                ApiError::Conflict(msg!("findings-publish-open-round", round = round, ends_on = ends_on))
            }
            NotFollowUpRound { round } => ApiError::Conflict(msg!("findings-not-follow-up-round", round = round)),
            FindingPageLimit { max } => ApiError::Invalid(msg!("problem-limit-range", max = max)),
            FindingCursor => ApiError::Invalid(msg!("findings-cursor")),
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
            TicketPersonsWithoutDiscipline => ApiError::Invalid(msg!("tickets-persons-without-discipline")),
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
