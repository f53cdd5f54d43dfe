//! Registry of custom opcodes, precompiles and hooks, and `.so` plugins through a versioned C ABI.
//!
//! Not built yet: a later issue fills this crate. It will depend on `evm-interp` only.
