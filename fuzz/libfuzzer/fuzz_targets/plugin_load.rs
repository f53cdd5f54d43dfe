//! libFuzzer target: the input shapes a damaged plugin file; loading it must fail with a typed
//! error, never panic, crash or succeed.
#![no_main]

use evm_fuzz::Target;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(finding) = evm_fuzz::targets::run(Target::PluginLoad, data).finding {
        panic!("{finding}");
    }
});
