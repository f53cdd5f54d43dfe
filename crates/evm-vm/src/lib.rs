//! evmkit facade: journaled state, transactions and the `Vm` builder that wires everything.
//!
//! Users import this crate. It joins `evm-interp` (execution), `evm-precompiles`,
//! `evm-bytecode` and, with the `codecache` feature (default), `evm-codecache`: the shared
//! code cache as a database layer ([`CachedDb`]) and state from a JSON-RPC node ([`RpcDb`]).
//! It is the only crate that knows all of them.

pub mod auth;
#[cfg(feature = "codecache")]
pub mod cached;
mod context;
pub mod db;
pub mod error;
pub mod gas;
pub mod hooks;
mod journal;
pub mod root;
#[cfg(feature = "codecache")]
pub mod rpc;
#[cfg(feature = "statetest")]
pub mod statetest;
pub mod tx;
pub mod vm;

pub use alloy_primitives::{Address, B256, Bytes, Log, U256};
#[cfg(feature = "codecache")]
pub use cached::{CachedDb, CachedDbError};
pub use db::{AccountInfo, Database, DbAccount, InMemoryDb};
pub use error::{Error, InvalidTx};
pub use evm_bytecode::{AnalyzedCode, Fork};
#[cfg(feature = "codecache")]
pub use evm_codecache::{self, CodeCache};
pub use evm_extensions::{self, Extensions};
pub use evm_interp::{AbortReason, BlockEnv, Hooks, NoHooks};
pub use evm_precompiles::Interrupt;
pub use gas::{IntrinsicGas, intrinsic_gas};
pub use hooks::VmHooks;
#[cfg(feature = "codecache")]
pub use rpc::{RpcBlock, RpcDb};
pub use tx::{AccessListItem, Authorization, Tx, TxType};
pub use vm::{
    AccountChange, BlockResult, DatabaseCommit, ExecResult, ResultAndState, StateChanges, Status,
    Vm, VmBuilder,
};
