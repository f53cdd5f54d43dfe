//! Per-fork opcode tables: static gas, which opcodes exist, stack bounds.
//!
//! Built at compile time from `evm_bytecode::OPCODE_INFO` (pops, pushes, introducing fork), one
//! block per EIP that changes a static cost. Dynamic costs (memory, warm/cold, SSTORE, calls)
//! live in `crate::gas` and the instructions.

use evm_bytecode::opcode::opcode as op;
use evm_bytecode::{Fork, OPCODE_INFO, OpInfo};

use crate::stack::STACK_LIMIT;

/// Static facts about every opcode in one fork.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ForkTable {
    /// Gas charged before the instruction runs.
    pub gas: [u16; 256],
    /// Whether the opcode exists in this fork (0xFE INVALID counts as defined and halts).
    pub defined: [bool; 256],
    /// Minimum stack height before the opcode (its `pops`).
    pub stack_min: [u16; 256],
    /// Maximum stack height before the opcode: `1024 + pops - pushes`, capped at 1024.
    pub stack_max: [u16; 256],
}

/// One [`ForkTable`] per fork, indexed by `Fork as usize`.
pub static FORK_TABLES: [ForkTable; Fork::COUNT] = build_fork_tables(&OPCODE_INFO);

/// The table of `fork`.
#[inline]
pub fn fork_table(fork: Fork) -> &'static ForkTable {
    &FORK_TABLES[fork as usize]
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
    let mut defined = [false; 256];
    let mut stack_min = [0u16; 256];
    let mut stack_max = [0u16; 256];

    let mut i = 0;
    while i < 256 {
        let o = &info[i];
        defined[i] = o.is_enabled_in(fork);
        stack_min[i] = o.pops as u16;
        let max = STACK_LIMIT as i32 + o.pops as i32 - o.pushes as i32;
        stack_max[i] = if max > STACK_LIMIT as i32 { STACK_LIMIT as u16 } else { max as u16 };
        i += 1;
    }

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

    ForkTable { gas, defined, stack_min, stack_max }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(t.stack_max[op::DUP1 as usize], 1023);
        assert_eq!(t.stack_max[op::POP as usize], 1024);
        assert_eq!(t.stack_min[op::SWAP16 as usize], 17);
    }
}
