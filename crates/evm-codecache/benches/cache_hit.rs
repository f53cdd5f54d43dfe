//! Warm-hit cost of the code cache: `CodeCache::get` under each policy, and the raw
//! quick_cache and moka maps with the same key, value and hasher, on one thread.

use std::hint::black_box;
use std::sync::Arc;

use alloy_primitives::B256;
use alloy_primitives::map::FbBuildHasher;
use criterion::{Criterion, criterion_group, criterion_main};
use evm_bytecode::AnalyzedCode;
use evm_codecache::{CachePolicy, Chain, CodeCache, MemoryStore};

const CONTRACTS: usize = 1024;

fn codes() -> Vec<(B256, Arc<AnalyzedCode>)> {
    (0..CONTRACTS)
        .map(|i| {
            let mut code = vec![0x60u8, 0x01, 0x5b];
            code.extend_from_slice(&(i as u64).to_be_bytes());
            let code = Arc::new(AnalyzedCode::new(code));
            (code.hash(), code)
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let codes = codes();
    let keys: Vec<B256> = codes.iter().map(|(h, _)| *h).collect();
    let mut group = c.benchmark_group("cache_hit");

    let mut run = |name: &str, get: &dyn Fn(&B256) -> Option<Arc<AnalyzedCode>>| {
        let mut i = 0;
        group.bench_function(name, |b| {
            b.iter(|| {
                i = (i + 1) % CONTRACTS;
                black_box(get(black_box(&keys[i])))
            })
        });
    };

    let quick: quick_cache::sync::Cache<B256, Arc<AnalyzedCode>, _, FbBuildHasher<32>> =
        quick_cache::sync::Cache::with(
            CONTRACTS,
            CONTRACTS as u64,
            quick_cache::UnitWeighter,
            FbBuildHasher::default(),
            quick_cache::sync::DefaultLifecycle::default(),
        );
    let moka: moka::sync::Cache<B256, Arc<AnalyzedCode>, FbBuildHasher<32>> =
        moka::sync::Cache::builder()
            .max_capacity(CONTRACTS as u64 * 2)
            .build_with_hasher(FbBuildHasher::default());
    for (h, code) in &codes {
        quick.insert(*h, code.clone());
        moka.insert(*h, code.clone());
    }
    moka.run_pending_tasks();
    run("raw_quick_cache", &|k| quick.get(k));
    run("raw_moka", &|k| moka.get(k));

    for (name, policy) in [
        ("codecache_adaptive_quick_cache", CachePolicy::Adaptive),
        ("codecache_lru_moka", CachePolicy::Lru),
        ("codecache_lfu_moka", CachePolicy::Lfu),
    ] {
        let store = MemoryStore::default();
        for (_, code) in &codes {
            store.insert(code.original().clone());
        }
        let cache = CodeCache::builder(Chain::new(vec![Box::new(store)])).policy(policy).build();
        for k in &keys {
            cache.get(*k).expect("code is in the store");
        }
        run(name, &|k| cache.get(*k).ok());
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
