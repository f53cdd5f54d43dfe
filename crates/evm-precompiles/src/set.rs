//! Which precompile lives at which address in which fork.

use crate::{Fork, Precompile};
use alloy_primitives::Address;

/// Precompile addresses.
pub mod addresses {
    use alloy_primitives::Address;

    /// The precompile address with low two bytes `n`.
    pub const fn at(n: u16) -> Address {
        let mut bytes = [0u8; 20];
        let be = n.to_be_bytes();
        bytes[18] = be[0];
        bytes[19] = be[1];
        Address::new(bytes)
    }

    /// 0x01 ECRECOVER (Frontier).
    pub const ECRECOVER: Address = at(0x01);
    /// 0x02 SHA2-256 (Frontier).
    pub const SHA256: Address = at(0x02);
    /// 0x03 RIPEMD-160 (Frontier).
    pub const RIPEMD160: Address = at(0x03);
    /// 0x04 IDENTITY (Frontier).
    pub const IDENTITY: Address = at(0x04);
    /// 0x05 MODEXP (Byzantium, EIP-198).
    pub const MODEXP: Address = at(0x05);
    /// 0x06 BN254 point addition (Byzantium, EIP-196).
    pub const BN254_ADD: Address = at(0x06);
    /// 0x07 BN254 scalar multiplication (Byzantium, EIP-196).
    pub const BN254_MUL: Address = at(0x07);
    /// 0x08 BN254 pairing check (Byzantium, EIP-197).
    pub const BN254_PAIRING: Address = at(0x08);
    /// 0x09 BLAKE2 F compression (Istanbul, EIP-152).
    pub const BLAKE2F: Address = at(0x09);
    /// 0x0a KZG point evaluation (Cancun, EIP-4844).
    pub const POINT_EVALUATION: Address = at(0x0a);
    /// 0x0b BLS12-381 G1 addition (Prague, EIP-2537).
    pub const BLS12_G1ADD: Address = at(0x0b);
    /// 0x0c BLS12-381 G1 multi-scalar multiplication (Prague, EIP-2537).
    pub const BLS12_G1MSM: Address = at(0x0c);
    /// 0x0d BLS12-381 G2 addition (Prague, EIP-2537).
    pub const BLS12_G2ADD: Address = at(0x0d);
    /// 0x0e BLS12-381 G2 multi-scalar multiplication (Prague, EIP-2537).
    pub const BLS12_G2MSM: Address = at(0x0e);
    /// 0x0f BLS12-381 pairing check (Prague, EIP-2537).
    pub const BLS12_PAIRING: Address = at(0x0f);
    /// 0x10 BLS12-381 map field element to G1 (Prague, EIP-2537).
    pub const BLS12_MAP_FP_TO_G1: Address = at(0x10);
    /// 0x11 BLS12-381 map Fp2 element to G2 (Prague, EIP-2537).
    pub const BLS12_MAP_FP2_TO_G2: Address = at(0x11);
    /// 0x100 secp256r1 signature verification (Osaka, EIP-7951).
    pub const P256VERIFY: Address = at(0x100);
}

/// Every standard precompile with the fork that introduced it, in address order.
const STANDARD: [(Address, Fork, Precompile); 18] = [
    (addresses::ECRECOVER, Fork::Frontier, crate::ecrecover),
    (addresses::SHA256, Fork::Frontier, crate::sha256),
    (addresses::RIPEMD160, Fork::Frontier, crate::ripemd160),
    (addresses::IDENTITY, Fork::Frontier, crate::identity),
    (addresses::MODEXP, Fork::Byzantium, crate::modexp),
    (addresses::BN254_ADD, Fork::Byzantium, crate::bn254_add),
    (addresses::BN254_MUL, Fork::Byzantium, crate::bn254_mul),
    (addresses::BN254_PAIRING, Fork::Byzantium, crate::bn254_pairing),
    (addresses::BLAKE2F, Fork::Istanbul, crate::blake2f),
    (addresses::POINT_EVALUATION, Fork::Cancun, crate::point_evaluation),
    (addresses::BLS12_G1ADD, Fork::Prague, crate::bls12_g1add),
    (addresses::BLS12_G1MSM, Fork::Prague, crate::bls12_g1msm),
    (addresses::BLS12_G2ADD, Fork::Prague, crate::bls12_g2add),
    (addresses::BLS12_G2MSM, Fork::Prague, crate::bls12_g2msm),
    (addresses::BLS12_PAIRING, Fork::Prague, crate::bls12_pairing),
    (addresses::BLS12_MAP_FP_TO_G1, Fork::Prague, crate::bls12_map_fp_to_g1),
    (addresses::BLS12_MAP_FP2_TO_G2, Fork::Prague, crate::bls12_map_fp2_to_g2),
    (addresses::P256VERIFY, Fork::Osaka, crate::p256verify),
];

/// The precompiles active in one fork; a VM instance owns a copy and may add to it.
#[derive(Clone, Debug)]
pub struct PrecompileSet {
    fork: Fork,
    entries: Vec<(Address, Precompile)>,
    /// Whether every address in `entries` has its first 18 bytes zero (the fast-reject path).
    all_short: bool,
}

impl PrecompileSet {
    /// The standard set for `fork`.
    pub fn for_fork(fork: Fork) -> Self {
        let entries = STANDARD
            .iter()
            .filter(|(_, since, _)| fork >= *since)
            .map(|(address, _, precompile)| (*address, *precompile))
            .collect();
        Self { fork, entries, all_short: true }
    }

    /// The fork this set was built for.
    pub fn fork(&self) -> Fork {
        self.fork
    }

    /// The precompile at `address`, if any.
    #[inline]
    pub fn get(&self, address: &Address) -> Option<Precompile> {
        // Most calls go to ordinary contracts: reject them without scanning.
        if self.all_short && address.0[..18] != [0u8; 18] {
            return None;
        }
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

    /// Number of precompiles in the set.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Adds or replaces a precompile.
    pub fn insert(&mut self, address: Address, precompile: Precompile) {
        self.entries.retain(|(a, _)| *a != address);
        self.entries.push((address, precompile));
        self.all_short &= address.0[..18] == [0u8; 18];
    }

    /// Removes the precompile at `address`, returning it if there was one.
    pub fn remove(&mut self, address: &Address) -> Option<Precompile> {
        let index = self.entries.iter().position(|(a, _)| a == address)?;
        Some(self.entries.remove(index).1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(fork: Fork, count: usize) {
        let set = PrecompileSet::for_fork(fork);
        assert_eq!(set.len(), count, "{fork:?}");
        assert_eq!(set.fork(), fork);
        for a in set.addresses() {
            assert!(set.contains(&a));
        }
    }

    #[test]
    fn counts_per_fork() {
        check(Fork::Frontier, 4);
        check(Fork::SpuriousDragon, 4);
        check(Fork::Byzantium, 8);
        check(Fork::Petersburg, 8);
        check(Fork::Istanbul, 9);
        check(Fork::Shanghai, 9);
        check(Fork::Cancun, 10);
        check(Fork::Prague, 17);
        check(Fork::Osaka, 18);
    }

    #[test]
    fn lookups() {
        let mut set = PrecompileSet::for_fork(Fork::Prague);
        assert!(set.contains(&addresses::BLS12_MAP_FP2_TO_G2));
        assert!(!set.contains(&addresses::P256VERIFY));
        assert!(!set.contains(&addresses::at(0x12)));
        assert!(!set.contains(&Address::ZERO));
        assert!(!set.contains(&Address::repeat_byte(1)));
        let custom = Address::repeat_byte(0xaa);
        set.insert(custom, crate::identity);
        assert!(set.contains(&custom));
        assert!(set.remove(&custom).is_some());
        assert!(!set.contains(&custom));
        assert!(PrecompileSet::for_fork(Fork::Osaka).contains(&addresses::P256VERIFY));
    }
}
