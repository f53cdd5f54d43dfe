//! `evmkit`: run, disassemble and analyse EVM code, call a node's state, fetch and preload
//! contract code, run Ethereum state tests, inspect plugins.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod analyze;
mod cache;
mod code;
mod disasm;
mod input;
mod plugin;
mod run;
mod statetest;

/// evmkit: an Ethereum Virtual Machine toolkit.
#[derive(Debug, Parser)]
#[command(name = "evmkit", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Disassemble bytecode into `pc: MNEMONIC [immediate]` lines.
    Disasm(disasm::Args),
    /// Analyse bytecode: jumpdests, Solidity metadata, opcode counts, lint, fusion candidates.
    Analyze(analyze::Args),
    /// Execute code as a call, or call an account of a JSON-RPC node (--rpc), and print the
    /// result.
    Run(run::Args),
    /// Fetch verified contract code from code sources (`code fetch`).
    Code(code::Args),
    /// Work with the code cache (`cache preload`).
    Cache(cache::Args),
    /// Run Ethereum JSON state tests (files or directories) in parallel.
    Statetest(statetest::Args),
    /// Inspect `.so` extension plugins (load them into `run` and `disasm` with `--plugin`).
    Plugin(plugin::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Transactions with megabytes of memory stay lazily zeroed (glibc): see the function.
    evm_interp::memory::keep_large_allocations_lazy();
    let result = match cli.command {
        Command::Disasm(args) => disasm::run(args),
        Command::Analyze(args) => analyze::run(args),
        Command::Run(args) => run::run(args),
        Command::Code(args) => code::run(args),
        Command::Cache(args) => cache::run(args),
        Command::Statetest(args) => statetest::run(args),
        Command::Plugin(args) => plugin::run(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            // One line, whatever the causes (a dynamic loader's message) contain.
            let message = format!("{err:#}");
            let message: Vec<&str> =
                message.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
            eprintln!("error: {}", message.join(" "));
            ExitCode::FAILURE
        }
    }
}
