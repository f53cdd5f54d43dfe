//! `export_plugin!` as a plugin crate uses it: the descriptor it writes is what a loader expects.
#![expect(unsafe_code, reason = "reads the exported descriptor through raw pointers, as a loader")]

use core::ffi::CStr;

use evmkit_plugin::abi::{self, PluginDescriptor};
use evmkit_plugin::{Error, Registrar, export_plugin, status};

fn init(registrar: &mut Registrar<'_>) -> Result<(), Error> {
    assert_eq!(registrar.abi_minor(), abi::ABI_MINOR);
    Err(Error::Unsupported)
}

export_plugin! {
    name: "export-test",
    version: env!("CARGO_PKG_VERSION"),
    capabilities: caps::OPCODES | caps::HOOKS,
    init: init,
}

unsafe extern "C" fn refuse(_: *mut core::ffi::c_void, _: *const abi::OpcodeDef) -> i32 {
    status::ERR_REFUSED
}
unsafe extern "C" fn refuse_precompile(
    _: *mut core::ffi::c_void,
    _: *const abi::PrecompileDef,
) -> i32 {
    status::ERR_REFUSED
}
unsafe extern "C" fn refuse_hook(_: *mut core::ffi::c_void, _: *const abi::HookDef) -> i32 {
    status::ERR_REFUSED
}

#[test]
fn descriptor_carries_magic_version_size_names_and_caps() {
    let symbol: abi::DescriptorFn = evmkit_plugin_descriptor;
    // SAFETY: the macro's function takes no arguments and returns a static descriptor.
    let ptr = unsafe { symbol() };
    // SAFETY: the pointer is to a static descriptor.
    let d: &PluginDescriptor = unsafe { &*ptr };
    assert_eq!(d.magic, abi::MAGIC);
    assert_eq!((d.abi_major, d.abi_minor), (abi::ABI_MAJOR, abi::ABI_MINOR));
    assert_eq!(d.struct_size as usize, size_of::<PluginDescriptor>());
    assert_eq!(d.reserved, 0);
    // SAFETY: the macro writes static NUL-terminated strings.
    let name = unsafe { CStr::from_ptr(d.name) };
    // SAFETY: as above.
    let version = unsafe { CStr::from_ptr(d.version) };
    assert_eq!(name, c"export-test");
    assert_eq!(version.to_str(), Ok(env!("CARGO_PKG_VERSION")));
    assert_eq!(d.capabilities, abi::caps::OPCODES | abi::caps::HOOKS);

    let init = d.init.expect("init is set");
    let registrar = abi::Registrar {
        struct_size: size_of::<abi::Registrar>() as u32,
        abi_minor: abi::ABI_MINOR,
        ctx: core::ptr::null_mut(),
        register_opcode: refuse,
        register_precompile: refuse_precompile,
        register_hook: refuse_hook,
    };
    // SAFETY: `registrar` is valid for the call.
    assert_eq!(unsafe { init(&registrar) }, status::ERR_UNSUPPORTED);
    let short = abi::Registrar { struct_size: 8, ..registrar };
    // SAFETY: as above; the SDK refuses the short struct before reading past it.
    assert_eq!(unsafe { init(&short) }, status::ERR_INVALID);
}
