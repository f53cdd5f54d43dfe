//! The SDK's error: the negative [`status`](crate::status) codes as a `Copy` enum.

use crate::abi::status;

/// A failed host call or callback: one negative `status` code each.
///
/// Callbacks return it to halt (opcodes), fail (precompiles) or report an error (hooks); host
/// functions return it when they refuse. [`Error::code`] gives the ABI value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(i32)]
#[non_exhaustive]
pub enum Error {
    /// `ERR_INVALID`: an invalid argument (null pointer, index out of range, bad fork).
    Invalid = status::ERR_INVALID,
    /// `ERR_UNSUPPORTED`: the host function does not apply in this callback's context.
    Unsupported = status::ERR_UNSUPPORTED,
    /// `ERR_PANIC`: a callback panicked (the SDK caught it).
    Panic = status::ERR_PANIC,
    /// `ERR_REFUSED`: an undeclared capability, or a write in a static context.
    Refused = status::ERR_REFUSED,
    /// `ERR_OUT_OF_GAS`: not enough gas.
    OutOfGas = status::ERR_OUT_OF_GAS,
    /// `ERR_STACK`: stack underflow or overflow.
    Stack = status::ERR_STACK,
    /// `ERR_MEMORY`: a memory range the frame may not touch.
    Memory = status::ERR_MEMORY,
    /// `ERR_FAILED`: the plugin's own failure (precompile failure, opcode halt).
    Failed = status::ERR_FAILED,
}

impl Error {
    /// The ABI `status` code (negative).
    pub const fn code(self) -> i32 {
        self as i32
    }

    /// The error for a negative `status`; unknown negative codes (from a newer host) map to
    /// [`Error::Failed`]. `None` for non-negative codes, which are not errors.
    pub const fn from_code(code: i32) -> Option<Self> {
        Some(match code {
            0.. => return None,
            status::ERR_INVALID => Self::Invalid,
            status::ERR_UNSUPPORTED => Self::Unsupported,
            status::ERR_PANIC => Self::Panic,
            status::ERR_REFUSED => Self::Refused,
            status::ERR_OUT_OF_GAS => Self::OutOfGas,
            status::ERR_STACK => Self::Stack,
            status::ERR_MEMORY => Self::Memory,
            _ => Self::Failed,
        })
    }

    /// `Ok(code)` for a non-negative `status`, the error otherwise.
    pub(crate) const fn check(code: i32) -> Result<i32, Self> {
        match Self::from_code(code) {
            None => Ok(code),
            Some(error) => Err(error),
        }
    }
}

impl core::fmt::Display for Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::Invalid => "invalid argument",
            Self::Unsupported => "not supported in this context",
            Self::Panic => "plugin callback panicked",
            Self::Refused => "refused by the host",
            Self::OutOfGas => "out of gas",
            Self::Stack => "stack underflow or overflow",
            Self::Memory => "memory range out of bounds",
            Self::Failed => "plugin failure",
        })
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_round_trips() {
        let all = [
            Error::Invalid,
            Error::Unsupported,
            Error::Panic,
            Error::Refused,
            Error::OutOfGas,
            Error::Stack,
            Error::Memory,
            Error::Failed,
        ];
        for e in all {
            assert!(e.code() < 0);
            assert_eq!(Error::from_code(e.code()), Some(e));
        }
        assert_eq!(Error::from_code(status::OK), None);
        assert_eq!(Error::from_code(status::REVERT), None);
        assert_eq!(Error::from_code(-1000), Some(Error::Failed));
        assert_eq!(Error::check(3), Ok(3));
        assert_eq!(Error::check(-5), Err(Error::OutOfGas));
    }
}
