//! Control flow: STOP, JUMP, JUMPI, JUMPDEST, PC, GAS, RETURN, REVERT.

use alloy_primitives::{Bytes, U256};

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
        f.output = Bytes::copy_from_slice(f.memory.slice(offset, len));
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
