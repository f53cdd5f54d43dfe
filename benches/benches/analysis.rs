//! Legacy code analysis throughput: `evm_bytecode::AnalyzedCode` next to `revm_bytecode` 43.
//!
//! Both sides do the same work on the same inputs in the same run: a JUMPDEST bitmap plus a
//! padded copy of the code, no hashing (`AnalyzedCode::with_hash` with a dummy hash; revm hashes
//! lazily). evmkit also builds its push-data bitmap in the same pass.
//! Before anything is timed, every input is checked to give the same jumpdest set on both sides.
//!
//! Inputs are read at start from `$EVM_BENCH_DIR`, defaulting to `../shared/bench` beside the
//! repository (evmone-legacy `*.bin-runtime`, ipsilon state-test `pre` code, `own/counter.json`);
//! when the corpus is absent the run says so and times the synthetic worst cases only
//! (all-PUSH32, all-JUMPDEST, 24 KiB random).
//! After criterion, a summary table gives MB/s for both and the ratio per input class.
//! `cargo bench -p evm-benches --bench analysis -- --summary-only` prints only the table;
//! `EVM_BENCH_CLASS=NAME` keeps one input class (for profiling).

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use evm_benches::{corpus_dir, decode_hex, files_with_ext};

use alloy_primitives::{B256, Bytes};
use criterion::{Criterion, Throughput};
use evm_bytecode::AnalyzedCode;
use revm_bytecode::Bytecode;

/// One input class: a name and its contracts.
struct Class {
    name: &'static str,
    inputs: Vec<Bytes>,
}

impl Class {
    fn bytes(&self) -> u64 {
        self.inputs.iter().map(|c| c.len() as u64).sum()
    }
}

fn evmone_legacy(dir: &Path) -> Vec<Bytes> {
    files_with_ext(&dir.join("evmone-legacy"), "bin-runtime")
        .iter()
        .filter_map(|p| decode_hex(&std::fs::read_to_string(p).ok()?))
        .filter(|c| !c.is_empty())
        .map(Bytes::from)
        .collect()
}

fn ipsilon(dir: &Path) -> Vec<Bytes> {
    let mut out = Vec::new();
    for path in files_with_ext(&dir.join("ipsilon"), "json") {
        let Some(json) = std::fs::read_to_string(&path)
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        else {
            continue;
        };
        let Some(tests) = json.as_object() else { continue };
        for test in tests.values() {
            let Some(pre) = test.get("pre").and_then(|p| p.as_object()) else { continue };
            for account in pre.values() {
                if let Some(code) =
                    account.get("code").and_then(|c| c.as_str()).and_then(decode_hex)
                    && code.len() > 1
                {
                    out.push(Bytes::from(code));
                }
            }
        }
    }
    out
}

fn counter(dir: &Path) -> Vec<Bytes> {
    let Some(json) = std::fs::read_to_string(dir.join("own/counter.json"))
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
    else {
        return Vec::new();
    };
    ["runtime_bytecode", "init_bytecode"]
        .iter()
        .filter_map(|k| json.get(k)?.as_str().and_then(decode_hex))
        .map(Bytes::from)
        .collect()
}

fn random_code(len: usize, mut seed: u64) -> Bytes {
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        // xorshift64*
        seed ^= seed >> 12;
        seed ^= seed << 25;
        seed ^= seed >> 27;
        out.extend_from_slice(&seed.wrapping_mul(0x2545_f491_4f6c_dd1d).to_le_bytes());
    }
    out.truncate(len);
    Bytes::from(out)
}

fn classes() -> Vec<Class> {
    let dir = corpus_dir();
    let mut classes = Vec::new();
    if dir.is_dir() {
        for (name, inputs) in [
            ("evmone-legacy", evmone_legacy(&dir)),
            ("ipsilon", ipsilon(&dir)),
            ("counter.json", counter(&dir)),
        ] {
            if inputs.is_empty() {
                eprintln!("note: no {name} inputs under {}", dir.display());
            } else {
                classes.push(Class { name, inputs });
            }
        }
    } else {
        eprintln!(
            "note: benchmark corpus {} is absent (set EVM_BENCH_DIR); timing synthetic inputs only",
            dir.display()
        );
    }
    const SIZE: usize = 24 * 1024;
    classes.push(Class { name: "all-PUSH32", inputs: vec![Bytes::from(vec![0x7f; SIZE])] });
    classes.push(Class { name: "all-JUMPDEST", inputs: vec![Bytes::from(vec![0x5b; SIZE])] });
    classes.push(Class {
        name: "random-24KiB",
        inputs: vec![random_code(SIZE, 0x9e37_79b9_7f4a_7c15)],
    });
    classes
}

#[inline(never)]
fn evmkit(code: &Bytes) -> AnalyzedCode {
    AnalyzedCode::with_hash(code.clone(), B256::ZERO)
}

#[inline(never)]
fn revm(code: &Bytes) -> Bytecode {
    Bytecode::new_legacy(code.clone())
}

/// Panics (before any timing) when the two sides disagree on a jumpdest.
fn check_same_jumpdests(classes: &[Class]) {
    for class in classes {
        for (n, code) in class.inputs.iter().enumerate() {
            let ours = evmkit(code);
            let theirs = revm(code);
            let table = theirs.legacy_jump_table().expect("revm legacy code has a jump table");
            let ours_set: Vec<usize> = ours.jumpdests().iter_ones().collect();
            let theirs_set: Vec<usize> = (0..code.len()).filter(|&pc| table.is_valid(pc)).collect();
            assert_eq!(ours_set, theirs_set, "jumpdest sets differ: {} input {n}", class.name);
        }
    }
}

fn bench(c: &mut Criterion, classes: &[Class]) {
    for class in classes {
        let mut group = c.benchmark_group(format!("analysis/{}", class.name));
        group.throughput(Throughput::Bytes(class.bytes()));
        group.bench_function("evmkit", |b| {
            b.iter(|| {
                for code in &class.inputs {
                    black_box(evmkit(black_box(code)));
                }
            })
        });
        group.bench_function("revm", |b| {
            b.iter(|| {
                for code in &class.inputs {
                    black_box(revm(black_box(code)));
                }
            })
        });
        group.finish();
    }
}

/// Time of one pass over the class for each side: the 10th percentile of 201 short batches,
/// alternating between the sides so both see the same machine load. On a shared machine the
/// low percentile approximates the time without preemption better than the median does.
fn timed_passes(class: &Class) -> (Duration, Duration) {
    const ROUNDS: usize = 201;
    let per_batch = (200_000 / class.bytes().max(1)).clamp(1, 10_000) as u32;
    let mut ours = Vec::with_capacity(ROUNDS);
    let mut theirs = Vec::with_capacity(ROUNDS);
    for _ in 0..ROUNDS {
        let start = Instant::now();
        for _ in 0..per_batch {
            for code in &class.inputs {
                black_box(evmkit(black_box(code)));
            }
        }
        ours.push(start.elapsed() / per_batch);
        let start = Instant::now();
        for _ in 0..per_batch {
            for code in &class.inputs {
                black_box(revm(black_box(code)));
            }
        }
        theirs.push(start.elapsed() / per_batch);
    }
    ours.sort();
    theirs.sort();
    (ours[ROUNDS / 10], theirs[ROUNDS / 10])
}

fn summary(classes: &[Class]) {
    println!();
    println!(
        "legacy analysis throughput (10th percentile of 201 alternating batches per side, same run)"
    );
    println!(
        "{:<14} {:>8} {:>6} {:>14} {:>14} {:>8}",
        "class", "bytes", "inputs", "evmkit MB/s", "revm MB/s", "ratio"
    );
    let mut worst = f64::INFINITY;
    for class in classes {
        let (ours, theirs) = timed_passes(class);
        let mbps = |d: Duration| class.bytes() as f64 / d.as_secs_f64() / 1e6;
        let ratio = theirs.as_secs_f64() / ours.as_secs_f64();
        worst = worst.min(ratio);
        println!(
            "{:<14} {:>8} {:>6} {:>14.0} {:>14.0} {:>7.2}x",
            class.name,
            class.bytes(),
            class.inputs.len(),
            mbps(ours),
            mbps(theirs),
            ratio
        );
    }
    println!("lowest ratio (evmkit over revm): {worst:.2}x (target 1.5x)");
}

fn main() {
    let mut classes = classes();
    // `EVM_BENCH_CLASS=all-PUSH32` restricts the run to one input class (for profiling).
    if let Ok(only) = std::env::var("EVM_BENCH_CLASS") {
        classes.retain(|c| c.name == only);
    }
    check_same_jumpdests(&classes);
    let args: Vec<String> = std::env::args().collect();
    let summary_only = args.iter().any(|a| a == "--summary-only");
    // `cargo bench` passes --bench; `cargo test --all-targets` does not, and then criterion
    // runs each benchmark once as a smoke test and the timed summary is skipped.
    let timing = summary_only || args.iter().any(|a| a == "--bench");
    if !summary_only {
        let mut c = Criterion::default()
            .warm_up_time(Duration::from_millis(300))
            .measurement_time(Duration::from_secs(1))
            .sample_size(20)
            .configure_from_args();
        bench(&mut c, &classes);
        c.final_summary();
    }
    if timing {
        summary(&classes);
    }
}
