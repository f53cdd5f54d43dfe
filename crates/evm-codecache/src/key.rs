//! `Key`: what a caller asks the cache for, and the hex spelling of hashes in paths and keys.

use std::fmt;

use alloy_primitives::{Address, B256};
use serde::Serialize;

/// What to load: code by hash, the code of an address, or an account whose code hash is known.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Key {
    /// Code by its keccak256 hash; hash-to-code mappings never go stale.
    Hash(B256),
    /// The code at an address (at the source's pinned block); the mapping can change.
    Address(Address),
    /// The code of `address`, which must hash to `code_hash` (what a VM knows from the account).
    Account {
        /// The account.
        address: Address,
        /// Its code hash.
        code_hash: B256,
    },
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Hash(h) => write!(f, "hash {h}"),
            Self::Address(a) => write!(f, "address {a}"),
            Self::Account { address, code_hash } => write!(f, "account {address} ({code_hash})"),
        }
    }
}

impl From<B256> for Key {
    fn from(hash: B256) -> Self {
        Self::Hash(hash)
    }
}

impl From<Address> for Key {
    fn from(address: Address) -> Self {
        Self::Address(address)
    }
}

/// The spelling of a hash in file names, URL paths and Redis keys: 64 lowercase hex digits, no `0x`.
pub fn hash_hex(hash: &B256) -> String {
    hex::encode(hash.as_slice())
}

/// The spelling of an address in file names: 40 lowercase hex digits, no `0x`.
pub fn address_hex(address: &Address) -> String {
    hex::encode(address.as_slice())
}
