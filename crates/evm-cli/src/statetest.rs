//! `evmkit statetest`: runs Ethereum GeneralStateTest files or folders in parallel.
//!
//! Progress goes to stderr; failures, per-folder counts and the summary go to stdout, whose last
//! line is always `N passed, M failed`. The exit code is non-zero when a case failed.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use evm_vm::statetest::{CaseResult, Counts, Options, collect_files, group_of, run_files};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Arguments of `evmkit statetest`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Fixture files or folders (walked for `*.json`).
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Print one JSON object per case on stdout (before the summary).
    #[arg(long)]
    json: bool,
    /// Run only cases whose test name or fork name contains this text.
    #[arg(long)]
    filter: Option<String>,
    /// Per-case time limit in seconds (0 = none). The slowest Ethereum state test
    /// (CALLBlake2f_MaxRounds, 2^32-1 blake2 rounds) needs about a minute per fork.
    #[arg(long, default_value_t = 600)]
    timeout: u64,
    /// Worker threads (0 = all cores).
    #[arg(long, short = 'j', default_value_t = 0)]
    threads: usize,
    /// How many failures to list.
    #[arg(long, default_value_t = 50)]
    max_failures: usize,
}

/// Runs the command.
pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    // Each file's group: its top folder under the argument that named it.
    let mut files = Vec::new();
    let mut group: HashMap<PathBuf, String> = HashMap::new();
    for root in &args.paths {
        if !root.exists() {
            anyhow::bail!("no such file or folder: {}", root.display());
        }
        for file in collect_files(std::slice::from_ref(root)) {
            let name =
                if root.is_dir() { group_of(&file, root, 1) } else { root.display().to_string() };
            group.entry(file.clone()).or_insert(name);
            files.push(file);
        }
    }
    let options = Options {
        filter: args.filter.clone(),
        timeout: (args.timeout > 0).then(|| Duration::from_secs(args.timeout)),
        threads: args.threads,
    };

    let bar = ProgressBar::with_draw_target(Some(files.len() as u64), ProgressDrawTarget::stderr())
        .with_style(
            ProgressStyle::with_template(
                "{elapsed_precise} [{bar:40}] {pos}/{len} files, {msg} ({eta} left)",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
    let passed = AtomicUsize::new(0);
    let failed = AtomicUsize::new(0);
    let stdout = Mutex::new(std::io::stdout());
    let start = Instant::now();
    let on_file = |_: &Path, results: &[CaseResult]| {
        let ok = results.iter().filter(|r| r.pass).count();
        let p = passed.fetch_add(ok, Ordering::Relaxed) + ok;
        let f = failed.fetch_add(results.len() - ok, Ordering::Relaxed) + results.len() - ok;
        if args.json {
            let mut text = String::new();
            for r in results {
                if let Ok(line) = serde_json::to_string(r) {
                    text.push_str(&line);
                    text.push('\n');
                }
            }
            bar.suspend(|| {
                if let Ok(mut out) = stdout.lock() {
                    let _ = out.write_all(text.as_bytes());
                }
            });
        }
        bar.set_message(format!("{p} passed, {f} failed"));
        bar.inc(1);
    };
    let results = run_files(&files, &options, &on_file);
    bar.finish_and_clear();

    let mut groups: BTreeMap<&str, Counts> = BTreeMap::new();
    let mut total = Counts::default();
    for r in &results {
        let name = group.get(&r.file).map_or("", String::as_str);
        groups.entry(name).or_default().add(r.pass);
        total.add(r.pass);
    }
    let mut out = std::io::stdout().lock();
    let failures: Vec<&CaseResult> = results.iter().filter(|r| !r.pass).collect();
    if !failures.is_empty() {
        writeln!(out, "failures:")?;
    }
    for f in failures.iter().take(args.max_failures) {
        write!(out, "  {}: {}", f.name(), f.error.as_deref().unwrap_or("failed"))?;
        if let (Some(expected), Some(got)) = (&f.expected, &f.got) {
            write!(out, " (expected {expected}, got {got})")?;
        }
        writeln!(out)?;
    }
    if failures.len() > args.max_failures {
        writeln!(out, "  ... and {} more", failures.len() - args.max_failures)?;
    }
    for (name, counts) in &groups {
        writeln!(out, "{name}: {} passed, {} failed", counts.passed, counts.failed)?;
    }
    writeln!(out, "{} files in {:.1} s", files.len(), start.elapsed().as_secs_f64())?;
    writeln!(out, "{} passed, {} failed", total.passed, total.failed)?;
    out.flush()?;
    Ok(if total.failed > 0 { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}
