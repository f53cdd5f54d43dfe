//! 32-byte big-endian words and 20-byte addresses, as the ABI passes them, with conversions.

/// A 256-bit EVM word, big-endian (byte 0 is the most significant).
pub type Word = [u8; 32];
/// A 20-byte account address.
pub type Address = [u8; 20];

/// The word holding `value`.
pub const fn word_from_u64(value: u64) -> Word {
    word_from_u128(value as u128)
}

/// The word holding `value`.
pub const fn word_from_u128(value: u128) -> Word {
    let bytes = value.to_be_bytes();
    let mut word = [0; 32];
    let mut i = 0;
    while i < 16 {
        word[16 + i] = bytes[i];
        i += 1;
    }
    word
}

/// The word's value, or `None` when it does not fit in a `u64`.
pub fn word_to_u64(word: &Word) -> Option<u64> {
    let (high, low) = word.split_at(24);
    let low: [u8; 8] = low.try_into().ok()?;
    high.iter().all(|&b| b == 0).then(|| u64::from_be_bytes(low))
}

/// The word's value, or `None` when it does not fit in a `u128`.
pub fn word_to_u128(word: &Word) -> Option<u128> {
    let (high, low) = word.split_at(16);
    let low: [u8; 16] = low.try_into().ok()?;
    high.iter().all(|&b| b == 0).then(|| u128::from_be_bytes(low))
}

/// The address as a word: twelve zero bytes, then the address (as `CALLER` pushes it).
pub fn address_to_word(address: &Address) -> Word {
    let mut word = [0; 32];
    word[12..].copy_from_slice(address);
    word
}

/// The low 20 bytes of the word (as `CALL` reads an address operand).
pub fn word_to_address(word: &Word) -> Address {
    let mut address = [0; 20];
    address.copy_from_slice(&word[12..]);
    address
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn u64_round_trips_and_is_big_endian() {
        for v in [0, 1, 0xff, 0x0102_0304_0506_0708, u64::MAX] {
            assert_eq!(word_to_u64(&word_from_u64(v)), Some(v));
            assert_eq!(word_to_u128(&word_from_u64(v)), Some(u128::from(v)));
        }
        let w = word_from_u64(0x0102);
        assert_eq!((w[30], w[31]), (1, 2));
        assert!(w[..30].iter().all(|&b| b == 0));
    }

    #[test]
    fn u128_round_trips_and_too_large_values_are_none() {
        for v in [0, 1, u128::from(u64::MAX) + 1, u128::MAX] {
            assert_eq!(word_to_u128(&word_from_u128(v)), Some(v));
        }
        assert_eq!(word_to_u64(&word_from_u128(u128::from(u64::MAX) + 1)), None);
        let mut w = [0; 32];
        w[15] = 1;
        assert_eq!(word_to_u128(&w), None);
        assert_eq!(word_to_u64(&[0xff; 32]), None);
    }

    #[test]
    fn address_round_trips_through_a_word() {
        let a: Address = core::array::from_fn(|i| i as u8 + 1);
        let w = address_to_word(&a);
        assert!(w[..12].iter().all(|&b| b == 0));
        assert_eq!(word_to_address(&w), a);
    }
}
