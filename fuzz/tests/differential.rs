//! End-to-end checks of the fuzzer: generated cases agree, reproducers replay through evmkit's
//! state-test runner with a pass, and an injected difference is caught.

use alloy_primitives::{Address, Bytes, U256};
use evm_fuzz::case::{Case, Env, PreAccount};
use evm_fuzz::diff::{Difference, compare_with};
use evm_fuzz::generate::{self, COINBASE, SENDER};
use evm_fuzz::rng::Rng;
use evm_fuzz::trace::{Step, first_difference};
use evm_fuzz::{exec_evmkit, run_both, writer};
use evm_interp::{FrameView, Hooks, Modification, StepAction};
use evm_vm::{Fork, Tx, VmHooks};

/// Runs `f` on a thread with a stack large enough for depth-1024 calls.
fn big_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new().stack_size(256 << 20).spawn(f).unwrap().join().unwrap()
}

#[test]
fn generated_cases_agree() {
    big_stack(|| {
        let mut failures = Vec::new();
        for seed in 0..300u64 {
            let case = generate::case(&mut Rng::from_seed(seed));
            if let Err(d) = run_both(&case) {
                failures.push(format!("seed {seed}: {d}"));
            }
        }
        assert!(failures.is_empty(), "{} divergences:\n{}", failures.len(), failures.join("\n\n"));
    });
}

/// A hand-made case: `PUSH1 1 PUSH1 2 ADD PUSH1 0 SSTORE STOP` at 0xc0de00.
fn adder() -> Case {
    let contract = generate::contract_address(0);
    Case {
        fork: Fork::Cancun,
        env: Env {
            number: 1,
            coinbase: COINBASE,
            timestamp: 1000,
            gas_limit: 30_000_000,
            basefee: 7,
            difficulty: U256::ZERO,
            prevrandao: Default::default(),
        },
        pre: vec![
            PreAccount {
                address: SENDER,
                balance: U256::from(10u64).pow(U256::from(18)),
                nonce: 0,
                code: Bytes::new(),
                storage: Vec::new(),
            },
            PreAccount {
                address: contract,
                balance: U256::ZERO,
                nonce: 1,
                code: Bytes::from_static(&[0x60, 1, 0x60, 2, 0x01, 0x60, 0, 0x55, 0x00]),
                storage: Vec::new(),
            },
        ],
        tx: Tx {
            caller: SENDER,
            to: Some(contract),
            gas_limit: 100_000,
            gas_price: U256::from(10),
            chain_id: Some(U256::from(1)),
            ..Tx::default()
        },
    }
}

#[test]
fn reproducer_replays_with_a_pass() {
    big_stack(|| {
        let dir = std::env::temp_dir().join(format!("evm-fuzz-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut cases = vec![adder()];
        let mut rejected = adder();
        rejected.tx.nonce = 5;
        cases.push(rejected);
        cases.extend((0..40).map(|seed| generate::case(&mut Rng::from_seed(1000 + seed))));
        for (i, case) in cases.iter().enumerate() {
            let path = dir.join(format!("case{i}.json"));
            let json = writer::to_json(case, "fuzz", "test");
            std::fs::write(&path, json.to_string()).unwrap();
            let options =
                evm_vm::statetest::Options { timeout: None, threads: 1, ..Default::default() };
            let results = evm_vm::statetest::run_file(&path, &options);
            assert_eq!(results.len(), 1, "case {i}: {results:?}");
            assert!(results[0].pass, "case {i}: {:?}\n{json:#}", results[0]);
        }
        std::fs::remove_dir_all(&dir).ok();
    });
}

/// An "evmkit bug": ADD results are off by one.
#[derive(Debug, Default)]
struct OffByOne;

impl Hooks for OffByOne {
    fn before_step(&mut self, frame: &FrameView<'_>) -> StepAction {
        if frame.opcode == 0x01 {
            let top = frame.stack[frame.stack.len() - 1];
            return StepAction::Modify(vec![Modification::Stack {
                depth: 0,
                value: top + U256::ONE,
            }]);
        }
        StepAction::Continue
    }
}

impl VmHooks for OffByOne {}

#[test]
fn injected_difference_is_detected() {
    big_stack(|| {
        let case = adder();
        assert_eq!(run_both(&case), Ok(()));
        let mut vm = exec_evmkit::vm(&case, OffByOne);
        let ours = exec_evmkit::run_on(&case, &mut vm);
        let comparison = compare_with(&case, &ours);
        let divergence = comparison.result.expect_err("the off-by-one ADD must be caught");
        let contract: Address = generate::contract_address(0);
        assert!(
            divergence.differences.iter().any(|d| matches!(
                d,
                Difference::Account { address, field: "storage", .. } if *address == contract
            )),
            "{divergence}"
        );

        // A gas difference alone is caught too.
        let mut ours = exec_evmkit::run(&case);
        if let Ok(e) = &mut ours {
            e.gas_used += 1;
        }
        let divergence = compare_with(&case, &ours).result.expect_err("gas must be compared");
        assert!(matches!(divergence.differences[0], Difference::GasUsed { .. }), "{divergence}");
    });
}

#[test]
fn first_difference_points_at_the_step() {
    let step = |pc, gas| Step { pc, op: 0x01, gas, depth: 1, stack: vec![] };
    let a = [step(0, 10), step(1, 7), step(2, 4)];
    let b = [step(0, 10), step(1, 7), step(2, 5)];
    let (i, x, y) = first_difference(&a, &b).unwrap();
    assert_eq!((i, x.unwrap().gas, y.unwrap().gas), (2, 4, 5));
    assert_eq!(first_difference(&a, &a), None);
    assert_eq!(first_difference(&a, &a[..2]).map(|d| d.0), Some(2));
}
