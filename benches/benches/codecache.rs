//! What the shared code cache costs and what it saves, in the same run.
//!
//! 1. Warm hit: `CodeCache::get` on one warm hash, single thread, for the quick_cache-backed
//!    policy (`CachePolicy::Adaptive`, the default) and the moka-backed one (`CachePolicy::Lru`).
//! 2. A block's worth of calls: 1,000 transactions over 50 generated contracts (2-8 KB each, a
//!    short loop of arithmetic, then RETURN of the result, then seeded random bytes that are
//!    analysed but never run), each tx calling the next contract round-robin, executed by
//!    `evm_vm::Vm` over:
//!    - `disk`: a database whose `code_by_hash` reads the code from an `evm_codecache::FileStore`
//!      in a temporary directory and analyses it, every time it is asked (no shared cache);
//!    - `cached_adaptive` / `cached_lru`: the same database behind `CachedDb` with a shared
//!      `CodeCache` of that policy, warmed by one pass over the transactions;
//!    - `in_memory`: `InMemoryDb` with the analysed code attached to the accounts (reference).
//!
//! Before anything is timed, every transaction must give the same status, output and gas on
//! every variant, and the output must be the value the generator computed.
//! Each variant builds its VM once and calls `transact` without commit, so all 1,000 calls run
//! against the same state.
//!
//! After criterion, a summary table gives the warm-hit cost per policy and the time of the 1,000
//! transactions per variant (10th percentile of alternating rounds), with the ratio
//! disk/cached. `cargo bench -p evm-benches --bench codecache -- --summary-only` prints only the
//! table. Without `--bench` (`cargo test --all-targets`) only the checks, one criterion pass and
//! a tiny timing run.

use std::hint::black_box;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use criterion::Criterion;
use evm_codecache::{CachePolicy, Chain, CodeCache, FileStore, LoadError, Loader};
use evm_vm::{
    AccountInfo, AnalyzedCode, BlockEnv, CachedDb, Database, Fork, InMemoryDb, Status, Tx, Vm,
    VmBuilder,
};

const CONTRACTS: usize = 50;
const TXS: usize = 1_000;
const CALLER: Address = Address::repeat_byte(0xca);
const GAS_LIMIT: u64 = 1_000_000;
/// Loop iterations per call, and arithmetic pairs per iteration.
const ITERATIONS: u8 = 16;
const PAIRS: usize = 6;

/// Seeded xorshift64*: the same contracts every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A generated contract and the 32-byte word it returns.
struct Contract {
    address: Address,
    code: Bytes,
    expected: Bytes,
}

/// `acc = 0; repeat ITERATIONS { for (a, m) in pairs { acc = (acc + a) * m } }; return acc`,
/// then padding of random bytes up to `size` (never executed, but analysed).
fn contract(rng: &mut Rng, index: usize) -> Contract {
    let pairs: Vec<(u32, u32)> =
        (0..PAIRS).map(|_| (rng.next() as u32, rng.next() as u32 | 1)).collect();
    // PUSH1 0, PUSH1 ITERATIONS, then the loop head at pc 4.
    let mut code = vec![0x60, 0x00, 0x60, ITERATIONS, 0x5b];
    code.push(0x90); // SWAP1: [n, acc]
    for &(a, m) in &pairs {
        code.push(0x63); // PUSH4 a
        code.extend_from_slice(&a.to_be_bytes());
        code.push(0x01); // ADD
        code.push(0x63); // PUSH4 m
        code.extend_from_slice(&m.to_be_bytes());
        code.push(0x02); // MUL
    }
    code.extend_from_slice(&[
        0x90, // SWAP1: [acc, n]
        0x60, 0x01, 0x90, 0x03, // PUSH1 1, SWAP1, SUB: n - 1
        0x80, 0x60, 0x04, 0x57, // DUP1, PUSH1 4, JUMPI
        0x50, // POP the zero counter
        0x60, 0x00, 0x52, // PUSH1 0, MSTORE
        0x60, 0x20, 0x60, 0x00, 0xf3, // PUSH1 32, PUSH1 0, RETURN
    ]);
    let size = 2048 + rng.below(6 * 1024) as usize;
    while code.len() < size {
        code.push(rng.next() as u8);
    }
    let mut acc = U256::ZERO;
    for _ in 0..ITERATIONS {
        for &(a, m) in &pairs {
            acc = acc.wrapping_add(U256::from(a)).wrapping_mul(U256::from(m));
        }
    }
    Contract {
        address: Address::left_padding_from(&(0x1000 + index as u64).to_be_bytes()),
        code: Bytes::from(code),
        expected: Bytes::from(acc.to_be_bytes::<32>().to_vec()),
    }
}

fn contracts() -> Vec<Contract> {
    let mut rng = Rng(0x5eed_c0de_cafe_f00d);
    (0..CONTRACTS).map(|i| contract(&mut rng, i)).collect()
}

/// Round-robin calls: tx `i` calls contract `i % CONTRACTS`.
fn transactions(contracts: &[Contract]) -> Vec<Tx> {
    (0..TXS)
        .map(|i| Tx {
            caller: CALLER,
            to: Some(contracts[i % contracts.len()].address),
            gas_limit: GAS_LIMIT,
            ..Tx::default()
        })
        .collect()
}

fn memory_db(contracts: &[Contract]) -> InMemoryDb {
    let mut db = InMemoryDb::default();
    db.insert_account(CALLER, U256::ZERO, 0, Bytes::new(), []);
    for c in contracts {
        db.insert_account(c.address, U256::ZERO, 1, c.code.clone(), []);
    }
    db
}

/// Accounts in memory, code on disk: every `code_by_hash` reads the file and analyses it.
#[derive(Debug)]
struct DiskDb {
    accounts: InMemoryDb,
    store: FileStore,
}

impl Database for DiskDb {
    type Error = LoadError;

    /// The account without its code, so the VM asks `code_by_hash`.
    fn basic(&mut self, address: Address) -> Result<Option<AccountInfo>, LoadError> {
        let Ok(info) = self.accounts.basic(address);
        Ok(info.map(|info| AccountInfo { code: None, ..info }))
    }

    fn code_by_hash(&mut self, hash: B256) -> Result<Arc<AnalyzedCode>, LoadError> {
        let code = self.store.load(hash)?.unwrap_or_default();
        Ok(Arc::new(AnalyzedCode::with_hash(code, hash)))
    }

    fn storage(&mut self, address: Address, key: U256) -> Result<U256, LoadError> {
        let Ok(value) = self.accounts.storage(address, key);
        Ok(value)
    }

    fn block_hash(&mut self, number: u64) -> Result<B256, LoadError> {
        let Ok(hash) = self.accounts.block_hash(number);
        Ok(hash)
    }
}

/// A temporary directory, removed on drop.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn temp_dir() -> TempDir {
    let dir = std::env::temp_dir().join(format!("evmkit-codecache-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    TempDir(dir)
}

fn file_store(dir: &TempDir) -> FileStore {
    FileStore::open(&dir.0, 1 << 20).expect("temporary directory is writable")
}

fn vm<DB: Database>(db: DB) -> Vm<DB> {
    VmBuilder::new(db)
        .fork(Fork::Cancun)
        .block(BlockEnv {
            gas_limit: U256::from(30_000_000),
            chain_id: U256::from(1),
            ..BlockEnv::default()
        })
        .build()
}

/// A cache of `policy` over the file store, holding nothing yet.
fn cache(dir: &TempDir, policy: CachePolicy) -> CodeCache {
    CodeCache::builder(Chain::new(vec![Box::new(file_store(dir))])).policy(policy).build()
}

/// The VMs under test; each runs the same transactions.
struct Variants {
    disk: Vm<DiskDb>,
    cached_adaptive: Vm<CachedDb<DiskDb>>,
    cached_lru: Vm<CachedDb<DiskDb>>,
    in_memory: Vm<InMemoryDb>,
}

const NAMES: [&str; 4] = ["disk", "cached_adaptive", "cached_lru", "in_memory"];

impl Variants {
    fn new(dir: &TempDir, contracts: &[Contract]) -> Self {
        let store = file_store(dir);
        for c in contracts {
            store.store(keccak256(&c.code), &c.code).expect("temporary directory is writable");
        }
        let disk_db = || DiskDb { accounts: memory_db(contracts), store: file_store(dir) };
        Self {
            disk: vm(disk_db()),
            cached_adaptive: vm(CachedDb::new(disk_db(), cache(dir, CachePolicy::Adaptive))),
            cached_lru: vm(CachedDb::new(disk_db(), cache(dir, CachePolicy::Lru))),
            in_memory: vm(memory_db(contracts)),
        }
    }

    /// Runs `txs` on variant `which` (an index into [`NAMES`]); the outcome of each.
    fn run(&mut self, which: usize, txs: &[Tx]) -> Vec<Result<(Status, Bytes, u64), String>> {
        match which {
            0 => run_all(&mut self.disk, txs),
            1 => run_all(&mut self.cached_adaptive, txs),
            2 => run_all(&mut self.cached_lru, txs),
            _ => run_all(&mut self.in_memory, txs),
        }
    }

    /// Runs `txs` on variant `which` without collecting results.
    fn run_quiet(&mut self, which: usize, txs: &[Tx]) {
        match which {
            0 => transact_all(&mut self.disk, txs),
            1 => transact_all(&mut self.cached_adaptive, txs),
            2 => transact_all(&mut self.cached_lru, txs),
            _ => transact_all(&mut self.in_memory, txs),
        }
    }
}

fn run_all<DB: Database>(vm: &mut Vm<DB>, txs: &[Tx]) -> Vec<Result<(Status, Bytes, u64), String>> {
    txs.iter()
        .map(|tx| {
            vm.transact(tx)
                .map(|r| (r.result.status, r.result.output, r.result.gas_used))
                .map_err(|e| e.to_string())
        })
        .collect()
}

fn transact_all<DB: Database>(vm: &mut Vm<DB>, txs: &[Tx]) {
    for tx in txs {
        black_box(vm.transact(black_box(tx)).is_ok());
    }
}

/// Every transaction succeeds with the expected output and the same gas on every variant
/// (this also warms the caches); the first disagreement otherwise.
fn check(variants: &mut Variants, contracts: &[Contract], txs: &[Tx]) -> Result<(), String> {
    let reference = variants.run(0, txs);
    for (i, outcome) in reference.iter().enumerate() {
        let c = &contracts[i % contracts.len()];
        match outcome {
            Ok((Status::Success, output, _)) if *output == c.expected => {}
            other => return Err(format!("tx {i} on disk: {other:?}, expected {}", c.expected)),
        }
    }
    for (which, name) in NAMES.iter().enumerate().skip(1) {
        // Twice: the first pass fills the cache, the second reads it.
        for pass in 0..2 {
            let outcomes = variants.run(which, txs);
            if let Some(i) = (0..txs.len()).find(|&i| outcomes[i] != reference[i]) {
                return Err(format!(
                    "tx {i} (pass {pass}): {name} gave {:?}, disk gave {:?}",
                    outcomes[i], reference[i]
                ));
            }
        }
    }
    Ok(())
}

/// Warm caches of both policies holding the contracts.
fn warm_caches(dir: &TempDir, contracts: &[Contract]) -> [(&'static str, CodeCache, B256); 2] {
    let hash = keccak256(&contracts[0].code);
    [("adaptive (quick_cache)", CachePolicy::Adaptive), ("lru (moka)", CachePolicy::Lru)].map(
        |(name, policy)| {
            let cache = cache(dir, policy);
            for c in contracts {
                cache.get(keccak256(&c.code)).expect("code is in the file store");
            }
            (name, cache, hash)
        },
    )
}

fn bench(
    c: &mut Criterion,
    variants: &mut Variants,
    caches: &[(&str, CodeCache, B256)],
    txs: &[Tx],
) {
    let mut group = c.benchmark_group("codecache_hit");
    for (name, cache, hash) in caches {
        let name = name.split(' ').next().unwrap_or(name);
        group.bench_function(name, |b| b.iter(|| black_box(cache.get(black_box(*hash)).is_ok())));
    }
    group.finish();
    let mut group = c.benchmark_group("codecache_1000_txs");
    for (which, name) in NAMES.iter().enumerate() {
        group.bench_function(*name, |b| b.iter(|| variants.run_quiet(which, txs)));
    }
    group.finish();
}

/// 10th percentile of `rounds` timings per column, the columns alternating within a round.
fn alternating<const N: usize>(rounds: usize, mut run: impl FnMut(usize)) -> [Duration; N] {
    let mut times = [(); N].map(|()| Vec::with_capacity(rounds));
    for _ in 0..rounds {
        for (k, t) in times.iter_mut().enumerate() {
            let start = Instant::now();
            run(k);
            t.push(start.elapsed());
        }
    }
    times.map(|mut t| {
        t.sort();
        t[rounds / 10]
    })
}

fn fmt_time(d: Duration) -> String {
    let ns = d.as_nanos() as f64;
    if ns >= 1e6 {
        format!("{:.3} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.2} us", ns / 1e3)
    } else {
        format!("{ns:.1} ns")
    }
}

fn summary(
    variants: &mut Variants,
    caches: &[(&str, CodeCache, B256)],
    txs: &[Tx],
    contracts: &[Contract],
    tiny: bool,
) {
    let (rounds, lookups) = if tiny { (3, 1_000) } else { (31, 200_000) };
    println!();
    println!(
        "warm hit, one thread, one hash: CodeCache::get (10th percentile of {rounds} alternating \
         batches of {lookups}, same run)"
    );
    println!("{:<24} {:>10}", "policy", "ns/hit");
    let hits: [Duration; 2] = alternating(rounds, |k| {
        let (_, cache, hash) = &caches[k];
        for _ in 0..lookups {
            black_box(cache.get(black_box(*hash)).is_ok());
        }
    });
    for ((name, ..), t) in caches.iter().zip(hits) {
        println!("{name:<24} {:>10.1}", t.as_nanos() as f64 / lookups as f64);
    }

    let (rounds, txs) = if tiny { (1, &txs[..CONTRACTS]) } else { (11, txs) };
    let sizes: usize = contracts.iter().map(|c| c.code.len()).sum();
    println!();
    println!(
        "{} txs over {} contracts ({:.1} KB average code), round-robin (10th percentile of \
         {rounds} alternating rounds, same run)",
        txs.len(),
        contracts.len(),
        sizes as f64 / contracts.len() as f64 / 1024.0
    );
    println!("{:<18} {:>12} {:>10} {:>14}", "variant", "total", "per tx", "disk/variant");
    let times: [Duration; 4] = alternating(rounds, |k| variants.run_quiet(k, txs));
    for (name, t) in NAMES.iter().zip(times) {
        println!(
            "{name:<18} {:>12} {:>10} {:>13.2}x",
            fmt_time(t),
            fmt_time(t / txs.len() as u32),
            times[0].as_secs_f64() / t.as_secs_f64()
        );
    }
}

fn main() {
    let contracts = contracts();
    let txs = transactions(&contracts);
    let dir = temp_dir();
    let mut variants = Variants::new(&dir, &contracts);
    if let Err(why) = check(&mut variants, &contracts, &txs) {
        eprintln!("MISMATCH {why}");
        std::process::exit(1);
    }
    println!(
        "checked {} txs over {} contracts: status, output and gas agree on {}",
        txs.len(),
        contracts.len(),
        NAMES.join(", ")
    );
    let caches = warm_caches(&dir, &contracts);
    let args: Vec<String> = std::env::args().collect();
    let summary_only = args.iter().any(|a| a == "--summary-only");
    // `cargo bench` passes --bench; `cargo test --all-targets` does not, and then criterion
    // runs each benchmark once and the summary times only a few batches.
    let timing = summary_only || args.iter().any(|a| a == "--bench");
    if !summary_only {
        let mut c = Criterion::default()
            .warm_up_time(Duration::from_millis(300))
            .measurement_time(Duration::from_secs(1))
            .sample_size(10)
            .configure_from_args();
        bench(&mut c, &mut variants, &caches, &txs);
        c.final_summary();
    }
    summary(&mut variants, &caches, &txs, &contracts, !timing);
}
