//! One executing call frame: what instructions read and write.
//!
//! A `Frame` borrows the shared memory and the host for the duration of `Interpreter::run`.
//! Helpers here charge gas and expand memory; instructions do everything else.

use alloy_primitives::{Address, B256, Bytes, U256};
use evm_bytecode::{AnalyzedCode, Fork};

use crate::gas;
use crate::hooks::FrameView;
use crate::host::Host;
use crate::interpreter::{Exit, FrameInput};
use crate::memory::{MAX_CONTEXT_SIZE, SharedMemory};
use crate::stack::Stack;

/// The state of one running frame.
#[derive(Debug)]
pub struct Frame<'a, H: Host> {
    /// Operand stack.
    pub stack: Stack,
    /// The shared memory, with this frame's context open.
    pub memory: &'a mut SharedMemory,
    /// The host.
    pub host: &'a mut H,
    /// What the frame started with (address, caller, value, call data, static flag, depth).
    pub input: &'a FrameInput,
    /// The code being run.
    pub code: &'a AnalyzedCode,
    /// The padded code (`code.padded()`), read by dispatch and PUSH.
    pub bytes: &'a [u8],
    /// Index of the next byte to read: while an instruction runs, one past its opcode.
    pub pc: usize,
    /// Gas left.
    pub gas_left: u64,
    /// Refund counter (may go negative inside a frame under EIP-1283/2200).
    pub gas_refund: i64,
    /// Fork rules.
    pub fork: Fork,
    /// Output of the last sub-call or creation (RETURNDATASIZE/RETURNDATACOPY).
    pub return_data: Bytes,
    /// RETURN or REVERT data of this frame.
    pub output: Bytes,
}

/// Grows `memory` to cover `end` bytes (more than it has), charging the expansion to
/// `gas_left`; for callers that hold the stack borrowed (the dispatch loop).
#[inline(never)]
pub(crate) fn grow_memory(
    memory: &mut SharedMemory,
    gas_left: &mut u64,
    end: usize,
) -> Result<(), Exit> {
    if end as u64 > MAX_CONTEXT_SIZE {
        return Err(Exit::OutOfGas);
    }
    let old_words = (memory.len() / 32) as u64;
    let new_words = gas::words(end as u64);
    let cost = gas::memory_cost(new_words) - gas::memory_cost(old_words);
    *gas_left = match gas_left.checked_sub(cost) {
        Some(left) => left,
        None => {
            core::hint::cold_path();
            return Err(Exit::OutOfGas);
        }
    };
    memory.resize(new_words as usize * 32);
    Ok(())
}

/// Converts a stack word to an address (the low 20 bytes).
#[inline]
pub fn to_address(word: U256) -> Address {
    Address::from_word(B256::from(word))
}

/// Converts an address to a stack word.
#[inline]
pub fn from_address(address: Address) -> U256 {
    U256::from_be_bytes(address.into_word().0)
}

/// Converts a stack word to `usize`, saturating (for offsets into data that zero-fills).
#[inline]
pub fn saturating_usize(word: U256) -> usize {
    let limbs = word.as_limbs();
    if limbs[1] != 0 || limbs[2] != 0 || limbs[3] != 0 {
        return usize::MAX;
    }
    usize::try_from(limbs[0]).unwrap_or(usize::MAX)
}

/// Converts a stack word to `u64`, `None` if it does not fit.
#[inline]
pub fn to_u64(word: U256) -> Option<u64> {
    let limbs = word.as_limbs();
    if limbs[1] != 0 || limbs[2] != 0 || limbs[3] != 0 {
        return None;
    }
    Some(limbs[0])
}

impl<H: Host> Frame<'_, H> {
    /// Charges `cost`, halting with out of gas when it is not available.
    #[inline(always)]
    pub fn charge(&mut self, cost: u64) -> Result<(), Exit> {
        match self.gas_left.checked_sub(cost) {
            Some(left) => {
                self.gas_left = left;
                Ok(())
            }
            None => {
                core::hint::cold_path();
                Err(Exit::OutOfGas)
            }
        }
    }

    /// A memory range from stack words: `None` when `len` is zero (no expansion, offset
    /// ignored), otherwise the end offset. Words that do not fit, or a range past
    /// [`MAX_CONTEXT_SIZE`], halt with out of gas.
    #[inline]
    pub fn mem_range(offset: U256, len: U256) -> Result<Option<(usize, usize)>, Exit> {
        if len.is_zero() {
            return Ok(None);
        }
        let (Some(offset), Some(len)) = (to_u64(offset), to_u64(len)) else {
            core::hint::cold_path();
            return Err(Exit::OutOfGas);
        };
        match offset.checked_add(len) {
            Some(end) if end <= MAX_CONTEXT_SIZE => Ok(Some((offset as usize, len as usize))),
            _ => {
                core::hint::cold_path();
                Err(Exit::OutOfGas)
            }
        }
    }

    /// The byte offset of a fixed-size access (`SIZE` bytes: MLOAD, MSTORE, MSTORE8) at the
    /// stack word `offset`; `None` (out of gas) when the access would end past
    /// [`MAX_CONTEXT_SIZE`]. Two compares, no word built for the size.
    #[inline(always)]
    pub fn fixed_range<const SIZE: u64>(offset: U256) -> Option<usize> {
        let l = offset.as_limbs();
        if l[1] | l[2] | l[3] != 0 || l[0] > MAX_CONTEXT_SIZE - SIZE {
            core::hint::cold_path();
            return None;
        }
        Some(l[0] as usize)
    }

    /// Expands memory to cover `end` bytes, charging the expansion cost.
    #[inline]
    pub fn expand_to(&mut self, end: usize) -> Result<(), Exit> {
        let current = self.memory.len();
        if end <= current {
            return Ok(());
        }
        self.grow(end)
    }

    fn grow(&mut self, end: usize) -> Result<(), Exit> {
        grow_memory(self.memory, &mut self.gas_left, end)
    }

    /// Expands memory for `(offset, len)` stack words, returning the range (`len` zero when
    /// nothing is touched).
    #[inline]
    pub fn resize_memory(&mut self, offset: U256, len: U256) -> Result<(usize, usize), Exit> {
        match Self::mem_range(offset, len)? {
            None => Ok((0, 0)),
            Some((offset, len)) => {
                self.expand_to(offset + len)?;
                Ok((offset, len))
            }
        }
    }

    /// Halts when the frame is static (state-changing opcodes).
    #[inline]
    pub fn require_non_static(&self) -> Result<(), Exit> {
        if self.input.is_static {
            core::hint::cold_path();
            return Err(Exit::StateChangeDuringStaticCall);
        }
        Ok(())
    }

    /// The frame's current address.
    #[inline]
    pub fn address(&self) -> Address {
        self.input.address
    }

    /// A read-only view for hooks, `pc` and `opcode` being those of the current instruction.
    #[inline]
    pub fn view(&self, pc: usize, opcode: u8) -> FrameView<'_> {
        FrameView {
            pc,
            opcode,
            gas_left: self.gas_left,
            stack: self.stack.as_slice(),
            memory: self.memory.context(),
            depth: self.input.depth,
            address: self.input.address,
            is_static: self.input.is_static,
        }
    }
}
