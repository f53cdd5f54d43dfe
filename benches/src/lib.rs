//! Helpers shared by the benchmarks in `benches/`: locating and reading the benchmark corpus.

use std::path::{Path, PathBuf};

/// The benchmark corpus: `$EVM_BENCH_DIR`, or `../shared/bench` beside the repository.
pub fn corpus_dir() -> PathBuf {
    match std::env::var_os("EVM_BENCH_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/bench"),
    }
}

/// Hex text, with or without `0x` and surrounding white space; `None` when it is not hex.
pub fn decode_hex(text: &str) -> Option<Vec<u8>> {
    let text = text.trim();
    hex::decode(text.strip_prefix("0x").unwrap_or(text)).ok()
}

/// Every file under `dir` (recursively) whose extension is `ext`, sorted.
pub fn files_with_ext(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else { return out };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files_with_ext(&path, ext));
        } else if path.extension().is_some_and(|e| e == ext) {
            out.push(path);
        }
    }
    out.sort();
    out
}
