//! Findings (巡察发现的问题): what a round found in a village, under an item of its checklist,
//! with the amount involved and links to the evidence. Each finding is a leaf of the
//! transparency log (kind `finding`, appended in the transaction that records it), so it cannot
//! later be quietly softened; what happens to it afterwards (rectification, publication) lives
//! in tables of its own.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::auth::inspections::{Inspection, readable_inspection};
use crate::auth::scope::readable_village;
use crate::auth::{AuthError, Caller, Role};
use crate::db::schema::{finding_evidence, findings, inspections, publications};
use crate::db::{DbConn, write_transaction};
use crate::domain::{BoundedText, MAX_ABS_FEN, Period, VillageCode};
use crate::tlog::leaf::{EvidenceLeaf, FindingLeaf, KIND_FINDING};
use crate::workflow::checklists::{round_for_recording, round_items, round_village, round_villages};
pub use crate::workflow::finding_rows::{FindingRow, finding_row, on_round};
use crate::workflow::finding_rows::{find_row, not_found};
use crate::workflow::publication::{PublicStatus, Publication};
use crate::workflow::rectification::{RectificationState, state_after};
use crate::workflow::{Result, WorkflowError};

const MAX_DESCRIPTION_CHARS: usize = 2_000;
const MAX_RESULT_CHARS: usize = 500;
/// Most evidence links of one finding.
pub const MAX_EVIDENCE: usize = 50;
/// Most entries one red flag names.
pub const MAX_FLAG_ENTRIES: usize = 50;
pub const DEFAULT_PAGE: i64 = 50;
pub const MAX_PAGE: i64 = 200;

/// A link to what a finding rests on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum EvidenceLink {
    /// An entry of the finding's village.
    Entry { id: String },
    /// A receipt of the finding's village.
    Receipt { id: String },
    /// A red flag as `GET /api/v1/crosscheck/flags` returns it: its rule and entry ids.
    Flag { rule: String, entries: Vec<String> },
    /// A reconciliation's result: the month and what it showed, in words (≤ 500 characters).
    Reconciliation { period: String, result: String },
    /// A villager's report (举报) on the village, by its id; never who filed it.
    Report { id: String },
}

impl EvidenceLink {
    fn kind(&self) -> &'static str {
        match self {
            EvidenceLink::Entry { .. } => "entry",
            EvidenceLink::Receipt { .. } => "receipt",
            EvidenceLink::Flag { .. } => "flag",
            EvidenceLink::Reconciliation { .. } => "reconciliation",
            EvidenceLink::Report { .. } => "report",
        }
    }

    /// `(ref, detail)` as stored and logged.
    fn stored(&self) -> (String, Option<String>) {
        match self {
            EvidenceLink::Entry { id } | EvidenceLink::Receipt { id } | EvidenceLink::Report { id } => {
                (id.clone(), None)
            }
            EvidenceLink::Flag { rule, entries } => (rule.clone(), Some(entries.join(","))),
            EvidenceLink::Reconciliation { period, result } => (period.clone(), Some(result.clone())),
        }
    }

    fn from_stored(kind: &str, reference: String, detail: Option<String>) -> Self {
        match kind {
            "entry" => EvidenceLink::Entry { id: reference },
            "receipt" => EvidenceLink::Receipt { id: reference },
            "flag" => EvidenceLink::Flag {
                rule: reference,
                entries: detail
                    .unwrap_or_default()
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect(),
            },
            "reconciliation" => EvidenceLink::Reconciliation {
                period: reference,
                result: detail.unwrap_or_default(),
            },
            _ => EvidenceLink::Report { id: reference },
        }
    }
}

/// A finding to record.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "village": "331022102201",
    "checklist_item": "E-02",
    "description": "虚列危房改造补助支出10,000.00元,收款人非本村农户",
    "amount_fen": 1000000,
    "evidence": [{"kind": "entry", "id": "en_5d1c0e7a9b3f4c2d8e6a1b0c"}],
    "requires_rectification": true,
    "rectify_by": "2026-06-30"
}))]
pub struct NewFinding {
    /// A village of the round.
    pub village: String,
    /// The code of an item on the round's checklist.
    pub checklist_item: String,
    /// At most 2,000 characters.
    #[schema(min_length = 1, max_length = 2000)]
    pub description: String,
    /// The amount involved, fen, 0 to 10^13.
    #[schema(minimum = 0, maximum = 10_000_000_000_000_i64)]
    pub amount_fen: i64,
    /// At most 50 links.
    #[serde(default)]
    pub evidence: Vec<EvidenceLink>,
    pub requires_rectification: bool,
    /// The rectification deadline: required when rectification is required, refused otherwise;
    /// not before today.
    #[serde(default)]
    pub rectify_by: Option<NaiveDate>,
}

/// A recorded finding.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Finding {
    pub id: String,
    pub inspection_id: String,
    pub village_code: String,
    pub township_code: String,
    pub checklist_item: String,
    pub category: String,
    pub description: String,
    pub amount_fen: i64,
    pub evidence: Vec<EvidenceLink>,
    pub requires_rectification: bool,
    pub rectify_by: Option<NaiveDate>,
    /// Where rectification stands.
    pub rectification: RectificationState,
    /// What the admin published of it, if anything (the latest publication).
    pub publication: Option<Publication>,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
    /// Its leaf's index in the transparency log.
    pub log_index: u64,
}

/// The evidence of a finding as stored: (kind, ref, detail), in order.
fn stored_evidence(conn: &mut DbConn, finding: &str) -> Result<Vec<(String, String, Option<String>)>> {
    Ok(finding_evidence::table
        .filter(finding_evidence::finding_id.eq(finding))
        .order(finding_evidence::position)
        .select((
            finding_evidence::kind,
            finding_evidence::reference,
            finding_evidence::detail,
        ))
        .load(conn)?)
}

/// The leaf a finding's values encode to, with its evidence as stored.
pub fn encode_leaf(row: &FindingRow, evidence: &[(String, String, Option<String>)]) -> Vec<u8> {
    FindingLeaf {
        id: &row.id,
        inspection_id: &row.inspection_id,
        village_code: &row.village_code,
        township_code: &row.township_code,
        checklist_item: &row.checklist_item,
        category: &row.category,
        description: &row.description,
        amount_fen: row.amount_fen,
        requires_rectification: row.requires_rectification,
        rectify_by: row.rectify_by,
        evidence: evidence
            .iter()
            .map(|(kind, reference, detail)| EvidenceLeaf {
                kind,
                reference,
                detail: detail.as_deref(),
            })
            .collect(),
        recorded_by: &row.recorded_by,
        recorded_at: row.recorded_at,
    }
    .encode()
}

/// The leaf a finding's rows encode to now (for `verify`); `None` if the finding is gone.
pub fn finding_leaf(conn: &mut DbConn, id: &str) -> Result<Option<Vec<u8>>> {
    let Some(row) = find_row(conn, id)? else {
        return Ok(None);
    };
    let evidence = stored_evidence(conn, id)?;
    Ok(Some(encode_leaf(&row, &evidence)))
}

/// The whole finding as clients see it.
pub fn finding_view(conn: &mut DbConn, row: FindingRow) -> Result<Finding> {
    let id = row.id.clone();
    finding_views(conn, vec![row])?.pop().ok_or_else(|| not_found(&id))
}

/// Findings as clients see them, with their evidence, log index, rectification state and
/// latest publication read for all of them at once (a handful of queries per page).
pub fn finding_views(conn: &mut DbConn, rows: Vec<FindingRow>) -> Result<Vec<Finding>> {
    use std::collections::HashMap;

    use crate::db::schema::{log_leaves, rectification_steps};
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    let mut evidence: HashMap<String, Vec<EvidenceLink>> = HashMap::new();
    let stored: Vec<(String, String, String, Option<String>)> = finding_evidence::table
        .filter(finding_evidence::finding_id.eq_any(&ids))
        .order((finding_evidence::finding_id, finding_evidence::position))
        .select((
            finding_evidence::finding_id,
            finding_evidence::kind,
            finding_evidence::reference,
            finding_evidence::detail,
        ))
        .load(conn)?;
    for (finding, kind, reference, detail) in stored {
        evidence
            .entry(finding)
            .or_default()
            .push(EvidenceLink::from_stored(&kind, reference, detail));
    }
    let leaves: HashMap<String, i64> = log_leaves::table
        .filter(log_leaves::object_id.eq_any(&ids))
        .filter(log_leaves::kind.eq(KIND_FINDING))
        .select((log_leaves::object_id, log_leaves::idx))
        .load::<(String, i64)>(conn)?
        .into_iter()
        .collect();
    let mut last_step: HashMap<String, (i32, String)> = HashMap::new();
    let steps: Vec<(String, i32, String)> = rectification_steps::table
        .filter(rectification_steps::finding_id.eq_any(&ids))
        .select((
            rectification_steps::finding_id,
            rectification_steps::position,
            rectification_steps::action,
        ))
        .load(conn)?;
    for (finding, position, action) in steps {
        let last = last_step.entry(finding).or_insert((-1, String::new()));
        if position > last.0 {
            *last = (position, action);
        }
    }
    type PublicationRow = (String, i32, String, String, String, NaiveDateTime);
    let mut latest: HashMap<String, (i32, Publication)> = HashMap::new();
    let published: Vec<PublicationRow> = publications::table
        .filter(publications::finding_id.eq_any(&ids))
        .select((
            publications::finding_id,
            publications::position,
            publications::text,
            publications::status,
            publications::published_by,
            publications::published_at,
        ))
        .load(conn)?;
    for (finding, position, text, status, published_by, published_at) in published {
        if latest.get(&finding).is_none_or(|(p, _)| position > *p) {
            let publication = Publication {
                finding_id: finding.clone(),
                text,
                status: PublicStatus::parse(&status),
                published_by,
                published_at: published_at.and_utc(),
            };
            latest.insert(finding, (position, publication));
        }
    }
    Ok(rows
        .into_iter()
        .map(|row| Finding {
            evidence: evidence.remove(&row.id).unwrap_or_default(),
            log_index: leaves.get(&row.id).map_or(0, |i| *i as u64),
            rectification: state_after(
                row.requires_rectification,
                last_step.get(&row.id).map(|(_, a)| a.as_str()),
            ),
            publication: latest.remove(&row.id).map(|(_, p)| p),
            id: row.id,
            inspection_id: row.inspection_id,
            village_code: row.village_code,
            township_code: row.township_code,
            checklist_item: row.checklist_item,
            category: row.category,
            description: row.description,
            amount_fen: row.amount_fen,
            requires_rectification: row.requires_rectification,
            rectify_by: row.rectify_by,
            recorded_by: row.recorded_by,
            recorded_at: row.recorded_at.and_utc(),
        })
        .collect())
}

fn published(conn: &mut DbConn, finding: &str) -> Result<bool> {
    let n: i64 = publications::table
        .filter(publications::finding_id.eq(finding))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// The finding `id` if the caller may read it, else 404: admins; the inspectors of its round
/// (also after the round's window); staff whose scope reads its village today; the villagers of
/// its village once it is published.
pub fn readable_finding(conn: &mut DbConn, caller: &Caller, id: &str, today: NaiveDate) -> Result<FindingRow> {
    let row = finding_row(conn, id)?;
    let may = match caller.role {
        Role::Admin => true,
        Role::Inspector if on_round(conn, &caller.username, &row.inspection_id)? => true,
        Role::Villager if !published(conn, &row.id)? => false,
        _ => {
            let code = VillageCode::parse(&row.village_code)?;
            match readable_village(conn, caller, &code, today) {
                Ok(_) => true,
                Err(AuthError::VillageNotFound { .. }) => false,
                Err(e) => return Err(e.into()),
            }
        }
    };
    if may { Ok(row) } else { Err(not_found(id)) }
}

/// Whether `id` may stand as a villager's report on `village` in a finding's evidence: a report
/// (or a question escalated into one) filed on that village.
pub fn check_report_evidence(conn: &mut DbConn, id: &str, village: &str) -> Result<bool> {
    crate::workflow::questions::report_on_village(conn, id, village)
}

fn check_in_village(kind: &'static str, id: &str, found: Option<String>, village: &str) -> Result<()> {
    if found.as_deref() == Some(village) {
        Ok(())
    } else {
        Err(WorkflowError::EvidenceNotInVillage {
            kind,
            id: crate::domain::truncate(id),
            village: village.to_owned(),
        })
    }
}

fn entry_village(conn: &mut DbConn, id: &str) -> Result<Option<String>> {
    use crate::db::schema::entries;
    Ok(entries::table
        .filter(entries::id.eq(id))
        .select(entries::village_code)
        .first(conn)
        .optional()?)
}

/// Checks each link against the village (entries and receipts of it, known rules, reports on
/// it) and bounds its text; returns the links as stored.
fn check_evidence(conn: &mut DbConn, evidence: Vec<EvidenceLink>, village: &str) -> Result<Vec<EvidenceLink>> {
    use crate::db::schema::receipts;
    if evidence.len() > MAX_EVIDENCE {
        return Err(WorkflowError::EvidenceCount { max: MAX_EVIDENCE });
    }
    let rules = crate::crosscheck::flags::rule_names();
    let mut out = Vec::with_capacity(evidence.len());
    for link in evidence {
        out.push(match link {
            EvidenceLink::Entry { id } => {
                let found = entry_village(conn, &id)?;
                check_in_village("entry", &id, found, village)?;
                EvidenceLink::Entry { id }
            }
            EvidenceLink::Receipt { id } => {
                let found = receipts::table
                    .find(&id)
                    .select(receipts::village_code)
                    .first(conn)
                    .optional()?;
                check_in_village("receipt", &id, found, village)?;
                EvidenceLink::Receipt { id }
            }
            EvidenceLink::Flag { rule, entries } => {
                if !rules.contains(&rule.as_str()) {
                    return Err(WorkflowError::EvidenceUnknownRule {
                        rule: crate::domain::truncate(&rule),
                    });
                }
                if entries.is_empty() || entries.len() > MAX_FLAG_ENTRIES {
                    return Err(WorkflowError::EvidenceFlagEntries { max: MAX_FLAG_ENTRIES });
                }
                for id in &entries {
                    let found = entry_village(conn, id)?;
                    check_in_village("entry", id, found, village)?;
                }
                EvidenceLink::Flag { rule, entries }
            }
            EvidenceLink::Reconciliation { period, result } => EvidenceLink::Reconciliation {
                period: Period::parse(&period)?.to_string(),
                result: BoundedText::parse("result", &result, MAX_RESULT_CHARS)?.into_string(),
            },
            EvidenceLink::Report { id } => {
                if !check_report_evidence(conn, &id, village)? {
                    return Err(WorkflowError::EvidenceNotAReport {
                        id: crate::domain::truncate(&id),
                        village: village.to_owned(),
                    });
                }
                EvidenceLink::Report { id }
            }
        });
    }
    Ok(out)
}

/// Records a finding of `round` (its inspectors, within its window) and appends its leaf to
/// the transparency log, in one transaction.
pub fn record_finding(
    conn: &mut DbConn,
    caller: &Caller,
    round: &str,
    new: NewFinding,
    now: NaiveDateTime,
    today: NaiveDate,
) -> Result<Finding> {
    let description = BoundedText::parse("description", &new.description, MAX_DESCRIPTION_CHARS)?.into_string();
    if !(0..=MAX_ABS_FEN).contains(&new.amount_fen) {
        return Err(WorkflowError::FindingAmount { fen: new.amount_fen });
    }
    match (new.requires_rectification, new.rectify_by) {
        (true, Some(by)) if by < today => {
            return Err(WorkflowError::RectifyByPast { rectify_by: by, today });
        }
        (true, Some(_)) | (false, None) => {}
        _ => return Err(WorkflowError::RectifyByMismatch),
    }
    let village = VillageCode::parse(&new.village)?.as_str().to_owned();
    write_transaction(conn, |conn| {
        let round = round_for_recording(conn, caller, round, today)?;
        let Some(township) = round_village(conn, &round, &village)? else {
            return Err(WorkflowError::VillageNotInRound {
                village: village.clone(),
                round: round.id,
            });
        };
        let items = round_items(conn, &round)?;
        let Some(item) = items.iter().find(|i| i.code == new.checklist_item) else {
            return Err(WorkflowError::ItemNotInChecklist {
                item: crate::domain::truncate(&new.checklist_item),
                round: round.id,
            });
        };
        let evidence = check_evidence(conn, new.evidence, &village)?;
        let id = crate::domain::ids::new_id("fi");
        diesel::insert_into(findings::table)
            .values((
                findings::id.eq(&id),
                findings::inspection_id.eq(&round.id),
                findings::village_code.eq(&village),
                findings::township_code.eq(&township),
                findings::checklist_item.eq(&item.code),
                findings::category.eq(item.category.as_str()),
                findings::description.eq(&description),
                findings::amount_fen.eq(new.amount_fen),
                findings::requires_rectification.eq(new.requires_rectification),
                findings::rectify_by.eq(new.rectify_by),
                findings::recorded_by.eq(&caller.username),
                findings::recorded_at.eq(now),
            ))
            .execute(conn)?;
        for (position, link) in evidence.iter().enumerate() {
            let (reference, detail) = link.stored();
            diesel::insert_into(finding_evidence::table)
                .values((
                    finding_evidence::finding_id.eq(&id),
                    finding_evidence::position.eq(position as i32),
                    finding_evidence::kind.eq(link.kind()),
                    finding_evidence::reference.eq(&reference),
                    finding_evidence::detail.eq(&detail),
                ))
                .execute(conn)?;
        }
        let row = finding_row(conn, &id)?;
        let leaf = encode_leaf(&row, &stored_evidence(conn, &id)?);
        crate::tlog::append(conn, KIND_FINDING, &id, &leaf)?;
        finding_view(conn, row)
    })
}

/// The position after the last finding of a page.
pub fn encode_cursor(seq: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("f1|{seq}"))
}

/// Reads a cursor of a findings listing.
pub fn decode_cursor(s: &str) -> Result<i64> {
    let bad = || WorkflowError::FindingCursor;
    if s.len() > 64 {
        return Err(bad());
    }
    let raw = URL_SAFE_NO_PAD.decode(s).map_err(|_| bad())?;
    let text = String::from_utf8(raw).map_err(|_| bad())?;
    text.strip_prefix("f1|").and_then(|n| n.parse().ok()).ok_or_else(bad)
}

/// A page of findings, oldest first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FindingPage {
    pub items: Vec<Finding>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// Which findings a listing shows.
pub enum Listing<'a> {
    /// A round's, optionally of one village.
    Round { round: &'a str, village: Option<&'a str> },
    /// A village's; only the published ones.
    Village { village: &'a str, published_only: bool },
    /// Those of rounds created before `round` in `villages` (a follow-up's).
    EarlierIn {
        round: &'a str,
        created_at: NaiveDateTime,
        villages: Vec<String>,
    },
}

/// One page of a listing, by `seq`.
pub fn list_findings(conn: &mut DbConn, listing: Listing<'_>, limit: i64, after: Option<i64>) -> Result<FindingPage> {
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(WorkflowError::FindingPageLimit { max: MAX_PAGE });
    }
    let mut query = findings::table
        .inner_join(inspections::table.on(inspections::id.eq(findings::inspection_id)))
        .select(FindingRow::as_select())
        .order(findings::seq)
        .limit(limit + 1)
        .into_boxed();
    if let Some(seq) = after {
        query = query.filter(findings::seq.gt(seq));
    }
    match listing {
        Listing::Round { round, village } => {
            query = query.filter(findings::inspection_id.eq(round.to_owned()));
            if let Some(v) = village {
                query = query.filter(findings::village_code.eq(v.to_owned()));
            }
        }
        Listing::Village {
            village,
            published_only,
        } => {
            query = query.filter(findings::village_code.eq(village.to_owned()));
            if published_only {
                query = query.filter(findings::id.eq_any(publications::table.select(publications::finding_id)));
            }
        }
        Listing::EarlierIn {
            round,
            created_at,
            villages,
        } => {
            query = query
                .filter(findings::inspection_id.ne(round.to_owned()))
                .filter(inspections::created_at.lt(created_at))
                .filter(findings::village_code.eq_any(villages));
        }
    }
    let mut rows: Vec<FindingRow> = query.load(conn)?;
    let next_cursor = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|r| encode_cursor(r.seq))
    } else {
        None
    };
    let items = finding_views(conn, rows)?;
    Ok(FindingPage { items, next_cursor })
}

/// A round's findings (admins and the round's inspectors, also after its window).
pub fn round_findings(
    conn: &mut DbConn,
    caller: &Caller,
    round: &str,
    village: Option<&str>,
    (limit, after): (i64, Option<i64>),
    today: NaiveDate,
) -> Result<FindingPage> {
    let round = readable_inspection(conn, caller, round, today)?;
    list_findings(
        conn,
        Listing::Round {
            round: &round.id,
            village,
        },
        limit,
        after,
    )
}

/// A village's findings: every one for staff whose scope reads the village, the published ones
/// for its villagers.
pub fn village_findings(
    conn: &mut DbConn,
    caller: &Caller,
    village: &VillageCode,
    (limit, after): (i64, Option<i64>),
    today: NaiveDate,
) -> Result<FindingPage> {
    readable_village(conn, caller, village, today)?;
    list_findings(
        conn,
        Listing::Village {
            village: village.as_str(),
            published_only: caller.role == Role::Villager,
        },
        limit,
        after,
    )
}

/// The findings of earlier rounds in the villages of a follow-up round (回头看), each with its
/// rectification state (admins and the round's inspectors).
pub fn follow_up(
    conn: &mut DbConn,
    caller: &Caller,
    round: &str,
    (limit, after): (i64, Option<i64>),
    today: NaiveDate,
) -> Result<FindingPage> {
    let round: Inspection = readable_inspection(conn, caller, round, today)?;
    if round.follow_up_of.is_none() {
        return Err(WorkflowError::NotFollowUpRound { round: round.id });
    }
    let villages = round_villages(conn, &round)?.into_iter().map(|(v, _)| v).collect();
    list_findings(
        conn,
        Listing::EarlierIn {
            round: &round.id,
            created_at: round.created_at.naive_utc(),
            villages,
        },
        limit,
        after,
    )
}
