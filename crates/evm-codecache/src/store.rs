//! The in-memory maps behind the cache: quick_cache (S3-FIFO, scan resistant) or moka (LRU,
//! TinyLFU, TTL, TTI), both bounded by weight, with evictions counted.

use std::hash::{BuildHasher, Hash};
use std::sync::Arc;
use std::time::Duration;

use alloy_primitives::B256;
use evm_bytecode::{AnalyzedCode, PADDING};

use crate::metrics::Metrics;

/// Bytes an analysed contract keeps alive: original and padded code, two bitmaps, the struct.
pub fn analysed_bytes(code: &AnalyzedCode) -> u64 {
    let len = code.len() as u64;
    let bitmap = (len + PADDING as u64).div_ceil(8);
    2 * len + PADDING as u64 + 2 * bitmap + std::mem::size_of::<AnalyzedCode>() as u64
}

/// What a value weighs: analysed bytes for code, one unit for an address mapping.
pub(crate) trait Weight {
    fn weight(&self) -> u64;
}

impl Weight for Arc<AnalyzedCode> {
    fn weight(&self) -> u64 {
        analysed_bytes(self)
    }
}

impl Weight for B256 {
    fn weight(&self) -> u64 {
        1
    }
}

/// Weight with a floor: `max(weight, floor)`. With `floor = capacity / max_entries`, a
/// weight bound also bounds the number of entries.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Weigher {
    floor: u64,
}

impl<K, V: Weight> quick_cache::Weighter<K, V> for Weigher {
    fn weight(&self, _key: &K, val: &V) -> u64 {
        val.weight().max(self.floor)
    }
}

/// Counts quick_cache evictions.
#[derive(Clone, Debug)]
pub(crate) struct Evictions(Arc<Metrics>);

impl<K, V> quick_cache::Lifecycle<K, V> for Evictions {
    type RequestState = ();
    fn on_evict(&self, _state: &mut (), _key: K, _val: V) {
        self.0.record_eviction();
    }
}

/// Which map, and how entries leave it.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Kind {
    Off,
    Quick,
    MokaLru,
    MokaLfu,
    MokaTtl(Duration),
    MokaTti(Duration),
}

pub(crate) enum Store<K, V, S> {
    Off,
    Quick(quick_cache::sync::Cache<K, V, Weigher, S, Evictions>),
    Moka(moka::sync::Cache<K, V, S>),
}

impl<K, V, S> std::fmt::Debug for Store<K, V, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Off => "Store::Off",
            Self::Quick(_) => "Store::Quick",
            Self::Moka(_) => "Store::Moka",
        })
    }
}

impl<K, V, S> Store<K, V, S>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Weight + Clone + Send + Sync + 'static,
    S: BuildHasher + Clone + Default + Send + Sync + 'static,
{
    /// A store holding at most `max_weight` weight and `max_entries` entries; the largest
    /// single value it must accept weighs `max_item`.
    pub(crate) fn new(
        kind: Kind,
        max_weight: u64,
        max_entries: u64,
        max_item: u64,
        metrics: &Arc<Metrics>,
    ) -> Self {
        let max_entries = max_entries.max(1);
        let max_weight = max_weight.max(max_entries);
        let floor = max_weight.div_ceil(max_entries);
        let weigher = Weigher { floor };
        match kind {
            Kind::Off => Self::Off,
            Kind::Quick => {
                // Each shard holds capacity / shards; keep shards large enough for the
                // largest value, else it would be rejected outright.
                let fit = (max_weight / max_item.max(floor).saturating_mul(4)).max(1);
                let cpus = std::thread::available_parallelism().map_or(4, |n| n.get()) as u64;
                let shards = fit.min(cpus * 4).max(1);
                let shards = 1u64 << (63 - shards.leading_zeros());
                let options = quick_cache::OptionsBuilder::new()
                    .estimated_items_capacity(max_entries.min(1 << 20) as usize)
                    .weight_capacity(max_weight)
                    .shards(shards as usize)
                    .build()
                    .expect("capacity and shards are positive");
                Self::Quick(quick_cache::sync::Cache::with_options(
                    options,
                    weigher,
                    S::default(),
                    Evictions(metrics.clone()),
                ))
            }
            Kind::MokaLru | Kind::MokaLfu | Kind::MokaTtl(_) | Kind::MokaTti(_) => {
                let m = metrics.clone();
                let mut b = moka::sync::Cache::builder()
                    .max_capacity(max_weight)
                    .weigher(move |_k: &K, v: &V| {
                        u32::try_from(v.weight().max(floor)).unwrap_or(u32::MAX)
                    })
                    .eviction_listener(move |_k, _v, cause| {
                        use moka::notification::RemovalCause;
                        if matches!(cause, RemovalCause::Size | RemovalCause::Expired) {
                            m.record_eviction();
                        }
                    });
                b = match kind {
                    Kind::MokaLru => b.eviction_policy(moka::policy::EvictionPolicy::lru()),
                    Kind::MokaTtl(d) => b.time_to_live(d),
                    Kind::MokaTti(d) => b.time_to_idle(d),
                    _ => b.eviction_policy(moka::policy::EvictionPolicy::tiny_lfu()),
                };
                Self::Moka(b.build_with_hasher(S::default()))
            }
        }
    }

    #[inline]
    pub(crate) fn get(&self, key: &K) -> Option<V> {
        match self {
            Self::Off => None,
            Self::Quick(c) => c.get(key),
            Self::Moka(c) => c.get(key),
        }
    }

    pub(crate) fn insert(&self, key: K, value: V) {
        match self {
            Self::Off => {}
            Self::Quick(c) => c.insert(key, value),
            Self::Moka(c) => c.insert(key, value),
        }
    }

    pub(crate) fn remove(&self, key: &K) {
        match self {
            Self::Off => {}
            Self::Quick(c) => {
                c.remove(key);
            }
            Self::Moka(c) => c.invalidate(key),
        }
    }

    /// (entries, weight) now held. moka's figures lag until its pending work runs.
    pub(crate) fn usage(&self) -> (u64, u64) {
        match self {
            Self::Off => (0, 0),
            Self::Quick(c) => (c.len() as u64, c.weight()),
            Self::Moka(c) => {
                c.run_pending_tasks();
                (c.entry_count(), c.weighted_size())
            }
        }
    }
}
