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

/// PUSHn: reads `N` immediate bytes; past the end of the code they read as zero (padding).
pub fn push<const N: usize, H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    let start = f.pc;
    let value = if N == 1 {
        U256::from(f.bytes[start])
    } else {
        let mut word = [0u8; 32];
        word[32 - N..].copy_from_slice(&f.bytes[start..start + N]);
        U256::from_be_bytes(word)
    };
    f.stack.push(value);
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
