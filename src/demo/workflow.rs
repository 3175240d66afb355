//! The demo county's inspection workflow, told as the article tells it: the bodies tickets go
//! to and their people, a "1+N" checklist, a closed round over 沙柳街道 in which a villager of
//! 船帮里村 reported the faked housing-relief payment, the finding recorded two days later and
//! referred to the police with a red ticket concluded within its three days (移送司法机关,
//! 10,000.00 recovered), published to the village; the open round, in which 头岙村's
//! untendered works and its hospitality bills were found and referred to 海润街道纪工委 with
//! yellow tickets while the station rectifies; and villagers' questions answered by the
//! station. Every step goes through the services, as the API would make it, on the day it
//! happened.

use std::collections::HashMap;

use anyhow::{Context, anyhow};
use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime};
use diesel::prelude::*;

use crate::auth::inspections::{NewInspection, create_inspection};
use crate::auth::{Caller, Role};
use crate::config::TicketSettings;
use crate::db::DbConn;
use crate::db::schema::entries;
use crate::workflow::addressees::{AddresseeKind, NewAddressee, create_addressee};
use crate::workflow::checklists::{
    Category, ChecklistKind, Mark, MarkRequest, NewChecklist, NewChecklistItem, create_checklist, set_mark,
};
use crate::workflow::findings::{EvidenceLink, NewFinding, record_finding};
use crate::workflow::publication::{NewPublication, PublicStatus, publish};
use crate::workflow::questions::{
    Filing, NewAnswer, NewQuestion, QuestionKind, accept_answer, answer_question, file_question,
};
use crate::workflow::rectification::{RectificationReport, submit_rectification};
use crate::workflow::tickets::{
    Colour, Conclusion, NewTicket, Outcome, conclude_ticket, finding_for_issuer, issue_ticket, receive_ticket,
};

const ZHUAO: &str = "331022102000";
const HAIRUN: &str = "331022002000";
const SHALIU: &str = "331022003000";
const KANTOU: &str = "331022102201";
const TOUAO: &str = "331022002201";
const CHUANBANGLI: &str = "331022003201";
const SHALIU_VILLAGE: &str = "331022003202";

/// The bodies of the demo county: (name, kind, township).
pub const ADDRESSEES: [(&str, AddresseeKind, Option<&str>); 8] = [
    ("县纪委监委", AddresseeKind::CountyDiscipline, None),
    ("县公安局", AddresseeKind::Police, None),
    ("珠岙镇纪委", AddresseeKind::TownshipDiscipline, Some(ZHUAO)),
    ("海润街道纪工委", AddresseeKind::TownshipDiscipline, Some(HAIRUN)),
    ("沙柳街道纪工委", AddresseeKind::TownshipDiscipline, Some(SHALIU)),
    ("珠岙镇财务站", AddresseeKind::Station, Some(ZHUAO)),
    ("海润街道财务站", AddresseeKind::Station, Some(HAIRUN)),
    ("沙柳街道财务站", AddresseeKind::Station, Some(SHALIU)),
];

fn caller(username: &str, role: Role, township: Option<&str>, village: Option<&str>) -> Caller {
    Caller {
        username: username.to_owned(),
        role,
        village: village.map(str::to_owned),
        township: township.map(str::to_owned),
    }
}

fn admin() -> Caller {
    caller("admin", Role::Admin, None, None)
}

fn inspector() -> Caller {
    caller("inspector-wang", Role::Inspector, None, None)
}

/// A county moment: `day` at `hh:mm` China time, as the UTC the services take.
fn at(day: NaiveDate, hh: u32, mm: u32) -> NaiveDateTime {
    day.and_time(NaiveTime::from_hms_opt(hh, mm, 0).unwrap_or(NaiveTime::MIN)) - Duration::hours(8)
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

/// Records the bodies; returns their ids by name.
pub fn addressees(conn: &mut DbConn) -> anyhow::Result<HashMap<&'static str, String>> {
    let mut ids = HashMap::new();
    for (name, kind, township) in ADDRESSEES {
        let created = create_addressee(
            conn,
            &admin(),
            NewAddressee {
                name: name.to_owned(),
                kind,
                township: township.map(str::to_owned),
            },
            at(day(2026, 1, 5), 9, 0),
        )
        .with_context(|| format!("recording the addressee {name}"))?;
        ids.insert(name, created.id);
    }
    Ok(ids)
}

/// The ids of a village's entries whose description contains `needle`, oldest first, with
/// their amounts; only payments without a tender reference when `untendered`.
fn entries_like(
    conn: &mut DbConn,
    village: &str,
    needle: &str,
    untendered: bool,
) -> anyhow::Result<Vec<(String, i64)>> {
    let mut q = entries::table
        .filter(entries::village_code.eq(village))
        .filter(entries::description.like(format!("%{needle}%")))
        .filter(entries::reverses.is_null())
        .order((entries::occurred_on, entries::seq))
        .select((entries::id, entries::amount_fen))
        .into_boxed();
    if untendered {
        q = q.filter(entries::tender_ref.is_null());
    }
    let found: Vec<(String, i64)> = q.load(conn)?;
    if found.is_empty() {
        return Err(anyhow!("the demo county has no entry like {needle} in {village}"));
    }
    Ok(found)
}

fn item(code: &str, title: &str, category: Category) -> NewChecklistItem {
    NewChecklistItem {
        code: code.to_owned(),
        title: title.to_owned(),
        category,
    }
}

/// The common list every round gets, and an individual one for villages near town ("1+N").
fn checklists(conn: &mut DbConn) -> anyhow::Result<String> {
    let common = create_checklist(
        conn,
        &admin(),
        NewChecklist {
            name: "2026年村级巡察通用清单".into(),
            kind: ChecklistKind::Common,
            village_kind: None,
            base: None,
            items: vec![
                item("A-01", "集体资金收支是否及时足额入账", Category::Assets),
                item("B-01", "工程项目是否按规定公开招投标", Category::Projects),
                item("C-01", "公务接待是否在工作日、是否附接待清单", Category::Hospitality),
                item("D-01", "惠农补贴是否足额发放到户", Category::Subsidies),
                item("E-01", "救助资金发放对象是否符合条件", Category::Relief),
                item("F-01", "村务、财务是否按月公开", Category::Openness),
                item("G-01", "原始凭证是否齐全、审批是否完整", Category::Finance),
            ],
        },
        at(day(2026, 3, 20), 10, 0),
    )
    .context("recording the common checklist")?;
    create_checklist(
        conn,
        &admin(),
        NewChecklist {
            name: "城郊村补充清单".into(),
            kind: ChecklistKind::Individual,
            village_kind: Some("城郊村".into()),
            base: Some(common.id.clone()),
            items: vec![item("H-01", "征地补偿款是否按方案分配到户", Category::Assets)],
        },
        at(day(2026, 3, 20), 10, 5),
    )
    .context("recording the individual checklist")?;
    Ok(common.id)
}

fn tickets_settings() -> TicketSettings {
    TicketSettings {
        red_days: 3,
        yellow_days: 7,
        blue_days: 15,
        working_days: false,
    }
}

/// Issues a ticket on `finding` as the round's inspector at `when`.
fn refer(
    conn: &mut DbConn,
    finding: &str,
    colour: Colour,
    addressee: &str,
    note: &str,
    when: NaiveDateTime,
) -> anyhow::Result<String> {
    let facts = finding_for_issuer(conn, &inspector(), finding)?;
    let ticket = issue_ticket(
        conn,
        &inspector(),
        &facts,
        NewTicket {
            colour,
            addressee: addressee.to_owned(),
            note: Some(note.to_owned()),
        },
        &tickets_settings(),
        when,
    )
    .context("issuing a demo ticket")?;
    Ok(ticket.id)
}

/// Everything the workflow shows, on top of the ledgers, the users and the open round.
pub fn seed(
    conn: &mut DbConn,
    bodies: &HashMap<&'static str, String>,
    open_round: &str,
    checklist: &str,
    today: NaiveDate,
) -> anyhow::Result<()> {
    closed_round(conn, bodies, checklist)?;
    open_round_findings(conn, bodies, open_round, today)?;
    questions(conn, today)?;
    Ok(())
}

/// Makes the checklist; returns its id (the open round is created with it).
pub fn prepare(conn: &mut DbConn) -> anyhow::Result<String> {
    checklists(conn)
}

/// The spring round over 沙柳街道: the faked housing-relief payment from report to judiciary.
fn closed_round(conn: &mut DbConn, bodies: &HashMap<&'static str, String>, checklist: &str) -> anyhow::Result<()> {
    let (starts_on, ends_on) = (day(2026, 4, 1), day(2026, 5, 31));
    let round = create_inspection(
        conn,
        NewInspection {
            name: "2026年第一轮巡察(沙柳街道)".into(),
            inspectors: vec!["inspector-wang".into()],
            townships: vec![SHALIU.into()],
            villages: Vec::new(),
            starts_on,
            ends_on,
            checklist: Some(checklist.to_owned()),
            follow_up_of: None,
        },
        "admin",
        starts_on,
    )
    .context("the demo's closed round")?;

    // 04-22: a villager of 船帮里村 reports the relief paid to someone who is not a villager.
    let (relief, relief_fen) = entries_like(conn, CHUANBANGLI, "困难户住房救助款", false)?
        .into_iter()
        .next()
        .ok_or_else(|| anyhow!("no planted relief payment"))?;
    let reported = day(2026, 4, 22);
    let report = file_question(
        conn,
        &caller("villager-chuanbangli", Role::Villager, None, Some(CHUANBANGLI)),
        &relief,
        NewQuestion {
            kind: QuestionKind::Report,
            text: "2024年8月这笔住房救助款的收款人叶某某不是本村村民,也没有听说村里有人申请过,请巡察组核实。".into(),
        },
        None,
        Filing {
            now: at(reported, 20, 15),
            today: reported,
            per_day: 5,
        },
    )
    .context("the villager's report")?;

    // 04-24: the finding, and the same day a red ticket to the police.
    let found = day(2026, 4, 24);
    let finding = record_finding(
        conn,
        &inspector(),
        &round.id,
        NewFinding {
            village: CHUANBANGLI.into(),
            checklist_item: "E-01".into(),
            description: "虚列困难群众住房救助支出10,000.00元:收款人叶某某非本村村民,无申请、评议和公示材料。".into(),
            amount_fen: relief_fen,
            evidence: vec![
                EvidenceLink::Entry { id: relief.clone() },
                EvidenceLink::Report { id: report.id.clone() },
            ],
            requires_rectification: false,
            rectify_by: None,
        },
        at(found, 16, 40),
        found,
    )
    .context("the relief finding")?;
    set_mark(
        conn,
        &inspector(),
        (&round.id, CHUANBANGLI, "E-01"),
        MarkRequest {
            mark: Mark::Problem,
            finding: Some(finding.id.clone()),
        },
        at(found, 16, 45),
        found,
    )?;
    for code in ["A-01", "F-01", "G-01"] {
        set_mark(
            conn,
            &inspector(),
            (&round.id, CHUANBANGLI, code),
            MarkRequest {
                mark: Mark::NoProblem,
                finding: None,
            },
            at(found, 17, 0),
            found,
        )?;
    }
    let red = refer(
        conn,
        &finding.id,
        Colour::Red,
        &bodies["县公安局"],
        "涉嫌冒领救助资金,请于3日内核查处理并反馈。",
        at(found, 17, 30),
    )?;
    let police = caller("police-sanmen", Role::Discipline, None, None);
    receive_ticket(conn, &police, &red, at(day(2026, 4, 25), 8, 50))?;
    conclude_ticket(
        conn,
        &police,
        &red,
        Conclusion {
            response: Some("经查,叶某某冒领住房救助资金属实,已立案侦查并移送检察机关审查起诉,资金已全额追回。".into()),
            outcome: Outcome::ReferredToJudiciary,
            persons_disciplined: 0,
            recovered_fen: relief_fen,
        },
        at(day(2026, 4, 27), 15, 0),
    )?;

    // 05-10: the National Day dinner of 沙柳村, referred to the township with a blue ticket
    // that nobody has received: it shows as overdue.
    let (dinner, dinner_fen) = entries_like(conn, SHALIU_VILLAGE, "国庆期间村务接待餐费", false)?
        .into_iter()
        .next()
        .ok_or_else(|| anyhow!("no planted holiday dinner"))?;
    let noted = day(2026, 5, 10);
    let dinner_finding = record_finding(
        conn,
        &inspector(),
        &round.id,
        NewFinding {
            village: SHALIU_VILLAGE.into(),
            checklist_item: "C-01".into(),
            description: "国庆假期(2025年10月3日)列支村务接待餐费1,280.00元,未附接待清单。".into(),
            amount_fen: dinner_fen,
            evidence: vec![
                EvidenceLink::Entry { id: dinner.clone() },
                EvidenceLink::Flag {
                    rule: "offday_hospitality".into(),
                    entries: vec![dinner],
                },
            ],
            requires_rectification: false,
            rectify_by: None,
        },
        at(noted, 11, 0),
        noted,
    )
    .context("the holiday dinner finding")?;
    refer(
        conn,
        &dinner_finding.id,
        Colour::Blue,
        &bodies["沙柳街道纪工委"],
        "请核实节假日接待的事由和标准。",
        at(noted, 11, 30),
    )?;

    // After the round: the relief case published to the village.
    publish(
        conn,
        &admin(),
        &finding.id,
        NewPublication {
            text: "船帮里村虚列困难群众住房救助支出10,000.00元问题,已移送司法机关,资金已全额追回。".into(),
            status: PublicStatus::Referred,
        },
        at(day(2026, 6, 5), 10, 0),
        day(2026, 6, 5),
    )
    .context("publishing the relief finding")?;
    Ok(())
}

/// The open round: 头岙村's untendered works and its hospitality, referred to 海润街道纪工委
/// with yellow tickets; the station is rectifying.
fn open_round_findings(
    conn: &mut DbConn,
    bodies: &HashMap<&'static str, String>,
    round: &str,
    today: NaiveDate,
) -> anyhow::Result<()> {
    let found = today - Duration::days(12);
    let works = entries_like(conn, TOUAO, "工程", true)?;
    let split: Vec<(String, i64)> = entries_like(conn, TOUAO, "村文化礼堂修缮工程款", true)?;
    let mut evidence: Vec<EvidenceLink> = works
        .iter()
        .filter(|(_, fen)| *fen >= 5_000_000)
        .take(8)
        .map(|(id, _)| EvidenceLink::Entry { id: id.clone() })
        .collect();
    evidence.push(EvidenceLink::Flag {
        rule: "split_payment".into(),
        entries: split.iter().map(|(id, _)| id.clone()).collect(),
    });
    let untendered_fen: i64 = works
        .iter()
        .filter(|(_, fen)| *fen >= 5_000_000)
        .take(8)
        .map(|(_, f)| f)
        .sum::<i64>()
        + split.iter().map(|(_, f)| f).sum::<i64>();
    let tender = record_finding(
        conn,
        &inspector(),
        round,
        NewFinding {
            village: TOUAO.into(),
            checklist_item: "B-01".into(),
            description: "村道硬化、文化礼堂修缮等工程未经公开招投标即付款,文化礼堂修缮工程款拆分为四笔,每笔均略低于5,000元审批限额。".into(),
            amount_fen: untendered_fen,
            evidence,
            requires_rectification: true,
            rectify_by: Some(today + Duration::days(30)),
        },
        at(found, 15, 0),
        found,
    )
    .context("the tender finding")?;
    let hospitality: Vec<(String, i64)> = entries_like(conn, TOUAO, "接待", false)?
        .into_iter()
        .rev()
        .take(3)
        .collect();
    let meals = record_finding(
        conn,
        &inspector(),
        round,
        NewFinding {
            village: TOUAO.into(),
            checklist_item: "C-01".into(),
            description: "村务接待餐费报销未附接待清单和审批单。".into(),
            amount_fen: hospitality.iter().map(|(_, f)| f).sum(),
            evidence: hospitality
                .iter()
                .map(|(id, _)| EvidenceLink::Entry { id: id.clone() })
                .collect(),
            requires_rectification: true,
            rectify_by: Some(today + Duration::days(20)),
        },
        at(found, 15, 20),
        found,
    )
    .context("the hospitality finding")?;
    for (code, mark, finding) in [
        ("A-01", Mark::NoProblem, None),
        ("B-01", Mark::Problem, Some(tender.id.clone())),
        ("C-01", Mark::Problem, Some(meals.id.clone())),
        ("D-01", Mark::NotApplicable, None),
        ("F-01", Mark::NoProblem, None),
    ] {
        set_mark(
            conn,
            &inspector(),
            (round, TOUAO, code),
            MarkRequest { mark, finding },
            at(found, 16, 0),
            found,
        )?;
    }
    let jiwei = caller("jiwei-hairun", Role::Discipline, Some(HAIRUN), None);
    let issued = today - Duration::days(3);
    let tender_ticket = refer(
        conn,
        &tender.id,
        Colour::Yellow,
        &bodies["海润街道纪工委"],
        "请核查工程发包程序,督促村里补办招投标手续。",
        at(issued, 9, 0),
    )?;
    receive_ticket(conn, &jiwei, &tender_ticket, at(issued, 14, 0))?;
    let meals_ticket = refer(
        conn,
        &meals.id,
        Colour::Yellow,
        &bodies["海润街道纪工委"],
        "请督促规范公务接待报销。",
        at(found, 17, 0),
    )?;
    receive_ticket(conn, &jiwei, &meals_ticket, at(found + Duration::days(1), 9, 0))?;
    conclude_ticket(
        conn,
        &jiwei,
        &meals_ticket,
        Conclusion {
            response: Some("已约谈村报账员,责令补齐接待清单和审批单,由街道财务站督促整改。".into()),
            outcome: Outcome::Rectification,
            persons_disciplined: 0,
            recovered_fen: 0,
        },
        at(found + Duration::days(5), 16, 0),
    )?;
    let station = caller("clerk-hairun", Role::Clerk, Some(HAIRUN), None);
    submit_rectification(
        conn,
        &station,
        &meals.id,
        RectificationReport {
            text: "已补齐三次接待的接待清单和审批单,并制定村务接待报销规定。".into(),
            entries: Vec::new(),
            receipts: Vec::new(),
        },
        at(today - Duration::days(2), 10, 0),
    )
    .context("the station's rectification")?;
    Ok(())
}

/// Villagers ask the station about line items; most are answered.
fn questions(conn: &mut DbConn, today: NaiveDate) -> anyhow::Result<()> {
    let kantou = caller("villager-kantou", Role::Villager, None, Some(KANTOU));
    let touao = caller("villager-touao", Role::Villager, None, Some(TOUAO));
    let zhuao = caller("clerk-zhuao", Role::Clerk, Some(ZHUAO), None);
    let hairun = caller("clerk-hairun", Role::Clerk, Some(HAIRUN), None);
    let ask = |conn: &mut DbConn, who: &Caller, entry: &str, text: &str, on: NaiveDate| {
        file_question(
            conn,
            who,
            entry,
            NewQuestion {
                kind: QuestionKind::Question,
                text: text.to_owned(),
            },
            None,
            Filing {
                now: at(on, 19, 30),
                today: on,
                per_day: 5,
            },
        )
        .context("a villager's question")
    };
    let labour = entries_like(conn, KANTOU, "祠堂传送瓦片人工费", false)?;
    let (labour_id, _) = labour.last().ok_or_else(|| anyhow!("no labour line"))?;
    let asked = today - Duration::days(6);
    let q1 = ask(
        conn,
        &kantou,
        labour_id,
        "祠堂传送瓦片的人工费是按几个工日、每工多少钱算的?",
        asked,
    )?;
    answer_question(
        conn,
        &zhuao,
        &q1.id,
        NewAnswer {
            text: "共12个工日,每工日220元,由村民代表会议确定,用工记录附在凭证后。".into(),
        },
        at(asked + Duration::days(1), 10, 0),
        asked + Duration::days(1),
    )?;
    accept_answer(
        conn,
        &kantou,
        &q1.id,
        at(asked + Duration::days(1), 20, 0),
        asked + Duration::days(1),
    )?;
    let tiles = entries_like(conn, KANTOU, "购祠堂翻顶小青瓦", false)?;
    if let Some((tiles_id, _)) = tiles.last() {
        let q2 = ask(
            conn,
            &kantou,
            tiles_id,
            "小青瓦是从哪家买的?有没有比过价?",
            today - Duration::days(4),
        )?;
        answer_question(
            conn,
            &zhuao,
            &q2.id,
            NewAnswer {
                text: "向三家瓦厂询价后选了报价最低的一家,询价单已随凭证附上,可在凭证照片中查看。".into(),
            },
            at(today - Duration::days(3), 9, 30),
            today - Duration::days(3),
        )?;
    }
    let road = entries_like(conn, TOUAO, "付村道路面修补养护费", false)?;
    if let Some((road_id, _)) = road.last() {
        let q3 = ask(
            conn,
            &touao,
            road_id,
            "村道路面修补是哪一段?修好以后多久又坏了?",
            today - Duration::days(2),
        )?;
        answer_question(
            conn,
            &hairun,
            &q3.id,
            NewAnswer {
                text: "修补的是村口至文化礼堂一段,约300米,保修期一年,期内损坏由施工方负责。".into(),
            },
            at(today - Duration::days(1), 11, 0),
            today - Duration::days(1),
        )?;
    }
    ask(
        conn,
        &kantou,
        labour_id,
        "这次祠堂翻修一共花了多少钱?有没有公示?",
        today - Duration::days(1),
    )?;
    Ok(())
}
