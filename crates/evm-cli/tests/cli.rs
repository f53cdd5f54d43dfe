//! End-to-end tests of `evmkit disasm` and `evmkit analyze` through the built binary.

use std::path::PathBuf;
use std::process::{Command, Output};

fn evmkit(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_evmkit")).args(args).output().expect("run evmkit")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[track_caller]
fn analyze_json(args: &[&str]) -> serde_json::Value {
    let out = evmkit(args);
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    serde_json::from_slice(&out.stdout).expect("one JSON object")
}

/// The runtime code of `Counter.sol` as compiled by solc-js 0.8.28 (evm-bytecode test data).
fn counter_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../evm-bytecode/tests/data/counter_0.8.28.runtime.hex")
}

#[track_caller]
fn assert_one_line_error(out: &Output, needle: &str) {
    assert!(!out.status.success(), "expected failure, stdout: {}", stdout(out));
    let err = stderr(out);
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    assert!(err.contains(needle), "{err:?} should mention {needle:?}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn analyze_json_jumpdest_inside_push_data() {
    let v = analyze_json(&["analyze", "--json", "0x615b005b"]);
    assert_eq!(v["jumpdests"], serde_json::json!([3]));
    assert_eq!(v["code_len"], 4);
    assert_eq!(
        v["code_hash"].as_str().map(str::len),
        Some(66),
        "0x-prefixed keccak256: {}",
        v["code_hash"]
    );
    assert_eq!(v["metadata"], serde_json::Value::Null);
    assert_eq!(v["opcode_counts"]["PUSH2"], 1);
    assert_eq!(v["opcode_counts"]["JUMPDEST"], 1);
    assert!(v["lint"].as_array().is_some_and(Vec::is_empty));
    assert!(v["fusion_candidates"].is_array());
}

#[test]
fn analyze_json_counter_metadata() {
    let path = counter_path();
    let v = analyze_json(&["analyze", "--json", "--file", path.to_str().expect("utf-8 path")]);
    assert_eq!(v["metadata"]["ipfs"], "QmdcfufVbWsmyRsRT6d9xJ4rprLL2EPt2mNZ9XMie4VWyp");
    assert_eq!(v["metadata"]["solc"], "0.8.28");
    assert_eq!(v["metadata"]["length"], 51);
    assert_eq!(v["metadata"]["experimental"], serde_json::Value::Null);
    assert!(v["jumpdests"].as_array().is_some_and(|j| !j.is_empty()));
    assert!(v["lint"].as_array().is_some_and(Vec::is_empty), "{}", v["lint"]);
    assert!(v["fusion_candidates"].as_array().is_some_and(|f| !f.is_empty()));
    assert!(v["backward_jumps"].as_array().is_some_and(|b| !b.is_empty()), "bump() has a loop");
}

#[test]
fn analyze_raw_byte_file() {
    let dir = std::env::temp_dir().join(format!("evmkit-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("raw.bin");
    std::fs::write(&path, [0x61, 0x5b, 0x00, 0x5b, 0xff]).expect("write");
    let v = analyze_json(&["analyze", "--json", "--file", path.to_str().expect("utf-8 path")]);
    assert_eq!(v["jumpdests"], serde_json::json!([3]));
    assert_eq!(v["code_len"], 5);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn analyze_human_summary() {
    let out = evmkit(&["analyze", "--file", counter_path().to_str().expect("utf-8 path")]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("solc 0.8.28"), "{text}");
    assert!(text.contains("QmdcfufVbWsmyRsRT6d9xJ4rprLL2EPt2mNZ9XMie4VWyp"), "{text}");
    assert!(text.contains("jumpdests:"), "{text}");
}

#[test]
fn analyze_reports_lint() {
    let v = analyze_json(&["analyze", "--json", "600356000c61"]);
    let kinds: Vec<(u64, &str)> = v["lint"]
        .as_array()
        .expect("lint list")
        .iter()
        .map(|i| (i["pc"].as_u64().unwrap_or(0), i["kind"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(
        kinds,
        [(2, "static_jump_to_non_jumpdest"), (4, "undefined_opcode"), (5, "truncated_push")]
    );
}

#[test]
fn disasm_lines() {
    let out = evmkit(&["disasm", "605b5b0c61ff"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "0: PUSH1 0x5b\n2: JUMPDEST\n3: UNDEFINED(0x0c)\n4: PUSH2 0xff (truncated: 1 of 2 bytes)\n"
    );
}

#[test]
fn bad_hex_is_a_one_line_error() {
    assert_one_line_error(&evmkit(&["disasm", "0xzz"]), "invalid hex");
    assert_one_line_error(&evmkit(&["analyze", "--json", "0x615"]), "odd number");
}

#[test]
fn empty_input_is_a_one_line_error() {
    assert_one_line_error(&evmkit(&["analyze", "0x"]), "empty input");
    assert_one_line_error(&evmkit(&["disasm", ""]), "empty input");
}

#[test]
fn missing_file_is_a_one_line_error() {
    let out = evmkit(&["analyze", "--file", "/nonexistent/evmkit/code.hex"]);
    assert_one_line_error(&out, "cannot read /nonexistent/evmkit/code.hex");
}
