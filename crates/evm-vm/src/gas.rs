//! Transaction-level gas and fee rules: intrinsic gas, the EIP-7623 calldata floor, EIP-4844
//! blob gas and blob base fee, and per-fork limits.

use alloy_primitives::U256;

use crate::{Fork, Tx};

/// Base cost of every transaction.
pub const TX_BASE_GAS: u64 = 21_000;
/// Extra cost of a contract-creating transaction (Homestead on).
pub const TX_CREATE_GAS: u64 = 32_000;
/// Cost per zero byte of calldata.
pub const TX_DATA_ZERO_GAS: u64 = 4;
/// Cost per non-zero byte of calldata from Istanbul (EIP-2028).
pub const TX_DATA_NONZERO_GAS: u64 = 16;
/// Cost per non-zero byte of calldata before Istanbul.
pub const TX_DATA_NONZERO_GAS_FRONTIER: u64 = 68;
/// EIP-2930 cost per access-list address.
pub const ACCESS_LIST_ADDRESS_GAS: u64 = 2_400;
/// EIP-2930 cost per access-list storage key.
pub const ACCESS_LIST_KEY_GAS: u64 = 1_900;
/// EIP-3860 cost per 32-byte word of init code.
pub const INITCODE_WORD_GAS: u64 = 2;
/// EIP-3860 maximum init code size.
pub const MAX_INITCODE_SIZE: usize = 2 * 0x6000;
/// EIP-7702 intrinsic cost per authorization (`PER_EMPTY_ACCOUNT_COST`).
pub const PER_EMPTY_ACCOUNT_COST: u64 = 25_000;
/// EIP-7702 base cost per authorization; the difference is refunded for existing authorities.
pub const PER_AUTH_BASE_COST: u64 = 12_500;
/// EIP-7623 floor cost per calldata token.
pub const TOTAL_COST_FLOOR_PER_TOKEN: u64 = 10;
/// EIP-7825 per-transaction gas cap (Osaka).
pub const TX_GAS_LIMIT_CAP: u64 = 1 << 24;
/// EIP-4844 gas per blob.
pub const GAS_PER_BLOB: u64 = 1 << 17;

/// Intrinsic gas and the EIP-7623 floor of a transaction.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IntrinsicGas {
    /// Gas charged before execution starts.
    pub initial: u64,
    /// Minimum gas the transaction is charged (EIP-7623, Prague on; zero before).
    pub floor: u64,
}

/// The number of zero bytes in `data`, eight at a time.
fn zero_bytes(data: &[u8]) -> u64 {
    let mut chunks = data.chunks_exact(8);
    let mut nonzero = 0u64;
    for chunk in &mut chunks {
        let word = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
        // A byte's high bit set iff the byte is not zero: (b & 0x7f) + 0x7f sets bit 7 for
        // any nonzero low bits, or-ed with b's own bit 7.
        const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
        let flags = ((word & LOW7).wrapping_add(LOW7) | word) & !LOW7;
        nonzero += u64::from(flags.count_ones());
    }
    let rest = chunks.remainder();
    let zeros_in_rest = rest.iter().filter(|b| **b == 0).count() as u64;
    (data.len() - rest.len()) as u64 - nonzero + zeros_in_rest
}

/// Intrinsic gas of `tx` under `fork`.
pub fn intrinsic_gas(tx: &Tx, fork: Fork) -> IntrinsicGas {
    let zeros = zero_bytes(&tx.data);
    let nonzeros = tx.data.len() as u64 - zeros;
    let nonzero_cost =
        if fork >= Fork::Istanbul { TX_DATA_NONZERO_GAS } else { TX_DATA_NONZERO_GAS_FRONTIER };
    let mut gas = TX_BASE_GAS + zeros * TX_DATA_ZERO_GAS + nonzeros * nonzero_cost;
    if tx.to.is_none() {
        if fork >= Fork::Homestead {
            gas += TX_CREATE_GAS;
        }
        if fork >= Fork::Shanghai {
            gas += INITCODE_WORD_GAS * (tx.data.len() as u64).div_ceil(32);
        }
    }
    if let Some(list) = &tx.access_list {
        for item in list {
            gas += ACCESS_LIST_ADDRESS_GAS + ACCESS_LIST_KEY_GAS * item.storage_keys.len() as u64;
        }
    }
    if let Some(auths) = &tx.authorization_list {
        gas += PER_EMPTY_ACCOUNT_COST * auths.len() as u64;
    }
    let floor = if fork >= Fork::Prague {
        let tokens = zeros + nonzeros * 4;
        TX_BASE_GAS + tokens * TOTAL_COST_FLOOR_PER_TOKEN
    } else {
        0
    };
    IntrinsicGas { initial: gas, floor }
}

/// EIP-4844/EIP-7691 blob parameters of a fork.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlobParams {
    /// Maximum blobs per block.
    pub max_blobs_per_block: u64,
    /// Maximum blobs per transaction.
    pub max_blobs_per_tx: u64,
    /// Denominator of the blob base fee exponential.
    pub update_fraction: u64,
}

impl BlobParams {
    /// The parameters of `fork`, `None` before Cancun.
    pub fn for_fork(fork: Fork) -> Option<Self> {
        match fork {
            f if f < Fork::Cancun => None,
            Fork::Cancun => Some(Self {
                max_blobs_per_block: 6,
                max_blobs_per_tx: 6,
                update_fraction: 3_338_477,
            }),
            Fork::Prague => Some(Self {
                max_blobs_per_block: 9,
                max_blobs_per_tx: 9,
                update_fraction: 5_007_716,
            }),
            // Osaka: EIP-7594 caps blobs per transaction at 6.
            _ => Some(Self {
                max_blobs_per_block: 9,
                max_blobs_per_tx: 6,
                update_fraction: 5_007_716,
            }),
        }
    }
}

/// The blob base fee for `excess_blob_gas` (EIP-4844 `fake_exponential(1, excess, fraction)`).
pub fn blob_basefee(excess_blob_gas: u64, update_fraction: u64) -> U256 {
    fake_exponential(U256::from(1), U256::from(excess_blob_gas), U256::from(update_fraction))
}

/// Integer approximation of `factor * e ** (numerator / denominator)`, saturating.
pub fn fake_exponential(factor: U256, numerator: U256, denominator: U256) -> U256 {
    if denominator.is_zero() {
        return U256::MAX;
    }
    let mut i = U256::from(1);
    let mut output = U256::ZERO;
    let Some(mut acc) = factor.checked_mul(denominator) else { return U256::MAX };
    while !acc.is_zero() {
        output = output.saturating_add(acc);
        let Some(num) = acc.checked_mul(numerator) else { return U256::MAX };
        let Some(den) = denominator.checked_mul(i) else { return U256::MAX };
        acc = num / den;
        i += U256::from(1);
    }
    output / denominator
}

#[cfg(test)]
mod tests {
    #[test]
    fn zero_bytes_counts_every_zero() {
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for len in 0..70 {
            let data: Vec<u8> = (0..len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    // Zeros, 0x80 and 0x01 (the edges of the bit trick), and any byte.
                    [0, 0x80, 0x01, x as u8][(x >> 40) as usize % 4]
                })
                .collect();
            let expected = data.iter().filter(|b| **b == 0).count() as u64;
            assert_eq!(super::zero_bytes(&data), expected, "{data:?}");
        }
    }

    use super::*;
    use crate::AccessListItem;
    use alloy_primitives::{Address, B256, Bytes};

    #[track_caller]
    fn check(tx: Tx, fork: Fork, initial: u64, floor: u64) {
        assert_eq!(intrinsic_gas(&tx, fork), IntrinsicGas { initial, floor });
    }

    #[test]
    fn plain_transfer() {
        check(Tx { to: Some(Address::ZERO), ..Tx::default() }, Fork::Cancun, 21_000, 0);
    }

    #[test]
    fn calldata_pricing_by_fork() {
        let data = Bytes::from(vec![0, 1, 0, 2]);
        let tx = Tx { to: Some(Address::ZERO), data, ..Tx::default() };
        check(tx.clone(), Fork::Petersburg, 21_000 + 8 + 136, 0);
        check(tx.clone(), Fork::Istanbul, 21_000 + 8 + 32, 0);
        check(tx, Fork::Prague, 21_000 + 8 + 32, 21_000 + 10 * (2 + 8));
    }

    #[test]
    fn creation_and_initcode_words() {
        let tx = Tx { data: Bytes::from(vec![0; 33]), ..Tx::default() };
        check(tx.clone(), Fork::Frontier, 21_000 + 132, 0);
        check(tx.clone(), Fork::Homestead, 53_000 + 132, 0);
        check(tx, Fork::Shanghai, 53_000 + 132 + 4, 0);
    }

    #[test]
    fn access_list_costs() {
        let item = AccessListItem { address: Address::ZERO, storage_keys: vec![B256::ZERO; 2] };
        let tx = Tx { to: Some(Address::ZERO), access_list: Some(vec![item]), ..Tx::default() };
        check(tx, Fork::Berlin, 21_000 + 2_400 + 3_800, 0);
    }

    #[test]
    fn blob_basefee_grows_with_excess() {
        assert_eq!(blob_basefee(0, 3_338_477), U256::from(1));
        assert_eq!(blob_basefee(10_000_000, 3_338_477), U256::from(19));
    }
}
