//! The scope of a cross-check request (red flags, reconciliation): who may run one, over which
//! villages, in which window. Shared by the red flags (`api::crosscheck`) and the
//! reconciliation (`api::reconcile`).

use chrono::NaiveDate;
use serde::Serialize;

use crate::api::access::{township_code, village_code};
use crate::api::clock::today;
use crate::api::problem::{ApiError, ApiResult};
use crate::auth::scope::{TownshipView, inspector_scope, readable_village, township_view};
use crate::auth::{Caller, Role};
use crate::crosscheck::{DateWindow, Scope, VillageFilter, scope_villages};
use crate::db::DbConn;

/// Refuses villagers: the cross-check is for the people who check the books.
pub fn require_checker(caller: &Caller) -> ApiResult<()> {
    if caller.role == Role::Villager {
        return Err(ApiError::Forbidden(
            "the cross-check is for inspection groups, township finance stations and administrators".into(),
        ));
    }
    Ok(())
}

/// The villages a cross-check request names, checked against the caller's scope: one village,
/// one township (the part of it the caller sees), or, when `county` is allowed and neither is
/// named, every village the caller sees.
pub fn resolve_scope(
    conn: &mut DbConn,
    caller: &Caller,
    village: Option<&str>,
    township: Option<&str>,
    county: bool,
) -> ApiResult<Scope> {
    require_checker(caller)?;
    let day = today();
    match (village, township) {
        (Some(_), Some(_)) => Err(ApiError::Invalid("name a village or a township, not both".into())),
        (Some(code), None) => {
            let code = village_code(code)?;
            let row = readable_village(conn, caller, &code, day)?;
            Ok(Scope {
                kind: "village",
                code: row.code.clone(),
                villages: scope_villages(conn, VillageFilter::Codes(&[row.code]))?,
            })
        }
        (None, Some(code)) => {
            let code = township_code(code)?;
            let not_found = || ApiError::NotFound(format!("no township {code} in your scope"));
            let mut villages = scope_villages(conn, VillageFilter::Township(code.as_str()))?;
            if let TownshipView::Only(visible) = township_view(conn, caller, &code, day)? {
                villages.retain(|v| visible.contains(&v.code));
            }
            if villages.is_empty() {
                return Err(not_found());
            }
            Ok(Scope {
                kind: "township",
                code: code.as_str().to_owned(),
                villages,
            })
        }
        (None, None) if !county => Err(ApiError::Invalid("name the scope: a village or a township".into())),
        (None, None) => {
            let villages = match caller.role {
                Role::Admin => scope_villages(conn, VillageFilter::All)?,
                Role::Clerk => scope_villages(conn, VillageFilter::Township(caller.township.as_deref().unwrap_or("")))?,
                _ => {
                    let rounds = inspector_scope(conn, &caller.username, day)?;
                    let mut villages = scope_villages(conn, VillageFilter::Codes(&rounds.villages))?;
                    for t in &rounds.townships {
                        villages.extend(scope_villages(conn, VillageFilter::Township(t))?);
                    }
                    villages.sort_by(|a, b| a.code.cmp(&b.code));
                    villages.dedup_by(|a, b| a.code == b.code);
                    villages
                }
            };
            Ok(Scope {
                kind: "county",
                code: String::new(),
                villages,
            })
        }
    }
}

pub fn window(from: Option<NaiveDate>, to: Option<NaiveDate>) -> ApiResult<DateWindow> {
    if let (Some(f), Some(t)) = (from, to)
        && f > t
    {
        return Err(ApiError::Invalid(format!("from {f} is after to {t}")));
    }
    Ok(DateWindow { from, to })
}

/// The scope a result covers.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ScopeView {
    /// `village`, `township` or `county` (every village the caller sees).
    pub kind: &'static str,
    pub code: Option<String>,
    pub villages: usize,
}

impl From<&Scope> for ScopeView {
    fn from(s: &Scope) -> Self {
        ScopeView {
            kind: s.kind,
            code: (!s.code.is_empty()).then(|| s.code.clone()),
            villages: s.villages.len(),
        }
    }
}
