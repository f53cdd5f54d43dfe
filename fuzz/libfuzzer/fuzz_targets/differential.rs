//! libFuzzer target: the input seeds the case generator; evmkit and revm must agree.
#![no_main]

use evm_fuzz::Target;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // evmkit runs nested calls recursively (up to depth 1024): give it the stack the
    // state-test runner gives it.
    let data = data.to_vec();
    let finding = std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(move || evm_fuzz::targets::run(Target::Differential, &data).finding)
        .expect("spawn a big-stack thread")
        .join()
        .unwrap_or_else(|p| std::panic::resume_unwind(p));
    if let Some(finding) = finding {
        panic!("{finding}");
    }
});
