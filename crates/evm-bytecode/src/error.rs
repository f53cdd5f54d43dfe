//! The crate's one error type. Analysis never fails; only the size limits and custom opcode
//! registration ([`OpcodeTable::with_custom`](crate::OpcodeTable::with_custom)) are errors.

/// A code size limit was exceeded, or a custom opcode was refused.
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
    /// A custom opcode cannot replace a byte that takes immediates (PUSH1..PUSH32): which bytes
    /// are push data decides the valid jump destinations, and that is consensus.
    #[error("opcode 0x{opcode:02x} takes immediate bytes and cannot become a custom opcode")]
    CustomOpcodeHasImmediates {
        /// The opcode byte.
        opcode: u8,
    },
    /// A custom opcode needs a name.
    #[error("custom opcode 0x{opcode:02x} has an empty name")]
    EmptyOpcodeName {
        /// The opcode byte.
        opcode: u8,
    },
    /// Custom opcode names are ASCII uppercase letters, digits and underscores.
    #[error(
        "custom opcode 0x{opcode:02x} name contains {found:?}; \
         names are ASCII uppercase letters, digits and underscores"
    )]
    InvalidOpcodeName {
        /// The opcode byte.
        opcode: u8,
        /// The first character that is not allowed.
        found: char,
    },
    /// The name is `UNDEFINED` or an alias of a standard opcode (`SHA3`, `DIFFICULTY`), which
    /// lookups by name and the disassembler already give a meaning.
    #[error("custom opcode 0x{opcode:02x} name is reserved")]
    ReservedOpcodeName {
        /// The opcode byte.
        opcode: u8,
    },
    /// Another byte of the table already has this name, so lookups by name and disassembly
    /// would be ambiguous.
    #[error("custom opcode 0x{opcode:02x} name is already used by opcode 0x{existing:02x}")]
    DuplicateOpcodeName {
        /// The opcode byte.
        opcode: u8,
        /// The byte that has the name.
        existing: u8,
    },
}
