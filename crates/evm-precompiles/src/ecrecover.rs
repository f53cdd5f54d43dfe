//! 0x01 ECRECOVER (Frontier) and the secp256k1 public key recovery it shares with the VM.
//!
//! Recovery is written against k256's curve arithmetic rather than its ECDSA API so that the
//! rules are exactly Ethereum's: `r` and `s` in `[1, n)`, high `s` accepted, `v` picks the parity
//! of `R.y`.

use crate::{Fork, PrecompileOutput, PrecompileResult, charge, read_padded};
use alloy_primitives::{Address, Bytes, keccak256};
use k256::elliptic_curve::bigint::Reduce;
use k256::elliptic_curve::ops::MulByGeneratorVartime;
use k256::elliptic_curve::point::DecompressPoint;
use k256::elliptic_curve::sec1::ToSec1Point;
use k256::elliptic_curve::subtle::Choice;
use k256::elliptic_curve::{Group, PrimeField};
use k256::{AffinePoint, FieldBytes, ProjectivePoint, Scalar};

/// Gas for one ECRECOVER call.
const GAS: u64 = 3000;

/// secp256k1 public key recovery as ECRECOVER does it: the signer's address, or `None`.
/// `v` is the recovery id (0 or 1). Also used for EIP-7702 authorizations and tx senders.
pub fn recover_address(msg_hash: &[u8; 32], v: u8, r: &[u8; 32], s: &[u8; 32]) -> Option<Address> {
    if v > 1 {
        return None;
    }
    let r_scalar = nonzero_scalar(r)?;
    let s_scalar = nonzero_scalar(s)?;
    // `r < n < p`, so `r` is also a valid x coordinate; ids 2 and 3 (x = r + n) are not used.
    let big_r: Option<AffinePoint> =
        AffinePoint::decompress(&FieldBytes::from(*r), Choice::from(v)).into();
    let big_r = ProjectivePoint::from(big_r?);
    let z = <Scalar as Reduce<FieldBytes>>::reduce(&FieldBytes::from(*msg_hash));
    let r_inv: Option<Scalar> = r_scalar.invert().into();
    let r_inv = r_inv?;
    // Q = r⁻¹ (s·R − z·G) = (−z·r⁻¹)·G + (s·r⁻¹)·R; the inputs are public, so variable time is fine.
    let q = ProjectivePoint::mul_by_generator_and_mul_add_vartime(
        &(-(z * r_inv)),
        &(s_scalar * r_inv),
        &big_r,
    );
    if bool::from(q.is_identity()) {
        return None;
    }
    let encoded = q.to_affine().to_sec1_point(false);
    let bytes = encoded.as_bytes();
    // Uncompressed SEC1: 0x04 || x || y.
    let hash = keccak256(bytes.get(1..65)?);
    Some(Address::from_slice(&hash[12..]))
}

/// `bytes` as a scalar in `[1, n)`.
fn nonzero_scalar(bytes: &[u8; 32]) -> Option<Scalar> {
    let scalar: Option<Scalar> = Scalar::from_repr(FieldBytes::from(*bytes)).into();
    scalar.filter(|s| !bool::from(s.is_zero()))
}

/// 0x01: `hash || v || r || s` (zero-padded to 128 bytes) to the left-padded signer address;
/// invalid signatures give an empty output, not an error. 3000 gas.
pub fn ecrecover(input: &[u8], gas_limit: u64, _fork: Fork) -> PrecompileResult {
    let gas = charge(GAS, gas_limit)?;
    let hash = read_padded::<32>(input, 0);
    let v = read_padded::<32>(input, 32);
    let r = read_padded::<32>(input, 64);
    let s = read_padded::<32>(input, 96);
    let valid_v = v[..31] == [0u8; 31] && (v[31] == 27 || v[31] == 28);
    let address = if valid_v { recover_address(&hash, v[31] - 27, &r, &s) } else { None };
    let output = match address {
        Some(address) => {
            let mut out = [0u8; 32];
            out[12..].copy_from_slice(address.as_slice());
            Bytes::copy_from_slice(&out)
        }
        None => Bytes::new(),
    };
    Ok(PrecompileOutput::new(gas, output))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::check;

    // go-ethereum core/vm/testdata/precompiles/ecRecover.json (LGPL-3.0 test data), "ValidKey".
    const VALID: &str = "18c547e4f7b0f325ad1e56f57e26c745b09a3e503d86e00e5255ff7f715d3d1c000000000000000000000000000000000000000000000000000000000000001c73b1693892219d736caba55bdb67216e485557ea6b6af75f37096c9aa6a5a75feeb940b1d03b21e36b0e47e79769f095fe2ab855bd91e3a38756b7d75a9c4549";
    const SIGNER: &str = "000000000000000000000000a94f5374fce5edbc8e2a8697c15331677e6ebf0b";

    #[test]
    fn recovers_valid_signature() {
        check(ecrecover, VALID, SIGNER, 3000, Fork::Frontier);
    }

    #[test]
    fn invalid_inputs_give_empty_output() {
        // v = 29.
        let bad_v = VALID.replacen("1c73b1", "1d73b1", 1);
        check(ecrecover, &bad_v, "", 3000, Fork::Frontier);
        // v with a non-zero high byte.
        let high_v = format!("{}01{}", &VALID[..64], &VALID[66..]);
        check(ecrecover, &high_v, "", 3000, Fork::Frontier);
        // r = 0.
        let zero_r = format!("{}{}{}", &VALID[..128], "00".repeat(32), &VALID[192..]);
        check(ecrecover, &zero_r, "", 3000, Fork::Frontier);
        // s = n.
        let n = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141";
        let big_s = format!("{}{}", &VALID[..192], n);
        check(ecrecover, &big_s, "", 3000, Fork::Frontier);
        check(ecrecover, "", "", 3000, Fork::Frontier);
    }

    #[test]
    fn short_input_is_padded() {
        // The same signature with its trailing zero bytes cut off must behave identically.
        let out = crate::test_util::run(ecrecover, &VALID[..200], Fork::Frontier).unwrap();
        assert_eq!(out.gas_used, 3000);
    }

    #[test]
    fn high_s_is_accepted() {
        // s' = n - s with the other parity recovers the same signer.
        let hash: [u8; 32] = hex::decode(&VALID[..64]).unwrap().try_into().unwrap();
        let r: [u8; 32] = hex::decode(&VALID[128..192]).unwrap().try_into().unwrap();
        let s: [u8; 32] = hex::decode(&VALID[192..256]).unwrap().try_into().unwrap();
        let s_scalar = nonzero_scalar(&s).unwrap();
        let high_s: [u8; 32] = (-s_scalar).to_repr().into();
        let a = recover_address(&hash, 1, &r, &s).unwrap();
        let b = recover_address(&hash, 0, &r, &high_s).unwrap();
        assert_eq!(a, b);
        assert_eq!(hex::encode(a), &SIGNER[24..]);
        assert_eq!(recover_address(&hash, 2, &r, &s), None);
    }
}
