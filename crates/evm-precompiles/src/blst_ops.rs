//! Safe wrappers over the few `blst` C functions the BLS12-381 and KZG precompiles need.
//!
//! `blst` exposes its group arithmetic only as `extern "C"` functions, so this is the one module
//! of the crate that uses `unsafe`. Every call passes references to initialised, properly typed
//! values that live for the whole call; none of these functions keeps a pointer afterwards.
#![expect(unsafe_code, reason = "blst's group arithmetic is only available through its C API")]

use blst::{blst_fp, blst_fp2, blst_fp12, blst_p1, blst_p1_affine, blst_p2, blst_p2_affine};

/// A field element from 48 big-endian bytes (not range-checked: the caller checks `< p`).
pub(crate) fn fp_from_be(bytes: &[u8; 48]) -> blst_fp {
    let mut out = blst_fp::default();
    // SAFETY: `out` is a valid `blst_fp`; `bytes` is 48 readable bytes as the function requires.
    unsafe { blst::blst_fp_from_bendian(&mut out, bytes.as_ptr()) };
    out
}

/// A field element as 48 big-endian bytes.
pub(crate) fn fp_to_be(fp: &blst_fp) -> [u8; 48] {
    let mut out = [0u8; 48];
    // SAFETY: `out` has room for the 48 bytes written; `fp` is a valid `blst_fp`.
    unsafe { blst::blst_bendian_from_fp(out.as_mut_ptr(), fp) };
    out
}

/// Whether `p` is on the curve (the all-zero encoding of infinity counts as on the curve).
pub(crate) fn p1_affine_on_curve(p: &blst_p1_affine) -> bool {
    // SAFETY: `p` is a valid affine point.
    unsafe { blst::blst_p1_affine_on_curve(p) }
}

/// Whether `p` is in the prime-order subgroup G1.
pub(crate) fn p1_affine_in_g1(p: &blst_p1_affine) -> bool {
    // SAFETY: `p` is a valid affine point.
    unsafe { blst::blst_p1_affine_in_g1(p) }
}

/// Whether `p` is the point at infinity.
pub(crate) fn p1_affine_is_inf(p: &blst_p1_affine) -> bool {
    // SAFETY: `p` is a valid affine point.
    unsafe { blst::blst_p1_affine_is_inf(p) }
}

/// Projective form of `p`.
pub(crate) fn p1_from_affine(p: &blst_p1_affine) -> blst_p1 {
    let mut out = blst_p1::default();
    // SAFETY: both pointers refer to valid, distinct values.
    unsafe { blst::blst_p1_from_affine(&mut out, p) };
    out
}

/// Affine form of `p` (all zeros for infinity).
pub(crate) fn p1_to_affine(p: &blst_p1) -> blst_p1_affine {
    let mut out = blst_p1_affine::default();
    // SAFETY: both pointers refer to valid, distinct values.
    unsafe { blst::blst_p1_to_affine(&mut out, p) };
    out
}

/// `a + b`, correct for equal points and infinity.
pub(crate) fn p1_add(a: &blst_p1, b: &blst_p1) -> blst_p1 {
    let mut out = blst_p1::default();
    // SAFETY: all pointers refer to valid values; `out` is distinct from the inputs.
    unsafe { blst::blst_p1_add_or_double(&mut out, a, b) };
    out
}

/// `p` times the little-endian scalar `scalar_le` of `nbits` bits.
pub(crate) fn p1_mult(p: &blst_p1, scalar_le: &[u8; 32], nbits: usize) -> blst_p1 {
    let mut out = blst_p1::default();
    debug_assert!(nbits <= 256);
    // SAFETY: `scalar_le` holds the `ceil(nbits / 8) <= 32` bytes read; pointers are valid.
    unsafe { blst::blst_p1_mult(&mut out, p, scalar_le.as_ptr(), nbits) };
    out
}

/// `-p` when `negate` is set.
pub(crate) fn p1_cneg(p: &mut blst_p1, negate: bool) {
    // SAFETY: `p` is a valid point, modified in place.
    unsafe { blst::blst_p1_cneg(p, negate) };
}

/// The G1 generator.
pub(crate) fn p1_generator() -> blst_p1 {
    // SAFETY: the function returns a pointer to a static, initialised constant.
    let generator = unsafe { blst::blst_p1_generator() };
    // SAFETY: `generator` points to a valid static `blst_p1` that is never written.
    unsafe { *generator }
}

/// A compressed G1 point (48 bytes, ZCash encoding) checked on the curve, not for the subgroup.
pub(crate) fn p1_uncompress(bytes: &[u8; 48]) -> Option<blst_p1_affine> {
    let mut out = blst_p1_affine::default();
    // SAFETY: `bytes` is the 48 readable bytes the function reads; `out` is a valid point.
    let err = unsafe { blst::blst_p1_uncompress(&mut out, bytes.as_ptr()) };
    (err == blst::BLST_ERROR::BLST_SUCCESS).then_some(out)
}

/// SSWU map of `u` to G1, with the cofactor cleared (RFC 9380 `map_to_curve` + `clear_cofactor`).
pub(crate) fn map_to_g1(u: &blst_fp) -> blst_p1 {
    let mut out = blst_p1::default();
    // SAFETY: `u` is valid; a null `v` asks for the single-element mapping.
    unsafe { blst::blst_map_to_g1(&mut out, u, core::ptr::null()) };
    out
}

/// Whether `p` is on the curve (the all-zero encoding of infinity counts as on the curve).
pub(crate) fn p2_affine_on_curve(p: &blst_p2_affine) -> bool {
    // SAFETY: `p` is a valid affine point.
    unsafe { blst::blst_p2_affine_on_curve(p) }
}

/// Whether `p` is in the prime-order subgroup G2.
pub(crate) fn p2_affine_in_g2(p: &blst_p2_affine) -> bool {
    // SAFETY: `p` is a valid affine point.
    unsafe { blst::blst_p2_affine_in_g2(p) }
}

/// Whether `p` is the point at infinity.
pub(crate) fn p2_affine_is_inf(p: &blst_p2_affine) -> bool {
    // SAFETY: `p` is a valid affine point.
    unsafe { blst::blst_p2_affine_is_inf(p) }
}

/// Projective form of `p`.
pub(crate) fn p2_from_affine(p: &blst_p2_affine) -> blst_p2 {
    let mut out = blst_p2::default();
    // SAFETY: both pointers refer to valid, distinct values.
    unsafe { blst::blst_p2_from_affine(&mut out, p) };
    out
}

/// Affine form of `p` (all zeros for infinity).
pub(crate) fn p2_to_affine(p: &blst_p2) -> blst_p2_affine {
    let mut out = blst_p2_affine::default();
    // SAFETY: both pointers refer to valid, distinct values.
    unsafe { blst::blst_p2_to_affine(&mut out, p) };
    out
}

/// `a + b`, correct for equal points and infinity.
pub(crate) fn p2_add(a: &blst_p2, b: &blst_p2) -> blst_p2 {
    let mut out = blst_p2::default();
    // SAFETY: all pointers refer to valid values; `out` is distinct from the inputs.
    unsafe { blst::blst_p2_add_or_double(&mut out, a, b) };
    out
}

/// `p` times the little-endian scalar `scalar_le` of `nbits` bits.
pub(crate) fn p2_mult(p: &blst_p2, scalar_le: &[u8; 32], nbits: usize) -> blst_p2 {
    let mut out = blst_p2::default();
    debug_assert!(nbits <= 256);
    // SAFETY: `scalar_le` holds the `ceil(nbits / 8) <= 32` bytes read; pointers are valid.
    unsafe { blst::blst_p2_mult(&mut out, p, scalar_le.as_ptr(), nbits) };
    out
}

/// `-p` when `negate` is set.
pub(crate) fn p2_cneg(p: &mut blst_p2, negate: bool) {
    // SAFETY: `p` is a valid point, modified in place.
    unsafe { blst::blst_p2_cneg(p, negate) };
}

/// The G2 generator.
pub(crate) fn p2_generator() -> blst_p2 {
    // SAFETY: the function returns a pointer to a static, initialised constant.
    let generator = unsafe { blst::blst_p2_generator() };
    // SAFETY: `generator` points to a valid static `blst_p2` that is never written.
    unsafe { *generator }
}

/// A compressed G2 point (96 bytes, ZCash encoding) checked on the curve, not for the subgroup.
pub(crate) fn p2_uncompress(bytes: &[u8; 96]) -> Option<blst_p2_affine> {
    let mut out = blst_p2_affine::default();
    // SAFETY: `bytes` is the 96 readable bytes the function reads; `out` is a valid point.
    let err = unsafe { blst::blst_p2_uncompress(&mut out, bytes.as_ptr()) };
    (err == blst::BLST_ERROR::BLST_SUCCESS).then_some(out)
}

/// SSWU map of `u` to G2, with the cofactor cleared (RFC 9380 `map_to_curve` + `clear_cofactor`).
pub(crate) fn map_to_g2(u: &blst_fp2) -> blst_p2 {
    let mut out = blst_p2::default();
    // SAFETY: `u` is valid; a null `v` asks for the single-element mapping.
    unsafe { blst::blst_map_to_g2(&mut out, u, core::ptr::null()) };
    out
}

/// Whether `∏ e(p_i, q_i) = 1` over the given pairs (true for no pairs).
pub(crate) fn pairing_product_is_one(pairs: &[(blst_p1_affine, blst_p2_affine)]) -> bool {
    let Some(((p0, q0), rest)) = pairs.split_first() else {
        return true;
    };
    let mut acc = blst_fp12::default();
    // SAFETY: all pointers refer to valid values; `acc` is distinct from the inputs.
    unsafe { blst::blst_miller_loop(&mut acc, q0, p0) };
    for (p, q) in rest {
        let mut term = blst_fp12::default();
        // SAFETY: as above.
        unsafe { blst::blst_miller_loop(&mut term, q, p) };
        let prev = acc;
        // SAFETY: all pointers refer to valid values; `acc` is distinct from the inputs.
        unsafe { blst::blst_fp12_mul(&mut acc, &prev, &term) };
    }
    let mut result = blst_fp12::default();
    // SAFETY: both pointers refer to valid, distinct values.
    unsafe { blst::blst_final_exp(&mut result, &acc) };
    // SAFETY: `result` is a valid field element.
    unsafe { blst::blst_fp12_is_one(&result) }
}

/// `Σ scalars[i]·points[i]` with Pippenger's method; scalars are 32-byte little-endian.
///
/// Callers drop points at infinity and zero scalars first; an empty input gives infinity.
pub(crate) fn p1_msm(points: &[blst_p1_affine], scalars_le: &[[u8; 32]]) -> blst_p1 {
    let n = points.len().min(scalars_le.len());
    let mut out = blst_p1::default();
    if n == 0 {
        return out;
    }
    // SAFETY: a pure size computation.
    let scratch_bytes = unsafe { blst::blst_p1s_mult_pippenger_scratch_sizeof(n) };
    let mut scratch = vec![0 as blst::limb_t; scratch_bytes.div_ceil(size_of::<blst::limb_t>())];
    // A null second entry tells blst that the first points at a contiguous array of `n`.
    let point_ptrs: [*const blst_p1_affine; 2] = [points.as_ptr(), core::ptr::null()];
    let scalar_ptrs: [*const u8; 2] = [scalars_le.as_ptr().cast(), core::ptr::null()];
    // SAFETY: `points` holds `n` valid affine points and `scalars_le` `n` contiguous 32-byte
    // scalars (256 bits each); `scratch` has the size blst asked for; `out` is a valid point.
    unsafe {
        blst::blst_p1s_mult_pippenger(
            &mut out,
            point_ptrs.as_ptr(),
            n,
            scalar_ptrs.as_ptr(),
            256,
            scratch.as_mut_ptr(),
        )
    };
    out
}

/// `Σ scalars[i]·points[i]` in G2 with Pippenger's method; see [`p1_msm`].
pub(crate) fn p2_msm(points: &[blst_p2_affine], scalars_le: &[[u8; 32]]) -> blst_p2 {
    let n = points.len().min(scalars_le.len());
    let mut out = blst_p2::default();
    if n == 0 {
        return out;
    }
    // SAFETY: a pure size computation.
    let scratch_bytes = unsafe { blst::blst_p2s_mult_pippenger_scratch_sizeof(n) };
    let mut scratch = vec![0 as blst::limb_t; scratch_bytes.div_ceil(size_of::<blst::limb_t>())];
    let point_ptrs: [*const blst_p2_affine; 2] = [points.as_ptr(), core::ptr::null()];
    let scalar_ptrs: [*const u8; 2] = [scalars_le.as_ptr().cast(), core::ptr::null()];
    // SAFETY: as in `p1_msm`.
    unsafe {
        blst::blst_p2s_mult_pippenger(
            &mut out,
            point_ptrs.as_ptr(),
            n,
            scalar_ptrs.as_ptr(),
            256,
            scratch.as_mut_ptr(),
        )
    };
    out
}
