//! What identity and access can refuse or fail with. Each variant names the case and carries
//! its values; the words a caller reads are chosen in `api::problem::auth`, `Display` is for the
//! server log.

use chrono::NaiveDate;

use crate::auth::Role;

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    // --- values a request sent ---
    /// A value the domain's parsers refuse (a code, a bounded text), with their reason.
    #[error("{reason}")]
    InvalidValue { reason: crate::domain::ValueError },
    #[error("username `{username}` is not 3–40 letters, digits, `.`, `_` or `-`")]
    BadUsername { username: String },
    #[error("the password is shorter than {min} characters")]
    PasswordTooShort { min: usize },
    #[error("the password is longer than {max} characters")]
    PasswordTooLong { max: usize },
    #[error("township {township} does not exist")]
    TownshipMissing { township: String },
    #[error("village {village} does not exist")]
    VillageMissing { village: String },
    #[error("a clerk needs a township")]
    ClerkWithoutTownship,
    #[error("a villager needs a village")]
    VillagerWithoutVillage,
    #[error("a {role:?} was given a fixed scope")]
    FixedScopeNotAllowed { role: Role },
    #[error("a discipline user needs the body they work for")]
    DisciplineWithoutAddressee,
    #[error("no addressee {addressee}")]
    AddresseeMissing { addressee: String },

    // --- users ---
    #[error("user {username} already exists")]
    UserExists {
        username: String,
        #[source]
        source: diesel::result::Error,
    },
    #[error("no user {username}")]
    UserNotFound { username: String },
    #[error("user {username} has unknown role {role}")]
    UnknownRole { username: String, role: String },
    #[error("cannot hash the password: {reason}")]
    PasswordHash { reason: String },

    // --- roles and scopes ---
    #[error("a {role:?} may not write the ledger")]
    NotLedgerWriter { role: Role },
    #[error("a {role:?} may not do what only administrators may")]
    AdminOnly { role: Role },
    #[error("village {village} is missing or outside the caller's scope")]
    VillageNotFound { village: String },
    #[error("township {township} is missing or outside the caller's scope")]
    TownshipNotFound { township: String },

    // --- sign-in and tokens ---
    #[error("the username is locked after too many wrong passwords")]
    Locked,
    #[error("access token refused: {fault}")]
    BadAccessToken { fault: TokenFault },
    #[error("refresh token refused")]
    BadRefreshToken,
    #[error("no signing key is loaded")]
    NoSigningKey,
    #[error("cannot sign a token")]
    Sign(#[source] jsonwebtoken::errors::Error),

    // --- inspection rounds ---
    #[error("ends_on {ends_on} is before starts_on {starts_on}")]
    RoundEndsBeforeStart { starts_on: NaiveDate, ends_on: NaiveDate },
    #[error("a round without inspectors")]
    RoundWithoutInspectors,
    #[error("a round without townships or villages")]
    RoundWithoutTargets,
    #[error("a round naming more than {max} members")]
    RoundTooLarge { max: usize },
    #[error("no enabled user {username}")]
    NoEnabledUser { username: String },
    #[error("{username} is a {role}, not an inspector")]
    NotAnInspector { username: String, role: String },
    #[error("recusal: inspector {inspector}'s home township {township} is in the round's scope")]
    RecusalHomeTownship { inspector: String, township: String },
    #[error("recusal: inspector {inspector}'s home village {village} is in the round's scope")]
    RecusalHomeVillage { inspector: String, village: String },
    #[error("no inspection round {id} in the caller's scope")]
    InspectionNotFound { id: String },
    #[error("a {role:?} may not see inspection rounds")]
    NotInspectionReader { role: Role },
    #[error("no checklist {checklist}")]
    ChecklistMissing { checklist: String },
    #[error("no round {id} to follow up")]
    FollowedRoundMissing { id: String },

    // --- the database ---
    #[error("database error")]
    Database(#[from] diesel::result::Error),
    #[error("no database connection")]
    Pool(#[from] diesel::r2d2::PoolError),
}

/// Why an access token was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TokenFault {
    #[error("too long")]
    TooLong,
    #[error("malformed")]
    Malformed,
    #[error("wrong algorithm")]
    WrongAlgorithm,
    #[error("no key id")]
    NoKeyId,
    #[error("unknown or retired key")]
    UnknownKey,
    #[error("signature or claims")]
    SignatureOrClaims,
    #[error("no subject")]
    NoSubject,
}

pub type Result<T, E = AuthError> = std::result::Result<T, E>;
