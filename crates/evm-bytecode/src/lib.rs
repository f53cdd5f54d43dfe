//! Legacy EVM bytecode: opcode facts, analysis, limits, Solidity metadata, disassembly.
//!
//! Any byte string is valid legacy code: analysis never fails. This crate knows nothing of
//! gas or hosts; it only records which fork introduced each opcode.
//! Custom opcodes registered at runtime live in an [`OpcodeTable`], a copy of [`OPCODE_INFO`]
//! that the disassembler, the lint and the statistics read through their `*_with` functions.

pub mod analysis;
pub mod disasm;
mod error;
mod fork;
pub mod limits;
pub mod lint;
pub mod metadata;
pub mod opcode;
pub mod stats;
mod table;

pub use analysis::{AnalyzedCode, Bitmaps, Instruction, Instructions, PADDING, instructions};
pub use disasm::{disassemble, disassemble_with, mnemonic_with, write_disassembly_with};
pub use error::BytecodeError;
pub use fork::{Fork, UnknownFork};
pub use limits::{MAX_CODE_SIZE, MAX_INITCODE_SIZE};
pub use lint::{LintIssue, LintKind, lint, lint_with};
pub use metadata::{Metadata, SolcVersion};
pub use opcode::{OPCODE_INFO, OpInfo, intern_name};
pub use stats::{CodeStats, FusionCandidate, FusionKind, StaticJump};
pub use table::OpcodeTable;
