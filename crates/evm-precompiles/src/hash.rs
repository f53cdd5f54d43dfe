//! Hash precompiles 0x02 SHA2-256, 0x03 RIPEMD-160 and 0x04 IDENTITY (Frontier).

use crate::{Fork, PrecompileOutput, PrecompileResult, charge, words};
use alloy_primitives::Bytes;
use ripemd::Ripemd160;
use sha2::{Digest, Sha256};

/// 0x02: SHA2-256 of the input; 60 gas plus 12 per word.
pub fn sha256(input: &[u8], gas_limit: u64, _fork: Fork) -> PrecompileResult {
    let gas = charge(words(input.len()).saturating_mul(12).saturating_add(60), gas_limit)?;
    let digest: [u8; 32] = Sha256::digest(input).into();
    Ok(PrecompileOutput::new(gas, Bytes::copy_from_slice(&digest)))
}

/// 0x03: RIPEMD-160 of the input, left-padded to 32 bytes; 600 gas plus 120 per word.
pub fn ripemd160(input: &[u8], gas_limit: u64, _fork: Fork) -> PrecompileResult {
    let gas = charge(words(input.len()).saturating_mul(120).saturating_add(600), gas_limit)?;
    let digest: [u8; 20] = Ripemd160::digest(input).into();
    let mut out = [0u8; 32];
    out[12..].copy_from_slice(&digest);
    Ok(PrecompileOutput::new(gas, Bytes::copy_from_slice(&out)))
}

/// 0x04: returns the input; 15 gas plus 3 per word.
pub fn identity(input: &[u8], gas_limit: u64, _fork: Fork) -> PrecompileResult {
    let gas = charge(words(input.len()).saturating_mul(3).saturating_add(15), gas_limit)?;
    Ok(PrecompileOutput::new(gas, Bytes::copy_from_slice(input)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::check;

    #[test]
    fn sha256_vectors() {
        let empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        check(sha256, "", empty, 60, Fork::Frontier);
        // "abc"
        let abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        check(sha256, "616263", abc, 72, Fork::Frontier);
    }

    #[test]
    fn ripemd160_vectors() {
        let empty = "0000000000000000000000009c1185a5c5e9fc54612808977ee8f548b2258d31";
        check(ripemd160, "", empty, 600, Fork::Frontier);
        let abc = "0000000000000000000000008eb208f7e05d987a9b044a8e98c6b087f15a0bfc";
        check(ripemd160, "616263", abc, 720, Fork::Frontier);
    }

    #[test]
    fn identity_copies() {
        check(identity, "", "", 15, Fork::Frontier);
        let long = "ab".repeat(33);
        check(identity, &long, &long, 21, Fork::Frontier);
    }
}
