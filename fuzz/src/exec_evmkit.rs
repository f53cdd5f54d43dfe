//! Running a case on evmkit, built exactly as the state-test runner builds its VM, so that the
//! reproducer JSON replays the same execution.

use alloy_primitives::{Bytes, KECCAK256_EMPTY, U256};
use evm_interp::Exit;
use evm_vm::statetest::test_block_hash;
use evm_vm::{BlockEnv, Fork, InMemoryDb, Vm, VmBuilder, VmHooks};

use crate::case::{CHAIN_ID, Case};
use crate::outcome::{AccountState, Executed, Halt, Observed, Status, World};

/// How many block hashes BLOCKHASH sees (as in the state-test runner).
const BLOCKHASH_WINDOW: u64 = 256;

/// The pre-state database of `case`, with the state tests' block hashes.
pub fn pre_db(case: &Case) -> InMemoryDb {
    let mut db = InMemoryDb::default();
    for a in &case.pre {
        db.insert_account(a.address, a.balance, a.nonce, a.code.clone(), a.storage.clone());
    }
    let number = case.env.number;
    for n in number.saturating_sub(BLOCKHASH_WINDOW)..number {
        db.block_hashes.insert(n, test_block_hash(n));
    }
    db
}

/// The block environment, as the state-test runner derives it.
pub fn block(case: &Case) -> BlockEnv {
    let fork = case.fork;
    BlockEnv {
        number: U256::from(case.env.number),
        coinbase: case.env.coinbase,
        timestamp: U256::from(case.env.timestamp),
        gas_limit: U256::from(case.env.gas_limit),
        basefee: if fork >= Fork::London { U256::from(case.env.basefee) } else { U256::ZERO },
        difficulty: if fork >= Fork::Paris { U256::ZERO } else { case.env.difficulty },
        prevrandao: case.env.prevrandao,
        blob_basefee: U256::ZERO,
        chain_id: U256::from(CHAIN_ID),
    }
}

/// A VM for `case` with `hooks`.
pub fn vm<H: VmHooks>(case: &Case, hooks: H) -> Vm<InMemoryDb, H> {
    VmBuilder::new(pre_db(case))
        .fork(case.fork)
        .block(block(case))
        .excess_blob_gas((case.fork >= Fork::Cancun).then_some(0))
        .hooks(hooks)
        .build()
}

fn halt(exit: Exit) -> Halt {
    match exit {
        Exit::OutOfGas => Halt::OutOfGas,
        Exit::StackUnderflow => Halt::StackUnderflow,
        Exit::StackOverflow => Halt::StackOverflow,
        Exit::InvalidJump => Halt::InvalidJump,
        Exit::InvalidOpcode => Halt::InvalidOpcode,
        Exit::StateChangeDuringStaticCall => Halt::StaticStateChange,
        Exit::ReturnDataOutOfBounds => Halt::ReturnDataOutOfBounds,
        Exit::CreateInitCodeTooLarge => Halt::InitCodeTooLarge,
        Exit::Stop => Halt::Other("Stop"),
        Exit::Return => Halt::Other("Return"),
        Exit::Revert => Halt::Other("Revert"),
        Exit::SelfDestruct => Halt::Other("SelfDestruct"),
        Exit::ExtensionAbort => Halt::Other("ExtensionAbort"),
        Exit::ExtensionFault => Halt::Other("ExtensionFault"),
        // Finer exits that newer evmkit versions report, matched by name so that this crate
        // builds with and without them.
        #[allow(unreachable_patterns, reason = "depends on the evm-interp version")]
        other => match format!("{other:?}").as_str() {
            "CreateCollision" => Halt::CreateCollision,
            "PrecompileFailure" => Halt::PrecompileFailure,
            "InvalidCodePrefix" => Halt::CodePrefix,
            "CodeSizeLimit" => Halt::CodeSizeLimit,
            "CodeDepositOutOfGas" => Halt::OutOfGas,
            _ => Halt::Other("unknown evmkit exit"),
        },
    }
}

/// The normalised world of an evmkit database.
pub fn world(db: &InMemoryDb) -> World {
    db.accounts
        .iter()
        .map(|(address, account)| {
            let info = &account.info;
            let code = match &info.code {
                Some(code) => code.original().clone(),
                None if info.code_hash == KECCAK256_EMPTY => Bytes::new(),
                None => {
                    db.codes.get(&info.code_hash).map(|c| c.original().clone()).unwrap_or_default()
                }
            };
            let storage = account
                .storage
                .iter()
                .filter(|(_, v)| !v.is_zero())
                .map(|(k, v)| (*k, *v))
                .collect();
            let state = AccountState {
                balance: info.balance,
                nonce: info.nonce,
                code_hash: info.code_hash,
                code,
                storage,
            };
            (*address, state)
        })
        .collect()
}

/// Runs `case` on `vm` and commits the result.
pub fn run_on<H: VmHooks>(case: &Case, vm: &mut Vm<InMemoryDb, H>) -> Observed {
    let out = vm.transact(&case.tx).map_err(|e| e.to_string())?;
    let r = out.result;
    let status = match r.status {
        evm_vm::Status::Success => Status::Success,
        evm_vm::Status::Revert => Status::Revert,
        evm_vm::Status::Halt(exit) => Status::Halt(halt(exit)),
    };
    vm.commit(out.state);
    Ok(Executed {
        status,
        gas_used: r.gas_used,
        refund: r.gas_refunded,
        output: r.output,
        logs: r.logs,
        world: world(vm.db()),
    })
}

/// Runs `case` on a fresh evmkit VM.
pub fn run(case: &Case) -> Observed {
    run_on(case, &mut vm(case, evm_vm::NoHooks))
}
