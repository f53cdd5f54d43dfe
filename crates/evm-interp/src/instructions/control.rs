//! Control flow: STOP, JUMP, JUMPI, JUMPDEST, PC, GAS, RETURN, REVERT.

use alloy_primitives::U256;

use crate::frame::{Frame, to_u64};
use crate::host::Host;
use crate::interpreter::Exit;

/// STOP.
pub fn stop<H: Host>(_f: &mut Frame<'_, H>) -> Result<(), Exit> {
    Err(Exit::Stop)
}

#[inline]
fn jump_to<H: Host>(f: &mut Frame<'_, H>, dest: U256) -> Result<(), Exit> {
    match to_u64(dest) {
        Some(d) if f.code.is_valid_jump(d as usize) => {
            f.pc = d as usize;
            Ok(())
        }
        _ => {
            core::hint::cold_path();
            Err(Exit::InvalidJump)
        }
    }
}

/// JUMP.
pub fn jump<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    let dest = f.stack.pop();
    jump_to(f, dest)
}

/// JUMPI.
pub fn jumpi<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    let [dest, cond] = f.stack.popn::<2>();
    if cond.is_zero() { Ok(()) } else { jump_to(f, dest) }
}

/// JUMPDEST.
pub fn jumpdest<H: Host>(_f: &mut Frame<'_, H>) -> Result<(), Exit> {
    Ok(())
}

/// PC: the offset of this instruction.
pub fn pc<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    f.stack.push(U256::from(f.pc - 1));
    Ok(())
}

/// GAS: gas left after paying for this instruction.
pub fn gas<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    f.stack.push(U256::from(f.gas_left));
    Ok(())
}

#[inline]
fn output<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    let [offset, len] = f.stack.popn::<2>();
    let (offset, len) = f.resize_memory(offset, len)?;
    if len > 0 {
        f.output = f.memory.to_bytes(offset, len);
    }
    Ok(())
}

/// RETURN.
pub fn ret<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    output(f)?;
    Err(Exit::Return)
}

/// REVERT (EIP-140).
pub fn revert<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    output(f)?;
    Err(Exit::Revert)
}

#[cfg(test)]
mod tests {
    use evm_bytecode::Fork;

    use crate::host::Outcome;
    use crate::interpreter::Exit;
    use crate::test_host::{gas_used, run};

    #[test]
    fn jumps() {
        // PUSH1 4, JUMP, STOP, JUMPDEST (valid).
        assert_eq!(run("600456005b00", Fork::Cancun).0.exit, Exit::Stop);
        // PUSH1 4, JUMP, PUSH1 0x5b: byte 4 is PUSH data.
        assert_eq!(run("600456605b00", Fork::Cancun).0.exit, Exit::InvalidJump);
        // Jump past the end, and a huge destination.
        assert_eq!(run("60ff56", Fork::Cancun).0.exit, Exit::InvalidJump);
        assert_eq!(
            run(
                "7f010000000000000000000000000000000000000000000000000000000000000056",
                Fork::Cancun
            )
            .0
            .exit,
            Exit::InvalidJump
        );
        // JUMPI not taken ignores an invalid destination.
        assert_eq!(run("600060ff57", Fork::Cancun).0.exit, Exit::Stop);
        assert_eq!(gas_used("600456005b00", Fork::Cancun), 3 + 8 + 1);
    }

    #[test]
    fn stack_limits() {
        assert_eq!(run("01", Fork::Cancun).0.exit, Exit::StackUnderflow);
        assert_eq!(run("6001600290", Fork::Cancun).0.exit, Exit::Stop);
        assert_eq!(run("600191", Fork::Cancun).0.exit, Exit::StackUnderflow);
        let ok = "5f".repeat(1024);
        assert_eq!(run(&ok, Fork::Cancun).0.exit, Exit::Stop);
        let over = "5f".repeat(1025);
        assert_eq!(run(&over, Fork::Cancun).0.exit, Exit::StackOverflow);
        let dup_over = format!("{}80", "5f".repeat(1024));
        assert_eq!(run(&dup_over, Fork::Cancun).0.exit, Exit::StackOverflow);
    }

    #[test]
    fn return_and_revert() {
        let (r, _) = run("60aa60005360016000f3", Fork::Cancun);
        assert_eq!((r.outcome, r.exit), (Outcome::Success, Exit::Return));
        assert_eq!(r.output.as_ref(), &[0xaa]);
        let (r, _) = run("60bb60005360016000fd", Fork::Cancun);
        assert_eq!((r.outcome, r.exit), (Outcome::Revert, Exit::Revert));
        assert_eq!(r.output.as_ref(), &[0xbb]);
        assert!(r.gas_left > 0);
        // REVERT does not exist before Byzantium.
        assert_eq!(run("60006000fd", Fork::SpuriousDragon).0.exit, Exit::InvalidOpcode);
    }

    #[test]
    fn truncated_push_reads_zeros_and_stops() {
        let (r, _) = run("61ff", Fork::Cancun);
        assert_eq!(r.exit, Exit::Stop);
        // The hook sees the truncated PUSH2 value 0xff00 on the stack at the padding STOP.
        let (r, host) = crate::test_host::run_with::<crate::test_host::CountingHooks>(
            "61ff",
            Fork::Cancun,
            100,
            |_| {},
        );
        assert_eq!(r.exit, Exit::Stop);
        assert_eq!(host.hooks.steps, 2);
        assert_eq!(host.hooks.after, 1);
        assert_eq!((host.hooks.enters, host.hooks.exits), (0, 0));
        assert_eq!(host.hooks.last_stack, vec![alloy_primitives::U256::from(0xff00)]);
    }

    #[test]
    fn out_of_gas_consumes_everything() {
        let (r, _) =
            crate::test_host::run_with::<crate::NoHooks>("6001600101", Fork::Cancun, 8, |_| {});
        assert_eq!((r.exit, r.gas_left), (Exit::OutOfGas, 0));
        let (r, _) =
            crate::test_host::run_with::<crate::NoHooks>("6001600101", Fork::Cancun, 9, |_| {});
        assert_eq!((r.exit, r.gas_left), (Exit::Stop, 0));
    }
}
