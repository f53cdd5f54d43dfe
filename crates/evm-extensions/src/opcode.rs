//! Custom opcodes: what one declares ([`CustomOpcode`]) and what its implementation can touch
//! ([`OpcodeContext`]: stack, memory with expansion gas, gas, and state through the host).
//!
//! A custom opcode has no immediates: jump-destination analysis is consensus.

use std::sync::Arc;

use alloy_primitives::{Address, B256, Bytes, Log, U256};
use evm_interp::{Exit, Fork, Host, SharedMemory, Stack, gas};

use crate::extension::Capabilities;

/// How a custom opcode halts its frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpcodeHalt {
    /// Out of gas.
    OutOfGas,
    /// Popped more than the stack holds.
    StackUnderflow,
    /// Pushed past 1024 items.
    StackOverflow,
    /// A state change in a static frame, or one the extension did not declare.
    StateChangeRefused,
    /// The extension's own reason; the frame halts with `Exit::ExtensionAbort`.
    Abort(u32),
    /// The implementation failed (a plugin callback panicked or returned an error).
    Fault,
}

impl OpcodeHalt {
    /// The interpreter's exit for this halt.
    pub fn exit(self) -> Exit {
        match self {
            Self::OutOfGas => Exit::OutOfGas,
            Self::StackUnderflow => Exit::StackUnderflow,
            Self::StackOverflow => Exit::StackOverflow,
            Self::StateChangeRefused => Exit::StateChangeDuringStaticCall,
            Self::Abort(_) => Exit::ExtensionAbort,
            Self::Fault => Exit::ExtensionFault,
        }
    }
}

/// The state a custom opcode can reach: an object-safe slice of [`Host`], implemented for every
/// host. Reads warm what they touch, as the corresponding opcodes do.
pub trait OpcodeHost {
    /// Balance of `address`.
    fn balance(&mut self, address: Address) -> U256;
    /// Storage slot `key` of `address`.
    fn sload(&mut self, address: Address, key: U256) -> U256;
    /// Writes storage through the host's journal; returns the value before.
    fn sstore(&mut self, address: Address, key: U256, value: U256) -> U256;
    /// Emits a log.
    fn log(&mut self, log: Log);
}

impl<H: Host> OpcodeHost for H {
    fn balance(&mut self, address: Address) -> U256 {
        Host::balance(self, address).data
    }
    fn sload(&mut self, address: Address, key: U256) -> U256 {
        Host::sload(self, address, key).data
    }
    fn sstore(&mut self, address: Address, key: U256, value: U256) -> U256 {
        Host::sstore(self, address, key, value).data.present
    }
    fn log(&mut self, log: Log) {
        Host::log(self, log);
    }
}

/// What a custom opcode's implementation sees.
pub struct OpcodeContext<'a> {
    pub(crate) stack: &'a mut Stack,
    pub(crate) memory: &'a mut SharedMemory,
    pub(crate) gas_left: &'a mut u64,
    pub(crate) host: &'a mut dyn OpcodeHost,
    pub(crate) capabilities: Capabilities,
    pub(crate) enforce: bool,
    /// The opcode byte.
    pub opcode: u8,
    /// Its program counter.
    pub pc: usize,
    /// The frame's address.
    pub address: Address,
    /// The frame's caller.
    pub caller: Address,
    /// The frame's call value.
    pub value: U256,
    /// Whether the frame is static.
    pub is_static: bool,
    /// Call depth.
    pub depth: usize,
    /// Fork rules.
    pub fork: Fork,
}

impl core::fmt::Debug for OpcodeContext<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("OpcodeContext")
            .field("opcode", &self.opcode)
            .field("pc", &self.pc)
            .field("gas_left", &*self.gas_left)
            .field("stack_len", &self.stack.len())
            .finish()
    }
}

impl OpcodeContext<'_> {
    /// Pops the top item.
    pub fn pop(&mut self) -> Result<U256, OpcodeHalt> {
        self.stack.try_pop().ok_or(OpcodeHalt::StackUnderflow)
    }

    /// Pushes an item.
    pub fn push(&mut self, value: U256) -> Result<(), OpcodeHalt> {
        if self.stack.try_push(value) { Ok(()) } else { Err(OpcodeHalt::StackOverflow) }
    }

    /// The item `depth` from the top (0 is the top).
    pub fn peek(&self, depth: usize) -> Result<U256, OpcodeHalt> {
        let items = self.stack.as_slice();
        items.len().checked_sub(depth + 1).map(|i| items[i]).ok_or(OpcodeHalt::StackUnderflow)
    }

    /// Replaces the item `depth` from the top.
    pub fn set(&mut self, depth: usize, value: U256) -> Result<(), OpcodeHalt> {
        let len = self.stack.len();
        match len.checked_sub(depth + 1) {
            Some(i) if self.stack.set(i, value) => Ok(()),
            _ => Err(OpcodeHalt::StackUnderflow),
        }
    }

    /// Stack items, bottom first.
    pub fn stack(&self) -> &[U256] {
        self.stack.as_slice()
    }

    /// Gas left.
    pub fn gas_left(&self) -> u64 {
        *self.gas_left
    }

    /// Charges dynamic gas.
    pub fn charge(&mut self, cost: u64) -> Result<(), OpcodeHalt> {
        match self.gas_left.checked_sub(cost) {
            Some(left) => {
                *self.gas_left = left;
                Ok(())
            }
            None => Err(OpcodeHalt::OutOfGas),
        }
    }

    /// The frame's memory.
    pub fn memory(&self) -> &[u8] {
        self.memory.context()
    }

    /// Expands memory to cover `[offset, offset + len)`, charging the expansion gas as the
    /// standard opcodes do.
    pub fn expand_memory(&mut self, offset: u64, len: u64) -> Result<(), OpcodeHalt> {
        if len == 0 {
            return Ok(());
        }
        let end = offset.checked_add(len).ok_or(OpcodeHalt::OutOfGas)?;
        if end > evm_interp::memory::MAX_CONTEXT_SIZE {
            return Err(OpcodeHalt::OutOfGas);
        }
        let current = self.memory.len() as u64;
        if end <= current {
            return Ok(());
        }
        let new_words = gas::words(end);
        let cost = gas::memory_cost(new_words) - gas::memory_cost(current / 32);
        self.charge(cost)?;
        self.memory.resize(new_words as usize * 32);
        Ok(())
    }

    /// Reads `len` bytes at `offset`, expanding memory (and paying for it) as MLOAD would.
    pub fn read_memory(&mut self, offset: u64, len: u64) -> Result<&[u8], OpcodeHalt> {
        self.expand_memory(offset, len)?;
        if len == 0 {
            return Ok(&[]);
        }
        Ok(self.memory.slice(offset as usize, len as usize))
    }

    /// Writes `data` at `offset`, expanding memory (and paying for it) as MSTORE would.
    pub fn write_memory(&mut self, offset: u64, data: &[u8]) -> Result<(), OpcodeHalt> {
        self.expand_memory(offset, data.len() as u64)?;
        if !data.is_empty() {
            self.memory.set(offset as usize, data);
        }
        Ok(())
    }

    fn require(&self, cap: Capabilities) -> Result<(), OpcodeHalt> {
        if self.enforce && !self.capabilities.contains(cap) {
            return Err(OpcodeHalt::StateChangeRefused);
        }
        Ok(())
    }

    /// Balance of `address` (needs `STATE_READ` under `Strict`).
    pub fn balance(&mut self, address: Address) -> Result<U256, OpcodeHalt> {
        self.require(Capabilities::STATE_READ)?;
        Ok(self.host.balance(address))
    }

    /// Storage slot `key` of the frame's address (needs `STATE_READ` under `Strict`).
    pub fn sload(&mut self, key: U256) -> Result<U256, OpcodeHalt> {
        self.require(Capabilities::STATE_READ)?;
        Ok(self.host.sload(self.address, key))
    }

    /// Writes storage of the frame's address through the journal; refused in a static frame
    /// (and without `STATE_WRITE` under `Strict`).
    pub fn sstore(&mut self, key: U256, value: U256) -> Result<U256, OpcodeHalt> {
        self.require(Capabilities::STATE_WRITE)?;
        if self.is_static {
            return Err(OpcodeHalt::StateChangeRefused);
        }
        Ok(self.host.sstore(self.address, key, value))
    }

    /// Emits a log from the frame's address; refused in a static frame.
    pub fn log(&mut self, topics: &[B256], data: &[u8]) -> Result<(), OpcodeHalt> {
        self.require(Capabilities::STATE_WRITE)?;
        if self.is_static {
            return Err(OpcodeHalt::StateChangeRefused);
        }
        let log = Log::new_unchecked(self.address, topics.to_vec(), Bytes::copy_from_slice(data));
        self.host.log(log);
        Ok(())
    }
}

/// A custom opcode's implementation.
pub type OpcodeFn = Arc<dyn Fn(&mut OpcodeContext<'_>) -> Result<(), OpcodeHalt> + Send + Sync>;

/// A custom opcode: byte, mnemonic, static gas, stack inputs and outputs, the first fork it
/// exists in, and its implementation (which charges dynamic gas itself).
#[derive(Clone)]
pub struct CustomOpcode {
    pub(crate) opcode: u8,
    pub(crate) name: String,
    pub(crate) static_gas: u16,
    pub(crate) inputs: u8,
    pub(crate) outputs: u8,
    pub(crate) since: Fork,
    pub(crate) allow_override: bool,
    pub(crate) f: OpcodeFn,
}

impl core::fmt::Debug for CustomOpcode {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CustomOpcode")
            .field("opcode", &self.opcode)
            .field("name", &self.name)
            .field("static_gas", &self.static_gas)
            .field("inputs", &self.inputs)
            .field("outputs", &self.outputs)
            .field("since", &self.since)
            .finish()
    }
}

impl CustomOpcode {
    /// A custom opcode. `inputs` are the items it needs, `outputs` the items present after
    /// (counted from the same base), as in `evm_bytecode::OpInfo`.
    pub fn new(
        opcode: u8,
        name: impl Into<String>,
        static_gas: u16,
        inputs: u8,
        outputs: u8,
        since: Fork,
        f: impl Fn(&mut OpcodeContext<'_>) -> Result<(), OpcodeHalt> + Send + Sync + 'static,
    ) -> Self {
        Self {
            opcode,
            name: name.into(),
            static_gas,
            inputs,
            outputs,
            since,
            allow_override: false,
            f: Arc::new(f),
        }
    }

    /// Allows replacing an opcode the fork already defines.
    pub fn allow_override(mut self) -> Self {
        self.allow_override = true;
        self
    }

    /// The byte.
    pub fn opcode(&self) -> u8 {
        self.opcode
    }

    /// The mnemonic.
    pub fn name(&self) -> &str {
        &self.name
    }
}
