//! The one opcode table: fork-independent facts about all 256 byte values.
//!
//! Analysis, disassembly, the interpreter's per-fork tables and custom opcodes all read
//! [`OPCODE_INFO`]; nothing else in the workspace hard-codes opcode facts.
//! Custom opcodes live in a copy of it, [`OpcodeTable`](crate::OpcodeTable), whose names are
//! leaked once each by [`intern_name`] so that rows stay `Copy` with `&'static str` names.
//! Gas costs are not here: they depend on the fork and belong to `evm-interp`.

use std::collections::HashSet;
use std::sync::{LazyLock, Mutex, PoisonError};

use crate::fork::Fork;

/// Facts about one opcode byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpInfo {
    /// Mnemonic, e.g. `"PUSH1"`; `"UNDEFINED"` for bytes no fork defines.
    pub name: &'static str,
    /// Number of immediate bytes following the opcode (PUSH1..PUSH32 only).
    pub immediate: u8,
    /// Stack items the opcode needs (DUPn needs n, SWAPn needs n + 1).
    pub pops: u8,
    /// Stack items present after the opcode, counted from the same base as `pops`.
    pub pushes: u8,
    /// The fork that introduced the opcode, `None` if no fork defines it.
    pub introduced: Option<Fork>,
}

impl OpInfo {
    pub(crate) const UNDEFINED: OpInfo =
        OpInfo { name: "UNDEFINED", immediate: 0, pops: 0, pushes: 0, introduced: None };

    /// Whether some fork defines this byte (0xFE `INVALID` counts as defined).
    #[inline]
    pub const fn is_defined(&self) -> bool {
        self.introduced.is_some()
    }

    /// Whether the opcode exists in `fork`.
    #[inline]
    pub const fn is_enabled_in(&self, fork: Fork) -> bool {
        match self.introduced {
            Some(since) => since as u8 <= fork as u8,
            None => false,
        }
    }

    /// Net change of the stack height.
    #[inline]
    pub const fn stack_delta(&self) -> i16 {
        self.pushes as i16 - self.pops as i16
    }
}

/// Opcode byte constants.
#[expect(
    clippy::module_inception,
    reason = "`opcode::opcode::ADD` reads as `opcode::ADD` at use sites"
)]
pub mod opcode {
    /// `0x00`.
    pub const STOP: u8 = 0x00;
    /// `0x01`.
    pub const ADD: u8 = 0x01;
    /// `0x02`.
    pub const MUL: u8 = 0x02;
    /// `0x03`.
    pub const SUB: u8 = 0x03;
    /// `0x04`.
    pub const DIV: u8 = 0x04;
    /// `0x05`.
    pub const SDIV: u8 = 0x05;
    /// `0x06`.
    pub const MOD: u8 = 0x06;
    /// `0x07`.
    pub const SMOD: u8 = 0x07;
    /// `0x08`.
    pub const ADDMOD: u8 = 0x08;
    /// `0x09`.
    pub const MULMOD: u8 = 0x09;
    /// `0x0a`.
    pub const EXP: u8 = 0x0a;
    /// `0x0b`.
    pub const SIGNEXTEND: u8 = 0x0b;
    /// `0x10`.
    pub const LT: u8 = 0x10;
    /// `0x11`.
    pub const GT: u8 = 0x11;
    /// `0x12`.
    pub const SLT: u8 = 0x12;
    /// `0x13`.
    pub const SGT: u8 = 0x13;
    /// `0x14`.
    pub const EQ: u8 = 0x14;
    /// `0x15`.
    pub const ISZERO: u8 = 0x15;
    /// `0x16`.
    pub const AND: u8 = 0x16;
    /// `0x17`.
    pub const OR: u8 = 0x17;
    /// `0x18`.
    pub const XOR: u8 = 0x18;
    /// `0x19`.
    pub const NOT: u8 = 0x19;
    /// `0x1a`.
    pub const BYTE: u8 = 0x1a;
    /// `0x1b`.
    pub const SHL: u8 = 0x1b;
    /// `0x1c`.
    pub const SHR: u8 = 0x1c;
    /// `0x1d`.
    pub const SAR: u8 = 0x1d;
    /// `0x1e`.
    pub const CLZ: u8 = 0x1e;
    /// `0x20`.
    pub const KECCAK256: u8 = 0x20;
    /// `0x30`.
    pub const ADDRESS: u8 = 0x30;
    /// `0x31`.
    pub const BALANCE: u8 = 0x31;
    /// `0x32`.
    pub const ORIGIN: u8 = 0x32;
    /// `0x33`.
    pub const CALLER: u8 = 0x33;
    /// `0x34`.
    pub const CALLVALUE: u8 = 0x34;
    /// `0x35`.
    pub const CALLDATALOAD: u8 = 0x35;
    /// `0x36`.
    pub const CALLDATASIZE: u8 = 0x36;
    /// `0x37`.
    pub const CALLDATACOPY: u8 = 0x37;
    /// `0x38`.
    pub const CODESIZE: u8 = 0x38;
    /// `0x39`.
    pub const CODECOPY: u8 = 0x39;
    /// `0x3a`.
    pub const GASPRICE: u8 = 0x3a;
    /// `0x3b`.
    pub const EXTCODESIZE: u8 = 0x3b;
    /// `0x3c`.
    pub const EXTCODECOPY: u8 = 0x3c;
    /// `0x3d`.
    pub const RETURNDATASIZE: u8 = 0x3d;
    /// `0x3e`.
    pub const RETURNDATACOPY: u8 = 0x3e;
    /// `0x3f`.
    pub const EXTCODEHASH: u8 = 0x3f;
    /// `0x40`.
    pub const BLOCKHASH: u8 = 0x40;
    /// `0x41`.
    pub const COINBASE: u8 = 0x41;
    /// `0x42`.
    pub const TIMESTAMP: u8 = 0x42;
    /// `0x43`.
    pub const NUMBER: u8 = 0x43;
    /// `0x44`.
    pub const PREVRANDAO: u8 = 0x44;
    /// `0x45`.
    pub const GASLIMIT: u8 = 0x45;
    /// `0x46`.
    pub const CHAINID: u8 = 0x46;
    /// `0x47`.
    pub const SELFBALANCE: u8 = 0x47;
    /// `0x48`.
    pub const BASEFEE: u8 = 0x48;
    /// `0x49`.
    pub const BLOBHASH: u8 = 0x49;
    /// `0x4a`.
    pub const BLOBBASEFEE: u8 = 0x4a;
    /// `0x50`.
    pub const POP: u8 = 0x50;
    /// `0x51`.
    pub const MLOAD: u8 = 0x51;
    /// `0x52`.
    pub const MSTORE: u8 = 0x52;
    /// `0x53`.
    pub const MSTORE8: u8 = 0x53;
    /// `0x54`.
    pub const SLOAD: u8 = 0x54;
    /// `0x55`.
    pub const SSTORE: u8 = 0x55;
    /// `0x56`.
    pub const JUMP: u8 = 0x56;
    /// `0x57`.
    pub const JUMPI: u8 = 0x57;
    /// `0x58`.
    pub const PC: u8 = 0x58;
    /// `0x59`.
    pub const MSIZE: u8 = 0x59;
    /// `0x5a`.
    pub const GAS: u8 = 0x5a;
    /// `0x5b`.
    pub const JUMPDEST: u8 = 0x5b;
    /// `0x5c`.
    pub const TLOAD: u8 = 0x5c;
    /// `0x5d`.
    pub const TSTORE: u8 = 0x5d;
    /// `0x5e`.
    pub const MCOPY: u8 = 0x5e;
    /// `0x5f`.
    pub const PUSH0: u8 = 0x5f;
    /// `0x60`.
    pub const PUSH1: u8 = 0x60;
    /// `0x61`.
    pub const PUSH2: u8 = 0x61;
    /// `0x62`.
    pub const PUSH3: u8 = 0x62;
    /// `0x63`.
    pub const PUSH4: u8 = 0x63;
    /// `0x64`.
    pub const PUSH5: u8 = 0x64;
    /// `0x65`.
    pub const PUSH6: u8 = 0x65;
    /// `0x66`.
    pub const PUSH7: u8 = 0x66;
    /// `0x67`.
    pub const PUSH8: u8 = 0x67;
    /// `0x68`.
    pub const PUSH9: u8 = 0x68;
    /// `0x69`.
    pub const PUSH10: u8 = 0x69;
    /// `0x6a`.
    pub const PUSH11: u8 = 0x6a;
    /// `0x6b`.
    pub const PUSH12: u8 = 0x6b;
    /// `0x6c`.
    pub const PUSH13: u8 = 0x6c;
    /// `0x6d`.
    pub const PUSH14: u8 = 0x6d;
    /// `0x6e`.
    pub const PUSH15: u8 = 0x6e;
    /// `0x6f`.
    pub const PUSH16: u8 = 0x6f;
    /// `0x70`.
    pub const PUSH17: u8 = 0x70;
    /// `0x71`.
    pub const PUSH18: u8 = 0x71;
    /// `0x72`.
    pub const PUSH19: u8 = 0x72;
    /// `0x73`.
    pub const PUSH20: u8 = 0x73;
    /// `0x74`.
    pub const PUSH21: u8 = 0x74;
    /// `0x75`.
    pub const PUSH22: u8 = 0x75;
    /// `0x76`.
    pub const PUSH23: u8 = 0x76;
    /// `0x77`.
    pub const PUSH24: u8 = 0x77;
    /// `0x78`.
    pub const PUSH25: u8 = 0x78;
    /// `0x79`.
    pub const PUSH26: u8 = 0x79;
    /// `0x7a`.
    pub const PUSH27: u8 = 0x7a;
    /// `0x7b`.
    pub const PUSH28: u8 = 0x7b;
    /// `0x7c`.
    pub const PUSH29: u8 = 0x7c;
    /// `0x7d`.
    pub const PUSH30: u8 = 0x7d;
    /// `0x7e`.
    pub const PUSH31: u8 = 0x7e;
    /// `0x7f`.
    pub const PUSH32: u8 = 0x7f;
    /// `0x80`.
    pub const DUP1: u8 = 0x80;
    /// `0x81`.
    pub const DUP2: u8 = 0x81;
    /// `0x82`.
    pub const DUP3: u8 = 0x82;
    /// `0x83`.
    pub const DUP4: u8 = 0x83;
    /// `0x84`.
    pub const DUP5: u8 = 0x84;
    /// `0x85`.
    pub const DUP6: u8 = 0x85;
    /// `0x86`.
    pub const DUP7: u8 = 0x86;
    /// `0x87`.
    pub const DUP8: u8 = 0x87;
    /// `0x88`.
    pub const DUP9: u8 = 0x88;
    /// `0x89`.
    pub const DUP10: u8 = 0x89;
    /// `0x8a`.
    pub const DUP11: u8 = 0x8a;
    /// `0x8b`.
    pub const DUP12: u8 = 0x8b;
    /// `0x8c`.
    pub const DUP13: u8 = 0x8c;
    /// `0x8d`.
    pub const DUP14: u8 = 0x8d;
    /// `0x8e`.
    pub const DUP15: u8 = 0x8e;
    /// `0x8f`.
    pub const DUP16: u8 = 0x8f;
    /// `0x90`.
    pub const SWAP1: u8 = 0x90;
    /// `0x91`.
    pub const SWAP2: u8 = 0x91;
    /// `0x92`.
    pub const SWAP3: u8 = 0x92;
    /// `0x93`.
    pub const SWAP4: u8 = 0x93;
    /// `0x94`.
    pub const SWAP5: u8 = 0x94;
    /// `0x95`.
    pub const SWAP6: u8 = 0x95;
    /// `0x96`.
    pub const SWAP7: u8 = 0x96;
    /// `0x97`.
    pub const SWAP8: u8 = 0x97;
    /// `0x98`.
    pub const SWAP9: u8 = 0x98;
    /// `0x99`.
    pub const SWAP10: u8 = 0x99;
    /// `0x9a`.
    pub const SWAP11: u8 = 0x9a;
    /// `0x9b`.
    pub const SWAP12: u8 = 0x9b;
    /// `0x9c`.
    pub const SWAP13: u8 = 0x9c;
    /// `0x9d`.
    pub const SWAP14: u8 = 0x9d;
    /// `0x9e`.
    pub const SWAP15: u8 = 0x9e;
    /// `0x9f`.
    pub const SWAP16: u8 = 0x9f;
    /// `0xa0`.
    pub const LOG0: u8 = 0xa0;
    /// `0xa1`.
    pub const LOG1: u8 = 0xa1;
    /// `0xa2`.
    pub const LOG2: u8 = 0xa2;
    /// `0xa3`.
    pub const LOG3: u8 = 0xa3;
    /// `0xa4`.
    pub const LOG4: u8 = 0xa4;
    /// `0xf0`.
    pub const CREATE: u8 = 0xf0;
    /// `0xf1`.
    pub const CALL: u8 = 0xf1;
    /// `0xf2`.
    pub const CALLCODE: u8 = 0xf2;
    /// `0xf3`.
    pub const RETURN: u8 = 0xf3;
    /// `0xf4`.
    pub const DELEGATECALL: u8 = 0xf4;
    /// `0xf5`.
    pub const CREATE2: u8 = 0xf5;
    /// `0xfa`.
    pub const STATICCALL: u8 = 0xfa;
    /// `0xfd`.
    pub const REVERT: u8 = 0xfd;
    /// `0xfe`.
    pub const INVALID: u8 = 0xfe;
    /// `0xff`.
    pub const SELFDESTRUCT: u8 = 0xff;
}

macro_rules! opcodes {
    ($($op:literal => $name:ident, imm $imm:literal, pops $pops:literal, pushes $pushes:literal, since $fork:ident;)*) => {
        /// Facts for every byte value, indexed by opcode.
        pub static OPCODE_INFO: [OpInfo; 256] = {
            let mut table = [OpInfo::UNDEFINED; 256];
            let mut prev: i32 = -1;
            $(
                assert!(($op as i32) > prev, "opcode rows must be sorted");
                prev = $op as i32;
                assert!($op == opcode::$name);
                table[$op] = OpInfo {
                    name: stringify!($name),
                    immediate: $imm,
                    pops: $pops,
                    pushes: $pushes,
                    introduced: Some(Fork::$fork),
                };
            )*
            let _ = prev;
            table
        };
    };
}

opcodes! {
0x00 => STOP, imm 0, pops 0, pushes 0, since Frontier;
0x01 => ADD, imm 0, pops 2, pushes 1, since Frontier;
0x02 => MUL, imm 0, pops 2, pushes 1, since Frontier;
0x03 => SUB, imm 0, pops 2, pushes 1, since Frontier;
0x04 => DIV, imm 0, pops 2, pushes 1, since Frontier;
0x05 => SDIV, imm 0, pops 2, pushes 1, since Frontier;
0x06 => MOD, imm 0, pops 2, pushes 1, since Frontier;
0x07 => SMOD, imm 0, pops 2, pushes 1, since Frontier;
0x08 => ADDMOD, imm 0, pops 3, pushes 1, since Frontier;
0x09 => MULMOD, imm 0, pops 3, pushes 1, since Frontier;
0x0a => EXP, imm 0, pops 2, pushes 1, since Frontier;
0x0b => SIGNEXTEND, imm 0, pops 2, pushes 1, since Frontier;
0x10 => LT, imm 0, pops 2, pushes 1, since Frontier;
0x11 => GT, imm 0, pops 2, pushes 1, since Frontier;
0x12 => SLT, imm 0, pops 2, pushes 1, since Frontier;
0x13 => SGT, imm 0, pops 2, pushes 1, since Frontier;
0x14 => EQ, imm 0, pops 2, pushes 1, since Frontier;
0x15 => ISZERO, imm 0, pops 1, pushes 1, since Frontier;
0x16 => AND, imm 0, pops 2, pushes 1, since Frontier;
0x17 => OR, imm 0, pops 2, pushes 1, since Frontier;
0x18 => XOR, imm 0, pops 2, pushes 1, since Frontier;
0x19 => NOT, imm 0, pops 1, pushes 1, since Frontier;
0x1a => BYTE, imm 0, pops 2, pushes 1, since Frontier;
0x1b => SHL, imm 0, pops 2, pushes 1, since Constantinople;
0x1c => SHR, imm 0, pops 2, pushes 1, since Constantinople;
0x1d => SAR, imm 0, pops 2, pushes 1, since Constantinople;
0x1e => CLZ, imm 0, pops 1, pushes 1, since Osaka;
0x20 => KECCAK256, imm 0, pops 2, pushes 1, since Frontier;
0x30 => ADDRESS, imm 0, pops 0, pushes 1, since Frontier;
0x31 => BALANCE, imm 0, pops 1, pushes 1, since Frontier;
0x32 => ORIGIN, imm 0, pops 0, pushes 1, since Frontier;
0x33 => CALLER, imm 0, pops 0, pushes 1, since Frontier;
0x34 => CALLVALUE, imm 0, pops 0, pushes 1, since Frontier;
0x35 => CALLDATALOAD, imm 0, pops 1, pushes 1, since Frontier;
0x36 => CALLDATASIZE, imm 0, pops 0, pushes 1, since Frontier;
0x37 => CALLDATACOPY, imm 0, pops 3, pushes 0, since Frontier;
0x38 => CODESIZE, imm 0, pops 0, pushes 1, since Frontier;
0x39 => CODECOPY, imm 0, pops 3, pushes 0, since Frontier;
0x3a => GASPRICE, imm 0, pops 0, pushes 1, since Frontier;
0x3b => EXTCODESIZE, imm 0, pops 1, pushes 1, since Frontier;
0x3c => EXTCODECOPY, imm 0, pops 4, pushes 0, since Frontier;
0x3d => RETURNDATASIZE, imm 0, pops 0, pushes 1, since Byzantium;
0x3e => RETURNDATACOPY, imm 0, pops 3, pushes 0, since Byzantium;
0x3f => EXTCODEHASH, imm 0, pops 1, pushes 1, since Constantinople;
0x40 => BLOCKHASH, imm 0, pops 1, pushes 1, since Frontier;
0x41 => COINBASE, imm 0, pops 0, pushes 1, since Frontier;
0x42 => TIMESTAMP, imm 0, pops 0, pushes 1, since Frontier;
0x43 => NUMBER, imm 0, pops 0, pushes 1, since Frontier;
0x44 => PREVRANDAO, imm 0, pops 0, pushes 1, since Frontier;
0x45 => GASLIMIT, imm 0, pops 0, pushes 1, since Frontier;
0x46 => CHAINID, imm 0, pops 0, pushes 1, since Istanbul;
0x47 => SELFBALANCE, imm 0, pops 0, pushes 1, since Istanbul;
0x48 => BASEFEE, imm 0, pops 0, pushes 1, since London;
0x49 => BLOBHASH, imm 0, pops 1, pushes 1, since Cancun;
0x4a => BLOBBASEFEE, imm 0, pops 0, pushes 1, since Cancun;
0x50 => POP, imm 0, pops 1, pushes 0, since Frontier;
0x51 => MLOAD, imm 0, pops 1, pushes 1, since Frontier;
0x52 => MSTORE, imm 0, pops 2, pushes 0, since Frontier;
0x53 => MSTORE8, imm 0, pops 2, pushes 0, since Frontier;
0x54 => SLOAD, imm 0, pops 1, pushes 1, since Frontier;
0x55 => SSTORE, imm 0, pops 2, pushes 0, since Frontier;
0x56 => JUMP, imm 0, pops 1, pushes 0, since Frontier;
0x57 => JUMPI, imm 0, pops 2, pushes 0, since Frontier;
0x58 => PC, imm 0, pops 0, pushes 1, since Frontier;
0x59 => MSIZE, imm 0, pops 0, pushes 1, since Frontier;
0x5a => GAS, imm 0, pops 0, pushes 1, since Frontier;
0x5b => JUMPDEST, imm 0, pops 0, pushes 0, since Frontier;
0x5c => TLOAD, imm 0, pops 1, pushes 1, since Cancun;
0x5d => TSTORE, imm 0, pops 2, pushes 0, since Cancun;
0x5e => MCOPY, imm 0, pops 3, pushes 0, since Cancun;
0x5f => PUSH0, imm 0, pops 0, pushes 1, since Shanghai;
0x60 => PUSH1, imm 1, pops 0, pushes 1, since Frontier;
0x61 => PUSH2, imm 2, pops 0, pushes 1, since Frontier;
0x62 => PUSH3, imm 3, pops 0, pushes 1, since Frontier;
0x63 => PUSH4, imm 4, pops 0, pushes 1, since Frontier;
0x64 => PUSH5, imm 5, pops 0, pushes 1, since Frontier;
0x65 => PUSH6, imm 6, pops 0, pushes 1, since Frontier;
0x66 => PUSH7, imm 7, pops 0, pushes 1, since Frontier;
0x67 => PUSH8, imm 8, pops 0, pushes 1, since Frontier;
0x68 => PUSH9, imm 9, pops 0, pushes 1, since Frontier;
0x69 => PUSH10, imm 10, pops 0, pushes 1, since Frontier;
0x6a => PUSH11, imm 11, pops 0, pushes 1, since Frontier;
0x6b => PUSH12, imm 12, pops 0, pushes 1, since Frontier;
0x6c => PUSH13, imm 13, pops 0, pushes 1, since Frontier;
0x6d => PUSH14, imm 14, pops 0, pushes 1, since Frontier;
0x6e => PUSH15, imm 15, pops 0, pushes 1, since Frontier;
0x6f => PUSH16, imm 16, pops 0, pushes 1, since Frontier;
0x70 => PUSH17, imm 17, pops 0, pushes 1, since Frontier;
0x71 => PUSH18, imm 18, pops 0, pushes 1, since Frontier;
0x72 => PUSH19, imm 19, pops 0, pushes 1, since Frontier;
0x73 => PUSH20, imm 20, pops 0, pushes 1, since Frontier;
0x74 => PUSH21, imm 21, pops 0, pushes 1, since Frontier;
0x75 => PUSH22, imm 22, pops 0, pushes 1, since Frontier;
0x76 => PUSH23, imm 23, pops 0, pushes 1, since Frontier;
0x77 => PUSH24, imm 24, pops 0, pushes 1, since Frontier;
0x78 => PUSH25, imm 25, pops 0, pushes 1, since Frontier;
0x79 => PUSH26, imm 26, pops 0, pushes 1, since Frontier;
0x7a => PUSH27, imm 27, pops 0, pushes 1, since Frontier;
0x7b => PUSH28, imm 28, pops 0, pushes 1, since Frontier;
0x7c => PUSH29, imm 29, pops 0, pushes 1, since Frontier;
0x7d => PUSH30, imm 30, pops 0, pushes 1, since Frontier;
0x7e => PUSH31, imm 31, pops 0, pushes 1, since Frontier;
0x7f => PUSH32, imm 32, pops 0, pushes 1, since Frontier;
0x80 => DUP1, imm 0, pops 1, pushes 2, since Frontier;
0x81 => DUP2, imm 0, pops 2, pushes 3, since Frontier;
0x82 => DUP3, imm 0, pops 3, pushes 4, since Frontier;
0x83 => DUP4, imm 0, pops 4, pushes 5, since Frontier;
0x84 => DUP5, imm 0, pops 5, pushes 6, since Frontier;
0x85 => DUP6, imm 0, pops 6, pushes 7, since Frontier;
0x86 => DUP7, imm 0, pops 7, pushes 8, since Frontier;
0x87 => DUP8, imm 0, pops 8, pushes 9, since Frontier;
0x88 => DUP9, imm 0, pops 9, pushes 10, since Frontier;
0x89 => DUP10, imm 0, pops 10, pushes 11, since Frontier;
0x8a => DUP11, imm 0, pops 11, pushes 12, since Frontier;
0x8b => DUP12, imm 0, pops 12, pushes 13, since Frontier;
0x8c => DUP13, imm 0, pops 13, pushes 14, since Frontier;
0x8d => DUP14, imm 0, pops 14, pushes 15, since Frontier;
0x8e => DUP15, imm 0, pops 15, pushes 16, since Frontier;
0x8f => DUP16, imm 0, pops 16, pushes 17, since Frontier;
0x90 => SWAP1, imm 0, pops 2, pushes 2, since Frontier;
0x91 => SWAP2, imm 0, pops 3, pushes 3, since Frontier;
0x92 => SWAP3, imm 0, pops 4, pushes 4, since Frontier;
0x93 => SWAP4, imm 0, pops 5, pushes 5, since Frontier;
0x94 => SWAP5, imm 0, pops 6, pushes 6, since Frontier;
0x95 => SWAP6, imm 0, pops 7, pushes 7, since Frontier;
0x96 => SWAP7, imm 0, pops 8, pushes 8, since Frontier;
0x97 => SWAP8, imm 0, pops 9, pushes 9, since Frontier;
0x98 => SWAP9, imm 0, pops 10, pushes 10, since Frontier;
0x99 => SWAP10, imm 0, pops 11, pushes 11, since Frontier;
0x9a => SWAP11, imm 0, pops 12, pushes 12, since Frontier;
0x9b => SWAP12, imm 0, pops 13, pushes 13, since Frontier;
0x9c => SWAP13, imm 0, pops 14, pushes 14, since Frontier;
0x9d => SWAP14, imm 0, pops 15, pushes 15, since Frontier;
0x9e => SWAP15, imm 0, pops 16, pushes 16, since Frontier;
0x9f => SWAP16, imm 0, pops 17, pushes 17, since Frontier;
0xa0 => LOG0, imm 0, pops 2, pushes 0, since Frontier;
0xa1 => LOG1, imm 0, pops 3, pushes 0, since Frontier;
0xa2 => LOG2, imm 0, pops 4, pushes 0, since Frontier;
0xa3 => LOG3, imm 0, pops 5, pushes 0, since Frontier;
0xa4 => LOG4, imm 0, pops 6, pushes 0, since Frontier;
0xf0 => CREATE, imm 0, pops 3, pushes 1, since Frontier;
0xf1 => CALL, imm 0, pops 7, pushes 1, since Frontier;
0xf2 => CALLCODE, imm 0, pops 7, pushes 1, since Frontier;
0xf3 => RETURN, imm 0, pops 2, pushes 0, since Frontier;
0xf4 => DELEGATECALL, imm 0, pops 6, pushes 1, since Homestead;
0xf5 => CREATE2, imm 0, pops 4, pushes 1, since Constantinople;
0xfa => STATICCALL, imm 0, pops 6, pushes 1, since Byzantium;
0xfd => REVERT, imm 0, pops 2, pushes 0, since Byzantium;
0xfe => INVALID, imm 0, pops 0, pushes 0, since Frontier;
0xff => SELFDESTRUCT, imm 0, pops 1, pushes 0, since Frontier;}

/// Facts about `op`.
#[inline(always)]
pub fn info(op: u8) -> &'static OpInfo {
    &OPCODE_INFO[op as usize]
}

/// Looks an opcode up by mnemonic (case-insensitive; `SHA3` and `DIFFICULTY` are accepted aliases).
pub fn from_name(name: &str) -> Option<u8> {
    find_name(&OPCODE_INFO, name)
}

/// Mnemonics that name a standard opcode without being its row's name.
pub(crate) const ALIASES: [(&str, &str); 2] = [("SHA3", "KECCAK256"), ("DIFFICULTY", "PREVRANDAO")];

/// Looks `name` up among the defined rows of `rows`, as [`from_name`] describes.
pub(crate) fn find_name(rows: &[OpInfo; 256], name: &str) -> Option<u8> {
    let upper = name.to_ascii_uppercase();
    let name = ALIASES.iter().find(|(alias, _)| *alias == upper).map_or(upper.as_str(), |a| a.1);
    (0..=255u8).find(|&op| rows[op as usize].is_defined() && rows[op as usize].name == name)
}

/// Names leaked by [`intern_name`], each once.
static INTERNED: LazyLock<Mutex<HashSet<&'static str>>> = LazyLock::new(Mutex::default);

/// A `&'static str` equal to `name`, for [`OpInfo::name`] of custom opcodes.
///
/// Standard mnemonics are returned from [`OPCODE_INFO`]; any other distinct name is leaked once
/// and reused afterwards, so registering the same custom opcode again does not leak more.
pub fn intern_name(name: &str) -> &'static str {
    if let Some(info) = OPCODE_INFO.iter().find(|i| i.is_defined() && i.name == name) {
        return info.name;
    }
    // The set is only ever inserted into, so a panic elsewhere cannot leave it inconsistent.
    let mut set = INTERNED.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(&interned) = set.get(name) {
        return interned;
    }
    let leaked: &'static str = Box::leak(name.to_owned().into_boxed_str());
    set.insert(leaked);
    leaked
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_256_opcodes_have_a_table_row() {
        assert_eq!(OPCODE_INFO.len(), 256);
        let mut defined = 0;
        for op in 0..=255u8 {
            let info = info(op);
            assert!(!info.name.is_empty(), "byte {op:#04x}");
            assert_eq!(info.is_defined(), info.name != "UNDEFINED", "byte {op:#04x}");
            let expected_imm =
                if (opcode::PUSH1..=opcode::PUSH32).contains(&op) { op - opcode::PUSH0 } else { 0 };
            assert_eq!(info.immediate, expected_imm, "{}", info.name);
            if info.is_defined() {
                defined += 1;
                assert_eq!(from_name(info.name), Some(op), "{}", info.name);
                assert!(info.is_enabled_in(Fork::LATEST), "{}", info.name);
            } else {
                assert!(!info.is_enabled_in(Fork::LATEST));
                assert_eq!(info.stack_delta(), 0);
            }
        }
        // Osaka: 0x00-0x0b, 0x10-0x1e, 0x20, 0x30-0x4a, 0x50-0xa4, 0xf0-0xf5, 0xfa, 0xfd-0xff.
        assert_eq!(defined, 12 + 15 + 1 + 27 + 85 + 6 + 1 + 3);
    }

    #[test]
    fn fork_gating_and_aliases() {
        assert!(!info(opcode::PUSH0).is_enabled_in(Fork::Paris));
        assert!(info(opcode::PUSH0).is_enabled_in(Fork::Shanghai));
        assert!(!info(opcode::CLZ).is_enabled_in(Fork::Prague));
        assert_eq!(from_name("sha3"), Some(opcode::KECCAK256));
        assert_eq!(from_name("DIFFICULTY"), Some(opcode::PREVRANDAO));
        assert_eq!(from_name("UNDEFINED"), None);
        assert_eq!(info(opcode::DUP16).pops, 16);
        assert_eq!(info(opcode::SWAP16).pops, 17);
    }

    #[test]
    fn interned_names_are_leaked_once() {
        let first = intern_name("ISQRT_INTERN_TEST");
        let again = intern_name(&String::from("ISQRT_INTERN_TEST"));
        assert_eq!(first, "ISQRT_INTERN_TEST");
        assert!(core::ptr::eq(first, again));
        assert!(core::ptr::eq(intern_name("ADD"), OPCODE_INFO[usize::from(opcode::ADD)].name));
    }

    #[test]
    fn fork_names_round_trip() {
        for fork in Fork::ALL {
            assert_eq!(fork.name().parse::<Fork>(), Ok(fork));
        }
        assert!("nonsense".parse::<Fork>().is_err());
    }
}
