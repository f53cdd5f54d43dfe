//! `evmkit code fetch`: loads one contract's code by address or hash from code sources
//! (`evm_codecache::open_source` URLs), verifies it and prints it in hex.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use evm_codecache::{Chain, CodeCache, VerificationLevel, Verifier};

use crate::input::parse_key;

/// Arguments of `evmkit code`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Print the verified code of an address or code hash, in hex.
    Fetch(FetchArgs),
}

/// Arguments of `evmkit code fetch`.
#[derive(Debug, clap::Args)]
pub(crate) struct FetchArgs {
    /// A code source URL (http://NODE[?block=N], file:///DIR, sqlite:///PATH, redis://HOST,
    /// cas+http://HOST/PREFIX, ipfs+http://GATEWAY); repeat for a chain, fastest first.
    #[arg(long = "source", value_name = "URL", required = true)]
    sources: Vec<String>,
    /// Verification level: none, basic, standard, strict, paranoid.
    #[arg(long, default_value = "standard")]
    verify: VerificationLevel,
    /// The address (40 hex digits) or code hash (64 hex digits).
    #[arg(value_name = "ADDRESS_OR_HASH")]
    key: String,
}

/// Opens the chain of `sources` behind a cache verifying at `level`.
pub(crate) fn open_cache(
    sources: &[String],
    level: VerificationLevel,
) -> anyhow::Result<CodeCache> {
    let urls: Vec<&str> = sources.iter().map(String::as_str).collect();
    let chain = Chain::open(&urls).context("cannot open the code source")?;
    Ok(CodeCache::builder(chain).verifier(Verifier::new(level)).build())
}

/// Runs the command.
pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        Command::Fetch(args) => fetch(args),
    }
}

fn fetch(args: FetchArgs) -> anyhow::Result<ExitCode> {
    let key = parse_key(&args.key)?;
    let cache = open_cache(&args.sources, args.verify)?;
    let code = cache.get_key(key).with_context(|| format!("cannot load the code of {key}"))?;
    writeln!(std::io::stdout().lock(), "{}", code.original())?;
    Ok(ExitCode::SUCCESS)
}
