//! Limits under adversarial input, through `Vm::transact`: 1024-deep chains of CALLs and of
//! CREATEs on a thread with a 256 KiB native stack (hooks off and on), memory expansion that
//! gas cannot pay for, huge return data, and the exact halt reasons of failed creations and
//! precompile calls.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use evm_extensions::{Capabilities, Extension, Hook, HookOutcome, HookPoint};
use evm_interp::Exit;
use evm_vm::{
    Address, BlockEnv, Bytes, ExecResult, Extensions, Fork, InMemoryDb, Status, Tx, U256, VmBuilder,
};

/// The sender of every transaction.
const CALLER: Address = Address::with_last_byte(0xc0);
/// The contract the call tests call.
const CONTRACT: Address = Address::with_last_byte(0xaa);
/// The native stack of the thread the deep chains run on.
const SMALL_STACK: usize = 256 * 1024;

/// `slot0 += 1; CALL(gas, ADDRESS, 0, 0, 0, 0, 0); STOP`: calls itself until the depth limit.
const SELF_CALL: &str = "5f546001015f555f5f5f5f5f305af100";
/// Init code that copies itself to memory and CREATEs it: a creation chain to the depth limit.
const SELF_CREATE: &str = "385f5f39385f5ff000";

fn db(contracts: &[(Address, &str)]) -> InMemoryDb {
    let mut db = InMemoryDb::default();
    db.insert_account(CALLER, U256::from(10u128.pow(30)), 0, Bytes::new(), []);
    for (address, code) in contracts {
        let code = hex::decode(code).expect("contract hex");
        db.insert_account(*address, U256::ZERO, 1, code.into(), []);
    }
    db
}

fn block(gas_limit: u64) -> BlockEnv {
    BlockEnv { gas_limit: U256::from(gas_limit), ..BlockEnv::default() }
}

fn tx(to: Option<Address>, data: &[u8], gas_limit: u64) -> Tx {
    Tx {
        caller: CALLER,
        to,
        data: Bytes::copy_from_slice(data),
        gas_limit,
        gas_price: U256::from(1),
        ..Tx::default()
    }
}

/// A registry with an opcode hook (so frames run the hooked loop) and call and create hooks.
fn hooked() -> (Extensions, Arc<AtomicU64>) {
    let steps = Arc::new(AtomicU64::new(0));
    let counter = Arc::clone(&steps);
    let mut ext = Extensions::testing();
    let extension = Extension::new("deep", "1")
        .capabilities(Capabilities::HOOKS)
        .hook(Hook::new(HookPoint::OpcodeBefore, move |_| {
            counter.fetch_add(1, Ordering::Relaxed);
            HookOutcome::Continue
        }))
        .hook(Hook::new(HookPoint::CallEnter, |_| HookOutcome::Continue))
        .hook(Hook::new(HookPoint::CallExit, |_| HookOutcome::Continue))
        .hook(Hook::new(HookPoint::CreateEnter, |_| HookOutcome::Continue))
        .hook(Hook::new(HookPoint::CreateExit, |_| HookOutcome::Continue));
    ext.register(extension).expect("a valid extension");
    (ext, steps)
}

/// Runs `f` on a new thread with a [`SMALL_STACK`] native stack and returns its value.
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .name("small-stack".into())
        .stack_size(SMALL_STACK)
        .spawn(f)
        .expect("spawn")
        .join()
        .expect("the deep chain ran without a panic")
}

/// The number of frames of the self-call chain that ran: slot 0 of [`CONTRACT`].
fn frames_run(vm_db: &InMemoryDb) -> U256 {
    vm_db.accounts[&CONTRACT].storage.get(&U256::ZERO).copied().unwrap_or_default()
}

/// Accounts the creation chain made: every account but the sender with a nonce.
fn created_accounts(vm_db: &InMemoryDb) -> usize {
    vm_db.accounts.iter().filter(|(a, acc)| **a != CALLER && acc.info.nonce > 0).count()
}

const DEEP_GAS: u64 = 10_000_000_000_000;

#[test]
fn a_1024_deep_call_chain_runs_on_a_256_kib_stack() {
    let frames = on_small_stack(|| {
        let mut vm = VmBuilder::new(db(&[(CONTRACT, SELF_CALL)]))
            .fork(Fork::Cancun)
            .block(block(DEEP_GAS))
            .build();
        let result = vm.transact_commit(&tx(Some(CONTRACT), &[], DEEP_GAS)).expect("valid");
        assert_eq!(result.status, Status::Success);
        frames_run(vm.db())
    });
    // Depths 0 through 1024 each ran and incremented the counter; the CALL at 1024 failed.
    assert_eq!(frames, U256::from(1025));
}

#[test]
fn a_1024_deep_call_chain_with_hooks_runs_on_a_256_kib_stack() {
    let (frames, steps) = on_small_stack(|| {
        let (ext, steps) = hooked();
        let mut vm = VmBuilder::new(db(&[(CONTRACT, SELF_CALL)]))
            .fork(Fork::Cancun)
            .block(block(DEEP_GAS))
            .extensions(ext)
            .build();
        let result = vm.transact_commit(&tx(Some(CONTRACT), &[], DEEP_GAS)).expect("valid");
        assert_eq!(result.status, Status::Success);
        (frames_run(vm.db()), steps.load(Ordering::Relaxed))
    });
    assert_eq!(frames, U256::from(1025));
    // 14 instructions per frame, and each frame's STOP.
    assert_eq!(steps, 1025 * 15);
}

fn create_chain(ext: Option<Extensions>) -> (ExecResult, usize) {
    let init = hex::decode(SELF_CREATE).expect("init hex");
    let builder = VmBuilder::new(db(&[])).fork(Fork::Cancun).block(block(100 * DEEP_GAS));
    let tx = tx(None, &init, 100 * DEEP_GAS);
    match ext {
        None => {
            let mut vm = builder.build();
            let result = vm.transact_commit(&tx).expect("valid");
            let created = created_accounts(vm.db());
            (result, created)
        }
        Some(ext) => {
            let mut vm = builder.extensions(ext).build();
            let result = vm.transact_commit(&tx).expect("valid");
            let created = created_accounts(vm.db());
            (result, created)
        }
    }
}

#[test]
fn a_1024_deep_create_chain_runs_on_a_256_kib_stack() {
    let (result, created) = on_small_stack(|| create_chain(None));
    assert_eq!(result.status, Status::Success);
    // The transaction's own creation and one per depth 1 through 1024.
    assert_eq!(created, 1025);
}

#[test]
fn a_1024_deep_create_chain_with_hooks_runs_on_a_256_kib_stack() {
    let (result, created) = on_small_stack(|| create_chain(Some(hooked().0)));
    assert_eq!(result.status, Status::Success);
    assert_eq!(created, 1025);
}

/// Runs `code` as [`CONTRACT`] at `fork` with `gas` and returns the result.
fn run(fork: Fork, code: &str, gas: u64) -> ExecResult {
    let mut vm = VmBuilder::new(db(&[(CONTRACT, code)])).fork(fork).block(block(gas)).build();
    vm.transact_commit(&tx(Some(CONTRACT), &[], gas)).expect("valid")
}

#[test]
fn memory_expansion_gas_cannot_pay_for_halts_out_of_gas_at_once() {
    // MSTORE at offset 2^32, 2^40 and 2^64 - 1: each halts out of gas; none allocates.
    for offset in ["0100000000", "010000000000", "ffffffffffffffff"] {
        let push = format!("{:02x}{offset}", 0x5f + offset.len() / 2);
        let code = format!("6001{push}52");
        let start = std::time::Instant::now();
        let result = run(Fork::Cancun, &code, 30_000_000);
        assert_eq!(result.status, Status::Halt(Exit::OutOfGas), "offset 0x{offset}");
        assert_eq!(result.gas_used, 30_000_000);
        assert!(start.elapsed().as_secs() < 5, "offset 0x{offset} took {:?}", start.elapsed());
    }
}

#[test]
fn quadratic_memory_stops_at_the_gas_bound() {
    // Grow memory by 32 KiB per step (MSTORE8 at an offset that rises) until gas runs out:
    // the loop halts out of gas, and the memory it paid for stays under the quadratic bound.
    // PUSH0; JUMPDEST PUSH1 1 ADD DUP1 PUSH2 0x8000 MUL PUSH0 SWAP1 MSTORE8 PUSH1 1 JUMP
    let code = "5f5b60010180618000025f9053600156";
    let result = run(Fork::Cancun, code, 30_000_000);
    assert_eq!(result.status, Status::Halt(Exit::OutOfGas));
    assert_eq!(result.gas_used, 30_000_000);
}

#[test]
fn huge_return_data_is_bounded_by_gas() {
    // The callee returns 1 MiB (memory it pays for); the caller copies it with
    // RETURNDATACOPY and returns its size.
    // callee: RETURN(0, 0x100000)
    let callee = "621000005ff3";
    let callee_address = Address::with_last_byte(0xbb);
    // caller: CALL(gas, callee, 0, 0, 0, 0, 0) POP; RETURNDATACOPY(0, 0, RETURNDATASIZE);
    // MSTORE(0, RETURNDATASIZE); RETURN(0, 32)
    let caller = format!(
        "5f5f5f5f5f73{}5af1503d5f5f3e3d5f5260205ff3",
        hex::encode(callee_address.as_slice())
    );
    let mut vm = VmBuilder::new(db(&[(CONTRACT, &caller), (callee_address, callee)]))
        .fork(Fork::Cancun)
        .block(block(30_000_000))
        .build();
    let result = vm.transact_commit(&tx(Some(CONTRACT), &[], 30_000_000)).expect("valid");
    assert_eq!(result.status, Status::Success);
    assert_eq!(U256::from_be_slice(&result.output), U256::from(0x100000));
    // With 1/100 of the gas, the callee cannot pay for 1 MiB: the call fails, nothing returns.
    let mut vm = VmBuilder::new(db(&[(CONTRACT, &caller), (callee_address, callee)]))
        .fork(Fork::Cancun)
        .block(block(300_000))
        .build();
    let result = vm.transact_commit(&tx(Some(CONTRACT), &[], 300_000)).expect("valid");
    assert_eq!(result.status, Status::Success);
    assert_eq!(U256::from_be_slice(&result.output), U256::ZERO);
}

/// Runs a creation transaction with `init` at `fork`.
fn create(fork: Fork, init: &str, gas: u64, pre: &[(Address, &str)]) -> ExecResult {
    let mut vm = VmBuilder::new(db(pre)).fork(fork).block(block(gas)).build();
    let init = hex::decode(init).expect("init hex");
    vm.transact_commit(&tx(None, &init, gas)).expect("valid")
}

#[test]
fn a_creation_at_an_existing_address_halts_with_create_collision() {
    let address = CALLER.create(0);
    let result = create(Fork::Cancun, "00", 100_000, &[(address, "00")]);
    assert_eq!(result.status, Status::Halt(Exit::CreateCollision));
}

#[test]
fn code_starting_with_0xef_halts_with_invalid_code_prefix() {
    // RETURN one byte 0xef: MSTORE8(0, 0xef) RETURN(0, 1)
    let result = create(Fork::London, "60ef60005360016000f3", 100_000, &[]);
    assert_eq!(result.status, Status::Halt(Exit::InvalidCodePrefix));
    // Before London the same code is deposited.
    let result = create(Fork::Berlin, "60ef60005360016000f3", 100_000, &[]);
    assert_eq!(result.status, Status::Success);
}

#[test]
fn code_over_the_size_limit_halts_with_code_size_limit() {
    // RETURN(0, 24577)
    let result = create(Fork::Cancun, "6160015ff3", 10_000_000, &[]);
    assert_eq!(result.status, Status::Halt(Exit::CodeSizeLimit));
}

#[test]
fn a_code_deposit_gas_cannot_pay_halts_with_code_deposit_out_of_gas() {
    // RETURN(0, 1000): 200_000 deposit gas, more than the 100_000 the transaction has left.
    let result = create(Fork::Cancun, "6103e85ff3", 100_000 + 53_000, &[]);
    assert_eq!(result.status, Status::Halt(Exit::CodeDepositOutOfGas));
}
