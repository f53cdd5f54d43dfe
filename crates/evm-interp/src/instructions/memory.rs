//! Memory: MLOAD, MSTORE, MSTORE8, MSIZE, MCOPY.

use alloy_primitives::U256;

use crate::frame::Frame;
use crate::gas;
use crate::host::Host;
use crate::interpreter::Exit;

/// MLOAD.
pub fn mload<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    let offset = f.stack.pop();
    let offset = Frame::<H>::fixed_range::<32>(offset).ok_or(Exit::OutOfGas)?;
    f.expand_to(offset + 32)?;
    let word = f.memory.word(offset);
    f.stack.push(U256::from_be_bytes(word));
    Ok(())
}

/// MSTORE.
pub fn mstore<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    let [offset, value] = f.stack.popn::<2>();
    let offset = Frame::<H>::fixed_range::<32>(offset).ok_or(Exit::OutOfGas)?;
    f.expand_to(offset + 32)?;
    f.memory.set(offset, &value.to_be_bytes::<32>());
    Ok(())
}

/// MSTORE8.
pub fn mstore8<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    let [offset, value] = f.stack.popn::<2>();
    let offset = Frame::<H>::fixed_range::<1>(offset).ok_or(Exit::OutOfGas)?;
    f.expand_to(offset + 1)?;
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

#[cfg(test)]
mod tests {
    use alloy_primitives::U256;
    use evm_bytecode::Fork;

    use crate::interpreter::Exit;
    use crate::test_host::{eval, gas_used, run};

    #[test]
    fn expansion_cost() {
        // MSTORE at 0: 3 + 3 + 3 + one word (3).
        assert_eq!(gas_used("6001600052", Fork::Cancun), 12);
        // MSTORE8 at 31 is still one word.
        assert_eq!(gas_used("6001601f53", Fork::Cancun), 12);
        // MLOAD at 0x3e0 (offset 992): 32 words = 3*32 + 32*32/512 = 98.
        assert_eq!(gas_used("6103e051", Fork::Cancun), 3 + 3 + 98);
        // A second touch of the same memory is free.
        assert_eq!(gas_used("6000516000515059", Fork::Cancun), 3 + 3 + 3 + 3 + 3 + 2 + 2);
    }

    #[test]
    fn huge_offsets_run_out_of_gas() {
        assert_eq!(
            run(
                "7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff51",
                Fork::Cancun
            )
            .0
            .exit,
            Exit::OutOfGas
        );
        assert_eq!(run("67ffffffffffffffff51", Fork::Cancun).0.exit, Exit::OutOfGas);
        assert_eq!(run("64ffffffffff51", Fork::Cancun).0.exit, Exit::OutOfGas);
        // Zero-length RETURN at a huge offset does not touch memory.
        assert_eq!(
            run(
                "60007ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff3",
                Fork::Cancun
            )
            .0
            .exit,
            Exit::Return
        );
    }

    #[test]
    fn msize_and_mcopy() {
        assert_eq!(eval("60005159", Fork::Cancun), U256::from(32));
        // MSTORE(0, 0x1234), MCOPY(dst 32, src 0, 32), MLOAD(32).
        assert_eq!(eval("6112346000526020600060205e602051", Fork::Cancun), U256::from(0x1234));
        // MCOPY: 3 static + 3 per word + expansion to 64 bytes (6); the MSTORE paid 3.
        assert_eq!(
            gas_used("6112346000526020600060205e", Fork::Cancun),
            3 + 3 + 6 + 3 + 3 + 3 + 3 + 3 + 3
        );
    }
}
