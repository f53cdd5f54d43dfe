//! Legacy EVM bytecode: opcode facts, analysis, limits, Solidity metadata, disassembly.
//!
//! Any byte string is valid legacy code: analysis never fails. This crate knows nothing of
//! gas or hosts; it only records which fork introduced each opcode.

mod fork;
pub mod opcode;
pub mod analysis;

pub use analysis::{AnalyzedCode, Bitmaps, Instruction, Instructions, PADDING, instructions};
pub use fork::{Fork, UnknownFork};
pub use opcode::{OPCODE_INFO, OpInfo};
