//! EVM interpreter: stack, memory, gas, per-fork opcode tables, dispatch, the `Host` trait, hooks.
//!
//! This crate knows nothing of databases, journals or transactions: it runs one frame against
//! a [`Host`]. It never names `evm-codecache`.

pub mod hooks;
pub mod host;
pub mod memory;
mod interpreter;

pub use evm_bytecode::{AnalyzedCode, Fork};
pub use hooks::{FrameView, Hooks, NoHooks};
pub use host::*;
pub use interpreter::{Exit, FrameInput, FrameResult, Interpreter};
pub use memory::SharedMemory;
