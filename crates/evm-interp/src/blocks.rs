//! Basic blocks of legacy code, for the block-checked dispatch loop (`dispatch::run_blocks`).
//!
//! A block is a run of *block opcodes* (the ones that loop inlines: arithmetic, comparisons,
//! bit logic, PUSH/DUP/SWAP/POP, MLOAD/MSTORE/MSTORE8, PC, JUMPDEST, and the terminators
//! STOP, JUMP, JUMPI, GAS). It starts at a *leader*: pc 0, a JUMPDEST, or the instruction after
//! a terminator or after any other opcode; it ends at its first terminator, before the next
//! JUMPDEST, or before any other opcode. Every other opcode stands alone and is checked one by
//! one, as in the other loops.
//!
//! For each block the table keeps one [`OpEntry`]: the sum of its static gas, and the stack
//! heights at its start for which no instruction in it underflows or overflows. The loop checks
//! and charges that once at the leader; when the check fails, the block (and the rest of the
//! frame) runs in the per-instruction loop, so every halt is the one it would be instruction by
//! instruction. Since a checked block can only stop early by running out of gas in a memory
//! expansion, after which the frame ends in `OutOfGas` all the same, charging the block up
//! front changes no result; GAS ends its block, so it reads the exact gas left.
//!
//! The static gas and stack effects of block opcodes are the same in every fork from Shanghai
//! on (PUSH0 and the shifts exist in all of them), which is where the block loop runs; a test
//! checks this against the fork tables.

use evm_bytecode::opcode::{self as opcodes, opcode as op};
use evm_bytecode::{AnalyzedCode, Fork};

use crate::spec::{FORK_TABLES, OpEntry};
use crate::stack::STACK_LIMIT;

/// The first fork whose block opcodes all exist with the gas the table is built with.
pub(crate) const FIRST_FORK: Fork = Fork::Shanghai;

/// Whether `opcode` belongs in a block (the block loop inlines it).
#[inline(always)]
pub(crate) const fn is_block_opcode(opcode: u8) -> bool {
    matches!(opcode,
        op::STOP..=op::MULMOD
        | op::SIGNEXTEND
        | op::LT..=op::SAR
        | op::POP..=op::MSTORE8
        | op::JUMP..=op::JUMPDEST
        | op::PUSH0..=op::SWAP16)
}

/// Whether `opcode` ends its block (the instruction after it is a leader).
#[inline(always)]
pub(crate) const fn is_terminator(opcode: u8) -> bool {
    matches!(opcode, op::STOP | op::JUMP | op::JUMPI | op::GAS)
}

/// The blocks of one code: an entry per block, found from the leader's pc in two loads.
#[derive(Debug)]
pub(crate) struct Blocks {
    /// For each 256-byte chunk of the padded code, the index of its first block.
    base: Vec<u32>,
    /// For each pc that is a leader, its block's index minus its chunk's `base`.
    offset: Vec<u8>,
    /// The blocks in code order.
    entries: Vec<OpEntry>,
}

impl Blocks {
    /// No blocks: for the loop that checks every instruction (it never looks).
    pub(crate) const NONE: Self =
        Self { base: Vec::new(), offset: Vec::new(), entries: Vec::new() };

    /// The blocks of `code`, derived once per analysed code.
    pub(crate) fn of(code: &AnalyzedCode) -> Option<&Self> {
        code.derived(Self::new)
    }

    /// Builds the table (one pass over the instructions).
    pub(crate) fn new(code: &AnalyzedCode) -> Self {
        let bytes = code.padded();
        let len = code.len();
        let table = &FORK_TABLES[FIRST_FORK as usize];
        let mut base = vec![0u32; bytes.len().div_ceil(256)];
        let mut offset = vec![0u8; bytes.len()];
        let mut entries = Vec::new();
        let mut open: Option<Block> = None;
        // The chunk of the last leader: the first leader of a chunk sets the chunk's base.
        let mut chunk_of_last = usize::MAX;
        let mut pc = 0;
        // One past the last instruction of the code: the STOP in the padding.
        loop {
            let opcode = if pc < len { bytes[pc] } else { op::STOP };
            if !is_block_opcode(opcode) {
                if let Some(block) = open.take() {
                    entries.push(block.entry());
                }
            } else {
                if opcode == op::JUMPDEST
                    && let Some(block) = open.take()
                {
                    entries.push(block.entry());
                }
                let block = match open.as_mut() {
                    Some(block) => block,
                    None => {
                        let index = entries.len() as u32;
                        let chunk = pc / 256;
                        if chunk != chunk_of_last {
                            base[chunk] = index;
                            chunk_of_last = chunk;
                        }
                        // `index - base` is below 256: a chunk holds at most 256 leaders.
                        offset[pc] = (index - base[chunk]) as u8;
                        open.insert(Block::default())
                    }
                };
                let info = opcodes::info(opcode);
                block.add(table.gas[opcode as usize], info.pops, info.pushes);
                if is_terminator(opcode) {
                    entries.push(block.entry());
                    open = None;
                }
            }
            if pc >= len {
                break;
            }
            pc += 1 + opcodes::info(opcode).immediate as usize;
        }
        if let Some(block) = open.take() {
            entries.push(block.entry());
        }
        // Chunks without a leader keep the base of the chunk before (never read).
        Self { base, offset, entries }
    }

    /// The entry of the block whose leader is `pc`.
    #[inline(always)]
    pub(crate) fn at(&self, pc: usize) -> OpEntry {
        let index = self.base[pc / 256] as usize + self.offset[pc] as usize;
        self.entries[index]
    }
}

/// A block being built: its gas and the stack heights it needs.
#[derive(Clone, Copy, Debug, Default)]
struct Block {
    gas: u64,
    /// Height relative to the block's start after the instructions so far.
    height: i32,
    /// Items the block needs on the stack at its start.
    need: i32,
    /// Highest relative height after any instruction so far.
    peak: i32,
}

impl Block {
    fn add(&mut self, gas: u16, pops: u8, pushes: u8) {
        self.gas += u64::from(gas);
        self.need = self.need.max(i32::from(pops) - self.height);
        self.height += i32::from(pushes) - i32::from(pops);
        self.peak = self.peak.max(self.height);
    }

    /// The block as one check: heights `need..=STACK_LIMIT - peak` at its start.
    fn entry(self) -> OpEntry {
        let max = STACK_LIMIT as i32 - self.peak;
        let gas = u32::try_from(self.gas).unwrap_or(u32::MAX);
        if self.need > max {
            // No start height works: the check always fails and the block runs one
            // instruction at a time (which finds the exact halt).
            return OpEntry { gas, stack_min: OpEntry::UNDEFINED_MIN, stack_span: 0 };
        }
        OpEntry { gas, stack_min: self.need as u16, stack_span: (max - self.need) as u16 }
    }
}
