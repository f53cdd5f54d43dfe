//! EVM precompiled contracts 0x01–0x11 and P256VERIFY (0x100), with gas per fork.
//!
//! Every precompile is a plain [`Precompile`] function: input, gas limit and fork in, output and
//! gas used out. Any `Err` means the caller loses all gas it gave the precompile; failures that the
//! specification treats as success (ECRECOVER and P256VERIFY on bad input) return an empty output.
//! This crate knows nothing of the interpreter, state or hosts.

mod blake2f;
mod bls12_381;
mod blst_ops;
mod bn254;
mod ecrecover;
mod error;
mod hash;
mod interrupt;
mod kzg;
mod modexp;
mod p256verify;
mod set;

pub use blake2f::{blake2f, blake2f_compress};
pub use bls12_381::{
    bls12_g1add, bls12_g1msm, bls12_g2add, bls12_g2msm, bls12_map_fp_to_g1, bls12_map_fp2_to_g2,
    bls12_pairing,
};
pub use bn254::{bn254_add, bn254_mul, bn254_pairing};
pub use ecrecover::{ecrecover, recover_address};
pub use error::PrecompileError;
pub use evm_bytecode::Fork;
pub use hash::{identity, ripemd160, sha256};
pub use interrupt::{Interrupt, with_interrupt};
pub use kzg::point_evaluation;
pub use modexp::{modexp, modexp_gas};
pub use p256verify::p256verify;
pub use set::{PrecompileSet, addresses};

use alloy_primitives::Bytes;

/// A successful precompile run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrecompileOutput {
    /// Gas charged.
    pub gas_used: u64,
    /// Returned bytes.
    pub output: Bytes,
}

impl PrecompileOutput {
    /// An output of `gas_used` gas and `output` bytes.
    #[inline]
    pub fn new(gas_used: u64, output: impl Into<Bytes>) -> Self {
        Self { gas_used, output: output.into() }
    }
}

/// Result of a precompile run.
pub type PrecompileResult = Result<PrecompileOutput, PrecompileError>;

/// A precompile: input, gas limit and fork in, result out.
pub type Precompile = fn(input: &[u8], gas_limit: u64, fork: Fork) -> PrecompileResult;

/// Fails with [`PrecompileError::OutOfGas`] when `cost` exceeds `gas_limit`, else returns `cost`.
#[inline]
pub(crate) fn charge(cost: u64, gas_limit: u64) -> Result<u64, PrecompileError> {
    if cost > gas_limit {
        core::hint::cold_path();
        return Err(PrecompileError::OutOfGas);
    }
    Ok(cost)
}

/// Number of 32-byte words needed for `len` bytes.
#[inline]
pub(crate) fn words(len: usize) -> u64 {
    (len as u64).div_ceil(32)
}

/// `input[offset..offset + N]`, zero-padded past the end of `input`.
#[inline]
pub(crate) fn read_padded<const N: usize>(input: &[u8], offset: usize) -> [u8; N] {
    let mut out = [0u8; N];
    if offset < input.len() {
        let end = input.len().min(offset.saturating_add(N));
        out[..end - offset].copy_from_slice(&input[offset..end]);
    }
    out
}

#[cfg(test)]
pub(crate) mod test_util {
    //! Shared helpers for the unit tests of every precompile.
    use super::*;

    /// Runs `p` with a generous gas limit and hex input.
    #[track_caller]
    pub(crate) fn run(p: Precompile, input_hex: &str, fork: Fork) -> PrecompileResult {
        let input = hex::decode(input_hex).expect("test input is hex");
        p(&input, u64::MAX, fork)
    }

    /// Asserts that `p` returns `expected_hex` for `input_hex` at `gas` gas.
    #[track_caller]
    pub(crate) fn check(p: Precompile, input_hex: &str, expected_hex: &str, gas: u64, fork: Fork) {
        let out = run(p, input_hex, fork).expect("precompile succeeds");
        assert_eq!(hex::encode(&out.output), expected_hex.to_lowercase(), "output");
        assert_eq!(out.gas_used, gas, "gas");
        let input = hex::decode(input_hex).expect("test input is hex");
        if gas > 0 {
            assert_eq!(p(&input, gas - 1, fork), Err(PrecompileError::OutOfGas));
        }
        assert_eq!(p(&input, gas, fork).map(|o| o.gas_used), Ok(gas));
    }

    #[test]
    fn read_padded_pads_and_truncates() {
        assert_eq!(read_padded::<4>(&[1, 2, 3], 1), [2, 3, 0, 0]);
        assert_eq!(read_padded::<2>(&[1, 2, 3], 5), [0, 0]);
        assert_eq!(read_padded::<2>(&[1, 2, 3], usize::MAX), [0, 0]);
        assert_eq!(words(0), 0);
        assert_eq!(words(33), 2);
    }
}
