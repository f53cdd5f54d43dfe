//! The frame's own context and sub-frames: KECCAK256, ADDRESS, CALLER, CALLVALUE, CALLDATA*,
//! CODESIZE/CODECOPY, RETURNDATA*, the CALL family and CREATE/CREATE2.

use alloy_primitives::{Bytes, U256};
use evm_bytecode::Fork;

use crate::frame::{Frame, from_address, saturating_usize, to_address, to_u64};
use crate::gas;
use crate::host::{CallInputs, CallKind, CreateInputs, CreateScheme, Host, Outcome};
use crate::interpreter::Exit;

/// KECCAK256: 30 static plus 6 per word.
pub fn keccak256<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    let [offset, len] = f.stack.popn::<2>();
    let (offset, len) = f.resize_memory(offset, len)?;
    f.charge(gas::words(len as u64) * 6)?;
    let hash = if len == 0 {
        alloy_primitives::KECCAK256_EMPTY
    } else {
        crate::keccak::keccak256_cached(f.memory.slice(offset, len))
    };
    f.stack.push(U256::from_be_bytes(hash.0));
    Ok(())
}

/// ADDRESS.
pub fn address<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    f.stack.push(from_address(f.input.address));
    Ok(())
}

/// CALLER.
pub fn caller<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    f.stack.push(from_address(f.input.caller));
    Ok(())
}

/// CALLVALUE.
pub fn callvalue<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    f.stack.push(f.input.value);
    Ok(())
}

/// CALLDATALOAD: 32 bytes at the offset, zero-padded.
pub fn calldataload<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    let offset = saturating_usize(f.stack.pop());
    let data = &f.input.input;
    let mut word = [0u8; 32];
    if offset < data.len() {
        let n = (data.len() - offset).min(32);
        word[..n].copy_from_slice(&data[offset..offset + n]);
    }
    f.stack.push(U256::from_be_bytes(word));
    Ok(())
}

/// CALLDATASIZE.
pub fn calldatasize<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    f.stack.push(U256::from(f.input.input.len()));
    Ok(())
}

/// Charges 3 per word plus expansion for a copy to memory; returns the memory range.
#[inline]
fn copy_range<H: Host>(
    f: &mut Frame<'_, H>,
    mem_offset: U256,
    len: U256,
) -> Result<Option<(usize, usize)>, Exit> {
    let range = Frame::<H>::mem_range(mem_offset, len)?;
    if let Some((offset, n)) = range {
        f.charge(gas::words(n as u64) * 3)?;
        f.expand_to(offset + n)?;
    }
    Ok(range)
}

/// CALLDATACOPY.
pub fn calldatacopy<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    let [mem_offset, data_offset, len] = f.stack.popn::<3>();
    if let Some((offset, n)) = copy_range(f, mem_offset, len)? {
        f.memory.set_data(offset, saturating_usize(data_offset), n, &f.input.input);
    }
    Ok(())
}

/// CODESIZE.
pub fn codesize<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    f.stack.push(U256::from(f.code.len()));
    Ok(())
}

/// CODECOPY.
pub fn codecopy<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    let [mem_offset, code_offset, len] = f.stack.popn::<3>();
    if let Some((offset, n)) = copy_range(f, mem_offset, len)? {
        f.memory.set_data(offset, saturating_usize(code_offset), n, f.code.original());
    }
    Ok(())
}

/// RETURNDATASIZE (EIP-211).
pub fn returndatasize<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    f.stack.push(U256::from(f.return_data.len()));
    Ok(())
}

/// RETURNDATACOPY (EIP-211): reading past the end halts.
pub fn returndatacopy<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    let [mem_offset, data_offset, len] = f.stack.popn::<3>();
    let end = to_u64(data_offset).zip(to_u64(len)).and_then(|(o, l)| o.checked_add(l));
    match end {
        Some(end) if end <= f.return_data.len() as u64 => {}
        _ => {
            core::hint::cold_path();
            return Err(Exit::ReturnDataOutOfBounds);
        }
    }
    if let Some((offset, n)) = copy_range(f, mem_offset, len)? {
        let start = saturating_usize(data_offset);
        let data = core::mem::take(&mut f.return_data);
        f.memory.set(offset, &data[start..start + n]);
        f.return_data = data;
    }
    Ok(())
}

/// CALL.
pub fn call<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    call_inner(f, CallKind::Call)
}

/// CALLCODE.
pub fn callcode<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    call_inner(f, CallKind::CallCode)
}

/// DELEGATECALL (EIP-7).
pub fn delegatecall<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    call_inner(f, CallKind::DelegateCall)
}

/// STATICCALL (EIP-214).
pub fn staticcall<H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    call_inner(f, CallKind::StaticCall)
}

fn call_inner<H: Host>(f: &mut Frame<'_, H>, kind: CallKind) -> Result<(), Exit> {
    let has_value_arg = matches!(kind, CallKind::Call | CallKind::CallCode);
    let requested = f.stack.pop();
    let to = to_address(f.stack.pop());
    let value = if has_value_arg { f.stack.pop() } else { U256::ZERO };
    let [in_offset, in_len, out_offset, out_len] = f.stack.popn::<4>();
    let transfers_value = has_value_arg && !value.is_zero();
    if kind == CallKind::Call && transfers_value && f.input.is_static {
        core::hint::cold_path();
        return Err(Exit::StateChangeDuringStaticCall);
    }

    // Memory for the arguments and the return area.
    let in_range = Frame::<H>::mem_range(in_offset, in_len)?;
    let out_range = Frame::<H>::mem_range(out_offset, out_len)?;
    let end = in_range.map_or(0, |(o, n)| o + n).max(out_range.map_or(0, |(o, n)| o + n));
    f.expand_to(end)?;

    // Account access (EIP-2929), EIP-7702 delegation, value transfer, account creation.
    let load = f.host.load_account(to);
    let mut extra = gas::cold_account_surcharge(f.fork, load.is_cold);
    if let Some(delegate_cold) = load.data.delegate_is_cold {
        extra += if delegate_cold { gas::COLD_ACCOUNT_ACCESS } else { gas::WARM_STORAGE_READ };
    }
    if transfers_value {
        extra += gas::CALL_VALUE;
    }
    if kind == CallKind::Call {
        let creates = if f.fork >= Fork::SpuriousDragon {
            transfers_value && load.data.is_empty
        } else {
            load.data.is_empty
        };
        if creates {
            extra += gas::NEW_ACCOUNT;
        }
    }
    f.charge(extra)?;

    // Gas forwarded: all but one 64th from EIP-150, exactly what was asked before.
    let gas_limit = if f.fork >= Fork::Tangerine {
        let cap = gas::all_but_one_64th(f.gas_left);
        to_u64(requested).map_or(cap, |r| r.min(cap))
    } else {
        match to_u64(requested) {
            Some(r) => r,
            None => return Err(Exit::OutOfGas),
        }
    };
    f.charge(gas_limit)?;
    let stipend = if transfers_value { gas::CALL_STIPEND } else { 0 };

    let input = match in_range {
        Some((o, n)) => f.memory.to_bytes(o, n),
        None => Bytes::new(),
    };
    let here = f.input.address;
    let (target_address, caller, call_value) = match kind {
        CallKind::Call | CallKind::StaticCall => (to, here, value),
        CallKind::CallCode => (here, here, value),
        CallKind::DelegateCall => (here, f.input.caller, f.input.value),
    };
    let inputs = CallInputs {
        kind,
        code_address: to,
        target_address,
        caller,
        value: call_value,
        transfers_value,
        input,
        gas_limit: gas_limit + stipend,
        is_static: f.input.is_static || kind == CallKind::StaticCall,
    };
    let result = f.host.call(inputs, f.memory);

    match result.outcome {
        Outcome::Success => {
            f.gas_left += result.gas_left;
            f.gas_refund += result.gas_refund;
        }
        Outcome::Revert => f.gas_left += result.gas_left,
        Outcome::Halt => {}
    }
    if let Some((o, n)) = out_range {
        let n = n.min(result.output.len());
        f.memory.set(o, &result.output[..n]);
    }
    f.return_data = result.output;
    f.stack.push(U256::from(u8::from(result.outcome == Outcome::Success)));
    Ok(())
}

/// CREATE and CREATE2 (EIP-1014).
pub fn create<const IS_CREATE2: bool, H: Host>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
    f.require_non_static()?;
    let [value, offset, len] = f.stack.popn::<3>();
    let salt = if IS_CREATE2 { f.stack.pop() } else { U256::ZERO };
    let (offset, len) = f.resize_memory(offset, len)?;
    if f.fork >= Fork::Shanghai {
        // EIP-3860: limit and meter init code.
        if len > gas::MAX_INITCODE_SIZE {
            core::hint::cold_path();
            return Err(Exit::CreateInitCodeTooLarge);
        }
        f.charge(gas::words(len as u64) * 2)?;
    }
    if IS_CREATE2 {
        f.charge(gas::words(len as u64) * 6)?;
    }
    let gas_limit =
        if f.fork >= Fork::Tangerine { gas::all_but_one_64th(f.gas_left) } else { f.gas_left };
    f.charge(gas_limit)?;
    let init_code = if len == 0 { Bytes::new() } else { f.memory.to_bytes(offset, len) };
    let scheme = if IS_CREATE2 { CreateScheme::Create2 { salt } } else { CreateScheme::Create };
    let inputs = CreateInputs { caller: f.input.address, scheme, value, init_code, gas_limit };
    let result = f.host.create(inputs, f.memory);

    match result.outcome {
        Outcome::Success => {
            f.gas_left += result.gas_left;
            f.gas_refund += result.gas_refund;
        }
        Outcome::Revert => f.gas_left += result.gas_left,
        Outcome::Halt => {}
    }
    f.return_data = if result.outcome == Outcome::Revert { result.output } else { Bytes::new() };
    let pushed = match (result.outcome, result.address) {
        (Outcome::Success, Some(address)) => from_address(address),
        _ => U256::ZERO,
    };
    f.stack.push(pushed);
    Ok(())
}

#[cfg(test)]
mod tests {
    use alloy_primitives::{Address, U256};
    use evm_bytecode::Fork;

    use crate::NoHooks;
    use crate::host::{CallKind, Outcome};
    use crate::interpreter::Exit;
    use crate::test_host::{Account, CountingHooks, MockHost, SELF, eval, gas_used, run, run_with};

    const CALLEE: Address = Address::repeat_byte(0x22);

    /// Callee code: returns 32 bytes holding 0x2a.
    const RETURNS_42: &str = "602a60005260206000f3";

    fn with_callee<K: crate::Hooks>(h: &mut MockHost<K>) {
        h.accounts.insert(
            CALLEE,
            Account { balance: U256::ZERO, code: hex::decode(RETURNS_42).unwrap().into() },
        );
        h.accounts.insert(SELF, Account { balance: U256::from(1000), code: Default::default() });
    }

    /// CALL(gas 0xffff, CALLEE, value, in 0/0, out 0/32) then RETURN(0, 64) with the flag at 32.
    fn call_code(op: &str, value: u8) -> String {
        let value_push =
            if op == "f1" || op == "f2" { format!("60{value:02x}") } else { String::new() };
        format!("6020600060006000{value_push}73{}61ffff{op}60205260406000f3", hex::encode(CALLEE))
    }

    #[test]
    fn call_family_returns_data() {
        for op in ["f1", "f2", "f4", "fa"] {
            let (r, host) =
                run_with::<NoHooks>(&call_code(op, 0), Fork::Cancun, 1_000_000, with_callee);
            assert_eq!(r.outcome, Outcome::Success, "{op}");
            assert_eq!(U256::from_be_slice(&r.output[..32]), U256::from(42), "{op}");
            assert_eq!(U256::from_be_slice(&r.output[32..]), U256::from(1), "{op}");
            let c = &host.calls[0];
            assert_eq!(c.code_address, CALLEE);
            match c.kind {
                CallKind::Call | CallKind::StaticCall => assert_eq!(c.target_address, CALLEE),
                CallKind::CallCode => {
                    assert_eq!((c.target_address, c.caller), (SELF, SELF));
                }
                CallKind::DelegateCall => {
                    assert_eq!((c.target_address, c.caller), (SELF, Address::repeat_byte(0xca)));
                }
            }
        }
    }

    #[test]
    fn call_gas_per_fork() {
        // Callee uses 3+3+6+3+3+0 = 18 gas plus the memory word (3): 18.
        let callee_gas = 3 + 3 + 3 + 3 + 3 + 3;
        let pushes = 3 * 7;
        let tail = 3 + 3 + 3 + 3 + 3 + 3; // MSTORE flag (incl. word 2) + PUSH PUSH RETURN
        let mem = 3; // first word for the return area
        let used = |code: &str, fork| {
            let (r, _) = run_with::<NoHooks>(code, fork, 1_000_000, with_callee);
            assert_eq!(r.outcome, Outcome::Success);
            1_000_000 - r.gas_left
        };
        let tail = tail - 3;
        let cancun = used(&call_code("f1", 0), Fork::Cancun);
        assert_eq!(cancun, pushes + 100 + 2500 + mem + callee_gas + tail);
        let frontier = used(&call_code("f1", 0), Fork::Frontier);
        assert_eq!(frontier, pushes + 40 + mem + callee_gas + tail);
        // A call with value to an existing account: +9000, the stipend comes back unused.
        let value = used(&call_code("f1", 1), Fork::Cancun);
        assert_eq!(value, cancun + 9000 - 2300);
    }

    #[test]
    fn call_new_account_cost() {
        // CALL with no value to a non-existent account: 25000 only before Spurious Dragon.
        let code = "6000600060006000600060336000f1";
        assert_eq!(gas_used(code, Fork::Homestead), 3 * 7 + 40 + 25000);
        assert_eq!(gas_used(code, Fork::SpuriousDragon), 3 * 7 + 700);
        // With value (from a funded account) from Spurious Dragon: 700 + 9000 + 25000 - 2300 back.
        let code = "6000600060006000600160336000f1";
        let (r, _) = run_with::<NoHooks>(code, Fork::SpuriousDragon, 1_000_000, with_callee);
        assert_eq!(1_000_000 - r.gas_left, 3 * 7 + 700 + 9000 + 25000 - 2300);
    }

    #[test]
    fn all_but_one_64th() {
        // CALL(gas = max) forwards at most 63/64 of what is left.
        let code = format!("60006000600060006000602273{}f1", "ff".repeat(20)).replace(
            &format!("602273{}", "ff".repeat(20)),
            &format!("73{}7f{}", hex::encode(CALLEE), "ff".repeat(32)),
        );
        let (r, host) = run_with::<NoHooks>(&code, Fork::Cancun, 100_000, with_callee);
        assert_eq!(r.outcome, Outcome::Success);
        let left = 100_000 - 3 * 7 - 100 - 2500;
        assert_eq!(host.calls[0].gas_limit, left - left / 64);
        // Before EIP-150 asking for more than is available runs out of gas.
        let (r, _) = run_with::<NoHooks>(&code, Fork::Homestead, 100_000, with_callee);
        assert_eq!(r.exit, Exit::OutOfGas);
    }

    #[test]
    fn static_call_with_value_halts() {
        // Inside STATICCALL, CALL with value halts the callee: the flag is 0.
        let inner = "6000600060006000600160336000f1";
        let outer = "6000600060006000602261fffffa60005260206000f3";
        let (r, _) = run_with::<NoHooks>(outer, Fork::Cancun, 1_000_000, |h| {
            h.accounts.insert(
                Address::with_last_byte(0x22),
                Account { balance: U256::from(5), code: hex::decode(inner).unwrap().into() },
            );
        });
        assert_eq!(U256::from_be_slice(&r.output), U256::ZERO);
    }

    #[test]
    fn returndata() {
        // After the call, RETURNDATASIZE = 32; copying 33 bytes halts.
        let call = format!("6000600060006000600073{}61fffff1", hex::encode(CALLEE));
        let (r, _) = run_with::<NoHooks>(
            &format!("{call}3d60005260206000f3"),
            Fork::Cancun,
            1_000_000,
            with_callee,
        );
        assert_eq!(U256::from_be_slice(&r.output), U256::from(32));
        let (r, _) = run_with::<NoHooks>(
            &format!("{call}6021600060003e"),
            Fork::Cancun,
            1_000_000,
            with_callee,
        );
        assert_eq!(r.exit, Exit::ReturnDataOutOfBounds);
        let (r, _) = run_with::<NoHooks>(
            &format!("{call}6020600060003e"),
            Fork::Cancun,
            1_000_000,
            with_callee,
        );
        assert_eq!(r.exit, Exit::Stop);
        // Zero-length copy at an offset past the end still halts.
        assert_eq!(
            run("600060016000 3e".replace(' ', "").as_str(), Fork::Cancun).0.exit,
            Exit::ReturnDataOutOfBounds
        );
    }

    #[test]
    fn create_and_create2() {
        // Init code "602a6000526001601ff3" returns one byte 0x2a; store it at 0 and CREATE.
        let init = "692a6000526001601ff3";
        let _ = init;
        // PUSH10 <init code>, PUSH1 0, MSTORE: the code sits in bytes 22..32.
        let store = "69602a6000526001601ff3600052";
        let (r, host) = run(&format!("{store}600a60166000f060005260206000f3"), Fork::Cancun);
        assert_eq!(r.outcome, Outcome::Success);
        let created = Address::from_word(alloy_primitives::B256::from_slice(&r.output));
        assert_eq!(host.accounts[&created].code.as_ref(), &[0x2a]);
        // CREATE2 costs 6 more per word of init code than CREATE (one word here).
        let c1 = gas_used(&format!("{store}600a60166000f0"), Fork::Cancun);
        let c2 = gas_used(&format!("{store}6000600a60166000f5"), Fork::Cancun);
        assert_eq!(c2, c1 + 3 + 6);
        // EIP-3860: init code over 49152 bytes halts from Shanghai.
        let big = "61c001600060 00f0".replace(' ', "");
        assert_eq!(run(&big, Fork::Shanghai).0.exit, Exit::CreateInitCodeTooLarge);
        assert_eq!(run(&big, Fork::Paris).0.exit, Exit::Stop);
    }

    #[test]
    fn calldata_and_code() {
        assert_eq!(eval("38", Fork::Cancun), U256::from(9));
        // CODECOPY(0, 0, 1) then MLOAD(0): the first byte is 0x60.
        assert_eq!(eval("60016000600039600051", Fork::Cancun), U256::from(0x60) << 248);
        assert_eq!(eval("6000356000", Fork::Cancun), U256::ZERO);
        assert_eq!(eval("36", Fork::Cancun), U256::ZERO);
        // KECCAK256 of nothing.
        assert_eq!(
            eval("6000600020", Fork::Cancun),
            U256::from_be_bytes(alloy_primitives::KECCAK256_EMPTY.0)
        );
        assert_eq!(gas_used("6020600020", Fork::Cancun), 3 + 3 + 30 + 6 + 3);
    }

    #[test]
    fn hooks_count_steps_in_nested_frames() {
        let (r, host) =
            run_with::<CountingHooks>(&call_code("f1", 0), Fork::Cancun, 1_000_000, with_callee);
        assert_eq!(r.outcome, Outcome::Success);
        // Caller: 7 pushes, CALL, PUSH, MSTORE, PUSH, PUSH, RETURN = 13; callee: 6.
        assert_eq!(host.hooks.steps, 13 + 6);
        assert_eq!(host.hooks.after, 12 + 5);
        assert_eq!((host.hooks.enters, host.hooks.exits), (1, 1));
    }
}
