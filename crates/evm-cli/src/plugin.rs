//! `evmkit plugin`: loading `.so` plugins for `run` and `disasm` (`--plugin PATH`), and
//! `evmkit plugin inspect`, which describes what a plugin registers.
//!
//! Loading a plugin runs its native code. The user names each file on the command line and so
//! vouches for it; that is the only safety argument here, and it lives in one function each.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use evm_extensions::{Extensions, PluginInfo};

/// Arguments of `evmkit plugin`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Load a plugin and print what it registers: name, version, ABI, capabilities, opcodes,
    /// precompiles, hooks and signature status. Loading runs the plugin's code.
    Inspect(InspectArgs),
}

/// Arguments of `evmkit plugin inspect`.
#[derive(Debug, clap::Args)]
struct InspectArgs {
    /// The plugin library (`.so`) to inspect.
    #[arg(value_name = "PATH")]
    path: PathBuf,
    /// Print the description as one JSON object.
    #[arg(long)]
    json: bool,
    /// An ed25519 public key (32 bytes as hex) whose signature (`PATH.sig`) counts as trusted;
    /// repeat for more keys.
    #[arg(long = "trusted-key", value_name = "HEX")]
    trusted_keys: Vec<String>,
}

/// Runs the command.
pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        Command::Inspect(args) => inspect(&args),
    }
}

fn inspect(args: &InspectArgs) -> anyhow::Result<ExitCode> {
    let keys =
        args.trusted_keys.iter().map(|k| parse_key(k)).collect::<anyhow::Result<Vec<_>>>()?;
    let info = inspect_file(&args.path, &keys)?;
    let mut out = std::io::stdout().lock();
    if args.json {
        writeln!(out, "{}", serde_json::to_string(&info)?)?;
    } else {
        write_info(&mut out, &info)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Loads `path` and describes it.
#[expect(unsafe_code, reason = "inspecting a plugin loads it, which runs its native code")]
fn inspect_file(path: &Path, keys: &[[u8; 32]]) -> anyhow::Result<PluginInfo> {
    let path = loadable(path)?;
    // SAFETY: the user named this file on the command line and so vouches for it; loading it
    // runs its initialisers and `init`, which is what `plugin inspect` is asked to do.
    unsafe { evm_extensions::inspect_plugin(&path, keys) }.map_err(one_line)
}

/// A registry (`development()` configuration) with every plugin in `paths` loaded, in order.
#[expect(unsafe_code, reason = "loading a plugin runs its native code")]
pub(crate) fn load_all(paths: &[PathBuf]) -> anyhow::Result<Extensions> {
    let mut ext = Extensions::development();
    for path in paths {
        let path = loadable(path)?;
        // SAFETY: the user named this file with `--plugin` on the command line and so vouches
        // for it; its initialisers and callbacks run in this process.
        unsafe { ext.load_plugin(&path) }.map_err(one_line)?;
    }
    Ok(ext)
}

/// The error and its causes as one message, skipping a cause whose text the message already
/// holds (`ExtensionError` prints some of its sources itself; libloading's `dlopen failed`
/// keeps the loader's reason in its source).
fn one_line(err: impl std::error::Error) -> anyhow::Error {
    let mut message = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = cause.source();
    }
    anyhow::anyhow!(message)
}

/// Checks that `path` is a readable file before the loader sees it (a directory would give a
/// confusing `dlopen` message). The loader itself refuses truncated libraries and opens bare
/// names as files.
fn loadable(path: &Path) -> anyhow::Result<PathBuf> {
    let meta = std::fs::metadata(path)
        .with_context(|| format!("cannot read plugin {}", path.display()))?;
    if !meta.is_file() {
        bail!("cannot load plugin {}: not a file", path.display());
    }
    Ok(path.to_path_buf())
}

/// Parses a 32-byte ed25519 public key written as hex.
fn parse_key(text: &str) -> anyhow::Result<[u8; 32]> {
    let bytes = crate::input::decode_hex(text).context("in --trusted-key")?;
    <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| {
        anyhow::anyhow!("--trusted-key must be 32 bytes (64 hex digits), got {}", bytes.len())
    })
}

fn list(items: &[impl AsRef<str>]) -> String {
    if items.is_empty() {
        "none".to_string()
    } else {
        items.iter().map(AsRef::as_ref).collect::<Vec<_>>().join(", ")
    }
}

fn write_info(out: &mut impl Write, info: &PluginInfo) -> std::io::Result<()> {
    writeln!(out, "plugin:       {}", info.path.display())?;
    writeln!(out, "name:         {}", info.name)?;
    writeln!(out, "version:      {}", info.version)?;
    writeln!(out, "abi:          {}", info.abi)?;
    writeln!(out, "capabilities: {}", list(&info.capabilities))?;
    writeln!(out, "opcodes:      {}", list(&info.opcodes))?;
    writeln!(out, "precompiles:  {}", list(&info.precompiles))?;
    writeln!(out, "hooks:        {}", list(&info.hooks))?;
    writeln!(out, "signature:    {}", info.signature)?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trusted_keys_are_32_bytes() {
        assert_eq!(parse_key(&"ab".repeat(32)).unwrap(), [0xab; 32]);
        let err = parse_key("0xabcd").unwrap_err().to_string();
        assert!(err.contains("32 bytes") && err.contains("got 2"), "{err}");
        assert!(parse_key("zz").is_err());
    }

    #[test]
    fn bare_names_are_paths() {
        let dir = std::env::temp_dir();
        assert!(loadable(&dir).unwrap_err().to_string().contains("not a file"));
        let err = loadable(Path::new("/nonexistent/evmkit/p.so")).unwrap_err();
        assert!(format!("{err:#}").starts_with("cannot read plugin /nonexistent/evmkit/p.so"));
    }
}
