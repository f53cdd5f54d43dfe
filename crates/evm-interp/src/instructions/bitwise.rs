//! Comparison and bitwise logic: LT … SAR, CLZ.

use alloy_primitives::U256;

use super::arithmetic::is_neg;
use crate::frame::{Frame, to_u64};
use crate::host::Host;
use crate::interpreter::Exit;

/// 0 or 1 as a word.
#[inline(always)]
pub(crate) fn flag(b: bool) -> U256 {
    U256::from(b as u64)
}

/// The amount of a SHL/SHR shift word, `None` for 256 or more (the result is zero).
#[inline(always)]
pub(crate) fn shift_amount(shift: U256) -> Option<usize> {
    match to_u64(shift) {
        Some(s) if s < 256 => Some(s as usize),
        _ => None,
    }
}

/// Signed less-than.
#[inline]
pub(crate) fn slt_word(a: U256, b: U256) -> bool {
    match (is_neg(a), is_neg(b)) {
        (true, false) => true,
        (false, true) => false,
        _ => a < b,
    }
}

/// BYTE(i, x): byte `i` of `x`, 0 being the most significant.
pub fn byte_word(i: U256, x: U256) -> U256 {
    if i >= U256::from(32) {
        return U256::ZERO;
    }
    U256::from(x.byte(31 - i.as_limbs()[0] as usize))
}

/// SAR(shift, x).
pub fn sar_word(shift: U256, x: U256) -> U256 {
    if shift >= U256::from(256) {
        if is_neg(x) { U256::MAX } else { U256::ZERO }
    } else {
        x.arithmetic_shr(shift.as_limbs()[0] as usize)
    }
}

/// LT.
pub fn lt<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    let (a, b) = f.stack.pop_top();
    *b = flag(a < *b);
    Ok(())
}

/// GT.
pub fn gt<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    let (a, b) = f.stack.pop_top();
    *b = flag(a > *b);
    Ok(())
}

/// SLT.
pub fn slt<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    let (a, b) = f.stack.pop_top();
    *b = flag(slt_word(a, *b));
    Ok(())
}

/// SGT.
pub fn sgt<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    let (a, b) = f.stack.pop_top();
    *b = flag(slt_word(*b, a));
    Ok(())
}

/// EQ.
pub fn eq<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    let (a, b) = f.stack.pop_top();
    *b = flag(a == *b);
    Ok(())
}

/// ISZERO.
pub fn iszero<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    let a = f.stack.top();
    *a = flag(a.is_zero());
    Ok(())
}

/// AND.
pub fn and<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    let (a, b) = f.stack.pop_top();
    *b &= a;
    Ok(())
}

/// OR.
pub fn or<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    let (a, b) = f.stack.pop_top();
    *b |= a;
    Ok(())
}

/// XOR.
pub fn xor<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    let (a, b) = f.stack.pop_top();
    *b ^= a;
    Ok(())
}

/// NOT.
pub fn not<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    let a = f.stack.top();
    *a = !*a;
    Ok(())
}

/// BYTE.
pub fn byte<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    let (i, x) = f.stack.pop_top();
    *x = byte_word(i, *x);
    Ok(())
}

/// SHL (EIP-145).
pub fn shl<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    let (shift, x) = f.stack.pop_top();
    *x = shift_amount(shift).map_or(U256::ZERO, |s| *x << s);
    Ok(())
}

/// SHR (EIP-145).
pub fn shr<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    let (shift, x) = f.stack.pop_top();
    *x = shift_amount(shift).map_or(U256::ZERO, |s| *x >> s);
    Ok(())
}

/// SAR (EIP-145).
pub fn sar<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    let (shift, x) = f.stack.pop_top();
    *x = sar_word(shift, *x);
    Ok(())
}

/// CLZ (EIP-7939): leading zero bits, 256 for zero.
pub fn clz<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    let x = f.stack.top();
    *x = U256::from(x.leading_zeros());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_indexes_from_the_top() {
        let x = U256::from_be_bytes(core::array::from_fn::<u8, 32, _>(|i| i as u8));
        assert_eq!(byte_word(U256::ZERO, x), U256::ZERO);
        assert_eq!(byte_word(U256::from(31), x), U256::from(31));
        assert_eq!(byte_word(U256::from(5), x), U256::from(5));
        assert_eq!(byte_word(U256::from(32), x), U256::ZERO);
        assert_eq!(byte_word(U256::MAX, x), U256::ZERO);
    }

    #[test]
    fn sar_edges() {
        let neg1 = U256::MAX;
        assert_eq!(sar_word(U256::from(1), neg1), neg1);
        assert_eq!(sar_word(U256::from(255), U256::from(1) << 255), neg1);
        assert_eq!(sar_word(U256::from(256), U256::from(1) << 255), neg1);
        assert_eq!(sar_word(U256::from(256), U256::from(1) << 254), U256::ZERO);
        assert_eq!(sar_word(U256::from(1), U256::from(4)), U256::from(2));
        assert_eq!(sar_word(U256::MAX, neg1 - U256::from(15)), neg1);
    }

    #[test]
    fn signed_compare() {
        assert!(slt_word(U256::MAX, U256::ZERO));
        assert!(!slt_word(U256::ZERO, U256::MAX));
        assert!(slt_word(U256::MAX - U256::from(1), U256::MAX));
    }
}

#[cfg(test)]
mod program_tests {
    use alloy_primitives::U256;
    use evm_bytecode::Fork;

    use crate::interpreter::Exit;
    use crate::test_host::{eval, run};

    #[test]
    fn shifts_and_clz() {
        assert_eq!(eval("600160041b", Fork::Constantinople), U256::from(16));
        assert_eq!(eval("601060041c", Fork::Constantinople), U256::from(1));
        assert_eq!(eval("60001e", Fork::Osaka), U256::from(256));
        assert_eq!(eval("60011e", Fork::Osaka), U256::from(255));
        assert_eq!(
            eval(
                "6000197f00000000000000000000000000000000000000000000000000000000000000011d",
                Fork::Cancun
            ),
            U256::MAX
        );
    }

    #[test]
    fn new_opcodes_are_undefined_before_their_fork() {
        assert_eq!(run("600160011b", Fork::Byzantium).0.exit, Exit::InvalidOpcode);
        assert_eq!(run("60011e", Fork::Prague).0.exit, Exit::InvalidOpcode);
        assert_eq!(run("5f", Fork::Paris).0.exit, Exit::InvalidOpcode);
        assert_eq!(run("fe", Fork::Cancun).0.exit, Exit::InvalidOpcode);
        assert_eq!(run("0c", Fork::Cancun).0.exit, Exit::InvalidOpcode);
    }

    #[test]
    fn byte_and_compare() {
        assert_eq!(eval("61abcd601e1a", Fork::Cancun), U256::from(0xab));
        assert_eq!(eval("600160001912", Fork::Cancun), U256::from(1)); // -1 < 1
        assert_eq!(eval("600160001913", Fork::Cancun), U256::ZERO);
    }
}
