//! The in-memory cache: single flight, no caching of failures, bounds, scan resistance,
//! address expiry, preload and metrics, over an in-process `MemoryStore`.

mod common;

use std::sync::atomic::Ordering;
use std::sync::{Arc, Barrier};
use std::time::Duration;

use alloy_primitives::{Address, B256, KECCAK256_EMPTY, keccak256};
use common::{Counting, contract};
use evm_codecache::{
    CachePolicy, Chain, CodeCache, Key, LoadError, MemoryStore, VerificationLevel, Verifier,
};

fn store_with(n: u64, extra: usize) -> (MemoryStore, Vec<B256>) {
    let store = MemoryStore::default();
    let hashes = (0..n).map(|i| store.insert(contract(i, extra))).collect();
    (store, hashes)
}

fn counting_cache(
    n: u64,
    delay: Duration,
    policy: CachePolicy,
) -> (CodeCache, Arc<Counting<MemoryStore>>, Vec<B256>) {
    let (store, hashes) = store_with(n, 0);
    let level = Arc::new(Counting::new(store, delay));
    let cache =
        CodeCache::builder(Chain::new(vec![Box::new(level.clone())])).policy(policy).build();
    (cache, level, hashes)
}

#[test]
fn sixty_four_threads_missing_one_hash_cause_one_load() {
    let (cache, level, hashes) =
        counting_cache(1, Duration::from_millis(200), CachePolicy::Adaptive);
    let barrier = Barrier::new(64);
    let results: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..64)
            .map(|_| {
                s.spawn(|| {
                    barrier.wait();
                    cache.get(hashes[0])
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(level.loads.load(Ordering::SeqCst), 1);
    let first = results[0].as_ref().unwrap();
    assert!(results.iter().all(|r| Arc::ptr_eq(r.as_ref().unwrap(), first)));
    let m = cache.metrics();
    assert_eq!(m.loads, 1);
    assert_eq!(m.hits + m.misses, 64);
}

#[test]
fn a_failed_load_is_shared_with_waiters_and_never_cached() {
    let (cache, level, hashes) =
        counting_cache(1, Duration::from_millis(100), CachePolicy::Adaptive);
    level.fail.store(true, Ordering::SeqCst);
    let barrier = Barrier::new(8);
    std::thread::scope(|s| {
        for _ in 0..8 {
            s.spawn(|| {
                barrier.wait();
                assert!(matches!(cache.get(hashes[0]), Err(LoadError::Timeout { .. })));
            });
        }
    });
    assert_eq!(level.loads.load(Ordering::SeqCst), 1);
    assert!(cache.get_cached(hashes[0]).is_none());
    level.fail.store(false, Ordering::SeqCst);
    assert_eq!(cache.get(hashes[0]).unwrap().hash(), hashes[0]);
    assert_eq!(level.loads.load(Ordering::SeqCst), 2);
    let m = cache.metrics();
    assert_eq!((m.load_failures, m.loads), (1, 1));
    assert_eq!(m.sources["mem://"].failures, 1);
}

#[test]
fn unverified_code_is_never_cached() {
    let store = MemoryStore::default();
    let claimed = keccak256(b"what was asked for");
    store.insert_raw(claimed, vec![0x00]);
    let cache = CodeCache::new(Chain::new(vec![Box::new(store)]));
    let err = cache.get(claimed).unwrap_err();
    assert!(
        matches!(&err, LoadError::HashMismatch { url, expected, actual }
            if &**url == "mem://" && *expected == claimed && *actual == keccak256([0x00])),
        "{err}"
    );
    assert!(cache.get_cached(claimed).is_none());
    assert_eq!(cache.metrics().verification_failures, 1);
}

#[test]
fn verification_none_trusts_the_source() {
    let store = MemoryStore::default();
    let claimed = B256::repeat_byte(1);
    store.insert_raw(claimed, vec![0x00]);
    let cache = CodeCache::builder(Chain::new(vec![Box::new(store)]))
        .verifier(Verifier::new(VerificationLevel::None))
        .build();
    assert_eq!(cache.get(claimed).unwrap().hash(), claimed);
}

#[test]
fn oversized_code_fails_standard_verification() {
    let store = MemoryStore::default();
    let big = vec![0x5b; evm_bytecode::MAX_CODE_SIZE + 1];
    let h = store.insert(big);
    let cache = CodeCache::new(Chain::new(vec![Box::new(store)]));
    assert!(matches!(cache.get(h), Err(LoadError::TooLarge { what: "code", .. })));
}

#[test]
fn missing_code_is_not_found() {
    let cache = CodeCache::new(Chain::new(vec![Box::new(MemoryStore::default())]));
    let h = B256::repeat_byte(9);
    assert!(matches!(cache.get(h), Err(LoadError::NotFound { hash }) if hash == h));
    let a = Address::repeat_byte(9);
    assert!(
        matches!(cache.get_by_address(a), Err(LoadError::AddressNotFound { address }) if address == a)
    );
}

#[test]
fn empty_code_needs_no_source() {
    let cache = CodeCache::new(Chain::default());
    let code = cache.get(KECCAK256_EMPTY).unwrap();
    assert!(code.is_empty());
    assert_eq!(code.hash(), KECCAK256_EMPTY);
}

#[test]
fn policy_none_loads_every_time() {
    let (cache, level, hashes) = counting_cache(1, Duration::ZERO, CachePolicy::None);
    for _ in 0..3 {
        cache.get(hashes[0]).unwrap();
    }
    assert_eq!(level.loads.load(Ordering::SeqCst), 3);
    assert!(cache.get_cached(hashes[0]).is_none());
}

#[test]
fn every_policy_serves_hits_from_memory() {
    for policy in [
        CachePolicy::Lru,
        CachePolicy::Lfu,
        CachePolicy::Ttl(Duration::from_secs(60)),
        CachePolicy::Tti(Duration::from_secs(60)),
        CachePolicy::Adaptive,
    ] {
        let (cache, level, hashes) = counting_cache(10, Duration::ZERO, policy);
        for _ in 0..3 {
            for h in &hashes {
                assert_eq!(cache.get(*h).unwrap().hash(), *h);
            }
        }
        assert_eq!(level.loads.load(Ordering::SeqCst), 10, "{policy:?}");
        let m = cache.metrics();
        assert_eq!((m.hits, m.misses), (20, 10), "{policy:?}");
        assert!((m.hit_rate - 2.0 / 3.0).abs() < 1e-9);
    }
}

#[test]
fn entry_bound_holds_and_evictions_are_counted() {
    for policy in [CachePolicy::Adaptive, CachePolicy::Lru, CachePolicy::Lfu] {
        let (store, hashes) = store_with(500, 0);
        let cache = CodeCache::builder(Chain::new(vec![Box::new(store)]))
            .policy(policy)
            .max_entries(50)
            .build();
        for h in &hashes {
            cache.get(*h).unwrap();
        }
        let m = cache.metrics();
        assert!(m.cached_entries <= 50, "{policy:?}: {} entries", m.cached_entries);
        assert!(m.evictions >= 400, "{policy:?}: {} evictions", m.evictions);
    }
}

#[test]
fn byte_bound_holds() {
    for policy in [CachePolicy::Adaptive, CachePolicy::Lru] {
        let (store, hashes) = store_with(200, 4000);
        let one =
            evm_codecache::analysed_bytes(&evm_bytecode::AnalyzedCode::new(contract(0, 4000)));
        let cache = CodeCache::builder(Chain::new(vec![Box::new(store)]))
            .policy(policy)
            .max_bytes(20 * one)
            .build();
        for h in &hashes {
            cache.get(*h).unwrap();
        }
        let m = cache.metrics();
        assert!(m.cached_bytes <= 20 * one, "{policy:?}: {} > {}", m.cached_bytes, 20 * one);
        assert!(
            m.cached_entries <= 20 && m.cached_entries >= 5,
            "{policy:?}: {}",
            m.cached_entries
        );
    }
}

/// A hot set read often, then one sweep over many cold contracts read once each: the
/// adaptive policy must keep (nearly all of) the hot set.
#[test]
fn adaptive_policy_resists_a_scan() {
    let hot = 50u64;
    let cold = 5_000u64;
    let (store, hashes) = store_with(hot + cold, 0);
    let level = Arc::new(Counting::new(store, Duration::ZERO));
    let cache = CodeCache::builder(Chain::new(vec![Box::new(level.clone())]))
        .policy(CachePolicy::Adaptive)
        .max_entries(200)
        .build();
    let (hot_set, cold_set) = hashes.split_at(hot as usize);
    for _ in 0..5 {
        for h in hot_set {
            cache.get(*h).unwrap();
        }
    }
    for h in cold_set {
        cache.get(*h).unwrap();
    }
    let kept = hot_set.iter().filter(|h| cache.get_cached(**h).is_some()).count();
    assert!(kept >= 45, "the scan flushed the hot set: {kept} of {hot} kept");

    // The same workload under LRU loses the hot set: the contrast shows the test bites.
    let (store, hashes) = store_with(hot + cold, 0);
    let lru = CodeCache::builder(Chain::new(vec![Box::new(store)]))
        .policy(CachePolicy::Lru)
        .max_entries(200)
        .build();
    let (hot_set, cold_set) = hashes.split_at(hot as usize);
    for _ in 0..5 {
        for h in hot_set {
            lru.get(*h).unwrap();
        }
    }
    for h in cold_set {
        lru.get(*h).unwrap();
    }
    let kept_lru = hot_set.iter().filter(|h| lru.get_cached(**h).is_some()).count();
    assert!(kept_lru < kept, "lru kept {kept_lru}, adaptive {kept}");
}

#[test]
fn address_mappings_expire_under_ttl_and_code_does_not() {
    let store = Arc::new(MemoryStore::default());
    let a = Address::repeat_byte(0xaa);
    store.insert_address(a, contract(1, 0));
    let cache = CodeCache::builder(Chain::new(vec![Box::new(store.clone())]))
        .policy(CachePolicy::Ttl(Duration::from_millis(300)))
        .build();
    let first = cache.get_by_address(a).unwrap();
    assert_eq!(first.hash(), keccak256(contract(1, 0)));
    // Redeploy: within the TTL the old mapping is served.
    store.insert_address(a, contract(2, 0));
    assert_eq!(cache.get_by_address(a).unwrap().hash(), first.hash());
    std::thread::sleep(Duration::from_millis(600));
    assert_eq!(cache.get_by_address(a).unwrap().hash(), keccak256(contract(2, 0)));
    // The old code is still there by hash.
    assert!(cache.get_cached(first.hash()).is_some());
}

#[test]
fn address_mappings_can_be_invalidated() {
    let store = Arc::new(MemoryStore::default());
    let a = Address::repeat_byte(0xbb);
    store.insert_address(a, contract(1, 0));
    let cache = CodeCache::new(Chain::new(vec![Box::new(store.clone())]));
    cache.get_by_address(a).unwrap();
    store.insert_address(a, contract(2, 0));
    cache.invalidate_address(a);
    assert_eq!(cache.get_by_address(a).unwrap().hash(), keccak256(contract(2, 0)));
}

#[test]
fn account_keys_check_the_expected_hash() {
    let store = MemoryStore::default();
    let a = Address::repeat_byte(0xcc);
    store.insert_address(a, contract(1, 0));
    let cache = CodeCache::new(Chain::new(vec![Box::new(store)]));
    let right = keccak256(contract(1, 0));
    assert_eq!(cache.get_account(a, right).unwrap().hash(), right);
    let wrong = keccak256(contract(2, 0));
    assert!(matches!(
        cache.get_account(a, wrong),
        Err(LoadError::HashMismatch { expected, .. }) if expected == wrong
    ));
}

#[test]
fn preload_runs_in_parallel_and_reports_progress() {
    let (cache, level, hashes) =
        counting_cache(40, Duration::from_millis(20), CachePolicy::Adaptive);
    let mut keys: Vec<Key> = hashes.iter().map(|h| Key::Hash(*h)).collect();
    keys.push(Key::Hash(B256::repeat_byte(7)));
    let calls = std::sync::atomic::AtomicUsize::new(0);
    let last_total = std::sync::atomic::AtomicUsize::new(0);
    let report = cache.preload(&keys, 8, |p| {
        calls.fetch_add(1, Ordering::SeqCst);
        last_total.store(p.total, Ordering::SeqCst);
        assert!(p.done <= p.total && p.failed <= p.done);
    });
    assert_eq!(report.loaded, 40);
    assert_eq!(report.failed.len(), 1);
    assert!(matches!(report.failed[0], (Key::Hash(_), LoadError::NotFound { .. })));
    assert_eq!(calls.load(Ordering::SeqCst), 41);
    assert_eq!(last_total.load(Ordering::SeqCst), 41);
    assert_eq!(level.loads.load(Ordering::SeqCst), 41);
    // 41 loads of 20 ms on 8 threads take well under the sequential 820 ms.
    assert!(report.elapsed < Duration::from_millis(700), "{:?}", report.elapsed);
    for h in &hashes {
        assert!(cache.get_cached(*h).is_some());
    }
}

#[test]
fn inserted_code_is_served_without_a_source() {
    let cache = CodeCache::new(Chain::default());
    let code = cache.insert(contract(3, 0).into());
    assert!(Arc::ptr_eq(&cache.get(code.hash()).unwrap(), &code));
}

#[test]
fn metrics_snapshot_serialises() {
    let (cache, _level, hashes) = counting_cache(2, Duration::ZERO, CachePolicy::Adaptive);
    cache.get(hashes[0]).unwrap();
    cache.get(hashes[0]).unwrap();
    let json = serde_json::to_value(cache.metrics()).unwrap();
    assert_eq!(json["hits"], 1);
    assert_eq!(json["misses"], 1);
    assert_eq!(json["sources"]["mem://"]["loads"], 1);
    assert!(json["cached_bytes"].as_u64().unwrap() > 0);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    /// Whatever the policy and bound, every answer is exactly the source's code for the key,
    /// and only keys the source lacks fail.
    #[test]
    fn cache_agrees_with_its_source(
        ops in proptest::collection::vec((0u64..24, proptest::bool::ANY), 1..150),
        policy in 0usize..6,
        max_entries in 1u64..12,
    ) {
        let policy = [
            CachePolicy::None,
            CachePolicy::Lru,
            CachePolicy::Lfu,
            CachePolicy::Ttl(Duration::from_secs(60)),
            CachePolicy::Tti(Duration::from_secs(60)),
            CachePolicy::Adaptive,
        ][policy];
        let store = MemoryStore::default();
        for i in 0..20 {
            store.insert_address(Address::with_last_byte(i as u8), contract(i, 0));
            store.insert(contract(i, 0));
        }
        let cache = CodeCache::builder(Chain::new(vec![Box::new(store)]))
            .policy(policy)
            .max_entries(max_entries)
            .max_addresses(max_entries)
            .build();
        for (i, by_address) in ops {
            let expected = contract(i, 0);
            let got = if by_address {
                cache.get_by_address(Address::with_last_byte(i as u8))
            } else {
                cache.get(keccak256(&expected))
            };
            if i < 20 {
                let code = got.unwrap();
                proptest::prop_assert_eq!(code.original().as_ref(), &expected[..]);
                proptest::prop_assert_eq!(code.hash(), keccak256(&expected));
            } else {
                proptest::prop_assert!(got.is_err());
            }
        }
    }
}

#[test]
fn many_addresses_at_once_keep_order_and_report_misses() {
    let store = MemoryStore::default();
    let addresses: Vec<Address> = (0..5u8).map(Address::with_last_byte).collect();
    for (i, a) in addresses.iter().enumerate().take(4) {
        store.insert_address(*a, contract(i as u64, 0));
    }
    let cache = CodeCache::new(Chain::new(vec![Box::new(store)]));
    cache.get_by_address(addresses[1]).unwrap();
    let got = cache.get_many_by_address(&addresses);
    for (i, r) in got.iter().take(4).enumerate() {
        assert_eq!(r.as_ref().unwrap().hash(), keccak256(contract(i as u64, 0)));
    }
    assert!(matches!(got[4], Err(LoadError::AddressNotFound { .. })));
    let m = cache.metrics();
    assert_eq!((m.hits, m.loads, m.load_failures), (1, 4, 1));
}

#[derive(Debug)]
struct PanicsOnce {
    inner: MemoryStore,
    calls: std::sync::atomic::AtomicUsize,
}

impl evm_codecache::Loader for PanicsOnce {
    fn url(&self) -> &Arc<str> {
        evm_codecache::Loader::url(&self.inner)
    }

    fn load(&self, hash: B256) -> Result<Option<alloy_primitives::Bytes>, LoadError> {
        if self.calls.fetch_add(1, Ordering::SeqCst) == 0 {
            std::thread::sleep(Duration::from_millis(500));
            panic!("loader bug");
        }
        evm_codecache::Loader::load(&self.inner, hash)
    }
}

#[test]
fn a_panicking_loader_wakes_its_waiters_and_caches_nothing() {
    let inner = MemoryStore::default();
    let h = inner.insert(contract(1, 0));
    let level = PanicsOnce { inner, calls: std::sync::atomic::AtomicUsize::new(0) };
    let cache = CodeCache::new(Chain::new(vec![Box::new(level)]));
    let barrier = Barrier::new(4);
    let outcomes: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                s.spawn(|| {
                    barrier.wait();
                    cache.get(h)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join()).collect()
    });
    assert_eq!(outcomes.iter().filter(|o| o.is_err()).count(), 1, "one thread panicked");
    // Waiters get the typed error; a thread that came after the flight ended loads anew.
    let mut woken = 0;
    for o in outcomes.into_iter().flatten() {
        match o {
            Err(LoadError::LoaderPanicked { key: Key::Hash(k) }) if k == h => woken += 1,
            Ok(code) => assert_eq!(code.hash(), h),
            other => panic!("{other:?}"),
        }
    }
    assert!(woken >= 1);
    assert_eq!(cache.get(h).unwrap().hash(), h);
}

#[test]
fn an_evicted_address_reloads_by_hash_first() {
    let store = Arc::new(Counting::new(MemoryStore::default(), Duration::ZERO));
    let a = Address::repeat_byte(0xdd);
    store.inner.insert_address(a, contract(1, 0));
    store.inner.insert(contract(1, 0));
    let (other_store, others) = store_with(100, 0);
    let cache =
        CodeCache::builder(Chain::new(vec![Box::new(store.clone()), Box::new(other_store)]))
            .max_entries(4)
            .policy(CachePolicy::Lru)
            .build();
    let first = cache.get_by_address(a).unwrap();
    for h in &others {
        cache.get(*h).unwrap();
    }
    assert!(cache.get_cached(first.hash()).is_none(), "evicted");
    let loads = store.loads.load(Ordering::SeqCst);
    assert_eq!(cache.get_by_address(a).unwrap().hash(), first.hash());
    // One by-hash load (Counting counts both kinds); the address was not asked again.
    assert_eq!(store.loads.load(Ordering::SeqCst), loads + 1);
}

#[test]
fn policies_parse_from_command_line_names() {
    assert_eq!("adaptive".parse(), Ok(CachePolicy::Adaptive));
    assert_eq!("lru".parse(), Ok(CachePolicy::Lru));
    assert_eq!("lfu".parse(), Ok(CachePolicy::Lfu));
    assert_eq!("none".parse(), Ok(CachePolicy::None));
    assert_eq!("ttl=30".parse(), Ok(CachePolicy::Ttl(Duration::from_secs(30))));
    assert_eq!("tti=0.5".parse(), Ok(CachePolicy::Tti(Duration::from_millis(500))));
    for bad in ["", "ttl", "ttl=x", "ttl=-1", "ttl=1e30", "tti=NaN", "mru", "lru=3"] {
        assert!(bad.parse::<CachePolicy>().is_err(), "{bad}");
    }
}
