//! Per-object access: every village, township and entry a request names is checked against the
//! caller's scope. Outside the scope answers exactly like a missing object (404), so ids cannot
//! be probed; a role that lacks the function answers 403. Callers reach these checks only through
//! the `Caller` extractor, which has already refused tokens of disabled accounts (401).

use chrono::NaiveDate;
use diesel::prelude::*;

use crate::auth::error::{AuthError, Result};
use crate::auth::{Caller, Role};
use crate::db::DbConn;
use crate::db::schema::{inspection_inspectors, inspection_targets, inspections};
use crate::domain::{TownshipCode, VillageCode};
use crate::ledger::villages::{VillageRow, village_row};

/// What an inspector's open rounds cover today.
#[derive(Debug, Default)]
pub struct InspectorScope {
    pub townships: Vec<String>,
    pub villages: Vec<String>,
}

impl InspectorScope {
    pub fn covers(&self, village: &VillageRow) -> bool {
        self.villages.contains(&village.code) || self.townships.contains(&village.township_code)
    }
}

/// The village row; a missing village is refused like one outside the caller's scope.
fn find_village(conn: &mut DbConn, code: &VillageCode) -> Result<VillageRow> {
    village_row(conn, code)?.ok_or_else(|| village_not_found(code))
}

fn village_not_found(code: &VillageCode) -> AuthError {
    AuthError::VillageNotFound {
        village: code.as_str().to_owned(),
    }
}

/// The townships and villages of the inspector's rounds that are open on `today`.
pub fn inspector_scope(conn: &mut DbConn, username: &str, today: NaiveDate) -> Result<InspectorScope> {
    let targets: Vec<(String, String)> = inspection_targets::table
        .inner_join(inspections::table.on(inspections::id.eq(inspection_targets::inspection_id)))
        .inner_join(
            inspection_inspectors::table.on(inspection_inspectors::inspection_id.eq(inspection_targets::inspection_id)),
        )
        .filter(inspection_inspectors::username.eq(username))
        .filter(inspections::starts_on.le(today))
        .filter(inspections::ends_on.ge(today))
        .select((inspection_targets::kind, inspection_targets::code))
        .load(conn)?;
    let mut scope = InspectorScope::default();
    for (kind, code) in targets {
        if kind == "township" {
            scope.townships.push(code);
        } else {
            scope.villages.push(code);
        }
    }
    Ok(scope)
}

fn covers_village(conn: &mut DbConn, caller: &Caller, village: &VillageRow, today: NaiveDate) -> Result<bool> {
    Ok(match caller.role {
        Role::Admin => true,
        Role::Villager => caller.village.as_deref() == Some(village.code.as_str()),
        Role::Clerk => caller.township.as_deref() == Some(village.township_code.as_str()),
        Role::Discipline => caller.township.as_deref().is_none_or(|t| t == village.township_code),
        Role::Inspector => inspector_scope(conn, &caller.username, today)?.covers(village),
    })
}

/// Whether the caller may read village `code` of `township`, when that can be told without the
/// database: `None` for inspectors, whose scope comes from today's inspection rounds.
pub fn covers_known_village(caller: &Caller, code: &str, township: &str) -> Option<bool> {
    match caller.role {
        Role::Admin => Some(true),
        Role::Villager => Some(caller.village.as_deref() == Some(code)),
        Role::Clerk => Some(caller.township.as_deref() == Some(township)),
        Role::Discipline => Some(caller.township.as_deref().is_none_or(|t| t == township)),
        Role::Inspector => None,
    }
}

/// The village, if the caller may read it; otherwise 404.
pub fn readable_village(
    conn: &mut DbConn,
    caller: &Caller,
    code: &VillageCode,
    today: NaiveDate,
) -> Result<VillageRow> {
    let village = find_village(conn, code)?;
    if covers_village(conn, caller, &village, today)? {
        Ok(village)
    } else {
        Err(village_not_found(code))
    }
}

/// The codes of the townships the caller sees some of: `None` for all (administrators).
/// Clerks see their township, villagers their village's, inspectors those of their open
/// rounds, named or through one of their villages.
pub fn visible_townships(conn: &mut DbConn, caller: &Caller, today: NaiveDate) -> Result<Option<Vec<String>>> {
    Ok(Some(match caller.role {
        Role::Admin => return Ok(None),
        Role::Discipline if caller.township.is_none() => return Ok(None),
        Role::Clerk | Role::Discipline => caller.township.iter().cloned().collect(),
        Role::Villager => match caller.village.as_deref().map(VillageCode::parse) {
            Some(Ok(code)) => vec![find_village(conn, &code)?.township_code],
            _ => Vec::new(),
        },
        Role::Inspector => {
            let scope = inspector_scope(conn, &caller.username, today)?;
            let mut codes = scope.townships;
            for v in scope.villages {
                if let Ok(code) = VillageCode::parse(&v) {
                    codes.push(find_village(conn, &code)?.township_code);
                }
            }
            codes
        }
    }))
}

/// Refuses roles that may not write the ledger (403).
pub fn require_ledger_writer(caller: &Caller) -> Result<()> {
    if caller.role == Role::Clerk {
        Ok(())
    } else {
        Err(AuthError::NotLedgerWriter { role: caller.role })
    }
}

/// The village, if the caller may write its ledger: 403 for roles that never write, 404 for
/// a village outside the clerk's township.
pub fn writable_village(conn: &mut DbConn, caller: &Caller, code: &VillageCode) -> Result<VillageRow> {
    require_ledger_writer(caller)?;
    let village = find_village(conn, code)?;
    if caller.township.as_deref() == Some(village.township_code.as_str()) {
        Ok(village)
    } else {
        Err(village_not_found(code))
    }
}

/// Refuses everyone but admins (403).
pub fn require_admin(caller: &Caller) -> Result<()> {
    // A disabled account is a 401 whatever its role was.
    if caller.role != Role::Admin {
        return Err(AuthError::AdminOnly { role: caller.role });
    }
    Ok(())
}

/// Which villages of a township the caller sees: all of them, or only those listed.
pub enum TownshipView {
    All,
    Only(Vec<String>),
}

/// How much of `township` the caller may see; 404 when nothing.
pub fn township_view(
    conn: &mut DbConn,
    caller: &Caller,
    township: &TownshipCode,
    today: NaiveDate,
) -> Result<TownshipView> {
    let not_found = || AuthError::TownshipNotFound {
        township: township.as_str().to_owned(),
    };
    match caller.role {
        Role::Admin => Ok(TownshipView::All),
        Role::Discipline if caller.township.is_none() => Ok(TownshipView::All),
        Role::Clerk | Role::Discipline if caller.township.as_deref() == Some(township.as_str()) => {
            Ok(TownshipView::All)
        }
        Role::Clerk | Role::Discipline => Err(not_found()),
        Role::Villager => {
            let village = caller.village.as_deref().ok_or_else(not_found)?;
            let row = find_village(conn, &VillageCode::parse(village).map_err(|_| not_found())?)?;
            if row.township_code == township.as_str() {
                Ok(TownshipView::Only(vec![row.code]))
            } else {
                Err(not_found())
            }
        }
        Role::Inspector => {
            let scope = inspector_scope(conn, &caller.username, today)?;
            if scope.townships.iter().any(|t| t == township.as_str()) {
                return Ok(TownshipView::All);
            }
            // The listing keeps only those of the township's villages; none left means 404.
            Ok(TownshipView::Only(scope.villages))
        }
    }
}

/// The codes of the villages the caller may read in `township` (which must exist), or across
/// their whole scope (`None`), by code. A township the caller may not see is 404; a scope with
/// no village in it is an empty list.
pub fn readable_villages(
    conn: &mut DbConn,
    caller: &Caller,
    township: Option<&TownshipCode>,
    today: NaiveDate,
) -> Result<Vec<String>> {
    use crate::db::schema::{townships, villages};
    let of_township = |conn: &mut DbConn, code: &TownshipCode| -> Result<Vec<String>> {
        let view = township_view(conn, caller, code, today)?;
        let all: Vec<String> = villages::table
            .filter(villages::township_code.eq(code.as_str()))
            .order(villages::code)
            .select(villages::code)
            .load(conn)?;
        Ok(match view {
            TownshipView::All => all,
            TownshipView::Only(codes) => all.into_iter().filter(|v| codes.contains(v)).collect(),
        })
    };
    match township {
        Some(code) => {
            let exists = townships::table.find(code.as_str()).count().get_result::<i64>(conn)? > 0;
            let visible = if exists { of_township(conn, code)? } else { Vec::new() };
            if !exists || (visible.is_empty() && !matches!(caller.role, Role::Admin | Role::Clerk | Role::Discipline)) {
                return Err(AuthError::TownshipNotFound {
                    township: code.as_str().to_owned(),
                });
            }
            Ok(visible)
        }
        None => match visible_townships(conn, caller, today)? {
            None => Ok(villages::table
                .order(villages::code)
                .select(villages::code)
                .load(conn)?),
            Some(mut codes) => {
                codes.sort();
                codes.dedup();
                let mut out = Vec::new();
                for code in codes {
                    let Ok(code) = TownshipCode::parse(&code) else { continue };
                    out.extend(of_township(conn, &code)?);
                }
                out.sort();
                Ok(out)
            }
        },
    }
}
