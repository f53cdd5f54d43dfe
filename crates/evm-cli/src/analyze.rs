//! `evmkit analyze`: jumpdests, Solidity metadata, opcode counts, lint findings, static jumps
//! and fusion candidates, as a readable summary or one JSON object (`--json`).
//!
//! Statistics cover the whole code, as the EVM sees it. The lint skips a recognised Solidity
//! metadata trailer, which is data, not code.

use std::io::Write;
use std::process::ExitCode;

use evm_bytecode::lint::{LintIssue, LintKind, lint_for_fork};
use evm_bytecode::metadata::Metadata;
use evm_bytecode::{AnalyzedCode, CodeStats, Fork, limits};
use serde_json::{Value, json};

use crate::input::CodeInput;

/// Arguments of `evmkit analyze`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    input: CodeInput,
    /// Print one JSON object instead of a summary.
    #[arg(long)]
    json: bool,
    /// Lint for this fork: opcodes it does not have count as undefined (default: any fork).
    #[arg(long, value_name = "FORK")]
    fork: Option<Fork>,
}

/// Everything `analyze` reports.
struct Report {
    code: AnalyzedCode,
    stats: CodeStats,
    metadata: Option<Metadata>,
    lint: Vec<LintIssue>,
}

impl Report {
    fn new(bytes: Vec<u8>, fork: Option<Fork>) -> Self {
        let metadata = Metadata::parse(&bytes);
        let code = AnalyzedCode::new(bytes);
        let stats = CodeStats::new(&code);
        let runtime_len = code.len() - metadata.as_ref().map_or(0, Metadata::trailer_len);
        let lint = if runtime_len == code.len() {
            lint_with(&code, fork)
        } else {
            lint_with(&AnalyzedCode::new(code.original().slice(..runtime_len)), fork)
        };
        Report { code, stats, metadata, lint }
    }

    fn runtime_len(&self) -> usize {
        self.code.len() - self.metadata.as_ref().map_or(0, Metadata::trailer_len)
    }

    fn json(&self) -> Value {
        let metadata = self.metadata.as_ref().map(|m| {
            json!({
                "ipfs": m.ipfs_cid(),
                "bzzr0": m.bzzr0.map(|h| h.to_string()),
                "bzzr1": m.bzzr1.map(|h| h.to_string()),
                "solc": m.solc.as_ref().map(ToString::to_string),
                "experimental": m.experimental,
                "length": m.cbor_length,
            })
        });
        let opcode_counts: serde_json::Map<String, Value> =
            self.stats.named_counts().into_iter().map(|(name, n)| (name, json!(n))).collect();
        let lint: Vec<Value> = self.lint.iter().map(lint_json).collect();
        let static_jumps: Vec<Value> = self
            .stats
            .static_jumps
            .iter()
            .map(|j| {
                json!({
                    "push_pc": j.push_pc,
                    "jump_pc": j.jump_pc,
                    "target": j.target,
                    "conditional": j.conditional,
                    "valid": j.valid,
                    "backward": j.is_backward(),
                })
            })
            .collect();
        let fusion: Vec<Value> = self
            .stats
            .fusion_candidates
            .iter()
            .map(|f| json!({ "pc": f.pc, "kind": f.kind.name() }))
            .collect();
        json!({
            "code_len": self.code.len(),
            "code_hash": self.code.hash().to_string(),
            "runtime_len": self.runtime_len(),
            "instructions": self.stats.instructions,
            "jumpdests": self.stats.jumpdests,
            "metadata": metadata,
            "opcode_counts": opcode_counts,
            "lint": lint,
            "static_jumps": static_jumps,
            "backward_jumps": self.stats.backward_jumps().map(|j| j.jump_pc).collect::<Vec<_>>(),
            "fusion_candidates": fusion,
            "limits": {
                "max_code_size": limits::MAX_CODE_SIZE,
                "exceeds_max_code_size": limits::check_code_size(self.code.len()).is_err(),
                "max_initcode_size": limits::MAX_INITCODE_SIZE,
                "exceeds_max_initcode_size": limits::check_initcode_size(self.code.len()).is_err(),
                "initcode_word_gas": limits::initcode_word_gas(self.code.len()),
            },
        })
    }

    fn summary(&self) -> String {
        use std::fmt::Write;
        let mut s = String::new();
        let code = &self.code;
        let stats = &self.stats;
        let _ = writeln!(s, "code:          {} bytes, keccak256 {}", code.len(), code.hash());
        let _ = writeln!(s, "instructions:  {}", stats.instructions);
        let _ =
            writeln!(s, "jumpdests:     {}{}", stats.jumpdests.len(), preview(&stats.jumpdests));
        match &self.metadata {
            Some(m) => {
                let mut parts = Vec::new();
                if let Some(v) = &m.solc {
                    parts.push(format!("solc {v}"));
                }
                if let Some(cid) = m.ipfs_cid() {
                    parts.push(format!("ipfs {cid}"));
                }
                if let Some(h) = m.bzzr0 {
                    parts.push(format!("bzzr0 {h}"));
                }
                if let Some(h) = m.bzzr1 {
                    parts.push(format!("bzzr1 {h}"));
                }
                if let Some(e) = m.experimental {
                    parts.push(format!("experimental {e}"));
                }
                parts.push(format!(
                    "{}-byte trailer, runtime {} bytes",
                    m.trailer_len(),
                    self.runtime_len()
                ));
                let _ = writeln!(s, "metadata:      {}", parts.join(", "));
            }
            None => {
                let _ = writeln!(s, "metadata:      none");
            }
        }
        let size = match limits::check_code_size(code.len()) {
            Ok(()) => format!("within EIP-170 ({} bytes)", limits::MAX_CODE_SIZE),
            Err(e) => e.to_string(),
        };
        let _ = writeln!(s, "size limit:    {size}");
        let mut counts = stats.named_counts();
        counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let top: Vec<String> = counts.iter().take(8).map(|(n, c)| format!("{n} {c}")).collect();
        let _ = writeln!(s, "top opcodes:   {}", top.join(", "));
        let invalid = stats.static_jumps.iter().filter(|j| !j.valid).count();
        let _ = writeln!(
            s,
            "static jumps:  {} ({} backward, {} to a non-JUMPDEST)",
            stats.static_jumps.len(),
            stats.backward_jumps().count(),
            invalid
        );
        let mut fusion: Vec<(&str, usize)> = Vec::new();
        for f in &stats.fusion_candidates {
            match fusion.iter_mut().find(|(k, _)| *k == f.kind.name()) {
                Some((_, n)) => *n += 1,
                None => fusion.push((f.kind.name(), 1)),
            }
        }
        let fusion: Vec<String> = fusion.iter().map(|(k, n)| format!("{k} {n}")).collect();
        let fusion = if fusion.is_empty() { "none".to_owned() } else { fusion.join(", ") };
        let _ = writeln!(s, "fusion:        {fusion}");
        if self.lint.is_empty() {
            let _ = writeln!(s, "lint:          clean");
        } else {
            let _ = writeln!(s, "lint:          {} finding(s)", self.lint.len());
            for issue in self.lint.iter().take(20) {
                let _ = writeln!(s, "  {issue}");
            }
            if self.lint.len() > 20 {
                let _ = writeln!(s, "  ... {} more (see --json)", self.lint.len() - 20);
            }
        }
        s
    }
}

fn lint_with(code: &AnalyzedCode, fork: Option<Fork>) -> Vec<LintIssue> {
    match fork {
        Some(fork) => lint_for_fork(code, fork),
        None => evm_bytecode::lint(code),
    }
}

fn lint_json(issue: &LintIssue) -> Value {
    let mut v = json!({ "pc": issue.pc, "kind": issue.kind.name(), "message": issue.to_string() });
    match issue.kind {
        LintKind::UndefinedOpcode { opcode } => v["opcode"] = json!(opcode),
        LintKind::TruncatedPush { opcode, present } => {
            v["opcode"] = json!(opcode);
            v["present"] = json!(present);
        }
        LintKind::StaticJumpToNonJumpdest { push_pc, target } => {
            v["push_pc"] = json!(push_pc);
            v["target"] = json!(target);
        }
        _ => {}
    }
    v
}

fn preview(pcs: &[usize]) -> String {
    if pcs.is_empty() {
        return String::new();
    }
    let shown: Vec<String> = pcs.iter().take(12).map(ToString::to_string).collect();
    let more = if pcs.len() > 12 { ", ..." } else { "" };
    format!(" ({}{more})", shown.join(", "))
}

/// Runs the command.
pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let code = args.input.read()?;
    let report = Report::new(code, args.fork);
    let text = if args.json {
        serde_json::to_string_pretty(&report.json())? + "\n"
    } else {
        report.summary()
    };
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        // A closed pipe (`evmkit analyze ... | head`) is not a failure.
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(ExitCode::SUCCESS),
    }
}
