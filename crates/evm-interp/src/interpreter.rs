//! Frame execution: `Interpreter::run` and the dispatch loop.
//!
//! A frame without opcode hooks and custom opcodes runs in `crate::dispatch::run`, the
//! register-resident loop. Otherwise, per opcode the loop here runs the `before_step` hook (only when `H::Hooks::ENABLED`), checks the
//! opcode exists in the fork, checks stack bounds and charges static gas from the fork's
//! [`ForkTable`], then calls the instruction. Error branches are cold; nothing allocates.

use std::sync::Arc;

use alloy_primitives::{Address, Bytes, U256};

use crate::blocks::Blocks;
use crate::frame::Frame;
use crate::hooks::{FrameView, Hooks, Modification, Refusal, StepAction};
use crate::instructions::{Instr, custom, instruction_table};
use crate::spec::{CustomOpcodes, FORK_TABLES, ForkTable};
use crate::stack::Stack;
use crate::{AnalyzedCode, Fork, Host, Outcome, SharedMemory};

/// Why a frame stopped. `Stop`, `Return`, `Revert` and `SelfDestruct` end it normally; every
/// later variant is an exceptional halt.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Exit {
    /// STOP or end of code.
    Stop = 1,
    /// RETURN.
    Return,
    /// REVERT.
    Revert,
    /// SELFDESTRUCT (a successful end).
    SelfDestruct,
    /// Out of gas (also: memory offsets or sizes that cannot be paid for).
    OutOfGas,
    /// Not enough stack items.
    StackUnderflow,
    /// More than 1024 stack items.
    StackOverflow,
    /// JUMP or JUMPI to a byte that is not a JUMPDEST.
    InvalidJump,
    /// An opcode undefined in this fork, or 0xFE INVALID.
    InvalidOpcode,
    /// A state change inside a static call (SSTORE, LOG, CREATE, CALL with value, …).
    StateChangeDuringStaticCall,
    /// RETURNDATACOPY past the end of the return data.
    ReturnDataOutOfBounds,
    /// CREATE or CREATE2 init code longer than 49152 bytes (EIP-3860).
    CreateInitCodeTooLarge,
    /// An extension (a hook or a custom opcode) aborted the frame; the extension's reason is
    /// reported beside the result.
    ExtensionAbort,
    /// An extension failed (a plugin callback panicked or returned an error); it is disabled.
    ExtensionFault,
    /// CREATE or CREATE2 at an address that already has code or a nonce (EIP-684).
    CreateCollision,
    /// A precompile refused its input (a bad point, a bad length, ...); out of gas in a
    /// precompile is [`Exit::OutOfGas`].
    PrecompileFailure,
    /// A creation returned code starting with 0xEF (EIP-3541, from London).
    InvalidCodePrefix,
    /// A creation returned more than 24576 bytes of code (EIP-170, from Spurious Dragon).
    CodeSizeLimit,
    /// A creation's gas cannot pay for depositing the code it returned (from Homestead).
    CodeDepositOutOfGas,
    /// The host stopped the transaction: a database read failed or the run was interrupted.
    /// The transaction returns an error, not this exit.
    Aborted,
}

impl Exit {
    /// How the caller sees this exit.
    #[inline]
    pub const fn outcome(self) -> Outcome {
        match self {
            Exit::Stop | Exit::Return | Exit::SelfDestruct => Outcome::Success,
            Exit::Revert => Outcome::Revert,
            _ => Outcome::Halt,
        }
    }

    /// Whether this is an exceptional halt.
    #[inline]
    pub const fn is_halt(self) -> bool {
        self as u8 >= Exit::OutOfGas as u8
    }
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
    /// Refund counter of this frame including successful children (zero unless Success).
    pub gas_refund: i64,
    /// RETURN or REVERT data.
    pub output: Bytes,
}

/// An instruction table owned by a VM instance, copied from the static default.
pub struct Interpreter<H: Host> {
    table: [Instr<H>; 256],
    fork_tables: Option<Arc<[ForkTable; Fork::COUNT]>>,
}

impl<H: Host> core::fmt::Debug for Interpreter<H> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Interpreter")
            .field("custom_fork_tables", &self.fork_tables.is_some())
            .finish()
    }
}

impl<H: Host> Clone for Interpreter<H> {
    fn clone(&self) -> Self {
        Self { table: self.table, fork_tables: self.fork_tables.clone() }
    }
}

impl<H: Host> Default for Interpreter<H> {
    fn default() -> Self {
        Self::new()
    }
}

impl<H: Host> Interpreter<H> {
    /// The default instruction table.
    pub fn new() -> Self {
        Self { table: const { instruction_table::<H>() }, fork_tables: None }
    }

    /// The default table with the custom opcodes of `custom` routed to
    /// [`Hooks::custom_opcode`] and its fork tables (shared, not copied).
    pub fn with_custom(opcodes: &CustomOpcodes) -> Self {
        let mut interp = Self::new();
        if opcodes.is_empty() {
            return interp;
        }
        for op in opcodes.opcodes() {
            interp.table[op as usize] = custom::<H>;
        }
        interp.fork_tables = Some(Arc::clone(opcodes.tables()));
        interp
    }

    /// The instruction table.
    pub fn table(&self) -> &[Instr<H>; 256] {
        &self.table
    }

    /// Replaces the instruction of `opcode` in every fork, with its static gas, stack bounds
    /// (items read, items present after, as in `OpInfo`) and the first fork it exists in.
    pub fn insert_instruction(
        &mut self,
        opcode: u8,
        instr: Instr<H>,
        static_gas: u16,
        pops: u8,
        pushes: u8,
        since: Fork,
    ) {
        self.table[opcode as usize] = instr;
        let tables = self.fork_tables.get_or_insert_with(|| Arc::new(FORK_TABLES));
        for (fork, t) in Fork::ALL.iter().zip(Arc::make_mut(tables).iter_mut()) {
            t.set(opcode, *fork >= since, static_gas, pops, pushes);
        }
    }

    /// The fork table this interpreter uses for `fork`.
    #[inline]
    pub fn fork_table(&self, fork: Fork) -> &ForkTable {
        match &self.fork_tables {
            None => &FORK_TABLES[fork as usize],
            Some(t) => &t[fork as usize],
        }
    }

    /// Runs one frame to completion. Opens a new memory context on `memory` at the start and
    /// frees it at the end, so the caller's memory is untouched.
    pub fn run(&self, input: FrameInput, host: &mut H, memory: &mut SharedMemory) -> FrameResult {
        Tables { table: &self.table, fork_tables: self.fork_tables.as_deref() }
            .run(input, host, memory)
    }

    /// [`run`](Self::run) with the default table, which is a constant: nothing is built or
    /// copied, so a host that has no custom opcodes needs no `Interpreter` value at all.
    pub fn run_default(input: FrameInput, host: &mut H, memory: &mut SharedMemory) -> FrameResult {
        Tables { table: &const { instruction_table::<H>() }, fork_tables: None }
            .run(input, host, memory)
    }
}

/// The tables one run reads: an interpreter's, or the constant default.
struct Tables<'t, H: Host> {
    table: &'t [Instr<H>; 256],
    /// Custom fork tables; `None` for the defaults.
    fork_tables: Option<&'t [ForkTable; Fork::COUNT]>,
}

impl<H: Host> Tables<'_, H> {
    /// The fork table for `fork`.
    #[inline]
    fn fork_table(&self, fork: Fork) -> &ForkTable {
        match self.fork_tables {
            None => &FORK_TABLES[fork as usize],
            Some(t) => &t[fork as usize],
        }
    }

    /// See [`Interpreter::run`].
    #[inline]
    fn run(&self, input: FrameInput, host: &mut H, memory: &mut SharedMemory) -> FrameResult {
        memory.new_context();
        let code = Arc::clone(&input.code);
        let mut frame = Frame {
            stack: Stack::new(),
            memory,
            host,
            input: &input,
            code: &code,
            bytes: code.padded(),
            pc: 0,
            gas_left: input.gas_limit,
            gas_refund: 0,
            fork: input.fork,
            return_data: Bytes::new(),
            output: Bytes::new(),
        };
        let exit = if H::Hooks::ENABLED && frame.host.hooks().steps_enabled() {
            self.dispatch::<true>(&mut frame)
        } else if self.fork_tables.is_none() {
            // The default table: the register-resident loop, with the hot opcodes inlined,
            // checked per basic block where the fork allows it.
            let ops = &FORK_TABLES[frame.fork as usize].ops;
            let code = frame.code;
            if frame.fork >= crate::blocks::FIRST_FORK
                && let Some(blocks) = Blocks::of(code)
            {
                match crate::dispatch::run_blocks(self.table, ops, &mut frame, blocks) {
                    Some(exit) => exit,
                    None => crate::dispatch::run(self.table, ops, &mut frame),
                }
            } else {
                crate::dispatch::run(self.table, ops, &mut frame)
            }
        } else {
            self.dispatch::<false>(&mut frame)
        };
        let outcome = exit.outcome();
        let result = match outcome {
            Outcome::Success => FrameResult {
                outcome,
                exit,
                gas_left: frame.gas_left,
                gas_refund: frame.gas_refund,
                output: core::mem::take(&mut frame.output),
            },
            Outcome::Revert => FrameResult {
                outcome,
                exit,
                gas_left: frame.gas_left,
                gas_refund: 0,
                output: core::mem::take(&mut frame.output),
            },
            Outcome::Halt => {
                FrameResult { outcome, exit, gas_left: 0, gas_refund: 0, output: Bytes::new() }
            }
        };
        let Frame { memory, stack, .. } = frame;
        stack.recycle();
        memory.free_context();
        result
    }

    /// The dispatch loop; `STEPS` adds the opcode hooks (only when `H::Hooks::ENABLED`).
    #[inline]
    fn dispatch<const STEPS: bool>(&self, f: &mut Frame<'_, H>) -> Exit {
        let ops = &self.fork_table(f.fork).ops;
        let (before, after) = if H::Hooks::ENABLED && STEPS {
            let hooks = f.host.hooks();
            (hooks.before_steps_enabled(), hooks.after_steps_enabled())
        } else {
            (false, false)
        };
        loop {
            let pc = f.pc;
            let op = f.bytes[pc];
            if H::Hooks::ENABLED && STEPS && before {
                let view = FrameView {
                    pc,
                    opcode: op,
                    gas_left: f.gas_left,
                    stack: f.stack.as_slice(),
                    memory: f.memory.context(),
                    depth: f.input.depth,
                    address: f.input.address,
                    is_static: f.input.is_static,
                };
                let action = f.host.hooks().before_step(&view);
                if !matches!(action, StepAction::Continue)
                    && let Err(exit) = apply(f, action)
                {
                    return exit;
                }
            }
            let i = op as usize;
            let entry = ops[i];
            let len = f.stack.len();
            if len.wrapping_sub(entry.stack_min as usize) > entry.stack_span as usize {
                core::hint::cold_path();
                return entry.stack_failure(len);
            }
            match f.gas_left.checked_sub(entry.gas as u64) {
                Some(left) => f.gas_left = left,
                None => {
                    core::hint::cold_path();
                    return Exit::OutOfGas;
                }
            }
            f.pc = pc + 1;
            if let Err(exit) = (self.table[i])(f) {
                return exit;
            }
            if H::Hooks::ENABLED && STEPS && after {
                let view = FrameView {
                    pc,
                    opcode: op,
                    gas_left: f.gas_left,
                    stack: f.stack.as_slice(),
                    memory: f.memory.context(),
                    depth: f.input.depth,
                    address: f.input.address,
                    is_static: f.input.is_static,
                };
                let action = f.host.hooks().after_step(&view);
                if !matches!(action, StepAction::Continue)
                    && let Err(exit) = apply(f, action)
                {
                    return exit;
                }
            }
        }
    }
}

/// Applies what an opcode hook asked: a halt, or modifications in order. A refused
/// modification is reported to the hooks and skipped.
#[cold]
#[inline(never)]
fn apply<H: Host>(f: &mut Frame<'_, H>, action: StepAction) -> Result<(), Exit> {
    let changes = match action {
        StepAction::Continue => return Ok(()),
        StepAction::Abort(_) => return Err(Exit::ExtensionAbort),
        StepAction::Modify(changes) => changes,
    };
    for change in &changes {
        let refused = match change {
            Modification::GasLeft(gas) => {
                f.gas_left = *gas;
                None
            }
            Modification::Stack { depth, value } => {
                let len = f.stack.len();
                if *depth < len {
                    f.stack.set(len - 1 - depth, *value);
                    None
                } else {
                    Some(Refusal::StackOutOfRange)
                }
            }
            Modification::Memory { offset, data } => match offset.checked_add(data.len()) {
                Some(end) if end <= f.memory.len() => {
                    f.memory.set(*offset, data);
                    None
                }
                _ => Some(Refusal::MemoryOutOfRange),
            },
            Modification::Storage { key, value } => {
                if f.input.is_static {
                    Some(Refusal::StaticFrame)
                } else {
                    f.host.sstore(f.input.address, *key, *value);
                    None
                }
            }
        };
        if let Some(why) = refused {
            f.host.hooks().modification_refused(change, why);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use alloy_primitives::{Address, Log, U256};

    use super::*;
    use crate::hooks::FrameView;
    use crate::test_host::run_with;

    /// Disabled hooks that panic when called: proves every call site checks `ENABLED`.
    #[derive(Debug, Default)]
    struct Tripwire;

    impl Hooks for Tripwire {
        const ENABLED: bool = false;
        fn steps_enabled(&self) -> bool {
            panic!("steps_enabled")
        }
        fn before_step(&mut self, _: &FrameView<'_>) -> StepAction {
            panic!("before_step")
        }
        fn after_step(&mut self, _: &FrameView<'_>) -> StepAction {
            panic!("after_step")
        }
        fn call_enter(&mut self, _: usize, _: &crate::CallInputs) -> crate::hooks::CallAction {
            panic!("call_enter")
        }
        fn call_exit(&mut self, _: usize, _: &crate::CallInputs, _: &mut crate::CallOutcome) {
            panic!("call_exit")
        }
        fn on_log(&mut self, _: &Log) {
            panic!("on_log")
        }
        fn on_sload(&mut self, _: Address, _: U256, _: U256, _: bool) {
            panic!("on_sload")
        }
        fn on_sstore(&mut self, _: Address, _: U256, _: U256, _: U256) {
            panic!("on_sstore")
        }
    }

    #[test]
    fn no_hook_runs_when_disabled() {
        // SSTORE, LOG0, a CALL to itself with no gas, then RETURN.
        let code = "6001600055600060006000a06000600060006000600030600 0f1 00".replace(' ', "");
        let (r, _) = run_with::<Tripwire>(&code, Fork::Cancun, 1_000_000, |_| {});
        assert_eq!(r.outcome, Outcome::Success);
    }

    #[test]
    fn exit_outcomes() {
        assert_eq!(Exit::Stop as u8, 1);
        assert!(!Exit::SelfDestruct.is_halt());
        assert!(Exit::OutOfGas.is_halt());
        assert_eq!(Exit::Revert.outcome(), Outcome::Revert);
        assert_eq!(Exit::InvalidJump.outcome(), Outcome::Halt);
    }

    #[test]
    fn custom_opcode() {
        use crate::test_host::MockHost;
        fn answer(f: &mut Frame<'_, MockHost>) -> Result<(), Exit> {
            f.stack.push(U256::from(42));
            Ok(())
        }
        let mut interp = Interpreter::<MockHost>::new();
        interp.insert_instruction(0x0c, answer, 7, 0, 1, Fork::Cancun);
        let mut host = MockHost::new(Fork::Cancun);
        let input =
            host.frame(hex::decode("0c60005260206000f3").unwrap().into(), Address::ZERO, 100);
        let r = interp.run(input, &mut host, &mut SharedMemory::new());
        assert_eq!(U256::from_be_slice(&r.output), U256::from(42));
        assert_eq!(r.gas_left, 100 - 7 - 3 - 6 - 3 - 3);
        let mut input = host.frame(hex::decode("0c").unwrap().into(), Address::ZERO, 100);
        input.fork = Fork::Shanghai;
        assert_eq!(
            interp.run(input, &mut host, &mut SharedMemory::new()).exit,
            Exit::InvalidOpcode
        );
    }
}
