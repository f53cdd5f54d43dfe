//! evmkit example plugin: a key-value store for its callers, as a stateful precompile at
//! [`ADDRESS`] (`0x…0a00`) from Frontier on, kept in the precompile's own storage.
//!
//! - 32 bytes of input `key`: get; returns the 32-byte value (zero when unset); costs
//!   [`GET_GAS`] (a cold `SLOAD`, 2100, plus 100).
//! - 64 bytes `key || value`: set; returns nothing, logs topic0 = `key`, data = `value`; costs
//!   [`SET_GAS`] (a fresh `SSTORE`, 20000, plus 100). Refused in a static context.
//! - Any other length, a set in a static context, or too little gas: the call fails
//!   (`ERR_FAILED`, `ERR_OUT_OF_GAS`).
//!
//! Each caller has its own namespace: the storage slot is `caller (20 bytes) || key[20..32]`,
//! so only the key's low 12 bytes select a value, and keys that differ only in their high
//! 20 bytes share one.

use evmkit_plugin::{
    Address, Ctx, Error, PrecompileExit, PrecompileSpec, Registrar, Word, export_plugin,
};

/// The precompile's address, `0x0000000000000000000000000000000000000a00`.
pub const ADDRESS: Address = {
    let mut address = [0; 20];
    address[18] = 0x0a;
    address
};
/// Gas of a get: a cold storage read plus 100.
pub const GET_GAS: u64 = 2100 + 100;
/// Gas of a set: a fresh storage write plus 100.
pub const SET_GAS: u64 = 20000 + 100;

/// The storage slot of `key` in `caller`'s namespace: `caller || key[20..32]`.
pub fn slot(caller: &Address, key: &Word) -> Word {
    let mut slot = [0; 32];
    slot[..20].copy_from_slice(caller);
    slot[20..].copy_from_slice(&key[20..]);
    slot
}

/// The precompile.
fn kvstore(ctx: &mut Ctx<'_>) -> Result<PrecompileExit, Error> {
    match ctx.input_len() {
        32 => {
            let mut key = [0; 32];
            ctx.input_read(0, &mut key)?;
            ctx.charge_gas(GET_GAS)?;
            let value = ctx.sload(&slot(&ctx.caller()?, &key))?;
            ctx.set_output(&value)?;
        }
        64 => {
            if ctx.is_static() {
                return Err(Error::Failed);
            }
            let mut input = [0; 64];
            ctx.input_read(0, &mut input)?;
            let (key, value) = input.split_at(32);
            let key: Word = key.try_into().map_err(|_| Error::Failed)?;
            let value: Word = value.try_into().map_err(|_| Error::Failed)?;
            ctx.charge_gas(SET_GAS)?;
            ctx.sstore(&slot(&ctx.caller()?, &key), &value)?;
            ctx.emit_log(&[key], &value)?;
            ctx.set_output(&[])?;
        }
        _ => return Err(Error::Failed),
    }
    Ok(PrecompileExit::Return)
}

fn init(registrar: &mut Registrar<'_>) -> Result<(), Error> {
    let spec =
        PrecompileSpec { address: ADDRESS, since_fork: 0, stateful: true, replace_standard: false };
    registrar.precompile(spec, kvstore)
}

export_plugin! {
    name: "kvstore",
    version: env!("CARGO_PKG_VERSION"),
    capabilities: caps::PRECOMPILES | caps::STATE_READ | caps::STATE_WRITE,
    init: init,
}

#[cfg(test)]
mod tests {
    use evmkit_plugin::testing::{MockHost, MockLog, Registered, Registration, register};
    use evmkit_plugin::{status, word_from_u64};

    use super::*;

    const ALICE: Address = [0xa1; 20];
    const BOB: Address = [0xb0; 20];

    fn precompile() -> Registered {
        let mut registered = register(init).expect("init succeeds");
        assert_eq!(registered.len(), 1);
        registered.remove(0)
    }

    fn host() -> MockHost {
        let mut host = MockHost::new();
        host.address = ADDRESS;
        host.gas_left = 100_000;
        host
    }

    /// Runs the precompile as `caller` with `input`; returns the status, output and gas used.
    fn run(host: &mut MockHost, caller: Address, input: &[u8]) -> (i32, Option<Vec<u8>>, u64) {
        let pc = precompile();
        host.caller = caller;
        host.input = input.to_vec();
        host.output = None;
        let gas = host.gas_left;
        let code = host.call(&pc);
        (code, host.output.take(), gas - host.gas_left)
    }

    fn set_input(key: &Word, value: &Word) -> Vec<u8> {
        [&key[..], &value[..]].concat()
    }

    #[test]
    fn registers_a_stateful_precompile_at_0x0a00() {
        assert_eq!(
            precompile().registration,
            Registration::Precompile {
                address: ADDRESS,
                since_fork: 0,
                stateful: true,
                replace_standard: false
            }
        );
        assert_eq!(ADDRESS[18..], [0x0a, 0x00]);
        assert!(ADDRESS[..18].iter().all(|&b| b == 0));
    }

    #[test]
    fn set_then_get_charges_gas_and_logs() {
        let mut host = host();
        let (key, value) = (word_from_u64(7), word_from_u64(0xbeef));
        assert_eq!(run(&mut host, ALICE, &key), (status::OK, Some(vec![0; 32]), GET_GAS));
        assert_eq!(
            run(&mut host, ALICE, &set_input(&key, &value)),
            (status::OK, Some(vec![]), SET_GAS)
        );
        assert_eq!(run(&mut host, ALICE, &key), (status::OK, Some(value.to_vec()), GET_GAS));
        assert_eq!(host.storage.get(&slot(&ALICE, &key)), Some(&value));
        assert_eq!(
            host.logs,
            [MockLog { address: ADDRESS, topics: vec![key], data: value.to_vec() }]
        );
    }

    #[test]
    fn callers_have_separate_namespaces_keyed_by_the_low_twelve_bytes() {
        let mut host = host();
        let key = word_from_u64(1);
        run(&mut host, ALICE, &set_input(&key, &word_from_u64(10)));
        run(&mut host, BOB, &set_input(&key, &word_from_u64(20)));
        assert_eq!(run(&mut host, ALICE, &key).1, Some(word_from_u64(10).to_vec()));
        assert_eq!(run(&mut host, BOB, &key).1, Some(word_from_u64(20).to_vec()));
        let mut slot_alice = [0; 32];
        slot_alice[..20].copy_from_slice(&ALICE);
        slot_alice[31] = 1;
        assert_eq!(slot(&ALICE, &key), slot_alice);
        // Only key[20..32] selects the value: a key differing in its high bytes aliases.
        let mut alias = key;
        alias[0] = 0xff;
        assert_eq!(run(&mut host, ALICE, &alias).1, Some(word_from_u64(10).to_vec()));
    }

    #[test]
    fn set_in_a_static_context_fails_and_writes_nothing() {
        let mut host = host();
        host.is_static = true;
        let (code, output, _) = run(&mut host, ALICE, &set_input(&[1; 32], &[2; 32]));
        assert_eq!((code, output), (status::ERR_FAILED, None));
        assert!(host.storage.is_empty() && host.logs.is_empty());
        // Gets still work in a static context.
        assert_eq!(run(&mut host, ALICE, &[1; 32]).0, status::OK);
    }

    #[test]
    fn other_input_lengths_fail() {
        let mut host = host();
        for len in [0, 1, 31, 33, 63, 65, 96] {
            assert_eq!(run(&mut host, ALICE, &vec![1; len]).0, status::ERR_FAILED, "len {len}");
        }
        assert!(host.storage.is_empty());
    }

    #[test]
    fn too_little_gas_is_out_of_gas() {
        let mut host = host();
        host.gas_left = GET_GAS - 1;
        assert_eq!(run(&mut host, ALICE, &[0; 32]).0, status::ERR_OUT_OF_GAS);
        host.gas_left = SET_GAS - 1;
        assert_eq!(run(&mut host, ALICE, &[0; 64]).0, status::ERR_OUT_OF_GAS);
        assert!(host.storage.is_empty() && host.logs.is_empty());
    }
}
