//! Legacy code analysis: JUMPDEST and instruction-start bitmaps, the padded copy, code hash.
//!
//! Padding contract (written once, here): `AnalyzedCode::padded()` is the original code
//! followed by at least [`PADDING`] zero bytes, so a truncated PUSH32 at the end reads zeros and
//! the last instruction is always followed by STOP (0x00). Analysis cannot fail.

use alloy_primitives::{B256, Bytes, keccak256};
use bitvec::vec::BitVec;

use crate::opcode::opcode;

/// Zero bytes appended after the code: one PUSH32 immediate plus a trailing STOP.
pub const PADDING: usize = 33;

/// Analysed legacy bytecode, ready for execution.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnalyzedCode {
    original: Bytes,
    padded: Vec<u8>,
    jumpdests: BitVec<u8>,
    hash: B256,
}

impl AnalyzedCode {
    /// Analyses `code`. Never fails: any byte string is valid legacy code.
    pub fn new(code: impl Into<Bytes>) -> Self {
        let original: Bytes = code.into();
        let hash = keccak256(&original);
        Self::with_hash(original, hash)
    }

    /// Analyses `code` whose keccak256 hash the caller already knows.
    pub fn with_hash(code: impl Into<Bytes>, hash: B256) -> Self {
        let original: Bytes = code.into();
        let mut padded = Vec::with_capacity(original.len() + PADDING);
        padded.extend_from_slice(&original);
        padded.resize(original.len() + PADDING, 0);
        let jumpdests = jumpdest_bitmap(&original);
        Self { original, padded, jumpdests, hash }
    }

    /// The code as given.
    #[inline]
    pub fn original(&self) -> &Bytes {
        &self.original
    }

    /// The code followed by at least [`PADDING`] zero bytes.
    #[inline]
    pub fn padded(&self) -> &[u8] {
        &self.padded
    }

    /// Length of the original code.
    #[inline]
    pub fn len(&self) -> usize {
        self.original.len()
    }

    /// Whether the code is empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.original.is_empty()
    }

    /// keccak256 of the original code.
    #[inline]
    pub fn hash(&self) -> B256 {
        self.hash
    }

    /// Whether `pc` is a JUMPDEST that is not inside PUSH data. O(1).
    #[inline]
    pub fn is_valid_jump(&self, pc: usize) -> bool {
        self.jumpdests.get(pc).is_some_and(|b| *b)
    }

    /// The JUMPDEST bitmap, one bit per code byte.
    #[inline]
    pub fn jumpdests(&self) -> &BitVec<u8> {
        &self.jumpdests
    }
}

/// Computes the JUMPDEST bitmap with a byte loop.
pub fn jumpdest_bitmap(code: &[u8]) -> BitVec<u8> {
    let mut bits = BitVec::repeat(false, code.len());
    let mut pc = 0;
    while pc < code.len() {
        let op = code[pc];
        if op == opcode::JUMPDEST {
            bits.set(pc, true);
            pc += 1;
        } else if (opcode::PUSH1..=opcode::PUSH32).contains(&op) {
            pc += 1 + (op - opcode::PUSH0) as usize;
        } else {
            pc += 1;
        }
    }
    bits
}
