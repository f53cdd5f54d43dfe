//! `evmkit disasm`: one `pc: MNEMONIC [immediate]` line per instruction; with `--plugin`, custom
//! opcodes print by the names their plugins give them.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use crate::input::CodeInput;

/// Arguments of `evmkit disasm`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    input: CodeInput,
    /// Load a `.so` extension plugin so its custom opcodes print by name (e.g. `0x0c` as
    /// `ISQRT`); repeatable. Loading runs the plugin's code: use only files you trust.
    #[arg(long = "plugin", value_name = "PATH")]
    plugins: Vec<PathBuf>,
}

/// Runs the command.
pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let code = args.input.read()?;
    let text = if args.plugins.is_empty() {
        evm_bytecode::disassemble(&code)
    } else {
        let ext = crate::plugin::load_all(&args.plugins)?;
        evm_bytecode::disassemble_with(&code, ext.opcode_table())
    };
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        // A closed pipe (`evmkit disasm ... | head`) is not a failure.
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(ExitCode::SUCCESS),
    }
}
