//! The catalogue of ordinary line items: what a village takes in and pays out over a year,
//! with accounts in both charts (see `templates` for the mapping), counterparties, typical
//! amounts and how often each comes up. What a village pays on a calendar (wages, bills, the
//! yearly taxes) is in `schedule`, not here.

use super::templates::{FINANCE, Party, Template, expense, income};

const BANK: &[&str] = &["浙江三门农村商业银行", "中国农业银行三门县支行"];
const ENTERPRISES: &[&str] = &["村集体茶厂", "村办石料加工厂", "村强村公司"];

pub static TEMPLATES: &[Template] = &[
    // Income.
    income(
        ["511", "501", "102"],
        &["收耕地承包费", "收土地流转租金"],
        Party::Villager,
        [6_000, 70, 30],
    ),
    income(
        ["511", "501", "102"],
        &["收山林承包费"],
        Party::Villager,
        [12_000, 60, 8],
    )
    .in_share(60),
    income(
        ["511", "501", "102"],
        &["收滩涂养殖承包费"],
        Party::Tenant,
        [30_000, 60, 6],
    )
    .in_share(40),
    income(
        ["501", "501", "102"],
        &["收村集体标准厂房租金"],
        Party::Tenant,
        [25_000, 60, 20],
    )
    .in_share(70),
    income(
        ["501", "501", "102"],
        &["收店面房租金", "收沿街店面租金"],
        Party::Shop,
        [3_000, 50, 40],
    ),
    income(
        ["501", "501", "101"],
        &["收农贸市场摊位费", "收停车场管理费"],
        Party::Villager,
        [250, 60, 55],
    ),
    income(
        ["511", "502", "102"],
        &["收村办企业上交利润"],
        Party::Fixed(ENTERPRISES),
        [40_000, 70, 4],
    )
    .in_share(50),
    income(
        ["522", "503", "102"],
        &["收农业生产发展补助资金", "收农田水利建设补助"],
        Party::Fixed(FINANCE),
        [30_000, 60, 4],
    )
    .funded_by("财政专项资金"),
    income(
        ["522", "503", "102"],
        &["收美丽乡村建设补助资金"],
        Party::Fixed(FINANCE),
        [200_000, 60, 2],
    )
    .in_project("美丽乡村精品村建设")
    .funded_by("财政专项资金"),
    income(
        ["531", "504", "102"],
        &["银行存款结息"],
        Party::Fixed(BANK),
        [800, 80, 12],
    )
    .exact(),
    income(
        ["531", "504", "102"],
        &["收乡贤捐资修路款", "收乡贤捐赠款"],
        Party::Villager,
        [10_000, 80, 6],
    ),
    income(
        ["531", "504", "101"],
        &["收废旧物资变卖款"],
        Party::Villager,
        [600, 60, 6],
    ),
    // Expenditure: public welfare and village works.
    expense(
        ["551", "514", "101"],
        &["付村庄绿化零星用工费", "付河道清理小工工资", "付村道除草小工费"],
        Party::Labourer,
        [300, 50, 80],
    ),
    expense(
        ["551", "514", "102"],
        &["付村道路面修补养护费"],
        Party::Builder,
        [4_000, 60, 6],
    ),
    expense(
        ["551", "514", "101"],
        &["春节走访慰问困难户慰问金", "重阳节慰问老人慰问金"],
        Party::Villager,
        [500, 40, 30],
    ),
    expense(
        ["551", "514", "102"],
        &["发放困难群众住房救助款"],
        Party::Villager,
        [10_000, 40, 3],
    )
    .funded_by("困难群众住房救助资金"),
    expense(
        ["551", "514", "101"],
        &["购防汛沙袋、雨衣等防汛物资", "购消防器材"],
        Party::Shop,
        [1_500, 70, 13],
    ),
    expense(
        ["551", "514", "101"],
        &["付老年人活动中心日常运行费", "购高龄老人节日慰问品"],
        Party::Shop,
        [800, 70, 28],
    ),
    expense(
        ["551", "514", "101"],
        &["付治安巡逻队员补贴", "付护林员补贴"],
        Party::Villager,
        [800, 30, 15],
    ),
    expense(
        ["551", "514", "102"],
        &["付村道硬化工程进度款"],
        Party::Builder,
        [120_000, 50, 4],
    )
    .in_project("村道硬化工程")
    .tendered()
    .funded_by("一事一议财政奖补资金"),
    expense(
        ["551", "514", "102"],
        &["付文化礼堂建设工程进度款"],
        Party::Builder,
        [150_000, 50, 2],
    )
    .in_project("农村文化礼堂建设工程")
    .tendered()
    .funded_by("财政专项资金"),
    expense(
        ["551", "514", "101"],
        &["付村祠堂传送瓦片人工费", "付祠堂翻修小工工资"],
        Party::Labourer,
        [950, 30, 6],
    )
    .in_project("祠堂翻修工程"),
    expense(
        ["551", "514", "102"],
        &["购祠堂翻顶小青瓦"],
        Party::Shop,
        [6_000, 50, 2],
    )
    .in_project("祠堂翻修工程"),
    expense(["551", "514", "102"], &["购村庄绿化苗木"], Party::Shop, [5_000, 70, 5]),
    // Expenditure: administration.
    expense(
        ["541", "513", "102"],
        &["发放村干部误工补贴"],
        Party::Cadre,
        [600, 40, 20],
    ),
    expense(
        ["541", "513", "101"],
        &["购办公用品", "购打印纸、墨盒"],
        Party::Shop,
        [300, 80, 60],
    ),
    expense(
        ["541", "513", "101"],
        &["村务接待餐费", "工作餐费"],
        Party::Restaurant,
        [900, 60, 25],
    ),
    expense(
        ["541", "513", "101"],
        &["报销村干部差旅交通费"],
        Party::Cadre,
        [200, 70, 30],
    ),
    expense(
        ["541", "513", "101"],
        &["付村务公开栏制作费"],
        Party::Shop,
        [2_000, 50, 3],
    ),
    expense(
        ["551", "515", "102"],
        &["付银行手续费"],
        Party::Fixed(BANK),
        [20, 80, 12],
    )
    .exact(),
    // Expenditure: the collective's own business.
    expense(
        ["502", "511", "102"],
        &["付出租厂房屋面防水维修费", "付出租店面维修费"],
        Party::Builder,
        [8_000, 60, 6],
    ),
    expense(
        ["401", "401", "101"],
        &["付集体茶园采茶雇工费"],
        Party::Labourer,
        [1_200, 50, 20],
    )
    .in_share(50),
    expense(["401", "401", "101"], &["购茶园化肥农药"], Party::Shop, [1_500, 60, 8]).in_share(50),
];
