//! The `Vm` facade: builder, transaction validation and execution, and commit.
//!
//! `transact` validates a transaction against the fork, block and sender, buys gas, warms the
//! EIP-2929 sets, applies EIP-7702 authorizations, runs the top-level call or creation through
//! `context::Context`, settles refunds and fees, and returns the state changes without
//! touching the database; `commit` applies them.

use alloy_primitives::map::HashMap;
use alloy_primitives::{Address, Bytes, Log, U256};
use evm_extensions::{BlockInfo, Extensions, HookPoint};
use evm_interp::{
    AbortReason, BlockEnv, CallInputs, CallKind, CreateInputs, CreateScheme, Exit, Hooks, NoHooks,
    Outcome, TxEnv,
};
use evm_precompiles::{Interrupt, PrecompileSet};

use crate::context::Context;
use crate::gas::{self, BlobParams, GAS_PER_BLOB, MAX_INITCODE_SIZE, TX_GAS_LIMIT_CAP};
use crate::hooks::VmHooks;
use crate::journal::{Journal, JournalBuffers, WarmSet, delegation_target};
use crate::tx::TxType;
use crate::{AccountInfo, Database, Error, Fork, InvalidTx, Tx};

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
    /// When the status is `Halt(Exit::ExtensionAbort)`: which extension aborted and its code.
    pub abort: Option<AbortReason>,
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

/// All account changes of one transaction (alloy's `AddressHashMap`: its fixed-bytes hasher
/// reads an address as three words, where the default one walks a byte slice).
pub type StateChanges = alloy_primitives::map::AddressHashMap<AccountChange>;

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
    interrupt: Option<Interrupt>,
}

impl<DB: Database> VmBuilder<DB, NoHooks> {
    /// A builder over `db` for the latest fork and a default block.
    pub fn new(db: DB) -> Self {
        Self {
            fork: Fork::LATEST,
            block: BlockEnv::default(),
            excess_blob_gas: None,
            db,
            hooks: NoHooks,
            interrupt: None,
        }
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
        VmBuilder {
            fork: self.fork,
            block: self.block,
            excess_blob_gas: self.excess_blob_gas,
            db: self.db,
            hooks,
            interrupt: self.interrupt,
        }
    }
    /// Installs a stop signal: once it is set, a running transaction stops at the next call,
    /// creation or BLAKE2F poll and returns [`Error::Interrupted`] with no state.
    pub fn interrupt(mut self, interrupt: Interrupt) -> Self {
        self.interrupt = Some(interrupt);
        self
    }
    /// Installs an extension registry: its hooks, custom opcodes and precompiles.
    pub fn extensions(self, extensions: Extensions) -> VmBuilder<DB, Extensions> {
        self.hooks(extensions)
    }
    /// Builds the VM; derives the block's blob base fee from the excess blob gas.
    pub fn build(self) -> Vm<DB, H> {
        let mut block = self.block;
        if let (Some(excess), Some(params)) =
            (self.excess_blob_gas, BlobParams::for_fork(self.fork))
        {
            block.blob_basefee = gas::blob_basefee(excess, params.update_fraction);
        }
        Vm {
            fork: self.fork,
            block,
            excess_blob_gas: self.excess_blob_gas,
            db: self.db,
            hooks: self.hooks,
            precompiles: PrecompileSet::for_fork(self.fork),
            interrupt: self.interrupt,
            memory: evm_interp::SharedMemory::new(),
            journal_buffers: JournalBuffers::default(),
            precompile_warm: None,
        }
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
    precompiles: PrecompileSet,
    interrupt: Option<Interrupt>,
    /// Frame memory, kept across transactions so its buffers are reused.
    memory: evm_interp::SharedMemory,
    /// The journal's collections, likewise.
    journal_buffers: JournalBuffers,
    /// The precompiles' addresses as the journal warms them; built on first use, dropped
    /// whenever the set may change ([`Vm::precompiles_mut`]).
    precompile_warm: Option<WarmSet>,
}

/// What validation hands to execution.
struct Validated {
    intrinsic: gas::IntrinsicGas,
    gas_price: U256,
    blob_gas_used: u64,
}

impl<DB: Database, H: VmHooks> Vm<DB, H> {
    /// The fork.
    pub fn fork(&self) -> Fork {
        self.fork
    }

    /// The block environment (with the derived blob base fee).
    pub fn block(&self) -> &BlockEnv {
        &self.block
    }

    /// The excess blob gas the VM was built with.
    pub fn excess_blob_gas(&self) -> Option<u64> {
        self.excess_blob_gas
    }

    /// The precompiles of this VM.
    pub fn precompiles_mut(&mut self) -> &mut PrecompileSet {
        self.precompile_warm = None;
        &mut self.precompiles
    }

    /// Mutable block environment, to reuse the VM for another block. Set `blob_basefee`
    /// yourself (see [`crate::gas::blob_basefee`]).
    pub fn block_mut(&mut self) -> &mut BlockEnv {
        &mut self.block
    }

    /// The hooks (with [`VmBuilder::extensions`], the registry: change it between
    /// transactions).
    pub fn hooks_mut(&mut self) -> &mut H {
        &mut self.hooks
    }

    /// The hooks.
    pub fn hooks(&self) -> &H {
        &self.hooks
    }

    /// Checks everything that does not need state: type, fees, gas limits, blobs.
    fn validate_static(&self, tx: &Tx) -> Result<Validated, InvalidTx> {
        let fork = self.fork;
        let block = &self.block;
        let tx_type = tx.tx_type();
        let since = match tx_type {
            TxType::Legacy => Fork::Frontier,
            TxType::AccessList => Fork::Berlin,
            TxType::FeeMarket => Fork::London,
            TxType::Blob => Fork::Cancun,
            TxType::SetCode => Fork::Prague,
        };
        if fork < since {
            return Err(InvalidTx::TypeNotSupported { tx_type, fork });
        }
        if let Some(chain_id) = tx.chain_id
            && chain_id != block.chain_id
        {
            return Err(InvalidTx::ChainIdMismatch { tx: chain_id, chain: block.chain_id });
        }

        let intrinsic = gas::intrinsic_gas(tx, fork);
        let required = intrinsic.initial.max(intrinsic.floor);
        if tx.gas_limit < required {
            return Err(InvalidTx::IntrinsicGasTooLow {
                gas_limit: tx.gas_limit,
                intrinsic: required,
            });
        }
        if tx.nonce == u64::MAX {
            return Err(InvalidTx::NonceMaxValue);
        }
        if fork >= Fork::Shanghai && tx.to.is_none() && tx.data.len() > MAX_INITCODE_SIZE {
            return Err(InvalidTx::InitcodeTooLarge {
                size: tx.data.len(),
                max: MAX_INITCODE_SIZE,
            });
        }
        if fork >= Fork::Osaka && tx.gas_limit > TX_GAS_LIMIT_CAP {
            return Err(InvalidTx::GasLimitCapExceeded {
                gas_limit: tx.gas_limit,
                cap: TX_GAS_LIMIT_CAP,
            });
        }
        if U256::from(tx.gas_limit) > block.gas_limit {
            return Err(InvalidTx::GasLimitExceedsBlock {
                gas_limit: tx.gas_limit,
                block_gas_limit: block.gas_limit,
            });
        }

        let gas_price = match tx.max_fee_per_gas {
            Some(max_fee) => {
                let priority = tx.max_priority_fee_per_gas.unwrap_or_default();
                if priority > max_fee {
                    return Err(InvalidTx::PriorityFeeTooHigh { priority, fee_cap: max_fee });
                }
                if max_fee < block.basefee {
                    return Err(InvalidTx::FeeCapTooLow {
                        fee_cap: max_fee,
                        basefee: block.basefee,
                    });
                }
                max_fee.min(block.basefee.saturating_add(priority))
            }
            None => {
                if fork >= Fork::London && tx.gas_price < block.basefee {
                    return Err(InvalidTx::FeeCapTooLow {
                        fee_cap: tx.gas_price,
                        basefee: block.basefee,
                    });
                }
                tx.gas_price
            }
        };

        let mut blob_gas_used = 0;
        if let Some(hashes) = &tx.blob_hashes {
            if tx.to.is_none() {
                return Err(InvalidTx::CreateNotAllowed(tx_type));
            }
            if hashes.is_empty() {
                return Err(InvalidTx::EmptyBlobs);
            }
            if hashes.iter().any(|h| h[0] != 0x01) {
                return Err(InvalidTx::InvalidBlobVersionedHash);
            }
            let params = BlobParams::for_fork(fork).unwrap_or(BlobParams {
                max_blobs_per_block: 0,
                max_blobs_per_tx: 0,
                update_fraction: 1,
            });
            let max = params.max_blobs_per_tx.min(params.max_blobs_per_block) as usize;
            if hashes.len() > max {
                return Err(InvalidTx::TooManyBlobs { count: hashes.len(), max });
            }
            let fee_cap = tx.max_fee_per_blob_gas.unwrap_or_default();
            if fee_cap < block.blob_basefee {
                return Err(InvalidTx::BlobFeeCapTooLow {
                    fee_cap,
                    blob_basefee: block.blob_basefee,
                });
            }
            blob_gas_used = GAS_PER_BLOB * hashes.len() as u64;
        }

        if let Some(auths) = &tx.authorization_list {
            if tx.to.is_none() {
                return Err(InvalidTx::CreateNotAllowed(tx_type));
            }
            if auths.is_empty() {
                return Err(InvalidTx::EmptyAuthorizationList);
            }
        }
        Ok(Validated { intrinsic, gas_price, blob_gas_used })
    }

    /// Validates and executes `tx` without changing the database.
    ///
    /// `Err(Error::Database)` when the database failed to load anything the transaction
    /// needed: the transaction is aborted and no state is returned.
    pub fn transact(&mut self, tx: &Tx) -> Result<ResultAndState, Error> {
        if self.interrupt.is_none() {
            return self.transact_inner(tx);
        }
        let interrupt = self.interrupt.clone();
        evm_precompiles::with_interrupt(interrupt.as_ref(), || self.transact_inner(tx))
    }

    /// Replaces the stop signal (see [`VmBuilder::interrupt`]); `None` removes it.
    pub fn set_interrupt(&mut self, interrupt: Option<Interrupt>) {
        self.interrupt = interrupt;
    }

    fn transact_inner(&mut self, tx: &Tx) -> Result<ResultAndState, Error> {
        let _span =
            tracing::debug_span!("transact", caller = %tx.caller, nonce = tx.nonce).entered();
        let fork = self.fork;
        if H::ENABLED {
            self.hooks.take_abort();
            self.hooks.tx_point(HookPoint::TxBeforeValidation, tx).map_err(Error::Rejected)?;
        }
        let v = self.validate_static(tx)?;
        let Self {
            block,
            db,
            hooks,
            precompiles,
            interrupt,
            memory,
            journal_buffers,
            precompile_warm,
            ..
        } = self;
        memory.clear();
        let block: &BlockEnv = block;
        let mut journal = Journal::new(db, fork, std::mem::take(journal_buffers));

        // Sender checks.
        let sender = journal.account(tx.caller);
        let (account_nonce, balance, code_hash) =
            (sender.info.nonce, sender.info.balance, sender.info.code_hash);
        if let Some(e) = journal.take_error() {
            return Err(Error::Database(Box::new(e)));
        }
        if account_nonce > tx.nonce {
            return Err(InvalidTx::NonceTooLow { tx: tx.nonce, account: account_nonce }.into());
        }
        if account_nonce < tx.nonce {
            return Err(InvalidTx::NonceTooHigh { tx: tx.nonce, account: account_nonce }.into());
        }
        let gas_limit = U256::from(tx.gas_limit);
        let max_price = tx.max_fee_per_gas.unwrap_or(tx.gas_price);
        let blob_max =
            tx.max_fee_per_blob_gas.unwrap_or_default().checked_mul(U256::from(v.blob_gas_used));
        let required = gas_limit
            .checked_mul(max_price)
            .and_then(|g| g.checked_add(tx.value))
            .and_then(|g| blob_max.and_then(|b| g.checked_add(b)));
        match required {
            Some(required) if required <= balance => {}
            _ => {
                return Err(InvalidTx::InsufficientFunds {
                    balance,
                    required: required.unwrap_or(U256::MAX),
                }
                .into());
            }
        }
        if code_hash != alloy_primitives::KECCAK256_EMPTY {
            let code = journal.code(tx.caller);
            if delegation_target(code.original()).is_none() {
                return Err(InvalidTx::SenderNotEoa.into());
            }
        }

        if H::ENABLED {
            hooks.tx_point(HookPoint::TxAfterValidation, tx).map_err(Error::Rejected)?;
        }

        // Buy gas, bump the nonce.
        let gas_cost = gas_limit * v.gas_price + U256::from(v.blob_gas_used) * block.blob_basefee;
        let sender = journal.touched_outside_frames(tx.caller);
        sender.balance = balance - gas_cost;
        sender.nonce = account_nonce + 1;

        // EIP-2929 warm sets.
        let target = tx.to.unwrap_or_else(|| tx.caller.create(tx.nonce));
        journal.prewarm(tx.caller);
        journal.prewarm(target);
        journal.prewarm_set(
            precompile_warm.get_or_insert_with(|| WarmSet::of(precompiles.addresses())),
        );
        if H::ENABLED && fork >= Fork::Berlin {
            hooks.custom_precompiles(fork, &mut |address| journal.prewarm(address));
        }
        if fork >= Fork::Shanghai {
            journal.prewarm(block.coinbase);
        }
        for item in tx.access_list.iter().flatten() {
            journal.prewarm(item.address);
            for key in &item.storage_keys {
                journal.prewarm_slot(item.address, U256::from_be_bytes(key.0));
            }
        }

        let tx_env = TxEnv {
            origin: tx.caller,
            gas_price: v.gas_price,
            blob_hashes: tx.blob_hashes.clone().unwrap_or_default(),
        };
        if H::ENABLED {
            hooks.tx_point(HookPoint::TxBeforeExecution, tx).map_err(Error::Rejected)?;
        }
        let mut ctx = Context::new(journal, hooks, block, tx_env, fork, precompiles);
        ctx.interrupt = interrupt.as_ref();
        let mut refund: i64 = 0;
        if let Some(auths) = &tx.authorization_list {
            refund += crate::auth::apply_authorizations(&mut ctx.journal, auths, block.chain_id);
        }

        let gas = tx.gas_limit - v.intrinsic.initial;
        let res = match tx.to {
            Some(to) => {
                let inputs = CallInputs {
                    kind: CallKind::Call,
                    code_address: to,
                    target_address: to,
                    caller: tx.caller,
                    value: tx.value,
                    transfers_value: true,
                    input: tx.data.clone(),
                    gas_limit: gas,
                    is_static: false,
                };
                ctx.call_frame(&inputs, 0, memory)
            }
            None => {
                let inputs = CreateInputs {
                    caller: tx.caller,
                    scheme: CreateScheme::Create,
                    value: tx.value,
                    init_code: tx.data.clone(),
                    gas_limit: gas,
                };
                ctx.create_hooked(&inputs, target, 0, memory)
            }
        };
        let outcome = res.outcome();
        if outcome == Outcome::Success {
            refund += res.gas_refund;
        }

        // Refunds, the EIP-7623 floor, fees.
        let used_before_refund = tx.gas_limit - res.gas_left;
        let quotient = if fork >= Fork::London { 5 } else { 2 };
        let refunded = (refund.max(0) as u64).min(used_before_refund / quotient);
        let gas_used = (used_before_refund - refunded).max(v.intrinsic.floor);
        if ctx.interrupted {
            return Err(Error::Interrupted);
        }
        let mut journal = ctx.journal;
        let leftover = U256::from(tx.gas_limit - gas_used) * v.gas_price;
        let sender = journal.touched_outside_frames(tx.caller);
        sender.balance = sender.balance.saturating_add(leftover);
        let tip = if fork >= Fork::London { v.gas_price - block.basefee } else { v.gas_price };
        let coinbase = journal.touched_outside_frames(block.coinbase);
        coinbase.balance = coinbase.balance.saturating_add(U256::from(gas_used) * tip);
        if let Some(e) = journal.take_error() {
            // A load failed somewhere in the transaction: abort it, return no state.
            return Err(Error::Database(Box::new(e)));
        }

        let (state, logs, buffers) = journal.finish();
        *journal_buffers = buffers;
        let status = match outcome {
            Outcome::Success => Status::Success,
            Outcome::Revert => Status::Revert,
            Outcome::Halt => Status::Halt(res.exit),
        };
        let result = ExecResult {
            status,
            output: if tx.to.is_none() && outcome == Outcome::Success {
                Bytes::new()
            } else {
                res.output
            },
            created_address: if outcome == Outcome::Success { res.address } else { None },
            gas_used,
            gas_refunded: refunded,
            logs: if outcome == Outcome::Success { logs } else { Vec::new() },
            abort: None,
        };
        let mut out = ResultAndState { result, state };
        if H::ENABLED {
            if res.exit == Exit::ExtensionAbort {
                out.result.abort = self.hooks.take_abort();
            }
            self.hooks.tx_end(tx, &out);
        }
        Ok(out)
    }

    /// The database.
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

impl<DB: Database + DatabaseCommit, H: VmHooks> Vm<DB, H> {
    /// Applies `state` to the database.
    pub fn commit(&mut self, state: StateChanges) {
        self.db.commit(state);
    }

    /// Validates, executes and commits `tx`; returns the execution result.
    pub fn transact_commit(&mut self, tx: &Tx) -> Result<ExecResult, Error> {
        let ResultAndState { result, state } = self.transact(tx)?;
        self.commit(state);
        Ok(result)
    }

    /// Executes and commits `txs` in order, with the block hooks before and after. An invalid
    /// transaction is reported in its slot and changes nothing; the others go on. `Err` only
    /// when a `BlockStart` hook rejects the block (nothing is executed then).
    pub fn execute_block(&mut self, txs: &[Tx]) -> Result<BlockResult, Error> {
        let number = self.block.number;
        let mut info = BlockInfo { number, transactions: txs.len(), cumulative_gas_used: 0 };
        if H::ENABLED {
            self.hooks.block_point(HookPoint::BlockStart, &info).map_err(Error::Rejected)?;
        }
        let mut results = Vec::with_capacity(txs.len());
        for tx in txs {
            let result = self.transact_commit(tx);
            if let Ok(r) = &result {
                info.cumulative_gas_used += r.gas_used;
            }
            results.push(result);
        }
        if H::ENABLED {
            // `BlockEnd` observes; an abort there is counted by the registry, not applied.
            let _ = self.hooks.block_point(HookPoint::BlockEnd, &info);
        }
        Ok(BlockResult { results, cumulative_gas_used: info.cumulative_gas_used })
    }
}

/// What [`Vm::execute_block`] returns.
#[derive(Debug)]
pub struct BlockResult {
    /// One result per transaction, in order.
    pub results: Vec<Result<ExecResult, Error>>,
    /// Gas used by the valid transactions.
    pub cumulative_gas_used: u64,
}

/// A database that can apply a transaction's [`StateChanges`].
pub trait DatabaseCommit {
    /// Applies the changes: deleted accounts go, re-created accounts lose their old storage,
    /// zero slot values delete the slot.
    fn commit(&mut self, state: StateChanges);
}

impl DatabaseCommit for crate::InMemoryDb {
    fn commit(&mut self, state: StateChanges) {
        crate::InMemoryDb::commit(self, state);
    }
}

impl crate::InMemoryDb {
    /// Applies state changes: deletions, re-creations (old storage dropped), new code, slots.
    pub fn commit(&mut self, state: StateChanges) {
        for (address, change) in state {
            if change.deleted {
                self.accounts.remove(&address);
                continue;
            }
            let account = self.accounts.entry(address).or_default();
            if change.created {
                account.storage.clear();
            }
            if let Some(code) = &change.info.code {
                self.codes.entry(change.info.code_hash).or_insert_with(|| code.clone());
            }
            account.info = change.info;
            for (key, value) in change.storage {
                if value.is_zero() {
                    account.storage.remove(&key);
                } else {
                    account.storage.insert(key, value);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AccessListItem, Authorization, InMemoryDb};
    use alloy_primitives::{B256, address, keccak256};

    const SENDER: Address = address!("a94f5374fce5edbc8e2a8697c15331677e6ebf0b");
    const COINBASE: Address = address!("2adc25665018aa1fe0e6bc666dac8fc2697ff9ba");
    const ONE_ETH: u64 = 1_000_000_000_000_000_000;

    fn block() -> BlockEnv {
        BlockEnv {
            number: U256::from(1),
            coinbase: COINBASE,
            gas_limit: U256::from(30_000_000),
            basefee: U256::from(7),
            chain_id: U256::from(1),
            ..BlockEnv::default()
        }
    }

    fn db_with(accounts: &[(Address, u64, &str)]) -> InMemoryDb {
        let mut db = InMemoryDb::default();
        db.insert_account(SENDER, U256::from(ONE_ETH), 0, Bytes::new(), []);
        for (a, balance, code) in accounts {
            let code = Bytes::from(hex::decode(code).unwrap());
            db.insert_account(*a, U256::from(*balance), 0, code, []);
        }
        db
    }

    fn call(to: Address) -> Tx {
        Tx {
            caller: SENDER,
            to: Some(to),
            gas_limit: 100_000,
            gas_price: U256::from(10),
            ..Tx::default()
        }
    }

    fn run(db: InMemoryDb, fork: Fork, tx: &Tx) -> (Result<ExecResult, Error>, InMemoryDb) {
        let mut vm = VmBuilder::new(db).fork(fork).block(block()).build();
        match vm.transact(tx) {
            Ok(out) => {
                vm.commit(out.state);
                (Ok(out.result), vm.into_db())
            }
            Err(e) => (Err(e), vm.into_db()),
        }
    }

    #[track_caller]
    fn invalid(db: InMemoryDb, fork: Fork, tx: &Tx) -> InvalidTx {
        match run(db, fork, tx).0 {
            Err(Error::InvalidTx(e)) => e,
            other => panic!("expected an invalid tx, got {other:?}"),
        }
    }

    fn balance(db: &InMemoryDb, a: Address) -> Option<U256> {
        db.accounts.get(&a).map(|acc| acc.info.balance)
    }

    /// The VM keeps its journal's collections between transactions (`JournalBuffers`):
    /// nothing of one transaction (warm accounts and slots, transient storage, undo records,
    /// logs) reaches the next, also after one rejected once its journal existed.
    #[test]
    fn a_reused_vm_carries_nothing_between_transactions() {
        let contract = Address::with_last_byte(0xcc);
        // mem[0] = TLOAD(0); TSTORE(0, 1); BALANCE(0x42); SLOAD(0); SSTORE(1, 1);
        // BALANCE(0x01); LOG0(mem[0..32]); RETURN(mem[0..32]).
        let code = "60005c600052600160005d604231506000545060016001556001315060206000a060206000f3";
        let tx = call(contract);
        let db = db_with(&[(contract, 0, code)]);
        let vm = |db| VmBuilder::new(db).fork(Fork::Cancun).block(block()).build();
        let fresh = vm(db.clone()).transact(&tx).unwrap();
        assert_eq!(fresh.result.status, Status::Success);
        assert_eq!(fresh.result.output, Bytes::from(vec![0u8; 32]), "TLOAD(0) reads zero");
        assert_eq!(fresh.result.logs.len(), 1);
        let mut reused = vm(db);
        for round in 0..6 {
            // Two runs in a row on kept collections, then a rejection, which drops them.
            if round % 3 == 2 {
                let rejected = Tx { nonce: 5, ..tx.clone() };
                assert!(matches!(
                    reused.transact(&rejected),
                    Err(Error::InvalidTx(InvalidTx::NonceTooHigh { .. }))
                ));
                continue;
            }
            let again = reused.transact(&tx).unwrap();
            assert_eq!(again.result.gas_used, fresh.result.gas_used, "round {round}");
            assert_eq!(again.result.output, fresh.result.output, "round {round}");
            assert_eq!(again.result.logs, fresh.result.logs, "round {round}");
            assert_eq!(again.state, fresh.state, "round {round}");
        }
    }

    /// The precompiles' warm set is built once, and again after `precompiles_mut`: a removed
    /// precompile is a cold account from the next transaction on.
    #[test]
    fn a_changed_precompile_set_changes_what_is_warm() {
        let contract = Address::with_last_byte(0xcc);
        // BALANCE(0x01); POP; STOP.
        let tx = call(contract);
        let db = db_with(&[(contract, 0, "600131500000")]);
        let mut vm = VmBuilder::new(db).fork(Fork::Cancun).block(block()).build();
        let warm = vm.transact(&tx).unwrap().result.gas_used;
        assert_eq!(vm.transact(&tx).unwrap().result.gas_used, warm);
        assert!(vm.precompiles_mut().remove(&Address::with_last_byte(1)).is_some());
        let cold = vm.transact(&tx).unwrap().result.gas_used;
        assert_eq!(cold - warm, 2_600 - 100);
    }

    #[test]
    fn value_transfer_pays_fees_and_bumps_nonce() {
        let to = Address::with_last_byte(0x42);
        let tx = Tx { value: U256::from(1000), ..call(to) };
        let (res, db) = run(db_with(&[]), Fork::Cancun, &tx);
        let res = res.unwrap();
        assert_eq!(res.status, Status::Success);
        assert_eq!(res.gas_used, 21_000);
        assert_eq!(balance(&db, to), Some(U256::from(1000)));
        let spent = U256::from(1000 + 21_000 * 10);
        assert_eq!(balance(&db, SENDER), Some(U256::from(ONE_ETH) - spent));
        assert_eq!(balance(&db, COINBASE), Some(U256::from(21_000 * 3)));
        assert_eq!(db.accounts[&SENDER].info.nonce, 1);
    }

    #[test]
    fn pre_london_coinbase_gets_full_gas_price() {
        let tx = call(Address::with_last_byte(0x42));
        let (res, db) = run(db_with(&[]), Fork::Berlin, &tx);
        assert_eq!(res.unwrap().gas_used, 21_000);
        assert_eq!(balance(&db, COINBASE), Some(U256::from(21_000 * 10)));
    }

    #[test]
    fn create_derives_address_from_sender_and_nonce() {
        // PUSH1 1 PUSH1 0 MSTORE8 PUSH1 1 PUSH1 0 RETURN: deploys the single byte 0x01.
        let init = hex::decode("600160005360016000f3").unwrap();
        let tx = Tx { to: None, data: init.into(), gas_limit: 200_000, ..call(Address::ZERO) };
        let (res, db) = run(db_with(&[]), Fork::Cancun, &tx);
        let res = res.unwrap();
        let expected = SENDER.create(0);
        assert_eq!(res.status, Status::Success);
        assert_eq!(res.created_address, Some(expected));
        let created = &db.accounts[&expected];
        assert_eq!(created.info.nonce, 1);
        assert_eq!(created.info.code_hash, keccak256([1u8]));
        assert_eq!(db.accounts[&SENDER].info.nonce, 1);
    }

    #[test]
    fn create2_address() {
        let salt = B256::with_last_byte(7);
        let code = [0u8; 0];
        assert_eq!(SENDER.create2(salt, keccak256(code)), SENDER.create2_from_code(salt, code));
    }

    #[test]
    fn nested_revert_undoes_callee_storage() {
        let a = Address::with_last_byte(0xaa);
        let b = Address::with_last_byte(0xbb);
        // B: SSTORE(0, 1) then REVERT(0, 0).
        let code_b = "600160005560006000fd";
        // A: CALL(gas, B, 0, 0, 0, 0, 0), SSTORE(0, result), SSTORE(1, 2).
        let code_a = format!("6000600060006000600073{}5af1600055600260015500", hex::encode(b));
        let db = db_with(&[(a, 0, code_a.as_str()), (b, 0, code_b)]);
        let (res, db) = run(db, Fork::Cancun, &call(a));
        assert_eq!(res.unwrap().status, Status::Success);
        assert!(db.accounts[&b].storage.is_empty());
        assert_eq!(db.accounts[&a].storage.get(&U256::ZERO), None);
        assert_eq!(db.accounts[&a].storage.get(&U256::from(1)), Some(&U256::from(2)));
    }

    #[test]
    fn touched_empty_account_is_deleted_from_spurious_dragon() {
        let empty = Address::with_last_byte(0x55);
        let (_, db) = run(db_with(&[(empty, 0, "")]), Fork::SpuriousDragon, &call(empty));
        assert!(!db.accounts.contains_key(&empty));
        let (_, db) = run(db_with(&[(empty, 0, "")]), Fork::Tangerine, &call(empty));
        assert!(db.accounts.contains_key(&empty));
    }

    #[test]
    fn call_to_missing_account_creates_it_before_spurious_dragon() {
        let missing = Address::with_last_byte(0x56);
        let (_, db) = run(db_with(&[]), Fork::Homestead, &call(missing));
        assert_eq!(balance(&db, missing), Some(U256::ZERO));
        let (_, db) = run(db_with(&[]), Fork::Byzantium, &call(missing));
        assert_eq!(balance(&db, missing), None);
    }

    #[test]
    fn nonce_errors() {
        let to = Address::with_last_byte(1);
        let tx = Tx { nonce: 1, ..call(to) };
        assert_eq!(
            invalid(db_with(&[]), Fork::Cancun, &tx),
            InvalidTx::NonceTooHigh { tx: 1, account: 0 }
        );
        let mut db = db_with(&[]);
        db.insert_account(SENDER, U256::from(ONE_ETH), 5, Bytes::new(), []);
        assert_eq!(
            invalid(db, Fork::Cancun, &call(to)),
            InvalidTx::NonceTooLow { tx: 0, account: 5 }
        );
        let tx = Tx { nonce: u64::MAX, ..call(to) };
        assert_eq!(invalid(db_with(&[]), Fork::Cancun, &tx), InvalidTx::NonceMaxValue);
        let tx = Tx { chain_id: Some(U256::from(5)), ..call(to) };
        assert_eq!(
            invalid(db_with(&[]), Fork::Cancun, &tx),
            InvalidTx::ChainIdMismatch { tx: U256::from(5), chain: U256::from(1) }
        );
    }

    #[test]
    fn funds_and_gas_errors() {
        let to = Address::with_last_byte(1);
        let tx = Tx { value: U256::from(ONE_ETH), ..call(to) };
        assert!(matches!(
            invalid(db_with(&[]), Fork::Cancun, &tx),
            InvalidTx::InsufficientFunds { .. }
        ));
        let tx = Tx { gas_limit: 20_999, ..call(to) };
        assert_eq!(
            invalid(db_with(&[]), Fork::Cancun, &tx),
            InvalidTx::IntrinsicGasTooLow { gas_limit: 20_999, intrinsic: 21_000 }
        );
        let tx = Tx { gas_limit: 30_000_001, ..call(to) };
        assert!(matches!(
            invalid(db_with(&[]), Fork::Cancun, &tx),
            InvalidTx::GasLimitExceedsBlock { .. }
        ));
        let tx = Tx { gas_limit: (1 << 24) + 1, ..call(to) };
        assert!(matches!(
            invalid(db_with(&[]), Fork::Osaka, &tx),
            InvalidTx::GasLimitCapExceeded { .. }
        ));
        // EIP-7623: 100 non-zero bytes need a floor of 21000 + 4000.
        let tx = Tx { data: vec![1; 100].into(), gas_limit: 24_000, ..call(to) };
        assert_eq!(
            invalid(db_with(&[]), Fork::Prague, &tx),
            InvalidTx::IntrinsicGasTooLow { gas_limit: 24_000, intrinsic: 25_000 }
        );
    }

    #[test]
    fn fee_errors() {
        let to = Address::with_last_byte(1);
        let tx = Tx { gas_price: U256::from(6), ..call(to) };
        assert!(matches!(invalid(db_with(&[]), Fork::London, &tx), InvalidTx::FeeCapTooLow { .. }));
        let tx = Tx {
            max_fee_per_gas: Some(U256::from(10)),
            max_priority_fee_per_gas: Some(U256::from(11)),
            ..call(to)
        };
        assert!(matches!(
            invalid(db_with(&[]), Fork::London, &tx),
            InvalidTx::PriorityFeeTooHigh { .. }
        ));
        let tx = Tx { max_fee_per_gas: Some(U256::from(10)), ..call(to) };
        assert!(matches!(
            invalid(db_with(&[]), Fork::Berlin, &tx),
            InvalidTx::TypeNotSupported { tx_type: TxType::FeeMarket, .. }
        ));
        let tx = Tx { access_list: Some(vec![AccessListItem::default()]), ..call(to) };
        assert!(matches!(
            invalid(db_with(&[]), Fork::Istanbul, &tx),
            InvalidTx::TypeNotSupported { .. }
        ));
    }

    #[test]
    fn sender_with_code_is_rejected() {
        let mut db = db_with(&[]);
        db.insert_account(SENDER, U256::from(ONE_ETH), 0, Bytes::from_static(&[0x00]), []);
        assert_eq!(
            invalid(db, Fork::Cancun, &call(Address::with_last_byte(1))),
            InvalidTx::SenderNotEoa
        );
    }

    #[test]
    fn blob_and_set_code_rules() {
        let blob = |hashes: Vec<B256>| Tx {
            blob_hashes: Some(hashes),
            max_fee_per_gas: Some(U256::from(10)),
            max_fee_per_blob_gas: Some(U256::from(1)),
            ..call(Address::with_last_byte(1))
        };
        let good = B256::with_last_byte(1).with_first_byte(1);
        assert_eq!(invalid(db_with(&[]), Fork::Cancun, &blob(vec![])), InvalidTx::EmptyBlobs);
        assert_eq!(
            invalid(db_with(&[]), Fork::Cancun, &blob(vec![B256::ZERO])),
            InvalidTx::InvalidBlobVersionedHash
        );
        assert!(matches!(
            invalid(db_with(&[]), Fork::Cancun, &blob(vec![good; 7])),
            InvalidTx::TooManyBlobs { count: 7, max: 6 }
        ));
        let tx = Tx { to: None, ..blob(vec![good]) };
        assert_eq!(
            invalid(db_with(&[]), Fork::Cancun, &tx),
            InvalidTx::CreateNotAllowed(TxType::Blob)
        );
        let (res, _) = run(db_with(&[]), Fork::Cancun, &blob(vec![good]));
        assert_eq!(res.unwrap().status, Status::Success);

        let tx = Tx {
            authorization_list: Some(vec![]),
            max_fee_per_gas: Some(U256::from(10)),
            ..call(Address::with_last_byte(1))
        };
        assert_eq!(invalid(db_with(&[]), Fork::Prague, &tx), InvalidTx::EmptyAuthorizationList);
        let tx = Tx { authorization_list: Some(vec![Authorization::default()]), ..tx };
        assert!(matches!(
            invalid(db_with(&[]), Fork::Cancun, &tx),
            InvalidTx::TypeNotSupported { .. }
        ));
    }

    #[test]
    fn selfdestruct_deletes_only_same_tx_creations_from_cancun() {
        let victim = Address::with_last_byte(0xd0);
        let heir = Address::with_last_byte(0xd1);
        // SELFDESTRUCT(heir).
        let code = format!("73{}ff", hex::encode(heir));
        let db = || db_with(&[(victim, 500, code.as_str())]);
        let (res, after) = run(db(), Fork::Shanghai, &call(victim));
        assert_eq!(res.unwrap().status, Status::Success);
        assert!(!after.accounts.contains_key(&victim));
        assert_eq!(balance(&after, heir), Some(U256::from(500)));
        let (res, after) = run(db(), Fork::Cancun, &call(victim));
        assert_eq!(res.unwrap().status, Status::Success);
        assert_eq!(balance(&after, victim), Some(U256::ZERO));
        assert_eq!(balance(&after, heir), Some(U256::from(500)));
    }

    #[test]
    fn delegated_account_runs_the_delegates_code_on_its_own_storage() {
        let authority = Address::with_last_byte(0xa1);
        let delegate = Address::with_last_byte(0xde);
        let designator = format!("ef0100{}", hex::encode(delegate));
        // SSTORE(0, 1).
        let db = db_with(&[(authority, 0, designator.as_str()), (delegate, 0, "6001600055")]);
        let (res, after) = run(db, Fork::Prague, &call(authority));
        assert_eq!(res.unwrap().status, Status::Success);
        assert_eq!(after.accounts[&authority].storage.get(&U256::ZERO), Some(&U256::from(1)));
        assert!(after.accounts[&delegate].storage.is_empty());
    }

    #[test]
    fn invalid_authorization_is_skipped_but_paid_for() {
        let tx = Tx {
            authorization_list: Some(vec![Authorization {
                chain_id: U256::from(1),
                r: U256::from(1),
                s: U256::from(1),
                y_parity: U256::from(2),
                ..Authorization::default()
            }]),
            max_fee_per_gas: Some(U256::from(10)),
            ..call(Address::with_last_byte(0x77))
        };
        let (res, _) = run(db_with(&[]), Fork::Prague, &tx);
        let res = res.unwrap();
        assert_eq!(res.status, Status::Success);
        assert_eq!(res.gas_used, 21_000 + 25_000);
    }

    #[test]
    fn failed_deposit_of_0xef_code_halts_from_london() {
        // Deploys the single byte 0xef.
        let init = hex::decode("60ef60005360016000f3").unwrap();
        let tx = Tx { to: None, data: init.into(), gas_limit: 200_000, ..call(Address::ZERO) };
        let (res, db) = run(db_with(&[]), Fork::London, &tx);
        let res = res.unwrap();
        assert!(matches!(res.status, Status::Halt(_)));
        assert_eq!(res.gas_used, 200_000);
        assert!(!db.accounts.contains_key(&SENDER.create(0)));
        let (res, _) = run(db_with(&[]), Fork::Berlin, &tx);
        assert_eq!(res.unwrap().status, Status::Success);
    }

    trait WithFirstByte {
        fn with_first_byte(self, b: u8) -> Self;
    }

    impl WithFirstByte for B256 {
        fn with_first_byte(mut self, b: u8) -> Self {
            self.0[0] = b;
            self
        }
    }
}
