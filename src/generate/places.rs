//! The places and people of a generated county: townships with 12-digit codes, villages with
//! plausible names, and the pools of villagers, cadres and firms that appear as counterparties.
//!
//! The county is 三门县 (division code 331022). The seven townships of the demo county keep
//! their codes and real village names (`crate::demo::county`); the other townships' codes are
//! invented (any may belong to another real township), and every further village is named by
//! the patterns of the county's place names (叶家岙村, 下洋村, 青溪村 …) and numbered from 201
//! up in its township. Person and firm names are invented.

use std::collections::HashSet;

use rand::Rng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use crate::demo::county::TOWNSHIPS as DEMO_TOWNSHIPS;

/// Townships beyond the demo's seven: codes invented, names of the region.
const MORE_TOWNSHIPS: &[(&str, &str)] = &[
    ("331022101000", "浦坝港镇"),
    ("331022104000", "花桥镇"),
    ("331022201000", "高枧乡"),
    ("331022202000", "蛇蟠乡"),
];

pub struct Township {
    pub code: String,
    pub name: String,
}

pub struct Village {
    pub code: String,
    pub name: String,
    /// Index into the county's townships.
    pub township: usize,
}

/// Counterparties shared by the whole county.
pub struct FirmPools {
    pub builders: Vec<String>,
    pub shops: Vec<String>,
    pub restaurants: Vec<String>,
    pub tenants: Vec<String>,
}

/// The people of one village: villagers, the labourers among them, the cadres.
pub struct People {
    pub villagers: Vec<String>,
    pub labourers: Vec<String>,
    pub cadres: Vec<String>,
}

const SURNAMES: &[&str] = &[
    "叶", "陈", "王", "章", "林", "郑", "杨", "李", "潘", "金", "罗", "包", "胡", "周", "吴", "徐", "蒋", "何", "张",
    "梁", "郭", "黄", "卢", "许", "应", "娄", "俞", "丁", "朱", "邵",
];
const GIVEN: &[&str] = &[
    "建", "国", "海", "明", "小", "春", "秀", "美", "志", "友", "德", "文", "华", "平", "军", "兵", "强", "勇", "英",
    "芬", "娟", "燕", "福", "林", "芳", "丽", "伟", "杰", "红", "云", "根", "土", "荣", "青", "素", "爱", "忠", "仙",
];
const PLACE_PREFIX: &[&str] = &[
    "上", "下", "东", "西", "南", "北", "前", "后", "大", "小", "新", "里", "外", "中", "高", "横",
];
const PLACE_WORD: &[&str] = &[
    "青", "石", "竹", "梅", "桃", "松", "枫", "花", "白", "黄", "金", "龙", "凤", "马", "牛", "鹤", "溪", "沙",
];
const PLACE_FEATURE: &[&str] = &[
    "岙", "塘", "岭", "溪", "坑", "洋", "湾", "山", "桥", "岸", "港", "埠", "屿", "田", "坦", "垟", "头", "湖",
];
const FIRM_WORD: &[&str] = &[
    "湾区", "蟹乡", "东海", "海游", "亭旁", "健跳", "宏达", "恒信", "兴旺", "顺发", "永安", "丰泽", "港城", "鑫源",
    "华盛", "旗海", "浦坝", "珠岙", "三友", "利民", "正泰", "万家", "顺达", "海天",
];

fn pick<'a>(rng: &mut ChaCha8Rng, list: &[&'a str]) -> &'a str {
    list.choose(rng).copied().unwrap_or_default()
}

pub fn townships() -> Vec<Township> {
    DEMO_TOWNSHIPS
        .iter()
        .map(|t| (t.code, t.name))
        .chain(MORE_TOWNSHIPS.iter().copied())
        .map(|(code, name)| Township {
            code: code.to_owned(),
            name: name.to_owned(),
        })
        .collect()
}

fn village_name(rng: &mut ChaCha8Rng) -> String {
    match rng.gen_range(0..4) {
        0 => format!("{}家{}村", pick(rng, SURNAMES), pick(rng, PLACE_FEATURE)),
        1 => format!("{}{}村", pick(rng, PLACE_PREFIX), pick(rng, PLACE_FEATURE)),
        2 => format!("{}{}村", pick(rng, PLACE_WORD), pick(rng, PLACE_FEATURE)),
        _ => format!(
            "{}{}{}村",
            pick(rng, PLACE_PREFIX),
            pick(rng, PLACE_WORD),
            pick(rng, PLACE_FEATURE)
        ),
    }
}

/// `n` villages spread round-robin over the townships: first the demo's real villages of each
/// township, then generated ones, every name unique in the county.
pub fn villages(rng: &mut ChaCha8Rng, townships: &[Township], n: usize) -> Vec<Village> {
    let mut taken: HashSet<String> = HashSet::new();
    let mut per_township: Vec<Vec<Village>> = townships.iter().map(|_| Vec::new()).collect();
    let mut used_codes: HashSet<String> = HashSet::new();
    for i in 0..n {
        let t = i % townships.len();
        let k = per_township[t].len();
        let demo = DEMO_TOWNSHIPS
            .iter()
            .find(|d| d.code == townships[t].code)
            .and_then(|d| d.villages.get(k));
        let (code, name) = match demo {
            Some(v) => (v.code.to_owned(), v.name.to_owned()),
            None => {
                let prefix = &townships[t].code[..9];
                let mut number = 201 + k;
                let mut code = format!("{prefix}{number:03}");
                while used_codes.contains(&code) {
                    number += 1;
                    code = format!("{prefix}{number:03}");
                }
                let mut name = village_name(rng);
                while taken.contains(&name) {
                    name = village_name(rng);
                }
                (code, name)
            }
        };
        taken.insert(name.clone());
        used_codes.insert(code.clone());
        per_township[t].push(Village {
            code,
            name,
            township: t,
        });
    }
    // Township order, then code order: the order a county's books are kept in.
    let mut all: Vec<Village> = per_township.into_iter().flatten().collect();
    all.sort_by(|a, b| a.code.cmp(&b.code));
    all
}

fn person(rng: &mut ChaCha8Rng) -> String {
    let surname = pick(rng, SURNAMES);
    if rng.gen_bool(0.7) {
        format!("{surname}{}{}", pick(rng, GIVEN), pick(rng, GIVEN))
    } else {
        format!("{surname}{}", pick(rng, GIVEN))
    }
}

pub fn people(rng: &mut ChaCha8Rng) -> People {
    let villagers: Vec<String> = (0..rng.gen_range(80..200)).map(|_| person(rng)).collect();
    // Odd jobs go round the village: a few dozen villagers take them.
    let labourers = villagers.choose_multiple(rng, 40).cloned().collect();
    let cadres = villagers.choose_multiple(rng, 5).cloned().collect();
    People {
        villagers,
        labourers,
        cadres,
    }
}

fn firms(rng: &mut ChaCha8Rng, n: usize, kinds: &[&str], places: &[&str]) -> Vec<String> {
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(n);
    while out.len() < n && seen.len() < FIRM_WORD.len() * kinds.len() * places.len() {
        let name = format!("{}{}{}", pick(rng, places), pick(rng, FIRM_WORD), pick(rng, kinds));
        if seen.insert(name.clone()) {
            out.push(name);
        }
    }
    out
}

pub fn firm_pools(rng: &mut ChaCha8Rng) -> FirmPools {
    FirmPools {
        builders: firms(
            rng,
            40,
            &[
                "建筑工程有限公司",
                "路桥工程有限公司",
                "市政工程有限公司",
                "建设有限公司",
            ],
            &["三门县", "台州市"],
        ),
        shops: firms(
            rng,
            80,
            &[
                "文具店",
                "五金杂货店",
                "建材商店",
                "超市",
                "农资经营部",
                "广告制作部",
                "苗木专业合作社",
            ],
            &["三门县", "海游", "健跳", "亭旁", "珠岙", "横渡"],
        ),
        restaurants: firms(
            rng,
            30,
            &["农家菜馆", "海鲜酒楼", "大酒店", "饭店"],
            &["三门县", "海游", "健跳"],
        ),
        tenants: firms(
            rng,
            40,
            &[
                "水产有限公司",
                "橡塑制品有限公司",
                "机电有限公司",
                "食品有限公司",
                "服饰有限公司",
            ],
            &["三门县", "台州市"],
        ),
    }
}
