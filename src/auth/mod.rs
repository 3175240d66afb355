//! Identity and access: users and their passwords, signed access tokens and refresh tokens,
//! the four roles, per-object scopes, inspection rounds with recusal, and the audit log.

pub mod audit;
pub mod error;
pub mod inspections;
pub mod keys;
pub mod login;
pub mod passwords;
pub mod scope;
pub mod tokens;
pub mod users;
pub mod verified;

use serde::{Deserialize, Serialize};

pub use error::{AuthError, TokenFault};

/// What a user may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads one village.
    Villager,
    /// A township finance station clerk: reads and writes the villages of one township.
    Clerk,
    /// Reads the villages of the open inspection rounds they are assigned to.
    Inspector,
    /// Reads everything; manages users, townships, villages and inspection rounds.
    Admin,
    /// Works for a body referral tickets are addressed to (a discipline office, the police, a
    /// department): receives and concludes its tickets, and reads the villages of its township
    /// (all of them for a county-wide body) to follow them up.
    Discipline,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Villager => "villager",
            Role::Clerk => "clerk",
            Role::Inspector => "inspector",
            Role::Admin => "admin",
            Role::Discipline => "discipline",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "villager" => Role::Villager,
            "clerk" => Role::Clerk,
            "inspector" => Role::Inspector,
            "admin" => Role::Admin,
            "discipline" => Role::Discipline,
            _ => return None,
        })
    }
}

/// The authenticated caller of a request, from a verified access token.
#[derive(Clone, Debug)]
pub struct Caller {
    pub username: String,
    pub role: Role,
    /// The village of a villager.
    pub village: Option<String>,
    /// The township of a clerk, or of a discipline user's body (none for a county-wide one).
    pub township: Option<String>,
}
