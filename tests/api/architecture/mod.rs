//! The rule of dependency, checked on the source: every file under `src/` is parsed (`syn`) and
//! what it names is held against the layers (see `ARCHITECTURE.md`). `VL_PRINT_GRAPH=1` prints
//! the references between top-level modules (`ledger -> tlog (12)`: twelve distinct paths named
//! from files of `ledger` into `tlog`).

mod rules;
mod scan;

use std::path::Path;

use rules::check;

/// Every `.rs` file under `dir`, as (path relative to the crate, source).
fn sources(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            sources(root, &path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            let relative = path.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
            out.push((relative, std::fs::read_to_string(&path).unwrap()));
        }
    }
}

#[test]
fn the_source_follows_the_rule_of_dependency() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    sources(root, &root.join("src"), &mut files);
    assert!(files.len() > 50, "src/ holds {} files", files.len());
    let report = check(&files);
    if std::env::var("VL_PRINT_GRAPH").is_ok_and(|v| v == "1") {
        println!("{}", report.graph_text());
    }
    let violations = report.violations();
    assert!(
        violations.is_empty(),
        "{} violations of the rule of dependency (ARCHITECTURE.md):\n{}",
        violations.len(),
        violations.join("\n")
    );
}

/// Checks a few files given as (path, source).
fn check_sources(files: &[(&str, &str)]) -> rules::Report {
    let files: Vec<(String, String)> = files.iter().map(|(p, s)| ((*p).to_owned(), (*s).to_owned())).collect();
    check(&files)
}

const PROBLEM: (&str, &str) = ("src/api/problem/mod.rs", "pub enum ApiError { Invalid(String) }");

#[test]
fn an_api_error_imported_into_the_ledger_is_caught() {
    let report = check_sources(&[
        PROBLEM,
        ("src/ledger/post.rs", "use crate::api::problem::ApiError;\nfn f() {}"),
    ]);
    assert_eq!(
        report.http_below_api,
        ["src/ledger/post.rs: crate::api::problem::ApiError"]
    );
    assert_eq!(report.layering, ["ledger (services) uses api (api), a layer above it"]);
}

#[test]
fn a_fully_qualified_api_error_in_an_expression_is_caught() {
    let report = check_sources(&[
        PROBLEM,
        (
            "src/ledger/post.rs",
            "fn f() -> Result<(), String> {\n    let _e = crate::api::problem::ApiError::Invalid(\"x\".into());\n    Ok(())\n}",
        ),
    ]);
    assert_eq!(
        report.http_below_api,
        ["src/ledger/post.rs: crate::api::problem::ApiError::Invalid"]
    );
}

#[test]
fn http_names_in_attributes_macros_and_super_chains_are_caught() {
    let report = check_sources(&[
        PROBLEM,
        (
            "src/crosscheck/flags/mod.rs",
            "#[utoipa::path(get, path = \"/x\")]\nfn a() {}\n\
             #[derive(utoipa::IntoResponses)]\nstruct B;\n\
             fn c() { let _ = format!(\"{}\", actix_web::http::StatusCode::OK); }\n\
             fn d() { let _ = super::super::api::problem::ApiError::Invalid(String::new()); }",
        ),
        ("src/db/mod.rs", "use actix_web::web;\nuse utoipa::ToSchema;"),
    ]);
    assert_eq!(
        report.http_below_api,
        [
            "src/crosscheck/flags/mod.rs: actix_web::http::StatusCode::OK",
            "src/crosscheck/flags/mod.rs: crate::api::problem::ApiError::Invalid",
            "src/crosscheck/flags/mod.rs: utoipa::IntoResponses",
            "src/crosscheck/flags/mod.rs: utoipa::path",
            "src/db/mod.rs: actix_web::web",
        ]
    );
}

#[test]
fn a_cycle_between_sibling_files_is_caught() {
    let report = check_sources(&[
        ("src/ledger/mod.rs", "pub mod entries;\npub mod receipts;"),
        (
            "src/ledger/entries.rs",
            "use super::receipts::ReceiptRow;\npub struct EntryRow;",
        ),
        (
            "src/ledger/receipts.rs",
            "use crate::tlog::leaf::Leaf;\npub struct ReceiptRow;",
        ),
        ("src/tlog/mod.rs", "pub mod leaf;"),
        (
            "src/tlog/leaf.rs",
            "use crate::ledger::entries::EntryRow;\npub struct Leaf;",
        ),
    ]);
    assert_eq!(
        report.cycles,
        [
            "between modules: ledger -> tlog -> ledger",
            "between files: src/ledger/entries.rs -> src/ledger/receipts.rs -> src/tlog/leaf.rs -> src/ledger/entries.rs",
        ]
    );
}

#[test]
fn a_child_using_its_parent_and_a_parent_re_exporting_its_child_are_no_cycle() {
    let report = check_sources(&[
        (
            "src/ledger/mod.rs",
            "pub mod entries;\npub use self::entries::EntryRow;\npub fn new_id() {}",
        ),
        (
            "src/ledger/entries.rs",
            "use super::new_id;\npub struct EntryRow;\n#[cfg(test)]\nmod tests { use super::*; }",
        ),
    ]);
    assert!(report.violations().is_empty(), "{:?}", report.violations());
}

#[test]
fn a_lower_layer_using_a_higher_one_is_caught_and_the_graph_counts_references() {
    let report = check_sources(&[
        ("src/domain/mod.rs", "pub fn today() { crate::db::now(); }"),
        ("src/db/mod.rs", "pub fn now() { crate::domain::today(); }"),
        (
            "src/main.rs",
            "use village_ledger::db::now;\nfn main() { now(); village_ledger::domain::today(); }",
        ),
    ]);
    assert_eq!(report.layering, ["domain (domain) uses db (db), a layer above it"]);
    assert_eq!(
        report.graph_text(),
        "db -> domain (1)\ndomain -> db (1)\nmain -> db (1)\nmain -> domain (1)\n"
    );
    assert_eq!(
        report.cycles,
        [
            "between modules: db -> domain -> db",
            "between files: src/db/mod.rs -> src/domain/mod.rs -> src/db/mod.rs",
        ]
    );
}
