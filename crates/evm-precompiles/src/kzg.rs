//! 0x0a KZG point evaluation (Cancun, EIP-4844), verified with a `blst` pairing check.
//!
//! Only one value of the trusted setup is needed, `[τ]G₂`; it is embedded below instead of
//! loading the whole setup (which takes seconds).

use crate::blst_ops as ops;
use crate::{Fork, PrecompileError, PrecompileOutput, PrecompileResult, charge};
use alloy_primitives::Bytes;
use blst::{blst_p1_affine, blst_p2_affine};
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

/// Gas of one point evaluation.
const GAS: u64 = 50_000;
/// Exact input length: versioned hash, z, y, commitment, proof.
const INPUT_LEN: usize = 192;
/// Version byte of KZG versioned hashes.
const VERSIONED_HASH_VERSION_KZG: u8 = 0x01;

/// BLS12-381 scalar field modulus r (BLS_MODULUS), big-endian.
const BLS_MODULUS: [u8; 32] = [
    0x73, 0xed, 0xa7, 0x53, 0x29, 0x9d, 0x7d, 0x48, 0x33, 0x39, 0xd8, 0x08, 0x09, 0xa1, 0xd8, 0x05,
    0x53, 0xbd, 0xa4, 0x02, 0xff, 0xfe, 0x5b, 0xfe, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01,
];

/// Output on success: FIELD_ELEMENTS_PER_BLOB (4096) and BLS_MODULUS as 32-byte words.
const SUCCESS_OUTPUT: [u8; 64] = {
    let mut out = [0u8; 64];
    out[30] = 0x10;
    let mut i = 0;
    while i < 32 {
        out[32 + i] = BLS_MODULUS[i];
        i += 1;
    }
    out
};

/// `[τ]G₂`, compressed: `g2_monomial[1]` of the EIP-4844 KZG ceremony output, the second G2 line
/// (line 4100: after the two count lines and 4096 G1 points, `[1]G₂` then `[τ]G₂`) of
/// `src/trusted_setup.txt` in ethereum/c-kzg-4844 at commit
/// 81a8949f29d27d225ca74ebb4e9061bdd100560a; the same value is `g2_monomial[1]` in
/// consensus-specs `presets/mainnet/trusted_setups/trusted_setup_4096.json`.
const TAU_G2_COMPRESSED: [u8; 96] = [
    0xb5, 0xbf, 0xd7, 0xdd, 0x8c, 0xde, 0xb1, 0x28, 0x84, 0x3b, 0xc2, 0x87, 0x23, 0x0a, 0xf3, 0x89,
    0x26, 0x18, 0x70, 0x75, 0xcb, 0xfb, 0xef, 0xa8, 0x10, 0x09, 0xa2, 0xce, 0x61, 0x5a, 0xc5, 0x3d,
    0x29, 0x14, 0xe5, 0x87, 0x0c, 0xb4, 0x52, 0xd2, 0xaf, 0xaa, 0xab, 0x24, 0xf3, 0x49, 0x9f, 0x72,
    0x18, 0x5c, 0xbf, 0xee, 0x53, 0x49, 0x27, 0x14, 0x73, 0x44, 0x29, 0xb7, 0xb3, 0x86, 0x08, 0xe2,
    0x39, 0x26, 0xc9, 0x11, 0xcc, 0xec, 0xea, 0xc9, 0xa3, 0x68, 0x51, 0x47, 0x7b, 0xa4, 0xc6, 0x0b,
    0x08, 0x70, 0x41, 0xde, 0x62, 0x10, 0x00, 0xed, 0xc9, 0x8e, 0xda, 0xda, 0x20, 0xc1, 0xde, 0xf2,
];

/// `[τ]G₂`, decompressed once.
fn tau_g2() -> Option<&'static blst_p2_affine> {
    static TAU: OnceLock<Option<blst_p2_affine>> = OnceLock::new();
    TAU.get_or_init(|| ops::p2_uncompress(&TAU_G2_COMPRESSED).filter(ops::p2_affine_in_g2)).as_ref()
}

/// A 32-byte big-endian field element as little-endian scalar bytes, if below BLS_MODULUS.
fn read_field_element(bytes: &[u8]) -> Result<[u8; 32], PrecompileError> {
    if bytes >= BLS_MODULUS.as_slice() {
        return Err(PrecompileError::KzgFieldElementTooLarge);
    }
    let mut le = [0u8; 32];
    for (dst, src) in le.iter_mut().zip(bytes.iter().rev()) {
        *dst = *src;
    }
    Ok(le)
}

/// A compressed G1 point in the subgroup (the point at infinity allowed).
fn read_g1(bytes: &[u8]) -> Result<blst_p1_affine, PrecompileError> {
    let bytes: &[u8; 48] = bytes.try_into().map_err(|_| PrecompileError::KzgInvalidPoint)?;
    let point = ops::p1_uncompress(bytes).ok_or(PrecompileError::KzgInvalidPoint)?;
    if !ops::p1_affine_is_inf(&point) && !ops::p1_affine_in_g1(&point) {
        return Err(PrecompileError::KzgInvalidPoint);
    }
    Ok(point)
}

/// `verify_kzg_proof`: whether `e(C − [y]G₁, −G₂) · e(π, [τ]G₂ − [z]G₂) = 1`.
fn verify_kzg_proof(
    commitment: &blst_p1_affine,
    z_le: &[u8; 32],
    y_le: &[u8; 32],
    proof: &blst_p1_affine,
) -> bool {
    let Some(tau) = tau_g2() else { return false };
    let mut y_g1 = ops::p1_mult(&ops::p1_generator(), y_le, 256);
    ops::p1_cneg(&mut y_g1, true);
    let p_minus_y = ops::p1_to_affine(&ops::p1_add(&ops::p1_from_affine(commitment), &y_g1));
    let mut z_g2 = ops::p2_mult(&ops::p2_generator(), z_le, 256);
    ops::p2_cneg(&mut z_g2, true);
    let x_minus_z = ops::p2_to_affine(&ops::p2_add(&ops::p2_from_affine(tau), &z_g2));
    let mut neg_g2 = ops::p2_generator();
    ops::p2_cneg(&mut neg_g2, true);
    let neg_g2 = ops::p2_to_affine(&neg_g2);

    let mut pairs = Vec::with_capacity(2);
    for (p, q) in [(p_minus_y, neg_g2), (*proof, x_minus_z)] {
        // A pair with a point at infinity contributes a factor of one.
        if !ops::p1_affine_is_inf(&p) && !ops::p2_affine_is_inf(&q) {
            pairs.push((p, q));
        }
    }
    ops::pairing_product_is_one(&pairs)
}

/// 0x0a: `versioned_hash || z || y || commitment || proof` (192 bytes); checks that the
/// commitment matches the hash and that the polynomial it commits to takes value `y` at `z`.
/// 50000 gas.
pub fn point_evaluation(input: &[u8], gas_limit: u64, _fork: Fork) -> PrecompileResult {
    let gas = charge(GAS, gas_limit)?;
    if input.len() != INPUT_LEN {
        return Err(PrecompileError::KzgInputLength);
    }
    let commitment_bytes = &input[96..144];
    let mut versioned_hash: [u8; 32] = Sha256::digest(commitment_bytes).into();
    versioned_hash[0] = VERSIONED_HASH_VERSION_KZG;
    if versioned_hash[..] != input[..32] {
        return Err(PrecompileError::KzgVersionedHashMismatch);
    }
    let z = read_field_element(&input[32..64])?;
    let y = read_field_element(&input[64..96])?;
    let commitment = read_g1(commitment_bytes)?;
    let proof = read_g1(&input[144..192])?;
    if !verify_kzg_proof(&commitment, &z, &y, &proof) {
        return Err(PrecompileError::KzgProofMismatch);
    }
    Ok(PrecompileOutput::new(gas, Bytes::from_static(&SUCCESS_OUTPUT)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::{check, run};

    #[test]
    fn setup_point_is_valid() {
        assert!(tau_g2().is_some());
    }

    // go-ethereum core/vm/testdata/precompiles/pointEvaluation.json (mainnet setup version).
    const GETH_VECTOR: &str = "01e798154708fe7789429634053cbf9f99b619f9f084048927333fce637f549b564c0a11a0f704f4fc3e8acfe0f8245f0ad1347b378fbf96e206da11a5d3630624d25032e67a7e6a4910df5834b8fe70e6bcfeeac0352434196bdf4b2485d5a18f59a8d2a1a625a17f3fea0fe5eb8c896db3764f3185481bc22f91b4aaffcca25f26936857bc3a7c2539ea8ec3a952b7873033e038326e87ed3e1276fd140253fa08e9fc25fb2d9a98527fc22a2c9612fbeafdad446cbc7bcdbdcd780af2c16a";

    #[test]
    fn real_proof_verifies_and_tampering_fails() {
        check(point_evaluation, GETH_VECTOR, &hex::encode(SUCCESS_OUTPUT), 50_000, Fork::Cancun);
        let mut input = hex::decode(GETH_VECTOR).unwrap();
        input[95] ^= 1; // y
        assert_eq!(
            point_evaluation(&input, 50_000, Fork::Cancun),
            Err(PrecompileError::KzgProofMismatch)
        );
        input[95] ^= 1;
        input[63] ^= 1; // z
        assert_eq!(
            point_evaluation(&input, 50_000, Fork::Cancun),
            Err(PrecompileError::KzgProofMismatch)
        );
        input[63] ^= 1;
        input[191] ^= 1; // proof: no longer a valid point (or a different one)
        assert!(point_evaluation(&input, 50_000, Fork::Cancun).is_err());
        input[191] ^= 1;
        input[0] = 2; // version byte
        assert_eq!(
            point_evaluation(&input, 50_000, Fork::Cancun),
            Err(PrecompileError::KzgVersionedHashMismatch)
        );
    }

    #[test]
    fn constant_polynomial_at_infinity() {
        // p(x) = 0: commitment and proof are the point at infinity, y = 0 for any z.
        let infinity = format!("c0{}", "00".repeat(47));
        let mut hash: [u8; 32] = Sha256::digest(hex::decode(&infinity).unwrap()).into();
        hash[0] = 1;
        let input = format!("{}{:064x}{:064x}{infinity}{infinity}", hex::encode(hash), 5, 0);
        check(point_evaluation, &input, &hex::encode(SUCCESS_OUTPUT), 50_000, Fork::Cancun);
        // A wrong claimed value fails.
        let wrong = format!("{}{:064x}{:064x}{infinity}{infinity}", hex::encode(hash), 5, 1);
        assert_eq!(
            run(point_evaluation, &wrong, Fork::Cancun),
            Err(PrecompileError::KzgProofMismatch)
        );
        // A wrong versioned hash fails.
        let bad_hash = format!("{:064x}{:064x}{:064x}{infinity}{infinity}", 0, 5, 0);
        assert_eq!(
            run(point_evaluation, &bad_hash, Fork::Cancun),
            Err(PrecompileError::KzgVersionedHashMismatch)
        );
        // z = BLS_MODULUS is not a field element.
        let big_z = format!(
            "{}{}{:064x}{infinity}{infinity}",
            hex::encode(hash),
            hex::encode(BLS_MODULUS),
            0
        );
        assert_eq!(
            run(point_evaluation, &big_z, Fork::Cancun),
            Err(PrecompileError::KzgFieldElementTooLarge)
        );
        assert_eq!(run(point_evaluation, "", Fork::Cancun), Err(PrecompileError::KzgInputLength));
    }
}
