//! Arithmetic: ADD … SIGNEXTEND. Signed operations use two's complement on `U256`.

use alloy_primitives::U256;

use crate::frame::Frame;
use crate::gas;
use crate::host::Host;
use crate::interpreter::Exit;

/// Whether `x` is negative as a two's complement 256-bit number.
#[inline]
pub(crate) fn is_neg(x: U256) -> bool {
    x.bit(255)
}

/// Absolute value of a two's complement number (`MIN` maps to itself, read as unsigned 2^255).
#[inline]
pub(crate) fn abs(x: U256) -> U256 {
    if is_neg(x) { x.wrapping_neg() } else { x }
}

/// The value of `x` when it fits in 128 bits.
#[inline(always)]
fn as_u128(x: &U256) -> Option<u128> {
    let l = x.as_limbs();
    if l[2] | l[3] != 0 {
        return None;
    }
    Some(u128::from(l[0]) | u128::from(l[1]) << 64)
}

/// Unsigned division, EVM rules (`x / 0 = 0`). Operands that fit in 64 or 128 bits (most
/// divisors in real contracts) take the native division instead of the 256-bit long one.
#[inline(always)]
pub fn div_word(a: U256, b: U256) -> U256 {
    if let (Some(x), Some(y)) = (as_u128(&a), as_u128(&b)) {
        return match (u64::try_from(x), u64::try_from(y)) {
            (Ok(x), Ok(y)) => U256::from(x.checked_div(y).unwrap_or(0)),
            _ => U256::from(x.checked_div(y).unwrap_or(0)),
        };
    }
    div_wide(a, b)
}

/// [`div_word`] for a wide operand: a shift when `b` is a power of two (the compiled form of
/// `x >> k` in older Solidity, and of packed-field reads), else the long division.
#[inline(never)]
fn div_wide(a: U256, b: U256) -> U256 {
    if let Some(shift) = log2_exact(&b) {
        a >> shift
    } else if b.is_zero() {
        U256::ZERO
    } else {
        a / b
    }
}

/// `k` when `x` is `2^k`: one nonzero limb, itself a power of two.
#[inline(always)]
fn log2_exact(x: &U256) -> Option<usize> {
    let at = |i: usize, limb: u64| {
        limb.is_power_of_two().then(|| 64 * i + limb.trailing_zeros() as usize)
    };
    match *x.as_limbs() {
        [l, 0, 0, 0] => at(0, l),
        [0, l, 0, 0] => at(1, l),
        [0, 0, l, 0] => at(2, l),
        [0, 0, 0, l] => at(3, l),
        _ => None,
    }
}

/// Unsigned remainder, EVM rules (`x % 0 = 0`), with the same native fast paths.
#[inline(always)]
pub fn rem_word(a: U256, b: U256) -> U256 {
    if let (Some(x), Some(y)) = (as_u128(&a), as_u128(&b)) {
        return match (u64::try_from(x), u64::try_from(y)) {
            (Ok(x), Ok(y)) => U256::from(x.checked_rem(y).unwrap_or(0)),
            _ => U256::from(x.checked_rem(y).unwrap_or(0)),
        };
    }
    rem_wide(a, b)
}

/// [`rem_word`] for a wide operand: a mask when `b` is a power of two, else the long one.
#[inline(never)]
fn rem_wide(a: U256, b: U256) -> U256 {
    if log2_exact(&b).is_some() {
        a & b.wrapping_sub(U256::from(1))
    } else if b.is_zero() {
        U256::ZERO
    } else {
        a % b
    }
}

/// The value of `x` when it is a 64-bit two's complement number sign-extended to 256 bits.
#[inline(always)]
fn as_i64(x: &U256) -> Option<i64> {
    let l = x.as_limbs();
    let fill = ((l[0] as i64) >> 63) as u64;
    (l[1] == fill && l[2] == fill && l[3] == fill).then_some(l[0] as i64)
}

/// `v` sign-extended to 256 bits.
#[inline(always)]
fn from_i64(v: i64) -> U256 {
    let fill = (v >> 63) as u64;
    U256::from_limbs([v as u64, fill, fill, fill])
}

/// Signed division, EVM rules: `x / 0 = 0`, `MIN / -1 = MIN`. Operands that fit in 64 bits
/// (snailtracer's fixed-point divisions, most signed divisions in real contracts) take the
/// native one.
#[inline(always)]
pub fn i256_div(a: U256, b: U256) -> U256 {
    match (as_i64(&a), as_i64(&b)) {
        (Some(_), Some(0)) => U256::ZERO,
        // -x, which for x = -2^63 does not fit in 64 bits.
        (Some(_), Some(-1)) => a.wrapping_neg(),
        (Some(x), Some(y)) => from_i64(x / y),
        _ => i256_div_wide(a, b),
    }
}

/// [`i256_div`] for wide operands.
#[inline(never)]
fn i256_div_wide(a: U256, b: U256) -> U256 {
    if b.is_zero() {
        return U256::ZERO;
    }
    let q = div_word(abs(a), abs(b));
    if is_neg(a) != is_neg(b) { q.wrapping_neg() } else { q }
}

/// Signed remainder, EVM rules: `x % 0 = 0`, the result has the sign of `a`; 64-bit operands
/// take the native remainder.
#[inline(always)]
pub fn i256_mod(a: U256, b: U256) -> U256 {
    match (as_i64(&a), as_i64(&b)) {
        (Some(_), Some(0)) => U256::ZERO,
        // x % -1 is 0 (and native i64::MIN % -1 would overflow).
        (Some(_), Some(-1)) => U256::ZERO,
        (Some(x), Some(y)) => from_i64(x % y),
        _ => i256_mod_wide(a, b),
    }
}

/// [`i256_mod`] for wide operands.
#[inline(never)]
fn i256_mod_wide(a: U256, b: U256) -> U256 {
    if b.is_zero() {
        return U256::ZERO;
    }
    let r = rem_word(abs(a), abs(b));
    if is_neg(a) { r.wrapping_neg() } else { r }
}

/// SIGNEXTEND(b, x): extends the sign bit of byte `b` (0 = least significant) of `x`.
#[inline(always)]
pub fn signextend_word(b: U256, x: U256) -> U256 {
    let bl = b.as_limbs();
    if bl[1] | bl[2] | bl[3] != 0 || bl[0] >= 31 {
        return x;
    }
    // Limb-wise and branch-free, so the result stays in registers: keep the limbs below the
    // sign bit's limb, mask that limb, and fill the limbs above it with the sign.
    let bit = bl[0] as usize * 8 + 7;
    let (limb, shift) = (bit / 64, bit % 64);
    let xl = x.as_limbs();
    let fill = 0u64.wrapping_sub((xl[limb & 3] >> shift) & 1);
    let low = u64::MAX >> (63 - shift);
    U256::from_limbs(core::array::from_fn(|i| {
        // Which bits of limb `i` are kept from `x` (the others are the sign).
        let keep = if i < limb {
            u64::MAX
        } else if i == limb {
            low
        } else {
            0
        };
        (xl[i] & keep) | (fill & !keep)
    }))
}

/// ADD.
pub fn add<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    let (a, b) = f.stack.pop_top();
    *b = a.wrapping_add(*b);
    Ok(())
}

/// MUL.
pub fn mul<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    let (a, b) = f.stack.pop_top();
    *b = a.wrapping_mul(*b);
    Ok(())
}

/// SUB.
pub fn sub<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    let (a, b) = f.stack.pop_top();
    *b = a.wrapping_sub(*b);
    Ok(())
}

/// DIV.
pub fn div<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    let (a, b) = f.stack.pop_top();
    *b = div_word(a, *b);
    Ok(())
}

/// SDIV.
pub fn sdiv<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    let (a, b) = f.stack.pop_top();
    *b = i256_div(a, *b);
    Ok(())
}

/// MOD.
pub fn rem<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    let (a, b) = f.stack.pop_top();
    *b = rem_word(a, *b);
    Ok(())
}

/// SMOD.
pub fn smod<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    let (a, b) = f.stack.pop_top();
    *b = i256_mod(a, *b);
    Ok(())
}

/// ADDMOD (modulus zero gives zero).
pub fn addmod<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    let (a, b, n) = f.stack.pop2_top();
    *n = a.add_mod(b, *n);
    Ok(())
}

/// MULMOD (modulus zero gives zero).
pub fn mulmod<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    let (a, b, n) = f.stack.pop2_top();
    *n = a.mul_mod(b, *n);
    Ok(())
}

/// EXP: 10 static plus a per-byte cost of the exponent (EIP-160).
pub fn exp<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    let exponent = f.stack.peek(1);
    let cost = gas::exp_byte_cost(f.fork) * exponent.byte_len() as u64;
    f.charge(cost)?;
    let (base, e) = f.stack.pop_top();
    *e = base.wrapping_pow(*e);
    Ok(())
}

/// SIGNEXTEND.
pub fn signextend<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    let (b, x) = f.stack.pop_top();
    *x = signextend_word(b, *x);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn neg(x: u64) -> U256 {
        U256::from(x).wrapping_neg()
    }

    const MIN: U256 = U256::from_limbs([0, 0, 0, 1 << 63]);

    #[test]
    fn sdiv_edges() {
        assert_eq!(i256_div(MIN, U256::MAX), MIN);
        assert_eq!(i256_div(neg(7), U256::from(2)), neg(3));
        assert_eq!(i256_div(U256::from(7), neg(2)), neg(3));
        assert_eq!(i256_div(neg(7), neg(2)), U256::from(3));
        assert_eq!(i256_div(U256::from(7), U256::ZERO), U256::ZERO);
    }

    #[test]
    fn smod_edges() {
        assert_eq!(i256_mod(neg(7), U256::from(3)), neg(1));
        assert_eq!(i256_mod(U256::from(7), neg(3)), U256::from(1));
        assert_eq!(i256_mod(MIN, U256::MAX), U256::ZERO);
        assert_eq!(i256_mod(U256::from(7), U256::ZERO), U256::ZERO);
    }

    #[test]
    fn signextend_edges() {
        assert_eq!(signextend_word(U256::ZERO, U256::from(0xff)), U256::MAX);
        assert_eq!(signextend_word(U256::ZERO, U256::from(0x7f)), U256::from(0x7f));
        assert_eq!(signextend_word(U256::from(1), U256::from(0x1_80ff)), neg(0x7f01));
        assert_eq!(signextend_word(U256::from(31), U256::from(5)), U256::from(5));
        assert_eq!(signextend_word(U256::MAX, U256::from(0xff)), U256::from(0xff));
        assert_eq!(signextend_word(U256::from(30), U256::MAX >> 1), U256::MAX);
        assert_eq!(signextend_word(U256::from(30), U256::MAX >> 9), U256::MAX >> 9);
    }

    #[test]
    fn modular() {
        assert_eq!(U256::MAX.add_mod(U256::from(2), U256::from(10)), U256::from(7));
        assert_eq!(U256::from(5).add_mod(U256::from(2), U256::ZERO), U256::ZERO);
        assert_eq!(U256::MAX.mul_mod(U256::MAX, U256::from(12)), U256::from(9));
        assert_eq!(U256::from(2).wrapping_pow(U256::from(256)), U256::ZERO);
        assert_eq!(U256::from(3).wrapping_pow(U256::ZERO), U256::from(1));
    }
}

#[cfg(test)]
mod program_tests {
    use alloy_primitives::U256;
    use evm_bytecode::Fork;

    use crate::test_host::{eval, gas_used};

    #[test]
    fn ops_through_the_interpreter() {
        // SUB: top minus second.
        assert_eq!(eval("6003600a03", Fork::Cancun), U256::from(7));
        // DIV by zero.
        assert_eq!(eval("6000600a04", Fork::Cancun), U256::ZERO);
        // SDIV MIN / -1 = MIN.
        let min = U256::from(1) << 255;
        assert_eq!(
            eval(
                "7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f800000000000000000000000000000000000000000000000000000000000000005",
                Fork::Cancun
            ),
            min
        );
        // ADDMOD(10, 10, 8) = 4, MULMOD(10, 10, 8) = 4.
        assert_eq!(eval("6008600a600a08", Fork::Cancun), U256::from(4));
        assert_eq!(eval("6008600a600a09", Fork::Cancun), U256::from(4));
        // EXP(2, 10).
        assert_eq!(eval("600a60020a", Fork::Cancun), U256::from(1024));
        // SIGNEXTEND(0, 0xff) = -1.
        assert_eq!(eval("60ff60000b", Fork::Cancun), U256::MAX);
    }

    #[test]
    fn exp_gas_per_fork() {
        // PUSH2 0x0100 (two exponent bytes), PUSH1 2, EXP.
        assert_eq!(gas_used("61010060020a", Fork::Tangerine), 3 + 3 + 10 + 2 * 10);
        assert_eq!(gas_used("61010060020a", Fork::SpuriousDragon), 3 + 3 + 10 + 2 * 50);
        assert_eq!(gas_used("600060020a", Fork::Cancun), 3 + 3 + 10);
    }
}

#[cfg(test)]
mod proptests {
    use alloy_primitives::U256;
    use proptest::prelude::*;

    use super::*;

    /// Two's complement encoding of a small signed value.
    fn enc(x: i128) -> U256 {
        if x < 0 { U256::from(x.unsigned_abs()).wrapping_neg() } else { U256::from(x as u128) }
    }

    proptest! {
        #[test]
        fn signed_ops_match_i128(a in any::<i64>(), b in any::<i64>()) {
            let (a, b) = (a as i128, b as i128);
            let div = if b == 0 { 0 } else { a / b };
            let rem = if b == 0 { 0 } else { a % b };
            prop_assert_eq!(i256_div(enc(a), enc(b)), enc(div));
            prop_assert_eq!(i256_mod(enc(a), enc(b)), enc(rem));
        }

        #[test]
        fn signextend_matches_i128(x in any::<u64>(), byte in 0u64..8) {
            let bits = 8 * (byte + 1);
            let shift = 128 - bits;
            let expected = ((x as i128) << shift) >> shift;
            let masked = if bits == 64 { x } else { x & ((1u64 << bits) - 1) };
            prop_assert_eq!(signextend_word(U256::from(byte), U256::from(masked)), enc(expected));
        }

        #[test]
        fn signextend_matches_256_bit_masks(limbs in any::<[u64; 4]>(), byte in 0u64..40) {
            // Reference: the definition with 256-bit masks.
            let x = U256::from_limbs(limbs);
            let expected = if byte >= 31 {
                x
            } else {
                let bit = byte as usize * 8 + 7;
                let mask = (U256::from(1) << (bit + 1)) - U256::from(1);
                if x.bit(bit) { x | !mask } else { x & mask }
            };
            prop_assert_eq!(signextend_word(U256::from(byte), x), expected);
        }
    }
}

#[cfg(test)]
mod fast_division {
    use alloy_primitives::U256;

    use super::{div_word, from_i64, i256_div, i256_div_wide, i256_mod, i256_mod_wide, rem_word};

    /// Words of every width class the fast paths split on (64, 128, 256 bits, zero, edges).
    fn samples() -> Vec<U256> {
        let mut out = vec![U256::ZERO, U256::from(1), U256::from(u64::MAX), U256::MAX];
        out.push(U256::from(u64::MAX) + U256::from(1));
        out.push(U256::from(u128::MAX));
        out.push(U256::from(u128::MAX) + U256::from(1));
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for bits in [8usize, 63, 64, 65, 127, 128, 129, 200, 256] {
            for _ in 0..6 {
                let mut limbs = [0u64; 4];
                for l in &mut limbs {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    *l = x;
                }
                let w = U256::from_limbs(limbs);
                out.push(if bits == 256 {
                    w
                } else {
                    w & ((U256::from(1) << bits) - U256::from(1))
                });
            }
        }
        out
    }

    #[test]
    fn fast_division_matches_the_long_one() {
        let mut s = samples();
        s.extend((0..256).step_by(7).map(|k| U256::from(1) << k));
        // Not powers of two, though every limb is zero or one: two bits in different limbs.
        s.extend((0..192).step_by(29).map(|k| U256::from(1) << k | U256::from(1) << (k + 64)));
        s.push(U256::from(1) << 255);
        for &a in &s {
            for &b in &s {
                let (q, r) = if b.is_zero() { (U256::ZERO, U256::ZERO) } else { (a / b, a % b) };
                assert_eq!(div_word(a, b), q, "{a} / {b}");
                assert_eq!(rem_word(a, b), r, "{a} % {b}");
            }
        }
    }

    #[test]
    fn native_signed_division_matches_the_wide_one() {
        let mut s = samples();
        // The samples, their negations, and the 64-bit edges.
        s.extend(s.clone().into_iter().map(U256::wrapping_neg));
        for v in [i64::MIN, i64::MIN + 1, -2, -1, 2, i64::MAX - 1, i64::MAX] {
            s.push(from_i64(v));
            s.push(from_i64(v).wrapping_add(U256::from(1u128 << 64)));
        }
        for &a in &s {
            for &b in &s {
                assert_eq!(i256_div(a, b), i256_div_wide(a, b), "{a} sdiv {b}");
                assert_eq!(i256_mod(a, b), i256_mod_wide(a, b), "{a} smod {b}");
            }
        }
    }
}
