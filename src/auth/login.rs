//! Signing in with a password, trading a refresh token for new tokens, and signing out.
//!
//! Wrong passwords for one username slow the answers down and, after `max_failures` in a row,
//! lock the username for `lock_seconds`. Known usernames keep their count in the database (it
//! survives restarts and is shared by several servers); unknown usernames are counted in
//! memory so that both answer alike and a username cannot be probed.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::Duration as ChronoDuration;
use diesel::prelude::*;

use crate::auth::Caller;
use crate::auth::error::{AuthError, Result};
use crate::auth::passwords::{verify_dummy, verify_password};
use crate::auth::tokens::{hash_refresh_token, new_refresh_token, refresh_expiry};
use crate::auth::users::{UserRow, find_user};
use crate::db::schema::{refresh_tokens, users};
use crate::db::{DbConn, write_transaction};
use crate::domain::clock::now_utc;

/// Limits on password guessing.
#[derive(Clone, Copy, Debug)]
pub struct LoginPolicy {
    pub max_failures: u32,
    pub lock_seconds: u64,
}

/// Failures of usernames that do not exist, kept in memory.
#[derive(Default)]
pub struct UnknownUserThrottle {
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

const MAX_TRACKED_UNKNOWN: usize = 50_000;

impl UnknownUserThrottle {
    fn locked(&self, username: &str, policy: LoginPolicy) -> bool {
        let Ok(map) = self.failures.lock() else { return false };
        map.get(username)
            .is_some_and(|(n, at)| *n >= policy.max_failures && at.elapsed() < Duration::from_secs(policy.lock_seconds))
    }

    fn fail(&self, username: &str, policy: LoginPolicy) -> u32 {
        let Ok(mut map) = self.failures.lock() else { return 0 };
        if map.len() >= MAX_TRACKED_UNKNOWN {
            let window = Duration::from_secs(policy.lock_seconds);
            map.retain(|_, (_, at)| at.elapsed() < window);
        }
        let entry = map.entry(username.to_owned()).or_insert((0, Instant::now()));
        if entry.1.elapsed() >= Duration::from_secs(policy.lock_seconds) {
            entry.0 = 0;
        }
        entry.0 += 1;
        entry.1 = Instant::now();
        entry.0
    }
}

/// The result of a sign-in attempt.
pub enum LoginOutcome {
    Success {
        caller: Caller,
        refresh_token: String,
    },
    /// Wrong username or password; `failures` so far, for the slow-down.
    Failed {
        failures: u32,
    },
    Locked,
}

pub fn locked_error() -> AuthError {
    AuthError::Locked
}

/// How long after it arrived a failed attempt is answered: grows with the failures in a row.
/// Every failure, of a known or an unknown username, is answered at its arrival plus this
/// delay, so the time to the answer tells nothing about which check failed.
pub fn failure_delay(failures: u32) -> Duration {
    Duration::from_millis(u64::from(failures.min(8)) * 250)
}

/// Checks a username and password. Never says which of the two was wrong.
pub fn sign_in(
    conn: &mut DbConn,
    throttle: &UnknownUserThrottle,
    policy: LoginPolicy,
    username: &str,
    password: &str,
) -> Result<LoginOutcome> {
    let Some(user) = find_user(conn, username)? else {
        if throttle.locked(username, policy) {
            return Ok(LoginOutcome::Locked);
        }
        verify_dummy(password);
        return Ok(LoginOutcome::Failed {
            failures: throttle.fail(username, policy),
        });
    };
    // The attempt is counted before the (slow) password check, so guesses sent in parallel
    // cannot test more passwords than the limit allows before the lock falls.
    if !reserve_attempt(conn, username, policy)? {
        return Ok(LoginOutcome::Locked);
    }
    if !verify_password(password, &user.password_hash) || user.disabled {
        let failures = count_failure(conn, username, policy)?;
        return Ok(LoginOutcome::Failed { failures });
    }
    let caller = user.caller()?;
    let refresh_token = write_transaction(conn, |conn| {
        diesel::update(users::table.find(username))
            .set((
                users::failed_logins.eq(0),
                users::locked_until.eq(None::<chrono::NaiveDateTime>),
            ))
            .execute(conn)?;
        store_refresh_token(conn, &user)
    })?;
    Ok(LoginOutcome::Success { caller, refresh_token })
}

/// Counts an attempt for a known username before its password is checked; `false` when the
/// username is locked or the attempts in flight already reach the limit. An expired lock
/// starts a fresh count.
fn reserve_attempt(conn: &mut DbConn, username: &str, policy: LoginPolicy) -> Result<bool> {
    let max = i32::try_from(policy.max_failures).unwrap_or(i32::MAX);
    let now = now_utc();
    write_transaction(conn, |conn| {
        diesel::update(users::table.find(username).filter(users::locked_until.le(now)))
            .set((
                users::failed_logins.eq(0),
                users::locked_until.eq(None::<chrono::NaiveDateTime>),
            ))
            .execute(conn)?;
        let reserved = diesel::update(
            users::table
                .find(username)
                .filter(users::locked_until.is_null())
                .filter(users::failed_logins.lt(max)),
        )
        .set(users::failed_logins.eq(users::failed_logins + 1))
        .execute(conn)?;
        Ok(reserved == 1)
    })
}

/// Records that a reserved attempt failed and locks the username once the failures in a row
/// reach the limit. Returns the failures so far, for the slow-down.
fn count_failure(conn: &mut DbConn, username: &str, policy: LoginPolicy) -> Result<u32> {
    write_transaction(conn, |conn| {
        let failures: i32 = users::table.find(username).select(users::failed_logins).first(conn)?;
        let failures = u32::try_from(failures).unwrap_or(0).max(1);
        if failures >= policy.max_failures {
            let lock = ChronoDuration::seconds(i64::try_from(policy.lock_seconds).unwrap_or(900));
            diesel::update(users::table.find(username).filter(users::locked_until.is_null()))
                .set(users::locked_until.eq(Some(now_utc() + lock)))
                .execute(conn)?;
        }
        Ok(failures)
    })
}

fn store_refresh_token(conn: &mut DbConn, user: &UserRow) -> Result<String> {
    let (token, hash) = new_refresh_token();
    diesel::insert_into(refresh_tokens::table)
        .values((
            refresh_tokens::token_hash.eq(hash),
            refresh_tokens::username.eq(&user.username),
            refresh_tokens::issued_at.eq(now_utc()),
            refresh_tokens::expires_at.eq(refresh_expiry()),
            refresh_tokens::revoked.eq(false),
        ))
        .execute(conn)?;
    Ok(token)
}

/// Trades a refresh token for a new one. A refresh token works once: presenting a used one
/// again revokes every refresh token of that user (it was probably stolen).
pub fn refresh(conn: &mut DbConn, token: &str) -> Result<(Caller, String)> {
    let invalid = || AuthError::BadRefreshToken;
    if token.len() > 200 {
        return Err(invalid());
    }
    let hash = hash_refresh_token(token);
    // The outer result is the transaction's; the inner one is the answer, committed either way
    // (a reuse's revocations must stick although the request is refused).
    write_transaction(conn, |conn| {
        let row: Option<(String, chrono::NaiveDateTime, Option<chrono::NaiveDateTime>, bool)> = refresh_tokens::table
            .find(&hash)
            .select((
                refresh_tokens::username,
                refresh_tokens::expires_at,
                refresh_tokens::used_at,
                refresh_tokens::revoked,
            ))
            .first(conn)
            .optional()?;
        let Some((username, expires_at, used_at, revoked)) = row else {
            return Ok(Err(invalid()));
        };
        let now = now_utc();
        let revoke_family = |conn: &mut DbConn| {
            diesel::update(refresh_tokens::table.filter(refresh_tokens::username.eq(&username)))
                .set(refresh_tokens::revoked.eq(true))
                .execute(conn)
        };
        if used_at.is_some() {
            revoke_family(conn)?;
            return Ok(Err(invalid()));
        }
        if revoked || expires_at <= now {
            return Ok(Err(invalid()));
        }
        let Some(user) = find_user(conn, &username)? else {
            return Ok(Err(invalid()));
        };
        if user.disabled {
            return Ok(Err(invalid()));
        }
        // Claim the token only if nobody else did in the meantime: PostgreSQL runs these
        // transactions concurrently (read committed), and the row read above may be stale. A
        // lost race is a reuse.
        let claimed = diesel::update(
            refresh_tokens::table
                .find(&hash)
                .filter(refresh_tokens::used_at.is_null())
                .filter(refresh_tokens::revoked.eq(false)),
        )
        .set(refresh_tokens::used_at.eq(Some(now)))
        .execute(conn)?;
        if claimed == 0 {
            revoke_family(conn)?;
            return Ok(Err(invalid()));
        }
        let next = store_refresh_token(conn, &user)?;
        Ok::<_, AuthError>(Ok((user.caller()?, next)))
    })?
}

/// Signs out: revokes the refresh token presented, so it can no longer be traded (the access
/// tokens issued with it expire on their own within the hour). Answers whose token it was, or
/// `None` when no live token matched (unknown, already used, revoked or expired): signing out
/// twice is not an error, and the answer tells a caller nothing about other people's tokens.
pub fn revoke_refresh_token(conn: &mut DbConn, token: &str) -> Result<Option<String>> {
    if token.len() > 200 {
        return Ok(None);
    }
    let hash = hash_refresh_token(token);
    write_transaction(conn, |conn| {
        let username: Option<String> = refresh_tokens::table
            .find(&hash)
            .filter(refresh_tokens::used_at.is_null())
            .filter(refresh_tokens::revoked.eq(false))
            .filter(refresh_tokens::expires_at.gt(now_utc()))
            .select(refresh_tokens::username)
            .first(conn)
            .optional()?;
        if username.is_some() {
            diesel::update(refresh_tokens::table.find(&hash))
                .set(refresh_tokens::revoked.eq(true))
                .execute(conn)?;
        }
        Ok(username)
    })
}
