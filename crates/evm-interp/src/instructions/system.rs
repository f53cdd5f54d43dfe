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
        alloy_primitives::keccak256(f.memory.slice(offset, len))
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
        Some((o, n)) => Bytes::copy_from_slice(f.memory.slice(o, n)),
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
    let init_code =
        if len == 0 { Bytes::new() } else { Bytes::copy_from_slice(f.memory.slice(offset, len)) };
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
