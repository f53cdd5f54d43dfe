//! Opcodes that read or write state or the environment through the [`Host`]: BALANCE,
//! EXTCODE*, BLOCKHASH, block and transaction values, SLOAD/SSTORE, TLOAD/TSTORE, LOG,
//! SELFDESTRUCT.

use alloy_primitives::{B256, Bytes, Log, U256};
use evm_bytecode::Fork;

use crate::frame::{Frame, from_address, saturating_usize, to_address};
use crate::gas;
use crate::hooks::Hooks;
use crate::host::Host;
use crate::interpreter::Exit;

#[inline]
fn word(b: B256) -> U256 {
    U256::from_be_bytes(b.0)
}

/// BALANCE.
pub fn balance<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    let address = to_address(f.stack.pop());
    let load = f.host.balance(address);
    f.charge(gas::cold_account_surcharge(f.fork, load.is_cold))?;
    f.stack.push(load.data);
    Ok(())
}

/// SELFBALANCE (EIP-1884).
pub fn selfbalance<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    let value = f.host.balance(f.input.address).data;
    f.stack.push(value);
    Ok(())
}

/// ORIGIN.
pub fn origin<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    let value = from_address(f.host.tx().origin);
    f.stack.push(value);
    Ok(())
}

/// GASPRICE.
pub fn gasprice<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    let value = f.host.tx().gas_price;
    f.stack.push(value);
    Ok(())
}

/// EXTCODESIZE.
pub fn extcodesize<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    let address = to_address(f.stack.pop());
    let load = f.host.code_size(address);
    f.charge(gas::cold_account_surcharge(f.fork, load.is_cold))?;
    f.stack.push(U256::from(load.data));
    Ok(())
}

/// EXTCODEHASH (EIP-1052).
pub fn extcodehash<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    let address = to_address(f.stack.pop());
    let load = f.host.code_hash(address);
    f.charge(gas::cold_account_surcharge(f.fork, load.is_cold))?;
    f.stack.push(word(load.data));
    Ok(())
}

/// EXTCODECOPY.
pub fn extcodecopy<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    let [address, mem_offset, code_offset, len] = f.stack.popn::<4>();
    let address = to_address(address);
    let range = Frame::<H>::mem_range(mem_offset, len)?;
    let copy = match range {
        Some((_, n)) => gas::words(n as u64) * 3,
        None => 0,
    };
    f.charge(copy)?;
    if let Some((offset, n)) = range {
        f.expand_to(offset + n)?;
    }
    let load = f.host.code(address);
    f.charge(gas::cold_account_surcharge(f.fork, load.is_cold))?;
    if let Some((offset, n)) = range {
        f.memory.set_data(offset, saturating_usize(code_offset), n, &load.data);
    }
    Ok(())
}

/// BLOCKHASH (the host applies the 256-block window).
pub fn blockhash<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    let number = f.stack.pop();
    let hash = f.host.block_hash(number);
    f.stack.push(word(hash));
    Ok(())
}

/// COINBASE.
pub fn coinbase<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    let value = from_address(f.host.block().coinbase);
    f.stack.push(value);
    Ok(())
}

/// TIMESTAMP.
pub fn timestamp<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    let value = f.host.block().timestamp;
    f.stack.push(value);
    Ok(())
}

/// NUMBER.
pub fn number<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    let value = f.host.block().number;
    f.stack.push(value);
    Ok(())
}

/// DIFFICULTY before Paris, PREVRANDAO from it on (EIP-4399).
pub fn prevrandao<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    let block = f.host.block();
    let value = if f.fork >= Fork::Paris { word(block.prevrandao) } else { block.difficulty };
    f.stack.push(value);
    Ok(())
}

/// GASLIMIT.
pub fn gaslimit<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    let value = f.host.block().gas_limit;
    f.stack.push(value);
    Ok(())
}

/// CHAINID (EIP-1344).
pub fn chainid<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    let value = f.host.block().chain_id;
    f.stack.push(value);
    Ok(())
}

/// BASEFEE (EIP-3198).
pub fn basefee<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    let value = f.host.block().basefee;
    f.stack.push(value);
    Ok(())
}

/// BLOBHASH (EIP-4844): zero past the end of the transaction's blob hashes.
pub fn blobhash<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    let index = saturating_usize(f.stack.pop());
    let value = f.host.tx().blob_hashes.get(index).map_or(U256::ZERO, |h| word(*h));
    f.stack.push(value);
    Ok(())
}

/// BLOBBASEFEE (EIP-7516).
pub fn blobbasefee<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    let value = f.host.block().blob_basefee;
    f.stack.push(value);
    Ok(())
}

/// SLOAD.
pub fn sload<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    let key = f.stack.pop();
    let load = f.host.sload(f.input.address, key);
    if H::Hooks::ENABLED {
        f.host.hooks().on_sload(f.input.address, key, load.data, load.is_cold);
    }
    if load.is_cold && f.fork >= Fork::Berlin {
        f.charge(gas::COLD_SLOAD - gas::WARM_STORAGE_READ)?;
    }
    f.stack.push(load.data);
    Ok(())
}

/// SSTORE: legacy, EIP-1283, EIP-2200, EIP-2929 and EIP-3529 pricing per fork.
pub fn sstore<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    f.require_non_static()?;
    // EIP-2200: the stipend sentry.
    if f.fork >= Fork::Istanbul && f.gas_left <= gas::CALL_STIPEND {
        core::hint::cold_path();
        return Err(Exit::OutOfGas);
    }
    let [key, value] = f.stack.popn::<2>();
    let address = f.input.address;
    let load = f.host.sstore(address, key, value);
    let (cost, refund) = gas::sstore_cost(f.fork, &load.data, load.is_cold);
    f.charge(cost)?;
    f.gas_refund += refund;
    if H::Hooks::ENABLED {
        f.host.hooks().on_sstore(address, key, load.data.present, value);
    }
    Ok(())
}

/// TLOAD (EIP-1153).
pub fn tload<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    let key = f.stack.pop();
    let value = f.host.tload(f.input.address, key);
    f.stack.push(value);
    Ok(())
}

/// TSTORE (EIP-1153).
pub fn tstore<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    f.require_non_static()?;
    let [key, value] = f.stack.popn::<2>();
    f.host.tstore(f.input.address, key, value);
    Ok(())
}

/// LOG0..LOG4: 375 + 375 per topic (static) plus 8 per data byte.
pub fn log<const N: usize, H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    f.require_non_static()?;
    let [offset, len] = f.stack.popn::<2>();
    let (offset, len) = f.resize_memory(offset, len)?;
    f.charge(8 * len as u64)?;
    let mut topics = Vec::with_capacity(N);
    for _ in 0..N {
        topics.push(B256::from(f.stack.pop()));
    }
    let data =
        if len == 0 { Bytes::new() } else { Bytes::copy_from_slice(f.memory.slice(offset, len)) };
    let log = Log::new_unchecked(f.input.address, topics, data);
    if H::Hooks::ENABLED {
        f.host.hooks().on_log(&log);
    }
    f.host.log(log);
    Ok(())
}

/// SELFDESTRUCT: ends the frame successfully.
pub fn selfdestruct<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    f.require_non_static()?;
    let target = to_address(f.stack.pop());
    let load = f.host.selfdestruct(f.input.address, target);
    let (cost, refund) = gas::selfdestruct_cost(f.fork, &load.data, load.is_cold);
    f.charge(cost)?;
    f.gas_refund += refund;
    Err(Exit::SelfDestruct)
}

#[cfg(test)]
mod tests {
    use alloy_primitives::{Address, U256};
    use evm_bytecode::Fork;

    use crate::NoHooks;
    use crate::host::Outcome;
    use crate::interpreter::Exit;
    use crate::test_host::{SELF, eval, gas_used, run, run_with};

    #[test]
    fn sload_per_fork() {
        // PUSH1 1, SLOAD (cold, then warm), POP each.
        let code = "6001545060015450";
        assert_eq!(gas_used(code, Fork::Frontier), 2 * (3 + 50 + 2));
        assert_eq!(gas_used(code, Fork::Tangerine), 2 * (3 + 200 + 2));
        assert_eq!(gas_used(code, Fork::Istanbul), 2 * (3 + 800 + 2));
        assert_eq!(gas_used(code, Fork::Berlin), (3 + 2100 + 2) + (3 + 100 + 2));
    }

    #[test]
    fn balance_per_fork() {
        let code = "6022315060223150";
        assert_eq!(gas_used(code, Fork::Frontier), 2 * (3 + 20 + 2));
        assert_eq!(gas_used(code, Fork::Tangerine), 2 * (3 + 400 + 2));
        assert_eq!(gas_used(code, Fork::Istanbul), 2 * (3 + 700 + 2));
        assert_eq!(gas_used(code, Fork::Cancun), (3 + 2600 + 2) + (3 + 100 + 2));
        // EXTCODEHASH in Constantinople, EXTCODESIZE pre-Tangerine.
        assert_eq!(gas_used("60223f50", Fork::Constantinople), 3 + 400 + 2);
        assert_eq!(gas_used("60223b50", Fork::Homestead), 3 + 20 + 2);
        // SELFBALANCE.
        assert_eq!(gas_used("4750", Fork::Istanbul), 5 + 2);
    }

    #[test]
    fn sstore_per_fork() {
        // SSTORE(0, 1) on a fresh slot.
        let set = "6001600055";
        assert_eq!(gas_used(set, Fork::Frontier), 3 + 3 + 20000);
        assert_eq!(gas_used(set, Fork::Istanbul), 3 + 3 + 20000);
        assert_eq!(gas_used(set, Fork::Berlin), 3 + 3 + 20000 + 2100);
        // Set then clear in the same frame: EIP-2200 refunds 19200 (Istanbul) / 19900 (Berlin).
        let set_clear = "60016000556000600055";
        let (r, _) = run(set_clear, Fork::Istanbul);
        assert_eq!((1_000_000 - r.gas_left, r.gas_refund), (6 + 20000 + 6 + 800, 19200));
        let (r, _) = run(set_clear, Fork::London);
        assert_eq!((1_000_000 - r.gas_left, r.gas_refund), (6 + 22100 + 6 + 100, 19900));
        let (r, _) = run(set_clear, Fork::Petersburg);
        assert_eq!((1_000_000 - r.gas_left, r.gas_refund), (6 + 20000 + 6 + 5000, 15000));
        let (r, _) = run(set_clear, Fork::Constantinople);
        assert_eq!((1_000_000 - r.gas_left, r.gas_refund), (6 + 20000 + 6 + 200, 19800));
    }

    #[test]
    fn sstore_sentry() {
        let (r, _) = run_with::<NoHooks>("6001600055", Fork::Istanbul, 2306, |_| {});
        assert_eq!(r.exit, Exit::OutOfGas);
        // Constantinople (EIP-1283) has no sentry: 2306 gas is not enough anyway for a set,
        // but a no-op write of 200 succeeds.
        let (r, _) = run_with::<NoHooks>("6000600055", Fork::Constantinople, 300, |_| {});
        assert_eq!(r.exit, Exit::Stop);
    }

    #[test]
    fn static_context_rejects_writes() {
        for code in ["6001600055", "60006000a0", "600160015d", "6000ff"] {
            let (r, _) = run_with::<NoHooks>(code, Fork::Cancun, 100_000, |_| {});
            assert_eq!(r.outcome, Outcome::Success, "{code} in a normal frame");
        }
        // Run each inside STATICCALL: the callee at 0x22 halts, the call pushes 0.
        for code in ["6001600055", "60006000a0", "600160015d", "6000ff"] {
            // STATICCALL(gas, 0x22, 0, 0, 0, 0), then return the flag.
            let caller = "6000600060006000602261fffffa";
            let (r, host) = run_with::<NoHooks>(
                &format!("{caller}60005260206000f3"),
                Fork::Cancun,
                1_000_000,
                |h| {
                    h.accounts.insert(
                        Address::with_last_byte(0x22),
                        crate::test_host::Account {
                            balance: U256::ZERO,
                            code: hex::decode(code).unwrap().into(),
                        },
                    );
                },
            );
            assert_eq!(r.outcome, Outcome::Success);
            assert_eq!(U256::from_be_slice(&r.output), U256::ZERO, "{code} in a static frame");
            assert!(host.calls[0].is_static);
        }
    }

    #[test]
    fn logs() {
        // MSTORE8(0, 0xaa), LOG1(0, 1, topic 7).
        let (r, host) = run("60aa600053600760016000a1", Fork::Cancun);
        assert_eq!(r.exit, Exit::Stop);
        assert_eq!(host.logs.len(), 1);
        assert_eq!(host.logs[0].address, SELF);
        assert_eq!(host.logs[0].data.data.as_ref(), &[0xaa]);
        assert_eq!(host.logs[0].data.topics()[0], alloy_primitives::B256::from(U256::from(7)));
        assert_eq!(gas_used("600760016000a1", Fork::Cancun), 9 + 750 + 8 + 3);
    }

    #[test]
    fn environment() {
        assert_eq!(eval("46", Fork::Istanbul), U256::from(1));
        assert_eq!(eval("30", Fork::Cancun), crate::frame::from_address(SELF));
        assert_eq!(eval("60054049", Fork::Cancun), U256::ZERO);
        assert_eq!(eval("600540", Fork::Cancun), U256::from(5));
        assert_eq!(eval("600160025d60025c", Fork::Cancun), U256::from(1));
        assert_eq!(gas_used("600160025d60025c", Fork::Cancun), 3 + 3 + 100 + 3 + 100);
    }

    #[test]
    fn selfdestruct_gas() {
        let (r, _) = run("6022ff", Fork::Frontier);
        assert_eq!((r.exit, r.gas_refund, 1_000_000 - r.gas_left), (Exit::SelfDestruct, 24000, 3));
        let (r, _) = run("6022ff", Fork::Tangerine);
        assert_eq!(1_000_000 - r.gas_left, 3 + 5000 + 25000);
        let (r, _) = run("6022ff", Fork::SpuriousDragon);
        assert_eq!(1_000_000 - r.gas_left, 3 + 5000);
        let (r, _) = run("6022ff", Fork::London);
        assert_eq!((r.gas_refund, 1_000_000 - r.gas_left), (0, 3 + 5000 + 2600));
    }
}
