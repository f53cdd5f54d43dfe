//! An in-memory [`Host`] for unit tests: accounts, storage, warm sets, logs, nested calls.
//!
//! It has no journal: state changes of failed sub-calls are not undone. Tests avoid relying on
//! that.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use alloy_primitives::{Address, B256, Bytes, Log, U256, keccak256};

use crate::hooks::{CallAction, FrameView, Hooks, NoHooks, StepAction};
use crate::host::*;
use crate::interpreter::{FrameInput, FrameResult, Interpreter};
use crate::{AnalyzedCode, Fork, SharedMemory};

/// A hook counting steps and frames.
#[derive(Debug, Default)]
pub(crate) struct CountingHooks {
    pub(crate) steps: usize,
    pub(crate) after: usize,
    pub(crate) enters: usize,
    pub(crate) exits: usize,
    pub(crate) last_stack: Vec<U256>,
}

impl Hooks for CountingHooks {
    fn before_step(&mut self, frame: &FrameView<'_>) -> StepAction {
        self.steps += 1;
        self.last_stack = frame.stack.to_vec();
        StepAction::Continue
    }
    fn after_step(&mut self, _frame: &FrameView<'_>) -> StepAction {
        self.after += 1;
        StepAction::Continue
    }
    fn call_enter(&mut self, _depth: usize, _inputs: &CallInputs) -> CallAction {
        self.enters += 1;
        CallAction::Continue
    }
    fn call_exit(&mut self, _depth: usize, _inputs: &CallInputs, _outcome: &mut CallOutcome) {
        self.exits += 1;
    }
}

#[derive(Debug, Default, Clone)]
pub(crate) struct Account {
    pub(crate) balance: U256,
    pub(crate) code: Bytes,
}

#[derive(Debug)]
pub(crate) struct MockHost<K: Hooks = NoHooks> {
    pub(crate) hooks: K,
    pub(crate) fork: Fork,
    pub(crate) block: BlockEnv,
    pub(crate) tx: TxEnv,
    pub(crate) accounts: HashMap<Address, Account>,
    pub(crate) storage: HashMap<(Address, U256), U256>,
    pub(crate) original: HashMap<(Address, U256), U256>,
    pub(crate) transient: HashMap<(Address, U256), U256>,
    pub(crate) warm_accounts: HashSet<Address>,
    pub(crate) warm_slots: HashSet<(Address, U256)>,
    pub(crate) logs: Vec<Log>,
    pub(crate) depth: usize,
    pub(crate) creates: u64,
    pub(crate) calls: Vec<CallInputs>,
}

impl<K: Hooks + Default> MockHost<K> {
    pub(crate) fn new(fork: Fork) -> Self {
        Self {
            hooks: K::default(),
            fork,
            block: BlockEnv { chain_id: U256::from(1), ..BlockEnv::default() },
            tx: TxEnv::default(),
            accounts: HashMap::new(),
            storage: HashMap::new(),
            original: HashMap::new(),
            transient: HashMap::new(),
            warm_accounts: HashSet::new(),
            warm_slots: HashSet::new(),
            logs: Vec::new(),
            depth: 0,
            creates: 0,
            calls: Vec::new(),
        }
    }
}

impl<K: Hooks> MockHost<K> {
    fn warm(&mut self, address: Address) -> bool {
        !self.warm_accounts.insert(address)
    }

    fn exists(&self, address: Address) -> bool {
        self.accounts.contains_key(&address)
    }

    fn code_of(&self, address: Address) -> Bytes {
        self.accounts.get(&address).map(|a| a.code.clone()).unwrap_or_default()
    }

    pub(crate) fn frame(&mut self, code: Bytes, address: Address, gas_limit: u64) -> FrameInput {
        self.warm_accounts.insert(address);
        FrameInput {
            code: Arc::new(AnalyzedCode::new(code)),
            address,
            caller: Address::repeat_byte(0xca),
            value: U256::ZERO,
            input: Bytes::new(),
            gas_limit,
            is_static: false,
            depth: 0,
            fork: self.fork,
        }
    }
}

impl<K: Hooks> Host for MockHost<K> {
    type Hooks = K;

    fn hooks(&mut self) -> &mut K {
        &mut self.hooks
    }
    fn block(&self) -> &BlockEnv {
        &self.block
    }
    fn tx(&self) -> &TxEnv {
        &self.tx
    }
    fn balance(&mut self, address: Address) -> StateLoad<U256> {
        let warm = self.warm(address);
        let b = self.accounts.get(&address).map(|a| a.balance).unwrap_or_default();
        StateLoad::new(b, !warm)
    }
    fn code_size(&mut self, address: Address) -> StateLoad<usize> {
        let warm = self.warm(address);
        StateLoad::new(self.code_of(address).len(), !warm)
    }
    fn code_hash(&mut self, address: Address) -> StateLoad<B256> {
        let warm = self.warm(address);
        let h = if self.exists(address) { keccak256(self.code_of(address)) } else { B256::ZERO };
        StateLoad::new(h, !warm)
    }
    fn code(&mut self, address: Address) -> StateLoad<Bytes> {
        let warm = self.warm(address);
        StateLoad::new(self.code_of(address), !warm)
    }
    fn load_account(&mut self, address: Address) -> StateLoad<AccountLoad> {
        let warm = self.warm(address);
        let is_empty = match self.accounts.get(&address) {
            None => true,
            Some(a) => {
                self.fork >= Fork::SpuriousDragon && a.balance.is_zero() && a.code.is_empty()
            }
        };
        StateLoad::new(AccountLoad { is_empty, delegate_is_cold: None }, !warm)
    }
    fn block_hash(&mut self, number: U256) -> B256 {
        B256::from(number)
    }
    fn sload(&mut self, address: Address, key: U256) -> StateLoad<U256> {
        let cold = self.warm_slots.insert((address, key));
        StateLoad::new(self.storage.get(&(address, key)).copied().unwrap_or_default(), cold)
    }
    fn sstore(&mut self, address: Address, key: U256, value: U256) -> StateLoad<SStoreResult> {
        let cold = self.warm_slots.insert((address, key));
        let present = self.storage.get(&(address, key)).copied().unwrap_or_default();
        let original = *self.original.entry((address, key)).or_insert(present);
        self.storage.insert((address, key), value);
        StateLoad::new(SStoreResult { original, present, new: value }, cold)
    }
    fn tload(&mut self, address: Address, key: U256) -> U256 {
        self.transient.get(&(address, key)).copied().unwrap_or_default()
    }
    fn tstore(&mut self, address: Address, key: U256, value: U256) {
        self.transient.insert((address, key), value);
    }
    fn log(&mut self, log: Log) {
        self.logs.push(log);
    }
    fn selfdestruct(&mut self, address: Address, target: Address) -> StateLoad<SelfDestructResult> {
        let cold = !self.warm(target);
        let had_value = self.accounts.get(&address).is_some_and(|a| !a.balance.is_zero());
        let target_exists = self.exists(target);
        StateLoad::new(
            SelfDestructResult { had_value, target_exists, previously_destroyed: false },
            cold,
        )
    }
    fn call(&mut self, inputs: CallInputs, memory: &mut SharedMemory) -> CallOutcome {
        self.calls.push(inputs.clone());
        if self.depth >= 1024 {
            return CallOutcome::not_started(inputs.gas_limit);
        }
        if K::ENABLED {
            self.hooks.call_enter(self.depth + 1, &inputs);
        }
        let hooked = K::ENABLED.then(|| inputs.clone());
        let code = self.code_of(inputs.code_address);
        let frame = FrameInput {
            code: Arc::new(AnalyzedCode::new(code)),
            address: inputs.target_address,
            caller: inputs.caller,
            value: inputs.value,
            input: inputs.input,
            gas_limit: inputs.gas_limit,
            is_static: inputs.is_static,
            depth: self.depth + 1,
            fork: self.fork,
        };
        self.depth += 1;
        let r = Interpreter::<Self>::new().run(frame, self, memory);
        self.depth -= 1;
        let mut outcome = CallOutcome {
            outcome: r.outcome,
            gas_left: r.gas_left,
            gas_refund: r.gas_refund,
            output: r.output,
        };
        if let Some(inputs) = hooked {
            self.hooks.call_exit(self.depth + 1, &inputs, &mut outcome);
        }
        outcome
    }
    fn create(&mut self, inputs: CreateInputs, memory: &mut SharedMemory) -> CreateOutcome {
        self.creates += 1;
        let address = Address::with_last_byte(0xc0 + self.creates as u8);
        let frame = FrameInput {
            code: Arc::new(AnalyzedCode::new(inputs.init_code)),
            address,
            caller: inputs.caller,
            value: inputs.value,
            input: Bytes::new(),
            gas_limit: inputs.gas_limit,
            is_static: false,
            depth: self.depth + 1,
            fork: self.fork,
        };
        self.depth += 1;
        let r = Interpreter::<Self>::new().run(frame, self, memory);
        self.depth -= 1;
        if r.outcome == Outcome::Success {
            self.accounts.insert(address, Account { balance: inputs.value, code: r.output });
            CreateOutcome {
                outcome: r.outcome,
                address: Some(address),
                gas_left: r.gas_left,
                gas_refund: r.gas_refund,
                output: Bytes::new(),
            }
        } else {
            CreateOutcome {
                outcome: r.outcome,
                address: None,
                gas_left: r.gas_left,
                gas_refund: 0,
                output: r.output,
            }
        }
    }
}

/// The address test programs run at.
pub(crate) const SELF: Address = Address::repeat_byte(0x11);

/// Runs hex `code` at [`SELF`] on a fresh host with `gas` and returns the result and the host.
pub(crate) fn run_with<K: Hooks + Default>(
    code: &str,
    fork: Fork,
    gas: u64,
    setup: impl FnOnce(&mut MockHost<K>),
) -> (FrameResult, MockHost<K>) {
    let mut host = MockHost::<K>::new(fork);
    setup(&mut host);
    let code = Bytes::from(hex::decode(code).expect("test code is hex"));
    let input = host.frame(code, SELF, gas);
    let mut memory = SharedMemory::new();
    let result = Interpreter::<MockHost<K>>::new().run(input, &mut host, &mut memory);
    assert_eq!(memory.depth(), 0);
    (result, host)
}

/// Runs `code` with one million gas.
pub(crate) fn run(code: &str, fork: Fork) -> (FrameResult, MockHost) {
    run_with::<NoHooks>(code, fork, 1_000_000, |_| {})
}

/// Gas used by `code` (with one million gas).
pub(crate) fn gas_used(code: &str, fork: Fork) -> u64 {
    let (r, _) = run(code, fork);
    assert!(r.outcome != Outcome::Halt, "{code} halted: {:?}", r.exit);
    1_000_000 - r.gas_left
}

/// Runs `code` followed by `MSTORE(0, top); RETURN(0, 32)` and returns the top word.
pub(crate) fn eval(code: &str, fork: Fork) -> U256 {
    let (r, _) = run(&format!("{code}60005260206000f3"), fork);
    assert_eq!(r.outcome, Outcome::Success, "{code}: {:?}", r.exit);
    U256::from_be_slice(&r.output)
}
