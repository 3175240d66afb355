//! The kinds of line item a generated village posts, with their accounts in both charts,
//! who the counterparty is, and a typical amount.
//!
//! Accounts are first-level codes. 2004 chart (财会〔2004〕12号, years up to 2023): income
//! 501 经营收入, 511 发包及上交收入, 522 补助收入, 531 其他收入; expense 502 经营支出,
//! 541 管理费用, 551 其他支出; cost 401. 2023 chart (财会〔2023〕14号, from 2024): income
//! 501 经营收入, 502 投资收益, 503 补助收入, 504 其他收入; expense 511 经营支出, 512 税金及附加,
//! 513 管理费用, 514 公益支出, 515 其他支出; cost 401. The mapping between the two follows
//! the demo county (`crate::demo::county`); the 2004 chart has no tax account, so taxes went
//! to 551 其他支出 there.

/// Who is paid or pays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party {
    /// A villager of the village (contracting fees, relief, hardship visits).
    Villager,
    /// A day labourer or the cleaner (mostly villagers too).
    Labourer,
    /// A village cadre (村干部).
    Cadre,
    /// A construction firm of the county.
    Builder,
    /// A shop of the county (stationery, hardware, building materials).
    Shop,
    /// A restaurant of the county.
    Restaurant,
    /// A firm renting collective land or buildings.
    Tenant,
    /// One of a fixed list (utilities, the tax office, the bank, the finance office).
    Fixed(&'static [&'static str]),
}

/// One kind of line item.
#[derive(Debug)]
pub struct Template {
    pub income: bool,
    pub account_2004: &'static str,
    pub account_2023: &'static str,
    /// "101" cash or "102" bank (same code in both charts).
    pub settlement: &'static str,
    /// Ways a clerk writes it; one is picked per line.
    pub descriptions: &'static [&'static str],
    pub party: Party,
    /// Median amount in yuan; amounts are log-normal around it.
    pub median_yuan: i64,
    /// Spread of the log-normal, in hundredths of a natural-log unit.
    pub spread: u32,
    /// Relative frequency among the lines of a village-year.
    pub weight: u32,
    /// Bills and interest carry jiao and fen; most other lines are whole yuan.
    pub exact: bool,
    /// Not every village has tea gardens or tideland: the share of villages that post it, in %.
    pub share: u32,
    pub project: Option<&'static str>,
    pub fund_source: Option<&'static str>,
    /// Works large enough for a public tender: a village-year's payments of the project go to
    /// one winner and carry one tender reference.
    pub tendered: bool,
}

pub(super) const FINANCE: &[&str] = &["三门县财政局", "三门县农业农村局"];

/// Shorthand: `accounts` is `[2004 code, 2023 code, settlement]`, `amount` is
/// `[median yuan, spread, weight]`.
const fn item(
    income: bool,
    accounts: [&'static str; 3],
    descriptions: &'static [&'static str],
    party: Party,
    amount: [i64; 3],
) -> Template {
    let [account_2004, account_2023, settlement] = accounts;
    Template {
        income,
        account_2004,
        account_2023,
        settlement,
        descriptions,
        party,
        median_yuan: amount[0],
        spread: amount[1] as u32,
        weight: amount[2] as u32,
        exact: false,
        share: 100,
        project: None,
        fund_source: None,
        tendered: false,
    }
}

pub(super) const fn income(a: [&'static str; 3], d: &'static [&'static str], p: Party, amount: [i64; 3]) -> Template {
    item(true, a, d, p, amount)
}

pub(super) const fn expense(a: [&'static str; 3], d: &'static [&'static str], p: Party, amount: [i64; 3]) -> Template {
    item(false, a, d, p, amount)
}

impl Template {
    pub(super) const fn exact(self) -> Self {
        Self { exact: true, ..self }
    }
    pub(super) const fn in_share(self, share: u32) -> Self {
        Self { share, ..self }
    }
    pub(super) const fn in_project(self, project: &'static str) -> Self {
        Self {
            project: Some(project),
            ..self
        }
    }
    pub(super) const fn tendered(self) -> Self {
        Self { tendered: true, ..self }
    }
    pub(super) const fn funded_by(self, fund_source: &'static str) -> Self {
        Self {
            fund_source: Some(fund_source),
            ..self
        }
    }
}

/// The subsidy a village's books lean on: generated every quarter, and topped up so that a
/// year's income covers its spending, as the county's transfers do.
pub static TRANSFER: Template = income(
    ["522", "503", "102"],
    &["收上级财政转移支付资金", "收村级组织运转经费补助"],
    Party::Fixed(FINANCE),
    [60_000, 40, 0],
)
.funded_by("村级组织运转经费");

/// A works payment that a planted split payment cuts into pieces under 5,000 yuan.
pub static SPLIT_WORKS: Template = expense(
    ["551", "514", "102"],
    &["付村文化礼堂修缮工程款", "付村道护栏安装工程款", "付山塘加固工程款"],
    Party::Builder,
    [4_800, 2, 0],
)
.in_project("村级小微工程");

/// Village works paid without a tender (planted `tender_threshold`).
pub static UNTENDERED_WORKS: Template = expense(
    ["551", "514", "102"],
    &["付村委会办公楼改造工程款", "付村道拓宽工程进度款"],
    Party::Builder,
    [60_000, 30, 0],
);

/// A purchase for the village office (planted `late_posting`).
pub static PURCHASE: Template = expense(
    ["541", "513", "102"],
    &["购办公电脑、打印机", "购会议室桌椅"],
    Party::Shop,
    [3_000, 30, 0],
);

/// A cash payment of a round sum (planted `round_amount`).
pub static CASH_PAYMENT: Template = expense(
    ["551", "514", "101"],
    &["付临时用工费", "付村庄环境整治费用"],
    Party::Villager,
    [2_000, 30, 0],
);

/// Hospitality, as the catalogue's (planted `offday_hospitality`).
pub static HOSPITALITY: Template = expense(
    ["541", "513", "101"],
    &["村务接待餐费"],
    Party::Restaurant,
    [900, 60, 0],
);

/// The standing monthly payments and holiday duty allowances every village has (see
/// `schedule`): wages of the village cleaners, the cadres' basic pay, the refuse contract.
pub static CLEANER_WAGE: Template = expense(
    ["551", "514", "101"],
    &["付保洁员工资"],
    Party::Villager,
    [2_200, 10, 0],
);
pub static CADRE_PAY: Template = expense(
    ["541", "513", "102"],
    &["发放村干部基本报酬"],
    Party::Cadre,
    [3_000, 20, 0],
);
pub static REFUSE_CONTRACT: Template = expense(
    ["551", "514", "102"],
    &["付生活垃圾清运费"],
    Party::Fixed(&["三门县洁美环境服务有限公司", "三门县城乡环卫有限公司"]),
    [3_000, 30, 0],
);
/// Monthly bills of the street lights, the office's power and water, telephone and broadband.
pub static BILLS: [Template; 4] = [
    expense(
        ["551", "514", "102"],
        &["付村路灯电费"],
        Party::Fixed(&["国网浙江省电力有限公司三门县供电公司"]),
        [600, 60, 0],
    )
    .exact(),
    expense(
        ["541", "513", "102"],
        &["付村委会办公楼电费"],
        Party::Fixed(&["国网浙江省电力有限公司三门县供电公司"]),
        [500, 60, 0],
    )
    .exact(),
    expense(
        ["541", "513", "102"],
        &["付村委会办公楼水费"],
        Party::Fixed(&["三门县自来水有限公司"]),
        [120, 60, 0],
    )
    .exact(),
    expense(
        ["541", "513", "102"],
        &["付电话及宽带费"],
        Party::Fixed(&[
            "中国电信股份有限公司三门分公司",
            "中国移动通信集团浙江有限公司三门分公司",
        ]),
        [150, 30, 0],
    )
    .exact(),
];
/// The county tax office: the yearly taxes and the residents' medical insurance go to it.
const TAX: &[&str] = &["国家税务总局三门县税务局"];
/// Property and land-use tax on the collective's buildings, paid half-yearly (see `schedule`).
pub static PROPERTY_TAX: Template = expense(
    ["551", "512", "102"],
    &["缴纳房产税、城镇土地使用税"],
    Party::Fixed(TAX),
    [3_000, 60, 0],
)
.exact();
/// The residents' medical insurance the village pays for its villagers, once a year.
pub static MEDICAL_INSURANCE: Template = expense(
    ["551", "514", "102"],
    &["代缴村民城乡居民医疗保险"],
    Party::Fixed(TAX),
    [20_000, 60, 0],
);
pub static DUTY_ALLOWANCE: Template = expense(
    ["541", "513", "101"],
    &["发放节假日值班补贴"],
    Party::Cadre,
    [300, 30, 0],
);
