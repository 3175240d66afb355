//! The cross-check for inspection groups (巡察组): findings reconciled with the ledger
//! ([`reconcile`]) and red flags computed over a scope of villages ([`flags`]), both over the
//! scope's entries loaded once into compact per-village books ([`book`]).
//!
//! Nothing here knows about HTTP: the API resolves the caller's scope into a [`Scope`] and
//! hands it in.

pub mod book;
pub mod findings;
pub mod flags;
pub mod holidays;
pub mod names;
pub mod reconcile;
pub mod sheet;

use diesel::prelude::*;
use serde::Serialize;

use crate::api::problem::ApiResult;
use crate::db::DbConn;
use crate::db::schema::{townships, villages};

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
pub fn scope_villages(conn: &mut DbConn, filter: VillageFilter) -> ApiResult<Vec<ScopeVillage>> {
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

/// What a cross-check looks at: the villages (all of them in the caller's scope), named as the
/// request named them.
#[derive(Clone, Debug)]
pub struct Scope {
    /// `village`, `township` or `county` (every village the caller may see).
    pub kind: &'static str,
    /// The code the request named; empty for `county`.
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
    pub from: Option<chrono::NaiveDate>,
    pub to: Option<chrono::NaiveDate>,
}

impl DateWindow {
    pub fn contains(&self, day: chrono::NaiveDate) -> bool {
        self.from.is_none_or(|f| day >= f) && self.to.is_none_or(|t| day <= t)
    }
}

/// Yuan with two decimals, for explanations people read (`4,950.00`).
pub fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    let whole = (abs / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}{grouped}.{:02}", abs % 100)
}

#[cfg(test)]
mod tests {
    use super::yuan;

    #[test]
    fn yuan_groups_thousands() {
        assert_eq!(yuan(495_000), "4,950.00");
        assert_eq!(yuan(1_000_000_000), "10,000,000.00");
        assert_eq!(yuan(-6_490), "-64.90");
        assert_eq!(yuan(5), "0.05");
    }
}
