//! `evmkit cache preload`: loads a list of code hashes and addresses into a code cache in
//! front of code sources, with a progress bar on stderr, and prints the cache metrics.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use evm_codecache::{Key, MetricsSnapshot, VerificationLevel};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::code::open_cache;
use crate::input::parse_key;

/// Arguments of `evmkit cache`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Load a list of code hashes and addresses (one per line) and print the cache metrics.
    Preload(PreloadArgs),
}

/// Arguments of `evmkit cache preload`.
#[derive(Debug, clap::Args)]
pub(crate) struct PreloadArgs {
    /// A code source URL (as for `code fetch`); repeat for a chain, fastest first.
    #[arg(long = "source", value_name = "URL", required = true)]
    sources: Vec<String>,
    /// The list: one address or code hash per line; blank lines and `#` comments are skipped.
    #[arg(long, value_name = "FILE")]
    list: PathBuf,
    /// Verification level: none, basic, standard, strict, paranoid.
    #[arg(long, default_value = "standard")]
    verify: VerificationLevel,
    /// Loader threads.
    #[arg(long, default_value_t = 4)]
    parallelism: usize,
    /// Print the report and metrics as one JSON object.
    #[arg(long)]
    json: bool,
}

/// Runs the command.
pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        Command::Preload(args) => preload(args),
    }
}

/// Reads the list: one key per line, `#` comments and blank lines skipped.
fn read_list(path: &PathBuf) -> anyhow::Result<Vec<Key>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut keys = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or_default().trim();
        if line.is_empty() {
            continue;
        }
        keys.push(parse_key(line).with_context(|| format!("{} line {}", path.display(), i + 1))?);
    }
    Ok(keys)
}

fn preload(args: PreloadArgs) -> anyhow::Result<ExitCode> {
    let keys = read_list(&args.list)?;
    let cache = open_cache(&args.sources, args.verify)?;
    let bar = ProgressBar::with_draw_target(Some(keys.len() as u64), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} loaded, {msg} ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_message("0 failed");
    let report = cache.preload(&keys, args.parallelism, |p| {
        bar.set_position(p.done as u64);
        bar.set_message(format!("{} failed", p.failed));
    });
    bar.finish_and_clear();
    let metrics = cache.metrics();
    let mut out = std::io::stdout().lock();
    if args.json {
        let failed: Vec<_> = report
            .failed
            .iter()
            .map(|(key, err)| serde_json::json!({"key": key.to_string(), "error": err.to_string()}))
            .collect();
        let value = serde_json::json!({
            "keys": keys.len(),
            "loaded": report.loaded,
            "failed": failed,
            "elapsed_ms": report.elapsed.as_millis() as u64,
            "metrics": metrics,
        });
        writeln!(out, "{value}")?;
    } else {
        writeln!(
            out,
            "preloaded {} of {} in {:.3}s",
            report.loaded,
            keys.len(),
            report.elapsed.as_secs_f64()
        )?;
        for (key, err) in &report.failed {
            writeln!(out, "failed: {key}: {err}")?;
        }
        write_metrics(&mut out, &metrics)?;
    }
    Ok(if report.failed.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

fn write_metrics(out: &mut impl Write, m: &MetricsSnapshot) -> std::io::Result<()> {
    writeln!(out, "metrics:")?;
    writeln!(out, "  hits: {}", m.hits)?;
    writeln!(out, "  misses: {}", m.misses)?;
    writeln!(out, "  hit rate: {:.3}", m.hit_rate)?;
    writeln!(out, "  loads: {}", m.loads)?;
    writeln!(out, "  load failures: {}", m.load_failures)?;
    writeln!(
        out,
        "  load time: total {} us, mean {} us, max {} us",
        m.load_time_total_us, m.load_time_mean_us, m.load_time_max_us
    )?;
    writeln!(out, "  loaded bytes: {}", m.loaded_bytes)?;
    writeln!(out, "  cached: {} entries, {} bytes", m.cached_entries, m.cached_bytes)?;
    writeln!(out, "  verification failures: {}", m.verification_failures)?;
    writeln!(out, "  evictions: {}", m.evictions)?;
    for (url, s) in &m.sources {
        writeln!(
            out,
            "  source {url}: {} loads, {} not found, {} failures, {} bytes",
            s.loads, s.not_found, s.failures, s.bytes
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_skip_comments_and_name_bad_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("list.txt");
        let a = "0x00000000000000000000000000000000000000aa";
        std::fs::write(&path, format!("# contracts\n{a}\n\n{} # a hash\n", "11".repeat(32)))
            .unwrap();
        assert_eq!(read_list(&path).unwrap().len(), 2);
        std::fs::write(&path, format!("{a}\nnope\n")).unwrap();
        let err = format!("{:#}", read_list(&path).unwrap_err());
        assert!(err.contains("line 2") && err.contains("unknown address format"), "{err}");
    }
}
