//! [`Registrar`]: safe registration of plain `fn` callbacks during init, and the `extern "C"`
//! trampolines that call them.
//!
//! A callback's `fn` pointer travels as the ABI's `user` pointer and is cast back in the
//! trampoline of its kind, so no call allocates. Every trampoline (and init) runs its body in
//! `catch_unwind`: a panic becomes `status::ERR_PANIC` instead of unwinding into the host, which
//! would abort the process. A plugin built with `panic = "abort"` aborts before anything can
//! catch it.
#![expect(unsafe_code, reason = "extern \"C\" trampolines: raw pointers from the loader")]

use core::ffi::{CStr, c_void};
use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::abi::{self, HostApi, action, status};
use crate::ctx::Ctx;
use crate::error::Error;
use crate::word::Address;

/// A custom opcode's body: pop its inputs, push its outputs; `Err` halts the frame.
pub type OpcodeFn = fn(&mut Ctx<'_>) -> Result<(), Error>;
/// A precompile's body: read the input, charge gas, set the output; `Err` fails the call.
pub type PrecompileFn = fn(&mut Ctx<'_>) -> Result<PrecompileExit, Error>;
/// A hook: returns what the host should do next.
pub type HookFn = fn(&mut Ctx<'_>) -> Result<Action, Error>;
/// A plugin's init: registers everything; an `Err` makes the loader refuse the plugin.
pub type InitFn = fn(&mut Registrar<'_>) -> Result<(), Error>;

/// How a precompile ends when it does not fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PrecompileExit {
    /// Success with the output set through [`Ctx::set_output`] (`status::OK`).
    Return,
    /// Revert with the output set through [`Ctx::set_output`] (`status::REVERT`).
    Revert,
}

/// What a hook asks the host to do (the ABI's [`action`] codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Go on with the next hook.
    Continue,
    /// Skip the remaining hooks of this point.
    Skip,
    /// Halt the frame (transaction points: reject the transaction) with this code; the
    /// trampoline calls [`Ctx::set_abort_code`] and returns `ABORT` even if that call fails.
    Abort(u32),
    /// Apply the modifications requested through the host table during this callback.
    Modify,
    /// Call/create enter points: the call succeeds with the output set through
    /// [`Ctx::set_output`] (a mock).
    Replace,
    /// Like [`Action::Replace`], but the mocked call reverts.
    ReplaceRevert,
}

impl Action {
    /// The ABI [`action`] code.
    pub const fn code(self) -> i32 {
        match self {
            Self::Continue => action::CONTINUE,
            Self::Skip => action::SKIP,
            Self::Abort(_) => action::ABORT,
            Self::Modify => action::MODIFY,
            Self::Replace => action::REPLACE,
            Self::ReplaceRevert => action::REPLACE_REVERT,
        }
    }
}

/// A custom opcode's facts (see [`abi::OpcodeDef`]).
#[derive(Debug, Clone, Copy)]
pub struct OpcodeSpec {
    /// The byte.
    pub opcode: u8,
    /// The mnemonic (ASCII uppercase, digits, `_`), e.g. `c"ISQRT"`.
    pub name: &'static CStr,
    /// Stack items it needs (checked by the host before the call).
    pub inputs: u8,
    /// Stack items it leaves, counted from the same base as `inputs`.
    pub outputs: u8,
    /// Gas charged before the body runs.
    pub static_gas: u64,
    /// The first fork it exists in (`Fork as u8`: 0 is Frontier).
    pub since_fork: u8,
    /// Replace an opcode the fork already defines (otherwise the host refuses).
    pub allow_override: bool,
}

/// A precompile's facts (see [`abi::PrecompileDef`]).
#[derive(Debug, Clone, Copy)]
pub struct PrecompileSpec {
    /// Its address.
    pub address: Address,
    /// The first fork it exists in (`Fork as u8`: 0 is Frontier).
    pub since_fork: u8,
    /// It reads or writes state (its own storage, balances, logs); results are not cached.
    pub stateful: bool,
    /// Replace a standard precompile at the same address (otherwise the host refuses).
    pub replace_standard: bool,
}

/// A hook's facts (see [`abi::HookDef`]).
#[derive(Debug, Clone, Copy)]
pub struct HookSpec<'a> {
    /// One of [`point`](crate::point).
    pub point: u32,
    /// Higher runs first; equal priorities run in registration order.
    pub priority: i32,
    /// At opcode points, the opcodes the hook wants (the host filters without calling it);
    /// `None` for every opcode.
    pub opcodes: Option<&'a [u8]>,
}

impl HookSpec<'_> {
    /// The ABI's opcode bitset: bit `op % 8` of byte `op / 8`.
    pub fn opcode_bitset(&self) -> [u8; 32] {
        let mut set = [0; 32];
        for &op in self.opcodes.unwrap_or_default() {
            set[usize::from(op / 8)] |= 1 << (op % 8);
        }
        set
    }
}

/// The loader's registrar as init sees it.
#[derive(Debug)]
pub struct Registrar<'a> {
    raw: &'a abi::Registrar,
}

impl<'a> Registrar<'a> {
    /// Wraps the loader's registrar.
    ///
    /// # Safety
    /// `raw` is the registrar passed to the running init, whose functions accept `raw.ctx`, and
    /// the wrapper is dropped before init returns. [`export_plugin!`](crate::export_plugin)
    /// does this for you.
    pub unsafe fn from_raw(raw: &'a abi::Registrar) -> Self {
        Self { raw }
    }

    /// The loader's ABI minor version.
    pub fn abi_minor(&self) -> u32 {
        self.raw.abi_minor
    }

    /// Registers a custom opcode run by `f`.
    pub fn opcode(&mut self, spec: OpcodeSpec, f: OpcodeFn) -> Result<(), Error> {
        let def = abi::OpcodeDef {
            struct_size: size_of::<abi::OpcodeDef>() as u32,
            opcode: spec.opcode,
            inputs: spec.inputs,
            outputs: spec.outputs,
            since_fork: spec.since_fork,
            allow_override: u8::from(spec.allow_override),
            reserved: [0; 3],
            static_gas: spec.static_gas,
            name: spec.name.as_ptr(),
            user: f as *mut c_void,
            execute: opcode_trampoline,
        };
        // SAFETY: `from_raw`'s contract: the loader's function accepts its own `ctx`; `def` is
        // a valid definition whose `name` is static.
        let status = unsafe { (self.raw.register_opcode)(self.raw.ctx, &def) };
        Error::check(status).map(drop)
    }

    /// Registers a precompile run by `f`.
    pub fn precompile(&mut self, spec: PrecompileSpec, f: PrecompileFn) -> Result<(), Error> {
        let def = abi::PrecompileDef {
            struct_size: size_of::<abi::PrecompileDef>() as u32,
            address: spec.address,
            since_fork: spec.since_fork,
            stateful: u8::from(spec.stateful),
            replace_standard: u8::from(spec.replace_standard),
            reserved: 0,
            user: f as *mut c_void,
            execute: precompile_trampoline,
        };
        // SAFETY: `from_raw`'s contract: the loader's function accepts its own `ctx`; `def` is
        // a valid definition.
        let status = unsafe { (self.raw.register_precompile)(self.raw.ctx, &def) };
        Error::check(status).map(drop)
    }

    /// Registers a hook run by `f`.
    pub fn hook(&mut self, spec: HookSpec<'_>, f: HookFn) -> Result<(), Error> {
        let def = abi::HookDef {
            struct_size: size_of::<abi::HookDef>() as u32,
            point: spec.point,
            priority: spec.priority,
            has_filter: u8::from(spec.opcodes.is_some()),
            reserved: [0; 3],
            opcodes: spec.opcode_bitset(),
            user: f as *mut c_void,
            callback: hook_trampoline,
        };
        // SAFETY: `from_raw`'s contract: the loader's function accepts its own `ctx`; `def` is
        // a valid definition.
        let status = unsafe { (self.raw.register_hook)(self.raw.ctx, &def) };
        Error::check(status).map(drop)
    }
}

/// Runs `init` on the loader's registrar; what [`export_plugin!`](crate::export_plugin)'s init
/// calls. A panic becomes `ERR_PANIC`.
///
/// # Safety
/// `raw` is null or the registrar the loader passed to the running init.
pub unsafe fn run_init(raw: *const abi::Registrar, init: InitFn) -> i32 {
    // SAFETY: the caller passes null or a registrar valid for the duration of init.
    let Some(raw) = (unsafe { raw.as_ref() }) else { return status::ERR_INVALID };
    if (raw.struct_size as usize) < size_of::<abi::Registrar>() {
        return status::ERR_INVALID;
    }
    // SAFETY: `raw` is the running init's registrar and `registrar` is dropped below.
    let mut registrar = unsafe { Registrar::from_raw(raw) };
    match catch_unwind(AssertUnwindSafe(|| init(&mut registrar))) {
        Ok(Ok(())) => status::OK,
        Ok(Err(error)) => error.code(),
        Err(payload) => {
            discard(payload);
            status::ERR_PANIC
        }
    }
}

/// Runs `body` on a [`Ctx`] for the host table and context, catching panics.
///
/// # Safety
/// `host` is null or the table passed to the running callback, and `raw` its context.
unsafe fn guard(
    host: *const HostApi,
    raw: *mut c_void,
    body: impl FnOnce(&mut Ctx<'_>) -> Result<i32, Error>,
) -> i32 {
    // SAFETY: the caller passes null or a table valid for the duration of the callback.
    let Some(host) = (unsafe { host.as_ref() }) else { return status::ERR_INVALID };
    if (host.struct_size as usize) < size_of::<HostApi>() {
        core::hint::cold_path();
        return status::ERR_INVALID;
    }
    // SAFETY: `host` and `raw` belong to the running callback, which `ctx` does not outlive.
    let mut ctx = unsafe { Ctx::from_raw(host, raw) };
    match catch_unwind(AssertUnwindSafe(|| body(&mut ctx))) {
        Ok(Ok(code)) => code,
        Ok(Err(error)) => error.code(),
        Err(payload) => {
            core::hint::cold_path();
            discard(payload);
            status::ERR_PANIC
        }
    }
}

/// Drops a panic payload without letting a panicking `Drop` escape (it is leaked instead).
fn discard(payload: Box<dyn Any + Send>) {
    if let Err(again) = catch_unwind(AssertUnwindSafe(move || drop(payload))) {
        std::mem::forget(again);
    }
}

/// The `execute` of every opcode registered through [`Registrar::opcode`].
///
/// # Safety
/// `user` is the pointer `Registrar::opcode` registered; `host` and `ctx` are the loader's.
unsafe extern "C" fn opcode_trampoline(
    user: *mut c_void,
    host: *const HostApi,
    ctx: *mut c_void,
) -> i32 {
    if user.is_null() {
        return status::ERR_INVALID;
    }
    // SAFETY: `Registrar::opcode` made `user` from an `OpcodeFn`; the loader passes it back.
    let f = unsafe { core::mem::transmute::<*mut c_void, OpcodeFn>(user) };
    // SAFETY: the loader passes the running callback's table and context.
    unsafe { guard(host, ctx, |ctx| f(ctx).map(|()| status::OK)) }
}

/// The `execute` of every precompile registered through [`Registrar::precompile`].
///
/// # Safety
/// `user` is the pointer `Registrar::precompile` registered; `host` and `ctx` are the loader's.
unsafe extern "C" fn precompile_trampoline(
    user: *mut c_void,
    host: *const HostApi,
    ctx: *mut c_void,
) -> i32 {
    if user.is_null() {
        return status::ERR_INVALID;
    }
    // SAFETY: `Registrar::precompile` made `user` from a `PrecompileFn`; the loader passes it
    // back.
    let f = unsafe { core::mem::transmute::<*mut c_void, PrecompileFn>(user) };
    let body = |ctx: &mut Ctx<'_>| {
        f(ctx).map(|exit| match exit {
            PrecompileExit::Return => status::OK,
            PrecompileExit::Revert => status::REVERT,
        })
    };
    // SAFETY: the loader passes the running callback's table and context.
    unsafe { guard(host, ctx, body) }
}

/// The `callback` of every hook registered through [`Registrar::hook`].
///
/// # Safety
/// `user` is the pointer `Registrar::hook` registered; `host` and `ctx` are the loader's.
unsafe extern "C" fn hook_trampoline(
    user: *mut c_void,
    host: *const HostApi,
    ctx: *mut c_void,
) -> i32 {
    if user.is_null() {
        return status::ERR_INVALID;
    }
    // SAFETY: `Registrar::hook` made `user` from a `HookFn`; the loader passes it back.
    let f = unsafe { core::mem::transmute::<*mut c_void, HookFn>(user) };
    let body = |ctx: &mut Ctx<'_>| {
        let action = f(ctx)?;
        if let Action::Abort(code) = action {
            // The abort stands even when the host refuses the code.
            let _ = ctx.set_abort_code(code);
        }
        Ok(action.code())
    };
    // SAFETY: the loader passes the running callback's table and context.
    unsafe { guard(host, ctx, body) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn null_pointers_are_invalid_not_crashes() {
        // SAFETY: null `user` is checked before anything is dereferenced.
        let code = unsafe {
            opcode_trampoline(core::ptr::null_mut(), core::ptr::null(), core::ptr::null_mut())
        };
        assert_eq!(code, status::ERR_INVALID);
        fn ok(_: &mut Ctx<'_>) -> Result<Action, Error> {
            Ok(Action::Continue)
        }
        let user = ok as HookFn as *mut c_void;
        // SAFETY: `user` is a `HookFn`; a null host is checked before use.
        let code = unsafe { hook_trampoline(user, core::ptr::null(), core::ptr::null_mut()) };
        assert_eq!(code, status::ERR_INVALID);
        // SAFETY: a null registrar is checked before use.
        let code = unsafe { run_init(core::ptr::null(), |_| Ok(())) };
        assert_eq!(code, status::ERR_INVALID);
    }

    #[test]
    fn action_codes_match_the_abi() {
        assert_eq!(Action::Continue.code(), action::CONTINUE);
        assert_eq!(Action::Skip.code(), action::SKIP);
        assert_eq!(Action::Abort(7).code(), action::ABORT);
        assert_eq!(Action::Modify.code(), action::MODIFY);
        assert_eq!(Action::Replace.code(), action::REPLACE);
        assert_eq!(Action::ReplaceRevert.code(), action::REPLACE_REVERT);
    }

    #[test]
    fn opcode_bitset_sets_one_bit_per_opcode() {
        let spec = HookSpec { point: 10, priority: 0, opcodes: Some(&[0x00, 0x09, 0xff, 0x09]) };
        let set = spec.opcode_bitset();
        assert_eq!(set[0], 1);
        assert_eq!(set[1], 1 << 1);
        assert_eq!(set[31], 1 << 7);
        assert_eq!(set.iter().map(|b| b.count_ones()).sum::<u32>(), 3);
        assert_eq!(HookSpec { opcodes: None, ..spec }.opcode_bitset(), [0; 32]);
    }
}
