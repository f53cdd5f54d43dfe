//! Counters of the cache and its sources: atomics on the hit path, a mutex only on loads.
//! `MetricsSnapshot` is the serialisable view.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::time::Duration;

use serde::Serialize;

/// Hit counters are striped over this many cache lines so that threads do not share one.
const STRIPES: usize = 16;

#[repr(align(64))]
#[derive(Debug, Default)]
struct Padded(AtomicU64);

/// A counter that many threads bump: each thread adds to its own stripe.
#[derive(Debug, Default)]
pub(crate) struct StripedCounter([Padded; STRIPES]);

fn stripe() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    thread_local! { static STRIPE: usize = NEXT.fetch_add(1, Relaxed) % STRIPES; }
    STRIPE.with(|s| *s)
}

impl StripedCounter {
    #[inline]
    pub(crate) fn incr(&self) {
        self.0[stripe()].0.fetch_add(1, Relaxed);
    }

    pub(crate) fn get(&self) -> u64 {
        self.0.iter().map(|p| p.0.load(Relaxed)).sum()
    }
}

/// Per-source counters, keyed by the source URL.
#[derive(Debug, Default, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct SourceSnapshot {
    /// Loads this source answered with verified code.
    pub loads: u64,
    /// Times this source did not have the code (and the chain moved on).
    pub not_found: u64,
    /// Times this source failed (down, timeout, bad response) and the chain moved on.
    pub failures: u64,
    /// Times this source was skipped because it failed recently (see `Chain::with_cooldown`).
    pub skipped: u64,
    /// Times code from this source failed verification.
    pub verification_failures: u64,
    /// Code written into this source to back-fill it from a slower one.
    pub backfills: u64,
    /// Code bytes this source delivered.
    pub bytes: u64,
}

/// Live counters. Shared by the cache and its chain; read with [`Metrics::snapshot`].
#[derive(Debug, Default)]
pub struct Metrics {
    pub(crate) hits: StripedCounter,
    pub(crate) misses: StripedCounter,
    loads: AtomicU64,
    load_nanos_total: AtomicU64,
    load_nanos_max: AtomicU64,
    loaded_bytes: AtomicU64,
    load_failures: AtomicU64,
    verification_failures: AtomicU64,
    evictions: AtomicU64,
    level_failures: AtomicU64,
    sources: Mutex<BTreeMap<String, SourceSnapshot>>,
}

/// A point-in-time copy of [`Metrics`], serialisable with serde.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct MetricsSnapshot {
    /// Lookups answered from memory.
    pub hits: u64,
    /// Lookups that had to load (or wait for another thread's load).
    pub misses: u64,
    /// `hits / (hits + misses)`, 0 when there were no lookups.
    pub hit_rate: f64,
    /// Completed loads that produced verified code.
    pub loads: u64,
    /// Loads that failed (nothing was cached).
    pub load_failures: u64,
    /// Total time spent in loads, in microseconds.
    pub load_time_total_us: u64,
    /// Mean load time, in microseconds.
    pub load_time_mean_us: u64,
    /// Longest load, in microseconds.
    pub load_time_max_us: u64,
    /// Code bytes loaded from sources.
    pub loaded_bytes: u64,
    /// Weight of the analysed code now held in memory, in bytes (see `analysed_bytes`).
    pub cached_bytes: u64,
    /// Entries now held in memory.
    pub cached_entries: u64,
    /// Code that failed verification (hash, size, signature, proof).
    pub verification_failures: u64,
    /// Entries evicted for size or expired.
    pub evictions: u64,
    /// Times a level failed and the chain fell through to the next.
    pub level_failures: u64,
    /// Counters per source URL.
    pub sources: BTreeMap<String, SourceSnapshot>,
}

impl Metrics {
    pub(crate) fn record_load(&self, elapsed: Duration, bytes: usize) {
        let nanos = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX);
        self.loads.fetch_add(1, Relaxed);
        self.load_nanos_total.fetch_add(nanos, Relaxed);
        self.load_nanos_max.fetch_max(nanos, Relaxed);
        self.loaded_bytes.fetch_add(bytes as u64, Relaxed);
    }

    pub(crate) fn record_load_failure(&self) {
        self.load_failures.fetch_add(1, Relaxed);
    }

    pub(crate) fn record_eviction(&self) {
        self.evictions.fetch_add(1, Relaxed);
    }

    pub(crate) fn source(&self, url: &str, f: impl FnOnce(&mut SourceSnapshot)) {
        let mut sources = self.sources.lock().unwrap_or_else(|e| e.into_inner());
        f(sources.entry(url.to_owned()).or_default());
    }

    pub(crate) fn record_source_hit(&self, url: &str, bytes: usize) {
        self.source(url, |s| {
            s.loads += 1;
            s.bytes += bytes as u64;
        });
    }

    pub(crate) fn record_level_failure(&self, url: &str, verification: bool) {
        self.level_failures.fetch_add(1, Relaxed);
        if verification {
            self.verification_failures.fetch_add(1, Relaxed);
        }
        self.source(url, |s| {
            if verification {
                s.verification_failures += 1;
            } else {
                s.failures += 1;
            }
        });
    }

    /// Copies the counters. `cached_*` are filled in by the cache, which knows its store.
    pub fn snapshot(&self) -> MetricsSnapshot {
        let hits = self.hits.get();
        let misses = self.misses.get();
        let loads = self.loads.load(Relaxed);
        let total_us = self.load_nanos_total.load(Relaxed) / 1_000;
        let lookups = hits + misses;
        MetricsSnapshot {
            hits,
            misses,
            hit_rate: if lookups == 0 { 0.0 } else { hits as f64 / lookups as f64 },
            loads,
            load_failures: self.load_failures.load(Relaxed),
            load_time_total_us: total_us,
            load_time_mean_us: total_us.checked_div(loads).unwrap_or(0),
            load_time_max_us: self.load_nanos_max.load(Relaxed) / 1_000,
            loaded_bytes: self.loaded_bytes.load(Relaxed),
            cached_bytes: 0,
            cached_entries: 0,
            verification_failures: self.verification_failures.load(Relaxed),
            evictions: self.evictions.load(Relaxed),
            level_failures: self.level_failures.load(Relaxed),
            sources: self.sources.lock().unwrap_or_else(|e| e.into_inner()).clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_serialises_and_computes_rates() {
        let m = Metrics::default();
        m.hits.incr();
        m.hits.incr();
        m.hits.incr();
        m.misses.incr();
        m.record_load(Duration::from_micros(10), 5);
        m.record_load(Duration::from_micros(30), 7);
        m.record_level_failure("redis://x", false);
        let s = m.snapshot();
        assert_eq!((s.hits, s.misses, s.loads, s.loaded_bytes), (3, 1, 2, 12));
        assert!((s.hit_rate - 0.75).abs() < 1e-9);
        assert_eq!((s.load_time_total_us, s.load_time_mean_us, s.load_time_max_us), (40, 20, 30));
        assert_eq!(s.sources["redis://x"].failures, 1);
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(json["hits"], 3);
        assert_eq!(json["sources"]["redis://x"]["failures"], 1);
    }
}
