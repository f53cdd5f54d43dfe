//! 0x0b–0x11 BLS12-381 operations as activated in Prague (EIP-2537).
//!
//! Field elements are 64 bytes: 16 zero bytes, then the value big-endian, below the modulus.
//! Points are affine coordinate pairs; all zeros is the point at infinity. Fp2 elements are
//! `c0 || c1`. ADD checks points are on the curve only; MSM and PAIRING also check the subgroup.

use crate::blst_ops as ops;
use crate::{Fork, PrecompileError, PrecompileOutput, PrecompileResult, charge};
use alloy_primitives::Bytes;
use blst::{blst_fp, blst_fp2, blst_p1, blst_p1_affine, blst_p2, blst_p2_affine};

/// Encoded field element length.
const FP_LEN: usize = 64;
/// Encoded G1 point length.
const G1_LEN: usize = 2 * FP_LEN;
/// Encoded G2 point length.
const G2_LEN: usize = 4 * FP_LEN;
/// Encoded scalar length.
const SCALAR_LEN: usize = 32;

/// The base field modulus p, big-endian.
const P_BYTES: [u8; 48] = [
    0x1a, 0x01, 0x11, 0xea, 0x39, 0x7f, 0xe6, 0x9a, 0x4b, 0x1b, 0xa7, 0xb6, 0x43, 0x4b, 0xac, 0xd7,
    0x64, 0x77, 0x4b, 0x84, 0xf3, 0x85, 0x12, 0xbf, 0x67, 0x30, 0xd2, 0xa0, 0xf6, 0xb0, 0xf6, 0x24,
    0x1e, 0xab, 0xff, 0xfe, 0xb1, 0x53, 0xff, 0xff, 0xb9, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xaa, 0xab,
];

/// Gas of G1ADD.
const G1ADD_GAS: u64 = 375;
/// Gas of G2ADD.
const G2ADD_GAS: u64 = 600;
/// Gas of one G1 multiplication before the MSM discount.
const G1MUL_GAS: u64 = 12_000;
/// Gas of one G2 multiplication before the MSM discount.
const G2MUL_GAS: u64 = 22_500;
/// PAIRING gas per pair.
const PAIRING_PER_PAIR_GAS: u64 = 32_600;
/// PAIRING base gas.
const PAIRING_BASE_GAS: u64 = 37_700;
/// Gas of MAP_FP_TO_G1.
const MAP_FP_TO_G1_GAS: u64 = 5_500;
/// Gas of MAP_FP2_TO_G2.
const MAP_FP2_TO_G2_GAS: u64 = 23_800;

/// EIP-2537 G1MSM discounts (per mille) for k = 1..=128 pairs; larger k use the last entry.
const G1_DISCOUNT: [u16; 128] = [
    1000, 949, 848, 797, 764, 750, 738, 728, 719, 712, 705, 698, 692, 687, 682, 677, 673, 669, 665,
    661, 658, 654, 651, 648, 645, 642, 640, 637, 635, 632, 630, 627, 625, 623, 621, 619, 617, 615,
    613, 611, 609, 608, 606, 604, 603, 601, 599, 598, 596, 595, 593, 592, 591, 589, 588, 586, 585,
    584, 582, 581, 580, 579, 577, 576, 575, 574, 573, 572, 570, 569, 568, 567, 566, 565, 564, 563,
    562, 561, 560, 559, 558, 557, 556, 555, 554, 553, 552, 551, 550, 549, 548, 547, 547, 546, 545,
    544, 543, 542, 541, 540, 540, 539, 538, 537, 536, 536, 535, 534, 533, 532, 532, 531, 530, 529,
    528, 528, 527, 526, 525, 525, 524, 523, 522, 522, 521, 520, 520, 519,
];

/// EIP-2537 G2MSM discounts (per mille) for k = 1..=128 pairs; larger k use the last entry.
const G2_DISCOUNT: [u16; 128] = [
    1000, 1000, 923, 884, 855, 832, 812, 796, 782, 770, 759, 749, 740, 732, 724, 717, 711, 704,
    699, 693, 688, 683, 679, 674, 670, 666, 663, 659, 655, 652, 649, 646, 643, 640, 637, 634, 632,
    629, 627, 624, 622, 620, 618, 615, 613, 611, 609, 607, 606, 604, 602, 600, 598, 597, 595, 593,
    592, 590, 589, 587, 586, 584, 583, 582, 580, 579, 578, 576, 575, 574, 573, 571, 570, 569, 568,
    567, 566, 565, 563, 562, 561, 560, 559, 558, 557, 556, 555, 554, 553, 552, 552, 551, 550, 549,
    548, 547, 546, 545, 545, 544, 543, 542, 541, 541, 540, 539, 538, 537, 537, 536, 535, 535, 534,
    533, 532, 532, 531, 530, 530, 529, 528, 528, 527, 526, 526, 525, 524, 524,
];

/// MSM gas for `k` pairs: `k * mul_gas * discount(k) / 1000`.
fn msm_gas(k: usize, mul_gas: u64, table: &[u16; 128]) -> u64 {
    if k == 0 {
        return 0;
    }
    let discount = u64::from(table[k.min(table.len()) - 1]);
    (k as u64).saturating_mul(mul_gas).saturating_mul(discount) / 1000
}

/// A base field element from its 64-byte padded encoding.
fn read_fp(bytes: &[u8]) -> Result<blst_fp, PrecompileError> {
    if bytes[..16] != [0u8; 16] {
        return Err(PrecompileError::BlsFieldPadding);
    }
    let value: &[u8; 48] =
        bytes[16..FP_LEN].try_into().map_err(|_| PrecompileError::BlsInputLength)?;
    // Big-endian byte strings of equal length compare like the numbers they encode.
    if value.as_slice() >= P_BYTES.as_slice() {
        return Err(PrecompileError::BlsFieldElementTooLarge);
    }
    Ok(ops::fp_from_be(value))
}

/// An Fp2 element from `c0 || c1`.
fn read_fp2(bytes: &[u8]) -> Result<blst_fp2, PrecompileError> {
    Ok(blst_fp2 { fp: [read_fp(&bytes[..FP_LEN])?, read_fp(&bytes[FP_LEN..2 * FP_LEN])?] })
}

/// A G1 point checked on the curve and, if `subgroup`, in G1.
fn read_g1(bytes: &[u8], subgroup: bool) -> Result<blst_p1_affine, PrecompileError> {
    let point =
        blst_p1_affine { x: read_fp(&bytes[..FP_LEN])?, y: read_fp(&bytes[FP_LEN..G1_LEN])? };
    if !ops::p1_affine_on_curve(&point) {
        return Err(PrecompileError::BlsPointNotOnCurve);
    }
    if subgroup && !ops::p1_affine_in_g1(&point) {
        return Err(PrecompileError::BlsPointNotInSubgroup);
    }
    Ok(point)
}

/// A G2 point checked on the curve and, if `subgroup`, in G2.
fn read_g2(bytes: &[u8], subgroup: bool) -> Result<blst_p2_affine, PrecompileError> {
    let point = blst_p2_affine {
        x: read_fp2(&bytes[..2 * FP_LEN])?,
        y: read_fp2(&bytes[2 * FP_LEN..G2_LEN])?,
    };
    if !ops::p2_affine_on_curve(&point) {
        return Err(PrecompileError::BlsPointNotOnCurve);
    }
    if subgroup && !ops::p2_affine_in_g2(&point) {
        return Err(PrecompileError::BlsPointNotInSubgroup);
    }
    Ok(point)
}

/// Writes `fp` as 16 zero bytes and 48 big-endian bytes.
fn write_fp(fp: &blst_fp, out: &mut [u8]) {
    out[16..FP_LEN].copy_from_slice(&ops::fp_to_be(fp));
}

/// A G1 point's 128-byte encoding.
fn encode_g1(point: &blst_p1) -> Bytes {
    let mut out = [0u8; G1_LEN];
    let affine = ops::p1_to_affine(point);
    if !ops::p1_affine_is_inf(&affine) {
        write_fp(&affine.x, &mut out[..FP_LEN]);
        write_fp(&affine.y, &mut out[FP_LEN..]);
    }
    Bytes::copy_from_slice(&out)
}

/// A G2 point's 256-byte encoding.
fn encode_g2(point: &blst_p2) -> Bytes {
    let mut out = [0u8; G2_LEN];
    let affine = ops::p2_to_affine(point);
    if !ops::p2_affine_is_inf(&affine) {
        write_fp(&affine.x.fp[0], &mut out[..FP_LEN]);
        write_fp(&affine.x.fp[1], &mut out[FP_LEN..2 * FP_LEN]);
        write_fp(&affine.y.fp[0], &mut out[2 * FP_LEN..3 * FP_LEN]);
        write_fp(&affine.y.fp[1], &mut out[3 * FP_LEN..]);
    }
    Bytes::copy_from_slice(&out)
}

/// A 32-byte big-endian scalar as little-endian bytes, or `None` if it is zero.
fn read_scalar_le(bytes: &[u8]) -> Option<[u8; 32]> {
    let mut le = [0u8; 32];
    for (dst, src) in le.iter_mut().zip(bytes[..SCALAR_LEN].iter().rev()) {
        *dst = *src;
    }
    (le != [0u8; 32]).then_some(le)
}

/// 0x0b: sum of two G1 points (256 bytes in, 128 out); 375 gas. No subgroup check.
pub fn bls12_g1add(input: &[u8], gas_limit: u64, _fork: Fork) -> PrecompileResult {
    let gas = charge(G1ADD_GAS, gas_limit)?;
    if input.len() != 2 * G1_LEN {
        return Err(PrecompileError::BlsInputLength);
    }
    let a = read_g1(&input[..G1_LEN], false)?;
    let b = read_g1(&input[G1_LEN..], false)?;
    let sum = ops::p1_add(&ops::p1_from_affine(&a), &ops::p1_from_affine(&b));
    Ok(PrecompileOutput::new(gas, encode_g1(&sum)))
}

/// 0x0c: `Σ s_i·P_i` over `k` pairs of G1 point (128 bytes) and scalar (32 bytes), with the
/// discounted per-pair price; points must be in G1.
pub fn bls12_g1msm(input: &[u8], gas_limit: u64, _fork: Fork) -> PrecompileResult {
    const PAIR: usize = G1_LEN + SCALAR_LEN;
    let k = input.len() / PAIR;
    let gas = charge(msm_gas(k, G1MUL_GAS, &G1_DISCOUNT), gas_limit)?;
    if input.is_empty() || !input.len().is_multiple_of(PAIR) {
        return Err(PrecompileError::BlsInputLength);
    }
    let mut points = Vec::with_capacity(k);
    let mut scalars = Vec::with_capacity(k);
    for pair in input.chunks_exact(PAIR) {
        // Every point is validated, even those whose term vanishes.
        let point = read_g1(&pair[..G1_LEN], true)?;
        if let Some(scalar) = read_scalar_le(&pair[G1_LEN..])
            && !ops::p1_affine_is_inf(&point)
        {
            points.push(point);
            scalars.push(scalar);
        }
    }
    Ok(PrecompileOutput::new(gas, encode_g1(&ops::p1_msm(&points, &scalars))))
}

/// 0x0d: sum of two G2 points (512 bytes in, 256 out); 600 gas. No subgroup check.
pub fn bls12_g2add(input: &[u8], gas_limit: u64, _fork: Fork) -> PrecompileResult {
    let gas = charge(G2ADD_GAS, gas_limit)?;
    if input.len() != 2 * G2_LEN {
        return Err(PrecompileError::BlsInputLength);
    }
    let a = read_g2(&input[..G2_LEN], false)?;
    let b = read_g2(&input[G2_LEN..], false)?;
    let sum = ops::p2_add(&ops::p2_from_affine(&a), &ops::p2_from_affine(&b));
    Ok(PrecompileOutput::new(gas, encode_g2(&sum)))
}

/// 0x0e: `Σ s_i·Q_i` over `k` pairs of G2 point (256 bytes) and scalar (32 bytes), with the
/// discounted per-pair price; points must be in G2.
pub fn bls12_g2msm(input: &[u8], gas_limit: u64, _fork: Fork) -> PrecompileResult {
    const PAIR: usize = G2_LEN + SCALAR_LEN;
    let k = input.len() / PAIR;
    let gas = charge(msm_gas(k, G2MUL_GAS, &G2_DISCOUNT), gas_limit)?;
    if input.is_empty() || !input.len().is_multiple_of(PAIR) {
        return Err(PrecompileError::BlsInputLength);
    }
    let mut points = Vec::with_capacity(k);
    let mut scalars = Vec::with_capacity(k);
    for pair in input.chunks_exact(PAIR) {
        // Every point is validated, even those whose term vanishes.
        let point = read_g2(&pair[..G2_LEN], true)?;
        if let Some(scalar) = read_scalar_le(&pair[G2_LEN..])
            && !ops::p2_affine_is_inf(&point)
        {
            points.push(point);
            scalars.push(scalar);
        }
    }
    Ok(PrecompileOutput::new(gas, encode_g2(&ops::p2_msm(&points, &scalars))))
}

/// 0x0f: whether `∏ e(P_i, Q_i) = 1` over `k` pairs of G1 (128 bytes) and G2 (256 bytes) points,
/// as a 32-byte word; 32600·k + 37700 gas. Points must be in their subgroups.
pub fn bls12_pairing(input: &[u8], gas_limit: u64, _fork: Fork) -> PrecompileResult {
    const PAIR: usize = G1_LEN + G2_LEN;
    let k = (input.len() / PAIR) as u64;
    let gas =
        charge(k.saturating_mul(PAIRING_PER_PAIR_GAS).saturating_add(PAIRING_BASE_GAS), gas_limit)?;
    if input.is_empty() || !input.len().is_multiple_of(PAIR) {
        return Err(PrecompileError::BlsInputLength);
    }
    let mut pairs = Vec::with_capacity(input.len() / PAIR);
    for pair in input.chunks_exact(PAIR) {
        let p = read_g1(&pair[..G1_LEN], true)?;
        let q = read_g2(&pair[G1_LEN..], true)?;
        // A pair with a point at infinity contributes a factor of one.
        if !ops::p1_affine_is_inf(&p) && !ops::p2_affine_is_inf(&q) {
            pairs.push((p, q));
        }
    }
    let mut out = [0u8; 32];
    out[31] = u8::from(ops::pairing_product_is_one(&pairs));
    Ok(PrecompileOutput::new(gas, Bytes::copy_from_slice(&out)))
}

/// 0x10: maps a base field element to G1 (64 bytes in, 128 out); 5500 gas.
pub fn bls12_map_fp_to_g1(input: &[u8], gas_limit: u64, _fork: Fork) -> PrecompileResult {
    let gas = charge(MAP_FP_TO_G1_GAS, gas_limit)?;
    if input.len() != FP_LEN {
        return Err(PrecompileError::BlsInputLength);
    }
    let u = read_fp(input)?;
    Ok(PrecompileOutput::new(gas, encode_g1(&ops::map_to_g1(&u))))
}

/// 0x11: maps an Fp2 element to G2 (128 bytes in, 256 out); 23800 gas.
pub fn bls12_map_fp2_to_g2(input: &[u8], gas_limit: u64, _fork: Fork) -> PrecompileResult {
    let gas = charge(MAP_FP2_TO_G2_GAS, gas_limit)?;
    if input.len() != 2 * FP_LEN {
        return Err(PrecompileError::BlsInputLength);
    }
    let u = read_fp2(input)?;
    Ok(PrecompileOutput::new(gas, encode_g2(&ops::map_to_g2(&u))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::run;

    #[test]
    fn msm_gas_table() {
        assert_eq!(msm_gas(1, G1MUL_GAS, &G1_DISCOUNT), 12_000);
        assert_eq!(msm_gas(2, G1MUL_GAS, &G1_DISCOUNT), 22_776);
        assert_eq!(msm_gas(128, G1MUL_GAS, &G1_DISCOUNT), 128 * 12 * 519);
        assert_eq!(msm_gas(200, G1MUL_GAS, &G1_DISCOUNT), 200 * 12 * 519);
        assert_eq!(msm_gas(1, G2MUL_GAS, &G2_DISCOUNT), 22_500);
        assert_eq!(msm_gas(2, G2MUL_GAS, &G2_DISCOUNT), 45_000);
        assert_eq!(msm_gas(300, G2MUL_GAS, &G2_DISCOUNT), 300 * 22_500 * 524 / 1000);
    }

    /// A deterministic pseudo-random 32-byte scalar (xorshift), sometimes above the group order.
    fn scalar(seed: &mut u64) -> [u8; 32] {
        let mut out = [0u8; 32];
        for chunk in out.chunks_mut(8) {
            *seed ^= *seed << 13;
            *seed ^= *seed >> 7;
            *seed ^= *seed << 17;
            chunk.copy_from_slice(&seed.to_le_bytes());
        }
        out
    }

    #[test]
    fn pippenger_matches_naive_sum() {
        let mut seed = 0x9e37_79b9_7f4a_7c15;
        for n in [1usize, 2, 3, 31, 32, 33, 70] {
            let mut p1s = Vec::new();
            let mut p2s = Vec::new();
            let mut scalars = Vec::new();
            let mut naive1 = blst_p1::default();
            let mut naive2 = blst_p2::default();
            for i in 0..n {
                let base = scalar(&mut seed);
                let p1 = ops::p1_mult(&ops::p1_generator(), &base, 256);
                let p2 = ops::p2_mult(&ops::p2_generator(), &base, 256);
                // Repeat a point now and then to exercise doubling inside the buckets.
                let s = if i % 7 == 3 { scalars[i - 1] } else { scalar(&mut seed) };
                naive1 = ops::p1_add(&naive1, &ops::p1_mult(&p1, &s, 256));
                naive2 = ops::p2_add(&naive2, &ops::p2_mult(&p2, &s, 256));
                p1s.push(ops::p1_to_affine(&p1));
                p2s.push(ops::p2_to_affine(&p2));
                scalars.push(s);
            }
            assert_eq!(encode_g1(&ops::p1_msm(&p1s, &scalars)), encode_g1(&naive1), "g1 n={n}");
            assert_eq!(encode_g2(&ops::p2_msm(&p2s, &scalars)), encode_g2(&naive2), "g2 n={n}");
        }
    }

    #[test]
    fn infinity_inputs() {
        let out = run(bls12_g1add, &"00".repeat(256), Fork::Prague).unwrap();
        assert_eq!(out.output.as_ref(), [0u8; 128]);
        assert_eq!(out.gas_used, 375);
        let out = run(bls12_g2add, &"00".repeat(512), Fork::Prague).unwrap();
        assert_eq!(out.output.as_ref(), [0u8; 256]);
        let out = run(bls12_pairing, &"00".repeat(384), Fork::Prague).unwrap();
        assert_eq!(out.output[31], 1);
        assert_eq!(out.gas_used, 70_300);
    }

    #[test]
    fn bad_lengths_and_padding() {
        for p in [bls12_g1add, bls12_g1msm, bls12_g2add, bls12_g2msm, bls12_pairing] {
            assert_eq!(run(p, "", Fork::Prague), Err(PrecompileError::BlsInputLength));
            assert_eq!(run(p, "00", Fork::Prague), Err(PrecompileError::BlsInputLength));
        }
        assert_eq!(run(bls12_map_fp_to_g1, "", Fork::Prague), Err(PrecompileError::BlsInputLength));
        let padded = format!("01{}", "00".repeat(63));
        assert_eq!(
            run(bls12_map_fp_to_g1, &padded, Fork::Prague),
            Err(PrecompileError::BlsFieldPadding)
        );
        let p = format!("{}{}", "00".repeat(16), hex::encode(P_BYTES));
        assert_eq!(
            run(bls12_map_fp_to_g1, &p, Fork::Prague),
            Err(PrecompileError::BlsFieldElementTooLarge)
        );
    }
}
