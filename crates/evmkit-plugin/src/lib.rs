//! The evmkit plugin SDK: write a `.so` that adds opcodes, precompiles and hooks to evmkit
//! without depending on any VM crate.
//!
//! [`abi`] is the raw, versioned C ABI the loader reads. The rest is a safe layer on top:
//! [`Registrar`] registers plain `fn` callbacks during init, [`Ctx`] wraps the host table for
//! them, and [`export_plugin!`] writes the one exported symbol. Every callback runs inside
//! `catch_unwind`, so a panic becomes [`status::ERR_PANIC`] instead of aborting the host (a
//! plugin built with `panic = "abort"` cannot be caught). [`testing`] offers a mock host for
//! unit tests of plugin callbacks. See `docs/PLUGINS.md` for a walk-through.

pub mod abi;
mod ctx;
mod error;
mod export;
mod registrar;
pub mod testing;
mod word;

pub use abi::{action, caps, point, status};
pub use ctx::Ctx;
pub use error::Error;
#[doc(hidden)]
pub use export::__private;
pub use registrar::{
    Action, HookFn, HookSpec, InitFn, OpcodeFn, OpcodeSpec, PrecompileExit, PrecompileFn,
    PrecompileSpec, Registrar,
};
pub use word::{
    Address, Word, address_to_word, word_from_u64, word_from_u128, word_to_address, word_to_u64,
    word_to_u128,
};
