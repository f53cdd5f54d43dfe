//! Basic blocks of legacy code, for the block-checked dispatch loop (`dispatch::run_blocks`).
//!
//! A block is a run of *block opcodes* (the ones that loop inlines: arithmetic, comparisons,
//! bit logic, PUSH/DUP/SWAP/POP, MLOAD/MSTORE/MSTORE8, MSIZE, PC, JUMPDEST, and the terminators
//! STOP, JUMP, JUMPI, GAS). It starts at a *leader*: pc 0, a JUMPDEST, or the instruction after
//! a terminator or after any other opcode; it ends at its first terminator or before any other
//! opcode. A JUMPDEST inside a run starts a block of its own (for jumps to it) and is also part
//! of the block it falls through from, so falling through it costs nothing: blocks overlap, and
//! the table keeps the summary from each leader to the end. Every other opcode stands alone and
//! is checked one by one, as in the other loops.
//!
//! For each block the table keeps one [`OpEntry`]: the sum of its static gas, and the stack
//! heights at its start for which no instruction in it underflows or overflows. The loop checks
//! and charges that once at the leader; when the check fails, the block (and the rest of the
//! frame) runs in the per-instruction loop, so every halt is the one it would be instruction by
//! instruction. Since a checked block can only stop early by running out of gas in a memory
//! expansion, after which the frame ends in `OutOfGas` all the same, charging the block up
//! front changes no result; GAS ends its block, so it reads the exact gas left.
//!
//! The table also holds the code the block loop dispatches on: the padded code with some
//! short runs of block opcodes inside a block rewritten, at their first instruction's byte,
//! into one *fused* opcode (see [`fused`]): the arm does the run's work and steps past it.
//! Only instruction starts are rewritten and the rest of each run stays in place, so every
//! pc means what it means in the code, and the per-instruction loop and the table
//! instructions go on reading the code itself. A fused jump's destination was checked when
//! the table was built. The fused values are opcodes undefined in every fork (a test checks
//! this), and a code's own instruction with one of those values is rewritten to
//! [`fused::UNDEFINED`], so it halts as it would.
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

/// The fused opcodes of the block loop's code (see the module documentation), each named
/// after the run it stands for. All are undefined in every fork.
pub(crate) mod fused {
    /// PUSH2 d, JUMP, with d a JUMPDEST.
    pub(crate) const PUSH2_JUMP: u8 = 0xb0;
    /// PUSH2 d, JUMPI, with d a JUMPDEST.
    pub(crate) const PUSH2_JUMPI: u8 = 0xb1;
    /// ISZERO, PUSH2 d, JUMPI, with d a JUMPDEST.
    pub(crate) const ISZERO_PUSH2_JUMPI: u8 = 0xb2;
    /// SWAP1, POP.
    pub(crate) const SWAP1_POP: u8 = 0xb3;
    /// SWAP2, POP.
    pub(crate) const SWAP2_POP: u8 = 0xb4;
    /// PUSH1 n, ADD.
    pub(crate) const PUSH1_ADD: u8 = 0xb5;
    /// POP, POP.
    pub(crate) const POP_POP: u8 = 0xb6;
    /// PUSH1 n, SHL.
    pub(crate) const PUSH1_SHL: u8 = 0xb7;
    /// PUSH1 n, SHR.
    pub(crate) const PUSH1_SHR: u8 = 0xb8;
    /// PUSH1 n, MLOAD.
    pub(crate) const PUSH1_MLOAD: u8 = 0xb9;
    /// PUSH2 n, MLOAD.
    pub(crate) const PUSH2_MLOAD: u8 = 0xba;
    /// PUSH1 n, MSTORE.
    pub(crate) const PUSH1_MSTORE: u8 = 0xbb;
    /// PUSH2 n, MSTORE.
    pub(crate) const PUSH2_MSTORE: u8 = 0xbc;
    /// PUSH1 n, DUP2.
    pub(crate) const PUSH1_DUP2: u8 = 0xbd;
    /// DUP2, PUSH2 d, JUMPI, with d a JUMPDEST.
    pub(crate) const DUP2_PUSH2_JUMPI: u8 = 0xbe;
    /// ADD, MLOAD.
    pub(crate) const ADD_MLOAD: u8 = 0xbf;
    /// DUP2, MSTORE.
    pub(crate) const DUP2_MSTORE: u8 = 0xc0;
    /// MUL, ADD.
    pub(crate) const MUL_ADD: u8 = 0xc1;
    /// DUP2, ADD.
    pub(crate) const DUP2_ADD: u8 = 0xc2;
    /// POP, PUSH1 n.
    pub(crate) const POP_PUSH1: u8 = 0xc3;
    /// MLOAD, POP (an expansion of memory).
    pub(crate) const MLOAD_POP: u8 = 0xc4;
    /// DUP1, MSTORE.
    pub(crate) const DUP1_MSTORE: u8 = 0xc5;
    /// SDIV, SWAP1, POP.
    pub(crate) const SDIV_SWAP1_POP: u8 = 0xc6;
    /// SLT, ISZERO, PUSH2 d, JUMPI, with d a JUMPDEST.
    pub(crate) const SLT_ISZERO_PUSH2_JUMPI: u8 = 0xc7;
    /// PUSH1 n, ADD, MLOAD.
    pub(crate) const PUSH1_ADD_MLOAD: u8 = 0xc8;
    /// DUP2, DUP2.
    pub(crate) const DUP2_DUP2: u8 = 0xc9;
    /// The first and last fused value.
    pub(crate) const RANGE: core::ops::RangeInclusive<u8> = PUSH2_JUMP..=DUP2_DUP2;
    /// What a code's own undefined instruction in [`RANGE`] becomes (also undefined).
    pub(crate) const UNDEFINED: u8 = 0x0c;
}

/// The blocks of one code: an entry per block, found from the leader's pc in two loads.
#[derive(Debug)]
pub(crate) struct Blocks {
    /// The padded code with runs fused (see the module documentation): what the block loop
    /// dispatches on.
    pub(crate) ops: Vec<u8>,
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
        Self { ops: Vec::new(), base: Vec::new(), offset: Vec::new(), entries: Vec::new() };

    /// The blocks of `code`, derived once per analysed code.
    pub(crate) fn of(code: &AnalyzedCode) -> Option<&Self> {
        code.derived(Self::new)
    }

    /// Builds the table: the instructions forwards, then their suffix summaries backwards.
    pub(crate) fn new(code: &AnalyzedCode) -> Self {
        let bytes = code.padded();
        let len = code.len();
        let table = &FORK_TABLES[FIRST_FORK as usize];
        // Every instruction start, and at the end the STOP in the padding.
        let mut starts = Vec::with_capacity(len / 2 + 1);
        let mut pc = 0;
        while pc < len {
            starts.push(pc);
            pc += 1 + opcodes::info(bytes[pc]).immediate as usize;
        }
        starts.push(pc);
        // Backwards: the summary of the block from each instruction to its block's end.
        let mut leaders = Vec::new();
        let mut rest: Option<Block> = None;
        for (i, &pc) in starts.iter().enumerate().rev() {
            let opcode = if pc < len { bytes[pc] } else { op::STOP };
            if !is_block_opcode(opcode) {
                rest = None;
                continue;
            }
            let info = opcodes::info(opcode);
            let one = Block::one(table.gas[opcode as usize], info.pops, info.pushes);
            let block = match rest {
                Some(rest) if !is_terminator(opcode) => one.then(rest),
                _ => one,
            };
            rest = Some(block);
            let leader = i == 0 || opcode == op::JUMPDEST || {
                let before = bytes[starts[i - 1]];
                !is_block_opcode(before) || is_terminator(before)
            };
            if leader {
                leaders.push((pc, block.entry()));
            }
        }
        leaders.reverse();
        let mut base = vec![0u32; bytes.len().div_ceil(256)];
        let mut offset = vec![0u8; bytes.len()];
        let mut entries = Vec::with_capacity(leaders.len());
        // The first leader of a chunk sets the chunk's base; a chunk holds at most 256
        // leaders, so every offset fits a byte. Chunks without one are never read.
        let mut chunk_of_last = usize::MAX;
        for (pc, entry) in leaders {
            let index = entries.len() as u32;
            let chunk = pc / 256;
            if chunk != chunk_of_last {
                base[chunk] = index;
                chunk_of_last = chunk;
            }
            offset[pc] = (index - base[chunk]) as u8;
            entries.push(entry);
        }
        let ops = fuse(code, &starts);
        Self { ops, base, offset, entries }
    }

    /// The entry of the block whose leader is `pc`.
    #[inline(always)]
    pub(crate) fn at(&self, pc: usize) -> OpEntry {
        let index = self.base[pc / 256] as usize + self.offset[pc] as usize;
        self.entries[index]
    }
}

/// The padded code of `code` with its runs fused; `starts` are its instruction starts.
fn fuse(code: &AnalyzedCode, starts: &[usize]) -> Vec<u8> {
    let bytes = code.padded();
    let len = code.len();
    let mut ops = bytes.to_vec();
    // The opcode at `pc` if an instruction of the code starts there.
    let at = |pc: usize| (pc < len).then(|| bytes[pc]);
    // The PUSH2 at `pc`'s destination, when it is a JUMPDEST and the push is whole.
    let target = |pc: usize| {
        let dest = usize::from(u16::from_be_bytes([bytes[pc + 1], bytes[pc + 2]]));
        (pc + 2 < len && code.is_valid_jump(dest)).then_some(dest)
    };
    for &pc in starts.iter().filter(|&&pc| pc < len) {
        let opcode = bytes[pc];
        let next = at(pc + 1);
        let fused = match opcode {
            op::PUSH2 => match at(pc + 3) {
                Some(op::JUMP) if target(pc).is_some() => Some(fused::PUSH2_JUMP),
                Some(op::JUMPI) if target(pc).is_some() => Some(fused::PUSH2_JUMPI),
                Some(op::MLOAD) => Some(fused::PUSH2_MLOAD),
                Some(op::MSTORE) => Some(fused::PUSH2_MSTORE),
                _ => None,
            },
            op::ISZERO
                if next == Some(op::PUSH2)
                    && target(pc + 1).is_some()
                    && at(pc + 4) == Some(op::JUMPI) =>
            {
                Some(fused::ISZERO_PUSH2_JUMPI)
            }
            op::DUP2 => match next {
                Some(op::PUSH2) if target(pc + 1).is_some() && at(pc + 4) == Some(op::JUMPI) => {
                    Some(fused::DUP2_PUSH2_JUMPI)
                }
                Some(op::MSTORE) => Some(fused::DUP2_MSTORE),
                Some(op::ADD) => Some(fused::DUP2_ADD),
                Some(op::DUP2) => Some(fused::DUP2_DUP2),
                _ => None,
            },
            op::SDIV if next == Some(op::SWAP1) && at(pc + 2) == Some(op::POP) => {
                Some(fused::SDIV_SWAP1_POP)
            }
            op::SLT
                if next == Some(op::ISZERO)
                    && at(pc + 2) == Some(op::PUSH2)
                    && target(pc + 2).is_some()
                    && at(pc + 5) == Some(op::JUMPI) =>
            {
                Some(fused::SLT_ISZERO_PUSH2_JUMPI)
            }
            op::DUP1 if next == Some(op::MSTORE) => Some(fused::DUP1_MSTORE),
            op::MLOAD if next == Some(op::POP) => Some(fused::MLOAD_POP),
            op::ADD if next == Some(op::MLOAD) => Some(fused::ADD_MLOAD),
            op::MUL if next == Some(op::ADD) => Some(fused::MUL_ADD),
            op::SWAP1 if next == Some(op::POP) => Some(fused::SWAP1_POP),
            op::SWAP2 if next == Some(op::POP) => Some(fused::SWAP2_POP),
            op::PUSH1 => match at(pc + 2) {
                Some(op::ADD) if at(pc + 3) == Some(op::MLOAD) => Some(fused::PUSH1_ADD_MLOAD),
                Some(op::ADD) => Some(fused::PUSH1_ADD),
                Some(op::SHL) => Some(fused::PUSH1_SHL),
                Some(op::SHR) => Some(fused::PUSH1_SHR),
                Some(op::MLOAD) => Some(fused::PUSH1_MLOAD),
                Some(op::MSTORE) => Some(fused::PUSH1_MSTORE),
                Some(op::DUP2) => Some(fused::PUSH1_DUP2),
                _ => None,
            },
            op::POP => match next {
                Some(op::POP) => Some(fused::POP_POP),
                Some(op::PUSH1) => Some(fused::POP_PUSH1),
                _ => None,
            },
            _ if fused::RANGE.contains(&opcode) => Some(fused::UNDEFINED),
            _ => None,
        };
        if let Some(fused) = fused {
            ops[pc] = fused;
        }
    }
    ops
}

/// What a run of instructions needs, relative to the stack height at its start.
#[derive(Clone, Copy, Debug)]
struct Block {
    gas: u64,
    /// Height after the run.
    height: i32,
    /// Items the run needs on the stack at its start.
    need: i32,
    /// Highest height after any instruction of the run (at least 0).
    peak: i32,
}

impl Block {
    /// One instruction.
    fn one(gas: u16, pops: u8, pushes: u8) -> Self {
        let height = i32::from(pushes) - i32::from(pops);
        Self { gas: u64::from(gas), height, need: i32::from(pops), peak: height.max(0) }
    }

    /// This run followed by `rest`.
    fn then(self, rest: Self) -> Self {
        Self {
            gas: self.gas + rest.gas,
            height: self.height + rest.height,
            need: self.need.max(rest.need - self.height),
            peak: self.peak.max(self.height + rest.peak),
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_opcodes_cost_the_same_from_the_first_fork_on() {
        let first = &FORK_TABLES[FIRST_FORK as usize];
        for fork in Fork::ALL.iter().filter(|f| **f >= FIRST_FORK) {
            let table = &FORK_TABLES[*fork as usize];
            for opcode in (0..=255u8).filter(|&o| is_block_opcode(o)) {
                assert!(table.defined[opcode as usize], "{opcode:#04x} in {fork:?}");
                assert_eq!(table.ops[opcode as usize], first.ops[opcode as usize]);
            }
        }
    }

    #[test]
    fn fused_values_are_undefined_in_every_fork() {
        for table in &FORK_TABLES {
            for opcode in fused::RANGE.chain([fused::UNDEFINED]) {
                assert!(!table.defined[opcode as usize], "{opcode:#04x}");
            }
        }
    }

    /// The fused values in the block loop's code of `hex`, with their pcs, and that code.
    fn fused_in(hex: &str) -> (Vec<(usize, u8)>, Vec<u8>) {
        let code = AnalyzedCode::new(alloy_primitives::hex::decode(hex).unwrap());
        let ops = Blocks::new(&code).ops;
        let at = ops.iter().enumerate().filter(|(_, o)| fused::RANGE.contains(o));
        (at.map(|(i, &o)| (i, o)).collect(), ops)
    }

    #[test]
    fn runs_are_fused_at_their_first_byte() {
        // 0: PUSH2 9, JUMP; 4: ISZERO, PUSH2 9, JUMPI; 9: JUMPDEST; 10: SWAP1, POP; 12: SWAP2,
        // POP; 14: PUSH1 1, ADD; 17: 0xb0 (undefined); 18: PUSH2 0, JUMP (0 is no JUMPDEST);
        // 22: SWAP1, JUMPDEST, POP; 25: PUSH1 (truncated)
        let hex = "6100095615610009575b90509150600101b061000056905b5060";
        let code = AnalyzedCode::new(alloy_primitives::hex::decode(hex).unwrap());
        let ops = &Blocks::new(&code).ops;
        let expect = |pc: usize, opcode: u8| assert_eq!(ops[pc], opcode, "pc {pc}");
        expect(0, fused::PUSH2_JUMP);
        expect(3, op::JUMP);
        expect(4, fused::ISZERO_PUSH2_JUMPI);
        expect(5, fused::PUSH2_JUMPI);
        expect(9, op::JUMPDEST);
        expect(10, fused::SWAP1_POP);
        expect(12, fused::SWAP2_POP);
        expect(14, fused::PUSH1_ADD);
        expect(17, fused::UNDEFINED);
        expect(18, op::PUSH2);
        expect(22, op::SWAP1);
        expect(25, op::PUSH1);
        // POP, POP; PUSH1 1, SHL; PUSH1 1, SHR; PUSH1 0, MLOAD; PUSH2 0, MLOAD; PUSH1 0,
        // MSTORE; PUSH2 0, MSTORE
        let hex = "505060011b60011c60005161000051600052610000520b";
        let (fused_at, ops) = fused_in(hex);
        assert_eq!(
            fused_at,
            [
                (0, fused::POP_POP),
                (1, fused::POP_PUSH1),
                (2, fused::PUSH1_SHL),
                (5, fused::PUSH1_SHR),
                (8, fused::PUSH1_MLOAD),
                (11, fused::PUSH2_MLOAD),
                (15, fused::PUSH1_MSTORE),
                (18, fused::PUSH2_MSTORE),
            ]
        );
        assert_eq!(ops.len(), hex.len() / 2 + evm_bytecode::PADDING);
        // PUSH1 1, DUP2 (and DUP2, ADD); ADD, MLOAD; DUP2, MSTORE; MUL, ADD; DUP2, PUSH2 14, JUMPI; JUMPDEST;
        // the code's own 0xbd
        let hex = "6001810151815202018161000e575bbd";
        let (fused_at, ops) = fused_in(hex);
        assert_eq!(
            fused_at,
            [
                (0, fused::PUSH1_DUP2),
                (2, fused::DUP2_ADD),
                (3, fused::ADD_MLOAD),
                (5, fused::DUP2_MSTORE),
                (7, fused::MUL_ADD),
                (9, fused::DUP2_PUSH2_JUMPI),
                (10, fused::PUSH2_JUMPI),
            ]
        );
        assert_eq!(ops[15], fused::UNDEFINED);
        // SDIV, SWAP1, POP; SLT, ISZERO, PUSH2 9, JUMPI; JUMPDEST; PUSH1 1, ADD, MLOAD;
        // DUP2, DUP2
        let code = AnalyzedCode::new(
            alloy_primitives::hex::decode("0590501215610009575b6001015181815b").unwrap(),
        );
        let ops = &Blocks::new(&code).ops;
        assert_eq!(
            [ops[0], ops[3], ops[10], ops[14]],
            [
                fused::SDIV_SWAP1_POP,
                fused::SLT_ISZERO_PUSH2_JUMPI,
                fused::PUSH1_ADD_MLOAD,
                fused::DUP2_DUP2
            ]
        );
        // DUP2, ADD; POP, PUSH1 2; MLOAD, POP; DUP1, MSTORE
        let code =
            AnalyzedCode::new(alloy_primitives::hex::decode("81015060025150805200").unwrap());
        let ops = &Blocks::new(&code).ops;
        assert_eq!(
            [ops[0], ops[2], ops[5], ops[7]],
            [fused::DUP2_ADD, fused::POP_PUSH1, fused::MLOAD_POP, fused::DUP1_MSTORE]
        );
    }

    #[test]
    fn leaders_and_their_summaries() {
        // PUSH1 1, PUSH1 2, ADD, JUMPDEST, POP, SLOAD, DUP1, JUMP, JUMPDEST, STOP
        let code = AnalyzedCode::new(alloy_primitives::hex!("60016002015b505480565b00").to_vec());
        let blocks = Blocks::new(&code);
        // From pc 0 through the JUMPDEST at 5 to the POP: 3 + 3 + 3 + 1 + 2 gas; grows by 2.
        let at0 = blocks.at(0);
        assert_eq!((at0.gas, at0.stack_min, at0.stack_max()), (12, 0, 1022));
        // The JUMPDEST at 5: JUMPDEST, POP.
        let at5 = blocks.at(5);
        assert_eq!((at5.gas, at5.stack_min, at5.stack_max()), (3, 1, 1024));
        // After the SLOAD: DUP1, JUMP (a terminator).
        let at8 = blocks.at(8);
        assert_eq!((at8.gas, at8.stack_min, at8.stack_max()), (11, 1, 1023));
        // The JUMPDEST at 10, then STOP.
        let at10 = blocks.at(10);
        assert_eq!((at10.gas, at10.stack_min), (1, 0));
        // The padding STOP after the code's last STOP is a leader too (after a terminator).
        assert_eq!(blocks.at(12).gas, 0);
    }
}
