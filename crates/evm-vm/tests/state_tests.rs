//! Conformance suite: runs the Ethereum state tests in `$EVM_FIXTURES` (default: the shared
//! `fixtures` folder beside the repository) and checks the pass count against a ratchet.
//!
//! An optimised build runs the whole corpus; a debug build runs every 40th file
//! (`EVM_FIXTURES_SAMPLE=N` picks every Nth file instead, in either build). Unreadable or
//! malformed files count as failures. The baseline in `tests/data/conformance_baseline.txt` is
//! the minimum number of passing cases (of the full corpus); the coordinator raises it as the
//! VM improves. A debug run scales the baseline by its sample.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use evm_vm::statetest::{Counts, Options, collect_files, group_of, run_files};

/// Every how many files a debug build runs.
const DEBUG_SAMPLE_EVERY: usize = 40;

/// How many failure names to print.
const SHOWN_FAILURES: usize = 50;

fn fixtures_dir() -> PathBuf {
    match std::env::var_os("EVM_FIXTURES") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures"),
    }
}

fn baseline() -> usize {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/conformance_baseline.txt");
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .and_then(|l| l.parse().ok())
        .unwrap_or(0)
}

#[test]
fn state_tests() {
    let root = fixtures_dir();
    if !root.is_dir() {
        println!("state tests skipped: no fixtures at {} (set EVM_FIXTURES)", root.display());
        return;
    }
    let all = collect_files(std::slice::from_ref(&root));
    let default_every = if cfg!(debug_assertions) { DEBUG_SAMPLE_EVERY } else { 1 };
    let every = std::env::var("EVM_FIXTURES_SAMPLE")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or(default_every);
    let full = every == 1;
    let files: Vec<PathBuf> = all.iter().step_by(every).cloned().collect();
    if !full {
        let build = if cfg!(debug_assertions) { "debug build" } else { "sampled run" };
        println!(
            "{build}: running every {every}th file ({} of {}); \
             use --release (or EVM_FIXTURES_SAMPLE=1) for the whole corpus",
            files.len(),
            all.len()
        );
    }

    let results = run_files(&files, &Options::default(), &|_, _| {});

    let mut groups: BTreeMap<String, Counts> = BTreeMap::new();
    let mut total = Counts::default();
    for r in &results {
        groups.entry(group_of(&r.file, &root, 2)).or_default().add(r.pass);
        total.add(r.pass);
    }
    for (group, counts) in &groups {
        println!("{group}: {} passed, {} failed", counts.passed, counts.failed);
    }
    let failures: Vec<_> = results.iter().filter(|r| !r.pass).collect();
    for f in failures.iter().take(SHOWN_FAILURES) {
        println!("FAIL {}: {}", f.name(), f.error.as_deref().unwrap_or(""));
    }
    if failures.len() > SHOWN_FAILURES {
        println!("... and {} more failures", failures.len() - SHOWN_FAILURES);
    }
    println!("{} passed, {} failed", total.passed, total.failed);

    let required = if full { baseline() } else { baseline() / every / 2 };
    assert!(
        total.passed >= required,
        "{} cases passed, below the baseline of {required}",
        total.passed
    );
}
