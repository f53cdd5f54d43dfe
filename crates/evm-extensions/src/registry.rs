//! `Extensions`: the registry. It checks and orders what extensions register, compiles the
//! per-point hook lists, the opcode overlay and the custom-opcode routing once per change, and
//! implements [`evm_interp::Hooks`] over them.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Instant;

use alloy_primitives::{Address, Log, U256};
use evm_bytecode::OpcodeTable;
use evm_interp::{
    AbortReason, CallAction, CallInputs, CallOutcome, CreateInputs, CreateOutcome, CustomOpcodes,
    Exit, Fork, Frame, FrameView, Hooks, Host, Modification, Outcome, Refusal, StepAction,
};

use crate::error::ExtensionError;
use crate::extension::{Capabilities, Extension, ExtensionId};
use crate::hook::{BlockInfo, Hook, HookEvent, HookOutcome, HookPoint, TxInfo, TxResultInfo};
use crate::loader::{self, LoadedPlugin};
use crate::metrics::{Metrics, MetricsRow, OPCODE_SLOT, PRECOMPILE_SLOT, SLOTS, Stats};
use crate::opcode::{CustomOpcode, OpcodeContext};
use crate::precompile::{
    CustomPrecompile, PrecompileCall, PrecompileContext, PrecompileFailure, PrecompileKind,
    PrecompileOutput, PrecompileState,
};
use crate::security::{Config, SecurityLevel};

/// Where an extension came from.
#[derive(Debug)]
pub(crate) enum Origin {
    /// Compiled into the program.
    Compiled,
    /// A plugin file.
    Plugin {
        /// The file the user named.
        path: PathBuf,
        /// The file actually loaded (a private copy for `Strict` and reloads).
        loaded_from: PathBuf,
    },
}

/// One registered extension.
#[derive(Debug)]
struct Entry {
    id: ExtensionId,
    name: String,
    version: String,
    capabilities: Capabilities,
    enabled: bool,
    origin: Origin,
    hooks: Vec<Hook>,
    opcodes: Vec<CustomOpcode>,
    precompiles: Vec<CustomPrecompile>,
    /// Set by plugin callbacks when the plugin panicked.
    fault: Option<Arc<AtomicU8>>,
    stats: [Stats; SLOTS],
}

/// What the registry derives from its entries on every change.
#[derive(Debug, Default)]
struct Compiled {
    /// Per point: (entry, hook) in call order.
    points: Vec<Vec<(usize, usize)>>,
    /// Opcodes some `OpcodeBefore` hook wants.
    before: Option<Box<[bool; 256]>>,
    /// Opcodes some `OpcodeAfter` hook wants.
    after: Option<Box<[bool; 256]>>,
    /// `OpcodeBefore` and `OpcodeAfter`: the (entry, hook) when it is the point's only hook,
    /// for the one-call fast path.
    single: [Option<(usize, usize)>; 2],
    /// Custom-opcode routing for the interpreter.
    custom: Option<CustomOpcodes>,
    /// Per byte: (entry, opcode index).
    opcode_owner: Vec<Option<(usize, usize)>>,
    /// The opcode facts the analysis, disassembler and lint see.
    table: OpcodeTable,
    /// (address, entry, precompile index).
    precompiles: Vec<(Address, usize, usize)>,
}

/// The registry of extensions a VM owns.
#[derive(Debug)]
pub struct Extensions {
    config: Config,
    entries: Vec<Entry>,
    next_id: u32,
    compiled: Compiled,
    last_abort: Option<AbortReason>,
    /// The modifications the last opcode point asked for, with the entry and point that asked,
    /// so a refusal is counted against its own extension.
    asked: Vec<(Modification, usize, HookPoint)>,
}

impl Default for Extensions {
    fn default() -> Self {
        Self::new(Config::development())
    }
}

/// What the hooks of one point decided.
enum Verdict {
    Continue,
    Abort(AbortReason),
    Modify(Vec<Modification>),
    Replace(CallOutcome),
}

impl Extensions {
    /// An empty registry with `config`.
    pub fn new(config: Config) -> Self {
        let mut ext = Self {
            config,
            entries: Vec::new(),
            next_id: 1,
            compiled: Compiled::default(),
            last_abort: None,
            asked: Vec::new(),
        };
        ext.compile();
        ext
    }

    /// No runtime loading, `Strict` security.
    pub fn production() -> Self {
        Self::new(Config::production())
    }

    /// Runtime loading and reload, `Basic` security, timing on.
    pub fn development() -> Self {
        Self::new(Config::development())
    }

    /// Runtime loading, security `None`, timing on.
    pub fn testing() -> Self {
        Self::new(Config::testing())
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Changes the configuration (between transactions, as every change).
    pub fn config_mut(&mut self) -> &mut Config {
        &mut self.config
    }

    /// Registers a compiled-in extension.
    pub fn register(&mut self, extension: Extension) -> Result<ExtensionId, ExtensionError> {
        self.insert(extension, Origin::Compiled, None)
    }

    fn insert(
        &mut self,
        extension: Extension,
        origin: Origin,
        fault: Option<Arc<AtomicU8>>,
    ) -> Result<ExtensionId, ExtensionError> {
        if self.entries.len() >= self.config.max_extensions {
            return Err(ExtensionError::TooManyExtensions { limit: self.config.max_extensions });
        }
        self.check(&extension)?;
        let id = ExtensionId(self.next_id);
        self.next_id += 1;
        let Extension { name, version, capabilities, hooks, opcodes, precompiles } = extension;
        self.entries.push(Entry {
            id,
            name,
            version,
            capabilities,
            enabled: true,
            origin,
            hooks,
            opcodes,
            precompiles,
            fault,
            stats: [Stats::default(); SLOTS],
        });
        self.compile();
        tracing::debug!(id = id.0, "extension registered");
        Ok(id)
    }

    /// Checks an extension against the registry before it goes in.
    fn check(&self, ext: &Extension) -> Result<(), ExtensionError> {
        let enforce = self.config.enforces_capabilities();
        let need = |cap: Capabilities| {
            if enforce && !ext.capabilities.contains(cap) {
                Err(ExtensionError::MissingCapability {
                    name: ext.name.clone(),
                    capability: cap.name(),
                })
            } else {
                Ok(())
            }
        };
        if !ext.hooks.is_empty() {
            need(Capabilities::HOOKS)?;
        }
        if !ext.opcodes.is_empty() {
            need(Capabilities::OPCODES)?;
        }
        if !ext.precompiles.is_empty() {
            need(Capabilities::PRECOMPILES)?;
        }
        for point in HookPoint::ALL {
            let count = ext.hooks.iter().filter(|h| h.point == point).count();
            let existing = self.compiled.points.get(point as usize).map_or(0, Vec::len);
            if count > 0 && existing + count > self.config.max_hooks_per_point {
                return Err(ExtensionError::TooManyHooks {
                    point: point.name(),
                    limit: self.config.max_hooks_per_point,
                });
            }
        }
        let mut table = self.compiled.table.clone();
        for (i, op) in ext.opcodes.iter().enumerate() {
            let byte = op.opcode;
            if byte == evm_bytecode::opcode::opcode::JUMPDEST {
                return Err(ExtensionError::JumpdestOverride);
            }
            if let Some((e, _)) = self.compiled.opcode_owner[byte as usize] {
                return Err(ExtensionError::OpcodeTaken {
                    opcode: byte,
                    owner: self.entries[e].name.clone(),
                });
            }
            if ext.opcodes[..i].iter().any(|o| o.opcode == byte) {
                return Err(ExtensionError::OpcodeTaken { opcode: byte, owner: ext.name.clone() });
            }
            if OpcodeTable::is_standard_defined_from(byte, op.since) && !op.allow_override {
                return Err(ExtensionError::OpcodeDefined {
                    opcode: byte,
                    name: evm_bytecode::OPCODE_INFO[byte as usize].name,
                });
            }
            table
                .with_custom(byte, &op.name, op.inputs, op.outputs, op.since)
                .map_err(|source| ExtensionError::InvalidOpcode { opcode: byte, source })?;
        }
        for (i, p) in ext.precompiles.iter().enumerate() {
            let taken = self.compiled.precompiles.iter().any(|(a, _, _)| *a == p.address)
                || ext.precompiles[..i].iter().any(|q| q.address == p.address);
            if taken {
                return Err(ExtensionError::PrecompileDefined { address: p.address });
            }
        }
        Ok(())
    }

    /// Removes an extension (its plugin library, if any, stays loaded: it is never unloaded).
    pub fn unregister(&mut self, id: ExtensionId) -> Result<(), ExtensionError> {
        let index = self.index(id)?;
        self.entries.remove(index);
        self.compile();
        Ok(())
    }

    pub(crate) fn check_loading(&self) -> Result<(), ExtensionError> {
        if self.config.security == SecurityLevel::Paranoid {
            return Err(ExtensionError::LoadingDisabled { reason: "security level paranoid" });
        }
        if !self.config.allow_runtime_loading {
            return Err(ExtensionError::LoadingDisabled { reason: "configuration" });
        }
        Ok(())
    }

    pub(crate) fn insert_plugin(
        &mut self,
        plugin: LoadedPlugin,
    ) -> Result<ExtensionId, ExtensionError> {
        let LoadedPlugin { extension, path, loaded_from, fault } = plugin;
        self.insert(extension, Origin::Plugin { path, loaded_from }, Some(fault))
    }

    /// The file a plugin extension was loaded from by the user's name for it.
    pub(crate) fn plugin_source(
        &self,
        id: ExtensionId,
    ) -> Result<(usize, PathBuf), ExtensionError> {
        let index = self.index(id)?;
        match &self.entries[index].origin {
            Origin::Plugin { path, .. } => Ok((index, path.clone())),
            Origin::Compiled => Err(ExtensionError::NotAPlugin(id.0)),
        }
    }

    /// Swaps the entry at `index` for `plugin`; on failure the old entry stays.
    pub(crate) fn swap_plugin(
        &mut self,
        index: usize,
        plugin: LoadedPlugin,
    ) -> Result<ExtensionId, ExtensionError> {
        let old = self.entries.remove(index);
        self.compile();
        match self.insert_plugin(plugin) {
            Ok(new_id) => Ok(new_id),
            Err(err) => {
                // Put the old one back: nothing is lost on a failed reload.
                self.entries.insert(index, old);
                self.compile();
                Err(err)
            }
        }
    }

    fn index(&self, id: ExtensionId) -> Result<usize, ExtensionError> {
        self.entries.iter().position(|e| e.id == id).ok_or(ExtensionError::UnknownExtension(id.0))
    }

    /// Whether the extension is enabled (a fault disables it).
    pub fn is_enabled(&self, id: ExtensionId) -> bool {
        self.entries.iter().any(|e| e.id == id && e.enabled)
    }

    /// Re-enables an extension a fault disabled.
    pub fn enable(&mut self, id: ExtensionId) -> Result<(), ExtensionError> {
        let index = self.index(id)?;
        self.entries[index].enabled = true;
        Ok(())
    }

    /// Ids, names and versions of the registered extensions.
    pub fn list(&self) -> Vec<(ExtensionId, &str, &str)> {
        self.entries.iter().map(|e| (e.id, e.name.as_str(), e.version.as_str())).collect()
    }

    /// The file a plugin was loaded from (`None` for compiled-in extensions). Look up a
    /// plugin's own extra exports in this file: opening it again gives the same library.
    pub fn plugin_path(&self, id: ExtensionId) -> Option<&Path> {
        self.entries.iter().find(|e| e.id == id).and_then(|e| match &e.origin {
            Origin::Plugin { loaded_from, .. } => Some(loaded_from.as_path()),
            Origin::Compiled => None,
        })
    }

    /// The opcode facts with the custom opcodes overlaid, for analysis, disassembly and lint.
    pub fn opcode_table(&self) -> &OpcodeTable {
        &self.compiled.table
    }

    /// A snapshot of the metrics.
    pub fn metrics(&self) -> Metrics {
        let mut rows = Vec::new();
        for e in &self.entries {
            for (slot, s) in e.stats.iter().enumerate() {
                if s.calls == 0 && s.errors == 0 && s.faults == 0 {
                    continue;
                }
                let point = match slot {
                    OPCODE_SLOT => "opcode",
                    PRECOMPILE_SLOT => "precompile",
                    _ => HookPoint::ALL[slot].name(),
                };
                rows.push(MetricsRow {
                    extension_id: e.id.0,
                    extension: e.name.clone(),
                    point,
                    calls: s.calls,
                    errors: s.errors,
                    faults: s.faults,
                    total_ns: s.total_ns,
                    min_ns: s.min_ns,
                    max_ns: s.max_ns,
                });
            }
        }
        Metrics { rows }
    }

    /// Whether any hook is registered at `point` (lets the VM skip building views).
    #[inline]
    pub fn has_hooks(&self, point: HookPoint) -> bool {
        !self.compiled.points[point as usize].is_empty()
    }

    /// The abort recorded by the last hook or custom opcode that aborted a frame.
    pub fn take_abort(&mut self) -> Option<AbortReason> {
        self.last_abort.take()
    }

    /// Runs a transaction point; `Err` rejects the transaction.
    pub fn tx_point(&mut self, point: HookPoint, tx: &TxInfo<'_>) -> Result<(), AbortReason> {
        if !self.has_hooks(point) {
            return Ok(());
        }
        match self.run(point, &HookEvent::Tx(tx), None) {
            Verdict::Abort(reason) => Err(reason),
            _ => Ok(()),
        }
    }

    /// Runs `TxAfterExecution`.
    pub fn tx_end(&mut self, tx: &TxInfo<'_>, result: &TxResultInfo<'_>) {
        if self.has_hooks(HookPoint::TxAfterExecution) {
            self.run(HookPoint::TxAfterExecution, &HookEvent::TxEnd { tx, result }, None);
        }
    }

    /// Runs a block point; `Err` at `BlockStart` rejects the block.
    pub fn block_point(&mut self, point: HookPoint, info: &BlockInfo) -> Result<(), AbortReason> {
        if !self.has_hooks(point) {
            return Ok(());
        }
        match self.run(point, &HookEvent::Block(info), None) {
            Verdict::Abort(reason) => Err(reason),
            _ => Ok(()),
        }
    }

    /// Addresses of the custom precompiles active in `fork` (warm from the start of every
    /// transaction, as the standard ones, EIP-2929).
    pub fn precompile_addresses(&self, fork: Fork) -> impl Iterator<Item = Address> + '_ {
        self.compiled.precompiles.iter().filter_map(move |(address, e, i)| {
            (fork >= self.entries[*e].precompiles[*i].since).then_some(*address)
        })
    }

    /// Whether a custom precompile at `address` is active in `fork` and applies: one at the
    /// address of a standard precompile applies only if it asked to replace it.
    pub fn has_precompile(&self, address: &Address, fork: Fork, standard_exists: bool) -> bool {
        self.find_precompile(address, fork, standard_exists).is_some()
    }

    fn find_precompile(
        &self,
        address: &Address,
        fork: Fork,
        standard_exists: bool,
    ) -> Option<(usize, usize)> {
        if self.compiled.precompiles.is_empty() {
            return None;
        }
        self.compiled.precompiles.iter().find(|(a, _, _)| a == address).and_then(|(_, e, i)| {
            let p = &self.entries[*e].precompiles[*i];
            (fork >= p.since && (!standard_exists || p.replace_standard)).then_some((*e, *i))
        })
    }

    /// Runs the custom precompile at `call.address`, if one applies (see
    /// [`Extensions::has_precompile`]). The VM reverts the frame's state on an error.
    pub fn run_precompile(
        &mut self,
        call: PrecompileCall<'_>,
        state: &mut dyn PrecompileState,
        standard_exists: bool,
    ) -> Option<Result<PrecompileOutput, PrecompileFailure>> {
        let (e, i) = self.find_precompile(&call.address, call.fork, standard_exists)?;
        let enforce = self.config.enforces_capabilities();
        let timed = self.config.metrics;
        let entry = &mut self.entries[e];
        if !entry.enabled {
            return Some(Err(PrecompileFailure::Fault));
        }
        let start = timed.then(Instant::now);
        let result = match &entry.precompiles[i].kind {
            PrecompileKind::Stateless(f) => f(call.input, call.gas_limit),
            PrecompileKind::Stateful(f) => {
                let mut ctx = PrecompileContext {
                    call,
                    state,
                    gas_used: 0,
                    capabilities: entry.capabilities,
                    enforce,
                };
                let r = f(&mut ctx);
                let charged = ctx.gas_used;
                r.map(|mut out| {
                    out.gas_used = out.gas_used.max(charged);
                    out
                })
            }
        };
        let stats = &mut entry.stats[PRECOMPILE_SLOT];
        stats.calls += 1;
        if let Some(start) = start {
            stats.time(start.elapsed());
        }
        let result = match result {
            Ok(out) if out.gas_used > call.gas_limit => Err(PrecompileFailure::OutOfGas),
            other => other,
        };
        match &result {
            Err(PrecompileFailure::Fault) => {
                stats.faults += 1;
                entry.enabled = false;
                tracing::warn!(extension = %entry.name, "precompile faulted; extension disabled");
            }
            Err(PrecompileFailure::Failed | PrecompileFailure::StateChangeRefused) => {
                stats.errors += 1
            }
            _ => {}
        }
        Some(result)
    }

    /// Rebuilds the derived tables after a change.
    fn compile(&mut self) {
        let mut c = Compiled {
            points: vec![Vec::new(); HookPoint::ALL.len()],
            opcode_owner: vec![None; 256],
            table: OpcodeTable::standard(),
            ..Compiled::default()
        };
        let mut order: Vec<(HookPoint, i32, usize, usize)> = Vec::new();
        for (e, entry) in self.entries.iter().enumerate() {
            for (h, hook) in entry.hooks.iter().enumerate() {
                order.push((hook.point, hook.priority, e, h));
            }
        }
        // Higher priority first; ties keep registration order (entries, then hooks, in order).
        order.sort_by(|a, b| b.1.cmp(&a.1).then(a.2.cmp(&b.2)).then(a.3.cmp(&b.3)));
        for (point, _, e, h) in order {
            c.points[point as usize].push((e, h));
            let filter = match point {
                HookPoint::OpcodeBefore => &mut c.before,
                HookPoint::OpcodeAfter => &mut c.after,
                _ => continue,
            };
            let set = filter.get_or_insert_with(|| Box::new([false; 256]));
            let hook = &self.entries[e].hooks[h];
            for op in 0..=255u8 {
                set[op as usize] |= hook.wants(op);
            }
        }
        let mut custom = CustomOpcodes::new();
        for (e, entry) in self.entries.iter().enumerate() {
            for (i, op) in entry.opcodes.iter().enumerate() {
                custom.insert(op.opcode, op.static_gas, op.inputs, op.outputs, op.since);
                c.opcode_owner[op.opcode as usize] = Some((e, i));
                // Checked at registration; a failure here would mean the table changed since.
                if c.table
                    .with_custom(op.opcode, &op.name, op.inputs, op.outputs, op.since)
                    .is_err()
                {
                    tracing::error!(opcode = op.opcode, "custom opcode no longer fits the table");
                }
            }
            for (i, p) in entry.precompiles.iter().enumerate() {
                c.precompiles.push((p.address, e, i));
            }
        }
        c.custom = (!custom.is_empty()).then_some(custom);
        for (slot, point) in
            [HookPoint::OpcodeBefore, HookPoint::OpcodeAfter].into_iter().enumerate()
        {
            if let [(e, h)] = c.points[point as usize][..] {
                c.single[slot] = Some((e, h));
            }
        }
        self.compiled = c;
    }

    /// Runs the hooks of `point` in order.
    #[inline]
    fn run(&mut self, point: HookPoint, event: &HookEvent<'_>, opcode: Option<u8>) -> Verdict {
        let Self { compiled, entries, config, last_abort, asked, .. } = self;
        let timed = config.metrics;
        let enforce = config.enforces_capabilities();
        let mut mods: Vec<Modification> = Vec::new();
        for &(e, h) in &compiled.points[point as usize] {
            let entry = &mut entries[e];
            let hook = &mut entry.hooks[h];
            if !entry.enabled || opcode.is_some_and(|op| !hook.wants(op)) {
                continue;
            }
            let answer = if timed {
                timed_call(hook, event, &mut entry.stats[point as usize])
            } else {
                (hook.f)(event)
            };
            entry.stats[point as usize].calls += 1;
            if has_fault(entry) && faulted(entry, point) {
                continue;
            }
            if matches!(answer, HookOutcome::Continue) {
                continue;
            }
            let mut sink = Sink { enforce, last_abort, asked, mods: &mut mods };
            match absorb(entry, e, point, answer, &mut sink) {
                Next::Go => {}
                Next::Stop => break,
                Next::Done(verdict) => return verdict,
            }
        }
        if mods.is_empty() { Verdict::Continue } else { Verdict::Modify(mods) }
    }

    /// An opcode point whose filter wants `opcode`. The point's only hook, untimed, is called
    /// right here, inlined into the interpreter's loop: its filter is the point's filter
    /// (already checked), so the call and a plugin's fault-flag load are the only work.
    /// Anything else takes [`Extensions::step`].
    #[inline(always)]
    fn step_fast(&mut self, point: HookPoint, frame: &FrameView<'_>, opcode: u8) -> StepAction {
        let slot = (point == HookPoint::OpcodeAfter) as usize;
        if let Some((e, h)) = self.compiled.single[slot]
            && !self.config.metrics
            && self.asked.is_empty()
            && self.entries[e].enabled
        {
            let entry = &mut self.entries[e];
            entry.stats[point as usize].calls += 1;
            let answer = (entry.hooks[h].f)(&HookEvent::Step(frame));
            if has_fault(entry) && faulted(entry, point) {
                return StepAction::Continue;
            }
            if matches!(answer, HookOutcome::Continue) {
                return StepAction::Continue;
            }
            return self.fast_answer(e, point, answer);
        }
        self.step(point, frame, opcode)
    }

    /// The fast slot's hook answered something other than `Continue`.
    #[cold]
    #[inline(never)]
    fn fast_answer(&mut self, e: usize, point: HookPoint, answer: HookOutcome) -> StepAction {
        let enforce = self.config.enforces_capabilities();
        let Self { entries, last_abort, asked, .. } = self;
        let mut mods = Vec::new();
        let mut sink = Sink { enforce, last_abort, asked, mods: &mut mods };
        match absorb(&mut entries[e], e, point, answer, &mut sink) {
            Next::Done(Verdict::Abort(reason)) => StepAction::Abort(reason),
            _ if !mods.is_empty() => StepAction::Modify(mods),
            _ => StepAction::Continue,
        }
    }

    /// Runs the opcode hooks of `point`; kept out of line so the dispatch loop stays small.
    #[inline(never)]
    fn step(&mut self, point: HookPoint, frame: &FrameView<'_>, opcode: u8) -> StepAction {
        if !self.asked.is_empty() {
            self.asked.clear();
        }
        match self.run(point, &HookEvent::Step(frame), Some(opcode)) {
            Verdict::Continue | Verdict::Replace(_) => StepAction::Continue,
            Verdict::Abort(reason) => StepAction::Abort(reason),
            Verdict::Modify(changes) => StepAction::Modify(changes),
        }
    }

    fn call_action(verdict: Verdict) -> CallAction {
        match verdict {
            Verdict::Continue | Verdict::Modify(_) => CallAction::Continue,
            Verdict::Abort(reason) => CallAction::Abort(reason),
            Verdict::Replace(outcome) => CallAction::Replace(outcome),
        }
    }

    /// Runs an observation point.
    #[inline]
    fn observe(&mut self, point: HookPoint, event: &HookEvent<'_>) {
        if self.has_hooks(point) {
            self.run(point, event, None);
        }
    }
}

/// What the hook loop does after an answer other than `Continue`.
enum Next {
    Go,
    Stop,
    Done(Verdict),
}

/// Where `absorb` records what it decides.
struct Sink<'a> {
    enforce: bool,
    last_abort: &'a mut Option<AbortReason>,
    asked: &'a mut Vec<(Modification, usize, HookPoint)>,
    mods: &'a mut Vec<Modification>,
}

/// Runs a hook with timing on.
#[cold]
#[inline(never)]
fn timed_call(hook: &mut Hook, event: &HookEvent<'_>, stats: &mut Stats) -> HookOutcome {
    let start = Instant::now();
    let answer = (hook.f)(event);
    stats.time(start.elapsed());
    answer
}

/// Whether a plugin's callback raised its fault flag (a panic or an error status): one relaxed
/// load, so the common case pays no read-modify-write.
#[inline(always)]
fn has_fault(entry: &Entry) -> bool {
    entry.fault.as_ref().is_some_and(|flag| flag.load(Ordering::Relaxed) != 0)
}

/// Reads and clears a plugin's fault flag; `true` when the hook faulted (the extension is
/// disabled and its answer ignored).
#[cold]
#[inline(never)]
fn faulted(entry: &mut Entry, point: HookPoint) -> bool {
    let Some(flag) = &entry.fault else { return false };
    let stats = &mut entry.stats[point as usize];
    match flag.swap(0, Ordering::Relaxed) {
        loader::FAULT => {
            stats.faults += 1;
            entry.enabled = false;
            tracing::warn!(extension = %entry.name, point = point.name(), "hook faulted; extension disabled");
            true
        }
        loader::ERROR => {
            stats.errors += 1;
            false
        }
        _ => false,
    }
}

/// Handles an answer other than `Continue`: skip, abort, modifications, replacement; an answer
/// the point does not support counts as an error.
#[cold]
#[inline(never)]
fn absorb(
    entry: &mut Entry,
    e: usize,
    point: HookPoint,
    answer: HookOutcome,
    sink: &mut Sink<'_>,
) -> Next {
    let stats = &mut entry.stats[point as usize];
    match answer {
        HookOutcome::Continue => Next::Go,
        HookOutcome::Skip => Next::Stop,
        HookOutcome::Abort(code) => {
            let abortable = !matches!(
                point,
                HookPoint::TxAfterExecution
                    | HookPoint::BlockEnd
                    | HookPoint::AccountAccess
                    | HookPoint::StorageRead
                    | HookPoint::StorageWrite
                    | HookPoint::Log
                    | HookPoint::SelfDestruct
            );
            if abortable {
                let reason = AbortReason { source: entry.id.0, code };
                *sink.last_abort = Some(reason);
                return Next::Done(Verdict::Abort(reason));
            }
            stats.errors += 1;
            Next::Go
        }
        HookOutcome::Modify(changes) => {
            let opcode_point = matches!(point, HookPoint::OpcodeBefore | HookPoint::OpcodeAfter);
            let allowed = changes.iter().all(|m| {
                !sink.enforce
                    || entry.capabilities.contains(match m {
                        Modification::GasLeft(_) => Capabilities::GAS_MODIFY,
                        Modification::Stack { .. } => Capabilities::STACK_MODIFY,
                        Modification::Memory { .. } => Capabilities::MEMORY_MODIFY,
                        Modification::Storage { .. } => Capabilities::STATE_WRITE,
                    })
            });
            if opcode_point && allowed {
                sink.asked.extend(changes.iter().map(|m| (m.clone(), e, point)));
                sink.mods.extend(changes);
            } else {
                stats.errors += 1;
            }
            Next::Go
        }
        HookOutcome::Replace(outcome) => {
            let replaceable = matches!(
                point,
                HookPoint::CallEnter
                    | HookPoint::CallExit
                    | HookPoint::CreateEnter
                    | HookPoint::CreateExit
            );
            if replaceable
                && (!sink.enforce || entry.capabilities.contains(Capabilities::CALL_REPLACE))
            {
                return Next::Done(Verdict::Replace(outcome));
            }
            stats.errors += 1;
            Next::Go
        }
    }
}

impl Hooks for Extensions {
    #[inline]
    fn steps_enabled(&self) -> bool {
        self.compiled.before.is_some() || self.compiled.after.is_some()
    }

    #[inline]
    fn before_steps_enabled(&self) -> bool {
        self.compiled.before.is_some()
    }

    #[inline]
    fn after_steps_enabled(&self) -> bool {
        self.compiled.after.is_some()
    }

    #[inline]
    fn before_step(&mut self, frame: &FrameView<'_>) -> StepAction {
        // The opcode travels in a register: reading it back from the view right after the
        // interpreter wrote it stalls on store forwarding (seen in perf as ~45% of the hook).
        let opcode = frame.opcode;
        match &self.compiled.before {
            Some(set) if set[opcode as usize] => {
                self.step_fast(HookPoint::OpcodeBefore, frame, opcode)
            }
            _ => StepAction::Continue,
        }
    }

    #[inline]
    fn after_step(&mut self, frame: &FrameView<'_>) -> StepAction {
        let opcode = frame.opcode;
        match &self.compiled.after {
            Some(set) if set[opcode as usize] => {
                self.step_fast(HookPoint::OpcodeAfter, frame, opcode)
            }
            _ => StepAction::Continue,
        }
    }

    fn modification_refused(&mut self, modification: &Modification, why: Refusal) {
        tracing::debug!(?modification, ?why, "hook modification refused");
        // Count it against the extension whose hook asked for this change.
        if let Some(at) = self.asked.iter().position(|(m, _, _)| m == modification) {
            let (_, e, point) = self.asked.swap_remove(at);
            self.entries[e].stats[point as usize].errors += 1;
        }
    }

    #[inline]
    fn call_enter(&mut self, depth: usize, inputs: &CallInputs) -> CallAction {
        if !self.has_hooks(HookPoint::CallEnter) {
            return CallAction::Continue;
        }
        Self::call_action(self.run(HookPoint::CallEnter, &HookEvent::Call { depth, inputs }, None))
    }

    #[inline]
    fn call_exit(&mut self, depth: usize, inputs: &CallInputs, outcome: &mut CallOutcome) {
        if !self.has_hooks(HookPoint::CallExit) {
            return;
        }
        let event = HookEvent::CallEnd { depth, inputs, outcome };
        if let Verdict::Replace(new) = self.run(HookPoint::CallExit, &event, None) {
            *outcome = new;
        }
    }

    #[inline]
    fn create_enter(&mut self, depth: usize, inputs: &CreateInputs) -> CallAction {
        if !self.has_hooks(HookPoint::CreateEnter) {
            return CallAction::Continue;
        }
        Self::call_action(self.run(
            HookPoint::CreateEnter,
            &HookEvent::Create { depth, inputs },
            None,
        ))
    }

    #[inline]
    fn create_exit(&mut self, depth: usize, inputs: &CreateInputs, outcome: &mut CreateOutcome) {
        if !self.has_hooks(HookPoint::CreateExit) {
            return;
        }
        let event = HookEvent::CreateEnd { depth, inputs, outcome };
        if let Verdict::Replace(new) = self.run(HookPoint::CreateExit, &event, None) {
            outcome.outcome = new.outcome;
            outcome.gas_left = new.gas_left;
            outcome.output = new.output;
            if new.outcome != Outcome::Success {
                outcome.address = None;
            }
        }
    }

    #[inline]
    fn on_account_access(&mut self, address: Address, is_cold: bool) {
        self.observe(HookPoint::AccountAccess, &HookEvent::AccountAccess { address, is_cold });
    }

    #[inline]
    fn on_sload(&mut self, address: Address, key: U256, value: U256, is_cold: bool) {
        self.observe(
            HookPoint::StorageRead,
            &HookEvent::StorageRead { address, key, value, is_cold },
        );
    }

    #[inline]
    fn on_sstore(&mut self, address: Address, key: U256, old: U256, new: U256) {
        self.observe(HookPoint::StorageWrite, &HookEvent::StorageWrite { address, key, old, new });
    }

    #[inline]
    fn on_log(&mut self, log: &Log) {
        self.observe(HookPoint::Log, &HookEvent::Log(log));
    }

    #[inline]
    fn on_selfdestruct(&mut self, address: Address, target: Address, balance: U256) {
        self.observe(
            HookPoint::SelfDestruct,
            &HookEvent::SelfDestruct { address, target, balance },
        );
    }

    #[inline]
    fn custom_opcodes(&self) -> Option<&CustomOpcodes> {
        self.compiled.custom.as_ref()
    }

    fn custom_opcode<H: Host<Hooks = Self>>(f: &mut Frame<'_, H>) -> Result<(), Exit> {
        let pc = f.pc - 1;
        let op = f.bytes[pc];
        let ext = f.host.hooks();
        let Some((e, i)) = ext.compiled.opcode_owner[op as usize] else {
            return Err(Exit::InvalidOpcode);
        };
        let enforce = ext.config.enforces_capabilities();
        let timed = ext.config.metrics;
        let entry = &ext.entries[e];
        if !entry.enabled {
            return Err(Exit::ExtensionFault);
        }
        let id = entry.id;
        let capabilities = entry.capabilities;
        let func = Arc::clone(&entry.opcodes[i].f);
        let start = timed.then(Instant::now);
        let mut ctx = OpcodeContext {
            stack: &mut f.stack,
            memory: &mut *f.memory,
            gas_left: &mut f.gas_left,
            host: &mut *f.host,
            capabilities,
            enforce,
            opcode: op,
            pc,
            address: f.input.address,
            caller: f.input.caller,
            value: f.input.value,
            is_static: f.input.is_static,
            depth: f.input.depth,
            fork: f.fork,
        };
        let result = func(&mut ctx);
        let ext = f.host.hooks();
        let entry = &mut ext.entries[e];
        let stats = &mut entry.stats[OPCODE_SLOT];
        stats.calls += 1;
        if let Some(start) = start {
            stats.time(start.elapsed());
        }
        match result {
            Ok(()) => Ok(()),
            Err(halt) => {
                match halt {
                    crate::opcode::OpcodeHalt::Abort(code) => {
                        ext.last_abort = Some(AbortReason { source: id.0, code });
                    }
                    crate::opcode::OpcodeHalt::Fault => {
                        stats.faults += 1;
                        entry.enabled = false;
                        tracing::warn!(extension = %entry.name, "custom opcode faulted; extension disabled");
                    }
                    _ => {}
                }
                Err(halt.exit())
            }
        }
    }
}
