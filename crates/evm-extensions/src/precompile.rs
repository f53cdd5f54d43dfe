//! Custom precompiles: stateless (input and gas limit in, output and gas used out) and stateful
//! (a [`PrecompileContext`] with the caller, value, static flag, the precompile's own storage,
//! balance transfers and logs). The VM journals every write and reverts it with the frame.

use std::sync::Arc;

use alloy_primitives::{Address, B256, Bytes, Log, U256};
use evm_interp::Fork;

use crate::extension::Capabilities;

/// A successful (or reverting) precompile run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PrecompileOutput {
    /// Output bytes (revert data when `reverted`).
    pub output: Bytes,
    /// Gas used (at most the gas limit).
    pub gas_used: u64,
    /// The call reverts: state changes undone, unused gas returned.
    pub reverted: bool,
}

impl PrecompileOutput {
    /// A successful run.
    pub fn ok(output: impl Into<Bytes>, gas_used: u64) -> Self {
        Self { output: output.into(), gas_used, reverted: false }
    }
}

/// Why a precompile failed: the call halts and consumes all its gas.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PrecompileFailure {
    /// The gas limit does not cover the cost.
    #[error("out of gas")]
    OutOfGas,
    /// Bad input or another failure of the precompile itself.
    #[error("precompile failed")]
    Failed,
    /// A state change in a static context, or one the extension did not declare.
    #[error("state change refused")]
    StateChangeRefused,
    /// The implementation faulted (a plugin panicked); the extension is disabled.
    #[error("extension fault")]
    Fault,
}

/// The state a stateful precompile reaches, implemented by the VM over its journal. Writes are
/// journaled: a revert of the frame undoes them.
pub trait PrecompileState {
    /// Storage slot `key` of `address`.
    fn sload(&mut self, address: Address, key: U256) -> U256;
    /// Writes storage; returns the value before.
    fn sstore(&mut self, address: Address, key: U256, value: U256) -> U256;
    /// Balance of `address`.
    fn balance(&mut self, address: Address) -> U256;
    /// Moves `value` from `from` to `to`; `false` when `from` cannot pay.
    fn transfer(&mut self, from: Address, to: Address, value: U256) -> bool;
    /// Emits a log.
    fn log(&mut self, log: Log);
}

/// A call to a precompile, as the VM describes it.
#[derive(Clone, Copy, Debug)]
pub struct PrecompileCall<'a> {
    /// Input bytes.
    pub input: &'a [u8],
    /// Gas available.
    pub gas_limit: u64,
    /// The precompile's address (where its storage lives).
    pub address: Address,
    /// The caller.
    pub caller: Address,
    /// Value sent (already transferred).
    pub value: U256,
    /// Static context.
    pub is_static: bool,
    /// Fork rules.
    pub fork: Fork,
}

/// What a stateful precompile sees.
pub struct PrecompileContext<'a> {
    /// The call.
    pub call: PrecompileCall<'a>,
    pub(crate) state: &'a mut dyn PrecompileState,
    pub(crate) gas_used: u64,
    pub(crate) capabilities: Capabilities,
    pub(crate) enforce: bool,
}

impl core::fmt::Debug for PrecompileContext<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PrecompileContext")
            .field("call", &self.call)
            .field("gas_used", &self.gas_used)
            .finish()
    }
}

impl PrecompileContext<'_> {
    /// Input bytes.
    pub fn input(&self) -> &[u8] {
        self.call.input
    }

    /// Charges gas; fails when the limit does not cover it.
    pub fn charge(&mut self, gas: u64) -> Result<(), PrecompileFailure> {
        match self.gas_used.checked_add(gas) {
            Some(used) if used <= self.call.gas_limit => {
                self.gas_used = used;
                Ok(())
            }
            _ => Err(PrecompileFailure::OutOfGas),
        }
    }

    /// Gas charged so far.
    pub fn gas_used(&self) -> u64 {
        self.gas_used
    }

    fn require(&self, cap: Capabilities, write: bool) -> Result<(), PrecompileFailure> {
        if (self.enforce && !self.capabilities.contains(cap)) || (write && self.call.is_static) {
            return Err(PrecompileFailure::StateChangeRefused);
        }
        Ok(())
    }

    /// A slot of the precompile's own storage.
    pub fn sload(&mut self, key: U256) -> Result<U256, PrecompileFailure> {
        self.require(Capabilities::STATE_READ, false)?;
        Ok(self.state.sload(self.call.address, key))
    }

    /// Writes the precompile's own storage; refused in a static context.
    pub fn sstore(&mut self, key: U256, value: U256) -> Result<U256, PrecompileFailure> {
        self.require(Capabilities::STATE_WRITE, true)?;
        Ok(self.state.sstore(self.call.address, key, value))
    }

    /// Balance of `address`.
    pub fn balance(&mut self, address: Address) -> Result<U256, PrecompileFailure> {
        self.require(Capabilities::STATE_READ, false)?;
        Ok(self.state.balance(address))
    }

    /// Moves `value` from the precompile's own balance to `to`; refused in a static context.
    pub fn transfer(&mut self, to: Address, value: U256) -> Result<(), PrecompileFailure> {
        self.require(Capabilities::STATE_WRITE, true)?;
        if self.state.transfer(self.call.address, to, value) {
            Ok(())
        } else {
            Err(PrecompileFailure::Failed)
        }
    }

    /// Emits a log from the precompile's address; refused in a static context.
    pub fn log(&mut self, topics: &[B256], data: &[u8]) -> Result<(), PrecompileFailure> {
        self.require(Capabilities::STATE_WRITE, true)?;
        let log =
            Log::new_unchecked(self.call.address, topics.to_vec(), Bytes::copy_from_slice(data));
        self.state.log(log);
        Ok(())
    }
}

/// A stateless precompile: input and gas limit in, output and gas used out.
pub type StatelessFn =
    Arc<dyn Fn(&[u8], u64) -> Result<PrecompileOutput, PrecompileFailure> + Send + Sync>;
/// A stateful precompile; the gas charged through the context is added to `gas_used`.
pub type StatefulFn = Arc<
    dyn Fn(&mut PrecompileContext<'_>) -> Result<PrecompileOutput, PrecompileFailure> + Send + Sync,
>;

#[derive(Clone)]
pub(crate) enum PrecompileKind {
    Stateless(StatelessFn),
    Stateful(StatefulFn),
}

/// A custom precompile: address, first fork, implementation, and whether it may replace a
/// standard precompile at the same address.
#[derive(Clone)]
pub struct CustomPrecompile {
    pub(crate) address: Address,
    pub(crate) since: Fork,
    pub(crate) replace_standard: bool,
    pub(crate) kind: PrecompileKind,
}

impl core::fmt::Debug for CustomPrecompile {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CustomPrecompile")
            .field("address", &self.address)
            .field("since", &self.since)
            .field("stateful", &self.is_stateful())
            .finish()
    }
}

impl CustomPrecompile {
    /// A stateless precompile.
    pub fn stateless(
        address: Address,
        since: Fork,
        f: impl Fn(&[u8], u64) -> Result<PrecompileOutput, PrecompileFailure> + Send + Sync + 'static,
    ) -> Self {
        Self {
            address,
            since,
            replace_standard: false,
            kind: PrecompileKind::Stateless(Arc::new(f)),
        }
    }

    /// A stateful precompile.
    pub fn stateful(
        address: Address,
        since: Fork,
        f: impl Fn(&mut PrecompileContext<'_>) -> Result<PrecompileOutput, PrecompileFailure>
        + Send
        + Sync
        + 'static,
    ) -> Self {
        Self {
            address,
            since,
            replace_standard: false,
            kind: PrecompileKind::Stateful(Arc::new(f)),
        }
    }

    /// Allows replacing a standard precompile at the same address.
    pub fn replace_standard(mut self) -> Self {
        self.replace_standard = true;
        self
    }

    /// The address.
    pub fn address(&self) -> Address {
        self.address
    }

    /// Whether it has a state context.
    pub fn is_stateful(&self) -> bool {
        matches!(self.kind, PrecompileKind::Stateful(_))
    }
}
