//! 0x05 MODEXP (Byzantium, EIP-198), repriced by EIP-2565 (Berlin), bounded by EIP-7823 and
//! repriced again by EIP-7883 (both Osaka).

use crate::{Fork, PrecompileError, PrecompileOutput, PrecompileResult, charge, read_padded};
use alloy_primitives::Bytes;

/// EIP-7823: from Osaka, each of the three lengths must be at most this many bytes.
const OSAKA_MAX_LEN: u64 = 1024;

/// Lengths beyond this cannot be paid for with any real gas limit; reject them as out of gas
/// before allocating, whatever `gas_limit` says.
const MAX_PAYABLE_LEN: u64 = 1 << 32;

/// Reads a 32-byte big-endian length word, saturating at `u64::MAX`.
fn read_len(input: &[u8], offset: usize) -> u64 {
    let word = read_padded::<32>(input, offset);
    if word[..24] != [0u8; 24] {
        return u64::MAX;
    }
    u64::from_be_bytes(word[24..].try_into().unwrap_or_default())
}

/// Bit length of a big-endian number.
fn bit_length(be: &[u8; 32]) -> u64 {
    match be.iter().position(|b| *b != 0) {
        Some(i) => (32 - i as u64) * 8 - u64::from(be[i].leading_zeros()),
        None => 0,
    }
}

/// The MODEXP gas cost at `fork` for the given lengths and the first 32 bytes of the exponent
/// (`exp_head`, zero-padded on the left when the exponent is shorter).
pub fn modexp_gas(
    base_len: u64,
    exp_len: u64,
    mod_len: u64,
    exp_head: &[u8; 32],
    fork: Fork,
) -> u64 {
    let x = u128::from(base_len.max(mod_len));
    let (per_byte, complexity) = if fork >= Fork::Osaka {
        // EIP-7883: at least 16, doubled above 32 bytes.
        let words = x.div_ceil(8);
        (16, if x <= 32 { 16 } else { words.saturating_mul(words).saturating_mul(2) })
    } else if fork >= Fork::Berlin {
        // EIP-2565.
        let words = x.div_ceil(8);
        (8, words.saturating_mul(words))
    } else {
        // EIP-198.
        let sq = x.saturating_mul(x);
        let c = if x <= 64 {
            sq
        } else if x <= 1024 {
            (sq / 4).saturating_add(96 * x).saturating_sub(3072)
        } else {
            (sq / 16).saturating_add(x.saturating_mul(480)).saturating_sub(199_680)
        };
        (8, c)
    };
    let head_bits = bit_length(exp_head).saturating_sub(1);
    let iterations = if exp_len <= 32 {
        u128::from(head_bits)
    } else {
        u128::from(exp_len - 32).saturating_mul(per_byte).saturating_add(u128::from(head_bits))
    }
    .max(1);
    let product = complexity.saturating_mul(iterations);
    let gas = if fork >= Fork::Osaka {
        product.max(500)
    } else if fork >= Fork::Berlin {
        (product / 3).max(200)
    } else {
        product / 20
    };
    u64::try_from(gas).unwrap_or(u64::MAX)
}

/// `input[offset..offset + len]`, zero-padded on the right past the end of `input`.
fn read_vec(input: &[u8], offset: usize, len: usize) -> Vec<u8> {
    let mut out = vec![0u8; len];
    if offset < input.len() {
        let end = input.len().min(offset.saturating_add(len));
        out[..end - offset].copy_from_slice(&input[offset..end]);
    }
    out
}

/// 0x05: `base_len || exp_len || mod_len || base || exp || mod` to `base^exp % mod`, as many bytes
/// as the modulus.
pub fn modexp(input: &[u8], gas_limit: u64, fork: Fork) -> PrecompileResult {
    let base_len = read_len(input, 0);
    let exp_len = read_len(input, 32);
    let mod_len = read_len(input, 64);
    if fork >= Fork::Osaka
        && (base_len > OSAKA_MAX_LEN || exp_len > OSAKA_MAX_LEN || mod_len > OSAKA_MAX_LEN)
    {
        return Err(PrecompileError::ModexpLengthTooLarge);
    }

    // The exponent head sits at 96 + base_len; it is all zeros if that lies past the input.
    let exp_start = 96u64.saturating_add(base_len);
    let head_len = exp_len.min(32) as usize;
    let mut exp_head = [0u8; 32];
    if let Ok(start) = usize::try_from(exp_start) {
        let head = read_padded::<32>(input, start);
        exp_head[32 - head_len..].copy_from_slice(&head[..head_len]);
    }
    let gas = charge(modexp_gas(base_len, exp_len, mod_len, &exp_head, fork), gas_limit)?;

    if base_len == 0 && mod_len == 0 {
        return Ok(PrecompileOutput::new(gas, Bytes::new()));
    }
    if base_len > MAX_PAYABLE_LEN || exp_len > MAX_PAYABLE_LEN || mod_len > MAX_PAYABLE_LEN {
        return Err(PrecompileError::OutOfGas);
    }
    let (base_len, exp_len, mod_len) = (base_len as usize, exp_len as usize, mod_len as usize);
    let exp_start = 96 + base_len;
    let mod_start = exp_start + exp_len;
    let modulus = read_vec(input, mod_start, mod_len);
    let mut output = vec![0u8; mod_len];
    if modulus.iter().any(|b| *b != 0) {
        let base = read_vec(input, 96, base_len);
        let exponent = read_vec(input, exp_start, exp_len);
        let result = aurora_engine_modexp::modexp(&base, &exponent, &modulus);
        // The result is below the modulus, so it fits; strip any leading zeros defensively.
        let significant = result.iter().position(|b| *b != 0).map_or(&[][..], |i| &result[i..]);
        if significant.len() <= mod_len {
            output[mod_len - significant.len()..].copy_from_slice(significant);
        }
    }
    Ok(PrecompileOutput::new(gas, output))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::{check, run};

    fn input(base: &str, exp: &str, modulus: &str) -> String {
        format!(
            "{:064x}{:064x}{:064x}{base}{exp}{modulus}",
            base.len() / 2,
            exp.len() / 2,
            modulus.len() / 2
        )
    }

    #[test]
    fn eip198_fermat_example() {
        // EIP-198: 3^(p-1) mod p = 1 for the secp256k1 field prime p.
        let p = "fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f";
        let e = "fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2e";
        let one = format!("{:064x}", 1);
        check(modexp, &input("03", e, p), &one, 13056, Fork::Byzantium);
        // EIP-2565: words = 4, complexity 16, iterations 255 -> 16 * 255 / 3 = 1360.
        check(modexp, &input("03", e, p), &one, 1360, Fork::Berlin);
        // EIP-7883: complexity 16 (at most 32 bytes), 16 * 255 = 4080.
        check(modexp, &input("03", e, p), &one, 4080, Fork::Osaka);
    }

    #[test]
    fn zero_modulus_and_empty_input() {
        check(modexp, &input("03", "05", "00"), "00", 0, Fork::Byzantium);
        check(modexp, "", "", 0, Fork::Byzantium);
        check(modexp, "", "", 200, Fork::Berlin);
        check(modexp, "", "", 500, Fork::Osaka);
    }

    #[test]
    fn truncated_input_is_zero_padded() {
        // base_len 1, exp_len 1, mod_len 2 with the modulus cut to one byte: 0x07 becomes 0x0700.
        let full = format!("{:064x}{:064x}{:064x}020307", 1, 1, 2);
        // 2^3 mod 0x0700 = 8
        let out = run(modexp, &full, Fork::Berlin).unwrap();
        assert_eq!(hex::encode(&out.output), "0008");
    }

    #[test]
    fn huge_lengths_run_out_of_gas_or_fail() {
        let huge = format!("{:064x}{:064x}{:064x}", 0, 0, u64::MAX);
        assert_eq!(
            modexp(&hex::decode(&huge).unwrap(), 10_000_000, Fork::Berlin),
            Err(PrecompileError::OutOfGas)
        );
        let big_word = format!("{}{:064x}{:064x}", "ff".repeat(32), 0, 1);
        assert_eq!(
            modexp(&hex::decode(&big_word).unwrap(), u64::MAX, Fork::Byzantium),
            Err(PrecompileError::OutOfGas)
        );
        // Zero base and modulus lengths with a huge exponent length: free before Berlin.
        let huge_exp = format!("{:064x}{}{:064x}", 0, "ff".repeat(32), 0);
        check(modexp, &huge_exp, "", 0, Fork::Byzantium);
        assert_eq!(run(modexp, &huge_exp, Fork::Osaka), Err(PrecompileError::ModexpLengthTooLarge));
    }

    #[test]
    fn eip7823_bounds() {
        let at_limit = format!("{:064x}{:064x}{:064x}", 1024, 0, 0);
        assert!(run(modexp, &at_limit, Fork::Osaka).is_ok());
        for (b, e, m) in [(1025, 0, 0), (0, 1025, 0), (0, 0, 1025)] {
            let over = format!("{b:064x}{e:064x}{m:064x}");
            assert_eq!(run(modexp, &over, Fork::Osaka), Err(PrecompileError::ModexpLengthTooLarge));
            assert_ne!(
                run(modexp, &over, Fork::Prague),
                Err(PrecompileError::ModexpLengthTooLarge)
            );
        }
    }
}
