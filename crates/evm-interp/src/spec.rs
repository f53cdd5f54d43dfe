//! Per-fork opcode tables: static gas, which opcodes exist, stack bounds.
//!
//! Built at compile time from `evm_bytecode::OPCODE_INFO` (pops, pushes, introducing fork), one
//! block per EIP that changes a static cost. Dynamic costs (memory, warm/cold, SSTORE, calls)
//! live in `crate::gas` and the instructions.

use std::sync::Arc;

use evm_bytecode::opcode::opcode as op;
use evm_bytecode::{Fork, OPCODE_INFO, OpInfo};

use crate::stack::STACK_LIMIT;

/// Static facts about every opcode in one fork.
///
/// `gas` and `defined` are the readable tables; `ops` packs the same facts with the stack
/// bounds into one 8-byte entry per opcode for the dispatch loop. Change them together through
/// [`ForkTable::set`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ForkTable {
    /// Gas charged before the instruction runs.
    pub gas: [u16; 256],
    /// Whether the opcode exists in this fork (0xFE INVALID counts as defined and halts).
    pub defined: [bool; 256],
    /// What the dispatch loop reads.
    pub ops: [OpEntry; 256],
}

/// One opcode's dispatch facts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpEntry {
    /// Static gas.
    pub gas: u32,
    /// Minimum stack height before the opcode (its `pops`); [`OpEntry::UNDEFINED_MIN`] when the
    /// opcode does not exist in the fork, so the one underflow check also catches it.
    pub stack_min: u16,
    /// Allowed stack heights above `stack_min`: the height `h` before the opcode must satisfy
    /// `h - stack_min <= stack_span`, where the maximum height is `1024 + pops - pushes`
    /// (capped at 1024). One wrapping subtraction and one comparison check both bounds.
    pub stack_span: u16,
}

impl OpEntry {
    /// `stack_min` of an opcode the fork does not define.
    pub const UNDEFINED_MIN: u16 = u16::MAX;

    /// Why the stack check failed at height `len`: the opcode is undefined, or the stack holds
    /// too few items, or too many.
    #[cold]
    pub fn stack_failure(self, len: usize) -> crate::Exit {
        if self.stack_min == Self::UNDEFINED_MIN {
            crate::Exit::InvalidOpcode
        } else if len < self.stack_min as usize {
            crate::Exit::StackUnderflow
        } else {
            crate::Exit::StackOverflow
        }
    }

    /// The entry for an opcode with these facts.
    pub const fn new(defined: bool, gas: u16, pops: u8, pushes: u8) -> Self {
        let max = STACK_LIMIT as i32 + pops as i32 - pushes as i32;
        let stack_max = if max > STACK_LIMIT as i32 {
            STACK_LIMIT as u16
        } else if max < 0 {
            0
        } else {
            max as u16
        };
        if !defined {
            return Self { gas: gas as u32, stack_min: Self::UNDEFINED_MIN, stack_span: 0 };
        }
        Self { gas: gas as u32, stack_min: pops as u16, stack_span: stack_max - pops as u16 }
    }

    /// Maximum stack height before the opcode.
    #[inline]
    pub const fn stack_max(&self) -> u16 {
        self.stack_min.wrapping_add(self.stack_span)
    }
}

impl ForkTable {
    /// Sets every fact of `opcode`.
    pub const fn set(&mut self, opcode: u8, defined: bool, gas: u16, pops: u8, pushes: u8) {
        let i = opcode as usize;
        self.gas[i] = gas;
        self.defined[i] = defined;
        self.ops[i] = OpEntry::new(defined, gas, pops, pushes);
    }
}

/// One [`ForkTable`] per fork, indexed by `Fork as usize`.
pub static FORK_TABLES: [ForkTable; Fork::COUNT] = build_fork_tables(&OPCODE_INFO);

/// The table of `fork`.
#[inline]
pub fn fork_table(fork: Fork) -> &'static ForkTable {
    &FORK_TABLES[fork as usize]
}

/// The custom opcodes of one VM: which bytes the interpreter routes to
/// [`crate::Hooks::custom_opcode`], and per-fork tables that start from [`FORK_TABLES`] with
/// the custom opcodes' static gas and stack bounds. Built once when extensions change and
/// shared (`Arc`) by every frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomOpcodes {
    /// `Fork as u8` from which each byte is routed; [`CustomOpcodes::NOT_ROUTED`] when never.
    since: [u8; 256],
    tables: Arc<[ForkTable; Fork::COUNT]>,
}

impl Default for CustomOpcodes {
    fn default() -> Self {
        Self::new()
    }
}

impl CustomOpcodes {
    /// No custom opcode: the standard tables.
    pub fn new() -> Self {
        Self { since: [Self::NOT_ROUTED; 256], tables: Arc::new(FORK_TABLES) }
    }

    /// Routes `opcode` to the custom-opcode path from fork `since` on, with its static gas and
    /// stack bounds (items read, items present after, as in `OpInfo`). Before `since` the byte
    /// keeps its standard meaning.
    pub fn insert(&mut self, opcode: u8, static_gas: u16, pops: u8, pushes: u8, since: Fork) {
        self.since[opcode as usize] = since as u8;
        let tables = Arc::make_mut(&mut self.tables);
        for (fork, t) in Fork::ALL.iter().zip(tables.iter_mut()) {
            if *fork >= since {
                t.set(opcode, true, static_gas, pops, pushes);
            }
        }
    }

    /// `since` of a byte that is never routed.
    pub const NOT_ROUTED: u8 = u8::MAX;

    /// Whether `opcode` goes to the custom path in some fork.
    #[inline]
    pub fn is_routed(&self, opcode: u8) -> bool {
        self.since[opcode as usize] != Self::NOT_ROUTED
    }

    /// Whether `opcode` goes to the custom path in `fork`.
    #[inline]
    pub fn is_routed_in(&self, opcode: u8, fork: Fork) -> bool {
        let since = self.since[opcode as usize];
        since != Self::NOT_ROUTED && fork as u8 >= since
    }

    /// Whether no byte is routed.
    pub fn is_empty(&self) -> bool {
        self.since.iter().all(|s| *s == Self::NOT_ROUTED)
    }

    /// The routed bytes.
    pub fn opcodes(&self) -> impl Iterator<Item = u8> + '_ {
        (0..=255u8).filter(|op| self.is_routed(*op))
    }

    /// The per-fork tables including the custom opcodes.
    pub fn tables(&self) -> &Arc<[ForkTable; Fork::COUNT]> {
        &self.tables
    }
}

const fn build_fork_tables(info: &[OpInfo; 256]) -> [ForkTable; Fork::COUNT] {
    let mut out = [fork_table_for(Fork::Frontier, info); Fork::COUNT];
    let mut i = 1;
    while i < Fork::COUNT {
        out[i] = fork_table_for(Fork::ALL[i], info);
        i += 1;
    }
    out
}

const fn set(gas: &mut [u16; 256], ops: &[u8], cost: u16) {
    let mut k = 0;
    while k < ops.len() {
        gas[ops[k] as usize] = cost;
        k += 1;
    }
}

/// Builds the table of `fork` from `info`. Public so extensions can start from it.
pub const fn fork_table_for(fork: Fork, info: &[OpInfo; 256]) -> ForkTable {
    let mut gas = [0u16; 256];

    // Yellow paper, Appendix G (Frontier): the base schedule.
    // W_zero.
    set(&mut gas, &[op::STOP, op::RETURN, op::REVERT, op::INVALID, op::SELFDESTRUCT], 0);
    // W_base.
    set(
        &mut gas,
        &[
            op::ADDRESS,
            op::ORIGIN,
            op::CALLER,
            op::CALLVALUE,
            op::CALLDATASIZE,
            op::CODESIZE,
            op::GASPRICE,
            op::COINBASE,
            op::TIMESTAMP,
            op::NUMBER,
            op::PREVRANDAO,
            op::GASLIMIT,
            op::RETURNDATASIZE,
            op::POP,
            op::PC,
            op::MSIZE,
            op::GAS,
            op::CHAINID,
            op::BASEFEE,
            op::BLOBBASEFEE,
            op::PUSH0,
        ],
        2,
    );
    // W_verylow.
    set(
        &mut gas,
        &[
            op::ADD,
            op::SUB,
            op::NOT,
            op::LT,
            op::GT,
            op::SLT,
            op::SGT,
            op::EQ,
            op::ISZERO,
            op::AND,
            op::OR,
            op::XOR,
            op::BYTE,
            op::SHL,
            op::SHR,
            op::SAR,
            op::CALLDATALOAD,
            op::MLOAD,
            op::MSTORE,
            op::MSTORE8,
            op::CALLDATACOPY,
            op::CODECOPY,
            op::RETURNDATACOPY,
            op::MCOPY,
            op::BLOBHASH,
        ],
        3,
    );
    let mut k = op::PUSH1;
    while k <= op::SWAP16 {
        gas[k as usize] = 3;
        k += 1;
    }
    // W_low.
    set(
        &mut gas,
        &[op::MUL, op::DIV, op::SDIV, op::MOD, op::SMOD, op::SIGNEXTEND, op::SELFBALANCE],
        5,
    );
    // W_mid, W_high, W_jumpdest.
    set(&mut gas, &[op::ADDMOD, op::MULMOD, op::JUMP], 8);
    set(&mut gas, &[op::JUMPI, op::EXP], 10);
    set(&mut gas, &[op::JUMPDEST], 1);
    set(&mut gas, &[op::KECCAK256], 30);
    set(&mut gas, &[op::BALANCE, op::EXTCODESIZE, op::EXTCODECOPY, op::BLOCKHASH], 20);
    set(&mut gas, &[op::SLOAD], 50);
    set(&mut gas, &[op::SSTORE], 0);
    set(&mut gas, &[op::CALL, op::CALLCODE, op::DELEGATECALL], 40);
    set(&mut gas, &[op::CREATE, op::CREATE2], 32000);
    set(&mut gas, &[op::LOG0], 375);
    set(&mut gas, &[op::LOG1], 750);
    set(&mut gas, &[op::LOG2], 1125);
    set(&mut gas, &[op::LOG3], 1500);
    set(&mut gas, &[op::LOG4], 1875);

    // EIP-150 (Tangerine Whistle): IO-heavy operations repriced.
    if fork as u8 >= Fork::Tangerine as u8 {
        set(&mut gas, &[op::BALANCE], 400);
        set(&mut gas, &[op::EXTCODESIZE, op::EXTCODECOPY], 700);
        set(&mut gas, &[op::SLOAD], 200);
        set(&mut gas, &[op::CALL, op::CALLCODE, op::DELEGATECALL, op::STATICCALL], 700);
        set(&mut gas, &[op::SELFDESTRUCT], 5000);
    }
    // EIP-1052 (Constantinople): EXTCODEHASH.
    set(&mut gas, &[op::EXTCODEHASH], 400);
    // EIP-1884 (Istanbul): trie-size-dependent opcodes repriced; SELFBALANCE is 5 (above).
    if fork as u8 >= Fork::Istanbul as u8 {
        set(&mut gas, &[op::SLOAD], 800);
        set(&mut gas, &[op::BALANCE, op::EXTCODEHASH], 700);
    }
    // EIP-2929 (Berlin): state access is 100 warm; the cold surcharge is dynamic.
    if fork as u8 >= Fork::Berlin as u8 {
        set(
            &mut gas,
            &[
                op::BALANCE,
                op::EXTCODESIZE,
                op::EXTCODECOPY,
                op::EXTCODEHASH,
                op::SLOAD,
                op::CALL,
                op::CALLCODE,
                op::DELEGATECALL,
                op::STATICCALL,
            ],
            100,
        );
    }
    // EIP-1153 (Cancun): TLOAD and TSTORE cost a warm read.
    set(&mut gas, &[op::TLOAD, op::TSTORE], 100);
    // EIP-7939 (Osaka): CLZ.
    set(&mut gas, &[op::CLZ], 5);

    let mut table = ForkTable {
        gas: [0; 256],
        defined: [false; 256],
        ops: [OpEntry::new(false, 0, 0, 0); 256],
    };
    let mut i = 0;
    while i < 256 {
        let o = &info[i];
        table.set(i as u8, o.is_enabled_in(fork), gas[i], o.pops, o.pushes);
        i += 1;
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_entries_match_the_tables() {
        for (fork, t) in Fork::ALL.iter().zip(FORK_TABLES.iter()) {
            for (i, info) in OPCODE_INFO.iter().enumerate() {
                let e = t.ops[i];
                assert_eq!(e.gas, t.gas[i] as u32, "{fork} {i:#x}");
                assert_eq!(e.stack_min != OpEntry::UNDEFINED_MIN, t.defined[i], "{fork} {i:#x}");
                assert_eq!(t.defined[i], info.is_enabled_in(*fork));
            }
        }
    }

    #[test]
    fn tables_follow_the_forks() {
        let t = fork_table(Fork::Frontier);
        assert!(!t.defined[op::SHL as usize]);
        assert!(!t.defined[op::DELEGATECALL as usize]);
        assert!(t.defined[op::INVALID as usize]);
        assert!(!t.defined[0x0c]);
        assert_eq!(t.gas[op::CALL as usize], 40);
        assert_eq!(fork_table(Fork::Tangerine).gas[op::CALL as usize], 700);
        assert_eq!(fork_table(Fork::Istanbul).gas[op::SLOAD as usize], 800);
        assert_eq!(fork_table(Fork::Berlin).gas[op::SLOAD as usize], 100);
        assert!(fork_table(Fork::Shanghai).defined[op::PUSH0 as usize]);
        assert!(!fork_table(Fork::Paris).defined[op::PUSH0 as usize]);
        assert!(fork_table(Fork::Osaka).defined[op::CLZ as usize]);
        assert_eq!(t.ops[op::DUP1 as usize].stack_max(), 1023);
        assert_eq!(t.ops[op::POP as usize].stack_max(), 1024);
        assert_eq!(t.ops[op::SWAP16 as usize].stack_min, 17);
        assert_eq!(t.ops[0x0c].stack_min, OpEntry::UNDEFINED_MIN);
        assert_eq!(t.ops[op::ADD as usize].gas, 3);
        assert_eq!(core::mem::size_of::<OpEntry>(), 8);
    }
}
