//! Memory: MLOAD, MSTORE, MSTORE8, MSIZE, MCOPY.

use alloy_primitives::U256;

use crate::frame::Frame;
use crate::gas;
use crate::host::Host;
use crate::interpreter::Exit;

/// MLOAD.
pub fn mload<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    let offset = f.stack.pop();
    let (offset, _) = f.resize_memory(offset, U256::from(32))?;
    let word = f.memory.word(offset);
    f.stack.push(U256::from_be_bytes(word));
    Ok(())
}

/// MSTORE.
pub fn mstore<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    let [offset, value] = f.stack.popn::<2>();
    let (offset, _) = f.resize_memory(offset, U256::from(32))?;
    f.memory.set(offset, &value.to_be_bytes::<32>());
    Ok(())
}

/// MSTORE8.
pub fn mstore8<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    let [offset, value] = f.stack.popn::<2>();
    let (offset, _) = f.resize_memory(offset, U256::from(1))?;
    f.memory.set(offset, &[value.byte(0)]);
    Ok(())
}

/// MSIZE.
pub fn msize<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    f.stack.push(U256::from(f.memory.len()));
    Ok(())
}

/// MCOPY (EIP-5656): 3 per word plus expansion over both ranges.
pub fn mcopy<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    let [dst, src, len] = f.stack.popn::<3>();
    let Some((dst, n)) = Frame::<H>::mem_range(dst, len)? else {
        return Ok(());
    };
    let Some((src, _)) = Frame::<H>::mem_range(src, len)? else {
        return Ok(());
    };
    f.charge(gas::words(n as u64) * 3)?;
    f.expand_to(dst.max(src) + n)?;
    f.memory.copy_within(dst, src, n);
    Ok(())
}
