//! Transactions: legacy, EIP-2930, EIP-1559, EIP-4844 and EIP-7702, as one struct.
//!
//! The type follows from the fields: `authorization_list` → 7702, `blob_hashes` → 4844,
//! `max_fee_per_gas` → 1559, `access_list` → 2930, otherwise legacy.

use alloy_primitives::{Address, B256, Bytes, U256};

/// One EIP-2930 access-list entry.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AccessListItem {
    /// The address to warm.
    pub address: Address,
    /// Storage keys to warm.
    pub storage_keys: Vec<B256>,
}

/// A signed EIP-7702 authorization tuple; the VM recovers the authority itself.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Authorization {
    /// Chain id (0 = any chain).
    pub chain_id: U256,
    /// Address to delegate to (zero address clears the delegation).
    pub address: Address,
    /// The authority's nonce.
    pub nonce: U256,
    /// Signature y parity.
    pub y_parity: U256,
    /// Signature r.
    pub r: U256,
    /// Signature s.
    pub s: U256,
}

/// The transaction envelope type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TxType {
    /// Legacy (type 0).
    Legacy,
    /// EIP-2930 access list (type 1).
    AccessList,
    /// EIP-1559 fee market (type 2).
    FeeMarket,
    /// EIP-4844 blob (type 3).
    Blob,
    /// EIP-7702 set code (type 4).
    SetCode,
}

/// A transaction, already decoded; `caller` is the recovered sender.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tx {
    /// Sender.
    pub caller: Address,
    /// Recipient, `None` for contract creation.
    pub to: Option<Address>,
    /// Value in wei.
    pub value: U256,
    /// Call data or init code.
    pub data: Bytes,
    /// Gas limit.
    pub gas_limit: u64,
    /// Sender nonce.
    pub nonce: u64,
    /// Legacy/2930 gas price.
    pub gas_price: U256,
    /// EIP-1559 fee cap.
    pub max_fee_per_gas: Option<U256>,
    /// EIP-1559 tip cap.
    pub max_priority_fee_per_gas: Option<U256>,
    /// EIP-2930 access list.
    pub access_list: Option<Vec<AccessListItem>>,
    /// EIP-4844 blob versioned hashes.
    pub blob_hashes: Option<Vec<B256>>,
    /// EIP-4844 blob fee cap.
    pub max_fee_per_blob_gas: Option<U256>,
    /// EIP-7702 authorizations.
    pub authorization_list: Option<Vec<Authorization>>,
    /// Chain id the transaction is signed for, if any.
    pub chain_id: Option<U256>,
}

impl Tx {
    /// The envelope type implied by the fields that are set.
    pub fn tx_type(&self) -> TxType {
        if self.authorization_list.is_some() {
            TxType::SetCode
        } else if self.blob_hashes.is_some() {
            TxType::Blob
        } else if self.max_fee_per_gas.is_some() {
            TxType::FeeMarket
        } else if self.access_list.is_some() {
            TxType::AccessList
        } else {
            TxType::Legacy
        }
    }

    /// Number of blobs (zero for non-blob transactions).
    pub fn blob_count(&self) -> usize {
        self.blob_hashes.as_ref().map_or(0, Vec::len)
    }
}
