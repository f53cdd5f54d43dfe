//! Frame execution entry point (STUB: the interp work replaces this).

use std::sync::Arc;

use alloy_primitives::{Address, Bytes, U256};

use crate::{AnalyzedCode, Fork, Host, Outcome, SharedMemory};

/// Why a frame stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Exit {
    /// STOP or end of code.
    Stop = 1,
    /// RETURN.
    Return,
    /// REVERT.
    Revert,
    /// Out of gas.
    OutOfGas,
}

/// What a frame starts with.
#[derive(Clone, Debug)]
pub struct FrameInput {
    /// Analysed code to run.
    pub code: Arc<AnalyzedCode>,
    /// ADDRESS: the account whose storage and balance the frame uses.
    pub address: Address,
    /// CALLER.
    pub caller: Address,
    /// CALLVALUE.
    pub value: U256,
    /// Call data (empty for init code).
    pub input: Bytes,
    /// Gas available.
    pub gas_limit: u64,
    /// Static context.
    pub is_static: bool,
    /// Call depth: 0 for the transaction's own frame.
    pub depth: usize,
    /// Fork rules to apply.
    pub fork: Fork,
}

/// How a frame ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrameResult {
    /// Success, Revert or Halt.
    pub outcome: Outcome,
    /// The exact reason.
    pub exit: Exit,
    /// Gas left (zero after a Halt).
    pub gas_left: u64,
    /// Refund counter of this frame including successful children.
    pub gas_refund: i64,
    /// RETURN or REVERT data.
    pub output: Bytes,
}

/// An instruction table owned by a VM instance, copied from the static default.
#[derive(Debug)]
pub struct Interpreter<H: Host> {
    _host: core::marker::PhantomData<fn(&mut H)>,
}

impl<H: Host> Default for Interpreter<H> {
    fn default() -> Self {
        Self::new()
    }
}

impl<H: Host> Interpreter<H> {
    /// The default instruction table.
    pub fn new() -> Self {
        Self { _host: core::marker::PhantomData }
    }

    /// Runs one frame to completion. Opens a new memory context on `memory` at the start and
    /// frees it at the end, so the caller's memory is untouched.
    pub fn run(&self, input: FrameInput, host: &mut H, memory: &mut SharedMemory) -> FrameResult {
        let _ = (input, host, memory);
        todo!("interpreter")
    }
}
