//! libFuzzer target: the input is bytecode; fast and naive analysis must agree, disassembly must not panic.
#![no_main]

use evm_fuzz::Target;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(finding) = evm_fuzz::targets::run(Target::Analysis, data).finding {
        panic!("{finding}");
    }
});
