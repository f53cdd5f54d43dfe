//! Dynamic gas: memory expansion, per-word copy costs, EXP, SSTORE, SELFDESTRUCT, call helpers.
//!
//! Static costs live in `crate::spec`. Functions here are pure: they take what the host reported
//! and return a cost, so they are easy to test per fork.

use evm_bytecode::Fork;

use crate::host::{SStoreResult, SelfDestructResult};

/// EIP-2929 cold account access cost.
pub const COLD_ACCOUNT_ACCESS: u64 = 2600;
/// EIP-2929 cold storage read cost.
pub const COLD_SLOAD: u64 = 2100;
/// EIP-2929 warm storage read cost.
pub const WARM_STORAGE_READ: u64 = 100;
/// CALL with value: the value transfer surcharge.
pub const CALL_VALUE: u64 = 9000;
/// CALL creating an account.
pub const NEW_ACCOUNT: u64 = 25000;
/// Gas given to the callee for free when a call transfers value.
pub const CALL_STIPEND: u64 = 2300;
/// EIP-3860 init code size limit (twice the EIP-170 code size limit).
pub const MAX_INITCODE_SIZE: usize = 2 * 24576;

/// Number of 32-byte words covering `len` bytes.
#[inline]
pub const fn words(len: u64) -> u64 {
    len.div_ceil(32)
}

/// Total cost of a memory of `words` words: `3w + w²/512`.
#[inline]
pub const fn memory_cost(words: u64) -> u64 {
    3 * words + words * words / 512
}

/// Cost of `per_word` gas for each word of `len` bytes, `None` on overflow.
#[inline]
pub const fn per_word(len: u64, per_word: u64) -> Option<u64> {
    words(len).checked_mul(per_word)
}

/// EXP: dynamic cost per byte of the exponent (EIP-160 raised it in Spurious Dragon).
#[inline]
pub const fn exp_byte_cost(fork: Fork) -> u64 {
    if fork as u8 >= Fork::SpuriousDragon as u8 { 50 } else { 10 }
}

/// The all-but-one-64th rule (EIP-150).
#[inline]
pub const fn all_but_one_64th(gas: u64) -> u64 {
    gas - gas / 64
}

/// Account access surcharge on top of the warm cost already in the static table (EIP-2929).
#[inline]
pub const fn cold_account_surcharge(fork: Fork, is_cold: bool) -> u64 {
    if is_cold && fork as u8 >= Fork::Berlin as u8 {
        COLD_ACCOUNT_ACCESS - WARM_STORAGE_READ
    } else {
        0
    }
}

/// SSTORE constants of one fork family.
struct SStoreSchedule {
    /// Cost of a no-op or dirty write (SLOAD_GAS in EIP-2200).
    noop: u64,
    set: u64,
    reset: u64,
    clear_refund: i64,
}

const fn sstore_schedule(fork: Fork) -> SStoreSchedule {
    let f = fork as u8;
    if f >= Fork::London as u8 {
        // EIP-2929 + EIP-3529.
        SStoreSchedule { noop: 100, set: 20000, reset: 5000 - 2100, clear_refund: 4800 }
    } else if f >= Fork::Berlin as u8 {
        // EIP-2929.
        SStoreSchedule { noop: 100, set: 20000, reset: 5000 - 2100, clear_refund: 15000 }
    } else if f >= Fork::Istanbul as u8 {
        // EIP-2200.
        SStoreSchedule { noop: 800, set: 20000, reset: 5000, clear_refund: 15000 }
    } else {
        // EIP-1283 (original Constantinople).
        SStoreSchedule { noop: 200, set: 20000, reset: 5000, clear_refund: 15000 }
    }
}

/// Whether SSTORE uses net gas metering in `fork` (EIP-1283, then EIP-2200 onwards).
#[inline]
pub const fn sstore_is_net_metered(fork: Fork) -> bool {
    fork as u8 == Fork::Constantinople as u8 || fork as u8 >= Fork::Istanbul as u8
}

/// SSTORE gas and refund delta for a write the host reported, `is_cold` being the slot access.
pub fn sstore_cost(fork: Fork, r: &SStoreResult, is_cold: bool) -> (u64, i64) {
    if !sstore_is_net_metered(fork) {
        // Yellow paper: set 20000, reset 5000, refund 15000 on clear, from the present value.
        let cost = if r.present.is_zero() && !r.new.is_zero() { 20000 } else { 5000 };
        let refund = if !r.present.is_zero() && r.new.is_zero() { 15000 } else { 0 };
        return (cost, refund);
    }
    let s = sstore_schedule(fork);
    let cold = if is_cold && fork >= Fork::Berlin { COLD_SLOAD } else { 0 };
    if r.new == r.present {
        return (s.noop + cold, 0);
    }
    if r.original == r.present {
        if r.original.is_zero() {
            return (s.set + cold, 0);
        }
        let refund = if r.new.is_zero() { s.clear_refund } else { 0 };
        return (s.reset + cold, refund);
    }
    let mut refund = 0i64;
    if !r.original.is_zero() {
        if r.present.is_zero() {
            refund -= s.clear_refund;
        } else if r.new.is_zero() {
            refund += s.clear_refund;
        }
    }
    if r.original == r.new {
        if r.original.is_zero() {
            refund += (s.set - s.noop) as i64;
        } else {
            refund += (s.reset - s.noop) as i64;
        }
    }
    (s.noop + cold, refund)
}

/// SELFDESTRUCT dynamic gas (static 5000 from EIP-150 is in the table) and refund.
pub fn selfdestruct_cost(fork: Fork, r: &SelfDestructResult, is_cold: bool) -> (u64, i64) {
    let mut cost = 0;
    if fork >= Fork::SpuriousDragon {
        // EIP-161: only a value transfer to a dead account creates it.
        if r.had_value && !r.target_exists {
            cost += NEW_ACCOUNT;
        }
    } else if fork >= Fork::Tangerine && !r.target_exists {
        // EIP-150.
        cost += NEW_ACCOUNT;
    }
    // EIP-2929.
    if fork >= Fork::Berlin && is_cold {
        cost += COLD_ACCOUNT_ACCESS;
    }
    // EIP-3529 removed the refund in London.
    let refund = if fork < Fork::London && !r.previously_destroyed { 24000 } else { 0 };
    (cost, refund)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::U256;

    fn r(original: u64, present: u64, new: u64) -> SStoreResult {
        SStoreResult {
            original: U256::from(original),
            present: U256::from(present),
            new: U256::from(new),
        }
    }

    #[test]
    fn memory_cost_is_quadratic() {
        assert_eq!(memory_cost(0), 0);
        assert_eq!(memory_cost(1), 3);
        assert_eq!(memory_cost(32), 98);
        assert_eq!(memory_cost(1024), 3 * 1024 + 2048);
        assert_eq!(words(33), 2);
    }

    #[test]
    fn sstore_legacy() {
        assert_eq!(sstore_cost(Fork::Petersburg, &r(0, 0, 1), false), (20000, 0));
        assert_eq!(sstore_cost(Fork::Petersburg, &r(1, 1, 0), false), (5000, 15000));
        assert_eq!(sstore_cost(Fork::Frontier, &r(0, 1, 2), false), (5000, 0));
    }

    #[test]
    fn sstore_eip1283_and_2200() {
        // EIP-1283 test table rows.
        assert_eq!(sstore_cost(Fork::Constantinople, &r(0, 0, 0), false), (200, 0));
        assert_eq!(sstore_cost(Fork::Constantinople, &r(0, 1, 0), false), (200, 19800));
        assert_eq!(sstore_cost(Fork::Constantinople, &r(1, 0, 1), false), (200, -15000 + 4800));
        assert_eq!(sstore_cost(Fork::Istanbul, &r(1, 1, 0), false), (5000, 15000));
        assert_eq!(sstore_cost(Fork::Istanbul, &r(0, 1, 0), false), (800, 19200));
        assert_eq!(sstore_cost(Fork::Berlin, &r(1, 1, 2), true), (2900 + 2100, 0));
        assert_eq!(sstore_cost(Fork::London, &r(1, 1, 0), false), (2900, 4800));
        assert_eq!(sstore_cost(Fork::London, &r(1, 2, 1), false), (100, 2800));
    }

    #[test]
    fn selfdestruct_per_fork() {
        let fresh = SelfDestructResult {
            had_value: false,
            target_exists: false,
            previously_destroyed: false,
        };
        assert_eq!(selfdestruct_cost(Fork::Homestead, &fresh, false), (0, 24000));
        assert_eq!(selfdestruct_cost(Fork::Tangerine, &fresh, false), (25000, 24000));
        assert_eq!(selfdestruct_cost(Fork::SpuriousDragon, &fresh, false), (0, 24000));
        assert_eq!(selfdestruct_cost(Fork::Berlin, &fresh, true), (2600, 24000));
        assert_eq!(selfdestruct_cost(Fork::London, &fresh, false), (0, 0));
    }
}
