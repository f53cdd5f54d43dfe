//! Differential fuzzing of evmkit against revm 43, and robustness fuzzing of evmkit's parsers.
//!
//! A deterministic, structure-aware generator ([`generate`], driven by [`rng::Rng`] from a seed or
//! from libFuzzer's bytes) builds a [`case::Case`]: a fork from Frontier to Osaka, a pre-state of
//! 2–4 contracts and a funded sender, and a legacy, EIP-2930, EIP-1559 or EIP-4844 transaction.
//! [`diff::run_both`] runs it on evmkit ([`exec_evmkit`], built as the state-test runner builds
//! its VM) and on revm ([`exec_revm`]) from the same pre-state and compares validity, status,
//! gas, refund, output, logs and the normalised post-state ([`outcome`]); a divergence carries
//! the first differing EIP-3155 step of the two traces ([`trace`]). [`writer`] turns a case into
//! a state-test JSON file that `evmkit statetest FILE` replays.
//!
//! [`targets`] has the five targets as functions of one input (`differential`, `precompiles`,
//! `analysis`, `statetest-json`, `plugin-load`); the `evm-fuzz` binary runs them on every core for a while:
//!
//! ```sh
//! cargo run --release -p evm-fuzz -- differential --seconds 60 --seed 1 --jobs 2
//! cargo xtask fuzz                      # every target in turn
//! ```
//!
//! Reproducers land under `target/fuzz/<target>/`: state-test JSON for `differential`
//! (`cargo run --release -p evm-cli -- statetest FILE`), raw input for the others.
//!
//! The same targets run under libFuzzer from `fuzz/libfuzzer` (a cargo-fuzz project outside
//! the workspace; needs nightly and `cargo install cargo-fuzz`):
//!
//! ```sh
//! cd fuzz/libfuzzer && cargo +nightly fuzz run --fuzz-dir . -s none differential
//! ```
//!
//! (`--fuzz-dir .` because cargo-fuzz otherwise looks for `fuzz/` under the nearest ordinary
//! package, which is `evm-fuzz` itself; `-s none` turns the sanitizer off: the code is safe
//! Rust, and the C crypto libraries of both VMs are not built for ASan.) The other targets are
//! `precompiles`, `analysis` and `statetest_json`.

pub mod case;
pub mod corpus;
pub mod diff;
pub mod exec_evmkit;
pub mod exec_revm;
pub mod generate;
pub mod json_fuzz;
pub mod outcome;
pub mod plugin_load;
pub mod rng;
pub mod targets;
pub mod trace;
pub mod writer;

pub use case::Case;
pub use diff::{Comparison, Difference, Divergence, run_both};
pub use targets::{Finding, Target};
