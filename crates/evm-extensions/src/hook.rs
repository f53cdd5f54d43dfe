//! Hooks: the points, what a hook sees ([`HookEvent`]) and what it answers ([`HookOutcome`]).
//!
//! Memory reads and writes and gas charges have no points of their own: they are what opcodes
//! do, so an opcode hook filtered to MLOAD/MSTORE/… (or to every opcode, comparing gas before
//! and after) sees them with the frame's memory and gas in its view.

use alloy_primitives::{Address, Log, U256};
use evm_interp::{CallInputs, CallOutcome, CreateInputs, CreateOutcome, FrameView, Modification};
use evmkit_plugin::abi::point;

/// Where a hook runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[repr(u32)]
pub enum HookPoint {
    /// Before a transaction is validated; `Abort` rejects it.
    TxBeforeValidation = point::TX_BEFORE_VALIDATION,
    /// After validation, before gas is bought; `Abort` rejects it.
    TxAfterValidation = point::TX_AFTER_VALIDATION,
    /// Before the top-level frame runs; `Abort` rejects the transaction.
    TxBeforeExecution = point::TX_BEFORE_EXECUTION,
    /// After execution: sees the result and the state changes.
    TxAfterExecution = point::TX_AFTER_EXECUTION,
    /// Before `Vm::execute_block` runs its transactions.
    BlockStart = point::BLOCK_START,
    /// After `Vm::execute_block` ran them, with the cumulative gas used.
    BlockEnd = point::BLOCK_END,
    /// A message call starts (precompiles and empty accounts too); `Replace` mocks it.
    CallEnter = point::CALL_ENTER,
    /// A message call ended; `Replace` changes its result.
    CallExit = point::CALL_EXIT,
    /// A creation starts; `Replace` mocks it.
    CreateEnter = point::CREATE_ENTER,
    /// A creation ended.
    CreateExit = point::CREATE_EXIT,
    /// Before an opcode (filtered by the hook's opcode set).
    OpcodeBefore = point::OPCODE_BEFORE,
    /// After an opcode that did not halt (filtered by the hook's opcode set).
    OpcodeAfter = point::OPCODE_AFTER,
    /// An account was accessed (warm or cold).
    AccountAccess = point::ACCOUNT_ACCESS,
    /// SLOAD.
    StorageRead = point::STORAGE_READ,
    /// SSTORE (old and new value).
    StorageWrite = point::STORAGE_WRITE,
    /// A log was emitted.
    Log = point::LOG,
    /// SELFDESTRUCT.
    SelfDestruct = point::SELFDESTRUCT,
}

impl HookPoint {
    /// Every point, in ABI order.
    pub const ALL: [HookPoint; point::COUNT as usize] = [
        Self::TxBeforeValidation,
        Self::TxAfterValidation,
        Self::TxBeforeExecution,
        Self::TxAfterExecution,
        Self::BlockStart,
        Self::BlockEnd,
        Self::CallEnter,
        Self::CallExit,
        Self::CreateEnter,
        Self::CreateExit,
        Self::OpcodeBefore,
        Self::OpcodeAfter,
        Self::AccountAccess,
        Self::StorageRead,
        Self::StorageWrite,
        Self::Log,
        Self::SelfDestruct,
    ];

    /// The point with ABI number `n`.
    pub fn from_abi(n: u32) -> Option<Self> {
        Self::ALL.get(n as usize).copied()
    }

    /// A short name (`tx.before_validation`, `opcode.before`, …).
    pub const fn name(self) -> &'static str {
        match self {
            Self::TxBeforeValidation => "tx.before_validation",
            Self::TxAfterValidation => "tx.after_validation",
            Self::TxBeforeExecution => "tx.before_execution",
            Self::TxAfterExecution => "tx.after_execution",
            Self::BlockStart => "block.start",
            Self::BlockEnd => "block.end",
            Self::CallEnter => "call.enter",
            Self::CallExit => "call.exit",
            Self::CreateEnter => "create.enter",
            Self::CreateExit => "create.exit",
            Self::OpcodeBefore => "opcode.before",
            Self::OpcodeAfter => "opcode.after",
            Self::AccountAccess => "state.account_access",
            Self::StorageRead => "state.storage_read",
            Self::StorageWrite => "state.storage_write",
            Self::Log => "state.log",
            Self::SelfDestruct => "state.selfdestruct",
        }
    }

    /// Whether the point is a transaction or block point (an `Abort` rejects the transaction).
    pub const fn is_tx_level(self) -> bool {
        (self as u32) <= point::BLOCK_END
    }
}

/// A transaction as hooks see it.
#[derive(Clone, Copy, Debug)]
pub struct TxInfo<'a> {
    /// Sender.
    pub caller: Address,
    /// Recipient, `None` for a creation.
    pub to: Option<Address>,
    /// Value.
    pub value: U256,
    /// Gas limit.
    pub gas_limit: u64,
    /// Nonce.
    pub nonce: u64,
    /// Call data or init code.
    pub data: &'a [u8],
}

/// How an executed transaction ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum TxStatus {
    /// Success.
    Success,
    /// REVERT.
    Revert,
    /// Exceptional halt.
    Halt,
}

/// One changed account after a transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountDiff {
    /// The account.
    pub address: Address,
    /// New balance.
    pub balance: U256,
    /// New nonce.
    pub nonce: u64,
    /// Changed slots (new values).
    pub storage: Vec<(U256, U256)>,
    /// Created in this transaction.
    pub created: bool,
    /// Deleted.
    pub deleted: bool,
}

/// An executed transaction's result as hooks see it.
#[derive(Clone, Copy, Debug)]
pub struct TxResultInfo<'a> {
    /// How it ended.
    pub status: TxStatus,
    /// Gas charged.
    pub gas_used: u64,
    /// Output.
    pub output: &'a [u8],
    /// Logs.
    pub logs: &'a [Log],
    /// State changes.
    pub changes: &'a [AccountDiff],
}

/// A block as hooks see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockInfo {
    /// Block number.
    pub number: U256,
    /// Transactions in the block.
    pub transactions: usize,
    /// Gas used so far (zero at `BlockStart`).
    pub cumulative_gas_used: u64,
}

/// What a hook sees.
#[derive(Debug)]
#[non_exhaustive]
pub enum HookEvent<'a> {
    /// Transaction points before execution.
    Tx(&'a TxInfo<'a>),
    /// `TxAfterExecution`.
    TxEnd {
        /// The transaction.
        tx: &'a TxInfo<'a>,
        /// Its result.
        result: &'a TxResultInfo<'a>,
    },
    /// Block points.
    Block(&'a BlockInfo),
    /// `CallEnter`.
    Call {
        /// Depth of the callee frame.
        depth: usize,
        /// The call.
        inputs: &'a CallInputs,
    },
    /// `CallExit`.
    CallEnd {
        /// Depth of the callee frame.
        depth: usize,
        /// The call.
        inputs: &'a CallInputs,
        /// Its result.
        outcome: &'a CallOutcome,
    },
    /// `CreateEnter`.
    Create {
        /// Depth of the init-code frame.
        depth: usize,
        /// The creation.
        inputs: &'a CreateInputs,
    },
    /// `CreateExit`.
    CreateEnd {
        /// Depth of the init-code frame.
        depth: usize,
        /// The creation.
        inputs: &'a CreateInputs,
        /// Its result.
        outcome: &'a CreateOutcome,
    },
    /// Opcode points.
    Step(&'a FrameView<'a>),
    /// `AccountAccess`.
    AccountAccess {
        /// The account.
        address: Address,
        /// First access in the transaction.
        is_cold: bool,
    },
    /// `StorageRead`.
    StorageRead {
        /// The account.
        address: Address,
        /// Slot.
        key: U256,
        /// Value read.
        value: U256,
        /// First access in the transaction.
        is_cold: bool,
    },
    /// `StorageWrite`.
    StorageWrite {
        /// The account.
        address: Address,
        /// Slot.
        key: U256,
        /// Value before.
        old: U256,
        /// Value written.
        new: U256,
    },
    /// `Log`.
    Log(&'a Log),
    /// `SelfDestruct`.
    SelfDestruct {
        /// The destroyed account.
        address: Address,
        /// The beneficiary.
        target: Address,
        /// Balance moved.
        balance: U256,
    },
}

/// What a hook answers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum HookOutcome {
    /// Go on with the next hook of this point.
    #[default]
    Continue,
    /// Skip the remaining hooks of this point.
    Skip,
    /// Opcode, call and create points: the frame halts with `Exit::ExtensionAbort` carrying
    /// this code; transaction points: the transaction is rejected with it. Observation-only
    /// points (state, `TxAfterExecution`, `BlockEnd`) count it as an error.
    Abort(u32),
    /// Opcode points: change gas left, stack, memory or storage (see
    /// [`evm_interp::Modification`]); capabilities are checked under `Strict`.
    Modify(Vec<Modification>),
    /// Call and create points: the result to use instead (a mock at enter, a change at exit).
    Replace(CallOutcome),
}

/// The function a hook runs.
pub type HookFn = Box<dyn FnMut(&HookEvent<'_>) -> HookOutcome + Send>;

/// A hook: a point, a priority (higher first; ties in registration order), an optional opcode
/// filter and the function.
pub struct Hook {
    pub(crate) point: HookPoint,
    pub(crate) priority: i32,
    pub(crate) opcodes: Option<Box<[bool; 256]>>,
    pub(crate) f: HookFn,
}

impl core::fmt::Debug for Hook {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Hook")
            .field("point", &self.point)
            .field("priority", &self.priority)
            .field("filtered", &self.opcodes.is_some())
            .finish()
    }
}

impl Hook {
    /// A hook at `point` with priority 0 and no opcode filter.
    pub fn new(
        point: HookPoint,
        f: impl FnMut(&HookEvent<'_>) -> HookOutcome + Send + 'static,
    ) -> Self {
        Self { point, priority: 0, opcodes: None, f: Box::new(f) }
    }

    /// Sets the priority.
    pub fn priority(mut self, priority: i32) -> Self {
        self.priority = priority;
        self
    }

    /// Opcode points: call the hook only for these opcodes (the registry filters).
    pub fn opcodes(mut self, opcodes: &[u8]) -> Self {
        let mut set = Box::new([false; 256]);
        for op in opcodes {
            set[*op as usize] = true;
        }
        self.opcodes = Some(set);
        self
    }

    /// The point.
    pub fn point(&self) -> HookPoint {
        self.point
    }

    #[inline]
    pub(crate) fn wants(&self, opcode: u8) -> bool {
        self.opcodes.as_ref().is_none_or(|set| set[opcode as usize])
    }
}
