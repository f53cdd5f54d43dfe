//! evmkit facade: journaled state, transactions and the `Vm` builder that wires everything.
//!
//! Users import this crate. It joins `evm-interp` (execution), `evm-precompiles` and
//! `evm-bytecode`; it is the only crate that knows all of them.

pub mod auth;
mod context;
pub mod db;
pub mod error;
pub mod gas;
pub mod hooks;
mod journal;
pub mod root;
#[cfg(feature = "statetest")]
pub mod statetest;
pub mod tx;
pub mod vm;

pub use alloy_primitives::{Address, B256, Bytes, Log, U256};
pub use db::{AccountInfo, Database, DbAccount, InMemoryDb};
pub use error::{Error, InvalidTx};
pub use evm_bytecode::{AnalyzedCode, Fork};
pub use evm_extensions::{self, Extensions};
pub use evm_interp::{AbortReason, BlockEnv, Hooks, NoHooks};
pub use gas::{IntrinsicGas, intrinsic_gas};
pub use hooks::VmHooks;
pub use tx::{AccessListItem, Authorization, Tx, TxType};
pub use vm::{
    AccountChange, BlockResult, DatabaseCommit, ExecResult, ResultAndState, StateChanges, Status,
    Vm, VmBuilder,
};
