//! The `evm-fuzz` binary: runs one target on every core for a while, catches panics per
//! execution, writes reproducers under `target/fuzz/<target>/` and ends with one summary line.
//!
//! ```text
//! evm-fuzz TARGET [--seconds N] [--executions E] [--seed S] [--jobs J]
//! evm-fuzz TARGET --replay-seed X      # one input, from the seed in a reproducer's name
//! evm-fuzz TARGET --replay FILE        # one raw input (not for differential)
//! ```

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::panic::{self, AssertUnwindSafe};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use evm_fuzz::diff::LabelDifference;
use evm_fuzz::outcome::Status;
use evm_fuzz::rng::Rng;
use evm_fuzz::{Finding, Target, generate, targets, writer};

/// Stack of the worker threads: evmkit runs nested calls (up to depth 1024) recursively.
const WORKER_STACK: usize = 256 * 1024 * 1024;

/// Name prefix of worker threads; their panics are counted, not printed by the default hook.
const WORKER_NAME: &str = "evm-fuzz-worker";

/// Findings printed in full; later ones get one line.
const FULL_REPORTS: u64 = 8;

/// Reproducer files written per run at most.
const MAX_FILES: u64 = 200;

const USAGE: &str = "usage: evm-fuzz TARGET [--seconds N] [--executions E] [--seed S] [--jobs J] \
                     [--replay-seed X | --replay FILE]\n\
                     the run ends after N seconds (default 60) or E executions, whichever is first\n\
                     targets: differential, precompiles, analysis, statetest-json, plugin-load";

#[derive(Debug)]
struct Options {
    target: Target,
    seconds: f64,
    /// Stop after this many executions in all (`--executions`), if given.
    executions: Option<u64>,
    seed: u64,
    jobs: usize,
    replay_seed: Option<u64>,
    replay_file: Option<PathBuf>,
}

fn parse_u64(text: &str) -> Option<u64> {
    match text.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => text.parse().ok(),
    }
}

fn parse_args() -> Result<Options, String> {
    let mut args = std::env::args().skip(1);
    let name = args.next().ok_or("missing TARGET")?;
    let target = Target::from_name(&name).ok_or_else(|| format!("unknown target {name:?}"))?;
    let jobs = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut o = Options {
        target,
        seconds: 60.0,
        executions: None,
        seed: 0,
        jobs,
        replay_seed: None,
        replay_file: None,
    };
    let seed_given = std::cell::Cell::new(false);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--seconds" => {
                o.seconds = value()?.parse().map_err(|_| "--seconds takes a number".to_string())?
            }
            "--executions" => {
                o.executions = Some(parse_u64(&value()?).ok_or("--executions takes a number")?);
            }
            "--seed" => {
                o.seed = parse_u64(&value()?).ok_or("--seed takes a number")?;
                seed_given.set(true);
            }
            "--jobs" => {
                o.jobs = value()?.parse().map_err(|_| "--jobs takes a number".to_string())?;
                o.jobs = o.jobs.max(1);
            }
            "--replay-seed" => o.replay_seed = Some(parse_u64(&value()?).ok_or("bad seed")?),
            "--replay" => o.replay_file = Some(PathBuf::from(value()?)),
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown option {other:?}")),
        }
    }
    if !seed_given.get() {
        o.seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64);
    }
    Ok(o)
}

/// Counters shared by the workers.
#[derive(Debug, Default)]
struct Stats {
    executions: AtomicU64,
    divergences: AtomicU64,
    crashes: AtomicU64,
    invalid: AtomicU64,
    files: AtomicU64,
    /// Executions started, for `--executions`.
    claimed: AtomicU64,
    stop: AtomicBool,
    labels: Mutex<BTreeMap<LabelDifference, u64>>,
    statuses: Mutex<BTreeMap<String, u64>>,
}

thread_local! {
    static LAST_PANIC: RefCell<String> = const { RefCell::new(String::new()) };
}

fn install_panic_hook() {
    let previous = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        let worker = std::thread::current().name().is_some_and(|n| n.starts_with(WORKER_NAME));
        if worker {
            LAST_PANIC.with(|p| *p.borrow_mut() = info.to_string());
        } else {
            previous(info);
        }
    }));
}

fn out_dir(target: Target) -> PathBuf {
    let base = std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| {
        let manifest = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        manifest.parent().unwrap_or(manifest).join("target")
    });
    base.join("fuzz").join(target.name())
}

/// Writes the reproducer of input `seed`; returns its path.
fn write_reproducer(target: Target, seed: u64, input: &[u8], what: &str) -> Option<PathBuf> {
    let dir = out_dir(target);
    std::fs::create_dir_all(&dir).ok()?;
    if target == Target::Differential {
        let json = panic::catch_unwind(AssertUnwindSafe(|| {
            let case = generate::case_from_bytes(input);
            writer::to_json(&case, &format!("fuzz_{seed:016x}"), what)
        }));
        if let Ok(json) = json {
            let path = dir.join(format!("case-{seed:016x}.json"));
            let text = serde_json::to_string_pretty(&json).ok()?;
            std::fs::write(&path, text).ok()?;
            return Some(path);
        }
    }
    let path = dir.join(format!("input-{seed:016x}.bin"));
    std::fs::write(&path, input).ok()?;
    Some(path)
}

/// Runs one input, catching panics. `Ok(None)`: pass.
fn execute(target: Target, input: &[u8], stats: &Stats) -> Result<Option<Finding>, String> {
    let verdict = panic::catch_unwind(AssertUnwindSafe(|| targets::run(target, input)));
    match verdict {
        Ok(v) => {
            if let Some(c) = &v.comparison {
                if !c.valid {
                    stats.invalid.fetch_add(1, Ordering::Relaxed);
                }
                if let Some(label) = c.label {
                    let mut labels = stats.labels.lock().unwrap_or_else(PoisonError::into_inner);
                    *labels.entry(label).or_default() += 1;
                }
                let key = match c.status {
                    None => "invalid".to_string(),
                    Some(Status::Success) => "success".to_string(),
                    Some(Status::Revert) => "revert".to_string(),
                    Some(Status::Halt(h)) => format!("halt:{h:?}"),
                };
                let mut statuses = stats.statuses.lock().unwrap_or_else(PoisonError::into_inner);
                *statuses.entry(key).or_default() += 1;
            }
            Ok(v.finding)
        }
        Err(_) => Err(LAST_PANIC.with(|p| p.borrow().clone())),
    }
}

fn report(
    target: Target,
    seed: u64,
    input: &[u8],
    result: &Result<Option<Finding>, String>,
    stats: &Stats,
) {
    let (kind, text, n) = match result {
        Ok(Some(f)) => {
            ("divergence", f.to_string(), stats.divergences.fetch_add(1, Ordering::Relaxed))
        }
        Err(panic) => ("crash", panic.clone(), stats.crashes.fetch_add(1, Ordering::Relaxed)),
        Ok(None) => return,
    };
    let path = if stats.files.fetch_add(1, Ordering::Relaxed) < MAX_FILES {
        write_reproducer(target, seed, input, &format!("{kind}: {text}"))
    } else {
        None
    };
    let at = path.map_or_else(|| "(not written)".to_string(), |p| p.display().to_string());
    if n < FULL_REPORTS {
        eprintln!("=== {kind} (input seed {seed:#018x}), reproducer {at}\n{text}\n");
    } else {
        let first = text.lines().next().unwrap_or_default();
        eprintln!("{kind} (input seed {seed:#018x}) {at}: {first}");
    }
}

fn worker(target: Target, seed: u64, deadline: Instant, limit: u64, stats: &Stats) {
    let mut seeder = Rng::from_seed(seed);
    while !stats.stop.load(Ordering::Relaxed) && Instant::now() < deadline {
        // Claim a slot of the execution budget before running, so the total is exact.
        if stats.claimed.fetch_add(1, Ordering::Relaxed) >= limit {
            break;
        }
        let input_seed = seeder.next_u64();
        let input = panic::catch_unwind(AssertUnwindSafe(|| {
            targets::input(target, &mut Rng::from_seed(input_seed))
        }));
        let result = match &input {
            Ok(input) => execute(target, input, stats),
            Err(_) => Err(LAST_PANIC.with(|p| p.borrow().clone())),
        };
        stats.executions.fetch_add(1, Ordering::Relaxed);
        let input = input.unwrap_or_default();
        report(target, input_seed, &input, &result, stats);
    }
}

fn summary(target: Target, stats: &Stats, elapsed: f64) {
    let n = stats.executions.load(Ordering::Relaxed);
    if target == Target::Differential {
        let statuses = stats.statuses.lock().unwrap_or_else(PoisonError::into_inner);
        let mix: Vec<String> = statuses.iter().map(|(k, v)| format!("{k} {v}")).collect();
        eprintln!("outcomes (evmkit): {}", mix.join(", "));
        let labels = stats.labels.lock().unwrap_or_else(PoisonError::into_inner);
        if labels.is_empty() {
            eprintln!("known halt-label differences: none");
        }
        for (label, count) in labels.iter() {
            eprintln!(
                "known halt-label difference: evmkit {:?} / revm {:?}: {count}",
                label.evmkit, label.revm
            );
        }
    }
    println!(
        "fuzz {}: {n} executions, {} divergences, {} crashes in {elapsed:.1} s",
        target.name(),
        stats.divergences.load(Ordering::Relaxed),
        stats.crashes.load(Ordering::Relaxed),
    );
}

fn replay(o: &Options, stats: &Stats) -> Result<(), String> {
    let (seed, input) = match (&o.replay_file, o.replay_seed) {
        (Some(path), _) => {
            let bytes =
                std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            (0, bytes)
        }
        (None, Some(seed)) => (seed, targets::input(o.target, &mut Rng::from_seed(seed))),
        (None, None) => return Ok(()),
    };
    if o.target == Target::Differential {
        let case = generate::case_from_bytes(&input);
        eprintln!("{case:#?}");
    }
    let start = Instant::now();
    let result = execute(o.target, &input, stats);
    stats.executions.fetch_add(1, Ordering::Relaxed);
    report(o.target, seed, &input, &result, stats);
    summary(o.target, stats, start.elapsed().as_secs_f64());
    Ok(())
}

fn main() -> ExitCode {
    let o = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("error: {e}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    install_panic_hook();
    let stats = Arc::new(Stats::default());
    if o.replay_seed.is_some() || o.replay_file.is_some() {
        // Replays run on a worker-named thread with a large stack, like the workers.
        let s = Arc::clone(&stats);
        let spawned = std::thread::Builder::new()
            .name(format!("{WORKER_NAME}-replay"))
            .stack_size(WORKER_STACK)
            .spawn(move || replay(&o, &s));
        match spawned.map(|h| h.join()) {
            Ok(Ok(Ok(()))) => {}
            Ok(Ok(Err(e))) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
            _ => return ExitCode::FAILURE,
        }
        let bad = stats.divergences.load(Ordering::Relaxed) + stats.crashes.load(Ordering::Relaxed);
        return if bad > 0 { ExitCode::FAILURE } else { ExitCode::SUCCESS };
    }
    let budget = o.executions.map_or_else(String::new, |e| format!(" or {e} executions"));
    eprintln!(
        "fuzz {}: seed {:#x}, {} jobs, {} s{budget}; reproducers under {}",
        o.target.name(),
        o.seed,
        o.jobs,
        o.seconds,
        out_dir(o.target).display()
    );
    let limit = o.executions.unwrap_or(u64::MAX);
    let start = Instant::now();
    let deadline = start + Duration::from_secs_f64(o.seconds.max(0.0));
    let mut seeder = Rng::from_seed(o.seed);
    let mut handles = Vec::new();
    for j in 0..o.jobs {
        let s = Arc::clone(&stats);
        let seed = seeder.next_u64();
        let target = o.target;
        let spawned = std::thread::Builder::new()
            .name(format!("{WORKER_NAME}-{j}"))
            .stack_size(WORKER_STACK)
            .spawn(move || worker(target, seed, deadline, limit, &s));
        match spawned {
            Ok(h) => handles.push(h),
            Err(e) => eprintln!("error: cannot start worker {j}: {e}"),
        }
    }
    let mut last = Instant::now();
    while Instant::now() < deadline && !handles.iter().all(|h| h.is_finished()) {
        std::thread::sleep(Duration::from_millis(200));
        if last.elapsed() >= Duration::from_secs(5) {
            last = Instant::now();
            let t = start.elapsed().as_secs_f64();
            let n = stats.executions.load(Ordering::Relaxed);
            let invalid = if o.target == Target::Differential {
                format!(", {} invalid txs", stats.invalid.load(Ordering::Relaxed))
            } else {
                String::new()
            };
            eprintln!(
                "[{t:6.1} s] {n} executions ({:.0}/s), {} divergences, {} crashes{invalid}",
                n as f64 / t,
                stats.divergences.load(Ordering::Relaxed),
                stats.crashes.load(Ordering::Relaxed),
            );
        }
    }
    stats.stop.store(true, Ordering::Relaxed);
    for h in handles {
        if h.join().is_err() {
            stats.crashes.fetch_add(1, Ordering::Relaxed);
        }
    }
    let elapsed = start.elapsed().as_secs_f64();
    let n = stats.executions.load(Ordering::Relaxed);
    eprintln!("{:.0} executions/s", n as f64 / elapsed.max(1e-9));
    summary(o.target, &stats, elapsed);
    let bad = stats.divergences.load(Ordering::Relaxed) + stats.crashes.load(Ordering::Relaxed);
    if bad > 0 { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}
