//! A mock host for unit tests of plugin callbacks, with no VM: [`MockHost`] implements the
//! [`HostApi`] table over plain fields, and [`register`] runs a plugin's init against a
//! recording registrar so its callbacks can be called through the real SDK trampolines.
//!
//! The mock keeps the ABI's rules that matter to plugins (stack bounds, static context,
//! out-of-gas, zero-filled reads) but charges no memory expansion and checks no capabilities.
#![expect(unsafe_code, reason = "the mock host's extern \"C\" table dereferences its context")]

use core::ffi::{CStr, c_void};
use std::collections::HashMap;

use crate::abi::{self, ABI_MINOR, Callback, HostApi, status};
use crate::ctx::Ctx;
use crate::registrar::{InitFn, run_init};
use crate::word::{Address, Word};

/// The EVM's stack limit, which the mock enforces on push.
const STACK_LIMIT: usize = 1024;

/// A log the mock recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MockLog {
    /// The emitting (running) address.
    pub address: Address,
    /// Its topics.
    pub topics: Vec<Word>,
    /// Its data.
    pub data: Vec<u8>,
}

/// Host state behind the mock [`HostApi`]; set the fields, run a callback, read them back.
#[derive(Debug, Clone)]
pub struct MockHost {
    /// Returned by `point` (`u32::MAX` for opcodes and precompiles).
    pub point: u32,
    /// Returned by `pc`.
    pub pc: u64,
    /// Returned by `opcode`.
    pub opcode: u8,
    /// Returned by `depth`.
    pub depth: u64,
    /// Gas left; `charge_gas` takes from it.
    pub gas_left: u64,
    /// Returned by `fork`.
    pub fork: u32,
    /// Static context: `sstore` and `emit_log` are refused.
    pub is_static: bool,
    /// The running address.
    pub address: Address,
    /// The caller.
    pub caller: Address,
    /// The call value.
    pub value: Word,
    /// The stack, bottom first (the top is the last item).
    pub stack: Vec<Word>,
    /// Memory; `memory_write` grows it.
    pub memory: Vec<u8>,
    /// The input.
    pub input: Vec<u8>,
    /// The output last set, if any.
    pub output: Option<Vec<u8>>,
    /// The abort code last set, if any.
    pub abort_code: Option<u32>,
    /// Storage of the running address.
    pub storage: HashMap<Word, Word>,
    /// Balances.
    pub balances: HashMap<Address, Word>,
    /// Logs emitted, in order.
    pub logs: Vec<MockLog>,
    /// The hook event's fields, read by `event_word`.
    pub event: Vec<Word>,
}

impl Default for MockHost {
    fn default() -> Self {
        Self::new()
    }
}

impl MockHost {
    /// An empty host in a non-static precompile/opcode context with a million gas.
    pub fn new() -> Self {
        Self {
            point: u32::MAX,
            pc: 0,
            opcode: 0,
            depth: 0,
            gas_left: 1_000_000,
            fork: 0,
            is_static: false,
            address: [0; 20],
            caller: [0; 20],
            value: [0; 32],
            stack: Vec::new(),
            memory: Vec::new(),
            input: Vec::new(),
            output: None,
            abort_code: None,
            storage: HashMap::new(),
            balances: HashMap::new(),
            logs: Vec::new(),
            event: Vec::new(),
        }
    }

    /// The mock's host table.
    pub fn api() -> &'static HostApi {
        &MOCK_API
    }

    /// Runs `f` with a [`Ctx`] over this host (no panic catching: call plugin fns directly).
    pub fn with_ctx<R>(&mut self, f: impl FnOnce(&mut Ctx<'_>) -> R) -> R {
        let raw = (self as *mut Self).cast::<c_void>();
        // SAFETY: `raw` points to `self`, borrowed mutably for as long as `ctx` lives, and
        // `MOCK_API`'s functions expect exactly a `MockHost` context.
        let mut ctx = unsafe { Ctx::from_raw(&MOCK_API, raw) };
        f(&mut ctx)
    }

    /// Calls a registered callback through its SDK trampoline, as a loader would, and returns
    /// the raw `status` or `action` code.
    pub fn call(&mut self, registered: &Registered) -> i32 {
        let raw = (self as *mut Self).cast::<c_void>();
        // SAFETY: `registered` holds an SDK trampoline and the `user` pointer registered with
        // it (only `register` builds one); `raw` is a `MockHost` borrowed for the call.
        unsafe { (registered.callback)(registered.user, &MOCK_API, raw) }
    }
}

/// What a plugin registered, with the facts the registrar saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Registration {
    /// A custom opcode.
    Opcode {
        /// The byte.
        opcode: u8,
        /// The mnemonic.
        name: String,
        /// Stack inputs.
        inputs: u8,
        /// Stack outputs.
        outputs: u8,
        /// Static gas.
        static_gas: u64,
        /// First fork.
        since_fork: u8,
        /// Replaces a defined opcode.
        allow_override: bool,
    },
    /// A precompile.
    Precompile {
        /// Its address.
        address: Address,
        /// First fork.
        since_fork: u8,
        /// Reads or writes state.
        stateful: bool,
        /// Replaces a standard precompile.
        replace_standard: bool,
    },
    /// A hook.
    Hook {
        /// Its point.
        point: u32,
        /// Its priority.
        priority: i32,
        /// The opcode bitset, when filtered.
        filter: Option<[u8; 32]>,
    },
}

/// One registered callback; run it with [`MockHost::call`].
#[derive(Debug, Clone)]
pub struct Registered {
    /// What was registered.
    pub registration: Registration,
    callback: Callback,
    user: *mut c_void,
}

/// Runs `init` through the SDK's init trampoline against a recording registrar. `Err` carries
/// the raw status when init failed or panicked.
pub fn register(init: InitFn) -> Result<Vec<Registered>, i32> {
    let mut recorded: Vec<Registered> = Vec::new();
    let registrar = abi::Registrar {
        struct_size: size_of::<abi::Registrar>() as u32,
        abi_minor: ABI_MINOR,
        ctx: (&mut recorded as *mut Vec<Registered>).cast(),
        register_opcode: record_opcode,
        register_precompile: record_precompile,
        register_hook: record_hook,
    };
    // SAFETY: `registrar` is valid for the call and its functions expect its `ctx`.
    let code = unsafe { run_init(&registrar, init) };
    if code == status::OK { Ok(recorded) } else { Err(code) }
}

/// The recording registrar's list.
///
/// # Safety
/// `ctx` is the `ctx` of a registrar built by `register`, alive and not otherwise borrowed.
unsafe fn recorded<'a>(ctx: *mut c_void) -> &'a mut Vec<Registered> {
    // SAFETY: the caller's contract.
    unsafe { &mut *ctx.cast::<Vec<Registered>>() }
}

unsafe extern "C" fn record_opcode(ctx: *mut c_void, def: *const abi::OpcodeDef) -> i32 {
    // SAFETY: the SDK passes a valid definition for the call.
    let Some(def) = (unsafe { def.as_ref() }) else { return status::ERR_INVALID };
    // SAFETY: the SDK passes `OpcodeSpec::name`, a static C string.
    let name = unsafe { CStr::from_ptr(def.name) }.to_string_lossy().into_owned();
    let registration = Registration::Opcode {
        opcode: def.opcode,
        name,
        inputs: def.inputs,
        outputs: def.outputs,
        static_gas: def.static_gas,
        since_fork: def.since_fork,
        allow_override: def.allow_override != 0,
    };
    let entry = Registered { registration, callback: def.execute, user: def.user };
    // SAFETY: `register` passes its list as `ctx`.
    unsafe { recorded(ctx) }.push(entry);
    status::OK
}

unsafe extern "C" fn record_precompile(ctx: *mut c_void, def: *const abi::PrecompileDef) -> i32 {
    // SAFETY: the SDK passes a valid definition for the call.
    let Some(def) = (unsafe { def.as_ref() }) else { return status::ERR_INVALID };
    let registration = Registration::Precompile {
        address: def.address,
        since_fork: def.since_fork,
        stateful: def.stateful != 0,
        replace_standard: def.replace_standard != 0,
    };
    let entry = Registered { registration, callback: def.execute, user: def.user };
    // SAFETY: `register` passes its list as `ctx`.
    unsafe { recorded(ctx) }.push(entry);
    status::OK
}

unsafe extern "C" fn record_hook(ctx: *mut c_void, def: *const abi::HookDef) -> i32 {
    // SAFETY: the SDK passes a valid definition for the call.
    let Some(def) = (unsafe { def.as_ref() }) else { return status::ERR_INVALID };
    if def.point >= abi::point::COUNT {
        return status::ERR_INVALID;
    }
    let registration = Registration::Hook {
        point: def.point,
        priority: def.priority,
        filter: (def.has_filter != 0).then_some(def.opcodes),
    };
    let entry = Registered { registration, callback: def.callback, user: def.user };
    // SAFETY: `register` passes its list as `ctx`.
    unsafe { recorded(ctx) }.push(entry);
    status::OK
}

/// The host behind a context.
///
/// # Safety
/// `ctx` points to a `MockHost` that is alive and not otherwise borrowed during the call.
unsafe fn host<'a>(ctx: *mut c_void) -> &'a mut MockHost {
    // SAFETY: the caller's contract.
    unsafe { &mut *ctx.cast::<MockHost>() }
}

/// `len` bytes of `src` from `offset`, zero-filled past its end, copied to `out`.
///
/// # Safety
/// `out` is writable for `len` bytes.
unsafe fn read_padded(src: &[u8], offset: u64, len: u64, out: *mut u8) -> i32 {
    let Ok(len) = usize::try_from(len) else { return status::ERR_MEMORY };
    if len == 0 {
        return status::OK;
    }
    if out.is_null() {
        return status::ERR_INVALID;
    }
    // SAFETY: the caller's contract.
    let out = unsafe { core::slice::from_raw_parts_mut(out, len) };
    out.fill(0);
    let start = usize::try_from(offset).unwrap_or(usize::MAX).min(src.len());
    let available = &src[start..];
    let n = available.len().min(len);
    out[..n].copy_from_slice(&available[..n]);
    status::OK
}

/// `len` bytes at `data` as a slice (empty for `len == 0`).
///
/// # Safety
/// `data` is readable for `len` bytes when `len > 0`.
unsafe fn bytes<'a>(data: *const u8, len: u64) -> Option<&'a [u8]> {
    let len = usize::try_from(len).ok()?;
    if len == 0 {
        return Some(&[]);
    }
    if data.is_null() {
        return None;
    }
    // SAFETY: the caller's contract.
    Some(unsafe { core::slice::from_raw_parts(data, len) })
}

/// Copies `value` to `out` unless `out` is null.
///
/// # Safety
/// `out` is null or writable.
unsafe fn write_out<T: Copy>(out: *mut T, value: T) -> i32 {
    if out.is_null() {
        return status::ERR_INVALID;
    }
    // SAFETY: the caller's contract; `out` is not null.
    unsafe { out.write(value) };
    status::OK
}

/// Reads `*ptr` unless it is null.
///
/// # Safety
/// `ptr` is null or readable.
unsafe fn read_in<T: Copy>(ptr: *const T) -> Option<T> {
    // SAFETY: the caller's contract.
    unsafe { ptr.as_ref() }.copied()
}

// Every function below receives the `MockHost` context `with_ctx`/`call` passed, so each
// `host(ctx)` call relies on that; pointers come from the SDK's `Ctx`, which passes valid ones.

unsafe extern "C" fn m_point(ctx: *mut c_void) -> u32 {
    // SAFETY: the context is a `MockHost` (see above).
    unsafe { host(ctx) }.point
}

unsafe extern "C" fn m_pc(ctx: *mut c_void) -> u64 {
    // SAFETY: the context is a `MockHost` (see above).
    unsafe { host(ctx) }.pc
}

unsafe extern "C" fn m_opcode(ctx: *mut c_void) -> u32 {
    // SAFETY: the context is a `MockHost` (see above).
    u32::from(unsafe { host(ctx) }.opcode)
}

unsafe extern "C" fn m_depth(ctx: *mut c_void) -> u64 {
    // SAFETY: the context is a `MockHost` (see above).
    unsafe { host(ctx) }.depth
}

unsafe extern "C" fn m_gas_left(ctx: *mut c_void) -> u64 {
    // SAFETY: the context is a `MockHost` (see above).
    unsafe { host(ctx) }.gas_left
}

unsafe extern "C" fn m_fork(ctx: *mut c_void) -> u32 {
    // SAFETY: the context is a `MockHost` (see above).
    unsafe { host(ctx) }.fork
}

unsafe extern "C" fn m_is_static(ctx: *mut c_void) -> u32 {
    // SAFETY: the context is a `MockHost` (see above).
    u32::from(unsafe { host(ctx) }.is_static)
}

unsafe extern "C" fn m_address(ctx: *mut c_void, out: *mut [u8; 20]) -> i32 {
    // SAFETY: the context is a `MockHost` (see above).
    let address = unsafe { host(ctx) }.address;
    // SAFETY: `out` is null or writable (see above).
    unsafe { write_out(out, address) }
}

unsafe extern "C" fn m_caller(ctx: *mut c_void, out: *mut [u8; 20]) -> i32 {
    // SAFETY: the context is a `MockHost` (see above).
    let caller = unsafe { host(ctx) }.caller;
    // SAFETY: `out` is null or writable (see above).
    unsafe { write_out(out, caller) }
}

unsafe extern "C" fn m_value(ctx: *mut c_void, out: *mut [u8; 32]) -> i32 {
    // SAFETY: the context is a `MockHost` (see above).
    let value = unsafe { host(ctx) }.value;
    // SAFETY: `out` is null or writable (see above).
    unsafe { write_out(out, value) }
}

unsafe extern "C" fn m_stack_len(ctx: *mut c_void) -> u64 {
    // SAFETY: the context is a `MockHost` (see above).
    unsafe { host(ctx) }.stack.len() as u64
}

/// The index of the item `depth` from the top.
fn stack_index(stack: &[Word], depth: u64) -> Option<usize> {
    let depth = usize::try_from(depth).ok()?;
    stack.len().checked_sub(depth)?.checked_sub(1)
}

unsafe extern "C" fn m_stack_peek(ctx: *mut c_void, depth: u64, out: *mut [u8; 32]) -> i32 {
    // SAFETY: the context is a `MockHost` (see above).
    let host = unsafe { host(ctx) };
    let Some(i) = stack_index(&host.stack, depth) else { return status::ERR_STACK };
    // SAFETY: `out` is null or writable (see above).
    unsafe { write_out(out, host.stack[i]) }
}

unsafe extern "C" fn m_stack_pop(ctx: *mut c_void, out: *mut [u8; 32]) -> i32 {
    // SAFETY: the context is a `MockHost` (see above).
    let host = unsafe { host(ctx) };
    if out.is_null() {
        return status::ERR_INVALID;
    }
    let Some(top) = host.stack.pop() else { return status::ERR_STACK };
    // SAFETY: `out` is writable (see above).
    unsafe { write_out(out, top) }
}

unsafe extern "C" fn m_stack_push(ctx: *mut c_void, value: *const [u8; 32]) -> i32 {
    // SAFETY: the context is a `MockHost` (see above).
    let host = unsafe { host(ctx) };
    // SAFETY: `value` is null or readable (see above).
    let Some(value) = (unsafe { read_in(value) }) else { return status::ERR_INVALID };
    if host.stack.len() >= STACK_LIMIT {
        return status::ERR_STACK;
    }
    host.stack.push(value);
    status::OK
}

unsafe extern "C" fn m_stack_set(ctx: *mut c_void, depth: u64, value: *const [u8; 32]) -> i32 {
    // SAFETY: the context is a `MockHost` (see above).
    let host = unsafe { host(ctx) };
    // SAFETY: `value` is null or readable (see above).
    let Some(value) = (unsafe { read_in(value) }) else { return status::ERR_INVALID };
    let Some(i) = stack_index(&host.stack, depth) else { return status::ERR_STACK };
    host.stack[i] = value;
    status::OK
}

unsafe extern "C" fn m_memory_len(ctx: *mut c_void) -> u64 {
    // SAFETY: the context is a `MockHost` (see above).
    unsafe { host(ctx) }.memory.len() as u64
}

unsafe extern "C" fn m_memory_read(ctx: *mut c_void, offset: u64, len: u64, out: *mut u8) -> i32 {
    // SAFETY: the context is a `MockHost` (see above).
    let host = unsafe { host(ctx) };
    // SAFETY: `out` is writable for `len` bytes (see above).
    unsafe { read_padded(&host.memory, offset, len, out) }
}

unsafe extern "C" fn m_memory_write(
    ctx: *mut c_void,
    offset: u64,
    data: *const u8,
    len: u64,
) -> i32 {
    // SAFETY: the context is a `MockHost` (see above).
    let host = unsafe { host(ctx) };
    // SAFETY: `data` is readable for `len` bytes (see above).
    let Some(data) = (unsafe { bytes(data, len) }) else { return status::ERR_INVALID };
    if data.is_empty() {
        return status::OK;
    }
    let Some(end) = usize::try_from(offset).ok().and_then(|o| o.checked_add(data.len())) else {
        return status::ERR_MEMORY;
    };
    if end > u32::MAX as usize {
        return status::ERR_MEMORY;
    }
    if host.memory.len() < end {
        host.memory.resize(end.next_multiple_of(32), 0);
    }
    host.memory[end - data.len()..end].copy_from_slice(data);
    status::OK
}

unsafe extern "C" fn m_charge_gas(ctx: *mut c_void, gas: u64) -> i32 {
    // SAFETY: the context is a `MockHost` (see above).
    let host = unsafe { host(ctx) };
    match host.gas_left.checked_sub(gas) {
        Some(left) => {
            host.gas_left = left;
            status::OK
        }
        None => status::ERR_OUT_OF_GAS,
    }
}

unsafe extern "C" fn m_set_gas_left(ctx: *mut c_void, gas: u64) -> i32 {
    // SAFETY: the context is a `MockHost` (see above).
    unsafe { host(ctx) }.gas_left = gas;
    status::OK
}

unsafe extern "C" fn m_input_len(ctx: *mut c_void) -> u64 {
    // SAFETY: the context is a `MockHost` (see above).
    unsafe { host(ctx) }.input.len() as u64
}

unsafe extern "C" fn m_input_read(ctx: *mut c_void, offset: u64, len: u64, out: *mut u8) -> i32 {
    // SAFETY: the context is a `MockHost` (see above).
    let host = unsafe { host(ctx) };
    // SAFETY: `out` is writable for `len` bytes (see above).
    unsafe { read_padded(&host.input, offset, len, out) }
}

unsafe extern "C" fn m_set_output(ctx: *mut c_void, data: *const u8, len: u64) -> i32 {
    // SAFETY: the context is a `MockHost` (see above).
    let host = unsafe { host(ctx) };
    // SAFETY: `data` is readable for `len` bytes (see above).
    let Some(data) = (unsafe { bytes(data, len) }) else { return status::ERR_INVALID };
    host.output = Some(data.to_vec());
    status::OK
}

unsafe extern "C" fn m_set_abort_code(ctx: *mut c_void, code: u32) -> i32 {
    // SAFETY: the context is a `MockHost` (see above).
    unsafe { host(ctx) }.abort_code = Some(code);
    status::OK
}

unsafe extern "C" fn m_sload(ctx: *mut c_void, key: *const [u8; 32], out: *mut [u8; 32]) -> i32 {
    // SAFETY: the context is a `MockHost` (see above).
    let host = unsafe { host(ctx) };
    // SAFETY: `key` is null or readable (see above).
    let Some(key) = (unsafe { read_in(key) }) else { return status::ERR_INVALID };
    let value = host.storage.get(&key).copied().unwrap_or_default();
    // SAFETY: `out` is null or writable (see above).
    unsafe { write_out(out, value) }
}

unsafe extern "C" fn m_sstore(
    ctx: *mut c_void,
    key: *const [u8; 32],
    value: *const [u8; 32],
) -> i32 {
    // SAFETY: the context is a `MockHost` (see above).
    let host = unsafe { host(ctx) };
    // SAFETY: `key` is null or readable (see above).
    let Some(key) = (unsafe { read_in(key) }) else { return status::ERR_INVALID };
    // SAFETY: `value` is null or readable (see above).
    let Some(value) = (unsafe { read_in(value) }) else { return status::ERR_INVALID };
    if host.is_static {
        return status::ERR_REFUSED;
    }
    host.storage.insert(key, value);
    status::OK
}

unsafe extern "C" fn m_balance(
    ctx: *mut c_void,
    address: *const [u8; 20],
    out: *mut [u8; 32],
) -> i32 {
    // SAFETY: the context is a `MockHost` (see above).
    let host = unsafe { host(ctx) };
    // SAFETY: `address` is null or readable (see above).
    let Some(address) = (unsafe { read_in(address) }) else { return status::ERR_INVALID };
    let balance = host.balances.get(&address).copied().unwrap_or_default();
    // SAFETY: `out` is null or writable (see above).
    unsafe { write_out(out, balance) }
}

unsafe extern "C" fn m_emit_log(
    ctx: *mut c_void,
    topics: *const [u8; 32],
    topic_count: u32,
    data: *const u8,
    len: u64,
) -> i32 {
    // SAFETY: the context is a `MockHost` (see above).
    let host = unsafe { host(ctx) };
    if topic_count > 4 {
        return status::ERR_INVALID;
    }
    let topics = if topic_count == 0 {
        Vec::new()
    } else if topics.is_null() {
        return status::ERR_INVALID;
    } else {
        // SAFETY: `topics` holds `topic_count` words (see above).
        unsafe { core::slice::from_raw_parts(topics, topic_count as usize) }.to_vec()
    };
    // SAFETY: `data` is readable for `len` bytes (see above).
    let Some(data) = (unsafe { bytes(data, len) }) else { return status::ERR_INVALID };
    if host.is_static {
        return status::ERR_REFUSED;
    }
    host.logs.push(MockLog { address: host.address, topics, data: data.to_vec() });
    status::OK
}

unsafe extern "C" fn m_event_word(ctx: *mut c_void, index: u32, out: *mut [u8; 32]) -> i32 {
    // SAFETY: the context is a `MockHost` (see above).
    let host = unsafe { host(ctx) };
    let Some(value) = host.event.get(index as usize).copied() else { return status::ERR_INVALID };
    // SAFETY: `out` is null or writable (see above).
    unsafe { write_out(out, value) }
}

static MOCK_API: HostApi = HostApi {
    struct_size: size_of::<HostApi>() as u32,
    abi_minor: ABI_MINOR,
    point: m_point,
    pc: m_pc,
    opcode: m_opcode,
    depth: m_depth,
    gas_left: m_gas_left,
    fork: m_fork,
    is_static: m_is_static,
    address: m_address,
    caller: m_caller,
    value: m_value,
    stack_len: m_stack_len,
    stack_peek: m_stack_peek,
    stack_pop: m_stack_pop,
    stack_push: m_stack_push,
    stack_set: m_stack_set,
    memory_len: m_memory_len,
    memory_read: m_memory_read,
    memory_write: m_memory_write,
    charge_gas: m_charge_gas,
    set_gas_left: m_set_gas_left,
    input_len: m_input_len,
    input_read: m_input_read,
    set_output: m_set_output,
    set_abort_code: m_set_abort_code,
    sload: m_sload,
    sstore: m_sstore,
    balance: m_balance,
    emit_log: m_emit_log,
    event_word: m_event_word,
};
