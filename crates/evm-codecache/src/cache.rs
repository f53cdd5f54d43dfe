//! `CodeCache`: verified `Arc<AnalyzedCode>` by code hash, shared by every VM in a process.
//! Misses go to a `Chain` through a single flight, so N threads missing one hash cause one
//! load. Only verified code is cached; failures are returned, never stored.

use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use alloy_primitives::map::FbBuildHasher;
use alloy_primitives::{Address, B256, Bytes, KECCAK256_EMPTY};
use evm_bytecode::AnalyzedCode;

use crate::chain::{Chain, Fetched};
use crate::error::LoadError;
use crate::flight::{Flights, Role};
use crate::key::Key;
use crate::metrics::{Metrics, MetricsSnapshot};
use crate::store::{Kind, Store};
use crate::verify::Verifier;

/// Addresses per batch in [`CodeCache::preload`].
const PRELOAD_BATCH: usize = 100;

/// How the in-memory cache keeps and drops entries.
///
/// Hash-to-code entries never go stale (the hash names the code), so they leave only when
/// the size bounds push them out. Address-to-hash mappings can change (redeploys, EIP-7702,
/// reorgs): `Ttl` and `Tti` expire those; under the other policies they live as long as the
/// source's pinned block is current, and `CodeCache::invalidate_address` drops one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CachePolicy {
    /// Keep nothing in memory: every lookup loads (loads are still single-flight).
    None,
    /// Least recently used (moka, LRU eviction).
    Lru,
    /// Least frequently used (moka, TinyLFU admission and eviction).
    Lfu,
    /// Address mappings expire this long after they were loaded; code is kept as `Adaptive`.
    Ttl(Duration),
    /// Address mappings expire after this long without a read; code is kept as `Adaptive`.
    Tti(Duration),
    /// Scan resistant (quick_cache, S3-FIFO): a sweep over many cold contracts does not
    /// flush the hot set. The default: its warm hit through `CodeCache::get` measured
    /// ~58 ns against ~220-310 ns for the moka-backed policies (`benches/cache_hit.rs`).
    #[default]
    Adaptive,
}

/// A policy name that [`CachePolicy::from_str`](std::str::FromStr) does not know.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown cache policy {0:?} (none, lru, lfu, ttl=SECS, tti=SECS, adaptive)")]
pub struct UnknownPolicy(pub String);

impl std::str::FromStr for CachePolicy {
    type Err = UnknownPolicy;

    /// Parses `none`, `lru`, `lfu`, `adaptive`, `ttl=SECS` or `tti=SECS` (for command lines).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let secs =
            |v: &str| v.parse::<f64>().ok().and_then(|x| Duration::try_from_secs_f64(x).ok());
        match s.split_once('=') {
            None => match s {
                "none" => Some(Self::None),
                "lru" => Some(Self::Lru),
                "lfu" => Some(Self::Lfu),
                "adaptive" => Some(Self::Adaptive),
                _ => None,
            },
            Some(("ttl", v)) => secs(v).map(Self::Ttl),
            Some(("tti", v)) => secs(v).map(Self::Tti),
            Some(_) => None,
        }
        .ok_or_else(|| UnknownPolicy(s.to_owned()))
    }
}

impl CachePolicy {
    fn kinds(self) -> (Kind, Kind) {
        match self {
            Self::None => (Kind::Off, Kind::Off),
            Self::Lru => (Kind::MokaLru, Kind::MokaLru),
            Self::Lfu => (Kind::MokaLfu, Kind::MokaLfu),
            Self::Ttl(d) => (Kind::Quick, Kind::MokaTtl(d)),
            Self::Tti(d) => (Kind::Quick, Kind::MokaTti(d)),
            Self::Adaptive => (Kind::Quick, Kind::Quick),
        }
    }
}

/// Builds a [`CodeCache`].
#[derive(Debug)]
pub struct CodeCacheBuilder {
    chain: Chain,
    policy: CachePolicy,
    max_entries: u64,
    max_bytes: u64,
    max_addresses: u64,
    verifier: Verifier,
}

impl CodeCacheBuilder {
    /// The eviction policy (default `Adaptive`).
    pub fn policy(mut self, policy: CachePolicy) -> Self {
        self.policy = policy;
        self
    }

    /// At most this many contracts in memory (default 65 536).
    pub fn max_entries(mut self, n: u64) -> Self {
        self.max_entries = n;
        self
    }

    /// At most this many analysed bytes in memory (default 512 MiB); see [`crate::analysed_bytes`].
    pub fn max_bytes(mut self, n: u64) -> Self {
        self.max_bytes = n;
        self
    }

    /// At most this many address-to-hash mappings (default 65 536).
    pub fn max_addresses(mut self, n: u64) -> Self {
        self.max_addresses = n;
        self
    }

    /// The checks applied to loaded code (default `Verifier::default()`, level `Standard`).
    pub fn verifier(mut self, verifier: Verifier) -> Self {
        self.verifier = verifier;
        self
    }

    /// Builds the cache.
    pub fn build(self) -> CodeCache {
        let metrics = Arc::new(Metrics::default());
        let (code_kind, address_kind) = self.policy.kinds();
        // The largest value: the biggest code a source may deliver, analysed.
        let max_item = 3 * self.verifier.max_code_size.max(evm_bytecode::MAX_CODE_SIZE) as u64;
        let code = Store::new(code_kind, self.max_bytes, self.max_entries, max_item, &metrics);
        let addresses =
            Store::new(address_kind, self.max_addresses, self.max_addresses, 1, &metrics);
        CodeCache {
            inner: Arc::new(Inner {
                code,
                addresses,
                chain: self.chain,
                verifier: self.verifier,
                metrics,
                flights: Flights::default(),
                policy: self.policy,
            }),
        }
    }
}

/// A verified, bounded, shared cache of analysed code in front of a [`Chain`] of sources.
///
/// Cloning is cheap and shares the cache.
#[derive(Clone, Debug)]
pub struct CodeCache {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    code: Store<B256, Arc<AnalyzedCode>, FbBuildHasher<32>>,
    addresses: Store<Address, B256, FbBuildHasher<20>>,
    chain: Chain,
    verifier: Verifier,
    metrics: Arc<Metrics>,
    flights: Flights,
    policy: CachePolicy,
}

/// Progress of a [`CodeCache::preload`], passed to its callback after each key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    /// Keys finished (loaded, already cached, or failed).
    pub done: usize,
    /// Keys failed so far.
    pub failed: usize,
    /// Keys in the request.
    pub total: usize,
}

/// What a [`CodeCache::preload`] did.
#[derive(Debug)]
pub struct PreloadReport {
    /// Keys now in the cache.
    pub loaded: usize,
    /// Keys that failed, with why.
    pub failed: Vec<(Key, LoadError)>,
    /// Wall time.
    pub elapsed: Duration,
}

fn empty_code() -> Arc<AnalyzedCode> {
    static EMPTY: OnceLock<Arc<AnalyzedCode>> = OnceLock::new();
    EMPTY.get_or_init(|| Arc::new(AnalyzedCode::with_hash(Bytes::new(), KECCAK256_EMPTY))).clone()
}

impl CodeCache {
    /// A builder with defaults over `chain`.
    pub fn builder(chain: Chain) -> CodeCacheBuilder {
        CodeCacheBuilder {
            chain,
            policy: CachePolicy::default(),
            max_entries: 1 << 16,
            max_bytes: 512 << 20,
            max_addresses: 1 << 16,
            verifier: Verifier::default(),
        }
    }

    /// A cache with default bounds, policy and verification over `chain`.
    pub fn new(chain: Chain) -> Self {
        Self::builder(chain).build()
    }

    /// The analysed code of `hash`: from memory, else loaded, verified and cached.
    #[inline]
    pub fn get(&self, hash: B256) -> Result<Arc<AnalyzedCode>, LoadError> {
        if let Some(code) = self.inner.code.get(&hash) {
            self.inner.metrics.hits.incr();
            return Ok(code);
        }
        self.get_cold(Key::Hash(hash))
    }

    /// The analysed code of `hash` if it is in memory; never loads.
    #[inline]
    pub fn get_cached(&self, hash: B256) -> Option<Arc<AnalyzedCode>> {
        self.inner.code.get(&hash)
    }

    /// The analysed code at `address` (at the sources' pinned block).
    pub fn get_by_address(&self, address: Address) -> Result<Arc<AnalyzedCode>, LoadError> {
        self.get_key(Key::Address(address))
    }

    /// The code of `address`, which must hash to `code_hash`: what a VM asks when it knows
    /// the account. Sources that only look up addresses (JSON-RPC) can serve it.
    pub fn get_account(
        &self,
        address: Address,
        code_hash: B256,
    ) -> Result<Arc<AnalyzedCode>, LoadError> {
        self.get_key(Key::Account { address, code_hash })
    }

    /// The analysed code for any [`Key`].
    pub fn get_key(&self, key: Key) -> Result<Arc<AnalyzedCode>, LoadError> {
        if let Some(code) = self.lookup(key) {
            self.inner.metrics.hits.incr();
            return Ok(code);
        }
        self.get_cold(key)
    }

    fn lookup(&self, key: Key) -> Option<Arc<AnalyzedCode>> {
        let hash = match key {
            Key::Hash(hash) | Key::Account { code_hash: hash, .. } => hash,
            Key::Address(address) => self.inner.addresses.get(&address)?,
        };
        if hash == KECCAK256_EMPTY {
            return Some(empty_code());
        }
        self.inner.code.get(&hash)
    }

    #[cold]
    fn get_cold(&self, key: Key) -> Result<Arc<AnalyzedCode>, LoadError> {
        let inner = &*self.inner;
        if let Some(code) = self.lookup(key) {
            inner.metrics.hits.incr();
            return Ok(code);
        }
        inner.metrics.misses.incr();
        let leader = match inner.flights.join(key) {
            Role::Waiter(waiter) => return waiter.wait(),
            Role::Leader(leader) => leader,
        };
        // A load that finished between the miss and `join` has filled the cache already.
        if let Some(code) = self.lookup(key) {
            return leader.finish(Ok(code));
        }
        let start = Instant::now();
        let (chain, verifier, metrics) = (&inner.chain, &inner.verifier, &*inner.metrics);
        let fetched = match key {
            Key::Hash(hash) => chain.fetch(hash, verifier, metrics),
            Key::Address(address) => match inner.addresses.get(&address) {
                // The mapping is live but the code was evicted: levels that keep code by
                // hash (files, Redis) can answer without asking for the address again.
                Some(hash) => chain
                    .fetch(hash, verifier, metrics)
                    .or_else(|_| chain.fetch_by_address(address, verifier, metrics)),
                None => chain.fetch_by_address(address, verifier, metrics),
            },
            Key::Account { address, code_hash } => {
                chain.fetch_account(address, code_hash, verifier, metrics)
            }
        };
        leader.finish(self.admit(key, fetched, start.elapsed()))
    }

    /// Caches a verified load (or counts a failed one) and returns what the callers get.
    fn admit(
        &self,
        key: Key,
        fetched: Result<Fetched, LoadError>,
        elapsed: Duration,
    ) -> Result<Arc<AnalyzedCode>, LoadError> {
        let inner = &*self.inner;
        match fetched {
            Ok(f) => {
                inner.metrics.record_load(elapsed, f.code.len());
                let code = match inner.code.get(&f.hash) {
                    Some(code) => code,
                    None if f.hash == KECCAK256_EMPTY => empty_code(),
                    None => {
                        let code = Arc::new(AnalyzedCode::with_hash(f.code, f.hash));
                        inner.code.insert(f.hash, code.clone());
                        code
                    }
                };
                if let Key::Address(address) = key {
                    inner.addresses.insert(address, f.hash);
                }
                Ok(code)
            }
            Err(e) => {
                inner.metrics.record_load_failure();
                Err(e)
            }
        }
    }

    /// Loads many addresses with one request per level (see `Chain::fetch_many_by_address`),
    /// still single-flight per address. Answers are in the order of `addresses`.
    pub fn get_many_by_address(
        &self,
        addresses: &[Address],
    ) -> Vec<Result<Arc<AnalyzedCode>, LoadError>> {
        let inner = &*self.inner;
        let mut results: Vec<Option<Result<Arc<AnalyzedCode>, LoadError>>> =
            vec![None; addresses.len()];
        let mut leaders = Vec::new();
        let mut waiters = Vec::new();
        for (j, &address) in addresses.iter().enumerate() {
            let key = Key::Address(address);
            if let Some(code) = self.lookup(key) {
                inner.metrics.hits.incr();
                results[j] = Some(Ok(code));
                continue;
            }
            inner.metrics.misses.incr();
            match inner.flights.join(key) {
                Role::Waiter(waiter) => waiters.push((j, waiter)),
                Role::Leader(leader) => match self.lookup(key) {
                    Some(code) => results[j] = Some(leader.finish(Ok(code))),
                    None => leaders.push((j, leader)),
                },
            }
        }
        if !leaders.is_empty() {
            let asked: Vec<Address> = leaders.iter().map(|(j, _)| addresses[*j]).collect();
            let start = Instant::now();
            let fetched =
                inner.chain.fetch_many_by_address(&asked, &inner.verifier, &inner.metrics);
            let each = start.elapsed() / asked.len() as u32;
            // Every flight this thread leads ends before it waits on anyone else's.
            for ((j, leader), f) in leaders.into_iter().zip(fetched) {
                results[j] = Some(leader.finish(self.admit(Key::Address(addresses[j]), f, each)));
            }
        }
        for (j, waiter) in waiters {
            results[j] = Some(waiter.wait());
        }
        results.into_iter().map(|r| r.expect("every address answered")).collect()
    }

    /// Analyses and caches code the caller holds (for example just deployed); its hash is
    /// computed here, so it needs no further verification.
    pub fn insert(&self, code: Bytes) -> Arc<AnalyzedCode> {
        let code = Arc::new(AnalyzedCode::new(code));
        self.inner.code.insert(code.hash(), code.clone());
        code
    }

    /// Forgets the cached code hash of `address` (its code changed).
    pub fn invalidate_address(&self, address: Address) {
        self.inner.addresses.remove(&address);
    }

    /// Loads `keys` on `parallelism` threads, calling `progress` after each key.
    /// Addresses go in batches of 100 ([`CodeCache::get_many_by_address`]); keys already
    /// cached count as loaded. Failures are collected, not cached.
    pub fn preload(
        &self,
        keys: &[Key],
        parallelism: usize,
        progress: impl Fn(Progress) + Sync,
    ) -> PreloadReport {
        let start = Instant::now();
        // Work units: addresses in batches (one request per level each), other keys alone.
        let addresses: Vec<Address> = keys
            .iter()
            .filter_map(|k| if let Key::Address(a) = k { Some(*a) } else { None })
            .collect();
        let mut units: Vec<&[Key]> = Vec::new();
        let singles: Vec<Key> =
            keys.iter().copied().filter(|k| !matches!(k, Key::Address(_))).collect();
        let batched: Vec<Key> = addresses.iter().map(|a| Key::Address(*a)).collect();
        units.extend(singles.chunks(1));
        units.extend(batched.chunks(PRELOAD_BATCH));
        let next = AtomicUsize::new(0);
        let done = AtomicUsize::new(0);
        let failed = Mutex::new(Vec::new());
        let failed_count = AtomicUsize::new(0);
        let threads = parallelism.clamp(1, units.len().max(1));
        std::thread::scope(|s| {
            for _ in 0..threads {
                s.spawn(|| {
                    loop {
                        let i = next.fetch_add(1, Relaxed);
                        let Some(&unit) = units.get(i) else { break };
                        let results = match unit {
                            [key] if !matches!(key, Key::Address(_)) => vec![self.get_key(*key)],
                            _ => {
                                let unit_addresses: Vec<Address> = unit
                                    .iter()
                                    .filter_map(|k| {
                                        if let Key::Address(a) = k { Some(*a) } else { None }
                                    })
                                    .collect();
                                self.get_many_by_address(&unit_addresses)
                            }
                        };
                        for (key, result) in unit.iter().zip(results) {
                            if let Err(e) = result {
                                failed.lock().unwrap_or_else(|e| e.into_inner()).push((*key, e));
                                failed_count.fetch_add(1, Relaxed);
                            }
                            let done = done.fetch_add(1, Relaxed) + 1;
                            let failed = failed_count.load(Relaxed);
                            progress(Progress { done, failed, total: keys.len() });
                        }
                    }
                });
            }
        });
        let failed = failed.into_inner().unwrap_or_else(|e| e.into_inner());
        PreloadReport { loaded: keys.len() - failed.len(), failed, elapsed: start.elapsed() }
    }

    /// A snapshot of the counters, with the current memory use.
    pub fn metrics(&self) -> MetricsSnapshot {
        let mut s = self.inner.metrics.snapshot();
        (s.cached_entries, s.cached_bytes) = self.inner.code.usage();
        s
    }

    /// The chain behind the cache.
    pub fn chain(&self) -> &Chain {
        &self.inner.chain
    }

    /// The verifier applied to loads.
    pub fn verifier(&self) -> &Verifier {
        &self.inner.verifier
    }

    /// The eviction policy.
    pub fn policy(&self) -> CachePolicy {
        self.inner.policy
    }
}
