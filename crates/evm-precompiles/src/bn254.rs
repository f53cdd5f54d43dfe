//! 0x06–0x08 BN254 (alt_bn128) addition, scalar multiplication and pairing check
//! (Byzantium, EIP-196/197; repriced in Istanbul by EIP-1108).
//!
//! Field elements are 32-byte big-endian and must be below the field modulus; `(0, 0)` encodes
//! the point at infinity. G2 coordinates are written imaginary part first.

use crate::{Fork, PrecompileError, PrecompileOutput, PrecompileResult, charge, read_padded};
use alloy_primitives::Bytes;
use ark_bn254::{Bn254, Fq, Fq2, G1Affine, G1Projective, G2Affine};
use ark_ec::pairing::Pairing;
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{BigInt, One, PrimeField, Zero};

/// Bytes of one pairing input: a G1 point (64) and a G2 point (128).
const PAIR_LEN: usize = 192;

/// A field element from 32 big-endian bytes, rejecting values not below the modulus.
fn read_fq(bytes: &[u8]) -> Result<Fq, PrecompileError> {
    let mut limbs = [0u64; 4];
    for (i, limb) in limbs.iter_mut().enumerate() {
        let start = 32 - 8 * (i + 1);
        *limb = u64::from_be_bytes(bytes[start..start + 8].try_into().unwrap_or_default());
    }
    Fq::from_bigint(BigInt::new(limbs)).ok_or(PrecompileError::Bn254FieldElementTooLarge)
}

/// Writes `f` as 32 big-endian bytes.
fn write_fq(f: Fq, out: &mut [u8]) {
    let limbs = f.into_bigint().0;
    for (i, limb) in limbs.iter().enumerate() {
        let start = 32 - 8 * (i + 1);
        out[start..start + 8].copy_from_slice(&limb.to_be_bytes());
    }
}

/// A G1 point from 64 bytes `x || y`; G1 has cofactor 1, so on-curve means in-subgroup.
fn read_g1(bytes: &[u8]) -> Result<G1Affine, PrecompileError> {
    let x = read_fq(&bytes[..32])?;
    let y = read_fq(&bytes[32..64])?;
    if x.is_zero() && y.is_zero() {
        return Ok(G1Affine::zero());
    }
    let point = G1Affine::new_unchecked(x, y);
    if !point.is_on_curve() {
        return Err(PrecompileError::Bn254PointNotOnCurve);
    }
    Ok(point)
}

/// A G2 point from 128 bytes `x.im || x.re || y.im || y.re`, checked on curve and in subgroup.
fn read_g2(bytes: &[u8]) -> Result<G2Affine, PrecompileError> {
    let x = Fq2::new(read_fq(&bytes[32..64])?, read_fq(&bytes[..32])?);
    let y = Fq2::new(read_fq(&bytes[96..128])?, read_fq(&bytes[64..96])?);
    if x.is_zero() && y.is_zero() {
        return Ok(G2Affine::zero());
    }
    let point = G2Affine::new_unchecked(x, y);
    if !point.is_on_curve() {
        return Err(PrecompileError::Bn254PointNotOnCurve);
    }
    if !point.is_in_correct_subgroup_assuming_on_curve() {
        return Err(PrecompileError::Bn254PointNotInSubgroup);
    }
    Ok(point)
}

/// A G1 point as 64 bytes, `(0, 0)` for infinity.
fn encode_g1(point: G1Projective) -> Bytes {
    let mut out = [0u8; 64];
    if let Some((x, y)) = point.into_affine().xy() {
        write_fq(x, &mut out[..32]);
        write_fq(y, &mut out[32..]);
    }
    Bytes::copy_from_slice(&out)
}

/// 0x06: sum of two G1 points (input zero-padded to 128 bytes); 500 gas, 150 from Istanbul.
pub fn bn254_add(input: &[u8], gas_limit: u64, fork: Fork) -> PrecompileResult {
    let gas = charge(if fork >= Fork::Istanbul { 150 } else { 500 }, gas_limit)?;
    let input = read_padded::<128>(input, 0);
    let a = read_g1(&input[..64])?;
    let b = read_g1(&input[64..])?;
    Ok(PrecompileOutput::new(gas, encode_g1(a + b)))
}

/// 0x07: G1 point times a 256-bit scalar (input zero-padded to 96 bytes); 40000 gas, 6000 from
/// Istanbul.
pub fn bn254_mul(input: &[u8], gas_limit: u64, fork: Fork) -> PrecompileResult {
    let gas = charge(if fork >= Fork::Istanbul { 6000 } else { 40_000 }, gas_limit)?;
    let input = read_padded::<96>(input, 0);
    let point = read_g1(&input[..64])?;
    let mut scalar = [0u64; 4];
    for (i, limb) in scalar.iter_mut().enumerate() {
        let start = 96 - 8 * (i + 1);
        *limb = u64::from_be_bytes(input[start..start + 8].try_into().unwrap_or_default());
    }
    Ok(PrecompileOutput::new(gas, encode_g1(point.mul_bigint(scalar))))
}

/// 0x08: whether the product of the pairings of the given (G1, G2) pairs is one, as a 32-byte
/// word; 100000 + 80000 per pair, 45000 + 34000 per pair from Istanbul.
pub fn bn254_pairing(input: &[u8], gas_limit: u64, fork: Fork) -> PrecompileResult {
    let (base, per_pair) =
        if fork >= Fork::Istanbul { (45_000, 34_000) } else { (100_000, 80_000) };
    let pairs = (input.len() / PAIR_LEN) as u64;
    let gas = charge(pairs.saturating_mul(per_pair).saturating_add(base), gas_limit)?;
    if !input.len().is_multiple_of(PAIR_LEN) {
        return Err(PrecompileError::Bn254PairingLength);
    }
    let mut g1s = Vec::with_capacity(input.len() / PAIR_LEN);
    let mut g2s = Vec::with_capacity(input.len() / PAIR_LEN);
    for pair in input.chunks_exact(PAIR_LEN) {
        let g1 = read_g1(&pair[..64])?;
        let g2 = read_g2(&pair[64..])?;
        // A pair with a point at infinity contributes a factor of one.
        if !g1.is_zero() && !g2.is_zero() {
            g1s.push(g1);
            g2s.push(g2);
        }
    }
    let success = g1s.is_empty() || Bn254::multi_pairing(g1s, g2s).0.is_one();
    let mut out = [0u8; 32];
    out[31] = u8::from(success);
    Ok(PrecompileOutput::new(gas, Bytes::copy_from_slice(&out)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::{check, run};

    const G1: &str = "00000000000000000000000000000000000000000000000000000000000000010000000000000000000000000000000000000000000000000000000000000002";

    #[test]
    fn add_infinity_and_generator() {
        check(bn254_add, "", &"00".repeat(64), 150, Fork::Istanbul);
        check(bn254_add, "", &"00".repeat(64), 500, Fork::Byzantium);
        check(bn254_add, G1, G1, 150, Fork::Istanbul);
        // 2G
        let two_g = "030644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd315ed738c0e0a7c92e7845f96b2ae9c0a68a6a449e3538fc7ff3ebf7a5a18a2c4";
        check(bn254_add, &format!("{G1}{G1}"), two_g, 150, Fork::Istanbul);
        check(bn254_mul, &format!("{G1}{:064x}", 2), two_g, 6000, Fork::Istanbul);
        check(bn254_mul, &format!("{G1}{:064x}", 2), two_g, 40_000, Fork::Byzantium);
    }

    #[test]
    fn invalid_points_fail() {
        // (1, 3) is not on y^2 = x^3 + 3.
        let bad = format!("{:064x}{:064x}", 1, 3);
        assert_eq!(
            run(bn254_add, &bad, Fork::Istanbul),
            Err(PrecompileError::Bn254PointNotOnCurve)
        );
        // x = p is not canonical.
        let p = "30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47";
        let big = format!("{p}{:064x}", 2);
        assert_eq!(
            run(bn254_mul, &big, Fork::Istanbul),
            Err(PrecompileError::Bn254FieldElementTooLarge)
        );
    }

    #[test]
    fn pairing_edge_cases() {
        let one = format!("{:064x}", 1);
        check(bn254_pairing, "", &one, 45_000, Fork::Istanbul);
        check(bn254_pairing, "", &one, 100_000, Fork::Byzantium);
        assert_eq!(
            run(bn254_pairing, "00", Fork::Istanbul),
            Err(PrecompileError::Bn254PairingLength)
        );
        // A pair of infinities.
        check(bn254_pairing, &"00".repeat(192), &one, 79_000, Fork::Istanbul);
    }
}
