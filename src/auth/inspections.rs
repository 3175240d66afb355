//! Inspection rounds (巡察): a named group of inspectors over townships and villages for a date
//! window. Recusal (交叉巡察回避): an inspector is never assigned to a round whose scope contains
//! their home township or home village.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::api::problem::{ApiError, ApiResult};
use crate::auth::Role;
use crate::auth::users::find_user;
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
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

fn unique<T: Ord + Clone>(mut items: Vec<T>) -> Vec<T> {
    items.sort();
    items.dedup();
    items
}

/// Creates a round, refusing conflicts of interest with 409.
pub fn create_inspection(
    conn: &mut DbConn,
    new: NewInspection,
    created_by: &str,
    today: NaiveDate,
) -> ApiResult<Inspection> {
    let name = BoundedText::parse("name", &new.name, MAX_NAME_CHARS)
        .map_err(|e| ApiError::Invalid(e.to_string()))?
        .into_string();
    if new.ends_on < new.starts_on {
        return Err(ApiError::Invalid(format!(
            "ends_on {} is before starts_on {}",
            new.ends_on, new.starts_on
        )));
    }
    if new.inspectors.is_empty() {
        return Err(ApiError::Invalid("a round needs at least one inspector".into()));
    }
    if new.townships.is_empty() && new.villages.is_empty() {
        return Err(ApiError::Invalid(
            "a round needs at least one township or village".into(),
        ));
    }
    if new.inspectors.len() + new.townships.len() + new.villages.len() > MAX_MEMBERS {
        return Err(ApiError::Invalid(format!(
            "a round names at most {MAX_MEMBERS} inspectors, townships and villages together"
        )));
    }
    let township_codes = unique(
        new.townships
            .iter()
            .map(|c| TownshipCode::parse(c).map(|c| c.as_str().to_owned()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| ApiError::Invalid(e.to_string()))?,
    );
    let village_codes = unique(
        new.villages
            .iter()
            .map(|c| VillageCode::parse(c).map(|c| c.as_str().to_owned()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| ApiError::Invalid(e.to_string()))?,
    );
    let inspectors = unique(new.inspectors.clone());
    write_transaction(conn, |conn| {
        for code in &township_codes {
            let n: i64 = townships::table.find(code).count().get_result(conn)?;
            if n == 0 {
                return Err(ApiError::Invalid(format!("township {code} does not exist")));
            }
        }
        // Townships of the named villages, for recusal.
        let mut village_townships = Vec::new();
        for code in &village_codes {
            let township: Option<String> = villages::table
                .find(code)
                .select(villages::township_code)
                .first(conn)
                .optional()?;
            match township {
                Some(t) => village_townships.push(t),
                None => return Err(ApiError::Invalid(format!("village {code} does not exist"))),
            }
        }
        for username in &inspectors {
            let user = find_user(conn, username)?
                .filter(|u| !u.disabled)
                .ok_or_else(|| ApiError::Invalid(format!("no enabled user {}", crate::domain::truncate(username))))?;
            if user.role != Role::Inspector.as_str() {
                return Err(ApiError::Invalid(format!(
                    "{username} is a {}, not an inspector",
                    user.role
                )));
            }
            if let Some(home) = &user.home_township_code
                && (township_codes.contains(home) || village_townships.contains(home))
            {
                return Err(ApiError::Conflict(format!(
                    "recusal: inspector {username}'s home township {home} is in this round's scope (交叉巡察回避)"
                )));
            }
            if let Some(home) = &user.home_village_code {
                let home_township: Option<String> = villages::table
                    .find(home)
                    .select(villages::township_code)
                    .first(conn)
                    .optional()?;
                if village_codes.contains(home) || home_township.is_some_and(|t| township_codes.contains(&t)) {
                    return Err(ApiError::Conflict(format!(
                        "recusal: inspector {username}'s home village {home} is in this round's scope (交叉巡察回避)"
                    )));
                }
            }
        }
        let id = new_id("in");
        let created_at = now_utc();
        diesel::insert_into(inspections::table)
            .values((
                inspections::id.eq(&id),
                inspections::name.eq(&name),
                inspections::starts_on.eq(new.starts_on),
                inspections::ends_on.eq(new.ends_on),
                inspections::created_by.eq(created_by),
                inspections::created_at.eq(created_at),
            ))
            .execute(conn)?;
        for username in &inspectors {
            diesel::insert_into(inspection_inspectors::table)
                .values((
                    inspection_inspectors::inspection_id.eq(&id),
                    inspection_inspectors::username.eq(username),
                ))
                .execute(conn)?;
        }
        for (kind, codes) in [("township", &township_codes), ("village", &village_codes)] {
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
        find_inspection(conn, &id, today)
    })
}

pub fn find_inspection(conn: &mut DbConn, id: &str, today: NaiveDate) -> ApiResult<Inspection> {
    let row: Option<(String, String, NaiveDate, NaiveDate, String, chrono::NaiveDateTime)> = inspections::table
        .find(id)
        .select((
            inspections::id,
            inspections::name,
            inspections::starts_on,
            inspections::ends_on,
            inspections::created_by,
            inspections::created_at,
        ))
        .first(conn)
        .optional()?;
    let (id, name, starts_on, ends_on, created_by, created_at) =
        row.ok_or_else(|| ApiError::NotFound(format!("no inspection {} in your scope", crate::domain::truncate(id))))?;
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
        starts_on,
        ends_on,
        created_by,
        created_at: created_at.and_utc(),
    })
}

/// Ids of the rounds an inspector is assigned to (all of them for `None`: admins).
pub fn inspection_ids(conn: &mut DbConn, inspector: Option<&str>) -> ApiResult<Vec<String>> {
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
