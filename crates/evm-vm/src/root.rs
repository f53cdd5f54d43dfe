//! State root and logs hash, as state tests and block headers commit to them.
//!
//! The state root is a Merkle-Patricia trie keyed by `keccak256(address)` whose values are
//! RLP accounts `[nonce, balance, storage_root, code_hash]`; each storage root is a trie keyed
//! by `keccak256(slot)` with RLP-encoded non-zero values. The logs hash is
//! `keccak256(rlp([[address, [topics], data], ...]))`.
//! This module reads [`InMemoryDb`] only; it knows nothing of execution.

use alloy_primitives::{Address, B256, Log, U256, keccak256};
use alloy_rlp::{Encodable, Header};
use alloy_trie::{EMPTY_ROOT_HASH, HashBuilder, Nibbles};

use crate::InMemoryDb;

/// Root of a trie built from `(hashed key, rlp value)` pairs in any order.
fn trie_root(mut leaves: Vec<(B256, Vec<u8>)>) -> B256 {
    if leaves.is_empty() {
        return EMPTY_ROOT_HASH;
    }
    leaves.sort_unstable_by_key(|leaf| leaf.0);
    let mut builder = HashBuilder::default();
    for (key, value) in &leaves {
        builder.add_leaf(Nibbles::unpack(key), value);
    }
    builder.root()
}

/// Storage root of the given slots; zero values are left out (they are absent from the trie).
pub fn storage_root<'a>(storage: impl IntoIterator<Item = (&'a U256, &'a U256)>) -> B256 {
    let leaves = storage
        .into_iter()
        .filter(|(_, value)| !value.is_zero())
        .map(|(slot, value)| (keccak256(slot.to_be_bytes::<32>()), alloy_rlp::encode(value)))
        .collect();
    trie_root(leaves)
}

/// RLP of an account as stored in the state trie.
pub fn account_rlp(nonce: u64, balance: U256, storage_root: B256, code_hash: B256) -> Vec<u8> {
    let payload_length =
        nonce.length() + balance.length() + storage_root.length() + code_hash.length();
    let mut out = Vec::with_capacity(payload_length + 3);
    Header { list: true, payload_length }.encode(&mut out);
    nonce.encode(&mut out);
    balance.encode(&mut out);
    storage_root.encode(&mut out);
    code_hash.encode(&mut out);
    out
}

/// State root of every account held by `db`.
pub fn state_root(db: &InMemoryDb) -> B256 {
    let leaves = db
        .accounts
        .iter()
        .map(|(address, account)| {
            let info = &account.info;
            let root = storage_root(&account.storage);
            (keccak256(address), account_rlp(info.nonce, info.balance, root, info.code_hash))
        })
        .collect();
    trie_root(leaves)
}

/// State root of explicit `(address, nonce, balance, storage root, code hash)` entries.
pub fn state_root_of(accounts: impl IntoIterator<Item = (Address, u64, U256, B256, B256)>) -> B256 {
    let leaves = accounts
        .into_iter()
        .map(|(address, nonce, balance, root, code_hash)| {
            (keccak256(address), account_rlp(nonce, balance, root, code_hash))
        })
        .collect();
    trie_root(leaves)
}

/// RLP of one log: `[address, [topics...], data]`.
fn encode_log(log: &Log, out: &mut Vec<u8>) {
    let topics = log.data.topics();
    let topics_length: usize = topics.iter().map(Encodable::length).sum();
    let topics_header = Header { list: true, payload_length: topics_length };
    let data = &log.data.data;
    let payload_length =
        log.address.length() + topics_header.length() + topics_length + data.length();
    Header { list: true, payload_length }.encode(out);
    log.address.encode(out);
    topics_header.encode(out);
    for topic in topics {
        topic.encode(out);
    }
    data.encode(out);
}

/// `keccak256(rlp(logs))`, the `logs` value of a state test.
pub fn logs_hash(logs: &[Log]) -> B256 {
    let mut payload = Vec::new();
    for log in logs {
        encode_log(log, &mut payload);
    }
    let mut out = Vec::with_capacity(payload.len() + 9);
    Header { list: true, payload_length: payload.len() }.encode(&mut out);
    out.extend_from_slice(&payload);
    keccak256(&out)
}

#[cfg(test)]
mod tests {
    use alloy_primitives::{Bytes, KECCAK256_EMPTY, LogData, address, b256};

    use super::*;

    #[test]
    fn empty_trie_root() {
        let empty = b256!("56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421");
        assert_eq!(state_root(&InMemoryDb::default()), empty);
        assert_eq!(storage_root(&std::collections::HashMap::new()), empty);
    }

    #[test]
    fn zero_storage_values_are_absent() {
        let storage: std::collections::HashMap<U256, U256> = [(U256::from(1), U256::ZERO)].into();
        assert_eq!(storage_root(&storage), EMPTY_ROOT_HASH);
    }

    #[test]
    fn single_account_root() {
        // One account with balance 1 wei, nonce 0, no code or storage. The root of a
        // one-leaf trie is keccak256 of the leaf node `[hex-prefix(path), rlp(account)]`,
        // computed here independently of the hash builder.
        let addr = address!("a94f5374fce5edbc8e2a8697c15331677e6ebf0b");
        let mut db = InMemoryDb::default();
        db.insert_account(addr, U256::from(1), 0, Bytes::new(), []);
        let account = account_rlp(0, U256::from(1), EMPTY_ROOT_HASH, KECCAK256_EMPTY);
        let mut path = vec![0x20];
        path.extend_from_slice(keccak256(addr).as_slice());
        let payload = path.as_slice().length() + account.as_slice().length();
        let mut leaf = Vec::new();
        Header { list: true, payload_length: payload }.encode(&mut leaf);
        path.as_slice().encode(&mut leaf);
        account.as_slice().encode(&mut leaf);
        assert_eq!(state_root(&db), keccak256(&leaf));
    }

    #[test]
    fn insertion_order_does_not_matter() {
        let a = address!("1000000000000000000000000000000000000000");
        let b = address!("2000000000000000000000000000000000000000");
        let mut one = InMemoryDb::default();
        one.insert_account(
            a,
            U256::from(5),
            1,
            Bytes::from_static(&[0x00]),
            [(U256::from(1), U256::from(2))],
        );
        one.insert_account(b, U256::ZERO, 0, Bytes::new(), []);
        let mut two = InMemoryDb::default();
        two.insert_account(b, U256::ZERO, 0, Bytes::new(), []);
        two.insert_account(
            a,
            U256::from(5),
            1,
            Bytes::from_static(&[0x00]),
            [(U256::from(1), U256::from(2))],
        );
        assert_eq!(state_root(&one), state_root(&two));
        assert_ne!(state_root(&one), EMPTY_ROOT_HASH);
    }

    #[test]
    fn logs_hash_of_no_logs() {
        let expected = b256!("1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347");
        assert_eq!(logs_hash(&[]), expected);
    }

    #[test]
    fn logs_hash_matches_generic_rlp() {
        let log = Log {
            address: address!("0000000000000000000000000000000000000100"),
            data: LogData::new_unchecked(vec![B256::repeat_byte(7)], Bytes::from_static(b"hi")),
        };
        // Independently: rlp list of one list [address, [topic], data].
        let mut inner = Vec::new();
        log.address.encode(&mut inner);
        vec![B256::repeat_byte(7)].encode(&mut inner);
        Bytes::from_static(b"hi").encode(&mut inner);
        let mut item = Vec::new();
        Header { list: true, payload_length: inner.len() }.encode(&mut item);
        item.extend_from_slice(&inner);
        let mut all = Vec::new();
        Header { list: true, payload_length: item.len() }.encode(&mut all);
        all.extend_from_slice(&item);
        assert_eq!(logs_hash(&[log]), keccak256(&all));
    }
}
