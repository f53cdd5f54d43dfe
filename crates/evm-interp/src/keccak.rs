//! KECCAK256 of short inputs, remembered.
//!
//! Solidity hashes the same short inputs again and again: `keccak256(slot)` for the data of
//! every storage array, `keccak256(key . slot)` for mapping entries. snailtracer's 5,547
//! KECCAK256s all hash the 32 bytes at memory 0, and each costs about 4,800 instructions (one
//! Keccak-f[1600] permutation and the sponge around it), 11% of its run. A small per-thread
//! table of recent inputs of up to 64 bytes and their hashes answers a repeat with a
//! comparison instead; a miss costs a fold of the input and a copy into the table.
//!
//! The table only ever returns the hash of an input equal to the one asked for (length and
//! every byte compared), so results are the same as without it; a crafted input can at most
//! evict another.

use std::cell::RefCell;

use alloy_primitives::{B256, keccak256};

/// The longest input kept: two words, a mapping key and its slot.
const MAX_LEN: usize = 64;
/// Entries in the table (a power of two).
const SLOTS: usize = 64;

/// One remembered input (`len` bytes of `input`, zero padded) and its hash; `len == 0` is an
/// unused entry (an empty input is never looked up).
#[derive(Clone, Copy)]
struct Entry {
    len: u8,
    input: [u8; MAX_LEN],
    hash: [u8; 32],
}

impl Entry {
    const UNUSED: Self = Self { len: 0, input: [0; MAX_LEN], hash: [0; 32] };
}

thread_local! {
    static TABLE: RefCell<[Entry; SLOTS]> = const { RefCell::new([Entry::UNUSED; SLOTS]) };
}

/// The table entry for an input, from its zero-padded bytes and its length.
#[inline]
fn index(padded: &[u8; MAX_LEN], len: usize) -> usize {
    let mut acc = len as u64;
    for chunk in padded.chunks_exact(8) {
        let word = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
        acc = (acc ^ word).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
    (acc >> (64 - SLOTS.trailing_zeros())) as usize
}

/// `keccak256(data)`, from the table when `data` (1 to 64 bytes) was hashed recently on this
/// thread.
pub(crate) fn keccak256_cached(data: &[u8]) -> B256 {
    let len = data.len();
    if len == 0 || len > MAX_LEN {
        return keccak256(data);
    }
    let mut padded = [0u8; MAX_LEN];
    padded[..len].copy_from_slice(data);
    let i = index(&padded, len);
    TABLE.with_borrow_mut(|table| {
        let entry = &mut table[i];
        if usize::from(entry.len) == len && entry.input == padded {
            return B256::from(entry.hash);
        }
        let hash = keccak256(data);
        *entry = Entry { len: len as u8, input: padded, hash: hash.0 };
        hash
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every answer equals the uncached hash: repeats, inputs that differ only in length
    /// (equal once zero padded), every length, and enough distinct inputs to evict entries.
    #[test]
    fn cached_hashes_equal_uncached_ones() {
        let mut inputs: Vec<Vec<u8>> = Vec::new();
        for len in 1..=MAX_LEN + 2 {
            inputs.push(vec![0; len]);
            inputs.push((0..len as u8).collect());
        }
        for i in 0..500u32 {
            let mut word = [0u8; 64];
            word[28..32].copy_from_slice(&i.to_be_bytes());
            inputs.push(word[..32].to_vec());
            inputs.push(word.to_vec());
        }
        for round in 0..3 {
            for input in &inputs {
                assert_eq!(keccak256_cached(input), keccak256(input), "round {round}: {input:?}");
            }
        }
        assert_eq!(keccak256_cached(&[]), keccak256([]));
    }
}
