//! Extensions through `Vm::transact`: the example plugins (`math`, `counter`, `kvstore`) and the
//! defective `testbad` builds, loaded as real `.so` files built in the same run, each compared
//! with a compiled-in Rust twin where one exists; hooks, registration refusals and `Strict`
//! signatures.
#![expect(unsafe_code, reason = "loading plugin libraries (`load_plugin`, libloading)")]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use ed25519_dalek::{Signer, SigningKey};
use evm_extensions::security::{Config, SecurityLevel};
use evm_extensions::test_support::{build_plugin, example_plugin};
use evm_extensions::{
    AccountDiff, BlockInfo, Capabilities, CustomOpcode, CustomPrecompile, Extension,
    ExtensionError, ExtensionId, Hook, HookEvent, HookOutcome, HookPoint, PrecompileFailure,
    PrecompileOutput, TxStatus,
};
use evm_interp::{CallOutcome, Exit, Modification, Outcome};
use evm_vm::{
    AbortReason, Address, B256, BlockEnv, Bytes, Error, ExecResult, Extensions, Fork, InMemoryDb,
    Status, Tx, U256, Vm, VmBuilder,
};

/// The sender of every transaction.
const CALLER: Address = Address::with_last_byte(0xc0);
/// The contract most tests call.
const CONTRACT: Address = Address::with_last_byte(0xaa);
/// A second contract.
const OTHER: Address = Address::with_last_byte(0xbb);
/// An account without code.
const EMPTY: Address = Address::with_last_byte(0xee);
/// The kvstore plugin's precompile.
const KVSTORE: Address = {
    let mut bytes = [0; 20];
    bytes[18] = 0x0a;
    Address::new(bytes)
};
/// The identity precompile.
const IDENTITY: Address = Address::with_last_byte(0x04);

/// `PUSH1 16 ISQRT PUSH1 0 MSTORE PUSH1 32 PUSH1 0 RETURN`: returns `isqrt(16)`.
const ISQRT_16: &str = "60100c60005260206000f3";

/// The counter plugin's statics are per library, shared by every test that loads the same file:
/// the tests reading its totals hold this lock.
static COUNTER: Mutex<()> = Mutex::new(());

/// A VM over `ext` with `contracts` deployed and a funded sender, at Cancun.
fn vm(ext: Extensions, contracts: &[(Address, String)]) -> Vm<InMemoryDb, Extensions> {
    let mut db = InMemoryDb::default();
    db.insert_account(CALLER, U256::from(10u128.pow(24)), 0, Bytes::new(), []);
    for (address, code) in contracts {
        let code = hex::decode(code).expect("contract hex");
        db.insert_account(*address, U256::ZERO, 1, code.into(), []);
    }
    let block = BlockEnv { gas_limit: U256::from(30_000_000), ..BlockEnv::default() };
    VmBuilder::new(db).fork(Fork::Cancun).block(block).extensions(ext).build()
}

/// A transaction from [`CALLER`] with its current nonce.
fn tx(vm: &Vm<InMemoryDb, Extensions>, to: Address, data: &[u8]) -> Tx {
    let nonce = vm.db().accounts.get(&CALLER).map_or(0, |a| a.info.nonce);
    Tx {
        caller: CALLER,
        to: Some(to),
        data: Bytes::copy_from_slice(data),
        gas_limit: 1_000_000,
        nonce,
        gas_price: U256::from(1),
        ..Tx::default()
    }
}

/// Sends a transaction to `to` and commits it.
fn send(
    vm: &mut Vm<InMemoryDb, Extensions>,
    to: Address,
    data: &[u8],
) -> Result<ExecResult, Error> {
    let tx = tx(vm, to, data);
    vm.transact_commit(&tx)
}

/// Runs `code_hex` as [`CONTRACT`] under `ext` in one committed transaction; returns the result
/// and the VM (for its registry and database).
#[track_caller]
fn check(ext: Extensions, code_hex: &str) -> (ExecResult, Vm<InMemoryDb, Extensions>) {
    let mut vm = vm(ext, &[(CONTRACT, code_hex.to_string())]);
    let result = send(&mut vm, CONTRACT, &[]).expect("transaction valid");
    (result, vm)
}

/// A 32-byte big-endian word.
fn word(v: U256) -> Vec<u8> {
    v.to_be_bytes::<32>().to_vec()
}

/// `PUSH20 address` in hex.
fn push_address(address: Address) -> String {
    format!("73{}", hex::encode(address))
}

/// `CALL(gas, to, 0, in_offset, in_len, out_offset, out_len)` in hex (opcode `0xf1`), or
/// `STATICCALL` (`0xfa`, no value) when `is_static`.
fn call(to: Address, input: (u8, u8), output: (u8, u8), is_static: bool) -> String {
    let (out_offset, out_len) = output;
    let (in_offset, in_len) = input;
    let value = if is_static { "" } else { "6000" };
    let op = if is_static { "fa" } else { "f1" };
    format!(
        "60{out_len:02x}60{out_offset:02x}60{in_len:02x}60{in_offset:02x}{value}{}5a{op}",
        push_address(to)
    )
}

/// Loads a plugin into `ext`.
#[track_caller]
fn load(ext: &mut Extensions, path: &Path) -> Result<ExtensionId, ExtensionError> {
    // SAFETY: the plugins are this workspace's own crates, built by this test run.
    unsafe { ext.load_plugin(path) }
}

/// ISQRT as a compiled-in Rust opcode: Newton's method on `U256` (the checked twin of the math
/// plugin's digit-by-digit root behind the C ABI).
fn rust_isqrt() -> Extension {
    fn isqrt(n: U256) -> U256 {
        if n < U256::from(2) {
            return n;
        }
        let bits = 256 - n.leading_zeros();
        // A power of two at least the root: Newton's iteration then decreases to the floor.
        let mut x = U256::ONE << bits.div_ceil(2);
        loop {
            let y = (x + n / x) >> 1;
            if y >= x {
                return x;
            }
            x = y;
        }
    }
    Extension::new("rust-math", "1.0.0").opcode(CustomOpcode::new(
        0x0c,
        "ISQRT",
        5,
        1,
        1,
        Fork::Frontier,
        |ctx| {
            let x = ctx.pop()?;
            ctx.push(isqrt(x))
        },
    ))
}

/// A registry with the math plugin.
fn math_plugin() -> Extensions {
    let mut ext = Extensions::development();
    load(&mut ext, &example_plugin("math")).expect("math plugin loads");
    ext
}

// 1. ISQRT: the math plugin and its compiled-in twin.

#[test]
fn isqrt_plugin_returns_the_root() {
    let (result, _) = check(math_plugin(), ISQRT_16);
    assert_eq!(result.status, Status::Success);
    assert_eq!(result.output.as_ref(), word(U256::from(4)));
}

#[test]
fn isqrt_without_the_plugin_is_an_invalid_opcode() {
    let (result, _) = check(Extensions::development(), ISQRT_16);
    assert_eq!(result.status, Status::Halt(Exit::InvalidOpcode));
}

#[test]
fn isqrt_plugin_and_rust_twin_agree_on_output_and_gas() {
    let mut rust = Extensions::development();
    rust.register(rust_isqrt()).expect("ISQRT registers");
    let mut plugin = vm(math_plugin(), &[]);
    let mut twin = vm(rust, &[]);
    let cases = [
        (U256::ZERO, U256::ZERO),
        (U256::ONE, U256::ONE),
        (U256::from(15), U256::from(3)),
        (U256::from(16), U256::from(4)),
        (U256::ONE << 128, U256::ONE << 64),
        (U256::MAX, U256::from(u128::MAX)),
    ];
    for (i, (x, root)) in cases.into_iter().enumerate() {
        // PUSH32 x ISQRT PUSH1 0 MSTORE PUSH1 32 PUSH1 0 RETURN
        let code = format!("7f{}0c60005260206000f3", hex::encode(word(x)));
        let address = Address::with_last_byte(0x10 + i as u8);
        let mut outputs = Vec::new();
        for vm in [&mut plugin, &mut twin] {
            let code = hex::decode(&code).expect("hex");
            vm.db_mut().insert_account(address, U256::ZERO, 1, code.into(), []);
            let result = send(vm, address, &[]).expect("transaction valid");
            assert_eq!(result.status, Status::Success, "isqrt({x})");
            outputs.push((result.output, result.gas_used));
        }
        assert_eq!(outputs[0].0.as_ref(), word(root), "plugin isqrt({x})");
        assert_eq!(outputs[0], outputs[1], "plugin vs Rust isqrt({x}): (output, gas)");
    }
}

// 2. Counter plugin vs a Rust counting hook.

/// `CONTRACT` calls `OTHER`, which adds two numbers: 10 + 5 opcodes.
fn counted_contracts() -> Vec<(Address, String)> {
    vec![
        (CONTRACT, format!("{}5000", call(OTHER, (0, 0), (0, 0), false))),
        (OTHER, "600160020150".to_string() + "00"),
    ]
}

/// Calls `evmkit_counter_total` of the library at `path`.
fn counter_total(path: &Path) -> u64 {
    // SAFETY: the counter plugin, already loaded by the registry: opening it again gives the
    // same library, whose initialisers already ran.
    let lib = unsafe { libloading::Library::new(path) }.expect("counter library opens");
    // SAFETY: the counter plugin exports `evmkit_counter_total` with this signature.
    let total = unsafe { lib.get::<unsafe extern "C" fn() -> u64>(b"evmkit_counter_total\0") }
        .expect("evmkit_counter_total exported");
    // SAFETY: an argument-free C function reading atomics.
    unsafe { total() }
}

#[test]
fn counter_plugin_counts_as_the_rust_hook() {
    let _lock = COUNTER.lock().unwrap_or_else(|e| e.into_inner());
    let counted = Arc::new(AtomicU64::new(0));
    let mut ext = Extensions::development();
    let id = load(&mut ext, &example_plugin("counter")).expect("counter plugin loads");
    let seen = Arc::clone(&counted);
    ext.register(Extension::new("rust-counter", "1.0.0").hook(Hook::new(
        HookPoint::OpcodeBefore,
        move |_| {
            seen.fetch_add(1, Ordering::Relaxed);
            HookOutcome::Continue
        },
    )))
    .expect("hook registers");
    let path = ext.plugin_path(id).expect("a plugin has a path").to_path_buf();
    let mut vm = vm(ext, &counted_contracts());
    let before = counter_total(&path);
    let result = send(&mut vm, CONTRACT, &[]).expect("transaction valid");
    assert_eq!(result.status, Status::Success);
    let plugin_count = counter_total(&path) - before;
    assert_eq!(counted.load(Ordering::Relaxed), 15);
    assert_eq!(plugin_count, 15);
    let metrics = vm.hooks().metrics();
    let row = metrics.row("counter", "opcode.before").expect("counter row");
    assert_eq!((row.calls, row.errors, row.faults), (15, 0, 0));
    let row = metrics.row("rust-counter", "opcode.before").expect("rust row");
    assert_eq!(row.calls, 15);
}

// 3. kvstore.

fn kvstore_plugin() -> Extensions {
    let mut ext = Extensions::development();
    load(&mut ext, &example_plugin("kvstore")).expect("kvstore plugin loads");
    ext
}

#[test]
fn kvstore_set_then_get_returns_the_value() {
    // mem[0] = 1, mem[32] = 42; CALL set (64 bytes); STATICCALL get (32 bytes) into mem[64];
    // RETURN mem[64..96].
    let code = format!(
        "6001600052602a602052{}50{}5060206040f3",
        call(KVSTORE, (0, 64), (0, 0), false),
        call(KVSTORE, (0, 32), (64, 32), true)
    );
    let (result, _) = check(kvstore_plugin(), &code);
    assert_eq!(result.status, Status::Success);
    assert_eq!(result.output.as_ref(), word(U256::from(42)));
    assert_eq!(result.logs.len(), 1, "a set logs key and value");
}

#[test]
fn kvstore_set_in_a_reverted_frame_is_undone() {
    // OTHER: empty calldata gets key 1 (returns it); otherwise sets key 1 = 42 and REVERTs.
    //   CALLDATASIZE ISZERO PUSH1 get JUMPI
    //   mem[0] = 1, mem[32] = 42; CALL set; POP; REVERT(0, 0)
    //   get: JUMPDEST; mem[0] = 1; STATICCALL get into mem[64]; POP; RETURN mem[64..96]
    let set = call(KVSTORE, (0, 64), (0, 0), false);
    let get = call(KVSTORE, (0, 32), (64, 32), true);
    let set_path = format!("6001600052602a602052{set}5060006000fd");
    let head = format!("361560{:02x}57", 5 + set_path.len() / 2);
    let other = format!("{head}{set_path}5b6001600052{get}5060206040f3");
    // CONTRACT: CALL OTHER with one byte of input; return the call's success flag.
    let contract = format!("{}60005260206000f3", call(OTHER, (0, 1), (0, 0), false));
    let mut vm = vm(kvstore_plugin(), &[(CONTRACT, contract), (OTHER, other)]);
    let result = send(&mut vm, CONTRACT, &[]).expect("transaction valid");
    assert_eq!(result.status, Status::Success);
    assert_eq!(result.output.as_ref(), word(U256::ZERO), "the inner call reverted");
    assert!(result.logs.is_empty(), "the set's log is undone");
    let kv_storage = vm.db().accounts.get(&KVSTORE).map_or(0, |a| a.storage.len());
    assert_eq!(kv_storage, 0, "no kvstore slot was committed");
    // A second transaction reads the key in OTHER's namespace: still zero.
    let result = send(&mut vm, OTHER, &[]).expect("transaction valid");
    assert_eq!(result.status, Status::Success);
    assert_eq!(result.output.as_ref(), word(U256::ZERO));
}

#[test]
fn kvstore_set_under_staticcall_fails() {
    // mem[0] = 1, mem[32] = 42; STATICCALL set (64 bytes); RETURN the success flag.
    let code =
        format!("6001600052602a602052{}60005260206000f3", call(KVSTORE, (0, 64), (0, 0), true));
    let (result, vm) = check(kvstore_plugin(), &code);
    assert_eq!(result.status, Status::Success);
    assert_eq!(result.output.as_ref(), word(U256::ZERO), "the static set fails");
    assert!(result.logs.is_empty());
    let kv_storage = vm.db().accounts.get(&KVSTORE).map_or(0, |a| a.storage.len());
    assert_eq!(kv_storage, 0);
}

/// The kvstore plugin's precompile as compiled-in Rust (its checked twin): 32 bytes get,
/// 64 bytes set, in the caller's namespace `caller || key[20..32]`.
fn rust_kvstore() -> Extension {
    let precompile = CustomPrecompile::stateful(KVSTORE, Fork::Frontier, |ctx| {
        let input = ctx.input().to_vec();
        let mut slot = [0; 32];
        slot[..20].copy_from_slice(ctx.call.caller.as_slice());
        let output = match input.len() {
            32 => {
                slot[20..].copy_from_slice(&input[20..32]);
                ctx.charge(2100 + 100)?;
                word(ctx.sload(U256::from_be_bytes(slot))?)
            }
            64 => {
                if ctx.call.is_static {
                    return Err(PrecompileFailure::Failed);
                }
                slot[20..].copy_from_slice(&input[20..32]);
                ctx.charge(20000 + 100)?;
                let value = U256::from_be_slice(&input[32..]);
                ctx.sstore(U256::from_be_bytes(slot), value)?;
                ctx.log(&[B256::from_slice(&input[..32])], &input[32..])?;
                Vec::new()
            }
            _ => return Err(PrecompileFailure::Failed),
        };
        Ok(PrecompileOutput::ok(output, 0))
    });
    Extension::new("rust-kvstore", "1.0.0").precompile(precompile)
}

#[test]
fn kvstore_plugin_and_rust_twin_agree() {
    let set_get = format!(
        "6001600052602a602052{}50{}5060206040f3",
        call(KVSTORE, (0, 64), (0, 0), false),
        call(KVSTORE, (0, 32), (64, 32), true)
    );
    let static_set =
        format!("6001600052602a602052{}60005260206000f3", call(KVSTORE, (0, 64), (0, 0), true));
    for code in [set_get, static_set] {
        let mut twin = Extensions::development();
        twin.register(rust_kvstore()).expect("twin registers");
        let (plugin, _) = check(kvstore_plugin(), &code);
        let (rust, _) = check(twin, &code);
        assert_eq!(plugin.status, Status::Success, "{code}");
        assert_eq!(
            (&plugin.output, plugin.gas_used, &plugin.logs),
            (&rust.output, rust.gas_used, &rust.logs),
            "plugin vs Rust kvstore: {code}"
        );
    }
}

// 4. Hooks.

/// A registry with one extension of `hooks`; returns it and the extension's id.
fn with_hooks(hooks: Vec<Hook>) -> (Extensions, ExtensionId) {
    let mut ext = Extensions::development();
    let mut e = Extension::new("test-hooks", "1.0.0");
    for hook in hooks {
        e = e.hook(hook);
    }
    let id = ext.register(e).expect("hooks register");
    (ext, id)
}

/// A hook at `point` appending `label` to `log` and answering `outcome`.
fn logging_hook(
    point: HookPoint,
    priority: i32,
    label: &'static str,
    outcome: HookOutcome,
    log: &Arc<Mutex<Vec<&'static str>>>,
) -> Hook {
    let log = Arc::clone(log);
    Hook::new(point, move |_| {
        log.lock().expect("log").push(label);
        outcome.clone()
    })
    .priority(priority)
}

#[test]
fn hooks_run_by_priority_and_skip_stops_the_point() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let point = HookPoint::TxBeforeExecution;
    let (ext, _) = with_hooks(vec![
        logging_hook(point, 1, "low", HookOutcome::Continue, &log),
        logging_hook(point, 10, "high", HookOutcome::Continue, &log),
        logging_hook(point, 5, "mid", HookOutcome::Continue, &log),
        logging_hook(point, 5, "mid-later", HookOutcome::Continue, &log),
    ]);
    let (result, _) = check(ext, "00");
    assert_eq!(result.status, Status::Success);
    assert_eq!(*log.lock().expect("log"), ["high", "mid", "mid-later", "low"]);

    let log = Arc::new(Mutex::new(Vec::new()));
    let (ext, _) = with_hooks(vec![
        logging_hook(point, 1, "low", HookOutcome::Continue, &log),
        logging_hook(point, 5, "skip", HookOutcome::Skip, &log),
        logging_hook(point, 10, "high", HookOutcome::Continue, &log),
    ]);
    let (result, _) = check(ext, "00");
    assert_eq!(result.status, Status::Success);
    assert_eq!(*log.lock().expect("log"), ["high", "skip"]);
}

#[test]
fn abort_at_opcode_before_halts_with_the_reason() {
    let (ext, id) = with_hooks(vec![
        Hook::new(HookPoint::OpcodeBefore, |_| HookOutcome::Abort(7)).opcodes(&[0x55]),
    ]);
    // SSTORE(1, 2); STOP
    let (result, vm) = check(ext, "600260015500");
    assert_eq!(result.status, Status::Halt(Exit::ExtensionAbort));
    assert_eq!(result.abort, Some(AbortReason { source: id.0, code: 7 }));
    let slots = vm.db().accounts.get(&CONTRACT).map_or(0, |a| a.storage.len());
    assert_eq!(slots, 0, "the aborted SSTORE did not run");
}

#[test]
fn abort_at_tx_before_validation_rejects_the_transaction() {
    let (ext, id) =
        with_hooks(vec![Hook::new(HookPoint::TxBeforeValidation, |_| HookOutcome::Abort(9))]);
    let mut vm = vm(ext, &[(CONTRACT, "00".to_string())]);
    let err = send(&mut vm, CONTRACT, &[]).expect_err("rejected");
    assert!(
        matches!(err, Error::Rejected(AbortReason { source, code: 9 }) if source == id.0),
        "{err:?}"
    );
    assert_eq!(vm.db().accounts[&CALLER].info.nonce, 0, "nothing committed");
}

/// A hook before JUMPDEST writing slot 5 = 9 of the running frame's address.
fn jumpdest_writes_storage() -> Hook {
    Hook::new(HookPoint::OpcodeBefore, |_| {
        HookOutcome::Modify(vec![Modification::Storage {
            key: U256::from(5),
            value: U256::from(9),
        }])
    })
    .opcodes(&[0x5b])
}

fn slot(vm: &Vm<InMemoryDb, Extensions>, address: Address, key: u64) -> U256 {
    vm.db()
        .accounts
        .get(&address)
        .and_then(|a| a.storage.get(&U256::from(key)).copied())
        .unwrap_or_default()
}

#[test]
fn modify_storage_from_an_opcode_hook_persists() {
    let (ext, _) = with_hooks(vec![jumpdest_writes_storage()]);
    // JUMPDEST STOP
    let (result, vm) = check(ext, "5b00");
    assert_eq!(result.status, Status::Success);
    assert_eq!(slot(&vm, CONTRACT, 5), U256::from(9));
}

#[test]
fn modify_storage_in_a_reverted_frame_is_undone() {
    let (ext, _) = with_hooks(vec![jumpdest_writes_storage()]);
    // CONTRACT: CALL OTHER; return the flag. OTHER: JUMPDEST REVERT(0, 0).
    let contract = format!("{}60005260206000f3", call(OTHER, (0, 0), (0, 0), false));
    let mut vm = vm(ext, &[(CONTRACT, contract), (OTHER, "5b60006000fd".to_string())]);
    let result = send(&mut vm, CONTRACT, &[]).expect("transaction valid");
    assert_eq!(result.status, Status::Success);
    assert_eq!(result.output.as_ref(), word(U256::ZERO), "OTHER reverted");
    assert_eq!(slot(&vm, OTHER, 5), U256::ZERO, "the hook's write is undone");
}

#[test]
fn modify_storage_under_staticcall_is_refused() {
    let (ext, _) = with_hooks(vec![jumpdest_writes_storage()]);
    // CONTRACT: STATICCALL OTHER; return the flag. OTHER: JUMPDEST STOP.
    let contract = format!("{}60005260206000f3", call(OTHER, (0, 0), (0, 0), true));
    let mut vm = vm(ext, &[(CONTRACT, contract), (OTHER, "5b00".to_string())]);
    let result = send(&mut vm, CONTRACT, &[]).expect("transaction valid");
    assert_eq!(result.status, Status::Success);
    assert_eq!(result.output.as_ref(), word(U256::ONE), "the static call itself succeeds");
    assert_eq!(slot(&vm, OTHER, 5), U256::ZERO, "the write is refused");
    let metrics = vm.hooks().metrics();
    let row = metrics.row("test-hooks", "opcode.before").expect("row");
    assert_eq!((row.calls, row.errors), (1, 1), "the refusal is counted");
}

#[test]
fn a_refused_modification_is_counted_against_the_hook_that_asked() {
    let mut ext = Extensions::development();
    let watcher = Hook::new(HookPoint::OpcodeBefore, |_| HookOutcome::Continue).priority(10);
    ext.register(Extension::new("watcher", "1.0.0").hook(watcher)).expect("registers");
    ext.register(Extension::new("writer", "1.0.0").hook(jumpdest_writes_storage()))
        .expect("registers");
    let contract = format!("{}60005260206000f3", call(OTHER, (0, 0), (0, 0), true));
    let mut vm = vm(ext, &[(CONTRACT, contract), (OTHER, "5b00".to_string())]);
    let result = send(&mut vm, CONTRACT, &[]).expect("transaction valid");
    assert_eq!(result.status, Status::Success);
    assert_eq!(slot(&vm, OTHER, 5), U256::ZERO);
    let metrics = vm.hooks().metrics();
    let errors = |name| metrics.row(name, "opcode.before").expect("row").errors;
    assert_eq!((errors("watcher"), errors("writer")), (0, 1));
}

#[test]
fn replace_at_call_enter_mocks_the_call() {
    let (ext, _) = with_hooks(vec![Hook::new(HookPoint::CallEnter, |event| match event {
        HookEvent::Call { inputs, .. } if inputs.code_address == EMPTY => {
            HookOutcome::Replace(CallOutcome {
                outcome: Outcome::Success,
                gas_left: inputs.gas_limit,
                gas_refund: 0,
                output: Bytes::from(vec![0xab; 32]),
            })
        }
        _ => HookOutcome::Continue,
    })]);
    // CALL EMPTY, its output into mem[0..32]; RETURN it.
    let code = format!("{}5060206000f3", call(EMPTY, (0, 0), (0, 32), false));
    let (result, _) = check(ext, &code);
    assert_eq!(result.status, Status::Success);
    assert_eq!(result.output.as_ref(), [0xab; 32]);
}

#[test]
fn call_enter_fires_for_precompiles_and_empty_accounts() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    let (ext, _) = with_hooks(vec![Hook::new(HookPoint::CallEnter, move |event| {
        if let HookEvent::Call { depth, inputs } = event {
            log.lock().expect("log").push((*depth, inputs.code_address));
        }
        HookOutcome::Continue
    })]);
    let code = format!(
        "{}50{}5000",
        call(IDENTITY, (0, 0), (0, 0), false),
        call(EMPTY, (0, 0), (0, 0), false)
    );
    let (result, _) = check(ext, &code);
    assert_eq!(result.status, Status::Success);
    assert_eq!(*seen.lock().expect("log"), [(0, CONTRACT), (1, IDENTITY), (1, EMPTY)]);
}

#[test]
fn tx_after_execution_sees_the_state_changes() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    let (ext, _) = with_hooks(vec![Hook::new(HookPoint::TxAfterExecution, move |event| {
        if let HookEvent::TxEnd { result, .. } = event {
            log.lock().expect("log").push((result.status, result.changes.to_vec()));
        }
        HookOutcome::Continue
    })]);
    // SSTORE(1, 2); STOP
    let (result, _) = check(ext, "600260015500");
    assert_eq!(result.status, Status::Success);
    let seen = seen.lock().expect("log");
    assert_eq!(seen.len(), 1);
    let (status, changes) = &seen[0];
    assert_eq!(*status, TxStatus::Success);
    let contract: Vec<&AccountDiff> = changes.iter().filter(|d| d.address == CONTRACT).collect();
    assert_eq!(contract.len(), 1, "{changes:?}");
    assert_eq!(contract[0].storage, [(U256::from(1), U256::from(2))]);
}

#[test]
fn execute_block_runs_block_hooks_with_cumulative_gas() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (start, end) = (Arc::clone(&seen), Arc::clone(&seen));
    let (ext, _) = with_hooks(vec![
        Hook::new(HookPoint::BlockStart, move |event| {
            if let HookEvent::Block(info) = event {
                start.lock().expect("log").push(("start", **info));
            }
            HookOutcome::Continue
        }),
        Hook::new(HookPoint::BlockEnd, move |event| {
            if let HookEvent::Block(info) = event {
                end.lock().expect("log").push(("end", **info));
            }
            HookOutcome::Continue
        }),
    ]);
    let mut vm = vm(ext, &[(CONTRACT, "600260015500".to_string())]);
    let first = tx(&vm, CONTRACT, &[]);
    let second = Tx { nonce: first.nonce + 1, ..first.clone() };
    let block = vm.execute_block(&[first, second]).expect("block runs");
    let gas: Vec<u64> = block.results.iter().map(|r| r.as_ref().expect("valid").gas_used).collect();
    assert_eq!(block.cumulative_gas_used, gas[0] + gas[1]);
    let number = vm.block().number;
    assert_eq!(
        *seen.lock().expect("log"),
        [
            ("start", BlockInfo { number, transactions: 2, cumulative_gas_used: 0 }),
            ("end", BlockInfo { number, transactions: 2, cumulative_gas_used: gas[0] + gas[1] }),
        ]
    );
}

// 5. Registration refusals.

fn opcode_at(byte: u8, name: &str, override_it: bool) -> Extension {
    let op = CustomOpcode::new(byte, name, 2, 3, 1, Fork::Frontier, |ctx| {
        for _ in 0..3 {
            ctx.pop()?;
        }
        ctx.push(U256::from(0x77))
    });
    let op = if override_it { op.allow_override() } else { op };
    Extension::new(format!("op-{byte:02x}"), "1.0.0").opcode(op)
}

#[test]
fn redefining_create_without_override_is_refused() {
    let err = Extensions::development().register(opcode_at(0xf0, "MYCREATE", false));
    assert!(
        matches!(err, Err(ExtensionError::OpcodeDefined { opcode: 0xf0, name: "CREATE" })),
        "{err:?}"
    );
}

#[test]
fn push1_cannot_be_custom_even_with_override() {
    let err = Extensions::development().register(opcode_at(0x60, "MYPUSH", true));
    assert!(matches!(err, Err(ExtensionError::InvalidOpcode { opcode: 0x60, .. })), "{err:?}");
}

#[test]
fn replacing_create_with_override_runs_the_custom_opcode() {
    let mut ext = Extensions::development();
    ext.register(opcode_at(0xf0, "MYCREATE", true)).expect("override registers");
    // PUSH1 0 PUSH1 0 PUSH1 0 CREATE; MSTORE at 0; RETURN 32 bytes.
    let (result, _) = check(ext, "600060006000f060005260206000f3");
    assert_eq!(result.status, Status::Success);
    assert_eq!(result.output.as_ref(), word(U256::from(0x77)));
}

#[test]
fn production_and_paranoid_refuse_runtime_loading() {
    let math = example_plugin("math");
    let err = load(&mut Extensions::production(), &math);
    assert!(matches!(err, Err(ExtensionError::LoadingDisabled { .. })), "{err:?}");
    let paranoid = Config { security: SecurityLevel::Paranoid, ..Config::development() };
    let err = load(&mut Extensions::new(paranoid), &math);
    assert!(
        matches!(err, Err(ExtensionError::LoadingDisabled { reason: "security level paranoid" })),
        "{err:?}"
    );
}

// 6. Bad plugins.

/// The testbad plugin built with one defect feature.
fn testbad(feature: &str) -> PathBuf {
    build_plugin(
        "evmkit-plugin-testbad",
        "evmkit_plugin_testbad",
        &[feature],
        &format!("testbad-{feature}"),
    )
}

#[test]
fn a_file_that_is_not_a_library_is_a_load_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("libnot_a_plugin.so");
    std::fs::write(&path, b"this is not an ELF file").expect("write");
    let err = load(&mut Extensions::development(), &path);
    assert!(matches!(err, Err(ExtensionError::Load { .. })), "{err:?}");
}

/// Writes the first `len` bytes of the math plugin to `dir`.
fn truncated_math(dir: &Path, len: impl FnOnce(usize) -> usize) -> PathBuf {
    let bytes = std::fs::read(example_plugin("math")).expect("math plugin");
    let path = dir.join("libevmkit_plugin_math_truncated.so");
    std::fs::write(&path, &bytes[..len(bytes.len())]).expect("write");
    path
}

#[test]
fn a_library_truncated_inside_its_header_is_a_load_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Shorter than the 64-byte ELF header.
    let path = truncated_math(dir.path(), |_| 48);
    let err = load(&mut Extensions::development(), &path);
    assert!(matches!(err, Err(ExtensionError::Load { .. })), "{err:?}");
}

/// Set in the child process of the test below.
const TRUNCATED_CHILD: &str = "EVMKIT_TEST_TRUNCATED_PLUGIN_CHILD";

/// In a child process, so that a regression (glibc's `dlopen` maps the missing part of a
/// segment and dies of SIGBUS on first touch) fails this test instead of killing the run.
#[test]
fn a_library_truncated_inside_a_segment_is_refused_before_dlopen() {
    let dir = tempfile::tempdir().expect("tempdir");
    if std::env::var_os(TRUNCATED_CHILD).is_some() {
        let path = truncated_math(dir.path(), |len| len / 3);
        let err = load(&mut Extensions::development(), &path);
        println!("load returned {err:?}");
        return;
    }
    let exe = std::env::current_exe().expect("test binary");
    let out = std::process::Command::new(exe)
        .args(["--exact", "a_library_truncated_inside_a_segment_is_refused_before_dlopen"])
        .args(["--test-threads=1", "--nocapture"])
        .env(TRUNCATED_CHILD, "1")
        .output()
        .expect("child runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "the child died: {:?}\n{stdout}", out.status);
    // The typed variant (`ExtensionError::CorruptLibrary`) is matched on its debug form here:
    // the child's answer crosses a process boundary.
    assert!(stdout.contains("load returned Err(CorruptLibrary {"), "{stdout}");
}

#[test]
fn a_library_without_the_descriptor_is_missing_the_symbol() {
    let libm = ["/lib/x86_64-linux-gnu/libm.so.6", "/usr/lib/x86_64-linux-gnu/libm.so.6"]
        .into_iter()
        .map(Path::new)
        .find(|p| p.exists())
        .expect("the system libm");
    let err = load(&mut Extensions::development(), libm);
    assert!(
        matches!(
            err,
            Err(ExtensionError::MissingSymbol { symbol: "evmkit_plugin_descriptor", .. })
        ),
        "{err:?}"
    );
}

#[test]
fn a_wrong_abi_major_is_refused() {
    let err = load(&mut Extensions::development(), &testbad("wrong-major"));
    assert!(
        matches!(err, Err(ExtensionError::AbiMismatch { expected_major: 1, found_major: 2, .. })),
        "{err:?}"
    );
}

#[test]
fn a_future_abi_minor_is_refused_under_basic() {
    let path = testbad("future-minor");
    let err = load(&mut Extensions::development(), &path);
    assert!(
        matches!(
            err,
            Err(ExtensionError::AbiMismatch { expected_minor, found_major: 1, found_minor, .. })
                if found_minor == expected_minor + 1
        ),
        "{err:?}"
    );
    // Security `None` checks the major only.
    load(&mut Extensions::testing(), &path).expect("loads under security none");
}

#[test]
fn a_short_descriptor_is_refused() {
    let err = load(&mut Extensions::development(), &testbad("short-struct"));
    assert!(
        matches!(
            err,
            Err(ExtensionError::BadDescriptor { reason: "descriptor shorter than the ABI's", .. })
        ),
        "{err:?}"
    );
}

#[test]
fn a_wrong_magic_is_refused() {
    let err = load(&mut Extensions::development(), &testbad("bad-magic"));
    assert!(
        matches!(err, Err(ExtensionError::BadDescriptor { reason: "wrong magic", .. })),
        "{err:?}"
    );
}

#[test]
fn a_plugin_redefining_create_is_refused() {
    let mut ext = Extensions::development();
    let err = load(&mut ext, &testbad("redefine-create"));
    assert!(
        matches!(err, Err(ExtensionError::OpcodeDefined { opcode: 0xf0, name: "CREATE" })),
        "{err:?}"
    );
    assert!(ext.list().is_empty(), "nothing registered");
}

#[test]
fn a_panicking_hook_disables_its_plugin_and_the_transaction_completes() {
    let mut ext = Extensions::development();
    let id = load(&mut ext, &testbad("panic-hook")).expect("loads");
    // SSTORE(1, 2); STOP
    let (result, mut vm) = check(ext, "600260015500");
    assert_eq!(result.status, Status::Success);
    assert_eq!(slot(&vm, CONTRACT, 1), U256::from(2), "the transaction ran to the end");
    assert!(!vm.hooks().is_enabled(id));
    let row = |vm: &Vm<InMemoryDb, Extensions>| {
        let metrics = vm.hooks().metrics();
        let row = metrics.row("testbad", "opcode.before").expect("row").clone();
        (row.calls, row.faults)
    };
    assert_eq!(row(&vm), (1, 1));
    // The disabled hook is not called again.
    let result = send(&mut vm, CONTRACT, &[]).expect("transaction valid");
    assert_eq!(result.status, Status::Success);
    assert_eq!(row(&vm), (1, 1));
}

#[test]
fn a_panicking_opcode_is_an_extension_fault() {
    let mut ext = Extensions::development();
    let id = load(&mut ext, &testbad("panic-opcode")).expect("loads");
    let (result, mut vm) = check(ext, ISQRT_16);
    assert_eq!(result.status, Status::Halt(Exit::ExtensionFault));
    assert!(!vm.hooks().is_enabled(id));
    let metrics = vm.hooks().metrics();
    let row = metrics.row("testbad", "opcode").expect("row");
    assert_eq!((row.calls, row.faults), (1, 1));
    // Disabled: the opcode faults without running.
    let result = send(&mut vm, CONTRACT, &[]).expect("transaction valid");
    assert_eq!(result.status, Status::Halt(Exit::ExtensionFault));
}

/// The testbad build with `feature` in a development registry.
fn testbad_loaded(feature: &str) -> (Extensions, ExtensionId) {
    let mut ext = Extensions::development();
    let id = load(&mut ext, &testbad(feature)).expect("loads");
    (ext, id)
}

/// Calls, errors and faults of the testbad plugin at `point`.
fn testbad_row(vm: &Vm<InMemoryDb, Extensions>, point: &str) -> (u64, u64, u64) {
    let metrics = vm.hooks().metrics();
    let row = metrics.row("testbad", point).expect("testbad row");
    (row.calls, row.errors, row.faults)
}

#[test]
fn a_panicking_tx_hook_disables_its_plugin_and_the_transaction_completes() {
    let (ext, id) = testbad_loaded("panic-tx-hook");
    // SSTORE(1, 2); STOP
    let (result, vm) = check(ext, "600260015500");
    assert_eq!(result.status, Status::Success);
    assert_eq!(slot(&vm, CONTRACT, 1), U256::from(2));
    assert!(!vm.hooks().is_enabled(id));
    assert_eq!(testbad_row(&vm, "tx.before_execution"), (1, 0, 1));
}

#[test]
fn a_panicking_call_hook_disables_its_plugin_and_the_calls_go_ahead() {
    let (ext, id) = testbad_loaded("panic-call-hook");
    // CONTRACT: CALL OTHER; return the flag. OTHER: SSTORE(1, 2); STOP.
    let contract = format!("{}60005260206000f3", call(OTHER, (0, 0), (0, 0), false));
    let mut vm = vm(ext, &[(CONTRACT, contract), (OTHER, "600260015500".to_string())]);
    let result = send(&mut vm, CONTRACT, &[]).expect("transaction valid");
    assert_eq!(result.status, Status::Success);
    assert_eq!(result.output.as_ref(), word(U256::ONE));
    assert_eq!(slot(&vm, OTHER, 1), U256::from(2));
    assert!(!vm.hooks().is_enabled(id));
    // The top-level call faulted; the inner one no longer reached the plugin.
    assert_eq!(testbad_row(&vm, "call.enter"), (1, 0, 1));
}

#[test]
fn a_panicking_precompile_fails_its_call_and_disables_its_plugin() {
    let (ext, id) = testbad_loaded("panic-precompile");
    let mut precompile = [0; 20];
    precompile[18] = 0x0b;
    // CALL 0x…0b00; return the flag.
    let code = format!("{}60005260206000f3", call(Address::new(precompile), (0, 0), (0, 0), false));
    let (result, mut vm) = check(ext, &code);
    assert_eq!(result.status, Status::Success);
    assert_eq!(result.output.as_ref(), word(U256::ZERO), "the faulting precompile fails");
    assert!(!vm.hooks().is_enabled(id));
    assert_eq!(testbad_row(&vm, "precompile"), (1, 0, 1));
    // Disabled: the call still fails, without reaching the plugin.
    let result = send(&mut vm, CONTRACT, &[]).expect("transaction valid");
    assert_eq!(result.output.as_ref(), word(U256::ZERO));
    assert_eq!(testbad_row(&vm, "precompile"), (1, 0, 1));
}

#[test]
fn a_hook_returning_an_error_is_counted_and_stays_enabled() {
    let (ext, id) = testbad_loaded("error-hook");
    // PUSH1 PUSH1 SSTORE STOP: four opcodes.
    let (result, vm) = check(ext, "600260015500");
    assert_eq!(result.status, Status::Success);
    assert_eq!(slot(&vm, CONTRACT, 1), U256::from(2));
    assert!(vm.hooks().is_enabled(id));
    assert_eq!(testbad_row(&vm, "opcode.before"), (4, 4, 0));
}

// 7. Strict signatures and reload.

/// The signing key of the tests.
fn signing_key() -> SigningKey {
    SigningKey::from_bytes(&[7; 32])
}

/// A `Strict` registry trusting `key`.
fn strict(key: &SigningKey) -> Extensions {
    Extensions::new(Config {
        security: SecurityLevel::Strict,
        allow_runtime_loading: true,
        trusted_keys: vec![key.verifying_key().to_bytes()],
        ..Config::development()
    })
}

/// Copies the math plugin into `dir`, with `PATH.sig` signed by `key` when there is one.
fn signed_math(dir: &Path, key: Option<&SigningKey>) -> PathBuf {
    let bytes = std::fs::read(example_plugin("math")).expect("math plugin");
    let path = dir.join("libevmkit_plugin_math.so");
    std::fs::write(&path, &bytes).expect("write plugin");
    if let Some(key) = key {
        let sig = key.sign(&bytes).to_bytes();
        std::fs::write(dir.join("libevmkit_plugin_math.so.sig"), sig).expect("write sig");
    }
    path
}

#[test]
fn strict_loads_a_plugin_signed_by_a_trusted_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = signing_key();
    let path = signed_math(dir.path(), Some(&key));
    let mut ext = strict(&key);
    load(&mut ext, &path).expect("signed plugin loads");
    let (result, _) = check(ext, ISQRT_16);
    assert_eq!(result.output.as_ref(), word(U256::from(4)));
}

#[test]
fn strict_refuses_an_untrusted_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = signed_math(dir.path(), Some(&SigningKey::from_bytes(&[8; 32])));
    let err = load(&mut strict(&signing_key()), &path);
    assert!(matches!(err, Err(ExtensionError::BadSignature { .. })), "{err:?}");
}

#[test]
fn strict_refuses_an_unsigned_plugin() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = signed_math(dir.path(), None);
    let err = load(&mut strict(&signing_key()), &path);
    assert!(matches!(err, Err(ExtensionError::MissingSignature { .. })), "{err:?}");
}

#[test]
fn strict_refuses_a_file_modified_after_signing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = signing_key();
    let path = signed_math(dir.path(), Some(&key));
    let mut bytes = std::fs::read(&path).expect("read");
    bytes.push(0);
    std::fs::write(&path, bytes).expect("write");
    let err = load(&mut strict(&key), &path);
    assert!(matches!(err, Err(ExtensionError::BadSignature { .. })), "{err:?}");
}

#[test]
fn strict_enforces_declared_capabilities() {
    let mut ext = strict(&signing_key());
    let err = ext.register(Extension::new("undeclared", "1.0.0").hook(jumpdest_writes_storage()));
    assert!(
        matches!(err, Err(ExtensionError::MissingCapability { capability: "hooks", .. })),
        "{err:?}"
    );
    // Hooks declared, state writes not: the storage modification is refused and counted.
    let declared = Extension::new("hooks-only", "1.0.0")
        .capabilities(Capabilities::HOOKS)
        .hook(jumpdest_writes_storage());
    ext.register(declared).expect("registers");
    let (result, vm) = check(ext, "5b00");
    assert_eq!(result.status, Status::Success);
    assert_eq!(slot(&vm, CONTRACT, 5), U256::ZERO);
    let metrics = vm.hooks().metrics();
    let row = metrics.row("hooks-only", "opcode.before").expect("row");
    assert_eq!((row.calls, row.errors), (1, 1));
}

#[test]
fn reloading_the_counter_gives_a_new_id_and_it_still_counts() {
    let _lock = COUNTER.lock().unwrap_or_else(|e| e.into_inner());
    let mut ext = Extensions::development();
    let id = load(&mut ext, &example_plugin("counter")).expect("counter loads");
    // SAFETY: the counter plugin, built by this test run.
    let new_id = unsafe { ext.reload_plugin(id) }.expect("reloads");
    assert_ne!(new_id, id);
    assert!(!ext.list().iter().any(|(i, _, _)| *i == id), "the old id is gone");
    let path = ext.plugin_path(new_id).expect("a plugin").to_path_buf();
    let mut vm = vm(ext, &counted_contracts());
    let before = counter_total(&path);
    let result = send(&mut vm, CONTRACT, &[]).expect("transaction valid");
    assert_eq!(result.status, Status::Success);
    assert_eq!(counter_total(&path) - before, 15);
    let metrics = vm.hooks().metrics();
    let row = metrics.row("counter", "opcode.before").expect("row");
    assert_eq!((row.extension_id, row.calls), (new_id.0, 15));
}
