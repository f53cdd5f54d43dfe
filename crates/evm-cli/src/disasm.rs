//! `evmkit disasm` (STUB).

use std::process::ExitCode;

/// Arguments of `evmkit disasm`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {}

/// Runs the command.
pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let _ = args;
    anyhow::bail!("not implemented yet")
}
