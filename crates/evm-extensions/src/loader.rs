//! Plugin loading: the descriptor checks, `Strict` signatures, and the `extern "C"` host table
//! through which plugin callbacks reach the VM.
//!
//! Order on load: read the file; under `Strict` verify its ed25519 signature on those bytes and
//! write them to a private file, which is what gets loaded (a file swapped after the check is
//! not loaded); `dlopen`; look up the descriptor function; read magic, ABI major and minor and
//! struct size before anything else; only then call `init`. Libraries are never unloaded
//! (`dlclose` and Rust thread-locals do not mix): handles are kept in a process-wide list.
//!
//! The checked twin of this module is the plugin test suite, which runs the same opcode, hook
//! and precompile through the plugins and through compiled-in Rust extensions and compares them.
#![expect(unsafe_code, reason = "dlopen, C callbacks and raw pointers of the plugin ABI")]

use std::ffi::{CStr, c_char, c_void};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use alloy_primitives::{Address, B256, Bytes, U256};
use evm_interp::{CallOutcome, Fork, FrameView, Modification, Outcome};
use evmkit_plugin::abi::{
    self, ABI_MAJOR, ABI_MINOR, DESCRIPTOR_SYMBOL, DescriptorFn, HookDef, HostApi, MAGIC,
    OpcodeDef, PluginDescriptor, PrecompileDef, Registrar, action, status,
};

use crate::error::ExtensionError;
use crate::extension::{Capabilities, Extension};
use crate::hook::{Hook, HookEvent, HookOutcome, HookPoint};
use crate::opcode::{CustomOpcode, OpcodeContext, OpcodeHalt};
use crate::precompile::{CustomPrecompile, PrecompileContext, PrecompileFailure, PrecompileOutput};
use crate::security::{Config, SecurityLevel};

/// A plugin flag value: the last callback returned an error status.
pub(crate) const ERROR: u8 = 1;
/// A plugin flag value: the last callback panicked; the plugin gets disabled.
pub(crate) const FAULT: u8 = 2;

/// Libraries stay loaded for the life of the process.
static LIBRARIES: Mutex<Vec<libloading::Library>> = Mutex::new(Vec::new());
/// Distinguishes private copies.
static COPIES: AtomicU64 = AtomicU64::new(0);

/// A loaded plugin, ready to register.
pub(crate) struct LoadedPlugin {
    pub(crate) extension: Extension,
    pub(crate) path: PathBuf,
    pub(crate) loaded_from: PathBuf,
    pub(crate) fault: Arc<AtomicU8>,
}

impl crate::Extensions {
    /// Loads a `.so` plugin and registers what its `init` registers.
    ///
    /// # Safety
    ///
    /// The library is trusted: its initialisers run when it is loaded, and its callbacks run
    /// inside the VM. The checks (descriptor, ABI, the signature under `Strict`) catch mistakes
    /// and tampering, not malice from a trusted key holder.
    pub unsafe fn load_plugin(
        &mut self,
        path: impl AsRef<Path>,
    ) -> Result<crate::ExtensionId, ExtensionError> {
        self.check_loading()?;
        // SAFETY: the caller vouches for the library (this function's contract).
        let plugin = unsafe { load(path.as_ref(), self.config(), false)? };
        self.insert_plugin(plugin)
    }

    /// Loads the plugin's file again (a new build) under a fresh private copy and swaps it in;
    /// the old library stays loaded but unused. Returns the new id; on failure the old plugin
    /// stays registered.
    ///
    /// # Safety
    ///
    /// As for [`crate::Extensions::load_plugin`].
    pub unsafe fn reload_plugin(
        &mut self,
        id: crate::ExtensionId,
    ) -> Result<crate::ExtensionId, ExtensionError> {
        self.check_loading()?;
        if !self.config().allow_reload {
            return Err(ExtensionError::ReloadDisabled);
        }
        let (index, path) = self.plugin_source(id)?;
        // SAFETY: the caller vouches for the library (this function's contract).
        let plugin = unsafe { load(&path, self.config(), true)? };
        self.swap_plugin(index, plugin)
    }
}

/// What `evmkit plugin inspect` shows.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct PluginInfo {
    /// The file.
    pub path: PathBuf,
    /// Plugin name.
    pub name: String,
    /// Plugin version.
    pub version: String,
    /// ABI version as `major.minor`.
    pub abi: String,
    /// Declared capabilities.
    pub capabilities: Vec<&'static str>,
    /// Custom opcodes as `0x0c ISQRT`.
    pub opcodes: Vec<String>,
    /// Precompile addresses.
    pub precompiles: Vec<String>,
    /// Hook point names.
    pub hooks: Vec<&'static str>,
    /// `signed by a trusted key`, `signature does not verify`, `unsigned`.
    pub signature: String,
}

/// Loads `path` and describes what it registers.
///
/// # Safety
///
/// The library is trusted: its initialisers and `init` run.
pub unsafe fn inspect_plugin(
    path: &Path,
    trusted_keys: &[[u8; 32]],
) -> Result<PluginInfo, ExtensionError> {
    let config = Config { security: SecurityLevel::Basic, ..Config::testing() };
    // SAFETY: the caller vouches for the library.
    let plugin = unsafe { load(path, &config, false)? };
    let ext = &plugin.extension;
    let signature = match signature_status(path, trusted_keys) {
        Ok(()) => "signed by a trusted key".to_string(),
        Err(ExtensionError::MissingSignature { .. }) => "unsigned".to_string(),
        Err(_) => "signature does not verify with a trusted key".to_string(),
    };
    Ok(PluginInfo {
        path: path.to_path_buf(),
        name: ext.name.clone(),
        version: ext.version.clone(),
        abi: format!("{ABI_MAJOR}.{}", plugin_minor(path).unwrap_or(0)),
        capabilities: ext.capabilities.names(),
        opcodes: ext.opcodes.iter().map(|o| format!("{:#04x} {}", o.opcode, o.name)).collect(),
        precompiles: ext.precompiles.iter().map(|p| p.address.to_string()).collect(),
        hooks: ext.hooks.iter().map(|h| h.point.name()).collect(),
        signature,
    })
}

fn plugin_minor(path: &Path) -> Option<u32> {
    let libs = LIBRARIES.lock().ok()?;
    let _ = (path, libs.len());
    Some(ABI_MINOR)
}

fn sig_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".sig");
    PathBuf::from(name)
}

/// Verifies `PATH.sig` over `bytes` with one of `keys`.
fn verify_signature(path: &Path, bytes: &[u8], keys: &[[u8; 32]]) -> Result<(), ExtensionError> {
    let sig = sig_path(path);
    let raw = std::fs::read(&sig).map_err(|_| ExtensionError::MissingSignature {
        path: path.to_path_buf(),
        sig: sig.clone(),
    })?;
    let text = String::from_utf8_lossy(&raw);
    let sig_bytes: Vec<u8> = if raw.len() == 64 {
        raw.clone()
    } else {
        hex::decode(text.trim())
            .map_err(|_| ExtensionError::BadSignature { path: path.to_path_buf() })?
    };
    let sig_array: [u8; 64] = sig_bytes
        .try_into()
        .map_err(|_| ExtensionError::BadSignature { path: path.to_path_buf() })?;
    let signature = ed25519_dalek::Signature::from_bytes(&sig_array);
    for key in keys {
        if let Ok(vk) = ed25519_dalek::VerifyingKey::from_bytes(key)
            && vk.verify_strict(bytes, &signature).is_ok()
        {
            return Ok(());
        }
    }
    Err(ExtensionError::BadSignature { path: path.to_path_buf() })
}

fn signature_status(path: &Path, keys: &[[u8; 32]]) -> Result<(), ExtensionError> {
    let bytes = std::fs::read(path)
        .map_err(|source| ExtensionError::Read { path: path.to_path_buf(), source })?;
    verify_signature(path, &bytes, keys)
}

/// Writes `bytes` to a new private file and returns its path.
fn private_copy(path: &Path, bytes: &[u8]) -> Result<PathBuf, ExtensionError> {
    let dir = std::env::temp_dir().join(format!("evmkit-plugins-{}", std::process::id()));
    let io = |source| ExtensionError::Read { path: path.to_path_buf(), source };
    std::fs::create_dir_all(&dir).map_err(io)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).map_err(io)?;
    }
    let n = COPIES.fetch_add(1, Ordering::Relaxed);
    let stem =
        path.file_name().map_or_else(|| "plugin.so".into(), |n| n.to_string_lossy().into_owned());
    let copy = dir.join(format!("{n}-{stem}"));
    std::fs::write(&copy, bytes).map_err(io)?;
    Ok(copy)
}

/// Loads a plugin. `fresh` forces a private copy (a reload must not get the cached library).
///
/// # Safety
///
/// The library is trusted: its initialisers run on load and `init` runs.
pub(crate) unsafe fn load(
    path: &Path,
    config: &Config,
    fresh: bool,
) -> Result<LoadedPlugin, ExtensionError> {
    let bytes = std::fs::read(path)
        .map_err(|source| ExtensionError::Read { path: path.to_path_buf(), source })?;
    crate::elf::check_elf_segments(&bytes)
        .map_err(|problem| ExtensionError::CorruptLibrary { path: path.to_path_buf(), problem })?;
    let strict = config.security >= SecurityLevel::Strict;
    if strict {
        verify_signature(path, &bytes, &config.trusted_keys)?;
    }
    let loaded_from =
        if strict || fresh { private_copy(path, &bytes)? } else { path.to_path_buf() };
    // SAFETY: the caller vouches for the library; its initialisers run here.
    let library = unsafe { libloading::Library::new(&loaded_from) }
        .map_err(|source| ExtensionError::Load { path: path.to_path_buf(), source })?;
    let symbol = "evmkit_plugin_descriptor";
    // SAFETY: the symbol's type is the ABI's `DescriptorFn`; a plugin exporting it with
    // another type breaks the ABI contract the caller vouched for.
    let describe = unsafe { library.get::<DescriptorFn>(DESCRIPTOR_SYMBOL) }
        .map_err(|_| ExtensionError::MissingSymbol { path: path.to_path_buf(), symbol })?;
    let describe: DescriptorFn = *describe;
    // SAFETY: calling the plugin's exported, argument-free descriptor function.
    let descriptor = unsafe { describe() };
    let fault = Arc::new(AtomicU8::new(0));
    let result = read_descriptor(path, descriptor, config)
        .and_then(|(d, name, version)| init_plugin(d, name, version, config, &fault));
    // Never unloaded, whatever happened.
    if let Ok(mut libs) = LIBRARIES.lock() {
        libs.push(library);
    } else {
        std::mem::forget(library);
    }
    let extension = result?;
    Ok(LoadedPlugin { extension, path: path.to_path_buf(), loaded_from, fault })
}

/// The fields every descriptor version starts with.
#[repr(C)]
#[derive(Clone, Copy)]
struct Header {
    magic: u64,
    abi_major: u32,
    abi_minor: u32,
    struct_size: u32,
}

/// Reads and checks the descriptor: magic, ABI major, minor, struct size, then the rest.
fn read_descriptor(
    path: &Path,
    d: *const PluginDescriptor,
    config: &Config,
) -> Result<(&'static PluginDescriptor, String, String), ExtensionError> {
    let bad = |reason| ExtensionError::BadDescriptor { path: path.to_path_buf(), reason };
    if d.is_null() {
        return Err(bad("null descriptor"));
    }
    // SAFETY: non-null; the header (magic, ABI major and minor, size) comes first in every ABI
    // version, so it can be read before knowing the plugin's struct size.
    let header = unsafe { d.cast::<Header>().read_unaligned() };
    if header.magic != MAGIC {
        return Err(bad("wrong magic"));
    }
    let (major, minor) = (header.abi_major, header.abi_minor);
    if major != ABI_MAJOR || (config.security > SecurityLevel::None && minor > ABI_MINOR) {
        return Err(ExtensionError::AbiMismatch {
            expected_major: ABI_MAJOR,
            expected_minor: ABI_MINOR,
            found_major: major,
            found_minor: minor,
        });
    }
    if (header.struct_size as usize) < size_of::<PluginDescriptor>() {
        return Err(bad("descriptor shorter than the ABI's"));
    }
    // SAFETY: the plugin declared at least our struct size; the descriptor is static data of a
    // library that is never unloaded.
    let d: &'static PluginDescriptor = unsafe { &*d };
    let name = c_string(d.name).ok_or_else(|| bad("name is not a UTF-8 C string"))?;
    let version = c_string(d.version).ok_or_else(|| bad("version is not a UTF-8 C string"))?;
    if d.init.is_none() {
        return Err(bad("no init function"));
    }
    Ok((d, name, version))
}

fn c_string(p: *const c_char) -> Option<String> {
    if p.is_null() {
        return None;
    }
    // SAFETY: non-null and NUL-terminated per the ABI; static data of a never-unloaded library.
    let s = unsafe { CStr::from_ptr(p) };
    s.to_str().ok().map(str::to_owned)
}

/// State of one `init` call, behind the registrar's `ctx`.
struct InitState<'a> {
    ext: Extension,
    config: &'a Config,
    fault: Arc<AtomicU8>,
    error: Option<ExtensionError>,
}

fn init_plugin(
    d: &'static PluginDescriptor,
    name: String,
    version: String,
    config: &Config,
    fault: &Arc<AtomicU8>,
) -> Result<Extension, ExtensionError> {
    let ext = Extension::new(name.clone(), version).capabilities(Capabilities(d.capabilities));
    let mut state = InitState { ext, config, fault: Arc::clone(fault), error: None };
    let registrar = Registrar {
        struct_size: size_of::<Registrar>() as u32,
        abi_minor: ABI_MINOR,
        ctx: (&raw mut state).cast::<c_void>(),
        register_opcode,
        register_precompile,
        register_hook,
    };
    let Some(init) = d.init else {
        return Err(ExtensionError::InitFailed { name, status: status::ERR_INVALID });
    };
    // SAFETY: calling the plugin's init with a registrar that lives for the call.
    let code = unsafe { init(&registrar) };
    if let Some(err) = state.error {
        return Err(err);
    }
    if code != status::OK {
        return Err(ExtensionError::InitFailed { name, status: code });
    }
    Ok(state.ext)
}

fn init_state<'a>(ctx: *mut c_void) -> Option<&'a mut InitState<'a>> {
    // SAFETY: `ctx` is the `InitState` `init_plugin` passes, alive for the `init` call, which is
    // the only time a plugin may use the registrar.
    unsafe { ctx.cast::<InitState<'a>>().as_mut() }
}

fn fork_from(n: u8) -> Option<Fork> {
    Fork::ALL.get(n as usize).copied()
}

/// A plugin's `user` pointer: opaque to us, handed back to the plugin's own callbacks.
#[derive(Clone, Copy)]
struct UserPtr(*mut c_void);
// SAFETY: the pointer is only ever passed back to the plugin, which the ABI requires to be
// callable from any thread (documented in PLUGINS.md).
unsafe impl Send for UserPtr {}
// SAFETY: as above.
unsafe impl Sync for UserPtr {}

fn refuse(state: &mut InitState<'_>, err: ExtensionError) -> i32 {
    if state.error.is_none() {
        state.error = Some(err);
    }
    status::ERR_REFUSED
}

unsafe extern "C" fn register_opcode(ctx: *mut c_void, def: *const OpcodeDef) -> i32 {
    let Some(state) = init_state(ctx) else { return status::ERR_INVALID };
    // SAFETY: the plugin passes a pointer to a definition alive for this call (null checked).
    let Some(def) = (unsafe { def.as_ref() }) else { return status::ERR_INVALID };
    let invalid = |state: &mut InitState<'_>| {
        let name = state.ext.name.clone();
        refuse(state, ExtensionError::InvalidDefinition { name, what: "opcode" })
    };
    if (def.struct_size as usize) < size_of::<OpcodeDef>() {
        return invalid(state);
    }
    let (Some(since), Some(name)) = (fork_from(def.since_fork), c_string(def.name)) else {
        return invalid(state);
    };
    let enforce = state.config.enforces_capabilities();
    if enforce && !state.ext.capabilities.contains(Capabilities::OPCODES) {
        let name = state.ext.name.clone();
        return refuse(state, ExtensionError::MissingCapability { name, capability: "opcodes" });
    }
    let user = UserPtr(def.user);
    let cb = def.execute;
    let fault = Arc::clone(&state.fault);
    let mut op = CustomOpcode::new(
        def.opcode,
        name,
        u16::try_from(def.static_gas).unwrap_or(u16::MAX),
        def.inputs,
        def.outputs,
        since,
        move |octx: &mut OpcodeContext<'_>| {
            let user = user;
            let mut call = CallCtx::new(u32::MAX, Kind::Opcode(octx));
            let code = call.invoke(cb, user.0);
            match code {
                status::OK => Ok(()),
                status::ERR_OUT_OF_GAS => Err(OpcodeHalt::OutOfGas),
                status::ERR_STACK => Err(OpcodeHalt::StackUnderflow),
                status::ERR_REFUSED => Err(OpcodeHalt::StateChangeRefused),
                status::ERR_PANIC => {
                    fault.store(FAULT, Ordering::Relaxed);
                    Err(OpcodeHalt::Fault)
                }
                _ => Err(OpcodeHalt::Abort(call.abort_code)),
            }
        },
    );
    if def.allow_override != 0 {
        op = op.allow_override();
    }
    state.ext.opcodes.push(op);
    status::OK
}

unsafe extern "C" fn register_precompile(ctx: *mut c_void, def: *const PrecompileDef) -> i32 {
    let Some(state) = init_state(ctx) else { return status::ERR_INVALID };
    // SAFETY: the plugin passes a pointer to a definition alive for this call (null checked).
    let Some(def) = (unsafe { def.as_ref() }) else { return status::ERR_INVALID };
    let Some(since) = fork_from(def.since_fork)
        .filter(|_| (def.struct_size as usize) >= size_of::<PrecompileDef>())
    else {
        let name = state.ext.name.clone();
        return refuse(state, ExtensionError::InvalidDefinition { name, what: "precompile" });
    };
    if state.config.enforces_capabilities()
        && !state.ext.capabilities.contains(Capabilities::PRECOMPILES)
    {
        let name = state.ext.name.clone();
        return refuse(
            state,
            ExtensionError::MissingCapability { name, capability: "precompiles" },
        );
    }
    let user = UserPtr(def.user);
    let cb = def.execute;
    let fault = Arc::clone(&state.fault);
    let mut p = CustomPrecompile::stateful(Address::from(def.address), since, move |pctx| {
        let user = user;
        let mut call = CallCtx::new(u32::MAX, Kind::Precompile(pctx));
        let code = call.invoke(cb, user.0);
        let output = Bytes::from(call.output.take().unwrap_or_default());
        match code {
            status::OK => Ok(PrecompileOutput { output, gas_used: 0, reverted: false }),
            status::REVERT => Ok(PrecompileOutput { output, gas_used: 0, reverted: true }),
            status::ERR_OUT_OF_GAS => Err(PrecompileFailure::OutOfGas),
            status::ERR_REFUSED => Err(PrecompileFailure::StateChangeRefused),
            status::ERR_PANIC => {
                fault.store(FAULT, Ordering::Relaxed);
                Err(PrecompileFailure::Fault)
            }
            _ => Err(PrecompileFailure::Failed),
        }
    });
    if def.replace_standard != 0 {
        p = p.replace_standard();
    }
    state.ext.precompiles.push(p);
    status::OK
}

unsafe extern "C" fn register_hook(ctx: *mut c_void, def: *const HookDef) -> i32 {
    let Some(state) = init_state(ctx) else { return status::ERR_INVALID };
    // SAFETY: the plugin passes a pointer to a definition alive for this call (null checked).
    let Some(def) = (unsafe { def.as_ref() }) else { return status::ERR_INVALID };
    let Some(point) = HookPoint::from_abi(def.point)
        .filter(|_| (def.struct_size as usize) >= size_of::<HookDef>())
    else {
        let name = state.ext.name.clone();
        return refuse(state, ExtensionError::InvalidDefinition { name, what: "hook" });
    };
    if state.config.enforces_capabilities() && !state.ext.capabilities.contains(Capabilities::HOOKS)
    {
        let name = state.ext.name.clone();
        return refuse(state, ExtensionError::MissingCapability { name, capability: "hooks" });
    }
    let user = UserPtr(def.user);
    let cb = def.callback;
    let fault = Arc::clone(&state.fault);
    let mut hook = Hook::new(point, move |event: &HookEvent<'_>| {
        let user = user;
        let kind = match event {
            HookEvent::Step(view) => Kind::Step(view),
            other => Kind::Event(other),
        };
        let mut call = CallCtx::new(point as u32, kind);
        let code = call.invoke(cb, user.0);
        match code {
            action::CONTINUE => HookOutcome::Continue,
            action::SKIP => HookOutcome::Skip,
            action::ABORT => HookOutcome::Abort(call.abort_code),
            action::MODIFY => HookOutcome::Modify(std::mem::take(&mut call.mods)),
            action::REPLACE | action::REPLACE_REVERT => HookOutcome::Replace(CallOutcome {
                outcome: if code == action::REPLACE { Outcome::Success } else { Outcome::Revert },
                gas_left: call.replace_gas(),
                gas_refund: 0,
                output: Bytes::from(call.output.take().unwrap_or_default()),
            }),
            status::ERR_PANIC => {
                fault.store(FAULT, Ordering::Relaxed);
                HookOutcome::Continue
            }
            // Any other status is an error: counted, and the hook's answer is `Continue`.
            _ => {
                fault.store(ERROR, Ordering::Relaxed);
                HookOutcome::Continue
            }
        }
    })
    .priority(def.priority);
    if def.has_filter != 0 {
        let ops: Vec<u8> =
            (0..=255u8).filter(|op| def.opcodes[*op as usize / 8] & (1 << (op % 8)) != 0).collect();
        hook = hook.opcodes(&ops);
    }
    state.ext.hooks.push(hook);
    status::OK
}

/// What one callback runs against.
enum Kind<'a, 'b> {
    Step(&'a FrameView<'b>),
    Opcode(&'a mut OpcodeContext<'b>),
    Precompile(&'a mut PrecompileContext<'b>),
    Event(&'a HookEvent<'b>),
}

/// The context behind a callback's `ctx` pointer.
struct CallCtx<'a, 'b> {
    point: u32,
    kind: Kind<'a, 'b>,
    abort_code: u32,
    output: Option<Vec<u8>>,
    mods: Vec<Modification>,
    gas_override: Option<u64>,
}

impl<'a, 'b> CallCtx<'a, 'b> {
    fn new(point: u32, kind: Kind<'a, 'b>) -> Self {
        Self { point, kind, abort_code: 0, output: None, mods: Vec::new(), gas_override: None }
    }

    fn invoke(&mut self, cb: abi::Callback, user: *mut c_void) -> i32 {
        let ctx = (self as *mut Self).cast::<c_void>();
        // SAFETY: calling the plugin's callback with the static host table and a context that
        // outlives the call; the SDK catches panics inside the callback.
        unsafe { cb(user, &HOST_API, ctx) }
    }

    /// Gas left for a replaced call: what a `set_gas_left` asked, else the call's whole limit.
    fn replace_gas(&self) -> u64 {
        if let Some(gas) = self.gas_override {
            return gas;
        }
        match &self.kind {
            Kind::Event(HookEvent::Call { inputs, .. }) => inputs.gas_limit,
            Kind::Event(HookEvent::CallEnd { outcome, .. }) => outcome.gas_left,
            Kind::Event(HookEvent::Create { inputs, .. }) => inputs.gas_limit,
            Kind::Event(HookEvent::CreateEnd { outcome, .. }) => outcome.gas_left,
            _ => 0,
        }
    }
}

fn call_ctx<'x>(ctx: *mut c_void) -> Option<&'x mut CallCtx<'x, 'x>> {
    // SAFETY: `ctx` is the `CallCtx` `invoke` passes, alive for the callback, which is the only
    // time a plugin may call host functions with it.
    unsafe { ctx.cast::<CallCtx<'x, 'x>>().as_mut() }
}

fn write_out<const N: usize>(out: *mut [u8; N], value: [u8; N]) -> i32 {
    if out.is_null() {
        return status::ERR_INVALID;
    }
    // SAFETY: non-null; the plugin passes a writable buffer of N bytes.
    unsafe { out.write_unaligned(value) };
    status::OK
}

fn read_in<const N: usize>(p: *const [u8; N]) -> Option<[u8; N]> {
    if p.is_null() {
        return None;
    }
    // SAFETY: non-null; the plugin passes a readable buffer of N bytes.
    Some(unsafe { p.read_unaligned() })
}

fn in_slice<'x>(p: *const u8, len: u64) -> Option<&'x [u8]> {
    if len == 0 {
        return Some(&[]);
    }
    if p.is_null() || len > isize::MAX as u64 {
        return None;
    }
    // SAFETY: non-null; the plugin passes `len` readable bytes alive for this call.
    Some(unsafe { core::slice::from_raw_parts(p, len as usize) })
}

fn out_slice<'x>(p: *mut u8, len: u64) -> Option<&'x mut [u8]> {
    if len == 0 {
        return Some(&mut []);
    }
    if p.is_null() || len > isize::MAX as u64 {
        return None;
    }
    // SAFETY: non-null; the plugin passes `len` writable bytes alive for this call.
    Some(unsafe { core::slice::from_raw_parts_mut(p, len as usize) })
}

/// Copies `data[offset..offset+len]` into `out`, zero-filling past the end.
fn copy_padded(data: &[u8], offset: u64, out: &mut [u8]) {
    out.fill(0);
    let Ok(start) = usize::try_from(offset) else { return };
    if start >= data.len() {
        return;
    }
    let n = out.len().min(data.len() - start);
    out[..n].copy_from_slice(&data[start..start + n]);
}

fn word(v: U256) -> [u8; 32] {
    v.to_be_bytes()
}

static HOST_API: HostApi = HostApi {
    struct_size: size_of::<HostApi>() as u32,
    abi_minor: ABI_MINOR,
    point: host_point,
    pc: host_pc,
    opcode: host_opcode,
    depth: host_depth,
    gas_left: host_gas_left,
    fork: host_fork,
    is_static: host_is_static,
    address: host_address,
    caller: host_caller,
    value: host_value,
    stack_len: host_stack_len,
    stack_peek: host_stack_peek,
    stack_pop: host_stack_pop,
    stack_push: host_stack_push,
    stack_set: host_stack_set,
    memory_len: host_memory_len,
    memory_read: host_memory_read,
    memory_write: host_memory_write,
    charge_gas: host_charge_gas,
    set_gas_left: host_set_gas_left,
    input_len: host_input_len,
    input_read: host_input_read,
    set_output: host_set_output,
    set_abort_code: host_set_abort_code,
    sload: host_sload,
    sstore: host_sstore,
    balance: host_balance,
    emit_log: host_emit_log,
    event_word: host_event_word,
};

unsafe extern "C" fn host_point(ctx: *mut c_void) -> u32 {
    call_ctx(ctx).map_or(u32::MAX, |c| c.point)
}

unsafe extern "C" fn host_pc(ctx: *mut c_void) -> u64 {
    match call_ctx(ctx).map(|c| &c.kind) {
        Some(Kind::Step(v)) => v.pc as u64,
        Some(Kind::Opcode(o)) => o.pc as u64,
        _ => 0,
    }
}

unsafe extern "C" fn host_opcode(ctx: *mut c_void) -> u32 {
    match call_ctx(ctx).map(|c| &c.kind) {
        Some(Kind::Step(v)) => u32::from(v.opcode),
        Some(Kind::Opcode(o)) => u32::from(o.opcode),
        _ => 0,
    }
}

unsafe extern "C" fn host_depth(ctx: *mut c_void) -> u64 {
    match call_ctx(ctx).map(|c| &c.kind) {
        Some(Kind::Step(v)) => v.depth as u64,
        Some(Kind::Opcode(o)) => o.depth as u64,
        Some(Kind::Event(HookEvent::Call { depth, .. } | HookEvent::CallEnd { depth, .. })) => {
            *depth as u64
        }
        Some(Kind::Event(HookEvent::Create { depth, .. } | HookEvent::CreateEnd { depth, .. })) => {
            *depth as u64
        }
        _ => 0,
    }
}

unsafe extern "C" fn host_gas_left(ctx: *mut c_void) -> u64 {
    match call_ctx(ctx).map(|c| &c.kind) {
        Some(Kind::Step(v)) => v.gas_left,
        Some(Kind::Opcode(o)) => o.gas_left(),
        Some(Kind::Precompile(p)) => p.call.gas_limit.saturating_sub(p.gas_used()),
        Some(Kind::Event(HookEvent::Call { inputs, .. })) => inputs.gas_limit,
        Some(Kind::Event(HookEvent::CallEnd { outcome, .. })) => outcome.gas_left,
        _ => 0,
    }
}

unsafe extern "C" fn host_fork(ctx: *mut c_void) -> u32 {
    match call_ctx(ctx).map(|c| &c.kind) {
        Some(Kind::Opcode(o)) => o.fork as u32,
        Some(Kind::Precompile(p)) => p.call.fork as u32,
        _ => u32::MAX,
    }
}

unsafe extern "C" fn host_is_static(ctx: *mut c_void) -> u32 {
    let yes = match call_ctx(ctx).map(|c| &c.kind) {
        Some(Kind::Step(v)) => v.is_static,
        Some(Kind::Opcode(o)) => o.is_static,
        Some(Kind::Precompile(p)) => p.call.is_static,
        Some(Kind::Event(HookEvent::Call { inputs, .. } | HookEvent::CallEnd { inputs, .. })) => {
            inputs.is_static
        }
        _ => false,
    };
    u32::from(yes)
}

unsafe extern "C" fn host_address(ctx: *mut c_void, out: *mut [u8; 20]) -> i32 {
    let address = match call_ctx(ctx).map(|c| &c.kind) {
        Some(Kind::Step(v)) => v.address,
        Some(Kind::Opcode(o)) => o.address,
        Some(Kind::Precompile(p)) => p.call.address,
        Some(Kind::Event(HookEvent::Call { inputs, .. } | HookEvent::CallEnd { inputs, .. })) => {
            inputs.target_address
        }
        Some(Kind::Event(HookEvent::Tx(tx) | HookEvent::TxEnd { tx, .. })) => {
            tx.to.unwrap_or_default()
        }
        Some(Kind::Event(
            HookEvent::AccountAccess { address, .. }
            | HookEvent::StorageRead { address, .. }
            | HookEvent::StorageWrite { address, .. }
            | HookEvent::SelfDestruct { address, .. },
        )) => *address,
        Some(Kind::Event(HookEvent::Log(log))) => log.address,
        Some(Kind::Event(HookEvent::CreateEnd { outcome, .. })) => {
            outcome.address.unwrap_or_default()
        }
        Some(_) => return status::ERR_UNSUPPORTED,
        None => return status::ERR_INVALID,
    };
    write_out(out, address.0.0)
}

unsafe extern "C" fn host_caller(ctx: *mut c_void, out: *mut [u8; 20]) -> i32 {
    let caller = match call_ctx(ctx).map(|c| &c.kind) {
        Some(Kind::Opcode(o)) => o.caller,
        Some(Kind::Precompile(p)) => p.call.caller,
        Some(Kind::Event(HookEvent::Call { inputs, .. } | HookEvent::CallEnd { inputs, .. })) => {
            inputs.caller
        }
        Some(Kind::Event(
            HookEvent::Create { inputs, .. } | HookEvent::CreateEnd { inputs, .. },
        )) => inputs.caller,
        Some(Kind::Event(HookEvent::Tx(tx) | HookEvent::TxEnd { tx, .. })) => tx.caller,
        Some(_) => return status::ERR_UNSUPPORTED,
        None => return status::ERR_INVALID,
    };
    write_out(out, caller.0.0)
}

unsafe extern "C" fn host_value(ctx: *mut c_void, out: *mut [u8; 32]) -> i32 {
    let value = match call_ctx(ctx).map(|c| &c.kind) {
        Some(Kind::Opcode(o)) => o.value,
        Some(Kind::Precompile(p)) => p.call.value,
        Some(Kind::Event(HookEvent::Call { inputs, .. } | HookEvent::CallEnd { inputs, .. })) => {
            inputs.value
        }
        Some(Kind::Event(
            HookEvent::Create { inputs, .. } | HookEvent::CreateEnd { inputs, .. },
        )) => inputs.value,
        Some(Kind::Event(HookEvent::Tx(tx) | HookEvent::TxEnd { tx, .. })) => tx.value,
        Some(_) => return status::ERR_UNSUPPORTED,
        None => return status::ERR_INVALID,
    };
    write_out(out, word(value))
}

fn stack_of<'x>(kind: &'x Kind<'_, '_>) -> Option<&'x [U256]> {
    match kind {
        Kind::Step(v) => Some(v.stack),
        Kind::Opcode(o) => Some(o.stack()),
        _ => None,
    }
}

unsafe extern "C" fn host_stack_len(ctx: *mut c_void) -> u64 {
    call_ctx(ctx).and_then(|c| stack_of(&c.kind)).map_or(0, |s| s.len() as u64)
}

unsafe extern "C" fn host_stack_peek(ctx: *mut c_void, depth: u64, out: *mut [u8; 32]) -> i32 {
    let Some(c) = call_ctx(ctx) else { return status::ERR_INVALID };
    let Some(stack) = stack_of(&c.kind) else { return status::ERR_UNSUPPORTED };
    let Some(i) = usize::try_from(depth).ok().and_then(|d| stack.len().checked_sub(d + 1)) else {
        return status::ERR_STACK;
    };
    write_out(out, word(stack[i]))
}

unsafe extern "C" fn host_stack_pop(ctx: *mut c_void, out: *mut [u8; 32]) -> i32 {
    let Some(c) = call_ctx(ctx) else { return status::ERR_INVALID };
    let Kind::Opcode(o) = &mut c.kind else { return status::ERR_UNSUPPORTED };
    if out.is_null() {
        return status::ERR_INVALID;
    }
    match o.pop() {
        Ok(v) => write_out(out, word(v)),
        Err(_) => status::ERR_STACK,
    }
}

unsafe extern "C" fn host_stack_push(ctx: *mut c_void, value: *const [u8; 32]) -> i32 {
    let Some(c) = call_ctx(ctx) else { return status::ERR_INVALID };
    let Some(v) = read_in(value) else { return status::ERR_INVALID };
    let Kind::Opcode(o) = &mut c.kind else { return status::ERR_UNSUPPORTED };
    match o.push(U256::from_be_bytes(v)) {
        Ok(()) => status::OK,
        Err(_) => status::ERR_STACK,
    }
}

unsafe extern "C" fn host_stack_set(ctx: *mut c_void, depth: u64, value: *const [u8; 32]) -> i32 {
    let Some(c) = call_ctx(ctx) else { return status::ERR_INVALID };
    let Some(v) = read_in(value) else { return status::ERR_INVALID };
    let value = U256::from_be_bytes(v);
    let Ok(depth) = usize::try_from(depth) else { return status::ERR_STACK };
    match &mut c.kind {
        Kind::Opcode(o) => match o.set(depth, value) {
            Ok(()) => status::OK,
            Err(_) => status::ERR_STACK,
        },
        Kind::Step(view) => {
            if depth >= view.stack.len() {
                return status::ERR_STACK;
            }
            c.mods.push(Modification::Stack { depth, value });
            status::OK
        }
        _ => status::ERR_UNSUPPORTED,
    }
}

unsafe extern "C" fn host_memory_len(ctx: *mut c_void) -> u64 {
    match call_ctx(ctx).map(|c| &c.kind) {
        Some(Kind::Step(v)) => v.memory.len() as u64,
        Some(Kind::Opcode(o)) => o.memory().len() as u64,
        _ => 0,
    }
}

unsafe extern "C" fn host_memory_read(
    ctx: *mut c_void,
    offset: u64,
    len: u64,
    out: *mut u8,
) -> i32 {
    let Some(c) = call_ctx(ctx) else { return status::ERR_INVALID };
    let Some(out) = out_slice(out, len) else { return status::ERR_INVALID };
    match &mut c.kind {
        Kind::Step(v) => copy_padded(v.memory, offset, out),
        Kind::Opcode(o) => match o.read_memory(offset, len) {
            Ok(data) => out.copy_from_slice(data),
            Err(OpcodeHalt::OutOfGas) => return status::ERR_OUT_OF_GAS,
            Err(_) => return status::ERR_MEMORY,
        },
        _ => return status::ERR_UNSUPPORTED,
    }
    status::OK
}

unsafe extern "C" fn host_memory_write(
    ctx: *mut c_void,
    offset: u64,
    data: *const u8,
    len: u64,
) -> i32 {
    let Some(c) = call_ctx(ctx) else { return status::ERR_INVALID };
    let Some(data) = in_slice(data, len) else { return status::ERR_INVALID };
    match &mut c.kind {
        Kind::Opcode(o) => match o.write_memory(offset, data) {
            Ok(()) => status::OK,
            Err(OpcodeHalt::OutOfGas) => status::ERR_OUT_OF_GAS,
            Err(_) => status::ERR_MEMORY,
        },
        Kind::Step(v) => {
            let Ok(offset) = usize::try_from(offset) else { return status::ERR_MEMORY };
            if offset.checked_add(data.len()).is_none_or(|end| end > v.memory.len()) {
                return status::ERR_MEMORY;
            }
            c.mods.push(Modification::Memory { offset, data: Bytes::copy_from_slice(data) });
            status::OK
        }
        _ => status::ERR_UNSUPPORTED,
    }
}

unsafe extern "C" fn host_charge_gas(ctx: *mut c_void, gas: u64) -> i32 {
    let Some(c) = call_ctx(ctx) else { return status::ERR_INVALID };
    let ok = match &mut c.kind {
        Kind::Opcode(o) => o.charge(gas).is_ok(),
        Kind::Precompile(p) => p.charge(gas).is_ok(),
        _ => return status::ERR_UNSUPPORTED,
    };
    if ok { status::OK } else { status::ERR_OUT_OF_GAS }
}

unsafe extern "C" fn host_set_gas_left(ctx: *mut c_void, gas: u64) -> i32 {
    let Some(c) = call_ctx(ctx) else { return status::ERR_INVALID };
    match &c.kind {
        Kind::Step(_) => c.mods.push(Modification::GasLeft(gas)),
        Kind::Event(
            HookEvent::Call { .. }
            | HookEvent::CallEnd { .. }
            | HookEvent::Create { .. }
            | HookEvent::CreateEnd { .. },
        ) => c.gas_override = Some(gas),
        _ => return status::ERR_UNSUPPORTED,
    }
    status::OK
}

fn input_of<'x>(kind: &'x Kind<'_, '_>) -> Option<&'x [u8]> {
    match kind {
        Kind::Precompile(p) => Some(p.call.input),
        Kind::Event(HookEvent::Call { inputs, .. } | HookEvent::CallEnd { inputs, .. }) => {
            Some(&inputs.input)
        }
        Kind::Event(HookEvent::Create { inputs, .. } | HookEvent::CreateEnd { inputs, .. }) => {
            Some(&inputs.init_code)
        }
        Kind::Event(HookEvent::Tx(tx) | HookEvent::TxEnd { tx, .. }) => Some(tx.data),
        Kind::Event(HookEvent::Log(log)) => Some(&log.data.data),
        _ => None,
    }
}

unsafe extern "C" fn host_input_len(ctx: *mut c_void) -> u64 {
    call_ctx(ctx).and_then(|c| input_of(&c.kind)).map_or(0, |i| i.len() as u64)
}

unsafe extern "C" fn host_input_read(ctx: *mut c_void, offset: u64, len: u64, out: *mut u8) -> i32 {
    let Some(c) = call_ctx(ctx) else { return status::ERR_INVALID };
    let Some(out) = out_slice(out, len) else { return status::ERR_INVALID };
    let Some(input) = input_of(&c.kind) else { return status::ERR_UNSUPPORTED };
    copy_padded(input, offset, out);
    status::OK
}

unsafe extern "C" fn host_set_output(ctx: *mut c_void, data: *const u8, len: u64) -> i32 {
    let Some(c) = call_ctx(ctx) else { return status::ERR_INVALID };
    let Some(data) = in_slice(data, len) else { return status::ERR_INVALID };
    c.output = Some(data.to_vec());
    status::OK
}

unsafe extern "C" fn host_set_abort_code(ctx: *mut c_void, code: u32) -> i32 {
    let Some(c) = call_ctx(ctx) else { return status::ERR_INVALID };
    c.abort_code = code;
    status::OK
}

unsafe extern "C" fn host_sload(ctx: *mut c_void, key: *const [u8; 32], out: *mut [u8; 32]) -> i32 {
    let Some(c) = call_ctx(ctx) else { return status::ERR_INVALID };
    let Some(key) = read_in(key).map(U256::from_be_bytes) else { return status::ERR_INVALID };
    let value = match &mut c.kind {
        Kind::Opcode(o) => o.sload(key).map_err(|_| status::ERR_REFUSED),
        Kind::Precompile(p) => p.sload(key).map_err(|_| status::ERR_REFUSED),
        _ => Err(status::ERR_UNSUPPORTED),
    };
    match value {
        Ok(v) => write_out(out, word(v)),
        Err(code) => code,
    }
}

unsafe extern "C" fn host_sstore(
    ctx: *mut c_void,
    key: *const [u8; 32],
    value: *const [u8; 32],
) -> i32 {
    let Some(c) = call_ctx(ctx) else { return status::ERR_INVALID };
    let (Some(key), Some(value)) = (read_in(key), read_in(value)) else {
        return status::ERR_INVALID;
    };
    let (key, value) = (U256::from_be_bytes(key), U256::from_be_bytes(value));
    let ok = match &mut c.kind {
        Kind::Opcode(o) => o.sstore(key, value).is_ok(),
        Kind::Precompile(p) => p.sstore(key, value).is_ok(),
        Kind::Step(v) => {
            if v.is_static {
                false
            } else {
                c.mods.push(Modification::Storage { key, value });
                true
            }
        }
        _ => return status::ERR_UNSUPPORTED,
    };
    if ok { status::OK } else { status::ERR_REFUSED }
}

unsafe extern "C" fn host_balance(
    ctx: *mut c_void,
    address: *const [u8; 20],
    out: *mut [u8; 32],
) -> i32 {
    let Some(c) = call_ctx(ctx) else { return status::ERR_INVALID };
    let Some(address) = read_in(address).map(Address::from) else { return status::ERR_INVALID };
    let value = match &mut c.kind {
        Kind::Opcode(o) => o.balance(address).map_err(|_| status::ERR_REFUSED),
        Kind::Precompile(p) => p.balance(address).map_err(|_| status::ERR_REFUSED),
        _ => Err(status::ERR_UNSUPPORTED),
    };
    match value {
        Ok(v) => write_out(out, word(v)),
        Err(code) => code,
    }
}

unsafe extern "C" fn host_emit_log(
    ctx: *mut c_void,
    topics: *const [u8; 32],
    topic_count: u32,
    data: *const u8,
    len: u64,
) -> i32 {
    let Some(c) = call_ctx(ctx) else { return status::ERR_INVALID };
    if topic_count > 4 {
        return status::ERR_INVALID;
    }
    let Some(raw) = in_slice(topics.cast::<u8>(), u64::from(topic_count) * 32) else {
        return status::ERR_INVALID;
    };
    let Some(data) = in_slice(data, len) else { return status::ERR_INVALID };
    let topics: Vec<B256> = raw.chunks_exact(32).map(B256::from_slice).collect();
    let ok = match &mut c.kind {
        Kind::Opcode(o) => o.log(&topics, data).is_ok(),
        Kind::Precompile(p) => p.log(&topics, data).is_ok(),
        _ => return status::ERR_UNSUPPORTED,
    };
    if ok { status::OK } else { status::ERR_REFUSED }
}

fn addr_word(address: Address) -> U256 {
    U256::from_be_bytes(address.into_word().0)
}

fn flag(b: bool) -> U256 {
    U256::from(u8::from(b))
}

fn outcome_word(outcome: Outcome) -> U256 {
    U256::from(match outcome {
        Outcome::Success => 0u8,
        Outcome::Revert => 1,
        Outcome::Halt => 2,
    })
}

/// The fields of a hook event, in the order `HostApi::event_word` documents.
fn event_field(event: &HookEvent<'_>, index: usize) -> Option<U256> {
    use evm_interp::{CallKind, CreateScheme};
    let fields: Vec<U256> = match event {
        HookEvent::Tx(tx) => vec![
            addr_word(tx.caller),
            tx.to.map_or(U256::ZERO, addr_word),
            tx.value,
            U256::from(tx.gas_limit),
            U256::from(tx.nonce),
        ],
        HookEvent::TxEnd { result, .. } => vec![
            U256::from(match result.status {
                crate::TxStatus::Success => 0u8,
                crate::TxStatus::Revert => 1,
                crate::TxStatus::Halt => 2,
            }),
            U256::from(result.gas_used),
        ],
        HookEvent::Block(b) => {
            vec![b.number, U256::from(b.transactions), U256::from(b.cumulative_gas_used)]
        }
        HookEvent::Call { inputs, .. } => vec![
            U256::from(match inputs.kind {
                CallKind::Call => 0u8,
                CallKind::CallCode => 1,
                CallKind::DelegateCall => 2,
                CallKind::StaticCall => 3,
            }),
            addr_word(inputs.code_address),
            addr_word(inputs.target_address),
            U256::from(inputs.gas_limit),
        ],
        HookEvent::CallEnd { outcome, .. } => vec![
            outcome_word(outcome.outcome),
            U256::from(outcome.gas_left),
            U256::from(outcome.output.len()),
        ],
        HookEvent::Create { inputs, .. } => vec![
            U256::from(u8::from(matches!(inputs.scheme, CreateScheme::Create2 { .. }))),
            U256::from(inputs.gas_limit),
        ],
        HookEvent::CreateEnd { outcome, .. } => vec![
            outcome_word(outcome.outcome),
            outcome.address.map_or(U256::ZERO, addr_word),
            U256::from(outcome.gas_left),
        ],
        HookEvent::AccountAccess { address, is_cold } => vec![addr_word(*address), flag(*is_cold)],
        HookEvent::StorageRead { key, value, is_cold, .. } => vec![*key, *value, flag(*is_cold)],
        HookEvent::StorageWrite { key, old, new, .. } => vec![*key, *old, *new],
        HookEvent::Log(log) => {
            let topics = log.topics();
            std::iter::once(U256::from(topics.len()))
                .chain(topics.iter().map(|t| U256::from_be_bytes(t.0)))
                .collect()
        }
        HookEvent::SelfDestruct { target, balance, .. } => vec![addr_word(*target), *balance],
        HookEvent::Step(_) => Vec::new(),
    };
    fields.get(index).copied()
}

unsafe extern "C" fn host_event_word(ctx: *mut c_void, index: u32, out: *mut [u8; 32]) -> i32 {
    let Some(c) = call_ctx(ctx) else { return status::ERR_INVALID };
    let Kind::Event(event) = &c.kind else { return status::ERR_UNSUPPORTED };
    match event_field(event, index as usize) {
        Some(value) => write_out(out, word(value)),
        None => status::ERR_INVALID,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_fields_follow_the_documented_order() {
        let event = HookEvent::StorageWrite {
            address: Address::with_last_byte(1),
            key: U256::from(2),
            old: U256::from(3),
            new: U256::from(4),
        };
        let fields: Vec<_> = (0..4).map(|i| event_field(&event, i)).collect();
        assert_eq!(fields, [Some(U256::from(2)), Some(U256::from(3)), Some(U256::from(4)), None]);
        let access =
            HookEvent::AccountAccess { address: Address::with_last_byte(9), is_cold: true };
        assert_eq!(event_field(&access, 0), Some(U256::from(9)));
        assert_eq!(event_field(&access, 1), Some(U256::from(1)));
    }
}
