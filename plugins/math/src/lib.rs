//! evmkit example plugin: opcode `0x0c` `ISQRT` pops a word and pushes its integer square root
//! (floor), from Frontier on, for a static 5 gas. The 256-bit square root is computed digit by
//! digit in base four, on a two-limb integer, with no dependency beyond the SDK.
//!
//! `0x60100c60005260206000f3` (`PUSH1 16 ISQRT PUSH1 0 MSTORE PUSH1 32 PUSH1 0 RETURN`) returns 4.

use evmkit_plugin::{Ctx, Error, OpcodeSpec, Registrar, Word, export_plugin};

/// The opcode byte (undefined in every fork so far).
pub const ISQRT: u8 = 0x0c;
/// Its static gas, like the other cheap arithmetic opcodes.
pub const ISQRT_GAS: u64 = 5;

/// A 256-bit unsigned integer as two limbs; the derived order (high limb first) is numeric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct U256 {
    hi: u128,
    lo: u128,
}

impl U256 {
    const ZERO: Self = Self { hi: 0, lo: 0 };

    fn from_word(word: &Word) -> Self {
        let (hi, lo) = word.split_at(16);
        let limb = |bytes: &[u8]| {
            let mut buf = [0; 16];
            buf.copy_from_slice(bytes);
            u128::from_be_bytes(buf)
        };
        Self { hi: limb(hi), lo: limb(lo) }
    }

    fn to_word(self) -> Word {
        let mut word = [0; 32];
        word[..16].copy_from_slice(&self.hi.to_be_bytes());
        word[16..].copy_from_slice(&self.lo.to_be_bytes());
        word
    }

    /// `1 << shift` for `shift < 256`.
    fn bit(shift: u32) -> Self {
        if shift < 128 {
            Self { hi: 0, lo: 1 << shift }
        } else {
            Self { hi: 1 << (shift - 128), lo: 0 }
        }
    }

    fn leading_zeros(self) -> u32 {
        if self.hi != 0 { self.hi.leading_zeros() } else { 128 + self.lo.leading_zeros() }
    }

    /// `self + other`; the callers never overflow.
    fn add(self, other: Self) -> Self {
        let (lo, carry) = self.lo.overflowing_add(other.lo);
        Self { hi: self.hi.wrapping_add(other.hi).wrapping_add(u128::from(carry)), lo }
    }

    /// `self - other` for `self >= other`.
    fn sub(self, other: Self) -> Self {
        let (lo, borrow) = self.lo.overflowing_sub(other.lo);
        Self { hi: self.hi.wrapping_sub(other.hi).wrapping_sub(u128::from(borrow)), lo }
    }

    /// `self >> shift` for `0 < shift < 128`.
    fn shr(self, shift: u32) -> Self {
        Self { hi: self.hi >> shift, lo: (self.lo >> shift) | (self.hi << (128 - shift)) }
    }
}

/// The integer square root (floor) of a 256-bit big-endian word; the result fits in 128 bits.
///
/// Digit-by-digit in base four: `bit` walks the powers of four from the highest one not above
/// `n`; `root` holds the partial root shifted left by the digits still to come, so
/// `root + bit` never exceeds `n` and nothing overflows.
pub fn isqrt(n: &Word) -> Word {
    let mut rest = U256::from_word(n);
    if rest == U256::ZERO {
        return [0; 32];
    }
    let top = 255 - rest.leading_zeros();
    let mut bit = U256::bit(top & !1);
    let mut root = U256::ZERO;
    while bit != U256::ZERO {
        let trial = root.add(bit);
        if rest >= trial {
            rest = rest.sub(trial);
            root = root.shr(1).add(bit);
        } else {
            root = root.shr(1);
        }
        bit = bit.shr(2);
    }
    root.to_word()
}

/// The opcode: pops `x`, pushes `isqrt(x)`.
fn isqrt_op(ctx: &mut Ctx<'_>) -> Result<(), Error> {
    let x = ctx.pop()?;
    ctx.push(&isqrt(&x))
}

fn init(registrar: &mut Registrar<'_>) -> Result<(), Error> {
    let spec = OpcodeSpec {
        opcode: ISQRT,
        name: c"ISQRT",
        inputs: 1,
        outputs: 1,
        static_gas: ISQRT_GAS,
        since_fork: 0,
        allow_override: false,
    };
    registrar.opcode(spec, isqrt_op)
}

export_plugin! {
    name: "math",
    version: env!("CARGO_PKG_VERSION"),
    capabilities: caps::OPCODES,
    init: init,
}

#[cfg(test)]
mod tests {
    use evmkit_plugin::testing::{MockHost, Registration, register};
    use evmkit_plugin::{status, word_from_u128, word_to_u128};

    use super::*;

    /// `a * b` as a 256-bit integer, by 64-bit halves.
    fn mul(a: u128, b: u128) -> U256 {
        let (a1, a0) = (a >> 64, a & u128::from(u64::MAX));
        let (b1, b0) = (b >> 64, b & u128::from(u64::MAX));
        let low = U256 { hi: 0, lo: a0 * b0 };
        let mid1 = U256 { hi: (a1 * b0) >> 64, lo: (a1 * b0) << 64 };
        let mid2 = U256 { hi: (a0 * b1) >> 64, lo: (a0 * b1) << 64 };
        let high = U256 { hi: a1 * b1, lo: 0 };
        low.add(mid1).add(mid2).add(high)
    }

    #[track_caller]
    fn check_root(n: U256) {
        let root = word_to_u128(&isqrt(&n.to_word())).expect("the root fits in 128 bits");
        assert!(mul(root, root) <= n, "root {root:#x} of {n:x?} too large");
        if let Some(next) = root.checked_add(1) {
            let square = mul(next, next);
            // (2^128)^2 does not fit: then every 256-bit n is below it.
            assert!(next == 1 << 127 << 1 || square > n, "root {root:#x} of {n:x?} too small");
        }
    }

    /// A xorshift generator: deterministic inputs spread over the whole range.
    fn xorshift(state: &mut u64) -> u64 {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        *state
    }

    #[test]
    fn edge_cases() {
        let root = |n: U256| U256::from_word(&isqrt(&n.to_word()));
        let small = |v: u128| U256 { hi: 0, lo: v };
        assert_eq!(root(small(0)), small(0));
        assert_eq!(root(small(1)), small(1));
        assert_eq!(root(small(2)), small(1));
        assert_eq!(root(small(3)), small(1));
        assert_eq!(root(small(4)), small(2));
        assert_eq!(root(small(16)), small(4));
        let max = U256 { hi: u128::MAX, lo: u128::MAX };
        assert_eq!(root(max), small(u128::MAX));
        assert_eq!(root(U256 { hi: 1, lo: 0 }), small(1 << 64));
        assert_eq!(root(U256 { hi: 1 << 127, lo: 0 }), small(0xb504f333f9de6484597d89b3754abe9f));
    }

    #[test]
    fn perfect_squares_and_their_neighbours() {
        let mut state = 0x9e37_79b9_7f4a_7c15;
        let mut roots = vec![1, 2, 3, u128::from(u64::MAX), 1 << 64, u128::MAX, u128::MAX - 1];
        roots.extend((0..200).map(|_| {
            (u128::from(xorshift(&mut state)) << 64 | u128::from(xorshift(&mut state)))
                >> (xorshift(&mut state) % 128)
        }));
        for k in roots {
            let square = mul(k, k);
            assert_eq!(word_to_u128(&isqrt(&square.to_word())), Some(k), "isqrt({k}^2)");
            let below = square.sub(U256 { hi: 0, lo: 1 });
            assert_eq!(word_to_u128(&isqrt(&below.to_word())), Some(k - 1), "isqrt({k}^2 - 1)");
        }
    }

    #[test]
    fn matches_the_u128_reference() {
        let mut state = 0x2545_f491_4f6c_dd1d;
        for v in (0..10_000u128).chain((0..2000).map(|_| {
            (u128::from(xorshift(&mut state)) << 64 | u128::from(xorshift(&mut state)))
                >> (xorshift(&mut state) % 128)
        })) {
            assert_eq!(word_to_u128(&isqrt(&word_from_u128(v))), Some(v.isqrt()), "isqrt({v})");
        }
    }

    #[test]
    fn full_width_inputs_satisfy_the_root_bounds() {
        let mut state = 0x0123_4567_89ab_cdef;
        for _ in 0..2000 {
            let hi = u128::from(xorshift(&mut state)) << 64 | u128::from(xorshift(&mut state));
            let lo = u128::from(xorshift(&mut state)) << 64 | u128::from(xorshift(&mut state));
            check_root(U256 { hi: hi >> (xorshift(&mut state) % 128), lo });
        }
    }

    #[test]
    fn registers_isqrt_and_runs_it_through_the_trampoline() {
        let registered = register(init).expect("init succeeds");
        assert_eq!(registered.len(), 1);
        assert_eq!(
            registered[0].registration,
            Registration::Opcode {
                opcode: 0x0c,
                name: "ISQRT".into(),
                inputs: 1,
                outputs: 1,
                static_gas: 5,
                since_fork: 0,
                allow_override: false,
            }
        );
        // `PUSH1 0x10 ISQRT`: the stack then holds 4.
        let mut host = MockHost::new();
        host.stack.push(word_from_u128(0x10));
        assert_eq!(host.call(&registered[0]), status::OK);
        assert_eq!(host.stack, [word_from_u128(4)]);
        host.stack.clear();
        assert_eq!(host.call(&registered[0]), status::ERR_STACK);
    }
}
