//! evmkit test plugin: each cargo feature selects one defect, so the loader's refusals and the
//! registry's fault handling can be tested on a real `.so`. Without features it is a valid,
//! empty plugin.
//!
//! The descriptor is written by hand (not with `export_plugin!`) because the descriptor defects
//! (`wrong-major`, `future-minor`, `short-struct`, `bad-magic`) are what the SDK macro exists to
//! prevent.
#![expect(unsafe_code, reason = "the hand-written, unmangled descriptor entry point and init")]

use evmkit_plugin::abi::{self, ABI_MAJOR, ABI_MINOR, MAGIC, PluginDescriptor, caps};
use evmkit_plugin::{
    Action, Ctx, Error, HookSpec, OpcodeSpec, PrecompileExit, PrecompileSpec, Registrar, point,
};

/// The address of the `panic-precompile` precompile, `0x…0b00`.
const PANIC_PRECOMPILE: [u8; 20] = {
    let mut address = [0; 20];
    address[18] = 0x0b;
    address
};

/// The descriptor's magic.
const DESCRIPTOR_MAGIC: u64 = if cfg!(feature = "bad-magic") { MAGIC ^ 1 } else { MAGIC };
/// The descriptor's ABI major version.
const DESCRIPTOR_MAJOR: u32 = if cfg!(feature = "wrong-major") { ABI_MAJOR + 1 } else { ABI_MAJOR };
/// The descriptor's ABI minor version.
const DESCRIPTOR_MINOR: u32 =
    if cfg!(feature = "future-minor") { ABI_MINOR + 1 } else { ABI_MINOR };
/// The descriptor's size as declared.
const DESCRIPTOR_SIZE: u32 = if cfg!(feature = "short-struct") {
    // The header only: magic, major, minor, size.
    20
} else {
    size_of::<PluginDescriptor>() as u32
};

/// A hook that panics (`panic-hook`).
fn panicking_hook(_ctx: &mut Ctx<'_>) -> Result<Action, Error> {
    panic!("testbad: hook panics on purpose");
}

/// An opcode that panics (`panic-opcode`).
fn panicking_opcode(_ctx: &mut Ctx<'_>) -> Result<(), Error> {
    panic!("testbad: opcode panics on purpose");
}

/// A precompile that panics (`panic-precompile`).
fn panicking_precompile(_ctx: &mut Ctx<'_>) -> Result<PrecompileExit, Error> {
    panic!("testbad: precompile panics on purpose");
}

/// A hook that reports an error (`error-hook`).
fn failing_hook(_ctx: &mut Ctx<'_>) -> Result<Action, Error> {
    Err(Error::Failed)
}

/// An opcode that pushes nothing and pops nothing (`redefine-create`).
fn noop_opcode(_ctx: &mut Ctx<'_>) -> Result<(), Error> {
    Ok(())
}

fn init(registrar: &mut Registrar<'_>) -> Result<(), Error> {
    if cfg!(feature = "redefine-create") {
        let spec = OpcodeSpec {
            opcode: 0xf0,
            name: c"NOTCREATE",
            inputs: 0,
            outputs: 0,
            static_gas: 1,
            since_fork: 0,
            allow_override: false,
        };
        registrar.opcode(spec, noop_opcode)?;
    }
    if cfg!(feature = "panic-hook") {
        let spec = HookSpec { point: point::OPCODE_BEFORE, priority: 0, opcodes: None };
        registrar.hook(spec, panicking_hook)?;
    }
    if cfg!(feature = "panic-opcode") {
        let spec = OpcodeSpec {
            opcode: 0x0c,
            name: c"PANICSQRT",
            inputs: 1,
            outputs: 1,
            static_gas: 5,
            since_fork: 0,
            allow_override: false,
        };
        registrar.opcode(spec, panicking_opcode)?;
    }
    if cfg!(feature = "panic-tx-hook") {
        let spec = HookSpec { point: point::TX_BEFORE_EXECUTION, priority: 0, opcodes: None };
        registrar.hook(spec, panicking_hook)?;
    }
    if cfg!(feature = "panic-call-hook") {
        let spec = HookSpec { point: point::CALL_ENTER, priority: 0, opcodes: None };
        registrar.hook(spec, panicking_hook)?;
    }
    if cfg!(feature = "panic-precompile") {
        let spec = PrecompileSpec {
            address: PANIC_PRECOMPILE,
            since_fork: 0,
            stateful: false,
            replace_standard: false,
        };
        registrar.precompile(spec, panicking_precompile)?;
    }
    if cfg!(feature = "error-hook") {
        let spec = HookSpec { point: point::OPCODE_BEFORE, priority: 0, opcodes: None };
        registrar.hook(spec, failing_hook)?;
    }
    Ok(())
}

extern "C" fn testbad_init(registrar: *const abi::Registrar) -> i32 {
    // SAFETY: the loader passes the registrar of this init call.
    unsafe { evmkit_plugin::__private::run_init(registrar, init) }
}

/// The descriptor, with the defect the features select.
static DESCRIPTOR: PluginDescriptor = PluginDescriptor {
    magic: DESCRIPTOR_MAGIC,
    abi_major: DESCRIPTOR_MAJOR,
    abi_minor: DESCRIPTOR_MINOR,
    struct_size: DESCRIPTOR_SIZE,
    reserved: 0,
    name: c"testbad".as_ptr(),
    version: c"0.1.0".as_ptr(),
    capabilities: caps::OPCODES | caps::HOOKS | caps::PRECOMPILES,
    init: Some(testbad_init),
};

/// The plugin's descriptor, read by the evmkit loader before anything else.
#[unsafe(no_mangle)]
pub extern "C" fn evmkit_plugin_descriptor() -> *const PluginDescriptor {
    &DESCRIPTOR
}
