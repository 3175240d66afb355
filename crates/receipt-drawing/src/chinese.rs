//! Money as Chinese paper writes it: `¥950.00` in figures and 玖佰伍拾元整 in words (大写), the
//! way receipts and invoices must state an amount so that it cannot be altered.

const DIGITS: [char; 10] = ['零', '壹', '贰', '叁', '肆', '伍', '陆', '柒', '捌', '玖'];
const UNITS: [&str; 4] = ["", "拾", "佰", "仟"];
const GROUPS: [&str; 3] = ["", "万", "亿"];

/// An amount in fen as figures with two decimals and thousands commas: `1,234.50`.
pub fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let fen = fen.unsigned_abs();
    let whole = (fen / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}{grouped}.{:02}", fen % 100)
}

/// The words of a group of four digits (0–9999), with zeros as the rule writes them.
fn group_words(n: u64, out: &mut String, pending_zero: &mut bool) {
    for (pos, unit) in UNITS.iter().enumerate().rev() {
        let d = (n / 10u64.pow(pos as u32) % 10) as usize;
        if d == 0 {
            *pending_zero = !out.is_empty();
            continue;
        }
        if *pending_zero {
            out.push('零');
            *pending_zero = false;
        }
        out.push(DIGITS[d]);
        out.push_str(unit);
    }
}

/// An amount in fen in words (大写): 95000 → 玖佰伍拾元整, 12345678 → 壹拾贰万叁仟肆佰伍拾陆元柒角捌分.
pub fn amount_in_words(fen: i64) -> String {
    let fen = fen.unsigned_abs();
    let (whole, jiao, cents) = (fen / 100, fen / 10 % 10, fen % 10);
    let mut out = String::new();
    let mut zero_group = false;
    for g in (0..GROUPS.len()).rev() {
        let n = whole / 10_000u64.pow(g as u32) % 10_000;
        if n == 0 {
            zero_group = !out.is_empty();
            continue;
        }
        // A zero is written where digits are skipped inside the amount, once.
        let mut pending_zero = !out.is_empty() && (zero_group || n < 1000);
        zero_group = false;
        group_words(n, &mut out, &mut pending_zero);
        out.push_str(GROUPS[g]);
    }
    if !out.is_empty() {
        out.push('元');
    }
    match (jiao, cents) {
        (0, 0) if out.is_empty() => "零元整".to_owned(),
        (0, 0) => out + "整",
        (j, 0) => format!("{out}{}角整", DIGITS[j as usize]),
        (0, c) if out.is_empty() => format!("{}分", DIGITS[c as usize]),
        (0, c) => format!("{out}零{}分", DIGITS[c as usize]),
        (j, c) => format!("{out}{}角{}分", DIGITS[j as usize], DIGITS[c as usize]),
    }
}

