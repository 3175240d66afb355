//! Inspection checklists (巡察清单) as data, and the rounds' marks against them.
//!
//! A checklist is a common list (通用清单, for every village) or an individual list (个性清单)
//! for a kind of village, which builds on a common list and adds its own items: the "1+N" of
//! the reform. A round gets one list at creation; its items, with those of the list's base, are
//! what its inspectors mark for each village of the round: `no_problem`, `problem` (naming the
//! finding recorded under the item) or `not_applicable`. Progress counts the marks.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::auth::inspections::{Inspection, readable_inspection};
use crate::auth::{Caller, Role};
use crate::db::schema::{checklist_items, checklist_marks, checklists, findings, villages};
use crate::db::{DbConn, write_transaction};
use crate::domain::BoundedText;
use crate::workflow::{Result, WorkflowError};

const MAX_NAME_CHARS: usize = 100;
const MAX_VILLAGE_KIND_CHARS: usize = 50;
const MAX_TITLE_CHARS: usize = 200;
const MAX_CODE_CHARS: usize = 20;
/// Most items on one list.
pub const MAX_ITEMS: usize = 200;
/// Most lists read at once.
const MAX_LISTS: i64 = 500;

/// What an item is about (its 类别).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// 三资管理: the village's funds, assets and resources.
    Assets,
    /// 工程项目: works projects and their tenders.
    Projects,
    /// 公务接待: hospitality.
    Hospitality,
    /// 惠农补贴: agricultural subsidies.
    Subsidies,
    /// 扶贫救助: poverty relief and social assistance (低保、危房改造 …).
    Relief,
    /// 村务公开: openness of village affairs.
    Openness,
    /// 财务管理: bookkeeping, cash and receipts.
    Finance,
    /// 其他.
    Other,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Assets => "assets",
            Category::Projects => "projects",
            Category::Hospitality => "hospitality",
            Category::Subsidies => "subsidies",
            Category::Relief => "relief",
            Category::Openness => "openness",
            Category::Finance => "finance",
            Category::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "assets" => Category::Assets,
            "projects" => Category::Projects,
            "hospitality" => Category::Hospitality,
            "subsidies" => Category::Subsidies,
            "relief" => Category::Relief,
            "openness" => Category::Openness,
            "finance" => Category::Finance,
            "other" => Category::Other,
            _ => return None,
        })
    }
}

/// A common list or an individual one ("1+N").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChecklistKind {
    /// For every village.
    Common,
    /// For a kind of village; builds on a common list.
    Individual,
}

impl ChecklistKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChecklistKind::Common => "common",
            ChecklistKind::Individual => "individual",
        }
    }
}

/// An item to put on a new list.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewChecklistItem {
    /// 1–20 letters, digits, `-`, `.` or `_`; unique on the list and its base.
    #[schema(min_length = 1, max_length = 20, pattern = r"^[A-Za-z0-9._-]{1,20}$")]
    pub code: String,
    /// At most 200 characters.
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    pub category: Category,
}

/// A new checklist (admins).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "2026年村级巡察通用清单",
    "kind": "common",
    "items": [
        {"code": "A-01", "title": "集体资金收支是否入账", "category": "assets"},
        {"code": "C-01", "title": "公务接待是否超标准", "category": "hospitality"}
    ]
}))]
pub struct NewChecklist {
    /// At most 100 characters; unique.
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    pub kind: ChecklistKind,
    /// The kind of village an individual list is for (e.g. 城中村、渔业村); at most 50
    /// characters; required for `individual`, refused for `common`.
    #[serde(default)]
    pub village_kind: Option<String>,
    /// The common list an individual list adds its items to; required for `individual`,
    /// refused for `common`.
    #[serde(default)]
    pub base: Option<String>,
    /// 1–200 items.
    pub items: Vec<NewChecklistItem>,
}

/// An item of a checklist.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ChecklistItem {
    pub code: String,
    pub title: String,
    pub category: Category,
}

/// A checklist.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Checklist {
    pub id: String,
    pub name: String,
    pub kind: ChecklistKind,
    pub village_kind: Option<String>,
    /// The common list an individual list builds on.
    pub base: Option<String>,
    /// The list's own items, in order (an individual list's base items come first in a round).
    pub items: Vec<ChecklistItem>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

fn check_code(code: &str) -> Result<String> {
    let ok = !code.is_empty()
        && code.chars().count() <= MAX_CODE_CHARS
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'));
    if ok {
        Ok(code.to_owned())
    } else {
        Err(WorkflowError::ChecklistItemCode {
            code: crate::domain::truncate(code),
        })
    }
}

/// Records a checklist (admins).
pub fn create_checklist(
    conn: &mut DbConn,
    caller: &Caller,
    new: NewChecklist,
    now: NaiveDateTime,
) -> Result<Checklist> {
    if caller.role != Role::Admin {
        return Err(WorkflowError::NotChecklistManager { role: caller.role });
    }
    let name = BoundedText::parse("name", &new.name, MAX_NAME_CHARS)?.into_string();
    let village_kind = new
        .village_kind
        .as_deref()
        .map(|k| BoundedText::parse("village_kind", k, MAX_VILLAGE_KIND_CHARS).map(BoundedText::into_string))
        .transpose()?;
    let fits = match new.kind {
        ChecklistKind::Common => village_kind.is_none() && new.base.is_none(),
        ChecklistKind::Individual => village_kind.is_some() && new.base.is_some(),
    };
    if !fits {
        return Err(WorkflowError::ChecklistKindFields {
            kind: new.kind.as_str(),
        });
    }
    if new.items.is_empty() || new.items.len() > MAX_ITEMS {
        return Err(WorkflowError::ChecklistItemCount { max: MAX_ITEMS });
    }
    let mut items = Vec::with_capacity(new.items.len());
    for item in &new.items {
        items.push(ChecklistItem {
            code: check_code(&item.code)?,
            title: BoundedText::parse("title", &item.title, MAX_TITLE_CHARS)?.into_string(),
            category: item.category,
        });
    }
    let base = new.base.as_deref().map(crate::domain::truncate);
    write_transaction(conn, |conn| {
        let mut taken: Vec<String> = Vec::new();
        if let Some(base) = &base {
            let kind: Option<String> = checklists::table
                .find(base)
                .select(checklists::kind)
                .first(conn)
                .optional()?;
            if kind.as_deref() != Some(ChecklistKind::Common.as_str()) {
                return Err(WorkflowError::ChecklistBaseMissing {
                    checklist: base.clone(),
                });
            }
            taken = checklist_items::table
                .filter(checklist_items::checklist_id.eq(base))
                .select(checklist_items::code)
                .load(conn)?;
        }
        for item in &items {
            if taken.contains(&item.code) {
                return Err(WorkflowError::ChecklistItemTwice {
                    code: item.code.clone(),
                });
            }
            taken.push(item.code.clone());
        }
        let exists: i64 = checklists::table
            .filter(checklists::name.eq(&name))
            .count()
            .get_result(conn)?;
        if exists > 0 {
            return Err(WorkflowError::ChecklistExists { name: name.clone() });
        }
        let id = crate::domain::ids::new_id("cl");
        diesel::insert_into(checklists::table)
            .values((
                checklists::id.eq(&id),
                checklists::name.eq(&name),
                checklists::kind.eq(new.kind.as_str()),
                checklists::village_kind.eq(&village_kind),
                checklists::base_id.eq(&base),
                checklists::created_by.eq(&caller.username),
                checklists::created_at.eq(now),
            ))
            .execute(conn)?;
        for (position, item) in items.iter().enumerate() {
            diesel::insert_into(checklist_items::table)
                .values((
                    checklist_items::checklist_id.eq(&id),
                    checklist_items::code.eq(&item.code),
                    checklist_items::position.eq(position as i32),
                    checklist_items::title.eq(&item.title),
                    checklist_items::category.eq(item.category.as_str()),
                ))
                .execute(conn)?;
        }
        Ok(Checklist {
            id,
            name: name.clone(),
            kind: new.kind,
            village_kind: village_kind.clone(),
            base: base.clone(),
            items: items.clone(),
            created_by: caller.username.clone(),
            created_at: now.and_utc(),
        })
    })
}

type ListRow = (
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    String,
    NaiveDateTime,
);

fn own_items(conn: &mut DbConn, id: &str) -> Result<Vec<ChecklistItem>> {
    let rows: Vec<(String, String, String)> = checklist_items::table
        .filter(checklist_items::checklist_id.eq(id))
        .order(checklist_items::position)
        .select((checklist_items::code, checklist_items::title, checklist_items::category))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(code, title, category)| ChecklistItem {
            code,
            title,
            category: Category::parse(&category).unwrap_or(Category::Other),
        })
        .collect())
}

/// Every checklist, newest first (staff; villagers 403).
pub fn list_checklists(conn: &mut DbConn, caller: &Caller) -> Result<Vec<Checklist>> {
    if caller.role == Role::Villager {
        return Err(WorkflowError::NotChecklistReader { role: caller.role });
    }
    let rows: Vec<ListRow> = checklists::table
        .order((checklists::created_at.desc(), checklists::id))
        .limit(MAX_LISTS)
        .select((
            checklists::id,
            checklists::name,
            checklists::kind,
            checklists::village_kind,
            checklists::base_id,
            checklists::created_by,
            checklists::created_at,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(id, name, kind, village_kind, base, created_by, created_at)| {
            Ok(Checklist {
                items: own_items(conn, &id)?,
                id,
                name,
                kind: if kind == "individual" {
                    ChecklistKind::Individual
                } else {
                    ChecklistKind::Common
                },
                village_kind,
                base,
                created_by,
                created_at: created_at.and_utc(),
            })
        })
        .collect()
}

/// The items a round marks: those of its list's base first, then the list's own.
pub fn round_items(conn: &mut DbConn, round: &Inspection) -> Result<Vec<ChecklistItem>> {
    let Some(list) = &round.checklist else {
        return Err(WorkflowError::RoundWithoutChecklist {
            round: round.id.clone(),
        });
    };
    let base: Option<Option<String>> = checklists::table
        .find(list)
        .select(checklists::base_id)
        .first(conn)
        .optional()?;
    let mut items = match base.flatten() {
        Some(base) => own_items(conn, &base)?,
        None => Vec::new(),
    };
    items.extend(own_items(conn, list)?);
    Ok(items)
}

/// The villages of a round's scope, as (code, township), by code.
pub fn round_villages(conn: &mut DbConn, round: &Inspection) -> Result<Vec<(String, String)>> {
    Ok(villages::table
        .filter(
            villages::code
                .eq_any(&round.villages)
                .or(villages::township_code.eq_any(&round.townships)),
        )
        .order(villages::code)
        .select((villages::code, villages::township_code))
        .load(conn)?)
}

/// The township of `village` if the village is in the round's scope.
pub fn round_village(conn: &mut DbConn, round: &Inspection, village: &str) -> Result<Option<String>> {
    let row: Option<String> = villages::table
        .find(village)
        .select(villages::township_code)
        .first(conn)
        .optional()?;
    Ok(row.filter(|t| round.villages.iter().any(|v| v == village) || round.townships.contains(t)))
}

/// The round, if the caller is one of its inspectors: 403 for other roles, 404 for a round
/// they are not on.
pub fn round_of_inspector(conn: &mut DbConn, caller: &Caller, round: &str, today: NaiveDate) -> Result<Inspection> {
    if caller.role != Role::Inspector {
        return Err(WorkflowError::NotRoundInspector { role: caller.role });
    }
    Ok(readable_inspection(conn, caller, round, today)?)
}

/// The round, for one of its own inspectors who records something in it: 403 for other roles,
/// 404 for a round they are not on, 409 outside the round's window.
pub fn round_for_recording(conn: &mut DbConn, caller: &Caller, round: &str, today: NaiveDate) -> Result<Inspection> {
    let round = round_of_inspector(conn, caller, round, today)?;
    if !(round.starts_on <= today && today <= round.ends_on) {
        return Err(WorkflowError::RoundWindowClosed {
            round: round.id,
            starts_on: round.starts_on,
            ends_on: round.ends_on,
            today,
        });
    }
    Ok(round)
}

/// A mark of an item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Mark {
    /// 未发现问题.
    NoProblem,
    /// 发现问题: names the finding recorded under the item.
    Problem,
    /// 不适用.
    NotApplicable,
}

impl Mark {
    pub fn as_str(self) -> &'static str {
        match self {
            Mark::NoProblem => "no_problem",
            Mark::Problem => "problem",
            Mark::NotApplicable => "not_applicable",
        }
    }
}

/// What an inspector marks an item with.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"mark": "problem", "finding": "fi_5d1c0e7a9b3f4c2d8e6a1b0c"}))]
pub struct MarkRequest {
    pub mark: Mark,
    /// The finding of this round, village and item; required for `problem`, refused otherwise.
    #[serde(default)]
    pub finding: Option<String>,
}

/// An item's mark for a village of a round.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ItemMark {
    pub inspection_id: String,
    pub village_code: String,
    pub item: String,
    pub mark: Mark,
    pub finding: Option<String>,
    pub marked_by: String,
    pub marked_at: DateTime<Utc>,
}

/// Marks `item` for `village` in `round` (the round's inspectors, within its window); a later
/// mark replaces an earlier one.
pub fn set_mark(
    conn: &mut DbConn,
    caller: &Caller,
    (round, village, item): (&str, &str, &str),
    request: MarkRequest,
    now: NaiveDateTime,
    today: NaiveDate,
) -> Result<ItemMark> {
    write_transaction(conn, |conn| {
        let round = round_for_recording(conn, caller, round, today)?;
        if round_village(conn, &round, village)?.is_none() {
            return Err(WorkflowError::RoundVillageNotFound {
                village: crate::domain::truncate(village),
                round: round.id,
            });
        }
        if !round_items(conn, &round)?.iter().any(|i| i.code == item) {
            return Err(WorkflowError::RoundItemNotFound {
                item: crate::domain::truncate(item),
                round: round.id,
            });
        }
        let finding = match (request.mark, request.finding) {
            (Mark::Problem, None) => return Err(WorkflowError::MarkNeedsFinding),
            (Mark::Problem, Some(f)) => {
                let n: i64 = findings::table
                    .filter(findings::id.eq(&f))
                    .filter(findings::inspection_id.eq(&round.id))
                    .filter(findings::village_code.eq(village))
                    .filter(findings::checklist_item.eq(item))
                    .count()
                    .get_result(conn)?;
                if n == 0 {
                    return Err(WorkflowError::MarkFindingMismatch {
                        finding: crate::domain::truncate(&f),
                    });
                }
                Some(f)
            }
            (_, Some(_)) => return Err(WorkflowError::MarkTakesNoFinding),
            (_, None) => None,
        };
        diesel::delete(checklist_marks::table.find((&round.id, village, item))).execute(conn)?;
        diesel::insert_into(checklist_marks::table)
            .values((
                checklist_marks::inspection_id.eq(&round.id),
                checklist_marks::village_code.eq(village),
                checklist_marks::item_code.eq(item),
                checklist_marks::mark.eq(request.mark.as_str()),
                checklist_marks::finding_id.eq(&finding),
                checklist_marks::marked_by.eq(&caller.username),
                checklist_marks::marked_at.eq(now),
            ))
            .execute(conn)?;
        Ok(ItemMark {
            inspection_id: round.id,
            village_code: village.to_owned(),
            item: item.to_owned(),
            mark: request.mark,
            finding,
            marked_by: caller.username.clone(),
            marked_at: now.and_utc(),
        })
    })
}

/// How far a village (or the whole round) is through the checklist.
#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
pub struct Counts {
    /// Items to mark.
    pub items: i64,
    pub no_problem: i64,
    pub problem: i64,
    pub not_applicable: i64,
    pub unmarked: i64,
    /// Findings recorded.
    pub findings: i64,
}

/// A village's progress.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct VillageProgress {
    pub village_code: String,
    #[serde(flatten)]
    pub counts: Counts,
}

/// A round's progress, per village and in all.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Progress {
    pub inspection_id: String,
    /// Null when the round has no checklist (then every village has 0 items).
    pub checklist: Option<String>,
    pub villages: Vec<VillageProgress>,
    pub total: Counts,
}

/// The progress of a round (admins and the round's inspectors, also after its window).
pub fn progress(conn: &mut DbConn, caller: &Caller, round: &str, today: NaiveDate) -> Result<Progress> {
    let round = readable_inspection(conn, caller, round, today)?;
    let items: Vec<String> = match round.checklist {
        Some(_) => round_items(conn, &round)?.into_iter().map(|i| i.code).collect(),
        None => Vec::new(),
    };
    let marks: Vec<(String, String, String)> = checklist_marks::table
        .filter(checklist_marks::inspection_id.eq(&round.id))
        .select((
            checklist_marks::village_code,
            checklist_marks::item_code,
            checklist_marks::mark,
        ))
        .load(conn)?;
    let found: Vec<String> = findings::table
        .filter(findings::inspection_id.eq(&round.id))
        .select(findings::village_code)
        .load(conn)?;
    let mut total = Counts::default();
    let mut per_village = Vec::new();
    for (code, _) in round_villages(conn, &round)? {
        let mut c = Counts {
            items: items.len() as i64,
            ..Counts::default()
        };
        for (_, _, mark) in marks.iter().filter(|(v, i, _)| *v == code && items.contains(i)) {
            match mark.as_str() {
                "no_problem" => c.no_problem += 1,
                "problem" => c.problem += 1,
                _ => c.not_applicable += 1,
            }
        }
        c.unmarked = c.items - c.no_problem - c.problem - c.not_applicable;
        c.findings = found.iter().filter(|v| **v == code).count() as i64;
        total.items += c.items;
        total.no_problem += c.no_problem;
        total.problem += c.problem;
        total.not_applicable += c.not_applicable;
        total.unmarked += c.unmarked;
        total.findings += c.findings;
        per_village.push(VillageProgress {
            village_code: code,
            counts: c,
        });
    }
    Ok(Progress {
        inspection_id: round.id,
        checklist: round.checklist,
        villages: per_village,
        total,
    })
}
