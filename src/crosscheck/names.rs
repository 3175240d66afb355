//! Counterparty names, normalised and compared.
//!
//! An inspector writes down "張國敬" from a hand-filled form, the clerk posted "张 国敬", a company
//! appears as "（三门）海润建筑工程有限公司" in one place and "三门海润建筑工程有限公司" in the other.
//! Matching findings to ledger lines needs both spellings to meet, so names are normalised at the
//! character level (width, case, spacing, punctuation, traditional characters) and then compared
//! with a score that stays meaningful on two- and three-character personal names.

use std::collections::HashMap;
use std::sync::LazyLock;

const T2S_DATA: &str = include_str!("data/t2s.txt");

/// Traditional → simplified, one character to one character (OpenCC's table, see the data file).
static T2S: LazyLock<HashMap<char, char>> = LazyLock::new(|| parse_t2s(T2S_DATA));

fn parse_t2s(text: &str) -> HashMap<char, char> {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| {
            let mut chars = line.chars();
            match (chars.next(), chars.next(), chars.next(), chars.next()) {
                (Some(traditional), Some(' '), Some(simplified), None) => Some((traditional, simplified)),
                _ => None,
            }
        })
        .collect()
}

/// The comparable form of a name: full-width ASCII folded to half-width, ASCII lowercased,
/// traditional characters replaced by simplified ones, and everything that is not a letter or a
/// digit (whitespace including U+3000, ASCII and CJK punctuation, the middle dot of transliterated
/// names) removed. Words such as "有限公司" are kept: dropping them is a matching decision, not a
/// spelling one.
pub fn normalize(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .filter(|c| c.is_alphanumeric())
        .map(|c| T2S.get(&c).copied().unwrap_or(c).to_ascii_lowercase())
        .collect()
}

/// How alike two normalised names are, from 0.0 (nothing in common) to 1.0 (equal).
///
/// The score is the largest of three measures, because each alone fails on some names we have:
/// - edit similarity, 1 − Levenshtein distance / length of the longer name (in characters): one
///   wrong character in a three-character name ("张国敬"/"李国敬") still scores 0.67;
/// - the Dice coefficient of character bigrams (as multisets): robust to a character inserted into
///   a long company name;
/// - containment: when the shorter name (at least two characters) occurs inside the longer, as a
///   short company name does in its registered name ("海润建筑" in "三门县海润建筑工程有限公司"), the
///   score is 0.8 + 0.2 × (shorter length / longer length).
///
/// Different names never score 1.0 (capped at 0.99, since distinct strings can share all bigrams),
/// and an empty name scores 0.0 against anything, itself included: it names nobody.
pub fn similarity(a_normalized: &str, b_normalized: &str) -> f64 {
    if a_normalized.is_empty() || b_normalized.is_empty() {
        return 0.0;
    }
    if a_normalized == b_normalized {
        return 1.0;
    }
    with_chars(a_normalized, |a| with_chars(b_normalized, |b| similarity_of(a, b)))
}

fn similarity_of(a: &[char], b: &[char]) -> f64 {
    let (shorter, longer) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    let edit = 1.0 - levenshtein(a, b) as f64 / longer.len() as f64;
    let contained = shorter.len() >= 2 && longer.windows(shorter.len()).any(|window| window == shorter);
    let containment = if contained {
        0.8 + 0.2 * shorter.len() as f64 / longer.len() as f64
    } else {
        0.0
    };
    edit.max(bigram_dice(a, b)).max(containment).clamp(0.0, 0.99)
}

/// Names are short: their characters, rows and pairs are worked on in buffers of this many
/// on the stack (a longer name gets them on the heap). The reconciliation compares a finding's
/// name with thousands of counterparties.
const ON_STACK: usize = 48;

/// Runs `work` on a zeroed scratch slice of `len` values, on the stack when it fits.
fn scratch<T: Copy + Default, R>(len: usize, work: impl FnOnce(&mut [T]) -> R) -> R {
    if len <= ON_STACK {
        let mut buffer = [T::default(); ON_STACK];
        work(&mut buffer[..len])
    } else {
        work(&mut vec![T::default(); len])
    }
}

/// Runs `work` on the characters of `text`.
fn with_chars<R>(text: &str, work: impl FnOnce(&[char]) -> R) -> R {
    let len = text.chars().count();
    scratch(len, |buffer: &mut [char]| {
        for (slot, c) in buffer.iter_mut().zip(text.chars()) {
            *slot = c;
        }
        work(buffer)
    })
}

fn levenshtein(a: &[char], b: &[char]) -> usize {
    scratch(2 * (b.len() + 1), |rows: &mut [usize]| {
        let (mut previous, mut current) = rows.split_at_mut(b.len() + 1);
        for (j, cell) in previous.iter_mut().enumerate() {
            *cell = j;
        }
        for (i, ca) in a.iter().enumerate() {
            current[0] = i + 1;
            for (j, cb) in b.iter().enumerate() {
                let substitution = previous[j] + usize::from(ca != cb);
                current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
            }
            std::mem::swap(&mut previous, &mut current);
        }
        previous[b.len()]
    })
}

/// Dice's coefficient of the two names' adjacent character pairs (as multisets).
fn bigram_dice(a: &[char], b: &[char]) -> f64 {
    if a.len() < 2 || b.len() < 2 {
        return 0.0;
    }
    let shared = scratch(a.len() - 1, |pa: &mut [(char, char)]| {
        scratch(b.len() - 1, |pb: &mut [(char, char)]| {
            for (slot, w) in pa.iter_mut().zip(a.windows(2)) {
                *slot = (w[0], w[1]);
            }
            for (slot, w) in pb.iter_mut().zip(b.windows(2)) {
                *slot = (w[0], w[1]);
            }
            pa.sort_unstable();
            pb.sort_unstable();
            // The size of the multisets' intersection, by merging the sorted lists.
            let (mut i, mut j, mut shared) = (0, 0, 0usize);
            while i < pa.len() && j < pb.len() {
                match pa[i].cmp(&pb[j]) {
                    std::cmp::Ordering::Less => i += 1,
                    std::cmp::Ordering::Greater => j += 1,
                    std::cmp::Ordering::Equal => {
                        shared += 1;
                        i += 1;
                        j += 1;
                    }
                }
            }
            shared
        })
    });
    2.0 * shared as f64 / (a.len() - 1 + b.len() - 1) as f64
}

/// Legal-form and shop-type endings that one spelling of a firm's name has and another drops
/// (`三门县湾区建筑工程有限公司`, `湾区建筑工程公司`), longest first.
const FIRM_ENDINGS: [&str; 17] = [
    "股份有限公司",
    "有限责任公司",
    "专业合作社",
    "有限公司",
    "集团公司",
    "分公司",
    "合作社",
    "经营部",
    "门市部",
    "服务部",
    "公司",
    "商行",
    "商店",
    "店",
    "部",
    "厂",
    "社",
];

/// The part of a normalised name that tells one firm from another: the name without its
/// legal-form ending (`三门县湾区建筑工程有限公司` → `三门县湾区建筑工程`). `None` for names of
/// three characters or fewer, which are people's: two villagers may share a name's
/// characters, and are never taken for one another.
pub fn firm_key(normalized: &str) -> Option<String> {
    if normalized.chars().count() <= 3 {
        return None;
    }
    let mut key = normalized;
    while let Some(shorter) = FIRM_ENDINGS.iter().find_map(|e| key.strip_suffix(e)) {
        if shorter.chars().count() < 2 {
            break;
        }
        key = shorter;
    }
    Some(key.to_owned())
}

/// Whether two firm keys name one firm, spelled two ways: equal; the shorter (four characters
/// or more) inside the longer, as an abbreviation is (`湾区建筑` in `三门县湾区建筑工程`); or the
/// longer is the shorter (five characters or more) with one character inserted, as a county
/// name written with and without 县 is (`三门海润建筑工程`, `三门县海润建筑工程`). A character
/// changed (`宏达`, `宏远`) is another firm.
pub fn same_firm(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let (shorter, longer) = if a.len() <= b.len() { (&a, &b) } else { (&b, &a) };
    if shorter.len() >= 4 && longer.windows(shorter.len()).any(|w| w == shorter.as_slice()) {
        return true;
    }
    if shorter.len() >= 5 && longer.len() == shorter.len() + 1 {
        let head = shorter.iter().zip(longer.iter()).take_while(|(x, y)| x == y).count();
        return shorter[head..] == longer[head + 1..];
    }
    false
}

/// Groups the names `(id, firm key)` into firms: every id maps to the smallest id of the names
/// it is [`same_firm`] with, directly or through others; names without a key (people) stay
/// their own. Candidate pairs share one of the two rarest character pairs of the shorter key
/// (an inserted character breaks at most one of them), so a village's few hundred names are
/// compared in linear time, not pair by pair.
pub fn group_firms(names: &[(i32, Option<&str>)]) -> HashMap<i32, i32> {
    let keyed: Vec<(i32, Vec<char>)> = names
        .iter()
        .filter_map(|(id, key)| key.map(|k| (*id, k.chars().collect())))
        .collect();
    let mut by_pair: HashMap<(char, char), Vec<usize>> = HashMap::new();
    for (i, (_, chars)) in keyed.iter().enumerate() {
        for pair in chars.windows(2) {
            let list = by_pair.entry((pair[0], pair[1])).or_default();
            if list.last() != Some(&i) {
                list.push(i);
            }
        }
    }
    let mut parent: Vec<usize> = (0..keyed.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    for (i, (_, chars)) in keyed.iter().enumerate() {
        let mut pairs: Vec<&Vec<usize>> = chars.windows(2).filter_map(|p| by_pair.get(&(p[0], p[1]))).collect();
        pairs.sort_by_key(|list| list.len());
        let key: String = chars.iter().collect();
        for &j in pairs.iter().take(2).flat_map(|list| list.iter()) {
            if j == i || keyed[j].1.len() < chars.len() {
                continue;
            }
            let other: String = keyed[j].1.iter().collect();
            if same_firm(&key, &other) {
                let (ri, rj) = (root(&mut parent, i), root(&mut parent, j));
                if ri != rj {
                    parent[ri.max(rj)] = ri.min(rj);
                }
            }
        }
    }
    let mut smallest: HashMap<usize, i32> = HashMap::new();
    for (i, (id, _)) in keyed.iter().enumerate() {
        let r = root(&mut parent, i);
        let e = smallest.entry(r).or_insert(*id);
        *e = (*e).min(*id);
    }
    let mut firms: HashMap<i32, i32> = names.iter().map(|(id, _)| (*id, *id)).collect();
    for (i, (id, _)) in keyed.iter().enumerate() {
        let r = root(&mut parent, i);
        firms.insert(*id, smallest[&r]);
    }
    firms
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn score(a: &str, b: &str) -> f64 {
        similarity(&normalize(a), &normalize(b))
    }

    #[test]
    fn spacing_and_traditional_variants_of_a_personal_name_normalise_alike() {
        assert_eq!(normalize("张国敬"), "张国敬");
        assert_eq!(normalize("张 国敬"), "张国敬");
        assert_eq!(normalize("張國敬"), "张国敬");
        assert_eq!(normalize("\u{3000}张\u{3000}国敬 \t"), "张国敬");
        assert_eq!(
            normalize("陳劉楊黃趙吳鄭謝葉馮鄧蕭錢孫"),
            "陈刘杨黄赵吴郑谢叶冯邓萧钱孙"
        );
    }

    #[test]
    fn full_width_ascii_folds_to_lowercase_half_width() {
        assert_eq!(normalize("ＡＢＣ建材"), "abc建材");
        assert_eq!(normalize("ABC建材（１２３）"), "abc建材123");
    }

    #[test]
    fn punctuation_variants_of_a_company_name_normalise_alike() {
        let expected = "三门海润建筑工程有限公司";
        for variant in [
            "（三门）海润建筑工程有限公司",
            "(三门)海润建筑工程有限公司",
            "【三门】海润建筑工程有限公司。",
            "“三门”海润建筑工程有限公司",
            "三门·海润建筑工程有限公司",
            "三門海潤建築工程有限公司",
        ] {
            assert_eq!(normalize(variant), expected, "{variant}");
        }
        assert_eq!(normalize("阿不都·热合曼"), "阿不都热合曼");
    }

    #[test]
    fn table_holds_only_one_to_one_pairs_and_covers_common_surnames() {
        let table = parse_t2s(T2S_DATA);
        let pairs = T2S_DATA.lines().filter(|line| !line.starts_with('#')).count();
        assert_eq!(table.len(), pairs, "every data line is one `T S` pair");
        for (traditional, simplified) in [('張', '张'), ('國', '国'), ('區', '区'), ('築', '筑'), ('裝', '装')]
        {
            assert_eq!(table.get(&traditional), Some(&simplified));
        }
        assert_eq!(table.get(&'修'), None);
    }

    #[test]
    fn similarity_scores_short_names_sensibly() {
        assert_eq!(score("张国敬", "张国敬"), 1.0);
        assert_eq!(score("張國敬", "张 国敬"), 1.0);
        assert!(score("张国", "张国敬") >= 0.6);
        assert!((score("张国敬", "李国敬") - 2.0 / 3.0).abs() < 0.01);
        assert_eq!(score("王小平", "张国敬"), 0.0);
        assert!(score("张", "张国敬") < 0.5);
    }

    /// The reconciliation passes over counterparties that share no pair of adjacent characters
    /// with a finding's name when the threshold is above 0.75 (`reconcile::judge`): checked on
    /// every pair of names of up to five characters over a three-letter alphabet (where shared
    /// pairs are hardest to avoid), and on each name's one-character forms.
    #[test]
    fn names_sharing_no_character_pair_score_at_most_three_quarters() {
        let mut names: Vec<String> = vec![String::new()];
        let mut last = names.clone();
        for _ in 0..5 {
            last = last
                .iter()
                .flat_map(|n| ['甲', '乙', '丙'].map(|c| format!("{n}{c}")))
                .collect();
            names.extend(last.iter().cloned());
        }
        let pairs = |name: &str| -> Vec<(char, char)> {
            let chars: Vec<char> = name.chars().collect();
            match chars.len() {
                1 => vec![(chars[0], '\0')],
                _ => chars.windows(2).map(|w| (w[0], w[1])).collect(),
            }
        };
        let mut compared = 0;
        for a in names.iter().filter(|n| !n.is_empty()) {
            let of_a = pairs(a);
            for b in names.iter().filter(|n| !n.is_empty()) {
                if pairs(b).iter().any(|p| of_a.contains(p)) {
                    continue;
                }
                compared += 1;
                let s = similarity(a, b);
                assert!(s <= 0.75, "{a} / {b}: {s}");
            }
        }
        assert!(compared > 10_000, "{compared} pairs without a shared pair");
    }

    #[test]
    fn a_name_contained_in_a_registered_company_name_scores_high() {
        let long_short = score("三门县海润建筑工程有限公司", "海润建筑");
        assert!((0.8..1.0).contains(&long_short), "{long_short}");
        assert!(score("海润建筑工程有限公司", "海润建筑工程有限责任公司") > 0.8);
    }

    #[test]
    fn different_names_never_score_one_and_empty_names_score_zero() {
        assert!(similarity("abca", "bcab") < 1.0);
        assert_eq!(similarity("", ""), 0.0);
        assert_eq!(similarity("张国敬", ""), 0.0);
        let symmetric = [("张国", "张国敬"), ("海润", "三门县海润建筑"), ("abc", "acb")];
        for (a, b) in symmetric {
            assert_eq!(similarity(a, b), similarity(b, a));
        }
    }

    fn firms_of(names: &[&str]) -> Vec<i32> {
        let normal: Vec<String> = names.iter().map(|n| normalize(n)).collect();
        let keys: Vec<Option<String>> = normal.iter().map(|n| firm_key(n)).collect();
        let input: Vec<(i32, Option<&str>)> = keys.iter().enumerate().map(|(i, k)| (i as i32, k.as_deref())).collect();
        let firms = group_firms(&input);
        (0..names.len() as i32).map(|i| firms[&i]).collect()
    }

    #[test]
    fn second_spellings_of_a_firm_are_one_firm() {
        assert_eq!(
            firm_key("三门县湾区建筑工程有限公司").as_deref(),
            Some("三门县湾区建筑工程")
        );
        assert_eq!(firm_key("王小平"), None);
        assert_eq!(
            firms_of(&[
                "三门县湾区建筑工程有限公司",
                "湾区建筑工程公司",
                "王小平",
                "（三门）湾区建筑工程有限公司",
                "湾区建筑",
            ]),
            vec![0, 0, 2, 0, 0]
        );
    }

    #[test]
    fn firms_a_character_apart_and_people_stay_apart() {
        assert_eq!(
            firms_of(&[
                "三门县宏达建筑工程有限公司",
                "三门县宏远建筑工程有限公司",
                "台州市宏达建筑工程有限公司",
                "三门县宏达建设有限公司",
                "海游宏达文具店",
                "健跳宏达文具店",
                "王小平",
                "王小明",
                "张国",
                "张国敬",
            ]),
            (0..10).collect::<Vec<i32>>()
        );
    }
}
