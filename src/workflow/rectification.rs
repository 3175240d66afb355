//! Rectification (整改) of a finding that requires it: the township's finance station submits
//! what was done, linking entries (a refund posted, a reversal) and receipts of the village; an
//! inspector of the finding's round or of a follow-up round over the village (回头看), or an
//! admin, accepts it or reopens it with a reason. Steps are append-only; the last one is the
//! state.
//!
//! States: `not_required`; `pending` (required, nothing submitted yet); `submitted` (by the
//! station; it may submit again); `accepted`; `reopened` (the station submits again).

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::auth::{Caller, Role};
use crate::db::schema::{
    entries, inspection_inspectors, inspection_targets, inspections, receipts, rectification_links, rectification_steps,
};
use crate::db::{DbConn, write_transaction};
use crate::domain::BoundedText;
use crate::workflow::finding_rows::{FindingRow, finding_row, on_round};
use crate::workflow::{Result, WorkflowError};

const MAX_TEXT_CHARS: usize = 2_000;
const MAX_REASON_CHARS: usize = 500;
/// Most entries and receipts one step links.
pub const MAX_LINKS: usize = 50;

/// Where a finding's rectification stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RectificationState {
    /// The finding requires none.
    NotRequired,
    /// Required; the station has submitted nothing yet.
    Pending,
    /// The station submitted what was done.
    Submitted,
    /// Accepted by an inspector or an admin.
    Accepted,
    /// Reopened: the station must submit again.
    Reopened,
}

impl RectificationState {
    pub fn as_str(self) -> &'static str {
        match self {
            RectificationState::NotRequired => "not_required",
            RectificationState::Pending => "pending",
            RectificationState::Submitted => "submitted",
            RectificationState::Accepted => "accepted",
            RectificationState::Reopened => "reopened",
        }
    }
}

/// What a step did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StepAction {
    Submitted,
    Accepted,
    Reopened,
}

impl StepAction {
    fn as_str(self) -> &'static str {
        match self {
            StepAction::Submitted => "submitted",
            StepAction::Accepted => "accepted",
            StepAction::Reopened => "reopened",
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "accepted" => StepAction::Accepted,
            "reopened" => StepAction::Reopened,
            _ => StepAction::Submitted,
        }
    }

    fn state(self) -> RectificationState {
        match self {
            StepAction::Submitted => RectificationState::Submitted,
            StepAction::Accepted => RectificationState::Accepted,
            StepAction::Reopened => RectificationState::Reopened,
        }
    }
}

/// What the station did.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "text": "已追回虚列的危房改造补助10,000.00元并入账",
    "entries": ["en_5d1c0e7a9b3f4c2d8e6a1b0c"],
    "receipts": []
}))]
pub struct RectificationReport {
    /// At most 2,000 characters.
    #[schema(min_length = 1, max_length = 2000)]
    pub text: String,
    /// Entries of the finding's village (a refund, a reversal).
    #[serde(default)]
    pub entries: Vec<String>,
    /// Receipts of the finding's village.
    #[serde(default)]
    pub receipts: Vec<String>,
}

/// An inspector's or admin's judgement.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "退款凭证未附,请补充"}))]
pub struct RectificationJudgement {
    /// Why; at most 500 characters. Required to reopen, optional to accept.
    #[serde(default)]
    pub reason: Option<String>,
}

/// One step of a rectification.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RectificationStep {
    pub action: StepAction,
    /// What was done, or the reason of the judgement (empty if none was given).
    pub text: String,
    pub entries: Vec<String>,
    pub receipts: Vec<String>,
    pub acted_by: String,
    pub acted_at: DateTime<Utc>,
}

/// A finding's rectification.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Rectification {
    pub finding_id: String,
    pub state: RectificationState,
    pub rectify_by: Option<NaiveDate>,
    /// Oldest first.
    pub steps: Vec<RectificationStep>,
}

/// Where a rectification stands, from whether it is required and the action of its last step.
pub fn state_after(required: bool, last_action: Option<&str>) -> RectificationState {
    if !required {
        return RectificationState::NotRequired;
    }
    last_action.map_or(RectificationState::Pending, |a| StepAction::parse(a).state())
}

/// Where the rectification of `finding` stands.
pub fn rectification_state(conn: &mut DbConn, finding: &FindingRow) -> Result<RectificationState> {
    if !finding.requires_rectification {
        return Ok(RectificationState::NotRequired);
    }
    let last: Option<String> = rectification_steps::table
        .filter(rectification_steps::finding_id.eq(&finding.id))
        .order(rectification_steps::position.desc())
        .select(rectification_steps::action)
        .first(conn)
        .optional()?;
    Ok(state_after(true, last.as_deref()))
}

type StepRow = (String, String, String, String, NaiveDateTime);

/// The rectification of `finding`, every step.
pub fn rectification(conn: &mut DbConn, finding: &FindingRow) -> Result<Rectification> {
    let rows: Vec<StepRow> = rectification_steps::table
        .filter(rectification_steps::finding_id.eq(&finding.id))
        .order(rectification_steps::position)
        .select((
            rectification_steps::id,
            rectification_steps::action,
            rectification_steps::text,
            rectification_steps::acted_by,
            rectification_steps::acted_at,
        ))
        .load(conn)?;
    let mut steps = Vec::with_capacity(rows.len());
    for (id, action, text, acted_by, acted_at) in rows {
        let links: Vec<(String, String)> = rectification_links::table
            .filter(rectification_links::step_id.eq(&id))
            .order(rectification_links::position)
            .select((rectification_links::kind, rectification_links::reference))
            .load(conn)?;
        let (entry_links, receipt_links): (Vec<_>, Vec<_>) = links.into_iter().partition(|(k, _)| k == "entry");
        steps.push(RectificationStep {
            action: StepAction::parse(&action),
            text,
            entries: entry_links.into_iter().map(|(_, r)| r).collect(),
            receipts: receipt_links.into_iter().map(|(_, r)| r).collect(),
            acted_by,
            acted_at: acted_at.and_utc(),
        });
    }
    Ok(Rectification {
        finding_id: finding.id.clone(),
        state: rectification_state(conn, finding)?,
        rectify_by: finding.rectify_by,
        steps,
    })
}

fn not_found(id: &str) -> WorkflowError {
    WorkflowError::FindingNotFound {
        finding: crate::domain::truncate(id),
    }
}

fn append_step(
    conn: &mut DbConn,
    finding: &FindingRow,
    action: StepAction,
    text: &str,
    links: &[(&'static str, String)],
    (by, at): (&str, NaiveDateTime),
) -> Result<()> {
    let position: i64 = rectification_steps::table
        .filter(rectification_steps::finding_id.eq(&finding.id))
        .count()
        .get_result(conn)?;
    let id = crate::domain::ids::new_id("rs");
    diesel::insert_into(rectification_steps::table)
        .values((
            rectification_steps::id.eq(&id),
            rectification_steps::finding_id.eq(&finding.id),
            rectification_steps::position.eq(position as i32),
            rectification_steps::action.eq(action.as_str()),
            rectification_steps::text.eq(text),
            rectification_steps::acted_by.eq(by),
            rectification_steps::acted_at.eq(at),
        ))
        .execute(conn)?;
    for (position, (kind, reference)) in links.iter().enumerate() {
        diesel::insert_into(rectification_links::table)
            .values((
                rectification_links::step_id.eq(&id),
                rectification_links::position.eq(position as i32),
                rectification_links::kind.eq(*kind),
                rectification_links::reference.eq(reference),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The finding, if the caller records its rectification: 403 for roles other than clerks, 404
/// for a finding outside the clerk's township.
pub fn check_rectifier(conn: &mut DbConn, caller: &Caller, id: &str) -> Result<FindingRow> {
    if caller.role != Role::Clerk {
        return Err(WorkflowError::NotRectifier { role: caller.role });
    }
    let finding = finding_row(conn, id)?;
    if caller.township.as_deref() != Some(finding.township_code.as_str()) {
        return Err(not_found(id));
    }
    Ok(finding)
}

/// The finding, if the caller accepts or reopens its rectification: admins, and inspectors of
/// its round or of a follow-up round over its village (404 for other inspectors, 403 for other
/// roles).
pub fn check_judge(conn: &mut DbConn, caller: &Caller, id: &str) -> Result<FindingRow> {
    if !matches!(caller.role, Role::Admin | Role::Inspector) {
        return Err(WorkflowError::NotRectificationJudge { role: caller.role });
    }
    let finding = finding_row(conn, id)?;
    if caller.role == Role::Inspector
        && !on_round(conn, &caller.username, &finding.inspection_id)?
        && !on_follow_up_over(conn, &caller.username, &finding.village_code, &finding.township_code)?
    {
        return Err(not_found(id));
    }
    Ok(finding)
}

/// The station (clerks of the finding's township) records what was done.
pub fn submit_rectification(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    report: RectificationReport,
    now: NaiveDateTime,
) -> Result<Rectification> {
    let text = BoundedText::parse("text", &report.text, MAX_TEXT_CHARS)?.into_string();
    if report.entries.len() + report.receipts.len() > MAX_LINKS {
        return Err(WorkflowError::RectificationLinks { max: MAX_LINKS });
    }
    write_transaction(conn, |conn| {
        let finding = check_rectifier(conn, caller, id)?;
        if !finding.requires_rectification {
            return Err(WorkflowError::NoRectificationRequired { finding: finding.id });
        }
        let state = rectification_state(conn, &finding)?;
        if state == RectificationState::Accepted {
            return Err(WorkflowError::RectificationState {
                finding: finding.id,
                state: state.as_str(),
                action: "submit",
                needs: "pending|submitted|reopened",
            });
        }
        let mut links = Vec::new();
        for e in &report.entries {
            let v: Option<String> = entries::table
                .filter(entries::id.eq(e))
                .select(entries::village_code)
                .first(conn)
                .optional()?;
            if v.as_deref() != Some(finding.village_code.as_str()) {
                return Err(WorkflowError::EvidenceNotInVillage {
                    kind: "entry",
                    id: crate::domain::truncate(e),
                    village: finding.village_code.clone(),
                });
            }
            links.push(("entry", e.clone()));
        }
        for r in &report.receipts {
            let v: Option<String> = receipts::table
                .find(r)
                .select(receipts::village_code)
                .first(conn)
                .optional()?;
            if v.as_deref() != Some(finding.village_code.as_str()) {
                return Err(WorkflowError::EvidenceNotInVillage {
                    kind: "receipt",
                    id: crate::domain::truncate(r),
                    village: finding.village_code.clone(),
                });
            }
            links.push(("receipt", r.clone()));
        }
        append_step(
            conn,
            &finding,
            StepAction::Submitted,
            &text,
            &links,
            (&caller.username, now),
        )?;
        rectification(conn, &finding)
    })
}

/// Whether an inspector is on a follow-up round (回头看) whose scope covers the village.
fn on_follow_up_over(conn: &mut DbConn, username: &str, village: &str, township: &str) -> Result<bool> {
    let n: i64 = inspection_inspectors::table
        .inner_join(inspections::table.on(inspections::id.eq(inspection_inspectors::inspection_id)))
        .inner_join(inspection_targets::table.on(inspection_targets::inspection_id.eq(inspections::id)))
        .filter(inspection_inspectors::username.eq(username))
        .filter(inspections::follow_up_of.is_not_null())
        .filter(
            inspection_targets::kind
                .eq("village")
                .and(inspection_targets::code.eq(village))
                .or(inspection_targets::kind
                    .eq("township")
                    .and(inspection_targets::code.eq(township))),
        )
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// An inspector or admin accepts (`reopen == false`) or reopens the rectification.
pub fn judge_rectification(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    judgement: RectificationJudgement,
    reopen: bool,
    now: NaiveDateTime,
) -> Result<Rectification> {
    let reason = match (&judgement.reason, reopen) {
        (Some(r), _) => BoundedText::parse("reason", r, MAX_REASON_CHARS)?.into_string(),
        (None, true) => return Err(crate::domain::ValueError::Empty { field: "reason" }.into()),
        (None, false) => String::new(),
    };
    write_transaction(conn, |conn| {
        let finding = check_judge(conn, caller, id)?;
        let state = rectification_state(conn, &finding)?;
        let (allowed, action, needs) = if reopen {
            (
                matches!(state, RectificationState::Submitted | RectificationState::Accepted),
                StepAction::Reopened,
                "submitted|accepted",
            )
        } else {
            (
                state == RectificationState::Submitted,
                StepAction::Accepted,
                "submitted",
            )
        };
        if state == RectificationState::NotRequired {
            return Err(WorkflowError::NoRectificationRequired { finding: finding.id });
        }
        if !allowed {
            return Err(WorkflowError::RectificationState {
                finding: finding.id,
                state: state.as_str(),
                action: if reopen { "reopen" } else { "accept" },
                needs,
            });
        }
        append_step(conn, &finding, action, &reason, &[], (&caller.username, now))?;
        rectification(conn, &finding)
    })
}
