//! End-to-end tests of `evmkit disasm`, `analyze`, `run` and `plugin` through the built binary.
//!
//! Plugin tests use the example plugins, built in the same run by
//! `evm_extensions::test_support::example_plugin` (into `target/plugin-tests`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

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

/// `PUSH1 16 ISQRT PUSH1 0 MSTORE PUSH1 32 PUSH1 0 RETURN`: returns 4 with the math plugin.
const ISQRT_CODE: &str = "0x60100c60005260206000f3";

/// The example plugin `name`, built once per test process.
fn plugin(name: &'static str) -> &'static Path {
    static MATH: OnceLock<PathBuf> = OnceLock::new();
    static COUNTER: OnceLock<PathBuf> = OnceLock::new();
    let cell = match name {
        "math" => &MATH,
        "counter" => &COUNTER,
        _ => panic!("no example plugin {name}"),
    };
    cell.get_or_init(|| evm_extensions::test_support::example_plugin(name))
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

/// A fresh temporary directory for one test.
fn temp_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("evmkit-cli-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

#[track_caller]
fn run_json(args: &[&str]) -> serde_json::Value {
    let out = evmkit(args);
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    serde_json::from_slice(&out.stdout).expect("one JSON object")
}

fn word(value: u8) -> String {
    format!("0x{}{value:02x}", "00".repeat(31))
}

#[test]
fn run_isqrt_with_math_plugin() {
    let math = path_str(plugin("math"));
    let v = run_json(&["run", "--code", ISQRT_CODE, "--plugin", math, "--json"]);
    assert_eq!(v["status"], "success", "{v}");
    assert_eq!(v["output"], word(4), "{v}");
    assert!(v.get("abort").is_none(), "{v}");
    assert!(v.get("metrics").is_none(), "metrics only with --metrics: {v}");
}

#[test]
fn run_isqrt_without_plugin_halts() {
    let v = run_json(&["run", "--code", ISQRT_CODE, "--json"]);
    assert_eq!(v["status"], "halt:InvalidOpcode", "{v}");
    let out = evmkit(&["run", "--code", ISQRT_CODE]);
    assert!(stdout(&out).contains("status: halt:InvalidOpcode"), "{}", stdout(&out));
}

#[test]
fn run_metrics_json_has_rows() {
    let math = path_str(plugin("math"));
    let v = run_json(&["run", "--code", ISQRT_CODE, "--plugin", math, "--metrics", "--json"]);
    assert_eq!(v["output"], word(4), "{v}");
    let rows = v["metrics"]["rows"].as_array().expect("metrics rows array");
    let opcode = rows
        .iter()
        .find(|r| r["extension"] == "math" && r["point"] == "opcode")
        .unwrap_or_else(|| panic!("a math opcode row: {v}"));
    assert_eq!(opcode["calls"], 1, "{v}");
}

#[test]
fn run_counter_plugin_metrics_table() {
    let counter = path_str(plugin("counter"));
    let out = evmkit(&["run", "--code", "0x6001600201", "--plugin", counter, "--metrics"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("status: success"), "{text}");
    let row = text
        .lines()
        .find(|l| l.starts_with("counter") && l.contains("opcode.before"))
        .unwrap_or_else(|| panic!("an opcode.before row: {text}"));
    let calls: u64 = row.split_whitespace().nth(2).and_then(|c| c.parse().ok()).expect("calls");
    assert!(calls > 0, "{row}");

    let v =
        run_json(&["run", "--code", "0x6001600201", "--plugin", counter, "--metrics", "--json"]);
    let rows = v["metrics"]["rows"].as_array().expect("metrics rows array");
    assert!(
        rows.iter().any(|r| r["point"] == "opcode.before" && r["calls"].as_u64() > Some(0)),
        "{v}"
    );
}

#[test]
fn run_trace_with_plugin_is_a_one_line_error() {
    let math = path_str(plugin("math"));
    let out = evmkit(&["run", "--code", ISQRT_CODE, "--plugin", math, "--trace"]);
    assert_one_line_error(&out, "not supported yet");
}

#[test]
fn disasm_with_plugin_names_custom_opcode() {
    let math = path_str(plugin("math"));
    let out = evmkit(&["disasm", "--plugin", math, ISQRT_CODE]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("2: ISQRT\n"), "{}", stdout(&out));
    let plain = evmkit(&["disasm", ISQRT_CODE]);
    assert!(stdout(&plain).contains("2: UNDEFINED(0x0c)\n"), "{}", stdout(&plain));
}

#[test]
fn plugin_inspect_json_lists_isqrt() {
    let math = path_str(plugin("math"));
    let v = run_json(&["plugin", "inspect", "--json", math]);
    assert_eq!(v["name"], "math", "{v}");
    assert!(v["opcodes"].as_array().is_some_and(|o| o.iter().any(|o| o == "0x0c ISQRT")), "{v}");
    assert_eq!(v["signature"], "unsigned", "{v}");
    let out = evmkit(&["plugin", "inspect", math]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("0x0c ISQRT"), "{}", stdout(&out));
}

#[test]
fn plugin_inspect_bad_trusted_key_is_a_one_line_error() {
    let math = path_str(plugin("math"));
    let out = evmkit(&["plugin", "inspect", math, "--trusted-key", "0xabcd"]);
    assert_one_line_error(&out, "32 bytes");
}

/// Runs each way of loading `path` and expects the same one-line error.
#[track_caller]
fn assert_plugin_rejected(path: &Path, needle: &str) {
    let p = path_str(path);
    assert_one_line_error(&evmkit(&["run", "--code", "0x00", "--plugin", p]), needle);
    assert_one_line_error(&evmkit(&["disasm", "--plugin", p, "0x00"]), needle);
    assert_one_line_error(&evmkit(&["plugin", "inspect", p]), needle);
}

#[test]
fn random_file_is_not_a_plugin() {
    let dir = temp_dir("random");
    let path = dir.join("random.so");
    // A fixed xorshift stream: arbitrary bytes, not an ELF file.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15 ^ u64::from(std::process::id());
    let bytes: Vec<u8> = (0..4096)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x.to_le_bytes()[0]
        })
        .collect();
    std::fs::write(&path, bytes).expect("write");
    // The dynamic loader's reason follows libloading's bare `dlopen failed`.
    assert_plugin_rejected(&path, "dlopen failed: ");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn truncated_library_is_rejected() {
    let dir = temp_dir("truncated");
    let path = dir.join("truncated.so");
    let bytes = std::fs::read(plugin("math")).expect("read math plugin");
    std::fs::write(&path, &bytes[..1000]).expect("write");
    assert_plugin_rejected(&path, "cannot load plugin");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn library_without_descriptor_is_rejected() {
    let libm = ["/lib/x86_64-linux-gnu/libm.so.6", "/usr/lib/x86_64-linux-gnu/libm.so.6"]
        .into_iter()
        .map(Path::new)
        .find(|p| p.is_file());
    let Some(libm) = libm else {
        eprintln!("skipped: no libm.so.6 on this system");
        return;
    };
    assert_plugin_rejected(libm, "is not an evmkit plugin");
}

#[test]
fn missing_plugin_is_rejected() {
    assert_plugin_rejected(
        Path::new("/nonexistent/evmkit/plugin.so"),
        "cannot read plugin /nonexistent/evmkit/plugin.so",
    );
}

/// A state test whose one transaction calls BLAKE2F with 2^32 - 1 rounds (about a minute of
/// work in a release build), at two forks.
fn blake2f_max_rounds_fixture(dir: &Path) -> PathBuf {
    let input = format!(
        "0xffffffff{}{}{}{}01",
        "48c9bdf267e6096a3ba7ca8485ae67bb2bf894fe72f36e3cf1361d5f3af54fa5d182e6ad7f520e511f6c3e2b8c68059b6bbd41fbabd9831f79217e1319cde05b",
        "616263",
        "00".repeat(125),
        "03000000000000000000000000000000"
    );
    let post = serde_json::json!([{
        "hash": format!("0x{}", "00".repeat(32)),
        "logs": format!("0x{}", "00".repeat(32)),
        "indexes": { "data": 0, "gas": 0, "value": 0 }
    }]);
    let fixture = serde_json::json!({
        "blake2f_max_rounds": {
            "env": {
                "currentBaseFee": "0x0a",
                "currentCoinbase": "0x2adc25665018aa1fe0e6bc666dac8fc2697ff9ba",
                "currentDifficulty": "0x020000",
                "currentExcessBlobGas": "0x00",
                "currentGasLimit": "0x0254a47a80",
                "currentNumber": "0x01",
                "currentRandom": format!("0x{}", "00".repeat(32)),
                "currentTimestamp": "0x03e8"
            },
            "pre": {
                // CALLDATACOPY the input, CALL 0x09 with all gas, store the status.
                "0x1000000000000000000000000000000000000000": {
                    "balance": "0x00",
                    "code": "0x36600060003760406103e8366000600060095af160015500",
                    "nonce": "0x00",
                    "storage": {}
                },
                "0xa94f5374fce5edbc8e2a8697c15331677e6ebf0b": {
                    "balance": "0x3635c9adc5dea00000",
                    "code": "0x",
                    "nonce": "0x00",
                    "storage": {}
                }
            },
            "transaction": {
                "data": [input],
                "gasLimit": ["0x02540be400"],
                "gasPrice": "0x0a",
                "nonce": "0x00",
                "secretKey": "0x45a915e4d060149eb4365960e6a7a45f334393093061116b197e3240065ff2d8",
                "sender": "0xa94f5374fce5edbc8e2a8697c15331677e6ebf0b",
                "to": "0x1000000000000000000000000000000000000000",
                "value": ["0x00"]
            },
            "post": { "Berlin": post.clone(), "Cancun": post }
        }
    });
    let path = dir.join("blake2f_max_rounds.json");
    std::fs::write(&path, serde_json::to_vec(&fixture).expect("json")).expect("write fixture");
    path
}

#[test]
fn statetest_timeout_stops_a_long_case_and_goes_on() {
    let dir = temp_dir("timeout");
    let fixture = blake2f_max_rounds_fixture(&dir);
    let start = std::time::Instant::now();
    let out = evmkit(&["statetest", "-j", "1", "--timeout", "1", "--json", path_str(&fixture)]);
    let elapsed = start.elapsed();
    assert!(!out.status.success());
    let text = stdout(&out);
    // Both cases ran, one after the other on the one worker, and each stopped at its limit.
    assert_eq!(text.matches(r#""error":"timeout after 1 s""#).count(), 2, "{text}");
    assert!(text.contains("0 passed, 2 failed"), "{text}");
    assert!(elapsed.as_secs() < 30, "took {elapsed:?}");
}
