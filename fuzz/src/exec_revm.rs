//! Running a case on revm 43 from the same pre-state, and normalising its state changes into a
//! [`World`] the way a state-test runner applies them (SELFDESTRUCT and, from Spurious Dragon
//! on, touched empty accounts delete; created accounts lose their old storage).

use alloy_primitives::{Bytes, KECCAK256_EMPTY};
use evm_vm::Fork;
use revm::context::either::Either;
use revm::context::result::{EVMError, ExecutionResult, HaltReason};
use revm::context::transaction::{AccessList, AccessListItem, Authorization, SignedAuthorization};
use revm::context::{BlockEnv, CfgEnv, Context, TxEnv};
use revm::context_interface::block::BlobExcessGasAndPrice;
use revm::database::{CacheDB, EmptyDB};
use revm::handler::{MainBuilder, MainnetContext};
use revm::primitives::TxKind;
use revm::primitives::eip4844::BLOB_BASE_FEE_UPDATE_FRACTION_CANCUN;
use revm::primitives::hardfork::SpecId;
use revm::state::{AccountInfo, Bytecode, EvmState};
use revm::{ExecuteEvm, InspectEvm, MainContext};

use crate::case::{CHAIN_ID, Case};
use crate::outcome::{AccountState, Executed, Halt, Observed, Status, World};
use crate::trace::{RevmTracer, Step};

/// revm's spec for an evmkit fork (`None` for the original Constantinople, which revm 43 lacks).
pub fn spec(fork: Fork) -> Option<SpecId> {
    Some(match fork {
        Fork::Frontier => SpecId::FRONTIER,
        Fork::Homestead => SpecId::HOMESTEAD,
        Fork::Tangerine => SpecId::TANGERINE,
        Fork::SpuriousDragon => SpecId::SPURIOUS_DRAGON,
        Fork::Byzantium => SpecId::BYZANTIUM,
        Fork::Constantinople => return None,
        Fork::Petersburg => SpecId::PETERSBURG,
        Fork::Istanbul => SpecId::ISTANBUL,
        Fork::Berlin => SpecId::BERLIN,
        Fork::London => SpecId::LONDON,
        Fork::Paris => SpecId::MERGE,
        Fork::Shanghai => SpecId::SHANGHAI,
        Fork::Cancun => SpecId::CANCUN,
        Fork::Prague => SpecId::PRAGUE,
        Fork::Osaka => SpecId::OSAKA,
    })
}

fn context(case: &Case) -> Result<MainnetContext<CacheDB<EmptyDB>>, String> {
    let spec = spec(case.fork).ok_or_else(|| format!("revm has no fork {}", case.fork))?;
    let mut db = CacheDB::new(EmptyDB::new());
    for a in &case.pre {
        let code =
            if a.code.is_empty() { Bytecode::default() } else { Bytecode::new_raw(a.code.clone()) };
        db.insert_account_info(
            a.address,
            AccountInfo::new(a.balance, a.nonce, code.hash_slow(), code),
        );
        for &(key, value) in &a.storage {
            db.insert_account_storage(a.address, key, value).map_err(|e| e.to_string())?;
        }
    }
    let fork = case.fork;
    let block = BlockEnv {
        number: alloy_primitives::U256::from(case.env.number),
        beneficiary: case.env.coinbase,
        timestamp: alloy_primitives::U256::from(case.env.timestamp),
        gas_limit: case.env.gas_limit,
        basefee: if fork >= Fork::London { case.env.basefee } else { 0 },
        difficulty: if fork >= Fork::Paris {
            alloy_primitives::U256::ZERO
        } else {
            case.env.difficulty
        },
        prevrandao: Some(case.env.prevrandao),
        blob_excess_gas_and_price: (fork >= Fork::Cancun)
            .then(|| BlobExcessGasAndPrice::new(0, BLOB_BASE_FEE_UPDATE_FRACTION_CANCUN)),
        ..BlockEnv::default()
    };
    let mut cfg = CfgEnv::new_with_spec(spec);
    cfg.chain_id = CHAIN_ID;
    // revm leaves the per-transaction blob limit to its configuration: the fork's values
    // (EIP-4844: 6; EIP-7691, Prague: 9; EIP-7594, Osaka: 6 per transaction).
    cfg.max_blobs_per_tx = match fork {
        Fork::Prague => Some(9),
        f if f >= Fork::Cancun => Some(6),
        _ => None,
    };
    Ok(Context::mainnet().with_db(db).with_cfg(cfg).with_block(block))
}

fn saturating_u128(v: alloy_primitives::U256) -> u128 {
    u128::try_from(v).unwrap_or(u128::MAX)
}

/// The revm transaction of a case.
pub fn tx(case: &Case) -> TxEnv {
    let t = &case.tx;
    let tx_type = match t.tx_type() {
        evm_vm::TxType::Legacy => 0,
        evm_vm::TxType::AccessList => 1,
        evm_vm::TxType::FeeMarket => 2,
        evm_vm::TxType::Blob => 3,
        evm_vm::TxType::SetCode => 4,
    };
    let access_list = t
        .access_list
        .iter()
        .flatten()
        .map(|item| AccessListItem {
            address: item.address,
            storage_keys: item.storage_keys.clone(),
        })
        .collect();
    TxEnv {
        tx_type,
        caller: t.caller,
        gas_limit: t.gas_limit,
        gas_price: saturating_u128(t.max_fee_per_gas.unwrap_or(t.gas_price)),
        kind: t.to.map_or(TxKind::Create, TxKind::Call),
        value: t.value,
        data: t.data.clone(),
        nonce: t.nonce,
        chain_id: t.chain_id.map(|c| c.saturating_to()),
        access_list: AccessList(access_list),
        gas_priority_fee: t.max_priority_fee_per_gas.map(saturating_u128),
        blob_hashes: t.blob_hashes.clone().unwrap_or_default(),
        max_fee_per_blob_gas: t.max_fee_per_blob_gas.map(saturating_u128).unwrap_or_default(),
        authorization_list: t
            .authorization_list
            .iter()
            .flatten()
            .map(|a| {
                let inner = Authorization {
                    chain_id: a.chain_id,
                    address: a.address,
                    nonce: a.nonce.saturating_to(),
                };
                let parity = u8::try_from(a.y_parity).unwrap_or(u8::MAX);
                Either::Left(SignedAuthorization::new_unchecked(inner, parity, a.r, a.s))
            })
            .collect(),
    }
}

fn halt(reason: &HaltReason) -> Halt {
    match reason {
        HaltReason::OutOfGas(_) => Halt::OutOfGas,
        HaltReason::OpcodeNotFound | HaltReason::InvalidFEOpcode | HaltReason::NotActivated => {
            Halt::InvalidOpcode
        }
        HaltReason::InvalidJump => Halt::InvalidJump,
        HaltReason::StackUnderflow => Halt::StackUnderflow,
        HaltReason::StackOverflow => Halt::StackOverflow,
        HaltReason::OutOfOffset => Halt::ReturnDataOutOfBounds,
        HaltReason::CreateCollision => Halt::CreateCollision,
        HaltReason::PrecompileError | HaltReason::PrecompileErrorWithContext(_) => {
            Halt::PrecompileFailure
        }
        HaltReason::NonceOverflow => Halt::NonceOverflow,
        HaltReason::CreateContractSizeLimit => Halt::CodeSizeLimit,
        HaltReason::CreateContractStartingWithEF => Halt::CodePrefix,
        HaltReason::CreateInitCodeSizeLimit => Halt::InitCodeTooLarge,
        HaltReason::StateChangeDuringStaticCall | HaltReason::CallNotAllowedInsideStatic => {
            Halt::StaticStateChange
        }
        HaltReason::OverflowPayment => Halt::Other("OverflowPayment"),
        HaltReason::OutOfFunds => Halt::Other("OutOfFunds"),
        HaltReason::CallTooDeep => Halt::Other("CallTooDeep"),
    }
}

/// The world after applying `state` to the case's pre-state.
fn world(case: &Case, state: &EvmState) -> World {
    let mut world: World = case
        .pre
        .iter()
        .map(|a| {
            let code = Bytecode::new_raw(a.code.clone());
            let state = AccountState {
                balance: a.balance,
                nonce: a.nonce,
                code_hash: if a.code.is_empty() { KECCAK256_EMPTY } else { code.hash_slow() },
                code: a.code.clone(),
                storage: a.storage.iter().filter(|(_, v)| !v.is_zero()).copied().collect(),
            };
            (a.address, state)
        })
        .collect();
    let eip161 = case.fork >= Fork::SpuriousDragon;
    for (address, account) in state {
        if !account.is_touched() {
            continue;
        }
        if account.is_selfdestructed() || (eip161 && account.is_empty()) {
            world.remove(address);
            continue;
        }
        let entry = world.entry(*address).or_insert_with(|| AccountState {
            balance: Default::default(),
            nonce: 0,
            code_hash: KECCAK256_EMPTY,
            code: Bytes::new(),
            storage: Default::default(),
        });
        if account.is_created() {
            entry.storage.clear();
        }
        entry.balance = account.info.balance;
        entry.nonce = account.info.nonce;
        entry.code_hash = account.info.code_hash;
        if let Some(code) = &account.info.code {
            entry.code = code.original_bytes();
        }
        for (key, slot) in &account.storage {
            if slot.present_value.is_zero() {
                entry.storage.remove(key);
            } else {
                entry.storage.insert(*key, slot.present_value);
            }
        }
    }
    world
}

type RevmResult = Result<
    revm::context::result::ExecResultAndState<ExecutionResult>,
    EVMError<std::convert::Infallible>,
>;

fn observe(case: &Case, out: RevmResult) -> Result<Observed, String> {
    let out = match out {
        Ok(out) => out,
        Err(EVMError::Transaction(e)) => return Ok(Err(e.to_string())),
        Err(e) => return Err(format!("revm error: {e}")),
    };
    let r = &out.result;
    let gas = r.gas();
    let (status, output) = match r {
        ExecutionResult::Success { output, .. } => {
            let data = match output {
                revm::context::result::Output::Call(data) => data.clone(),
                revm::context::result::Output::Create(..) => Bytes::new(),
            };
            (Status::Success, data)
        }
        ExecutionResult::Revert { output, .. } => (Status::Revert, output.clone()),
        ExecutionResult::Halt { reason, .. } => (Status::Halt(halt(reason)), Bytes::new()),
    };
    Ok(Ok(Executed {
        status,
        gas_used: r.tx_gas_used(),
        refund: gas.inner_refunded(),
        output,
        logs: r.logs().to_vec(),
        world: world(case, &out.state),
    }))
}

/// Runs `case` on revm; `Err` when revm could not run it at all (a harness problem).
pub fn run(case: &Case) -> Result<Observed, String> {
    let mut evm = context(case)?.build_mainnet();
    let out = evm.transact(tx(case));
    observe(case, out)
}

/// Runs `case` on revm with the step tracer.
pub fn run_traced(case: &Case) -> Result<(Observed, Vec<Step>), String> {
    let mut evm = context(case)?.build_mainnet_with_inspector(RevmTracer::default());
    let out = evm.inspect_tx(tx(case));
    let steps = std::mem::take(&mut evm.inspector.steps);
    Ok((observe(case, out)?, steps))
}
