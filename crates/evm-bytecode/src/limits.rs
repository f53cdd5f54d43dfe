//! Code size limits as typed checks: EIP-170 (deployed code), EIP-3860 (initcode) and
//! EIP-3541 (the reserved 0xEF prefix). Which fork enables each check is the caller's business.

use crate::error::BytecodeError;

/// EIP-170: maximum size of deployed code, in bytes.
pub const MAX_CODE_SIZE: usize = 0x6000;
/// EIP-3860: maximum size of initcode, in bytes (twice [`MAX_CODE_SIZE`]).
pub const MAX_INITCODE_SIZE: usize = 2 * MAX_CODE_SIZE;
/// EIP-3860: gas charged per 32-byte word of initcode.
pub const INITCODE_WORD_GAS: u64 = 2;

/// Checks deployed code against EIP-170.
pub const fn check_code_size(size: usize) -> Result<(), BytecodeError> {
    if size > MAX_CODE_SIZE {
        return Err(BytecodeError::CodeTooLarge { size, limit: MAX_CODE_SIZE });
    }
    Ok(())
}

/// Checks initcode against EIP-3860.
pub const fn check_initcode_size(size: usize) -> Result<(), BytecodeError> {
    if size > MAX_INITCODE_SIZE {
        return Err(BytecodeError::InitcodeTooLarge { size, limit: MAX_INITCODE_SIZE });
    }
    Ok(())
}

/// Checks that new code does not start with 0xEF (EIP-3541).
pub const fn check_new_code_prefix(code: &[u8]) -> Result<(), BytecodeError> {
    match code.first() {
        Some(0xef) => Err(BytecodeError::ReservedPrefix),
        _ => Ok(()),
    }
}

/// EIP-3860 initcode gas: [`INITCODE_WORD_GAS`] per started 32-byte word (saturating).
pub const fn initcode_word_gas(size: usize) -> u64 {
    let words = size.div_ceil(32) as u64;
    words.saturating_mul(INITCODE_WORD_GAS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_size_limit() {
        assert_eq!(check_code_size(24_576), Ok(()));
        let err = check_code_size(24_577).unwrap_err();
        assert_eq!(err, BytecodeError::CodeTooLarge { size: 24_577, limit: 24_576 });
        assert_eq!(err.to_string(), "code size 24577 exceeds the EIP-170 limit of 24576 bytes");
    }

    #[test]
    fn initcode_size_limit() {
        assert_eq!(check_initcode_size(49_152), Ok(()));
        let err = check_initcode_size(49_153).unwrap_err();
        assert_eq!(err, BytecodeError::InitcodeTooLarge { size: 49_153, limit: 49_152 });
        assert!(err.to_string().contains("49153") && err.to_string().contains("49152"));
    }

    #[test]
    fn initcode_gas_per_word() {
        assert_eq!(initcode_word_gas(0), 0);
        assert_eq!(initcode_word_gas(1), 2);
        assert_eq!(initcode_word_gas(32), 2);
        assert_eq!(initcode_word_gas(33), 4);
        assert_eq!(initcode_word_gas(MAX_INITCODE_SIZE), 3072);
    }

    #[test]
    fn reserved_prefix() {
        assert_eq!(check_new_code_prefix(&[0xef, 0x00]), Err(BytecodeError::ReservedPrefix));
        assert_eq!(check_new_code_prefix(&[]), Ok(()));
        assert_eq!(check_new_code_prefix(&[0x60]), Ok(()));
    }
}
