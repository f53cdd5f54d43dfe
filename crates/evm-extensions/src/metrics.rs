//! Metrics per extension and hook point: calls, errors, faults and, when timing is on, total,
//! minimum and maximum time.

use std::time::Duration;

/// Counters of one (extension, point) pair.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Stats {
    pub(crate) calls: u64,
    pub(crate) errors: u64,
    pub(crate) faults: u64,
    pub(crate) timed: u64,
    pub(crate) total_ns: u64,
    pub(crate) min_ns: u64,
    pub(crate) max_ns: u64,
}

impl Stats {
    #[inline]
    pub(crate) fn time(&mut self, elapsed: Duration) {
        let ns = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX);
        self.min_ns = if self.timed == 0 { ns } else { self.min_ns.min(ns) };
        self.max_ns = self.max_ns.max(ns);
        self.total_ns = self.total_ns.saturating_add(ns);
        self.timed += 1;
    }
}

/// Slots per extension: one per hook point, then custom opcodes, then precompiles.
pub(crate) const SLOTS: usize = evmkit_plugin::abi::point::COUNT as usize + 2;
/// The slot of custom opcode executions.
pub(crate) const OPCODE_SLOT: usize = SLOTS - 2;
/// The slot of precompile executions.
pub(crate) const PRECOMPILE_SLOT: usize = SLOTS - 1;

/// One row of the metrics table.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct MetricsRow {
    /// Extension id.
    pub extension_id: u32,
    /// Extension name.
    pub extension: String,
    /// Hook point name, `opcode` or `precompile`.
    pub point: &'static str,
    /// Calls.
    pub calls: u64,
    /// Errors (a refused modification, an unsupported answer, an error status).
    pub errors: u64,
    /// Faults (panics); a fault disables the extension.
    pub faults: u64,
    /// Total time in nanoseconds (zero unless timing is on).
    pub total_ns: u64,
    /// Shortest call in nanoseconds.
    pub min_ns: u64,
    /// Longest call in nanoseconds.
    pub max_ns: u64,
}

/// A snapshot of every row with at least one call.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Metrics {
    /// Rows by extension, then point.
    pub rows: Vec<MetricsRow>,
}

impl Metrics {
    /// The row of `extension` at `point`, if it was called.
    pub fn row(&self, extension: &str, point: &str) -> Option<&MetricsRow> {
        self.rows.iter().find(|r| r.extension == extension && r.point == point)
    }
}

impl core::fmt::Display for Metrics {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        writeln!(
            f,
            "{:<20} {:<22} {:>10} {:>7} {:>7} {:>12} {:>9} {:>9}",
            "extension", "point", "calls", "errors", "faults", "total_us", "min_ns", "max_ns"
        )?;
        for r in &self.rows {
            writeln!(
                f,
                "{:<20} {:<22} {:>10} {:>7} {:>7} {:>12.1} {:>9} {:>9}",
                r.extension,
                r.point,
                r.calls,
                r.errors,
                r.faults,
                r.total_ns as f64 / 1000.0,
                r.min_ns,
                r.max_ns
            )?;
        }
        Ok(())
    }
}
