//! Users: creation with a role and its scope, disabling (which revokes refresh tokens).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::auth::error::{AuthError, Result};
use crate::auth::passwords::{check_password_policy, hash_password};
use crate::auth::{Caller, Role};
use crate::db::schema::{addressees, refresh_tokens, townships, users, villages};
use crate::db::{DbConn, write_transaction};
use crate::domain::clock::now_utc;
use crate::domain::{TownshipCode, VillageCode};

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub username: String,
    pub password_hash: String,
    pub role: String,
    pub township_code: Option<String>,
    pub village_code: Option<String>,
    pub home_township_code: Option<String>,
    pub home_village_code: Option<String>,
    pub disabled: bool,
    pub created_at: NaiveDateTime,
    pub failed_logins: i32,
    pub locked_until: Option<NaiveDateTime>,
    pub addressee_id: Option<String>,
}

impl UserRow {
    pub fn caller(&self) -> Result<Caller> {
        let role = Role::parse(&self.role).ok_or_else(|| AuthError::UnknownRole {
            username: self.username.clone(),
            role: self.role.clone(),
        })?;
        Ok(Caller {
            username: self.username.clone(),
            role,
            village: self.village_code.clone(),
            township: self.township_code.clone(),
        })
    }
}

/// A new user.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    /// 3–40 characters: letters, digits, `.`, `_`, `-`.
    pub username: String,
    pub role: Role,
    /// The township of a clerk.
    #[serde(default)]
    pub township: Option<String>,
    /// The village of a villager.
    #[serde(default)]
    pub village: Option<String>,
    /// An inspector's home township (recusal).
    #[serde(default)]
    pub home_township: Option<String>,
    /// An inspector's home village (recusal).
    #[serde(default)]
    pub home_village: Option<String>,
    /// The body a discipline user works for (an addressee id); their scope is its township,
    /// or the county for a county-wide body.
    #[serde(default)]
    pub addressee: Option<String>,
}

/// A user as admins see it (never the password hash).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UserView {
    pub username: String,
    pub role: Role,
    pub township: Option<String>,
    pub village: Option<String>,
    pub home_township: Option<String>,
    pub home_village: Option<String>,
    /// The body a discipline user works for.
    pub addressee: Option<String>,
    pub disabled: bool,
}

impl From<UserRow> for UserView {
    fn from(row: UserRow) -> Self {
        UserView {
            role: Role::parse(&row.role).unwrap_or(Role::Villager),
            username: row.username,
            township: row.township_code,
            village: row.village_code,
            home_township: row.home_township_code,
            home_village: row.home_village_code,
            addressee: row.addressee_id,
            disabled: row.disabled,
        }
    }
}

pub fn check_username(name: &str) -> Result<String> {
    let ok = (3..=40).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(name.to_owned())
    } else {
        Err(AuthError::BadUsername {
            username: crate::domain::truncate(name),
        })
    }
}

fn existing_township(conn: &mut DbConn, code: &str) -> Result<String> {
    let code = TownshipCode::parse(code).map_err(|reason| AuthError::InvalidValue { reason })?;
    let found: i64 = townships::table.find(code.as_str()).count().get_result(conn)?;
    if found == 0 {
        return Err(AuthError::TownshipMissing {
            township: code.as_str().to_owned(),
        });
    }
    Ok(code.as_str().to_owned())
}

fn existing_village(conn: &mut DbConn, code: &str) -> Result<String> {
    let code = VillageCode::parse(code).map_err(|reason| AuthError::InvalidValue { reason })?;
    let found: i64 = villages::table.find(code.as_str()).count().get_result(conn)?;
    if found == 0 {
        return Err(AuthError::VillageMissing {
            village: code.as_str().to_owned(),
        });
    }
    Ok(code.as_str().to_owned())
}

/// The addressee `id` and its township, if it exists.
fn existing_addressee(conn: &mut DbConn, id: &str) -> Result<(String, Option<String>)> {
    addressees::table
        .find(id)
        .select((addressees::id, addressees::township_code))
        .first(conn)
        .optional()?
        .ok_or_else(|| AuthError::AddresseeMissing {
            addressee: crate::domain::truncate(id),
        })
}

/// Creates a user with `password`.
pub fn add_user(conn: &mut DbConn, new: NewUser, password: &str) -> Result<UserView> {
    let username = check_username(&new.username)?;
    check_password_policy(password)?;
    let password_hash = hash_password(password)?;
    write_transaction(conn, |conn| {
        if new.addressee.is_some() && new.role != Role::Discipline {
            return Err(AuthError::FixedScopeNotAllowed { role: new.role });
        }
        let mut addressee_id = None;
        let (township_code, village_code) = match new.role {
            Role::Clerk => (
                Some(existing_township(
                    conn,
                    new.township.as_deref().ok_or(AuthError::ClerkWithoutTownship)?,
                )?),
                None,
            ),
            Role::Villager => (
                None,
                Some(existing_village(
                    conn,
                    new.village.as_deref().ok_or(AuthError::VillagerWithoutVillage)?,
                )?),
            ),
            Role::Discipline => {
                if new.township.is_some() || new.village.is_some() {
                    return Err(AuthError::FixedScopeNotAllowed { role: new.role });
                }
                let (id, township) = existing_addressee(
                    conn,
                    new.addressee.as_deref().ok_or(AuthError::DisciplineWithoutAddressee)?,
                )?;
                addressee_id = Some(id);
                (township, None)
            }
            Role::Inspector | Role::Admin => {
                if new.township.is_some() || new.village.is_some() {
                    return Err(AuthError::FixedScopeNotAllowed { role: new.role });
                }
                (None, None)
            }
        };
        let home_township_code = new
            .home_township
            .as_deref()
            .map(|c| existing_township(conn, c))
            .transpose()?;
        let home_village_code = new
            .home_village
            .as_deref()
            .map(|c| existing_village(conn, c))
            .transpose()?;
        let row = UserRow {
            username: username.clone(),
            password_hash,
            role: new.role.as_str().to_owned(),
            township_code,
            village_code,
            home_township_code,
            home_village_code,
            disabled: false,
            created_at: now_utc(),
            failed_logins: 0,
            locked_until: None,
            addressee_id,
        };
        diesel::insert_into(users::table)
            .values(&row)
            .execute(conn)
            .map_err(|e| match e {
                diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _) => {
                    AuthError::UserExists {
                        username: username.clone(),
                        source: e,
                    }
                }
                other => AuthError::Database(other),
            })?;
        // A server may remember that this name had no account.
        crate::db::changes::user_changed(&username);
        Ok(row.into())
    })
}

pub fn find_user(conn: &mut DbConn, username: &str) -> Result<Option<UserRow>> {
    Ok(users::table
        .find(username)
        .select(UserRow::as_select())
        .first(conn)
        .optional()?)
}

/// Disables a user and revokes every refresh token of theirs.
pub fn disable_user(conn: &mut DbConn, username: &str) -> Result<UserView> {
    write_transaction(conn, |conn| {
        let n = diesel::update(users::table.find(username))
            .set(users::disabled.eq(true))
            .execute(conn)?;
        if n == 0 {
            return Err(AuthError::UserNotFound {
                username: crate::domain::truncate(username),
            });
        }
        diesel::update(refresh_tokens::table.filter(refresh_tokens::username.eq(username)))
            .set(refresh_tokens::revoked.eq(true))
            .execute(conn)?;
        crate::db::changes::user_changed(username);
        let row = find_user(conn, username)?.ok_or_else(|| AuthError::UserNotFound {
            username: crate::domain::truncate(username),
        })?;
        Ok(row.into())
    })
}

pub fn list_users(conn: &mut DbConn) -> Result<Vec<UserView>> {
    let rows: Vec<UserRow> = users::table
        .order(users::username)
        .select(UserRow::as_select())
        .load(conn)?;
    Ok(rows.into_iter().map(UserView::from).collect())
}

/// Whether a user exists and is enabled (tokens of disabled users stop working at once).
pub fn is_enabled(conn: &mut DbConn, username: &str) -> Result<bool> {
    Ok(users::table
        .find(username)
        .select(users::disabled)
        .first::<bool>(conn)
        .optional()?
        .is_some_and(|disabled| !disabled))
}
