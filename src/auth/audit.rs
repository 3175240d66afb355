//! The append-only audit log: every write and every sign-in, successful or not.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;

use crate::auth::error::Result;
use crate::db::DbConn;
use crate::db::schema::audit_log;
use crate::domain::clock::now_utc;

/// One thing to record.
#[derive(Debug, Clone)]
pub struct AuditEvent<'a> {
    pub actor: Option<&'a str>,
    pub action: &'a str,
    pub object: Option<&'a str>,
    pub village: Option<&'a str>,
    pub township: Option<&'a str>,
    /// `ok`, or the HTTP status of the refusal.
    pub outcome: &'a str,
    pub source: Option<&'a str>,
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
struct AuditRow {
    seq: i64,
    at: chrono::NaiveDateTime,
    actor: Option<String>,
    action: String,
    object: Option<String>,
    village_code: Option<String>,
    township_code: Option<String>,
    outcome: String,
    source: Option<String>,
}

/// An audit record as admins and inspectors see it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuditRecord {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor: Option<String>,
    #[schema(example = "entry.post")]
    pub action: String,
    pub object: Option<String>,
    pub village_code: Option<String>,
    pub township_code: Option<String>,
    #[schema(example = "ok")]
    pub outcome: String,
    pub source: Option<String>,
}

/// The longest a recorded field may be. Every field but `action` can come from a caller (a
/// username, a path segment, an option): whatever they sent, the log keeps at most this much.
pub const MAX_FIELD_CHARS: usize = 200;

/// `value` cut at [`MAX_FIELD_CHARS`] characters.
fn bounded(value: Option<&str>) -> Option<std::borrow::Cow<'_, str>> {
    value.map(|v| crate::domain::clip(v, MAX_FIELD_CHARS))
}

pub fn record(conn: &mut DbConn, event: &AuditEvent<'_>) -> Result<()> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::at.eq(now_utc()),
            audit_log::actor.eq(bounded(event.actor).as_deref()),
            audit_log::action.eq(event.action),
            audit_log::object.eq(bounded(event.object).as_deref()),
            audit_log::village_code.eq(bounded(event.village).as_deref()),
            audit_log::township_code.eq(bounded(event.township).as_deref()),
            audit_log::outcome.eq(event.outcome),
            audit_log::source.eq(bounded(event.source).as_deref()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Which records a listing may show.
pub enum AuditFilter {
    All,
    /// Records about these villages or townships only (an inspector's scope).
    Scope {
        villages: Vec<String>,
        townships: Vec<String>,
    },
}

/// Records after `after_seq` (oldest first), at most `limit`.
pub fn list(conn: &mut DbConn, filter: &AuditFilter, after_seq: i64, limit: i64) -> Result<Vec<AuditRecord>> {
    let mut query = audit_log::table
        .filter(audit_log::seq.gt(after_seq))
        .order(audit_log::seq)
        .limit(limit)
        .select(AuditRow::as_select())
        .into_boxed();
    if let AuditFilter::Scope { villages, townships } = filter {
        query = query.filter(
            audit_log::village_code
                .eq_any(villages.clone())
                .or(audit_log::township_code.eq_any(townships.clone())),
        );
    }
    let rows = query.load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| AuditRecord {
            seq: r.seq,
            at: r.at.and_utc(),
            actor: r.actor,
            action: r.action,
            object: r.object,
            village_code: r.village_code,
            township_code: r.township_code,
            outcome: r.outcome,
            source: r.source,
        })
        .collect())
}
