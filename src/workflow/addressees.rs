//! The bodies referral tickets (交办单) are addressed to, as data: a township's discipline
//! office (纪工委), its finance station, the county discipline commission (县纪委监委), the
//! police, a county department. Admins record them; the people who work for one are users of
//! the `discipline` role naming it (a township's station is worked by its clerks).

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::auth::{Caller, Role};
use crate::db::schema::{addressees, townships};
use crate::db::{DbConn, write_transaction};
use crate::domain::{BoundedText, TownshipCode};
use crate::workflow::{Result, WorkflowError};

const MAX_NAME_CHARS: usize = 100;

/// What kind of body an addressee is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AddresseeKind {
    /// A township's discipline office (街道/镇纪工委): names its township.
    TownshipDiscipline,
    /// A township's finance station (财务站): names its township; its clerks act for it.
    Station,
    /// The county discipline and supervision commission (县纪委监委): county-wide.
    CountyDiscipline,
    /// The police (公安机关): county-wide, or a township's station.
    Police,
    /// A county or township department (民政、农业农村 …).
    Department,
}

impl AddresseeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AddresseeKind::TownshipDiscipline => "township_discipline",
            AddresseeKind::Station => "station",
            AddresseeKind::CountyDiscipline => "county_discipline",
            AddresseeKind::Police => "police",
            AddresseeKind::Department => "department",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "township_discipline" => AddresseeKind::TownshipDiscipline,
            "station" => AddresseeKind::Station,
            "county_discipline" => AddresseeKind::CountyDiscipline,
            "police" => AddresseeKind::Police,
            "department" => AddresseeKind::Department,
            _ => return None,
        })
    }
}

/// A body to record.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "海润街道纪工委", "kind": "township_discipline", "township": "331022002000"}))]
pub struct NewAddressee {
    /// At most 100 characters; unique.
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    pub kind: AddresseeKind,
    /// The township of a township's body: required for `township_discipline` and `station`,
    /// refused for `county_discipline`, optional otherwise.
    #[serde(default)]
    pub township: Option<String>,
}

/// A body referral tickets can be addressed to.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Addressee {
    pub id: String,
    pub name: String,
    pub kind: AddresseeKind,
    /// Null for a county-wide body.
    pub township: Option<String>,
    pub created_at: DateTime<Utc>,
}

type Row = (String, String, String, Option<String>, NaiveDateTime);

fn from_row((id, name, kind, township, created_at): Row) -> Addressee {
    Addressee {
        id,
        // Kinds are checked by the table; an unknown one would be a department.
        kind: AddresseeKind::parse(&kind).unwrap_or(AddresseeKind::Department),
        name,
        township,
        created_at: created_at.and_utc(),
    }
}

fn columns() -> (
    addressees::id,
    addressees::name,
    addressees::kind,
    addressees::township_code,
    addressees::created_at,
) {
    (
        addressees::id,
        addressees::name,
        addressees::kind,
        addressees::township_code,
        addressees::created_at,
    )
}

/// Records a body (admins).
pub fn create_addressee(
    conn: &mut DbConn,
    caller: &Caller,
    new: NewAddressee,
    now: NaiveDateTime,
) -> Result<Addressee> {
    if caller.role != Role::Admin {
        return Err(WorkflowError::NotAddresseeManager { role: caller.role });
    }
    let name = BoundedText::parse("name", &new.name, MAX_NAME_CHARS)?.into_string();
    let township = new
        .township
        .as_deref()
        .map(|c| TownshipCode::parse(c).map(|c| c.as_str().to_owned()))
        .transpose()?;
    match (new.kind, &township) {
        (AddresseeKind::TownshipDiscipline | AddresseeKind::Station, None) => {
            return Err(WorkflowError::AddresseeNeedsTownship {
                kind: new.kind.as_str(),
            });
        }
        (AddresseeKind::CountyDiscipline, Some(_)) => {
            return Err(WorkflowError::AddresseeTakesNoTownship {
                kind: new.kind.as_str(),
            });
        }
        _ => {}
    }
    write_transaction(conn, |conn| {
        if let Some(code) = &township {
            let n: i64 = townships::table.find(code).count().get_result(conn)?;
            if n == 0 {
                return Err(WorkflowError::TownshipMissing { township: code.clone() });
            }
        }
        let taken: i64 = addressees::table
            .filter(addressees::name.eq(&name))
            .count()
            .get_result(conn)?;
        if taken > 0 {
            return Err(WorkflowError::AddresseeExists { name: name.clone() });
        }
        let id = crate::domain::ids::new_id("ad");
        diesel::insert_into(addressees::table)
            .values((
                addressees::id.eq(&id),
                addressees::name.eq(&name),
                addressees::kind.eq(new.kind.as_str()),
                addressees::township_code.eq(&township),
                addressees::created_by.eq(&caller.username),
                addressees::created_at.eq(now),
            ))
            .execute(conn)?;
        find_addressee(conn, &id)
    })
}

/// Every body, by name; staff read them (inspectors choose one for a ticket), villagers not.
pub fn list_addressees(conn: &mut DbConn, caller: &Caller) -> Result<Vec<Addressee>> {
    if caller.role == Role::Villager {
        return Err(WorkflowError::NotAddresseeManager { role: caller.role });
    }
    let rows: Vec<Row> = addressees::table.order(addressees::name).select(columns()).load(conn)?;
    Ok(rows.into_iter().map(from_row).collect())
}

/// One body.
pub fn find_addressee(conn: &mut DbConn, id: &str) -> Result<Addressee> {
    let row: Option<Row> = addressees::table.find(id).select(columns()).first(conn).optional()?;
    row.map(from_row).ok_or_else(|| WorkflowError::AddresseeNotFound {
        addressee: crate::domain::truncate(id),
    })
}

/// The body a discipline user works for, from their account (`None` for other roles).
pub fn addressee_of(conn: &mut DbConn, caller: &Caller) -> Result<Option<String>> {
    if caller.role != Role::Discipline {
        return Ok(None);
    }
    Ok(crate::db::schema::users::table
        .find(&caller.username)
        .select(crate::db::schema::users::addressee_id)
        .first::<Option<String>>(conn)
        .optional()?
        .flatten())
}

/// Whether `caller` acts for `addressee`: a discipline user working for it, or a clerk of the
/// township whose station it is.
pub fn acts_for(conn: &mut DbConn, caller: &Caller, addressee: &Addressee) -> Result<bool> {
    Ok(match caller.role {
        Role::Clerk => addressee.kind == AddresseeKind::Station && caller.township == addressee.township,
        Role::Discipline => addressee_of(conn, caller)?.as_deref() == Some(addressee.id.as_str()),
        _ => false,
    })
}
