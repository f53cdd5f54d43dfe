//! `evmkit run --rpc`, `code fetch` and `cache preload` against a real anvil (started on a
//! free port; a missing binary fails the test and names `.ci/setup.sh`). The output and
//! status of `run --rpc` must equal anvil's own `eth_call` at the same block.

#[path = "../../evm-codecache/tests/common/mod.rs"]
mod common;

use std::process::{Command, Output};

use common::{free_port, rpc, start_anvil};
use serde_json::{Value, json};

/// SLOAD(0) + CALLDATALOAD(0), returned as one word.
const ADD_SLOT0: &str = "0x5f545f35015f5260205ff3";
/// Reverts with the word 0xdead.
const REVERTS: &str = "0x61dead5f5260205ffd";
const ADDER: &str = "0xadadadadadadadadadadadadadadadadadadadad";
const REVERTER: &str = "0xeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee";
/// anvil's first dev account.
const DEV: &str = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266";

fn evmkit(args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_evmkit")).args(args).output().expect("run evmkit");
    eprintln!("$ evmkit {}\n{}{}", args.join(" "), stdout(&out), stderr(&out));
    out
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[track_caller]
fn json_of(out: &Output) -> Value {
    assert!(out.status.success(), "stderr: {}", stderr(out));
    serde_json::from_slice(&out.stdout).expect("one JSON object")
}

#[track_caller]
fn assert_one_line_error(out: &Output, needle: &str) {
    assert!(!out.status.success(), "expected failure, stdout: {}", stdout(out));
    let err = stderr(out);
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    assert!(err.starts_with("error: "), "{err}");
    assert!(err.contains(needle), "{err:?} should mention {needle:?}");
}

fn word(n: u64) -> String {
    format!("0x{n:064x}")
}

/// Starts anvil with the adder (slot 0 = 40) and the reverter, mined into a block.
fn node() -> (common::ChildGuard, String) {
    let anvil = start_anvil();
    let url = format!("http://127.0.0.1:{}", anvil.port);
    rpc(&url, "anvil_setCode", json!([ADDER, ADD_SLOT0])).unwrap();
    rpc(&url, "anvil_setStorageAt", json!([ADDER, "0x0", word(40)])).unwrap();
    rpc(&url, "anvil_setCode", json!([REVERTER, REVERTS])).unwrap();
    rpc(&url, "evm_mine", json!([])).unwrap();
    (anvil, url)
}

#[test]
fn run_rpc_equals_the_nodes_eth_call() {
    let (_anvil, url) = node();
    let number = rpc(&url, "eth_blockNumber", json!([])).unwrap();
    let number =
        u64::from_str_radix(number.as_str().unwrap().trim_start_matches("0x"), 16).unwrap();
    let block = number.to_string();

    for (to, input, from) in [(ADDER, 2u64, None), (ADDER, 5, Some(DEV)), (REVERTER, 0, None)] {
        let input_hex = word(input);
        let mut args = vec!["run", "--rpc", &url, "--to", to, "--input", &input_hex, "--json"];
        args.extend(["--block", &block]);
        if let Some(from) = from {
            args.extend(["--from", from]);
        }
        let ours = json_of(&evmkit(&args));
        let mut call = json!({"to": to, "data": input_hex});
        if let Some(from) = from {
            call["from"] = json!(from);
        }
        let theirs = rpc(&url, "eth_call", json!([call, format!("{number:#x}")]));
        eprintln!("eth_call {call} at {number:#x}: {theirs:?}");
        match theirs {
            Ok(output) => {
                assert_eq!(ours["status"], "success");
                assert_eq!(ours["output"], output);
                assert_eq!(ours["output"], word(40 + input));
            }
            Err(error) => {
                let error: Value = serde_json::from_str(&error).unwrap();
                assert_eq!(ours["status"], "revert");
                assert_eq!(ours["output"], error["data"], "{error}");
                assert_eq!(ours["output"], word(0xdead));
            }
        }
    }

    // Text output, latest block (pinned by hash).
    let out = evmkit(&["run", "--rpc", &url, "--to", ADDER, "--input", &word(1)]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains(&format!("output: {}", word(41))), "{}", stdout(&out));
    assert!(stdout(&out).starts_with("status: success"));

    // The --code mode still works beside it.
    let out = evmkit(&["run", "--code", "0x60016000526001601ff3", "--json"]);
    assert_eq!(json_of(&out)["output"], "0x01");
}

#[test]
fn run_rpc_errors_are_one_line() {
    let dead = format!("http://127.0.0.1:{}", free_port());
    let cases: [(&[&str], &str); 5] = [
        (&["run", "--rpc", "localhost:8545", "--to", ADDER], "invalid source url"),
        (&["run", "--rpc", "https://example.com", "--to", ADDER], "tls"),
        (&["run", "--rpc", &dead, "--to", ADDER], "http transport error"),
        (&["run", "--rpc", &dead, "--to", "0x1234"], "unknown address format"),
        (&["code", "fetch", "--source", &dead, "0x1234"], "unknown address format"),
    ];
    for (args, needle) in cases {
        assert_one_line_error(&evmkit(args), needle);
    }
    // A pinned block on a dead node: the failure comes from the first read.
    assert_one_line_error(
        &evmkit(&["run", "--rpc", &dead, "--block", "3", "--to", ADDER]),
        "http transport error",
    );
}

#[test]
fn code_fetch_and_cache_preload_against_anvil() {
    let (_anvil, url) = node();
    let out = evmkit(&["code", "fetch", "--source", &url, ADDER]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim(), ADD_SLOT0);

    // Preload through a file store in front of the node: the file store is back-filled, so
    // the code is then found there by hash alone.
    let dir = tempfile::tempdir().unwrap();
    let store = format!("file://{}", dir.path().join("store").display());
    let list = dir.path().join("list.txt");
    std::fs::write(&list, format!("# two contracts\n{ADDER}\n{REVERTER}\n")).unwrap();
    let out = evmkit(&[
        "cache",
        "preload",
        "--source",
        &store,
        "--source",
        &url,
        "--list",
        list.to_str().unwrap(),
        "--json",
    ]);
    let report = json_of(&out);
    assert_eq!(report["loaded"], 2, "{report}");
    assert_eq!(report["failed"], json!([]));
    assert_eq!(report["metrics"]["loads"], 2);
    assert_eq!(report["metrics"]["sources"][&url]["loads"], 2, "{report}");

    let hash = format!(
        "0x{}",
        hex::encode(alloy_primitives::keccak256(hex::decode(&ADD_SLOT0[2..]).unwrap()))
    );
    let out = evmkit(&["code", "fetch", "--source", &store, &hash]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim(), ADD_SLOT0);

    // Text metrics, and a failing key makes the exit status non-zero.
    std::fs::write(&list, format!("{ADDER}\n0x{}\n", "77".repeat(32))).unwrap();
    let out = evmkit(&["cache", "preload", "--source", &store, "--list", list.to_str().unwrap()]);
    assert!(!out.status.success());
    let text = stdout(&out);
    assert!(text.starts_with("preloaded 1 of 2"), "{text}");
    assert!(text.contains("failed: hash 0x7777"), "{text}");
    assert!(text.contains("metrics:\n  hits: "), "{text}");
}
