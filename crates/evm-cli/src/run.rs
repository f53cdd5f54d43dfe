//! `evmkit run`: executes code as a call from a default sender to an account holding it, or,
//! with `--rpc URL --to ADDRESS`, a call against a JSON-RPC node's state at one block
//! (`evm_vm::RpcDb`), with the block environment taken from the node's header.
//!
//! `--trace` writes EIP-3155 JSON lines to stderr through a [`Hooks`] implementation; the
//! result goes to stdout as text or, with `--json`, as one JSON object.
//!
//! `--plugin PATH` loads extension plugins into an [`evm_extensions::Extensions`] registry that the VM runs
//! (custom opcodes, precompiles and hooks); `--metrics` then adds the registry's metrics.

use std::io::{BufWriter, Stderr, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use alloy_primitives::{Address, Bytes, U256, address, hex};
use anyhow::Context;
use evm_extensions::Metrics;
use evm_interp::{BlockEnv, FrameView, Hooks, StepAction};
use evm_vm::{
    AbortReason, Database, Fork, InMemoryDb, ResultAndState, RpcDb, Status, Tx, VmBuilder,
};

use crate::input::{parse_address, parse_wei};

/// The account that sends the call.
const SENDER: Address = address!("00000000000000000000000000000000000ca11e");
/// The account that holds the code.
const CONTRACT: Address = address!("000000000000000000000000000000000000c0de");

/// Arguments of `evmkit run`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The code to run, in hex (with or without `0x`).
    #[arg(long, required_unless_present = "rpc", conflicts_with = "rpc")]
    code: Option<String>,
    /// Call an account of this JSON-RPC node (http://HOST:PORT) at one block instead of
    /// running --code; the result equals the node's eth_call (gas price zero, so the block's
    /// base fee reads as zero, as in geth's eth_call). Pass --fork when the node's chain is
    /// not on the latest fork.
    #[arg(long, value_name = "URL", requires = "to")]
    rpc: Option<String>,
    /// The block whose state and header --rpc uses (default: the latest, pinned by hash).
    #[arg(long, value_name = "N", requires = "rpc")]
    block: Option<u64>,
    /// The account to call (with --rpc).
    #[arg(long, value_name = "ADDRESS", requires = "rpc")]
    to: Option<String>,
    /// The sender (with --rpc; default the zero address).
    #[arg(long, value_name = "ADDRESS", requires = "rpc")]
    from: Option<String>,
    /// Value sent with the call, in wei (decimal or 0x hex).
    #[arg(long, default_value = "0")]
    value: String,
    /// Call data, in hex.
    #[arg(long, default_value = "")]
    input: String,
    /// Fork rules to apply.
    #[arg(long, default_value_t = Fork::LATEST)]
    fork: Fork,
    /// Transaction gas limit (including the 21000 intrinsic gas).
    #[arg(long, default_value_t = 10_000_000)]
    gas: u64,
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
    /// Write an EIP-3155 trace (JSON lines) to stderr (not yet with --plugin or --metrics).
    #[arg(long)]
    trace: bool,
    /// Load a `.so` extension plugin (custom opcodes, precompiles, hooks) into the VM;
    /// repeatable, loaded in order. Loading runs the plugin's code: use only files you trust.
    #[arg(long = "plugin", value_name = "PATH")]
    plugins: Vec<PathBuf>,
    /// Print the extensions' metrics (calls, errors, faults, time per extension and hook
    /// point) after the result; with --json, as a "metrics" field.
    #[arg(long)]
    metrics: bool,
}

fn parse_hex(what: &str, text: &str) -> anyhow::Result<Bytes> {
    let text = text.trim();
    let digits = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")).unwrap_or(text);
    hex::decode(digits)
        .map(Bytes::from)
        .map_err(|err| anyhow::anyhow!("invalid hex in {what}: {err}"))
}

/// Runs the command.
pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    if args.trace && (!args.plugins.is_empty() || args.metrics) {
        anyhow::bail!("--trace with --plugin or --metrics is not supported yet: drop one of them");
    }
    let input = parse_hex("--input", &args.input)?;
    let value = parse_wei("--value", &args.value)?;
    if let Some(url) = &args.rpc {
        let to = parse_address("--to", args.to.as_deref().unwrap_or_default())?;
        let from = match &args.from {
            Some(text) => parse_address("--from", text)?,
            None => Address::ZERO,
        };
        let db = RpcDb::open(url, args.block).with_context(|| format!("cannot open {url}"))?;
        let header = db.block().with_context(|| format!("cannot read the block from {url}"))?;
        let nonce = db
            .clone()
            .basic(from)
            .with_context(|| format!("cannot read the sender from {url}"))?
            .map_or(0, |info| info.nonce);
        // eth_call: gas price zero, so no base fee is charged (and BASEFEE reads zero).
        let block = BlockEnv { basefee: U256::ZERO, ..header.env };
        let mut gas = args.gas.min(u64::try_from(block.gas_limit).unwrap_or(u64::MAX));
        if args.fork >= Fork::Osaka {
            gas = gas.min(evm_vm::gas::TX_GAS_LIMIT_CAP);
        }
        let tx = Tx {
            caller: from,
            to: Some(to),
            nonce,
            data: input,
            value,
            gas_limit: gas,
            ..Tx::default()
        };
        let builder = VmBuilder::new(db)
            .fork(args.fork)
            .block(block)
            .excess_blob_gas(header.excess_blob_gas.or((args.fork >= Fork::Cancun).then_some(0)));
        return report(&args, execute(builder, &tx, &args)?);
    }
    let code = parse_hex("--code", args.code.as_deref().unwrap_or_default())?;

    let mut db = InMemoryDb::default();
    db.insert_account(SENDER, U256::from(10).pow(U256::from(24)), 0, Bytes::new(), []);
    db.insert_account(CONTRACT, U256::ZERO, 0, code, []);
    let block = BlockEnv {
        number: U256::from(1),
        timestamp: U256::from(1),
        gas_limit: U256::from(u64::MAX),
        chain_id: U256::from(1),
        ..BlockEnv::default()
    };
    let tx = Tx {
        caller: SENDER,
        to: Some(CONTRACT),
        data: input,
        value,
        gas_limit: args.gas,
        chain_id: Some(U256::from(1)),
        ..Tx::default()
    };
    let excess_blob_gas = (args.fork >= Fork::Cancun).then_some(0);
    let builder = VmBuilder::new(db).fork(args.fork).block(block).excess_blob_gas(excess_blob_gas);
    report(&args, execute(builder, &tx, &args)?)
}

/// The extensions' metrics and names, when a registry ran.
type ExtView = (Metrics, Vec<(u32, String)>);

/// Runs `tx` with the hooks the options ask for.
fn execute<DB: Database>(
    builder: VmBuilder<DB>,
    tx: &Tx,
    args: &Args,
) -> anyhow::Result<(ResultAndState, Option<ExtView>)> {
    let mut ext_view = None;
    let outcome = if !args.plugins.is_empty() || args.metrics {
        let ext = crate::plugin::load_all(&args.plugins)?;
        let mut vm = builder.extensions(ext).build();
        let outcome = vm.transact(tx);
        let ext = vm.hooks();
        let names: Vec<(u32, String)> =
            ext.list().into_iter().map(|(id, name, _)| (id.0, name.to_string())).collect();
        ext_view = Some((ext.metrics(), names));
        outcome
    } else if args.trace {
        let mut vm = builder.hooks(Tracer::new(args.fork)).build();
        let outcome = vm.transact(tx);
        let tracer = vm.hooks_mut();
        tracer.flush_pending();
        if let Ok(outcome) = &outcome {
            tracer.line(&format!(
                "{{\"output\":\"{}\",\"gasUsed\":\"{:#x}\"}}",
                outcome.result.output, outcome.result.gas_used
            ));
        }
        tracer.finish();
        outcome
    } else {
        builder.build().transact(tx)
    };
    let outcome = outcome.map_err(|err| match err {
        // The source chain (which node, which request) is the useful part.
        evm_vm::Error::Database(_) => anyhow::Error::new(err),
        err => anyhow::anyhow!("invalid transaction: {err}"),
    })?;
    Ok((outcome, ext_view))
}

/// Prints the result (text or JSON) and the extension metrics.
fn report(
    args: &Args,
    (outcome, ext_view): (ResultAndState, Option<ExtView>),
) -> anyhow::Result<ExitCode> {
    let result = outcome.result;
    let status = match result.status {
        Status::Success => "success".to_string(),
        Status::Revert => "revert".to_string(),
        Status::Halt(reason) => format!("halt:{reason:?}"),
    };
    let (metrics, names) = ext_view.unwrap_or_default();
    let abort = result.abort.map(|reason| Abort::new(reason, &names));
    let mut out = std::io::stdout().lock();
    if args.json {
        let mut value = serde_json::json!({
            "output": result.output.to_string(),
            "gas_used": result.gas_used,
            "status": status,
        });
        if let Some(abort) = &abort {
            value["abort"] = serde_json::to_value(abort)?;
        }
        if args.metrics {
            value["metrics"] = serde_json::to_value(&metrics)?;
        }
        writeln!(out, "{value}")?;
    } else {
        writeln!(out, "status: {status}")?;
        if let Some(abort) = &abort {
            writeln!(out, "abort: extension {} code {}", abort.label(), abort.code)?;
        }
        writeln!(out, "gas used: {}", result.gas_used)?;
        writeln!(out, "output: {}", result.output)?;
        if args.metrics {
            write_metrics(&mut out, &metrics)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Which extension aborted the transaction, and its code.
#[derive(Debug, serde::Serialize)]
struct Abort {
    /// Extension id.
    extension_id: u32,
    /// Extension name, when the id is registered.
    extension: Option<String>,
    /// The extension's abort code.
    code: u32,
}

impl Abort {
    fn new(reason: AbortReason, names: &[(u32, String)]) -> Self {
        let extension = names.iter().find(|(id, _)| *id == reason.source).map(|(_, n)| n.clone());
        Self { extension_id: reason.source, extension, code: reason.code }
    }

    /// `name (id N)`, or `id N` for an unknown id.
    fn label(&self) -> String {
        match &self.extension {
            Some(name) => format!("{name} (id {})", self.extension_id),
            None => format!("id {}", self.extension_id),
        }
    }
}

fn write_metrics(out: &mut impl Write, metrics: &Metrics) -> std::io::Result<()> {
    writeln!(out, "metrics:")?;
    if metrics.rows.is_empty() {
        writeln!(out, "(no extension was called)")
    } else {
        write!(out, "{metrics}")
    }
}

/// One step seen by `before_step`, waiting for `after_step` to learn its gas cost.
#[derive(Debug)]
struct Pending {
    pc: usize,
    op: u8,
    gas: u64,
    stack: String,
    depth: usize,
    mem_size: usize,
}

/// EIP-3155 tracer: one JSON line per executed opcode.
///
/// A step's line is written when its `after_step` arrives (exact gas cost). Steps that have
/// none, because they halt their frame or open a new frame, are written when the next step
/// starts, with the opcode's static gas as their cost, so lines stay in execution order.
#[derive(Debug)]
struct Tracer {
    out: BufWriter<Stderr>,
    static_gas: &'static [u16; 256],
    pending: Option<Pending>,
}

impl Tracer {
    fn new(fork: Fork) -> Self {
        Self {
            out: BufWriter::new(std::io::stderr()),
            static_gas: &evm_interp::FORK_TABLES[fork as usize].gas,
            pending: None,
        }
    }

    fn emit(&mut self, step: &Pending, cost: u64) {
        let name = evm_bytecode::OPCODE_INFO[usize::from(step.op)].name;
        let _ = writeln!(
            self.out,
            "{{\"pc\":{},\"op\":{},\"gas\":\"{:#x}\",\"gasCost\":\"{:#x}\",\"stack\":[{}],\
             \"depth\":{},\"memSize\":{},\"opName\":\"{}\"}}",
            step.pc, step.op, step.gas, cost, step.stack, step.depth, step.mem_size, name
        );
    }

    fn flush_pending(&mut self) {
        if let Some(step) = self.pending.take() {
            let cost = u64::from(self.static_gas[usize::from(step.op)]);
            self.emit(&step, cost);
        }
    }

    fn line(&mut self, text: &str) {
        let _ = writeln!(self.out, "{text}");
    }

    fn finish(&mut self) {
        let _ = self.out.flush();
    }
}

impl evm_vm::VmHooks for Tracer {}

impl Hooks for Tracer {
    fn before_step(&mut self, frame: &FrameView<'_>) -> StepAction {
        self.flush_pending();
        let mut stack = String::new();
        for (i, item) in frame.stack.iter().enumerate() {
            if i > 0 {
                stack.push(',');
            }
            stack.push_str(&format!("\"{item:#x}\""));
        }
        self.pending = Some(Pending {
            pc: frame.pc,
            op: frame.opcode,
            gas: frame.gas_left,
            stack,
            depth: frame.depth + 1,
            mem_size: frame.memory.len(),
        });
        StepAction::Continue
    }

    fn after_step(&mut self, frame: &FrameView<'_>) -> StepAction {
        if let Some(step) = self.pending.take_if(|p| p.depth == frame.depth + 1) {
            self.emit(&step, step.gas.saturating_sub(frame.gas_left));
        }
        StepAction::Continue
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_hex_is_one_line_error() {
        let err = parse_hex("--code", "0x6z").unwrap_err().to_string();
        assert!(err.starts_with("invalid hex in --code"), "{err}");
        assert!(!err.contains('\n'));
        assert_eq!(parse_hex("--code", "0x6001").unwrap(), Bytes::from_static(&[0x60, 1]));
        assert_eq!(parse_hex("--input", "").unwrap(), Bytes::new());
    }

    #[test]
    fn abort_names_its_extension() {
        let names = [(1, "guard".to_string())];
        let abort = Abort::new(AbortReason { source: 1, code: 7 }, &names);
        assert_eq!(abort.label(), "guard (id 1)");
        assert_eq!(
            serde_json::to_value(&abort).unwrap(),
            serde_json::json!({"extension_id": 1, "extension": "guard", "code": 7})
        );
        assert_eq!(Abort::new(AbortReason { source: 9, code: 0 }, &names).label(), "id 9");
    }
}
