//! The five fuzz targets as plain functions of one input, shared by the standalone driver and
//! the libFuzzer targets: each returns `Ok` or the finding; a panic is the caller's to catch.
//!
//! Inputs are bytes (libFuzzer's); the driver makes them with [`input`] from a seed.

use alloy_primitives::{Address, Bytes};
use evm_vm::Fork;
use revm::precompile::{PrecompileSpecId, PrecompileStatus, Precompiles};

use crate::case::FORKS;
use crate::diff::{Comparison, Divergence};
use crate::generate;
use crate::rng::Rng;

/// A fuzz target.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Target {
    /// evmkit against revm on generated cases (one in eight with full step traces).
    Differential,
    /// evm-precompiles against revm's precompiles.
    Precompiles,
    /// Fast against naive bytecode analysis; disassembly never panics.
    Analysis,
    /// The state-test JSON parser never panics.
    StatetestJson,
    /// Damaged plugin files give a typed load error, never a panic or a crash.
    PluginLoad,
}

impl Target {
    /// Every target, in `cargo xtask fuzz` order.
    pub const ALL: [Target; 5] = [
        Target::Differential,
        Target::Precompiles,
        Target::Analysis,
        Target::StatetestJson,
        Target::PluginLoad,
    ];

    /// The command-line name.
    pub fn name(self) -> &'static str {
        match self {
            Target::Differential => "differential",
            Target::Precompiles => "precompiles",
            Target::Analysis => "analysis",
            Target::StatetestJson => "statetest-json",
            Target::PluginLoad => "plugin-load",
        }
    }

    /// The target named `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.name() == name || t.name().replace('-', "_") == name)
    }
}

/// What a target found wrong with one input.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Finding {
    /// evmkit and revm disagree on a case.
    #[error("{0}")]
    Differential(Box<Divergence>),
    /// The precompiles disagree.
    #[error(
        "precompile {address} in {fork}, gas limit {gas_limit}, input {input}: evmkit {evmkit}, revm {revm}"
    )]
    Precompile {
        /// The address.
        address: Address,
        /// The fork.
        fork: Fork,
        /// The gas limit.
        gas_limit: u64,
        /// The input.
        input: Bytes,
        /// evmkit's result.
        evmkit: String,
        /// revm's result.
        revm: String,
    },
    /// The fast analysis disagrees with the naive one.
    #[error("analysis of {code}: fast and naive bitmaps differ")]
    Analysis {
        /// The code.
        code: Bytes,
    },
    /// A damaged plugin file was loaded instead of refused.
    #[error("plugin load: {0}")]
    PluginLoad(String),
}

/// What one input did: a finding or a pass, with the differential details.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    /// The differential comparison, for that target.
    pub comparison: Option<Comparison>,
    /// The finding, if any.
    pub finding: Option<Finding>,
}

/// A driver input for `target` from `rng`: the differential target takes any bytes (they seed
/// the generator), the others get structured bytes.
pub fn input(target: Target, rng: &mut Rng) -> Vec<u8> {
    match target {
        Target::Differential => rng.next_u64().to_le_bytes().to_vec(),
        Target::Precompiles => {
            let address = generate::precompile_address(rng);
            let id = if address.as_slice()[18] == 1 { 0x12 } else { address.as_slice()[19] };
            let mut out = vec![id, rng.byte()];
            let gas = match rng.below(4) {
                0 => rng.below(200),
                1 => rng.below(5_000),
                2 => rng.below(200_000),
                _ => rng.below(1 << 24),
            };
            out.extend(gas.to_le_bytes());
            out.extend(generate::precompile_input(rng, address));
            out
        }
        Target::Analysis => {
            let len = match rng.below(4) {
                0 => rng.below(16),
                1 => rng.below(200),
                2 => rng.below(2_000),
                _ => rng.below(30_000),
            } as usize;
            let mut code = rng.bytes(len);
            // Bias towards PUSH and JUMPDEST bytes, the analysis's business.
            for b in &mut code {
                match rng.below(4) {
                    0 => *b = 0x5b,
                    1 => *b = 0x60 + (*b % 32),
                    _ => {}
                }
            }
            code
        }
        Target::StatetestJson => crate::json_fuzz::mutated(rng),
        Target::PluginLoad => {
            let len = match rng.below(3) {
                0 => rng.below(64),
                1 => rng.below(1_000),
                _ => rng.below(20_000),
            } as usize;
            rng.bytes(len + 5)
        }
    }
}

/// Runs `target` on `data`.
pub fn run(target: Target, data: &[u8]) -> Verdict {
    match target {
        Target::Differential => {
            let case = generate::case_from_bytes(data);
            // One input in eight also compares the full step traces.
            let comparison = if data.first().is_some_and(|b| b % 8 == 0) {
                crate::diff::compare_traced(&case)
            } else {
                crate::diff::compare(&case)
            };
            let finding =
                comparison.result.clone().err().map(|d| Finding::Differential(Box::new(d)));
            Verdict { comparison: Some(comparison), finding }
        }
        Target::Precompiles => Verdict { comparison: None, finding: precompiles(data).err() },
        Target::Analysis => Verdict { comparison: None, finding: analysis(data).err() },
        Target::StatetestJson => {
            statetest_json(data);
            Verdict { comparison: None, finding: None }
        }
        Target::PluginLoad => Verdict {
            comparison: None,
            finding: crate::plugin_load::plugin_load(data).err().map(Finding::PluginLoad),
        },
    }
}

/// Differential precompile check: byte 0 picks the address (0x01..=0x11, 0x12 for 0x100),
/// byte 1 the fork, bytes 2..10 the gas limit, the rest is the input.
pub fn precompiles(data: &[u8]) -> Result<(), Finding> {
    let Some((&id, rest)) = data.split_first() else { return Ok(()) };
    let Some((&f, rest)) = rest.split_first() else { return Ok(()) };
    let mut gas = [0u8; 8];
    let n = rest.len().min(8);
    gas[..n].copy_from_slice(&rest[..n]);
    let gas_limit = u64::from_le_bytes(gas) % (1 << 26);
    let input = &rest[n..];
    let id = id % 0x13;
    let address = if id == 0x12 {
        let mut a = [0u8; 20];
        a[18] = 1;
        Address::new(a)
    } else {
        Address::with_last_byte(id.max(1))
    };
    let fork = FORKS[usize::from(f) % FORKS.len()];
    let Some(spec) = crate::exec_revm::spec(fork) else { return Ok(()) };
    let ours = evm_precompiles::PrecompileSet::for_fork(fork).get(&address);
    let theirs = Precompiles::new(PrecompileSpecId::from_spec_id(spec)).get(&address);
    let ours = ours.map(|p| match p(input, gas_limit, fork) {
        Ok(out) => format!("success gas {} output {}", out.gas_used, out.output),
        Err(e) => format!("failure ({e})"),
    });
    let theirs = theirs.map(|p| match p.execute(input, gas_limit, 0) {
        Ok(out) => match out.status {
            PrecompileStatus::Success => {
                format!("success gas {} output {}", out.gas_used, out.bytes)
            }
            PrecompileStatus::Revert => format!("revert gas {} output {}", out.gas_used, out.bytes),
            PrecompileStatus::Halt(h) => format!("failure ({h:?})"),
        },
        Err(e) => format!("failure ({e:?})"),
    });
    let same = match (&ours, &theirs) {
        (None, None) => true,
        (Some(a), Some(b)) if a.starts_with("failure") && b.starts_with("failure") => true,
        (Some(a), Some(b)) => a == b,
        _ => false,
    };
    if same {
        return Ok(());
    }
    let show = |r: Option<String>| r.unwrap_or_else(|| "absent".into());
    Err(Finding::Precompile {
        address,
        fork,
        gas_limit,
        input: Bytes::copy_from_slice(input),
        evmkit: show(ours),
        revm: show(theirs),
    })
}

/// The fast analysis equals the naive one; disassembly, statistics, metadata and lint run.
pub fn analysis(data: &[u8]) -> Result<(), Finding> {
    use evm_bytecode::analysis::{analyze, analyze_naive};
    let fast = analyze(data);
    let naive = analyze_naive(data);
    let code = evm_bytecode::AnalyzedCode::new(Bytes::copy_from_slice(data));
    let same_code = (0..data.len()).all(|pc| code.is_valid_jump(pc) == naive.jumpdests[pc]);
    if fast != naive || !same_code {
        return Err(Finding::Analysis { code: Bytes::copy_from_slice(data) });
    }
    let text = evm_bytecode::disassemble(data);
    std::hint::black_box(text);
    std::hint::black_box(evm_bytecode::CodeStats::new(&code));
    std::hint::black_box(evm_bytecode::Metadata::parse(data));
    std::hint::black_box(evm_bytecode::lint(&code));
    std::hint::black_box(code.instructions().count());
    Ok(())
}

/// Parses `data` as a state-test file; any result is fine, only a panic is not.
pub fn statetest_json(data: &[u8]) {
    if let Ok(file) = evm_vm::statetest::parse_file(data) {
        std::hint::black_box(file.len());
    }
}
