//! The `Host` trait: everything the interpreter needs from the world outside one frame.
//!
//! The interpreter knows nothing of databases or journals. It computes gas from what the host
//! reports (warm/cold, existence, original storage values) and asks the host to run sub-calls
//! and creations, which the host does by starting a new frame on the same [`SharedMemory`].

use alloy_primitives::{Address, B256, Bytes, Log, U256};

use crate::hooks::Hooks;
use crate::memory::SharedMemory;

/// A value read from state, with whether this access was cold (EIP-2929).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StateLoad<T> {
    /// The value.
    pub data: T,
    /// `true` when this was the first access in the transaction (the address or slot is now warm).
    pub is_cold: bool,
}

impl<T> StateLoad<T> {
    /// Wraps a value.
    pub const fn new(data: T, is_cold: bool) -> Self {
        Self { data, is_cold }
    }
}

/// Block-level values the interpreter reads (COINBASE, NUMBER, …).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BlockEnv {
    /// Block number.
    pub number: U256,
    /// Fee recipient.
    pub coinbase: Address,
    /// Block timestamp.
    pub timestamp: U256,
    /// Block gas limit.
    pub gas_limit: U256,
    /// EIP-1559 base fee (zero before London).
    pub basefee: U256,
    /// Pre-merge difficulty (what opcode 0x44 returns before Paris).
    pub difficulty: U256,
    /// Post-merge randomness (what opcode 0x44 returns from Paris on).
    pub prevrandao: B256,
    /// EIP-7516 blob base fee, already derived from the excess blob gas.
    pub blob_basefee: U256,
    /// EIP-155 chain id.
    pub chain_id: U256,
}

/// Transaction-level values the interpreter reads (ORIGIN, GASPRICE, BLOBHASH).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TxEnv {
    /// The transaction sender.
    pub origin: Address,
    /// Effective gas price.
    pub gas_price: U256,
    /// EIP-4844 versioned blob hashes.
    pub blob_hashes: Vec<B256>,
}

/// What SSTORE needs to price itself (EIP-2200, EIP-3529), reported by the host after the write.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SStoreResult {
    /// Value at the start of the transaction.
    pub original: U256,
    /// Value before this write.
    pub present: U256,
    /// Value written.
    pub new: U256,
}

/// What SELFDESTRUCT needs to price itself, reported by the host after doing it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SelfDestructResult {
    /// The destroyed account held a non-zero balance.
    pub had_value: bool,
    /// The beneficiary existed (not dead per EIP-161 from Spurious Dragon on) before.
    pub target_exists: bool,
    /// The account was already scheduled for destruction in this transaction.
    pub previously_destroyed: bool,
}

/// What CALL-family gas needs to know about the callee, reported by [`Host::load_account`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AccountLoad {
    /// The account does not exist (before Spurious Dragon) or is empty per EIP-161 (from it on).
    pub is_empty: bool,
    /// EIP-7702: the account's code is a delegation designator; `Some(is_cold)` of the delegate.
    pub delegate_is_cold: Option<bool>,
}

/// The kind of message call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CallKind {
    /// CALL.
    Call,
    /// CALLCODE.
    CallCode,
    /// DELEGATECALL.
    DelegateCall,
    /// STATICCALL.
    StaticCall,
}

/// A message call the interpreter asks the host to run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallInputs {
    /// Which opcode made the call.
    pub kind: CallKind,
    /// Address whose code runs (the `to` of CALL/CALLCODE/DELEGATECALL/STATICCALL).
    pub code_address: Address,
    /// Address whose storage and balance the callee uses (`to` for CALL/STATICCALL, the current
    /// address for CALLCODE/DELEGATECALL).
    pub target_address: Address,
    /// CALLER inside the callee.
    pub caller: Address,
    /// CALLVALUE inside the callee (for DELEGATECALL, the parent's apparent value).
    pub value: U256,
    /// Whether `value` moves from `caller` to `target_address` (CALL and CALLCODE only).
    pub transfers_value: bool,
    /// Call data.
    pub input: Bytes,
    /// Gas given to the callee, stipend included.
    pub gas_limit: u64,
    /// Static context (STATICCALL or inside one).
    pub is_static: bool,
}

/// The kind of contract creation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CreateScheme {
    /// CREATE: address from sender and nonce.
    Create,
    /// CREATE2: address from sender, salt and init code hash.
    Create2 {
        /// The salt.
        salt: U256,
    },
}

/// A creation the interpreter asks the host to run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreateInputs {
    /// The creating contract.
    pub caller: Address,
    /// CREATE or CREATE2.
    pub scheme: CreateScheme,
    /// Endowment.
    pub value: U256,
    /// Init code.
    pub init_code: Bytes,
    /// Gas given to the init code.
    pub gas_limit: u64,
}

/// How a frame ended, as seen by its caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// STOP, RETURN, SELFDESTRUCT or the end of code: state changes kept.
    Success,
    /// REVERT: state changes undone, unused gas returned, output is the revert data.
    Revert,
    /// Exceptional halt (out of gas, bad jump, stack error, …): all gas consumed, state undone.
    Halt,
}

/// The result of a sub-call, returned by [`Host::call`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallOutcome {
    /// How the callee ended.
    pub outcome: Outcome,
    /// Gas the callee did not use (returned to the caller on Success and Revert).
    pub gas_left: u64,
    /// Refund counter accumulated by the callee (merged into the caller on Success only).
    pub gas_refund: i64,
    /// Return or revert data (becomes the caller's RETURNDATA).
    pub output: Bytes,
}

/// The result of a creation, returned by [`Host::create`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreateOutcome {
    /// How the init code ended (a failed code deposit is a Halt).
    pub outcome: Outcome,
    /// The new contract's address on Success.
    pub address: Option<Address>,
    /// Gas the init code did not use.
    pub gas_left: u64,
    /// Refund counter accumulated (merged into the caller on Success only).
    pub gas_refund: i64,
    /// Revert data on Revert, otherwise empty (becomes the caller's RETURNDATA).
    pub output: Bytes,
}

impl CallOutcome {
    /// A call that did not start (depth limit, insufficient balance): the gas comes back.
    pub fn not_started(gas_limit: u64) -> Self {
        Self { outcome: Outcome::Revert, gas_left: gas_limit, gas_refund: 0, output: Bytes::new() }
    }
}

/// State access for the interpreter. Implemented by `evm-vm`; tests implement it in memory.
///
/// Every account or slot accessor marks what it touches warm and reports whether it was cold.
/// The host owns the call stack: it tracks depth, checkpoints state around sub-calls, runs
/// precompiles, and starts child frames with [`crate::Interpreter`].
pub trait Host {
    /// Hooks called by the interpreter; [`crate::NoHooks`] compiles to nothing.
    type Hooks: Hooks;

    /// The hooks instance.
    fn hooks(&mut self) -> &mut Self::Hooks;
    /// Block values.
    fn block(&self) -> &BlockEnv;
    /// Transaction values.
    fn tx(&self) -> &TxEnv;

    /// BALANCE, SELFBALANCE.
    fn balance(&mut self, address: Address) -> StateLoad<U256>;
    /// EXTCODESIZE (of the designator itself for EIP-7702 delegated accounts).
    fn code_size(&mut self, address: Address) -> StateLoad<usize>;
    /// EXTCODEHASH: zero for an account that does not exist or is empty (EIP-1052, EIP-161).
    fn code_hash(&mut self, address: Address) -> StateLoad<B256>;
    /// EXTCODECOPY.
    fn code(&mut self, address: Address) -> StateLoad<Bytes>;
    /// Warms `address` and reports what the CALL family needs to price a call to it.
    fn load_account(&mut self, address: Address) -> StateLoad<AccountLoad>;
    /// BLOCKHASH; the host applies the 256-block window and returns zero outside it.
    fn block_hash(&mut self, number: U256) -> B256;

    /// SLOAD.
    fn sload(&mut self, address: Address, key: U256) -> StateLoad<U256>;
    /// SSTORE: writes and reports the values EIP-2200 pricing needs.
    fn sstore(&mut self, address: Address, key: U256, value: U256) -> StateLoad<SStoreResult>;
    /// TLOAD (EIP-1153).
    fn tload(&mut self, address: Address, key: U256) -> U256;
    /// TSTORE (EIP-1153).
    fn tstore(&mut self, address: Address, key: U256, value: U256);
    /// LOG0..LOG4.
    fn log(&mut self, log: Log);
    /// SELFDESTRUCT of `address` in favour of `target`, with per-fork semantics (EIP-6780).
    fn selfdestruct(&mut self, address: Address, target: Address) -> StateLoad<SelfDestructResult>;

    /// Runs a message call (depth and balance checks, value transfer, precompiles, child frame).
    /// `memory` is the shared buffer; the child frame uses the space after the caller's memory.
    fn call(&mut self, inputs: CallInputs, memory: &mut SharedMemory) -> CallOutcome;
    /// Runs a creation (depth, balance and nonce checks, address derivation, collision check,
    /// init code frame, code deposit).
    fn create(&mut self, inputs: CreateInputs, memory: &mut SharedMemory) -> CreateOutcome;
}
