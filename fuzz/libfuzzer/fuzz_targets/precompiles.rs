//! libFuzzer target: byte 0 picks a precompile, byte 1 the fork, bytes 2..10 the gas; evm-precompiles and revm must agree.
#![no_main]

use evm_fuzz::Target;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(finding) = evm_fuzz::targets::run(Target::Precompiles, data).finding {
        panic!("{finding}");
    }
});
