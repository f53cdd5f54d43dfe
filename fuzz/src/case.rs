//! A differential test case: fork, block environment, pre-state and one transaction.
//!
//! The case is the single description both VMs are built from and the state-test writer
//! serialises; it knows nothing of either VM.

use alloy_primitives::{Address, B256, Bytes, U256};
use evm_vm::{Fork, Tx};

/// The forks the differential target covers, oldest first: every evmkit fork that revm 43 also
/// has (revm has no original Constantinople, only Petersburg).
pub const FORKS: [Fork; 14] = [
    Fork::Frontier,
    Fork::Homestead,
    Fork::Tangerine,
    Fork::SpuriousDragon,
    Fork::Byzantium,
    Fork::Petersburg,
    Fork::Istanbul,
    Fork::Berlin,
    Fork::London,
    Fork::Paris,
    Fork::Shanghai,
    Fork::Cancun,
    Fork::Prague,
    Fork::Osaka,
];

/// Chain id of every case (as in the state tests).
pub const CHAIN_ID: u64 = 1;

/// The block fields a case sets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Env {
    /// Block number.
    pub number: u64,
    /// Fee recipient.
    pub coinbase: Address,
    /// Timestamp.
    pub timestamp: u64,
    /// Block gas limit.
    pub gas_limit: u64,
    /// Base fee (used from London on).
    pub basefee: u64,
    /// Difficulty (used before Paris).
    pub difficulty: U256,
    /// PREVRANDAO (used from Paris on).
    pub prevrandao: B256,
}

/// An account of the pre-state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreAccount {
    /// Address.
    pub address: Address,
    /// Balance.
    pub balance: U256,
    /// Nonce.
    pub nonce: u64,
    /// Code.
    pub code: Bytes,
    /// Storage slots (non-zero values).
    pub storage: Vec<(U256, U256)>,
}

/// One generated case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Case {
    /// Fork.
    pub fork: Fork,
    /// Block environment.
    pub env: Env,
    /// Pre-state accounts (sender included).
    pub pre: Vec<PreAccount>,
    /// The transaction; its type follows from the fields that are set (see [`Tx::tx_type`]).
    pub tx: Tx,
}
