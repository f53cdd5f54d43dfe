//! Contract code taken from the state-test fixtures, for the generator to mutate: real
//! compiler output and hand-written test contracts reach paths that generated fragments do
//! not. The corpus is read once, from `$EVM_FIXTURES` or `../shared/fixtures` beside the
//! repository (every 16th file, sorted, so it is the same on every run); without fixtures it
//! is empty and the generator does without it.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Every 16th fixture file is read.
const FILE_STRIDE: usize = 16;
/// At most this many distinct codes are kept.
const MAX_CODES: usize = 4_000;
/// Longer codes are left out (a mutated 24 KiB contract mostly halts early anyway).
const MAX_CODE_LEN: usize = 6 * 1024;

/// The fixture folder, if there is one.
fn fixtures_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("EVM_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures"));
    dir.is_dir().then_some(dir)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

/// The distinct non-empty `code` fields of the pre-states of `file`.
fn codes_of(file: &Path, out: &mut Vec<Vec<u8>>) {
    let Ok(bytes) = std::fs::read(file) else { return };
    let Ok(serde_json::Value::Object(tests)) = serde_json::from_slice(&bytes) else { return };
    for test in tests.values() {
        let Some(pre) = test.get("pre").and_then(|p| p.as_object()) else { continue };
        for account in pre.values() {
            let Some(hex) = account.get("code").and_then(|c| c.as_str()) else { continue };
            let hex = hex.strip_prefix("0x").unwrap_or(hex);
            if hex.is_empty() || hex.len() / 2 > MAX_CODE_LEN {
                continue;
            }
            if let Some(code) = decode_hex(hex) {
                out.push(code);
            }
        }
    }
}

fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok()).collect()
}

/// The corpus (read on first use).
pub fn codes() -> &'static [Vec<u8>] {
    static CODES: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    CODES.get_or_init(|| {
        let Some(dir) = fixtures_dir() else { return Vec::new() };
        let mut files = Vec::new();
        walk(&dir, &mut files);
        files.sort();
        let mut codes = Vec::new();
        for file in files.iter().step_by(FILE_STRIDE) {
            codes_of(file, &mut codes);
        }
        // Distinct codes in file order, the first MAX_CODES of them.
        let mut seen = std::collections::HashSet::new();
        codes.retain(|code| seen.insert(code.clone()));
        codes.truncate(MAX_CODES);
        codes
    })
}
