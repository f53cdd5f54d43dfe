//! 0x100 P256VERIFY: secp256r1 ECDSA verification (Osaka, EIP-7951).
//!
//! Written against p256's curve arithmetic so the checks are exactly the EIP's: `r` and `s` in
//! `[1, n)`, the key a canonical affine point on the curve, no low-`s` rule, and `R'.x mod n = r`.

use crate::{Fork, PrecompileOutput, PrecompileResult, charge};
use alloy_primitives::Bytes;
use p256::elliptic_curve::bigint::Reduce;
use p256::elliptic_curve::ops::MulByGeneratorVartime;
use p256::elliptic_curve::point::AffineCoordinates;
use p256::elliptic_curve::{Field, Group, PrimeField};
use p256::{AffinePoint, FieldBytes, ProjectivePoint, Scalar};

/// Gas of one verification.
const GAS: u64 = 6900;
/// Exact input length: hash, r, s, qx, qy.
const INPUT_LEN: usize = 160;

/// 32 bytes at `offset` as field bytes.
fn field_bytes(input: &[u8], offset: usize) -> FieldBytes {
    let mut bytes = [0u8; 32];
    bytes.copy_from_slice(&input[offset..offset + 32]);
    FieldBytes::from(bytes)
}

/// A scalar in `[1, n)`.
fn nonzero_scalar(bytes: FieldBytes) -> Option<Scalar> {
    let scalar: Option<Scalar> = Scalar::from_repr(bytes).into();
    scalar.filter(|s| !bool::from(s.is_zero()))
}

/// Whether `(r, s)` is a valid signature of `hash` by the key `(qx, qy)`, all in `input`.
fn verify(input: &[u8]) -> Option<()> {
    let hash = field_bytes(input, 0);
    let r = nonzero_scalar(field_bytes(input, 32))?;
    let s = nonzero_scalar(field_bytes(input, 64))?;
    // Rejects coordinates not below p and points off the curve, including (0, 0).
    let q: Option<AffinePoint> =
        AffinePoint::from_coordinates(&field_bytes(input, 96), &field_bytes(input, 128)).into();
    let q = ProjectivePoint::from(q?);
    let z = <Scalar as Reduce<FieldBytes>>::reduce(&hash);
    let s_inv: Option<Scalar> = s.invert().into();
    let s_inv = s_inv?;
    // R' = (h·s⁻¹)·G + (r·s⁻¹)·Q; the inputs are public, so variable time is fine.
    let big_r =
        ProjectivePoint::mul_by_generator_and_mul_add_vartime(&(z * s_inv), &(r * s_inv), &q);
    if bool::from(big_r.is_identity()) {
        return None;
    }
    let x = <Scalar as Reduce<FieldBytes>>::reduce(&big_r.to_affine().x());
    (x == r).then_some(())
}

/// 0x100: `hash || r || s || qx || qy` (160 bytes) to the 32-byte word 1 if the signature
/// verifies, else an empty output (never an error besides gas); 6900 gas.
pub fn p256verify(input: &[u8], gas_limit: u64, _fork: Fork) -> PrecompileResult {
    let gas = charge(GAS, gas_limit)?;
    if input.len() != INPUT_LEN || verify(input).is_none() {
        return Ok(PrecompileOutput::new(gas, Bytes::new()));
    }
    let mut out = [0u8; 32];
    out[31] = 1;
    Ok(PrecompileOutput::new(gas, Bytes::copy_from_slice(&out)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::check;

    #[test]
    fn malformed_inputs_give_empty_output() {
        check(p256verify, "", "", 6900, Fork::Osaka);
        check(p256verify, &"00".repeat(160), "", 6900, Fork::Osaka);
        check(p256verify, &"00".repeat(161), "", 6900, Fork::Osaka);
    }
}
