//! libFuzzer target: the input is a state-test JSON file; parsing may fail but must not panic.
#![no_main]

use evm_fuzz::Target;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(finding) = evm_fuzz::targets::run(Target::StatetestJson, data).finding {
        panic!("{finding}");
    }
});
