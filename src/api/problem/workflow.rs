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
        }
    }
}
