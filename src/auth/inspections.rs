//! Inspection rounds (巡察): a named group of inspectors over townships and villages for a date
//! window. Recusal (交叉巡察回避): an inspector is never assigned to a round whose scope contains
//! their home township or home village.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::auth::error::{AuthError, Result};
use crate::auth::users::find_user;
use crate::auth::{Caller, Role};
use crate::db::schema::{inspection_inspectors, inspection_targets, inspections, townships, villages};
use crate::db::{DbConn, write_transaction};
use crate::domain::{BoundedText, TownshipCode, VillageCode};
use crate::domain::{clock::now_utc, ids::new_id};

const MAX_NAME_CHARS: usize = 100;
const MAX_MEMBERS: usize = 200;

/// A new inspection round.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "2025年第二轮交叉巡察",
    "inspectors": ["inspector-wang"],
    "townships": ["331022002000"],
    "villages": [],
    "starts_on": "2025-05-01",
    "ends_on": "2025-06-30"
}))]
pub struct NewInspection {
    /// At most 100 characters.
    pub name: String,
    /// Usernames of inspectors.
    pub inspectors: Vec<String>,
    #[serde(default)]
    pub townships: Vec<String>,
    #[serde(default)]
    pub villages: Vec<String>,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    /// The round's checklist (巡察清单) id; by default the newest common list, if there is one.
    #[serde(default)]
    pub checklist: Option<String>,
    /// A follow-up round (回头看) names the round it follows up; it lists the findings of
    /// earlier rounds in its villages with their rectification.
    #[serde(default)]
    pub follow_up_of: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Inspection {
    pub id: String,
    pub name: String,
    pub inspectors: Vec<String>,
    pub townships: Vec<String>,
    pub villages: Vec<String>,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    /// Whether the round grants its inspectors access today.
    pub open: bool,
    /// The round's checklist id, if it has one.
    pub checklist: Option<String>,
    /// The round this one follows up (回头看), if any.
    pub follow_up_of: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

fn unique<T: Ord + Clone>(mut items: Vec<T>) -> Vec<T> {
    items.sort();
    items.dedup();
    items
}

/// A round's request, checked on its own: name, dates, sizes and codes.
struct CheckedRound {
    name: String,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    inspectors: Vec<String>,
    townships: Vec<String>,
    villages: Vec<String>,
    checklist: Option<String>,
    follow_up_of: Option<String>,
}

fn check_round(new: NewInspection) -> Result<CheckedRound> {
    let name = BoundedText::parse("name", &new.name, MAX_NAME_CHARS)
        .map_err(|reason| AuthError::InvalidValue { reason })?
        .into_string();
    if new.ends_on < new.starts_on {
        return Err(AuthError::RoundEndsBeforeStart {
            starts_on: new.starts_on,
            ends_on: new.ends_on,
        });
    }
    if new.inspectors.is_empty() {
        return Err(AuthError::RoundWithoutInspectors);
    }
    if new.townships.is_empty() && new.villages.is_empty() {
        return Err(AuthError::RoundWithoutTargets);
    }
    if new.inspectors.len() + new.townships.len() + new.villages.len() > MAX_MEMBERS {
        return Err(AuthError::RoundTooLarge { max: MAX_MEMBERS });
    }
    let codes = |parse: fn(&str) -> std::result::Result<String, crate::domain::ValueError>, list: &[String]| {
        list.iter()
            .map(|c| parse(c))
            .collect::<std::result::Result<Vec<_>, _>>()
            .map(unique)
            .map_err(|reason| AuthError::InvalidValue { reason })
    };
    Ok(CheckedRound {
        townships: codes(
            |c| TownshipCode::parse(c).map(|c| c.as_str().to_owned()),
            &new.townships,
        )?,
        villages: codes(|c| VillageCode::parse(c).map(|c| c.as_str().to_owned()), &new.villages)?,
        inspectors: unique(new.inspectors),
        name,
        starts_on: new.starts_on,
        ends_on: new.ends_on,
        checklist: new.checklist.map(|c| crate::domain::truncate(&c)),
        follow_up_of: new.follow_up_of.map(|c| crate::domain::truncate(&c)),
    })
}

/// The round's checklist: the one named, which must exist, or else the newest common list
/// (none if there is none); and the round it follows up, which must exist.
fn check_checklist_and_follow_up(conn: &mut DbConn, round: &mut CheckedRound) -> Result<()> {
    use crate::db::schema::checklists;
    match &round.checklist {
        Some(id) => {
            let n: i64 = checklists::table.find(id).count().get_result(conn)?;
            if n == 0 {
                return Err(AuthError::ChecklistMissing { checklist: id.clone() });
            }
        }
        None => {
            round.checklist = checklists::table
                .filter(checklists::kind.eq("common"))
                .order((checklists::created_at.desc(), checklists::id.desc()))
                .select(checklists::id)
                .first(conn)
                .optional()?;
        }
    }
    if let Some(id) = &round.follow_up_of {
        let n: i64 = inspections::table.find(id).count().get_result(conn)?;
        if n == 0 {
            return Err(AuthError::FollowedRoundMissing { id: id.clone() });
        }
    }
    Ok(())
}

/// The township a village belongs to, if the village exists.
fn township_of_village(conn: &mut DbConn, village: &str) -> Result<Option<String>> {
    Ok(villages::table
        .find(village)
        .select(villages::township_code)
        .first(conn)
        .optional()?)
}

/// Every named township and village exists; returns the townships of the named villages.
fn check_targets_exist(conn: &mut DbConn, round: &CheckedRound) -> Result<Vec<String>> {
    for code in &round.townships {
        let n: i64 = townships::table.find(code).count().get_result(conn)?;
        if n == 0 {
            return Err(AuthError::TownshipMissing { township: code.clone() });
        }
    }
    round
        .villages
        .iter()
        .map(|code| township_of_village(conn, code)?.ok_or_else(|| AuthError::VillageMissing { village: code.clone() }))
        .collect()
}

/// Each inspector is an enabled inspector whose home township and village lie outside the
/// round's scope (交叉巡察回避).
fn check_inspectors(conn: &mut DbConn, round: &CheckedRound, village_townships: &[String]) -> Result<()> {
    for username in &round.inspectors {
        let user = find_user(conn, username)?
            .filter(|u| !u.disabled)
            .ok_or_else(|| AuthError::NoEnabledUser {
                username: crate::domain::truncate(username),
            })?;
        if user.role != Role::Inspector.as_str() {
            return Err(AuthError::NotAnInspector {
                username: username.clone(),
                role: user.role,
            });
        }
        if let Some(home) = &user.home_township_code
            && (round.townships.contains(home) || village_townships.contains(home))
        {
            return Err(AuthError::RecusalHomeTownship {
                inspector: username.clone(),
                township: home.clone(),
            });
        }
        if let Some(home) = &user.home_village_code {
            let home_township = township_of_village(conn, home)?;
            if round.villages.contains(home) || home_township.is_some_and(|t| round.townships.contains(&t)) {
                return Err(AuthError::RecusalHomeVillage {
                    inspector: username.clone(),
                    village: home.clone(),
                });
            }
        }
    }
    Ok(())
}

/// Writes the round, its inspectors and its targets; returns its id.
fn insert_round(conn: &mut DbConn, round: &CheckedRound, created_by: &str) -> Result<String> {
    let id = new_id("in");
    diesel::insert_into(inspections::table)
        .values((
            inspections::id.eq(&id),
            inspections::name.eq(&round.name),
            inspections::starts_on.eq(round.starts_on),
            inspections::ends_on.eq(round.ends_on),
            inspections::created_by.eq(created_by),
            inspections::created_at.eq(now_utc()),
            inspections::checklist_id.eq(&round.checklist),
            inspections::follow_up_of.eq(&round.follow_up_of),
        ))
        .execute(conn)?;
    for username in &round.inspectors {
        diesel::insert_into(inspection_inspectors::table)
            .values((
                inspection_inspectors::inspection_id.eq(&id),
                inspection_inspectors::username.eq(username),
            ))
            .execute(conn)?;
    }
    for (kind, codes) in [("township", &round.townships), ("village", &round.villages)] {
        for code in codes {
            diesel::insert_into(inspection_targets::table)
                .values((
                    inspection_targets::inspection_id.eq(&id),
                    inspection_targets::kind.eq(kind),
                    inspection_targets::code.eq(code),
                ))
                .execute(conn)?;
        }
    }
    Ok(id)
}

/// Creates a round, refusing conflicts of interest (recusal).
pub fn create_inspection(
    conn: &mut DbConn,
    new: NewInspection,
    created_by: &str,
    today: NaiveDate,
) -> Result<Inspection> {
    let mut round = check_round(new)?;
    write_transaction(conn, |conn| {
        check_checklist_and_follow_up(conn, &mut round)?;
        let village_townships = check_targets_exist(conn, &round)?;
        check_inspectors(conn, &round, &village_townships)?;
        let id = insert_round(conn, &round, created_by)?;
        find_inspection(conn, &id, today)
    })
}

pub fn find_inspection(conn: &mut DbConn, id: &str, today: NaiveDate) -> Result<Inspection> {
    type RoundRow = (
        String,
        String,
        NaiveDate,
        NaiveDate,
        String,
        chrono::NaiveDateTime,
        Option<String>,
        Option<String>,
    );
    let row: Option<RoundRow> = inspections::table
        .find(id)
        .select((
            inspections::id,
            inspections::name,
            inspections::starts_on,
            inspections::ends_on,
            inspections::created_by,
            inspections::created_at,
            inspections::checklist_id,
            inspections::follow_up_of,
        ))
        .first(conn)
        .optional()?;
    let (id, name, starts_on, ends_on, created_by, created_at, checklist, follow_up_of) =
        row.ok_or_else(|| AuthError::InspectionNotFound {
            id: crate::domain::truncate(id),
        })?;
    let inspectors = inspection_inspectors::table
        .filter(inspection_inspectors::inspection_id.eq(&id))
        .order(inspection_inspectors::username)
        .select(inspection_inspectors::username)
        .load(conn)?;
    let targets: Vec<(String, String)> = inspection_targets::table
        .filter(inspection_targets::inspection_id.eq(&id))
        .order((inspection_targets::kind, inspection_targets::code))
        .select((inspection_targets::kind, inspection_targets::code))
        .load(conn)?;
    let (townships, villages) = targets
        .into_iter()
        .partition::<Vec<_>, _>(|(kind, _)| kind == "township");
    Ok(Inspection {
        id,
        name,
        inspectors,
        townships: townships.into_iter().map(|(_, c)| c).collect(),
        villages: villages.into_iter().map(|(_, c)| c).collect(),
        open: starts_on <= today && today <= ends_on,
        checklist,
        follow_up_of,
        starts_on,
        ends_on,
        created_by,
        created_at: created_at.and_utc(),
    })
}

/// The rounds `caller` may see: every one for admins, their own for inspectors.
pub fn visible_inspections(conn: &mut DbConn, caller: &Caller, today: NaiveDate) -> Result<Vec<Inspection>> {
    let ids = match caller.role {
        Role::Admin => inspection_ids(conn, None)?,
        Role::Inspector => inspection_ids(conn, Some(&caller.username))?,
        role => return Err(AuthError::NotInspectionReader { role }),
    };
    ids.iter().map(|id| find_inspection(conn, id, today)).collect()
}

/// One round, if `caller` may see it: admins every round, inspectors their own; any other
/// round is missing to them.
pub fn readable_inspection(conn: &mut DbConn, caller: &Caller, id: &str, today: NaiveDate) -> Result<Inspection> {
    let round = match caller.role {
        Role::Admin | Role::Inspector => find_inspection(conn, id, today)?,
        role => return Err(AuthError::NotInspectionReader { role }),
    };
    if caller.role == Role::Inspector && !round.inspectors.contains(&caller.username) {
        return Err(AuthError::InspectionNotFound {
            id: crate::domain::truncate(id),
        });
    }
    Ok(round)
}

/// Ids of the rounds an inspector is assigned to (all of them for `None`: admins).
pub fn inspection_ids(conn: &mut DbConn, inspector: Option<&str>) -> Result<Vec<String>> {
    Ok(match inspector {
        Some(username) => inspection_inspectors::table
            .filter(inspection_inspectors::username.eq(username))
            .select(inspection_inspectors::inspection_id)
            .order(inspection_inspectors::inspection_id)
            .load(conn)?,
        None => inspections::table
            .select(inspections::id)
            .order(inspections::id)
            .load(conn)?,
    })
}
