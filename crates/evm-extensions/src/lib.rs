//! Extensions: custom opcodes, precompiles and hooks, compiled in or loaded from `.so` plugins.
//!
//! [`Extensions`] is the registry a VM owns (`evm_vm::VmBuilder::extensions`). It implements
//! [`evm_interp::Hooks`], so the interpreter reaches it only through the zero-cost hook points:
//! with no opcode hook registered, frames run the hook-free loop. Every change to the registry
//! needs `&mut`, so it happens between transactions, never during one.
//!
//! This crate depends on `evm-interp` (hook points, custom-opcode routing), `evm-bytecode` (the
//! opcode table overlay) and `evmkit-plugin` (the C ABI); it knows nothing of databases, the
//! journal or transactions beyond the small views in [`hook`].

mod elf;
mod error;
pub mod extension;
pub mod hook;
mod loader;
pub mod metrics;
pub mod opcode;
pub mod precompile;
mod registry;
pub mod security;
#[doc(hidden)]
pub mod test_support;

pub use error::ExtensionError;
pub use extension::{Capabilities, Extension, ExtensionId};
pub use hook::{
    AccountDiff, BlockInfo, Hook, HookEvent, HookOutcome, HookPoint, TxInfo, TxResultInfo, TxStatus,
};
pub use loader::{PluginInfo, inspect_plugin};
pub use metrics::{Metrics, MetricsRow};
pub use opcode::{CustomOpcode, OpcodeContext, OpcodeHalt, OpcodeHost};
pub use precompile::{
    CustomPrecompile, PrecompileCall, PrecompileContext, PrecompileFailure, PrecompileOutput,
    PrecompileState,
};
pub use registry::Extensions;
pub use security::{Config, SecurityLevel};
