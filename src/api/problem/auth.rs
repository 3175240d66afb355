//! How errors of the `auth` service become problem documents.

use super::ApiError;
use crate::auth::{AuthError, Role, TokenFault};

fn role_name(role: Role) -> &'static str {
    role.as_str()
}

fn token_fault(fault: TokenFault) -> &'static str {
    match fault {
        TokenFault::TooLong => "too long",
        TokenFault::Malformed => "malformed",
        TokenFault::WrongAlgorithm => "wrong algorithm",
        TokenFault::NoKeyId => "no key id",
        TokenFault::UnknownKey => "unknown or retired key",
        TokenFault::SignatureOrClaims => "signature or claims",
        TokenFault::NoSubject => "no subject",
    }
}

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> Self {
        use AuthError::*;
        match e {
            InvalidValue { reason } => ApiError::Invalid(reason.to_string()),
            BadUsername { username } => ApiError::Invalid(format!(
                "username `{username}` must be 3–40 characters of letters, digits, `.`, `_` or `-`"
            )),
            PasswordTooShort { min } => ApiError::Invalid(format!("the password must have at least {min} characters")),
            PasswordTooLong { max } => ApiError::Invalid(format!("the password must have at most {max} characters")),
            TownshipMissing { township } => ApiError::Invalid(format!("township {township} does not exist")),
            VillageMissing { village } => ApiError::Invalid(format!("village {village} does not exist")),
            ClerkWithoutTownship => ApiError::Invalid("a clerk needs a township".into()),
            VillagerWithoutVillage => ApiError::Invalid("a villager needs a village".into()),
            FixedScopeNotAllowed { .. } => ApiError::Invalid(
                "inspectors and admins have no fixed scope; an inspector's scope comes from inspection rounds".into(),
            ),
            UserExists { username, source } => {
                tracing::info!(error = %source, "unique violation");
                ApiError::Conflict(format!("user {username} already exists"))
            }
            UserNotFound { username } => ApiError::NotFound(format!("no user {username}")),
            e @ (UnknownRole { .. } | PasswordHash { .. } | NoSigningKey) => ApiError::Internal(e.to_string()),
            Sign(source) => ApiError::Internal(format!("cannot sign a token: {source}")),
            NotLedgerWriter { role } => ApiError::Forbidden(format!(
                "a {} cannot write the ledger; township finance station clerks post entries",
                role_name(role)
            )),
            AdminOnly { .. } => ApiError::Forbidden("only administrators may do this".into()),
            VillageNotFound { village } => ApiError::NotFound(format!("no village {village} in your scope")),
            TownshipNotFound { township } => ApiError::NotFound(format!("no township {township} in your scope")),
            Locked => ApiError::Locked("too many wrong passwords for this username; wait a while and try again".into()),
            BadAccessToken { fault } => ApiError::Unauthorized(format!(
                "the access token is not valid ({}); sign in again",
                token_fault(fault)
            )),
            BadRefreshToken => ApiError::Unauthorized("the refresh token is not valid; sign in again".into()),
            RoundEndsBeforeStart { starts_on, ends_on } => {
                ApiError::Invalid(format!("ends_on {ends_on} is before starts_on {starts_on}"))
            }
            RoundWithoutInspectors => ApiError::Invalid("a round needs at least one inspector".into()),
            RoundWithoutTargets => ApiError::Invalid("a round needs at least one township or village".into()),
            RoundTooLarge { max } => ApiError::Invalid(format!(
                "a round names at most {max} inspectors, townships and villages together"
            )),
            NoEnabledUser { username } => ApiError::Invalid(format!("no enabled user {username}")),
            NotAnInspector { username, role } => ApiError::Invalid(format!("{username} is a {role}, not an inspector")),
            RecusalHomeTownship { inspector, township } => ApiError::Conflict(format!(
                "recusal: inspector {inspector}'s home township {township} is in this round's scope (交叉巡察回避)"
            )),
            RecusalHomeVillage { inspector, village } => ApiError::Conflict(format!(
                "recusal: inspector {inspector}'s home village {village} is in this round's scope (交叉巡察回避)"
            )),
            InspectionNotFound { id } => ApiError::NotFound(format!("no inspection {id} in your scope")),
            NotInspectionReader { .. } => {
                ApiError::Forbidden("only admins and inspectors see inspection rounds".into())
            }
            Database(source) => ApiError::from(source),
            Pool(source) => ApiError::from(source),
        }
    }
}
