//! Hooks: zero-cost observation points. `NoHooks` folds away (`Hooks::ENABLED == false`).

use alloy_primitives::{Address, Log, U256};

/// A read-only view of a frame before or after one opcode.
#[derive(Debug)]
pub struct FrameView<'a> {
    /// Program counter.
    pub pc: usize,
    /// The opcode byte at `pc`.
    pub opcode: u8,
    /// Gas left.
    pub gas_left: u64,
    /// Stack, bottom first.
    pub stack: &'a [U256],
    /// This frame's memory.
    pub memory: &'a [u8],
    /// Call depth (0 for the transaction's frame).
    pub depth: usize,
    /// Address whose code runs.
    pub address: Address,
}

/// Observation points. Every method has an empty default.
pub trait Hooks {
    /// `false` only for [`NoHooks`]: the interpreter skips every hook call at compile time.
    const ENABLED: bool = true;
    /// Before each opcode.
    fn before_step(&mut self, _frame: &FrameView<'_>) {}
    /// After each opcode that did not halt the frame.
    fn after_step(&mut self, _frame: &FrameView<'_>) {}
    /// A call frame starts (`depth`, code address, input).
    fn call_enter(&mut self, _depth: usize, _address: Address, _input: &[u8]) {}
    /// A call frame ended.
    fn call_exit(&mut self, _depth: usize, _success: bool, _output: &[u8]) {}
    /// A log was emitted.
    fn on_log(&mut self, _log: &Log) {}
    /// A storage slot was written.
    fn on_sstore(&mut self, _address: Address, _key: U256, _value: U256) {}
}

/// No hooks: every hook call compiles away.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoHooks;

impl Hooks for NoHooks {
    const ENABLED: bool = false;
}

// With `NoHooks` every `if H::Hooks::ENABLED` guard in the interpreter is `if false`, a constant
// the compiler removes together with the hook call (the test `no_hook_runs_when_disabled` in
// `interpreter.rs` checks the guards are all there).
const _: () = assert!(!NoHooks::ENABLED);
