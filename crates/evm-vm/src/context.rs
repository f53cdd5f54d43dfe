//! The [`Host`] implementation: one transaction's journaled state plus its environment.
//!
//! It owns the call stack: depth limit, balance checks, value transfer, checkpoints around
//! every frame, precompile dispatch, contract creation and the code deposit. Opcode gas is the
//! interpreter's business; this module only reports what pricing needs.

use std::sync::Arc;

use alloy_primitives::{Address, B256, Bytes, Log, U256, keccak256};
use evm_bytecode::AnalyzedCode;
use evm_extensions::{PrecompileCall, PrecompileFailure, PrecompileState};
use evm_interp::{
    AccountLoad, BlockEnv, CallAction, CallInputs, CallOutcome, CreateInputs, CreateOutcome,
    CreateScheme, Exit, FrameInput, Host, Interpreter, Outcome, SStoreResult, SelfDestructResult,
    SharedMemory, StateLoad, TxEnv,
};
use evm_precompiles::{Interrupt, PrecompileError, PrecompileSet};

use crate::hooks::VmHooks;
use crate::journal::{Journal, delegation_target};
use crate::{Database, Fork};

/// Maximum call depth (the transaction's frame is depth 0).
pub(crate) const STACK_DEPTH_LIMIT: usize = 1024;
/// EIP-170 maximum deployed code size.
pub(crate) const MAX_CODE_SIZE: usize = 0x6000;
/// Gas per byte of deployed code.
const CODE_DEPOSIT_GAS: u64 = 200;

/// How a frame (call, precompile or creation) ended, with the exact reason.
#[derive(Clone, Debug)]
pub(crate) struct FrameOutcome {
    pub(crate) exit: Exit,
    pub(crate) gas_left: u64,
    pub(crate) gas_refund: i64,
    pub(crate) output: Bytes,
    pub(crate) address: Option<Address>,
}

impl FrameOutcome {
    fn halt(exit: Exit) -> Self {
        Self { exit, gas_left: 0, gas_refund: 0, output: Bytes::new(), address: None }
    }

    /// Success, Revert or Halt.
    pub(crate) fn outcome(&self) -> Outcome {
        self.exit.outcome()
    }

    /// The caller's view of this outcome.
    fn to_call(&self) -> CallOutcome {
        CallOutcome {
            outcome: self.outcome(),
            gas_left: self.gas_left,
            gas_refund: self.gas_refund,
            output: self.output.clone(),
        }
    }

    /// An outcome a hook chose (a mock or a changed result); `exit` is kept when the outcome
    /// kind did not change.
    fn from_call(call: CallOutcome, exit: Exit, address: Option<Address>) -> Self {
        let exit = match call.outcome {
            o if o == exit.outcome() => exit,
            Outcome::Success => Exit::Return,
            Outcome::Revert => Exit::Revert,
            Outcome::Halt => Exit::ExtensionAbort,
        };
        let halted = exit.outcome() == Outcome::Halt;
        Self {
            exit,
            gas_left: if halted { 0 } else { call.gas_left },
            gas_refund: if exit.outcome() == Outcome::Success { call.gas_refund } else { 0 },
            output: if halted { Bytes::new() } else { call.output },
            address: if exit.outcome() == Outcome::Success { address } else { None },
        }
    }
}

/// The journal as a stateful precompile sees it.
struct JournalState<'j, 'a, DB: Database>(&'j mut Journal<'a, DB>);

impl<DB: Database> PrecompileState for JournalState<'_, '_, DB> {
    fn sload(&mut self, address: Address, key: U256) -> U256 {
        self.0.sload(address, key).0
    }
    fn sstore(&mut self, address: Address, key: U256, value: U256) -> U256 {
        self.0.sstore(address, key, value).0.present
    }
    fn balance(&mut self, address: Address) -> U256 {
        self.0.account(address).info.balance
    }
    fn transfer(&mut self, from: Address, to: Address, value: U256) -> bool {
        self.0.transfer(from, to, value)
    }
    fn log(&mut self, log: Log) {
        self.0.log(log);
    }
}

/// The host of one transaction.
pub(crate) struct Context<'a, DB: Database, H: VmHooks> {
    pub(crate) journal: Journal<'a, DB>,
    hooks: &'a mut H,
    block: &'a BlockEnv,
    tx: TxEnv,
    fork: Fork,
    precompiles: &'a PrecompileSet,
    /// The interpreter with the extensions' custom opcodes; `None` runs the constant default
    /// table, so a transaction without custom opcodes builds no table.
    interp: Option<Arc<Interpreter<Self>>>,
    /// Depth of the frame currently running.
    depth: usize,
    /// The VM's stop signal, polled before every child frame.
    pub(crate) interrupt: Option<&'a Interrupt>,
    /// Set when the signal stopped the transaction.
    pub(crate) interrupted: bool,
}

impl<DB: Database, H: VmHooks> core::fmt::Debug for Context<'_, DB, H> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Context").field("fork", &self.fork).field("depth", &self.depth).finish()
    }
}

impl<'a, DB: Database, H: VmHooks> Context<'a, DB, H> {
    /// A context for one transaction.
    pub(crate) fn new(
        journal: Journal<'a, DB>,
        hooks: &'a mut H,
        block: &'a BlockEnv,
        tx: TxEnv,
        fork: Fork,
        precompiles: &'a PrecompileSet,
    ) -> Self {
        let interp = match hooks.custom_opcodes() {
            Some(custom) if H::ENABLED && !custom.is_empty() => {
                Some(Arc::new(Interpreter::with_custom(custom)))
            }
            _ => None,
        };
        Self {
            journal,
            hooks,
            block,
            tx,
            fork,
            precompiles,
            interp,
            depth: 0,
            interrupt: None,
            interrupted: false,
        }
    }

    /// Whether the stop signal is set; remembers it, so the transaction ends in an error.
    #[inline]
    fn stop_requested(&mut self) -> bool {
        if self.interrupted {
            return true;
        }
        if let Some(interrupt) = self.interrupt
            && interrupt.is_set()
        {
            core::hint::cold_path();
            self.interrupted = true;
        }
        self.interrupted
    }

    /// Runs a message call at `depth` with the call hooks around it (see
    /// [`Context::call_frame_inner`]).
    pub(crate) fn call_frame(
        &mut self,
        inputs: &CallInputs,
        depth: usize,
        memory: &mut SharedMemory,
    ) -> FrameOutcome {
        if !H::ENABLED {
            return self.call_frame_inner(inputs, depth, memory);
        }
        match self.hooks.call_enter(depth, inputs) {
            CallAction::Continue => {}
            CallAction::Abort(_) => return FrameOutcome::halt(Exit::ExtensionAbort),
            CallAction::Replace(mock) => return FrameOutcome::from_call(mock, Exit::Stop, None),
        }
        let res = self.call_frame_inner(inputs, depth, memory);
        let mut call = res.to_call();
        self.hooks.call_exit(depth, inputs, &mut call);
        if call == res.to_call() { res } else { FrameOutcome::from_call(call, res.exit, None) }
    }

    /// Runs a message call at `depth` without the caller-side checks (depth, balance):
    /// checkpoint, touch, value transfer, precompile or code, revert on failure.
    fn call_frame_inner(
        &mut self,
        inputs: &CallInputs,
        depth: usize,
        memory: &mut SharedMemory,
    ) -> FrameOutcome {
        if self.journal.failed() || self.stop_requested() {
            // A database read failed or the VM was interrupted: the transaction is aborted,
            // so start nothing more.
            return FrameOutcome::halt(Exit::Aborted);
        }
        let cp = self.journal.checkpoint();
        self.journal.touch(inputs.target_address);
        if inputs.transfers_value
            && !inputs.value.is_zero()
            && !self.journal.transfer(inputs.caller, inputs.target_address, inputs.value)
        {
            self.journal.revert(cp);
            return FrameOutcome {
                exit: Exit::Revert,
                gas_left: inputs.gas_limit,
                gas_refund: 0,
                output: Bytes::new(),
                address: None,
            };
        }

        let mut code = self.journal.code(inputs.code_address);
        let mut precompiles_enabled = true;
        if self.fork >= Fork::Prague
            && let Some(delegate) = delegation_target(code.original())
        {
            self.journal.warm(delegate);
            code = self.journal.code(delegate);
            precompiles_enabled = false;
        }

        let standard =
            if precompiles_enabled { self.precompiles.get(&inputs.code_address) } else { None };
        if H::ENABLED && precompiles_enabled {
            let call = PrecompileCall {
                input: &inputs.input,
                gas_limit: inputs.gas_limit,
                address: inputs.code_address,
                caller: inputs.caller,
                value: inputs.value,
                is_static: inputs.is_static,
                fork: self.fork,
            };
            let mut state = JournalState(&mut self.journal);
            if let Some(result) = self.hooks.run_precompile(call, &mut state, standard.is_some()) {
                return match result {
                    Ok(out) if !out.reverted => FrameOutcome {
                        exit: Exit::Return,
                        gas_left: inputs.gas_limit - out.gas_used,
                        gas_refund: 0,
                        output: out.output,
                        address: None,
                    },
                    Ok(out) => {
                        self.journal.revert(cp);
                        FrameOutcome {
                            exit: Exit::Revert,
                            gas_left: inputs.gas_limit - out.gas_used,
                            gas_refund: 0,
                            output: out.output,
                            address: None,
                        }
                    }
                    Err(failure) => {
                        self.journal.revert(cp);
                        FrameOutcome::halt(match failure {
                            PrecompileFailure::Fault => Exit::ExtensionFault,
                            PrecompileFailure::StateChangeRefused => {
                                Exit::StateChangeDuringStaticCall
                            }
                            PrecompileFailure::OutOfGas => Exit::OutOfGas,
                            _ => Exit::PrecompileFailure,
                        })
                    }
                };
            }
        }
        if let Some(precompile) = standard {
            return match precompile(&inputs.input, inputs.gas_limit, self.fork) {
                Ok(out) if out.gas_used <= inputs.gas_limit => FrameOutcome {
                    exit: Exit::Return,
                    gas_left: inputs.gas_limit - out.gas_used,
                    gas_refund: 0,
                    output: out.output,
                    address: None,
                },
                Err(PrecompileError::Interrupted) => {
                    self.interrupted = true;
                    self.journal.revert(cp);
                    FrameOutcome::halt(Exit::Aborted)
                }
                Ok(_) | Err(PrecompileError::OutOfGas) => {
                    self.journal.revert(cp);
                    FrameOutcome::halt(Exit::OutOfGas)
                }
                Err(_) => {
                    self.journal.revert(cp);
                    FrameOutcome::halt(Exit::PrecompileFailure)
                }
            };
        }

        if code.is_empty() {
            return FrameOutcome {
                exit: Exit::Stop,
                gas_left: inputs.gas_limit,
                gas_refund: 0,
                output: Bytes::new(),
                address: None,
            };
        }

        let input = FrameInput {
            code,
            address: inputs.target_address,
            caller: inputs.caller,
            value: inputs.value,
            input: inputs.input.clone(),
            gas_limit: inputs.gas_limit,
            is_static: inputs.is_static,
            depth,
            fork: self.fork,
        };
        let res = self.run_frame(input, memory);
        if res.exit.outcome() != Outcome::Success {
            self.journal.revert(cp);
        }
        res
    }

    fn run_frame(&mut self, input: FrameInput, memory: &mut SharedMemory) -> FrameOutcome {
        let saved_depth = self.depth;
        self.depth = input.depth;
        let res = match self.interp.clone() {
            None => Interpreter::run_default(input, self, memory),
            Some(interp) => interp.run(input, self, memory),
        };
        self.depth = saved_depth;
        let halted = res.exit.outcome() == Outcome::Halt;
        FrameOutcome {
            exit: res.exit,
            gas_left: if halted { 0 } else { res.gas_left },
            gas_refund: if res.exit.outcome() == Outcome::Success { res.gas_refund } else { 0 },
            output: if halted { Bytes::new() } else { res.output },
            address: None,
        }
    }

    /// Runs a creation at `address` (already derived; the creator's nonce already bumped):
    /// collision check, checkpoint, new account, endowment, init code, code deposit.
    #[expect(clippy::too_many_arguments, reason = "one creation's inputs")]
    fn create_frame(
        &mut self,
        caller: Address,
        address: Address,
        value: U256,
        init_code: Bytes,
        gas_limit: u64,
        depth: usize,
        memory: &mut SharedMemory,
    ) -> FrameOutcome {
        if self.journal.failed() || self.stop_requested() {
            return FrameOutcome::halt(Exit::Aborted);
        }
        if self.journal.has_collision(address) {
            return FrameOutcome::halt(Exit::CreateCollision);
        }
        let cp = self.journal.checkpoint();
        self.journal.mark_created(address);
        self.journal.touch(address);
        if self.fork >= Fork::SpuriousDragon {
            self.journal.set_nonce(address, 1);
        }
        if !value.is_zero() && !self.journal.transfer(caller, address, value) {
            self.journal.revert(cp);
            return FrameOutcome {
                exit: Exit::Revert,
                gas_left: gas_limit,
                gas_refund: 0,
                output: Bytes::new(),
                address: None,
            };
        }

        let mut res = if init_code.is_empty() {
            FrameOutcome {
                exit: Exit::Stop,
                gas_left: gas_limit,
                gas_refund: 0,
                output: Bytes::new(),
                address: None,
            }
        } else {
            let input = FrameInput {
                code: Arc::new(AnalyzedCode::new(init_code)),
                address,
                caller,
                value,
                input: Bytes::new(),
                gas_limit,
                is_static: false,
                depth,
                fork: self.fork,
            };
            self.run_frame(input, memory)
        };
        if res.exit.outcome() != Outcome::Success {
            self.journal.revert(cp);
            return res;
        }

        // Code deposit.
        let code = std::mem::take(&mut res.output);
        if self.fork >= Fork::London && code.first() == Some(&0xef) {
            self.journal.revert(cp);
            return FrameOutcome::halt(Exit::InvalidCodePrefix);
        }
        let cost = code.len() as u64 * CODE_DEPOSIT_GAS;
        if res.gas_left < cost {
            if self.fork >= Fork::Homestead {
                self.journal.revert(cp);
                return FrameOutcome::halt(Exit::CodeDepositOutOfGas);
            }
            // Frontier: the contract keeps empty code and the gas is not charged.
            res.address = Some(address);
            return res;
        }
        if self.fork >= Fork::SpuriousDragon && code.len() > MAX_CODE_SIZE {
            self.journal.revert(cp);
            return FrameOutcome::halt(Exit::CodeSizeLimit);
        }
        res.gas_left -= cost;
        if !code.is_empty() {
            self.journal.set_code(address, Arc::new(AnalyzedCode::new(code)));
        }
        res.address = Some(address);
        res
    }

    /// Runs a creation with the create hooks around it.
    pub(crate) fn create_hooked(
        &mut self,
        inputs: &CreateInputs,
        address: Address,
        depth: usize,
        memory: &mut SharedMemory,
    ) -> FrameOutcome {
        let run = |ctx: &mut Self, memory: &mut SharedMemory| {
            ctx.create_frame(
                inputs.caller,
                address,
                inputs.value,
                inputs.init_code.clone(),
                inputs.gas_limit,
                depth,
                memory,
            )
        };
        if !H::ENABLED {
            return run(self, memory);
        }
        match self.hooks.create_enter(depth, inputs) {
            CallAction::Continue => {}
            CallAction::Abort(_) => return FrameOutcome::halt(Exit::ExtensionAbort),
            CallAction::Replace(mock) => return FrameOutcome::from_call(mock, Exit::Stop, None),
        }
        let res = run(self, memory);
        let outcome = res.outcome();
        let mut created = CreateOutcome {
            outcome,
            address: if outcome == Outcome::Success { res.address } else { None },
            gas_left: res.gas_left,
            gas_refund: res.gas_refund,
            output: res.output.clone(),
        };
        let before = created.clone();
        self.hooks.create_exit(depth, inputs, &mut created);
        if created == before {
            return res;
        }
        let call = CallOutcome {
            outcome: created.outcome,
            gas_left: created.gas_left,
            gas_refund: created.gas_refund,
            output: created.output,
        };
        FrameOutcome::from_call(call, res.exit, created.address)
    }

    /// Reports an account access to the hooks.
    #[inline]
    fn accessed(&mut self, address: Address, cold: bool) {
        if H::ENABLED {
            self.hooks.on_account_access(address, cold);
        }
    }

    fn is_dead(&mut self, address: Address) -> bool {
        let spurious = self.fork >= Fork::SpuriousDragon;
        let acc = self.journal.account(address);
        if spurious { acc.is_empty() } else { !acc.exists() }
    }
}

impl<DB: Database, H: VmHooks> Host for Context<'_, DB, H> {
    type Hooks = H;

    fn hooks(&mut self) -> &mut H {
        self.hooks
    }

    fn block(&self) -> &BlockEnv {
        self.block
    }

    fn tx(&self) -> &TxEnv {
        &self.tx
    }

    fn balance(&mut self, address: Address) -> StateLoad<U256> {
        let cold = self.journal.warm(address);
        self.accessed(address, cold);
        StateLoad::new(self.journal.account(address).info.balance, cold)
    }

    fn code_size(&mut self, address: Address) -> StateLoad<usize> {
        let cold = self.journal.warm(address);
        self.accessed(address, cold);
        StateLoad::new(self.journal.code(address).len(), cold)
    }

    fn code_hash(&mut self, address: Address) -> StateLoad<B256> {
        let cold = self.journal.warm(address);
        self.accessed(address, cold);
        let acc = self.journal.account(address);
        let hash = if acc.is_empty() { B256::ZERO } else { acc.info.code_hash };
        StateLoad::new(hash, cold)
    }

    fn code(&mut self, address: Address) -> StateLoad<Bytes> {
        let cold = self.journal.warm(address);
        self.accessed(address, cold);
        StateLoad::new(self.journal.code(address).original().clone(), cold)
    }

    fn load_account(&mut self, address: Address) -> StateLoad<AccountLoad> {
        let cold = self.journal.warm(address);
        self.accessed(address, cold);
        let is_empty = self.is_dead(address);
        let mut delegate_is_cold = None;
        if self.fork >= Fork::Prague
            && let Some(delegate) = delegation_target(self.journal.code(address).original())
        {
            delegate_is_cold = Some(self.journal.warm(delegate));
        }
        StateLoad::new(AccountLoad { is_empty, delegate_is_cold }, cold)
    }

    fn block_hash(&mut self, number: U256) -> B256 {
        let current = self.block.number;
        if number >= current || number.saturating_add(U256::from(256)) < current {
            return B256::ZERO;
        }
        match u64::try_from(number) {
            Ok(n) => self.journal.block_hash(n),
            Err(_) => B256::ZERO,
        }
    }

    fn sload(&mut self, address: Address, key: U256) -> StateLoad<U256> {
        let (value, cold) = self.journal.sload(address, key);
        StateLoad::new(value, cold)
    }

    fn sstore(&mut self, address: Address, key: U256, value: U256) -> StateLoad<SStoreResult> {
        let (slot, cold) = self.journal.sstore(address, key, value);
        StateLoad::new(
            SStoreResult { original: slot.original, present: slot.present, new: value },
            cold,
        )
    }

    fn tload(&mut self, address: Address, key: U256) -> U256 {
        self.journal.tload(address, key)
    }

    fn tstore(&mut self, address: Address, key: U256, value: U256) {
        self.journal.tstore(address, key, value);
    }

    fn log(&mut self, log: Log) {
        self.journal.log(log);
    }

    fn selfdestruct(&mut self, address: Address, target: Address) -> StateLoad<SelfDestructResult> {
        let cold = self.journal.warm(target);
        self.accessed(target, cold);
        let target_exists = !self.is_dead(target);
        let acc = self.journal.account(address);
        let balance = acc.info.balance;
        if H::ENABLED {
            self.hooks.on_selfdestruct(address, target, balance);
        }
        let previously_destroyed = acc.destroyed;
        let created = acc.created;
        if self.fork >= Fork::Cancun {
            if target != address {
                self.journal.transfer(address, target, balance);
            }
            self.journal.touch(target);
            if created {
                self.journal.set_balance(address, U256::ZERO);
                self.journal.mark_destroyed(address);
            }
        } else {
            self.journal.add_balance(target, balance);
            self.journal.set_balance(address, U256::ZERO);
            self.journal.mark_destroyed(address);
        }
        StateLoad::new(
            SelfDestructResult {
                had_value: !balance.is_zero(),
                target_exists,
                previously_destroyed,
            },
            cold,
        )
    }

    fn call(&mut self, inputs: CallInputs, memory: &mut SharedMemory) -> CallOutcome {
        if self.depth + 1 > STACK_DEPTH_LIMIT {
            return CallOutcome::not_started(inputs.gas_limit);
        }
        if inputs.transfers_value && self.journal.account(inputs.caller).info.balance < inputs.value
        {
            return CallOutcome::not_started(inputs.gas_limit);
        }
        let res = on_deep_stack(|| self.call_frame(&inputs, self.depth + 1, memory));
        CallOutcome {
            outcome: res.outcome(),
            gas_left: res.gas_left,
            gas_refund: res.gas_refund,
            output: res.output,
        }
    }

    fn create(&mut self, inputs: CreateInputs, memory: &mut SharedMemory) -> CreateOutcome {
        let not_started = CreateOutcome {
            outcome: Outcome::Revert,
            address: None,
            gas_left: inputs.gas_limit,
            gas_refund: 0,
            output: Bytes::new(),
        };
        if self.depth + 1 > STACK_DEPTH_LIMIT {
            return not_started;
        }
        let creator = self.journal.account(inputs.caller);
        if creator.info.balance < inputs.value || creator.info.nonce == u64::MAX {
            return not_started;
        }
        let nonce = creator.info.nonce;
        let address = match inputs.scheme {
            CreateScheme::Create => inputs.caller.create(nonce),
            CreateScheme::Create2 { salt } => {
                inputs.caller.create2(salt.to_be_bytes::<32>(), keccak256(&inputs.init_code))
            }
        };
        self.journal.warm(address);
        self.journal.set_nonce(inputs.caller, nonce + 1);
        let depth = self.depth + 1;
        let res = on_deep_stack(|| self.create_hooked(&inputs, address, depth, memory));
        let outcome = res.outcome();
        CreateOutcome {
            outcome,
            address: if outcome == Outcome::Success { res.address } else { None },
            gas_left: res.gas_left,
            gas_refund: res.gas_refund,
            output: if outcome == Outcome::Revert { res.output } else { Bytes::new() },
        }
    }
}

/// Native stack kept free below a child frame: more than one frame of the interpreter, the host
/// and the hooks needs (a few KiB in a release build; in a debug build the dispatch loop's
/// frame alone is about 64 KiB, one slot per arm's temporaries).
const STACK_RED_ZONE: usize = 256 * 1024;
/// The size of each stack segment added when the red zone is reached: room for dozens of frames.
const STACK_SEGMENT: usize = 2 * 1024 * 1024;

/// Runs a child frame, first moving to a new native stack segment when less than
/// [`STACK_RED_ZONE`] is left, so a 1024-deep chain of calls or creations runs on any thread
/// (a 256 KiB worker included) instead of overflowing it. The check is one comparison against
/// the stack limit that `stacker` keeps per thread.
#[inline]
fn on_deep_stack<R>(f: impl FnOnce() -> R) -> R {
    stacker::maybe_grow(STACK_RED_ZONE, STACK_SEGMENT, f)
}
