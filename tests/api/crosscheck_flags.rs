//! Red-flag rules, fixture by fixture: every JSON file in `tests/fixtures/crosscheck/flags/` is a
//! small ledger whose file name says the case and whether it must flag
//! (`split_payment-just-over-limit.flags.json`) or is a near miss that must not
//! (`split_payment-total-at-limit.none.json`). Each is loaded into a fresh app — entries inserted
//! with the library so `posted_at` can lie in the past, receipts ingested from `receipts-fixtures/`
//! as an upload would — and `GET /api/v1/crosscheck/flags?rules=<rule>` must answer exactly the
//! fixture's flags. Also: the endpoint's scopes, refusals and paging.
//!
//! Fixture format:
//!
//! ```json
//! {"description": "one sentence saying the case",
//!  "query": {"village": "V1A", "from": "2024-01-01", "to": "2024-12-31"},
//!  "entries": [{"ref": "a", "voucher_no": "2024-001", "occurred_on": "2024-05-14", "amount_fen": 386000,
//!               "posted_at": "2024-05-15T02:00:00", "reverses": null, "...": "see EntrySpec"}],
//!  "receipts": [{"ref": "r1", "entry": "a", "file": "scan-flatbed.png"}],
//!  "tenders": [{"reference": "SMZB-2024-017", "project": "村道硬化工程", "winner": "三门县路桥建设有限公司",
//!               "amount_fen": 9800000, "awarded_on": "2024-06-20", "village": "V1A"}],
//!  "generate": {"kind": "benford", "count": 600, "village": "V1A", "from": "2024-01-01", "invented": 0},
//!  "expect": [{"rule": "receipt_reused", "entries": ["a", "b"], "receipts": ["r1", "r2"],
//!              "severity": "high", "figures": {"identical_bytes": true}}]}
//! ```
//!
//! Village and township aliases (`V1A`, `V1B`, `V2A`, `T1`, `T2`) stand for the seeded codes,
//! also inside expected figures.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use crate::support::*;
use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime};
use serde::{Deserialize, Deserializer};
use serde_json::{Value, json};
use village_ledger::db::{DbConn, write_transaction};
use village_ledger::domain::ids::new_id;
use village_ledger::domain::{AccountCode, Direction};
use village_ledger::ledger::entries::EntryRow;
use village_ledger::ledger::post::insert_entry;
use village_ledger::ledger::receipts::insert_receipt;
use village_ledger::ledger::tenders::{NewTenderRequest, record_tender};
use village_ledger::receipts::{IntakeLimits, RenditionSize, ingest};

/// The rules this suite knows; the library's list must not grow past it unnoticed.
const RULES: [&str; 12] = [
    "missing_receipt",
    "receipt_reused",
    "invoice_reused",
    "invoice_mismatch",
    "duplicate_payment",
    "split_payment",
    "round_amount",
    "late_posting",
    "voucher_gap",
    "offday_hospitality",
    "tender_threshold",
    "benford",
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Fixture {
    description: String,
    #[serde(default)]
    query: Query,
    #[serde(default)]
    entries: Vec<EntrySpec>,
    #[serde(default)]
    receipts: Vec<ReceiptSpec>,
    /// Tenders recorded as a clerk records them.
    #[serde(default)]
    tenders: Vec<TenderSpec>,
    /// One block of generated expenses, or a list of them (years of one village, say).
    #[serde(default, deserialize_with = "one_or_many")]
    generate: Vec<Generate>,
    expect: Vec<Expected>,
}

fn one_or_many<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Generate>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(Generate),
        Many(Vec<Generate>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(g) => vec![g],
        OneOrMany::Many(gs) => gs,
    })
}

/// The scope and window asked for; neither village nor township means the whole county.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Query {
    village: Option<String>,
    township: Option<String>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EntrySpec {
    #[serde(rename = "ref")]
    reference: String,
    /// Default `V1A`.
    village: Option<String>,
    voucher_no: String,
    occurred_on: NaiveDate,
    /// UTC; default the next day at 02:00 (10:00 in the county).
    posted_at: Option<NaiveDateTime>,
    /// Posted this many days before the test runs (for rules that look at the present).
    posted_days_ago: Option<i64>,
    /// Default `expense`.
    direction: Option<String>,
    /// Required unless `reverses` is given (then the original's, negated).
    amount_fen: Option<i64>,
    /// Default `513` (管理费用).
    account_code: Option<String>,
    /// Default `102` (bank).
    settlement_account_code: Option<String>,
    counterparty: Option<String>,
    description: Option<String>,
    project: Option<String>,
    tender_ref: Option<String>,
    /// Ref of the entry this one reverses (a red-ink reversal): unset fields copy the original.
    reverses: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReceiptSpec {
    #[serde(rename = "ref")]
    reference: String,
    entry: String,
    /// A file of `receipts-fixtures/`.
    file: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TenderSpec {
    /// Default `V1A`.
    village: Option<String>,
    reference: String,
    project: String,
    winner: String,
    amount_fen: i64,
    awarded_on: NaiveDate,
}

/// Many generated expenses, for the rules that need a population (`benford`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Generate {
    /// `benford`: 10^u fen with u spread evenly over 100–100,000 yuan (three decades);
    /// `clustered`: three in five between 4,800.00 and 4,999.99 yuan, the rest as `benford`.
    kind: String,
    count: usize,
    village: String,
    /// Dates run from here, one a day, around the year.
    from: NaiveDate,
    /// The first this many amounts are made up instead: whole yuan spread evenly over
    /// 100–999 yuan, as a clerk inventing small payments in bulk writes them.
    #[serde(default)]
    invented: usize,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expected {
    rule: String,
    #[serde(default)]
    entries: Vec<String>,
    #[serde(default)]
    receipts: Vec<String>,
    severity: String,
    /// Absent: not checked; null: a flag about no single village; an alias: that village.
    #[serde(default, deserialize_with = "present")]
    village: Option<Option<String>>,
    township: Option<String>,
    /// A subset of the flag's figures.
    #[serde(default)]
    figures: serde_json::Map<String, Value>,
}

fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// A seeded village or township code from its alias.
fn code(alias: &str) -> &'static str {
    match alias {
        "V1A" => V1A,
        "V1B" => V1B,
        "V2A" => V2A,
        "T1" => T1,
        "T2" => T2,
        other => panic!("unknown village or township alias {other}"),
    }
}

/// Replaces aliases by codes in expected figures.
fn with_codes(v: &Value) -> Value {
    match v {
        Value::String(s) if matches!(s.as_str(), "V1A" | "V1B" | "V2A" | "T1" | "T2") => json!(code(s)),
        Value::Array(items) => Value::Array(items.iter().map(with_codes).collect()),
        Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), with_codes(v))).collect()),
        other => other.clone(),
    }
}

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/crosscheck/flags")
}

/// What a fixture's file name says: its rule, its case, and whether it must flag.
#[derive(Debug)]
struct Named {
    file: String,
    rule: String,
    flags: bool,
}

fn parse_name(file: &str) -> Result<Named, String> {
    let stem = file.strip_suffix(".json").ok_or("not a .json file")?;
    let (stem, flags) = if let Some(s) = stem.strip_suffix(".flags") {
        (s, true)
    } else if let Some(s) = stem.strip_suffix(".none") {
        (s, false)
    } else {
        return Err("the name must end in .flags.json (must flag) or .none.json (near miss)".into());
    };
    let (rule, case) = stem.split_once('-').ok_or("the name must be <rule>-<case>")?;
    let kebab = |s: &str| {
        !s.is_empty()
            && s.split('-').all(|w| !w.is_empty())
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    };
    if !kebab(case) {
        return Err(format!("the case `{case}` must be lower-case words joined by hyphens"));
    }
    Ok(Named {
        file: file.to_owned(),
        rule: rule.to_owned(),
        flags,
    })
}

/// Every fixture, by file name, parsed.
fn all_fixtures() -> Vec<(Named, Fixture)> {
    let mut files: Vec<String> = std::fs::read_dir(fixtures_dir())
        .expect("the fixtures directory")
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|file| {
            let named = parse_name(&file).unwrap_or_else(|e| panic!("{file}: {e}"));
            let text = std::fs::read_to_string(fixtures_dir().join(&file)).unwrap();
            let fixture: Fixture = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
            (named, fixture)
        })
        .collect()
}

#[test]
fn every_rule_has_a_flag_and_a_near_miss_fixture_named_for_its_case() {
    let known = village_ledger::crosscheck::flags::rule_names();
    assert_eq!(known, RULES, "the rules changed: add fixtures for the new one");
    let mut kinds: BTreeMap<&str, (usize, usize)> = RULES.iter().map(|r| (*r, (0, 0))).collect();
    for (named, fixture) in all_fixtures() {
        let file = &named.file;
        assert!(!fixture.description.trim().is_empty(), "{file}: no description");
        let counter = kinds
            .get_mut(named.rule.as_str())
            .unwrap_or_else(|| panic!("{file}: `{}` is not a rule", named.rule));
        if named.flags {
            assert!(!fixture.expect.is_empty(), "{file} is named .flags but expects no flag");
            counter.0 += 1;
        } else {
            assert!(fixture.expect.is_empty(), "{file} is named .none but expects flags");
            counter.1 += 1;
        }
        for e in &fixture.expect {
            assert_eq!(e.rule, named.rule, "{file}: an expected flag of another rule");
        }
    }
    let missing: Vec<String> = kinds
        .iter()
        .filter(|(_, (flags, none))| *flags == 0 || *none == 0)
        .map(|(rule, (flags, none))| format!("{rule}: {flags} flagging, {none} near-miss"))
        .collect();
    assert!(missing.is_empty(), "rules without both kinds of fixture: {missing:?}");
}

#[test]
fn fixture_names_are_read_as_rule_case_and_expectation() {
    let n = parse_name("duplicate_payment-same-amount-6-days-apart.flags.json").unwrap();
    assert_eq!((n.rule.as_str(), n.flags), ("duplicate_payment", true));
    let n = parse_name("duplicate_payment-monthly-standing-order.none.json").unwrap();
    assert_eq!((n.rule.as_str(), n.flags), ("duplicate_payment", false));
    assert!(parse_name("duplicate_payment-monthly.json").is_err());
    assert!(parse_name("duplicate_payment.flags.json").is_err());
    assert!(parse_name("duplicate_payment-Same_Amount.flags.json").is_err());
}

/// Refs of a loaded fixture mapped to the ids the app gave them.
#[derive(Default)]
struct Loaded {
    entries: HashMap<String, String>,
    receipts: HashMap<String, String>,
}

impl Loaded {
    /// An id as its fixture ref, for readable failures.
    fn name_of(&self, id: &str) -> String {
        self.entries
            .iter()
            .chain(&self.receipts)
            .find(|(_, v)| v.as_str() == id)
            .map(|(k, _)| k.clone())
            .unwrap_or_else(|| id.to_owned())
    }
}

/// A unique id that still shows the fixture's ref.
fn id_for(prefix: &str, reference: &str) -> String {
    let clean: String = reference
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!("{prefix}_{clean}_{}", &new_id("x")[2..14])
}

fn account(code: String) -> AccountCode {
    AccountCode::parse("account_code", &code).expect("an account code")
}

fn entry_row(spec: &EntrySpec, rows: &HashMap<String, EntryRow>, now: NaiveDateTime) -> EntryRow {
    let original = spec.reverses.as_ref().map(|r| {
        rows.get(r)
            .unwrap_or_else(|| panic!("entry {} reverses unknown (or later) entry {r}", spec.reference))
    });
    let text = |own: &Option<String>, of: fn(&EntryRow) -> String, default: &str| {
        own.clone()
            .or_else(|| original.map(of))
            .unwrap_or_else(|| default.to_owned())
    };
    let amount_fen = spec
        .amount_fen
        .or_else(|| original.map(|o| -o.amount_fen))
        .unwrap_or_else(|| panic!("entry {} has no amount_fen", spec.reference));
    let posted_at = match (spec.posted_at, spec.posted_days_ago) {
        (Some(at), None) => at,
        (None, Some(days)) => now - Duration::days(days),
        (None, None) => (spec.occurred_on + Duration::days(1)).and_time(NaiveTime::from_hms_opt(2, 0, 0).unwrap()),
        (Some(_), Some(_)) => panic!("entry {}: posted_at or posted_days_ago, not both", spec.reference),
    };
    let village = spec.village.as_deref().map(code).unwrap_or(V1A);
    EntryRow {
        seq: 0,
        id: id_for("en", &spec.reference).into(),
        village_code: village.to_owned(),
        fiscal_year: spec.occurred_on.year(),
        period: spec.occurred_on.format("%Y-%m").to_string(),
        voucher_no: spec.voucher_no.clone(),
        occurred_on: spec.occurred_on,
        posted_at,
        direction: Direction::parse(&text(&spec.direction, |o| o.direction.as_str().to_owned(), "expense"))
            .expect("a direction"),
        amount_fen,
        account_code: account(text(&spec.account_code, |o| o.account_code.to_string(), "513")),
        settlement_account_code: account(text(
            &spec.settlement_account_code,
            |o| o.settlement_account_code.to_string(),
            "102",
        )),
        counterparty: text(&spec.counterparty, |o| o.counterparty.clone(), "三门县海游五金店"),
        description: text(&spec.description, |o| o.description.clone(), "村务办公用品"),
        project: spec
            .project
            .clone()
            .or_else(|| original.and_then(|o| o.project.clone())),
        fund_source: None,
        posted_by: "clerk1".into(),
        reverses: original.map(|o| o.id.clone()),
        reversal_reason: original.map(|_| "重复入账,冲销".to_owned()),
        tender_ref: spec
            .tender_ref
            .clone()
            .or_else(|| original.and_then(|o| o.tender_ref.clone())),
    }
}

/// Evenly spread fractions (a Weyl sequence): deterministic and without clumps.
fn spread(k: usize) -> f64 {
    (k as f64 * 0.618_033_988_749_894_9).fract()
}

/// The rows of the `block`-th generated block.
fn generated_rows(g: &Generate, block: usize) -> Vec<EntryRow> {
    let tag = if block == 0 { String::new() } else { block.to_string() };
    (0..g.count)
        .map(|k| {
            let benford = (10f64.powf(4.0 + 3.0 * spread(k))).round() as i64;
            let amount_fen = match g.kind.as_str() {
                _ if k < g.invented => (100 + (spread(k) * 900.0) as i64) * 100,
                "benford" => benford,
                "clustered" if k % 5 < 3 => 480_000 + (spread(k) * 20_000.0) as i64,
                "clustered" => benford,
                other => panic!("unknown generate kind {other}"),
            };
            let occurred_on = g.from + Duration::days((k % 360) as i64);
            EntryRow {
                seq: 0,
                id: id_for("en", &format!("g{tag}-{k}")).into(),
                village_code: code(&g.village).to_owned(),
                fiscal_year: occurred_on.year(),
                period: occurred_on.format("%Y-%m").to_string(),
                voucher_no: format!("G{tag}-{k:04}"),
                occurred_on,
                posted_at: (occurred_on + Duration::days(1)).and_time(NaiveTime::from_hms_opt(2, 0, 0).unwrap()),
                direction: Direction::Expense,
                amount_fen,
                account_code: account("513".into()),
                settlement_account_code: account("102".into()),
                counterparty: format!("供应商{}", k % 97),
                description: "村务支出".into(),
                project: None,
                fund_source: None,
                posted_by: "clerk1".into(),
                reverses: None,
                reversal_reason: None,
                tender_ref: None,
            }
        })
        .collect()
}

/// Attaches a file of `receipts-fixtures/` to an entry as an upload would (the demo's way).
fn attach(app: &TestApp, conn: &mut DbConn, id: &str, entry: &EntryRow, file: &str) {
    use sha2::Digest;
    let bytes = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("receipts-fixtures")
            .join(file),
    )
    .unwrap_or_else(|e| panic!("receipts-fixtures/{file}: {e}"));
    let sha: String = sha2::Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let store = &app.state.receipts;
    let (mut tmp_file, tmp) = store.temp_upload().unwrap();
    std::io::Write::write_all(&mut tmp_file, &bytes).unwrap();
    tmp_file.sync_all().unwrap();
    let ingested = ingest(tmp.path(), &IntakeLimits::default()).unwrap_or_else(|e| panic!("{file}: {e}"));
    store.commit_upload(tmp, &sha).unwrap();
    store
        .put_rendition(&sha, RenditionSize::Thumb, &ingested.thumb)
        .unwrap();
    store
        .put_rendition(&sha, RenditionSize::Screen, &ingested.screen)
        .unwrap();
    let row = village_ledger::receipts::attach::receipt_row(
        id.into(),
        entry.id.as_str(),
        &entry.village_code,
        &sha,
        bytes.len() as u64,
        &ingested,
        "clerk1",
    );
    write_transaction(conn, |conn| insert_receipt(conn, &row)).unwrap();
}

/// Writes the fixture's ledger into the app.
fn load(app: &TestApp, fixture: &Fixture) -> Loaded {
    let mut conn = app.conn();
    let conn: &mut DbConn = &mut conn;
    let now = village_ledger::domain::clock::now_utc();
    let mut rows: HashMap<String, EntryRow> = HashMap::new();
    let mut ordered = Vec::new();
    for spec in &fixture.entries {
        let row = entry_row(spec, &rows, now);
        assert!(
            rows.insert(spec.reference.clone(), row.clone()).is_none(),
            "entry ref {} twice",
            spec.reference
        );
        ordered.push(row);
    }
    for (block, g) in fixture.generate.iter().enumerate() {
        ordered.extend(generated_rows(g, block));
    }
    write_transaction(conn, |conn| {
        for row in ordered {
            insert_entry(conn, row)?;
        }
        Ok::<_, village_ledger::api::problem::ApiError>(())
    })
    .unwrap();
    for t in &fixture.tenders {
        let village = village_ledger::domain::VillageCode::parse(code(t.village.as_deref().unwrap_or("V1A"))).unwrap();
        let tender = NewTenderRequest {
            reference: t.reference.clone(),
            project: t.project.clone(),
            winner: t.winner.clone(),
            amount_fen: t.amount_fen,
            awarded_on: t.awarded_on,
        }
        .validate(village_ledger::domain::clock::today())
        .unwrap_or_else(|e| panic!("tender {}: {e}", t.reference));
        record_tender(conn, &village, tender, "clerk1").unwrap_or_else(|e| panic!("tender {}: {e}", t.reference));
    }
    let mut loaded = Loaded {
        entries: rows.iter().map(|(k, r)| (k.clone(), r.id.to_string())).collect(),
        receipts: HashMap::new(),
    };
    for spec in &fixture.receipts {
        let entry = rows
            .get(&spec.entry)
            .unwrap_or_else(|| panic!("receipt {} on unknown entry {}", spec.reference, spec.entry));
        let id = id_for("rc", &spec.reference);
        attach(app, conn, &id, entry, &spec.file);
        assert!(
            loaded.receipts.insert(spec.reference.clone(), id).is_none(),
            "receipt ref {} twice",
            spec.reference
        );
    }
    loaded
}

fn flags_uri(query: &Query, rules: &str) -> String {
    let mut uri = format!("/api/v1/crosscheck/flags?rules={rules}&limit=5000");
    if let Some(v) = &query.village {
        uri.push_str(&format!("&village={}", code(v)));
    }
    if let Some(t) = &query.township {
        uri.push_str(&format!("&township={}", code(t)));
    }
    if let Some(f) = query.from {
        uri.push_str(&format!("&from={f}"));
    }
    if let Some(t) = query.to {
        uri.push_str(&format!("&to={t}"));
    }
    uri
}

fn id_set(v: &Value) -> BTreeSet<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not a list of ids: {v}"))
        .iter()
        .map(|i| i.as_str().unwrap().to_owned())
        .collect()
}

/// Why `flag` is not `want`, or `None` when it is.
fn mismatch(flag: &Value, want: &Expected, loaded: &Loaded) -> Option<String> {
    let refs = |refs: &[String], ids: &HashMap<String, String>| -> BTreeSet<String> {
        refs.iter()
            .map(|r| {
                ids.get(r)
                    .unwrap_or_else(|| panic!("expected flag names unknown ref {r}"))
                    .clone()
            })
            .collect()
    };
    if flag["rule"] != json!(want.rule) {
        return Some(format!("rule {}", flag["rule"]));
    }
    if flag["severity"] != json!(want.severity) {
        return Some(format!("severity {}", flag["severity"]));
    }
    if id_set(&flag["entry_ids"]) != refs(&want.entries, &loaded.entries) {
        return Some("entries".into());
    }
    if id_set(&flag["receipt_ids"]) != refs(&want.receipts, &loaded.receipts) {
        return Some("receipts".into());
    }
    if let Some(village) = &want.village
        && flag["village_code"] != json!(village.as_deref().map(code))
    {
        return Some(format!("village {}", flag["village_code"]));
    }
    if let Some(t) = &want.township
        && flag["township_code"] != json!(code(t))
    {
        return Some(format!("township {}", flag["township_code"]));
    }
    for (key, value) in &want.figures {
        if flag["figures"][key] != with_codes(value) {
            return Some(format!("figures.{key} {} (expected {value})", flag["figures"][key]));
        }
    }
    None
}

/// A flag as a reader of the failure wants it: ids shown as fixture refs.
fn readable(flag: &Value, loaded: &Loaded) -> String {
    let names = |v: &Value| -> Vec<String> { id_set(v).iter().map(|id| loaded.name_of(id)).collect() };
    format!(
        "{{rule: {}, severity: {}, village: {}, entries: {:?}, receipts: {:?}, figures: {}, explanation: {}}}",
        flag["rule"],
        flag["severity"],
        flag["village_code"],
        names(&flag["entry_ids"]),
        names(&flag["receipt_ids"]),
        flag["figures"],
        flag["explanation"]
    )
}

/// Runs one fixture on `app`; the reasons it failed, if any.
async fn check_fixture(app: &TestApp, named: &Named, fixture: &Fixture) -> Vec<String> {
    let loaded = load(app, fixture);
    let res = app.get("admin", &flags_uri(&fixture.query, &named.rule)).await;
    assert_eq!(res.status.as_u16(), 200, "{}: {}", named.file, res.text());
    let body = res.json();
    let flags = body["flags"].as_array().unwrap().clone();
    let mut failures = Vec::new();
    if body["counts"][&named.rule] != json!(flags.len()) || body["total"] != json!(flags.len()) {
        failures.push(format!(
            "counts {} and total {} disagree with the flags",
            body["counts"], body["total"]
        ));
    }
    let mut unmatched: Vec<&Value> = flags.iter().collect();
    for want in &fixture.expect {
        match unmatched.iter().position(|f| mismatch(f, want, &loaded).is_none()) {
            Some(i) => {
                unmatched.remove(i);
            }
            None => {
                let near: Vec<String> = unmatched
                    .iter()
                    .map(|f| {
                        format!(
                            "{} differs in {}",
                            readable(f, &loaded),
                            mismatch(f, want, &loaded).unwrap()
                        )
                    })
                    .collect();
                failures.push(format!(
                    "missing flag {} {:?} receipts {:?} {} {:?}; unmatched flags: {near:?}",
                    want.rule, want.entries, want.receipts, want.severity, want.figures
                ));
            }
        }
    }
    for f in unmatched {
        failures.push(format!("unexpected flag {}", readable(f, &loaded)));
    }
    failures
        .into_iter()
        .map(|f| format!("{} ({}): {f}", named.file, fixture.description))
        .collect()
}

/// Every fixture, each on a fresh app from `new_app`; all failures reported together so one
/// rule's bug does not hide another's.
async fn check_every_fixture<F, Fut>(new_app: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Option<TestApp>>,
{
    let mut failures = Vec::new();
    let fixtures = all_fixtures();
    assert!(!fixtures.is_empty());
    for (named, fixture) in &fixtures {
        let Some(app) = new_app().await else { return };
        failures.extend(check_fixture(&app, named, fixture).await);
    }
    assert!(
        failures.is_empty(),
        "{} of {} fixtures' answers were wrong:\n{}",
        failures.len(),
        fixtures.len(),
        failures.join("\n")
    );
}

#[actix_web::test]
async fn every_flag_fixture_gives_its_flags_on_sqlite() {
    check_every_fixture(|| async { Some(TestApp::new().await) }).await;
}

#[actix_web::test]
async fn every_flag_fixture_gives_its_flags_on_postgres() {
    check_every_fixture(TestApp::postgres).await;
}

async fn flags_endpoint_scopes_refusals_and_paging(app: TestApp) {
    // Five cash payments, months apart, posted now: every one is late, three are round sums.
    let dates = ["2024-03-05", "2024-04-10", "2024-05-15", "2024-06-20", "2024-07-25"];
    let amounts = [100_000, 200_000, 300_000, 12_345, 54_321];
    let mut ids = Vec::new();
    for (i, (date, fen)) in dates.iter().zip(amounts).enumerate() {
        let entry = app
            .post_entry(V1A, expense(&format!("2024-{:03}", i + 1), date, fen))
            .await;
        ids.push(entry["id"].as_str().unwrap().to_owned());
    }
    let base = format!("/api/v1/crosscheck/flags?village={V1A}&rules=late_posting,round_amount");

    let p = app.get("villager1a", &base).await.assert_problem(403);
    assert!(p["detail"].as_str().unwrap().contains("inspection"), "{p}");
    app.get("clerk2", &base).await.assert_problem(404);
    app.get("clerk2", &format!("/api/v1/crosscheck/flags?township={T1}"))
        .await
        .assert_problem(404);
    let res = app.get("clerk1", &base).await;
    assert_eq!(res.status.as_u16(), 200, "{}", res.text());
    let p = app
        .get(
            "admin",
            &format!("/api/v1/crosscheck/flags?village={V1A}&rules=round_amount,kickbacks"),
        )
        .await
        .assert_problem(422);
    let detail = p["detail"].as_str().unwrap();
    assert!(detail.contains("kickbacks"), "{detail}");
    for rule in RULES {
        assert!(detail.contains(rule), "the refusal names {rule}: {detail}");
    }
    app.get("admin", &format!("{base}&limit=0")).await.assert_problem(422);
    app.get("admin", &format!("{base}&limit=5001"))
        .await
        .assert_problem(422);

    let all = app.get("admin", &base).await.json();
    assert_eq!(all["counts"], json!({"late_posting": 5, "round_amount": 3}), "{all}");
    assert_eq!(all["total"], json!(8));
    assert_eq!(all["next_offset"], Value::Null);
    assert_eq!(all["scope"], json!({"kind": "village", "code": V1A, "villages": 1}));
    let round: BTreeSet<String> = all["flags"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "round_amount")
        .flat_map(|f| id_set(&f["entry_ids"]))
        .collect();
    assert_eq!(round, ids[..3].iter().cloned().collect());

    let mut paged = Vec::new();
    let mut offset = 0;
    let mut pages = 0;
    loop {
        let page = app
            .get("admin", &format!("{base}&limit=3&offset={offset}"))
            .await
            .json();
        assert_eq!(page["counts"], all["counts"], "counts cover every flag, not the page");
        assert_eq!(page["total"], json!(8));
        let flags = page["flags"].as_array().unwrap();
        assert!(flags.len() <= 3);
        paged.extend(flags.iter().cloned());
        pages += 1;
        match page["next_offset"].as_u64() {
            Some(next) => {
                assert_eq!(next, offset + flags.len() as u64);
                offset = next;
            }
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(
        json!(paged),
        all["flags"],
        "the pages put together are the whole list, in order"
    );
    let past = app.get("admin", &format!("{base}&offset=100")).await.json();
    assert_eq!(past["flags"], json!([]));
    assert_eq!(past["next_offset"], Value::Null);
}

on_both_backends!(flags_endpoint_scopes_refusals_and_paging);
