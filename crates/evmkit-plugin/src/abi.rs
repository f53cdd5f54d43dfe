//! The versioned C ABI between evmkit and a plugin: `#[repr(C)]` structs and status codes only.
//!
//! A plugin exports one function, [`DESCRIPTOR_SYMBOL`], returning a pointer to a static
//! [`PluginDescriptor`]. The loader reads the descriptor (magic, ABI version, struct size) before
//! calling anything else, then calls `init` with a [`Registrar`] through which the plugin
//! registers opcodes, precompiles and hooks. Every callback receives the [`HostApi`] table and an
//! opaque context pointer; words are 32 bytes big-endian, addresses 20 bytes.
//!
//! Version policy: the loader accepts a plugin whose `abi_major` equals [`ABI_MAJOR`] and whose
//! `abi_minor` is at most the loader's [`ABI_MINOR`]; new fields are only ever appended, and
//! every struct starts with its size so either side can tell what the other knows.
#![expect(unsafe_code, reason = "`unsafe impl Sync` for the static descriptor")]

use core::ffi::{c_char, c_void};

/// `b"EVMKITPL"` as a little-endian `u64`: the first field of every descriptor.
pub const MAGIC: u64 = u64::from_le_bytes(*b"EVMKITPL");
/// ABI major version: a plugin must match it exactly.
pub const ABI_MAJOR: u32 = 1;
/// ABI minor version of this crate: a loader accepts plugins built with a minor up to its own.
pub const ABI_MINOR: u32 = 1;
/// The exported function's name, NUL-terminated: `extern "C" fn() -> *const PluginDescriptor`.
pub const DESCRIPTOR_SYMBOL: &[u8] = b"evmkit_plugin_descriptor\0";

/// Signature of the exported descriptor function.
pub type DescriptorFn = unsafe extern "C" fn() -> *const PluginDescriptor;

/// Status codes returned by callbacks and host functions. Zero is success.
pub mod status {
    /// Success.
    pub const OK: i32 = 0;
    /// Opcode or precompile callbacks: end the frame with REVERT (precompiles only).
    pub const REVERT: i32 = 1;
    /// An argument was invalid (null pointer, index out of range, bad fork number).
    pub const ERR_INVALID: i32 = -1;
    /// The host function is not available in this callback's context.
    pub const ERR_UNSUPPORTED: i32 = -2;
    /// The callback panicked; the SDK caught the panic. The loader disables the plugin.
    pub const ERR_PANIC: i32 = -3;
    /// Refused: a capability the plugin did not declare, or a write in a static context.
    pub const ERR_REFUSED: i32 = -4;
    /// Not enough gas.
    pub const ERR_OUT_OF_GAS: i32 = -5;
    /// Stack underflow or overflow.
    pub const ERR_STACK: i32 = -6;
    /// A memory range outside what the frame may touch.
    pub const ERR_MEMORY: i32 = -7;
    /// The plugin reports a failure of its own (precompile failure, opcode halt).
    pub const ERR_FAILED: i32 = -8;
}

/// Capability bits a plugin declares in its descriptor; under `Strict` security the loader
/// refuses registrations and host calls that need an undeclared capability.
pub mod caps {
    /// Read state (balances, storage) through the host table.
    pub const STATE_READ: u64 = 1 << 0;
    /// Write state (storage, balance transfers, logs).
    pub const STATE_WRITE: u64 = 1 << 1;
    /// Change a frame's gas left from a hook.
    pub const GAS_MODIFY: u64 = 1 << 2;
    /// Change stack items from a hook.
    pub const STACK_MODIFY: u64 = 1 << 3;
    /// Write memory from a hook.
    pub const MEMORY_MODIFY: u64 = 1 << 4;
    /// Register custom opcodes.
    pub const OPCODES: u64 = 1 << 5;
    /// Register precompiles.
    pub const PRECOMPILES: u64 = 1 << 6;
    /// Register hooks.
    pub const HOOKS: u64 = 1 << 7;
    /// Replace a call's result from a call hook (mocks).
    pub const CALL_REPLACE: u64 = 1 << 8;
    /// Every bit this ABI version defines.
    pub const ALL: u64 = (1 << 9) - 1;
}

/// Hook points (the `point` field of [`HookDef`]).
pub mod point {
    /// Before a transaction is validated.
    pub const TX_BEFORE_VALIDATION: u32 = 0;
    /// After validation, before gas is bought.
    pub const TX_AFTER_VALIDATION: u32 = 1;
    /// Before the top-level frame runs.
    pub const TX_BEFORE_EXECUTION: u32 = 2;
    /// After execution (result and state changes known).
    pub const TX_AFTER_EXECUTION: u32 = 3;
    /// Before a block's transactions run.
    pub const BLOCK_START: u32 = 4;
    /// After a block's transactions ran.
    pub const BLOCK_END: u32 = 5;
    /// A call frame starts.
    pub const CALL_ENTER: u32 = 6;
    /// A call frame ended.
    pub const CALL_EXIT: u32 = 7;
    /// A creation starts.
    pub const CREATE_ENTER: u32 = 8;
    /// A creation ended.
    pub const CREATE_EXIT: u32 = 9;
    /// Before each opcode (filtered by the hook's opcode set).
    pub const OPCODE_BEFORE: u32 = 10;
    /// After each opcode that did not halt (filtered by the hook's opcode set).
    pub const OPCODE_AFTER: u32 = 11;
    /// An account was accessed (warm or cold).
    pub const ACCOUNT_ACCESS: u32 = 12;
    /// A storage slot was read.
    pub const STORAGE_READ: u32 = 13;
    /// A storage slot was written (old and new value).
    pub const STORAGE_WRITE: u32 = 14;
    /// A log was emitted.
    pub const LOG: u32 = 15;
    /// An account self-destructed.
    pub const SELFDESTRUCT: u32 = 16;
    /// Number of points.
    pub const COUNT: u32 = 17;
}

/// What a hook callback returns (non-negative); a negative value is a `status` error.
pub mod action {
    /// Go on with the next hook.
    pub const CONTINUE: i32 = 0;
    /// Skip the remaining hooks of this point.
    pub const SKIP: i32 = 1;
    /// Abort: the frame halts (transaction points: the transaction is rejected) with the code
    /// set through `HostApi::set_abort_code`.
    pub const ABORT: i32 = 2;
    /// Apply the modifications requested through the host table during this callback.
    pub const MODIFY: i32 = 3;
    /// Call/create enter points: replace the call's result with the output set through
    /// `HostApi::set_output` (success) as a mock.
    pub const REPLACE: i32 = 4;
    /// Like `REPLACE`, but the mocked call reverts with the output.
    pub const REPLACE_REVERT: i32 = 5;
}

/// A callback: `user` is the pointer given at registration, `host` the host table, `ctx` the
/// opaque context to pass back to host functions. Must not unwind (the SDK catches panics).
pub type Callback =
    unsafe extern "C" fn(user: *mut c_void, host: *const HostApi, ctx: *mut c_void) -> i32;

/// The one symbol a plugin exports, read before anything is called.
#[repr(C)]
#[derive(Debug)]
pub struct PluginDescriptor {
    /// Must be [`MAGIC`].
    pub magic: u64,
    /// Must equal the loader's [`ABI_MAJOR`].
    pub abi_major: u32,
    /// At most the loader's [`ABI_MINOR`].
    pub abi_minor: u32,
    /// `size_of::<PluginDescriptor>()` as the plugin was built; the loader refuses a short one.
    pub struct_size: u32,
    /// Reserved, zero.
    pub reserved: u32,
    /// NUL-terminated UTF-8 name.
    pub name: *const c_char,
    /// NUL-terminated UTF-8 version.
    pub version: *const c_char,
    /// Declared [`caps`] bits.
    pub capabilities: u64,
    /// Registers everything through the registrar; returns a `status`.
    pub init: Option<unsafe extern "C" fn(registrar: *const Registrar) -> i32>,
}

// SAFETY: the descriptor is immutable static data; its pointers point to static strings.
unsafe impl Sync for PluginDescriptor {}

/// The loader's callback table, valid only during `init`.
#[repr(C)]
#[derive(Debug)]
pub struct Registrar {
    /// `size_of::<Registrar>()` on the loader's side.
    pub struct_size: u32,
    /// The loader's ABI minor version.
    pub abi_minor: u32,
    /// Opaque; pass back to the functions below.
    pub ctx: *mut c_void,
    /// Registers a custom opcode; returns a `status`.
    pub register_opcode: unsafe extern "C" fn(ctx: *mut c_void, def: *const OpcodeDef) -> i32,
    /// Registers a precompile; returns a `status`.
    pub register_precompile:
        unsafe extern "C" fn(ctx: *mut c_void, def: *const PrecompileDef) -> i32,
    /// Registers a hook; returns a `status`.
    pub register_hook: unsafe extern "C" fn(ctx: *mut c_void, def: *const HookDef) -> i32,
}

/// A custom opcode. It takes no immediates (jump-destination analysis is consensus).
#[repr(C)]
#[derive(Debug)]
pub struct OpcodeDef {
    /// `size_of::<OpcodeDef>()`.
    pub struct_size: u32,
    /// The byte.
    pub opcode: u8,
    /// Stack items it needs.
    pub inputs: u8,
    /// Stack items it leaves (counted from the same base as `inputs`).
    pub outputs: u8,
    /// The first fork it exists in (`Fork as u8`: 0 Frontier … see `evm_bytecode::Fork`).
    pub since_fork: u8,
    /// Non-zero to replace an opcode the fork already defines.
    pub allow_override: u8,
    /// Reserved, zero.
    pub reserved: [u8; 3],
    /// Gas charged before `execute` runs; charge dynamic gas with `HostApi::charge_gas`.
    pub static_gas: u64,
    /// NUL-terminated mnemonic (ASCII uppercase, digits, `_`).
    pub name: *const c_char,
    /// Passed back to `execute`.
    pub user: *mut c_void,
    /// Runs the opcode: `OK` goes on, a negative `status` halts the frame.
    pub execute: Callback,
}

/// A precompile at `address`.
#[repr(C)]
#[derive(Debug)]
pub struct PrecompileDef {
    /// `size_of::<PrecompileDef>()`.
    pub struct_size: u32,
    /// The address.
    pub address: [u8; 20],
    /// The first fork it exists in.
    pub since_fork: u8,
    /// Non-zero when it reads or writes state (its own storage, balance, logs).
    pub stateful: u8,
    /// Non-zero to replace a standard precompile at the same address.
    pub replace_standard: u8,
    /// Reserved, zero.
    pub reserved: u8,
    /// Passed back to `execute`.
    pub user: *mut c_void,
    /// Runs the precompile: read input with `input_len`/`input_read`, charge gas with
    /// `charge_gas`, set output with `set_output`; `OK`, `REVERT`, or a negative `status`.
    pub execute: Callback,
}

/// A hook at one point.
#[repr(C)]
#[derive(Debug)]
pub struct HookDef {
    /// `size_of::<HookDef>()`.
    pub struct_size: u32,
    /// One of [`point`].
    pub point: u32,
    /// Higher runs first; equal priorities run in registration order.
    pub priority: i32,
    /// Non-zero: `opcodes` is a bitset (bit `op % 8` of byte `op / 8`) of the opcodes the hook
    /// wants at opcode points; the registry filters without calling it.
    pub has_filter: u8,
    /// Reserved, zero.
    pub reserved: [u8; 3],
    /// The opcode set when `has_filter` is non-zero.
    pub opcodes: [u8; 32],
    /// Passed back to `callback`.
    pub user: *mut c_void,
    /// Returns an [`action`] or a negative `status`.
    pub callback: Callback,
}

/// What the host offers callbacks. Functions that do not apply in a context return
/// `ERR_UNSUPPORTED` (or zero for the plain getters). Words are 32-byte big-endian.
#[repr(C)]
#[derive(Debug)]
pub struct HostApi {
    /// `size_of::<HostApi>()` on the loader's side: check it before using appended functions.
    pub struct_size: u32,
    /// The loader's ABI minor version.
    pub abi_minor: u32,
    /// Hook point of this callback (`point::*`), or `u32::MAX` for opcodes and precompiles.
    pub point: unsafe extern "C" fn(ctx: *mut c_void) -> u32,
    /// Program counter (opcode points and opcodes).
    pub pc: unsafe extern "C" fn(ctx: *mut c_void) -> u64,
    /// Opcode byte (opcode points and opcodes).
    pub opcode: unsafe extern "C" fn(ctx: *mut c_void) -> u32,
    /// Call depth (0 for the transaction's frame).
    pub depth: unsafe extern "C" fn(ctx: *mut c_void) -> u64,
    /// Gas left.
    pub gas_left: unsafe extern "C" fn(ctx: *mut c_void) -> u64,
    /// `Fork as u32`.
    pub fork: unsafe extern "C" fn(ctx: *mut c_void) -> u32,
    /// Non-zero in a static context.
    pub is_static: unsafe extern "C" fn(ctx: *mut c_void) -> u32,
    /// The running address (the precompile's own address, the call's target, the tx's `to`).
    pub address: unsafe extern "C" fn(ctx: *mut c_void, out: *mut [u8; 20]) -> i32,
    /// The caller.
    pub caller: unsafe extern "C" fn(ctx: *mut c_void, out: *mut [u8; 20]) -> i32,
    /// The call value.
    pub value: unsafe extern "C" fn(ctx: *mut c_void, out: *mut [u8; 32]) -> i32,
    /// Number of stack items.
    pub stack_len: unsafe extern "C" fn(ctx: *mut c_void) -> u64,
    /// Reads the item `depth` from the top (0 is the top).
    pub stack_peek: unsafe extern "C" fn(ctx: *mut c_void, depth: u64, out: *mut [u8; 32]) -> i32,
    /// Pops the top item (opcodes only).
    pub stack_pop: unsafe extern "C" fn(ctx: *mut c_void, out: *mut [u8; 32]) -> i32,
    /// Pushes an item (opcodes only).
    pub stack_push: unsafe extern "C" fn(ctx: *mut c_void, value: *const [u8; 32]) -> i32,
    /// Replaces the item `depth` from the top (opcodes; hooks need `STACK_MODIFY`).
    pub stack_set:
        unsafe extern "C" fn(ctx: *mut c_void, depth: u64, value: *const [u8; 32]) -> i32,
    /// Memory size in bytes.
    pub memory_len: unsafe extern "C" fn(ctx: *mut c_void) -> u64,
    /// Copies `len` bytes at `offset` into `out` (zero-filled past the end).
    pub memory_read:
        unsafe extern "C" fn(ctx: *mut c_void, offset: u64, len: u64, out: *mut u8) -> i32,
    /// Writes memory: opcodes expand it and pay the expansion gas; hooks need
    /// `MEMORY_MODIFY` and stay within the current size.
    pub memory_write:
        unsafe extern "C" fn(ctx: *mut c_void, offset: u64, data: *const u8, len: u64) -> i32,
    /// Charges gas (opcodes and precompiles); `ERR_OUT_OF_GAS` when there is not enough.
    pub charge_gas: unsafe extern "C" fn(ctx: *mut c_void, gas: u64) -> i32,
    /// Sets gas left (hooks with `GAS_MODIFY`).
    pub set_gas_left: unsafe extern "C" fn(ctx: *mut c_void, gas: u64) -> i32,
    /// Length of the input (precompile input, call input, transaction data).
    pub input_len: unsafe extern "C" fn(ctx: *mut c_void) -> u64,
    /// Copies input bytes `[offset, offset + len)` into `out` (zero-filled past the end).
    pub input_read:
        unsafe extern "C" fn(ctx: *mut c_void, offset: u64, len: u64, out: *mut u8) -> i32,
    /// Sets the output (precompiles; call-enter hooks returning `REPLACE`).
    pub set_output: unsafe extern "C" fn(ctx: *mut c_void, data: *const u8, len: u64) -> i32,
    /// Sets the code carried by an `ABORT`.
    pub set_abort_code: unsafe extern "C" fn(ctx: *mut c_void, code: u32) -> i32,
    /// Reads a storage slot of the running address (`STATE_READ`).
    pub sload:
        unsafe extern "C" fn(ctx: *mut c_void, key: *const [u8; 32], out: *mut [u8; 32]) -> i32,
    /// Writes a storage slot of the running address, through the journal (`STATE_WRITE`;
    /// refused in a static context).
    pub sstore:
        unsafe extern "C" fn(ctx: *mut c_void, key: *const [u8; 32], value: *const [u8; 32]) -> i32,
    /// Reads an account's balance (`STATE_READ`).
    pub balance:
        unsafe extern "C" fn(ctx: *mut c_void, address: *const [u8; 20], out: *mut [u8; 32]) -> i32,
    /// Emits a log from the running address (`STATE_WRITE`; refused in a static context).
    pub emit_log: unsafe extern "C" fn(
        ctx: *mut c_void,
        topics: *const [u8; 32],
        topic_count: u32,
        data: *const u8,
        len: u64,
    ) -> i32,
    /// ABI 1.1: field `index` of the hook event as a word (addresses right-aligned, flags 0 or
    /// 1); `ERR_INVALID` past the event's last field, `ERR_UNSUPPORTED` outside hook events.
    /// Fields per point: tx points: caller, to (0 for a creation), value, gas limit, nonce;
    /// `TX_AFTER_EXECUTION`: status (0 success, 1 revert, 2 halt), gas used; block points:
    /// number, transaction count, cumulative gas used; `CALL_ENTER`: kind (0 CALL, 1 CALLCODE,
    /// 2 DELEGATECALL, 3 STATICCALL), code address, target address, gas limit; `CALL_EXIT`:
    /// outcome (0 success, 1 revert, 2 halt), gas left, output length; `CREATE_ENTER`: scheme
    /// (0 CREATE, 1 CREATE2), gas limit; `CREATE_EXIT`: outcome, created address (0 if none),
    /// gas left; `ACCOUNT_ACCESS`: address, is cold; `STORAGE_READ`: key, value, is cold;
    /// `STORAGE_WRITE`: key, old value, new value; `LOG`: topic count, then the topics;
    /// `SELFDESTRUCT`: beneficiary, balance moved.
    pub event_word: unsafe extern "C" fn(ctx: *mut c_void, index: u32, out: *mut [u8; 32]) -> i32,
}
