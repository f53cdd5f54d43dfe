//! [`export_plugin!`]: writes a plugin's one exported symbol, `evmkit_plugin_descriptor`, and
//! its init trampoline, so plugin crates need no `unsafe` of their own.

/// Exports the plugin: writes `#[unsafe(no_mangle)] extern "C" fn evmkit_plugin_descriptor()`
/// returning a static [`PluginDescriptor`](crate::abi::PluginDescriptor) with [`MAGIC`], the
/// SDK's ABI version, the struct size, the NUL-terminated name and version, the capability
/// bits, and an init that runs `init` on a safe [`Registrar`](crate::Registrar), catching panics.
///
/// `capabilities` is evaluated with [`caps`](crate::caps) in scope; `init` is a
/// [`InitFn`](crate::InitFn). Use it once per crate, at the crate root.
///
/// ```
/// use evmkit_plugin::{Ctx, Error, OpcodeSpec, Registrar, export_plugin};
///
/// fn double(ctx: &mut Ctx<'_>) -> Result<(), Error> {
///     let x = evmkit_plugin::word_to_u128(&ctx.pop()?).ok_or(Error::Failed)?;
///     ctx.push(&evmkit_plugin::word_from_u128(x.wrapping_mul(2)))
/// }
///
/// fn init(registrar: &mut Registrar<'_>) -> Result<(), Error> {
///     let spec = OpcodeSpec {
///         opcode: 0x0d,
///         name: c"DOUBLE",
///         inputs: 1,
///         outputs: 1,
///         static_gas: 3,
///         since_fork: 0,
///         allow_override: false,
///     };
///     registrar.opcode(spec, double)
/// }
///
/// export_plugin! {
///     name: "double",
///     version: env!("CARGO_PKG_VERSION"),
///     capabilities: caps::OPCODES,
///     init: init,
/// }
/// # fn main() {}
/// ```
///
/// [`MAGIC`]: crate::abi::MAGIC
#[macro_export]
macro_rules! export_plugin {
    {
        name: $name:expr,
        version: $version:expr,
        capabilities: $capabilities:expr,
        init: $init:expr $(,)?
    } => {
        /// The plugin's descriptor, read by the evmkit loader before anything else.
        #[allow(unsafe_code, reason = "the exported, unmangled entry point of the plugin")]
        #[unsafe(no_mangle)]
        pub extern "C" fn evmkit_plugin_descriptor() -> *const $crate::abi::PluginDescriptor {
            extern "C" fn __evmkit_plugin_init(registrar: *const $crate::abi::Registrar) -> i32 {
                // SAFETY: the loader passes the registrar of this init call.
                unsafe { $crate::__private::run_init(registrar, $init) }
            }
            static __EVMKIT_PLUGIN_DESCRIPTOR: $crate::abi::PluginDescriptor = $crate::abi::PluginDescriptor {
                magic: $crate::abi::MAGIC,
                abi_major: $crate::abi::ABI_MAJOR,
                abi_minor: $crate::abi::ABI_MINOR,
                struct_size: $crate::__private::DESCRIPTOR_SIZE,
                reserved: 0,
                name: $crate::__private::c_str(::core::concat!($name, "\0")).as_ptr(),
                version: $crate::__private::c_str(::core::concat!($version, "\0")).as_ptr(),
                capabilities: {
                    #[allow(unused_imports)]
                    use $crate::abi::caps;
                    $capabilities
                },
                init: ::core::option::Option::Some(__evmkit_plugin_init),
            };
            &__EVMKIT_PLUGIN_DESCRIPTOR
        }
    };
}

/// Items [`export_plugin!`] expands to; not a stable API.
#[doc(hidden)]
pub mod __private {
    use core::ffi::CStr;

    pub use crate::registrar::run_init;

    /// `size_of::<PluginDescriptor>()` as the descriptor's `struct_size`.
    pub const DESCRIPTOR_SIZE: u32 = size_of::<crate::abi::PluginDescriptor>() as u32;

    /// `s` (which ends in its only NUL) as a C string; fails the build otherwise.
    pub const fn c_str(s: &'static str) -> &'static CStr {
        match CStr::from_bytes_with_nul(s.as_bytes()) {
            Ok(c) => c,
            Err(_) => panic!("plugin name and version must not contain NUL"),
        }
    }
}
