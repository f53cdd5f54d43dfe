//! Step traces of both VMs in the EIP-3155 fields (pc, op, gas, depth, stack) and the first
//! step where they differ: the tracer hooks for evmkit and the inspector for revm.

use std::fmt;

use alloy_primitives::U256;
use evm_interp::{FrameView, Hooks, StepAction};
use revm::context::{ContextTr, JournalTr};
use revm::interpreter::Interpreter;
use revm::interpreter::interpreter::EthInterpreter;
use revm::interpreter::interpreter_types::Jumps;

/// Steps kept per trace; a longer execution is cut (and compared) at this length.
pub const MAX_STEPS: usize = 100_000;

/// One executed instruction, before it runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// Program counter.
    pub pc: usize,
    /// Opcode.
    pub op: u8,
    /// Gas left before the instruction.
    pub gas: u64,
    /// Call depth, 1 for the transaction's frame.
    pub depth: usize,
    /// Stack, bottom first.
    pub stack: Vec<U256>,
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = evm_bytecode::OPCODE_INFO[usize::from(self.op)].name;
        write!(
            f,
            "pc {} op {:#04x} {} gas {} depth {} stack [",
            self.pc, self.op, name, self.gas, self.depth
        )?;
        for (i, v) in self.stack.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{v:#x}")?;
        }
        f.write_str("]")
    }
}

/// evmkit's step recorder.
#[derive(Debug, Default)]
pub struct EvmkitTracer {
    /// Recorded steps.
    pub steps: Vec<Step>,
}

impl Hooks for EvmkitTracer {
    fn before_step(&mut self, frame: &FrameView<'_>) -> StepAction {
        if self.steps.len() < MAX_STEPS {
            self.steps.push(Step {
                pc: frame.pc,
                op: frame.opcode,
                gas: frame.gas_left,
                depth: frame.depth + 1,
                stack: frame.stack.to_vec(),
            });
        }
        StepAction::Continue
    }
}

impl evm_vm::VmHooks for EvmkitTracer {}

/// revm's step recorder.
#[derive(Debug, Default)]
pub struct RevmTracer {
    /// Recorded steps.
    pub steps: Vec<Step>,
}

impl<CTX: ContextTr> revm::Inspector<CTX, EthInterpreter> for RevmTracer {
    fn step(&mut self, interp: &mut Interpreter<EthInterpreter>, context: &mut CTX) {
        if self.steps.len() < MAX_STEPS {
            self.steps.push(Step {
                pc: interp.bytecode.pc(),
                op: interp.bytecode.opcode(),
                gas: interp.gas.remaining(),
                depth: context.journal_mut().depth(),
                stack: interp.stack.data().clone(),
            });
        }
    }
}

/// The first step where two traces differ: index and each side's step (`None` past its end).
pub fn first_difference<'a>(
    a: &'a [Step],
    b: &'a [Step],
) -> Option<(usize, Option<&'a Step>, Option<&'a Step>)> {
    let n = a.len().max(b.len());
    (0..n).find(|&i| a.get(i) != b.get(i)).map(|i| (i, a.get(i), b.get(i)))
}
