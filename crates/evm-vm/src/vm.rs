//! The `Vm` builder and transaction execution (STUB of the public API).

use std::collections::HashMap;

use alloy_primitives::{Address, Bytes, Log, U256};
use evm_interp::{BlockEnv, Exit, Hooks, NoHooks};

use crate::{AccountInfo, Database, Error, Fork, Tx};

/// How a transaction's execution ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Success.
    Success,
    /// REVERT.
    Revert,
    /// Exceptional halt with its reason.
    Halt(Exit),
}

/// The result of an executed (valid) transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExecResult {
    /// How it ended.
    pub status: Status,
    /// Return or revert data (empty for a successful creation).
    pub output: Bytes,
    /// The created contract, for a successful creation.
    pub created_address: Option<Address>,
    /// Gas charged to the sender (after refunds and the EIP-7623 floor).
    pub gas_used: u64,
    /// Refund applied.
    pub gas_refunded: u64,
    /// Logs (empty unless Success).
    pub logs: Vec<Log>,
}

/// The changed state of one account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountChange {
    /// New balance, nonce and code.
    pub info: AccountInfo,
    /// Changed storage slots (new values; zero means deleted).
    pub storage: HashMap<U256, U256>,
    /// The account was (re)created in this transaction: its old storage is gone.
    pub created: bool,
    /// The account is deleted (selfdestructed, or touched and empty from Spurious Dragon on).
    pub deleted: bool,
}

/// All account changes of one transaction.
pub type StateChanges = HashMap<Address, AccountChange>;

/// Result and state changes; pass `state` to [`Vm::commit`] to apply it.
#[derive(Clone, Debug)]
pub struct ResultAndState {
    /// The execution result.
    pub result: ExecResult,
    /// The state changes.
    pub state: StateChanges,
}

/// Builds a [`Vm`].
#[derive(Debug)]
pub struct VmBuilder<DB, H = NoHooks> {
    fork: Fork,
    block: BlockEnv,
    excess_blob_gas: Option<u64>,
    db: DB,
    hooks: H,
}

impl<DB: Database> VmBuilder<DB, NoHooks> {
    /// A builder over `db` for the latest fork and a default block.
    pub fn new(db: DB) -> Self {
        Self { fork: Fork::LATEST, block: BlockEnv::default(), excess_blob_gas: None, db, hooks: NoHooks }
    }
}

impl<DB: Database, H: Hooks> VmBuilder<DB, H> {
    /// Sets the fork.
    pub fn fork(mut self, fork: Fork) -> Self {
        self.fork = fork;
        self
    }
    /// Sets the block environment (its `blob_basefee` is derived from `excess_blob_gas`).
    pub fn block(mut self, block: BlockEnv) -> Self {
        self.block = block;
        self
    }
    /// Sets the block's excess blob gas (EIP-4844).
    pub fn excess_blob_gas(mut self, excess: Option<u64>) -> Self {
        self.excess_blob_gas = excess;
        self
    }
    /// Installs hooks.
    pub fn hooks<H2: Hooks>(self, hooks: H2) -> VmBuilder<DB, H2> {
        VmBuilder { fork: self.fork, block: self.block, excess_blob_gas: self.excess_blob_gas, db: self.db, hooks }
    }
    /// Builds the VM.
    pub fn build(self) -> Vm<DB, H> {
        Vm { fork: self.fork, block: self.block, excess_blob_gas: self.excess_blob_gas, db: self.db, hooks: self.hooks }
    }
}

/// An EVM instance: fork, block, database, hooks.
#[derive(Debug)]
pub struct Vm<DB, H = NoHooks> {
    fork: Fork,
    block: BlockEnv,
    excess_blob_gas: Option<u64>,
    db: DB,
    hooks: H,
}

impl<DB: Database, H: Hooks> Vm<DB, H> {
    /// Validates and executes `tx` without changing the database.
    pub fn transact(&mut self, tx: &Tx) -> Result<ResultAndState, Error> {
        let _ = (tx, &self.fork, &self.block, &self.excess_blob_gas, &self.hooks);
        todo!("vm")
    }

    /// Applies state changes to the database. Requires `DB: DatabaseCommit`-like access;
    /// implemented for [`crate::InMemoryDb`].
    pub fn db(&self) -> &DB {
        &self.db
    }

    /// Mutable database access.
    pub fn db_mut(&mut self) -> &mut DB {
        &mut self.db
    }

    /// Consumes the VM, returning the database.
    pub fn into_db(self) -> DB {
        self.db
    }
}

impl<H: Hooks> Vm<crate::InMemoryDb, H> {
    /// Applies `state` to the in-memory database.
    pub fn commit(&mut self, state: StateChanges) {
        let _ = state;
        todo!("commit")
    }
}
