//! Workspace automation: `cargo xtask ci`, `cargo xtask bench` and `cargo xtask fuzz`.
//!
//! Std only, so it builds in seconds. Every step is a `cargo` command run from the workspace root.

use std::env;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

mod tidy;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  ci                      .ci/setup.sh (redis-server, anvil for the code-cache tests),
                          fmt --check, clippy -D warnings, tests, docs, a 20 s smoke run
                          of each fuzz target, the state-test conformance suite in release
                          mode (when fixtures are present), and cargo deny (when installed)
  bench [analysis|execution|codecache] [FILTER] [--save NAME | --baseline NAME]
        [--summary-only]
                          criterion benchmarks (evm-benches), side by side with revm;
                          `analysis`, `execution` or `codecache` picks one bench (codecache:
                          warm-hit cost per cache policy, 1,000 txs with and without the
                          shared code cache), FILTER selects cases, --summary-only prints
                          only the same-run summary table
  fuzz [TARGET] [--seconds N] [--executions E] [--seed S] [--jobs J]
                          the evm-fuzz targets (differential, precompiles, analysis,
                          statetest-json, plugin-load) in release mode on every core, N seconds each
                          (default 60) or E executions, whichever ends first; no TARGET runs
                          them all in turn; reproducers go to target/fuzz/<target>/
";

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("ci") => ci(),
        Some("bench") => bench(&args[1..]),
        Some("fuzz") => fuzz(&args[1..]),
        Some("-h" | "--help" | "help") | None => {
            print!("{USAGE}");
            Ok(())
        }
        Some(other) => Err(format!("unknown command {other:?}\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("xtask: {msg}");
            ExitCode::FAILURE
        }
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the workspace").to_owned()
}

fn cargo(args: &[&str], envs: &[(&str, &str)]) -> Result<(), String> {
    eprintln!("\n==> cargo {}", args.join(" "));
    let mut cmd = Command::new(env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(root()).args(args);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let status = cmd.status().map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() { Ok(()) } else { Err(format!("`cargo {}` failed", args.join(" "))) }
}

fn fixtures_dir() -> PathBuf {
    match env::var_os("EVM_FIXTURES") {
        Some(dir) => PathBuf::from(dir),
        None => root().join("../shared/fixtures"),
    }
}

/// Installs and checks the services the tests use (redis-server, anvil): `.ci/setup.sh`.
fn setup() -> Result<(), String> {
    let script = root().join(".ci/setup.sh");
    if !script.is_file() {
        return Ok(());
    }
    eprintln!("\n==> bash .ci/setup.sh");
    let status = Command::new("bash")
        .arg(&script)
        .current_dir(root())
        .status()
        .map_err(|e| format!("cannot run .ci/setup.sh: {e}"))?;
    if status.success() { Ok(()) } else { Err("`.ci/setup.sh` failed".into()) }
}

fn ci() -> Result<(), String> {
    setup()?;
    cargo(&["fmt", "--all", "--", "--check"], &[])?;
    cargo(&["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"], &[])?;
    cargo(&["test", "--workspace", "--all-targets"], &[])?;
    cargo(&["doc", "--workspace", "--no-deps"], &[("RUSTDOCFLAGS", "-D warnings")])?;
    // A fixed seed keeps the smoke run close to reproducible (the count still depends on speed).
    fuzz(&["--seconds".into(), "20".into(), "--seed".into(), "1".into()])?;
    let fixtures = fixtures_dir();
    if fixtures.is_dir() {
        let dir = fixtures.to_string_lossy().into_owned();
        cargo(
            &["test", "--release", "-p", "evm-vm", "--test", "state_tests", "--", "--nocapture"],
            &[("EVM_FIXTURES", &dir)],
        )?;
    } else {
        eprintln!("\n==> conformance suite skipped: no fixtures at {}", fixtures.display());
    }
    let has_deny = Command::new("cargo")
        .args(["deny", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if has_deny {
        cargo(&["deny", "check", "licenses", "bans", "sources"], &[])?;
    } else {
        eprintln!("\n==> cargo deny not installed: license and source checks skipped");
    }
    eprintln!("\nxtask ci: all checks passed");
    Ok(())
}

/// The bench targets of `evm-benches`.
const BENCHES: [&str; 3] = ["analysis", "execution", "codecache"];

fn bench(args: &[String]) -> Result<(), String> {
    let mut cargo_args = vec!["bench", "-p", "evm-benches"];
    let mut rest = args;
    if let Some(first) = args.first().filter(|a| BENCHES.contains(&a.as_str())) {
        cargo_args.extend(["--bench", first.as_str()]);
        rest = &args[1..];
    }
    cargo_args.push("--");
    let args = rest;
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--save" | "--baseline" => {
                let name = args.get(i + 1).ok_or(format!("{} needs a NAME", args[i]))?;
                let flag = if args[i] == "--save" { "--save-baseline" } else { "--baseline" };
                cargo_args.push(flag);
                cargo_args.push(name);
                i += 2;
            }
            filter => {
                cargo_args.push(filter);
                i += 1;
            }
        }
    }
    cargo(&cargo_args, &[])
}

/// The targets of `evm-fuzz`, in the order `cargo xtask fuzz` runs them.
const FUZZ_TARGETS: [&str; 5] =
    ["differential", "precompiles", "analysis", "statetest-json", "plugin-load"];

fn fuzz(args: &[String]) -> Result<(), String> {
    let (targets, rest): (Vec<&str>, &[String]) = match args.first() {
        Some(t) if !t.starts_with("--") => {
            if !FUZZ_TARGETS.contains(&t.as_str()) {
                return Err(format!("unknown fuzz target {t:?}: one of {FUZZ_TARGETS:?}"));
            }
            (vec![t.as_str()], &args[1..])
        }
        _ => (FUZZ_TARGETS.to_vec(), args),
    };
    let mut i = 0;
    while i < rest.len() {
        match rest[i].as_str() {
            "--seconds" | "--executions" | "--seed" | "--jobs" if i + 1 < rest.len() => i += 2,
            other => return Err(format!("unknown or incomplete fuzz option {other:?}\n\n{USAGE}")),
        }
    }
    let mut failed = Vec::new();
    for target in targets {
        let mut cargo_args = vec!["run", "--release", "-p", "evm-fuzz", "--", target];
        cargo_args.extend(rest.iter().map(String::as_str));
        if cargo(&cargo_args, &[]).is_err() {
            failed.push(target);
        }
    }
    if failed.is_empty() { Ok(()) } else { Err(format!("fuzz targets failed: {failed:?}")) }
}
