//! Replays every committed fuzz input through the parsers, as ordinary tests: each target's
//! corpus (`fuzz/corpus/<target>/`), any crash reproducer (`fuzz/artifacts/<target>/`), the
//! named reproducers of bugs the fuzzers found (`tests/fixtures/fuzz/<target>/`), and the
//! fixtures the parsers are meant for. Each input goes through the same function the fuzz target
//! calls (`fuzz/src/lib.rs`, included below), so what failed the fuzzer fails here.

#[path = "../../fuzz/src/lib.rs"]
mod fuzz_checks;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The files directly in `dir`, sorted; none when it does not exist.
fn files_in(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && !p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.')))
        .collect();
    files.sort();
    files
}

/// Every input of `target`: its corpus, reproducers and the files of the `extra` folders.
fn inputs_of(target: &str, extra: &[&str]) -> Vec<PathBuf> {
    let root = Path::new(ROOT);
    let corpus = files_in(&root.join("fuzz/corpus").join(target));
    assert!(
        !corpus.is_empty(),
        "fuzz/corpus/{target} holds no inputs: the fuzz target has no seeds"
    );
    let mut inputs = corpus;
    for dir in [
        root.join("fuzz/artifacts").join(target),
        root.join("tests/fixtures/fuzz").join(target),
    ] {
        inputs.extend(files_in(&dir));
    }
    for dir in extra {
        inputs.extend(files_in(&root.join(dir)));
    }
    inputs
}

/// Set in the child process that replays the inputs from this index on.
const CHILD_ENV: &str = "VL_FUZZ_REPLAY_FROM";

/// Runs `check` over every input of `target` and fails naming each input that panics or
/// aborts. The inputs run in a child process (this test binary, this test alone), so an input
/// that aborts the process, as a failed allocation does, is reported by name and the rest still
/// run.
fn replay(test: &str, target: &str, check: fn(&[u8]), extra: &[&str]) {
    let inputs = inputs_of(target, extra);
    if let Ok(from) = std::env::var(CHILD_ENV) {
        return replay_in_child(&inputs, from.parse().unwrap_or(0), check);
    }
    let root = Path::new(ROOT);
    let name = |index: usize| {
        let path = &inputs[index];
        path.strip_prefix(root).unwrap_or(path).display().to_string()
    };
    // The child runs this one test: its name in the test binary is this module's path (less
    // the crate's name) and the function's.
    let module = module_path!().split_once("::").map_or("", |(_, module)| module);
    let test = format!("{module}::{test}");
    let mut failed = Vec::new();
    let mut from = 0;
    while from < inputs.len() {
        let output =
            std::process::Command::new(std::env::current_exe().unwrap_or_else(|e| panic!("the test binary: {e}")))
                .args([test.as_str(), "--exact", "--nocapture", "--test-threads=1"])
                .env(CHILD_ENV, from.to_string())
                .stderr(std::process::Stdio::inherit())
                .output()
                .unwrap_or_else(|e| panic!("the replay child runs: {e}"));
        let stdout = String::from_utf8_lossy(&output.stdout);
        let mut last = None;
        for line in stdout.lines() {
            if let Some(index) = line.strip_prefix("REPLAY ").and_then(|i| i.parse::<usize>().ok()) {
                last = Some(index);
            } else if let Some(index) = line.strip_prefix("PANICKED ").and_then(|i| i.parse::<usize>().ok()) {
                failed.push(format!("{} (panic)", name(index)));
            }
        }
        if output.status.success() {
            assert_eq!(last, Some(inputs.len() - 1), "the child stopped early:\n{stdout}");
            break;
        }
        let culprit = last.unwrap_or(from);
        failed.push(format!("{} (process ended: {})", name(culprit), output.status));
        from = culprit + 1;
    }
    assert!(
        failed.is_empty(),
        "{target}: {} of {} inputs fail: {failed:#?}",
        failed.len(),
        inputs.len()
    );
}

fn replay_in_child(inputs: &[PathBuf], from: usize, check: fn(&[u8])) {
    use std::io::Write;
    for (index, path) in inputs.iter().enumerate().skip(from) {
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        let mut out = std::io::stdout().lock();
        writeln!(out, "REPLAY {index}")
            .and_then(|()| out.flush())
            .unwrap_or_else(|e| panic!("stdout: {e}"));
        drop(out);
        if catch_unwind(AssertUnwindSafe(|| check(&bytes))).is_err() {
            println!("PANICKED {index}");
        }
    }
}

#[test]
fn csv_findings_sheets_never_panic() {
    replay(
        "csv_findings_sheets_never_panic",
        "sheet_csv",
        fuzz_checks::sheet_csv,
        &["tests/fixtures/crosscheck", "tests/fixtures/sheets"],
    );
}

#[test]
fn xlsx_findings_sheets_never_panic() {
    replay(
        "xlsx_findings_sheets_never_panic",
        "sheet_xlsx",
        fuzz_checks::sheet_xlsx,
        &["tests/fixtures/crosscheck", "tests/fixtures/sheets"],
    );
}

#[test]
fn workbooks_of_fuzzed_xml_parts_never_panic() {
    replay(
        "workbooks_of_fuzzed_xml_parts_never_panic",
        "sheet_xlsx_parts",
        fuzz_checks::sheet_xlsx_parts,
        &[],
    );
}

#[test]
fn reconcile_json_bodies_are_refused_shortly_or_validated() {
    replay(
        "reconcile_json_bodies_are_refused_shortly_or_validated",
        "findings_json",
        fuzz_checks::findings_json,
        &[],
    );
}

#[test]
fn invoice_qr_payloads_round_trip_or_are_refused() {
    replay(
        "invoice_qr_payloads_round_trip_or_are_refused",
        "invoice_qr",
        fuzz_checks::invoice_qr,
        &[],
    );
}

#[test]
fn receipt_files_are_accepted_or_refused_with_a_4xx() {
    replay(
        "receipt_files_are_accepted_or_refused_with_a_4xx",
        "receipt_image",
        fuzz_checks::receipt_image,
        &["receipts-fixtures"],
    );
}

#[test]
fn entry_cursors_round_trip_or_are_refused() {
    replay(
        "entry_cursors_round_trip_or_are_refused",
        "cursor",
        fuzz_checks::cursor,
        &[],
    );
}

#[test]
fn money_parsers_round_trip() {
    replay("money_parsers_round_trip", "money", fuzz_checks::money, &[]);
}

/// The replay itself can fail: an input that breaks an invariant, or aborts the process, is
/// reported, not skipped.
#[test]
fn a_broken_invariant_or_an_abort_fails_the_replay() {
    let test = "a_broken_invariant_or_an_abort_fails_the_replay";
    let panicked = catch_unwind(|| {
        replay(
            test,
            "money",
            |bytes| assert!(bytes != b"950.00", "planted failure"),
            &[],
        )
    });
    let aborted = catch_unwind(|| {
        replay(
            test,
            "money",
            |bytes| {
                if bytes == b"950.00" {
                    std::process::abort();
                }
            },
            &[],
        )
    });
    if std::env::var(CHILD_ENV).is_err() {
        assert!(panicked.is_err(), "the seed `950.00` must trip the planted check");
        assert!(aborted.is_err(), "the seed `950.00` must trip the planted abort");
    }
}
