//! Contract execution speed: `evm_vm::Vm` next to revm 43 on the same calls, in the same run.
//!
//! Cases come from the ipsilon benchmark set (state-test JSON under
//! `ipsilon/benchmarks/{main,micro}`): one case per contract and `transaction.data[i]`, named
//! `program/label`. Expected outputs come from the evmone-legacy `*.inputs` files where a block
//! has the same program name and the same calldata.
//! Both sides run the same legacy transaction (sender, gas limit, price, calldata) against the
//! same pre-state and block, under Cancun (the fixtures say London; these programs cost the same).
//! Before anything is timed, every case must succeed on both sides with equal output (equal to
//! the expected output where known) and equal gas used; a case that does not is reported and
//! left out of the timing.
//!
//! Each side builds its VM once per case and calls `transact` without commit each iteration, so
//! the database setup is outside the timing. A third variant runs evmkit with a hook that counts
//! steps (`evm_interp::Hooks::before_step`), to show what a hook costs.
//!
//! Inputs are read at start from `$EVM_BENCH_DIR`, defaulting to `../shared/bench` beside the
//! repository; when the corpus is absent the run says so and exits.
//! After criterion, a summary table gives per-case times from alternating batches and the
//! geometric mean of revm/evmkit. `cargo bench -p evm-benches --bench execution -- --summary-only`
//! prints only the table; `EVM_BENCH_CASE=TEXT` keeps the cases whose name contains TEXT.
//! Without `--bench` (`cargo test --all-targets`) only the checks and one criterion pass run.
//!
//! `-- --summary-only --extensions` adds the extension-overhead table: the plain VM next to the
//! same VM with an `evm_extensions::Extensions` registry that has transaction and call hooks but
//! no opcode hook, with a Rust counting opcode hook, and with the counter plugin
//! (`libevmkit_plugin_counter.so`, built in the same run), and revm next to revm with a counting
//! `Inspector`. Outputs and gas are checked equal, and step counts equal, before timing.

use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use evm_benches::{corpus_dir, decode_hex, files_with_ext};

use alloy_primitives::{Address, B256, Bytes, U256};
use criterion::Criterion;
use evm_extensions::{Capabilities, Extension, Extensions, Hook, HookOutcome, HookPoint};
use evm_interp::{FrameView, Hooks, StepAction};
use evm_vm::{BlockEnv, Fork, InMemoryDb, Status, Tx, Vm, VmBuilder, VmHooks};
use revm::context::{BlockEnv as RevmBlock, CfgEnv, Context, TxEnv};
use revm::context_interface::block::BlobExcessGasAndPrice;
use revm::database::{CacheDB, EmptyDB};
use revm::handler::{MainBuilder, MainnetContext, MainnetEvm};
use revm::primitives::TxKind;
use revm::primitives::eip4844::BLOB_BASE_FEE_UPDATE_FRACTION_CANCUN;
use revm::primitives::hardfork::SpecId;
use revm::state::{AccountInfo as RevmAccount, Bytecode};
use revm::{ExecuteEvm, InspectEvm, MainContext};

/// The revm side: mainnet EVM over an in-memory cache with an empty backing database.
type RevmEvm = MainnetEvm<MainnetContext<CacheDB<EmptyDB>>>;

/// An account of the pre-state.
#[derive(Clone)]
struct PreAccount {
    address: Address,
    balance: U256,
    nonce: u64,
    code: Bytes,
    storage: Vec<(U256, U256)>,
}

/// The block fields the fixtures set.
#[derive(Clone, Copy)]
struct Env {
    number: u64,
    coinbase: Address,
    timestamp: u64,
    gas_limit: u64,
    basefee: u64,
    prevrandao: B256,
}

/// One contract call to time.
struct Case {
    name: String,
    pre: Vec<PreAccount>,
    env: Env,
    caller: Address,
    to: Address,
    nonce: u64,
    gas_limit: u64,
    gas_price: u64,
    value: U256,
    data: Bytes,
    expected: Option<Bytes>,
}

/// Hex with evmone's repetition groups: `(3x00ff)` stands for `00ff00ff00ff`.
fn decode_repeated_hex(text: &str) -> Option<Vec<u8>> {
    let mut out = String::new();
    let mut rest = text.trim();
    while let Some(open) = rest.find('(') {
        out.push_str(&rest[..open]);
        let close = open + rest[open..].find(')')?;
        let (count, unit) = rest[open + 1..close].split_once('x')?;
        out.push_str(&unit.repeat(count.trim().parse().ok()?));
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    decode_hex(&out)
}

fn parse_u64(value: Option<&serde_json::Value>) -> Option<u64> {
    let text = value?.as_str()?.trim();
    match text.strip_prefix("0x") {
        Some("") => Some(0),
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => text.parse().ok(),
    }
}

fn parse_u256(value: Option<&serde_json::Value>) -> Option<U256> {
    let text = value?.as_str()?.trim();
    match text.strip_prefix("0x") {
        Some("") => Some(U256::ZERO),
        Some(hex) => U256::from_str_radix(hex, 16).ok(),
        None => U256::from_str_radix(text, 10).ok(),
    }
}

fn parse_address(value: Option<&serde_json::Value>) -> Option<Address> {
    value?.as_str()?.trim().parse().ok()
}

/// The first element of a state-test index array (`gasLimit`, `value`), or the value itself.
fn first(value: Option<&serde_json::Value>) -> Option<&serde_json::Value> {
    match value? {
        serde_json::Value::Array(items) => items.first(),
        other => Some(other),
    }
}

/// Expected outputs by program name: `(calldata, output)` pairs from evmone-legacy `*.inputs`.
fn expected_outputs(dir: &Path) -> Vec<(String, Vec<u8>, Vec<u8>)> {
    let mut out = Vec::new();
    for path in files_with_ext(&dir.join("evmone-legacy"), "inputs") {
        let Some(program) = path.file_stem().and_then(|s| s.to_str()) else { continue };
        let Ok(text) = std::fs::read_to_string(&path) else { continue };
        // Blocks of three lines (name, calldata, output) separated by blank lines; calldata and
        // output may themselves be blank.
        let mut lines = text.lines();
        while let Some(name) = lines.next() {
            if name.trim().is_empty() {
                continue;
            }
            let input = lines.next().unwrap_or("");
            let output = lines.next().unwrap_or("");
            if let (Some(input), Some(output)) =
                (decode_repeated_hex(input), decode_repeated_hex(output))
            {
                out.push((program.to_owned(), input, output));
            }
        }
    }
    out
}

fn parse_test(
    program: &str,
    test: &serde_json::Value,
    expected: &[(String, Vec<u8>, Vec<u8>)],
) -> Option<Vec<Case>> {
    let env = test.get("env")?;
    let env = Env {
        number: parse_u64(env.get("currentNumber"))?,
        coinbase: parse_address(env.get("currentCoinbase"))?,
        timestamp: parse_u64(env.get("currentTimestamp"))?,
        gas_limit: parse_u64(env.get("currentGasLimit"))?,
        basefee: parse_u64(env.get("currentBaseFee")).unwrap_or(0),
        prevrandao: env
            .get("currentRandom")
            .and_then(|v| v.as_str())
            .and_then(|s| s.parse().ok())
            .unwrap_or_default(),
    };
    let mut pre = Vec::new();
    for (address, account) in test.get("pre")?.as_object()? {
        let mut storage = Vec::new();
        for (key, value) in account.get("storage").and_then(|s| s.as_object()).into_iter().flatten()
        {
            let key = parse_u256(Some(&serde_json::Value::String(key.clone())))?;
            storage.push((key, parse_u256(Some(value))?));
        }
        pre.push(PreAccount {
            address: address.parse().ok()?,
            balance: parse_u256(account.get("balance"))?,
            nonce: parse_u64(account.get("nonce"))?,
            code: Bytes::from(decode_hex(account.get("code")?.as_str()?)?),
            storage,
        });
    }
    let tx = test.get("transaction")?;
    let labels = test.get("_info").and_then(|i| i.get("labels"));
    let mut cases = Vec::new();
    for (i, data) in tx.get("data")?.as_array()?.iter().enumerate() {
        let data = decode_hex(data.as_str()?)?;
        let label = labels
            .and_then(|l| l.get(i.to_string()))
            .and_then(|l| l.as_str())
            .map_or_else(|| i.to_string(), str::to_owned);
        let expected = expected
            .iter()
            .find(|(p, input, _)| p == program && *input == data)
            .map(|(_, _, output)| Bytes::from(output.clone()));
        cases.push(Case {
            name: format!("{program}/{label}"),
            pre: pre.clone(),
            env,
            caller: parse_address(tx.get("sender"))?,
            to: parse_address(tx.get("to"))?,
            nonce: parse_u64(tx.get("nonce"))?,
            gas_limit: parse_u64(first(tx.get("gasLimit")))?,
            gas_price: parse_u64(tx.get("gasPrice"))?,
            value: parse_u256(first(tx.get("value"))).unwrap_or_default(),
            data: Bytes::from(data),
            expected,
        });
    }
    Some(cases)
}

/// All ipsilon cases, or `None` when the corpus directory is absent.
fn cases() -> Option<Vec<Case>> {
    let dir = corpus_dir();
    if !dir.is_dir() {
        return None;
    }
    let expected = expected_outputs(&dir);
    let mut out = Vec::new();
    for path in files_with_ext(&dir.join("ipsilon"), "json") {
        let Some(json) = std::fs::read_to_string(&path)
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        else {
            eprintln!("note: cannot read {}", path.display());
            continue;
        };
        let Some(tests) = json.as_object() else { continue };
        for (program, test) in tests {
            match parse_test(program, test, &expected) {
                Some(cases) => out.extend(cases),
                None => eprintln!("note: cannot parse {program} in {}", path.display()),
            }
        }
    }
    Some(out)
}

/// Counts executed instructions; the cheapest hook that still sees every step.
#[derive(Debug, Default)]
struct StepCounter {
    steps: u64,
}

impl Hooks for StepCounter {
    fn before_step(&mut self, _frame: &FrameView<'_>) -> StepAction {
        self.steps += 1;
        StepAction::Continue
    }
}

impl VmHooks for StepCounter {}

fn evmkit_block(env: &Env) -> BlockEnv {
    BlockEnv {
        number: U256::from(env.number),
        coinbase: env.coinbase,
        timestamp: U256::from(env.timestamp),
        gas_limit: U256::from(env.gas_limit),
        basefee: U256::from(env.basefee),
        difficulty: U256::ZERO,
        prevrandao: env.prevrandao,
        blob_basefee: U256::ZERO,
        chain_id: U256::from(1),
    }
}

fn evmkit_db(case: &Case) -> InMemoryDb {
    let mut db = InMemoryDb::default();
    for a in &case.pre {
        db.insert_account(a.address, a.balance, a.nonce, a.code.clone(), a.storage.clone());
    }
    db
}

fn evmkit_vm(case: &Case) -> Vm<InMemoryDb> {
    VmBuilder::new(evmkit_db(case))
        .fork(Fork::Cancun)
        .block(evmkit_block(&case.env))
        .excess_blob_gas(Some(0))
        .build()
}

fn evmkit_hooked_vm(case: &Case) -> Vm<InMemoryDb, StepCounter> {
    VmBuilder::new(evmkit_db(case))
        .fork(Fork::Cancun)
        .block(evmkit_block(&case.env))
        .excess_blob_gas(Some(0))
        .hooks(StepCounter::default())
        .build()
}

fn evmkit_tx(case: &Case) -> Tx {
    Tx {
        caller: case.caller,
        to: Some(case.to),
        value: case.value,
        data: case.data.clone(),
        gas_limit: case.gas_limit,
        nonce: case.nonce,
        gas_price: U256::from(case.gas_price),
        ..Tx::default()
    }
}

fn revm_evm(case: &Case) -> RevmEvm {
    let mut db = CacheDB::new(EmptyDB::new());
    for a in &case.pre {
        let code =
            if a.code.is_empty() { Bytecode::default() } else { Bytecode::new_raw(a.code.clone()) };
        let info = RevmAccount::new(a.balance, a.nonce, code.hash_slow(), code);
        db.insert_account_info(a.address, info);
        for &(key, value) in &a.storage {
            // The address was just inserted, so this cannot fail.
            let _ = db.insert_account_storage(a.address, key, value);
        }
    }
    let block = RevmBlock {
        number: U256::from(case.env.number),
        beneficiary: case.env.coinbase,
        timestamp: U256::from(case.env.timestamp),
        gas_limit: case.env.gas_limit,
        basefee: case.env.basefee,
        difficulty: U256::ZERO,
        prevrandao: Some(case.env.prevrandao),
        blob_excess_gas_and_price: Some(BlobExcessGasAndPrice::new(
            0,
            BLOB_BASE_FEE_UPDATE_FRACTION_CANCUN,
        )),
        ..RevmBlock::default()
    };
    Context::mainnet()
        .with_db(db)
        .with_cfg(CfgEnv::new_with_spec(SpecId::CANCUN))
        .with_block(block)
        .build_mainnet()
}

fn revm_tx(case: &Case) -> TxEnv {
    TxEnv {
        tx_type: 0,
        caller: case.caller,
        gas_limit: case.gas_limit,
        gas_price: u128::from(case.gas_price),
        kind: TxKind::Call(case.to),
        value: case.value,
        data: case.data.clone(),
        nonce: case.nonce,
        chain_id: None,
        ..TxEnv::default()
    }
}

/// Everything one case needs at run time, built once.
struct Prepared<'a> {
    case: &'a Case,
    evmkit: Vm<InMemoryDb>,
    hooked: Vm<InMemoryDb, StepCounter>,
    evmkit_tx: Tx,
    revm: RevmEvm,
    revm_tx: TxEnv,
    steps: u64,
    gas_used: u64,
}

/// What one side reports for a call: success, output, gas used.
type Outcome = Result<(bool, Bytes, u64), String>;

#[inline(never)]
fn run_evmkit<H: VmHooks>(vm: &mut Vm<InMemoryDb, H>, tx: &Tx) -> Outcome {
    let out = vm.transact(tx).map_err(|e| e.to_string())?;
    let r = out.result;
    Ok((r.status == Status::Success, r.output, r.gas_used))
}

#[inline(never)]
fn run_revm(evm: &mut RevmEvm, tx: &TxEnv) -> Outcome {
    let out = evm.transact(tx.clone()).map_err(|e| e.to_string())?;
    let r = out.result;
    let gas = r.tx_gas_used();
    let success = r.is_success();
    Ok((success, r.into_output().unwrap_or_default(), gas))
}

fn short(bytes: &Bytes) -> String {
    let text = hex::encode(bytes);
    if text.len() > 72 { format!("{}.. ({} bytes)", &text[..72], bytes.len()) } else { text }
}

/// Runs each side once and compares; returns the prepared case or why it is left out.
fn prepare(case: &Case) -> Result<Prepared<'_>, String> {
    let mut p = Prepared {
        case,
        evmkit: evmkit_vm(case),
        hooked: evmkit_hooked_vm(case),
        evmkit_tx: evmkit_tx(case),
        revm: revm_evm(case),
        revm_tx: revm_tx(case),
        steps: 0,
        gas_used: 0,
    };
    let ours = run_evmkit(&mut p.evmkit, &p.evmkit_tx).map_err(|e| format!("evmkit: {e}"))?;
    let hooked = run_evmkit(&mut p.hooked, &p.evmkit_tx).map_err(|e| format!("hooked: {e}"))?;
    let theirs = run_revm(&mut p.revm, &p.revm_tx).map_err(|e| format!("revm: {e}"))?;
    let (ok, output, gas) = &ours;
    if !ok {
        return Err(format!("evmkit did not succeed (output {})", short(output)));
    }
    if !theirs.0 {
        return Err(format!("revm did not succeed (output {})", short(&theirs.1)));
    }
    if theirs.1 != *output {
        return Err(format!("outputs differ: evmkit {} revm {}", short(output), short(&theirs.1)));
    }
    if let Some(expected) = &case.expected
        && expected != output
    {
        return Err(format!("output {} is not the expected {}", short(output), short(expected)));
    }
    if theirs.2 != *gas {
        return Err(format!("gas used differs: evmkit {gas} revm {}", theirs.2));
    }
    if hooked != ours {
        return Err("the hooked run differs from the plain one".to_owned());
    }
    p.gas_used = *gas;
    p.steps = std::mem::take(&mut p.hooked.hooks_mut().steps);
    Ok(p)
}

fn bench(c: &mut Criterion, cases: &mut [Prepared<'_>]) {
    for p in cases {
        let mut group = c.benchmark_group(format!("execution/{}", p.case.name));
        group.bench_function("evmkit", |b| {
            b.iter(|| black_box(run_evmkit(&mut p.evmkit, black_box(&p.evmkit_tx))))
        });
        group.bench_function("evmkit_counting_hook", |b| {
            b.iter(|| black_box(run_evmkit(&mut p.hooked, black_box(&p.evmkit_tx))))
        });
        group.bench_function("revm", |b| {
            b.iter(|| black_box(run_revm(&mut p.revm, black_box(&p.revm_tx))))
        });
        group.finish();
    }
}

/// Times of one call on each side (evmkit, evmkit with the counting hook, revm): the 10th
/// percentile of short batches that alternate between the sides, so all see the same machine
/// load. On a shared machine the low percentile approximates the unpreempted time better than
/// the median does.
fn timed_calls(p: &mut Prepared<'_>) -> [Duration; 3] {
    const ROUNDS: usize = 31;
    // Size batches to about 2 ms from one untimed-for-the-table call.
    let start = Instant::now();
    black_box(run_evmkit(&mut p.evmkit, &p.evmkit_tx)).ok();
    let once = start.elapsed().as_nanos().max(1);
    let per_batch = (2_000_000 / once).clamp(1, 10_000) as u32;
    let mut times: [Vec<Duration>; 3] = Default::default();
    for _ in 0..ROUNDS {
        let start = Instant::now();
        for _ in 0..per_batch {
            black_box(run_evmkit(&mut p.evmkit, black_box(&p.evmkit_tx))).ok();
        }
        times[0].push(start.elapsed() / per_batch);
        let start = Instant::now();
        for _ in 0..per_batch {
            black_box(run_evmkit(&mut p.hooked, black_box(&p.evmkit_tx))).ok();
        }
        times[1].push(start.elapsed() / per_batch);
        let start = Instant::now();
        for _ in 0..per_batch {
            black_box(run_revm(&mut p.revm, black_box(&p.revm_tx))).ok();
        }
        times[2].push(start.elapsed() / per_batch);
    }
    times.map(|mut t| {
        t.sort();
        t[ROUNDS / 10]
    })
}

fn fmt_time(d: Duration) -> String {
    let ns = d.as_nanos() as f64;
    if ns >= 1e6 {
        format!("{:.3} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.2} us", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}

fn summary(cases: &mut [Prepared<'_>]) {
    println!();
    println!(
        "execution time per call (10th percentile of 31 alternating batches per side, same run)"
    );
    println!(
        "{:<36} {:>11} {:>12} {:>12} {:>12} {:>7} {:>7}",
        "case", "steps", "evmkit", "evmkit+hook", "revm", "hook", "ratio"
    );
    let mut log_sum = 0.0;
    let mut hook_log_sum = 0.0;
    for p in cases.iter_mut() {
        let [ours, hooked, theirs] = timed_calls(p);
        let ratio = theirs.as_secs_f64() / ours.as_secs_f64();
        let hook = hooked.as_secs_f64() / ours.as_secs_f64();
        log_sum += ratio.ln();
        hook_log_sum += hook.ln();
        println!(
            "{:<36} {:>11} {:>12} {:>12} {:>12} {:>6.2}x {:>6.2}x",
            p.case.name,
            p.steps,
            fmt_time(ours),
            fmt_time(hooked),
            fmt_time(theirs),
            hook,
            ratio
        );
    }
    if !cases.is_empty() {
        let n = cases.len() as f64;
        println!(
            "geometric mean over {} cases: revm/evmkit {:.3}x (>1: evmkit faster); \
             hook cost {:.3}x evmkit",
            cases.len(),
            (log_sum / n).exp(),
            (hook_log_sum / n).exp()
        );
    }
}

/// Transactions that run (almost) no code, built from `model`'s block and sender: what a
/// transaction costs before the interpreter does any work. Not part of the geometric mean.
fn overhead_cases(model: &Case) -> Vec<Case> {
    let callee = |code: &[u8]| PreAccount {
        address: Address::repeat_byte(0xee),
        balance: U256::ZERO,
        nonce: 0,
        code: Bytes::copy_from_slice(code),
        storage: Vec::new(),
    };
    let sender = PreAccount {
        address: model.caller,
        balance: U256::from(10).pow(U256::from(24)),
        nonce: model.nonce,
        code: Bytes::new(),
        storage: Vec::new(),
    };
    let case = |name: &str, code: &[u8], data: &[u8], value: u64| Case {
        name: name.to_owned(),
        pre: vec![sender.clone(), callee(code)],
        env: model.env,
        caller: model.caller,
        to: Address::repeat_byte(0xee),
        nonce: model.nonce,
        gas_limit: 100_000,
        gas_price: model.gas_price.max(model.env.basefee),
        value: U256::from(value),
        data: Bytes::copy_from_slice(data),
        expected: Some(Bytes::new()),
    };
    vec![
        case("empty call (no code)", &[], &[], 0),
        case("empty call with value", &[], &[], 1),
        case("call to STOP, 4 bytes calldata", &[0x00], &[0xde, 0xad, 0xbe, 0xef], 0),
    ]
}

/// Times the transactions of [`overhead_cases`] on both sides, after the same checks.
fn overhead_summary(cases: &[Case]) {
    println!();
    println!("per-transaction cost, no code run (not in the geometric mean)");
    println!("{:<36} {:>12} {:>12} {:>7}", "transaction", "evmkit", "revm", "ratio");
    for case in cases {
        let mut p = match prepare(case) {
            Ok(p) => p,
            Err(why) => {
                println!("MISMATCH {}: {why} (not timed)", case.name);
                continue;
            }
        };
        let [ours, _, theirs] = timed_calls(&mut p);
        println!(
            "{:<36} {:>12} {:>12} {:>6.2}x",
            case.name,
            fmt_time(ours),
            fmt_time(theirs),
            theirs.as_secs_f64() / ours.as_secs_f64()
        );
    }
}

/// Runs one side's calls of every case for about `EVM_BENCH_SECONDS` (default 3) seconds.
fn profile(cases: &mut [Prepared<'_>], side: &str) {
    let seconds: f64 =
        std::env::var("EVM_BENCH_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(3.0);
    let per_case = Duration::from_secs_f64(seconds / cases.len().max(1) as f64);
    for p in cases.iter_mut() {
        let start = Instant::now();
        let mut calls = 0u64;
        while start.elapsed() < per_case {
            let out = match side {
                "revm" => run_revm(&mut p.revm, &p.revm_tx),
                _ => run_evmkit(&mut p.evmkit, &p.evmkit_tx),
            };
            black_box(out).ok();
            calls += 1;
        }
        println!("{}: {calls} {side} calls", p.case.name);
    }
}

/// Counts steps in revm (the `Inspector` counterpart of `StepCounter`).
#[derive(Debug, Default)]
struct RevmStepCounter {
    steps: u64,
}

impl<CTX, INTR: revm::interpreter::InterpreterTypes> revm::Inspector<CTX, INTR>
    for RevmStepCounter
{
    fn step(&mut self, _interp: &mut revm::interpreter::Interpreter<INTR>, _context: &mut CTX) {
        self.steps += 1;
    }
}

type RevmInspectEvm = MainnetEvm<MainnetContext<CacheDB<EmptyDB>>, RevmStepCounter>;

/// The VMs of the extension-overhead table for one case.
struct ExtPrepared {
    idle: Vm<InMemoryDb, Extensions>,
    rust: Vm<InMemoryDb, Extensions>,
    rust_steps: Arc<AtomicU64>,
    plugin: Vm<InMemoryDb, Extensions>,
    inspected: RevmInspectEvm,
}

fn ext_vm(case: &Case, ext: Extensions) -> Vm<InMemoryDb, Extensions> {
    VmBuilder::new(evmkit_db(case))
        .fork(Fork::Cancun)
        .block(evmkit_block(&case.env))
        .excess_blob_gas(Some(0))
        .extensions(ext)
        .build()
}

/// A registry with transaction and call hooks and no opcode hook.
fn idle_extensions() -> Extensions {
    let mut ext = Extensions::production();
    let calls = Arc::new(AtomicU64::new(0));
    let seen = Arc::clone(&calls);
    let hooks = Extension::new("idle", "1")
        .capabilities(Capabilities::HOOKS)
        .hook(Hook::new(HookPoint::TxBeforeExecution, |_| HookOutcome::Continue))
        .hook(Hook::new(HookPoint::TxAfterExecution, |_| HookOutcome::Continue))
        .hook(Hook::new(HookPoint::CallEnter, move |_| {
            seen.store(seen.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
            HookOutcome::Continue
        }));
    ext.register(hooks).expect("a valid extension");
    ext
}

fn prepare_ext(p: &Prepared<'_>, plugin: &std::path::Path) -> Result<ExtPrepared, String> {
    let case = p.case;
    let steps = Arc::new(AtomicU64::new(0));
    let counter = Arc::clone(&steps);
    let mut rust = Extensions::production();
    rust.register(Extension::new("count", "1").capabilities(Capabilities::HOOKS).hook(Hook::new(
        HookPoint::OpcodeBefore,
        move |_| {
            counter.store(counter.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
            HookOutcome::Continue
        },
    )))
    .map_err(|e| e.to_string())?;
    let mut with_plugin = Extensions::development();
    with_plugin.config_mut().metrics = false;
    // SAFETY: the counter plugin is this workspace's example, built in this run.
    #[expect(unsafe_code, reason = "loading the workspace's own example plugin")]
    let loaded = unsafe { with_plugin.load_plugin(plugin) };
    loaded.map_err(|e| e.to_string())?;
    let mut e = ExtPrepared {
        idle: ext_vm(case, idle_extensions()),
        rust: ext_vm(case, rust),
        rust_steps: steps,
        plugin: ext_vm(case, with_plugin),
        inspected: revm_inspect_evm(case),
    };
    let plain = run_evmkit(&mut evmkit_vm(case), &p.evmkit_tx)?;
    for (name, out) in [
        ("idle", run_evmkit(&mut e.idle, &p.evmkit_tx)?),
        ("rust hook", run_evmkit(&mut e.rust, &p.evmkit_tx)?),
        ("plugin hook", run_evmkit(&mut e.plugin, &p.evmkit_tx)?),
    ] {
        if out != plain {
            return Err(format!("the {name} run differs from the plain one"));
        }
    }
    let inspected = run_revm_inspect(&mut e.inspected, &p.revm_tx)?;
    if inspected.1 != plain.1 || inspected.2 != plain.2 {
        return Err("the inspected revm run differs".into());
    }
    let rust_steps = e.rust_steps.swap(0, Ordering::Relaxed);
    let revm_steps = std::mem::take(&mut e.inspected.inspector.steps);
    if rust_steps != p.steps || revm_steps != p.steps {
        return Err(format!(
            "step counts differ: hook {} rust {rust_steps} revm {revm_steps}",
            p.steps
        ));
    }
    Ok(e)
}

fn revm_inspect_evm(case: &Case) -> RevmInspectEvm {
    let evm = revm_evm(case);
    evm.ctx.build_mainnet_with_inspector(RevmStepCounter::default())
}

#[inline(never)]
fn run_revm_inspect(evm: &mut RevmInspectEvm, tx: &TxEnv) -> Outcome {
    let out = evm.inspect_tx(tx.clone()).map_err(|e| e.to_string())?;
    let r = out.result;
    let gas = r.tx_gas_used();
    let success = r.is_success();
    Ok((success, r.into_output().unwrap_or_default(), gas))
}

/// The extension-overhead table: alternating batches of the six variants.
fn extension_summary(cases: &mut [Prepared<'_>]) {
    let plugin = evm_extensions::test_support::example_plugin("counter");
    println!();
    println!(
        "extension overhead (10th percentile of 31 alternating batches per variant, same run)"
    );
    println!(
        "{:<36} {:>12} {:>8} {:>8} {:>8} {:>12} {:>8}",
        "case", "evmkit", "idle", "rust", "plugin", "revm", "insp"
    );
    let mut logs = [0.0f64; 4];
    let mut n = 0.0;
    for p in cases.iter_mut() {
        let mut e = match prepare_ext(p, &plugin) {
            Ok(e) => e,
            Err(why) => {
                println!("MISMATCH {}: {why} (not timed)", p.case.name);
                continue;
            }
        };
        // `EVM_BENCH_EXT_ONLY=rust` (or `plugin`) runs only that variant for 3 s, for a profiler.
        if let Ok(only) = std::env::var("EVM_BENCH_EXT_ONLY") {
            let vm = if only == "plugin" { &mut e.plugin } else { &mut e.rust };
            let start = Instant::now();
            while start.elapsed() < Duration::from_secs(3) {
                drop(black_box(run_evmkit(vm, &p.evmkit_tx)));
            }
            continue;
        }
        const ROUNDS: usize = 31;
        let start = Instant::now();
        black_box(run_evmkit(&mut p.evmkit, &p.evmkit_tx)).ok();
        let per_batch = (1_000_000 / start.elapsed().as_nanos().max(1)).clamp(1, 10_000) as u32;
        let mut times: [Vec<Duration>; 6] = Default::default();
        for _ in 0..ROUNDS {
            let mut time = |i: usize, f: &mut dyn FnMut()| {
                let start = Instant::now();
                for _ in 0..per_batch {
                    f();
                }
                times[i].push(start.elapsed() / per_batch);
            };
            time(0, &mut || drop(black_box(run_evmkit(&mut p.evmkit, &p.evmkit_tx))));
            time(1, &mut || drop(black_box(run_evmkit(&mut e.idle, &p.evmkit_tx))));
            time(2, &mut || drop(black_box(run_evmkit(&mut e.rust, &p.evmkit_tx))));
            time(3, &mut || drop(black_box(run_evmkit(&mut e.plugin, &p.evmkit_tx))));
            time(4, &mut || drop(black_box(run_revm(&mut p.revm, &p.revm_tx))));
            time(5, &mut || drop(black_box(run_revm_inspect(&mut e.inspected, &p.revm_tx))));
        }
        let t = times.map(|mut t| {
            t.sort();
            t[ROUNDS / 10].as_secs_f64()
        });
        let ratios = [t[1] / t[0], t[2] / t[0], t[3] / t[0], t[5] / t[4]];
        for (sum, r) in logs.iter_mut().zip(ratios) {
            *sum += r.ln();
        }
        n += 1.0;
        println!(
            "{:<36} {:>12} {:>7.3}x {:>7.3}x {:>7.3}x {:>12} {:>7.3}x",
            p.case.name,
            fmt_time(Duration::from_secs_f64(t[0])),
            ratios[0],
            ratios[1],
            ratios[2],
            fmt_time(Duration::from_secs_f64(t[4])),
            ratios[3]
        );
    }
    if n > 0.0 {
        let g = logs.map(|l| (l / n).exp());
        println!(
            "geometric mean over {n} cases: registry without opcode hooks {:.3}x evmkit; \
             counting hook: rust {:.3}x, plugin {:.3}x evmkit; revm counting inspector {:.3}x revm",
            g[0], g[1], g[2], g[3]
        );
    }
}

fn main() {
    let Some(mut cases) = cases() else {
        eprintln!(
            "note: benchmark corpus {} is absent (set EVM_BENCH_DIR); nothing to run",
            corpus_dir().display()
        );
        return;
    };
    let mut overhead = cases.first().map(overhead_cases).unwrap_or_default();
    // `EVM_BENCH_CASE=snailtracer` keeps the cases whose name contains the text (for profiling).
    if let Ok(only) = std::env::var("EVM_BENCH_CASE") {
        cases.retain(|c| c.name.contains(&only));
        overhead.retain(|c| c.name.contains(&only));
        if cases.is_empty() && !overhead.is_empty() {
            // Only transaction-cost cases match: time (or profile) those as the cases.
            cases = std::mem::take(&mut overhead);
        }
    }
    if cases.is_empty() {
        eprintln!("note: no ipsilon cases under {}; nothing to run", corpus_dir().display());
        return;
    }
    let mut prepared = Vec::with_capacity(cases.len());
    let mut mismatches = 0;
    for case in &cases {
        match prepare(case) {
            Ok(p) => prepared.push(p),
            Err(why) => {
                mismatches += 1;
                println!("MISMATCH {}: {why} (not timed)", case.name);
            }
        }
    }
    let with_expected = prepared.iter().filter(|p| p.case.expected.is_some()).count();
    println!(
        "checked {} cases: {} agree (gas, output; {} also against evmone's expected output), \
         {} mismatch",
        cases.len(),
        prepared.len(),
        with_expected,
        mismatches
    );
    // `EVM_BENCH_PROFILE=evmkit` (or `revm`) runs only that side's calls for a few seconds and
    // prints nothing else, so a profiler (perf, callgrind) sees one engine.
    if let Ok(side) = std::env::var("EVM_BENCH_PROFILE") {
        profile(&mut prepared, &side);
        return;
    }
    let args: Vec<String> = std::env::args().collect();
    let summary_only = args.iter().any(|a| a == "--summary-only");
    // `cargo bench` passes --bench; `cargo test --all-targets` does not, and then criterion
    // runs each benchmark once as a smoke test and the timed summary is skipped.
    let timing = summary_only || args.iter().any(|a| a == "--bench");
    if !summary_only {
        let mut c = Criterion::default()
            .warm_up_time(Duration::from_millis(300))
            .measurement_time(Duration::from_secs(1))
            .sample_size(10)
            .configure_from_args();
        bench(&mut c, &mut prepared);
        c.final_summary();
    }
    if timing {
        summary(&mut prepared);
        overhead_summary(&overhead);
        if args.iter().any(|a| a == "--extensions") {
            extension_summary(&mut prepared);
        }
    }
    if mismatches > 0 && !timing {
        // Under `cargo test` a disagreement is a failure.
        std::process::exit(1);
    }
}
