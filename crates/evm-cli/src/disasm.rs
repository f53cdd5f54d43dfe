//! `evmkit disasm`: one `pc: MNEMONIC [immediate]` line per instruction.

use std::io::Write;
use std::process::ExitCode;

use crate::input::CodeInput;

/// Arguments of `evmkit disasm`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    input: CodeInput,
}

/// Runs the command.
pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let code = args.input.read()?;
    let text = evm_bytecode::disassemble(&code);
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        // A closed pipe (`evmkit disasm ... | head`) is not a failure.
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(ExitCode::SUCCESS),
    }
}
