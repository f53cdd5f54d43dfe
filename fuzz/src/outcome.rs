//! What one VM did with a case, in a representation both VMs map to: validity, status with a
//! halt label, gas, refund, output, logs and the normalised post-state.
//!
//! The post-state is the whole world after the transaction: accounts deleted by SELFDESTRUCT or
//! EIP-161 are absent, storage holds only non-zero slots, so "touched but unchanged" needs no
//! special case.

use std::collections::BTreeMap;

use alloy_primitives::{Address, B256, Bytes, Log, U256};

/// Why a frame halted exceptionally, at the granularity both VMs can report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Halt {
    /// Out of gas (including unpayable memory).
    OutOfGas,
    /// Undefined opcode or 0xFE.
    InvalidOpcode,
    /// Stack underflow.
    StackUnderflow,
    /// Stack overflow.
    StackOverflow,
    /// JUMP/JUMPI to a non-JUMPDEST.
    InvalidJump,
    /// A state change in a static context.
    StaticStateChange,
    /// RETURNDATACOPY out of bounds.
    ReturnDataOutOfBounds,
    /// EIP-3860 init code too large.
    InitCodeTooLarge,
    /// CREATE onto an existing account.
    CreateCollision,
    /// A precompile failed.
    PrecompileFailure,
    /// The deposited code is too large (EIP-170).
    CodeSizeLimit,
    /// The deposited code starts with 0xEF (EIP-3541).
    CodePrefix,
    /// A nonce that cannot be incremented.
    NonceOverflow,
    /// Anything else, by the VM's own name for it.
    Other(&'static str),
}

/// How the transaction ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Success.
    Success,
    /// REVERT at the top level.
    Revert,
    /// Exceptional halt.
    Halt(Halt),
}

impl Status {
    /// The status without the halt reason.
    pub fn coarse(self) -> &'static str {
        match self {
            Status::Success => "success",
            Status::Revert => "revert",
            Status::Halt(_) => "halt",
        }
    }
}

/// One account after the transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountState {
    /// Balance.
    pub balance: U256,
    /// Nonce.
    pub nonce: u64,
    /// Code hash.
    pub code_hash: B256,
    /// Code bytes.
    pub code: Bytes,
    /// Non-zero storage.
    pub storage: BTreeMap<U256, U256>,
}

/// The world after the transaction.
pub type World = BTreeMap<Address, AccountState>;

/// A valid transaction's execution.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Executed {
    /// Status.
    pub status: Status,
    /// Gas charged to the sender.
    pub gas_used: u64,
    /// Refund applied.
    pub refund: u64,
    /// Output (empty for a successful creation).
    pub output: Bytes,
    /// Logs.
    pub logs: Vec<Log>,
    /// The post-state.
    pub world: World,
}

/// What a VM did with a case: the execution, or why it rejected the transaction.
pub type Observed = Result<Executed, String>;
