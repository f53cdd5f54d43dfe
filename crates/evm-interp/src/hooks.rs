//! Hooks: the zero-cost extension points of the interpreter and its host.
//!
//! `NoHooks` folds away (`Hooks::ENABLED == false`). A hooks value with `ENABLED == true` is
//! asked once per frame whether it wants per-opcode calls ([`Hooks::steps_enabled`]): when it
//! does not, the frame runs the same loop as `NoHooks`. Opcode hooks may ask the interpreter to
//! halt the frame or to change gas, stack, memory or storage ([`StepAction`]); call and create
//! hooks, which the host calls, may replace a call's result. Custom opcodes route through
//! [`Hooks::custom_opcode`].

use alloy_primitives::{Address, Bytes, Log, U256};

use crate::frame::Frame;
use crate::host::{CallInputs, CallOutcome, CreateInputs, CreateOutcome, Host};
use crate::interpreter::Exit;
use crate::spec::CustomOpcodes;

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
    /// Whether the frame is static.
    pub is_static: bool,
}

/// Why a hook or a custom opcode stopped a frame: who (`source`, an extension id) and the
/// extension's own code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AbortReason {
    /// The extension that aborted.
    pub source: u32,
    /// The extension's code.
    pub code: u32,
}

/// A change an opcode hook asks the interpreter to make before the frame goes on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Modification {
    /// Set the gas left.
    GasLeft(u64),
    /// Replace the stack item `depth` from the top (0 is the top).
    Stack {
        /// Position from the top.
        depth: usize,
        /// New value.
        value: U256,
    },
    /// Overwrite memory inside its current size (a hook does not expand memory).
    Memory {
        /// Byte offset.
        offset: usize,
        /// Bytes to write.
        data: Bytes,
    },
    /// Write a storage slot of the frame's address through the host's journal, so a revert
    /// undoes it; refused in a static frame.
    Storage {
        /// Slot.
        key: U256,
        /// New value.
        value: U256,
    },
}

/// Why the interpreter refused a [`Modification`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// A storage write in a static frame.
    StaticFrame,
    /// A stack position past the bottom of the stack.
    StackOutOfRange,
    /// A memory range past the frame's current memory.
    MemoryOutOfRange,
}

/// What an opcode hook asks of the interpreter.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum StepAction {
    /// Go on.
    #[default]
    Continue,
    /// Halt the frame with [`Exit::ExtensionAbort`].
    Abort(AbortReason),
    /// Apply the changes in order, then go on.
    Modify(Vec<Modification>),
}

/// What a call or create hook asks of the host.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum CallAction {
    /// Run the call.
    #[default]
    Continue,
    /// Do not run it; the frame halts with [`Exit::ExtensionAbort`].
    Abort(AbortReason),
    /// Do not run it; return this result instead (a mock). For a creation, `Success` needs
    /// no code to run and creates nothing.
    Replace(CallOutcome),
}

/// Extension points. Every method has an empty default.
///
/// Opcode points run inside the interpreter; call, create and state points are called by the
/// host (`evm-vm`), which sees precompiles and empty accounts too.
pub trait Hooks {
    /// `false` only for [`NoHooks`]: every hook call is removed at compile time.
    const ENABLED: bool = true;

    /// Whether this frame calls `before_step`/`after_step`; asked once per frame. When `false`
    /// the frame runs the hook-free loop.
    #[inline]
    fn steps_enabled(&self) -> bool {
        true
    }
    /// In a frame where [`Hooks::steps_enabled`] is true: whether `before_step` runs (asked once
    /// per frame, so the view is built only for the points that have hooks).
    #[inline]
    fn before_steps_enabled(&self) -> bool {
        true
    }
    /// Like [`Hooks::before_steps_enabled`], for `after_step`.
    #[inline]
    fn after_steps_enabled(&self) -> bool {
        true
    }
    /// Before each opcode (after the frame's gas and stack checks have not yet run).
    #[inline]
    fn before_step(&mut self, _frame: &FrameView<'_>) -> StepAction {
        StepAction::Continue
    }
    /// After each opcode that did not halt the frame.
    #[inline]
    fn after_step(&mut self, _frame: &FrameView<'_>) -> StepAction {
        StepAction::Continue
    }
    /// The interpreter refused a modification asked by an opcode hook.
    #[inline]
    fn modification_refused(&mut self, _modification: &Modification, _why: Refusal) {}

    /// A message call at `depth` is about to run (precompiles and empty accounts included).
    #[inline]
    fn call_enter(&mut self, _depth: usize, _inputs: &CallInputs) -> CallAction {
        CallAction::Continue
    }
    /// A message call ended; `outcome` may be changed.
    #[inline]
    fn call_exit(&mut self, _depth: usize, _inputs: &CallInputs, _outcome: &mut CallOutcome) {}
    /// A creation at `depth` is about to run.
    #[inline]
    fn create_enter(&mut self, _depth: usize, _inputs: &CreateInputs) -> CallAction {
        CallAction::Continue
    }
    /// A creation ended; `outcome` may be changed.
    #[inline]
    fn create_exit(&mut self, _depth: usize, _inputs: &CreateInputs, _outcome: &mut CreateOutcome) {
    }

    /// An account was accessed; `is_cold` per EIP-2929.
    #[inline]
    fn on_account_access(&mut self, _address: Address, _is_cold: bool) {}
    /// SLOAD read `value`.
    #[inline]
    fn on_sload(&mut self, _address: Address, _key: U256, _value: U256, _is_cold: bool) {}
    /// SSTORE changed `old` to `new`.
    #[inline]
    fn on_sstore(&mut self, _address: Address, _key: U256, _old: U256, _new: U256) {}
    /// A log was emitted.
    #[inline]
    fn on_log(&mut self, _log: &Log) {}
    /// `address` self-destructed in favour of `target`, moving `balance`.
    #[inline]
    fn on_selfdestruct(&mut self, _address: Address, _target: Address, _balance: U256) {}

    /// The custom opcodes this value implements: which bytes the interpreter routes to
    /// [`Hooks::custom_opcode`], and the fork tables with their gas and stack bounds.
    #[inline]
    fn custom_opcodes(&self) -> Option<&CustomOpcodes> {
        None
    }
    /// Runs the custom opcode at `frame.pc - 1`; the interpreter has checked the stack and
    /// charged the static gas.
    #[inline]
    fn custom_opcode<H: Host<Hooks = Self>>(_frame: &mut Frame<'_, H>) -> Result<(), Exit>
    where
        Self: Sized,
    {
        Err(Exit::InvalidOpcode)
    }
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
