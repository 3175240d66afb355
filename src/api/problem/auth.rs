//! How errors of the `auth` service become problem documents.

use super::ApiError;
use crate::auth::{AuthError, Role, TokenFault};
use crate::i18n::Msg;
use crate::msg;

/// A role as people name it.
pub fn role_msg(role: Role) -> Msg {
    match role {
        Role::Admin => msg!("role-admin"),
        Role::Clerk => msg!("role-clerk"),
        Role::Inspector => msg!("role-inspector"),
        Role::Villager => msg!("role-villager"),
        Role::Discipline => msg!("role-discipline"),
    }
}

fn token_fault(fault: TokenFault) -> Msg {
    match fault {
        TokenFault::TooLong => msg!("token-fault-too-long"),
        TokenFault::Malformed => msg!("token-fault-malformed"),
        TokenFault::WrongAlgorithm => msg!("token-fault-wrong-algorithm"),
        TokenFault::NoKeyId => msg!("token-fault-no-key-id"),
        TokenFault::UnknownKey => msg!("token-fault-unknown-key"),
        TokenFault::SignatureOrClaims => msg!("token-fault-signature"),
        TokenFault::NoSubject => msg!("token-fault-no-subject"),
    }
}

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> Self {
        use AuthError::*;
        match e {
            InvalidValue { reason } => ApiError::Invalid(reason.msg()),
            BadUsername { username } => ApiError::Invalid(msg!("auth-bad-username", username = username)),
            PasswordTooShort { min } => ApiError::Invalid(msg!("auth-password-too-short", min = min)),
            PasswordTooLong { max } => ApiError::Invalid(msg!("auth-password-too-long", max = max)),
            TownshipMissing { township } => ApiError::Invalid(msg!("ledger-no-such-township", township = township)),
            VillageMissing { village } => ApiError::Invalid(msg!("auth-no-such-village", village = village)),
            ClerkWithoutTownship => ApiError::Invalid(msg!("auth-clerk-without-township")),
            VillagerWithoutVillage => ApiError::Invalid(msg!("auth-villager-without-village")),
            FixedScopeNotAllowed { .. } => ApiError::Invalid(msg!("auth-fixed-scope-not-allowed")),
            DisciplineWithoutAddressee => ApiError::Invalid(msg!("auth-discipline-without-addressee")),
            AddresseeMissing { addressee } => ApiError::Invalid(msg!("auth-addressee-missing", addressee = addressee)),
            UserExists { username, source } => {
                tracing::info!(error = %source, "unique violation");
                ApiError::Conflict(msg!("auth-user-exists", username = username))
            }
            UserNotFound { username } => ApiError::NotFound(msg!("auth-user-not-found", username = username)),
            e @ (UnknownRole { .. } | PasswordHash { .. } | NoSigningKey) => ApiError::Internal(e.to_string()),
            Sign(source) => ApiError::Internal(format!("cannot sign a token: {source}")),
            NotLedgerWriter { role } => ApiError::Forbidden(msg!("auth-not-ledger-writer", role = role_msg(role))),
            AdminOnly { .. } => ApiError::Forbidden(msg!("auth-admin-only")),
            VillageNotFound { village } => {
                ApiError::NotFound(msg!("ledger-village-not-found", village = village.to_string()))
            }
            TownshipNotFound { township } => {
                ApiError::NotFound(msg!("ledger-township-not-found", township = township.to_string()))
            }
            Locked => ApiError::Locked(msg!("auth-locked")),
            BadAccessToken { fault } => {
                ApiError::Unauthorized(msg!("auth-bad-access-token", fault = token_fault(fault)))
            }
            BadRefreshToken => ApiError::Unauthorized(msg!("auth-bad-refresh-token")),
            RoundEndsBeforeStart { starts_on, ends_on } => ApiError::Invalid(msg!(
                "auth-round-ends-before-start",
                starts_on = starts_on,
                ends_on = ends_on
            )),
            RoundWithoutInspectors => ApiError::Invalid(msg!("auth-round-without-inspectors")),
            RoundWithoutTargets => ApiError::Invalid(msg!("auth-round-without-targets")),
            RoundTooLarge { max } => ApiError::Invalid(msg!("auth-round-too-large", max = max)),
            NoEnabledUser { username } => ApiError::Invalid(msg!("auth-no-enabled-user", username = username)),
            NotAnInspector { username, role } => ApiError::Invalid(msg!(
                "auth-not-an-inspector",
                username = username,
                role = Role::parse(&role).map_or_else(|| crate::i18n::Arg::Text(role), |r| role_msg(r).into())
            )),
            RecusalHomeTownship { inspector, township } => ApiError::Conflict(msg!(
                "auth-recusal-home-township",
                inspector = inspector,
                township = township
            )),
            RecusalHomeVillage { inspector, village } => ApiError::Conflict(msg!(
                "auth-recusal-home-village",
                inspector = inspector,
                village = village
            )),
            InspectionNotFound { id } => ApiError::NotFound(msg!("auth-inspection-not-found", id = id)),
            NotInspectionReader { .. } => ApiError::Forbidden(msg!("auth-not-inspection-reader")),
            ChecklistMissing { checklist } => {
                ApiError::Invalid(msg!("findings-round-checklist-missing", checklist = checklist))
            }
            FollowedRoundMissing { id } => ApiError::Invalid(msg!("findings-round-follow-up-missing", id = id)),
            Database(source) => ApiError::from(source),
            Pool(source) => ApiError::from(source),
        }
    }
}
