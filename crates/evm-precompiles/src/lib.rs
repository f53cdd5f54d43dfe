//! EVM precompiled contracts 0x01–0x11 and P256VERIFY (0x100), with gas per fork.
//! (STUB of the public API: the precompiles work fills the bodies.)

use alloy_primitives::{Address, Bytes};
pub use evm_bytecode::Fork;

/// A successful precompile run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrecompileOutput {
    /// Gas charged.
    pub gas_used: u64,
    /// Returned bytes.
    pub output: Bytes,
}

/// A failed precompile run: the caller loses all gas it gave the precompile.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PrecompileError {
    /// Not enough gas.
    #[error("out of gas")]
    OutOfGas,
}

/// Result of a precompile run.
pub type PrecompileResult = Result<PrecompileOutput, PrecompileError>;

/// A precompile: input, gas limit and fork in, result out.
pub type Precompile = fn(input: &[u8], gas_limit: u64, fork: Fork) -> PrecompileResult;

/// The precompiles active in one fork; a VM instance owns a copy and may add to it.
#[derive(Clone, Debug)]
pub struct PrecompileSet {
    fork: Fork,
    entries: Vec<(Address, Precompile)>,
}

impl PrecompileSet {
    /// The standard set for `fork`.
    pub fn for_fork(fork: Fork) -> Self {
        Self { fork, entries: Vec::new() }
    }

    /// The fork this set was built for.
    pub fn fork(&self) -> Fork {
        self.fork
    }

    /// The precompile at `address`, if any.
    #[inline]
    pub fn get(&self, address: &Address) -> Option<Precompile> {
        self.entries.iter().find(|(a, _)| a == address).map(|(_, p)| *p)
    }

    /// Whether `address` is a precompile in this set.
    #[inline]
    pub fn contains(&self, address: &Address) -> bool {
        self.get(address).is_some()
    }

    /// All addresses (warm from the start of every transaction from Berlin on, EIP-2929).
    pub fn addresses(&self) -> impl Iterator<Item = Address> + '_ {
        self.entries.iter().map(|(a, _)| *a)
    }

    /// Adds or replaces a precompile.
    pub fn insert(&mut self, address: Address, precompile: Precompile) {
        self.entries.retain(|(a, _)| *a != address);
        self.entries.push((address, precompile));
    }
}

/// secp256k1 public key recovery as ECRECOVER does it: the signer's address, or `None`.
/// `v` is the recovery id (0 or 1). Also used for EIP-7702 authorizations and tx senders.
pub fn recover_address(msg_hash: &[u8; 32], v: u8, r: &[u8; 32], s: &[u8; 32]) -> Option<Address> {
    let _ = (msg_hash, v, r, s);
    None
}
