//! EVM interpreter: stack, memory, gas, per-fork opcode tables, dispatch, the `Host` trait, hooks.
//!
//! This crate knows nothing of databases, journals or transactions: it runs one frame against
//! a [`Host`]. It never names `evm-codecache`.
//!
//! With [`NoHooks`] every hook call sits behind `if H::Hooks::ENABLED`, a constant `false`, so
//! the dispatch loop compiles without them.

mod blocks;
mod dispatch;
pub mod frame;
pub mod gas;
pub mod hooks;
pub mod host;
pub mod instructions;
mod interpreter;
mod keccak;
pub mod memory;
pub mod spec;
pub mod stack;
#[cfg(test)]
mod test_host;

pub use evm_bytecode::{AnalyzedCode, Fork};
pub use frame::Frame;
pub use hooks::{
    AbortReason, CallAction, FrameView, Hooks, Modification, NoHooks, Refusal, StepAction,
};
pub use host::*;
pub use instructions::{Instr, instruction_table};
pub use interpreter::{Exit, FrameInput, FrameResult, Interpreter};
pub use memory::SharedMemory;
pub use spec::{CustomOpcodes, FORK_TABLES, ForkTable};
pub use stack::Stack;
