//! The crate's one error type. Analysis never fails; only the size limits are errors.

/// A code size limit was exceeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BytecodeError {
    /// Deployed code is larger than EIP-170 allows.
    #[error("code size {size} exceeds the EIP-170 limit of {limit} bytes")]
    CodeTooLarge {
        /// The code size in bytes.
        size: usize,
        /// The limit in bytes.
        limit: usize,
    },
    /// Initcode is larger than EIP-3860 allows.
    #[error("initcode size {size} exceeds the EIP-3860 limit of {limit} bytes")]
    InitcodeTooLarge {
        /// The initcode size in bytes.
        size: usize,
        /// The limit in bytes.
        limit: usize,
    },
    /// New code starts with the reserved 0xEF byte (EIP-3541).
    #[error("new code starts with the reserved byte 0xef (EIP-3541)")]
    ReservedPrefix,
}
