//! What a cross-check looks at: the villages a request names (one village, one township, or
//! every village the caller sees), checked against the caller's scope, and the date window.

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Serialize;

use crate::auth::inspections::readable_inspection;
use crate::auth::scope::{TownshipView, inspector_scope, readable_village, township_view};
use crate::auth::{Caller, Role};
use crate::crosscheck::error::{CrosscheckError, Result};
use crate::db::DbConn;
use crate::db::schema::{townships, villages};
use crate::domain::{TownshipCode, VillageCode};

/// One village of a cross-check's scope.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ScopeVillage {
    pub code: String,
    pub name: String,
    pub township_code: String,
    pub township_name: String,
}

/// Which villages to take: those of one township, those listed, or every one.
pub enum VillageFilter<'a> {
    All,
    Township(&'a str),
    Codes(&'a [String]),
}

/// The villages that `filter` selects, by code.
pub fn scope_villages(conn: &mut DbConn, filter: VillageFilter) -> Result<Vec<ScopeVillage>> {
    let mut query = villages::table
        .inner_join(townships::table)
        .select((villages::code, villages::name, villages::township_code, townships::name))
        .order(villages::code)
        .into_boxed();
    query = match filter {
        VillageFilter::All => query,
        VillageFilter::Township(t) => query.filter(villages::township_code.eq(t.to_owned())),
        VillageFilter::Codes(codes) => query.filter(villages::code.eq_any(codes.to_vec())),
    };
    let rows: Vec<(String, String, String, String)> = query.load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(code, name, township_code, township_name)| ScopeVillage {
            code,
            name,
            township_code,
            township_name,
        })
        .collect())
}

/// What kind of scope a cross-check covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ScopeKind {
    /// One village.
    Village,
    /// The villages of one township the caller sees.
    Township,
    /// Every village the caller sees.
    County,
    /// The villages of one inspection round (named by its id).
    Inspection,
}

/// What a cross-check looks at: the villages (all of them in the caller's scope), named as the
/// request named them.
#[derive(Clone, Debug)]
pub struct Scope {
    pub kind: ScopeKind,
    /// The code the request named (a round's id for `inspection`); empty for `county`.
    pub code: String,
    pub villages: Vec<ScopeVillage>,
}

impl Scope {
    pub fn village_codes(&self) -> Vec<String> {
        self.villages.iter().map(|v| v.code.clone()).collect()
    }
}

/// An inclusive date window; either end open.
#[derive(Clone, Copy, Debug, Default, Serialize, utoipa::ToSchema)]
pub struct DateWindow {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

impl DateWindow {
    /// The window from `from` to `to`; refused when it ends before it starts.
    pub fn new(from: Option<NaiveDate>, to: Option<NaiveDate>) -> Result<Self> {
        if let (Some(from), Some(to)) = (from, to)
            && from > to
        {
            return Err(CrosscheckError::WindowReversed { from, to });
        }
        Ok(DateWindow { from, to })
    }

    pub fn contains(&self, day: NaiveDate) -> bool {
        self.from.is_none_or(|f| day >= f) && self.to.is_none_or(|t| day <= t)
    }
}

/// Refuses villagers: the cross-check is for the people who check the books.
pub fn require_checker(caller: &Caller) -> Result<()> {
    if caller.role == Role::Villager {
        return Err(CrosscheckError::CheckersOnly { role: caller.role });
    }
    Ok(())
}

/// The villages a cross-check request names, checked against the caller's scope on `today`:
/// one village, one township (the part of it the caller sees), or, when `county` is allowed
/// and neither is named, every village the caller sees.
pub fn resolve_scope(
    conn: &mut DbConn,
    caller: &Caller,
    village: Option<&str>,
    township: Option<&str>,
    county: bool,
    today: NaiveDate,
) -> Result<Scope> {
    require_checker(caller)?;
    match (village, township) {
        (Some(_), Some(_)) => Err(CrosscheckError::BothScopes),
        (Some(code), None) => village_scope(conn, caller, code, today),
        (None, Some(code)) => township_scope(conn, caller, code, today),
        (None, None) if !county => Err(CrosscheckError::NoScope),
        (None, None) => Ok(Scope {
            kind: ScopeKind::County,
            code: String::new(),
            villages: visible_villages(conn, caller, today)?,
        }),
    }
}

/// The villages of inspection round `id` (its villages and the villages of its townships), for
/// an administrator or one of the round's inspectors while the round is open: after its window
/// its inspectors no longer read its villages. Other roles are refused; a round that is not
/// the inspector's is missing to them.
fn inspection_scope(conn: &mut DbConn, caller: &Caller, id: &str, today: NaiveDate) -> Result<Scope> {
    let round = readable_inspection(conn, caller, id, today)?;
    if caller.role == Role::Inspector && !round.open {
        return Err(CrosscheckError::RoundClosed { id: round.id });
    }
    let mut villages = scope_villages(conn, VillageFilter::Codes(&round.villages))?;
    for t in &round.townships {
        villages.extend(scope_villages(conn, VillageFilter::Township(t))?);
    }
    villages.sort_by(|a, b| a.code.cmp(&b.code));
    villages.dedup_by(|a, b| a.code == b.code);
    Ok(Scope {
        kind: ScopeKind::Inspection,
        code: round.id,
        villages,
    })
}

/// The villages a red-flag request names: one inspection round (see [`inspection_scope`]), or
/// as [`resolve_scope`] takes them, the county allowed.
pub fn resolve_flag_scope(
    conn: &mut DbConn,
    caller: &Caller,
    inspection: Option<&str>,
    village: Option<&str>,
    township: Option<&str>,
    today: NaiveDate,
) -> Result<Scope> {
    require_checker(caller)?;
    match inspection {
        Some(_) if village.is_some() || township.is_some() => Err(CrosscheckError::RoundAndPlace),
        Some(id) => inspection_scope(conn, caller, id, today),
        None => resolve_scope(conn, caller, village, township, true, today),
    }
}

fn village_scope(conn: &mut DbConn, caller: &Caller, code: &str, today: NaiveDate) -> Result<Scope> {
    let code = VillageCode::parse(code).map_err(|reason| CrosscheckError::BadScopeCode { reason })?;
    let row = readable_village(conn, caller, &code, today)?;
    Ok(Scope {
        kind: ScopeKind::Village,
        code: row.code.clone(),
        villages: scope_villages(conn, VillageFilter::Codes(&[row.code]))?,
    })
}

fn township_scope(conn: &mut DbConn, caller: &Caller, code: &str, today: NaiveDate) -> Result<Scope> {
    let code = TownshipCode::parse(code).map_err(|reason| CrosscheckError::BadScopeCode { reason })?;
    let mut villages = scope_villages(conn, VillageFilter::Township(code.as_str()))?;
    if let TownshipView::Only(visible) = township_view(conn, caller, &code, today)? {
        villages.retain(|v| visible.contains(&v.code));
    }
    if villages.is_empty() {
        return Err(CrosscheckError::TownshipNotInScope {
            township: code.as_str().to_owned(),
        });
    }
    Ok(Scope {
        kind: ScopeKind::Township,
        code: code.as_str().to_owned(),
        villages,
    })
}

/// Every village the caller sees: the county for admins, their township for clerks and
/// discipline users of a township's body (the county for a county-wide body), the
/// villages and townships of their open rounds for inspectors.
fn visible_villages(conn: &mut DbConn, caller: &Caller, today: NaiveDate) -> Result<Vec<ScopeVillage>> {
    match caller.role {
        Role::Admin => scope_villages(conn, VillageFilter::All),
        Role::Discipline if caller.township.is_none() => scope_villages(conn, VillageFilter::All),
        Role::Clerk | Role::Discipline => {
            scope_villages(conn, VillageFilter::Township(caller.township.as_deref().unwrap_or("")))
        }
        _ => {
            let rounds = inspector_scope(conn, &caller.username, today)?;
            let mut villages = scope_villages(conn, VillageFilter::Codes(&rounds.villages))?;
            for t in &rounds.townships {
                villages.extend(scope_villages(conn, VillageFilter::Township(t))?);
            }
            villages.sort_by(|a, b| a.code.cmp(&b.code));
            villages.dedup_by(|a, b| a.code == b.code);
            Ok(villages)
        }
    }
}
