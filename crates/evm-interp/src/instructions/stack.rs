//! Stack manipulation: POP, PUSH0..PUSH32, DUP1..DUP16, SWAP1..SWAP16.

use alloy_primitives::U256;

use crate::frame::Frame;
use crate::host::Host;
use crate::interpreter::Exit;

/// POP.
pub fn pop<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    let _ = f.stack.pop();
    Ok(())
}

/// PUSH0 (EIP-3855).
pub fn push0<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    f.stack.push(U256::ZERO);
    Ok(())
}

/// The `N`-byte immediate at `pc`, big-endian.
#[inline(always)]
pub(crate) fn immediate<const N: usize>(bytes: &[u8], pc: usize) -> U256 {
    if N == 1 {
        return U256::from(bytes[pc]);
    }
    let mut word = [0u8; 32];
    word[32 - N..].copy_from_slice(&bytes[pc..pc + N]);
    U256::from_be_bytes(word)
}

/// PUSHn: reads `N` immediate bytes; past the end of the code they read as zero (padding).
pub fn push<const N: usize, H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    let start = f.pc;
    f.stack.push(immediate::<N>(f.bytes, start));
    f.pc = start + N;
    Ok(())
}

/// DUPn.
pub fn dup<const N: usize, H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    f.stack.dup(N);
    Ok(())
}

/// SWAPn.
pub fn swap<const N: usize, H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    f.stack.swap(N);
    Ok(())
}
