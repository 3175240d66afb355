//! The demo county: 三门-like townships and villages, several fiscal years of realistic line
//! items under both charts of accounts, demo users of every role, an open inspection round,
//! and a handful of planted irregularities for the cross-check to find (listed in the README);
//! and the inspection workflow around them (`workflow`): a closed round and the open one, with
//! villagers' questions and reports, findings, referral tickets and rectification.
//! Deterministic: the same seed gives the same ledgers, ids included (the workflow's records
//! get fresh ids, as the services give them).

pub mod county;
pub(crate) mod receipts;
mod scans;
mod workflow;

use chrono::{Datelike, Duration, NaiveDate, NaiveTime};
use diesel::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::auth::Role;
use crate::auth::inspections::{NewInspection, create_inspection};
use crate::auth::users::{NewUser, add_user};
use crate::crosscheck::flags::offday_hospitality::is_hospitality;
use crate::db::schema::{townships, villages};
use crate::db::{DbConn, write_transaction};
use crate::domain::{AccountCode, Chart, Direction, Period};
use crate::ledger::entries::EntryRow;
use crate::ledger::periods::record_close;
use crate::ledger::post::insert_entry;
use crate::ledger::villages::{Township, VillageRow};
use crate::tlog::checkpoint::LogSigner;
use anyhow::{Context, anyhow};
use county::{Dir, ItemTemplate, TEMPLATES, TOWNSHIPS};

const SEED: u64 = 0x5a4e_4d45_4e32_3032; // "ZNMEN2026"-ish: any fixed value
/// The demo's books open on the first day of this year…
const FIRST_YEAR: i32 = 2023;
/// …and run through the end of this month (inclusive); months up to `LAST_CLOSED` are closed.
const LAST_MONTH: (i32, u32) = (2026, 10);
const LAST_CLOSED: (i32, u32) = (2026, 9);
/// The demo county's go-live: its books up to here were imported from paper, without scans,
/// so the `missing_receipt` rule looks only at entries from this day on.
pub const RECEIPTS_REQUIRED_FROM: NaiveDate = match NaiveDate::from_ymd_opt(2026, 11, 1) {
    Some(d) => d,
    None => NaiveDate::MIN,
};

/// A demo user and the password the demo gave them.
pub struct DemoUser {
    pub username: &'static str,
    pub password: &'static str,
    pub role: &'static str,
    pub scope: String,
}

/// The planted irregularities, for the README and the cross-check tests.
pub mod planted {
    /// 坎头村: the same street-light repair paid twice, six days apart.
    pub const DUPLICATE_VILLAGE: &str = "331022102201";
    /// 头岙村: village hall repairs split into four payments just under the 5,000-yuan
    /// single-approval limit, to one builder within ten days.
    pub const SPLIT_VILLAGE: &str = "331022002201";
    /// 船帮里村: a 10,000-yuan housing-relief payment to a claimant who is not a villager.
    pub const FAKE_RELIEF_VILLAGE: &str = "331022003201";
    pub const FAKE_RELIEF_CLAIMANT: &str = "叶某某";
    /// 沙柳村: a hospitality dinner on National Day (2025-10-03, a public holiday).
    pub const HOSPITALITY_VILLAGE: &str = "331022003202";
    /// 头岙村 (also the split payments): village works above the tender threshold paid with no
    /// tender reference; every other village's works carry theirs.
    pub const NO_TENDER_VILLAGE: &str = SPLIT_VILLAGE;
}

fn demo_users() -> Vec<(NewUser, DemoUser)> {
    let user = |username: &'static str,
                password: &'static str,
                role: Role,
                township: Option<&str>,
                village: Option<&str>,
                home: Option<&str>| {
        let scope = township
            .or(village)
            .or(home.map(|_| "rounds"))
            .unwrap_or("all")
            .to_owned();
        (
            NewUser {
                username: username.to_owned(),
                role,
                township: township.map(str::to_owned),
                village: village.map(str::to_owned),
                home_township: home.map(str::to_owned),
                home_village: None,
                addressee: None,
            },
            DemoUser {
                username,
                password,
                role: role.as_str(),
                scope,
            },
        )
    };
    vec![
        user("admin", "admin-demo-2026", Role::Admin, None, None, None),
        user(
            "clerk-zhuao",
            "zhuao-clerk-2026",
            Role::Clerk,
            Some("331022102000"),
            None,
            None,
        ),
        user(
            "clerk-hairun",
            "hairun-clerk-2026",
            Role::Clerk,
            Some("331022002000"),
            None,
            None,
        ),
        user(
            "villager-kantou",
            "kantou-demo-2026",
            Role::Villager,
            None,
            Some("331022102201"),
            None,
        ),
        user(
            "villager-touao",
            "touao-demo-2026",
            Role::Villager,
            None,
            Some("331022002201"),
            None,
        ),
        user(
            "villager-chuanbangli",
            "chuanbangli-demo-2026",
            Role::Villager,
            None,
            Some(planted::FAKE_RELIEF_VILLAGE),
            None,
        ),
        user(
            "inspector-wang",
            "wang-inspect-2026",
            Role::Inspector,
            None,
            None,
            Some("331022001000"),
        ),
        // Discipline users: their scope names the body they work for (see `workflow`).
        discipline("jiwei-county", "county-jiwei-2026", "县纪委监委"),
        discipline("jiwei-hairun", "hairun-jiwei-2026", "海润街道纪工委"),
        discipline("police-sanmen", "sanmen-police-2026", "县公安局"),
    ]
}

/// A discipline user of the body named `body`; its id is known once the body is recorded.
fn discipline(username: &'static str, password: &'static str, body: &str) -> (NewUser, DemoUser) {
    (
        NewUser {
            username: username.to_owned(),
            role: Role::Discipline,
            township: None,
            village: None,
            home_township: None,
            home_village: None,
            addressee: None,
        },
        DemoUser {
            username,
            password,
            role: Role::Discipline.as_str(),
            scope: body.to_owned(),
        },
    )
}

fn last_day(year: i32, month: u32) -> NaiveDate {
    let (y, m) = if month == 12 { (year + 1, 1) } else { (year, month + 1) };
    NaiveDate::from_ymd_opt(y, m, 1)
        .map(|d| d - Duration::days(1))
        .unwrap_or(NaiveDate::MIN)
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

/// One line before voucher numbers are given.
struct Draft {
    occurred_on: NaiveDate,
    template: &'static ItemTemplate,
    amount_fen: i64,
    counterparty: &'static str,
    description: Option<&'static str>,
}

fn drafts_for(rng: &mut ChaCha8Rng, year: i32, last: NaiveDate) -> Vec<Draft> {
    let mut drafts = Vec::new();
    for template in TEMPLATES {
        for i in 0..template.per_year {
            let month =
                1 + (i * 12 / template.per_year.max(1)) + rng.gen_range(0..(12 / template.per_year.max(1)).max(1));
            let mut occurred_on = date(year, month.min(12), rng.gen_range(1..=28));
            // The village office receives guests on working days.
            if is_hospitality(template.description) {
                while crate::crosscheck::holidays::is_off_day(occurred_on)
                    .unwrap_or(occurred_on.weekday().number_from_monday() > 5)
                {
                    occurred_on += Duration::days(1);
                }
            }
            if occurred_on > last {
                continue;
            }
            let raw = natural_amount(rng, template.min_fen, template.max_fen);
            // Clerks mostly post whole yuan; some lines carry jiao and fen.
            let amount_fen = if rng.gen_bool(0.8) {
                (raw / 100).max(1) * 100
            } else {
                raw
            };
            let counterparty = template.counterparties[rng.gen_range(0..template.counterparties.len())];
            drafts.push(Draft {
                occurred_on,
                template,
                amount_fen,
                counterparty,
                description: None,
            });
        }
    }
    drafts
}

/// An amount in `[lo, hi]` whose leading digits follow Benford's law as real payments do: a
/// mantissa drawn log-uniformly over a decade, scaled by a power of ten that lands it in the
/// range (drawn again when none does).
fn natural_amount(rng: &mut ChaCha8Rng, lo: i64, hi: i64) -> i64 {
    let (lo, hi) = (lo.max(1), hi.max(lo.max(1)));
    for _ in 0..64 {
        let mantissa = 10f64.powf(rng.r#gen::<f64>());
        let fits: Vec<i64> = (0..16)
            .map(|e| (mantissa * 10f64.powi(e)).round() as i64)
            .filter(|x| (lo..=hi).contains(x))
            .collect();
        if !fits.is_empty() {
            return fits[rng.gen_range(0..fits.len())];
        }
    }
    rng.gen_range(lo..=hi)
}

/// Moves ordinary payments so no counterparty is paid more than the approval limit within a
/// week, nor the same amount twice within a month, as a careful finance station would not (the
/// demo's split and duplicate payments are planted separately, and stay).
fn declutter(drafts: &mut [Draft], last: NaiveDate) {
    drafts.sort_by_key(|d| d.occurred_on);
    let mut paid: std::collections::HashMap<&str, Vec<(NaiveDate, i64)>> = std::collections::HashMap::new();
    for d in drafts.iter_mut() {
        if d.template.direction != Dir::Expense {
            continue;
        }
        let history = paid.entry(d.counterparty).or_default();
        if d.amount_fen < 500_000 {
            let week: i64 = history
                .iter()
                .filter(|(on, fen)| (d.occurred_on - *on).num_days() <= 7 && *fen < 500_000)
                .map(|(_, fen)| fen)
                .sum();
            if week > 0 && week + d.amount_fen > 500_000 {
                let later = d.occurred_on + Duration::days(8);
                if later <= last && later.year() == d.occurred_on.year() && !is_hospitality(d.template.description) {
                    d.occurred_on = later;
                } else {
                    d.amount_fen = (500_000 - week - 100).max(100);
                }
            }
        }
        while history
            .iter()
            .any(|(on, fen)| *fen == d.amount_fen && (d.occurred_on - *on).num_days().abs() <= 30)
        {
            d.amount_fen += 100;
        }
        history.push((d.occurred_on, d.amount_fen));
    }
}

/// Works large enough to go to public tender: the demo's road and culture-hall projects.
fn is_tendered_works(template: &ItemTemplate) -> bool {
    template.direction == Dir::Expense && template.project.is_some() && template.max_fen >= 10_000_000
}

/// The public tender reference of a year's works project of a village (none in the village
/// planted without them): one tender a project and year.
fn tender_ref(village: &str, template: &ItemTemplate, year: i32) -> Option<String> {
    let project = template.project.filter(|_| is_tendered_works(template))?;
    if village == planted::NO_TENDER_VILLAGE {
        return None;
    }
    let n = TEMPLATES
        .iter()
        .filter_map(|t| t.project)
        .position(|p| p == project)
        .unwrap_or(0);
    Some(format!("SMZB-{}-{year}-{:02}", &village[6..], n + 1))
}

/// Every payment of a year's tendered works goes to the builder of its first payment, the
/// winner of that year's tender.
fn one_builder_per_tender(drafts: &mut [Draft]) {
    let mut winners: std::collections::HashMap<(&str, i32), &'static str> = std::collections::HashMap::new();
    for d in drafts.iter_mut() {
        if let Some(project) = d.template.project.filter(|_| is_tendered_works(d.template)) {
            d.counterparty = *winners.entry((project, d.occurred_on.year())).or_insert(d.counterparty);
        }
    }
}

/// The tender records of the village's payments under a tender: won by the builder paid, for
/// what was paid rounded up to a thousand yuan, awarded a fortnight before the first payment.
fn tender_rows(rows: &[EntryRow]) -> Vec<crate::ledger::tenders::TenderRow> {
    use sha2::Digest;
    let mut tenders: Vec<crate::ledger::tenders::TenderRow> = Vec::new();
    for row in rows {
        let Some(reference) = &row.tender_ref else { continue };
        if let Some(t) = tenders.iter_mut().find(|t| &t.reference == reference) {
            t.amount_fen += row.amount_fen;
            continue;
        }
        let awarded_on = row.occurred_on - Duration::days(14);
        let hash: String = sha2::Sha256::digest(reference.as_bytes())[..12]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        tenders.push(crate::ledger::tenders::TenderRow {
            id: format!("td_{hash}"),
            village_code: row.village_code.clone(),
            reference: reference.clone(),
            reference_key: crate::ledger::tenders::reference_key(reference),
            project: row.project.clone().unwrap_or_default(),
            winner: row.counterparty.clone(),
            amount_fen: row.amount_fen,
            awarded_on,
            recorded_by: "demo-import".to_owned(),
            recorded_at: (awarded_on + Duration::days(1))
                .and_time(NaiveTime::from_hms_opt(2, 0, 0).unwrap_or(NaiveTime::MIN)),
        });
    }
    for t in &mut tenders {
        t.amount_fen = (t.amount_fen + 99_999) / 100_000 * 100_000;
    }
    tenders
}

fn template_like(needle: &str) -> anyhow::Result<&'static ItemTemplate> {
    TEMPLATES
        .iter()
        .find(|t| t.description.contains(needle))
        .ok_or_else(|| anyhow!("no demo template like {needle}"))
}

/// The planted irregularities of one village, if it has any.
fn planted_for(village: &str) -> anyhow::Result<Vec<Draft>> {
    let mut out = Vec::new();
    if village == planted::DUPLICATE_VILLAGE {
        let t = template_like("路灯")?;
        for day in [14, 20] {
            out.push(Draft {
                occurred_on: date(2024, 5, day),
                template: t,
                amount_fen: 386_000,
                counterparty: "三门县光明电器维修部",
                description: Some("村道路灯维修费"),
            });
        }
        // Office supplies posted at 649.00 against an invoice of 64.90: the receipt's QR
        // code shows the slip (the scan is attached in `receipts`).
        out.push(Draft {
            occurred_on: date(2024, 3, 8),
            template: template_like("办公用品")?,
            amount_fen: 64_900,
            counterparty: "海游百货文具店",
            description: Some("购打印纸、墨盒等办公用品"),
        });
    }
    if village == planted::SPLIT_VILLAGE {
        let t = template_like("工程")?;
        for (day, fen) in [(3, 495_000), (6, 488_000), (9, 492_000), (12, 480_000)] {
            out.push(Draft {
                occurred_on: date(2025, 6, day),
                template: t,
                amount_fen: fen,
                counterparty: "三门县湾区建筑工程有限公司",
                description: Some("村文化礼堂修缮工程款"),
            });
        }
    }
    if village == planted::HOSPITALITY_VILLAGE {
        out.push(Draft {
            occurred_on: date(2025, 10, 3),
            template: template_like("接待")?,
            amount_fen: 128_000,
            counterparty: "亭旁镇利民超市",
            description: Some("国庆期间村务接待餐费"),
        });
    }
    if village == planted::FAKE_RELIEF_VILLAGE {
        let t = template_like("住房")?;
        out.push(Draft {
            occurred_on: date(2024, 8, 16),
            template: t,
            amount_fen: 1_000_000,
            counterparty: planted::FAKE_RELIEF_CLAIMANT,
            description: Some("困难户住房救助款"),
        });
    }
    Ok(out)
}

/// Vouchers numbered per year in date order. Cash never goes negative: a payment the cash box
/// cannot cover is made from the bank instead, as a clerk would.
fn entry_rows(rng: &mut ChaCha8Rng, village: &str, opening_cash_fen: i64, drafts: Vec<Draft>) -> Vec<EntryRow> {
    let mut drafts = drafts;
    drafts.sort_by_key(|d| d.occurred_on);
    let mut counters = std::collections::HashMap::new();
    let mut cash = opening_cash_fen;
    drafts
        .into_iter()
        .map(|d| {
            let year = d.occurred_on.year();
            let n = counters.entry(year).or_insert(0u32);
            *n += 1;
            let account = match Chart::for_year(year) {
                Chart::Village2004 => d.template.account_2004,
                Chart::Rural2023 => d.template.account_2023,
            };
            let mut settlement = d.template.settlement;
            if settlement == "101" {
                match d.template.direction {
                    Dir::Income => cash += d.amount_fen,
                    Dir::Expense if cash >= d.amount_fen => cash -= d.amount_fen,
                    Dir::Expense => settlement = "102",
                }
            }
            let posted_at = d
                .occurred_on
                .and_time(NaiveTime::from_hms_opt(1, 30, 0).unwrap_or(NaiveTime::MIN))
                + Duration::days(1)
                + Duration::minutes(rng.gen_range(0..480));
            EntryRow {
                seq: 0,
                id: format!("en_{:024x}", rng.r#gen::<u128>() >> 32).into(),
                village_code: village.to_owned(),
                fiscal_year: year,
                period: Period::of(d.occurred_on).to_string(),
                voucher_no: format!("{year}-{n:03}"),
                occurred_on: d.occurred_on,
                posted_at,
                direction: match d.template.direction {
                    Dir::Income => Direction::Income,
                    Dir::Expense => Direction::Expense,
                },
                amount_fen: d.amount_fen,
                account_code: AccountCode::from_stored(account.to_owned()),
                settlement_account_code: AccountCode::from_stored(settlement.to_owned()),
                counterparty: d.counterparty.to_owned(),
                description: d.description.unwrap_or(d.template.description).to_owned(),
                project: d.template.project.map(str::to_owned),
                fund_source: d.template.fund_source.map(str::to_owned),
                posted_by: "demo-import".to_owned(),
                reverses: None,
                reversal_reason: None,
                tender_ref: tender_ref(village, d.template, year),
            }
        })
        .collect()
}

/// Creates the demo county unless the database already has townships; returns the demo users.
pub fn ensure_demo(
    conn: &mut DbConn,
    signer: &LogSigner,
    store: &crate::receipts::ReceiptStore,
) -> anyhow::Result<Vec<DemoUser>> {
    let users = demo_users();
    let existing: i64 = townships::table
        .count()
        .get_result(conn)
        .context("reading the database")?;
    if existing == 0 {
        build(conn, &users, signer)?;
        receipts::attach_demo_receipts(conn, store).context("attaching the demo receipts")?;
        let villages: Vec<&str> = users.iter().filter_map(|(new, _)| new.village.as_deref()).collect();
        scans::attach_drawn_scans(conn, store, &villages).context("drawing the demo's receipt scans")?;
        crate::db::write_transaction(conn, |conn| crate::tlog::checkpoint::checkpoint_now(conn, signer))
            .context("signing the demo's checkpoint")?;
    }
    Ok(users.into_iter().map(|(_, u)| u).collect())
}

fn build(conn: &mut DbConn, users: &[(NewUser, DemoUser)], signer: &LogSigner) -> anyhow::Result<()> {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    let last = last_day(LAST_MONTH.0, LAST_MONTH.1);
    let closed_through = Period::of(date(LAST_CLOSED.0, LAST_CLOSED.1, 1));
    write_transaction(conn, |conn| {
        for township in TOWNSHIPS {
            diesel::insert_into(townships::table)
                .values(&Township {
                    code: township.code.to_owned(),
                    name: township.name.to_owned(),
                })
                .execute(conn)?;
            for village in township.villages {
                let row = VillageRow {
                    code: village.code.to_owned(),
                    township_code: township.code.to_owned(),
                    name: village.name.to_owned(),
                    opening_date: date(FIRST_YEAR, 1, 1),
                    opening_cash_fen: rng.gen_range(5_000..30_000) * 100,
                    opening_bank_fen: rng.gen_range(200_000..2_000_000) * 100,
                    ledger_version: 0,
                };
                diesel::insert_into(villages::table).values(&row).execute(conn)?;
                let mut drafts = Vec::new();
                for year in FIRST_YEAR..=LAST_MONTH.0 {
                    drafts.extend(drafts_for(&mut rng, year, last));
                }
                declutter(&mut drafts, last);
                one_builder_per_tender(&mut drafts);
                drafts.extend(planted_for(village.code)?);
                let rows = entry_rows(&mut rng, village.code, row.opening_cash_fen, drafts);
                for tender in tender_rows(&rows) {
                    diesel::insert_into(crate::db::schema::tenders::table)
                        .values(&tender)
                        .execute(conn)?;
                }
                for row in rows {
                    insert_entry(conn, row)?;
                }
                let mut period = Period::of(date(FIRST_YEAR, 1, 1));
                while period <= closed_through {
                    let closed_at = period
                        .next()
                        .first_day()
                        .and_time(NaiveTime::from_hms_opt(2, 0, 0).unwrap_or(NaiveTime::MIN));
                    record_close(
                        conn,
                        village.code,
                        &period.to_string(),
                        closed_at,
                        "demo-import",
                        Some(signer),
                    )?;
                    period = period.next();
                }
            }
        }
        Ok::<_, anyhow::Error>(())
    })
    .context("writing the demo county's ledgers")?;
    let bodies = workflow::addressees(conn)?;
    for (new, demo) in users {
        let mut new = new.clone();
        if new.role == Role::Discipline {
            new.addressee = Some(
                bodies
                    .get(demo.scope.as_str())
                    .cloned()
                    .ok_or_else(|| anyhow!("no demo body {}", demo.scope))?,
            );
        }
        add_user(conn, new, demo.password).with_context(|| format!("adding demo user {}", demo.username))?;
    }
    let checklist = workflow::prepare(conn)?;
    let today = crate::domain::clock::today();
    let open = create_inspection(
        conn,
        NewInspection {
            name: "2026年第二轮交叉巡察(珠岙镇、海润街道、沙柳街道)".into(),
            inspectors: vec!["inspector-wang".into()],
            townships: vec!["331022102000".into(), "331022002000".into(), "331022003000".into()],
            villages: Vec::new(),
            starts_on: today - Duration::days(30),
            ends_on: today + Duration::days(90),
            checklist: Some(checklist.clone()),
            follow_up_of: None,
        },
        "admin",
        today,
    )
    .context("opening the demo inspection round")?;
    workflow::seed(conn, &bodies, &open.id, &checklist, today).context("the demo's inspection workflow")?;
    Ok(())
}
