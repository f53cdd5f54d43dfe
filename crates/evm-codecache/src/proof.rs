//! Account proofs (`eth_getProof`): the account leaf is checked against a trusted state root
//! with alloy-trie, which proves the account's code hash.

use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use alloy_rlp::Encodable;
use alloy_trie::{Nibbles, proof::verify_proof};

/// The account part of an `eth_getProof` answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountProof {
    /// Account nonce.
    pub nonce: u64,
    /// Account balance.
    pub balance: U256,
    /// Storage trie root.
    pub storage_hash: B256,
    /// keccak256 of the account's code.
    pub code_hash: B256,
    /// Trie nodes from the state root down to the account leaf, RLP encoded.
    pub account_proof: Vec<Bytes>,
}

impl AccountProof {
    /// The account leaf value: RLP list `[nonce, balance, storage_root, code_hash]`.
    pub fn account_rlp(&self) -> Vec<u8> {
        let payload_length = self.nonce.length()
            + self.balance.length()
            + self.storage_hash.length()
            + self.code_hash.length();
        let mut out = Vec::with_capacity(payload_length + 3);
        alloy_rlp::Header { list: true, payload_length }.encode(&mut out);
        self.nonce.encode(&mut out);
        self.balance.encode(&mut out);
        self.storage_hash.encode(&mut out);
        self.code_hash.encode(&mut out);
        out
    }

    /// Verifies that `address` holds exactly this account under `state_root`.
    pub fn verify(&self, state_root: B256, address: Address) -> Result<(), &'static str> {
        let value = self.account_rlp();
        let key = Nibbles::unpack(keccak256(address));
        verify_proof(state_root, key, Some(value), &self.account_proof)
            .map_err(|_| "the account proof does not lead from the state root to this account")
    }
}
