//! Static data of the demo county: townships, villages and line-item templates.
//!
//! The county is 三门县 (Taizhou, Zhejiang; division code 331022).
//!
//! Division codes: townships carry their real statistical division codes (NBS 统计用区划代码,
//! 2017–2022) plus `000`. Real village codes: 331022001216 松门村, 331022103204 狮岭村,
//! 331022105309 峧头村, and 331022102217 珠岙村 (one secondary source only); every other village
//! code is invented (from 201 up in its township) and may belong to another real village.
//! Village names are real: from the inspection article (头岙村, 李岙村, 坎头村, 船帮里村,
//! 湫水下叶村) or from gazetteers; the townships of 李岙村, 悬渚村 and 石岩村 are assumed.
//!
//! Account codes, first level:
//! - 2004 chart (财会〔2004〕12号), checked against a transcription of its chart:
//!   401 生产(劳务)成本, 501 经营收入, 502 经营支出, 511 发包及上交收入, 522 补助收入,
//!   531 其他收入. From PRODUCT.md, not checked: 541 管理费用, 551 其他支出.
//! - 2023 chart (财会〔2023〕14号), checked against a transcription of its 42-account table:
//!   401 生产(劳务)成本, 501 经营收入, 502 投资收益, 503 补助收入, 504 其他收入, 511 经营支出,
//!   513 管理费用, 514 公益支出. It has no 发包及上交收入: that content moved to 经营收入 and
//!   投资收益 by economic substance.
//! - Our own mapping, not quoted from either standard: contracting of land and tideland
//!   511 → 501; 村办企业上交利润 511 → 502; public-welfare spending (cleaning, relief, village
//!   works, the ancestral hall) 551 → 514.
//!
//! Firm and person names are invented (except the power utility, the tax office and the bank)
//! and avoid the people named in the article.

/// A township (乡镇/街道) of the demo county and its villages.
#[derive(Debug)]
pub struct DemoTownship {
    /// 12-digit statistical division code, ending in `000`.
    pub code: &'static str,
    pub name: &'static str,
    pub villages: &'static [DemoVillage],
}

/// A village (村) of the demo county.
#[derive(Debug)]
pub struct DemoVillage {
    /// 12-digit statistical division code; its first 9 digits are its township's.
    pub code: &'static str,
    pub name: &'static str,
}

const fn village(code: &'static str, name: &'static str) -> DemoVillage {
    DemoVillage { code, name }
}

pub static TOWNSHIPS: &[DemoTownship] = &[
    DemoTownship {
        code: "331022001000",
        name: "海游街道",
        villages: &[
            village("331022001201", "湘山村"),
            village("331022001202", "善岙蒋村"),
            village("331022001203", "城西村"),
            village("331022001216", "松门村"),
        ],
    },
    DemoTownship {
        code: "331022002000",
        name: "海润街道",
        villages: &[
            village("331022002201", "头岙村"),
            village("331022002202", "李岙村"),
            village("331022002203", "悬渚村"),
            village("331022002204", "石岩村"),
        ],
    },
    DemoTownship {
        code: "331022003000",
        name: "沙柳街道",
        villages: &[
            village("331022003201", "船帮里村"),
            village("331022003202", "沙柳村"),
            village("331022003203", "后周村"),
            village("331022003204", "道岸头村"),
        ],
    },
    DemoTownship {
        code: "331022102000",
        name: "珠岙镇",
        villages: &[
            village("331022102201", "坎头村"),
            village("331022102202", "马山村"),
            village("331022102203", "高枧村"),
            village("331022102217", "珠岙村"),
        ],
    },
    DemoTownship {
        code: "331022103000",
        name: "亭旁镇",
        villages: &[
            village("331022103201", "湫水下叶村"),
            village("331022103202", "杨家村"),
            village("331022103203", "任家村"),
            village("331022103204", "狮岭村"),
            village("331022103205", "上蒋村"),
        ],
    },
    DemoTownship {
        code: "331022105000",
        name: "健跳镇",
        villages: &[
            village("331022105201", "琴江村"),
            village("331022105202", "港源村"),
            village("331022105203", "七市村"),
            village("331022105309", "峧头村"),
        ],
    },
    DemoTownship {
        code: "331022106000",
        name: "横渡镇",
        villages: &[
            village("331022106201", "大横渡村"),
            village("331022106202", "小横渡村"),
            village("331022106203", "岭根陈村"),
            village("331022106204", "白溪村"),
            village("331022106205", "铁强村"),
        ],
    },
];

/// Whether a template is an income or an expenditure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    Income,
    Expense,
}

/// One kind of recurring line item. Account codes are first-level codes of the chart in force:
/// `account_2004` for years up to 2023 (2004 村集体经济组织会计制度), `account_2023` from 2024
/// (2023 农村集体经济组织会计制度).
#[derive(Debug)]
pub struct ItemTemplate {
    pub direction: Dir,
    pub account_2004: &'static str,
    pub account_2023: &'static str,
    /// "101" cash or "102" bank (same code in both charts).
    pub settlement: &'static str,
    /// Chinese, as a clerk would write it.
    pub description: &'static str,
    pub counterparties: &'static [&'static str],
    /// Realistic range in fen (1 yuan = 100 fen).
    pub min_fen: i64,
    pub max_fen: i64,
    /// How many times a typical village posts it per year.
    pub per_year: u32,
    pub project: Option<&'static str>,
    pub fund_source: Option<&'static str>,
}

/// Like [`expense`], for an income.
const fn income(
    accounts: [&'static str; 3],
    description: &'static str,
    counterparties: &'static [&'static str],
    fen: [i64; 2],
    per_year: u32,
) -> ItemTemplate {
    ItemTemplate {
        direction: Dir::Income,
        ..expense(accounts, description, counterparties, fen, per_year)
    }
}

/// `accounts` is `[2004 code, 2023 code, settlement]`, `fen` is `[min, max]`.
const fn expense(
    accounts: [&'static str; 3],
    description: &'static str,
    counterparties: &'static [&'static str],
    fen: [i64; 2],
    per_year: u32,
) -> ItemTemplate {
    let [account_2004, account_2023, settlement] = accounts;
    ItemTemplate {
        direction: Dir::Expense,
        account_2004,
        account_2023,
        settlement,
        description,
        counterparties,
        min_fen: fen[0],
        max_fen: fen[1],
        per_year,
        project: None,
        fund_source: None,
    }
}

impl ItemTemplate {
    const fn in_project(self, project: &'static str) -> Self {
        Self {
            project: Some(project),
            ..self
        }
    }

    const fn funded_by(self, fund_source: &'static str) -> Self {
        Self {
            fund_source: Some(fund_source),
            ..self
        }
    }
}

const VILLAGERS: &[&str] = &["王小平", "叶建平", "章小军", "陈海兵", "杨春燕"];
pub const LABOURERS: &[&str] = &["郑国强", "潘美娟", "林友福", "包志勇", "罗素芬"];
const CADRES: &[&str] = &["叶建平", "金德明", "胡秀英"];
const FINANCE: &[&str] = &["三门县财政局", "海润街道财政所", "亭旁镇财政所"];
const SHOPS: &[&str] = &["海游百货文具店", "健跳镇五金杂货店", "亭旁镇利民超市"];
const BANK: &[&str] = &["浙江三门农村商业银行"];
const POWER: &[&str] = &["国网浙江省电力有限公司三门县供电公司"];
const TAX: &[&str] = &["国家税务总局三门县税务局"];
const TENANTS: &[&str] = &["三门县青蟹湾水产有限公司", "台州市三门湾橡塑制品有限公司"];
const BUILDERS: &[&str] = &[
    "三门县湾区建筑工程有限公司",
    "三门县蟹乡路桥工程有限公司",
    "台州市东海岸市政工程有限公司",
];

pub static TEMPLATES: &[ItemTemplate] = &[
    // Income.
    income(
        ["511", "501", "102"],
        "收耕地承包费",
        VILLAGERS,
        [200_000, 3_000_000],
        4,
    ),
    income(
        ["511", "501", "102"],
        "收滩涂养殖承包费",
        VILLAGERS,
        [500_000, 8_000_000],
        1,
    ),
    income(
        ["501", "501", "102"],
        "收村集体标准厂房租金",
        TENANTS,
        [1_000_000, 6_000_000],
        4,
    ),
    income(
        ["511", "502", "102"],
        "收村办企业上交利润",
        &["村集体茶厂", "村办石料加工厂"],
        [1_000_000, 10_000_000],
        1,
    ),
    income(
        ["522", "503", "102"],
        "收村级组织运转经费补助",
        FINANCE,
        [3_000_000, 15_000_000],
        2,
    )
    .funded_by("村级组织运转经费"),
    income(
        ["522", "503", "102"],
        "收美丽乡村建设补助资金",
        FINANCE,
        [5_000_000, 50_000_000],
        1,
    )
    .in_project("美丽乡村精品村建设")
    .funded_by("财政专项资金"),
    income(["531", "504", "102"], "银行存款结息", BANK, [5_000, 300_000], 4),
    // Expenditure: the ancestral hall of the article, 950 yuan of labour.
    expense(
        ["551", "514", "101"],
        "付村祠堂传送瓦片人工费",
        LABOURERS,
        [95_000, 95_000],
        1,
    )
    .in_project("祠堂翻修工程"),
    expense(
        ["551", "514", "102"],
        "购祠堂翻顶小青瓦",
        &["亭旁镇利民建材商店"],
        [300_000, 1_500_000],
        1,
    )
    .in_project("祠堂翻修工程"),
    // Expenditure: public welfare and village works.
    expense(
        ["551", "514", "102"],
        "付村道路面修补养护费",
        LABOURERS,
        [100_000, 1_500_000],
        2,
    ),
    expense(["551", "514", "101"], "付保洁员工资", LABOURERS, [150_000, 300_000], 12),
    expense(
        ["551", "514", "101"],
        "春节走访慰问困难户慰问金",
        VILLAGERS,
        [20_000, 100_000],
        6,
    ),
    expense(
        ["551", "514", "102"],
        "发放困难群众住房救助款",
        VILLAGERS,
        [500_000, 2_000_000],
        1,
    )
    .funded_by("困难群众住房救助资金"),
    expense(
        ["551", "514", "101"],
        "购防汛沙袋、雨衣等防汛物资",
        SHOPS,
        [50_000, 800_000],
        2,
    ),
    expense(
        ["551", "514", "102"],
        "付生活垃圾清运费",
        &["三门县洁美环境服务有限公司"],
        [100_000, 600_000],
        4,
    ),
    expense(["551", "514", "102"], "付村路灯电费", POWER, [20_000, 200_000], 4),
    expense(
        ["551", "514", "102"],
        "代缴村民城乡居民医疗保险",
        TAX,
        [500_000, 6_000_000],
        1,
    ),
    expense(
        ["551", "514", "101"],
        "付老年人活动中心日常运行费",
        SHOPS,
        [20_000, 300_000],
        4,
    ),
    expense(
        ["551", "514", "102"],
        "付村道硬化工程进度款",
        BUILDERS,
        [5_000_000, 30_000_000],
        2,
    )
    .in_project("村道硬化工程")
    .funded_by("一事一议财政奖补资金"),
    expense(
        ["551", "514", "102"],
        "付文化礼堂建设工程进度款",
        BUILDERS,
        [5_000_000, 30_000_000],
        1,
    )
    .in_project("农村文化礼堂建设工程")
    .funded_by("财政专项资金"),
    // Expenditure: administration.
    expense(
        ["541", "513", "102"],
        "发放村干部误工补贴",
        CADRES,
        [100_000, 600_000],
        4,
    ),
    expense(["541", "513", "101"], "购办公用品", SHOPS, [5_000, 150_000], 6),
    expense(
        ["541", "513", "102"],
        "付村委会办公楼水电费",
        POWER,
        [10_000, 150_000],
        12,
    ),
    expense(
        ["541", "513", "101"],
        "村务接待餐费",
        &["海游老街农家菜馆", "三门湾海鲜酒楼"],
        [30_000, 300_000],
        6,
    ),
    expense(
        ["541", "513", "101"],
        "付村务公开栏制作费",
        &["三门县海游广告制作部"],
        [80_000, 500_000],
        1,
    ),
    // Expenditure: the collective's own business.
    expense(
        ["502", "511", "102"],
        "付出租厂房屋面防水维修费",
        BUILDERS,
        [200_000, 2_000_000],
        1,
    ),
    expense(
        ["401", "401", "101"],
        "付集体茶园采茶雇工费",
        LABOURERS,
        [50_000, 400_000],
        3,
    ),
];
