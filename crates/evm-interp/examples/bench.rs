//! Times one contract call on a minimal in-memory host: `bench CODE_HEX_FILE [DATA_HEX_FILE] [N] [table]`.
//!
//! A quick profiling aid for the dispatch loop; the criterion suite in `benches/` is the
//! reference for comparisons.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use alloy_primitives::{Address, B256, Bytes, Log, U256};
use evm_interp::{
    AccountLoad, AnalyzedCode, BlockEnv, CallInputs, CallOutcome, CreateInputs, CreateOutcome,
    Fork, FrameInput, Host, Interpreter, NoHooks, Outcome, SStoreResult, SelfDestructResult,
    SharedMemory, StateLoad, TxEnv,
};

#[derive(Debug, Default)]
struct MiniHost {
    hooks: NoHooks,
    block: BlockEnv,
    tx: TxEnv,
    storage: HashMap<U256, U256>,
}

impl Host for MiniHost {
    type Hooks = NoHooks;
    fn hooks(&mut self) -> &mut NoHooks {
        &mut self.hooks
    }
    fn block(&self) -> &BlockEnv {
        &self.block
    }
    fn tx(&self) -> &TxEnv {
        &self.tx
    }
    fn balance(&mut self, _: Address) -> StateLoad<U256> {
        StateLoad::new(U256::ZERO, false)
    }
    fn code_size(&mut self, _: Address) -> StateLoad<usize> {
        StateLoad::new(0, false)
    }
    fn code_hash(&mut self, _: Address) -> StateLoad<B256> {
        StateLoad::new(B256::ZERO, false)
    }
    fn code(&mut self, _: Address) -> StateLoad<Bytes> {
        StateLoad::new(Bytes::new(), false)
    }
    fn load_account(&mut self, _: Address) -> StateLoad<AccountLoad> {
        StateLoad::new(AccountLoad::default(), false)
    }
    fn block_hash(&mut self, _: U256) -> B256 {
        B256::ZERO
    }
    fn sload(&mut self, _: Address, key: U256) -> StateLoad<U256> {
        StateLoad::new(self.storage.get(&key).copied().unwrap_or_default(), false)
    }
    fn sstore(&mut self, _: Address, key: U256, new: U256) -> StateLoad<SStoreResult> {
        let present = self.storage.insert(key, new).unwrap_or_default();
        StateLoad::new(SStoreResult { original: present, present, new }, false)
    }
    fn tload(&mut self, _: Address, _: U256) -> U256 {
        U256::ZERO
    }
    fn tstore(&mut self, _: Address, _: U256, _: U256) {}
    fn log(&mut self, _: Log) {}
    fn selfdestruct(&mut self, _: Address, _: Address) -> StateLoad<SelfDestructResult> {
        StateLoad::new(SelfDestructResult::default(), false)
    }
    fn call(&mut self, inputs: CallInputs, _: &mut SharedMemory) -> CallOutcome {
        CallOutcome::not_started(inputs.gas_limit)
    }
    fn create(&mut self, inputs: CreateInputs, _: &mut SharedMemory) -> CreateOutcome {
        CreateOutcome {
            outcome: Outcome::Revert,
            address: None,
            gas_left: inputs.gas_limit,
            gas_refund: 0,
            output: Bytes::new(),
        }
    }
}

fn read_hex(path: &str) -> Vec<u8> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    hex::decode(text.trim().trim_start_matches("0x")).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let code = read_hex(args.get(1).expect("usage: bench CODE [DATA] [N]"));
    let data = args.get(2).map(|p| read_hex(p)).unwrap_or_default();
    let n: u32 = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(10);
    let code = Arc::new(AnalyzedCode::new(code));
    let mut interp = Interpreter::<MiniHost>::new();
    if args.get(4).is_some_and(|a| a == "table") {
        // Any customisation switches the loop to table-only dispatch.
        interp.insert_instruction(0x0c, evm_interp::instructions::invalid, 0, 0, 0, Fork::Osaka);
    }
    let mut memory = SharedMemory::new();
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..n {
        let mut host = MiniHost::default();
        let input = FrameInput {
            code: Arc::clone(&code),
            address: Address::repeat_byte(1),
            caller: Address::repeat_byte(2),
            value: U256::ZERO,
            input: Bytes::from(data.clone()),
            gas_limit: 1_000_000_000,
            is_static: false,
            depth: 0,
            fork: Fork::Cancun,
        };
        let start = Instant::now();
        let r = interp.run(input, &mut host, &mut memory);
        times.push(start.elapsed());
        last = Some(r);
    }
    times.sort();
    let r = last.expect("n > 0");
    println!(
        "{:?} gas_used={} median={:?} min={:?} out={}",
        r.exit,
        1_000_000_000 - r.gas_left,
        times[times.len() / 2],
        times[0],
        hex::encode(&r.output[..r.output.len().min(32)])
    );
}
